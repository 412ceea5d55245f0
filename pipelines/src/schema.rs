//! Lake table schemas derived from the source specs.

use std::sync::Arc;

use arrow::datatypes::{DataType, Field, Schema, SchemaRef, TimeUnit};

use wangjian_contract::sources::{Kind, Source};

/// Value types of lake columns.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OutType {
    Str,
    /// Local (Beijing) date-time without zone, microseconds.
    Ts,
    Date,
    Bool,
    /// Decimal(18,2) yuan, held as fen.
    Money,
    I64,
    /// Staging only, never a lake column: `Money` as Int64 fen (8 bytes a
    /// value staged, not Decimal128's 16).
    Fen,
    /// Staging only: `_hash` as UInt64 (8 bytes, not 16 hex digits and an
    /// offset).
    Hash64,
    /// Staging only: `consumer_key` as its 16 bytes (not 32 hex digits and
    /// an offset).
    Key16,
    /// Staging only: a value of a fixed list (`Kind::Enum`) as its place in
    /// the list, one byte.
    Code(&'static [&'static str]),
}

impl OutType {
    pub fn arrow(self) -> DataType {
        match self {
            OutType::Str => DataType::Utf8,
            OutType::Ts => DataType::Timestamp(TimeUnit::Microsecond, None),
            OutType::Date => DataType::Date32,
            OutType::Bool => DataType::Boolean,
            OutType::Money => DataType::Decimal128(18, 2),
            OutType::I64 | OutType::Fen => DataType::Int64,
            OutType::Hash64 => DataType::UInt64,
            OutType::Key16 => DataType::FixedSizeBinary(16),
            OutType::Code(_) => DataType::UInt8,
        }
    }
}

/// The lineage columns every source table carries.
pub const LINEAGE: [(&str, OutType); 4] = [
    ("_run", OutType::Str),
    ("_file", OutType::Str),
    ("_row", OutType::I64),
    ("_hash", OutType::Str),
];

/// The normalised business columns of a source, in order: personal data
/// columns are replaced by one `consumer_key`; event sources gain
/// `province_code` and `quarter`.
pub fn business_columns(src: &Source) -> Vec<(&'static str, OutType)> {
    let mut out = Vec::new();
    let mut key_added = false;
    for c in src.columns {
        let t = match c.kind {
            Kind::Personal => {
                if !key_added {
                    out.push(("consumer_key", OutType::Str));
                    key_added = true;
                }
                continue;
            }
            Kind::DateTime => OutType::Ts,
            Kind::Date => OutType::Date,
            Kind::Bool { .. } => OutType::Bool,
            Kind::Money => OutType::Money,
            _ => OutType::Str,
        };
        out.push((c.name, t));
    }
    if src.is_event() {
        out.push(("province_code", OutType::Str));
        out.push(("quarter", OutType::Str));
    }
    out
}

/// All columns of a source's lake table.
pub fn lake_columns(src: &Source) -> Vec<(&'static str, OutType)> {
    let mut cols = business_columns(src);
    cols.extend(LINEAGE);
    cols
}

pub fn schema_of(cols: &[(&str, OutType)]) -> SchemaRef {
    Arc::new(Schema::new(
        cols.iter()
            .map(|(n, t)| Field::new(*n, t.arrow(), true))
            .collect::<Vec<_>>(),
    ))
}

