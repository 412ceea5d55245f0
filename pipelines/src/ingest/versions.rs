//! Deciding versions without a map of every key in memory.
//!
//! Each staged row is reduced to a fixed-size record (key hash, version,
//! file, row, content hash, place in its staged file) while it is staged
//! ([`version_records`]) and given its file and place by [`FineWriter`]:
//! once a file has 1 MiB of records, they go to [`FINE`] bucket files of
//! that file by their key hash; a smaller file's go to one file. The run is
//! decided in K buckets (K grows with the run, about a million keys a
//! bucket): up to [`FINE`], bucket b is the fine buckets whose number is b
//! modulo K, read where they lie, and the small files' records are copied
//! into K bucket files; above [`FINE`], every record is copied. The table's
//! held versions go to K bucket files by the same hash, those whose key may
//! be in the run (a Bloom filter of the run's keys, [`KeyFilter`]; the
//! others cannot change a decision). Then each bucket on
//! its own (two at a time): the run's best row of each key (a map of the
//! bucket's keys only), the held version of those keys (streamed), and the
//! decision of each best row, set in a byte per staged row. Every other row
//! is superseded. Memory: two buckets' keys plus one byte per staged row
//! (and, while a file is staged, up to 1 MiB of its records and the fine
//! buckets' 64 buffers of 64 KiB; while the held versions are read, the
//! filter's 16 bits a staged row, at most 128 MiB).

use std::collections::HashMap;
use std::fs::File;
use std::hash::BuildHasherDefault;
use std::io::{BufReader, BufWriter, Read, Write};
use std::path::{Path, PathBuf};

use arrow::array::AsArray;
use arrow::datatypes::{Int64Type, UInt64Type};
use futures::StreamExt;
use wangjian_lake::{At, Lake, LakeError};
use xxhash_rust::xxh3::xxh3_128;

use super::commit::{micros, strings};
use super::key_filter::KeyFilter;
use super::stage::Staged;
use crate::IngestError;
use wangjian_contract::sources::Source;

/// What becomes of a staged row.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Decision {
    /// A key the table does not hold: appended.
    Insert,
    /// A newer or same-time, different version of a held key: merged.
    Update,
    /// An older or identical version, or not the run's winner for its key.
    Superseded,
}

/// The version rule (docs/ingest.md, Versions): `winner` is whether the row
/// is its key's best in the run; `held` the table's (version micros,
/// content hash) for the key; `ts` and `hash` the row's.
pub fn decision(winner: bool, held: Option<(i64, u64)>, ts: i64, hash: u64) -> Decision {
    match (winner, held) {
        (false, _) => Decision::Superseded,
        (true, None) => Decision::Insert,
        (true, Some((held_ts, held_hash))) if ts >= held_ts && hash != held_hash => {
            Decision::Update
        }
        (true, Some(_)) => Decision::Superseded,
    }
}

/// Keys per bucket the bucket count aims at.
const KEYS_PER_BUCKET: u64 = 1 << 20;

/// Buckets for a run of `rows` staged rows: a power of two, 1 to 1024.
pub fn buckets_for(rows: u64) -> usize {
    (rows / KEYS_PER_BUCKET + 1).next_power_of_two().min(1024) as usize
}

fn key_hash(k: &str) -> u128 {
    xxh3_128(k.as_bytes())
}

fn bucket(k: u128, buckets: usize) -> usize {
    ((k >> 64) as u64 % buckets as u64) as usize
}

/// The fine buckets of one staged file's version records: a power of two,
/// so that a run of K ≤ FINE buckets (a power of two) finds its bucket b in
/// the fine buckets b, b + K, b + 2K, ... (see [`bucket`]).
pub const FINE: usize = 64;

/// Records of a staged file kept in memory before it is known to be large
/// enough for fine buckets (about 18,700 rows): a smaller file's records go
/// to one file, copied into the run's buckets when it is decided, so that a
/// run of many small files does not make 64 files of each.
const SMALL: usize = 1 << 20;

/// The paths a staged file's version records may take (`stem` names the
/// file): its [`FINE`] fine buckets, then the one file of a small file's.
pub(super) fn fine_paths(dir: &Path, stem: &str) -> Vec<PathBuf> {
    let ext = wangjian_lake::SPILL_EXTENSION;
    (0..FINE)
        .map(|f| dir.join(format!("{stem}.versions-{f:02}.{ext}")))
        .chain([dir.join(format!("{stem}.versions.{ext}"))])
        .collect()
}

