//! Building Arrow record batches from validated values.

use std::borrow::Cow;
use std::sync::Arc;

use arrow::array::{
    ArrayRef, BooleanBuilder, Date32Builder, Decimal128Builder, FixedSizeBinaryBuilder,
    Int64Builder, RecordBatch, StringBuilder, TimestampMicrosecondBuilder, UInt64Builder,
    UInt8Builder,
};
use arrow::datatypes::SchemaRef;
use chrono::{NaiveDate, NaiveDateTime};

use crate::schema::{schema_of, OutType};

/// One normalised value; text is borrowed from the row it was read from
/// where it needs no change (most values), so a row costs no allocation per
/// value.
#[derive(Debug, Clone, PartialEq)]
pub enum V<'a> {
    Null,
    S(Cow<'a, str>),
    Ts(NaiveDateTime),
    D(NaiveDate),
    B(bool),
    /// fen
    M(i64),
    I(i64),
    /// An unsigned 64-bit number (a row's content hash).
    U(u64),
    /// A 16-byte key, written out as its 32 lower-case hex digits
    /// (`consumer_key`).
    K([u8; 16]),
}

impl V<'_> {
    /// The value with its text copied, free of the row it was read from.
    #[cfg(test)]
    pub fn into_owned(self) -> V<'static> {
        match self {
            V::Null => V::Null,
            V::S(s) => V::S(Cow::Owned(s.into_owned())),
            V::Ts(t) => V::Ts(t),
            V::D(d) => V::D(d),
            V::B(b) => V::B(b),
            V::M(m) => V::M(m),
            V::I(i) => V::I(i),
            V::U(u) => V::U(u),
            V::K(k) => V::K(k),
        }
    }

    pub fn is_null(&self) -> bool {
        matches!(self, V::Null)
    }
    pub fn as_str(&self) -> Option<&str> {
        match self {
            V::S(s) => Some(s.as_ref()),
            _ => None,
        }
    }
    pub fn as_ts(&self) -> Option<NaiveDateTime> {
        match self {
            V::Ts(t) => Some(*t),
            V::D(d) => Some(d.and_time(chrono::NaiveTime::MIN)),
            _ => None,
        }
    }
    /// Appends the bytes the content hash reads for this value. A row's
    /// values go into one buffer that is hashed at once (`xxh3_64` of the
    /// whole equals feeding the parts to a streaming hasher, which cost far
    /// more per short value).
    pub fn hash_bytes(&self, buf: &mut Vec<u8>) {
        match self {
            V::Null => buf.push(0),
            V::S(s) => {
                buf.push(1);
                buf.extend_from_slice(s.as_bytes());
            }
            V::Ts(t) => buf.extend_from_slice(&t.and_utc().timestamp_micros().to_le_bytes()),
            V::D(d) => buf.extend_from_slice(
                &d.and_time(chrono::NaiveTime::MIN)
                    .and_utc()
                    .timestamp()
                    .to_le_bytes(),
            ),
            V::B(b) => buf.extend_from_slice(&[2, u8::from(*b)]),
            V::M(m) | V::I(m) => buf.extend_from_slice(&m.to_le_bytes()),
            V::U(u) => buf.extend_from_slice(&u.to_le_bytes()),
            // As its hex text: the hash a key held as text had.
            V::K(k) => {
                buf.push(1);
                push_hex(buf, k);
            }
        }
        buf.push(0x1f);
    }
}

/// Appends the lower-case hex digits of `bytes` (two a byte, high first).
pub fn push_hex(out: &mut Vec<u8>, bytes: &[u8]) {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    let at = out.len();
    // Room first, then the digits in place (no check of room per digit).
    out.resize(at + 2 * bytes.len(), 0);
    for (pair, b) in out[at..].chunks_exact_mut(2).zip(bytes) {
        pair[0] = HEX[usize::from(b >> 4)];
        pair[1] = HEX[usize::from(b & 15)];
    }
}

