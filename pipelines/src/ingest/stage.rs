//! Stage one file: read it, validate every row, and write the valid rows and
//! the quarantined rows to staged files (`scratch`) in the run's staging
//! folder. Nothing here touches the published lake; a file that fails
//! half-way leaves nothing.

use std::borrow::Cow;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::mpsc::sync_channel;
use std::sync::Mutex;

use arrow::array::RecordBatch;

use chrono::NaiveDateTime;
use parquet::basic::Compression;
use parquet::file::properties::{EnabledStatistics, WriterProperties, WriterPropertiesBuilder};

use super::report::FileReport;
use super::scratch::{ScratchWriter, EXTENSION};
use super::versions::{fine_paths, version_records, FineWriter};
use crate::batch::{RowsBuilder, V};
use crate::outcome::{Issue, Reason};
use crate::read::{self, RawRecord, ReadError};
use crate::schema::{quarantine_columns, staging_columns};
use crate::validate::{map_headers, Validator};
use wangjian_contract::sources::Source;

const BATCH: usize = 8192;

/// A staged file.
pub struct Staged {
    pub report: FileReport,
    /// Valid rows (staging schema); `None` when there are none.
    pub data: Option<PathBuf>,
    /// Quarantined rows (quarantine schema); `None` when there are none.
    pub quarantine: Option<PathBuf>,
    /// The valid rows' version records (`versions::version_records`), in
    /// the files `versions::FineWriter` wrote; empty when `data` is
    /// `None`.
    pub versions: Vec<PathBuf>,
}

/// How the lake's Parquet files are written.
pub fn writer_props() -> WriterProperties {
    lake_props().build()
}

fn lake_props() -> WriterPropertiesBuilder {
    WriterProperties::builder().set_compression(Compression::SNAPPY)
}

/// How a source's table is written: as [`writer_props`], without
/// dictionaries for the columns whose values seldom repeat.
pub fn table_props(src: &Source) -> WriterProperties {
    let mut b = lake_props();
    for c in crate::schema::seldom_repeated_columns(src) {
        b = b.set_column_dictionary_enabled(c.into(), false);
    }
    for c in crate::schema::unindexed_columns(src) {
        b = b.set_column_statistics_enabled(c.into(), EnabledStatistics::None);
    }
    b.build()
}

/// How a source's updates file (the changed rows the Delta MERGE reads) is
/// written: read once and deleted, so no dictionaries (building them was a
/// tenth of ingest's time); compressed, since a large correction run may
/// change millions of rows.
pub fn scratch_props() -> WriterProperties {
    WriterProperties::builder()
        .set_compression(Compression::SNAPPY)
        .set_dictionary_enabled(false)
        .build()
}

/// Everything a file's staging needs to know about the run.
pub struct StageCtx<'a> {
    pub run: &'a str,
    pub dir: &'a Path,
    pub secret: &'a [u8],
    pub load_time: NaiveDateTime,
    /// The file's place among its source's files in the run.
    pub index: usize,
    /// Called with the number of rows after each batch.
    pub progress: &'a (dyn Fn(u64) + Sync),
}

pub fn stage_file(src: &'static Source, path: &Path, seq: usize, cx: &StageCtx) -> Staged {
    let file = path.display().to_string();
    let mut report = FileReport {
        source: src.name.to_string(),
        file: file.clone(),
        ..Default::default()
    };
    let data_path = cx.dir.join(format!("{}-{seq:05}.{EXTENSION}", src.name));
    let q_path = cx
        .dir
        .join(format!("{}-{seq:05}.quarantine.{EXTENSION}", src.name));
    let v_paths = fine_paths(cx.dir, &format!("{}-{seq:05}", src.name));
    // A panic here would be a bug, never a property of the input: the file is
    // rejected with the message and the run goes on.
    let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        let paths = [data_path.as_path(), &q_path];
        stage_inner(src, path, seq, cx, (paths, &v_paths), &mut report)
    }))
    .unwrap_or_else(|p| {
        let msg = p
            .downcast_ref::<String>()
            .cloned()
            .or_else(|| p.downcast_ref::<&str>().map(|s| s.to_string()))
            .unwrap_or_default();
        Err(format!(
            "internal error while reading this file (please report): {msg}"
        ))
    });
    match result {
        Ok((has_data, has_q, versions)) => Staged {
            report,
            data: has_data.then_some(data_path),
            quarantine: has_q.then_some(q_path),
            versions,
        },
        Err(why) => {
            for p in [&data_path, &q_path].into_iter().chain(&v_paths) {
                let _ = std::fs::remove_file(p);
            }
            let format = report.format;
            let encoding = report.encoding.clone();
            Staged {
                report: FileReport {
                    source: src.name.to_string(),
                    file,
                    format,
                    encoding,
                    rejected: Some(why),
                    ..Default::default()
                },
                data: None,
                quarantine: None,
                versions: Vec::new(),
            }
        }
    }
}

