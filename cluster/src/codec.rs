//! How a plan names the lake's tables and the session's in-memory tables
//! when it is sent to the scheduler.
//!
//! DataFusion's plan serialisation knows listing tables and views, not the
//! lake's [`SnapshotTable`] (a pinned Delta version read as exactly its
//! Parquet files) nor in-memory tables (the vocabularies, the risk weights,
//! and the tables `CREATE TABLE AS` collects on the client). This codec
//! writes a snapshot table as its file list ([`SnapshotFiles::to_bytes`])
//! and an in-memory table as its rows (Arrow IPC), and leaves everything
//! else to Ballista's own codec. The client and the scheduler must both use
//! it: `wangjian scheduler` does.

use std::io::Cursor;
use std::sync::Arc;

use ballista_core::serde::BallistaLogicalExtensionCodec;
use datafusion::arrow::array::{ArrayRef, AsArray, RecordBatch};
use datafusion::arrow::datatypes::{DataType, SchemaRef};
use datafusion::arrow::ipc::reader::StreamReader;
use datafusion::arrow::ipc::writer::StreamWriter;
use datafusion::catalog::TableProvider;
use datafusion::common::TableReference;
use datafusion::datasource::file_format::FileFormatFactory;
use datafusion::datasource::MemTable;
use datafusion::error::{DataFusionError, Result};
use datafusion::execution::TaskContext;
use datafusion::logical_expr::{AggregateUDF, Extension, LogicalPlan, ScalarUDF, WindowUDF};
use datafusion_proto::logical_plan::LogicalExtensionCodec;
use wangjian_lake::{SnapshotFiles, SnapshotTable};

/// Marks a snapshot table's bytes.
const SNAPSHOT: &[u8] = b"WJSNAP1\0";
/// Marks an in-memory table's bytes.
const MEMORY: &[u8] = b"WJMEM01\0";

/// The logical codec of wangjian's client and scheduler.
#[derive(Debug, Default)]
pub struct LakeCodec {
    ballista: BallistaLogicalExtensionCodec,
}

impl LogicalExtensionCodec for LakeCodec {
    fn try_decode(
        &self,
        buf: &[u8],
        inputs: &[LogicalPlan],
        ctx: &TaskContext,
    ) -> Result<Extension> {
        self.ballista.try_decode(buf, inputs, ctx)
    }

    fn try_encode(&self, node: &Extension, buf: &mut Vec<u8>) -> Result<()> {
        self.ballista.try_encode(node, buf)
    }

    fn try_decode_table_provider(
        &self,
        buf: &[u8],
        table_ref: &TableReference,
        schema: SchemaRef,
        ctx: &TaskContext,
    ) -> Result<Arc<dyn TableProvider>> {
        if let Some(bytes) = buf.strip_prefix(SNAPSHOT) {
            let files = SnapshotFiles::from_bytes(bytes)?;
            return Ok(Arc::new(SnapshotTable::new(Arc::new(files))));
        }
        if let Some(bytes) = buf.strip_prefix(MEMORY) {
            return memory_table(bytes, schema);
        }
        self.ballista
            .try_decode_table_provider(buf, table_ref, schema, ctx)
    }

    fn try_encode_table_provider(
        &self,
        table_ref: &TableReference,
        node: Arc<dyn TableProvider>,
        buf: &mut Vec<u8>,
    ) -> Result<()> {
        if let Some(t) = node.downcast_ref::<SnapshotTable>() {
            buf.extend_from_slice(SNAPSHOT);
            buf.extend_from_slice(&t.files().to_bytes()?);
            return Ok(());
        }
        if let Some(m) = node.downcast_ref::<MemTable>() {
            buf.extend_from_slice(MEMORY);
            return write_memory_table(m, buf);
        }
        self.ballista
            .try_encode_table_provider(table_ref, node, buf)
    }

    fn try_decode_file_format(
        &self,
        buf: &[u8],
        ctx: &TaskContext,
    ) -> Result<Arc<dyn FileFormatFactory>> {
        self.ballista.try_decode_file_format(buf, ctx)
    }

    fn try_encode_file_format(
        &self,
        buf: &mut Vec<u8>,
        node: Arc<dyn FileFormatFactory>,
    ) -> Result<()> {
        self.ballista.try_encode_file_format(buf, node)
    }

    fn try_decode_udf(&self, name: &str, buf: &[u8]) -> Result<Arc<ScalarUDF>> {
        self.ballista.try_decode_udf(name, buf)
    }

    fn try_encode_udf(&self, node: &ScalarUDF, buf: &mut Vec<u8>) -> Result<()> {
        self.ballista.try_encode_udf(node, buf)
    }

    fn try_decode_udaf(&self, name: &str, buf: &[u8]) -> Result<Arc<AggregateUDF>> {
        self.ballista.try_decode_udaf(name, buf)
    }

    fn try_encode_udaf(&self, node: &AggregateUDF, buf: &mut Vec<u8>) -> Result<()> {
        self.ballista.try_encode_udaf(node, buf)
    }

    fn try_decode_udwf(&self, name: &str, buf: &[u8]) -> Result<Arc<WindowUDF>> {
        self.ballista.try_decode_udwf(name, buf)
    }

    fn try_encode_udwf(&self, node: &WindowUDF, buf: &mut Vec<u8>) -> Result<()> {
        self.ballista.try_encode_udwf(node, buf)
    }
}

/// An in-memory table's rows as one Arrow IPC stream, its partitions one
/// after another (a partition boundary is not kept: the scheduler splits
/// the work itself).
fn write_memory_table(m: &MemTable, buf: &mut Vec<u8>) -> Result<()> {
    let schema = m.schema();
    let mut w = StreamWriter::try_new(buf, &schema)?;
    for part in &m.batches {
        let batches = part.try_read().map_err(|_| {
            DataFusionError::Execution("an in-memory table is being written".into())
        })?;
        for b in batches.iter() {
            w.write(&compact(b)?)?;
        }
    }
    w.finish()?;
    Ok(())
}

