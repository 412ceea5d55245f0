//! Writing a batch source into a table's data files with one Parquet writer
//! a core, and committing them in one Delta commit.
//!
//! Delta's own write runs one Parquet writer per partition value, so the
//! rows of one quarter were encoded on one core however many the machine
//! had. Here the source's batches go to as many of deltalake's
//! `RecordBatchWriter`s as there are cores (each splits its rows by
//! partition and rolls files at the target size, with the same statistics
//! in its `add` actions as the Delta write); their files are committed
//! together through deltalake's `CommitBuilder` (or, for a table's first
//! rows, `CreateBuilder` with the same actions): write, then commit.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

use arrow::array::{Array, AsArray, RecordBatch};
use arrow::datatypes::SchemaRef;
use arrow::error::ArrowError;
use deltalake::kernel::engine::arrow_conversion::TryIntoKernel;
use deltalake::kernel::scalars::ScalarExt;
use deltalake::kernel::transaction::{CommitBuilder, TableReference};
use deltalake::kernel::{Action, Add, StructType};
use deltalake::operations::create::CreateBuilder;
use deltalake::protocol::{DeltaOperation, SaveMode};
use deltalake::writer::{DeltaWriter, RecordBatchWriter, WriteMode};
use deltalake::{DeltaTable, DeltaTableError};
use indexmap::IndexMap;
use parquet::file::properties::WriterProperties;
use tokio::sync::mpsc;
use tokio::task::JoinSet;

use crate::append::BatchSource;
use crate::LakeError;

/// How many Parquet writers encode at once: one a core, at most four (each
/// holds its open files' pages in memory).
fn writer_count() -> usize {
    std::thread::available_parallelism()
        .map(|n| n.get())
        .unwrap_or(1)
        .clamp(1, 4)
}

/// What a table's files are written with.
pub(crate) struct FileSpec<'a> {
    pub schema: SchemaRef,
    pub partition: Option<&'a str>,
    pub props: WriterProperties,
    pub target_size: u64,
}

/// Writes the rows of `source` into data files of `table` (not yet
/// committed) and returns their `add` actions. A failing source or writer
/// fails the whole: the other writers discard their open files (the files
/// already rolled at the target size stay unreferenced by any commit).
pub(crate) async fn write_files(
    name: &str,
    table: &DeltaTable,
    spec: &FileSpec<'_>,
    source: BatchSource,
) -> Result<Vec<Add>, LakeError> {
    write_all(table, spec, source)
        .await
        .map_err(|f| f.in_table(name))
}

async fn write_all(
    table: &DeltaTable,
    spec: &FileSpec<'_>,
    source: BatchSource,
) -> Result<Vec<Add>, Failure> {
    let n = writer_count();
    let stopped = Arc::new(AtomicBool::new(false));
    let mut writers = JoinSet::new();
    let mut inboxes = Vec::with_capacity(n);
    for _ in 0..n {
        let writer = RecordBatchWriter::try_new(
            table.table_url().as_str(),
            spec.schema.clone(),
            spec.partition.map(|p| vec![p.to_string()]),
            None,
        )
        .map_err(Failure::Delta)?
        .with_writer_properties(spec.props.clone())
        .with_target_file_size(spec.target_size.max(1));
        // One batch waiting a writer: the source stays a little ahead.
        let (tx, rx) = mpsc::channel(1);
        let partition = spec.partition.map(str::to_string);
        writers.spawn(encode(writer, partition, rx, stopped.clone()));
        inboxes.push(tx);
    }
    let schema = spec.schema.clone();
    let feeder = tokio::task::spawn_blocking(move || {
        let fed = feed(source, &schema, &inboxes);
        // Before the inboxes close: the writers then discard, not close.
        stopped.store(fed.is_err(), Ordering::Release);
        drop(inboxes);
        fed
    });
    let fed = feeder.await.map_err(|e| Failure::Task(e.to_string()));
    let mut adds = Vec::new();
    let mut failed = None;
    while let Some(done) = writers.join_next().await {
        match done.map_err(|e| Failure::Task(e.to_string())) {
            Ok(Ok(a)) => adds.extend(a),
            Ok(Err(e)) => failed = failed.or(Some(Failure::Delta(e))),
            Err(e) => failed = failed.or(Some(e)),
        }
    }
    // The source's own error comes first (a writer that stopped because
    // the source did has nothing more to say); when a writer stopped the
    // feeding, that writer's error.
    match (fed, failed) {
        (Ok(Err(Failure::WriterStopped)), Some(e)) => Err(e),
        (Err(e), _) | (Ok(Err(e)), _) | (Ok(Ok(())), Some(e)) => Err(e),
        (Ok(Ok(())), None) => Ok(adds),
    }
}

/// Encodes the batches that arrive until the feeder is done, then closes
/// the files and returns their actions; when the feeding `stopped` on an
/// error, discards the open files instead.
async fn encode(
    mut writer: RecordBatchWriter,
    partition: Option<String>,
    mut rx: mpsc::Receiver<RecordBatch>,
    stopped: Arc<AtomicBool>,
) -> Result<Vec<Add>, DeltaTableError> {
    while let Some(batch) = rx.recv().await {
        let values = partition.as_deref().and_then(|p| {
            let column = one_partition(&batch, p)?;
            Some(IndexMap::from([(
                p.to_string(),
                ScalarExt::from_array(column, 0)?,
            )]))
        });
        match values {
            Some(values) => {
                writer
                    .write_partition(batch, &values, WriteMode::Default)
                    .await?;
            }
            None => writer.write(batch).await?,
        }
    }
    if stopped.load(Ordering::Acquire) {
        writer.reset();
        return Ok(Vec::new());
    }
    writer.flush().await
}

