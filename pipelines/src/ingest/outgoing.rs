//! The rows a source sends to its table, read once from the staged files
//! after the versions are decided: new rows stream to the Delta append (no
//! copy to a file first), changed rows are written to the updates file for
//! the MERGE, and platform ids are counted on the way.

use std::collections::HashSet;
use std::fs::File;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use arrow::array::{Array, BooleanArray, RecordBatch};
use arrow::compute::filter_record_batch;
use arrow::datatypes::SchemaRef;
use arrow::error::ArrowError;
use parquet::arrow::ArrowWriter;
use wangjian_lake::BatchSource;

use super::commit::strings;
use super::scratch::open_batches;
use super::stage::scratch_props;
use super::versions::Decision;
use crate::schema::{FileLineage, OutType};
use crate::IngestError;

/// One staged file, the file it was read from (its rows' `_file`) and the
/// decision for each of its rows.
pub struct DecidedFile {
    pub path: PathBuf,
    pub file: String,
    pub decisions: Vec<Decision>,
}

/// What the pass leaves behind once every row has gone by.
#[derive(Default)]
pub struct Tally {
    /// Per file (in the order given): rows whose platform id the lake does
    /// not hold.
    pub unknown_platform: Vec<u64>,
    /// The changed rows, in the lake's columns, when there are any.
    pub updates: Option<PathBuf>,
    /// Why the pass stopped early, when it did.
    pub failed: Option<String>,
}

/// Reads the decided files in order and yields their new rows in the
/// lake's columns: the staged columns in the lake's types, with the run's
/// and the file's lineage values put in their places.
pub struct Outgoing {
    files: std::vec::IntoIter<(usize, DecidedFile)>,
    current: Option<Current>,
    lake: SchemaRef,
    run: String,
    /// The staged columns' types, in order.
    staged: Vec<OutType>,
    platform: Option<(usize, Arc<HashSet<String>>)>,
    updates_path: PathBuf,
    updates: Option<ArrowWriter<File>>,
    unknown_platform: Vec<u64>,
    tally: Arc<Mutex<Tally>>,
}

struct Current {
    index: usize,
    file: DecidedFile,
    lineage: FileLineage,
    batches: BatchSource,
    pos: usize,
    all_new: bool,
}

impl Outgoing {
    /// `lake`: the table's schema; `staged`: the types of the staged
    /// columns (`schema::staging_columns`); `platform`: the place of `platform_id` in the lake's columns
    /// and the ids the lake holds, when this source's platform ids are
    /// counted.
    pub fn new(
        files: Vec<DecidedFile>,
        (lake, run): (SchemaRef, &str),
        staged: Vec<OutType>,
        platform: Option<(usize, Arc<HashSet<String>>)>,
        updates_path: PathBuf,
    ) -> (Outgoing, Arc<Mutex<Tally>>) {
        let tally = Arc::new(Mutex::new(Tally::default()));
        let n = files.len();
        let out = Outgoing {
            files: files
                .into_iter()
                .enumerate()
                .collect::<Vec<_>>()
                .into_iter(),
            current: None,
            lake,
            run: run.to_string(),
            staged,
            platform,
            updates_path,
            updates: None,
            unknown_platform: vec![0; n],
            tally: tally.clone(),
        };
        (out, tally)
    }

    fn open_next(&mut self) -> Result<bool, IngestError> {
        let Some((index, file)) = self.files.next() else {
            return Ok(false);
        };
        let batches = Box::new(open_batches(&file.path, None)?);
        let all_new = file.decisions.iter().all(|d| *d == Decision::Insert);
        self.current = Some(Current {
            index,
            lineage: FileLineage::new(&self.run, &file.file),
            file,
            batches,
            pos: 0,
            all_new,
        });
        Ok(true)
    }

    /// The next batch of new rows; `None` once every file is read.
    fn step(&mut self) -> Result<Option<RecordBatch>, IngestError> {
        loop {
            if self.current.is_none() && !self.open_next()? {
                self.finish()?;
                return Ok(None);
            }
            let cur = self.current.as_mut().expect("opened");
            let Some(batch) = cur.batches.next() else {
                if cur.pos != cur.file.decisions.len() {
                    return Err(IngestError::Staging(format!(
                        "{}: {} staged rows for {} decisions",
                        cur.file.path.display(),
                        cur.pos,
                        cur.file.decisions.len()
                    )));
                }
                self.current = None;
                continue;
            };
            let path = &cur.file.path;
            let batch = batch
                .and_then(|b| cur.lineage.apply(&self.lake, &self.staged, &b))
                .map_err(|e| IngestError::Staging(format!("{}: {e}", path.display())))?;
            let rows = cur.pos..cur.pos + batch.num_rows();
            cur.pos = rows.end;
            if let Some((pi, known)) = &self.platform {
                let p = strings(batch.column(*pi))?;
                self.unknown_platform[cur.index] += (0..p.len())
                    .filter(|&i| p.is_valid(i) && !known.contains(p.value(i)))
                    .count() as u64;
            }
            if cur.all_new {
                return Ok(Some(batch));
            }
            let Some(decided) = cur.file.decisions.get(rows) else {
                return Err(IngestError::Staging(format!(
                    "{}: more staged rows than decisions",
                    path.display()
                )));
            };
            let mask = |want: Decision| -> BooleanArray {
                decided.iter().map(|d| Some(*d == want)).collect()
            };
            let upd = mask(Decision::Update);
            if upd.true_count() > 0 {
                let part = filter(&batch, &upd)?;
                if self.updates.is_none() {
                    let p = &self.updates_path;
                    let f = File::create(p).map_err(|e| IngestError::io(p, e))?;
                    let w = ArrowWriter::try_new(f, part.schema(), Some(scratch_props()))
                        .map_err(|e| IngestError::Staging(e.to_string()))?;
                    self.updates = Some(w);
                }
                self.updates
                    .as_mut()
                    .expect("opened")
                    .write(&part)
                    .map_err(|e| IngestError::Staging(e.to_string()))?;
            }
            let ins = mask(Decision::Insert);
            if ins.true_count() > 0 {
                return Ok(Some(filter(&batch, &ins)?));
            }
        }
    }

