//! Registering every published table with a DataFusion session.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, OnceLock};

use datafusion::datasource::TableProvider;
use datafusion::prelude::SessionContext;
use deltalake::DeltaTable;

use crate::snapshot::{SnapshotFiles, SnapshotTable};
use crate::{Catalog, Lake, LakeError};

/// Registers each published table under its own name, at its pinned version.
pub async fn register_all(lake: &Lake, ctx: &SessionContext) -> Result<Vec<String>, LakeError> {
    register_catalog(lake, &lake.catalog()?, ctx).await
}

/// Registers every table of `cat` at the version `cat` pins: one published
/// state, even when a run publishes a newer one meanwhile. A table already
/// registered under the name is replaced. Tables are read as plain Parquet
/// over exactly the pinned version's files ([`SnapshotTable`]); a table that
/// cannot be (deletion vectors, column mapping: the lake never writes them)
/// is read through deltalake's scan, with a warning.
pub async fn register_catalog(
    lake: &Lake,
    cat: &Catalog,
    ctx: &SessionContext,
) -> Result<Vec<String>, LakeError> {
    register_catalog_with(lake, cat, ctx, Reader::Snapshot).await
}

/// How a session reads the lake's tables.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reader {
    /// DataFusion's Parquet reader over the pinned version's files.
    Snapshot,
    /// deltalake's own scan (for comparisons).
    Delta,
    /// As `Snapshot`, but a table that cannot be read as plain Parquet is an
    /// error instead of a fallback: a plan shipped to a cluster names its
    /// tables by their files (deltalake's scan cannot be shipped).
    SnapshotOnly,
}

/// [`register_catalog`] with the reader chosen.
pub async fn register_catalog_with(
    lake: &Lake,
    cat: &Catalog,
    ctx: &SessionContext,
    reader: Reader,
) -> Result<Vec<String>, LakeError> {
    let view_types = ctx
        .state()
        .config_options()
        .execution
        .parquet
        .schema_force_view_types;
    let mut names = Vec::new();
    for (name, entry) in &cat.tables {
        let dir = lake.table_path(name);
        let cached = (reader != Reader::Delta)
            .then(|| cached(&dir, entry.version, view_types))
            .flatten();
        let provider = match cached {
            Some(files) => Arc::new(SnapshotTable::new(files)) as Arc<dyn TableProvider>,
            None => {
                let url = lake.table_url(name)?;
                let table = deltalake::open_table_with_version(url, entry.version)
                    .await
                    .map_err(|e| LakeError::delta(name, e))?;
                match reader {
                    Reader::Snapshot | Reader::SnapshotOnly => {
                        match SnapshotFiles::of(name, &table, &dir, view_types)? {
                            Ok(files) => {
                                let files = Arc::new(files);
                                remember(&dir, entry.version, view_types, &files);
                                Arc::new(SnapshotTable::new(files)) as Arc<dyn TableProvider>
                            }
                            Err(why) if reader == Reader::SnapshotOnly => {
                                return Err(LakeError::NotPlainParquet(why))
                            }
                            Err(why) => {
                                tracing::warn!("{why}: read through deltalake's scan");
                                delta_provider(name, &table, ctx).await?
                            }
                        }
                    }
                    Reader::Delta => delta_provider(name, &table, ctx).await?,
                }
            }
        };
        ctx.deregister_table(name.as_str())?;
        ctx.register_table(name.as_str(), provider)?;
        names.push(name.clone());
    }
    Ok(names)
}

/// The file lists of the versions registered last, by table folder and
/// string type: a version of a Delta table never changes, so a session
/// opened later at the same version (the service opens one a connection)
/// reuses the list instead of replaying the table's log. One entry a table
/// folder: a newer version replaces it.
type SnapshotCache = HashMap<(PathBuf, bool), (Stamp, u64, Arc<SnapshotFiles>)>;

fn cache() -> &'static Mutex<SnapshotCache> {
    static CACHE: OnceLock<Mutex<SnapshotCache>> = OnceLock::new();
    CACHE.get_or_init(|| Mutex::new(HashMap::new()))
}

/// Which table a folder holds: the size and time of its first commit, so
/// that a table removed and made again at the same path (versions counting
/// from 0 again) is never taken for the one cached.
type Stamp = Option<(u64, std::time::SystemTime)>;

fn stamp(dir: &Path) -> Stamp {
    let m = std::fs::metadata(dir.join("_delta_log").join("00000000000000000000.json")).ok()?;
    Some((m.len(), m.modified().ok()?))
}

pub(crate) fn cached(dir: &Path, version: u64, view_types: bool) -> Option<Arc<SnapshotFiles>> {
    let now = stamp(dir)?;
    let c = cache().lock().unwrap_or_else(|p| p.into_inner());
    c.get(&(dir.to_path_buf(), view_types))
        .filter(|(s, v, _)| *s == Some(now) && *v == version)
        .map(|(_, _, f)| Arc::clone(f))
}

fn remember(dir: &Path, version: u64, view_types: bool, files: &Arc<SnapshotFiles>) {
    let mut c = cache().lock().unwrap_or_else(|p| p.into_inner());
    c.insert(
        (dir.to_path_buf(), view_types),
        (stamp(dir), version, Arc::clone(files)),
    );
}

/// deltalake's own provider for `table`.
async fn delta_provider(
    name: &str,
    table: &DeltaTable,
    ctx: &SessionContext,
) -> Result<Arc<dyn TableProvider>, LakeError> {
    table
        .update_datafusion_session(&ctx.state())
        .map_err(|e| LakeError::delta(name, e))?;
    table.table_provider().await.map_err(LakeError::df)
}

/// A DataFusion session for the lake's own reads and writes: plain `Utf8`
/// strings, so that staged Parquet files match the table schemas, and one
/// partition, so that a write's memory stays bounded.
pub fn lake_session() -> SessionContext {
    let overrides: std::collections::HashMap<String, String> = [
        (
            "datafusion.execution.parquet.schema_force_view_types",
            "false",
        ),
        ("datafusion.execution.target_partitions", "1"),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_string(), v.to_string()))
    .collect();
    deltalake::delta_datafusion::DeltaSessionContext::new_with_session_overrides(&overrides)
        .map(SessionContext::from)
        .unwrap_or_else(|_| deltalake::delta_datafusion::DeltaSessionContext::new().into())
}
