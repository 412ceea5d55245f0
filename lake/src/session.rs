//! Registering every published table with a DataFusion session.

use std::sync::Arc;

use datafusion::prelude::SessionContext;

use crate::{Catalog, Lake, LakeError};

/// Registers each published table under its own name, at its pinned version.
pub async fn register_all(lake: &Lake, ctx: &SessionContext) -> Result<Vec<String>, LakeError> {
    register_catalog(lake, &lake.catalog()?, ctx).await
}

/// Registers every table of `cat` at the version `cat` pins: one published
/// state, even when a run publishes a newer one meanwhile. A table already
/// registered under the name is replaced.
pub async fn register_catalog(
    lake: &Lake,
    cat: &Catalog,
    ctx: &SessionContext,
) -> Result<Vec<String>, LakeError> {
    let mut names = Vec::new();
    for (name, entry) in &cat.tables {
        let url = lake.table_url(name)?;
        let table = deltalake::open_table_with_version(url, entry.version)
            .await
            .map_err(|e| LakeError::delta(name, e))?;
        table
            .update_datafusion_session(&ctx.state())
            .map_err(|e| LakeError::delta(name, e))?;
        let provider = table.table_provider().await.map_err(LakeError::df)?;
        ctx.deregister_table(name.as_str())?;
        ctx.register_table(name.as_str(), Arc::clone(&provider))?;
        names.push(name.clone());
    }
    Ok(names)
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
