//! The run's staged rows on disk: written once by staging, read by the
//! version pass (a few columns) and once more on the way to the lake, then
//! deleted with the run's staging folder.
//!
//! They are Arrow IPC files: batches as the validators built them, written
//! and read back without encoding (Parquet's plain encoding, page statistics
//! and Snappy on the way out, and their decoding twice on the way back, are
//! what this saves; docs/benchmarks.md has the figures). Not compressed:
//! they live for one run (docs/ingest.md says what that costs on disk).

use std::path::Path;

use arrow::array::RecordBatch;
use arrow::error::ArrowError;
use arrow::ipc::reader::FileReader;
use arrow::ipc::writer::FileWriter;

use crate::IngestError;
use wangjian_lake::direct::{DirectReader, DirectWriter};

/// The file name ending of staged rows (the lake clears files so named
/// from the staging of a run that did not finish).
pub use wangjian_lake::STAGED_ROWS_EXTENSION as EXTENSION;

/// Staged rows being written.
pub struct ScratchWriter {
    inner: FileWriter<DirectWriter>,
}

impl ScratchWriter {
    /// Creates `path` for batches of `batch`'s schema.
    pub fn create(path: &Path, batch: &RecordBatch) -> Result<ScratchWriter, String> {
        let f = DirectWriter::create(path)
            .map_err(|e| format!("cannot create {}: {e}", path.display()))?;
        let inner = FileWriter::try_new(f, &batch.schema())
            .map_err(|e| format!("cannot write staging data: {e}"))?;
        Ok(ScratchWriter { inner })
    }

    pub fn write(&mut self, batch: &RecordBatch) -> Result<(), String> {
        self.inner
            .write(batch)
            .map_err(|e| format!("cannot write staging data: {e}"))
    }

    /// Writes the file's footer and flushes it.
    pub fn close(mut self) -> Result<(), String> {
        self.inner
            .finish()
            .map_err(|e| format!("cannot write staging data: {e}"))?;
        self.inner
            .into_inner()
            .and_then(|w| w.finish().map_err(ArrowError::from))
            .map(drop)
            .map_err(|e| format!("cannot write staging data: {e}"))
    }
}

