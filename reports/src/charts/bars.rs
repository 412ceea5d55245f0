//! Horizontal bar charts: platforms (complaints beside complaints per
//! merchant) and the latest load's rows by source.

use plotters::coord::types::RangedCoordf64;
use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, VPos};

use super::View;
use super::{ChartResult, BLUE, ORANGE};
use crate::format::{count, count_tick};
use crate::lang::Lang;
use crate::layout::{
    e, left_labels, room_for_labels, style, text_width, titled, widest, DESC, LABEL,
};

pub type Rows<'a, DB> = ChartContext<'a, DB, Cartesian2d<RangedCoordf64, RangedCoordf64>>;

/// How many value ticks fit in `plot` pixels when each is about `label` wide.
pub fn ticks(plot: i32, label: i32) -> usize {
    ((plot / (label + 24)).clamp(2, 10)) as usize
}

/// Width of the plot a row chart on `area` gets with `left` for its names.
pub fn plot_width<DB: DrawingBackend>(area: &DrawingArea<DB, Shift>, left: i32, right: i32) -> i32 {
    area.dim_in_pixel().0 as i32 - left - 10 - right
}

/// One row per name, top to bottom, with a value axis `x`; every name is
/// written beside its row (never left to plotters' tick picking).
pub struct RowChart<'n> {
    pub names: &'n [String],
    pub x: (f64, f64),
    pub x_desc: String,
    pub x_fmt: &'n dyn Fn(&f64) -> String,
    pub x_ticks: usize,
    pub right: i32,
}

impl RowChart<'_> {
    /// Room the names take at the left.
    pub fn left(&self) -> i32 {
        let w = widest(self.names, LABEL);
        if w == 0 {
            4
        } else {
            w + 14
        }
    }

    pub fn draw<'a, DB: DrawingBackend>(
        &self,
        area: &'a DrawingArea<DB, Shift>,
        root: &DrawingArea<DB, Shift>,
        f: &str,
    ) -> Result<Rows<'a, DB>, String> {
        let n = self.names.len().max(1) as f64;
        let mut c = ChartBuilder::on(area)
            .margin_left(10)
            .margin_right(self.right)
            .margin_top(6)
            .margin_bottom(6)
            .x_label_area_size(46)
            .y_label_area_size(self.left())
            .build_cartesian_2d(self.x.0..self.x.1, 0.0..n)
            .map_err(e)?;
        c.configure_mesh()
            .disable_y_mesh()
            .y_labels(0)
            .x_labels(self.x_ticks)
            .x_label_formatter(self.x_fmt)
            .x_desc(self.x_desc.as_str())
            .label_style((f, LABEL))
            .axis_desc_style((f, DESC))
            .draw()
            .map_err(e)?;
        let axis = c.backend_coord(&(self.x.0, 0.0)).0;
        let rows: Vec<(i32, String)> = self
            .names
            .iter()
            .enumerate()
            .filter(|(_, s)| !s.is_empty())
            .map(|(i, s)| (row_y(&c, self.x.0, n, i), s.clone()))
            .collect();
        left_labels(root, axis - 6, &rows, f, LABEL)?;
        Ok(c)
    }
}

/// The pixel height of the centre of row `i` (0 = top) of `n`.
pub fn row_y<DB: DrawingBackend>(c: &Rows<DB>, x: f64, n: f64, i: usize) -> i32 {
    c.backend_coord(&(x, n - i as f64 - 0.5)).1
}

/// Bars from `lo` to each value, with their labels after the bar's end.
pub fn bars<DB: DrawingBackend>(
    c: &mut Rows<DB>,
    root: &DrawingArea<DB, Shift>,
    lo: f64,
    rows: &[(Option<f64>, String, RGBColor)],
    f: &str,
) -> ChartResult {
    let n = rows.len().max(1) as f64;
    c.draw_series(rows.iter().enumerate().filter_map(|(i, (v, _, color))| {
        let y = n - 1.0 - i as f64;
        Some(Rectangle::new(
            [(lo, y + 0.15), ((*v)?, y + 0.85)],
            color.filled(),
        ))
    }))
    .map_err(e)?;
    for (i, (v, text, _)) in rows.iter().enumerate() {
        let (x, _) = c.backend_coord(&(v.unwrap_or(lo), 0.0));
        root.draw(&Text::new(
            text.clone(),
            (x + 4, row_y(c, lo, n, i)),
            style(f, LABEL, HPos::Left, VPos::Center),
        ))
        .map_err(e)?;
    }
    Ok(())
}

