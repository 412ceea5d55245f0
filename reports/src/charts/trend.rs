//! Risk index of the quarter's top provinces over all quarters; every
//! quarter named under the axis, the legend above the plot.

use plotters::coord::Shift;
use plotters::prelude::*;

use super::View;
use super::{ChartResult, BLUE, GREEN, ORANGE};
use crate::layout::{
    bottom_label_height, bottom_labels, e, legend_band, titled, Swatch, DESC, LABEL,
};

const PALETTE: [RGBColor; 5] = [
    GREEN,
    ORANGE,
    RGBColor(0x75, 0x70, 0xb3),
    RGBColor(0xe7, 0x29, 0x8a),
    BLUE,
];

pub fn trend<DB: DrawingBackend>(area: &DrawingArea<DB, Shift>, v: &View) -> ChartResult {
    let View { d, q, l, title } = *v;
    let f = l.font();
    let inner = titled(area, title, f)?;
    let leaders: Vec<_> = d.risk_of(q).into_iter().take(crate::TREND_TOP).collect();
    let items: Vec<(String, Swatch)> = leaders
        .iter()
        .enumerate()
        .map(|(k, r)| {
            (
                l.province(&r.region_code, &r.region_name),
                Swatch::Line(PALETTE[k % PALETTE.len()], 2),
            )
        })
        .collect();
    let inner = legend_band(&inner, &items, f)?;
    let nq = d.quarters.len().max(1);
    let vals: Vec<f64> = d.risk.iter().filter_map(|r| r.risk_index).collect();
    let lo = vals.iter().copied().fold(45.0_f64, f64::min).floor() - 1.0;
    let hi = vals.iter().copied().fold(55.0_f64, f64::max).ceil() + 1.0;
    let (w, _) = inner.dim_in_pixel();
    let spacing = (w as i32 - 90) / nq as i32;
    let below = bottom_label_height(&d.quarters, spacing, LABEL);
    let mut c = ChartBuilder::on(&inner)
        .margin_left(10)
        .margin_right(20)
        .margin_top(6)
        .margin_bottom(6)
        .x_label_area_size(below + 22)
        .y_label_area_size(60)
        .build_cartesian_2d(-0.5..nq as f64 - 0.5, lo..hi)
        .map_err(e)?;
    c.configure_mesh()
        .x_labels(0)
        .disable_x_mesh()
        .x_desc(l.t("季度", "quarter"))
        .y_desc(l.t("风险指数（T 分）", "risk index (T-score)"))
        .y_label_formatter(&|y| format!("{y:.0}"))
        .label_style((f, LABEL))
        .axis_desc_style((f, DESC))
        .draw()
        .map_err(e)?;
    let base = c.backend_coord(&(0.0, lo)).1 + 6;
    let cols: Vec<(i32, String)> = d
        .quarters
        .iter()
        .enumerate()
        .map(|(i, s)| (c.backend_coord(&(i as f64, lo)).0, s.clone()))
        .collect();
    bottom_labels(area, base, &cols, f, LABEL)?;
    for (k, leader) in leaders.iter().enumerate() {
        let color = PALETTE[k % PALETTE.len()];
        let pts: Vec<(f64, f64)> = d
            .risk
            .iter()
            .filter(|r| r.region_code == leader.region_code)
            .filter_map(|r| {
                d.quarters
                    .iter()
                    .position(|x| *x == r.quarter)
                    .zip(r.risk_index)
                    .map(|(i, x)| (i as f64, x))
            })
            .collect();
        c.draw_series(LineSeries::new(pts.clone(), color.stroke_width(2)))
            .map_err(e)?;
        c.draw_series(pts.iter().map(|p| Circle::new(*p, 3, color.filled())))
            .map_err(e)?;
    }
    area.present().map_err(e)
}
