//! `--cluster`, `wangjian scheduler` and `wangjian executor`: glue to the
//! `wangjian-cluster` crate.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;

use anyhow::Result;
use wangjian_cluster::{Cluster, ClusterError, ExecutorOptions, SchedulerOptions};
use wangjian_queries::Engine;

use crate::ClusterArg;

#[derive(clap::Args)]
pub struct SchedulerArgs {
    /// The address to listen on (clients and executors connect to it).
    #[arg(long, default_value = "127.0.0.1:50050")]
    bind: SocketAddr,
    /// The host name others reach this scheduler by.
    #[arg(long)]
    external_host: Option<String>,
}

#[derive(clap::Args)]
pub struct ExecutorArgs {
    /// The scheduler, HOST:PORT.
    #[arg(long, default_value = "127.0.0.1:50050")]
    scheduler: String,
    /// The address the executor's services bind.
    #[arg(long, default_value = "127.0.0.1")]
    bind_host: String,
    /// The host name the scheduler and the other executors reach it by.
    #[arg(long)]
    external_host: Option<String>,
    /// Arrow Flight port (shuffle data and results).
    #[arg(long, default_value_t = 50051)]
    flight_port: u16,
    /// gRPC port (tasks from the scheduler).
    #[arg(long, default_value_t = 50052)]
    grpc_port: u16,
    /// Where the executor's shuffle folder (wangjian-shuffle-<flight port>)
    /// is made; the system's temporary folder by default.
    #[arg(long)]
    work_dir: Option<PathBuf>,
    /// Tasks run at once (default: the machine's cores).
    #[arg(long)]
    concurrency: Option<usize>,
    /// Memory the tasks may hold (e.g. 8GiB); they spill past it. Default:
    /// Ballista's share of the machine's memory.
    #[arg(long, value_parser = wangjian_queries::parse_size)]
    memory_limit: Option<usize>,
}

/// Where a command's SQL runs.
pub fn engine(arg: &ClusterArg) -> Result<Engine> {
    match &arg.url {
        None => Ok(Engine::Local),
        Some(url) => {
            let cluster = Cluster::parse(url)
                .map_err(usage)?
                .with_statement_timeout(std::time::Duration::from_secs(arg.timeout.max(1)));
            cluster.check_reachable()?;
            Ok(Engine::Cluster(Arc::new(cluster)))
        }
    }
}

fn usage(e: ClusterError) -> anyhow::Error {
    match e {
        ClusterError::Usage(m) => crate::Usage(m).into(),
        other => other.into(),
    }
}

pub async fn scheduler(a: SchedulerArgs) -> Result<u8> {
    let opts = SchedulerOptions {
        bind: a.bind,
        external_host: a.external_host,
    };
    eprintln!("scheduler listening on {} (df://{})", a.bind, a.bind);
    wangjian_cluster::run_scheduler(&opts).await?;
    Ok(0)
}

pub async fn executor(a: ExecutorArgs) -> Result<u8> {
    let (host, port) = a
        .scheduler
        .rsplit_once(':')
        .and_then(|(h, p)| Some((h.to_string(), p.parse::<u16>().ok()?)))
        .ok_or_else(|| {
            crate::Usage(format!(
                "--scheduler {}: write HOST:PORT, e.g. 127.0.0.1:50050",
                a.scheduler
            ))
        })?;
    let opts = ExecutorOptions {
        scheduler_host: host,
        scheduler_port: port,
        bind_host: a.bind_host,
        external_host: a.external_host,
        flight_port: a.flight_port,
        grpc_port: a.grpc_port,
        work_dir: a.work_dir.unwrap_or_else(std::env::temp_dir),
        concurrency: a.concurrency,
        memory_limit: a.memory_limit.map(|m| m as u64),
    };
    wangjian_cluster::run_executor(&opts).await.map_err(usage)?;
    Ok(0)
}

/// `r`, its error saying which cluster `what` ran on (when it ran on one).
pub fn on_cluster<T, E>(r: Result<T, E>, engine: &Engine, what: &str) -> Result<T>
where
    E: Into<anyhow::Error>,
{
    match engine {
        Engine::Local => r.map_err(Into::into),
        Engine::Cluster(c) => r
            .map_err(Into::into)
            .map_err(|e| e.context(format!("{what} on the cluster at {}", c.address()))),
    }
}
