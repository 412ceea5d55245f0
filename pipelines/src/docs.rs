//! The data dictionary of the tables ingest writes, generated from the specs.

use wangjian_contract::sources::{Kind, SOURCES};

use crate::outcome::{Issue, Reason};
use crate::schema::{LOAD_ISSUES, LOAD_RUNS, QUARANTINE};

pub use wangjian_contract::ColumnDoc;

fn kind_text(k: Kind) -> String {
    match k {
        Kind::Text => "text, trimmed".into(),
        Kind::Code => "code, trimmed, full-width folded".into(),
        Kind::Enum(v) => format!("one of {}", v.join(" ")),
        Kind::Category { goods_only: true } => {
            "goods category code G01..G11 (ref_categories)".into()
        }
        Kind::Category { goods_only: false } => "category code (ref_categories)".into(),
        Kind::Problem => "problem type code (ref_problems)".into(),
        Kind::Violation => "violation type code (ref_violations)".into(),
        Kind::BusinessFormat => "business format (ref_business_formats)".into(),
        Kind::DateTime => "Beijing local date-time".into(),
        Kind::Date => "date".into(),
        Kind::Bool { default: Some(d) } => format!("yes/no, missing means {d}"),
        Kind::Bool { default: None } => "yes/no".into(),
        Kind::Money => "yuan, exact to the fen".into(),
        Kind::Region => "6-digit GB/T 2260 region code".into(),
        Kind::Uscc => "unified social credit code (checked; invalid -> missing)".into(),
        Kind::Personal => "personal data (never stored)".into(),
        Kind::Redacted => "text with ID and mobile numbers replaced by [已脱敏]".into(),
        Kind::Items => "items joined by ';'".into(),
    }
}

/// Every column of the source, load and reference tables with its meaning.
pub fn column_docs() -> Vec<ColumnDoc> {
    let mut out = Vec::new();
    let mut push = |t: &str, c: &str, m: String| out.push((t.to_string(), c.to_string(), m));
    for s in SOURCES {
        for c in s.columns {
            if c.kind == Kind::Personal {
                continue;
            }
            let mut m = format!("{} — {}", c.zh, kind_text(c.kind));
            if c.name == s.key {
                m.push_str("; the key");
            } else if c.required {
                m.push_str("; required");
            }
            if c.name == "updated_at" {
                m.push_str("; the version time (missing: the event time, or for entities registered_on, else the load time)");
            }
            push(s.name, c.name, m);
        }
        if s.name == "complaints" {
            push(s.name, "consumer_key", "keyed hash (HMAC-SHA256, first 32 hex) of the consumer's normalised phone, else ID number; replaces 消费者姓名/联系电话/身份证号".into());
        }
        if s.is_event() {
            push(
                s.name,
                "province_code",
                "province (XX0000) of region_code".into(),
            );
            push(
                s.name,
                "quarter",
                "YYYYQn of the event time's local date; the partition".into(),
            );
        }
        push(
            s.name,
            "_run",
            "the load run that wrote this version".into(),
        );
        push(s.name, "_file", "the extract file the row came from".into());
        push(
            s.name,
            "_row",
            "the row in that file (1 = first data row; JSON lines: line number)".into(),
        );
        push(
            s.name,
            "_hash",
            "content hash of the normalised row (identical versions are superseded)".into(),
        );
    }
    let reasons: Vec<&str> = Reason::ALL.iter().map(|r| r.code()).collect();
    let issues: Vec<&str> = Issue::ALL.iter().map(|r| r.code()).collect();
    let formats: Vec<&str> = crate::read::FORMATS.iter().map(|f| f.name()).collect();
    for (table, cols) in [
        ("quarantine", QUARANTINE),
        ("load_runs", LOAD_RUNS),
        ("load_issues", LOAD_ISSUES),
    ] {
        for (c, _, m) in cols {
            let m = match (table, *c) {
                ("quarantine", "reason_code") => {
                    format!("why the row was refused ({})", reasons.join(", "))
                }
                ("load_runs", "format") => formats.join(", "),
                ("load_issues", "code") => {
                    format!("reason code or issue code ({})", issues.join(", "))
                }
                _ => m.to_string(),
            };
            push(table, c, m);
        }
    }
    for (t, c, m) in [
        ("ref_provinces", "code", "GB/T 2260 province code"),
        ("ref_provinces", "name", "full name"),
        ("ref_provinces", "short_name", "short name"),
        ("ref_provinces", "region_group", "东部 中部 西部 东北"),
        (
            "ref_provinces",
            "population",
            "resident population, 7th census (2020-11-01)",
        ),
        ("ref_categories", "code", "商品服务类别 code"),
        ("ref_categories", "name", "商品服务类别 name"),
        ("ref_problems", "code", "问题类别 code"),
        ("ref_problems", "name", "问题类别 name"),
        ("ref_violations", "code", "违法类型 code"),
        ("ref_violations", "name", "违法类型 name"),
        ("ref_business_formats", "name", "业态"),
    ] {
        push(t, c, m.into());
    }
    out
}
