//! Statements with a recursive CTE run in this process, whatever planner
//! the session has: a cluster cannot ship a recursive query's work table
//! (Ballista 55: "Unsupported plan node WorkTableExec"). In the query files
//! that is the CUSUM walk (`37_complaint_cusum.sql`), over a work table of a
//! few thousand rows; a researcher's recursive query under `sql --cluster`
//! runs here too. Only cluster sessions come this way (`collect_on_cluster`);
//! a local session plans recursion itself.

use std::sync::Arc;

use arrow::array::RecordBatch;
use arrow::datatypes::{Schema, SchemaRef};
use datafusion::common::tree_node::TreeNode;
use datafusion::datasource::MemTable;
use datafusion::logical_expr::{DdlStatement, LogicalPlan};
use datafusion::physical_planner::{DefaultPhysicalPlanner, PhysicalPlanner};
use datafusion::prelude::SessionContext;

use crate::QueryError;

/// Runs `plan` here when it (or the query of its `CREATE TABLE AS`) has a
/// recursive CTE, views included; `None` when it has none.
pub(crate) async fn collect_if_recursive(
    ctx: &SessionContext,
    plan: &LogicalPlan,
) -> Result<Option<(SchemaRef, Vec<RecordBatch>)>, QueryError> {
    match plan {
        LogicalPlan::Ddl(DdlStatement::CreateMemoryTable(create)) => {
            let Some(batches) = run_if_recursive(ctx, &create.input).await? else {
                return Ok(None);
            };
            if ctx.table_exist(create.name.clone())? && !create.or_replace {
                if create.if_not_exists {
                    return Ok(Some((Arc::new(Schema::empty()), Vec::new())));
                }
                return Err(QueryError::Sql(format!(
                    "table '{}' already exists",
                    create.name
                )));
            }
            let schema = Arc::new(create.input.schema().as_arrow().clone());
            let table = MemTable::try_new(schema, vec![batches])?;
            ctx.deregister_table(create.name.clone())?;
            ctx.register_table(create.name.clone(), Arc::new(table))?;
            Ok(Some((Arc::new(Schema::empty()), Vec::new())))
        }
        LogicalPlan::Ddl(_) | LogicalPlan::Dml(_) | LogicalPlan::Statement(_) => Ok(None),
        _ => Ok(run_if_recursive(ctx, plan)
            .await?
            .map(|b| (Arc::new(plan.schema().as_arrow().clone()), b))),
    }
}

/// The rows of `plan`, computed here, when its optimised form (views
/// inlined) has a recursive CTE.
async fn run_if_recursive(
    ctx: &SessionContext,
    plan: &LogicalPlan,
) -> Result<Option<Vec<RecordBatch>>, QueryError> {
    let state = ctx.state();
    let optimised = state.optimize(plan)?;
    let recursive = optimised.exists(|p| Ok(matches!(p, LogicalPlan::RecursiveQuery(_))))?;
    if !recursive {
        return Ok(None);
    }
    let physical = DefaultPhysicalPlanner::default()
        .create_physical_plan(&optimised, &state)
        .await?;
    Ok(Some(
        datafusion::physical_plan::collect(physical, ctx.task_ctx()).await?,
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_recursive_query_runs_here_and_others_are_left_alone() {
        let ctx = SessionContext::new();
        let walk = "WITH RECURSIVE t(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM t WHERE n < 4) \
                    SELECT sum(n) AS s FROM t";
        let plan = ctx.state().create_logical_plan(walk).await.unwrap();
        let (_, rows) = collect_if_recursive(&ctx, &plan).await.unwrap().unwrap();
        let text = arrow::util::pretty::pretty_format_batches(&rows)
            .unwrap()
            .to_string();
        assert!(text.contains("| 10 |"), "{text}");

        // Through a view, and as CREATE TABLE AS.
        ctx.sql(&format!("CREATE VIEW v AS {walk}")).await.unwrap();
        let plan = ctx
            .state()
            .create_logical_plan("CREATE TABLE w AS SELECT s * 2 AS d FROM v")
            .await
            .unwrap();
        assert!(collect_if_recursive(&ctx, &plan).await.unwrap().is_some());
        let d = ctx
            .sql("SELECT d FROM w")
            .await
            .unwrap()
            .collect()
            .await
            .unwrap();
        let text = arrow::util::pretty::pretty_format_batches(&d)
            .unwrap()
            .to_string();
        assert!(text.contains("| 20 |"), "{text}");
        let again = ctx
            .state()
            .create_logical_plan("CREATE TABLE w AS SELECT s FROM v")
            .await
            .unwrap();
        assert!(
            collect_if_recursive(&ctx, &again).await.is_err(),
            "w exists"
        );

        let plain = ctx.state().create_logical_plan("SELECT 1").await.unwrap();
        assert!(collect_if_recursive(&ctx, &plain).await.unwrap().is_none());
    }
}
