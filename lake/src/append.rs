//! Adding rows to a table: appending staged Parquet files, and replacing
//! changed records through a Delta MERGE on a key. Each is one Delta commit;
//! readers see it once the catalog is published.

use std::path::PathBuf;
use std::sync::Arc;

use arrow::array::RecordBatch;
use datafusion::prelude::{col, ParquetReadOptions};
use deltalake::protocol::SaveMode;
use parquet::file::properties::WriterProperties;

use crate::{Lake, LakeError};

/// Data files of at most 64 MiB: the writer holds a file's data until it
/// closes it, so this bounds a write's memory.
const TARGET_FILE_SIZE: u64 = 64 << 20;

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
        self.append_parquet_columns(name, files, None, partition, props)
            .await
    }

    /// As [`Lake::append_parquet`], taking only `columns` of the files (in
    /// that order) when given, so that files with working columns of their
    /// own can be appended without being copied first.
    pub async fn append_parquet_columns(
        &self,
        name: &str,
        files: &[PathBuf],
        columns: Option<&[&str]>,
        partition: Option<&str>,
        props: WriterProperties,
    ) -> Result<u64, LakeError> {
        let table = self.table_for_write(name).await?;
        let ctx = crate::session::lake_session();
        let paths: Vec<String> = files.iter().map(|p| p.display().to_string()).collect();
        let mut df = ctx
            .read_parquet(paths, ParquetReadOptions::default())
            .await
            .map_err(|e| LakeError::in_table(name, e))?;
        if let Some(cols) = columns {
            df = df
                .select_columns(cols)
                .map_err(|e| LakeError::in_table(name, e))?;
        }
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
