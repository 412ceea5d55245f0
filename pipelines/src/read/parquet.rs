//! Parquet extracts: typed columns are cast to text and then read by the same
//! rules as every other format. Time-zone-aware timestamps are shown in
//! Beijing time first.

use std::fs::File;
use std::path::Path;
use std::sync::Arc;

use arrow::array::{Array, ArrayRef, RecordBatch, StringArray};
use arrow::compute::{cast, cast_with_options, CastOptions};
use arrow::datatypes::{DataType, TimeUnit};
use parquet::arrow::arrow_reader::{ParquetRecordBatchReader, ParquetRecordBatchReaderBuilder};

use super::{FieldsBuilder, FileInfo, RawRecord, ReadError, RecordReader};

pub fn open(path: &Path) -> Result<(Box<dyn RecordReader>, FileInfo), ReadError> {
    let f = File::open(path).map_err(|e| ReadError::new(format!("cannot open: {e}")))?;
    let builder = ParquetRecordBatchReaderBuilder::try_new(f)
        .map_err(|e| ReadError::new(format!("not a readable Parquet file: {e}")))?;
    let headers = builder
        .schema()
        .fields()
        .iter()
        .map(|f| f.name().clone())
        .collect();
    let reader = builder
        .with_batch_size(8192)
        .build()
        .map_err(|e| ReadError::new(format!("not a readable Parquet file: {e}")))?;
    let info = FileInfo {
        format: super::Format::Parquet,
        encoding: None,
    };
    Ok((
        Box::new(ParquetRecords {
            reader,
            headers,
            row: 0,
            pending: Vec::new(),
        }),
        info,
    ))
}

struct ParquetRecords {
    reader: ParquetRecordBatchReader,
    headers: Vec<String>,
    row: u64,
    pending: Vec<RawRecord>,
}

fn as_text(col: &ArrayRef) -> Result<StringArray, ReadError> {
    let col = match col.data_type() {
        DataType::Timestamp(unit, Some(_)) => {
            let local = DataType::Timestamp(*unit, Some(Arc::from("+08:00")));
            cast(col, &local).map_err(|e| ReadError::new(e.to_string()))?
        }
        DataType::Timestamp(TimeUnit::Nanosecond, None) => col.clone(),
        _ => col.clone(),
    };
    let opts = CastOptions {
        safe: true,
        ..Default::default()
    };
    let text = cast_with_options(&col, &DataType::Utf8, &opts)
        .map_err(|e| ReadError::new(format!("a column cannot be read as text: {e}")))?;
    Ok(text
        .as_any()
        .downcast_ref::<StringArray>()
        .cloned()
        .unwrap_or_else(|| StringArray::new_null(col.len())))
}

impl ParquetRecords {
    fn convert(&mut self, batch: RecordBatch) -> Result<(), ReadError> {
        let cols: Vec<StringArray> = batch
            .columns()
            .iter()
            .map(as_text)
            .collect::<Result<_, _>>()?;
        // The batch's rows share one buffer of text.
        let mut text = FieldsBuilder::default();
        for r in 0..batch.num_rows() {
            text.push_fields(
                cols.iter()
                    .map(|c| if c.is_null(r) { "" } else { c.value(r) }),
            );
        }
        for fields in text.finish() {
            self.row += 1;
            self.pending.push(RawRecord {
                row: self.row,
                fields,
                malformed: None,
            });
        }
        Ok(())
    }
}

impl RecordReader for ParquetRecords {
    fn headers(&self) -> &[String] {
        &self.headers
    }

    fn next_batch(&mut self, max: usize) -> Result<Vec<RawRecord>, ReadError> {
        while self.pending.len() < max {
            match self.reader.next() {
                None => break,
                Some(Ok(batch)) => self.convert(batch)?,
                Some(Err(e)) => {
                    return Err(ReadError::new(format!(
                        "cannot read after row {}: {e}",
                        self.row
                    )))
                }
            }
        }
        let n = self.pending.len().min(max);
        Ok(self.pending.drain(..n).collect())
    }
}