const EPOCH: NaiveDate = NaiveDate::from_ymd_opt(1970, 1, 1).unwrap();

enum Col {
    Str(StringBuilder),
    Ts(TimestampMicrosecondBuilder),
    Date(Date32Builder),
    Bool(BooleanBuilder),
    Money(Decimal128Builder),
    I64(Int64Builder),
    /// Staging only ([`OutType::Fen`] and the rest).
    Fen(Int64Builder),
    U64(UInt64Builder),
    Key(FixedSizeBinaryBuilder),
    Code(UInt8Builder, &'static [&'static str]),
}

/// Accumulates rows for one schema.
pub struct RowsBuilder {
    schema: SchemaRef,
    types: Vec<OutType>,
    cols: Vec<Col>,
    len: usize,
    /// The first value a column could not hold as its type asks (a value
    /// not in a listed column's list, a key that is not 16 bytes): a
    /// fault of the program, reported by [`RowsBuilder::fault`] rather
    /// than a panic or a silent null.
    fault: Option<String>,
}

impl RowsBuilder {
    pub fn new(columns: &[(&str, OutType)]) -> Self {
        let types: Vec<OutType> = columns.iter().map(|(_, t)| *t).collect();
        let mut b = RowsBuilder {
            schema: schema_of(columns),
            types,
            cols: Vec::new(),
            len: 0,
            fault: None,
        };
        b.cols = b.fresh(1024, &[]);
        b
    }

    /// Empty builders with room for `rows` rows and, for the string columns
    /// in order, `bytes[i]` bytes of text (1 KiB where not given).
    fn fresh(&self, rows: usize, bytes: &[usize]) -> Vec<Col> {
        let mut text = bytes.iter().copied();
        self.types
            .iter()
            .map(|t| match t {
                OutType::Str => Col::Str(StringBuilder::with_capacity(
                    rows,
                    text.next().unwrap_or(1024),
                )),
                OutType::Ts => Col::Ts(TimestampMicrosecondBuilder::with_capacity(rows)),
                OutType::Date => Col::Date(Date32Builder::with_capacity(rows)),
                OutType::Bool => Col::Bool(BooleanBuilder::with_capacity(rows)),
                OutType::Money => Col::Money(
                    Decimal128Builder::with_capacity(rows)
                        .with_precision_and_scale(18, 2)
                        .expect("valid decimal"),
                ),
                OutType::I64 => Col::I64(Int64Builder::with_capacity(rows)),
                OutType::Fen => Col::Fen(Int64Builder::with_capacity(rows)),
                OutType::Hash64 => Col::U64(UInt64Builder::with_capacity(rows)),
                OutType::Key16 => Col::Key(FixedSizeBinaryBuilder::with_capacity(rows, 16)),
                OutType::Code(list) => Col::Code(UInt8Builder::with_capacity(rows), list),
            })
            .collect()
    }

    pub fn len(&self) -> usize {
        self.len
    }

    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    pub fn schema(&self) -> SchemaRef {
        self.schema.clone()
    }

