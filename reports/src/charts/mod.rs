//! The dashboard's charts, drawn with plotters on any backend (SVG for the
//! page, bitmap for the PNG files). Colours: a four-step yellow-orange-red
//! scale whose lightness falls with risk, so it reads in grey and for
//! colour-blind readers; tiers are also written as text. Every category is
//! labelled, legends sit in a band outside the plot (see `layout`).

pub(crate) mod bars;
pub(crate) mod cusum;
mod funnel;
mod handling;
mod heatmap;
mod map;
mod ranking;
pub(crate) mod smoothing;
mod trend;

pub use bars::{data_quality, platforms};
pub use cusum::cusum;
pub use funnel::funnel;
pub use handling::handling;
pub use heatmap::heat_map;
pub use map::tile_map;
pub use ranking::ranking;
pub use smoothing::smoothing;
pub use trend::trend;

use plotters::style::RGBColor;

use crate::data::Data;
use crate::lang::Lang;

/// What a chart draws: the data, the quarter, the language and its title.
#[derive(Debug, Clone, Copy)]
pub struct View<'a> {
    pub d: &'a Data,
    pub q: &'a str,
    pub l: Lang,
    pub title: &'a str,
}

pub use crate::layout::ChartResult;

/// The fill of a cell without a value.
pub const NO_DATA: RGBColor = RGBColor(0xdd, 0xdd, 0xdd);
pub const BLUE: RGBColor = RGBColor(0x31, 0x68, 0x9e);
pub const ORANGE: RGBColor = RGBColor(0xd9, 0x5f, 0x02);
pub const GREEN: RGBColor = RGBColor(0x1b, 0x9e, 0x77);
pub const RED: RGBColor = RGBColor(0xe3, 0x1a, 0x1c);
pub const GREY: RGBColor = RGBColor(0x88, 0x88, 0x88);
pub const DARK_GREY: RGBColor = RGBColor(0x44, 0x44, 0x44);

/// A risk index as printed: one decimal, or "—" when it is NULL.
pub fn index_text(x: Option<f64>) -> String {
    x.map_or_else(|| "—".to_string(), |v| format!("{v:.1}"))
}

/// Continuous colour for a risk index (35 .. 65) on the same scale.
pub fn risk_color(x: f64) -> RGBColor {
    const STOPS: [(f64, (u8, u8, u8)); 5] = [
        (35.0, (0xff, 0xff, 0xb2)),
        (45.0, (0xfe, 0xcc, 0x5c)),
        (55.0, (0xfd, 0x8d, 0x3c)),
        (60.0, (0xf0, 0x3b, 0x20)),
        (65.0, (0xbd, 0x00, 0x26)),
    ];
    let x = x.clamp(35.0, 65.0);
    for w in STOPS.windows(2) {
        let ((a, ca), (b, cb)) = (w[0], w[1]);
        if x <= b {
            let t = (x - a) / (b - a);
            let m = |p: u8, q: u8| (f64::from(p) + (f64::from(q) - f64::from(p)) * t).round() as u8;
            return RGBColor(m(ca.0, cb.0), m(ca.1, cb.1), m(ca.2, cb.2));
        }
    }
    RGBColor(0xbd, 0x00, 0x26)
}
