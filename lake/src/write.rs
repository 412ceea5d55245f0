//! Replacing a whole table (the indicator outputs).

use arrow::array::RecordBatch;
use arrow::datatypes::SchemaRef;
use deltalake::operations::write::SchemaMode;
use deltalake::protocol::SaveMode;

use crate::{Lake, LakeError};

impl Lake {
    /// Overwrites table `name` with `batches` in one Delta commit (the table
    /// is created on first use; its schema follows the batches). Returns the
    /// new version; readers see it once the catalog is published.
    pub async fn overwrite(
        &self,
        name: &str,
        schema: SchemaRef,
        batches: Vec<RecordBatch>,
    ) -> Result<u64, LakeError> {
        let table = self.table_for_write(name).await?;
        let batches = if batches.iter().all(|b| b.num_rows() == 0) {
            vec![RecordBatch::new_empty(schema)]
        } else {
            batches
        };
        let table = table
            .write(batches)
            .with_save_mode(SaveMode::Overwrite)
            .with_schema_mode(SchemaMode::Overwrite)
            .await
            .map_err(|e| LakeError::delta(name, e))?;
        crate::fault::after_commit();
        Ok(table.version().unwrap_or(0))
    }
}

impl Lake {
    /// Creates an empty table with `schema` (partitioned by `partition` when
    /// given), so that queries can rely on every source table existing.
    pub async fn create_empty(
        &self,
        name: &str,
        schema: SchemaRef,
        partition: Option<&str>,
    ) -> Result<u64, LakeError> {
        let table = self.table_for_write(name).await?;
        let mut write = table
            .write(vec![RecordBatch::new_empty(schema)])
            .with_save_mode(SaveMode::Append);
        if let Some(p) = partition {
            write = write.with_partition_columns([p]);
        }
        let table = write.await.map_err(|e| LakeError::delta(name, e))?;
        crate::fault::after_commit();
        Ok(table.version().unwrap_or(0))
    }
}
