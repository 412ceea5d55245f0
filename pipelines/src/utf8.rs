//! Checking that bytes are UTF-8, with AVX2 when the CPU has it.
//!
//! The standard library's check goes a character at a time once text
//! leaves ASCII, and ingest checks every byte twice: each CSV record as it
//! is read, and each staged text column as it is read back for the lake
//! (Arrow's IPC reader checks with the standard library too). On the
//! 300,000-row complaints file the two came to 8 % of all instructions
//! (callgrind, docs/benchmarks.md, session 20). `simdutf8`'s AVX2 check
//! gives the same answer many times faster. It is called directly: the
//! crate picks an implementation at run time only with its `std` feature,
//! which parquet and arrow-json turn off, and turning it on for them would
//! rebuild every crate above them.

use arrow::array::{Array, AsArray, RecordBatch};
use arrow::datatypes::DataType;

/// `bytes` as text, or `None` when they are not UTF-8.
pub fn text(bytes: &[u8]) -> Option<&str> {
    if is_utf8(bytes) {
        // SAFETY: just checked to be UTF-8.
        Some(unsafe { std::str::from_utf8_unchecked(bytes) })
    } else {
        None
    }
}

/// Whether `bytes` are UTF-8 (the same answer as `std::str::from_utf8`).
pub fn is_utf8(bytes: &[u8]) -> bool {
    #[cfg(target_arch = "x86_64")]
    if std::is_x86_feature_detected!("avx2") {
        // SAFETY: the CPU has AVX2, the only thing this implementation
        // needs beyond a valid slice.
        return unsafe { simdutf8::basic::imp::x86::avx2::validate_utf8(bytes) }.is_ok();
    }
    std::str::from_utf8(bytes).is_ok()
}

/// Checks a batch read back without Arrow's own checks
/// (the staged files, `ingest/scratch.rs`) as fully as Arrow would have:
/// a column per field, of its type and the batch's length; every
/// column's buffers and null count, and for text columns every
/// offset (rising, in the values, on a character boundary) and the values
/// being UTF-8. Columns of other kinds get Arrow's own value checks.
pub fn check_batch(batch: &RecordBatch) -> Result<(), String> {
    // The batch itself (Arrow's reader makes it unchecked too): a column
    // per field, of the field's type, each as long as the batch.
    let schema = batch.schema_ref();
    if batch.num_columns() != schema.fields().len() {
        return Err(format!(
            "{} columns for {} fields",
            batch.num_columns(),
            schema.fields().len()
        ));
    }
    for (column, field) in batch.columns().iter().zip(schema.fields()) {
        let name = field.name();
        if column.len() != batch.num_rows() {
            let (n, rows) = (column.len(), batch.num_rows());
            return Err(format!(
                "column {name}: {n} values in a batch of {rows} rows"
            ));
        }
        if column.data_type() != field.data_type() {
            let (t, f) = (column.data_type(), field.data_type());
            return Err(format!("column {name}: {t} values for a {f} field"));
        }
        if !field.is_nullable() && column.null_count() > 0 {
            return Err(format!("column {name}: missing values in a required field"));
        }
        let data = column.to_data();
        data.validate()
            .and_then(|()| data.validate_nulls())
            .map_err(|e| format!("column {name}: {e}"))?;
        if *column.data_type() == DataType::Utf8 {
            check_text_column(
                column.as_string::<i32>().value_offsets(),
                data.buffers()[1].as_slice(),
            )
            .map_err(|e| format!("column {name}: {e}"))?;
        } else {
            data.validate_values()
                .map_err(|e| format!("column {name}: {e}"))?;
        }
    }
    Ok(())
}

