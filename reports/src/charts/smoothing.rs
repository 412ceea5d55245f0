//! Raw beside smoothed fail rates for the provinces with the fewest sampled
//! batches (smoothed_rates, statistics.md): a grey dot at the province's
//! own rate, a blue dot at its empirical-Bayes rate, a line between them,
//! and the national rate as a vertical line. The fewer the batches, the
//! further the blue dot is pulled towards the national line.

use plotters::coord::Shift;
use plotters::prelude::*;

use super::bars::{plot_width, ticks, RowChart};
use super::{ChartResult, View, BLUE, GREY};
use crate::data::Smoothed;
use crate::format::count;
use crate::layout::{e, legend_band, titled, Swatch, DARK};

/// How many provinces the chart shows.
pub const FEWEST: usize = 10;

/// The provinces of quarter `q` with the fewest batches (at least one),
/// fewest first.
pub fn fewest<'a>(s: &'a [Smoothed], q: &str) -> Vec<&'a Smoothed> {
    let mut rows: Vec<&Smoothed> = s
        .iter()
        .filter(|r| r.quarter == q && r.trials > 0 && r.raw_rate.is_some())
        .collect();
    rows.sort_by(|a, b| {
        a.trials
            .cmp(&b.trials)
            .then(a.region_code.cmp(&b.region_code))
    });
    rows.truncate(FEWEST);
    rows
}

pub fn smoothing<DB: DrawingBackend>(area: &DrawingArea<DB, Shift>, v: &View) -> ChartResult {
    let View { d, q, l, title } = *v;
    let f = l.font();
    let inner = titled(area, title, f)?;
    let items = vec![
        (l.t("省份自身不合格率", "own rate"), Swatch::Dot(GREY)),
        (
            l.t("平滑后（经验贝叶斯）", "smoothed (empirical Bayes)"),
            Swatch::Dot(BLUE),
        ),
        (l.t("全国不合格率", "national rate"), Swatch::Line(DARK, 1)),
    ];
    let inner = legend_band(&inner, &items, f)?;
    let rows = fewest(&d.smoothed, q);
    let national = d.national(q).and_then(|r| r.sample_fail_rate);
    let names: Vec<String> = rows
        .iter()
        .map(|r| {
            format!(
                "{} {}{}",
                l.province(&r.region_code, &r.region_name),
                count(r.trials),
                l.t(" 批", " batches")
            )
        })
        .collect();
    let max = rows
        .iter()
        .flat_map(|r| [r.raw_rate, r.eb_rate])
        .chain([national])
        .flatten()
        .fold(0.05_f64, f64::max);
    let max = (max * 1.1).min(1.0);
    let fmt = |x: &f64| format!("{:.0}%", x * 100.0);
    let mut chart = RowChart {
        names: &names,
        x: (0.0, max),
        x_desc: l.t("抽检不合格率", "sample failure rate"),
        x_fmt: &fmt,
        x_ticks: 6,
        right: 24,
    };
    chart.x_ticks = ticks(plot_width(&inner, chart.left(), chart.right), 30);
    let mut c = chart.draw(&inner, area, f)?;
    let n = rows.len().max(1);
    let y = |i: usize| (n - 1 - i) as f64 + 0.5;
    if let Some(p) = national {
        c.draw_series(LineSeries::new(
            vec![(p, 0.0), (p, n as f64)],
            DARK.stroke_width(1),
        ))
        .map_err(e)?;
    }
    for (i, r) in rows.iter().enumerate() {
        let (Some(raw), Some(eb)) = (r.raw_rate, r.eb_rate) else {
            continue;
        };
        c.draw_series([PathElement::new(
            vec![(raw, y(i)), (eb, y(i))],
            GREY.stroke_width(2),
        )])
        .map_err(e)?;
        c.draw_series([
            Circle::new((raw, y(i)), 5, GREY.filled()),
            Circle::new((eb, y(i)), 5, BLUE.filled()),
        ])
        .map_err(e)?;
    }
    area.present().map_err(e)
}
