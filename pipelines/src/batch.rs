//! Building Arrow record batches from validated values.

use std::borrow::Cow;
use std::sync::Arc;

use arrow::array::{
    ArrayRef, BooleanBuilder, Date32Builder, Decimal128Builder, Int64Builder, RecordBatch,
    StringBuilder, TimestampMicrosecondBuilder,
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
        }
        buf.push(0x1f);
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
}

/// Accumulates rows for one schema.
pub struct RowsBuilder {
    schema: SchemaRef,
    types: Vec<OutType>,
    cols: Vec<Col>,
    len: usize,
}

impl RowsBuilder {
    pub fn new(columns: &[(&str, OutType)]) -> Self {
        let types: Vec<OutType> = columns.iter().map(|(_, t)| *t).collect();
        let mut b = RowsBuilder {
            schema: schema_of(columns),
            types,
            cols: Vec::new(),
            len: 0,
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
        for (col, v) in self.cols.iter_mut().zip(values) {
            match (col, v) {
                (Col::Str(b), V::S(s)) => b.append_value(s),
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
            }
        }
        self.len += 1;
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
                }
            })
            .collect();
        self.len = 0;
        RecordBatch::try_new(self.schema.clone(), cols).expect("builder columns match the schema")
    }
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
}
