//! Readers for every extract format. Each yields the file's header and then
//! its rows as text, in batches, so that no file is ever held whole. No input
//! makes a reader panic, abort or hang: a file it cannot read is refused with
//! a message (tests/mutants.rs feeds every reader hundreds of damaged files).

mod csv;
mod jsonl;
mod parquet;
mod split;
mod xlsx;

use std::ops::Range;
use std::path::Path;
use std::sync::Arc;

pub use self::csv::detect_encoding;

/// One data row as text; `row` is 1 for the first row after the header.
#[derive(Debug, Clone)]
pub struct RawRecord {
    pub row: u64,
    pub fields: Fields,
    /// Set when the row itself cannot be split into fields.
    pub malformed: Option<String>,
}

/// The text and field ends of rows: a batch's rows share one (the CSV
/// reader's: no allocation a row, and none to free on the thread that
/// validates the row), a row made on its own has its own.
#[derive(Debug, Clone, Default)]
struct RowsText {
    text: String,
    ends: Vec<usize>,
}

/// The fields of one row. Ingest reads tens of millions of rows: their
/// text is held in one buffer, and a batch's rows share one
/// ([`FieldsBuilder`]).
#[derive(Clone, Default)]
pub struct Fields {
    buf: Arc<RowsText>,
    /// The row's text in the buffer.
    text: Range<usize>,
    /// The row's field ends in the buffer, each counted from the row's text.
    ends: Range<usize>,
    /// Bytes between one field's end and the next one's start: none, or the
    /// separator of a CSV line kept as it was read.
    gap: usize,
}

/// The row's fields, not the batch's buffer they lie in.
impl std::fmt::Debug for Fields {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_list().entries(self.iter()).finish()
    }
}

/// Fields are equal when they hold the same values, however they are held.
impl PartialEq for Fields {
    fn eq(&self, other: &Self) -> bool {
        self.len() == other.len() && self.iter().eq(other.iter())
    }
}

impl Eq for Fields {}

impl Fields {
    /// Appends one field.
    pub fn push(&mut self, s: &str) {
        let b = self.own();
        b.text.push_str(s);
        // The row's text starts at 0 of its own buffer.
        b.ends.push(b.text.len());
        let (t, e) = (b.text.len(), b.ends.len());
        self.text.end = t;
        self.ends.end = e;
    }

    /// The row's buffer to add to: its own, its fields one after the other;
    /// copied out of a shared buffer (or a line) first if need be.
    fn own(&mut self) -> &mut RowsText {
        let whole = self.gap == 0
            && self.text == (0..self.buf.text.len())
            && self.ends == (0..self.buf.ends.len());
        if !(whole && Arc::get_mut(&mut self.buf).is_some()) {
            let mut own = RowsText::default();
            for f in self.iter() {
                own.text.push_str(f);
                own.ends.push(own.text.len());
            }
            *self = Fields {
                text: 0..own.text.len(),
                ends: 0..own.ends.len(),
                buf: Arc::new(own),
                gap: 0,
            };
        }
        Arc::get_mut(&mut self.buf).expect("the row's own buffer")
    }

    pub fn len(&self) -> usize {
        self.ends.len()
    }

    pub fn is_empty(&self) -> bool {
        self.ends.is_empty()
    }

    /// Field `i`, if the row has it.
    pub fn get(&self, i: usize) -> Option<&str> {
        let ends = self.buf.ends.get(self.ends.clone())?;
        let end = *ends.get(i)?;
        let start = match i {
            0 => 0,
            _ => ends[i - 1] + self.gap,
        };
        let at = self.text.start;
        self.buf.text.get(at + start..at + end)
    }

    pub fn iter(&self) -> impl Iterator<Item = &str> + '_ {
        (0..self.len()).map(|i| self.get(i).unwrap_or_default())
    }

    pub fn to_vec(&self) -> Vec<String> {
        self.iter().map(str::to_string).collect()
    }
}

/// The fields of a batch's rows gathered into one buffer.
#[derive(Default)]
pub struct FieldsBuilder {
    buf: RowsText,
    rows: Vec<(Range<usize>, Range<usize>, usize)>,
}

