//! Provinces ranked by risk index, bars coloured by tier, every province named.

use plotters::coord::Shift;
use plotters::prelude::*;

use super::bars::{bars, plot_width, ticks, RowChart};
use super::View;
use super::{index_text, ChartResult};
use crate::layout::{e, room_for_labels, titled, widest, LABEL};
use crate::vocab::tier_color;

pub fn ranking<DB: DrawingBackend>(area: &DrawingArea<DB, Shift>, v: &View) -> ChartResult {
    let View { d, q, l, title } = *v;
    let f = l.font();
    let inner = titled(area, title, f)?;
    let rows = d.risk_of(q);
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
    let plot = plot_width(&inner, chart.left(), chart.right);
    let label = widest(labels.iter().map(|r| &r.1), LABEL) + 4;
    chart.x.1 = room_for_labels(lo, max, plot, label);
    chart.x_ticks = ticks(plot, 20);
    let mut c = chart.draw(&inner, area, f)?;
    bars(&mut c, area, lo, &labels, f)?;
    area.present().map_err(e)
}
