//! The dashboard's charts, drawn with plotters on any backend (SVG for the
//! page, bitmap for the PNG files). Colours: a four-step yellow-orange-red
//! scale whose lightness falls with risk, so it reads in grey and for
//! colour-blind readers; tiers are also written as text.

use plotters::coord::Shift;
use plotters::prelude::*;

use crate::data::{Data, FunnelPoint};
use crate::lang::Lang;
use crate::vocab::tier_color;
use wangjian_contract::vocab;

pub type ChartResult = Result<(), String>;

fn e<T: std::fmt::Display>(x: T) -> String {
    x.to_string()
}

/// The fill of a cell without a value.
pub const NO_DATA: RGBColor = RGBColor(0xdd, 0xdd, 0xdd);

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

const DARK: RGBColor = RGBColor(0x33, 0x33, 0x33);

/// Provinces ranked by risk index, bars coloured by tier.
pub fn ranking<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    d: &Data,
    q: &str,
    l: Lang,
    title: &str,
) -> ChartResult {
    area.fill(&WHITE).map_err(e)?;
    let rows = d.risk_of(q);
    let n = rows.len().max(1);
    let lo = rows
        .iter()
        .filter_map(|r| r.risk_index)
        .fold(40.0_f64, f64::min)
        .floor()
        - 2.0;
    let hi = rows
        .iter()
        .filter_map(|r| r.risk_index)
        .fold(60.0_f64, f64::max)
        .ceil()
        + 2.0;
    let f = l.font();
    let mut c = ChartBuilder::on(area)
        .caption(title, (f, 20))
        .margin(10)
        .x_label_area_size(40)
        .y_label_area_size(90)
        .build_cartesian_2d(
            lo..hi,
            (0.0..n as f64).step(1.0).use_round().into_segmented(),
        )
        .map_err(e)?;
    let names: Vec<String> = rows
        .iter()
        .map(|r| format!("{} {}", r.rank, l.province(&r.region_code, &r.region_name)))
        .collect();
    c.configure_mesh()
        .disable_y_mesh()
        .x_desc(l.t(
            "风险指数（T 分，50 = 当季各省平均）",
            "risk index (T-score, 50 = average province)",
        ))
        .y_labels(n)
        .y_label_formatter(&|y| match y {
            SegmentValue::CenterOf(v) => names
                .get((n as f64 - 1.0 - v) as usize)
                .cloned()
                .unwrap_or_default(),
            _ => String::new(),
        })
        .label_style((f, 12))
        .axis_desc_style((f, 14))
        .draw()
        .map_err(e)?;
    c.draw_series(rows.iter().enumerate().filter_map(|(i, r)| {
        let y = (n - 1 - i) as f64;
        Some(Rectangle::new(
            [
                (lo, SegmentValue::Exact(y + 0.15)),
                (r.risk_index?, SegmentValue::Exact(y + 0.85)),
            ],
            tier_color(&r.tier).filled(),
        ))
    }))
    .map_err(e)?;
    c.draw_series(rows.iter().enumerate().map(|(i, r)| {
        let y = (n - 1 - i) as f64;
        Text::new(
            format!("{} {}", index_text(r.risk_index), l.tier(&r.tier)),
            (
                r.risk_index.unwrap_or(lo) + 0.3,
                SegmentValue::Exact(y + 0.8),
            ),
            (f, 11).into_font().color(&DARK),
        )
    }))
    .map_err(e)?;
    area.present().map_err(e)
}

/// Tile-grid map of China: one square per province, coloured by tier.
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

