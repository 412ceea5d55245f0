//! Chart furniture every chart shares, so that no chart hides or clips what
//! it shows: a title band, a legend band between the title and the plot
//! (never over data), one label per category drawn at its own position
//! (plotters' tick labelling picks "nice" values and skips categories),
//! room at the end of bars for their labels, and point labels placed where
//! they overlap nothing.
//!
//! Sizes: plotters writes an SVG font size of `size / 1.24`; text widths
//! are estimated with CJK characters full-width and others 0.62 em.

use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

pub type ChartResult = Result<(), String>;

pub fn e<T: std::fmt::Display>(x: T) -> String {
    x.to_string()
}

/// The fill of legend boxes: the page's layout test finds legends by it.
pub const LEGEND_FILL: RGBColor = RGBColor(0xfb, 0xfb, 0xfb);
const LEGEND_BORDER: RGBColor = RGBColor(0x99, 0x99, 0x99);
pub const DARK: RGBColor = RGBColor(0x33, 0x33, 0x33);
/// Height of the legend band.
const LEGEND_H: i32 = 30;

/// Title text size and the size of labels and axis descriptions.
pub const TITLE: u32 = 20;
pub const LABEL: u32 = 13;
pub const DESC: u32 = 14;

/// The font size plotters writes into the SVG for `size`.
pub fn em(size: u32) -> f64 {
    f64::from(size) / 1.24
}

/// Whether `c` is set full-width (CJK ideographs, punctuation, fullwidth forms).
pub fn wide(c: char) -> bool {
    matches!(c as u32, 0x2E80..=0x9FFF | 0xAC00..=0xD7AF | 0xF900..=0xFAFF | 0xFE30..=0xFE4F | 0xFF00..=0xFF60 | 0xFFE0..=0xFFE6)
}

/// Estimated width in pixels of `s` at `size`.
pub fn text_width(s: &str, size: u32) -> i32 {
    let w: f64 = s.chars().map(|c| if wide(c) { 1.0 } else { 0.62 }).sum();
    (w * em(size)).ceil() as i32
}

/// The widest of `names` at `size`.
pub fn widest<'a>(names: impl IntoIterator<Item = &'a String>, size: u32) -> i32 {
    names
        .into_iter()
        .map(|n| text_width(n, size))
        .max()
        .unwrap_or(0)
}

pub fn style(f: &str, size: u32, h: HPos, v: VPos) -> TextStyle<'_> {
    TextStyle::from((f, size).into_font())
        .color(&DARK)
        .pos(Pos::new(h, v))
}

/// Draws the title and returns the area below it.
pub fn titled<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    title: &str,
    f: &str,
) -> Result<DrawingArea<DB, Shift>, String> {
    area.fill(&WHITE).map_err(e)?;
    area.titled(title, (f, TITLE)).map_err(e)
}

/// What a legend entry shows before its text.
#[derive(Debug, Clone, Copy)]
pub enum Swatch {
    Line(RGBColor, u32),
    Dot(RGBColor),
    Triangle(RGBColor),
    Square(RGBColor),
    Block(RGBColor),
}

impl Swatch {
    /// Draws the swatch centred at (x, y) in pixels of `area`.
    fn draw<DB: DrawingBackend>(
        self,
        area: &DrawingArea<DB, Shift>,
        x: i32,
        y: i32,
    ) -> ChartResult {
        match self {
            Swatch::Line(c, w) => area
                .draw(&PathElement::new(
                    vec![(x - 9, y), (x + 9, y)],
                    c.stroke_width(w),
                ))
                .map_err(e),
            Swatch::Dot(c) => area.draw(&Circle::new((x, y), 4, c.filled())).map_err(e),
            Swatch::Triangle(c) => area
                .draw(&TriangleMarker::new((x, y), 6, c.filled()))
                .map_err(e),
            Swatch::Square(c) => area
                .draw(&Rectangle::new(
                    [(x - 4, y - 4), (x + 4, y + 4)],
                    c.filled(),
                ))
                .map_err(e),
            Swatch::Block(c) => area
                .draw(&Rectangle::new(
                    [(x - 9, y - 6), (x + 9, y + 6)],
                    c.filled(),
                ))
                .map_err(e),
        }
    }
}

