//! SQL over the lake: a DataFusion session with every published table
//! registered by name, result formatting, and the researchers' shell.

pub mod dictionary;
mod format;
mod here;
pub mod indicators;
mod memory;
mod query_set;
mod shell;
mod vocab;
pub mod weights;

use std::sync::Arc;

use arrow::array::RecordBatch;
use arrow::datatypes::SchemaRef;
use datafusion::execution::context::SQLOptions;
use datafusion::logical_expr::LogicalPlan;
use datafusion::prelude::{SessionConfig, SessionContext};
use datafusion::sql::parser::DFParser;
use thiserror::Error;
use wangjian_lake::{Lake, LakeError};

pub use format::{write_batches, Format};
pub use memory::{default_memory_limit, machine_memory, parse_size};
pub use query_set::{view_sql, QuerySet};
pub use shell::run_shell;

#[derive(Debug, Error)]
pub enum QueryError {
    #[error(transparent)]
    Lake(#[from] LakeError),
    #[error("{0}")]
    Sql(String),
    #[error("refused: {0}")]
    ReadOnly(String),
    #[error("risk weights: {0}")]
    Weights(String),
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

/// A session configured as every wangjian session is, with the contract's
/// vocabularies (`ref_tiers`, `ref_alert_types`, `ref_funnel_limits`).
pub fn new_session() -> SessionContext {
    let cfg = SessionConfig::new().with_information_schema(true);
    let ctx = SessionContext::new_with_config(cfg);
    // Registering three small in-memory tables cannot fail on a new session.
    vocab::register_all(&ctx).expect("the vocabulary tables register");
    ctx
}

/// A session like [`new_session`] whose queries share a memory pool of
/// `limit` bytes: operators that can spill (sorts, joins, aggregates) spill
/// to temporary files past it, and a query that still cannot fit fails with
/// a "Resources exhausted" error (naming the largest consumers) instead of
/// taking the machine's memory. The pool is greedy, first come first served:
/// a fair pool splits the limit among every spillable operator of a plan, so
/// one large DISTINCT (its hash tables counted well above what is resident)
/// spilled while the limit was far from used, and the same statement took 7
/// or 30 s from run to run (docs/benchmarks.md).
pub fn new_session_with_memory(limit: usize) -> Result<SessionContext, QueryError> {
    use datafusion::execution::memory_pool::{GreedyMemoryPool, TrackConsumersPool};
    use datafusion::execution::runtime_env::RuntimeEnvBuilder;
    let pool = TrackConsumersPool::new(
        GreedyMemoryPool::new(limit),
        std::num::NonZeroUsize::new(3).expect("3 is not zero"),
    );
    let runtime = RuntimeEnvBuilder::new()
        .with_memory_pool(std::sync::Arc::new(pool))
        .build_arc()?;
    // DataFusion's own settings may be tuned by the operator with its
    // DATAFUSION_* environment variables (e.g.
    // DATAFUSION_EXECUTION_TARGET_PARTITIONS); SQL cannot change the pool.
    let cfg = SessionConfig::from_env()?.with_information_schema(true);
    let ctx = SessionContext::new_with_config_rt(cfg, runtime);
    vocab::register_all(&ctx)?;
    Ok(ctx)
}

/// A session over the published lake.
pub async fn open_session(lake: &Lake) -> Result<SessionContext, QueryError> {
    let ctx = new_session();
    wangjian_lake::register_all(lake, &ctx).await?;
    Ok(ctx)
}

/// Where a session's queries run: in this process, or on a cluster.
#[derive(Clone, Default)]
pub enum Engine {
    /// In this process (the default).
    #[default]
    Local,
    /// On the cluster the connector reaches (crate `wangjian-cluster`).
    Cluster(Arc<dyn Connector>),
}

impl std::fmt::Debug for Engine {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Engine::Local => f.write_str("Local"),
            Engine::Cluster(c) => write!(f, "Cluster({})", c.address()),
        }
    }
}