pub fn tile_map<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    d: &Data,
    q: &str,
    l: Lang,
    title: &str,
) -> ChartResult {
    area.fill(&WHITE).map_err(e)?;
    let f = l.font();
    let rows = d.risk_of(q);
    let mut c = ChartBuilder::on(area)
        .caption(title, (f, 20))
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

/// Risk index of the quarter's top provinces over all quarters.
pub fn trend<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    d: &Data,
    q: &str,
    l: Lang,
    top: usize,
    title: &str,
) -> ChartResult {
    area.fill(&WHITE).map_err(e)?;
    let f = l.font();
    let leaders: Vec<_> = d.risk_of(q).into_iter().take(top).collect();
    let nq = d.quarters.len().max(1);
    let vals: Vec<f64> = d.risk.iter().filter_map(|r| r.risk_index).collect();
    let lo = vals.iter().copied().fold(45.0_f64, f64::min).floor() - 1.0;
    let hi = vals.iter().copied().fold(55.0_f64, f64::max).ceil() + 1.0;
    let mut c = ChartBuilder::on(area)
        .caption(title, (f, 20))
        .margin(10)
        .x_label_area_size(40)
        .y_label_area_size(50)
        .build_cartesian_2d(0f64..(nq as f64 - 1.0).max(1.0), lo..hi)
        .map_err(e)?;
    let qs = d.quarters.clone();
    c.configure_mesh()
        .x_labels(nq)
        .x_label_formatter(&|x| qs.get(x.round() as usize).cloned().unwrap_or_default())
        .x_desc(l.t("季度", "quarter"))
        .y_desc(l.t("风险指数（T 分）", "risk index (T-score)"))
        .label_style((f, 12))
        .axis_desc_style((f, 14))
        .draw()
        .map_err(e)?;
    let palette = [
        RGBColor(0x1b, 0x9e, 0x77),
        RGBColor(0xd9, 0x5f, 0x02),
        RGBColor(0x75, 0x70, 0xb3),
        RGBColor(0xe7, 0x29, 0x8a),
        RGBColor(0x66, 0xa6, 0x1e),
    ];
    for (k, leader) in leaders.iter().enumerate() {
        let color = palette[k % palette.len()];
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
            .map_err(e)?
            .label(l.province(&leader.region_code, &leader.region_name))
            .legend(move |(x, y)| {
                PathElement::new(vec![(x, y), (x + 20, y)], color.stroke_width(2))
            });
        c.draw_series(pts.iter().map(|p| Circle::new(*p, 3, color.filled())))
            .map_err(e)?;
    }
    c.configure_series_labels()
        .background_style(WHITE.mix(0.8))
        .border_style(DARK)
        .label_font((f, 12))
        .draw()
        .map_err(e)?;
    area.present().map_err(e)
}