/// The columns of a source's table whose values seldom repeat: the
/// key, credit codes, free text with numbers redacted, item lists,
/// date-times, `consumer_key`, `_hash` and `_row` (a file's row number,
/// never repeated in a file). They are written without a dictionary:
/// interning values for dictionaries took about a quarter of the append's
/// encoding (perf, 5M-row file), and for these columns the writer builds a
/// dictionary only to give it up once the dictionary page is full, or keeps
/// one as large as the data. Date-times joined them in session 24: an
/// extract's times are to the second, so a quarter's 5.6 million rows hold
/// nearly as many distinct times (the generator's, to the minute, fit one
/// dictionary, which made their columns half the size but cost 5 % of a
/// 5M-row ingest's processor time; docs/benchmarks.md). Codes,
/// enumerations, names, dates, amounts and the file lineage keep theirs.
pub fn seldom_repeated_columns(src: &Source) -> Vec<&'static str> {
    let mut out: Vec<&'static str> = src
        .columns
        .iter()
        .filter(|c| {
            c.name == src.key
                || matches!(
                    c.kind,
                    Kind::Uscc | Kind::Redacted | Kind::Items | Kind::DateTime
                )
        })
        .map(|c| c.name)
        .collect();
    if src.columns.iter().any(|c| c.kind == Kind::Personal) {
        out.push("consumer_key");
    }
    out.push("_hash");
    out.push("_row");
    out
}

/// The columns of a source's table written without statistics (no min,
/// max or null count in the Parquet file, so none in the Delta log): text
/// other than the key and the file lineage. Their values arrive in no
/// order, so a file's or a page's minimum and maximum span nearly every
/// value and skip nothing, while computing them compared every value twice
/// (docs/benchmarks.md, session 18). The key (in file order, which the
/// MERGE's file pruning reads), times, dates, amounts, flags, `_row` and
/// the constant `_run` and `_file` keep theirs; `quarter` is the partition
/// folder, not a column of the files.
pub fn unindexed_columns(src: &Source) -> Vec<&'static str> {
    lake_columns(src)
        .into_iter()
        .filter(|(n, t)| {
            *t == OutType::Str && *n != src.key && !FILE_LINEAGE.contains(n) && *n != "quarter"
        })
        .map(|(n, _)| n)
        .collect()
}

/// The lineage columns that hold one value for a whole staged file (the run
/// and the file): they are not staged but added to each batch on its way to
/// the lake ([`FileLineage`]).
pub const FILE_LINEAGE: [&str; 2] = ["_run", "_file"];

/// The staging schema: the lake columns but [`FILE_LINEAGE`], each in its
/// staged form ([`staged_type`]).
pub fn staging_columns(src: &Source) -> Vec<(&'static str, OutType)> {
    lake_columns(src)
        .into_iter()
        .filter(|(n, _)| !FILE_LINEAGE.contains(n))
        .map(|(n, t)| (n, staged_type(src, n, t)))
        .collect()
}

/// How a lake column is held in the staged files, which every valid row is
/// written to and read back from once: amounts as fen, `_hash` as a
/// number, `consumer_key` as bytes and listed values as their place in the
/// list. This made the staged file of the 5M-row benchmark about a quarter
/// smaller (docs/benchmarks.md, session 24); [`unstage`] turns each back
/// into the lake's type.
fn staged_type(src: &Source, name: &str, t: OutType) -> OutType {
    let kind = src.columns.iter().find(|c| c.name == name).map(|c| c.kind);
    match (name, t, kind) {
        (_, OutType::Money, _) => OutType::Fen,
        ("_hash", OutType::Str, _) => OutType::Hash64,
        ("consumer_key", OutType::Str, None) => OutType::Key16,
        (_, OutType::Str, Some(Kind::Enum(list))) if list.len() <= usize::from(u8::MAX) => {
            OutType::Code(list)
        }
        _ => t,
    }
}

