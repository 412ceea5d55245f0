//! The self-contained dashboard page: inline CSS, inline SVG charts, no
//! script and no external resource, so it opens offline and as an attachment.

use crate::data::Data;
use crate::lang::CJK_STACK;

pub fn esc(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

use crate::format::count as fmt_int;

fn pct(x: Option<f64>) -> String {
    x.map(|v| format!("{:.1}%", v * 100.0))
        .unwrap_or_else(|| "—".into())
}

/// Change of a count or amount: relative, in per cent.
fn rel(now: f64, before: Option<f64>) -> String {
    match before {
        Some(b) if b > 0.0 => format!("{:+.1}%", (now / b - 1.0) * 100.0),
        _ => "—".into(),
    }
}

/// Change of a rate: in percentage points.
fn pp(now: Option<f64>, before: Option<f64>) -> String {
    match (now, before) {
        (Some(a), Some(b)) => format!("{:+.1} 个百分点", (a - b) * 100.0),
        _ => "—".into(),
    }
}

type Count = fn(&crate::data::Regional) -> i64;
type Rate = fn(&crate::data::Regional) -> Option<f64>;

use crate::ChartId;

pub struct Chart {
    pub id: crate::ChartId,
    pub title: String,
    pub guide: String,
    pub svg: String,
}

const CSS: &str = r#"
:root { --ink: #222; --muted: #555; --line: #ccc; }
body { font-family: FONTS; color: var(--ink); margin: 0 auto; max-width: 1100px; padding: 16px 24px; line-height: 1.5; }
h1 { font-size: 26px; margin: 8px 0 4px; }
h2 { font-size: 20px; border-bottom: 2px solid var(--ink); padding-bottom: 4px; margin-top: 32px; }
.meta, .guide { color: var(--muted); font-size: 14px; }
table { border-collapse: collapse; width: 100%; font-size: 14px; margin: 8px 0; }
th, td { border: 1px solid var(--line); padding: 4px 8px; text-align: right; }
th:first-child, td:first-child, td.name { text-align: left; }
thead th { background: #f2f2f2; }
figure { margin: 12px 0 24px; page-break-inside: avoid; break-inside: avoid; }
figure svg { width: 100%; height: auto; display: block; }
figcaption { font-size: 14px; color: var(--muted); }
.tier { display: inline-block; min-width: 3em; padding: 0 6px; border: 1px solid #333; text-align: center; }
TIERS.legend span { margin-right: 12px; }
@page { size: A4; margin: 14mm; }
@media print {
  body { max-width: none; padding: 0; font-size: 11pt; }
  h2 { page-break-after: avoid; break-after: avoid; }
  section { page-break-inside: auto; }
  .tier { -webkit-print-color-adjust: exact; print-color-adjust: exact; }
}
"#;

pub fn page(d: &Data, q: &str, charts: &[Chart], notes: &[String]) -> String {
    let css = CSS
        .replace("FONTS", CJK_STACK)
        .replace("TIERS", &crate::vocab::tier_css());
    let mut h = String::new();
    h.push_str(&format!(
        "<!DOCTYPE html>\n<html lang=\"zh-CN\">\n<head>\n<meta charset=\"utf-8\">\n<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n<title>网络市场监管风险看板 {q}</title>\n<style>{css}</style>\n</head>\n<body data-quarter=\"{q}\">\n"
    ));
    h.push_str(&format!("<h1>网络市场监管风险看板 · {q}</h1>\n"));
    h.push_str(&format!(
        "<p class=\"meta\">数据来源：12315 投诉举报、案件、网络商品质量抽检、定向监测、网络经营主体库。覆盖季度 {} 至 {}。{}</p>\n",
        esc(d.quarters.first().map(String::as_str).unwrap_or("")),
        esc(d.quarters.last().map(String::as_str).unwrap_or("")),
        d.load_run.as_deref().map(|r| format!("最近一次入库批次：{}。", esc(r))).unwrap_or_default()
    ));

    headline(&mut h, d, q);
    ranking(&mut h, d, q, charts);
    alerts(&mut h, d, q, charts);
    quality(&mut h, d, charts);
    closing(&mut h, notes);
    h
}

/// The national headline figures with their changes.
fn headline(h: &mut String, d: &Data, q: &str) {
    let prev = d.shift(q, 1);
    let year = d.shift(q, 4);
    let nat = |qq: &Option<String>| qq.as_deref().and_then(|x| d.national(x));
    let (n0, n1, n4) = (d.national(q), nat(&prev), nat(&year));
    h.push_str("<section id=\"headline\">\n<h2>核心指标（全国）</h2>\n<table>\n<thead><tr><th>指标</th><th>本季度</th><th>环比</th><th>同比</th></tr></thead>\n<tbody>\n");
    let counts: [(&str, &str, Count); 3] = [
        ("complaints", "网购投诉（件）", |r| r.complaints),
        ("reports", "网购举报（件）", |r| r.reports),
        ("cases", "网络案件（件）", |r| r.cases),
    ];
    for (key, label, get) in counts {
        let now = n0.map(get).unwrap_or(0);
        h.push_str(&format!(
            "<tr data-metric=\"{key}\"><td>{label}</td><td data-value=\"{now}\">{}</td><td>{}</td><td>{}</td></tr>\n",
            fmt_int(now),
            rel(now as f64, n1.map(|r| get(r) as f64)),
            rel(now as f64, n4.map(|r| get(r) as f64))
        ));
    }
    let rates: [(&str, &str, Rate); 2] = [
        ("sample_fail_rate", "抽检不合格率", |r| {
            r.sample_fail_rate
        }),
        ("monitor_hit_rate", "监测问题发现率", |r| {
            r.monitor_hit_rate
        }),
    ];
    for (key, label, get) in rates {
        let now = n0.and_then(get);
        h.push_str(&format!(
            "<tr data-metric=\"{key}\"><td>{label}</td><td data-value=\"{}\">{}</td><td>{}</td><td>{}</td></tr>\n",
            now.map(|v| format!("{v:.6}")).unwrap_or_default(),
            pct(now),
            pp(now, n1.and_then(get)),
            pp(now, n4.and_then(get))
        ));
    }
    let rec = d.recovered_of(q).unwrap_or(0.0);
    h.push_str(&format!(
        "<tr data-metric=\"recovered_yuan\"><td>挽回经济损失（万元）</td><td data-value=\"{rec:.2}\">{}</td><td>{}</td><td>{}</td></tr>\n",
        crate::format::wan(rec),
        rel(rec, prev.as_deref().and_then(|x| d.recovered_of(x))),
        rel(rec, year.as_deref().and_then(|x| d.recovered_of(x)))
    ));
    h.push_str("</tbody>\n</table>\n<p class=\"guide\">读图：环比为与上一季度相比，同比为与上年同季度相比；比率的变化以百分点表示；“—”表示无可比数据。</p>\n</section>\n");
}

/// The ranking table, its charts and the chart sections.
fn ranking(h: &mut String, d: &Data, q: &str, charts: &[Chart]) {
    h.push_str("<section id=\"ranking\">\n<h2>各省风险指数排名</h2>\n");
    h.push_str(&format!(
        "<p class=\"legend\">风险等级：{}</p>\n",
        crate::vocab::tier_legend()
    ));
    for c in charts
        .iter()
        .filter(|c| matches!(c.id, ChartId::Ranking | ChartId::Map))
    {
        h.push_str(&figure(c));
    }
    h.push_str("<table>\n<thead><tr><th>排名</th><th>省份</th><th>风险指数</th><th>等级</th><th>排名区间（5%–95%）</th><th>排名变化</th></tr></thead>\n<tbody>\n");
    for r in d.risk_of(q) {
        let change = match r.rank_change {
            Some(c) if c > 0 => format!("↑{c}"),
            Some(c) if c < 0 => format!("↓{}", -c),
            Some(_) => "—".into(),
            None => "新".into(),
        };
        let interval = match (r.rank_p05, r.rank_p95) {
            (Some(a), Some(b)) => format!("{a}–{b}"),
            _ => "—".into(),
        };
        h.push_str(&format!(
            "<tr data-region=\"{}\"><td>{}</td><td class=\"name\">{}</td><td data-value=\"{}\">{}</td><td><span class=\"tier tier-{t}\">{t}</span></td><td class=\"interval\">{interval}</td><td>{change}</td></tr>\n",
            esc(&r.region_code),
            r.rank,
            esc(&r.region_name),
            r.risk_index.map_or(String::new(), |v| format!("{v:.6}")),
            crate::charts::index_text(r.risk_index),
            t = esc(&r.tier)
        ));
    }
    h.push_str("</tbody>\n</table>\n</section>\n");

    for (id, title) in [
        (ChartId::Trend, "风险走势"),
        (ChartId::Heatmap, "风险热力图"),
        (ChartId::Funnel, "抽检不合格率漏斗图"),
        (ChartId::Platforms, "平台排名"),
        (ChartId::Handling, "投诉处理"),
    ] {
        h.push_str(&format!(
            "<section id=\"{}\">\n<h2>{title}</h2>\n",
            id.slug()
        ));
        for c in charts.iter().filter(|c| c.id == id) {
            h.push_str(&figure(c));
        }
        if id == ChartId::Funnel {
            for c in charts.iter().filter(|c| c.id == ChartId::Smoothing) {
                h.push_str(&figure(c));
            }
            sampling_table(h, d, q);
        }
        h.push_str("</section>\n");
    }
}

/// Every province's sampling figures under the funnel plot (which names
/// only the notable points).
fn sampling_table(h: &mut String, d: &Data, q: &str) {
    let flagged: Vec<&str> = d
        .alerts
        .iter()
        .filter(|a| a.quarter == q && a.alert == wangjian_contract::vocab::SAMPLING_OUTLIER)
        .map(|a| a.region_code.as_str())
        .collect();
    let mut rows: Vec<_> = d
        .regional
        .iter()
        .filter(|r| r.quarter == q && r.region_code != "000000")
        .collect();
    rows.sort_by(|a, b| {
        b.samples
            .cmp(&a.samples)
            .then(a.region_code.cmp(&b.region_code))
    });
    h.push_str("<table class=\"sampling\">\n<thead><tr><th>省份</th><th>抽检批次（批）</th><th>不合格率</th><th>平滑后不合格率</th><th>漏斗图异常</th></tr></thead>\n<tbody>\n");
    for r in rows {
        let eb = d
            .smoothed
            .iter()
            .find(|s| s.quarter == q && s.region_code == r.region_code)
            .and_then(|s| s.eb_rate);
        h.push_str(&format!(
            "<tr data-sampling=\"{}\"><td class=\"name\">{}</td><td data-value=\"{}\">{}</td><td>{}</td><td class=\"smoothed\">{}</td><td>{}</td></tr>\n",
            esc(&r.region_code),
            esc(&r.region_name),
            r.samples,
            fmt_int(r.samples),
            pct(r.sample_fail_rate),
            pct(eb),
            if flagged.contains(&r.region_code.as_str()) { "是" } else { "" }
        ));
    }
    h.push_str("</tbody>\n</table>\n");
}

/// The alarms of the quarter.
fn alerts(h: &mut String, d: &Data, q: &str, charts: &[Chart]) {
    let alerts: Vec<_> = d.alerts.iter().filter(|a| a.quarter == q).collect();
    h.push_str("<section id=\"alerts\">\n<h2>预警</h2>\n");
    if alerts.is_empty() {
        h.push_str("<p>本季度无预警。</p>\n");
    } else {
        h.push_str("<table>\n<thead><tr><th>省份</th><th>预警类型</th><th>数值</th><th>阈值</th></tr></thead>\n<tbody>\n");
        for a in &alerts {
            let kind = crate::vocab::alert_text(&a.alert);
            let (v, t) = match a.alert.as_str() {
                // Growth rates are signed changes; other alerts are rates.
                wangjian_contract::vocab::COMPLAINT_SURGE => (
                    format!("{:+.1}%", a.value * 100.0),
                    format!("{:+.0}%", a.threshold * 100.0),
                ),
                // A CUSUM is a sum of standardised residuals, not a rate.
                wangjian_contract::vocab::COMPLAINT_CUSUM => {
                    (format!("{:.1}", a.value), format!("{}", a.threshold))
                }
                _ => (pct(Some(a.value)), pct(Some(a.threshold))),
            };
            h.push_str(&format!(
                "<tr data-alert=\"{}\" data-region=\"{}\"><td class=\"name\">{}</td><td class=\"name\">{kind}</td><td data-value=\"{:.6}\">{v}</td><td data-value=\"{:.6}\">{t}</td></tr>\n",
                esc(&a.alert),
                esc(&a.region_code),
                esc(&a.region_name),
                a.value,
                a.threshold
            ));
        }
        h.push_str("</tbody>\n</table>\n");
    }
    let rules: Vec<String> = wangjian_contract::vocab::alert_types()
        .iter()
        .map(|a| crate::vocab::alert_text(&a.alert))
        .collect();
    h.push_str(&format!(
        "<p class=\"guide\">读图：预警只针对省份；{}。</p>\n",
        rules.join("；")
    ));
    for c in charts.iter().filter(|c| c.id == ChartId::Cusum) {
        h.push_str(&figure(c));
    }
    let alarmed = crate::charts::cusum::alarmed(d, q);
    if alarmed.len() > crate::charts::cusum::PANELS {
        let names: Vec<String> = alarmed.iter().map(|a| esc(&a.1)).collect();
        h.push_str(&format!(
            "<p class=\"guide\">近四个季度共 {} 个省份触发累积和预警（图中为累积和最高的 {} 个）：{}。</p>\n",
            alarmed.len(),
            crate::charts::cusum::PANELS,
            names.join("、")
        ));
    }
    h.push_str("</section>\n");
}

/// The data quality of the latest load.
fn quality(h: &mut String, d: &Data, charts: &[Chart]) {
    h.push_str("<section id=\"quality\">\n<h2>数据质量（最近一次入库）</h2>\n");
    for c in charts.iter().filter(|c| c.id == ChartId::Quality) {
        h.push_str(&figure(c));
    }
    h.push_str("<table>\n<thead><tr><th>来源</th><th>文件</th><th>拒收文件</th><th>读取</th><th>入库</th><th>被替代</th><th>隔离</th></tr></thead>\n<tbody>\n");
    for s in &d.load {
        h.push_str(&format!(
            "<tr data-source=\"{src}\"><td>{src}</td><td>{}</td><td>{}</td><td data-value=\"{}\">{}</td><td data-value=\"{}\">{}</td><td>{}</td><td data-value=\"{}\">{}</td></tr>\n",
            s.files,
            s.rejected,
            s.read,
            fmt_int(s.read),
            s.loaded,
            fmt_int(s.loaded),
            fmt_int(s.superseded),
            s.quarantined,
            fmt_int(s.quarantined),
            src = esc(&s.source)
        ));
    }
    h.push_str("</tbody>\n</table>\n<p class=\"guide\">读图：每一行读取的数据要么入库（新记录或新版本），要么被替代（旧版本或重复），要么被隔离（附原因，可在 quarantine 表中查询）。</p>\n</section>\n");
}

/// Notes on how the page was made (e.g. a missing font), and the end.
fn closing(h: &mut String, notes: &[String]) {
    if !notes.is_empty() {
        h.push_str("<section id=\"notes\">\n<h2>说明</h2>\n<ul>\n");
        for n in notes {
            h.push_str(&format!("<li>{}</li>\n", esc(n)));
        }
        h.push_str("</ul>\n</section>\n");
    }
    h.push_str("</body>\n</html>\n");
}

fn figure(c: &Chart) -> String {
    // plotters writes an XML declaration first: drop it inside HTML.
    let svg = c.svg.trim_start();
    let svg = match svg.strip_prefix("<?xml") {
        Some(rest) => rest
            .split_once("?>")
            .map(|x| x.1)
            .unwrap_or(rest)
            .trim_start(),
        None => svg,
    };
    format!(
        "<figure id=\"chart-{}\" role=\"img\" aria-label=\"{}\">\n{svg}\n<figcaption><strong>{}</strong>　{}</figcaption>\n</figure>\n",
        c.id.slug(),
        esc(&c.title),
        esc(&c.title),
        esc(&c.guide)
    )
}

#[cfg(test)]
mod tests {
    use crate::data::{Data, Risk};

    #[test]
    fn a_null_risk_index_is_shown_as_a_dash_never_as_50() {
        let d = Data {
            quarters: vec!["2025Q3".into()],
            risk: vec![Risk {
                quarter: "2025Q3".into(),
                region_code: "110000".into(),
                region_name: "北京市".into(),
                risk_index: None,
                rank: 1,
                tier: "一般".into(),
                rank_change: None,
                rank_p05: Some(1),
                rank_p95: Some(3),
            }],
            ..Default::default()
        };
        let page = super::page(&d, "2025Q3", &[], &[]);
        let row = page
            .lines()
            .find(|l| l.starts_with("<tr data-region=\"110000\""))
            .expect("the province's row");
        assert!(row.contains("<td data-value=\"\">—</td>"), "{row}");
        assert!(!row.contains("50.0"), "{row}");
        assert!(row.contains("<td class=\"interval\">1–3</td>"), "{row}");
        assert_eq!(crate::charts::index_text(None), "—");
        assert_eq!(crate::charts::index_text(Some(61.04)), "61.0");
    }
}