impl FieldsBuilder {
    /// Room for `rows` rows of `fields` fields and `bytes` bytes in all.
    pub fn with_capacity(rows: usize, fields: usize, bytes: usize) -> Self {
        FieldsBuilder {
            buf: RowsText {
                text: String::with_capacity(bytes),
                ends: Vec::with_capacity(fields),
            },
            rows: Vec::with_capacity(rows),
        }
    }

    /// The rows, fields and bytes added so far.
    pub fn size(&self) -> (usize, usize, usize) {
        (self.rows.len(), self.buf.ends.len(), self.buf.text.len())
    }

    /// Adds a row whose fields are separated by one ASCII byte in `line`,
    /// field `i` ending at `ends[i]`.
    pub fn push_line(&mut self, line: &str, ends: &[usize]) {
        self.push_row(line, ends.iter().copied(), 1);
    }

    /// Adds a row whose fields lie one after the other in `text`, field `i`
    /// ending at `ends[i]`.
    pub fn push_parts(&mut self, text: &str, ends: impl Iterator<Item = usize>) {
        self.push_row(text, ends, 0);
    }

    /// Adds a row of the given fields.
    pub fn push_fields<S: AsRef<str>>(&mut self, fields: impl Iterator<Item = S>) {
        let (t, e) = (self.buf.text.len(), self.buf.ends.len());
        for f in fields {
            self.buf.text.push_str(f.as_ref());
            self.buf.ends.push(self.buf.text.len() - t);
        }
        self.rows
            .push((t..self.buf.text.len(), e..self.buf.ends.len(), 0));
    }

    fn push_row(&mut self, text: &str, ends: impl Iterator<Item = usize>, gap: usize) {
        let (t, e) = (self.buf.text.len(), self.buf.ends.len());
        self.buf.text.push_str(text);
        self.buf.ends.extend(ends);
        self.rows
            .push((t..self.buf.text.len(), e..self.buf.ends.len(), gap));
    }

    /// The rows' fields, in the order they were added.
    pub fn finish(self) -> impl Iterator<Item = Fields> {
        let buf = Arc::new(self.buf);
        self.rows.into_iter().map(move |(text, ends, gap)| Fields {
            buf: buf.clone(),
            text,
            ends,
            gap,
        })
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

#[cfg(test)]
mod tests {
    use super::{Fields, FieldsBuilder};

    /// Rows built into one shared buffer read back as they were given,
    /// equal to the same rows made on their own; adding a field to a shared
    /// row or a line copies it out first and leaves the others alone.
    #[test]
    fn rows_sharing_a_buffer_hold_their_own_fields() {
        let mut b = FieldsBuilder::default();
        b.push_line("a,bb,,电话", &[1, 4, 5, 12]);
        b.push_parts("xyz", [1, 3].into_iter());
        b.push_fields(["", "q"].into_iter());
        let mut rows: Vec<Fields> = b.finish().collect();
        assert_eq!(rows[0].to_vec(), ["a", "bb", "", "电话"]);
        assert_eq!(rows[1].to_vec(), ["x", "yz"]);
        assert_eq!(rows[2].to_vec(), ["", "q"]);
        assert_eq!(rows[0].get(4), None);
        assert_eq!(rows[1], ["x", "yz"].into_iter().collect());
        assert_eq!(rows[0], ["a", "bb", "", "电话"].into_iter().collect());
        assert_ne!(rows[0], ["a", "bb", ""].into_iter().collect());
        rows[0].push("新");
        rows[1].push("w");
        assert_eq!(rows[0].to_vec(), ["a", "bb", "", "电话", "新"]);
        assert_eq!(rows[1].to_vec(), ["x", "yz", "w"]);
        assert_eq!(rows[2].to_vec(), ["", "q"]);
        let mut alone = Fields::default();
        alone.push("1");
        alone.push("");
        alone.push("三");
        assert_eq!(alone.to_vec(), ["1", "", "三"]);
        assert_eq!(Fields::default().len(), 0);
    }
}
