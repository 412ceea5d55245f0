//! The dashboard's data: the indicator tables read into plain structs.

use arrow::array::{Array, AsArray, RecordBatch};
use arrow::datatypes::{DataType, Float64Type, Int64Type};
use datafusion::prelude::SessionContext;

use crate::ReportError;

#[derive(Debug, Clone, Default)]
pub struct Regional {
    pub quarter: String,
    pub region_code: String,
    pub region_name: String,
    pub complaints: i64,
    pub reports: i64,
    pub cases: i64,
    pub samples: i64,
    pub sample_fail_rate: Option<f64>,
    pub monitor_checks: i64,
    pub monitor_hit_rate: Option<f64>,
    pub closed_60d_rate: Option<f64>,
    pub mediation_success_rate: Option<f64>,
    pub recovery_ratio: Option<f64>,
}

#[derive(Debug, Clone, Default)]
pub struct Risk {
    pub quarter: String,
    pub region_code: String,
    pub region_name: String,
    /// NULL when the index could not be computed: drawn as "—", never as 50.
    pub risk_index: Option<f64>,
    pub rank: i64,
    pub tier: String,
    pub rank_change: Option<i64>,
    /// The 5th and 95th percentile ranks over the scenarios of
    /// risk_rank_intervals (statistics.md).
    pub rank_p05: Option<i64>,
    pub rank_p95: Option<i64>,
}

/// A province's raw and empirical-Bayes fail rate (smoothed_rates).
#[derive(Debug, Clone, Default)]
pub struct Smoothed {
    pub quarter: String,
    pub region_code: String,
    pub region_name: String,
    pub measure: String,
    pub trials: i64,
    pub raw_rate: Option<f64>,
    pub eb_rate: Option<f64>,
}

/// A month of a province's complaint CUSUM (complaint_cusum).
#[derive(Debug, Clone, Default)]
pub struct CusumPoint {
    pub month: String,
    pub region_code: String,
    pub region_name: String,
    pub cusum: f64,
    pub alarm: bool,
}

#[derive(Debug, Clone, Default)]
pub struct Platform {
    pub quarter: String,
    pub platform_id: String,
    pub platform_name: String,
    pub complaints: i64,
    pub complaints_per_10k_merchants: Option<f64>,
    pub sample_fail_rate: Option<f64>,
    pub monitor_hit_rate: Option<f64>,
}

#[derive(Debug, Clone, Default)]
pub struct Alert {
    pub quarter: String,
    pub region_code: String,
    pub region_name: String,
    pub alert: String,
    pub value: f64,
    pub threshold: f64,
}

/// A point of a funnel plot control limit (sampling_funnel).
#[derive(Debug, Clone, Default)]
pub struct FunnelPoint {
    pub quarter: String,
    pub limit_name: String,
    pub alarm: bool,
    pub n: f64,
    pub p0: f64,
    pub lower: f64,
    pub upper: f64,
}

#[derive(Debug, Clone, Default)]
pub struct LoadFigure {
    pub source: String,
    pub files: i64,
    pub rejected: i64,
    pub read: i64,
    pub loaded: i64,
    pub superseded: i64,
    pub quarantined: i64,
}

/// Everything the dashboard shows.
#[derive(Debug, Clone, Default)]
pub struct Data {
    pub quarters: Vec<String>,
    pub regional: Vec<Regional>,
    pub risk: Vec<Risk>,
    pub platforms: Vec<Platform>,
    pub alerts: Vec<Alert>,
    /// The funnel plot's control limits, as the SQL computed them.
    pub funnel: Vec<FunnelPoint>,
    /// Smoothed sample fail rates by quarter and province.
    pub smoothed: Vec<Smoothed>,
    /// Monthly complaint CUSUM by province, in month order.
    pub cusum: Vec<CusumPoint>,
    /// quarter -> recovered yuan
    pub recovered: Vec<(String, f64)>,
    /// The latest load run, by source.
    pub load: Vec<LoadFigure>,
    pub load_run: Option<String>,
}

struct Cols<'a> {
    b: &'a RecordBatch,
}

