//! The vendored scheduler's fixes for executor loss (vendor/ballista-scheduler/WANGJIAN.md),
//! checked on the scheduler's own execution graph without processes or timing: tasks are
//! handed to two mock executors, one is lost part-way through, the job is finished on
//! the other, and then every shuffle input and the job's output must name each piece of
//! data exactly once. Ballista 55.0.0 as published fails the first two tests (the
//! consumers of a rolled-back stage keep its earlier attempt's outputs, so they read the
//! surviving executor's share twice) and the third (the lost executor's final outputs
//! stay in the job's result); the fourth checks the refund that keeps the surviving
//! executor schedulable, which published Ballista lacks.

use std::collections::HashMap;
use std::sync::Arc;

use ballista_core::extension::SessionConfigExt;
use ballista_core::serde::protobuf::{self, task_status};
use ballista_core::serde::scheduler::{
    ExecutorMetadata, ExecutorOperatingSystemSpecification, ExecutorSpecification,
    PartitionLocation, TaskKey,
};
use ballista_scheduler::planner::DefaultDistributedPlanner;
use ballista_scheduler::state::execution_graph::{
    ExecutionGraph, StaticExecutionGraph, TaskDescription,
};
use ballista_scheduler::state::execution_stage::{ExecutionStage, TaskInfo};
use datafusion::arrow::array::{StringArray, UInt64Array};
use datafusion::arrow::datatypes::{DataType, Field, Schema};
use datafusion::arrow::record_batch::RecordBatch;
use datafusion::datasource::MemTable;
use datafusion::prelude::{SessionConfig, SessionContext};

const LOST: &str = "executor-a";
const KEPT: &str = "executor-b";

fn executor(id: &str) -> ExecutorMetadata {
    ExecutorMetadata {
        id: id.to_string(),
        host: "localhost".to_string(),
        port: 8080,
        grpc_port: 9090,
        specification: ExecutorSpecification::default().with_vcores(1),
        os_info: ExecutorOperatingSystemSpecification::default(),
    }
}

/// The graph Ballista builds for `sql` over a four-partition table, planned with four
/// target partitions.
async fn graph(sql: &str) -> StaticExecutionGraph {
    let schema = Arc::new(Schema::new(vec![
        Field::new("id", DataType::Utf8, false),
        Field::new("name", DataType::Utf8, false),
        Field::new("gmv", DataType::UInt64, false),
    ]));
    let batch = RecordBatch::try_new(
        schema.clone(),
        vec![
            Arc::new(StringArray::from(vec!["1", "2"])),
            Arc::new(StringArray::from(vec!["x", "y"])),
            Arc::new(UInt64Array::from(vec![3, 4])),
        ],
    )
    .unwrap();
    let table = MemTable::try_new(schema, vec![vec![batch]; 4]).unwrap();
    let ctx = SessionContext::new_with_config(SessionConfig::new().with_target_partitions(4));
    ctx.register_table("t", Arc::new(table)).unwrap();
    let plan = ctx
        .sql(sql)
        .await
        .unwrap()
        .create_physical_plan()
        .await
        .unwrap();
    StaticExecutionGraph::new(
        "localhost:50050",
        &"job".into(),
        "",
        "session",
        plan,
        0,
        Arc::new(SessionConfig::new_with_ballista()),
        &mut DefaultDistributedPlanner::new(),
        None,
    )
    .unwrap()
}

const ONE_SHUFFLE: &str = "SELECT id, sum(gmv) FROM t GROUP BY id";
const TWO_SHUFFLES: &str =
    "SELECT id, count(*) FROM (SELECT id, name, sum(gmv) FROM t GROUP BY id, name) GROUP BY id";

/// A task a one-vcore executor has been given: the next pending partition of a running
/// stage, entered in that stage's task list as the scheduler's `bind_one` does (the
/// graph's own `pop_next_task` is compiled for Ballista's tests only).
struct Bound {
    stage_id: usize,
    task_id: usize,
    stage_attempt_num: usize,
    output_partitions: usize,
}

