use thiserror::Error;

#[derive(Debug, Error)]
pub enum LakeError {
    #[error("{what}: {source}")]
    Io {
        what: String,
        source: std::io::Error,
    },
    #[error("--lake {path}: refused: {why}")]
    NotALake { path: String, why: String },
    #[error("no lake at {0} (run `wangjian ingest` first)")]
    NoLake(String),
    #[error("the lake catalog is unreadable: {0}")]
    BadCatalog(String),
    #[error("another writer holds the lake (lock file {0}); wait for it to finish")]
    Locked(String),
    #[error("table {table}: {source}")]
    Delta {
        table: String,
        source: Box<deltalake::DeltaTableError>,
    },
    #[error("table {table}: {source}")]
    Query {
        table: String,
        source: Box<datafusion::error::DataFusionError>,
    },
    #[error("{0}: the table cannot be read as plain Parquet files, which a cluster needs (the lake never writes deletion vectors or column mapping; run without --cluster)")]
    NotPlainParquet(String),
    #[error(transparent)]
    DataFusion(Box<datafusion::error::DataFusionError>),
}

impl LakeError {
    pub fn io(what: impl Into<String>, source: std::io::Error) -> Self {
        LakeError::Io {
            what: what.into(),
            source,
        }
    }
    pub fn delta(table: &str, source: deltalake::DeltaTableError) -> Self {
        LakeError::Delta {
            table: table.to_string(),
            source: Box::new(source),
        }
    }
    /// A query error while reading or writing `table`.
    pub fn in_table(table: &str, source: datafusion::error::DataFusionError) -> Self {
        LakeError::Query {
            table: table.to_string(),
            source: Box::new(source),
        }
    }
    pub fn df(source: datafusion::error::DataFusionError) -> Self {
        LakeError::DataFusion(Box::new(source))
    }
}

impl From<datafusion::error::DataFusionError> for LakeError {
    fn from(e: datafusion::error::DataFusionError) -> Self {
        LakeError::df(e)
    }
}
