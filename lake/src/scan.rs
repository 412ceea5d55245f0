//! Reading a table's columns as a stream (the lake's own reads: versions,
//! known platforms, held refusals).

use datafusion::execution::SendableRecordBatchStream;

use crate::{Lake, LakeError};

/// Which version of a table to read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum At {
    /// The version the catalog publishes.
    Published,
    /// A version this run committed and has not published yet.
    Version(u64),
}

impl Lake {
    /// Streams `columns` of table `name`; `None` when the table was never
    /// published (and no version is asked for).
    pub async fn scan(
        &self,
        name: &str,
        at: At,
        columns: &[&str],
    ) -> Result<Option<SendableRecordBatchStream>, LakeError> {
        let table = match at {
            At::Published => match self.published_table(name).await? {
                Some(t) => t,
                None => return Ok(None),
            },
            At::Version(v) => deltalake::open_table_with_version(self.table_url(name)?, v)
                .await
                .map_err(|e| LakeError::delta(name, e))?,
        };
        let ctx = crate::session::lake_session();
        table
            .update_datafusion_session(&ctx.state())
            .map_err(|e| LakeError::delta(name, e))?;
        let provider = table
            .table_provider()
            .await
            .map_err(|e| LakeError::in_table(name, e))?;
        let df = ctx
            .read_table(provider)
            .and_then(|df| df.select_columns(columns))
            .map_err(|e| LakeError::in_table(name, e))?;
        let stream = df
            .execute_stream()
            .await
            .map_err(|e| LakeError::in_table(name, e))?;
        Ok(Some(stream))
    }
}
