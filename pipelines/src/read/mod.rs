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

/// The extract formats of sources.md.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Format {
    Csv,
    CsvGz,
    Xlsx,
    Jsonl,
    Parquet,
}

/// Every format, in the order they are documented.
pub const FORMATS: [Format; 5] = [
    Format::Csv,
    Format::CsvGz,
    Format::Xlsx,
    Format::Jsonl,
    Format::Parquet,
];

impl Format {
    /// The name recorded in `load_runs.format`.
    pub fn name(self) -> &'static str {
        match self {
            Format::Csv => "csv",
            Format::CsvGz => "csv.gz",
            Format::Xlsx => "xlsx",
            Format::Jsonl => "jsonl",
            Format::Parquet => "parquet",
        }
    }
}

/// What the reader learnt about the file.
#[derive(Debug, Clone)]
pub struct FileInfo {
    pub format: Format,
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
pub fn format_of(path: &Path) -> Option<Format> {
    let name = path.file_name()?.to_string_lossy().to_lowercase();
    if name.ends_with(".csv.gz") {
        Some(Format::CsvGz)
    } else if name.ends_with(".csv") {
        Some(Format::Csv)
    } else if name.ends_with(".xlsx") {
        Some(Format::Xlsx)
    } else if name.ends_with(".jsonl") || name.ends_with(".ndjson") {
        Some(Format::Jsonl)
    } else if name.ends_with(".parquet") {
        Some(Format::Parquet)
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
        Format::Csv => csv::open(path, false),
        Format::CsvGz => csv::open(path, true),
        Format::Xlsx => xlsx::open(path),
        Format::Jsonl => jsonl::open(path),
        Format::Parquet => parquet::open(path),
    }
}
