//! The bulletin's charts, drawn from the release's own tables after
//! disclosure control: a withheld cell gets no bar and its shorthand as its
//! label, so a chart never shows what a table withholds. Drawn by the
//! reports crate's publication figures; written as `charts/<name>.svg` and
//! `.png` and inline in the bulletin.

use wangjian_reports::figure::{Bar, Figure};
use wangjian_reports::format::grouped;

use crate::disclosure::Flag;
use crate::tables::Kind;
use crate::write::{cell, columns};
use crate::{Table, Value};

/// A chart of the bulletin: its file name and the figure.
#[derive(Debug, Clone)]
pub struct Chart {
    pub name: &'static str,
    pub figure: Figure,
}

/// A cell of a table as a chart reads it: the value when shown, and its
/// text as the bulletin writes it (with the flag, or the shorthand alone).
#[derive(Debug, Clone)]
pub struct Shown {
    pub value: Option<f64>,
    pub text: String,
}

/// The shown value and text of column `name` in row `r`.
pub fn shown(t: &Table, r: usize, name: &str, unit: &str) -> Shown {
    let cols = columns(t);
    let Some(i) = cols.iter().position(|c| c.name == name) else {
        return Shown {
            value: None,
            text: Flag::X.text().into(),
        };
    };
    let (text, flag) = cell(t, r, i, &Default::default());
    let value = match &t.rows[r][i] {
        (Value::Num(v), f) if !f.is_some_and(Flag::withholds) => Some(*v),
        _ => None,
    };
    let text = match (text.is_empty(), cols[i].kind) {
        (true, _) if flag.is_empty() => Flag::X.text().into(),
        (true, _) => flag,
        (false, Kind::Text) => text,
        (false, _) if flag.is_empty() => format!("{}{unit}", grouped(&text)),
        (false, _) => format!("{}{unit} {flag}", grouped(&text)),
    };
    Shown { value, text }
}

/// The text of column `name` in row `r` (a name or a code).
pub fn text(t: &Table, r: usize, name: &str) -> String {
    let cols = columns(t);
    cols.iter()
        .position(|c| c.name == name)
        .map(|i| cell(t, r, i, &Default::default()).0)
        .unwrap_or_default()
}

/// Rows of `t` below the total (the 全国 row is not a province).
pub fn detail_rows(t: &Table) -> Vec<usize> {
    let total = t.spec.total;
    (0..t.rows.len())
        .filter(|&r| match total {
            Some((name, value)) => text(t, r, name) != value,
            None => true,
        })
        .collect()
}

/// Rows ordered by a value, largest first; rows without a value last, in
/// table order.
pub fn by_value_desc(t: &Table, rows: Vec<usize>, name: &str) -> Vec<usize> {
    let mut rows: Vec<(usize, Option<f64>)> = rows
        .into_iter()
        .map(|r| (r, shown(t, r, name, "").value))
        .collect();
    rows.sort_by(|a, b| match (a.1, b.1) {
        (Some(x), Some(y)) => y.total_cmp(&x).then(a.0.cmp(&b.0)),
        (Some(_), None) => std::cmp::Ordering::Less,
        (None, Some(_)) => std::cmp::Ordering::Greater,
        (None, None) => a.0.cmp(&b.0),
    });
    rows.into_iter().map(|(r, _)| r).collect()
}

fn bars(
    t: &Table,
    rows: &[usize],
    name_col: &str,
    value: &str,
    unit: &str,
    interval: Option<(&str, &str)>,
) -> Vec<Bar> {
    rows.iter()
        .map(|&r| {
            let s = shown(t, r, value, unit);
            let interval = interval.and_then(|(lo, hi)| {
                Some((shown(t, r, lo, "").value?, shown(t, r, hi, "").value?))
            });
            let label = match (interval, s.value) {
                (Some((lo, hi)), Some(_)) => format!("{}（{lo:.2}–{hi:.2}）", s.text),
                _ => s.text,
            };
            Bar {
                name: text(t, r, name_col),
                value: s.value,
                label,
                interval,
            }
        })
        .collect()
}

/// The bulletin's charts for `quarter` from the release tables.
pub fn charts(tables: &[Table], quarter_words: &str) -> Vec<Chart> {
    let find = |name: &str| tables.iter().find(|t| t.spec.name == name);
    let mut out = Vec::new();
    if let Some(t) = find("by_province") {
        let rows = by_value_desc(t, detail_rows(t), "complaints");
        out.push(Chart {
            name: "complaints_by_province",
            figure: Figure::Bars {
                title: format!("{quarter_words}各省（区、市）网购投诉量"),
                x_desc: "网购投诉量（件）".into(),
                rows: bars(t, &rows, "region_name", "complaints", "", None),
            },
        });
        let rows = by_value_desc(t, detail_rows(t), "risk_index");
        let mut risk = bars(t, &rows, "region_name", "risk_index", "", None);
        for (b, &r) in risk.iter_mut().zip(&rows) {
            let tier = text(t, r, "tier");
            if b.value.is_some() && !tier.is_empty() {
                b.label = format!("{}（{tier}）", b.label);
            }
        }
        out.push(Chart {
            name: "risk_index_by_province",
            figure: Figure::Bars {
                title: format!("{quarter_words}各省（区、市）风险指数"),
                x_desc: "风险指数".into(),
                rows: risk,
            },
        });
    }
    if let Some(t) = find("by_category") {
        let rows: Vec<usize> = (0..t.rows.len()).collect();
        out.push(Chart {
            name: "complaints_by_category",
            figure: Figure::Bars {
                title: format!("{quarter_words}网购投诉按商品和服务类别分的占比"),
                x_desc: "占比（%）".into(),
                rows: bars(t, &rows, "category_name", "share", "%", None),
            },
        });
    }
    if let Some(t) = find("sampling_by_category") {
        let rows: Vec<usize> = (0..t.rows.len()).collect();
        out.push(Chart {
            name: "sample_fail_rate_by_category",
            figure: Figure::Bars {
                title: format!("{quarter_words}网络商品抽检不合格率及其 95% 置信区间"),
                x_desc: "不合格率（%）".into(),
                rows: bars(
                    t,
                    &rows,
                    "category_name",
                    "sample_fail_rate",
                    "%",
                    Some(("ci_low", "ci_high")),
                ),
            },
        });
    }
    if let Some(t) = find("trend") {
        let rows: Vec<usize> = (0..t.rows.len()).collect();
        let points: Vec<Shown> = rows
            .iter()
            .map(|&r| shown(t, r, "complaints", ""))
            .collect();
        out.push(Chart {
            name: "complaints_trend",
            figure: Figure::Line {
                title: "全国网购投诉量季度走势".into(),
                y_desc: "网购投诉量（件）".into(),
                x: rows.iter().map(|&r| text(t, r, "quarter")).collect(),
                values: points.iter().map(|s| s.value).collect(),
                labels: points.into_iter().map(|s| s.text).collect(),
            },
        });
    }
    out
}