/// A staged file's version records being written, each with the file's
/// place in its source's files and its own place in the staged file: to
/// the file's fine buckets once there are [`SMALL`] bytes of them, else
/// to one file when the file is done.
pub(super) struct FineWriter<'p> {
    paths: &'p [PathBuf],
    spill: Option<Spill>,
    pending: Vec<u8>,
    file: u32,
    pos: u32,
}

impl<'p> FineWriter<'p> {
    /// A writer to `paths` (from [`fine_paths`]; nothing is created yet)
    /// for the staged file at place `file` among its source's files.
    pub(super) fn new(paths: &'p [PathBuf], file: usize) -> Result<FineWriter<'p>, IngestError> {
        let file = u32::try_from(file)
            .map_err(|_| IngestError::Staging(format!("{file} files in one run")))?;
        if paths.len() != FINE + 1 {
            return Err(IngestError::Staging(format!(
                "{} paths for version records, not {}",
                paths.len(),
                FINE + 1
            )));
        }
        Ok(FineWriter {
            paths,
            spill: None,
            pending: Vec::new(),
            file,
            pos: 0,
        })
    }

    /// Writes a batch's records (from [`version_records`], in the staged
    /// rows' order) with their file and places.
    pub(super) fn write(&mut self, records: &[u8]) -> Result<(), IngestError> {
        for rec in records.chunks_exact(ROW_BYTES) {
            let mut rec: [u8; ROW_BYTES] = rec.try_into().expect("ROW_BYTES");
            rec[48..52].copy_from_slice(&self.file.to_le_bytes());
            rec[52..56].copy_from_slice(&self.pos.to_le_bytes());
            self.pos = self.pos.checked_add(1).ok_or_else(|| {
                IngestError::Staging(format!("file {}: too many rows", self.file))
            })?;
            match &mut self.spill {
                Some(spill) => to_fine_bucket(spill, &rec)?,
                None => self.pending.extend_from_slice(&rec),
            }
        }
        if self.spill.is_none() && self.pending.len() >= SMALL {
            let mut spill = Spill::at(&self.paths[..FINE])?;
            for rec in self.pending.chunks_exact(ROW_BYTES) {
                to_fine_bucket(&mut spill, rec)?;
            }
            self.pending = Vec::new();
            self.spill = Some(spill);
        }
        Ok(())
    }

    /// Flushes the records; returns the files they are in.
    pub(super) fn finish(self) -> Result<Vec<PathBuf>, IngestError> {
        if let Some(spill) = self.spill {
            return spill.finish();
        }
        let one = &self.paths[FINE];
        std::fs::write(one, &self.pending).map_err(|e| IngestError::io(one, e))?;
        Ok(vec![one.clone()])
    }
}

fn to_fine_bucket(spill: &mut Spill, rec: &[u8]) -> Result<(), IngestError> {
    let key = u128::from_le_bytes(rec[..16].try_into().expect("16 bytes"));
    let (w, p) = spill.writer(bucket(key, FINE));
    w.write_all(rec).map_err(|e| IngestError::io(p, e))
}

/// A staged row, as the decision needs it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Row {
    key: u128,
    /// (version micros, file seq, row): the greater wins.
    rank: (i64, i64, i64),
    hash: u64,
    file: u32,
    pos: u32,
}

const ROW_BYTES: usize = 16 + 8 + 8 + 8 + 8 + 4 + 4;
const HELD_BYTES: usize = 16 + 8 + 8;

impl Row {
    fn write(&self, w: &mut impl Write) -> std::io::Result<()> {
        w.write_all(&self.key.to_le_bytes())?;
        w.write_all(&self.rank.0.to_le_bytes())?;
        w.write_all(&self.rank.1.to_le_bytes())?;
        w.write_all(&self.rank.2.to_le_bytes())?;
        w.write_all(&self.hash.to_le_bytes())?;
        w.write_all(&self.file.to_le_bytes())?;
        w.write_all(&self.pos.to_le_bytes())
    }
    fn read(b: &[u8; ROW_BYTES]) -> Row {
        let n = |a: usize| i64::from_le_bytes(b[a..a + 8].try_into().expect("8 bytes"));
        Row {
            key: u128::from_le_bytes(b[0..16].try_into().expect("16 bytes")),
            rank: (n(16), n(24), n(32)),
            hash: n(40) as u64,
            file: u32::from_le_bytes(b[48..52].try_into().expect("4 bytes")),
            pos: u32::from_le_bytes(b[52..56].try_into().expect("4 bytes")),
        }
    }
}

