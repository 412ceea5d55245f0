//! Read-only SQL (service.md): queries, EXPLAIN, SHOW, SET of one's own
//! session, transaction statements and cursors pass; everything else is
//! refused with SQLSTATE 42501 and a message, and the connection stays
//! usable. A query is also planned under `SQLOptions` that forbid DDL, DML
//! and statements (so `SELECT … INTO` and the like are refused too).

use async_trait::async_trait;
use datafusion::common::ParamValues;
use datafusion::execution::context::SQLOptions;
use datafusion::logical_expr::LogicalPlan;
use datafusion::prelude::SessionContext;
use datafusion::sql::sqlparser::ast::Statement;
use datafusion_postgres::hooks::HookClient;
use datafusion_postgres::pgwire;
use datafusion_postgres::QueryHook;
use pgwire::api::results::Response;
use pgwire::api::ClientInfo;
use pgwire::error::PgWireResult;

use crate::pg::user_error;

pub struct ReadOnlyHook;

const WHY: &str = "the SQL service is read-only: SELECT, WITH, EXPLAIN, SHOW, SET (your session), BEGIN/COMMIT/ROLLBACK and cursors run; the lake changes only through `wangjian ingest` and `wangjian indicators`";

fn kind(s: &Statement) -> String {
    let text = s.to_string();
    text.split_whitespace()
        .take(2)
        .collect::<Vec<_>>()
        .join(" ")
        .to_uppercase()
}

/// Whether the statement kind may run here.
fn allowed_kind(s: &Statement) -> bool {
    matches!(
        s,
        Statement::Query(_)
            | Statement::Explain { .. }
            | Statement::ExplainTable { .. }
            | Statement::ShowVariable { .. }
            | Statement::ShowVariables { .. }
            | Statement::ShowTables { .. }
            | Statement::ShowColumns { .. }
            | Statement::Set(_)
            | Statement::StartTransaction { .. }
            | Statement::Commit { .. }
            | Statement::Rollback { .. }
            | Statement::Declare { .. }
            | Statement::Fetch { .. }
            | Statement::Close { .. }
            | Statement::Discard { .. }
            | Statement::Deallocate { .. }
    )
}

/// Statements refused by their first word, before any parser sees them
/// (some, like DataFusion's `CREATE EXTERNAL TABLE`, are not PostgreSQL and
/// would otherwise come back as a syntax error).
const REFUSED_WORDS: [&str; 24] = [
    "INSERT", "UPDATE", "DELETE", "MERGE", "COPY", "CREATE", "DROP", "ALTER", "TRUNCATE", "GRANT",
    "REVOKE", "VACUUM", "CALL", "DO", "LOAD", "ATTACH", "DETACH", "INSTALL", "REFRESH", "REINDEX",
    "CLUSTER", "COMMENT", "LOCK", "IMPORT",
];

/// The first word of `sql` after white space, comments and parentheses.
fn first_word(sql: &str) -> String {
    let mut rest = sql;
    loop {
        let t = rest.trim_start();
        if let Some(r) = t.strip_prefix("--") {
            rest = r.split_once('\n').map_or("", |x| x.1);
        } else if let Some(r) = t.strip_prefix("/*") {
            rest = r.split_once("*/").map_or("", |x| x.1);
        } else if let Some(r) = t.strip_prefix('(') {
            rest = r;
        } else {
            rest = t;
            break;
        }
    }
    rest.chars()
        .take_while(|c| c.is_ascii_alphabetic())
        .collect::<String>()
        .to_ascii_uppercase()
}

/// Refuses, by its first word, a statement text that would change
/// something (each statement of a many-statement text is checked again
/// after parsing).
pub fn check_text(sql: &str) -> PgWireResult<()> {
    let w = first_word(sql);
    if REFUSED_WORDS.contains(&w.as_str()) {
        return Err(user_error(
            "ERROR",
            "42501",
            format!("{w} is not allowed: {WHY}"),
        ));
    }
    Ok(())
}

/// DataFusion settings that are the server's (memory pool, spill folder,
/// default catalog location), never a session's.
const SERVER_SETTINGS: [&str; 2] = ["datafusion.runtime.", "datafusion.catalog."];

/// Refuses what may not run; plans queries under read-only options.
pub async fn check(s: &Statement, ctx: &SessionContext) -> PgWireResult<()> {
    if !allowed_kind(s) {
        return Err(user_error(
            "ERROR",
            "42501",
            format!("{} is not allowed: {WHY}", kind(s)),
        ));
    }
    // SET reaches DataFusion's runtime too: a memory limit above the
    // service's, or a spill folder anywhere on the machine. Only settings
    // of the session itself may be changed.
    if let Statement::Set(_) = s {
        let text = s.to_string().to_ascii_lowercase();
        if let Some(p) = SERVER_SETTINGS.iter().find(|p| text.contains(*p)) {
            return Err(user_error(
                "ERROR",
                "42501",
                format!("{p}* settings belong to the service, not to a session: {WHY}"),
            ));
        }
    }
    if matches!(s, Statement::Query(_) | Statement::Explain { .. }) {
        let state = ctx.state();
        let plan = state
            .statement_to_plan(datafusion::sql::parser::Statement::Statement(Box::new(
                s.clone(),
            )))
            .await;
        if let Ok(plan) = plan {
            let opts = SQLOptions::new()
                .with_allow_ddl(false)
                .with_allow_dml(false)
                .with_allow_statements(false);
            if let Err(e) = opts.verify_plan(&plan) {
                return Err(user_error(
                    "ERROR",
                    "42501",
                    format!("{}: {WHY}", e.find_root()),
                ));
            }
        }
        // A plan that fails is left to the normal path, which reports it.
    }
    Ok(())
}

#[async_trait]
impl QueryHook for ReadOnlyHook {
    async fn handle_simple_query(
        &self,
        statement: &Statement,
        ctx: &SessionContext,
        _client: &mut dyn HookClient,
    ) -> Option<PgWireResult<Response>> {
        check(statement, ctx).await.err().map(Err)
    }

    async fn handle_extended_parse_query(
        &self,
        statement: &Statement,
        ctx: &SessionContext,
        _client: &(dyn ClientInfo + Send + Sync),
    ) -> Option<PgWireResult<LogicalPlan>> {
        check(statement, ctx).await.err().map(Err)
    }

    async fn handle_extended_query(
        &self,
        _statement: &Statement,
        _plan: &LogicalPlan,
        _params: &ParamValues,
        _ctx: &SessionContext,
        _client: &mut dyn HookClient,
    ) -> Option<PgWireResult<Response>> {
        None
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn first_words_are_found_past_comments() {
        assert_eq!(
            super::first_word("  -- note\n /* x */ create external table"),
            "CREATE"
        );
        assert_eq!(super::first_word("(SELECT 1)"), "SELECT");
        assert!(super::check_text("copy t to '/x'").is_err());
        assert!(super::check_text("WITH a AS (SELECT 1) SELECT * FROM a").is_ok());
    }
}
