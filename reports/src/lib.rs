//! Reports: the leadership dashboard, rendered from the indicator tables.
//! One self-contained HTML page with the charts as inline SVG (drawn by
//! plotters), and the same charts as PNG files for slides.

mod charts;
mod data;
pub mod figure;
mod fonts;
pub mod format;
mod html;
mod lang;
mod layout;
mod vocab;

use std::path::{Path, PathBuf};

use plotters::prelude::*;
use wangjian_lake::Lake;

pub use data::Data;
pub use lang::Lang;
/// The fill of every chart legend's box (the layout test finds legends by it).
pub use layout::LEGEND_FILL;

#[derive(Debug, thiserror::Error)]
pub enum ReportError {
    #[error("{0}")]
    Data(String),
    #[error("the indicator tables are empty: there is no event data to show yet")]
    Empty,
    #[error("no font found on this machine to measure chart text (install e.g. fonts-dejavu-core or fonts-noto-cjk)")]
    NoFont,
    #[error("chart {chart}: {message}")]
    Chart { chart: String, message: String },
    #[error("{what}: {source}")]
    Io {
        what: String,
        source: std::io::Error,
    },
    #[error(transparent)]
    Query(#[from] wangjian_queries::QueryError),
}

/// What was written.
#[derive(Debug, Clone)]
pub struct Rendered {
    pub quarter: String,
    pub html: PathBuf,
    pub pngs: Vec<PathBuf>,
    pub notes: Vec<String>,
}

/// The dashboard's charts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ChartId {
    Ranking,
    Map,
    Trend,
    Heatmap,
    Funnel,
    Smoothing,
    Cusum,
    Platforms,
    Handling,
    Quality,
}

impl ChartId {
    /// The name in file names and the page's element ids.
    pub fn slug(self) -> &'static str {
        match self {
            ChartId::Ranking => "ranking",
            ChartId::Map => "map",
            ChartId::Trend => "trend",
            ChartId::Heatmap => "heatmap",
            ChartId::Funnel => "funnel",
            ChartId::Smoothing => "smoothing",
            ChartId::Cusum => "cusum",
            ChartId::Platforms => "platforms",
            ChartId::Handling => "handling",
            ChartId::Quality => "quality",
        }
    }
}

/// The top provinces the trend chart follows.
pub(crate) const TREND_TOP: usize = 5;

struct Spec {
    id: ChartId,
    size: (u32, u32),
    /// The chart's one title, (Chinese, English), for a quarter.
    title: fn(&str) -> (String, String),
    guide: fn() -> String,
}

impl Spec {
    fn title(&self, q: &str, l: Lang) -> String {
        let (zh, en) = (self.title)(q);
        l.t(&zh, &en)
    }
}

const SPECS: [Spec; 10] = [
    Spec {
        id: ChartId::Ranking,
        size: (900, 760),
        title: |q| {
            (
                format!("{q} 各省风险指数排名"),
                format!("{q} risk index by province"),
            )
        },
        guide: || {
            "条越长风险越高；颜色与文字标出等级；50 为当季各省平均水平。右栏横线为排名区间：换用 2187 种合理的权重与标准化方案重新排名，该省 90% 的名次落在线内（5%–95%），圆点为公布的名次；线越长，名次越不确定。".into()
        },
    },
    Spec {
        id: ChartId::Map,
        size: (900, 620),
        title: |q| {
            (
                format!("{q} 风险等级方格地图"),
                format!("{q} risk tier by province (tile map)"),
            )
        },
        guide: || "每个方格代表一个省份，按大致地理位置排列；颜色越深风险越高。".into(),
    },
    Spec {
        id: ChartId::Trend,
        size: (900, 420),
        title: |q| {
            (
                format!("{q} 排名前 {TREND_TOP} 省份的风险指数走势"),
                format!("Risk index over time: top {TREND_TOP} provinces of {q}"),
            )
        },
        guide: || "各线为一个省份各季度的风险指数；高于 50 表示高于当季平均。".into(),
    },
    Spec {
        id: ChartId::Heatmap,
        size: (900, 760),
        title: |_| {
            (
                "风险指数热力图（省份 × 季度）".into(),
                "Risk index heat map (province × quarter)".into(),
            )
        },
        guide: || "每格为一个省份一个季度；颜色越深风险越高；省份按本季度风险排序。".into(),
    },
    Spec {
        id: ChartId::Funnel,
        size: (900, 560),
        title: |q| {
            (
                format!("{q} 抽检不合格率漏斗图"),
                format!("{q} sampling failure rate funnel plot"),
            )
        },
        guide: || {
            format!(
                "每点为一个省份；落在红色 {} 控制限之外的点（红色）为统计上异常的高不合格率。",
                vocab::alarm_limit()
            )
        },
    },
    Spec {
        id: ChartId::Smoothing,
        size: (900, 460),
        title: |q| {
            (
                format!("{q} 抽检批次最少的省份：原始与平滑后的不合格率"),
                format!("{q} provinces with the fewest batches: raw and smoothed failure rates"),
            )
        },
        guide: || {
            "灰点为省份自身的不合格率，蓝点为经验贝叶斯平滑后的不合格率（向全国水平收缩，批次越少收缩越多），竖线为全国不合格率；名称后为抽检批次。".into()
        },
    },
    Spec {
        id: ChartId::Cusum,
        size: (900, 620),
        title: |q| {
            (
                format!("近四个季度（至 {q}）触发预警省份的月度投诉累积和"),
                format!("Monthly complaint CUSUM of the provinces that alarmed in the four quarters to {q}"),
            )
        },
        guide: || {
            "每格一个省份，纵轴相同；蓝线为月度累积和（与该省上年同月占全国的份额相比，持续偏高时上升），红色虚线为预警线，红点为预警月份（预警后下月从 0 重新累积）。".into()
        },
    },
    Spec {
        id: ChartId::Platforms,
        size: (900, 560),
        title: |q| {
            (
                format!("{q} 平台网购投诉量（前 15）"),
                format!("{q} online complaints by platform (top 15)"),
            )
        },
        guide: || {
            "左：网购投诉件数；右：每万户平台内经营者的投诉件数（投诉强度），同一行为同一平台。"
                .into()
        },
    },
    Spec {
        id: ChartId::Handling,
        size: (900, 800),
        title: |q| {
            (
                format!("{q} 各省网购投诉处理：60 日办结率、调解成功率、挽回比例"),
                format!("{q} complaint handling by province"),
            )
        },
        guide: || {
            "每行一个省份，按 60 日办结率由低到高排列（最慢的在上）；圆点为 60 日办结率，三角为调解成功率，方块为挽回比例，竖线为全国 60 日办结率；右列为 60 日办结率数值。".into()
        },
    },
    Spec {
        id: ChartId::Quality,
        size: (900, 360),
        title: |_| {
            (
                "最近一次入库：各来源读取行数".into(),
                "Latest load: rows read by source".into(),
            )
        },
        guide: || "读取行数 = 入库 + 被替代 + 隔离。".into(),
    },
];