/// K bucket files being written.
struct Spill {
    paths: Vec<PathBuf>,
    writers: Vec<BufWriter<File>>,
}

impl Spill {
    fn create(dir: &Path, stem: &str, buckets: usize) -> Result<Spill, IngestError> {
        let paths: Vec<PathBuf> = (0..buckets)
            .map(|b| dir.join(format!("{stem}-{b}.{}", wangjian_lake::SPILL_EXTENSION)))
            .collect();
        Spill::at(&paths)
    }
    /// Bucket files at `paths`, one a bucket.
    fn at(paths: &[PathBuf]) -> Result<Spill, IngestError> {
        let mut writers = Vec::with_capacity(paths.len());
        for p in paths {
            let f = File::create(p).map_err(|e| IngestError::io(p, e))?;
            writers.push(BufWriter::with_capacity(1 << 16, f));
        }
        Ok(Spill {
            paths: paths.to_vec(),
            writers,
        })
    }
    fn writer(&mut self, b: usize) -> (&mut BufWriter<File>, &Path) {
        (&mut self.writers[b], &self.paths[b])
    }
    fn finish(self) -> Result<Vec<PathBuf>, IngestError> {
        for (mut w, p) in self.writers.into_iter().zip(&self.paths) {
            w.flush().map_err(|e| IngestError::io(p, e))?;
        }
        Ok(self.paths)
    }
}

/// The version records of a batch of staged rows, in their order: each
/// row's record as the buckets take it, with its file and place left zero
/// ([`FineWriter`] sets them). Made on the validator threads while a file
/// is staged, so that deciding reads these small records instead of the
/// staged files whole. `seq` is the file's place in the run (the second
/// part of a version's rank).
pub(super) fn version_records(
    src: &Source,
    batch: &arrow::array::RecordBatch,
    seq: usize,
) -> Result<Vec<u8>, IngestError> {
    let col = |name: &str| {
        batch
            .column_by_name(name)
            .ok_or_else(|| IngestError::Staging(format!("staged rows: no column {name}")))
    };
    let keys = strings(col(src.key)?)?;
    let ts = micros(col("updated_at")?)?;
    let rows = col("_row")?.as_primitive::<Int64Type>();
    let hashes = col("_hash")?
        .as_primitive_opt::<UInt64Type>()
        .ok_or_else(|| IngestError::Staging("staged rows: _hash is not a number".into()))?;
    let seq = seq as i64;
    let mut out = Vec::with_capacity(batch.num_rows() * ROW_BYTES);
    for i in 0..batch.num_rows() {
        let r = Row {
            key: key_hash(keys.value(i)),
            rank: (ts.value(i), seq, rows.value(i)),
            hash: hashes.value(i),
            file: 0,
            pos: 0,
        };
        r.write(&mut out).expect("writing to memory");
    }
    Ok(out)
}

/// The staged rows of each file, checked against its version records (the
/// fine buckets' sizes).
fn staged_counts(staged: &[Staged]) -> Result<Vec<usize>, IngestError> {
    let mut counts = vec![0usize; staged.len()];
    for (file, s) in staged.iter().enumerate() {
        let Some(data) = &s.data else { continue };
        if s.versions.len() != FINE && s.versions.len() != 1 {
            return Err(IngestError::Staging(format!(
                "{}: no version records",
                data.display()
            )));
        }
        let mut bytes = 0u64;
        for p in &s.versions {
            bytes += std::fs::metadata(p)
                .map_err(|e| IngestError::io(p, e))?
                .len();
        }
        let records = bytes / ROW_BYTES as u64;
        let expected = s.report.read.saturating_sub(s.report.quarantined);
        if !bytes.is_multiple_of(ROW_BYTES as u64) || records != expected {
            return Err(IngestError::Staging(format!(
                "{}: {records} version records for {expected} staged rows",
                data.display()
            )));
        }
        counts[file] = records as usize;
    }
    Ok(counts)
}

