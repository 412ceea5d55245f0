//! One ingest run: stage every file, decide every row, commit every table,
//! then publish the catalog — the single step that makes the run visible.

mod commit;
mod files;
mod key_filter;
mod load_tables;
mod outgoing;
mod quarantine;
mod report;
mod scratch;
mod stage;
mod versions;

use std::collections::{BTreeMap, HashSet};
use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

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

/// Runs one ingest into the lake: collect the files, repair the lake, stage
/// every file, commit every source, commit the run's own tables, publish.
pub async fn ingest(
    lake: &Lake,
    paths: &[PathBuf],
    opts: &IngestOptions,
) -> Result<RunReport, IngestError> {
    let forced = forced_source(opts)?;
    let by_source = files::collect(paths, forced)?;
    let _lock = lake.lock_writer()?;
    let repairs = lake.repair().await?;
    for r in &repairs {
        tracing::warn!("{r}");
    }
    let run = Run::start(lake)?;
    let bar = progress_bar(opts, by_source.values().map(Vec::len).sum());
    let (staged, mut changed, removals) = run.stage_and_commit(by_source, &bar).await?;
    bar.finish_and_clear();
    let reports: Vec<FileReport> = SOURCES
        .iter()
        .filter_map(|s| staged.get(s.name))
        .flatten()
        .map(|s| s.report.clone())
        .collect();
    run.commit_load_tables(&staged, &reports, &mut changed)
        .await?;
    run.create_missing_tables(&mut changed).await?;
    let cat = lake.publish(&run.name, &changed)?;
    for r in removals {
        let _ = r.join();
    }
    let _ = std::fs::remove_dir_all(&run.dir);
    Ok(RunReport {
        run: run.name,
        lake_version: cat.lake_version,
        files: reports,
        repairs,
    })
}

/// The source named by `--source`, if any.
fn forced_source(opts: &IngestOptions) -> Result<Option<&'static Source>, IngestError> {
    let Some(name) = &opts.source else {
        return Ok(None);
    };
    source(name).map(Some).ok_or_else(|| {
        IngestError::Usage(format!(
            "unknown source '{name}' (one of: {})",
            SOURCES
                .iter()
                .map(|s| s.name)
                .collect::<Vec<_>>()
                .join(", ")
        ))
    })
}

fn progress_bar(opts: &IngestOptions, files: usize) -> ProgressBar {
    let bar = if opts.progress {
        ProgressBar::new(files as u64)
    } else {
        ProgressBar::hidden()
    };
    bar.set_style(
        ProgressStyle::with_template("{spinner} {elapsed_precise} files {pos}/{len} · {msg}")
            .unwrap_or_else(|_| ProgressStyle::default_bar()),
    );
    bar
}

/// Staging's share of a run, owned so that it runs on a thread of its own.
struct Stager {
    run: String,
    dir: PathBuf,
    secret: Vec<u8>,
    load_time: NaiveDateTime,
    bar: ProgressBar,
}

impl Stager {
    /// Stages every file, sending each source's files once all are staged;
    /// stops when the receiver is gone (a commit failed).
    fn stage_all(
        &self,
        by_source: &BTreeMap<&'static str, Vec<PathBuf>>,
        tx: tokio::sync::mpsc::Sender<(&'static Source, Vec<Staged>)>,
    ) {
        let rows_done = AtomicU64::new(0);
        let mut seq = 0usize;
        for src in SOURCES {
            let Some(files) = by_source.get(src.name) else {
                continue;
            };
            let mut list = Vec::with_capacity(files.len());
            for path in files {
                if tx.is_closed() {
                    return;
                }
                seq += 1;
                let progress = |n: u64| {
                    let t = rows_done.fetch_add(n, Ordering::Relaxed) + n;
                    self.bar
                        .set_message(format!("{} · {t} rows read", src.name));
                };
                let cx = StageCtx {
                    run: &self.run,
                    dir: &self.dir,
                    secret: &self.secret,
                    load_time: self.load_time,
                    index: list.len(),
                    progress: &progress,
                };
                let started = std::time::Instant::now();
                let s = stage_file(src, path, seq, &cx);
                tracing::debug!(
                    "{}: {} rows staged in {:.2} s",
                    path.display(),
                    s.report.read,
                    started.elapsed().as_secs_f64()
                );
                self.bar.inc(1);
                list.push(s);
            }
            if tx.blocking_send((src, list)).is_err() {
                return;
            }
        }
    }
}

/// What every step of one run shares.
struct Run<'a> {
    lake: &'a Lake,
    name: String,
    dir: PathBuf,
    secret: Vec<u8>,
    started: NaiveDateTime,
}

type StagedBySource = BTreeMap<&'static str, Vec<Staged>>;
type Changed = BTreeMap<String, TableEntry>;
type Removals = Vec<std::thread::JoinHandle<()>>;

/// Deletes a committed source's staged rows and version records on a thread
/// of its own: the kernel takes a while to drop a large file's pages (0.2 s
/// for the 5M-row benchmark's staged file, docs/benchmarks.md, session 22),
/// time the rest of the run need not wait for. Its refusals stay for the
/// quarantine step.
fn remove_committed(list: &[Staged]) -> std::thread::JoinHandle<()> {
    let done: Vec<PathBuf> = list
        .iter()
        .flat_map(|s| s.data.iter().chain(&s.versions).cloned())
        .collect();
    std::thread::spawn(move || {
        for p in done {
            let _ = std::fs::remove_file(p);
        }
    })
}

