//! A pinned snapshot's file list as bytes, so that a plan naming a lake
//! table can be sent to another process (a Ballista scheduler) and read
//! there exactly as here: the same files, the same partition values, the
//! same column types.
//!
//! The bytes are two Arrow IPC streams, each after its length (8 bytes,
//! little-endian): the table's schema (no rows), whose metadata names the
//! partition columns in order and the row count; then one batch of the files:
//! `path` (the object-store path), `size`, and one column per partition
//! column holding each file's value, of the column's own type.

use std::collections::HashMap;
use std::io::Cursor;
use std::sync::Arc;

use datafusion::arrow::array::{Array, ArrayRef, RecordBatch, StringArray, UInt64Array};
use datafusion::arrow::datatypes::{DataType, Field, FieldRef, Schema, SchemaRef};
use datafusion::arrow::ipc::reader::StreamReader;
use datafusion::arrow::ipc::writer::StreamWriter;
use datafusion::common::ScalarValue;
use datafusion::datasource::listing::PartitionedFile;
use datafusion::error::{DataFusionError, Result as DfResult};
use datafusion::object_store::path::Path as ObjectPath;
use datafusion::object_store::ObjectMeta;

use crate::SnapshotFiles;

const PARTITIONS: &str = "wangjian.partition_columns";
const ROWS: &str = "wangjian.num_rows";

impl SnapshotFiles {
    /// The file list as bytes ([`SnapshotFiles::from_bytes`] reads them).
    pub fn to_bytes(&self) -> DfResult<Vec<u8>> {
        let names: Vec<&str> = self
            .partition_fields
            .iter()
            .map(|f| f.name().as_str())
            .collect();
        let mut meta = HashMap::from([(
            PARTITIONS.to_string(),
            serde_json::to_string(&names).map_err(|e| DataFusionError::External(e.into()))?,
        )]);
        if let Some(n) = self.num_rows {
            meta.insert(ROWS.to_string(), n.to_string());
        }
        let table = self.table_schema.as_ref().clone().with_metadata(meta);
        let mut out = Vec::new();
        put(&mut out, &Arc::new(table), None)?;
        put(&mut out, &self.files_schema(), Some(self.files_batch()?))?;
        Ok(out)
    }

    /// A file list written by [`SnapshotFiles::to_bytes`].
    pub fn from_bytes(bytes: &[u8]) -> DfResult<SnapshotFiles> {
        let (table, rest) = take(bytes)?;
        let (files, rest) = take(rest)?;
        if !rest.is_empty() {
            return Err(bad("trailing bytes"));
        }
        let (table_schema, _) = read(table)?;
        let meta = table_schema.metadata();
        let names: Vec<String> = serde_json::from_str(
            meta.get(PARTITIONS)
                .ok_or_else(|| bad("no partition columns"))?,
        )
        .map_err(|e| bad(&e.to_string()))?;
        let num_rows = match meta.get(ROWS) {
            Some(n) => Some(n.parse().map_err(|_| bad("bad row count"))?),
            None => None,
        };
        let table_schema = Arc::new(Schema::new(table_schema.fields().clone()));
        let partition_fields: Vec<FieldRef> = names
            .iter()
            .map(|n| table_schema.field_with_name(n).map(|f| Arc::new(f.clone())))
            .collect::<Result<_, _>>()?;
        let file_fields: Vec<FieldRef> = table_schema
            .fields()
            .iter()
            .filter(|f| !names.contains(f.name()))
            .cloned()
            .collect();
        let scan_index = table_schema
            .fields()
            .iter()
            .map(|f| {
                let in_files = file_fields.iter().position(|g| g.name() == f.name());
                let in_parts = names.iter().position(|n| n == f.name());
                in_files
                    .or_else(|| in_parts.map(|p| file_fields.len() + p))
                    .expect("every column is a file or a partition column")
            })
            .collect();
        let (_, batch) = read(files)?;
        let batch = batch.ok_or_else(|| bad("no file batch"))?;
        Ok(SnapshotFiles {
            files: files_of(&batch, &partition_fields)?,
            table_schema,
            scan_index,
            file_schema: Arc::new(Schema::new(file_fields)),
            partition_fields,
            num_rows,
        })
    }