/// The run's records in `buckets` buckets, the files of each: up to
/// [`FINE`] buckets, the staged files' fine buckets as they are (bucket b
/// holds fine buckets b, b + K, ...); small files' records, and every
/// record above [`FINE`] buckets, copied into `buckets` new bucket files.
fn run_buckets(
    src: &Source,
    staged: &[Staged],
    dir: &Path,
    buckets: usize,
) -> Result<Vec<Vec<PathBuf>>, IngestError> {
    let direct = buckets <= FINE && FINE.is_multiple_of(buckets);
    let mut run = vec![Vec::new(); buckets];
    let mut copied = Vec::new();
    for s in staged {
        if direct && s.versions.len() == FINE {
            for (f, p) in s.versions.iter().enumerate() {
                run[f % buckets].push(p.clone());
            }
        } else {
            copied.extend(&s.versions);
        }
    }
    if copied.is_empty() {
        return Ok(run);
    }
    let mut spill = Spill::create(dir, &format!("{}-run", src.name), buckets)?;
    for path in copied {
        let mut failed = None;
        each_record::<ROW_BYTES>(path, |rec| {
            if failed.is_some() {
                return;
            }
            let key = u128::from_le_bytes(rec[..16].try_into().expect("16 bytes"));
            let (w, p) = spill.writer(bucket(key, buckets));
            if let Err(e) = w.write_all(rec) {
                failed = Some(IngestError::io(p, e));
            }
        })?;
        if let Some(e) = failed {
            return Err(e);
        }
    }
    for (b, p) in spill.finish()?.into_iter().enumerate() {
        run[b].push(p);
    }
    Ok(run)
}

/// The table's (key, version, content hash) to the buckets, for the keys
/// that may be in the run (the run's records are in the files `run`):
/// held versions of other keys are never looked at, and writing every one
/// to disk was most of what adding a quarter to a large lake cost.
async fn spill_held(
    lake: &Lake,
    src: &Source,
    dir: &Path,
    run: &[Vec<PathBuf>],
) -> Result<Vec<PathBuf>, IngestError> {
    let mut spill = Spill::create(dir, &format!("{}-held", src.name), run.len())?;
    let buckets = run.len();
    let cols = [src.key, "updated_at", "_hash"];
    if let Some(mut stream) = lake.scan(src.name, At::Published, &cols).await? {
        let filter = tokio::task::block_in_place(|| run_filter(run))?;
        let (mut read, mut kept) = (0u64, 0u64);
        while let Some(batch) = stream.next().await {
            let batch = batch.map_err(|e| LakeError::in_table(src.name, e))?;
            let keys = strings(batch.column(0))?;
            let ts = micros(batch.column(1))?;
            let hashes = strings(batch.column(2))?;
            read += batch.num_rows() as u64;
            for i in 0..batch.num_rows() {
                let k = key_hash(keys.value(i));
                if !filter.may_contain(k) {
                    continue;
                }
                kept += 1;
                let h = u64::from_str_radix(hashes.value(i), 16).unwrap_or(0);
                let (w, p) = spill.writer(bucket(k, buckets));
                let mut rec = [0u8; HELD_BYTES];
                rec[..16].copy_from_slice(&k.to_le_bytes());
                rec[16..24].copy_from_slice(&ts.value(i).to_le_bytes());
                rec[24..].copy_from_slice(&h.to_le_bytes());
                w.write_all(&rec).map_err(|e| IngestError::io(p, e))?;
            }
        }
        tracing::debug!("{}: {read} held versions read, {kept} kept", src.name);
    }
    spill.finish()
}

/// A filter of the key hashes of the run's records (files `run`, which
/// stay for deciding).
fn run_filter(run: &[Vec<PathBuf>]) -> Result<KeyFilter, IngestError> {
    let mut records = 0u64;
    for p in run.iter().flatten() {
        records += std::fs::metadata(p)
            .map_err(|e| IngestError::io(p, e))?
            .len()
            / ROW_BYTES as u64;
    }
    let mut filter = KeyFilter::for_keys(records);
    for p in run.iter().flatten() {
        read_records::<ROW_BYTES>(p, |b| {
            filter.insert(u128::from_le_bytes(b[..16].try_into().expect("16 bytes")))
        })?;
    }
    Ok(filter)
}