/// The offsets rise from 0 or more, stay within `values` and fall on
/// character boundaries, and `values` is UTF-8.
fn check_text_column(offsets: &[i32], values: &[u8]) -> Result<(), String> {
    let mut last = 0usize;
    for (i, &o) in offsets.iter().enumerate() {
        let o = usize::try_from(o).map_err(|_| format!("offset {i} is negative"))?;
        if i > 0 && o < last {
            return Err(format!("offset {i} ({o}) goes back"));
        }
        if o > values.len() {
            return Err(format!(
                "offset {i} ({o}) is past the values ({} bytes)",
                values.len()
            ));
        }
        // A UTF-8 continuation byte is 10xxxxxx: no value starts or ends
        // inside a character.
        if values.get(o).is_some_and(|b| b & 0xC0 == 0x80) {
            return Err(format!("offset {i} ({o}) is inside a character"));
        }
        last = o;
    }
    if is_utf8(values) {
        Ok(())
    } else {
        Err("the values are not UTF-8".to_string())
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use arrow::array::{ArrayData, Int64Array, StringArray};
    use arrow::buffer::Buffer;
    use arrow::datatypes::{Field, Schema};

    use super::*;

    /// The same answer as the standard library on texts of every kind:
    /// ASCII, Chinese, long enough for the AVX2 path (64 bytes or more) and
    /// not, and broken in the middle, at the start and at the end.
    #[test]
    fn agrees_with_the_standard_library() {
        let long = "投诉举报 complaint 网络交易平台 ".repeat(20);
        let mut cases: Vec<Vec<u8>> = vec![
            b"".to_vec(),
            b"plain ascii".to_vec(),
            "网监".as_bytes().to_vec(),
            long.as_bytes().to_vec(),
        ];
        let bytes = long.as_bytes();
        for cut in [1, 2, 64, 65, 100, bytes.len() - 1] {
            // Cut inside a character, or a stray byte put in.
            cases.push(bytes[..cut].to_vec());
            let mut bad = bytes.to_vec();
            bad[cut] = 0xFF;
            cases.push(bad);
            let mut lone = bytes.to_vec();
            lone.insert(cut, 0x80);
            cases.push(lone);
        }
        for c in &cases {
            assert_eq!(is_utf8(c), std::str::from_utf8(c).is_ok(), "{c:?}");
            assert_eq!(text(c), std::str::from_utf8(c).ok());
        }
        assert!(
            cases.iter().any(|c| !is_utf8(c)) && cases.iter().any(|c| c.len() > 64 && is_utf8(c))
        );
    }

    fn batch_of(text: ArrayData) -> RecordBatch {
        let schema = Arc::new(Schema::new(vec![
            Field::new("n", DataType::Int64, true),
            Field::new("t", DataType::Utf8, true),
        ]));
        let n = Arc::new(Int64Array::from(vec![Some(1), None]));
        let t = Arc::new(StringArray::from(text));
        RecordBatch::try_new(schema, vec![n, t]).unwrap()
    }

    fn text_data(offsets: &[i32], values: &[u8]) -> ArrayData {
        let b = ArrayData::builder(DataType::Utf8)
            .len(offsets.len() - 1)
            .add_buffer(Buffer::from_slice_ref(offsets))
            .add_buffer(Buffer::from_slice_ref(values));
        // SAFETY: what an IPC reader without checks builds; only the checks
        // under test read these arrays.
        unsafe { b.build_unchecked() }
    }

    /// A batch made without checks, as the reader makes it: a column
    /// shorter than the batch, or of another type than its field, is found.
    #[test]
    fn a_column_that_does_not_fit_the_batch_is_found() {
        let schema = Arc::new(Schema::new(vec![
            Field::new("n", DataType::Int64, true),
            Field::new("t", DataType::Utf8, true),
        ]));
        let n = Arc::new(Int64Array::from(vec![Some(1), None]));
        let short = Arc::new(StringArray::from(vec!["甲"]));
        let wrong = Arc::new(Int64Array::from(vec![Some(1), Some(2)]));
        // SAFETY: only `check_batch` reads these batches.
        let a = unsafe { RecordBatch::new_unchecked(schema.clone(), vec![n.clone(), short], 2) };
        let b = unsafe { RecordBatch::new_unchecked(schema, vec![n, wrong], 2) };
        assert!(check_batch(&a)
            .unwrap_err()
            .contains("1 values in a batch of 2 rows"));
        assert!(check_batch(&b)
            .unwrap_err()
            .contains("Int64 values for a Utf8 field"));
    }

    #[test]
    fn a_good_batch_passes() {
        let v = "甲乙".as_bytes();
        assert_eq!(check_batch(&batch_of(text_data(&[0, 3, 6], v))), Ok(()));
    }

    /// Each fault Arrow's own checks would find is found: bytes that are
    /// not UTF-8, an offset inside a character, offsets going back, an
    /// offset past the values (in the middle, and last).
    #[test]
    fn each_broken_text_column_is_found() {
        let v = "甲乙".as_bytes();
        let mut bad = v.to_vec();
        bad[4] = 0xFF;
        for (offsets, values, why) in [
            (&[0, 3, 6][..], &bad[..], "not UTF-8"),
            (&[0, 2, 6][..], v, "inside a character"),
            (&[0, 6, 3][..], v, "goes back"),
            (&[0, 9, 6][..], v, "past the values"),
            // (A last offset past the values: Arrow's structural check.)
            (&[0, 3, 9][..], v, "larger than values length"),
        ] {
            let err = check_batch(&batch_of(text_data(offsets, values))).unwrap_err();
            assert!(err.contains(why) && err.starts_with("column t"), "{err}");
            // Arrow's own check refuses the same data.
            assert!(text_data(offsets, values).validate_full().is_err());
        }
    }
}