impl Cols<'_> {
    fn col(&self, name: &str) -> Result<&dyn Array, ReportError> {
        self.b
            .column_by_name(name)
            .map(|c| c.as_ref())
            .ok_or_else(|| ReportError::Data(format!("column {name} missing")))
    }
    fn s(&self, name: &str, i: usize) -> Result<String, ReportError> {
        let c = arrow::compute::cast(self.col(name)?, &DataType::Utf8)
            .map_err(|e| ReportError::Data(e.to_string()))?;
        let c = c.as_string::<i32>();
        Ok(if c.is_null(i) {
            String::new()
        } else {
            c.value(i).to_string()
        })
    }
    fn f(&self, name: &str, i: usize) -> Result<Option<f64>, ReportError> {
        let c = arrow::compute::cast(self.col(name)?, &DataType::Float64)
            .map_err(|e| ReportError::Data(e.to_string()))?;
        let c = c.as_primitive::<Float64Type>();
        Ok((!c.is_null(i)).then(|| c.value(i)))
    }
    fn b(&self, name: &str, i: usize) -> Result<Option<bool>, ReportError> {
        let c = arrow::compute::cast(self.col(name)?, &DataType::Boolean)
            .map_err(|e| ReportError::Data(e.to_string()))?;
        let c = c.as_boolean();
        Ok((!c.is_null(i)).then(|| c.value(i)))
    }
    fn i(&self, name: &str, i: usize) -> Result<Option<i64>, ReportError> {
        let c = arrow::compute::cast(self.col(name)?, &DataType::Int64)
            .map_err(|e| ReportError::Data(e.to_string()))?;
        let c = c.as_primitive::<Int64Type>();
        Ok((!c.is_null(i)).then(|| c.value(i)))
    }
}

async fn batches(ctx: &SessionContext, table: &str) -> Result<Vec<RecordBatch>, ReportError> {
    let df = ctx.table(table).await.map_err(|e| {
        ReportError::Data(format!(
            "table {table}: {e} (run `wangjian indicators` first)"
        ))
    })?;
    df.collect()
        .await
        .map_err(|e| ReportError::Data(e.to_string()))
}

fn each<T>(
    bs: &[RecordBatch],
    mut f: impl FnMut(&Cols, usize) -> Result<T, ReportError>,
) -> Result<Vec<T>, ReportError> {
    let mut out = Vec::new();
    for b in bs {
        let c = Cols { b };
        for i in 0..b.num_rows() {
            out.push(f(&c, i)?);
        }
    }
    Ok(out)
}

