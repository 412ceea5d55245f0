//! Publication figures: plain charts drawn from figures a caller already
//! holds (the release draws its bulletin charts from its own tables, after
//! disclosure control, so a chart never shows a withheld value). They share
//! the dashboard's furniture (`layout`): title band, every category named
//! at its own row or column, room at the end of bars for their labels,
//! thousands separators.
//!
//! Nothing in an SVG or PNG written here carries a date or a machine path:
//! the same figure gives the same bytes.

use std::path::Path;

use plotters::coord::Shift;
use plotters::prelude::*;

use crate::charts::bars::{plot_width, row_y, ticks, RowChart};
use crate::charts::BLUE;
use crate::format::count_tick;
use crate::lang::Lang;
use crate::layout::{
    bottom_label_height, bottom_labels, e, room_for_labels, style, text_width, titled, widest,
    DESC, LABEL,
};
use crate::ReportError;
use plotters::style::text_anchor::{HPos, VPos};

/// One row of a bar figure: its name, its value (none: no bar, the label
/// says why, e.g. `[c]`), the text after the bar, and an interval drawn as
/// a whisker across the bar's end.
#[derive(Debug, Clone, PartialEq)]
pub struct Bar {
    pub name: String,
    pub value: Option<f64>,
    pub label: String,
    pub interval: Option<(f64, f64)>,
}

/// A publication figure.
#[derive(Debug, Clone, PartialEq)]
pub enum Figure {
    /// Horizontal bars, one row per category, top to bottom.
    Bars {
        title: String,
        x_desc: String,
        rows: Vec<Bar>,
    },
    /// One series over ordered categories (quarters), each point labelled.
    Line {
        title: String,
        y_desc: String,
        x: Vec<String>,
        values: Vec<Option<f64>>,
        labels: Vec<String>,
    },
}

const WIDTH: u32 = 820;

impl Figure {
    /// The figure's size in pixels.
    pub fn size(&self) -> (u32, u32) {
        match self {
            Figure::Bars { rows, .. } => (WIDTH, 110 + 22 * rows.len().max(1) as u32),
            Figure::Line { .. } => (WIDTH, 400),
        }
    }

    fn draw<DB: DrawingBackend>(&self, area: &DrawingArea<DB, Shift>) -> Result<(), String> {
        let f = Lang::Chinese.font();
        match self {
            Figure::Bars {
                title,
                x_desc,
                rows,
            } => draw_bars(area, title, x_desc, rows, f),
            Figure::Line {
                title,
                y_desc,
                x,
                values,
                labels,
            } => draw_line(area, title, y_desc, x, values, labels, f),
        }
    }

    /// The figure as an SVG document.
    pub fn svg(&self) -> Result<String, ReportError> {
        // plotters measures text with a registered font, for SVG too.
        if crate::fonts::prepare_bitmap_fonts().0.is_none() {
            return Err(ReportError::NoFont);
        }
        let mut out = String::new();
        {
            let area = SVGBackend::with_string(&mut out, self.size()).into_drawing_area();
            self.draw(&area).map_err(|m| chart_err(self, m))?;
        }
        Ok(out)
    }

    /// Writes the figure as a PNG file. Needs a CJK font on the machine
    /// (`png_font`): without one Chinese text would be drawn as boxes.
    pub fn png(&self, path: &Path) -> Result<(), ReportError> {
        if png_font().is_none() {
            return Err(ReportError::NoFont);
        }
        let area = BitMapBackend::new(path, self.size()).into_drawing_area();
        self.draw(&area).map_err(|m| chart_err(self, m))
    }

    fn title(&self) -> &str {
        match self {
            Figure::Bars { title, .. } | Figure::Line { title, .. } => title,
        }
    }
}

fn chart_err(f: &Figure, message: String) -> ReportError {
    ReportError::Chart {
        chart: f.title().to_string(),
        message,
    }
}

/// The CJK font PNG figures are drawn with, when the machine has one.
pub fn png_font() -> Option<String> {
    match crate::fonts::prepare_bitmap_fonts() {
        (Some(Lang::Chinese), note) => Some(note.unwrap_or_default()),
        _ => None,
    }
}