/// The batches of a staged file, only the columns at `projection` (in that
/// order) when given.
///
/// Each batch is checked as fully as Arrow's reader would check it, but
/// with [`crate::utf8::check_batch`]: Arrow's check of the text columns is
/// the standard library's, a character at a time (3 % of an ingest's
/// instructions), where this one checks with AVX2.
pub fn open_batches(
    path: &Path,
    projection: Option<&[usize]>,
) -> Result<impl Iterator<Item = Result<RecordBatch, ArrowError>>, IngestError> {
    let f = DirectReader::open(path).map_err(|e| IngestError::io(path, e))?;
    let reader = FileReader::try_new(f, projection.map(<[usize]>::to_vec))
        .map_err(|e| IngestError::Staging(format!("{}: {e}", path.display())))?;
    // SAFETY: no array is read before `check_batch` has checked it (below),
    // and it checks all that Arrow's reader would have.
    let mut reader = unsafe { reader.with_skip_validation(true) };
    let mut damaged = false;
    let name = path.display().to_string();
    Ok(std::iter::from_fn(move || {
        if damaged {
            return None;
        }
        // Without its own checks, Arrow's reader asserts where a damaged
        // file's layout does not add up (a buffer shorter than its arrays):
        // that panic is this file's error, and the file is read no further.
        std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            let batch = reader.next()?;
            Some(batch.and_then(|b| {
                crate::utf8::check_batch(&b).map_err(ArrowError::InvalidArgumentError)?;
                Ok(b)
            }))
        }))
        .unwrap_or_else(|_| {
            damaged = true;
            Some(Err(ArrowError::InvalidArgumentError(format!(
                "{name}: the staged file is damaged (its arrays do not fit its buffers)"
            ))))
        })
    }))
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use arrow::array::{Int64Array, StringArray};
    use arrow::datatypes::{DataType, Field, Schema};

    use super::*;

    #[test]
    fn batches_come_back_as_written_and_projected() {
        let schema = Arc::new(Schema::new(vec![
            Field::new("k", DataType::Utf8, false),
            Field::new("n", DataType::Int64, true),
            Field::new("t", DataType::Utf8, true),
        ]));
        let batch = |k: [&str; 2], n: [Option<i64>; 2], t: [Option<&str>; 2]| {
            RecordBatch::try_new(
                schema.clone(),
                vec![
                    Arc::new(StringArray::from(k.to_vec())),
                    Arc::new(Int64Array::from(n.to_vec())),
                    Arc::new(StringArray::from(t.to_vec())),
                ],
            )
            .unwrap()
        };
        let a = batch(["a", "b"], [Some(1), None], [Some("甲"), None]);
        let b = batch(["c", "d"], [Some(3), Some(4)], [None, Some("乙")]);
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join(format!("x.{EXTENSION}"));
        let mut w = ScratchWriter::create(&p, &a).unwrap();
        w.write(&a).unwrap();
        w.write(&b).unwrap();
        w.close().unwrap();

        let all: Vec<RecordBatch> = open_batches(&p, None)
            .unwrap()
            .map(Result::unwrap)
            .collect();
        assert_eq!(all, vec![a.clone(), b.clone()]);
        let some: Vec<RecordBatch> = open_batches(&p, Some(&[2, 0]))
            .unwrap()
            .map(Result::unwrap)
            .collect();
        assert_eq!(some.len(), 2);
        assert_eq!(some[1].schema().field(0).name(), "t");
        assert_eq!(some[1].column(0).as_ref(), b.column(2).as_ref());
        assert_eq!(some[1].column(1).as_ref(), b.column(0).as_ref());
    }

    /// A staged file whose text was damaged on disk is an error, not text
    /// that is not UTF-8 handed on (the reader's own checks are off).
    #[test]
    fn damaged_text_is_an_error() {
        let schema = Arc::new(Schema::new(vec![Field::new("t", DataType::Utf8, true)]));
        let a = RecordBatch::try_new(
            schema,
            vec![Arc::new(StringArray::from(vec!["网监网监网监", "完好"]))],
        )
        .unwrap();
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join(format!("x.{EXTENSION}"));
        let mut w = ScratchWriter::create(&p, &a).unwrap();
        w.write(&a).unwrap();
        w.close().unwrap();
        let mut bytes = std::fs::read(&p).unwrap();
        let at = bytes
            .windows(3)
            .position(|w| w == "网".as_bytes())
            .expect("the text is in the file");
        bytes[at + 1] = 0xFF;
        std::fs::write(&p, bytes).unwrap();
        let got: Vec<_> = open_batches(&p, None).unwrap().collect();
        let err = got[0].as_ref().unwrap_err().to_string();
        assert!(err.contains("not UTF-8"), "{err}");
    }

    /// A staged file whose row counts were changed on disk (arrays longer
    /// than their buffers) is an error, and reading stops there.
    #[test]
    fn a_damaged_layout_is_an_error_not_a_panic() {
        let rows = 4242i64;
        let schema = Arc::new(Schema::new(vec![Field::new("n", DataType::Int64, false)]));
        let a = RecordBatch::try_new(
            schema,
            vec![Arc::new(Int64Array::from_iter_values(0..rows))],
        )
        .unwrap();
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join(format!("x.{EXTENSION}"));
        let mut w = ScratchWriter::create(&p, &a).unwrap();
        w.write(&a).unwrap();
        w.write(&a).unwrap();
        w.close().unwrap();
        let mut bytes = std::fs::read(&p).unwrap();
        // The batch's length and its column's (in the message, not the data).
        let (from, to) = (rows.to_le_bytes(), (rows * 1000).to_le_bytes());
        let mut changed = 0;
        let mut i = 0;
        while i + 8 <= bytes.len() {
            if bytes[i..i + 8] == from {
                bytes[i..i + 8].copy_from_slice(&to);
                changed += 1;
                i += 8;
            } else {
                i += 1;
            }
        }
        assert!(changed >= 2, "the row counts are in the file");
        std::fs::write(&p, bytes).unwrap();
        let got: Vec<_> = open_batches(&p, None).unwrap().collect();
        assert_eq!(got.len(), 1, "reading stops at the damage");
        let err = got[0].as_ref().unwrap_err().to_string();
        assert!(err.contains("damaged"), "{err}");
    }

    #[test]
    fn a_file_cut_short_is_an_error_not_a_panic() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("cut.arrow");
        std::fs::write(&p, b"ARROW1\0\0\x01\x02").unwrap();
        assert!(open_batches(&p, None).is_err());
    }
}