/// A bar chart of `rows` (name, value, label) on `area`.
#[allow(clippy::too_many_arguments)]
fn bar_panel<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    root: &DrawingArea<DB, Shift>,
    names: &[String],
    rows: &[(f64, String)],
    x_desc: String,
    color: RGBColor,
    f: &str,
) -> ChartResult {
    let max = rows.iter().map(|r| r.0).fold(10.0_f64, f64::max);
    let mut chart = RowChart {
        names,
        x: (0.0, max),
        x_desc,
        x_fmt: &count_tick,
        x_ticks: 2,
        right: 16,
    };
    let plot = plot_width(area, chart.left(), chart.right);
    let label = widest(rows.iter().map(|r| &r.1), LABEL) + 4;
    chart.x.1 = room_for_labels(0.0, max, plot, label);
    chart.x_ticks = ticks(plot, text_width(&count(max.round() as i64), LABEL));
    let mut c = chart.draw(area, root, f)?;
    let rows: Vec<(Option<f64>, String, RGBColor)> = rows
        .iter()
        .map(|(v, t)| (Some(*v), t.clone(), color))
        .collect();
    bars(&mut c, root, 0.0, &rows, f)
}

/// The platforms with the most online complaints in the quarter (top 15):
/// the count beside the count per 10 000 merchants, on the same rows.
pub fn platforms<DB: DrawingBackend>(area: &DrawingArea<DB, Shift>, v: &View) -> ChartResult {
    let View { d, q, l, title } = *v;
    let f = l.font();
    let inner = titled(area, title, f)?;
    let mut rows: Vec<_> = d.platforms.iter().filter(|p| p.quarter == q).collect();
    rows.sort_by(|a, b| {
        b.complaints
            .cmp(&a.complaints)
            .then(a.platform_id.cmp(&b.platform_id))
    });
    rows.truncate(15);
    let names: Vec<String> = rows
        .iter()
        .map(|p| match l {
            Lang::Chinese => p.platform_name.clone(),
            Lang::English => p.platform_id.clone(),
        })
        .collect();
    let counts: Vec<(f64, String)> = rows
        .iter()
        .map(|p| (p.complaints as f64, count(p.complaints)))
        .collect();
    let per: Vec<(f64, String)> = rows
        .iter()
        .map(|p| match p.complaints_per_10k_merchants {
            Some(x) => (x, count(x.round() as i64)),
            None => (0.0, "—".into()),
        })
        .collect();
    let (w, _) = inner.dim_in_pixel();
    let (left, right) = inner.split_horizontally((w as f64 * 0.58) as i32);
    bar_panel(
        &left,
        area,
        &names,
        &counts,
        l.t("网购投诉（件）", "online complaints"),
        BLUE,
        f,
    )?;
    bar_panel(
        &right,
        area,
        &vec![String::new(); names.len()],
        &per,
        l.t(
            "每万户平台内经营者的投诉（件）",
            "complaints per 10,000 merchants",
        ),
        ORANGE,
        f,
    )?;
    area.present().map_err(e)
}

/// Rows of the latest load by source: loaded, superseded, quarantined.
pub fn data_quality<DB: DrawingBackend>(area: &DrawingArea<DB, Shift>, v: &View) -> ChartResult {
    let View { d, l, title, .. } = *v;
    let f = l.font();
    let inner = titled(area, title, f)?;
    let names: Vec<String> = d.load.iter().map(|s| s.source.clone()).collect();
    let rows: Vec<(f64, String)> = d
        .load
        .iter()
        .map(|s| {
            (
                s.read as f64,
                format!(
                    "{} {} / {} {} / {} {}",
                    l.t("入库", "loaded"),
                    count(s.loaded),
                    l.t("被替代", "superseded"),
                    count(s.superseded),
                    l.t("隔离", "quarantined"),
                    count(s.quarantined)
                ),
            )
        })
        .collect();
    bar_panel(
        &inner,
        area,
        &names,
        &rows,
        l.t("读取行数（行）", "rows read"),
        RGBColor(0x66, 0x99, 0x66),
        f,
    )?;
    area.present().map_err(e)
}