/// Calls `f` on each fixed-size record of `path`, then removes the file.
fn each_record<const N: usize>(path: &Path, f: impl FnMut(&[u8; N])) -> Result<(), IngestError> {
    read_records(path, f)?;
    std::fs::remove_file(path).map_err(|e| IngestError::io(path, e))
}

/// Calls `f` on each fixed-size record of `path`.
fn read_records<const N: usize>(
    path: &Path,
    mut f: impl FnMut(&[u8; N]),
) -> Result<(), IngestError> {
    let file = File::open(path).map_err(|e| IngestError::io(path, e))?;
    let mut r = BufReader::with_capacity(1 << 16, file);
    let mut rec = [0u8; N];
    loop {
        match r.read_exact(&mut rec) {
            Ok(()) => f(&rec),
            Err(e) if e.kind() == std::io::ErrorKind::UnexpectedEof => break,
            Err(e) => return Err(IngestError::io(path, e)),
        }
    }
    Ok(())
}

/// Hashes a key hash by keeping its low 64 bits: the keys are xxh3 hashes
/// already (buckets are chosen by the high 64), and hashing them again with
/// SipHash was a fair part of deciding a bucket.
#[derive(Default)]
struct KeyHasher(u64);

impl std::hash::Hasher for KeyHasher {
    fn finish(&self) -> u64 {
        self.0
    }
    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.0 = self.0.rotate_left(8) ^ u64::from(b);
        }
    }
    fn write_u128(&mut self, k: u128) {
        self.0 = k as u64;
    }
}

type KeyMap<V> = HashMap<u128, V, BuildHasherDefault<KeyHasher>>;

/// One bucket: the best row of each key (the bucket's records are in the
/// files `run`) against its held version; the decisions of the bucket's
/// best rows, as (file, place, decision).
fn decide_bucket(run: &[PathBuf], held: &Path) -> Result<Vec<(u32, u32, Decision)>, IngestError> {
    // Sized for every record of the bucket up front (an upper bound on its
    // keys): growing by rehashing copied the table and faulted in fresh
    // pages at every doubling, a few per cent of a run's time.
    let records = run
        .iter()
        .map(|p| std::fs::metadata(p).map_or(0, |m| m.len() as usize / ROW_BYTES))
        .sum();
    let mut best: KeyMap<Row> = KeyMap::with_capacity_and_hasher(records, Default::default());
    for path in run {
        each_record::<ROW_BYTES>(path, |b| {
            let r = Row::read(b);
            best.entry(r.key)
                .and_modify(|x| {
                    if r.rank > x.rank {
                        *x = r
                    }
                })
                .or_insert(r);
        })?;
    }
    let mut held_of: KeyMap<(i64, u64)> = KeyMap::default();
    each_record::<HELD_BYTES>(held, |b| {
        let k = u128::from_le_bytes(b[..16].try_into().expect("16 bytes"));
        if best.contains_key(&k) {
            let ts = i64::from_le_bytes(b[16..24].try_into().expect("8 bytes"));
            let h = u64::from_le_bytes(b[24..].try_into().expect("8 bytes"));
            held_of.insert(k, (ts, h));
        }
    })?;
    Ok(best
        .iter()
        .map(|(k, r)| {
            let d = decision(true, held_of.get(k).copied(), r.rank.0, r.hash);
            (r.file, r.pos, d)
        })
        .collect())
}

