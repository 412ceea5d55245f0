//! Commit one source's staged rows to its Delta table.
//!
//! Versions (sources.md): for one key the row with the latest `updated_at`
//! wins; on a tie the later file of the run, then the later row, wins. Against
//! the table, an incoming row is superseded when the held version is newer or
//! its content is identical (so loading a file twice changes nothing); on an
//! equal `updated_at` with different content, the incoming row, being the
//! later arrival, wins.
//!
//! Memory is bounded by the keys of this run: one 16-byte key hash and a few
//! numbers per staged row, never the rows themselves. New keys are appended
//! from a Parquet file; changed keys go through a Delta MERGE.

use std::collections::{HashMap, HashSet};
use std::fs::File;
use std::path::{Path, PathBuf};

use arrow::array::{Array, AsArray, BooleanArray, RecordBatch};
use arrow::compute::{cast, filter_record_batch};
use arrow::datatypes::{DataType, Int64Type, TimeUnit, TimestampMicrosecondType};
use futures::StreamExt;
use parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;
use parquet::arrow::{ArrowWriter, ProjectionMask};
use wangjian_lake::{At, Lake, LakeError};
use xxhash_rust::xxh3::xxh3_128;

use super::stage::{writer_props, Staged};
use crate::outcome::Issue;
use crate::schema::{lake_columns, schema_of, staging_columns};
use crate::IngestError;
use wangjian_contract::sources::Source;

fn key_hash(k: &str) -> u128 {
    xxh3_128(k.as_bytes())
}

/// (version micros, file seq, row): the greater wins.
type Rank = (i64, i64, i64);

fn idx(src: &Source, name: &str) -> usize {
    staging_columns(src)
        .iter()
        .position(|(n, _)| *n == name)
        .expect("known column")
}

pub(super) fn open_batches(
    path: &Path,
    projection: Option<&[usize]>,
) -> Result<impl Iterator<Item = Result<RecordBatch, arrow::error::ArrowError>>, IngestError> {
    let f = File::open(path).map_err(|e| IngestError::io(path, e))?;
    let b = ParquetRecordBatchReaderBuilder::try_new(f)
        .map_err(|e| IngestError::Staging(format!("{}: {e}", path.display())))?;
    let b = match projection {
        Some(p) => {
            let mask = ProjectionMask::roots(b.parquet_schema(), p.iter().copied());
            b.with_projection(mask)
        }
        None => b,
    };
    b.with_batch_size(8192)
        .build()
        .map_err(|e| IngestError::Staging(format!("{}: {e}", path.display())))
}

pub(super) fn strings(a: &dyn Array) -> Result<arrow::array::StringArray, IngestError> {
    let c = cast(a, &DataType::Utf8).map_err(|e| IngestError::Staging(e.to_string()))?;
    Ok(c.as_string::<i32>().clone())
}

fn micros(a: &dyn Array) -> Result<arrow::array::TimestampMicrosecondArray, IngestError> {
    let c = cast(a, &DataType::Timestamp(TimeUnit::Microsecond, None))
        .map_err(|e| IngestError::Staging(e.to_string()))?;
    Ok(c.as_primitive::<TimestampMicrosecondType>().clone())
}

/// Pass 1: the winning (version, file, row) of every key in the run.
fn best_in_run(src: &Source, staged: &[Staged]) -> Result<HashMap<u128, Rank>, IngestError> {
    let proj = [
        idx(src, src.key),
        idx(src, "updated_at"),
        idx(src, "_row"),
        idx(src, "_seq"),
    ];
    let mut best: HashMap<u128, Rank> = HashMap::new();
    for s in staged {
        let Some(path) = &s.data else { continue };
        for batch in open_batches(path, Some(&proj))? {
            let batch =
                batch.map_err(|e| IngestError::Staging(format!("{}: {e}", path.display())))?;
            let keys = strings(batch.column(0))?;
            let ts = micros(batch.column(1))?;
            let rows = batch.column(2).as_primitive::<Int64Type>();
            let seqs = batch.column(3).as_primitive::<Int64Type>();
            for i in 0..batch.num_rows() {
                let rank = (ts.value(i), seqs.value(i), rows.value(i));
                best.entry(key_hash(keys.value(i)))
                    .and_modify(|r| {
                        if rank > *r {
                            *r = rank
                        }
                    })
                    .or_insert(rank);
            }
        }
    }
    Ok(best)
}

