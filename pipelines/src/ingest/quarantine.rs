//! Quarantine without repeats: a refusal is the same refusal when the same
//! source refuses the same row (its row number and its text, personal data
//! removed) for the same reason. Reloading a file, under any name, adds no
//! quarantine rows; `load_runs` still records that the rows were read and
//! refused again. See docs/ingest.md for a corrected resend.

use std::collections::HashSet;
use std::fs::File;
use std::path::{Path, PathBuf};

use arrow::array::{Array, AsArray, BooleanArray};
use arrow::compute::filter_record_batch;
use arrow::datatypes::Int64Type;
use futures::StreamExt;
use parquet::arrow::ArrowWriter;
use wangjian_lake::{At, Lake, LakeError};
use xxhash_rust::xxh3::Xxh3;

use super::commit::strings;
use super::scratch::open_batches;
use super::stage::writer_props;
use crate::schema::{quarantine_columns, schema_of};
use crate::IngestError;

/// The columns that make a refusal's identity.
const IDENTITY: [&str; 4] = ["source", "row_number", "reason_code", "raw"];

fn refusal_key(source: &str, row: i64, code: &str, raw: &str) -> u128 {
    let mut h = Xxh3::new();
    for part in [
        source.as_bytes(),
        &row.to_le_bytes(),
        code.as_bytes(),
        raw.as_bytes(),
    ] {
        h.update(&(part.len() as u64).to_le_bytes());
        h.update(part);
    }
    h.digest128()
}

/// Keys of one batch with the identity columns at `cols` (source, row_number,
/// reason_code, raw).
fn keys(batch: &arrow::array::RecordBatch, cols: [usize; 4]) -> Result<Vec<u128>, IngestError> {
    let source = strings(batch.column(cols[0]))?;
    let rows = batch.column(cols[1]).as_primitive::<Int64Type>();
    let code = strings(batch.column(cols[2]))?;
    let raw = strings(batch.column(cols[3]))?;
    Ok((0..batch.num_rows())
        .map(|i| {
            refusal_key(
                source.value(i),
                rows.value(i),
                code.value(i),
                if raw.is_valid(i) { raw.value(i) } else { "" },
            )
        })
        .collect())
}

/// The refusals the lake already holds.
async fn held(lake: &Lake) -> Result<HashSet<u128>, IngestError> {
    let mut set = HashSet::new();
    let Some(mut stream) = lake.scan("quarantine", At::Published, &IDENTITY).await? else {
        return Ok(set);
    };
    while let Some(batch) = stream.next().await {
        let batch = batch.map_err(|e| LakeError::in_table("quarantine", e))?;
        set.extend(keys(&batch, [0, 1, 2, 3])?);
    }
    Ok(set)
}

/// Writes the staged refusals that are new (not in the lake, not earlier in
/// this run) to one file; `None` when there are none.
pub async fn new_refusals(
    lake: &Lake,
    staged: &[PathBuf],
    dir: &Path,
) -> Result<Option<PathBuf>, IngestError> {
    let mut seen = held(lake).await?;
    let names: Vec<&str> = quarantine_columns().iter().map(|(n, _)| *n).collect();
    let pos = |n: &str| {
        names
            .iter()
            .position(|c| *c == n)
            .expect("quarantine column")
    };
    let cols = IDENTITY.map(pos);
    let out = dir.join("quarantine-new.parquet");
    let mut writer: Option<ArrowWriter<File>> = None;
    for path in staged {
        for batch in open_batches(path, None)? {
            let batch =
                batch.map_err(|e| IngestError::Staging(format!("{}: {e}", path.display())))?;
            let keep: BooleanArray = keys(&batch, cols)?
                .into_iter()
                .map(|k| Some(seen.insert(k)))
                .collect();
            if keep.true_count() == 0 {
                continue;
            }
            let part = filter_record_batch(&batch, &keep)
                .map_err(|e| IngestError::Staging(e.to_string()))?;
            if writer.is_none() {
                let f = File::create(&out).map_err(|e| IngestError::io(&out, e))?;
                let schema = schema_of(&quarantine_columns());
                writer = Some(
                    ArrowWriter::try_new(f, schema, Some(writer_props()))
                        .map_err(|e| IngestError::Staging(e.to_string()))?,
                );
            }
            writer
                .as_mut()
                .expect("opened")
                .write(&part)
                .map_err(|e| IngestError::Staging(format!("{}: {e}", out.display())))?;
        }
    }
    match writer {
        Some(w) => {
            w.close()
                .map_err(|e| IngestError::Staging(format!("{}: {e}", out.display())))?;
            Ok(Some(out))
        }
        None => Ok(None),
    }
}

#[cfg(test)]
mod tests {
    use super::refusal_key;

    #[test]
    fn a_refusal_is_its_source_row_reason_and_text() {
        let k = refusal_key("complaints", 3, "bad_date", "a,b");
        assert_eq!(k, refusal_key("complaints", 3, "bad_date", "a,b"));
        assert_ne!(k, refusal_key("complaints", 4, "bad_date", "a,b"));
        assert_ne!(k, refusal_key("complaints", 3, "bad_region", "a,b"));
        assert_ne!(k, refusal_key("complaints", 3, "bad_date", "a,c"));
        assert_ne!(k, refusal_key("cases", 3, "bad_date", "a,b"));
        // Lengths are part of the key: parts cannot slide into each other.
        assert_ne!(refusal_key("ab", 1, "c", ""), refusal_key("a", 1, "bc", ""));
    }
}