/// Decides every bucket, two at a time (each bucket's keys are its own),
/// setting the decisions of the best rows.
fn decide_buckets(
    run: &[Vec<PathBuf>],
    held: &[PathBuf],
    decisions: &mut [Vec<Decision>],
) -> Result<(), IngestError> {
    let workers = std::thread::available_parallelism()
        .map_or(1, |n| n.get())
        .clamp(1, 2);
    let next = std::sync::atomic::AtomicUsize::new(0);
    let (tx, rx) = std::sync::mpsc::sync_channel(workers);
    std::thread::scope(|scope| {
        for _ in 0..workers {
            let (tx, next) = (tx.clone(), &next);
            scope.spawn(move || loop {
                let b = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                let (Some(r), Some(h)) = (run.get(b), held.get(b)) else {
                    break;
                };
                let out = decide_bucket(r, h);
                let failed = out.is_err();
                if tx.send(out).is_err() || failed {
                    break;
                }
            });
        }
        drop(tx);
        let mut failure = None;
        for out in rx {
            match out {
                Ok(decided) => {
                    for (file, pos, d) in decided {
                        decisions[file as usize][pos as usize] = d;
                    }
                }
                Err(e) => {
                    // Stop the other worker at its next bucket.
                    next.store(usize::MAX / 2, std::sync::atomic::Ordering::Relaxed);
                    failure.get_or_insert(e);
                }
            }
        }
        failure.map_or(Ok(()), Err)
    })
}

/// The decision of every staged row of a source, by file and place in the
/// staged file, against the table's published version; spill files live in
/// `dir` while this runs.
pub async fn decide_versions(
    lake: &Lake,
    src: &Source,
    staged: &[Staged],
    dir: &Path,
    buckets: usize,
) -> Result<Vec<Vec<Decision>>, IngestError> {
    let counts = staged_counts(staged)?;
    let run = tokio::task::block_in_place(|| run_buckets(src, staged, dir, buckets))?;
    let held = spill_held(lake, src, dir, &run).await?;
    let mut decisions: Vec<Vec<Decision>> = counts
        .iter()
        .map(|&n| vec![Decision::Superseded; n])
        .collect();
    tokio::task::block_in_place(|| decide_buckets(&run, &held, &mut decisions))?;
    Ok(decisions)
}

#[cfg(test)]
mod tests {
    use super::*;
    use Decision::*;

    #[test]
    fn the_version_rule() {
        // Not the run's best row for its key.
        assert_eq!(decision(false, None, 10, 1), Superseded);
        // A new key.
        assert_eq!(decision(true, None, 10, 1), Insert);
        // Newer and different: replaces; same time and different: the later arrival wins.
        assert_eq!(decision(true, Some((9, 2)), 10, 1), Update);
        assert_eq!(decision(true, Some((10, 2)), 10, 1), Update);
        // Identical content, whatever its time: changes nothing (a reload).
        assert_eq!(decision(true, Some((10, 1)), 10, 1), Superseded);
        assert_eq!(decision(true, Some((9, 1)), 10, 1), Superseded);
        // Older than the held version: never overwrites it.
        assert_eq!(decision(true, Some((11, 2)), 10, 1), Superseded);
    }

    #[test]
    fn a_row_record_reads_back_as_written() {
        let r = Row {
            key: u128::MAX - 7,
            rank: (-3, 2, i64::MAX),
            hash: u64::MAX,
            file: 9,
            pos: 123_456,
        };
        let mut v = Vec::new();
        r.write(&mut v).unwrap();
        assert_eq!(v.len(), ROW_BYTES);
        assert_eq!(Row::read(v.as_slice().try_into().unwrap()), r);
    }

    /// Staged rows of `keys` (key, version micros), as a staged file's
    /// batch holds them (only the columns the records read).
    fn staged_batch(key: &str, keys: &[(&str, i64)]) -> arrow::array::RecordBatch {
        use arrow::array::{Int64Array, StringArray, TimestampMicrosecondArray, UInt64Array};
        let n = keys.len() as i64;
        arrow::array::RecordBatch::try_from_iter([
            (
                key,
                std::sync::Arc::new(StringArray::from_iter_values(keys.iter().map(|k| k.0)))
                    as arrow::array::ArrayRef,
            ),
            (
                "updated_at",
                std::sync::Arc::new(TimestampMicrosecondArray::from_iter_values(
                    keys.iter().map(|k| k.1),
                )),
            ),
            (
                "_row",
                std::sync::Arc::new(Int64Array::from_iter_values(2..2 + n)),
            ),
            (
                "_hash",
                std::sync::Arc::new(UInt64Array::from_iter_values(
                    (0..n).map(|i| 1000 + i as u64),
                )),
            ),
        ])
        .unwrap()
    }

