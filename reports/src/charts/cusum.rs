//! Small multiples of the monthly complaint CUSUM (complaint_cusum,
//! statistics.md) for the provinces that alarmed in the last four quarters
//! up to the dashboard's quarter: one panel each, on one shared scale, the
//! alarm threshold as a red dashed line, alarm months as red dots.

use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, VPos};

use super::{ChartResult, View, BLUE, RED};
use crate::data::{CusumPoint, Data};
use crate::layout::{e, legend_band, style, titled, Swatch, DESC, LABEL};
use wangjian_contract::vocab;

/// At most this many panels (the provinces with the highest CUSUM first).
pub const PANELS: usize = 12;
const COLS: usize = 4;
/// Months each panel shows (the latest ones up to the quarter's end).
const MONTHS: usize = 24;

/// The quarter `YYYYQn` of a month `YYYY-MM`.
pub fn quarter_of(month: &str) -> Option<String> {
    let (y, m) = month.split_once('-')?;
    let m: u32 = m.parse().ok()?;
    (1..=12)
        .contains(&m)
        .then(|| format!("{y}Q{}", m.div_ceil(3)))
}

/// The provinces with an alarm month in the four quarters up to `q`, the
/// highest CUSUM among those months first: (code, name, highest).
pub fn alarmed(d: &Data, q: &str) -> Vec<(String, String, f64)> {
    let from = d.shift(q, 3).or_else(|| d.quarters.first().cloned());
    let Some(from) = from else {
        return Vec::new();
    };
    let mut out: Vec<(String, String, f64)> = Vec::new();
    for p in d.cusum.iter().filter(|p| p.alarm) {
        let Some(pq) = quarter_of(&p.month) else {
            continue;
        };
        if pq.as_str() < from.as_str() || pq.as_str() > q {
            continue;
        }
        match out.iter_mut().find(|o| o.0 == p.region_code) {
            Some(o) => o.2 = o.2.max(p.cusum),
            None => out.push((p.region_code.clone(), p.region_name.clone(), p.cusum)),
        }
    }
    out.sort_by(|a, b| b.2.total_cmp(&a.2).then(a.0.cmp(&b.0)));
    out
}

/// The months drawn: the last MONTHS eligible months up to `q`'s end.
fn months(d: &Data, q: &str) -> Vec<String> {
    let mut m: Vec<String> = d
        .cusum
        .iter()
        .filter(|p| quarter_of(&p.month).is_some_and(|pq| pq.as_str() <= q))
        .map(|p| p.month.clone())
        .collect();
    m.sort();
    m.dedup();
    let skip = m.len().saturating_sub(MONTHS);
    m.split_off(skip)
}

pub fn cusum<DB: DrawingBackend>(area: &DrawingArea<DB, Shift>, v: &View) -> ChartResult {
    let View { d, q, l, title } = *v;
    let f = l.font();
    let inner = titled(area, title, f)?;
    let h = vocab::alert_type(vocab::COMPLAINT_CUSUM)
        .and_then(|a| a.threshold)
        .unwrap_or(5.0);
    let items = vec![
        (l.t("月度累积和", "monthly CUSUM"), Swatch::Line(BLUE, 2)),
        (
            l.t(&format!("预警线 {h}"), &format!("alarm at {h}")),
            Swatch::Line(RED, 1),
        ),
        (l.t("预警月份", "alarm month"), Swatch::Dot(RED)),
    ];
    let inner = legend_band(&inner, &items, f)?;
    let mut shown = alarmed(d, q);
    shown.truncate(PANELS);
    let months = months(d, q);
    if shown.is_empty() || months.is_empty() {
        let (w, ht) = inner.dim_in_pixel();
        inner
            .draw(&Text::new(
                l.t(
                    "近四个季度没有省份触发预警",
                    "no province alarmed in the last four quarters",
                ),
                (w as i32 / 2, ht as i32 / 2),
                style(f, DESC, HPos::Center, VPos::Center),
            ))
            .map_err(e)?;
        return area.present().map_err(e);
    }
    let series = |code: &str| -> Vec<&CusumPoint> {
        d.cusum
            .iter()
            .filter(|p| p.region_code == code && months.contains(&p.month))
            .collect()
    };
    let top = shown
        .iter()
        .flat_map(|s| series(&s.0))
        .map(|p| p.cusum)
        .fold(h, f64::max)
        * 1.15;
    // Four panels a row; fewer provinces share the width between them.
    let cols = shown.len().min(COLS);
    let panels = inner.split_evenly((shown.len().div_ceil(cols), cols));
    let last = months.len() as f64 - 1.0;
    for (panel, (code, name, _)) in panels.iter().zip(&shown) {
        let at = |m: &str| months.iter().position(|x| x == m).unwrap_or(0) as f64;
        let mut c = ChartBuilder::on(panel)
            .caption(l.province(code, name), (f, LABEL + 1))
            .margin(6)
            .x_label_area_size(22)
            .y_label_area_size(30)
            .build_cartesian_2d(0.0..last.max(1.0), 0.0..top)
            .map_err(e)?;
        c.configure_mesh()
            .disable_mesh()
            .x_labels(0)
            .y_labels(3)
            .y_label_formatter(&|y| format!("{y:.0}"))
            .label_style((f, LABEL - 2))
            .draw()
            .map_err(e)?;
        c.draw_series(DashedLineSeries::new(
            vec![(0.0, h), (last.max(1.0), h)],
            4,
            3,
            RED.stroke_width(1),
        ))
        .map_err(e)?;
        // The first and last month under the axis's two ends.
        for (x, text, pos) in [
            (0.0, &months[0], HPos::Left),
            (last.max(1.0), &months[months.len() - 1], HPos::Right),
        ] {
            let (px, py) = c.backend_coord(&(x, 0.0));
            area.draw(&Text::new(
                text.clone(),
                (px, py + 4),
                style(f, LABEL - 2, pos, VPos::Top),
            ))
            .map_err(e)?;
        }
        let pts = series(code);
        c.draw_series(LineSeries::new(
            pts.iter().map(|p| (at(&p.month), p.cusum)),
            BLUE.stroke_width(2),
        ))
        .map_err(e)?;
        c.draw_series(
            pts.iter()
                .filter(|p| p.alarm)
                .map(|p| Circle::new((at(&p.month), p.cusum), 3, RED.filled())),
        )
        .map_err(e)?;
    }
    area.present().map_err(e)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn months_fall_in_their_quarters() {
        assert_eq!(quarter_of("2025-01").as_deref(), Some("2025Q1"));
        assert_eq!(quarter_of("2025-06").as_deref(), Some("2025Q2"));
        assert_eq!(quarter_of("2025-07").as_deref(), Some("2025Q3"));
        assert_eq!(quarter_of("2025-12").as_deref(), Some("2025Q4"));
        assert_eq!(quarter_of("2025-13"), None);
        assert_eq!(quarter_of("2025"), None);
    }
}