/// Draws a one-line legend in a band at the top of `area` (below the title,
/// outside the plot) and returns the area below it.
pub fn legend_band<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    items: &[(String, Swatch)],
    f: &str,
) -> Result<DrawingArea<DB, Shift>, String> {
    let (band, rest) = area.split_vertically(LEGEND_H);
    let gap = 18;
    let widths: Vec<i32> = items
        .iter()
        .map(|(t, _)| 18 + 6 + text_width(t, LABEL))
        .collect();
    let total: i32 = widths.iter().sum::<i32>() + gap * (items.len() as i32 - 1).max(0) + 16;
    let (w, _) = band.dim_in_pixel();
    let x0 = ((w as i32 - total) / 2).max(0);
    let (top, bottom) = (3, LEGEND_H - 3);
    band.draw(&Rectangle::new(
        [(x0, top), (x0 + total, bottom)],
        LEGEND_FILL.filled(),
    ))
    .map_err(e)?;
    band.draw(&Rectangle::new(
        [(x0, top), (x0 + total, bottom)],
        LEGEND_BORDER.stroke_width(1),
    ))
    .map_err(e)?;
    let mid = LEGEND_H / 2;
    let mut x = x0 + 8;
    for ((text, swatch), width) in items.iter().zip(&widths) {
        swatch.draw(&band, x + 9, mid)?;
        band.draw(&Text::new(
            text.clone(),
            (x + 24, mid),
            style(f, LABEL, HPos::Left, VPos::Center),
        ))
        .map_err(e)?;
        x += width + gap;
    }
    Ok(rest)
}

/// The pixel box of a text: (left, top, right, bottom).
pub type Box2 = (i32, i32, i32, i32);

pub fn boxes_overlap(a: Box2, b: Box2) -> bool {
    a.0 < b.2 && b.0 < a.2 && a.1 < b.3 && b.1 < a.3
}

/// The box of `text` at `size` anchored at (x, y).
pub fn text_box(text: &str, size: u32, x: i32, y: i32, h: HPos, v: VPos) -> Box2 {
    let w = text_width(text, size);
    let ht = em(size).ceil() as i32;
    let left = match h {
        HPos::Left => x,
        HPos::Center => x - w / 2,
        HPos::Right => x - w,
    };
    let top = match v {
        VPos::Top => y,
        VPos::Center => y - ht / 2,
        VPos::Bottom => y - ht,
    };
    (left, top, left + w, top + ht)
}

/// Labels for points at pixel positions, each placed right, left, above or
/// below its point where it overlaps no other label, no point and stays in
/// `bounds`; a label that fits nowhere is left out (the table below the
/// chart has every value). Returns the labels drawn.
pub fn place_point_labels<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    points: &[(i32, i32)],
    labels: &[(usize, String)],
    bounds: Box2,
    f: &str,
    size: u32,
) -> Result<Vec<usize>, String> {
    let r = 5;
    let dots: Vec<Box2> = points
        .iter()
        .map(|(x, y)| (x - r, y - r, x + r, y + r))
        .collect();
    let mut placed: Vec<Box2> = Vec::new();
    let mut drawn = Vec::new();
    for (i, text) in labels {
        let (x, y) = points[*i];
        let tries = [
            (x + 8, y, HPos::Left, VPos::Center),
            (x - 8, y, HPos::Right, VPos::Center),
            (x, y - 8, HPos::Center, VPos::Bottom),
            (x, y + 8, HPos::Center, VPos::Top),
        ];
        let fits = |b: Box2| {
            b.0 >= bounds.0
                && b.1 >= bounds.1
                && b.2 <= bounds.2
                && b.3 <= bounds.3
                && !placed.iter().any(|p| boxes_overlap(*p, b))
                && !dots.iter().any(|d| boxes_overlap(*d, b))
        };
        if let Some((x, y, h, v)) = tries
            .into_iter()
            .find(|(x, y, h, v)| fits(text_box(text, size, *x, *y, *h, *v)))
        {
            placed.push(text_box(text, size, x, y, h, v));
            root.draw(&Text::new(text.clone(), (x, y), style(f, size, h, v)))
                .map_err(e)?;
            drawn.push(*i);
        }
    }
    Ok(drawn)
}

