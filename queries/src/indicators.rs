//! `wangjian indicators`: runs every `queries/*.sql` file in name order in
//! one DataFusion session over the published lake, then stores each table
//! the files create with `CREATE TABLE` in the lake, all published in one
//! catalog step (a failed run leaves the previous results).
//!
//! Convention for query files: `CREATE VIEW` for shared pieces, `CREATE
//! TABLE name AS ...` for an output table. Adding an indicator family is
//! adding a file.

use std::collections::{BTreeMap, BTreeSet};

use datafusion::datasource::TableType;
use datafusion::prelude::{col, SessionContext};
use wangjian_lake::{Lake, TableEntry, TableKind};

use crate::{open_session, weights, Access, QueryError, QuerySet};

fn base_tables(ctx: &SessionContext) -> BTreeSet<String> {
    let Some(schema) = ctx.catalog("datafusion").and_then(|c| c.schema("public")) else {
        return BTreeSet::new();
    };
    schema
        .table_names()
        .into_iter()
        .filter(|n| {
            futures::executor::block_on(schema.table(n))
                .ok()
                .flatten()
                .is_some_and(|t| t.table_type() == TableType::Base)
        })
        .collect()
}

/// Runs the query files of `set` in `ctx` with its weights (registered as
/// `risk_weights`); returns the tables they created.
pub async fn run_query_set(
    ctx: &SessionContext,
    set: &QuerySet,
) -> Result<Vec<String>, QueryError> {
    let (origin, text) = &set.weights;
    let w = weights::parse(origin, text)?;
    weights::register(ctx, &w)?;
    let before = base_tables(ctx);
    for (name, sql) in &set.files {
        crate::run_sql(ctx, sql, Access::ReadWrite)
            .await
            .map_err(|e| QueryError::Sql(format!("{name}: {e}")))?;
    }
    weights::check_components(ctx, origin, &w).await?;
    let after = base_tables(ctx);
    Ok(after.difference(&before).cloned().collect())
}

/// Computes every indicator table and stores them in the lake.
pub async fn compute(lake: &Lake, set: &QuerySet) -> Result<BTreeMap<String, usize>, QueryError> {
    let _lock = lake.lock_writer()?;
    for r in lake.repair().await? {
        tracing::warn!("{r}");
    }
    let ctx = open_session(lake).await?;
    // The previous results are recomputed, never read.
    for (name, entry) in lake.catalog()?.tables {
        if entry.kind == TableKind::Indicator {
            ctx.deregister_table(name.as_str())?;
        }
    }
    let outputs = run_query_set(&ctx, set).await?;
    let mut changed = BTreeMap::new();
    let mut rows = BTreeMap::new();
    for name in &outputs {
        let df = ctx.table(name.as_str()).await?;
        let schema = std::sync::Arc::new(df.schema().as_arrow().clone());
        // Sorted on every column: the same lake gives the same files.
        let order: Vec<_> = schema
            .fields()
            .iter()
            .map(|f| col(format!("\"{}\"", f.name())).sort(true, false))
            .collect();
        let batches = df.sort(order)?.collect().await?;
        rows.insert(name.clone(), batches.iter().map(|b| b.num_rows()).sum());
        let v = lake.overwrite(name, schema, batches).await?;
        changed.insert(
            name.clone(),
            TableEntry {
                version: v,
                kind: TableKind::Indicator,
            },
        );
    }
    lake.publish("indicators", &changed)?;
    Ok(rows)
}
