//! Adding rows to a table: appending staged Parquet files or a stream of
//! batches, and replacing changed records through a Delta MERGE on a key.
//! Each is one Delta commit; readers see it once the catalog is published.

use std::path::PathBuf;
use std::sync::Arc;

use arrow::array::RecordBatch;
use arrow::datatypes::SchemaRef;
use arrow::error::ArrowError;
use datafusion::prelude::{col, ParquetReadOptions};
use deltalake::protocol::SaveMode;
use parquet::file::properties::WriterProperties;

use crate::writers::{commit_adds, write_files, FileSpec};
use crate::{Lake, LakeError};

/// Data files of at most 64 MiB: the writer holds a file's data until it
/// closes it, so this bounds a write's memory.
const TARGET_FILE_SIZE: u64 = 64 << 20;

/// Rows to append, produced by blocking code (reading files, filtering):
/// the append runs it on a thread of its own, beside the Parquet encoding.
pub type BatchSource = Box<dyn Iterator<Item = Result<RecordBatch, ArrowError>> + Send>;

impl Lake {
    /// Appends the rows of Parquet files to table `name` (created on first
    /// use, partitioned by `partition` when given). Returns the new version.
    pub async fn append_parquet(
        &self,
        name: &str,
        files: &[PathBuf],
        partition: Option<&str>,
        props: WriterProperties,
    ) -> Result<u64, LakeError> {
        let ctx = crate::session::lake_session();
        let paths: Vec<String> = files.iter().map(|p| p.display().to_string()).collect();
        let df = ctx
            .read_parquet(paths, ParquetReadOptions::default())
            .await
            .map_err(|e| LakeError::in_table(name, e))?;
        self.append_frame(name, &ctx, df, partition, props).await
    }

    /// Appends the rows of `source` (in `schema`) to table `name` in one
    /// Delta commit, created on first use and partitioned by `partition`
    /// when given; rows stream from the source to Parquet writers, one a
    /// core (`writers.rs`), so nothing is copied to a file first. Returns
    /// the new version; a failing source commits nothing.
    pub async fn append_batches(
        &self,
        name: &str,
        schema: SchemaRef,
        source: BatchSource,
        partition: Option<&str>,
        props: WriterProperties,
    ) -> Result<u64, LakeError> {
        let table = self.table_for_write(name).await?;
        let spec = FileSpec {
            schema,
            partition,
            props,
            target_size: TARGET_FILE_SIZE,
        };
        let adds = write_files(name, &table, &spec, source).await?;
        let version = commit_adds(&table, &spec, adds)
            .await
            .map_err(|e| LakeError::delta(name, e))?;
        crate::fault::after_commit();
        Ok(version)
    }

    /// Appends the rows of `df` (planned in `ctx`) in one Delta commit.
    async fn append_frame(
        &self,
        name: &str,
        ctx: &datafusion::prelude::SessionContext,
        df: datafusion::prelude::DataFrame,
        partition: Option<&str>,
        props: WriterProperties,
    ) -> Result<u64, LakeError> {
        let table = self.table_for_write(name).await?;
        let mut write = table
            .write(Vec::<RecordBatch>::new())
            .with_input_plan(df.logical_plan().clone())
            .with_session_state(Arc::new(ctx.state()))
            .with_save_mode(SaveMode::Append)
            .with_target_file_size(std::num::NonZeroU64::new(TARGET_FILE_SIZE))
            .with_writer_properties(props);
        if let Some(p) = partition {
            write = write.with_partition_columns([p]);
        }
        let table = write.await.map_err(|e| LakeError::delta(name, e))?;
        crate::fault::after_commit();
        Ok(table.version().unwrap_or(0))
    }

