//! `wangjian indicators`: runs every `queries/*.sql` file in name order in
//! one DataFusion session over the published lake, then stores each table
//! the files create with `CREATE TABLE` in the lake, all published in one
//! catalog step (a failed run leaves the previous results).
//!
//! Convention for query files: `CREATE VIEW` for shared pieces, `CREATE
//! TABLE name AS ...` for an output table. Adding an indicator family is
//! adding a file.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use datafusion::datasource::TableType;
use datafusion::prelude::{col, CsvReadOptions, SessionContext};
use wangjian_lake::{Lake, TableEntry};

use crate::{open_session, QueryError};

/// The query folder shipped with the source tree.
pub fn default_query_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).to_path_buf()
}

/// The `.sql` files of a folder, in name order.
pub fn query_files(dir: &Path) -> Result<Vec<PathBuf>, QueryError> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .map_err(|e| QueryError::Io {
            what: format!("cannot list {}", dir.display()),
            source: e,
        })?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "sql"))
        .collect();
    files.sort();
    Ok(files)
}

/// Registers `risk_weights` from a CSV file and checks it.
pub async fn register_weights(ctx: &SessionContext, path: &Path) -> Result<(), QueryError> {
    if !path.exists() {
        return Err(QueryError::Sql(format!("missing {}", path.display())));
    }
    ctx.register_csv(
        "risk_weights",
        path.display().to_string(),
        CsvReadOptions::new().has_header(true),
    )
    .await?;
    let df = ctx.table("risk_weights").await?.aggregate(
        vec![],
        vec![datafusion::functions_aggregate::expr_fn::sum(col("weight"))],
    )?;
    let batches = df.collect().await?;
    let total = batches
        .first()
        .and_then(|b| arrow::compute::cast(b.column(0), &arrow::datatypes::DataType::Float64).ok())
        .and_then(|c| {
            c.as_any()
                .downcast_ref::<arrow::array::Float64Array>()
                .map(|a| a.value(0))
        })
        .unwrap_or(0.0);
    if total.is_nan() || total <= 0.0 {
        return Err(QueryError::Sql(format!(
            "{}: the weights must sum to a positive number",
            path.display()
        )));
    }
    Ok(())
}

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

/// Runs the query files in `ctx` with the weights of `dir/risk_weights.csv`;
/// returns the tables they created.
pub async fn run_query_files(ctx: &SessionContext, dir: &Path) -> Result<Vec<String>, QueryError> {
    run_query_files_with_weights(ctx, dir, &dir.join("risk_weights.csv")).await
}

/// Runs the query files in `ctx` with the risk weights of another file.
pub async fn run_query_files_with_weights(
    ctx: &SessionContext,
    dir: &Path,
    weights: &Path,
) -> Result<Vec<String>, QueryError> {
    register_weights(ctx, weights).await?;
    let before = base_tables(ctx);
    for file in query_files(dir)? {
        let sql = std::fs::read_to_string(&file).map_err(|e| QueryError::Io {
            what: format!("cannot read {}", file.display()),
            source: e,
        })?;
        crate::run_sql(ctx, &sql)
            .await
            .map_err(|e| QueryError::Sql(format!("{}: {e}", file.display())))?;
    }
    let after = base_tables(ctx);
    Ok(after
        .difference(&before)
        .filter(|n| n.as_str() != "risk_weights")
        .cloned()
        .collect())
}

/// Computes every indicator table and stores them in the lake.
pub async fn compute(lake: &Lake, dir: &Path) -> Result<BTreeMap<String, usize>, QueryError> {
    let _lock = lake.lock_writer()?;
    for r in lake.repair().await? {
        tracing::warn!("{r}");
    }
    let ctx = open_session(lake).await?;
    // The previous results are recomputed, never read.
    for (name, entry) in lake.catalog()?.tables {
        if entry.kind == "indicator" {
            ctx.deregister_table(name.as_str())?;
        }
    }
    let outputs = run_query_files(&ctx, dir).await?;
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
                kind: "indicator".into(),
            },
        );
    }
    lake.publish("indicators", &changed)?;
    Ok(rows)
}
