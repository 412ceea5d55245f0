//! Registering every published table with a DataFusion session.

use std::sync::Arc;

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
        let url = lake.table_url(name)?;
        let table = deltalake::open_table_with_version(url, entry.version)
            .await
            .map_err(|e| LakeError::delta(name, e))?;
        let provider = match reader {
            Reader::Snapshot => {
                match SnapshotFiles::of(name, &table, &lake.table_path(name), view_types)? {
                    Ok(files) => Arc::new(SnapshotTable::new(files)) as Arc<dyn TableProvider>,
                    Err(why) => {
                        tracing::warn!("{why}: read through deltalake's scan");
                        delta_provider(name, &table, ctx).await?
                    }
                }
            }
            Reader::Delta => delta_provider(name, &table, ctx).await?,
        };
        ctx.deregister_table(name.as_str())?;
        ctx.register_table(name.as_str(), provider)?;
        names.push(name.clone());
    }
    Ok(names)
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
