//! The tables of the release (release.md): which lake table each comes
//! from, the columns published with their headers (units in brackets) and
//! number formats, and each column's role for disclosure control. The
//! figures themselves are computed by queries/60_release_tables.sql.

use crate::disclosure::Role;

/// How a number is written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Text,
    Int,
    /// Fixed decimals.
    Dec(usize),
}

/// A column's role, statically.
#[derive(Debug, Clone, Copy)]
pub enum R {
    Plain,
    Count,
    /// A count that is not summed into the total row.
    CountNotAdditive,
    Rate(Option<&'static str>, &'static str),
    Derived(&'static str),
    Money(&'static str),
}

impl R {
    pub fn role(self) -> Role {
        match self {
            R::Plain => Role::Plain,
            R::Count => Role::Count { additive: true },
            R::CountNotAdditive => Role::Count { additive: false },
            R::Rate(num, den) => Role::Rate {
                num: num.map(str::to_string),
                den: den.to_string(),
            },
            R::Derived(of) => Role::Derived { of: of.to_string() },
            R::Money(cases) => Role::Money {
                cases: cases.to_string(),
            },
        }
    }
    /// Whether the column gets a flag column beside it.
    pub fn flagged(self) -> bool {
        !matches!(self, R::Plain)
    }
}

#[derive(Debug, Clone, Copy)]
pub struct Col {
    pub name: &'static str,
    /// The header as published, unit in brackets.
    pub header: &'static str,
    pub kind: Kind,
    pub role: R,
    /// false for the counts disclosure control reads but the release does not show.
    pub published: bool,
}

const fn c(name: &'static str, header: &'static str, kind: Kind, role: R) -> Col {
    Col {
        name,
        header,
        kind,
        role,
        published: true,
    }
}

const fn hidden(name: &'static str) -> Col {
    Col {
        name,
        header: "",
        kind: Kind::Int,
        role: R::Count,
        published: false,
    }
}

/// Which rows of a table a quarter's release holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Rows {
    /// `quarter = Q`
    Quarter,
    /// `quarter <= Q` (the trend)
    UpTo,
}

#[derive(Debug, Clone, Copy)]
pub struct TableSpec {
    /// File and sheet name.
    pub name: &'static str,
    pub title: &'static str,
    pub description: &'static str,
    /// The lake table (queries/60_release_tables.sql).
    pub source: &'static str,
    pub rows: Rows,
    /// Disclosure control applies (the table is below the national level).
    pub controlled: bool,
    /// The total (national) row: (column, value).
    pub total: Option<(&'static str, &'static str)>,
    pub columns: &'static [Col],
}

use Kind::{Dec, Int, Text};

pub const TABLES: [TableSpec; 8] = [
    TableSpec {
        name: "headline",
        title: "主要指标（全国）",
        description: "本季度全国主要指标及其环比、同比变化；比率的变化以百分点计。",
        source: "release_headline",
        rows: Rows::Quarter,
        controlled: false,
        total: None,
        columns: &[
            c("measure", "指标代码", Text, R::Plain),
            c("measure_name", "指标", Text, R::Plain),
            c("value", "本季度", Dec(2), R::Plain),
            c("previous", "上季度", Dec(2), R::Plain),
            c("year_ago", "上年同季度", Dec(2), R::Plain),
            c("change_qoq", "环比（%或百分点）", Dec(2), R::Plain),
            c("change_yoy", "同比（%或百分点）", Dec(2), R::Plain),
        ],
    },
    TableSpec {
        name: "by_province",
        title: "分省主要指标",
        description: "31 个省（区、市）及全国的投诉、案件、抽检、监测与风险指数。",
        source: "release_by_province",
        rows: Rows::Quarter,
        controlled: true,
        total: Some(("region_code", "000000")),
        columns: &[
            c("region_code", "地区代码", Text, R::Plain),
            c("region_name", "地区", Text, R::Plain),
            c("complaints", "网购投诉量（件）", Int, R::Count),
            c("reports", "网购举报量（件）", Int, R::Count),
            c(
                "complaints_per_100k",
                "每十万人投诉量（件）",
                Dec(2),
                R::Derived("complaints"),
            ),
            c(
                "closed_60d_rate",
                "60 日办结率（%）",
                Dec(2),
                R::Rate(Some("n_closed_60d"), "complaints"),
            ),
            c(
                "recovery_ratio",
                "挽回比例（%）",
                Dec(2),
                R::Rate(None, "n_recovery_base"),
            ),
            c("cases", "网络案件数（件）", Int, R::Count),
            c(
                "penalties_wan",
                "罚没金额（万元）",
                Dec(2),
                R::Money("n_penalised"),
            ),
            c("samples", "抽检批次（批）", Int, R::Count),
            c(
                "sample_fail_rate",
                "抽检不合格率（%）",
                Dec(2),
                R::Rate(Some("n_failed"), "samples"),
            ),
            c(
                "monitor_hit_rate",
                "监测发现问题率（%）",
                Dec(2),
                R::Rate(Some("n_monitor_hits"), "n_monitor_checks"),
            ),
            c("risk_index", "风险指数", Dec(1), R::Plain),
            c("rank", "风险排名", Int, R::Plain),
            c("tier", "风险等级", Text, R::Plain),
            c("rank_p05", "排名区间下限（第 5 百分位）", Int, R::Plain),
            c("rank_p95", "排名区间上限（第 95 百分位）", Int, R::Plain),
            hidden("n_closed_60d"),
            hidden("n_recovery_base"),
            hidden("n_penalised"),
            hidden("n_failed"),
            hidden("n_monitor_checks"),
            hidden("n_monitor_hits"),
        ],
    },
    TableSpec {
        name: "by_category",
        title: "网购投诉按商品和服务类别分",
        description: "全国网购投诉按商品和服务类别的件数、占比与环比。",
        source: "release_by_category",
        rows: Rows::Quarter,
        controlled: false,
        total: None,
        columns: &[
            c("category_code", "类别代码", Text, R::Plain),
            c("category_name", "类别", Text, R::Plain),
            c("complaints", "网购投诉量（件）", Int, R::Plain),
            c("share", "占比（%）", Dec(2), R::Plain),
            c("change_qoq", "环比（%）", Dec(2), R::Plain),
        ],
    },
    TableSpec {
        name: "by_problem",
        title: "网购投诉按问题类别分",
        description: "全国网购投诉按问题类别的件数、占比与环比。",
        source: "release_by_problem",
        rows: Rows::Quarter,
        controlled: false,
        total: None,
        columns: &[
            c("problem_code", "问题代码", Text, R::Plain),
            c("problem_name", "问题类别", Text, R::Plain),
            c("complaints", "网购投诉量（件）", Int, R::Plain),
            c("share", "占比（%）", Dec(2), R::Plain),
            c("change_qoq", "环比（%）", Dec(2), R::Plain),
        ],
    },
    TableSpec {
        name: "by_platform",
        title: "分平台主要指标",
        description: "各网络交易平台的投诉、每万户平台内经营者投诉、抽检与案件。",
        source: "release_by_platform",
        rows: Rows::Quarter,
        controlled: true,
        total: None,
        columns: &[
            c("platform_id", "平台代码", Text, R::Plain),
            c("platform_name", "平台", Text, R::Plain),
            c("complaints", "网购投诉量（件）", Int, R::CountNotAdditive),
            c(
                "complaints_per_10k_merchants",
                "每万户平台内经营者投诉（件）",
                Dec(2),
                R::Rate(Some("complaints"), "n_merchants"),
            ),
            c("samples", "抽检批次（批）", Int, R::CountNotAdditive),
            c(
                "sample_fail_rate",
                "抽检不合格率（%）",
                Dec(2),
                R::Rate(Some("n_failed"), "samples"),
            ),
            c("cases", "网络案件数（件）", Int, R::CountNotAdditive),
            hidden("n_merchants"),
            hidden("n_failed"),
        ],
    },
    TableSpec {
        name: "sampling_by_category",
        title: "网络商品质量抽检按产品类别分",
        description: "全国网络商品抽检批次、不合格批次、不合格率及其 Wilson 95% 置信区间。",
        source: "release_sampling_by_category",
        rows: Rows::Quarter,
        controlled: false,
        total: None,
        columns: &[
            c("category_code", "类别代码", Text, R::Plain),
            c("category_name", "产品类别", Text, R::Plain),
            c("samples", "抽检批次（批）", Int, R::Plain),
            c("failed", "不合格批次（批）", Int, R::Plain),
            c("sample_fail_rate", "不合格率（%）", Dec(2), R::Plain),
            c("ci_low", "置信区间下限（%）", Dec(2), R::Plain),
            c("ci_high", "置信区间上限（%）", Dec(2), R::Plain),
        ],
    },
    TableSpec {
        name: "trend",
        title: "主要指标季度走势（全国）",
        description: "湖中各季度至本季度的全国主要指标。",
        source: "release_trend",
        rows: Rows::UpTo,
        controlled: false,
        total: None,
        columns: &[
            c("quarter", "季度", Text, R::Plain),
            c("complaints", "网购投诉量（件）", Int, R::Plain),
            c("reports", "网购举报量（件）", Int, R::Plain),
            c("cases", "网络案件数（件）", Int, R::Plain),
            c("penalties_wan", "罚没金额（万元）", Dec(2), R::Plain),
            c("recovered_wan", "挽回经济损失（万元）", Dec(2), R::Plain),
            c("samples", "抽检批次（批）", Int, R::Plain),
            c("sample_fail_rate", "抽检不合格率（%）", Dec(2), R::Plain),
            c("monitor_checks", "定向监测记录（条）", Int, R::Plain),
            c("monitor_hit_rate", "监测发现问题率（%）", Dec(2), R::Plain),
        ],
    },
    TableSpec {
        name: "alerts",
        title: "本季度预警",
        description: "本季度触发的预警：省份、类型、数值与阈值（单位见末列：% 或累积和）。",
        source: "release_alerts",
        rows: Rows::Quarter,
        controlled: false,
        total: None,
        columns: &[
            c("region_code", "地区代码", Text, R::Plain),
            c("region_name", "地区", Text, R::Plain),
            c("alert", "预警代码", Text, R::Plain),
            c("alert_label", "预警类型", Text, R::Plain),
            c("value", "数值", Dec(2), R::Plain),
            c("threshold", "阈值", Dec(2), R::Plain),
            c("unit", "单位", Text, R::Plain),
        ],
    },
];