fn stage_inner(
    src: &'static Source,
    path: &Path,
    seq: usize,
    cx: &StageCtx,
    ([data_path, q_path], v_paths): ([&Path; 2], &[PathBuf]),
    report: &mut FileReport,
) -> Result<(bool, bool, Vec<PathBuf>), String> {
    report.format = read::format_of(path);
    let (mut reader, info) = read::open(path).map_err(|e| e.0)?;
    report.format = Some(info.format);
    report.encoding = info.encoding.map(str::to_string);
    let headers = reader.headers().to_vec();
    let map = map_headers(src, &headers)?;
    if !map.unknown.is_empty() {
        tracing::warn!(
            "{}: ignoring unknown columns: {}",
            report.file,
            map.unknown.join(", ")
        );
        for u in &map.unknown {
            report.issues.insert((u.clone(), Issue::UnknownColumn), 1);
        }
        report.unknown_columns = map.unknown.clone();
    }
    let cols = staging_columns(src);
    let mut data_w: Option<ScratchWriter> = None;
    let mut q_w: Option<ScratchWriter> = None;
    let mut v_w: Option<FineWriter> = None;
    let file_v = V::S(report.file.clone().into());
    let run_v = V::S(cx.run.to_string().into());
    // One reader thread decodes; `workers` threads validate (rows keep their
    // file row numbers, so the order of batches in the staging file does not
    // matter); this thread writes.
    let workers = std::thread::available_parallelism()
        .map_or(2, |n| n.get())
        .clamp(1, 4);
    let split = reader.split();
    let (tx, rx) = sync_channel::<Result<Vec<RawRecord>, ReadError>>(2 * workers);
    let rx = Mutex::new(rx);
    let (otx, orx) = sync_channel::<Result<Validated, String>>(2 * workers);
    let mut issues: BTreeMap<(String, Issue), u64> = BTreeMap::new();
    std::thread::scope(|scope| -> Result<(), String> {
        scope.spawn(move || loop {
            let batch = reader.next_batch(BATCH);
            let end = matches!(&batch, Ok(b) if b.is_empty()) || batch.is_err();
            if tx.send(batch).is_err() || end {
                break;
            }
        });
        let mut handles = Vec::new();
        for _ in 0..workers {
            let otx = otx.clone();
            let (rx, map, headers, cols, split) =
                (&rx, map.clone(), &headers, &cols, split.clone());
            let (file_v, run_v) = (file_v.clone(), run_v.clone());
            handles.push(scope.spawn(move || {
                let mut worker = Worker {
                    validator: Validator::new(src, map, cx.secret, cx.load_time),
                    rows: RowsBuilder::new(cols),
                    qrows: RowsBuilder::new(&quarantine_columns()),
                    src,
                    seq,
                    headers,
                    run_v,
                    file_v,
                    lineage: [V::Null, V::Null],
                };
                loop {
                    let msg = match rx.lock() {
                        Ok(r) => r.recv(),
                        Err(_) => break,
                    };
                    let batch = match msg {
                        Err(_) => break,
                        Ok(Err(e)) => {
                            let _ = otx.send(Err(e.0));
                            break;
                        }
                        Ok(Ok(b)) if b.is_empty() => break,
                        Ok(Ok(mut b)) => {
                            if let Some(split) = &split {
                                split(&mut b);
                            }
                            b
                        }
                    };
                    let out = worker.validate(&batch);
                    if otx.send(out).is_err() {
                        // The writer gave up: let the reader run to its end
                        // so that no thread waits for ever.
                        while rx.lock().map(|r| r.recv().is_ok()).unwrap_or(false) {}
                        break;
                    }
                }
                worker.validator.issues
            }));
        }
        drop(otx);
        let mut failure = None;
        for msg in orx {
            match msg {
                Ok(v) => {
                    report.read += v.read;
                    report.quarantined += v.quarantined;
                    for (reason, n) in v.reasons {
                        *report.reasons.entry(reason).or_default() += n;
                    }
                    if let Some(b) = v.data {
                        write_batch(&mut data_w, data_path, &b)?;
                        write_records(&mut v_w, (v_paths, cx.index), &v.versions)?;
                    }
                    if let Some(b) = v.quarantine {
                        write_batch(&mut q_w, q_path, &b)?;
                    }
                    (cx.progress)(v.read);
                }
                Err(e) => {
                    failure = Some(e);
                    break;
                }
            }
        }
        for h in handles {
            match h.join() {
                Ok(found) => {
                    for (k, n) in found {
                        *issues.entry(k).or_default() += n;
                    }
                }
                // A worker that panicked lost the rows it held: reject the
                // file rather than report counts that do not add up.
                Err(_) => {
                    failure.get_or_insert_with(|| {
                        "internal error while validating this file (please report)".to_string()
                    });
                }
            }
        }
        failure.map_or(Ok(()), Err)
    })?;
    for ((col, issue), n) in issues {
        report.issues.insert((col, issue), n);
    }
    let has_data = data_w.is_some();
    let has_q = q_w.is_some();
    for w in [data_w, q_w].into_iter().flatten() {
        w.close()?;
    }
    let versions = match v_w {
        Some(w) => w.finish().map_err(|e| e.to_string())?,
        None => Vec::new(),
    };
    Ok((has_data, has_q, versions))
}