/// Makes sessions whose queries run elsewhere.
#[async_trait::async_trait]
pub trait Connector: Send + Sync {
    /// Where the cluster is, for messages.
    fn address(&self) -> &str;
    /// How long one statement may take there before it is given up (a
    /// cluster that lost an executor may never answer).
    fn statement_timeout(&self) -> std::time::Duration;
    /// A session configured as `config` says whose queries the cluster runs.
    async fn session(&self, config: SessionConfig) -> Result<SessionContext, QueryError>;
}

/// A session over the published lake, on `engine`. On a cluster the lake's
/// tables are read as their pinned Parquet files (a table that cannot be is
/// refused: see [`wangjian_lake::Reader::SnapshotOnly`]), and the memory
/// limit is the executors' own.
pub async fn open_session_on(
    lake: &Lake,
    engine: &Engine,
    memory_limit: Option<usize>,
) -> Result<SessionContext, QueryError> {
    match engine {
        Engine::Local => match memory_limit {
            Some(limit) => open_session_with_memory(lake, limit).await,
            None => open_session(lake).await,
        },
        Engine::Cluster(c) => {
            let cfg = SessionConfig::from_env()?
                .with_information_schema(true)
                .with_extension(Arc::new(Deadline(c.statement_timeout())));
            let ctx = c.session(cfg).await?;
            vocab::register_all(&ctx)?;
            let cat = lake.catalog()?;
            wangjian_lake::register_catalog_with(
                lake,
                &cat,
                &ctx,
                wangjian_lake::Reader::SnapshotOnly,
            )
            .await?;
            Ok(ctx)
        }
    }
}

/// A session over the published lake whose queries share a memory pool of
/// `limit` bytes (see [`new_session_with_memory`]).
pub async fn open_session_with_memory(
    lake: &Lake,
    limit: usize,
) -> Result<SessionContext, QueryError> {
    let ctx = new_session_with_memory(limit)?;
    wangjian_lake::register_all(lake, &ctx).await?;
    Ok(ctx)
}

/// Whether SQL may change anything.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Access {
    /// Queries only: every path where people type SQL (`sql`, the shell).
    /// DDL, DML, COPY and statements such as SET are refused.
    ReadOnly,
    /// The indicator runner's own session (views, `CREATE TABLE AS`).
    ReadWrite,
}

/// What read-only SQL may not do.
fn read_only_options() -> SQLOptions {
    SQLOptions::new()
        .with_allow_ddl(false)
        .with_allow_dml(false)
        .with_allow_statements(false)
}

const READ_ONLY: &str = "SQL here is read-only: only queries run (SELECT, WITH, VALUES, \
     EXPLAIN, SHOW, DESCRIBE); CREATE, DROP, INSERT, UPDATE, DELETE, COPY, SET and the like \
     are refused (the lake changes only through `wangjian ingest` and `wangjian indicators`)";

/// A planning error, with the reason when it is a file-reading table
/// function (none is registered: SQL here reads only the lake's tables).
fn explain_refusal(e: datafusion::error::DataFusionError) -> QueryError {
    let msg = e.find_root().to_string();
    if msg.contains("table function") && msg.contains("not found") {
        QueryError::ReadOnly(format!(
            "{msg}: no table function reads files here; SQL reads only the lake's tables ({READ_ONLY})"
        ))
    } else {
        QueryError::from(e)
    }
}

/// Runs every statement of `sql` in order; returns each one's result. With
/// [`Access::ReadOnly`] every statement is planned and checked before any of
/// them runs, so a script with one refused statement runs none.
pub async fn run_sql(
    ctx: &SessionContext,
    sql: &str,
    access: Access,
) -> Result<Vec<(SchemaRef, Vec<RecordBatch>)>, QueryError> {
    let statements = DFParser::parse_sql(sql).map_err(|e| QueryError::Sql(e.to_string()))?;
    let mut out = Vec::new();
    if access == Access::ReadOnly {
        let mut plans = Vec::new();
        for stmt in statements {
            let plan = ctx
                .state()
                .statement_to_plan(stmt)
                .await
                .map_err(explain_refusal)?;
            read_only_options()
                .verify_plan(&plan)
                .map_err(|e| QueryError::ReadOnly(format!("{READ_ONLY} ({})", e.find_root())))?;
            plans.push(plan);
        }
        for plan in plans {
            out.push(collect(ctx, plan).await?);
        }
        return Ok(out);
    }
    for stmt in statements {
        let started = std::time::Instant::now();
        let what = statement_name(&stmt);
        let plan = ctx.state().statement_to_plan(stmt).await?;
        let created = match &plan {
            LogicalPlan::Ddl(datafusion::logical_expr::DdlStatement::CreateMemoryTable(c)) => {
                Some(c.name.clone())
            }
            _ => None,
        };
        out.push(collect(ctx, plan).await?);
        let rows = match created {
            Some(name) => format!(" ({} rows)", memory_rows(ctx, name).await),
            None => String::new(),
        };
        tracing::debug!("{:.2} s: {what}{rows}", started.elapsed().as_secs_f64());
    }
    Ok(out)
}

