//! The executors' execution engine: Ballista's own, reporting no operator
//! metrics to the scheduler.
//!
//! Ballista 55's scheduler adds each task's operator metrics to its stage's
//! and refuses a task whose list has another length than the stage's ("task
//! metrics array size 3 does not equal with the stage metrics array size
//! 4"); the task's status is then never applied and the job waits for ever.
//! Tasks of one stage do report lists of different lengths (an operator
//! that a partition never ran has no metrics), so a plain cross join hung.
//! An empty list is skipped by the scheduler. What is lost is the operator
//! metrics of `EXPLAIN ANALYZE` on a cluster; the stages, their tasks and
//! the shuffle files are unchanged (docs/cluster.md).
//!
//! What each task wrote is logged instead, one line a task at info level
//! (target `wangjian::shuffle`: job, stage, task, partitions, rows and the
//! bytes of its shuffle files on disk). Ballista removes a job's
//! intermediate shuffle files as soon as the job succeeds, so these lines
//! are the record of a run's shuffle volume (`benches/cluster_bench.sh`
//! adds them up).

use std::fmt::{Debug, Display, Formatter};
use std::sync::Arc;

use ballista_core::serde::protobuf::{
    RuntimeStatsReport, ShuffleWritePartition, TaskColumnStats, WindowStateReport,
};
use ballista_core::JobId;
use ballista_executor::execution_engine::{
    DefaultExecutionEngine, ExecutionEngine, QueryStageExecutor,
};
use datafusion::error::Result;
use datafusion::execution::TaskContext;
use datafusion::physical_plan::metrics::MetricsSet;
use datafusion::physical_plan::ExecutionPlan;
use datafusion::prelude::SessionConfig;

/// Ballista's default engine, its stages reporting no operator metrics.
pub struct QuietEngine(DefaultExecutionEngine);

impl QuietEngine {
    pub fn new() -> QuietEngine {
        QuietEngine(DefaultExecutionEngine::new())
    }
}

impl ExecutionEngine for QuietEngine {
    fn create_query_stage_exec(
        &self,
        job_id: JobId,
        stage_id: usize,
        task_id: usize,
        global_output_partition_ids: Vec<usize>,
        plan: Arc<dyn ExecutionPlan>,
        work_dir: &str,
        config: &SessionConfig,
    ) -> Result<Arc<dyn QueryStageExecutor>> {
        let what = Task {
            job: job_id.to_string(),
            stage: stage_id,
        };
        let inner = self.0.create_query_stage_exec(
            job_id,
            stage_id,
            task_id,
            global_output_partition_ids,
            plan,
            work_dir,
            config,
        )?;
        Ok(Arc::new(Quiet(inner, what)))
    }
}

/// The job and stage a stage executor runs, for its log line.
struct Task {
    job: String,
    stage: usize,
}

struct Quiet(Arc<dyn QueryStageExecutor>, Task);

impl Debug for Quiet {
    fn fmt(&self, f: &mut Formatter<'_>) -> std::fmt::Result {
        Debug::fmt(&self.0, f)
    }
}

impl Display for Quiet {
    fn fmt(&self, f: &mut Formatter<'_>) -> std::fmt::Result {
        Display::fmt(&self.0, f)
    }
}

#[async_trait::async_trait]
impl QueryStageExecutor for Quiet {
    async fn execute_query_stage(
        &self,
        task_id: usize,
        context: Arc<TaskContext>,
    ) -> Result<Vec<ShuffleWritePartition>> {
        let written = self.0.execute_query_stage(task_id, context).await?;
        let rows: u64 = written.iter().map(|p| p.num_rows).sum();
        let bytes: u64 = written.iter().map(|p| p.num_bytes).sum();
        tracing::info!(
            target: "wangjian::shuffle",
            "shuffle written: job={} stage={} task={} partitions={} rows={} bytes={}",
            self.1.job,
            self.1.stage,
            task_id,
            written.len(),
            rows,
            bytes
        );
        Ok(written)
    }

    fn collect_plan_metrics(&self) -> Vec<MetricsSet> {
        Vec::new()
    }

    fn collect_runtime_stats_reports(&self) -> Vec<RuntimeStatsReport> {
        self.0.collect_runtime_stats_reports()
    }

    fn collect_window_state_reports(&self) -> Result<Vec<WindowStateReport>> {
        self.0.collect_window_state_reports()
    }

    fn collect_column_stats(&self) -> Vec<TaskColumnStats> {
        self.0.collect_column_stats()
    }
}
