//! Commit one source's staged rows to its Delta table.
//!
//! Versions (sources.md): for one key the row with the latest `updated_at`
//! wins; on a tie the later file of the run, then the later row, wins. Against
//! the table, an incoming row is superseded when the held version is newer or
//! its content is identical (so loading a file twice changes nothing); on an
//! equal `updated_at` with different content, the incoming row, being the
//! later arrival, wins.
//!
//! The decisions are made in `versions` (bucketed on disk, so memory does
//! not grow with all the keys of a run); this module applies them: new keys
//! are appended from a Parquet file, changed keys go through a Delta MERGE.

use std::collections::HashSet;
use std::fs::File;
use std::path::{Path, PathBuf};

use arrow::array::{Array, AsArray, BooleanArray, RecordBatch};
use arrow::compute::{cast, filter_record_batch};
use arrow::datatypes::{DataType, TimeUnit, TimestampMicrosecondType};
use parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;
use parquet::arrow::{ArrowWriter, ProjectionMask};
use wangjian_lake::Lake;

use super::stage::{scratch_props, writer_props, Staged};
use super::versions::{buckets_for, decide_versions, Decision};
use crate::outcome::Issue;
use crate::schema::{lake_columns, schema_of, staging_columns};
use crate::IngestError;
use wangjian_contract::sources::Source;

/// The place of a column in the staging schema.
pub(super) fn staging_index(src: &Source, name: &str) -> usize {
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

pub(super) fn micros(
    a: &dyn Array,
) -> Result<arrow::array::TimestampMicrosecondArray, IngestError> {
    let c = cast(a, &DataType::Timestamp(TimeUnit::Microsecond, None))
        .map_err(|e| IngestError::Staging(e.to_string()))?;
    Ok(c.as_primitive::<TimestampMicrosecondType>().clone())
}

/// The files that a source's rows go to the table from.
pub struct Outgoing {
    /// Files of rows to append, in the staging schema: staged files whose
    /// every row is new go as they are, the new rows of the others are
    /// copied out.
    pub inserts: Vec<PathBuf>,
    pub updates: Option<PathBuf>,
}

/// Applies the decisions: counts per file, writes the rows to load.
fn apply(
    src: &'static Source,
    staged: &mut [Staged],
    decisions: &[Vec<Decision>],
    known_platforms: Option<&HashSet<String>>,
    dir: &Path,
) -> Result<Outgoing, IngestError> {
    let cols = staging_columns(src);
    let lake_schema = schema_of(&lake_columns(src));
    let width = lake_schema.fields().len();
    let pi = cols.iter().position(|(n, _)| *n == "platform_id");
    let ins_path = dir.join(format!("{}-inserts.parquet", src.name));
    let upd_path = dir.join(format!("{}-updates.parquet", src.name));
    let mut ins_w: Option<ArrowWriter<File>> = None;
    let mut upd_w: Option<ArrowWriter<File>> = None;
    let mut direct = Vec::new();
    let open_w = |p: &Path, schema| -> Result<ArrowWriter<File>, IngestError> {
        let f = File::create(p).map_err(|e| IngestError::io(p, e))?;
        ArrowWriter::try_new(f, schema, Some(scratch_props()))
            .map_err(|e| IngestError::Staging(e.to_string()))
    };
    for (s, decided) in staged.iter_mut().zip(decisions) {
        let Some(path) = &s.data else { continue };
        let loaded = decided
            .iter()
            .filter(|d| matches!(d, Decision::Insert | Decision::Update))
            .count() as u64;
        s.report.loaded += loaded;
        s.report.superseded += decided.len() as u64 - loaded;
        let all_new = decided.iter().all(|d| *d == Decision::Insert);
        if all_new {
            direct.push(path.clone());
            if pi.is_none() || known_platforms.is_none() {
                // Appended as it is, with no platform ids to count: not read.
                continue;
            }
        }
        // A file appended as it is is read only for its platform ids.
        let projection = pi.filter(|_| all_new).map(|p| vec![p]);
        let mut unknown_platform = 0u64;
        let mut pos = 0usize;
        for batch in open_batches(path, projection.as_deref())? {
            let batch =
                batch.map_err(|e| IngestError::Staging(format!("{}: {e}", path.display())))?;
            let rows = pos..pos + batch.num_rows();
            pos = rows.end;
            if let (Some(pi), Some(known)) = (pi, known_platforms) {
                let p = strings(batch.column(if all_new { 0 } else { pi }))?;
                unknown_platform += (0..p.len())
                    .filter(|&i| p.is_valid(i) && !known.contains(p.value(i)))
                    .count() as u64;
            }
            if all_new {
                continue;
            }
            let ins: BooleanArray = decided[rows.clone()]
                .iter()
                .map(|d| Some(*d == Decision::Insert))
                .collect();
            let upd: BooleanArray = decided[rows]
                .iter()
                .map(|d| Some(*d == Decision::Update))
                .collect();
            let lake_batch = batch
                .project(&(0..width).collect::<Vec<_>>())
                .map_err(|e| IngestError::Staging(e.to_string()))?;
            for (mask, b, w, p) in [
                (ins, &batch, &mut ins_w, &ins_path),
                (upd, &lake_batch, &mut upd_w, &upd_path),
            ] {
                if mask.true_count() == 0 {
                    continue;
                }
                let part = filter_record_batch(b, &mask)
                    .map_err(|e| IngestError::Staging(e.to_string()))?;
                if w.is_none() {
                    *w = Some(open_w(p, b.schema())?);
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
        inserts: direct,
        updates: None,
    };
    if let Some(w) = ins_w {
        w.close()
            .map_err(|e| IngestError::Staging(format!("{}: {e}", ins_path.display())))?;
        out.inserts.push(ins_path);
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
    let rows: u64 = staged
        .iter()
        .map(|s| s.report.read.saturating_sub(s.report.quarantined))
        .sum();
    let started = std::time::Instant::now();
    let decisions = decide_versions(lake, src, staged, dir, buckets_for(rows)).await?;
    let decided = started.elapsed().as_secs_f64();
    let out = tokio::task::block_in_place(|| apply(src, staged, &decisions, known_platforms, dir))?;
    drop(decisions);
    let applied = started.elapsed().as_secs_f64();
    let partition = src.is_event().then_some("quarter");
    let mut version = None;
    if !out.inserts.is_empty() {
        let lake_cols: Vec<&str> = lake_columns(src).iter().map(|(n, _)| *n).collect();
        let v = lake
            .append_parquet_columns(
                src.name,
                &out.inserts,
                Some(&lake_cols),
                partition,
                writer_props(),
            )
            .await?;
        version = Some(v);
    }
    let appended = started.elapsed().as_secs_f64();
    if let Some(upd) = &out.updates {
        version = Some(merge_updates(lake, src, upd).await?);
    }
    tracing::debug!(
        "{}: {rows} staged rows decided in {decided:.2} s, applied in {:.2} s, \
         appended in {:.2} s, merged in {:.2} s",
        src.name,
        applied - decided,
        appended - applied,
        started.elapsed().as_secs_f64() - appended
    );
    Ok(version)
}