fn entry(version: u64, kind: TableKind) -> TableEntry {
    TableEntry { version, kind }
}

impl<'a> Run<'a> {
    fn start(lake: &'a Lake) -> Result<Run<'a>, IngestError> {
        let secret = crate::secret::load_secret(lake.root())?;
        let name = Lake::run_name();
        let dir = lake.staging_dir(&name);
        std::fs::create_dir_all(&dir).map_err(|e| IngestError::io(&dir, e))?;
        Ok(Run {
            lake,
            name,
            dir,
            secret,
            started: now_local(),
        })
    }

    /// Stages every file on a thread of its own, registers first (file
    /// order within a source), and commits each source as soon as its files
    /// are staged, so that one source's commit (one thread, mostly) runs
    /// beside the next one's staging.
    async fn stage_and_commit(
        &self,
        by_source: BTreeMap<&'static str, Vec<PathBuf>>,
        bar: &ProgressBar,
    ) -> Result<(StagedBySource, Changed, Removals), IngestError> {
        let (tx, mut rx) = tokio::sync::mpsc::channel(1);
        let stager = Stager {
            run: self.name.clone(),
            dir: self.dir.clone(),
            secret: self.secret.clone(),
            load_time: self.started,
            bar: bar.clone(),
        };
        let staging = tokio::task::spawn_blocking(move || stager.stage_all(&by_source, tx));
        let mut staged = StagedBySource::new();
        let mut changed = Changed::new();
        let mut removals = Removals::new();
        let mut known_platforms: Option<Arc<HashSet<String>>> = None;
        let mut failed = None;
        while let Some((src, mut list)) = rx.recv().await {
            if src.is_event() && known_platforms.is_none() {
                match platform_ids(self.lake, &changed).await {
                    Ok(ids) => known_platforms = Some(Arc::new(ids)),
                    Err(e) => {
                        failed = Some(e);
                        break;
                    }
                }
            }
            bar.set_message(format!("committing {}", src.name));
            let platforms = known_platforms.as_ref().filter(|_| src.is_event());
            match commit::commit_source(
                self.lake,
                (src, &self.name),
                &mut list,
                platforms,
                &self.dir,
            )
            .await
            {
                Ok(Some(v)) => {
                    changed.insert(src.name.to_string(), entry(v, TableKind::Source));
                }
                Ok(None) => {}
                Err(e) => {
                    failed = Some(e);
                    break;
                }
            }
            removals.push(remove_committed(&list));
            staged.insert(src.name, list);
        }
        // On a failure the stager stops after the file it is on.
        drop(rx);
        staging
            .await
            .map_err(|e| IngestError::Staging(format!("the staging thread failed: {e}")))?;
        match failed {
            Some(e) => Err(e),
            None => Ok((staged, changed, removals)),
        }
    }

    /// Commits the run's own tables: new refusals, load_runs, load_issues.
    async fn commit_load_tables(
        &self,
        staged: &StagedBySource,
        reports: &[FileReport],
        changed: &mut Changed,
    ) -> Result<(), IngestError> {
        let refused: Vec<PathBuf> = staged
            .values()
            .flatten()
            .filter_map(|s| s.quarantine.clone())
            .collect();
        let new = quarantine::new_refusals(self.lake, &refused, &self.dir)
            .await
            .map_err(|e| e.in_table("quarantine"))?;
        if let Some(new) = new {
            let v = commit::append_parquet(self.lake, "quarantine", &[new], None).await?;
            changed.insert("quarantine".into(), entry(v, TableKind::Load));
        }
        let (runs_file, issues_file) = load_tables::stage_run_tables(
            &self.dir,
            &self.name,
            self.started,
            now_local(),
            reports,
        )?;
        let v = commit::append_parquet(self.lake, "load_runs", &[runs_file], None).await?;
        changed.insert("load_runs".into(), entry(v, TableKind::Load));
        if let Some(f) = issues_file {
            let v = commit::append_parquet(self.lake, "load_issues", &[f], None).await?;
            changed.insert("load_issues".into(), entry(v, TableKind::Load));
        }
        Ok(())
    }

    /// Every source table exists from the first run on (empty if need be),
    /// and the reference tables are written once.
    async fn create_missing_tables(&self, changed: &mut Changed) -> Result<(), IngestError> {
        let cat = self.lake.catalog()?;
        for src in SOURCES {
            if !cat.tables.contains_key(src.name) && !changed.contains_key(src.name) {
                let schema = crate::schema::schema_of(&crate::schema::lake_columns(src));
                let v = self
                    .lake
                    .create_empty(src.name, schema, src.is_event().then_some("quarter"))
                    .await?;
                changed.insert(src.name.to_string(), entry(v, TableKind::Source));
            }
        }
        for (name, file) in load_tables::stage_reference(&self.dir)? {
            if !cat.tables.contains_key(name) {
                let v = commit::append_parquet(self.lake, name, &[file], None).await?;
                changed.insert(name.to_string(), entry(v, TableKind::Reference));
            }
        }
        Ok(())
    }
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