    fn files_schema(&self) -> SchemaRef {
        let mut fields = vec![
            Field::new("path", DataType::Utf8, false),
            Field::new("size", DataType::UInt64, false),
        ];
        fields.extend(
            self.partition_fields
                .iter()
                .map(|f| Field::new(f.name(), f.data_type().clone(), true)),
        );
        Arc::new(Schema::new(fields))
    }

    fn files_batch(&self) -> DfResult<RecordBatch> {
        let paths: StringArray = self
            .files
            .iter()
            .map(|f| Some(f.object_meta.location.as_ref()))
            .collect();
        let sizes: UInt64Array = self
            .files
            .iter()
            .map(|f| Some(f.object_meta.size))
            .collect();
        let mut columns: Vec<ArrayRef> = vec![Arc::new(paths), Arc::new(sizes)];
        for (i, field) in self.partition_fields.iter().enumerate() {
            let values = self
                .files
                .iter()
                .map(|f| f.partition_values.get(i).cloned());
            let values: Vec<ScalarValue> = values
                .map(|v| v.ok_or_else(|| bad("a file lacks a partition value")))
                .collect::<DfResult<_>>()?;
            columns.push(if values.is_empty() {
                datafusion::arrow::array::new_empty_array(field.data_type())
            } else {
                ScalarValue::iter_to_array(values)?
            });
        }
        Ok(RecordBatch::try_new(self.files_schema(), columns)?)
    }
}

/// The files of a batch written by `files_batch`.
fn files_of(batch: &RecordBatch, partition_fields: &[FieldRef]) -> DfResult<Vec<PartitionedFile>> {
    let column = |name: &str| {
        batch
            .column_by_name(name)
            .ok_or_else(|| bad(&format!("no column {name}")))
    };
    let paths = column("path")?;
    let paths = paths
        .as_any()
        .downcast_ref::<StringArray>()
        .ok_or_else(|| bad("path is not text"))?;
    let sizes = column("size")?;
    let sizes = sizes
        .as_any()
        .downcast_ref::<UInt64Array>()
        .ok_or_else(|| bad("size is not a number"))?;
    let parts: Vec<&ArrayRef> = partition_fields
        .iter()
        .map(|f| column(f.name()))
        .collect::<DfResult<_>>()?;
    let mut files = Vec::with_capacity(batch.num_rows());
    for i in 0..batch.num_rows() {
        let location = ObjectPath::parse(paths.value(i)).map_err(|e| bad(&e.to_string()))?;
        let mut file: PartitionedFile = ObjectMeta {
            location,
            last_modified: chrono::DateTime::<chrono::Utc>::default(),
            size: sizes.value(i),
            e_tag: None,
            version: None,
        }
        .into();
        file.partition_values = parts
            .iter()
            .map(|a| ScalarValue::try_from_array(a.as_ref(), i))
            .collect::<DfResult<_>>()?;
        files.push(file);
    }
    Ok(files)
}

fn put(out: &mut Vec<u8>, schema: &SchemaRef, batch: Option<RecordBatch>) -> DfResult<()> {
    let mut w = StreamWriter::try_new(Vec::new(), schema)?;
    if let Some(b) = batch {
        w.write(&b)?;
    }
    w.finish()?;
    let bytes = w.into_inner()?;
    out.extend_from_slice(&(bytes.len() as u64).to_le_bytes());
    out.extend_from_slice(&bytes);
    Ok(())
}

fn take(bytes: &[u8]) -> DfResult<(&[u8], &[u8])> {
    let (len, rest) = bytes
        .split_first_chunk::<8>()
        .ok_or_else(|| bad("truncated"))?;
    let len = usize::try_from(u64::from_le_bytes(*len)).map_err(|_| bad("too long"))?;
    if rest.len() < len {
        return Err(bad("truncated"));
    }
    Ok(rest.split_at(len))
}

fn read(bytes: &[u8]) -> DfResult<(SchemaRef, Option<RecordBatch>)> {
    let mut r = StreamReader::try_new(Cursor::new(bytes), None)?;
    let schema = r.schema();
    let batch = r.next().transpose()?;
    Ok((schema, batch))
}

fn bad(why: &str) -> DataFusionError {
    DataFusionError::Internal(format!("a shipped lake table's file list: {why}"))
}
