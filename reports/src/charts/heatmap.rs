//! Province × quarter heat map of the risk index: every province and every
//! quarter named, the colour scale in a legend above the plot.

use plotters::coord::Shift;
use plotters::prelude::*;

use super::View;
use super::{risk_color, ChartResult, NO_DATA};
use crate::layout::{
    bottom_label_height, bottom_labels, e, left_labels, legend_band, titled, widest, Swatch, DESC,
    LABEL,
};

pub fn heat_map<DB: DrawingBackend>(area: &DrawingArea<DB, Shift>, v: &View) -> ChartResult {
    let View { d, q, l, title } = *v;
    let f = l.font();
    let inner = titled(area, title, f)?;
    const STEPS: [f64; 5] = [40.0, 45.0, 50.0, 55.0, 60.0];
    let mut items: Vec<(String, Swatch)> = STEPS
        .iter()
        .enumerate()
        .map(|(i, v)| {
            let text = match i {
                0 => format!("≤{v:.0}"),
                4 => format!("≥{v:.0}"),
                _ => format!("{v:.0}"),
            };
            (text, Swatch::Block(risk_color(*v)))
        })
        .collect();
    if d.risk.iter().any(|r| r.risk_index.is_none()) {
        items.push((l.t("无数据", "no data"), Swatch::Block(NO_DATA)));
    }
    let inner = legend_band(&inner, &items, f)?;
    let order: Vec<_> = d
        .risk_of(q)
        .into_iter()
        .map(|r| (r.region_code.clone(), r.region_name.clone()))
        .collect();
    let nq = d.quarters.len().max(1);
    let np = order.len().max(1);
    let names: Vec<String> = order.iter().map(|(c, n)| l.province(c, n)).collect();
    let left = widest(&names, LABEL) + 14;
    let (w, _) = inner.dim_in_pixel();
    let spacing = (w as i32 - left - 50) / nq as i32;
    let below = bottom_label_height(&d.quarters, spacing, LABEL);
    let mut c = ChartBuilder::on(&inner)
        .margin_left(10)
        .margin_right(20)
        .margin_top(6)
        .margin_bottom(6)
        .x_label_area_size(below + 22)
        .y_label_area_size(left + 24)
        .build_cartesian_2d(0f64..nq as f64, 0f64..np as f64)
        .map_err(e)?;
    c.configure_mesh()
        .disable_mesh()
        .x_labels(0)
        .y_labels(0)
        .x_desc(l.t("季度", "quarter"))
        .y_desc(l.t(
            &format!("省份（按 {q} 风险排序）"),
            &format!("province (ordered by {q} risk)"),
        ))
        .label_style((f, LABEL))
        .axis_desc_style((f, DESC))
        .draw()
        .map_err(e)?;
    let rows: Vec<(i32, String)> = names
        .iter()
        .enumerate()
        .map(|(i, s)| (c.backend_coord(&(0.0, (np - i) as f64 - 0.5)).1, s.clone()))
        .collect();
    let axis = c.backend_coord(&(0.0, 0.0));
    left_labels(area, axis.0 - 6, &rows, f, LABEL)?;
    let cols: Vec<(i32, String)> = d
        .quarters
        .iter()
        .enumerate()
        .map(|(i, s)| (c.backend_coord(&(i as f64 + 0.5, 0.0)).0, s.clone()))
        .collect();
    bottom_labels(area, axis.1 + 6, &cols, f, LABEL)?;
    for (pi, (code, _)) in order.iter().enumerate() {
        let y = (np - 1 - pi) as f64;
        c.draw_series(
            d.risk
                .iter()
                .filter(|r| &r.region_code == code)
                .filter_map(|r| {
                    let x = d.quarters.iter().position(|x| *x == r.quarter)? as f64;
                    Some(Rectangle::new(
                        [(x, y), (x + 1.0, y + 1.0)],
                        r.risk_index.map_or(NO_DATA, risk_color).filled(),
                    ))
                }),
        )
        .map_err(e)?;
    }
    area.present().map_err(e)
}