fn bind(graph: &mut StaticExecutionGraph, executor_id: &str) -> Option<Bound> {
    let stage = graph.fetch_running_stage(&[])?;
    let partitions = stage.pending.next_slice(1);
    let task_id = stage.task_infos.len();
    stage.task_infos.push(TaskInfo {
        task_id,
        scheduled_time: 0,
        launch_time: 0,
        start_exec_time: 0,
        end_exec_time: 0,
        finish_time: 0,
        task_status: task_status::Status::Running(protobuf::RunningTask {
            executor_id: executor_id.to_owned(),
        }),
        global_input_partition_ids: partitions.clone(),
        vcores_consumed: 1,
    });
    let output_partitions = TaskDescription {
        session_id: "session".into(),
        key: TaskKey {
            job_id: "job".into(),
            stage_id: stage.stage_id,
            task_id,
        },
        stage_attempt_num: stage.stage_attempt_num,
        task_attempt: 0,
        global_input_partition_ids: partitions,
        vcores_consumed: 1,
        plan: stage.plan.clone(),
        session_config: stage.session_config.clone(),
    }
    .get_output_partition_number();
    Some(Bound {
        stage_id: stage.stage_id,
        task_id,
        stage_attempt_num: stage.stage_attempt_num,
        output_partitions,
    })
}

/// What an executor reports for a task it finished: one row in each output partition.
fn finished(task: Bound, executor_id: &str) -> protobuf::TaskStatus {
    let partitions = (0..task.output_partitions)
        .map(|partition_id| protobuf::ShuffleWritePartition {
            partition_id: partition_id as u64,
            num_batches: 1,
            num_rows: 1,
            num_bytes: 1,
            file_id: None,
            is_sort_shuffle: false,
        })
        .collect();
    protobuf::TaskStatus {
        task_id: task.task_id as u32,
        job_id: "job".into(),
        stage_id: task.stage_id as u32,
        stage_attempt_num: task.stage_attempt_num as u32,
        launch_time: 0,
        start_exec_time: 0,
        end_exec_time: 0,
        metrics: vec![],
        status: Some(task_status::Status::Successful(protobuf::SuccessfulTask {
            executor_id: executor_id.to_owned(),
            partitions,
            runtime_stats: vec![],
            task_column_stats: vec![],
            window_state: vec![],
        })),
    }
}

/// Hands `executor` the next task and reports it finished; false when there is none.
fn run_one(graph: &mut StaticExecutionGraph, executor: &ExecutorMetadata) -> bool {
    match bind(graph, &executor.id) {
        Some(task) => {
            let status = finished(task, &executor.id);
            graph
                .update_task_status(executor, vec![status], 4, 4)
                .unwrap();
            true
        }
        None => false,
    }
}

fn is_successful(graph: &StaticExecutionGraph, stage_id: usize) -> bool {
    matches!(graph.stages()[&stage_id], ExecutionStage::Successful(_))
}

/// Runs the stages before `stage_id` with their tasks shared between both executors.
fn run_shared_until(graph: &mut StaticExecutionGraph, stage_id: usize) {
    let both = [executor(LOST), executor(KEPT)];
    let mut turn = 0;
    while !(1..stage_id).all(|s| is_successful(graph, s)) {
        assert!(run_one(graph, &both[turn % 2]));
        turn += 1;
    }
    assert!(turn >= 2, "both executors ran tasks");
}

/// Loses `LOST` and runs everything that is left on `KEPT`.
fn lose_and_finish(graph: &mut StaticExecutionGraph) {
    graph.reset_stages_on_lost_executor(LOST).unwrap();
    let kept = executor(KEPT);
    while !graph.is_successful() {
        assert!(run_one(graph, &kept), "the job stalled after the loss");
    }
}

/// Each stage's partition count and, for every stage, what it read from each input.
fn inputs(
    graph: &StaticExecutionGraph,
) -> Vec<(usize, usize, HashMap<usize, Vec<PartitionLocation>>)> {
    let mut all = vec![];
    for (stage_id, stage) in graph.stages() {
        let ExecutionStage::Successful(stage) = stage else {
            panic!("stage {stage_id} did not succeed");
        };
        for (input_id, output) in &stage.inputs {
            all.push((*stage_id, *input_id, output.partition_locations.clone()));
        }
    }
    all
}

fn partitions(graph: &StaticExecutionGraph, stage_id: usize) -> usize {
    match &graph.stages()[&stage_id] {
        ExecutionStage::Successful(stage) => stage.partitions,
        _ => panic!("stage {stage_id} did not succeed"),
    }
}

