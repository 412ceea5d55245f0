//! `bulletin.html`: the statistical bulletin (统计公报) in Chinese, written
//! from the release's own (controlled) tables: a lead paragraph, a section
//! per theme, the tables, methods and notes, and this edition's revisions.
//! One self-contained page (no script, no outside resource), A4 print
//! stylesheet.
//!
//! Words for changes: the change is rounded to one decimal first; a change
//! that rounds to 0.0 is 持平, otherwise 增长/下降 (counts and money, per
//! cent) or 上升/下降 (rates, percentage points).

use wangjian_reports::format::{count as count_i64, grouped};

use crate::charts::{by_value_desc, detail_rows, shown, text, Chart};
use crate::disclosure::{Flag, Params};
use crate::manifest::Input;
use crate::tables::Kind;
use crate::write::{cell, columns};
use crate::{Table, Value};

fn count(v: f64) -> String {
    count_i64(v.round() as i64)
}

fn esc(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// "增长 12.3%", "下降 4.5%", "持平"; for rates "上升 1.2 个百分点".
pub fn change_words(change: Option<f64>, rate: bool) -> String {
    let Some(c) = change else {
        return "无可比数据".into();
    };
    let r = (c * 10.0).round() / 10.0;
    if r == 0.0 {
        return "持平".into();
    }
    let (up, unit) = if rate {
        ("上升", " 个百分点")
    } else {
        ("增长", "%")
    };
    let word = if r > 0.0 { up } else { "下降" };
    format!("{word} {:.1}{unit}", r.abs())
}

/// "2025Q4" → "2025年第四季度".
pub fn quarter_words(q: &str) -> String {
    let n = ["一", "二", "三", "四"];
    match (
        q.get(..4),
        q.get(5..6).and_then(|d| d.parse::<usize>().ok()),
    ) {
        (Some(y), Some(k)) if (1..=4).contains(&k) => format!("{y}年第{}季度", n[k - 1]),
        _ => q.to_string(),
    }
}

struct Find<'a> {
    tables: &'a [Table],
}

impl Find<'_> {
    fn table(&self, name: &str) -> Option<&Table> {
        self.tables.iter().find(|t| t.spec.name == name)
    }
    /// The number in `column` of the row whose first column is `key`.
    fn num(&self, table: &str, key: &str, column: &str) -> Option<f64> {
        let t = self.table(table)?;
        let i = columns(t).iter().position(|c| c.name == column)?;
        let row = t
            .rows
            .iter()
            .find(|r| matches!(&r[0].0, Value::Text(k) if k == key))?;
        match &row[i] {
            (Value::Num(v), f) if !f.is_some_and(Flag::withholds) => Some(*v),
            _ => None,
        }
    }
}

/// One headline measure as a phrase: "网购投诉 1,234 件，环比增长 3.4%，同比持平".
fn measure(f: &Find, key: &str, label: &str, unit: &str, rate: bool) -> String {
    let v = f.num("headline", key, "value");
    let value = match (v, rate) {
        (None, _) => "[x]".to_string(),
        (Some(v), true) => format!("{v:.1}{unit}"),
        (Some(v), false) if unit == "万元" => format!("{v:.1} {unit}"),
        (Some(v), false) => format!("{} {unit}", count(v)),
    };
    format!(
        "{label}{value}，环比{}，同比{}",
        change_words(f.num("headline", key, "change_qoq"), rate),
        change_words(f.num("headline", key, "change_yoy"), rate)
    )
}

