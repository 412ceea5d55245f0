//! The contract's vocabularies as tables of every session: `ref_tiers`,
//! `ref_alert_types`, `ref_funnel_limits` (their one home is
//! `data/reference/`, through the contract crate).

use std::sync::Arc;

use arrow::array::{ArrayRef, BooleanArray, Float64Array, Int64Array, RecordBatch, StringArray};
use datafusion::datasource::MemTable;
use datafusion::prelude::SessionContext;
use wangjian_contract::vocab;

use crate::QueryError;

fn text<T>(rows: &[T], f: impl Fn(&T) -> &str) -> ArrayRef {
    Arc::new(StringArray::from(rows.iter().map(f).collect::<Vec<&str>>()))
}

fn real<T>(rows: &[T], f: impl Fn(&T) -> Option<f64>) -> ArrayRef {
    Arc::new(Float64Array::from(rows.iter().map(f).collect::<Vec<_>>()))
}

fn register(
    ctx: &SessionContext,
    name: &str,
    cols: Vec<(&str, ArrayRef)>,
) -> Result<(), QueryError> {
    let batch = RecordBatch::try_from_iter(cols).map_err(|e| QueryError::Sql(e.to_string()))?;
    let table = MemTable::try_new(batch.schema(), vec![vec![batch]])?;
    ctx.register_table(name, Arc::new(table))?;
    Ok(())
}

/// Registers the three vocabulary tables.
pub fn register_all(ctx: &SessionContext) -> Result<(), QueryError> {
    let t = vocab::tiers();
    register(
        ctx,
        "ref_tiers",
        vec![
            ("tier", text(t, |x| &x.tier)),
            (
                "level",
                Arc::new(Int64Array::from(
                    t.iter().map(|x| i64::from(x.level)).collect::<Vec<_>>(),
                )),
            ),
            ("min_index", real(t, |x| x.min_index)),
            ("max_index", real(t, |x| x.max_index)),
            ("label_en", text(t, |x| &x.label_en)),
        ],
    )?;
    let a = vocab::alert_types();
    register(
        ctx,
        "ref_alert_types",
        vec![
            ("alert", text(a, |x| &x.alert)),
            ("label", text(a, |x| &x.label)),
            ("label_en", text(a, |x| &x.label_en)),
            ("threshold", real(a, |x| x.threshold)),
            ("min_increase", real(a, |x| x.min_increase)),
        ],
    )?;
    let f = vocab::funnel_limits();
    register(
        ctx,
        "ref_funnel_limits",
        vec![
            ("limit_name", text(f, |x| &x.limit_name)),
            ("z", real(f, |x| Some(x.z))),
            (
                "alarm",
                Arc::new(BooleanArray::from(
                    f.iter().map(|x| x.alarm).collect::<Vec<_>>(),
                )),
            ),
        ],
    )?;
    Ok(())
}
