//! `wangjian scheduler`: Ballista's scheduler with the lake's codec.

use std::net::SocketAddr;
use std::sync::Arc;

use ballista_scheduler::cluster::BallistaCluster;
use ballista_scheduler::config::SchedulerConfig;
use ballista_scheduler::scheduler_process::start_server;

use crate::{ClusterError, LakeCodec, MAX_MESSAGE};

/// Where the scheduler listens.
#[derive(Debug, Clone)]
pub struct SchedulerOptions {
    /// The address its gRPC service binds (clients and executors connect).
    pub bind: SocketAddr,
    /// The host name others reach it by (default: the bind address).
    pub external_host: Option<String>,
}

/// Runs a scheduler until the process ends.
pub async fn run_scheduler(opts: &SchedulerOptions) -> Result<(), ClusterError> {
    let max = u32::try_from(MAX_MESSAGE).unwrap_or(u32::MAX);
    let config = SchedulerConfig {
        bind_host: opts.bind.ip().to_string(),
        bind_port: opts.bind.port(),
        external_host: opts
            .external_host
            .clone()
            .unwrap_or_else(|| opts.bind.ip().to_string()),
        override_logical_codec: Some(Arc::new(LakeCodec::default())),
        grpc_server_max_decoding_message_size: max,
        grpc_server_max_encoding_message_size: max,
        grpc_client_max_message_size: max,
        // An executor that stops sending heartbeats (every 5 s) is taken for
        // lost after 20 s, and its tasks run elsewhere, instead of Ballista's
        // default three minutes.
        executor_timeout_seconds: 20,
        expire_dead_executor_interval_seconds: 5,
        no_executors_grace_period_seconds: 20,
        ..SchedulerConfig::default()
    };
    let cluster = BallistaCluster::new_from_config(&config).await?;
    start_server(cluster, opts.bind, Arc::new(config)).await?;
    Ok(())
}