    /// Appends one row; `values` holds one value per column, in order.
    pub fn push(&mut self, values: &[V<'_>]) {
        debug_assert_eq!(values.len(), self.cols.len());
        self.push_iter(values);
    }

    /// Appends one row from values given in column order (so that a row can
    /// be several slices chained without copying them into one).
    pub fn push_iter<'v, 'a: 'v>(&mut self, values: impl IntoIterator<Item = &'v V<'a>>) {
        for (ci, (col, v)) in self.cols.iter_mut().zip(values).enumerate() {
            match (col, v) {
                (Col::Str(b), V::S(s)) => b.append_value(s),
                (Col::Str(b), V::K(k)) => {
                    let mut hex = Vec::with_capacity(32);
                    push_hex(&mut hex, k);
                    b.append_value(String::from_utf8_lossy(&hex));
                }
                (Col::Str(b), _) => b.append_null(),
                (Col::Ts(b), V::Ts(t)) => b.append_value(t.and_utc().timestamp_micros()),
                (Col::Ts(b), V::D(d)) => b.append_value(
                    d.and_time(chrono::NaiveTime::MIN)
                        .and_utc()
                        .timestamp_micros(),
                ),
                (Col::Ts(b), _) => b.append_null(),
                (Col::Date(b), V::D(d)) => b.append_value((*d - EPOCH).num_days() as i32),
                (Col::Date(b), V::Ts(t)) => b.append_value((t.date() - EPOCH).num_days() as i32),
                (Col::Date(b), _) => b.append_null(),
                (Col::Bool(b), V::B(x)) => b.append_value(*x),
                (Col::Bool(b), _) => b.append_null(),
                (Col::Money(b), V::M(f)) => b.append_value(i128::from(*f)),
                (Col::Money(b), _) => b.append_null(),
                (Col::I64(b), V::I(i)) => b.append_value(*i),
                (Col::I64(b), _) => b.append_null(),
                (Col::Fen(b), V::M(f)) => b.append_value(*f),
                (Col::Fen(b), _) => b.append_null(),
                (Col::U64(b), V::U(u)) => b.append_value(*u),
                (Col::U64(b), _) => b.append_null(),
                (Col::Key(b), V::K(k)) => b.append_value(k).expect("16 bytes"),
                (Col::Key(b), V::Null) => b.append_null(),
                (Col::Code(b, list), V::S(s)) => match listed(list, s) {
                    Some(i) => b.append_value(i),
                    None => {
                        b.append_null();
                        let name = self.schema.field(ci).name();
                        self.fault
                            .get_or_insert_with(|| format!("{name}: '{s}' is not in its list"));
                    }
                },
                (Col::Code(b, _), _) => b.append_null(),
                (Col::Key(b), other) => {
                    b.append_null();
                    let name = self.schema.field(ci).name();
                    self.fault
                        .get_or_insert_with(|| format!("{name}: {other:?} is not a 16-byte key"));
                }
            }
        }
        self.len += 1;
    }

    /// The first value that a column could not hold (see `fault`), once.
    pub fn fault(&mut self) -> Option<String> {
        self.fault.take()
    }

    /// The rows so far as a batch; the builder is empty afterwards, with
    /// room for a batch a little larger than this one (finishing leaves
    /// arrow's builders with no room at all, and growing them again by
    /// doubling copied every batch's values about once more and faulted in
    /// fresh pages: a few per cent of ingest).
    pub fn finish(&mut self) -> RecordBatch {
        let room = |n: usize| n + n / 8;
        let bytes: Vec<usize> = self
            .cols
            .iter()
            .filter_map(|c| match c {
                Col::Str(b) => Some(room(b.values_slice().len())),
                _ => None,
            })
            .collect();
        let rows = room(self.len);
        let fresh = self.fresh(rows, &bytes);
        let mut old = std::mem::replace(&mut self.cols, fresh);
        let cols: Vec<ArrayRef> = old
            .iter_mut()
            .map(|c| -> ArrayRef {
                match c {
                    Col::Str(b) => Arc::new(b.finish()),
                    Col::Ts(b) => Arc::new(b.finish()),
                    Col::Date(b) => Arc::new(b.finish()),
                    Col::Bool(b) => Arc::new(b.finish()),
                    Col::Money(b) => Arc::new(b.finish()),
                    Col::I64(b) => Arc::new(b.finish()),
                    Col::Fen(b) => Arc::new(b.finish()),
                    Col::U64(b) => Arc::new(b.finish()),
                    Col::Key(b) => Arc::new(b.finish()),
                    Col::Code(b, _) => Arc::new(b.finish()),
                }
            })
            .collect();
        self.len = 0;
        RecordBatch::try_new(self.schema.clone(), cols).expect("builder columns match the schema")
    }
}