/// A staged column (of type `staged`) in the lake's type.
pub fn unstage(
    col: &arrow::array::ArrayRef,
    staged: OutType,
) -> Result<arrow::array::ArrayRef, arrow::error::ArrowError> {
    use arrow::array::{Array, AsArray, FixedSizeBinaryArray, StringArray};
    use arrow::datatypes::{Decimal128Type, Int64Type, UInt64Type};
    Ok(match staged {
        OutType::Fen => Arc::new(
            col.as_primitive::<Int64Type>()
                .unary::<_, Decimal128Type>(i128::from)
                .with_precision_and_scale(18, 2)?,
        ),
        OutType::Hash64 => {
            let h = col.as_primitive::<UInt64Type>();
            Arc::new(hex_strings(
                h.nulls(),
                h.values().iter().map(|v| v.to_be_bytes()),
            ))
        }
        OutType::Key16 => {
            let k: &FixedSizeBinaryArray = col.as_fixed_size_binary();
            let keys = (0..k.len())
                .map(|i| <[u8; 16]>::try_from(k.value(i)).expect("a FixedSizeBinary(16) value"));
            Arc::new(hex_strings(k.nulls(), keys))
        }
        OutType::Code(list) => {
            let values = StringArray::from_iter_values(list.iter());
            arrow::compute::take(
                &values,
                col.as_primitive::<arrow::datatypes::UInt8Type>(),
                None,
            )?
        }
        _ => col.clone(),
    })
}

/// The lower-case hex text of each value (`N` bytes, `2N` digits each);
/// null where `nulls` says so.
fn hex_strings<const N: usize>(
    nulls: Option<&arrow::buffer::NullBuffer>,
    values: impl ExactSizeIterator<Item = [u8; N]>,
) -> arrow::array::StringArray {
    use arrow::buffer::{Buffer, OffsetBuffer};
    let n = values.len();
    let mut text = Vec::with_capacity(n * 2 * N);
    for v in values {
        crate::batch::push_hex(&mut text, &v);
    }
    let offsets = OffsetBuffer::from_lengths(std::iter::repeat_n(2 * N, n));
    // Every value is ASCII hex: valid UTF-8 by construction.
    arrow::array::StringArray::new(offsets, Buffer::from_vec(text), nulls.cloned())
}

/// The run's and one file's lineage values, put into each of the file's
/// staged batches on its way to the lake. Their columns are built once, as
/// long as the longest batch so far, and each batch takes a slice of them
/// (no copy): building them for every batch wrote 67 bytes a row again.
pub struct FileLineage {
    run: String,
    file: String,
    columns: Option<(arrow::array::ArrayRef, arrow::array::ArrayRef)>,
}

impl FileLineage {
    pub fn new(run: &str, file: &str) -> FileLineage {
        FileLineage {
            run: run.to_string(),
            file: file.to_string(),
            columns: None,
        }
    }

    /// A staged batch (the staging columns, in order, of types `staged`)
    /// as the lake's batch: each column in the lake's type ([`unstage`]),
    /// the run's and the file's values put in their places.
    pub fn apply(
        &mut self,
        lake: &SchemaRef,
        staged: &[OutType],
        batch: &arrow::array::RecordBatch,
    ) -> Result<arrow::array::RecordBatch, arrow::error::ArrowError> {
        use arrow::array::{Array, ArrayRef, StringArray};
        let n = batch.num_rows();
        if self.columns.as_ref().is_none_or(|(r, _)| r.len() < n) {
            let run = StringArray::from_iter_values(std::iter::repeat_n(&self.run, n));
            let file = StringArray::from_iter_values(std::iter::repeat_n(&self.file, n));
            self.columns = Some((Arc::new(run), Arc::new(file)));
        }
        let (run, file) = self.columns.as_ref().expect("built above");
        let mut from = batch.columns().iter().zip(staged);
        let mut cols: Vec<ArrayRef> = Vec::with_capacity(lake.fields().len());
        for f in lake.fields() {
            let c: ArrayRef = match f.name().as_str() {
                "_run" => run.slice(0, n),
                "_file" => file.slice(0, n),
                _ => {
                    let (c, t) = from.next().ok_or_else(|| {
                        arrow::error::ArrowError::SchemaError(format!(
                            "staged batch lacks column {}",
                            f.name()
                        ))
                    })?;
                    unstage(c, *t)?
                }
            };
            cols.push(c);
        }
        arrow::array::RecordBatch::try_new(lake.clone(), cols)
    }
}

/// A column of a table that ingest writes for itself: name, type, meaning.
/// A meaning of `""` is filled in by [`crate::docs`] (code lists).
pub type LoadColumn = (&'static str, OutType, &'static str);

