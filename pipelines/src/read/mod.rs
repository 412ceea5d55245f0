//! Readers for every extract format. Each yields the file's header and then
//! its rows as text, in batches, so that no file is ever held whole. No input
//! makes a reader panic, abort or hang: a file it cannot read is refused with
//! a message (tests/mutants.rs feeds every reader hundreds of damaged files).

mod csv;
mod jsonl;
mod parquet;
mod split;
mod xlsx;

use std::path::Path;

pub use self::csv::detect_encoding;

/// One data row as text; `row` is 1 for the first row after the header.
#[derive(Debug, Clone)]
pub struct RawRecord {
    pub row: u64,
    pub fields: Fields,
    /// Set when the row itself cannot be split into fields.
    pub malformed: Option<String>,
}

/// The fields of one row, held in one buffer (two allocations a row, not one
/// a field: ingest reads tens of millions of rows).
#[derive(Debug, Clone, Default)]
pub struct Fields {
    text: String,
    ends: Vec<usize>,
    /// Bytes between one field's end and the next one's start: none, or the
    /// separator of a CSV line kept as it was read ([`Fields::from_line`]).
    gap: usize,
}

/// Fields are equal when they hold the same values, however they are held.
impl PartialEq for Fields {
    fn eq(&self, other: &Self) -> bool {
        self.len() == other.len() && self.iter().eq(other.iter())
    }
}

impl Eq for Fields {}

impl Fields {
    /// Room for `n` fields of `bytes` bytes in all.
    pub fn with_capacity(n: usize, bytes: usize) -> Self {
        Fields {
            text: String::with_capacity(bytes),
            ends: Vec::with_capacity(n),
            gap: 0,
        }
    }

    /// Fields cut from `text` at the given ends (each a character boundary
    /// of `text`, in order), copied in one piece.
    pub fn from_parts(text: &str, ends: impl Iterator<Item = usize>) -> Self {
        Fields {
            text: text.to_string(),
            ends: ends.collect(),
            gap: 0,
        }
    }

    /// The fields of a line of text whose fields are separated by one ASCII
    /// byte, field `i` ending at `ends[i]` (the line copied in one piece,
    /// separators included).
    pub fn from_line(line: &str, ends: &[usize]) -> Self {
        Fields {
            text: line.to_string(),
            ends: ends.to_vec(),
            gap: 1,
        }
    }

    /// Appends one field.
    pub fn push(&mut self, s: &str) {
        if self.gap > 0 && !self.ends.is_empty() {
            // Fields read from a line (rare: rows are not added to).
            self.text.push(',');
        }
        self.text.push_str(s);
        self.ends.push(self.text.len());
    }

    pub fn len(&self) -> usize {
        self.ends.len()
    }

    pub fn is_empty(&self) -> bool {
        self.ends.is_empty()
    }

    /// Field `i`, if the row has it.
    pub fn get(&self, i: usize) -> Option<&str> {
        let end = *self.ends.get(i)?;
        let start = if i == 0 {
            0
        } else {
            self.ends[i - 1] + self.gap
        };
        self.text.get(start..end)
    }

    pub fn iter(&self) -> impl Iterator<Item = &str> + '_ {
        (0..self.len()).map(|i| self.get(i).unwrap_or_default())
    }

    pub fn to_vec(&self) -> Vec<String> {
        self.iter().map(str::to_string).collect()
    }
}

impl<S: AsRef<str>> FromIterator<S> for Fields {
    fn from_iter<I: IntoIterator<Item = S>>(iter: I) -> Self {
        let mut f = Fields::default();
        for s in iter {
            f.push(s.as_ref());
        }
        f
    }
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
    /// The next rows, at most `max`; empty at the end of the file. Where
    /// [`RecordReader::split`] gives a function, the rows are not split into
    /// fields yet: each batch goes through it first.
    fn next_batch(&mut self, max: usize) -> Result<Vec<RawRecord>, ReadError>;
    /// The work of splitting rows into fields that can run beside the
    /// reading, on the threads that validate (JSON lines are parsed there:
    /// on the reading thread they were the slowest step of their files).
    fn split(&self) -> Option<Split> {
        None
    }
}

/// Splits a batch of rows into fields in place (see [`RecordReader::split`]).
pub type Split = std::sync::Arc<dyn Fn(&mut [RawRecord]) + Send + Sync>;

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
