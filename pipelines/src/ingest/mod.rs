//! One ingest run: stage every file, decide every row, commit every table,
//! then publish the catalog — the single step that makes the run visible.

mod commit;
mod files;
mod load_tables;
mod quarantine;
mod report;
mod stage;

use std::collections::{BTreeMap, HashSet};
use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, Ordering};

use arrow::array::{Array, AsArray};
use chrono::NaiveDateTime;
use futures::StreamExt;
use indicatif::{ProgressBar, ProgressStyle};
use wangjian_lake::{At, Lake, LakeError, TableEntry, TableKind};

pub use load_tables::{load_issues_columns, load_runs_columns};
pub use report::{FileReport, RunReport};

use crate::IngestError;
use stage::{stage_file, StageCtx, Staged};
use wangjian_contract::sources::{source, Source, SOURCES};

/// What to ingest and how.
#[derive(Debug, Clone, Default)]
pub struct IngestOptions {
    /// Treat every given file as this source.
    pub source: Option<String>,
    /// Show a progress bar on stderr.
    pub progress: bool,
}

fn now_local() -> NaiveDateTime {
    (chrono::Utc::now() + chrono::Duration::hours(8)).naive_utc()
}

/// Runs one ingest into the lake.
pub async fn ingest(
    lake: &Lake,
    paths: &[PathBuf],
    opts: &IngestOptions,
) -> Result<RunReport, IngestError> {
    let forced: Option<&'static Source> = match &opts.source {
        Some(name) => Some(source(name).ok_or_else(|| {
            IngestError::Usage(format!(
                "unknown source '{name}' (one of: {})",
                SOURCES
                    .iter()
                    .map(|s| s.name)
                    .collect::<Vec<_>>()
                    .join(", ")
            ))
        })?),
        None => None,
    };
    let by_source = files::collect(paths, forced)?;
    let _lock = lake.lock_writer()?;
    let repairs = lake.repair().await?;
    for r in &repairs {
        tracing::warn!("{r}");
    }
    let secret = crate::secret::load_secret(lake.root())?;
    let started = now_local();
    let run = Lake::run_name();
    let dir = lake.staging_dir(&run);
    std::fs::create_dir_all(&dir).map_err(|e| IngestError::io(&dir, e))?;

    let total_files: usize = by_source.values().map(Vec::len).sum();
    let bar = if opts.progress {
        ProgressBar::new(total_files as u64)
    } else {
        ProgressBar::hidden()
    };
    bar.set_style(
        ProgressStyle::with_template("{spinner} {elapsed_precise} files {pos}/{len} · {msg}")
            .unwrap_or_else(|_| ProgressStyle::default_bar()),
    );
    let rows_done = AtomicU64::new(0);

    // Stage every file, registers first.
    let mut staged: BTreeMap<&'static str, Vec<Staged>> = BTreeMap::new();
    let mut seq = 0usize;
    for src in SOURCES {
        let Some(files) = by_source.get(src.name) else {
            continue;
        };
        for path in files {
            seq += 1;
            let progress = |n: u64| {
                let t = rows_done.fetch_add(n, Ordering::Relaxed) + n;
                bar.set_message(format!("{} · {t} rows read", src.name));
            };
            let cx = StageCtx {
                run: &run,
                dir: &dir,
                secret: &secret,
                load_time: started,
                progress: &progress,
            };
            let s = tokio::task::block_in_place(|| stage_file(src, path, seq, &cx));
            bar.inc(1);
            staged.entry(src.name).or_default().push(s);
        }
    }

    // Decide and commit, source by source.
    let mut changed: BTreeMap<String, TableEntry> = BTreeMap::new();
    let mut known_platforms: Option<HashSet<String>> = None;
    for src in SOURCES {
        let Some(list) = staged.get_mut(src.name) else {
            continue;
        };
        if src.is_event() && known_platforms.is_none() {
            known_platforms = Some(platform_ids(lake, &changed).await?);
        }
        bar.set_message(format!("committing {}", src.name));
        let platforms = if src.is_event() {
            known_platforms.as_ref()
        } else {
            None
        };
        if let Some(v) = commit::commit_source(lake, src, list, platforms, &dir).await? {
            changed.insert(
                src.name.to_string(),
                TableEntry {
                    version: v,
                    kind: TableKind::Source,
                },
            );
        }
    }
    bar.finish_and_clear();

    // The run's own tables.
    let reports: Vec<FileReport> = SOURCES
        .iter()
        .filter_map(|s| staged.get(s.name))
        .flatten()
        .map(|s| s.report.clone())
        .collect();
    let refused: Vec<PathBuf> = staged
        .values()
        .flatten()
        .filter_map(|s| s.quarantine.clone())
        .collect();
    let new = quarantine::new_refusals(lake, &refused, &dir)
        .await
        .map_err(|e| e.in_table("quarantine"))?;
    if let Some(new) = new {
        let v = commit::append_parquet(lake, "quarantine", &[new], None).await?;
        changed.insert(
            "quarantine".into(),
            TableEntry {
                version: v,
                kind: TableKind::Load,
            },
        );
    }
    let (runs_file, issues_file) =
        load_tables::stage_run_tables(&dir, &run, started, now_local(), &reports)?;
    let v = commit::append_parquet(lake, "load_runs", &[runs_file], None).await?;
    changed.insert(
        "load_runs".into(),
        TableEntry {
            version: v,
            kind: TableKind::Load,
        },
    );
    if let Some(f) = issues_file {
        let v = commit::append_parquet(lake, "load_issues", &[f], None).await?;
        changed.insert(
            "load_issues".into(),
            TableEntry {
                version: v,
                kind: TableKind::Load,
            },
        );
    }
    let cat = lake.catalog()?;
    // Every source table exists from the first run on, empty if need be.
    for src in SOURCES {
        if !cat.tables.contains_key(src.name) && !changed.contains_key(src.name) {
            let schema = crate::schema::schema_of(&crate::schema::lake_columns(src));
            let v = lake
                .create_empty(src.name, schema, src.is_event().then_some("quarter"))
                .await?;
            changed.insert(
                src.name.to_string(),
                TableEntry {
                    version: v,
                    kind: TableKind::Source,
                },
            );
        }
    }
    for (name, file) in load_tables::stage_reference(&dir)? {
        if !cat.tables.contains_key(name) {
            let v = commit::append_parquet(lake, name, &[file], None).await?;
            changed.insert(
                name.to_string(),
                TableEntry {
                    version: v,
                    kind: TableKind::Reference,
                },
            );
        }
    }

    let cat = lake.publish(&run, &changed)?;
    let _ = std::fs::remove_dir_all(&dir);
    Ok(RunReport {
        run,
        lake_version: cat.lake_version,
        files: reports,
        repairs,
    })
}

/// Platform ids held in the lake, as this run leaves it.
async fn platform_ids(
    lake: &Lake,
    changed: &BTreeMap<String, TableEntry>,
) -> Result<HashSet<String>, IngestError> {
    let mut ids = HashSet::new();
    let at = match changed.get("platforms") {
        Some(e) => At::Version(e.version),
        None => At::Published,
    };
    let Some(mut stream) = lake.scan("platforms", at, &["platform_id"]).await? else {
        return Ok(ids);
    };
    while let Some(batch) = stream.next().await {
        let batch = batch.map_err(|e| LakeError::in_table("platforms", e))?;
        let c = arrow::compute::cast(batch.column(0), &arrow::datatypes::DataType::Utf8)
            .map_err(|e| IngestError::Staging(e.to_string()))?;
        let c = c.as_string::<i32>();
        ids.extend(
            (0..c.len())
                .filter(|&i| c.is_valid(i))
                .map(|i| c.value(i).to_string()),
        );
    }
    Ok(ids)
}
