//! SQL over the lake: a DataFusion session with every published table
//! registered by name, result formatting, and the researchers' shell.

pub mod dictionary;
mod format;
pub mod indicators;
mod shell;

use std::sync::Arc;

use arrow::array::RecordBatch;
use arrow::datatypes::SchemaRef;
use datafusion::prelude::{SessionConfig, SessionContext};
use datafusion::sql::parser::DFParser;
use thiserror::Error;
use wangjian_lake::{Lake, LakeError};

pub use format::{write_batches, Format};
pub use shell::run_shell;

#[derive(Debug, Error)]
pub enum QueryError {
    #[error(transparent)]
    Lake(#[from] LakeError),
    #[error("{0}")]
    Sql(String),
    #[error("{what}: {source}")]
    Io {
        what: String,
        source: std::io::Error,
    },
}

impl From<datafusion::error::DataFusionError> for QueryError {
    fn from(e: datafusion::error::DataFusionError) -> Self {
        // The innermost message, without DataFusion's wrapping.
        QueryError::Sql(e.find_root().to_string())
    }
}

/// An empty session configured as every wangjian session is.
pub fn new_session() -> SessionContext {
    let cfg = SessionConfig::new().with_information_schema(true);
    SessionContext::new_with_config(cfg)
}

/// A session over the published lake.
pub async fn open_session(lake: &Lake) -> Result<SessionContext, QueryError> {
    let ctx = new_session();
    wangjian_lake::register_all(lake, &ctx).await?;
    Ok(ctx)
}

/// Runs every statement of `sql` in order; returns each one's result.
pub async fn run_sql(
    ctx: &SessionContext,
    sql: &str,
) -> Result<Vec<(SchemaRef, Vec<RecordBatch>)>, QueryError> {
    let statements = DFParser::parse_sql(sql).map_err(|e| QueryError::Sql(e.to_string()))?;
    let mut out = Vec::new();
    for stmt in statements {
        let plan = ctx.state().statement_to_plan(stmt).await?;
        let df = ctx.execute_logical_plan(plan).await?;
        let schema: SchemaRef = Arc::new(df.schema().as_arrow().clone());
        let batches = df.collect().await?;
        out.push((schema, batches));
    }
    Ok(out)
}
