//! A small sqllogictest runner for the indicator SQL: every `tests/sql/*.slt`
//! file runs in a fresh DataFusion session. Supported records:
//!
//! - `statement ok` / `statement error [substring]`, then SQL up to a blank line;
//! - `query <types> [rowsort]`, SQL, `----`, then the expected rows up to a
//!   blank line; types are one letter a column: `T` text, `I` integer,
//!   `R` real (printed rounded to 6 decimals), `B` boolean; NULL prints `NULL`;
//!   columns are separated by one space;
//! - `run queries [weights=FILE]`: runs the project's `queries/*.sql` files in
//!   the session (with the risk weights of FILE instead of queries/risk_weights.csv);
//! - `include FILE`: the records of `tests/sql/FILE` (shared fixtures, in
//!   `tests/sql/fixtures/`, which the runner does not run on their own);
//! - `lake tables`: creates every table ingest writes, empty, with its lake
//!   schema (`wangjian_pipelines::schema::lake_tables`); fixtures then fill
//!   them with `INSERT INTO t (columns) ...`, so that a renamed lake column
//!   breaks them.
//!
//! Expected values in the .slt files are worked out by hand in comments.

use std::path::{Path, PathBuf};

use arrow::array::{Array, RecordBatch};
use arrow::datatypes::DataType;
use arrow::util::display::{ArrayFormatter, FormatOptions};
use wangjian_queries::Access;

fn cell(col: &dyn Array, row: usize, ty: char) -> String {
    if col.is_null(row) {
        return "NULL".into();
    }
    if ty == 'R' {
        let c = arrow::compute::cast(col, &DataType::Float64).expect("a number");
        let v = c
            .as_any()
            .downcast_ref::<arrow::array::Float64Array>()
            .expect("f64")
            .value(row);
        let s = format!("{v:.6}");
        return if s == "-0.000000" {
            "0.000000".into()
        } else {
            s
        };
    }
    let f = ArrayFormatter::try_new(col, &FormatOptions::default()).expect("formatter");
    f.value(row).to_string()
}

fn rows(batches: &[RecordBatch], types: &str) -> Vec<String> {
    let types: Vec<char> = types.chars().collect();
    let mut out = Vec::new();
    for b in batches {
        assert_eq!(
            b.num_columns(),
            types.len(),
            "the query returns {} columns, the record says {}",
            b.num_columns(),
            types.len()
        );
        for r in 0..b.num_rows() {
            let cells: Vec<String> = (0..b.num_columns())
                .map(|c| cell(b.column(c).as_ref(), r, types[c]))
                .collect();
            out.push(cells.join(" "));
        }
    }
    out
}

fn queries_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("queries")
}

/// The schema with text as `Utf8View`, as SQL literals and the lake's
/// Parquet scans give it (a table of plain `Utf8` mixed with `Utf8View`
/// batches from INSERT trips DataFusion's batch coalescer).
fn view_strings(schema: &arrow::datatypes::SchemaRef) -> arrow::datatypes::SchemaRef {
    let fields: Vec<arrow::datatypes::Field> = schema
        .fields()
        .iter()
        .map(|f| {
            let t = match f.data_type() {
                DataType::Utf8 => DataType::Utf8View,
                other => other.clone(),
            };
            f.as_ref().clone().with_data_type(t)
        })
        .collect();
    std::sync::Arc::new(arrow::datatypes::Schema::new(fields))
}

/// The file's text with each `include FILE` line replaced by that file.
fn with_includes(path: &Path) -> Result<String, String> {
    let text = std::fs::read_to_string(path).map_err(|e| format!("{}: {e}", path.display()))?;
    let dir = path.parent().unwrap_or(Path::new("."));
    let mut out = String::new();
    for line in text.lines() {
        match line.strip_prefix("include ") {
            Some(f) => out.push_str(&with_includes(&dir.join(f.trim()))?),
            None => out.push_str(line),
        }
        out.push('\n');
    }
    Ok(out)
}