fn draw<DB: DrawingBackend>(
    s: &Spec,
    area: &DrawingArea<DB, plotters::coord::Shift>,
    d: &Data,
    q: &str,
    l: Lang,
) -> charts::ChartResult {
    let title = s.title(q, l);
    let v = charts::View {
        d,
        q,
        l,
        title: &title,
    };
    match s.id {
        ChartId::Ranking => charts::ranking(area, &v),
        ChartId::Map => charts::tile_map(area, &v),
        ChartId::Trend => charts::trend(area, &v),
        ChartId::Heatmap => charts::heat_map(area, &v),
        ChartId::Funnel => charts::funnel(area, &v),
        ChartId::Smoothing => charts::smoothing(area, &v),
        ChartId::Cusum => charts::cusum(area, &v),
        ChartId::Platforms => charts::platforms(area, &v),
        ChartId::Handling => charts::handling(area, &v),
        ChartId::Quality => charts::data_quality(area, &v),
    }
}

/// Renders the dashboard of `quarter` (default: the latest) into `out`.
pub async fn render(
    lake: &Lake,
    quarter: Option<&str>,
    out: &Path,
) -> Result<Rendered, ReportError> {
    let ctx = wangjian_queries::open_session(lake).await?;
    let d = data::load(&ctx).await?;
    render_data(&d, quarter, out)
}

/// Renders from data already loaded.
pub fn render_data(d: &Data, quarter: Option<&str>, out: &Path) -> Result<Rendered, ReportError> {
    let q = match quarter {
        Some(q) if d.quarters.iter().any(|x| x == q) => q.to_string(),
        Some(q) => {
            return Err(ReportError::Data(format!(
                "no indicators for quarter {q} (the lake has {} to {})",
                d.quarters.first().map(String::as_str).unwrap_or("-"),
                d.quarters.last().map(String::as_str).unwrap_or("-")
            )))
        }
        None => d.quarters.last().cloned().ok_or(ReportError::Empty)?,
    };
    std::fs::create_dir_all(out).map_err(|e| ReportError::Io {
        what: format!("cannot create {}", out.display()),
        source: e,
    })?;
    let (lang, note) = fonts::prepare_bitmap_fonts();
    if lang.is_none() {
        return Err(ReportError::NoFont);
    }
    let mut charts_out = Vec::new();
    for s in &SPECS {
        let mut svg = String::new();
        {
            let area = SVGBackend::with_string(&mut svg, s.size).into_drawing_area();
            draw(s, &area, d, &q, Lang::Chinese).map_err(|m| ReportError::Chart {
                chart: s.id.slug().into(),
                message: m,
            })?;
        }
        charts_out.push(html::Chart {
            id: s.id,
            title: s.title(&q, Lang::Chinese),
            guide: (s.guide)(),
            svg,
        });
    }
    let mut notes = Vec::new();
    let mut pngs = Vec::new();
    if let Some(n) = note {
        if lang != Some(Lang::Chinese) {
            tracing::warn!("{n}");
            notes.push(n);
        }
    }
    if let Some(lang) = lang {
        for s in &SPECS {
            let path = out.join(format!("{}-{q}.png", s.id.slug()));
            {
                let area = BitMapBackend::new(&path, s.size).into_drawing_area();
                draw(s, &area, d, &q, lang).map_err(|m| ReportError::Chart {
                    chart: s.id.slug().into(),
                    message: m,
                })?;
            }
            pngs.push(path);
        }
    }
    let page = html::page(d, &q, &charts_out, &notes);
    let html_path = out.join(format!("dashboard-{q}.html"));
    std::fs::write(&html_path, page).map_err(|e| ReportError::Io {
        what: format!("cannot write {}", html_path.display()),
        source: e,
    })?;
    Ok(Rendered {
        quarter: q,
        html: html_path,
        pngs,
        notes,
    })
}
