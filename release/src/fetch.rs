//! Reads a release table's rows for the quarter and applies disclosure
//! control. Selection by DataFrame calls (no SQL text in Rust): the figures
//! are the SQL's.

use std::collections::BTreeMap;

use arrow::array::{Array, AsArray, RecordBatch};
use arrow::datatypes::{DataType, Float64Type};
use datafusion::prelude::{col, lit, SessionContext};

use crate::disclosure::{Counts, Flag, Grid, Params};
use crate::tables::{Kind, Rows, TableSpec, R};
use crate::{ReleaseError, Table, Value};

fn data_err(e: impl std::fmt::Display) -> ReleaseError {
    ReleaseError::Data(e.to_string())
}

/// The quarters the release tables hold, in order.
pub async fn quarters(ctx: &SessionContext) -> Result<Vec<String>, ReleaseError> {
    let df = ctx
        .table("release_trend")
        .await
        .map_err(data_err)?
        .select(vec![col("quarter")])
        .map_err(data_err)?
        .sort(vec![col("quarter").sort(true, true)])
        .map_err(data_err)?;
    let mut out = Vec::new();
    for b in df.collect().await.map_err(data_err)? {
        out.extend(text_column(&b, "quarter")?.into_iter().flatten());
    }
    Ok(out)
}

fn text_column(b: &RecordBatch, name: &str) -> Result<Vec<Option<String>>, ReleaseError> {
    let c = b
        .column_by_name(name)
        .ok_or_else(|| data_err(format!("column {name} missing")))?;
    let c = arrow::compute::cast(c, &DataType::Utf8).map_err(data_err)?;
    let c = c.as_string::<i32>();
    Ok((0..c.len())
        .map(|i| (!c.is_null(i)).then(|| c.value(i).to_string()))
        .collect())
}

fn number_column(b: &RecordBatch, name: &str) -> Result<Vec<Option<f64>>, ReleaseError> {
    let c = b
        .column_by_name(name)
        .ok_or_else(|| data_err(format!("column {name} missing")))?;
    let c = arrow::compute::cast(c, &DataType::Float64).map_err(data_err)?;
    let c = c.as_primitive::<Float64Type>();
    Ok((0..c.len())
        .map(|i| (!c.is_null(i) && c.value(i).is_finite()).then(|| c.value(i)))
        .collect())
}

/// The shorthand of a cell without a figure: `[z]` for a rate over zero and
/// for what the total row does not have (rank, tier), else `[x]`.
fn missing(grid: &Grid, spec: TableSpec, r: usize, role: R) -> Flag {
    let zero = |name: &str| {
        spec.columns
            .iter()
            .position(|c| c.name == name)
            .and_then(|k| grid.rows[r][k])
            == Some(0.0)
    };
    match role {
        R::Rate(_, den) if zero(den) => Flag::Z,
        R::Derived(of) if zero(of) => Flag::Z,
        _ if grid.total[r] => Flag::Z,
        _ => Flag::X,
    }
}

/// The table `spec` for quarter `q`, controlled.
pub async fn table(
    ctx: &SessionContext,
    spec: TableSpec,
    q: &str,
    params: &Params,
) -> Result<(Table, Counts), ReleaseError> {
    let df = ctx.table(spec.source).await.map_err(data_err)?;
    let df = match spec.rows {
        Rows::Quarter => df.filter(col("quarter").eq(lit(q))),
        Rows::UpTo => df.filter(col("quarter").lt_eq(lit(q))),
    }
    .map_err(data_err)?;
    let batches = df.collect().await.map_err(data_err)?;
    // Columns of values: text or numbers, in spec order.
    let mut text: Vec<Vec<Option<String>>> = vec![Vec::new(); spec.columns.len()];
    let mut nums: Vec<Vec<Option<f64>>> = vec![Vec::new(); spec.columns.len()];
    for b in &batches {
        for (i, c) in spec.columns.iter().enumerate() {
            match c.kind {
                Kind::Text => text[i].extend(text_column(b, c.name)?),
                _ => nums[i].extend(number_column(b, c.name)?),
            }
        }
    }
    let n = batches.iter().map(RecordBatch::num_rows).sum::<usize>();
    let total = spec.total.and_then(|(name, value)| {
        let i = spec.columns.iter().position(|c| c.name == name)?;
        Some(
            text[i]
                .iter()
                .map(|v| v.as_deref() == Some(value))
                .collect::<Vec<_>>(),
        )
    });
    let mut grid = Grid {
        columns: spec
            .columns
            .iter()
            .map(|c| (c.name.to_string(), c.role.role()))
            .collect(),
        rows: (0..n)
            .map(|r| {
                (0..spec.columns.len())
                    .map(|c| nums[c].get(r).copied().flatten())
                    .collect()
            })
            .collect(),
        total: total.unwrap_or_else(|| vec![false; n]),
        flags: BTreeMap::new(),
    };
    let counts = if spec.controlled {
        grid.control(params)
    } else {
        Counts::default()
    };
    let rows = (0..n)
        .map(|r| {
            spec.columns
                .iter()
                .enumerate()
                .filter(|(_, c)| c.published)
                .map(|(i, c)| {
                    let value = match c.kind {
                        Kind::Text => text[i][r].clone().map_or(Value::Null, Value::Text),
                        _ => grid.rows[r][i].map_or(Value::Null, Value::Num),
                    };
                    let flag = grid.flags.get(&(r, i)).copied().or(match value {
                        Value::Null => Some(missing(&grid, spec, r, c.role)),
                        _ => None,
                    });
                    (value, flag)
                })
                .collect()
        })
        .collect();
    Ok((Table { spec, rows }, counts))
}

/// The input files behind the figures: every file a load run loaded rows from.
pub async fn inputs(ctx: &SessionContext) -> Result<Vec<crate::manifest::Input>, ReleaseError> {
    let df = ctx
        .table("load_runs")
        .await
        .map_err(data_err)?
        .filter(col("loaded").gt(lit(0_i64)))
        .map_err(data_err)?
        .sort(vec![
            col("run").sort(true, true),
            col("file").sort(true, true),
        ])
        .map_err(data_err)?;
    let mut out = Vec::new();
    for b in df.collect().await.map_err(data_err)? {
        let files = text_column(&b, "file")?;
        let runs = text_column(&b, "run")?;
        let loaded = number_column(&b, "loaded")?;
        for i in 0..b.num_rows() {
            out.push(crate::manifest::Input {
                file: files[i].clone().unwrap_or_default(),
                run: runs[i].clone().unwrap_or_default(),
                rows_loaded: loaded[i].unwrap_or(0.0) as i64,
            });
        }
    }
    Ok(out)
}
