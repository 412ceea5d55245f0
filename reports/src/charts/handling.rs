//! How each province handles online complaints: the share closed within 60
//! days, mediation success and the share of amounts recovered, one row per
//! province (slowest first), with the national 60-day rate as a line.

use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, VPos};

use super::bars::{plot_width, row_y, ticks, RowChart};
use super::View;
use super::{ChartResult, BLUE, GREEN, GREY, ORANGE};
use crate::data::{Data, Regional};
use crate::format::pct;
use crate::layout::{e, legend_band, style, titled, widest, Swatch, LABEL};

/// The provinces of `q` ordered by 60-day closure, lowest first (no rate last).
pub fn rows<'a>(d: &'a Data, q: &str) -> Vec<&'a Regional> {
    let mut rows: Vec<&Regional> = d
        .regional
        .iter()
        .filter(|r| r.quarter == q && r.region_code != "000000")
        .collect();
    rows.sort_by(|a, b| {
        let key = |r: &Regional| r.closed_60d_rate.unwrap_or(f64::INFINITY);
        key(a)
            .partial_cmp(&key(b))
            .unwrap_or(std::cmp::Ordering::Equal)
            .then(a.region_code.cmp(&b.region_code))
    });
    rows
}

pub fn handling<DB: DrawingBackend>(area: &DrawingArea<DB, Shift>, v: &View) -> ChartResult {
    let View { d, q, l, title } = *v;
    let f = l.font();
    let inner = titled(area, title, f)?;
    let items = [
        (
            l.t("60 日办结率", "closed within 60 days"),
            Swatch::Dot(BLUE),
        ),
        (
            l.t("调解成功率", "mediation success"),
            Swatch::Triangle(ORANGE),
        ),
        (l.t("挽回比例", "share recovered"), Swatch::Square(GREEN)),
        (
            l.t("全国 60 日办结率", "national 60-day rate"),
            Swatch::Line(GREY, 2),
        ),
    ];
    let inner = legend_band(&inner, &items, f)?;
    let rows = rows(d, q);
    let names: Vec<String> = rows
        .iter()
        .map(|r| l.province(&r.region_code, &r.region_name))
        .collect();
    let values: Vec<f64> = rows
        .iter()
        .flat_map(|r| {
            [
                r.closed_60d_rate,
                r.mediation_success_rate,
                r.recovery_ratio,
            ]
        })
        .flatten()
        .collect();
    let lo = (values.iter().copied().fold(0.5_f64, f64::min) * 10.0).floor() / 10.0;
    let closure: Vec<String> = rows
        .iter()
        .map(|r| r.closed_60d_rate.map_or_else(|| "—".into(), pct))
        .collect();
    let right = widest(&closure, LABEL) + 24;
    let fmt = |x: &f64| format!("{:.0}%", x * 100.0);
    let mut chart = RowChart {
        names: &names,
        x: (lo, 1.0),
        x_desc: l.t(
            "比例（右列为 60 日办结率）",
            "share (right: closed within 60 days)",
        ),
        x_fmt: &fmt,
        x_ticks: 6,
        right,
    };
    chart.x_ticks = ticks(plot_width(&inner, chart.left(), right), 30);
    let mut c = chart.draw(&inner, area, f)?;
    let n = rows.len().max(1) as f64;
    if let Some(nat) = d.national(q).and_then(|r| r.closed_60d_rate) {
        c.draw_series(LineSeries::new(
            vec![(nat, 0.0), (nat, n)],
            GREY.stroke_width(2),
        ))
        .map_err(e)?;
    }
    let at = |i: usize| n - i as f64 - 0.5;
    for (i, r) in rows.iter().enumerate() {
        if let Some(x) = r.recovery_ratio {
            let (px, py) = c.backend_coord(&(x, at(i)));
            area.draw(&Rectangle::new(
                [(px - 4, py - 4), (px + 4, py + 4)],
                GREEN.filled(),
            ))
            .map_err(e)?;
        }
        if let Some(x) = r.mediation_success_rate {
            c.draw_series([TriangleMarker::new((x, at(i)), 6, ORANGE.filled())])
                .map_err(e)?;
        }
        if let Some(x) = r.closed_60d_rate {
            c.draw_series([Circle::new((x, at(i)), 4, BLUE.filled())])
                .map_err(e)?;
        }
    }
    let edge = c.backend_coord(&(1.0, 0.0)).0 + 10;
    for (i, text) in closure.iter().enumerate() {
        area.draw(&Text::new(
            text.clone(),
            (edge, row_y(&c, lo, n, i)),
            style(f, LABEL, HPos::Left, VPos::Center),
        ))
        .map_err(e)?;
    }
    area.present().map_err(e)
}