fn table_html(t: &Table) -> String {
    let cols = columns(t);
    let mut h = format!(
        "<table id=\"table-{}\">\n<caption>{}</caption>\n<thead><tr>",
        t.spec.name,
        esc(t.spec.title)
    );
    for c in &cols {
        let class = if c.kind == Kind::Text {
            " class=\"t\""
        } else {
            ""
        };
        h.push_str(&format!("<th{class}>{}</th>", esc(c.header)));
    }
    h.push_str("</tr></thead>\n<tbody>\n");
    for r in 0..t.rows.len() {
        h.push_str("<tr>");
        for (i, c) in cols.iter().enumerate() {
            let (text, flag) = cell(t, r, i, &Default::default());
            let text = if c.kind == Kind::Text {
                text
            } else {
                grouped(&text)
            };
            let shown = match (text.is_empty(), flag.is_empty()) {
                (true, false) => flag,
                (false, false) => format!("{text} {flag}"),
                _ => text,
            };
            let class = if c.kind == Kind::Text {
                " class=\"t\""
            } else {
                ""
            };
            h.push_str(&format!("<td{class}>{}</td>", esc(&shown)));
        }
        h.push_str("</tr>\n");
    }
    h.push_str("</tbody>\n</table>\n");
    h
}

const CSS: &str = "body{font-family:'Noto Serif CJK SC','Source Han Serif SC',SimSun,serif;max-width:900px;margin:0 auto;padding:16px 24px;line-height:1.7;color:#222}h1{text-align:center;font-size:24px}h2{font-size:18px;margin-top:28px}p.lead{text-indent:2em}p.meta{text-align:center;color:#444}p.note{font-size:13px;color:#444;margin:14px 0 0}figure{margin:12px 0;break-inside:avoid}figure svg{max-width:100%;height:auto}table{border-collapse:collapse;width:100%;font-size:13px;margin:10px 0;page-break-inside:auto}caption{font-weight:bold;text-align:left;padding:4px 0}th,td{border:1px solid #999;padding:2px 6px;text-align:right}th{background:#eee}td.t,th.t{text-align:left}@page{size:A4;margin:15mm}@media print{body{max-width:none;padding:0;font-size:10.5pt}h2{break-after:avoid}tr{break-inside:avoid}}";

/// A revised cell: (table, row key, column, previous, revised).
pub type Revision = (String, String, String, String, String);

/// What the bulletin is written from.
pub struct Page<'a> {
    pub tables: &'a [Table],
    pub quarter: &'a str,
    pub edition: u32,
    pub lake_version: u64,
    /// The publication date in words, from the lake's publish time.
    pub date: &'a str,
    pub revisions: &'a [Revision],
    /// The charts with their SVG.
    pub charts: &'a [(Chart, String)],
    /// The load runs since the previous edition (why figures were revised).
    pub late: &'a [Input],
    pub params: &'a Params,
}

/// The three largest shown values of `value` among `rows`, as
/// "名称（数值）、…".
fn top3(t: &Table, rows: Vec<usize>, name: &str, value: &str, unit: &str) -> String {
    let parts: Vec<String> = by_value_desc(t, rows, value)
        .into_iter()
        .filter_map(|r| {
            let s = shown(t, r, value, unit);
            s.value
                .map(|_| format!("{}（{}）", text(t, r, name), s.text))
        })
        .take(3)
        .collect();
    if parts.is_empty() {
        "[x]".into()
    } else {
        parts.join("、")
    }
}

