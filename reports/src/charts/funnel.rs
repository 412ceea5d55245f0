//! Funnel plot of sampling failure rates against the number of batches.
//! The limits are the SQL's (sampling_funnel), the outliers the SQL's
//! (alerts). Only the notable points are named — outliers first, then the
//! provinces with the most batches and the highest and lowest rates — each
//! where it covers nothing; the table under the chart has every province.

use plotters::coord::Shift;
use plotters::prelude::*;

use super::View;
use super::{ChartResult, BLUE, GREY, RED};
use crate::data::{Data, FunnelPoint};
use crate::format::count_tick;
use crate::lang::Lang;
use crate::layout::{e, legend_band, place_point_labels, titled, Swatch, DARK, DESC, LABEL};
use wangjian_contract::vocab;

/// How many of the largest, highest and lowest are named besides outliers.
const NOTABLE: usize = 3;

/// A province's point: batches, failure rate, label, outlier.
pub struct Point {
    pub n: f64,
    pub rate: f64,
    pub name: String,
    pub outlier: bool,
}

/// The provinces' points of quarter `q`.
pub fn points(d: &Data, q: &str, l: Lang) -> Vec<Point> {
    let outliers: Vec<&str> = d
        .alerts
        .iter()
        .filter(|a| a.quarter == q && a.alert == vocab::SAMPLING_OUTLIER)
        .map(|a| a.region_code.as_str())
        .collect();
    d.regional
        .iter()
        .filter(|r| r.quarter == q && r.region_code != "000000" && r.samples > 0)
        .filter_map(|r| {
            r.sample_fail_rate.map(|x| Point {
                n: r.samples as f64,
                rate: x,
                name: l.province(&r.region_code, &r.region_name),
                outlier: outliers.contains(&r.region_code.as_str()),
            })
        })
        .collect()
}

/// The order in which points get a label: outliers, the largest, the
/// highest, the lowest (each index once).
pub fn notable(pts: &[Point]) -> Vec<usize> {
    let mut idx: Vec<usize> = (0..pts.len()).filter(|i| pts[*i].outlier).collect();
    let mut by = |key: &dyn Fn(&Point) -> f64, desc: bool| {
        let mut order: Vec<usize> = (0..pts.len()).collect();
        order.sort_by(|a, b| {
            let (x, y) = (key(&pts[*a]), key(&pts[*b]));
            let o = x.partial_cmp(&y).unwrap_or(std::cmp::Ordering::Equal);
            if desc {
                o.reverse()
            } else {
                o
            }
        });
        for i in order.into_iter().take(NOTABLE) {
            if !idx.contains(&i) {
                idx.push(i);
            }
        }
    };
    by(&|p| p.n, true);
    by(&|p| p.rate, true);
    by(&|p| p.rate, false);
    idx
}

pub fn funnel<DB: DrawingBackend>(area: &DrawingArea<DB, Shift>, v: &View) -> ChartResult {
    let View { d, q, l, title } = *v;
    let f = l.font();
    let inner = titled(area, title, f)?;
    let limits: Vec<&FunnelPoint> = d.funnel.iter().filter(|p| p.quarter == q).collect();
    let p0 = limits.first().map_or_else(
        || {
            d.national(q)
                .and_then(|r| r.sample_fail_rate)
                .unwrap_or(0.0)
        },
        |p| p.p0,
    );
    let mut names: Vec<(&str, bool)> = limits
        .iter()
        .map(|p| (p.limit_name.as_str(), p.alarm))
        .collect();
    names.dedup();
    let limit_style = |alarm: bool| if alarm { (RED, 2) } else { (GREY, 1) };
    let mut items = vec![(l.t("全国不合格率", "national rate"), Swatch::Line(DARK, 1))];
    for (name, alarm) in &names {
        let (color, width) = limit_style(*alarm);
        items.push((
            l.t(&format!("{name} 控制限"), &format!("{name} limit")),
            Swatch::Line(color, width),
        ));
    }
    items.push((l.t("省份", "province"), Swatch::Dot(BLUE)));
    items.push((l.t("异常省份", "outlier"), Swatch::Dot(RED)));
    let inner = legend_band(&inner, &items, f)?;

    let pts = points(d, q, l);
    let max_n = limits
        .iter()
        .map(|p| p.n)
        .chain(pts.iter().map(|p| p.n))
        .fold(10.0_f64, f64::max)
        * 1.04;
    let max_y = pts.iter().map(|p| p.rate).fold(p0 * 2.0, f64::max).min(1.0) * 1.1 + 0.02;
    let mut c = ChartBuilder::on(&inner)
        .margin_left(10)
        .margin_right(24)
        .margin_top(6)
        .margin_bottom(6)
        .x_label_area_size(46)
        .y_label_area_size(64)
        .build_cartesian_2d(0f64..max_n, 0f64..max_y)
        .map_err(e)?;
    c.configure_mesh()
        .x_desc(l.t("抽检批次数（批）", "batches sampled"))
        .y_desc(l.t("不合格率", "failure rate"))
        .x_label_formatter(&count_tick)
        .x_labels(8)
        .y_label_formatter(&|y| format!("{:.0}%", y * 100.0))
        .label_style((f, LABEL))
        .axis_desc_style((f, DESC))
        .draw()
        .map_err(e)?;
    c.draw_series(LineSeries::new(
        vec![(0.0, p0), (max_n, p0)],
        DARK.stroke_width(1),
    ))
    .map_err(e)?;
    for (name, alarm) in names {
        let (color, width) = limit_style(alarm);
        let line = |upper: bool| -> Vec<(f64, f64)> {
            // The upper limit starts where it enters the plot (not drawn
            // along its top edge); the lower one is 0 until it rises.
            limits
                .iter()
                .filter(|p| p.limit_name == name && p.n <= max_n)
                .filter(|p| !upper || p.upper <= max_y)
                .map(|p| (p.n, if upper { p.upper } else { p.lower.max(0.0) }))
                .collect()
        };
        c.draw_series(LineSeries::new(line(true), color.stroke_width(width)))
            .map_err(e)?;
        c.draw_series(LineSeries::new(line(false), color.stroke_width(width)))
            .map_err(e)?;
    }
    c.draw_series(pts.iter().map(|p| {
        let color = if p.outlier { RED } else { BLUE };
        Circle::new((p.n, p.rate), 4, color.filled())
    }))
    .map_err(e)?;
    let pixels: Vec<(i32, i32)> = pts
        .iter()
        .map(|p| c.backend_coord(&(p.n, p.rate)))
        .collect();
    let (x0, y0) = c.backend_coord(&(0.0, max_y));
    let (x1, y1) = c.backend_coord(&(max_n, 0.0));
    let labels: Vec<(usize, String)> = notable(&pts)
        .into_iter()
        .map(|i| (i, pts[i].name.clone()))
        .collect();
    place_point_labels(area, &pixels, &labels, (x0, y0, x1, y1), f, LABEL)?;
    area.present().map_err(e)
}
