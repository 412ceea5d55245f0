//! Registering every published table with a DataFusion session.

use std::sync::Arc;

use datafusion::prelude::SessionContext;

use crate::{Lake, LakeError};

/// Registers each published table under its own name, at its pinned version.
pub async fn register_all(lake: &Lake, ctx: &SessionContext) -> Result<Vec<String>, LakeError> {
    let cat = lake.catalog()?;
    let mut names = Vec::new();
    for name in cat.tables.keys() {
        let Some(table) = lake.published_table(name).await? else {
            continue;
        };
        table
            .update_datafusion_session(&ctx.state())
            .map_err(|e| LakeError::delta(name, e))?;
        let provider = table.table_provider().await.map_err(LakeError::df)?;
        ctx.register_table(name.as_str(), Arc::clone(&provider))?;
        names.push(name.clone());
    }
    Ok(names)
}