/// The place of `s` in `list`: the validator hands over the list's own
/// text, so comparing addresses finds it without reading the text; text
/// that equals an entry elsewhere in memory is found by its bytes.
fn listed(list: &[&str], s: &str) -> Option<u8> {
    let at = list
        .iter()
        .position(|x| std::ptr::eq(x.as_ptr(), s.as_ptr()) && x.len() == s.len())
        .or_else(|| list.iter().position(|x| *x == s))?;
    u8::try_from(at).ok()
}

#[cfg(test)]
mod tests {
    use super::*;
    use xxhash_rust::xxh3::{xxh3_64, Xxh3};

    /// Hashing a row's bytes at once gives the hashes the lake already
    /// holds, which fed each value's parts to a streaming hasher.
    #[test]
    fn one_buffer_hashes_as_the_parts_did() {
        let t = NaiveDate::from_ymd_opt(2025, 9, 4)
            .unwrap()
            .and_hms_opt(0, 47, 0)
            .unwrap();
        let row = [
            V::S(Cow::Borrowed("BJ000000000")),
            V::Null,
            V::S(Cow::Borrowed("已办结")),
            V::Ts(t),
            V::D(t.date()),
            V::B(true),
            V::M(117_027),
            V::I(-3),
            V::S(Cow::Borrowed("")),
            V::K(std::array::from_fn(|i| (i * 31 + 7) as u8)),
        ];
        let mut streamed = Xxh3::new();
        for v in &row {
            match v {
                V::Null => streamed.update(b"\x00"),
                V::S(s) => {
                    streamed.update(b"\x01");
                    streamed.update(s.as_bytes());
                }
                V::Ts(t) => streamed.update(&t.and_utc().timestamp_micros().to_le_bytes()),
                V::D(d) => streamed.update(
                    &d.and_time(chrono::NaiveTime::MIN)
                        .and_utc()
                        .timestamp()
                        .to_le_bytes(),
                ),
                V::B(b) => streamed.update(&[2, u8::from(*b)]),
                V::M(m) | V::I(m) => streamed.update(&m.to_le_bytes()),
                V::U(u) => streamed.update(&u.to_le_bytes()),
                // A key was hashed as its hex text when it was held as text.
                V::K(k) => {
                    streamed.update(b"\x01");
                    let hex: String = k.iter().map(|b| format!("{b:02x}")).collect();
                    streamed.update(hex.as_bytes());
                }
            }
            streamed.update(b"\x1f");
        }
        let mut buf = Vec::new();
        for v in &row {
            v.hash_bytes(&mut buf);
        }
        assert_eq!(xxh3_64(&buf), streamed.digest());
        // Long rows too (xxh3 changes method past 240 bytes).
        let long = V::S(Cow::Owned("消费者反映商品质量问题".repeat(40)));
        let mut streamed = Xxh3::new();
        streamed.update(b"\x01");
        streamed.update(long.as_str().unwrap().as_bytes());
        streamed.update(b"\x1f");
        buf.clear();
        long.hash_bytes(&mut buf);
        assert_eq!(xxh3_64(&buf), streamed.digest());
    }

    /// A hash's bytes (high first) in hex are the digits `format!` writes.
    #[test]
    fn hex_digits_as_format_writes_them() {
        let mut x: u64 = 0x9E37_79B9_7F4A_7C15;
        let mut samples = vec![0, 1, 0xf, 0x10, u64::MAX, 0x0123_4567_89ab_cdef];
        for _ in 0..1000 {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            samples.push(x >> (x % 64));
        }
        let mut out = Vec::new();
        for h in samples {
            out.clear();
            push_hex(&mut out, &h.to_be_bytes());
            assert_eq!(String::from_utf8(out.clone()).unwrap(), format!("{h:016x}"));
        }
    }
}