/// A validator thread's state: its validator and the builders of the valid
/// and the quarantined rows it hands to the writer.
struct Worker<'a> {
    validator: Validator,
    rows: RowsBuilder,
    qrows: RowsBuilder,
    src: &'static Source,
    seq: usize,
    headers: &'a [String],
    run_v: V<'static>,
    file_v: V<'static>,
    /// The lineage values of the row at hand: `_row`, `_hash`.
    lineage: [V<'static>; 2],
}

impl Worker<'_> {
    /// Validates one batch: valid rows with their lineage and version
    /// records, refused rows with their reason and raw text (personal data
    /// removed).
    fn validate(&mut self, batch: &[RawRecord]) -> Result<Validated, String> {
        let mut out = Validated {
            read: batch.len() as u64,
            ..Default::default()
        };
        // One values buffer for the batch's rows, handed back row by row.
        let mut spare = Vec::new();
        for rec in batch {
            match self.validator.row_with(rec, std::mem::take(&mut spare)) {
                Ok(valid) => {
                    // `_run` and `_file` are the same for the whole file:
                    // added on the way to the lake, not staged per row.
                    self.lineage = [V::I(rec.row as i64), V::U(valid.hash)];
                    let lineage = &self.lineage;
                    self.rows.push_iter(valid.values.iter().chain(lineage));
                    spare = valid.values;
                }
                Err(rej) => {
                    out.quarantined += 1;
                    *out.reasons.entry(rej.reason).or_default() += 1;
                    let raw = self.validator.raw_text(rec, self.headers);
                    self.qrows.push(&[
                        self.run_v.clone(),
                        V::S(Cow::Borrowed(self.src.name)),
                        self.file_v.clone(),
                        V::I(rec.row as i64),
                        V::S(Cow::Borrowed(rej.reason.code())),
                        V::S(rej.text.into()),
                        V::S(raw.into()),
                    ]);
                }
            }
        }
        if let Some(fault) = self.rows.fault() {
            return Err(format!(
                "internal error while staging this file (please report): {fault}"
            ));
        }
        out.data = (!self.rows.is_empty()).then(|| self.rows.finish());
        if let Some(b) = &out.data {
            out.versions = version_records(self.src, b, self.seq).map_err(|e| e.to_string())?;
        }
        out.quarantine = (!self.qrows.is_empty()).then(|| self.qrows.finish());
        Ok(out)
    }
}

/// What a worker made of one batch of rows.
#[derive(Default)]
struct Validated {
    read: u64,
    quarantined: u64,
    reasons: BTreeMap<Reason, u64>,
    data: Option<RecordBatch>,
    /// The version records of `data`'s rows.
    versions: Vec<u8>,
    quarantine: Option<RecordBatch>,
}

fn write_batch(
    writer: &mut Option<ScratchWriter>,
    path: &Path,
    batch: &RecordBatch,
) -> Result<(), String> {
    if writer.is_none() {
        *writer = Some(ScratchWriter::create(path, batch)?);
    }
    writer.as_mut().expect("writer just created").write(batch)
}

/// Writes a batch's version records to the file's fine buckets (created on
/// first use at `paths`; `index` is the file's place among its source's).
fn write_records<'p>(
    writer: &mut Option<FineWriter<'p>>,
    (paths, index): (&'p [PathBuf], usize),
    records: &[u8],
) -> Result<(), String> {
    if writer.is_none() {
        *writer = Some(FineWriter::new(paths, index).map_err(|e| e.to_string())?);
    }
    writer
        .as_mut()
        .expect("writer just created")
        .write(records)
        .map_err(|e| e.to_string())
}

#[cfg(test)]
mod tests {
    use super::table_props;
    use parquet::file::properties::EnabledStatistics;
    use parquet::schema::types::ColumnPath;

    /// A complaints table file: no statistics for its free text and codes,
    /// page statistics for its key and times; no dictionary for the key,
    /// the row number or the text, one for the codes.
    #[test]
    fn complaints_files_keep_statistics_where_they_can_skip() {
        let src = wangjian_contract::sources::source("complaints").unwrap();
        let p = table_props(src);
        let col = |c: &str| ColumnPath::from(c);
        for c in ["description", "consumer_key", "_hash", "region_code"] {
            assert_eq!(
                p.statistics_enabled(&col(c)),
                EnabledStatistics::None,
                "{c}"
            );
        }
        for c in [
            "record_id",
            "received_at",
            "amount_yuan",
            "_run",
            "_file",
            "_row",
        ] {
            assert_eq!(
                p.statistics_enabled(&col(c)),
                EnabledStatistics::Page,
                "{c}"
            );
        }
        for c in ["record_id", "_row", "description", "_hash", "received_at"] {
            assert!(!p.dictionary_enabled(&col(c)), "{c}");
        }
        for c in ["region_code", "amount_yuan", "_file"] {
            assert!(p.dictionary_enabled(&col(c)), "{c}");
        }
    }
}