/// The quarantine table.
pub const QUARANTINE: &[LoadColumn] = &[
    (
        "run",
        OutType::Str,
        "the load run that first refused the row",
    ),
    ("source", OutType::Str, "the source of the file"),
    ("file", OutType::Str, "the extract file"),
    ("row_number", OutType::I64, "the row in that file"),
    ("reason_code", OutType::Str, ""),
    (
        "reason",
        OutType::Str,
        "the reason in words, naming the column and value",
    ),
    (
        "raw",
        OutType::Str,
        "the raw row as JSON, personal data removed, description redacted",
    ),
];

/// The load_runs table: one row per file per run.
pub const LOAD_RUNS: &[LoadColumn] = &[
    ("run", OutType::Str, "the load run"),
    (
        "started_at",
        OutType::Ts,
        "when the run started (Beijing time)",
    ),
    (
        "finished_at",
        OutType::Ts,
        "when the run finished (Beijing time)",
    ),
    ("source", OutType::Str, "the source"),
    ("file", OutType::Str, "the extract file"),
    ("format", OutType::Str, ""),
    ("encoding", OutType::Str, "detected text encoding"),
    (
        "status",
        OutType::Str,
        "loaded, or rejected (the whole file)",
    ),
    ("message", OutType::Str, "why the file was rejected"),
    (
        "rows_read",
        OutType::I64,
        "rows read = loaded + superseded + quarantined",
    ),
    (
        "loaded",
        OutType::I64,
        "rows that are a new record or a newer version",
    ),
    (
        "superseded",
        OutType::I64,
        "rows that are an older or identical version",
    ),
    ("quarantined", OutType::I64, "rows refused (see quarantine)"),
];

/// The load_issues table: per file, quarantine counts by reason and
/// field-level issue counts by column.
pub const LOAD_ISSUES: &[LoadColumn] = &[
    ("run", OutType::Str, "the load run"),
    ("source", OutType::Str, "the source"),
    ("file", OutType::Str, "the extract file"),
    (
        "kind",
        OutType::Str,
        "quarantine (rows by reason) or field (values set to missing, by column)",
    ),
    (
        "column_name",
        OutType::Str,
        "the column of a field-level issue",
    ),
    ("code", OutType::Str, ""),
    ("rows", OutType::I64, "how many rows"),
];

/// (name, type) of a load table's columns.
pub fn columns_of(table: &[LoadColumn]) -> Vec<(&'static str, OutType)> {
    table.iter().map(|(n, t, _)| (*n, *t)).collect()
}

/// The quarantine table's columns.
pub fn quarantine_columns() -> Vec<(&'static str, OutType)> {
    columns_of(QUARANTINE)
}

/// The columns of a reference table, from its CSV header: `population` is a
/// count, every other column text.
pub fn reference_columns(header: &str) -> Vec<(&str, OutType)> {
    header
        .split(',')
        .map(|h| {
            let t = if h == "population" {
                OutType::I64
            } else {
                OutType::Str
            };
            (h, t)
        })
        .collect()
}

