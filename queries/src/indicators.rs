//! `wangjian indicators`: runs every `queries/*.sql` file in name order in
//! one DataFusion session over the published lake, then stores each table
//! the files create with `CREATE TABLE` in the lake, all published in one
//! catalog step (a failed run leaves the previous results).
//!
//! Convention for query files: `CREATE VIEW` for shared pieces, `CREATE
//! TABLE name AS ...` for an output table, declared in the file's header
//! with `-- @table name`. A shared piece that several statements read, and
//! that would be computed again for each of them as a view, is a *work
//! table*: `CREATE TABLE _name AS ...` (leading underscore), computed once,
//! held in memory for the run and never published. Adding an indicator
//! family is adding a file.

use std::collections::{BTreeMap, BTreeSet};

use datafusion::datasource::TableType;
use datafusion::prelude::{col, SessionContext};
use wangjian_lake::{Lake, TableEntry, TableKind};

use crate::{open_session_on, weights, Access, Engine, QueryError, QuerySet};

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
    outputs(set, after.difference(&before))
}

/// The tables a run publishes: those the headers declare with `@table`.
/// A table created but neither declared nor named as a work table
/// (`_name`), or declared but never created, is an error: nothing is
/// published that nobody documented, and nothing documented goes missing.
fn outputs<'a>(
    set: &QuerySet,
    created: impl Iterator<Item = &'a String>,
) -> Result<Vec<String>, QueryError> {
    let declared: BTreeSet<String> = crate::dictionary::declared_tables(set)
        .into_iter()
        .collect();
    let mut out = Vec::new();
    for name in created {
        if declared.contains(name) {
            out.push(name.clone());
        } else if !name.starts_with('_') {
            return Err(QueryError::Sql(format!(
                "table {name} is created but not declared: add `-- @table {name}` to its file's header \
                 (an output), or name it _{name} (a work table of the run, not published)"
            )));
        }
    }
    if let Some(missing) = declared.iter().find(|d| !out.contains(d)) {
        return Err(QueryError::Sql(format!(
            "table {missing} is declared with @table but no statement creates it"
        )));
    }
    Ok(out)
}

/// Computes every indicator table and stores them in the lake. The SQL runs
/// under a memory pool of `memory_limit` bytes: sorts, joins and aggregates
/// spill to temporary files past it.
///
/// On a cluster ([`Engine::Cluster`]) every statement runs there; a table a
/// statement creates (`CREATE TABLE AS`) is collected here, and the outputs
/// are written to the lake from here, published in one catalog step as in
/// a local run.
pub async fn compute(
    lake: &Lake,
    set: &QuerySet,
    memory_limit: usize,
    engine: &Engine,
) -> Result<BTreeMap<String, usize>, QueryError> {
    let _lock = lake.lock_writer()?;
    for r in lake.repair().await? {
        tracing::warn!("{r}");
    }
    let ctx = open_session_on(lake, engine, Some(memory_limit)).await?;
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

#[cfg(test)]
mod tests {
    use super::*;

    fn set(sql: &str) -> QuerySet {
        QuerySet {
            files: vec![("10_x.sql".into(), sql.into())],
            weights: (String::new(), String::new()),
        }
    }

    fn names(v: &[&str]) -> Vec<String> {
        v.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn declared_tables_are_published_and_work_tables_are_not() {
        let s = set("-- @table a\n-- @column x: y\nCREATE TABLE _w AS SELECT 1;\nCREATE TABLE a AS SELECT 1;\n");
        let created = names(&["_w", "a"]);
        assert_eq!(outputs(&s, created.iter()).unwrap(), names(&["a"]));
    }

    #[test]
    fn an_undeclared_or_a_missing_table_stops_the_run() {
        let s = set("-- @table a\n");
        let created = names(&["a", "b"]);
        let e = outputs(&s, created.iter()).unwrap_err().to_string();
        assert!(e.contains("table b is created but not declared"), "{e}");
        let created = names(&["_w"]);
        let e = outputs(&s, created.iter()).unwrap_err().to_string();
        assert!(e.contains("table a is declared"), "{e}");
    }
}