async fn run_file(path: &Path) -> Result<usize, String> {
    let text = with_includes(path)?;
    let ctx = wangjian_queries::new_session();
    let lines: Vec<&str> = text.lines().collect();
    let mut i = 0;
    let mut checked = 0;
    let block = |i: &mut usize, stop_at_dashes: bool| -> String {
        let mut sql = String::new();
        while *i < lines.len()
            && !lines[*i].trim().is_empty()
            && !(stop_at_dashes && lines[*i].trim() == "----")
        {
            sql.push_str(lines[*i]);
            sql.push('\n');
            *i += 1;
        }
        sql
    };
    while i < lines.len() {
        let line = lines[i].trim();
        let at = i + 1;
        i += 1;
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        if line == "lake tables" {
            for (name, schema) in wangjian_pipelines::schema::lake_tables() {
                let schema = view_strings(&schema);
                let table = datafusion::datasource::MemTable::try_new(schema, vec![vec![]])
                    .map_err(|e| format!("{}:{at}: {e}", path.display()))?;
                ctx.register_table(name, std::sync::Arc::new(table))
                    .map_err(|e| format!("{}:{at}: {e}", path.display()))?;
            }
        } else if let Some(rest) = line.strip_prefix("run queries") {
            let dir = queries_dir();
            let weights = match rest.trim().strip_prefix("weights=") {
                Some(w) => Path::new(env!("CARGO_MANIFEST_DIR")).join(w),
                None => dir.join("risk_weights.csv"),
            };
            let set = wangjian_queries::QuerySet::from_dir(&dir)
                .and_then(|q| q.with_weights_file(&weights))
                .map_err(|e| format!("{}:{at}: run queries: {e}", path.display()))?;
            wangjian_queries::indicators::run_query_set(&ctx, &set)
                .await
                .map_err(|e| format!("{}:{at}: run queries: {e}", path.display()))?;
        } else if let Some(rest) = line.strip_prefix("statement") {
            let sql = block(&mut i, false);
            let result = wangjian_queries::run_sql(&ctx, &sql, Access::ReadWrite).await;
            match (rest.trim(), result) {
                ("ok", Ok(_)) => {}
                ("ok", Err(e)) => {
                    return Err(format!(
                        "{}:{at}: statement failed: {e}\n{sql}",
                        path.display()
                    ))
                }
                (expect, Err(e)) if expect.starts_with("error") => {
                    let want = expect.trim_start_matches("error").trim();
                    if !e.to_string().contains(want) {
                        return Err(format!(
                            "{}:{at}: error '{e}' lacks '{want}'",
                            path.display()
                        ));
                    }
                }
                (_, Ok(_)) => {
                    return Err(format!(
                        "{}:{at}: statement should have failed\n{sql}",
                        path.display()
                    ))
                }
                (other, Err(e)) => {
                    return Err(format!(
                        "{}:{at}: bad record '{other}': {e}",
                        path.display()
                    ))
                }
            }
        } else if let Some(rest) = line.strip_prefix("query") {
            let mut words = rest.split_whitespace();
            let types = words.next().unwrap_or("").to_string();
            let rowsort = words.next() == Some("rowsort");
            let sql = block(&mut i, true);
            if i >= lines.len() || lines[i].trim() != "----" {
                return Err(format!("{}:{at}: query without ----", path.display()));
            }
            i += 1;
            let mut expected = Vec::new();
            while i < lines.len() && !lines[i].trim().is_empty() {
                expected.push(lines[i].trim().to_string());
                i += 1;
            }
            let results = wangjian_queries::run_sql(&ctx, &sql, Access::ReadOnly)
                .await
                .map_err(|e| format!("{}:{at}: query failed: {e}\n{sql}", path.display()))?;
            let (_, batches) = results
                .last()
                .ok_or_else(|| format!("{}:{at}: no result", path.display()))?;
            let mut got = rows(batches, &types);
            if rowsort {
                got.sort();
                expected.sort();
            }
            if got != expected {
                return Err(format!(
                    "{}:{at}: results differ\n{sql}expected:\n{}\ngot:\n{}",
                    path.display(),
                    expected.join("\n"),
                    got.join("\n")
                ));
            }
            checked += 1;
        } else {
            return Err(format!("{}:{at}: unknown record '{line}'", path.display()));
        }
    }
    Ok(checked)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sql_logic_tests() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests")
        .join("sql");
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .expect("tests/sql")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "slt"))
        .collect();
    files.sort();
    assert!(!files.is_empty(), "no .slt files");
    let mut failures = Vec::new();
    for f in &files {
        match run_file(f).await {
            Ok(n) => {
                assert!(n > 0, "{} checks nothing", f.display());
                eprintln!("{}: {n} queries ok", f.display());
            }
            Err(e) => failures.push(e),
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}