/// Every table ingest writes, with its lake schema: the six sources, the
/// load tables and the reference lists. (Tests build fixtures on these, so
/// that a renamed column breaks them.)
pub fn lake_tables() -> Vec<(&'static str, SchemaRef)> {
    let mut out: Vec<(&'static str, SchemaRef)> = wangjian_contract::SOURCES
        .iter()
        .map(|s| (s.name, schema_of(&lake_columns(s))))
        .collect();
    for (name, cols) in [
        ("quarantine", QUARANTINE),
        ("load_runs", LOAD_RUNS),
        ("load_issues", LOAD_ISSUES),
    ] {
        out.push((name, schema_of(&columns_of(cols))));
    }
    for (name, text) in wangjian_contract::reference::FILES {
        let header = text.lines().next().unwrap_or_default();
        out.push((name, schema_of(&reference_columns(header))));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use arrow::array::{Array, AsArray, Int64Array, RecordBatch, StringArray};
    use arrow::datatypes::Int64Type;

    /// The columns without statistics are text columns of the table; the
    /// key, the file lineage, times, amounts and `_row` keep theirs.
    #[test]
    fn unindexed_columns_are_text_but_the_key_and_lineage() {
        for src in wangjian_contract::sources::SOURCES {
            let cols = lake_columns(src);
            let plain = unindexed_columns(src);
            for c in &plain {
                let t = cols.iter().find(|(n, _)| n == c).map(|(_, t)| *t);
                assert_eq!(t, Some(OutType::Str), "{}: {c}", src.name);
            }
            for c in [src.key, "_run", "_file", "_row", "updated_at"] {
                assert!(!plain.contains(&c), "{}: {c}", src.name);
            }
        }
        let complaints = wangjian_contract::sources::source("complaints").unwrap();
        let plain = unindexed_columns(complaints);
        for c in [
            "description",
            "consumer_key",
            "_hash",
            "region_code",
            "status",
        ] {
            assert!(plain.contains(&c), "{c}");
        }
        for c in ["received_at", "amount_yuan", "quarter"] {
            assert!(!plain.contains(&c), "{c}");
        }
    }

    /// Every column written without a dictionary is a column of the
    /// table; complaints' key, text and hashes are among them, its codes
    /// are not.
    #[test]
    fn seldom_repeated_columns_are_the_tables_own() {
        for src in wangjian_contract::sources::SOURCES {
            let cols = lake_columns(src);
            for c in seldom_repeated_columns(src) {
                assert!(cols.iter().any(|(n, _)| *n == c), "{}: {c}", src.name);
            }
        }
        let complaints = wangjian_contract::sources::source("complaints").unwrap();
        let plain = seldom_repeated_columns(complaints);
        for c in [
            "record_id",
            "description",
            "consumer_key",
            "_hash",
            "_row",
            "received_at",
            "updated_at",
        ] {
            assert!(plain.contains(&c), "{c}");
        }
        for c in ["region_code", "status", "quarter", "amount_yuan", "_file"] {
            assert!(!plain.contains(&c), "{c}");
        }
    }

    #[test]
    fn file_lineage_goes_in_its_places() {
        let lake = schema_of(&[
            ("record_id", OutType::Str),
            ("_run", OutType::Str),
            ("_file", OutType::Str),
            ("_row", OutType::I64),
        ]);
        let staged_schema = schema_of(&[("record_id", OutType::Str), ("_row", OutType::I64)]);
        let staged = RecordBatch::try_new(
            staged_schema,
            vec![
                Arc::new(StringArray::from(vec![Some("A1"), None])),
                Arc::new(Int64Array::from(vec![2, 3])),
            ],
        )
        .unwrap();
        let types = [OutType::Str, OutType::I64];
        let mut lineage = FileLineage::new("run-1", "x/a.csv");
        // A longer batch after a shorter one, then a shorter one again: each
        // gets its own length of lineage values.
        let one = staged.slice(0, 1);
        for b in [&one, &staged, &one, &staged] {
            let out = lineage.apply(&lake, &types, b).unwrap();
            assert_eq!(out.schema(), lake);
            assert_eq!(out.num_rows(), b.num_rows());
            let s = |i: usize| out.column(i).as_string::<i32>().clone();
            assert_eq!(s(0).value(0), "A1");
            assert_eq!(
                s(1).iter().collect::<Vec<_>>(),
                vec![Some("run-1"); b.num_rows()]
            );
            assert_eq!(
                s(2).iter().collect::<Vec<_>>(),
                vec![Some("x/a.csv"); b.num_rows()]
            );
        }
        let out = lineage.apply(&lake, &types, &staged).unwrap();
        assert!(out.column(0).is_null(1));
        let rows = out.column(3).as_primitive::<Int64Type>();
        assert_eq!(rows.values().to_vec(), [2, 3]);
        // A staged batch short of a column is an error, not a shifted table.
        let short = staged.project(&[0]).unwrap();
        assert!(FileLineage::new("r", "f")
            .apply(&lake, &types, &short)
            .is_err());
    }

    /// Each staged form comes back as the lake's value, nulls as nulls:
    /// amounts as Decimal(18,2) yuan, the hash and the key as the hex text
    /// `format!` writes, listed values as their text.
    #[test]
    fn staged_forms_come_back_as_the_lakes_values() {
        use crate::batch::{RowsBuilder, V};
        use arrow::datatypes::Decimal128Type;
        let list: &'static [&'static str] = &["投诉", "举报"];
        let cols = [
            ("amount", OutType::Fen),
            ("_hash", OutType::Hash64),
            ("key", OutType::Key16),
            ("kind", OutType::Code(list)),
        ];
        let mut b = RowsBuilder::new(&cols);
        let key: [u8; 16] = std::array::from_fn(|i| (i * 17) as u8);
        let h = 0x0123_4567_89ab_cdefu64;
        // The second row names the list's text from elsewhere in memory.
        let other = String::from("举报");
        b.push(&[V::M(-117_027), V::U(h), V::K(key), V::S(list[0].into())]);
        b.push(&[V::Null, V::U(7), V::Null, V::S(other.as_str().into())]);
        b.push(&[V::M(5), V::U(u64::MAX), V::K([0; 16]), V::Null]);
        assert_eq!(b.fault(), None);
        let batch = b.finish();
        let types: Vec<OutType> = cols.iter().map(|(_, t)| *t).collect();
        let out: Vec<_> = batch
            .columns()
            .iter()
            .zip(&types)
            .map(|(c, t)| unstage(c, *t).unwrap())
            .collect();
        let money = out[0].as_primitive::<Decimal128Type>();
        assert_eq!(money.data_type(), &OutType::Money.arrow());
        assert_eq!(
            money.iter().collect::<Vec<_>>(),
            [Some(-117_027), None, Some(5)]
        );
        let text = |i: usize| {
            out[i]
                .as_string::<i32>()
                .iter()
                .map(|v| v.map(str::to_string))
                .collect::<Vec<_>>()
        };
        assert_eq!(
            text(1),
            [
                Some(format!("{h:016x}")),
                Some(format!("{:016x}", 7)),
                Some(format!("{:016x}", u64::MAX))
            ]
        );
        let hex: String = key.iter().map(|b| format!("{b:02x}")).collect();
        assert_eq!(text(2), [Some(hex), None, Some("0".repeat(32))]);
        assert_eq!(text(3), [Some("投诉".into()), Some("举报".into()), None]);
        // A value not in the list is a fault the builder reports.
        b.push(&[V::Null, V::U(1), V::Null, V::S("咨询".into())]);
        assert_eq!(b.fault(), Some("kind: '咨询' is not in its list".into()));
    }

    /// The complaints' staged columns: no file lineage, amounts as fen,
    /// the hash and the key as numbers and bytes, enumerations as places.
    #[test]
    fn complaints_stage_their_compact_forms() {
        let src = wangjian_contract::sources::source("complaints").unwrap();
        let staged = staging_columns(src);
        let t = |n: &str| staged.iter().find(|(c, _)| *c == n).map(|(_, t)| *t);
        assert_eq!(t("_run"), None);
        assert_eq!(t("_file"), None);
        assert_eq!(t("amount_yuan"), Some(OutType::Fen));
        assert_eq!(t("_hash"), Some(OutType::Hash64));
        assert_eq!(t("consumer_key"), Some(OutType::Key16));
        assert!(matches!(t("status"), Some(OutType::Code(l)) if l.contains(&"已办结")));
        assert_eq!(t("description"), Some(OutType::Str));
        assert_eq!(t("region_code"), Some(OutType::Str));
        assert_eq!(staged.len(), lake_columns(src).len() - FILE_LINEAGE.len());
    }
}