/// Province × quarter heat map of the risk index.
pub fn heat_map<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    d: &Data,
    q: &str,
    l: Lang,
    title: &str,
) -> ChartResult {
    area.fill(&WHITE).map_err(e)?;
    let f = l.font();
    let order: Vec<_> = d
        .risk_of(q)
        .into_iter()
        .map(|r| (r.region_code.clone(), r.region_name.clone()))
        .collect();
    let nq = d.quarters.len().max(1);
    let np = order.len().max(1);
    let mut c = ChartBuilder::on(area)
        .caption(title, (f, 20))
        .margin(10)
        .x_label_area_size(40)
        .y_label_area_size(70)
        .build_cartesian_2d(0f64..nq as f64, 0f64..np as f64)
        .map_err(e)?;
    let qs = d.quarters.clone();
    let names: Vec<String> = order.iter().map(|(c, n)| l.province(c, n)).collect();
    c.configure_mesh()
        .disable_mesh()
        .x_labels(nq)
        .x_label_formatter(&|x| qs.get(x.floor() as usize).cloned().unwrap_or_default())
        .y_labels(np)
        .y_label_formatter(&|y| {
            names
                .get(np - 1 - (y.floor() as usize).min(np - 1))
                .cloned()
                .unwrap_or_default()
        })
        .x_desc(l.t("季度", "quarter"))
        .y_desc(l.t(
            &format!("省份（按 {q} 风险排序）"),
            &format!("province (ordered by {q} risk)"),
        ))
        .label_style((f, 10))
        .axis_desc_style((f, 14))
        .draw()
        .map_err(e)?;
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

/// Funnel plot of sampling failure rates against the number of batches.
pub fn funnel<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    d: &Data,
    q: &str,
    l: Lang,
    title: &str,
) -> ChartResult {
    area.fill(&WHITE).map_err(e)?;
    let f = l.font();
    // The limits as the SQL computed them (sampling_funnel), and the
    // outliers as the SQL decided them (alerts).
    let limits: Vec<&FunnelPoint> = d.funnel.iter().filter(|p| p.quarter == q).collect();
    let p0 = limits.first().map_or_else(
        || {
            d.national(q)
                .and_then(|r| r.sample_fail_rate)
                .unwrap_or(0.0)
        },
        |p| p.p0,
    );
    let outliers: Vec<&str> = d
        .alerts
        .iter()
        .filter(|a| a.quarter == q && a.alert == vocab::SAMPLING_OUTLIER)
        .map(|a| a.region_code.as_str())
        .collect();
    let pts: Vec<(f64, f64, String, bool)> = d
        .regional
        .iter()
        .filter(|r| r.quarter == q && r.region_code != "000000" && r.samples > 0)
        .filter_map(|r| {
            r.sample_fail_rate.map(|x| {
                (
                    r.samples as f64,
                    x,
                    l.province(&r.region_code, &r.region_name),
                    outliers.contains(&r.region_code.as_str()),
                )
            })
        })
        .collect();
    let max_n = limits
        .iter()
        .map(|p| p.n)
        .chain(pts.iter().map(|p| p.0))
        .fold(10.0_f64, f64::max);
    let max_y = pts.iter().map(|p| p.1).fold(p0 * 2.0, f64::max).min(1.0) * 1.1 + 0.02;
    let mut c = ChartBuilder::on(area)
        .caption(title, (f, 20))
        .margin(10)
        .x_label_area_size(40)
        .y_label_area_size(60)
        .build_cartesian_2d(0f64..max_n, 0f64..max_y)
        .map_err(e)?;
    c.configure_mesh()
        .x_desc(l.t("抽检批次数（批）", "batches sampled"))
        .y_desc(l.t("不合格率", "failure rate"))
        .y_label_formatter(&|y| format!("{:.0}%", y * 100.0))
        .label_style((f, 12))
        .axis_desc_style((f, 14))
        .draw()
        .map_err(e)?;
    c.draw_series(LineSeries::new(
        vec![(0.0, p0), (max_n, p0)],
        DARK.stroke_width(1),
    ))
    .map_err(e)?
    .label(l.t("全国不合格率", "national rate"))
    .legend(|(x, y)| PathElement::new(vec![(x, y), (x + 20, y)], DARK));
    let red = RGBColor(0xe3, 0x1a, 0x1c);
    let grey = RGBColor(0x88, 0x88, 0x88);
    let mut names: Vec<(&str, bool)> = limits
        .iter()
        .map(|p| (p.limit_name.as_str(), p.alarm))
        .collect();
    names.dedup();
    for (name, alarm) in names {
        let (color, width) = if alarm { (red, 2) } else { (grey, 1) };
        let line = |upper: bool| -> Vec<(f64, f64)> {
            limits
                .iter()
                .filter(|p| p.limit_name == name)
                .map(|p| (p.n, if upper { p.upper } else { p.lower }.min(max_y)))
                .collect()
        };
        c.draw_series(LineSeries::new(line(true), color.stroke_width(width)))
            .map_err(e)?
            .label(l.t(&format!("{name} 控制限"), &format!("{name} limit")))
            .legend(move |(x, y)| {
                PathElement::new(vec![(x, y), (x + 20, y)], color.stroke_width(width))
            });
        c.draw_series(LineSeries::new(line(false), color.stroke_width(width)))
            .map_err(e)?;
    }
    c.draw_series(pts.iter().map(|(n, x, _, outlier)| {
        let color = if *outlier {
            red
        } else {
            RGBColor(0x31, 0x68, 0x9e)
        };
        Circle::new((*n, *x), 4, color.filled())
    }))
    .map_err(e)?;
    c.draw_series(pts.iter().map(|(n, x, name, _)| {
        EmptyElement::at((*n, *x))
            + Text::new(name.clone(), (6, -12), (f, 10).into_font().color(&DARK))
    }))
    .map_err(e)?;
    c.configure_series_labels()
        .background_style(WHITE.mix(0.8))
        .border_style(DARK)
        .label_font((f, 12))
        .draw()
        .map_err(e)?;
    area.present().map_err(e)
}

