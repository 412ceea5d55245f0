//! Readers for every extract format. Each yields the file's header and then
//! its rows as text, in batches, so that no file is ever held whole. No input
//! makes a reader panic, abort or hang: a file it cannot read is refused with
//! a message (tests/mutants.rs feeds every reader hundreds of damaged files).

mod csv;
mod jsonl;
mod parquet;
mod xlsx;

use std::path::Path;

pub use self::csv::detect_encoding;

/// One data row as text; `row` is 1 for the first row after the header.
#[derive(Debug, Clone)]
pub struct RawRecord {
    pub row: u64,
    pub fields: Vec<String>,
    /// Set when the row itself cannot be split into fields.
    pub malformed: Option<String>,
}

/// What the reader learnt about the file.
#[derive(Debug, Clone, Default)]
pub struct FileInfo {
    pub format: &'static str,
    pub encoding: Option<&'static str>,
}

/// A file that cannot be read at all.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct ReadError(pub String);

impl ReadError {
    pub fn new(msg: impl Into<String>) -> Self {
        ReadError(msg.into())
    }
}

/// Reads one file's rows in batches.
pub trait RecordReader: Send {
    fn headers(&self) -> &[String];
    /// The next rows, at most `max`; empty at the end of the file.
    fn next_batch(&mut self, max: usize) -> Result<Vec<RawRecord>, ReadError>;
}

/// The formats we read, by file name.
pub fn format_of(path: &Path) -> Option<&'static str> {
    let name = path.file_name()?.to_string_lossy().to_lowercase();
    if name.ends_with(".csv.gz") {
        Some("csv.gz")
    } else if name.ends_with(".csv") {
        Some("csv")
    } else if name.ends_with(".xlsx") {
        Some("xlsx")
    } else if name.ends_with(".jsonl") || name.ends_with(".ndjson") {
        Some("jsonl")
    } else if name.ends_with(".parquet") {
        Some("parquet")
    } else {
        None
    }
}

/// Opens a file with the reader for its format.
pub fn open(path: &Path) -> Result<(Box<dyn RecordReader>, FileInfo), ReadError> {
    let format = format_of(path).ok_or_else(|| {
        ReadError::new(
            "unsupported file type (expected .csv, .csv.gz, .xlsx, .jsonl, .ndjson or .parquet)",
        )
    })?;
    match format {
        "csv" | "csv.gz" => csv::open(path, format == "csv.gz"),
        "xlsx" => xlsx::open(path),
        "jsonl" => jsonl::open(path),
        _ => parquet::open(path),
    }
}