/// Every map partition of every input is read once, from the surviving executor, and
/// the job's output names each final partition once.
fn assert_each_piece_once(graph: &StaticExecutionGraph) {
    for (stage_id, input_id, locations) in inputs(graph) {
        let expected = partitions(graph, input_id);
        for (reduce, locs) in locations {
            assert_eq!(
                locs.len(),
                expected,
                "stage {stage_id} reads partition {reduce} of stage {input_id} from {} map outputs, not {expected}",
                locs.len()
            );
            assert!(locs.iter().all(|l| l.executor_meta.id == KEPT));
        }
    }
    let final_stage = *graph.stages().keys().max().unwrap();
    let mut outputs: Vec<usize> = graph
        .output_locations()
        .iter()
        .inspect(|l| assert_eq!(l.executor_meta.id, KEPT))
        .map(|l| l.map_partition_id)
        .collect();
    outputs.sort_unstable();
    outputs.dedup();
    assert_eq!(graph.output_locations().len(), outputs.len());
    assert_eq!(outputs.len(), partitions(graph, final_stage));
}

#[tokio::test]
async fn a_stage_rerun_after_a_loss_does_not_leave_its_first_outputs_behind() {
    let mut graph = graph(TWO_SHUFFLES).await;
    assert_eq!(graph.stages().len(), 3);
    run_shared_until(&mut graph, 2);
    // Stage 2 is running: one task done on the executor that stays, one running on
    // the one that goes. Stage 2 read stage 1's outputs on the lost executor, so it is
    // rolled back and runs all its partitions again.
    assert!(run_one(&mut graph, &executor(KEPT)));
    assert!(bind(&mut graph, LOST).is_some());
    lose_and_finish(&mut graph);
    assert_each_piece_once(&graph);
}

#[tokio::test]
async fn a_final_stage_rerun_after_a_loss_does_not_return_its_first_outputs() {
    let mut graph = graph(ONE_SHUFFLE).await;
    assert_eq!(graph.stages().len(), 2);
    run_shared_until(&mut graph, 2);
    assert!(run_one(&mut graph, &executor(KEPT)));
    lose_and_finish(&mut graph);
    assert_each_piece_once(&graph);
}

#[tokio::test]
async fn final_outputs_on_a_lost_executor_are_made_again() {
    let mut graph = graph(ONE_SHUFFLE).await;
    // Stage 1 entirely on the executor that stays, so the loss rolls nothing back; the
    // final stage has one task finished on each executor.
    let kept = executor(KEPT);
    while !is_successful(&graph, 1) {
        assert!(run_one(&mut graph, &kept));
    }
    assert!(run_one(&mut graph, &executor(LOST)));
    assert!(run_one(&mut graph, &kept));
    lose_and_finish(&mut graph);
    assert_each_piece_once(&graph);
}

#[tokio::test]
async fn a_task_of_a_rolled_back_stage_gives_its_executor_its_vcores_back() {
    let mut graph = graph(TWO_SHUFFLES).await;
    run_shared_until(&mut graph, 2);
    // One task of stage 2 running on each executor; the loss rolls stage 2 back while
    // the surviving executor is still working on its task.
    let running = bind(&mut graph, KEPT).unwrap();
    assert!(bind(&mut graph, LOST).is_some());
    graph.reset_stages_on_lost_executor(LOST).unwrap();
    assert!(matches!(
        graph.stages()[&running.stage_id],
        ExecutionStage::UnResolved(_)
    ));
    // When that task's status comes in, the scheduler refunds what this returns to
    // the executor's budget; published Ballista refunds nothing (the rolled-back
    // stage has no task list), so a one-vcore executor gets no further task and the
    // job waits forever.
    assert_eq!(
        graph.task_vcores_for_status(running.stage_id, running.stage_attempt_num, running.task_id),
        Some(1)
    );
    // The status itself is ignored: it belongs to an attempt that no longer runs.
    let status = finished(running, KEPT);
    graph
        .update_task_status(&executor(KEPT), vec![status], 4, 4)
        .unwrap();
    lose_and_finish(&mut graph);
    assert_each_piece_once(&graph);
}