/// Category labels along the left of a plot: `rows[i]` at pixel height
/// `ys[i]`, right-aligned at `x`.
pub fn left_labels<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    x: i32,
    rows: &[(i32, String)],
    f: &str,
    size: u32,
) -> ChartResult {
    for (y, text) in rows {
        root.draw(&Text::new(
            text.clone(),
            (x, *y),
            style(f, size, HPos::Right, VPos::Center),
        ))
        .map_err(e)?;
    }
    Ok(())
}

/// Category labels under a plot: centred under each `xs[i]`, or, where
/// neighbours would touch, turned to read upwards (never skipped).
pub fn bottom_labels<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    y: i32,
    cols: &[(i32, String)],
    f: &str,
    size: u32,
) -> ChartResult {
    let spacing = cols
        .windows(2)
        .map(|w| (w[1].0 - w[0].0).abs())
        .min()
        .unwrap_or(i32::MAX);
    let widest = cols
        .iter()
        .map(|c| text_width(&c.1, size))
        .max()
        .unwrap_or(0);
    let turn = widest + 6 > spacing;
    for (x, text) in cols {
        let s = if turn {
            style(f, size, HPos::Right, VPos::Center).transform(FontTransform::Rotate270)
        } else {
            style(f, size, HPos::Center, VPos::Top)
        };
        root.draw(&Text::new(text.clone(), (*x, y), s)).map_err(e)?;
    }
    Ok(())
}

/// Height the labels under a plot need (turned ones need their width).
pub fn bottom_label_height(cols: &[String], spacing: i32, size: u32) -> i32 {
    let widest = cols.iter().map(|c| text_width(c, size)).max().unwrap_or(0);
    if widest + 6 > spacing {
        widest + 10
    } else {
        em(size).ceil() as i32 + 10
    }
}

/// The upper end of a value axis starting at `lo` whose largest bar (`max`)
/// still leaves `label` pixels for its label inside a plot `plot` pixels wide.
pub fn room_for_labels(lo: f64, max: f64, plot: i32, label: i32) -> f64 {
    let usable = (plot - label - 12).max(plot / 3);
    let span = (max - lo).max(f64::EPSILON);
    lo + span * f64::from(plot) / f64::from(usable)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn widths_count_cjk_as_full_width() {
        // 13 / 1.24 = 10.48 px: 2 CJK = 20.97 → 21; "2025Q4" = 6 × 0.62 × 10.48 = 39.0.
        assert_eq!(text_width("广东", 13), 21);
        assert!((39..=40).contains(&text_width("2025Q4", 13)));
        assert!(wide('，') && wide('万') && !wide('%'));
    }

    #[test]
    fn room_for_labels_keeps_the_largest_bar_clear_of_its_label() {
        // 600 px plot, 88 px label: the max bar may use 500 px.
        let hi = room_for_labels(0.0, 100.0, 600, 88);
        assert!((hi - 120.0).abs() < 1e-9, "{hi}");
    }

    #[test]
    fn boxes_touching_at_an_edge_do_not_overlap() {
        assert!(!boxes_overlap((0, 0, 10, 10), (10, 0, 20, 10)));
        assert!(boxes_overlap((0, 0, 10, 10), (9, 9, 20, 20)));
    }
}
