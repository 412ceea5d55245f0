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
    #[error("table {table}: {source}")]
    Table {
        table: String,
        source: Box<IngestError>,
    },
}

impl IngestError {
    /// The error, naming the table it happened in (unless it already does).
    pub fn in_table(self, table: &str) -> Self {
        match self {
            IngestError::Table { .. } | IngestError::Lake(LakeError::Delta { .. }) => self,
            other => IngestError::Table {
                table: table.to_string(),
                source: Box::new(other),
            },
        }
    }

    pub fn io(path: &Path, source: std::io::Error) -> Self {
        IngestError::Io {
            path: path.display().to_string(),
            source,
        }
    }
}
