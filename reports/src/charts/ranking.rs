//! Provinces ranked by risk index, bars coloured by tier, every province
//! named; beside each bar, on the same row, the province's rank interval
//! (rank_p05 to rank_p95 over the scenarios of risk_rank_intervals) with its
//! published rank as a dot.

use plotters::coord::Shift;
use plotters::prelude::*;

use super::bars::{bars, plot_width, ticks, RowChart, Rows};
use super::{index_text, ChartResult, View, DARK_GREY};
use crate::data::Risk;
use crate::layout::{e, room_for_labels, titled, widest, LABEL};
use crate::vocab::tier_color;

/// Share of the width the index bars take; the rank intervals the rest.
const BARS: f64 = 0.68;

pub fn ranking<DB: DrawingBackend>(area: &DrawingArea<DB, Shift>, v: &View) -> ChartResult {
    let View { d, q, l, title } = *v;
    let f = l.font();
    let inner = titled(area, title, f)?;
    let rows = d.risk_of(q);
    let (w, _) = inner.dim_in_pixel();
    let (left, right) = inner.split_horizontally((f64::from(w) * BARS) as i32);
    let values = rows.iter().filter_map(|r| r.risk_index);
    let lo = values.clone().fold(40.0_f64, f64::min).floor() - 2.0;
    let max = values.fold(60.0_f64, f64::max);
    let names: Vec<String> = rows
        .iter()
        .map(|r| format!("{} {}", r.rank, l.province(&r.region_code, &r.region_name)))
        .collect();
    let labels: Vec<(Option<f64>, String, RGBColor)> = rows
        .iter()
        .map(|r| {
            (
                r.risk_index,
                format!("{} {}", index_text(r.risk_index), l.tier(&r.tier)),
                tier_color(&r.tier),
            )
        })
        .collect();
    let fmt = |x: &f64| format!("{x:.0}");
    let mut chart = RowChart {
        names: &names,
        x: (lo, max),
        x_desc: l.t(
            "风险指数（T 分，50 = 当季各省平均）",
            "risk index (T-score, 50 = average province)",
        ),
        x_fmt: &fmt,
        x_ticks: 10,
        right: 16,
    };
    let plot = plot_width(&left, chart.left(), chart.right);
    let label = widest(labels.iter().map(|r| &r.1), LABEL) + 4;
    chart.x.1 = room_for_labels(lo, max, plot, label);
    chart.x_ticks = ticks(plot, 20);
    let mut c = chart.draw(&left, area, f)?;
    bars(&mut c, area, lo, &labels, f)?;
    intervals(&right, area, &rows, v)?;
    area.present().map_err(e)
}

/// The rank interval panel: one row per province, in the bars' order; a
/// line from rank_p05 to rank_p95 and a dot at the published rank.
fn intervals<DB: DrawingBackend>(
    panel: &DrawingArea<DB, Shift>,
    root: &DrawingArea<DB, Shift>,
    rows: &[&Risk],
    v: &View,
) -> ChartResult {
    let (l, f) = (v.l, v.l.font());
    let n = rows.len().max(1);
    let blank = vec![String::new(); rows.len()];
    let fmt = |x: &f64| format!("{x:.0}");
    let chart = RowChart {
        names: &blank,
        x: (0.5, n as f64 + 0.5),
        x_desc: l.t("排名区间（5%–95% 方案）", "rank interval (5–95 %)"),
        x_fmt: &fmt,
        x_ticks: 6,
        right: 16,
    };
    let mut c: Rows<DB> = chart.draw(panel, root, f)?;
    let y = |i: usize| (n - 1 - i) as f64 + 0.5;
    c.draw_series(rows.iter().enumerate().filter_map(|(i, r)| {
        let (a, b) = (r.rank_p05?, r.rank_p95?);
        Some(PathElement::new(
            vec![(a as f64, y(i)), (b as f64, y(i))],
            DARK_GREY.stroke_width(3),
        ))
    }))
    .map_err(e)?;
    c.draw_series(
        rows.iter()
            .enumerate()
            .map(|(i, r)| Circle::new((r.rank as f64, y(i)), 4, tier_color(&r.tier).filled())),
    )
    .map_err(e)?;
    c.draw_series(
        rows.iter()
            .enumerate()
            .map(|(i, r)| Circle::new((r.rank as f64, y(i)), 4, DARK_GREY.stroke_width(1))),
    )
    .map_err(e)?;
    Ok(())
}