/// Pass 2: the held version (micros, content hash) of the run's keys.
async fn held_versions(
    lake: &Lake,
    src: &Source,
    best: &HashMap<u128, Rank>,
) -> Result<HashMap<u128, (i64, u64)>, IngestError> {
    let mut held = HashMap::new();
    let cols = [src.key, "updated_at", "_hash"];
    let Some(mut stream) = lake.scan(src.name, At::Published, &cols).await? else {
        return Ok(held);
    };
    while let Some(batch) = stream.next().await {
        let batch = batch.map_err(|e| LakeError::in_table(src.name, e))?;
        let keys = strings(batch.column(0))?;
        let ts = micros(batch.column(1))?;
        let hashes = strings(batch.column(2))?;
        for i in 0..batch.num_rows() {
            let k = key_hash(keys.value(i));
            if best.contains_key(&k) {
                let h = u64::from_str_radix(hashes.value(i), 16).unwrap_or(0);
                held.insert(k, (ts.value(i), h));
            }
        }
    }
    Ok(held)
}

/// What becomes of a staged row.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Decision {
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
fn decision(winner: bool, held: Option<(i64, u64)>, ts: i64, hash: u64) -> Decision {
    match (winner, held) {
        (false, _) => Decision::Superseded,
        (true, None) => Decision::Insert,
        (true, Some((held_ts, held_hash))) if ts >= held_ts && hash != held_hash => {
            Decision::Update
        }
        (true, Some(_)) => Decision::Superseded,
    }
}

/// The files that a source's rows go to the table from.
pub struct Outgoing {
    pub inserts: Option<PathBuf>,
    pub updates: Option<PathBuf>,
}

/// Pass 3: decides every staged row, counts per file, writes the rows to load.
fn decide(
    src: &'static Source,
    staged: &mut [Staged],
    best: &HashMap<u128, Rank>,
    held: &HashMap<u128, (i64, u64)>,
    known_platforms: Option<&HashSet<String>>,
    dir: &Path,
) -> Result<Outgoing, IngestError> {
    let cols = staging_columns(src);
    let lake_schema = schema_of(&lake_columns(src));
    let width = lake_schema.fields().len();
    let (ki, ui, ri, si, hi) = (
        idx(src, src.key),
        idx(src, "updated_at"),
        idx(src, "_row"),
        idx(src, "_seq"),
        idx(src, "_hash"),
    );
    let pi = cols.iter().position(|(n, _)| *n == "platform_id");
    let ins_path = dir.join(format!("{}-inserts.parquet", src.name));
    let upd_path = dir.join(format!("{}-updates.parquet", src.name));
    let mut ins_w: Option<ArrowWriter<File>> = None;
    let mut upd_w: Option<ArrowWriter<File>> = None;
    let open_w = |p: &Path| -> Result<ArrowWriter<File>, IngestError> {
        let f = File::create(p).map_err(|e| IngestError::io(p, e))?;
        ArrowWriter::try_new(f, lake_schema.clone(), Some(writer_props()))
            .map_err(|e| IngestError::Staging(e.to_string()))
    };
    for s in staged.iter_mut() {
        let Some(path) = &s.data else { continue };
        let mut unknown_platform = 0u64;
        for batch in open_batches(path, None)? {
            let batch =
                batch.map_err(|e| IngestError::Staging(format!("{}: {e}", path.display())))?;
            let keys = strings(batch.column(ki))?;
            let ts = micros(batch.column(ui))?;
            let rows = batch.column(ri).as_primitive::<Int64Type>();
            let seqs = batch.column(si).as_primitive::<Int64Type>();
            let hashes = strings(batch.column(hi))?;
            let mut ins = Vec::with_capacity(batch.num_rows());
            let mut upd = Vec::with_capacity(batch.num_rows());
            for i in 0..batch.num_rows() {
                let k = key_hash(keys.value(i));
                let rank = (ts.value(i), seqs.value(i), rows.value(i));
                let winner = best.get(&k) == Some(&rank);
                let h = u64::from_str_radix(hashes.value(i), 16).unwrap_or(1);
                let d = decision(winner, held.get(&k).copied(), ts.value(i), h);
                let (is_ins, is_upd) = (d == Decision::Insert, d == Decision::Update);
                if is_ins || is_upd {
                    s.report.loaded += 1;
                } else {
                    s.report.superseded += 1;
                }
                ins.push(is_ins);
                upd.push(is_upd);
            }
            if let (Some(pi), Some(known)) = (pi, known_platforms) {
                let p = strings(batch.column(pi))?;
                unknown_platform += (0..p.len())
                    .filter(|&i| p.is_valid(i) && !known.contains(p.value(i)))
                    .count() as u64;
            }
            let lake_batch = batch
                .project(&(0..width).collect::<Vec<_>>())
                .map_err(|e| IngestError::Staging(e.to_string()))?;
            for (mask, w, p) in [(ins, &mut ins_w, &ins_path), (upd, &mut upd_w, &upd_path)] {
                let mask = BooleanArray::from(mask);
                if mask.true_count() == 0 {
                    continue;
                }
                let part = filter_record_batch(&lake_batch, &mask)
                    .map_err(|e| IngestError::Staging(e.to_string()))?;
                if w.is_none() {
                    *w = Some(open_w(p)?);
                }
                w.as_mut()
                    .expect("opened")
                    .write(&part)
                    .map_err(|e| IngestError::Staging(e.to_string()))?;
            }
        }
        if unknown_platform > 0 {
            s.report.issues.insert(
                ("platform_id".into(), Issue::UnknownPlatform),
                unknown_platform,
            );
        }
    }
    let mut out = Outgoing {
        inserts: None,
        updates: None,
    };
    if let Some(w) = ins_w {
        w.close()
            .map_err(|e| IngestError::Staging(format!("{}: {e}", ins_path.display())))?;
        out.inserts = Some(ins_path);
    }
    if let Some(w) = upd_w {
        w.close()
            .map_err(|e| IngestError::Staging(format!("{}: {e}", upd_path.display())))?;
        out.updates = Some(upd_path);
    }
    Ok(out)
}