/// The partition column of a batch whose rows all hold the same value, not
/// null, in it: such a batch goes to its partition's file as it is. Delta's
/// `write` would split it by partition first, copying every column of every
/// row even when there is one partition, as there is for most batches (one
/// file's rows are mostly of one quarter).
fn one_partition<'b>(batch: &'b RecordBatch, column: &str) -> Option<&'b dyn Array> {
    let array = batch.column_by_name(column)?;
    let values = array.as_string_opt::<i32>()?;
    if values.is_empty() || values.null_count() > 0 {
        return None;
    }
    let first = values.value(0);
    values
        .iter()
        .all(|v| v == Some(first))
        .then_some(array.as_ref())
}

/// Hands the source's batches to the writers, each to the first with room
/// (in turn when all are busy). Blocking: it runs on a thread of its own.
fn feed(
    source: BatchSource,
    schema: &SchemaRef,
    inboxes: &[mpsc::Sender<RecordBatch>],
) -> Result<(), Failure> {
    let mut next = 0;
    for batch in source {
        // The table's schema, or a clear error if the columns differ.
        let batch = RecordBatch::try_new(schema.clone(), batch?.columns().to_vec())?;
        let mut pending = Some(batch);
        for i in 0..inboxes.len() {
            let k = (next + i) % inboxes.len();
            match inboxes[k].try_send(pending.take().expect("a batch")) {
                Ok(()) => break,
                Err(mpsc::error::TrySendError::Full(b)) => pending = Some(b),
                // A writer failed: its error is the one reported.
                Err(mpsc::error::TrySendError::Closed(_)) => return Err(Failure::WriterStopped),
            }
        }
        if let Some(b) = pending {
            if inboxes[next].blocking_send(b).is_err() {
                return Err(Failure::WriterStopped);
            }
        }
        next = (next + 1) % inboxes.len();
    }
    Ok(())
}

/// Commits `adds` to `table` as one append; a table without a version yet
/// is created by the same commit. Returns the new version.
pub(crate) async fn commit_adds(
    table: &DeltaTable,
    spec: &FileSpec<'_>,
    adds: Vec<Add>,
) -> Result<u64, DeltaTableError> {
    let actions: Vec<Action> = adds.into_iter().map(Action::Add).collect();
    let partition_by = spec.partition.map(|p| vec![p.to_string()]);
    if let Ok(snapshot) = table.snapshot() {
        let operation = DeltaOperation::Write {
            mode: SaveMode::Append,
            partition_by,
            predicate: None,
        };
        let done = CommitBuilder::default()
            .with_actions(actions)
            .build(
                Some(snapshot as &dyn TableReference),
                table.log_store(),
                operation,
            )
            .await?;
        return Ok(done.version() as u64);
    }
    let columns: StructType = spec.schema.as_ref().try_into_kernel()?;
    let mut create = CreateBuilder::new()
        .with_log_store(table.log_store())
        .with_columns(columns.fields().cloned())
        .with_actions(actions);
    if let Some(p) = partition_by {
        create = create.with_partition_columns(p);
    }
    let created = create.await?;
    Ok(created.version().unwrap_or(0) as u64)
}

/// Why writing the files failed.
enum Failure {
    Source(ArrowError),
    Delta(DeltaTableError),
    Task(String),
    /// A writer stopped taking batches (its own error says why).
    WriterStopped,
}

impl From<ArrowError> for Failure {
    fn from(e: ArrowError) -> Self {
        Failure::Source(e)
    }
}

impl Failure {
    fn in_table(self, name: &str) -> LakeError {
        match self {
            Failure::Source(e) => LakeError::in_table(name, e.into()),
            Failure::Delta(e) => LakeError::delta(name, e),
            Failure::WriterStopped => LakeError::delta(
                name,
                DeltaTableError::Generic("a Parquet writer stopped".into()),
            ),
            Failure::Task(why) => LakeError::delta(
                name,
                DeltaTableError::Generic(format!("a writer failed: {why}")),
            ),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use arrow::array::{ArrayRef, Int64Array, StringArray};

    fn batch(quarters: Vec<Option<&str>>) -> RecordBatch {
        let ids: ArrayRef = Arc::new(Int64Array::from_iter_values(0..quarters.len() as i64));
        let q: ArrayRef = Arc::new(StringArray::from(quarters));
        RecordBatch::try_from_iter([("id", ids), ("quarter", q)]).unwrap()
    }

    #[test]
    fn a_batch_is_of_one_partition_when_every_row_holds_its_value() {
        let one = batch(vec![Some("2024Q1"); 3]);
        let col = one_partition(&one, "quarter").expect("one quarter");
        assert_eq!(col.as_string::<i32>().value(0), "2024Q1");
        for quarters in [
            vec![Some("2024Q1"), Some("2024Q2"), Some("2024Q1")],
            vec![Some("2024Q1"), None],
            vec![None, None],
            vec![],
        ] {
            let b = batch(quarters.clone());
            assert!(one_partition(&b, "quarter").is_none(), "{quarters:?}");
        }
        // Not a text column, or no such column: Delta's own split.
        assert!(one_partition(&one, "id").is_none());
        assert!(one_partition(&one, "region").is_none());
    }
}