/// Reads every table the dashboard needs.
pub async fn load(ctx: &SessionContext) -> Result<Data, ReportError> {
    let mut d = Data {
        regional: each(&batches(ctx, "regional_indicators").await?, |c, i| {
            Ok(Regional {
                quarter: c.s("quarter", i)?,
                region_code: c.s("region_code", i)?,
                region_name: c.s("region_name", i)?,
                complaints: c.i("complaints", i)?.unwrap_or(0),
                reports: c.i("reports", i)?.unwrap_or(0),
                cases: c.i("cases", i)?.unwrap_or(0),
                samples: c.i("samples", i)?.unwrap_or(0),
                sample_fail_rate: c.f("sample_fail_rate", i)?,
                monitor_checks: c.i("monitor_checks", i)?.unwrap_or(0),
                monitor_hit_rate: c.f("monitor_hit_rate", i)?,
                closed_60d_rate: c.f("closed_60d_rate", i)?,
                mediation_success_rate: c.f("mediation_success_rate", i)?,
                recovery_ratio: c.f("recovery_ratio", i)?,
            })
        })?,
        risk: each(&batches(ctx, "risk_index").await?, |c, i| {
            Ok(Risk {
                quarter: c.s("quarter", i)?,
                region_code: c.s("region_code", i)?,
                region_name: c.s("region_name", i)?,
                risk_index: c.f("risk_index", i)?,
                rank: c.i("rank", i)?.unwrap_or(0),
                tier: c.s("tier", i)?,
                rank_change: c.i("rank_change", i)?,
                rank_p05: None,
                rank_p95: None,
            })
        })?,
        platforms: each(&batches(ctx, "platform_indicators").await?, |c, i| {
            Ok(Platform {
                quarter: c.s("quarter", i)?,
                platform_id: c.s("platform_id", i)?,
                platform_name: c.s("platform_name", i)?,
                complaints: c.i("complaints", i)?.unwrap_or(0),
                complaints_per_10k_merchants: c.f("complaints_per_10k_merchants", i)?,
                sample_fail_rate: c.f("sample_fail_rate", i)?,
                monitor_hit_rate: c.f("monitor_hit_rate", i)?,
            })
        })?,
        alerts: each(&batches(ctx, "alerts").await?, |c, i| {
            Ok(Alert {
                quarter: c.s("quarter", i)?,
                region_code: c.s("region_code", i)?,
                region_name: c.s("region_name", i)?,
                alert: c.s("alert", i)?,
                value: c.f("value", i)?.unwrap_or(f64::NAN),
                threshold: c.f("threshold", i)?.unwrap_or(f64::NAN),
            })
        })?,
        funnel: each(&batches(ctx, "sampling_funnel").await?, |c, i| {
            Ok(FunnelPoint {
                quarter: c.s("quarter", i)?,
                limit_name: c.s("limit_name", i)?,
                alarm: c.b("alarm", i)?.unwrap_or(false),
                n: c.f("n", i)?.unwrap_or(f64::NAN),
                p0: c.f("p0", i)?.unwrap_or(f64::NAN),
                lower: c.f("lower", i)?.unwrap_or(f64::NAN),
                upper: c.f("upper", i)?.unwrap_or(f64::NAN),
            })
        })?,
        smoothed: each(&batches(ctx, "smoothed_rates").await?, |c, i| {
            Ok(Smoothed {
                quarter: c.s("quarter", i)?,
                region_code: c.s("region_code", i)?,
                region_name: c.s("region_name", i)?,
                measure: c.s("measure", i)?,
                trials: c.i("trials", i)?.unwrap_or(0),
                raw_rate: c.f("raw_rate", i)?,
                eb_rate: c.f("eb_rate", i)?,
            })
        })?,
        cusum: each(&batches(ctx, "complaint_cusum").await?, |c, i| {
            Ok(CusumPoint {
                month: c.s("month", i)?,
                region_code: c.s("region_code", i)?,
                region_name: c.s("region_name", i)?,
                cusum: c.f("cusum", i)?.unwrap_or(f64::NAN),
                alarm: c.b("alarm", i)?.unwrap_or(false),
            })
        })?,
        recovered: each(&batches(ctx, "headline_figures").await?, |c, i| {
            Ok((c.s("quarter", i)?, c.f("recovered_yuan", i)?.unwrap_or(0.0)))
        })?,
        ..Default::default()
    };
    // The dashboard draws the smoothed fail rates.
    d.smoothed.retain(|s| s.measure == "sample_fail_rate");
    d.cusum
        .sort_by(|a, b| (&a.region_code, &a.month).cmp(&(&b.region_code, &b.month)));
    let intervals = each(&batches(ctx, "risk_rank_intervals").await?, |c, i| {
        Ok((
            (c.s("quarter", i)?, c.s("region_code", i)?),
            (c.i("rank_p05", i)?, c.i("rank_p95", i)?),
        ))
    })?;
    let intervals: std::collections::HashMap<_, _> = intervals.into_iter().collect();
    for r in &mut d.risk {
        if let Some(&(lo, hi)) = intervals.get(&(r.quarter.clone(), r.region_code.clone())) {
            (r.rank_p05, r.rank_p95) = (lo, hi);
        }
    }
    let mut qs: Vec<String> = d.regional.iter().map(|r| r.quarter.clone()).collect();
    qs.sort();
    qs.dedup();
    d.quarters = qs;
    d.regional
        .sort_by(|a, b| (&a.quarter, &a.region_code).cmp(&(&b.quarter, &b.region_code)));
    d.risk.sort_by(|a, b| {
        (&a.quarter, a.rank, &a.region_code).cmp(&(&b.quarter, b.rank, &b.region_code))
    });
    d.funnel.sort_by(|a, b| {
        (&a.quarter, &a.limit_name, a.n)
            .partial_cmp(&(&b.quarter, &b.limit_name, b.n))
            .unwrap_or(std::cmp::Ordering::Equal)
    });
    d.alerts.sort_by(|a, b| {
        (&a.quarter, &a.region_code, &a.alert).cmp(&(&b.quarter, &b.region_code, &b.alert))
    });

    // Data quality of the latest load run (queries/views/load_summary.sql).
    let summary = wangjian_queries::run_view(ctx, "load_summary").await?;
    d.load = each(&summary, |c, i| {
        Ok(LoadFigure {
            source: c.s("source", i)?,
            files: c.i("files", i)?.unwrap_or(0),
            rejected: c.i("rejected", i)?.unwrap_or(0),
            read: c.i("rows_read", i)?.unwrap_or(0),
            loaded: c.i("loaded", i)?.unwrap_or(0),
            superseded: c.i("superseded", i)?.unwrap_or(0),
            quarantined: c.i("quarantined", i)?.unwrap_or(0),
        })
    })?;
    d.load_run = each(&summary, |c, i| c.s("run", i))?.into_iter().next();
    Ok(d)
}

impl Data {
    pub fn national(&self, quarter: &str) -> Option<&Regional> {
        self.regional
            .iter()
            .find(|r| r.quarter == quarter && r.region_code == "000000")
    }
    pub fn risk_of(&self, quarter: &str) -> Vec<&Risk> {
        self.risk.iter().filter(|r| r.quarter == quarter).collect()
    }
    pub fn recovered_of(&self, quarter: &str) -> Option<f64> {
        self.recovered.iter().find(|r| r.0 == quarter).map(|r| r.1)
    }
    /// The quarter `n` quarters before `q`, if the data has it.
    pub fn shift(&self, q: &str, n: usize) -> Option<String> {
        let i = self.quarters.iter().position(|x| x == q)?;
        i.checked_sub(n).map(|j| self.quarters[j].clone())
    }
}
