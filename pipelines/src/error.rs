use std::path::Path;

use thiserror::Error;
use wangjian_lake::LakeError;

/// Why a run could not finish. A bad file is not one of these: it is
/// rejected, reported, and the run goes on.
#[derive(Debug, Error)]
pub enum IngestError {
    #[error("{0}")]
    Usage(String),
    #[error("personal-data key: {0}")]
    Secret(String),
    #[error("{path}: {source}")]
    Io {
        path: String,
        source: std::io::Error,
    },
    #[error("staging: {0}")]
    Staging(String),
    #[error(transparent)]
    Lake(#[from] LakeError),
}

impl IngestError {
    pub fn io(path: &Path, source: std::io::Error) -> Self {
        IngestError::Io {
            path: path.display().to_string(),
            source,
        }
    }
}