/// A batch whose string and binary views hold only their own bytes. The
/// batches of a collected table share their views' data buffers, and an IPC
/// writer writes every buffer a batch refers to, whole (a hundred slices of
/// one 2 MB array came to 200 MB; the unit test below).
fn compact(b: &RecordBatch) -> Result<RecordBatch> {
    let columns: Vec<ArrayRef> = b
        .columns()
        .iter()
        .map(|c| match c.data_type() {
            DataType::Utf8View => Arc::new(c.as_string_view().gc()) as ArrayRef,
            DataType::BinaryView => Arc::new(c.as_binary_view().gc()) as ArrayRef,
            _ => Arc::clone(c),
        })
        .collect();
    Ok(RecordBatch::try_new(b.schema(), columns)?)
}

fn memory_table(bytes: &[u8], schema: SchemaRef) -> Result<Arc<dyn TableProvider>> {
    let reader = StreamReader::try_new(Cursor::new(bytes), None)?;
    let batches = reader.collect::<std::result::Result<Vec<_>, _>>()?;
    Ok(Arc::new(MemTable::try_new(schema, vec![batches])?))
}

#[cfg(test)]
mod tests {
    use super::*;
    use datafusion::arrow::array::{Array, Int64Array, StringArray, StringViewArray};
    use datafusion::arrow::datatypes::{Field, Schema};
    use datafusion::prelude::SessionContext;

    #[test]
    fn batches_sharing_view_buffers_are_sent_at_the_size_of_their_rows() {
        // 100 batches, slices of one array of 100 000 strings of 20 bytes
        // (2 MB of text), as a collected table's batches share buffers.
        let values: Vec<String> = (0..100_000).map(|i| format!("9131{i:016}")).collect();
        let all = StringViewArray::from_iter_values(values.iter());
        let schema = Arc::new(Schema::new(vec![Field::new(
            "uscc",
            DataType::Utf8View,
            false,
        )]));
        let batches: Vec<RecordBatch> = (0..100)
            .map(|i| {
                let col: ArrayRef = Arc::new(all.slice(i * 1000, 1000));
                RecordBatch::try_new(schema.clone(), vec![col]).unwrap()
            })
            .collect();
        let table = MemTable::try_new(schema.clone(), vec![batches]).unwrap();
        let mut buf = Vec::new();
        write_memory_table(&table, &mut buf).unwrap();
        // 2 MB of text and 1.6 MB of views; without compaction each batch
        // carried the whole 2 MB buffer (over 200 MB).
        assert!(buf.len() < 8_000_000, "{} bytes", buf.len());
        let back = memory_table(&buf, schema).unwrap();
        let any: &dyn std::any::Any = back.as_ref();
        let m = any.downcast_ref::<MemTable>().unwrap();
        let rows: Vec<String> = m.batches[0]
            .try_read()
            .unwrap()
            .iter()
            .flat_map(|b| {
                let c = b.column(0).as_string_view().clone();
                (0..c.len())
                    .map(move |i| c.value(i).to_string())
                    .collect::<Vec<_>>()
            })
            .collect();
        assert_eq!(rows, values);
    }

    #[tokio::test]
    async fn an_in_memory_table_travels_whole() {
        let schema = Arc::new(Schema::new(vec![
            Field::new("code", DataType::Utf8, false),
            Field::new("n", DataType::Int64, true),
        ]));
        let part = |codes: &[&str], ns: &[Option<i64>]| {
            RecordBatch::try_new(
                schema.clone(),
                vec![
                    Arc::new(StringArray::from_iter_values(codes.iter())),
                    Arc::new(Int64Array::from(ns.to_vec())),
                ],
            )
            .unwrap()
        };
        let table = MemTable::try_new(
            schema.clone(),
            vec![
                vec![part(&["a", "b"], &[Some(1), None])],
                vec![part(&["网监"], &[Some(3)])],
            ],
        )
        .unwrap();
        let codec = LakeCodec::default();
        let mut buf = Vec::new();
        let name = TableReference::bare("t");
        codec
            .try_encode_table_provider(&name, Arc::new(table), &mut buf)
            .unwrap();
        assert!(buf.starts_with(MEMORY));
        let ctx = SessionContext::new();
        let back = codec
            .try_decode_table_provider(&buf, &name, schema.clone(), &ctx.task_ctx())
            .unwrap();
        ctx.register_table("t", back).unwrap();
        let rows = ctx
            .sql("SELECT code, n FROM t ORDER BY code")
            .await
            .unwrap()
            .collect()
            .await
            .unwrap();
        let text = datafusion::arrow::util::pretty::pretty_format_batches(&rows)
            .unwrap()
            .to_string();
        assert_eq!(
            text,
            "+------+---+\n| code | n |\n+------+---+\n| a    | 1 |\n| b    |   |\n| 网监 | 3 |\n+------+---+"
        );
    }

    #[test]
    fn a_damaged_table_is_an_error_not_a_panic() {
        let codec = LakeCodec::default();
        let ctx = SessionContext::new();
        let schema = Arc::new(Schema::empty());
        for buf in [
            [SNAPSHOT, b"junk"].concat(),
            [MEMORY, b"junk"].concat(),
            SNAPSHOT.to_vec(),
        ] {
            assert!(codec
                .try_decode_table_provider(
                    &buf,
                    &TableReference::bare("t"),
                    schema.clone(),
                    &ctx.task_ctx()
                )
                .is_err());
        }
    }
}