/// Horizontal bars, labelled, largest first.
fn hbars<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    l: Lang,
    title: &str,
    x_desc: String,
    rows: &[(String, f64, String)],
    color: RGBColor,
) -> ChartResult {
    area.fill(&WHITE).map_err(e)?;
    let f = l.font();
    let n = rows.len().max(1);
    let hi = rows.iter().map(|r| r.1).fold(1.0_f64, f64::max) * 1.25;
    let mut c = ChartBuilder::on(area)
        .caption(title, (f, 20))
        .margin(10)
        .x_label_area_size(40)
        .y_label_area_size(110)
        .build_cartesian_2d(0f64..hi, 0f64..n as f64)
        .map_err(e)?;
    let names: Vec<String> = rows.iter().map(|r| r.0.clone()).collect();
    c.configure_mesh()
        .disable_y_mesh()
        .y_labels(n)
        .y_label_formatter(&|y| {
            let i = y.floor() as usize;
            if (y - y.floor() - 0.0).abs() < 1e-9 && i < n {
                names.get(n - 1 - i).cloned().unwrap_or_default()
            } else {
                String::new()
            }
        })
        .x_desc(x_desc)
        .label_style((f, 11))
        .axis_desc_style((f, 14))
        .draw()
        .map_err(e)?;
    c.draw_series(rows.iter().enumerate().map(|(i, r)| {
        let y = (n - 1 - i) as f64;
        Rectangle::new([(0.0, y + 0.15), (r.1, y + 0.85)], color.filled())
    }))
    .map_err(e)?;
    c.draw_series(rows.iter().enumerate().map(|(i, r)| {
        let y = (n - 1 - i) as f64;
        Text::new(
            r.2.clone(),
            (r.1 + hi * 0.01, y + 0.75),
            (f, 11).into_font().color(&DARK),
        )
    }))
    .map_err(e)?;
    area.present().map_err(e)
}

/// Platforms by online complaints in the quarter (top 15).
pub fn platforms<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    d: &Data,
    q: &str,
    l: Lang,
    title: &str,
) -> ChartResult {
    let mut rows: Vec<_> = d.platforms.iter().filter(|p| p.quarter == q).collect();
    rows.sort_by(|a, b| {
        b.complaints
            .cmp(&a.complaints)
            .then(a.platform_id.cmp(&b.platform_id))
    });
    let rows: Vec<(String, f64, String)> = rows
        .iter()
        .take(15)
        .map(|p| {
            let per = p
                .complaints_per_10k_merchants
                .map(|x| format!("{x:.0}"))
                .unwrap_or_else(|| "—".into());
            let name = if l == Lang::Chinese {
                p.platform_name.clone()
            } else {
                p.platform_id.clone()
            };
            (
                name,
                p.complaints as f64,
                format!(
                    "{} ({} {})",
                    p.complaints,
                    per,
                    l.t("件/万商户", "per 10k merchants")
                ),
            )
        })
        .collect();
    hbars(
        area,
        l,
        title,
        l.t("网购投诉（件）", "online complaints"),
        &rows,
        RGBColor(0x31, 0x68, 0x9e),
    )
}

/// Rows of the latest load by source: loaded, superseded, quarantined.
pub fn data_quality<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    d: &Data,
    l: Lang,
    title: &str,
) -> ChartResult {
    let rows: Vec<(String, f64, String)> = d
        .load
        .iter()
        .map(|s| {
            (
                s.source.clone(),
                s.read as f64,
                format!(
                    "{} {} / {} {} / {} {}",
                    l.t("入库", "loaded"),
                    s.loaded,
                    l.t("被替代", "superseded"),
                    s.superseded,
                    l.t("隔离", "quarantined"),
                    s.quarantined
                ),
            )
        })
        .collect();
    hbars(
        area,
        l,
        title,
        l.t("读取行数（行）", "rows read"),
        &rows,
        RGBColor(0x66, 0x99, 0x66),
    )
}