/// The rows an in-memory table holds (for the timing log); 0 when it is
/// not one.
async fn memory_rows(ctx: &SessionContext, name: datafusion::common::TableReference) -> usize {
    let Ok(t) = ctx.table_provider(name).await else {
        return 0;
    };
    let Some(m) = t.downcast_ref::<datafusion::datasource::MemTable>() else {
        return 0;
    };
    let mut n = 0;
    for part in &m.batches {
        n += part
            .read()
            .await
            .iter()
            .map(|b| b.num_rows())
            .sum::<usize>();
    }
    n
}

/// A statement's first words up to the name it creates, for the timing log
/// (`RUST_LOG=wangjian_queries=debug`).
fn statement_name(stmt: &datafusion::sql::parser::Statement) -> String {
    let text = stmt.to_string();
    let words: Vec<&str> = text.split_whitespace().take(4).collect();
    let end = words
        .iter()
        .position(|w| w.eq_ignore_ascii_case("AS"))
        .unwrap_or(words.len());
    words[..end].join(" ")
}

/// Runs a view of `queries/views/` read-only and returns its rows.
pub async fn run_view(ctx: &SessionContext, name: &str) -> Result<Vec<RecordBatch>, QueryError> {
    let sql = view_sql(name).ok_or_else(|| QueryError::Sql(format!("no view named {name}")))?;
    let mut results = run_sql(ctx, sql, Access::ReadOnly).await?;
    Ok(results.pop().map(|(_, b)| b).unwrap_or_default())
}

/// How long a statement of a cluster session may take.
#[derive(Debug, Clone, Copy)]
struct Deadline(std::time::Duration);

/// Runs `plan` and collects its rows; on a cluster, gives it up past the
/// session's [`Deadline`].
async fn collect(
    ctx: &SessionContext,
    plan: LogicalPlan,
) -> Result<(SchemaRef, Vec<RecordBatch>), QueryError> {
    let Some(deadline) = ctx.state().config().get_extension::<Deadline>() else {
        return collect_now(ctx, plan).await;
    };
    tokio::time::timeout(deadline.0, collect_on_cluster(ctx, plan))
        .await
        .map_err(|_| {
            QueryError::Sql(format!(
                "no answer from the cluster after {} s: the statement was given up (Ballista may \
                 not recover from a lost executor; see the scheduler's log) and nothing was published",
                deadline.0.as_secs()
            ))
        })?
}

/// [`collect_now`], but a statement with a recursive CTE, which a cluster
/// cannot run, runs in this process (`here.rs`).
async fn collect_on_cluster(
    ctx: &SessionContext,
    plan: LogicalPlan,
) -> Result<(SchemaRef, Vec<RecordBatch>), QueryError> {
    match here::collect_if_recursive(ctx, &plan).await? {
        Some(done) => Ok(done),
        None => collect_now(ctx, plan).await,
    }
}

async fn collect_now(
    ctx: &SessionContext,
    plan: LogicalPlan,
) -> Result<(SchemaRef, Vec<RecordBatch>), QueryError> {
    let df = ctx.execute_logical_plan(plan).await?;
    let schema: SchemaRef = Arc::new(df.schema().as_arrow().clone());
    let batches = df.collect().await?;
    Ok((schema, batches))
}