    /// Two staged files' records, written as staging writes them (in
    /// batches): file 0 has K1, K2, K1 (later) and `pad` keys P0, P1, ...;
    /// file 1 (a small file) a later K2 and later versions of every
    /// seventh P key, so that many keys have rows in both files.
    fn staged_pair(src: &Source, dir: &Path, pad: usize) -> Vec<Staged> {
        let p0: Vec<String> = (0..pad).map(|n| format!("P{n}")).collect();
        let mut k0 = vec![("K1", 1), ("K2", 1), ("K1", 2)];
        k0.extend(p0.iter().map(|k| (k.as_str(), 1)));
        let mut k1 = vec![("K2", 5)];
        k1.extend(p0.iter().step_by(7).map(|k| (k.as_str(), 2)));
        let files = [staged_batch(src.key, &k0), staged_batch(src.key, &k1)];
        let mut staged = Vec::new();
        for (i, b) in files.iter().enumerate() {
            let records = version_records(src, b, i).unwrap();
            assert_eq!(records.len(), b.num_rows() * ROW_BYTES);
            let first = Row::read(records[..ROW_BYTES].try_into().unwrap());
            assert_eq!(first.key, key_hash(if i == 0 { "K1" } else { "K2" }));
            assert_eq!(first.hash, 1000);
            assert_eq!((first.file, first.pos), (0, 0));
            let paths = fine_paths(dir, &format!("f{i}"));
            let mut w = FineWriter::new(&paths, i).unwrap();
            let (one, rest) = records.split_at(ROW_BYTES);
            w.write(one).unwrap();
            w.write(rest).unwrap();
            let versions = w.finish().unwrap();
            staged.push(Staged {
                report: super::super::report::FileReport {
                    read: b.num_rows() as u64 + 1,
                    quarantined: 1,
                    ..Default::default()
                },
                data: Some(dir.join(format!("d{i}.arrow"))),
                quarantine: None,
                versions,
            });
        }
        staged
    }