/// Appends the rows of Parquet files to a table (creating it on first use).
pub async fn append_parquet(
    lake: &Lake,
    name: &str,
    files: &[PathBuf],
    partition: Option<&str>,
) -> Result<u64, IngestError> {
    Ok(lake
        .append_parquet(name, files, partition, writer_props())
        .await?)
}

/// Replaces changed records through a Delta MERGE on the key.
async fn merge_updates(lake: &Lake, src: &Source, file: &Path) -> Result<u64, IngestError> {
    let cols: Vec<&'static str> = lake_columns(src).iter().map(|(n, _)| *n).collect();
    Ok(lake
        .merge_parquet(src.name, file, src.key, &cols, writer_props())
        .await?)
}

/// Commits one source. Returns the table's new version when anything was written.
pub async fn commit_source(
    lake: &Lake,
    src: &'static Source,
    staged: &mut [Staged],
    known_platforms: Option<&HashSet<String>>,
    dir: &Path,
) -> Result<Option<u64>, IngestError> {
    commit_inner(lake, src, staged, known_platforms, dir)
        .await
        .map_err(|e| e.in_table(src.name))
}

async fn commit_inner(
    lake: &Lake,
    src: &'static Source,
    staged: &mut [Staged],
    known_platforms: Option<&HashSet<String>>,
    dir: &Path,
) -> Result<Option<u64>, IngestError> {
    let best = best_in_run(src, staged)?;
    let held = held_versions(lake, src, &best).await?;
    let out =
        tokio::task::block_in_place(|| decide(src, staged, &best, &held, known_platforms, dir))?;
    drop(best);
    let partition = src.is_event().then_some("quarter");
    let mut version = None;
    if let Some(ins) = &out.inserts {
        version = Some(append_parquet(lake, src.name, std::slice::from_ref(ins), partition).await?);
    }
    if let Some(upd) = &out.updates {
        version = Some(merge_updates(lake, src, upd).await?);
    }
    Ok(version)
}

#[cfg(test)]
mod tests {
    use super::{decision, Decision::*};

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
}