enum Item {
    Text(String),
    Table(&'static str),
    Chart(&'static str),
}

fn sections(p: &Page, f: &Find) -> Vec<(&'static str, Vec<Item>)> {
    use Item::{Chart as C, Table as T, Text as P};
    let top = |table: &str, name: &str, value: &str, unit: &str| {
        f.table(table).map_or_else(
            || "[x]".to_string(),
            |t| top3(t, detail_rows(t), name, value, unit),
        )
    };
    let alerts = f.table("alerts").map_or(0, |t| t.rows.len());
    vec![
        (
            "一、网购投诉举报",
            vec![
                P(format!(
                    "全国{}；{}。从商品和服务类别看，投诉量居前三位的是{}（括号内为占比）。从问题类别看，居前三位的是{}。",
                    measure(f, "complaints", "网购投诉 ", "件", false),
                    measure(f, "reports", "网购举报 ", "件", false),
                    top("by_category", "category_name", "share", "%"),
                    top("by_problem", "problem_name", "share", "%"),
                )),
                T("by_category"),
                C("complaints_by_category"),
                T("by_problem"),
                P(format!(
                    "网购投诉量居前三位的省份是{}。",
                    top("by_province", "region_name", "complaints", " 件")
                )),
                C("complaints_by_province"),
            ],
        ),
        (
            "二、执法办案",
            vec![P(format!(
                "立案查处网络案件{}；罚没金额{}；为消费者挽回经济损失{}。网络案件数居前三位的省份是{}。",
                measure(f, "cases", " ", "件", false),
                measure(f, "penalties", " ", "万元", false),
                measure(f, "recovered", " ", "万元", false),
                top("by_province", "region_name", "cases", " 件"),
            ))],
        ),
        (
            "三、网络商品质量抽检",
            vec![
                P(format!(
                    "网络商品质量抽检{}；不合格率{}。不合格率居前三位的产品类别是{}。",
                    measure(f, "samples", " ", "批次", false),
                    measure(f, "sample_fail_rate", " ", "%", true),
                    top("sampling_by_category", "category_name", "sample_fail_rate", "%"),
                )),
                T("sampling_by_category"),
                C("sample_fail_rate_by_category"),
            ],
        ),
        (
            "四、网络交易定向监测",
            vec![P(format!(
                "网络交易定向监测{}；发现问题率{}。发现问题率居前三位的省份是{}。",
                measure(f, "monitor_checks", " ", "条", false),
                measure(f, "monitor_hit_rate", " ", "%", true),
                top("by_province", "region_name", "monitor_hit_rate", "%"),
            ))],
        ),
        (
            "五、地区风险排名",
            vec![
                P(format!(
                    "风险指数以当季各省平均水平为 50，越高风险越大。风险指数居前三位的省份是{}。",
                    top("by_province", "region_name", "risk_index", ""),
                )),
                T("by_province"),
                C("risk_index_by_province"),
            ],
        ),
        (
            "六、网络交易平台",
            vec![
                P(format!(
                    "网购投诉量居前三位的平台是{}。",
                    top("by_platform", "platform_name", "complaints", " 件")
                )),
                T("by_platform"),
            ],
        ),
        (
            "七、主要指标走势",
            vec![T("trend"), C("complaints_trend")],
        ),
        (
            "八、预警",
            vec![
                P(if alerts == 0 {
                    format!("{}未触发预警。", quarter_words(p.quarter))
                } else {
                    format!("{}共触发预警 {alerts} 条。", quarter_words(p.quarter))
                }),
                T("alerts"),
            ],
        ),
    ]
}

fn revisions_html(p: &Page) -> String {
    let mut h = String::from("<h2>本版修订</h2>\n");
    if p.revisions.is_empty() {
        h.push_str("<p>本版无修订。</p>\n");
        return h;
    }
    h.push_str(&format!(
        "<p>本版修订了第 {} 版的 {} 个数值，修订处在表中标 [r]。</p>\n",
        p.edition - 1,
        p.revisions.len()
    ));
    if p.late.is_empty() {
        h.push_str("<p>修订原因：上一版之后没有新的入库，修订来自计算方法或披露控制参数的变化（见 manifest.json）。</p>\n");
    } else {
        h.push_str("<p>修订原因：上一版之后补报和更正的数据入库，入库批次如下。</p>\n<table id=\"late-loads\">\n<thead><tr><th>入库批次</th><th>文件</th><th>入库行数</th></tr></thead>\n<tbody>\n");
        for i in p.late {
            h.push_str(&format!(
                "<tr><td class=\"t\">{}</td><td class=\"t\">{}</td><td>{}</td></tr>\n",
                esc(&i.run),
                esc(&i.file),
                count(i.rows_loaded as f64)
            ));
        }
        h.push_str("</tbody>\n</table>\n");
    }
    h.push_str("<table id=\"revisions\">\n<thead><tr><th>表</th><th>行</th><th>列</th><th>原值</th><th>修订值</th></tr></thead>\n<tbody>\n");
    for (table, row, column, before, after) in p.revisions {
        let t = p.tables.iter().find(|t| t.spec.name == table);
        let title = t.map_or(table.as_str(), |t| t.spec.title);
        let header = t
            .and_then(|t| t.spec.columns.iter().find(|c| c.name == column))
            .map_or(column.as_str(), |c| c.header);
        h.push_str(&format!(
            "<tr><td class=\"t\">{}</td><td class=\"t\">{}</td><td class=\"t\">{}</td><td>{}</td><td>{}</td></tr>\n",
            esc(title),
            esc(row),
            esc(header),
            esc(&grouped(before)),
            esc(&grouped(after))
        ));
    }
    h.push_str("</tbody>\n</table>\n");
    h
}

/// An SVG document as an element of the page: no XML declaration, and no
/// namespace attribute (the HTML parser puts `<svg>` in the SVG namespace;
/// the page names no outside address).
fn inline_svg(svg: &str) -> String {
    let body = svg
        .trim_start_matches("<?xml version=\"1.0\" encoding=\"UTF-8\"?>")
        .trim();
    body.replacen(" xmlns=\"http://www.w3.org/2000/svg\"", "", 1)
}

/// The bulletin page.
pub fn html(p: &Page) -> String {
    let f = Find { tables: p.tables };
    let qw = quarter_words(p.quarter);
    let mut h = format!(
        "<!DOCTYPE html>\n<html lang=\"zh-CN\">\n<head>\n<meta charset=\"utf-8\">\n<title>{qw}全国网络市场监管统计公报</title>\n<style>{CSS}</style>\n</head>\n<body>\n<h1>{qw}全国网络市场监管统计公报</h1>\n<p class=\"meta\">{}　第 {} 版　数据来自湖版本 {}</p>\n",
        esc(p.date),
        p.edition,
        p.lake_version
    );
    h.push_str(&format!(
        "<p class=\"lead\">{qw}，全国{}；{}。立案查处网络案件{}；罚没金额{}。为消费者挽回经济损失{}。网络商品质量抽检{}，不合格率{}。网络交易定向监测{}，发现问题率{}。</p>\n",
        measure(&f, "complaints", "网购投诉 ", "件", false),
        measure(&f, "reports", "网购举报 ", "件", false),
        measure(&f, "cases", " ", "件", false),
        measure(&f, "penalties", " ", "万元", false),
        measure(&f, "recovered", " ", "万元", false),
        measure(&f, "samples", " ", "批次", false),
        measure(&f, "sample_fail_rate", " ", "%", true),
        measure(&f, "monitor_checks", " ", "条", false),
        measure(&f, "monitor_hit_rate", " ", "%", true),
    ));
    if let Some(t) = f.table("headline") {
        h.push_str(&table_html(t));
    }
    for (title, items) in sections(p, &f) {
        h.push_str(&format!("<h2>{title}</h2>\n"));
        for item in items {
            match item {
                Item::Text(s) => h.push_str(&format!("<p>{}</p>\n", esc(&s))),
                Item::Table(name) => {
                    if let Some(t) = f.table(name) {
                        h.push_str(&format!(
                            "<p class=\"note\">{}</p>\n",
                            esc(t.spec.description)
                        ));
                        h.push_str(&table_html(t));
                    }
                }
                Item::Chart(name) => {
                    if let Some((c, svg)) = p.charts.iter().find(|(c, _)| c.name == name) {
                        h.push_str(&format!(
                            "<figure id=\"chart-{}\">\n{}\n</figure>\n",
                            c.name,
                            inline_svg(svg)
                        ));
                    }
                }
            }
        }
    }
    h.push_str(&notes_html(p.params));
    h.push_str(&revisions_html(p));
    h.push_str("</body>\n</html>\n");
    h
}

/// The source systems, as the bulletin's notes and the spreadsheet's cover
/// name them.
pub const SOURCES: &str =
    "12315 投诉举报、网络案件、网络商品质量抽检、网络交易定向监测、网络经营主体和网络交易平台登记";

/// Methods and notes: in the bulletin, and numbered (`[注1]`) in the
/// spreadsheet's notes sheet. Tier bounds come from the tier list
/// (data/reference/tiers.csv), the disclosure figures from the parameters.
pub fn notes(params: &Params) -> Vec<String> {
    let tiers: Vec<String> = wangjian_contract::vocab::tiers()
        .iter()
        .map(|t| match t.min_index {
            Some(m) => format!("≥{m} 为{}", t.tier),
            None => format!("其余为{}", t.tier),
        })
        .collect();
    vec![
        format!("数据来源：{SOURCES}，经 wangjian 入库校验；未通过校验的记录隔离并注明原因，不进入统计。"),
        "统计口径：网购投诉、举报指涉及网络交易的投诉、举报；省份为承办（立案、抽检、监测）机关所在省份；季度按事件日期（北京时间：投诉举报的登记日期、案件的立案日期、抽检日期、监测日期）划分；全国数由记录直接汇总，不由各省平均。".into(),
        "变化的表述：先四舍五入到一位小数，为 0.0 的称“持平”；数量和金额的变化以百分比计，比率的变化以百分点计。".into(),
        format!(
            "符号：[c] 为保密不予公布，[x] 为无数据，[z] 为不适用，[u] 为分母不足 {}、可靠性较低，[r] 为本版修订。",
            params.min_denominator
        ),
        format!(
            "为保护个人和企业信息，省级和平台级 1 至 {} 的小数目、由其计算的比率以及少于 {} 件案件的罚没金额不予公布，并对同行或同列另一数值作相应处理，使之不能由合计推算；0 照常公布。",
            params.threshold - 1,
            params.min_cases
        ),
        format!(
            "抽检不合格率的 95% 置信区间为 Wilson 区间；风险指数按 OECD/JRC 综合指数方法，将各分项指标标准化后加权合成，换算为 T 分（当季各省平均为 50，每 10 分为一个标准差）；等级：{}。",
            tiers.join("，")
        ),
        "排名区间：风险排名取决于各分项的权重和标准化方法。将六项权重分别乘以 0.5、1 或 2（共 729 组），并分别用 z 分数、最小—最大值和百分位排序三种方法标准化，共 2187 种方案，逐一重新排名；排名区间为这些名次从小到大排列后的第 5 和第 95 百分位。区间窄，说明无论怎样合理地设定权重，名次都基本不变；区间宽，说明名次对方法的选择敏感，解读时应更谨慎。".into(),
        "小样本不合格率的平滑：抽检批次少的省份，不合格率受偶然因素影响大（如 12 批中 3 批不合格即为 25%）。采用经验贝叶斯方法（贝塔—二项模型，矩估计），把各省不合格率按其批次多少向当季全国水平收缩：批次越少，收缩越多；各省之间差异本身不大于抽样误差时，一律取全国水平。平滑结果用于辅助判断，不替代本公报公布的不合格率。".into(),
        format!(
            "投诉持续上升预警（累积和）：按各省上年同月在全国网购投诉中的份额，推算本月应有的投诉件数（“双十一”“618”等全国共同的季节高峰因此相互抵消），将实际件数与推算件数之差标准化后逐月累加（每月扣除一个容许量，低于 0 时记为 0）；累加值达到 {} 即发出预警，预警后下月从 0 重新累加。它反映的是持续数月的偏高，而不是单月的波动。",
            wangjian_contract::vocab::alert_type(wangjian_contract::vocab::COMPLAINT_CUSUM)
                .and_then(|a| a.threshold)
                .unwrap_or(f64::NAN)
        ),
    ]
}

fn notes_html(params: &Params) -> String {
    let mut h = String::from("<h2>说明</h2>\n<ol>\n");
    for n in notes(params) {
        h.push_str(&format!("<li>{}</li>\n", esc(&n)));
    }
    h.push_str("</ol>\n");
    h
}
#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn changes_are_worded_by_sign_after_rounding() {
        assert_eq!(change_words(Some(37.5166), false), "增长 37.5%");
        assert_eq!(change_words(Some(-4.04), false), "下降 4.0%");
        assert_eq!(change_words(Some(0.04), false), "持平");
        assert_eq!(change_words(Some(-0.049), true), "持平");
        assert_eq!(change_words(Some(2.66), true), "上升 2.7 个百分点");
        assert_eq!(change_words(None, false), "无可比数据");
        assert_eq!(quarter_words("2025Q4"), "2025年第四季度");
    }
}
