//! Tile-grid map of China: one square per province, coloured by tier, with
//! its name and index written inside.

use plotters::coord::Shift;
use plotters::prelude::*;

use super::View;
use super::{index_text, ChartResult};
use crate::layout::{e, titled, DARK};
use crate::vocab::tier_color;

/// Where each province's tile sits (column, row).
pub const TILES: [(&str, i32, i32); 31] = [
    ("65", 0, 1),
    ("54", 0, 2),
    ("63", 1, 2),
    ("62", 2, 2),
    ("64", 3, 2),
    ("15", 4, 1),
    ("14", 4, 2),
    ("13", 5, 2),
    ("11", 5, 1),
    ("12", 6, 2),
    ("21", 6, 1),
    ("22", 7, 1),
    ("23", 7, 0),
    ("51", 2, 3),
    ("61", 3, 3),
    ("41", 4, 3),
    ("37", 5, 3),
    ("50", 2, 4),
    ("42", 3, 4),
    ("34", 4, 4),
    ("32", 5, 4),
    ("31", 6, 4),
    ("53", 1, 5),
    ("52", 2, 5),
    ("43", 3, 5),
    ("36", 4, 5),
    ("33", 5, 5),
    ("45", 2, 6),
    ("44", 3, 6),
    ("35", 4, 6),
    ("46", 3, 7),
];

pub fn tile_map<DB: DrawingBackend>(area: &DrawingArea<DB, Shift>, v: &View) -> ChartResult {
    let View { d, q, l, title } = *v;
    let f = l.font();
    let inner = titled(area, title, f)?;
    let rows = d.risk_of(q);
    let mut c = ChartBuilder::on(&inner)
        .margin(10)
        .build_cartesian_2d(-0.2f64..8.2f64, 8.2f64..-0.2f64)
        .map_err(e)?;
    for (prefix, x, y) in TILES {
        let r = rows.iter().find(|r| r.region_code.starts_with(prefix));
        let (tier, idx) = r
            .map(|r| (r.tier.clone(), r.risk_index))
            .unwrap_or_default();
        let (x, y) = (f64::from(x), f64::from(y));
        c.draw_series([
            Rectangle::new(
                [(x + 0.04, y + 0.04), (x + 0.96, y + 0.96)],
                tier_color(&tier).filled(),
            ),
            Rectangle::new(
                [(x + 0.04, y + 0.04), (x + 0.96, y + 0.96)],
                DARK.stroke_width(1),
            ),
        ])
        .map_err(e)?;
        let code = format!("{prefix}0000");
        c.draw_series([
            Text::new(
                l.province(&code, &code),
                (x + 0.1, y + 0.35),
                (f, 13).into_font().color(&DARK),
            ),
            Text::new(
                format!("{} {}", index_text(idx), l.tier(&tier)),
                (x + 0.1, y + 0.75),
                (f, 11).into_font().color(&DARK),
            ),
        ])
        .map_err(e)?;
    }
    area.present().map_err(e)
}