fn draw_bars<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    title: &str,
    x_desc: &str,
    rows: &[Bar],
    f: &str,
) -> Result<(), String> {
    let inner = titled(area, title, f)?;
    let names: Vec<String> = rows.iter().map(|r| r.name.clone()).collect();
    let max = rows
        .iter()
        .flat_map(|r| [r.value, r.interval.map(|i| i.1)])
        .flatten()
        .fold(0.0_f64, f64::max);
    let max = if max > 0.0 { max } else { 1.0 };
    let mut chart = RowChart {
        names: &names,
        x: (0.0, max),
        x_desc: x_desc.to_string(),
        x_fmt: &count_tick,
        x_ticks: 2,
        right: 16,
    };
    let plot = plot_width(&inner, chart.left(), chart.right);
    let label = widest(rows.iter().map(|r| &r.label), LABEL) + 4;
    chart.x.1 = room_for_labels(0.0, max, plot, label + 8);
    let tick = if max < 10.0 {
        text_width("0.0", LABEL)
    } else {
        text_width(&count_tick(&max), LABEL)
    };
    chart.x_ticks = ticks(plot, tick);
    let small = |x: &f64| {
        if max < 10.0 {
            format!("{x:.1}")
        } else {
            count_tick(x)
        }
    };
    chart.x_fmt = &small;
    let mut c = chart.draw(&inner, area, f)?;
    let n = rows.len().max(1) as f64;
    // Whiskers first, so that the value label (drawn after the bar's or the
    // whisker's end) is never crossed by one.
    for (i, r) in rows.iter().enumerate() {
        if let Some((lo, hi)) = r.interval {
            let y = row_y(&c, 0.0, n, i);
            let (x0, x1) = (c.backend_coord(&(lo, 0.0)).0, c.backend_coord(&(hi, 0.0)).0);
            for el in [
                vec![(x0, y), (x1, y)],
                vec![(x0, y - 5), (x0, y + 5)],
                vec![(x1, y - 5), (x1, y + 5)],
            ] {
                area.draw(&PathElement::new(el, BLACK.stroke_width(1)))
                    .map_err(e)?;
            }
        }
    }
    c.draw_series(rows.iter().enumerate().filter_map(|(i, r)| {
        let y = n - 1.0 - i as f64;
        Some(Rectangle::new(
            [(0.0, y + 0.2), (r.value?, y + 0.8)],
            BLUE.filled(),
        ))
    }))
    .map_err(e)?;
    // Each label after the bar's end, or after the whisker's when longer.
    for (i, r) in rows.iter().enumerate() {
        let end = match (r.value, r.interval) {
            (Some(v), Some((_, hi))) => v.max(hi),
            (v, _) => v.unwrap_or(0.0),
        };
        let x = c.backend_coord(&(end, 0.0)).0;
        area.draw(&Text::new(
            r.label.clone(),
            (x + 6, row_y(&c, 0.0, n, i)),
            style(f, LABEL, HPos::Left, VPos::Center),
        ))
        .map_err(e)?;
    }
    area.present().map_err(e)
}

fn draw_line<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    title: &str,
    y_desc: &str,
    x: &[String],
    values: &[Option<f64>],
    labels: &[String],
    f: &str,
) -> Result<(), String> {
    let inner = titled(area, title, f)?;
    let n = x.len().max(1);
    let max = values.iter().flatten().copied().fold(0.0_f64, f64::max);
    let hi = if max > 0.0 { max * 1.18 } else { 1.0 };
    let y_label = text_width(&count_tick(&hi), LABEL) + 14;
    let (w, _) = inner.dim_in_pixel();
    let spacing = (w as i32 - y_label - 40) / n as i32;
    let below = bottom_label_height(x, spacing, LABEL);
    let mut c = ChartBuilder::on(&inner)
        .margin_left(10)
        .margin_right(30)
        .margin_top(10)
        .margin_bottom(6)
        .x_label_area_size(below + 22)
        .y_label_area_size(y_label + 24)
        .build_cartesian_2d(-0.5..n as f64 - 0.5, 0.0..hi)
        .map_err(e)?;
    c.configure_mesh()
        .x_labels(0)
        .disable_x_mesh()
        .y_desc(y_desc)
        .y_label_formatter(&count_tick)
        .label_style((f, LABEL))
        .axis_desc_style((f, DESC))
        .draw()
        .map_err(e)?;
    let base = c.backend_coord(&(0.0, 0.0)).1 + 6;
    let cols: Vec<(i32, String)> = x
        .iter()
        .enumerate()
        .map(|(i, s)| (c.backend_coord(&(i as f64, 0.0)).0, s.clone()))
        .collect();
    bottom_labels(area, base, &cols, f, LABEL)?;
    let pts: Vec<(f64, f64)> = values
        .iter()
        .enumerate()
        .filter_map(|(i, v)| v.map(|v| (i as f64, v)))
        .collect();
    c.draw_series(LineSeries::new(pts.clone(), BLUE.stroke_width(2)))
        .map_err(e)?;
    c.draw_series(pts.iter().map(|p| Circle::new(*p, 3, BLUE.filled())))
        .map_err(e)?;
    // Each value above its point when the labels fit side by side.
    let fits = labels
        .iter()
        .all(|l| text_width(l, LABEL) + 4 < spacing.max(1));
    if fits {
        for (i, v) in values.iter().enumerate() {
            if let (Some(v), Some(text)) = (v, labels.get(i)) {
                let (px, py) = c.backend_coord(&(i as f64, *v));
                area.draw(&Text::new(
                    text.clone(),
                    (px, py - 8),
                    style(f, LABEL, HPos::Center, VPos::Bottom),
                ))
                .map_err(e)?;
            }
        }
    }
    area.present().map_err(e)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_withheld_row_has_its_name_and_its_shorthand_but_no_bar() {
        let f = Figure::Bars {
            title: "测试".into(),
            x_desc: "件".into(),
            rows: vec![
                Bar {
                    name: "北京".into(),
                    value: Some(1234.0),
                    label: "1,234".into(),
                    interval: None,
                },
                Bar {
                    name: "西藏".into(),
                    value: None,
                    label: "[c]".into(),
                    interval: None,
                },
            ],
        };
        let svg = f.svg().unwrap();
        let text = |t: &str| svg.contains(&format!(">\n{t}\n</text>"));
        assert!(text("北京") && text("西藏") && text("1,234") && text("[c]"));
        // One bar (plotters writes bars as rect elements; the background is one too).
        assert_eq!(svg.matches("<rect").count(), 2, "{svg}");
        // Same figure, same bytes.
        assert_eq!(svg, f.svg().unwrap());
    }
}