    fn finish(&mut self) -> Result<(), IngestError> {
        let updates = match self.updates.take() {
            Some(w) => {
                w.close().map_err(|e| {
                    IngestError::Staging(format!("{}: {e}", self.updates_path.display()))
                })?;
                Some(self.updates_path.clone())
            }
            None => None,
        };
        let mut t = self.tally.lock().expect("tally");
        t.updates = updates;
        t.unknown_platform = std::mem::take(&mut self.unknown_platform);
        Ok(())
    }
}

fn filter(batch: &RecordBatch, mask: &BooleanArray) -> Result<RecordBatch, IngestError> {
    filter_record_batch(batch, mask).map_err(|e| IngestError::Staging(e.to_string()))
}

impl Iterator for Outgoing {
    type Item = Result<RecordBatch, ArrowError>;

    fn next(&mut self) -> Option<Self::Item> {
        match self.step() {
            Ok(b) => b.map(Ok),
            Err(e) => {
                let why = e.to_string();
                if let Ok(mut t) = self.tally.lock() {
                    t.failed = Some(why.clone());
                }
                // Stop after an error: the append fails with it.
                self.files = Vec::new().into_iter();
                self.current = None;
                self.updates = None;
                Some(Err(ArrowError::ExternalError(Box::new(e))))
            }
        }
    }
}

/// Drains `out` without appending (a source with no new rows still writes
/// its updates and counts its platform ids).
pub fn drain(out: Outgoing) -> Result<(), IngestError> {
    for b in out {
        b.map_err(|e| IngestError::Staging(e.to_string()))?;
    }
    Ok(())
}

/// The path of a source's updates file in the run's staging folder.
pub fn updates_path(dir: &Path, source: &str) -> PathBuf {
    dir.join(format!("{source}-updates.parquet"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ingest::scratch::ScratchWriter;
    use crate::schema::{lake_columns, schema_of, staging_columns};
    use Decision::*;

    /// New rows out of a staged file of three rows with `decisions`, or
    /// the error when the two do not agree.
    fn new_rows(decisions: Vec<Decision>) -> Result<usize, String> {
        let src = wangjian_contract::sources::source("complaints").unwrap();
        let dir = tempfile::tempdir().unwrap();
        let staged = schema_of(&staging_columns(src));
        let cols = staged
            .fields()
            .iter()
            .map(|f| arrow::array::new_null_array(f.data_type(), 3))
            .collect();
        let batch = RecordBatch::try_new(staged, cols).unwrap();
        let path = dir.path().join("s.arrow");
        let mut w = ScratchWriter::create(&path, &batch).unwrap();
        w.write(&batch).unwrap();
        w.close().unwrap();
        let file = DecidedFile {
            path,
            file: "raw.csv".into(),
            decisions,
        };
        let (out, _) = Outgoing::new(
            vec![file],
            (schema_of(&lake_columns(src)), "run"),
            staging_columns(src).iter().map(|c| c.1).collect(),
            None,
            dir.path().join("updates.parquet"),
        );
        let mut rows = 0;
        for b in out {
            rows += b.map_err(|e| e.to_string())?.num_rows();
        }
        Ok(rows)
    }

    /// Each staged row goes by its own decision; a file with more or fewer
    /// rows than decisions is an error, never a panic or a silent loss.
    #[test]
    fn rows_and_decisions_must_agree() {
        assert_eq!(new_rows(vec![Insert, Superseded, Insert]), Ok(2));
        assert_eq!(new_rows(vec![Insert; 3]), Ok(3));
        let e = new_rows(vec![Insert, Superseded]).unwrap_err();
        assert!(e.contains("more staged rows than decisions"), "{e}");
        let e = new_rows(vec![Insert; 2]).unwrap_err();
        assert!(e.contains("3 staged rows for 2 decisions"), "{e}");
        let e = new_rows(vec![Insert, Superseded, Insert, Insert]).unwrap_err();
        assert!(e.contains("3 staged rows for 4 decisions"), "{e}");
    }
}
