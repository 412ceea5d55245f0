use thiserror::Error;

#[derive(Debug, Error)]
pub enum ClusterError {
    /// A cluster address or option that cannot be used.
    #[error("{0}")]
    Usage(String),
    #[error("cannot reach the scheduler at {url}: {why} (is `wangjian scheduler` running there?)")]
    Unreachable { url: String, why: String },
    #[error("{what}: {source}")]
    Io {
        what: String,
        source: std::io::Error,
    },
    #[error("ballista: {0}")]
    Ballista(String),
}

impl From<ballista_core::error::BallistaError> for ClusterError {
    fn from(e: ballista_core::error::BallistaError) -> Self {
        ClusterError::Ballista(e.to_string())
    }
}
