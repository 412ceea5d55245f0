//! `wangjian executor`: Ballista's executor, in a shuffle folder of its own.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use ballista_core::registry::BallistaFunctionRegistry;
use ballista_executor::executor_process::{start_executor_process, ExecutorProcessConfig};

use crate::{ClusterError, LakeCodec, MAX_MESSAGE};

/// An executor's addresses, folder and size.
#[derive(Debug, Clone)]
pub struct ExecutorOptions {
    /// The scheduler's host and port.
    pub scheduler_host: String,
    pub scheduler_port: u16,
    /// The address the executor's services bind.
    pub bind_host: String,
    /// The host name the scheduler and other executors reach it by.
    pub external_host: Option<String>,
    /// Arrow Flight (shuffle and results) and gRPC (tasks) ports; a second
    /// executor on one host needs both moved.
    pub flight_port: u16,
    pub grpc_port: u16,
    /// Where its shuffle folder goes (`wangjian-shuffle-<flight port>` in it).
    pub work_dir: PathBuf,
    /// Tasks run at once (default: the machine's cores).
    pub concurrency: Option<usize>,
    /// Memory its tasks may hold, shared among them; they spill past it.
    pub memory_limit: Option<u64>,
}

/// Marks a shuffle folder as made by wangjian.
const MARKER: &str = ".wangjian-shuffle";

/// The executor's shuffle folder, made (and marked) when absent. Ballista
/// removes every folder inside it (finished jobs, and all of them when the
/// executor stops), so it must be one wangjian made: an existing folder of
/// that name without the mark is refused.
pub fn shuffle_dir(work_dir: &Path, flight_port: u16) -> Result<PathBuf, ClusterError> {
    let dir = work_dir.join(format!("wangjian-shuffle-{flight_port}"));
    let io = |what: String| move |source| ClusterError::Io { what, source };
    if dir.exists() {
        if !dir.join(MARKER).is_file() {
            return Err(ClusterError::Usage(format!(
                "{}: refused: the folder exists and was not made by wangjian (an executor removes \
                 what is inside its shuffle folder); give another --work-dir",
                dir.display()
            )));
        }
    } else {
        std::fs::create_dir_all(&dir).map_err(io(format!("cannot create {}", dir.display())))?;
        std::fs::write(
            dir.join(MARKER),
            "shuffle files of a wangjian executor; removed by it\n",
        )
        .map_err(io(format!("cannot mark {}", dir.display())))?;
    }
    Ok(dir)
}

/// The functions a task may call: Ballista's defaults and DataFusion's
/// array functions (`range`, `unnest`'s helpers...), which Ballista's
/// defaults leave out and the query files use.
fn functions() -> BallistaFunctionRegistry {
    let mut registry = BallistaFunctionRegistry::default();
    for f in datafusion::functions_nested::all_default_nested_functions() {
        registry.scalar_functions.insert(f.name().to_string(), f);
    }
    registry
}

/// Runs an executor until the process ends.
pub async fn run_executor(opts: &ExecutorOptions) -> Result<(), ClusterError> {
    let dir = shuffle_dir(&opts.work_dir, opts.flight_port)?;
    let max = u32::try_from(MAX_MESSAGE).unwrap_or(u32::MAX);
    let mut config = ExecutorProcessConfig {
        bind_host: opts.bind_host.clone(),
        external_host: opts.external_host.clone(),
        port: opts.flight_port,
        grpc_port: opts.grpc_port,
        scheduler_host: opts.scheduler_host.clone(),
        scheduler_port: opts.scheduler_port,
        scheduler_connect_timeout_seconds: 30,
        work_dir: Some(dir.to_string_lossy().into_owned()),
        grpc_max_decoding_message_size: max,
        grpc_max_encoding_message_size: max,
        // Shuffle files of jobs older than a day go even when the scheduler
        // never said the job ended.
        job_data_ttl_seconds: 24 * 3600,
        job_data_clean_up_interval_seconds: 3600,
        executor_heartbeat_interval_seconds: 5,
        memory_pool_size: opts.memory_limit,
        override_logical_codec: Some(Arc::new(LakeCodec::default())),
        ..ExecutorProcessConfig::default()
    };
    config.override_function_registry = Some(Arc::new(functions()));
    config.override_execution_engine = Some(Arc::new(crate::engine::QuietEngine::new()));
    if let Some(n) = opts.concurrency {
        config.vcores = n;
    }
    start_executor_process(Arc::new(config)).await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_folder_wangjian_did_not_make_is_refused() {
        let tmp = tempfile::tempdir().unwrap();
        let theirs = tmp.path().join("wangjian-shuffle-50051");
        std::fs::create_dir(&theirs).unwrap();
        std::fs::write(theirs.join("notes.txt"), "mine").unwrap();
        let e = shuffle_dir(tmp.path(), 50051).unwrap_err().to_string();
        assert!(e.contains("not made by wangjian"), "{e}");
        assert!(theirs.join("notes.txt").is_file());
        let ours = shuffle_dir(tmp.path(), 50061).unwrap();
        assert!(ours.join(MARKER).is_file());
        assert_eq!(shuffle_dir(tmp.path(), 50061).unwrap(), ours, "ours again");
    }
}
