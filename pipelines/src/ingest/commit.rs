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
//! stream from the staged files into the Delta append (`outgoing`), changed
//! keys go through a Delta MERGE.

use std::collections::HashSet;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use arrow::array::{Array, AsArray};
use arrow::compute::cast;
use arrow::datatypes::{DataType, TimeUnit, TimestampMicrosecondType};
use wangjian_lake::Lake;

use super::outgoing::{drain, updates_path, DecidedFile, Outgoing};
use super::stage::{table_props, writer_props, Staged};
use super::versions::{buckets_for, decide_versions, Decision};
use crate::outcome::Issue;
use crate::schema::{lake_columns, schema_of, staging_columns};
use crate::IngestError;
use wangjian_contract::sources::Source;

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

/// Counts loaded and superseded rows per file from the decisions.
fn count(staged: &mut [Staged], decisions: &[Vec<Decision>]) {
    for (s, decided) in staged.iter_mut().zip(decisions) {
        let loaded = decided
            .iter()
            .filter(|d| matches!(d, Decision::Insert | Decision::Update))
            .count() as u64;
        s.report.loaded += loaded;
        s.report.superseded += decided.len() as u64 - loaded;
    }
}

/// The staged files with valid rows, each with its decisions (which are
/// per staged file, empty for a file without valid rows), and their places
/// in `staged`.
fn decided_files(
    staged: &[Staged],
    decisions: Vec<Vec<Decision>>,
) -> (Vec<usize>, Vec<DecidedFile>) {
    let mut places = Vec::new();
    let mut files = Vec::new();
    for (i, decisions) in decisions.into_iter().enumerate() {
        if let Some(path) = &staged[i].data {
            places.push(i);
            files.push(DecidedFile {
                path: path.clone(),
                file: staged[i].report.file.clone(),
                decisions,
            });
        }
    }
    (places, files)
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
        .merge_parquet(src.name, file, src.key, &cols, table_props(src))
        .await?)
}

/// Commits one source. Returns the table's new version when anything was written.
/// `run` is the run's name (each new row's `_run`).
pub async fn commit_source(
    lake: &Lake,
    (src, run): (&'static Source, &str),
    staged: &mut [Staged],
    known_platforms: Option<&Arc<HashSet<String>>>,
    dir: &Path,
) -> Result<Option<u64>, IngestError> {
    commit_inner(lake, (src, run), staged, known_platforms, dir)
        .await
        .map_err(|e| e.in_table(src.name))
}

async fn commit_inner(
    lake: &Lake,
    (src, run): (&'static Source, &str),
    staged: &mut [Staged],
    known_platforms: Option<&Arc<HashSet<String>>>,
    dir: &Path,
) -> Result<Option<u64>, IngestError> {
    let rows: u64 = staged
        .iter()
        .map(|s| s.report.read.saturating_sub(s.report.quarantined))
        .sum();
    let started = std::time::Instant::now();
    let decisions = decide_versions(lake, src, staged, dir, buckets_for(rows)).await?;
    let decided = started.elapsed().as_secs_f64();
    count(staged, &decisions);
    let any_new = decisions.iter().flatten().any(|d| *d == Decision::Insert);
    let (with_data, files) = decided_files(staged, decisions);
    let lake_cols = lake_columns(src);
    let pi = lake_cols.iter().position(|(n, _)| *n == "platform_id");
    let platform = pi.zip(known_platforms.cloned());
    let schema = schema_of(&lake_cols);
    let (out, tally) = Outgoing::new(
        files,
        (schema.clone(), run),
        staging_columns(src).iter().map(|c| c.1).collect(),
        platform,
        updates_path(dir, src.name),
    );
    let partition = src.is_event().then_some("quarter");
    let mut version = None;
    if any_new {
        let v = lake
            .append_batches(src.name, schema, Box::new(out), partition, table_props(src))
            .await;
        if let Some(why) = tally.lock().expect("tally").failed.take() {
            return Err(IngestError::Staging(why));
        }
        version = Some(v?);
    } else {
        tokio::task::block_in_place(|| drain(out))?;
    }
    let appended = started.elapsed().as_secs_f64();
    let tally = std::mem::take(&mut *tally.lock().expect("tally"));
    for (&i, &n) in with_data.iter().zip(&tally.unknown_platform) {
        if n > 0 {
            let issue = ("platform_id".into(), Issue::UnknownPlatform);
            staged[i].report.issues.insert(issue, n);
        }
    }
    if let Some(upd) = &tally.updates {
        version = Some(merge_updates(lake, src, upd).await?);
    }
    tracing::debug!(
        "{}: {rows} staged rows decided in {decided:.2} s, \
         appended in {:.2} s, merged in {:.2} s",
        src.name,
        appended - decided,
        started.elapsed().as_secs_f64() - appended
    );
    Ok(version)
}