    /// Replaces the records of table `name` whose `key` matches a row of the
    /// Parquet `file` (every column in `columns` set from the file), and
    /// inserts the rest. Returns the new version.
    pub async fn merge_parquet(
        &self,
        name: &str,
        file: &std::path::Path,
        key: &str,
        columns: &[&str],
        props: WriterProperties,
    ) -> Result<u64, LakeError> {
        let table = self.table_for_write(name).await?;
        let ctx = crate::session::lake_session();
        let df = ctx
            .read_parquet(file.display().to_string(), ParquetReadOptions::default())
            .await
            .map_err(|e| LakeError::in_table(name, e))?;
        let on = col(format!("target.{key}")).eq(col(format!("source.{key}")));
        let (table, _metrics) = table
            .merge(df, on)
            .with_source_alias("source")
            .with_target_alias("target")
            .with_session_state(Arc::new(ctx.state()))
            .with_writer_properties(props)
            .when_matched_update(|mut u| {
                for c in columns {
                    u = u.update(*c, col(format!("source.{c}")));
                }
                u
            })
            .and_then(|m| {
                m.when_not_matched_insert(|mut ins| {
                    for c in columns {
                        ins = ins.set(*c, col(format!("source.{c}")));
                    }
                    ins
                })
            })
            .map_err(|e| LakeError::delta(name, e))?
            .await
            .map_err(|e| LakeError::delta(name, e))?;
        crate::fault::after_commit();
        Ok(table.version().unwrap_or(0))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use arrow::array::{Int64Array, StringArray};
    use arrow::datatypes::{DataType, Field, Schema};
    use futures::StreamExt;

    fn schema() -> SchemaRef {
        Arc::new(Schema::new(vec![
            Field::new("id", DataType::Int64, false),
            Field::new("quarter", DataType::Utf8, false),
        ]))
    }

    fn batch(ids: &[i64], quarter: &str) -> RecordBatch {
        mixed(ids, &vec![quarter; ids.len()])
    }

    /// A batch whose rows lie in the quarters given, row by row.
    fn mixed(ids: &[i64], quarters: &[&str]) -> RecordBatch {
        let q = StringArray::from(quarters.to_vec());
        RecordBatch::try_new(
            schema(),
            vec![Arc::new(Int64Array::from(ids.to_vec())), Arc::new(q)],
        )
        .unwrap()
    }

    /// Each data file's partition folder and the ids it holds.
    fn ids_by_folder(dir: &std::path::Path) -> Vec<(String, Vec<i64>)> {
        let mut out = Vec::new();
        for p in data_files(dir) {
            let folder = p.parent().unwrap().file_name().unwrap();
            let f = std::fs::File::open(&p).unwrap();
            let r =
                parquet::arrow::arrow_reader::ParquetRecordBatchReader::try_new(f, 1024).unwrap();
            let mut ids = Vec::new();
            for b in r {
                let b = b.unwrap();
                let c = b.column_by_name("id").unwrap();
                ids.extend(c.as_any().downcast_ref::<Int64Array>().unwrap().values());
            }
            out.push((folder.to_string_lossy().into_owned(), ids));
        }
        out
    }

    async fn ids_at(lake: &Lake, v: u64) -> Vec<i64> {
        let mut s = lake
            .scan("t", crate::At::Version(v), &["id"])
            .await
            .unwrap()
            .unwrap();
        let mut ids = Vec::new();
        while let Some(b) = s.next().await {
            let b = b.unwrap();
            let c = arrow::compute::cast(b.column(0), &DataType::Int64).unwrap();
            let c = c.as_any().downcast_ref::<Int64Array>().unwrap();
            ids.extend(c.values().iter().copied());
        }
        ids.sort();
        ids
    }

    /// Every Parquet file in `dir` and its folders, sorted.
    fn data_files(dir: &std::path::Path) -> Vec<PathBuf> {
        let mut out = Vec::new();
        for e in std::fs::read_dir(dir).unwrap().flatten() {
            let p = e.path();
            if p.is_dir() {
                out.extend(data_files(&p));
            } else if p.extension().is_some_and(|x| x == "parquet") {
                out.push(p);
            }
        }
        out.sort();
        out
    }

    /// Batches from a source land in one commit, over partitions; a source
    /// that fails half-way fails the append and commits nothing.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_batch_source_appends_in_one_commit_or_not_at_all() {
        let tmp = tempfile::tempdir().unwrap();
        let lake = Lake::open(tmp.path().join("lake")).unwrap();
        let props = || WriterProperties::builder().build();
        // Batches of one quarter go to their partition as they are; a batch
        // over two quarters is split first.
        let good: BatchSource = Box::new(
            vec![
                Ok(batch(&[1, 2], "2024Q1")),
                Ok(batch(&[3], "2024Q2")),
                Ok(mixed(&[5, 6, 7], &["2024Q2", "2024Q1", "2024Q2"])),
            ]
            .into_iter(),
        );
        let v = lake
            .append_batches("t", schema(), good, Some("quarter"), props())
            .await
            .unwrap();
        assert_eq!(ids_at(&lake, v).await, vec![1, 2, 3, 5, 6, 7]);
        let committed = data_files(&lake.table_path("t"));
        assert!(committed.len() >= 2, "{committed:?}");
        let mut by_quarter: std::collections::BTreeMap<String, Vec<i64>> = Default::default();
        for (folder, ids) in ids_by_folder(&lake.table_path("t")) {
            by_quarter.entry(folder).or_default().extend(ids);
        }
        for ids in by_quarter.values_mut() {
            ids.sort();
        }
        assert_eq!(
            by_quarter.into_iter().collect::<Vec<_>>(),
            [
                ("quarter=2024Q1".to_string(), vec![1, 2, 6]),
                ("quarter=2024Q2".to_string(), vec![3, 5, 7]),
            ]
        );

        let bad: BatchSource = Box::new(
            vec![
                Ok(batch(&[4], "2024Q1")),
                Err(ArrowError::ComputeError(
                    "the staged file is cut short".into(),
                )),
            ]
            .into_iter(),
        );
        let err = lake
            .append_batches("t", schema(), bad, Some("quarter"), props())
            .await
            .unwrap_err();
        assert!(err.to_string().contains("cut short"), "{err}");
        let table = deltalake::open_table(lake.table_url("t").unwrap())
            .await
            .unwrap();
        assert_eq!(table.version(), Some(v));
        assert_eq!(ids_at(&lake, v).await, vec![1, 2, 3, 5, 6, 7]);
        // The writers discarded what they held: no data file beyond the
        // committed ones was left in the table's folder.
        assert_eq!(data_files(&lake.table_path("t")), committed);
    }
}
