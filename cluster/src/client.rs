//! The client side: sessions whose queries run on a cluster.

use std::net::ToSocketAddrs;
use std::sync::Arc;
use std::time::Duration;

use ballista::prelude::SessionContextExt;
use ballista_core::extension::SessionConfigExt;
use datafusion::execution::SessionStateBuilder;
use datafusion::prelude::{SessionConfig, SessionContext};
use wangjian_queries::{Connector, QueryError};

use crate::{ClusterError, LakeCodec, MAX_MESSAGE};

/// A scheduler's address, `df://HOST:PORT`.
#[derive(Debug, Clone)]
pub struct Cluster {
    url: String,
    host: String,
    port: u16,
    timeout: Duration,
}

/// How long one statement may take on the cluster unless told otherwise.
pub const DEFAULT_STATEMENT_TIMEOUT: Duration = Duration::from_secs(1800);

impl Cluster {
    /// `df://HOST:PORT` (the port 50050 when none is given).
    pub fn parse(url: &str) -> Result<Cluster, ClusterError> {
        let bad = |why: &str| {
            ClusterError::Usage(format!(
                "--cluster {url}: {why} (write df://HOST:PORT, e.g. df://127.0.0.1:50050)"
            ))
        };
        let parsed = url::Url::parse(url).map_err(|e| bad(&e.to_string()))?;
        if parsed.scheme() != "df" {
            return Err(bad("the scheme must be df://"));
        }
        let host = parsed
            .host_str()
            .filter(|h| !h.is_empty())
            .ok_or_else(|| bad("no host"))?
            .to_string();
        if !matches!(parsed.path(), "" | "/") || parsed.query().is_some() {
            return Err(bad("a scheduler address has no path or query"));
        }
        let port = parsed.port().unwrap_or(50050);
        Ok(Cluster {
            url: format!("df://{host}:{port}"),
            host,
            port,
            timeout: DEFAULT_STATEMENT_TIMEOUT,
        })
    }

    /// The same cluster, a statement given up after `timeout`.
    pub fn with_statement_timeout(mut self, timeout: Duration) -> Cluster {
        self.timeout = timeout;
        self
    }

    /// Checks that something listens at the scheduler's address (Ballista
    /// would only find out at the first query, with a transport error).
    pub fn check_reachable(&self) -> Result<(), ClusterError> {
        let unreachable = |why: String| ClusterError::Unreachable {
            url: self.url.clone(),
            why,
        };
        let addrs: Vec<_> = (self.host.as_str(), self.port)
            .to_socket_addrs()
            .map_err(|e| unreachable(e.to_string()))?
            .collect();
        let mut last = String::from("the host has no address");
        for a in addrs {
            match std::net::TcpStream::connect_timeout(&a, Duration::from_secs(5)) {
                Ok(_) => return Ok(()),
                Err(e) => last = e.to_string(),
            }
        }
        Err(unreachable(last))
    }
}

#[async_trait::async_trait]
impl Connector for Cluster {
    fn address(&self) -> &str {
        &self.url
    }

    fn statement_timeout(&self) -> Duration {
        self.timeout
    }

    async fn session(&self, config: SessionConfig) -> Result<SessionContext, QueryError> {
        self.check_reachable()
            .map_err(|e| QueryError::Sql(e.to_string()))?;
        let config = cluster_config(config);
        let state = SessionStateBuilder::new()
            .with_default_features()
            .with_config(config)
            .build();
        Ok(SessionContext::remote_with_state(&self.url, state).await?)
    }
}

/// A session's settings as the cluster needs them: each works around a
/// fault of Ballista 55 found by `tests/cluster.rs` (docs/cluster.md).
fn cluster_config(mut config: SessionConfig) -> SessionConfig {
    // A dynamic filter cannot cross a shuffle, and Ballista 55 fails on a
    // join whose filter was built ("Cannot swap HashJoinExec inputs after
    // dynamic filters have been constructed"), leaving the job waiting for
    // ever (the regional indicators' joins did).
    let optimizer = &mut config.options_mut().optimizer;
    optimizer.enable_dynamic_filter_pushdown = false;
    // Every hash join planned partitioned. DataFusion collects a small
    // build side into each task (CollectLeft); Ballista 55 turns such a
    // join back into a partitioned one when it cannot broadcast it (a
    // LEFT join, a build side of unknown size) but leaves the operators
    // above it as planned for one partition: an aggregate over a
    // three-way self-join of a small table gave one count per partition,
    // and the regional indicators lost half their rows. Ballista still
    // broadcasts a build side it knows to be small.
    optimizer.hash_join_single_partition_threshold = 0;
    optimizer.hash_join_single_partition_threshold_rows = 0;
    // Strings as plain Utf8, not views. Ballista's shuffle writer writes
    // each batch as Arrow IPC with every data buffer its views point
    // into, whole, and the batches of one scan share those buffers: the
    // eight national quarters' credit flags (quarter, USCC) went to the
    // shuffle at 323 MB for 578,903 rows, and the client that fetched them
    // was killed at 23.7 GiB. Plain strings go at their own size.
    config
        .options_mut()
        .execution
        .parquet
        .schema_force_view_types = false;
    config
        .with_ballista_logical_extension_codec(Arc::new(LakeCodec::default()))
        .with_ballista_grpc_client_max_message_size(MAX_MESSAGE)
        .with_ballista_job_name("wangjian")
        // Ballista 55's adaptive planner re-planned the CUSUM's z table
        // (window over a cross join of window aggregates) without end:
        // thousands of stages, never done. The static planner runs every
        // query file; stages are then fixed when a job is submitted.
        .with_ballista_adaptive_query_planner(false)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cluster_sessions_carry_the_workarounds() {
        let c = cluster_config(SessionConfig::new());
        let o = c.options();
        assert!(!o.optimizer.enable_dynamic_filter_pushdown);
        assert_eq!(o.optimizer.hash_join_single_partition_threshold, 0);
        assert_eq!(o.optimizer.hash_join_single_partition_threshold_rows, 0);
        assert!(
            !o.execution.parquet.schema_force_view_types,
            "plain strings"
        );
        // and a local session still reads strings as views
        assert!(
            SessionConfig::new()
                .options()
                .execution
                .parquet
                .schema_force_view_types
        );
    }

    #[test]
    fn addresses() {
        let c = Cluster::parse("df://127.0.0.1:50060").unwrap();
        assert_eq!((c.host.as_str(), c.port), ("127.0.0.1", 50060));
        assert_eq!(Cluster::parse("df://sched").unwrap().port, 50050);
        for bad in [
            "http://x:1",
            "df://",
            "127.0.0.1:50050",
            "df://x:1/lake",
            "df://x:99999",
        ] {
            assert!(Cluster::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn a_scheduler_that_is_not_there_is_named() {
        // A port nothing listens on: bind one, note it, close it.
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let c = Cluster::parse(&format!("df://127.0.0.1:{port}")).unwrap();
        let e = c.check_reachable().unwrap_err().to_string();
        assert!(e.contains(&format!("df://127.0.0.1:{port}")), "{e}");
        assert!(e.contains("wangjian scheduler"), "{e}");
    }
}
