//! The run's own tables: `load_runs` (a row per file), `load_issues` (field
//! level data-quality counts), and the reference tables.

use std::path::{Path, PathBuf};

use chrono::NaiveDateTime;
use parquet::arrow::ArrowWriter;

use super::report::FileReport;
use super::stage::writer_props;
use crate::batch::{RowsBuilder, V};
use crate::schema::{columns_of, reference_columns, OutType, LOAD_ISSUES, LOAD_RUNS};
use crate::IngestError;
use wangjian_contract::reference::FILES;

pub fn load_runs_columns() -> Vec<(&'static str, OutType)> {
    columns_of(LOAD_RUNS)
}

pub fn load_issues_columns() -> Vec<(&'static str, OutType)> {
    columns_of(LOAD_ISSUES)
}

fn write_one(path: &Path, rows: &mut RowsBuilder) -> Result<PathBuf, IngestError> {
    let f = std::fs::File::create(path).map_err(|e| IngestError::io(path, e))?;
    let mut w = ArrowWriter::try_new(f, rows.schema(), Some(writer_props()))
        .map_err(|e| IngestError::Staging(e.to_string()))?;
    w.write(&rows.finish())
        .map_err(|e| IngestError::Staging(e.to_string()))?;
    w.close().map_err(|e| IngestError::Staging(e.to_string()))?;
    Ok(path.to_path_buf())
}

fn s(x: &str) -> V<'static> {
    V::S(x.to_string().into())
}

/// Writes the `load_runs` and `load_issues` rows of a run to staging files.
pub fn stage_run_tables(
    dir: &Path,
    run: &str,
    started: NaiveDateTime,
    finished: NaiveDateTime,
    files: &[FileReport],
) -> Result<(PathBuf, Option<PathBuf>), IngestError> {
    let mut runs = RowsBuilder::new(&load_runs_columns());
    let mut issues = RowsBuilder::new(&load_issues_columns());
    for f in files {
        runs.push(&[
            s(run),
            V::Ts(started),
            V::Ts(finished),
            s(&f.source),
            s(&f.file),
            f.format.map(|x| s(x.name())).unwrap_or(V::Null),
            f.encoding.as_deref().map(s).unwrap_or(V::Null),
            s(if f.rejected.is_some() {
                "rejected"
            } else {
                "loaded"
            }),
            f.rejected.as_deref().map(s).unwrap_or(V::Null),
            V::I(f.read as i64),
            V::I(f.loaded as i64),
            V::I(f.superseded as i64),
            V::I(f.quarantined as i64),
        ]);
        for (reason, n) in &f.reasons {
            issues.push(&[
                s(run),
                s(&f.source),
                s(&f.file),
                s("quarantine"),
                V::Null,
                s(reason.code()),
                V::I(*n as i64),
            ]);
        }
        for ((col, code), n) in &f.issues {
            issues.push(&[
                s(run),
                s(&f.source),
                s(&f.file),
                s("field"),
                s(col),
                s(code.code()),
                V::I(*n as i64),
            ]);
        }
    }
    let runs_path = write_one(&dir.join("load_runs.parquet"), &mut runs)?;
    let issues_path = if issues.is_empty() {
        None
    } else {
        Some(write_one(&dir.join("load_issues.parquet"), &mut issues)?)
    };
    Ok((runs_path, issues_path))
}

/// Writes each reference CSV to a staging Parquet file: (table, file).
pub fn stage_reference(dir: &Path) -> Result<Vec<(&'static str, PathBuf)>, IngestError> {
    let mut out = Vec::new();
    for (name, text) in FILES {
        let mut lines = text.lines().filter(|l| !l.trim().is_empty());
        let cols = reference_columns(lines.next().unwrap_or_default());
        let mut rows = RowsBuilder::new(&cols);
        for line in lines {
            let vals: Vec<V> = line
                .split(',')
                .zip(&cols)
                .map(|(v, (_, t))| match t {
                    OutType::I64 => v.parse().map(V::I).unwrap_or(V::Null),
                    _ => s(v),
                })
                .collect();
            rows.push(&vals);
        }
        out.push((
            *name,
            write_one(&dir.join(format!("{name}.parquet")), &mut rows)?,
        ));
    }
    Ok(out)
}
