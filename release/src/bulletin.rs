//! `bulletin.html`: the statistical bulletin (统计公报) in Chinese, written
//! from the release's own (controlled) tables: a lead paragraph, a section
//! per theme, the tables, methods and notes, and this edition's revisions.
//! One self-contained page (no script, no outside resource), A4 print
//! stylesheet.
//!
//! Words for changes: the change is rounded to one decimal first; a change
//! that rounds to 0.0 is 持平, otherwise 增长/下降 (counts and money, per
//! cent) or 上升/下降 (rates, percentage points).

use crate::disclosure::Flag;
use crate::tables::Kind;
use crate::write::{cell, columns};
use crate::{Table, Value};

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

/// A written number with thousands separators in its integer part:
/// "6778.00" → "6,778.00".
fn grouped(text: &str) -> String {
    let (sign, rest) = match text.strip_prefix('-') {
        Some(r) => ("-", r),
        None => ("", text),
    };
    let (int, frac) = rest
        .split_once('.')
        .map_or((rest, None), |(a, b)| (a, Some(b)));
    if int.is_empty() || !int.bytes().all(|b| b.is_ascii_digit()) {
        return text.to_string();
    }
    let grouped = count(int.parse::<f64>().unwrap_or(0.0));
    match frac {
        Some(f) => format!("{sign}{grouped}.{f}"),
        None => format!("{sign}{grouped}"),
    }
}

/// A count with thousands separators.
fn count(v: f64) -> String {
    let n = v.round() as i64;
    let s = n.unsigned_abs().to_string();
    let mut out = String::new();
    for (i, ch) in s.chars().enumerate() {
        if i > 0 && (s.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(ch);
    }
    if n < 0 {
        format!("-{out}")
    } else {
        out
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
        h.push_str(&format!("<th>{}</th>", esc(c.header)));
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

const CSS: &str = "body{font-family:'Noto Serif CJK SC','Source Han Serif SC',SimSun,serif;max-width:900px;margin:0 auto;padding:16px 24px;line-height:1.7;color:#222}h1{text-align:center;font-size:24px}h2{font-size:18px;margin-top:28px}p.lead{text-indent:2em}table{border-collapse:collapse;width:100%;font-size:13px;margin:10px 0;page-break-inside:auto}caption{font-weight:bold;text-align:left;padding:4px 0}th,td{border:1px solid #999;padding:2px 6px;text-align:right}th{background:#eee}td.t,th:first-child{text-align:left}@page{size:A4;margin:15mm}@media print{body{max-width:none;padding:0;font-size:10.5pt}h2{break-after:avoid}tr{break-inside:avoid}}";

/// The bulletin of `quarter`, edition `n`, made from lake version `lake_version`,
/// with `revisions` (table, row, column, previous, revised).
pub fn html(
    tables: &[Table],
    quarter: &str,
    n: u32,
    lake_version: u64,
    revisions: &[(String, String, String, String, String)],
) -> String {
    let f = Find { tables };
    let qw = quarter_words(quarter);
    let mut h = format!(
        "<!DOCTYPE html>\n<html lang=\"zh-CN\">\n<head>\n<meta charset=\"utf-8\">\n<title>{qw}全国网络市场监管统计公报</title>\n<style>{CSS}</style>\n</head>\n<body>\n<h1>{qw}全国网络市场监管统计公报</h1>\n<p style=\"text-align:center\">第 {n} 版　数据来自湖版本 {lake_version}</p>\n"
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
    let sections: [(&str, &[&str]); 6] = [
        ("一、网购投诉举报", &["by_category", "by_problem"]),
        ("二、执法办案", &["by_province"]),
        ("三、网络商品质量抽检", &["sampling_by_category"]),
        ("四、平台", &["by_platform"]),
        ("五、主要指标走势", &["trend"]),
        ("六、预警", &["alerts"]),
    ];
    for (title, names) in sections {
        h.push_str(&format!("<h2>{title}</h2>\n"));
        for name in names {
            if let Some(t) = f.table(name) {
                h.push_str(&format!("<p>{}</p>\n", esc(t.spec.description)));
                h.push_str(&table_html(t));
            }
        }
    }
    h.push_str("<h2>说明</h2>\n<ol>\n<li>数据来源：12315 投诉举报、网络案件、网络商品质量抽检、网络交易定向监测及网络经营主体库，经 wangjian 入库校验。</li>\n<li>变化的表述：先四舍五入到一位小数，为 0.0 的称“持平”；数量和金额的变化以百分比计，比率的变化以百分点计。</li>\n<li>符号：[c] 为保密不予公布，[x] 为无数据，[z] 为不适用，[u] 为分母不足、可靠性较低，[r] 为本版修订。</li>\n<li>为保护个人和企业信息，省级和平台级的小数目（1 至 4）及由其计算的比率不予公布，并对同列另一数值作相应处理，使之不能由合计推算。</li>\n</ol>\n");
    h.push_str("<h2>本版修订</h2>\n");
    if revisions.is_empty() {
        h.push_str("<p>本版无修订。</p>\n");
    } else {
        h.push_str(&format!(
            "<p>因补报和更正数据，本版修订了上一版的 {} 个数值：</p>\n<table>\n<thead><tr><th>表</th><th>行</th><th>列</th><th>原值</th><th>修订值</th></tr></thead>\n<tbody>\n",
            revisions.len()
        ));
        for (a, b, c, d, e) in revisions {
            h.push_str(&format!(
                "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>\n",
                esc(a),
                esc(b),
                esc(c),
                esc(d),
                esc(e)
            ));
        }
        h.push_str("</tbody>\n</table>\n");
    }
    h.push_str("</body>\n</html>\n");
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
        assert_eq!(grouped("6778.00"), "6,778.00");
        assert_eq!(grouped("-1234567"), "-1,234,567");
        assert_eq!(grouped("12.5"), "12.5");
        assert_eq!(grouped("[c]"), "[c]");
    }
}