    /// The records written while two files are staged reach the buckets
    /// with their file and place, whether they lie in fine buckets used as
    /// they are (K ≤ FINE), in fine buckets copied (K > FINE) or in a small
    /// file's one file (copied): each key's latest row wins, across files,
    /// and the record files are gone afterwards.
    #[test]
    fn version_records_go_to_the_buckets_with_their_places() {
        let src = wangjian_contract::sources::source("complaints").unwrap();
        for pad in [0, SMALL / ROW_BYTES] {
            for buckets in [1, 2, FINE, 2 * FINE] {
                let dir = tempfile::tempdir().unwrap();
                let staged = staged_pair(src, dir.path(), pad);
                let first_files = if pad == 0 { 1 } else { FINE };
                assert_eq!(staged[0].versions.len(), first_files);
                assert_eq!(staged[1].versions.len(), 1);
                let on_disk = std::fs::read_dir(dir.path()).unwrap().count();
                assert_eq!(on_disk, first_files + 1);
                let later = pad.div_ceil(7);
                let counts = staged_counts(&staged).unwrap();
                assert_eq!(counts, vec![3 + pad, 1 + later]);
                let run = run_buckets(src, &staged, dir.path(), buckets).unwrap();
                assert_eq!(run.len(), buckets);
                let held = Spill::create(dir.path(), "held", buckets)
                    .unwrap()
                    .finish()
                    .unwrap();
                let mut d: Vec<Vec<Decision>> =
                    counts.iter().map(|&n| vec![Superseded; n]).collect();
                decide_buckets(&run, &held, &mut d).unwrap();
                let mut want0 = vec![Superseded, Superseded, Insert];
                want0.extend((0..pad).map(|n| if n % 7 == 0 { Superseded } else { Insert }));
                assert_eq!(
                    d,
                    vec![want0, vec![Insert; 1 + later]],
                    "{pad} more, {buckets} buckets"
                );
                assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 0);
            }
        }
    }

    /// A file whose records do not match its staged rows, or that has none,
    /// is an error.
    #[test]
    fn records_must_match_the_staged_rows() {
        let src = wangjian_contract::sources::source("complaints").unwrap();
        let dir = tempfile::tempdir().unwrap();
        let mut staged = staged_pair(src, dir.path(), 0);
        staged[1].report.read += 1;
        let e = staged_counts(&staged).unwrap_err();
        assert!(
            e.to_string()
                .contains("1 version records for 2 staged rows"),
            "{e}"
        );
        staged[1].report.read -= 1;
        // A record cut short.
        let some = staged[0]
            .versions
            .iter()
            .find(|p| std::fs::metadata(p).unwrap().len() > 0)
            .unwrap()
            .clone();
        let f = std::fs::OpenOptions::new()
            .append(true)
            .open(&some)
            .unwrap();
        f.set_len(std::fs::metadata(&some).unwrap().len() - 1)
            .unwrap();
        let e = staged_counts(&staged).unwrap_err();
        assert!(
            e.to_string().contains("version records for 3 staged rows"),
            "{e}"
        );
        staged[0].versions.clear();
        let e = staged_counts(&staged).unwrap_err();
        assert!(e.to_string().contains("no version records"), "{e}");
    }

    /// Decisions for `rows` against `held`, through `buckets` spill files.
    fn through_buckets(rows: &[Row], held: &[(u128, i64, u64)], buckets: usize) -> Vec<Decision> {
        let dir = tempfile::tempdir().unwrap();
        let mut run = Spill::create(dir.path(), "run", buckets).unwrap();
        for r in rows {
            r.write(run.writer(bucket(r.key, buckets)).0).unwrap();
        }
        let mut h = Spill::create(dir.path(), "held", buckets).unwrap();
        for (k, ts, hash) in held {
            let w = h.writer(bucket(*k, buckets)).0;
            w.write_all(&k.to_le_bytes()).unwrap();
            w.write_all(&ts.to_le_bytes()).unwrap();
            w.write_all(&hash.to_le_bytes()).unwrap();
        }
        let run: Vec<Vec<PathBuf>> = run.finish().unwrap().into_iter().map(|p| vec![p]).collect();
        let h = h.finish().unwrap();
        let mut d = vec![vec![Superseded; rows.len()]];
        decide_buckets(&run, &h, &mut d).unwrap();
        assert_eq!(
            std::fs::read_dir(dir.path()).unwrap().count(),
            0,
            "spill files removed"
        );
        d.pop().unwrap()
    }

    #[test]
    fn buckets_decide_as_one_map_of_every_key_would() {
        // 5 000 rows over 700 keys (repeats, ties on the version), half the
        // keys held, some held with the same content.
        let mut x: u64 = 0x9e37_79b9_7f4a_7c15;
        let mut next = |m: u64| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            x % m
        };
        let key = |i: u64| key_hash(&format!("K{i}"));
        let rows: Vec<Row> = (0..5000u32)
            .map(|pos| {
                let k = next(700);
                Row {
                    key: key(k),
                    rank: (next(5) as i64, i64::from(pos / 1000), i64::from(pos)),
                    hash: next(3),
                    file: 0,
                    pos,
                }
            })
            .collect();
        let held: Vec<(u128, i64, u64)> = (0..700)
            .filter(|k| k % 2 == 0)
            .map(|k| (key(k), next(6) as i64, next(3)))
            .collect();
        // The reference: one map of every key.
        let mut best: HashMap<u128, Row> = HashMap::new();
        for r in &rows {
            let e = best.entry(r.key).or_insert(*r);
            if r.rank > e.rank {
                *e = *r;
            }
        }
        let held_of: HashMap<u128, (i64, u64)> =
            held.iter().map(|(k, t, h)| (*k, (*t, *h))).collect();
        let want: Vec<Decision> = rows
            .iter()
            .map(|r| {
                let winner = best[&r.key].pos == r.pos;
                decision(winner, held_of.get(&r.key).copied(), r.rank.0, r.hash)
            })
            .collect();
        for d in [Insert, Update, Superseded] {
            assert!(want.contains(&d), "the case has {d:?} rows");
        }
        for buckets in [1, 2, 8, 64] {
            assert_eq!(
                through_buckets(&rows, &held, buckets),
                want,
                "{buckets} buckets"
            );
        }
    }

    #[test]
    fn bucket_counts_grow_with_the_run() {
        assert_eq!(buckets_for(0), 1);
        assert_eq!(buckets_for(1_000_000), 1);
        assert_eq!(buckets_for(1 << 20), 2);
        assert_eq!(buckets_for(48_000_000), 64);
        assert_eq!(buckets_for(u64::MAX / 2), 1024);
    }
}
