//! Row validation: raw text in, normalised values or a quarantine reason out.
//! Driven by the source specs; the cross-column rules of each source are at
//! the end.

use std::borrow::Cow;
use std::collections::BTreeMap;

use chrono::NaiveDateTime;

use crate::batch::V;
use crate::outcome::{Issue, Reason};
use crate::read::RawRecord;
use crate::schema::business_columns;
use crate::values::{date, money, pii, text};
use wangjian_contract::reference::Reference;
use wangjian_contract::sources::{Column, Kind, Source};
use wangjian_contract::uscc;

/// How a file's header maps onto a source.
#[derive(Debug, Clone)]
pub struct HeaderMap {
    /// For each spec column, the field indexes in the file that carry it
    /// (a column may be named twice, e.g. in English and in Chinese on
    /// different JSON lines); the first non-empty one is read.
    pub pos: Vec<Vec<usize>>,
    /// File fields that carry personal data (never copied anywhere).
    pub personal: Vec<bool>,
    /// File fields that are redacted free text.
    pub redacted: Vec<bool>,
    /// Header names that match no column.
    pub unknown: Vec<String>,
}

/// Maps a header by English or Chinese names, any order, surrounding spaces
/// ignored. Fails, naming them, when required columns are absent.
pub fn map_headers(src: &Source, headers: &[String]) -> Result<HeaderMap, String> {
    let mut pos: Vec<Vec<usize>> = vec![Vec::new(); src.columns.len()];
    let mut personal = vec![false; headers.len()];
    let mut redacted = vec![false; headers.len()];
    let mut unknown = Vec::new();
    for (i, h) in headers.iter().enumerate() {
        let h = text::trim(h);
        let found = src
            .columns
            .iter()
            .position(|c| c.name.eq_ignore_ascii_case(h) || c.zh == h);
        match found {
            Some(ci) => {
                let c = &src.columns[ci];
                personal[i] = c.kind == Kind::Personal;
                redacted[i] = c.kind == Kind::Redacted;
                pos[ci].push(i);
            }
            None => unknown.push(h.to_string()),
        }
    }
    let missing: Vec<String> = src
        .columns
        .iter()
        .zip(&pos)
        .filter(|(c, p)| c.required && p.is_empty())
        .map(|(c, _)| format!("{} ({})", c.name, c.zh))
        .collect();
    if !missing.is_empty() {
        return Err(format!("required column missing: {}", missing.join(", ")));
    }
    Ok(HeaderMap {
        pos,
        personal,
        redacted,
        unknown,
    })
}

/// A row that failed: the reason and a human-readable text.
#[derive(Debug, Clone)]
pub struct Rejection {
    pub reason: Reason,
    pub text: String,
}

fn reject(reason: Reason, text: String) -> Rejection {
    Rejection { reason, text }
}

/// A valid row: its business values (in `business_columns` order), its
/// version time and content hash.
#[derive(Debug, Clone)]
pub struct ValidRow<'r> {
    pub values: Vec<V<'r>>,
    pub version: NaiveDateTime,
    pub hash: u64,
}

/// Validates the rows of one file.
pub struct Validator {
    src: &'static Source,
    map: HeaderMap,
    load_time: NaiveDateTime,
    reference: &'static Reference,
    /// (column, issue) → count, for rows that were not quarantined.
    pub issues: BTreeMap<(String, Issue), u64>,
    /// For each spec column, its place among the business columns (`None`
    /// for personal data, which is never stored).
    slot: Vec<Option<usize>>,
    /// Places of the columns every row reads, looked up once.
    at: Places,
    /// The key's place among the spec columns.
    key_column: Option<usize>,
    width: usize,
    /// The bytes of the row at hand that its content hash reads.
    hash_buf: Vec<u8>,
    /// The consumer key's HMAC, keyed once.
    keyer: Option<pii::Keyer>,
}

/// The business-column places of the columns that `row` sets or reads.
struct Places {
    updated_at: usize,
    consumer_key: Option<usize>,
    event: Option<usize>,
    region: Option<usize>,
    province: Option<usize>,
    quarter: Option<usize>,
    registered_on: Option<usize>,
    /// The columns the cross-column rules read, by name: a handful, so a
    /// short list beats a map of every column.
    rules: RuleColumns,
}

/// The places of the columns of the cross-column rules.
struct RuleColumns(Vec<(&'static str, usize)>);

impl std::ops::Index<&str> for RuleColumns {
    type Output = usize;
    fn index(&self, name: &str) -> &usize {
        &self
            .0
            .iter()
            .find(|(n, _)| *n == name)
            .expect("a column of the source's rules")
            .1
    }
}

/// Every column a cross-column rule reads.
const RULE_COLUMNS: [&str; 10] = [
    "status",
    "closed_at",
    "outcome",
    "received_at",
    "filed_at",
    "result",
    "failed_items",
    "action",
    "abnormal_until",
    "abnormal_since",
];

/// Why a present value could not be read: refused whatever the column
/// (`Refuse`), or a field-level problem (`Field`) that refuses the row only
/// in a required column.
enum Bad {
    Refuse(Rejection),
    Field(Reason, Issue, String),
}

fn unknown(what: String) -> Bad {
    Bad::Field(Reason::UnknownEnum, Issue::UnknownEnum, what)
}

fn unparseable(what: String) -> Bad {
    Bad::Field(Reason::Unparseable, Issue::Unparseable, what)
}

/// The value of a column left empty (or set to missing): its default.
fn absent(col: &Column) -> V<'static> {
    match col.kind {
        Kind::Bool { default: Some(d) } => V::B(d),
        _ => V::Null,
    }
}

/// An empty value: refused for the key and required columns.
fn missing(col: &Column, is_key: bool) -> Result<V<'static>, Rejection> {
    if is_key {
        return Err(reject(
            Reason::MissingKey,
            format!("{}: the key is missing", col.name),
        ));
    }
    if col.required {
        return Err(reject(
            Reason::MissingRequired,
            format!("{}: required value is missing", col.name),
        ));
    }
    Ok(absent(col))
}

/// Items separated by `;`, `；` or `、`, stored joined by `;`.
fn items(s: &str) -> V<'static> {
    let items: Vec<&str> = s
        .split([';', '；', '、'])
        .map(text::trim)
        .filter(|x| !x.is_empty())
        .collect();
    if items.is_empty() {
        V::Null
    } else {
        V::S(items.join(";").into())
    }
}

/// A code looked up in a reference list.
fn listed(code: Option<&'static str>, what: &str, s: &str) -> Result<V<'static>, Bad> {
    code.map(|c| V::S(Cow::Borrowed(c)))
        .ok_or_else(|| unknown(format!("unknown {what} '{s}'")))
}

/// An amount in yuan: a negative or unreadable amount refuses the row.
fn money_value(name: &str, s: &str) -> Result<V<'static>, Bad> {
    match money::parse_money_fen(s) {
        Ok(f) => Ok(V::M(f)),
        Err(money::MoneyError::Negative) => Err(Bad::Refuse(reject(
            Reason::BadMoney,
            format!("{name}: negative amount '{s}'"),
        ))),
        Err(money::MoneyError::Unparseable) => Err(Bad::Refuse(reject(
            Reason::BadMoney,
            format!("{name}: cannot read '{s}' as an amount in yuan"),
        ))),
    }
}

impl Validator {
    pub fn new(
        src: &'static Source,
        map: HeaderMap,
        secret: &[u8],
        load_time: NaiveDateTime,
    ) -> Self {
        let cols = business_columns(src);
        let out_index: BTreeMap<&'static str, usize> =
            cols.iter().enumerate().map(|(i, (n, _))| (*n, i)).collect();
        let slot = src
            .columns
            .iter()
            .map(|c| (c.kind != Kind::Personal).then(|| out_index[c.name]))
            .collect();
        let get = |n: &str| out_index.get(n).copied();
        let at = Places {
            updated_at: out_index["updated_at"],
            consumer_key: get("consumer_key"),
            event: src.event_time.and_then(get),
            region: get("region_code"),
            province: get("province_code"),
            quarter: get("quarter"),
            registered_on: get("registered_on"),
            rules: RuleColumns(
                RULE_COLUMNS
                    .iter()
                    .filter_map(|n| get(n).map(|i| (*n, i)))
                    .collect(),
            ),
        };
        Validator {
            src,
            map,
            load_time,
            reference: Reference::get(),
            issues: BTreeMap::new(),
            slot,
            at,
            key_column: src.columns.iter().position(|c| c.name == src.key),
            width: cols.len(),
            hash_buf: Vec::with_capacity(512),
            keyer: pii::Keyer::new(secret),
        }
    }

    pub fn header_map(&self) -> &HeaderMap {
        &self.map
    }

    /// The raw row as JSON text for the quarantine table: personal data
    /// fields removed, description redacted. A row that could not be split
    /// into fields is withheld when the source has personal data columns,
    /// since its fields cannot be told apart.
    pub fn raw_text(&self, rec: &RawRecord, headers: &[String]) -> String {
        if rec.malformed.is_some() {
            if self.src.columns.iter().any(|c| c.kind == Kind::Personal) {
                return "(withheld: the row could not be split into fields, so personal data could not be removed)".to_string();
            }
            return pii::redact(&rec.fields.to_vec().join(","));
        }
        let mut obj = serde_json::Map::new();
        for (i, v) in rec.fields.iter().enumerate() {
            if self.map.personal.get(i).copied().unwrap_or(false) {
                continue;
            }
            let name = headers
                .get(i)
                .cloned()
                .unwrap_or_else(|| format!("field{}", i + 1));
            let v = if self.map.redacted.get(i).copied().unwrap_or(false) {
                pii::redact(v)
            } else {
                v.to_string()
            };
            obj.insert(name, serde_json::Value::String(v));
        }
        serde_json::Value::Object(obj).to_string()
    }

    fn field<'r>(&self, rec: &'r RawRecord, ci: usize) -> &'r str {
        // One header for the column (the usual case): its value, whatever
        // it holds; the missing-token test is the cleaning's, not repeated.
        if let [p] = self.map.pos[ci][..] {
            return rec.fields.get(p).unwrap_or("");
        }
        let mut first = "";
        for &p in &self.map.pos[ci] {
            let v = rec.fields.get(p).unwrap_or("");
            if !text::is_missing_token(text::trim(v)) {
                return v;
            }
            if first.is_empty() {
                first = v;
            }
        }
        first
    }

    /// Validates one row.
    pub fn row<'r>(&mut self, rec: &'r RawRecord) -> Result<ValidRow<'r>, Rejection> {
        self.row_with(rec, Vec::new())
    }

    /// [`Validator::row`] with the values put in `values` (cleared first):
    /// a caller that hands back the last row's values saves an allocation a
    /// row.
    pub fn row_with<'r>(
        &mut self,
        rec: &'r RawRecord,
        mut values: Vec<V<'r>>,
    ) -> Result<ValidRow<'r>, Rejection> {
        if let Some(why) = &rec.malformed {
            return Err(reject(Reason::MalformedRow, why.clone()));
        }
        values.clear();
        values.resize(self.width, V::Null);
        let mut issues: Vec<(&'static str, Issue)> = Vec::new();
        let mut phone = None;
        let mut id_number = None;
        for (ci, col) in self.src.columns.iter().enumerate() {
            let raw = self.field(rec, ci);
            let is_key = self.key_column == Some(ci);
            let v = self.value(col, raw, is_key, &mut issues)?;
            match (self.slot[ci], v) {
                (Some(i), v) => values[i] = v,
                (None, V::S(s)) if col.name == "consumer_phone" => phone = Some(s),
                (None, V::S(s)) if col.name == "consumer_id_number" => id_number = Some(s),
                (None, _) => {}
            }
        }
        let at = &self.at;
        if let Some(i) = at.consumer_key {
            values[i] = self
                .keyer
                .as_mut()
                .and_then(|k| k.key_bytes(phone.as_deref(), id_number.as_deref()))
                .map(V::K)
                .unwrap_or(V::Null);
        }
        self.cross_rules(&mut values, &mut issues)?;

        // Event time, province, quarter, version.
        let event = at
            .event
            .map(|i| values[i].as_ts().expect("required event time"));
        if let (Some(ev), Some(ri), Some(pi), Some(qi)) =
            (event, at.region, at.province, at.quarter)
        {
            let prov = values[ri]
                .as_str()
                .and_then(|r| self.reference.province_of(r));
            values[pi] = prov.map(|p| V::S(Cow::Borrowed(p))).unwrap_or(V::Null);
            values[qi] = V::S(wangjian_contract::Quarter::of(ev.date()).label_cow());
        }
        let ui = at.updated_at;
        let version = match values[ui].as_ts() {
            Some(t) => t,
            None => {
                let t = event
                    .or_else(|| at.registered_on.and_then(|i| values[i].as_ts()))
                    .unwrap_or(self.load_time);
                values[ui] = V::Ts(t);
                t
            }
        };
        let buf = &mut self.hash_buf;
        buf.clear();
        for (i, v) in values.iter().enumerate() {
            if i != ui {
                v.hash_bytes(buf);
            }
        }
        let hash = xxhash_rust::xxh3::xxh3_64(buf);
        for (c, issue) in issues {
            *self.issues.entry((c.to_string(), issue)).or_default() += 1;
        }
        Ok(ValidRow {
            values,
            version,
            hash,
        })
    }

    /// Reads one value by its column's kind. A bad value in a required
    /// column refuses the row; in an optional one it is set to missing and
    /// counted as a field-level issue.
    fn value<'r>(
        &self,
        col: &Column,
        raw: &'r str,
        is_key: bool,
        issues: &mut Vec<(&'static str, Issue)>,
    ) -> Result<V<'r>, Rejection> {
        let cleaned = match col.kind {
            Kind::Text | Kind::Personal | Kind::Redacted | Kind::Items => text::clean_text(raw),
            _ => text::clean_code(raw),
        };
        let Some(s) = cleaned else {
            return missing(col, is_key);
        };
        match self.read(col, s, is_key) {
            Ok(v) => Ok(v),
            Err(Bad::Refuse(r)) => Err(r),
            Err(Bad::Field(reason, _, what)) if col.required => {
                Err(reject(reason, format!("{}: {what}", col.name)))
            }
            Err(Bad::Field(_, issue, _)) => {
                issues.push((col.name, issue));
                Ok(absent(col))
            }
        }
    }

    /// A present value, read by the column's kind.
    fn read<'r>(&self, col: &Column, s: Cow<'r, str>, is_key: bool) -> Result<V<'r>, Bad> {
        match col.kind {
            Kind::Text | Kind::Code | Kind::Personal => Ok(V::S(s)),
            Kind::Redacted => Ok(V::S(pii::redacted(s))),
            Kind::Items => Ok(items(&s)),
            Kind::Enum(list) => match list.iter().find(|x| **x == s) {
                Some(x) => Ok(V::S(Cow::Borrowed(*x))),
                None => Err(unknown(format!("unknown value '{s}'"))),
            },
            Kind::Category { goods_only } => self.category(&s, goods_only),
            Kind::Problem => listed(self.reference.problems.code_of(&s), "problem type", &s),
            Kind::Violation => listed(self.reference.violations.code_of(&s), "violation type", &s),
            Kind::BusinessFormat => {
                listed(self.reference.formats.code_of(&s), "business format", &s)
            }
            Kind::DateTime => date::parse_datetime(&s)
                .map(V::Ts)
                .ok_or_else(|| unparseable(format!("cannot read '{s}' as a date-time"))),
            Kind::Date => date::parse_date(&s)
                .map(V::D)
                .ok_or_else(|| unparseable(format!("cannot read '{s}' as a date"))),
            Kind::Bool { .. } => text::parse_bool(&s)
                .map(V::B)
                .ok_or_else(|| unparseable(format!("cannot read '{s}' as yes/no"))),
            Kind::Money => money_value(col.name, &s),
            Kind::Region => {
                // The value itself when it is the code (no copy), else the
                // code its name stands for.
                let code = self
                    .reference
                    .region_code_of(&s)
                    .map(|c| (c != s).then(|| c.into_owned()));
                match code {
                    Some(None) => Ok(V::S(s)),
                    Some(Some(c)) => Ok(V::S(c.into())),
                    None => Err(Bad::Field(
                        Reason::UnknownRegion,
                        Issue::UnknownRegion,
                        format!("unknown region '{s}'"),
                    )),
                }
            }
            Kind::Uscc => match uscc::normalise_uscc(&s) {
                Some(c) => Ok(V::S(c.into())),
                None if is_key => Err(Bad::Refuse(reject(
                    Reason::InvalidKey,
                    format!("{}: '{s}' is not a valid credit code", col.name),
                ))),
                None => Err(Bad::Field(
                    Reason::InvalidKey,
                    Issue::InvalidUscc,
                    format!("'{s}' is not a valid credit code"),
                )),
            },
        }
    }

    /// A 商品服务类别 code or name (goods only for sampling).
    fn category(&self, s: &str, goods_only: bool) -> Result<V<'static>, Bad> {
        match self.reference.categories.code_of(s) {
            Some(c) if !goods_only || c.starts_with('G') => Ok(V::S(Cow::Borrowed(c))),
            Some(c) => Err(unknown(format!(
                "'{s}' ({c}) is a service category; sampling takes goods (G..) only"
            ))),
            None => Err(unknown(format!("unknown category '{s}'"))),
        }
    }

    /// Rules across columns, per source.
    fn cross_rules(
        &self,
        v: &mut [V<'_>],
        issues: &mut Vec<(&'static str, Issue)>,
    ) -> Result<(), Rejection> {
        let i = |n: &'static str| self.at.rules[n];
        match self.src.name {
            "complaints" => {
                let status = v[i("status")].as_str().unwrap_or_default();
                let closed = v[i("closed_at")].as_ts();
                let closed_status = status == "已办结" || status == "已终止";
                if closed_status && closed.is_none() {
                    return Err(reject(
                        Reason::StatusDates,
                        format!("status {status} requires closed_at"),
                    ));
                }
                if !closed_status && closed.is_some() {
                    return Err(reject(
                        Reason::StatusDates,
                        format!("closed_at is set but status is {status}"),
                    ));
                }
                if !v[i("outcome")].is_null() && closed.is_none() {
                    return Err(reject(
                        Reason::StatusDates,
                        "outcome is set without closed_at".into(),
                    ));
                }
                if let (Some(c), Some(r)) = (closed, v[i("received_at")].as_ts()) {
                    if c < r {
                        return Err(reject(
                            Reason::DateOrder,
                            format!("closed_at {c} is before received_at {r}"),
                        ));
                    }
                }
            }
            "cases" => {
                if let (Some(c), Some(f)) = (v[i("closed_at")].as_ts(), v[i("filed_at")].as_ts()) {
                    if c < f {
                        return Err(reject(
                            Reason::DateOrder,
                            format!("closed_at {} is before filed_at {}", c.date(), f.date()),
                        ));
                    }
                }
            }
            "sampling"
                if v[i("result")].as_str() == Some("合格") && !v[i("failed_items")].is_null() =>
            {
                v[i("failed_items")] = V::Null;
                issues.push(("failed_items", Issue::NotApplicable));
            }
            "monitoring" if v[i("action")].is_null() => {
                v[i("action")] = V::S("无".into());
            }
            "entities" => {
                if let (Some(u), Some(s)) = (
                    v[i("abnormal_until")].as_ts(),
                    v[i("abnormal_since")].as_ts(),
                ) {
                    if u < s {
                        return Err(reject(
                            Reason::DateOrder,
                            format!(
                                "abnormal_until {} is before abnormal_since {}",
                                u.date(),
                                s.date()
                            ),
                        ));
                    }
                }
            }
            _ => {}
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    //! The cross-column rules of each source (sources.md), one row at a time.

    use super::*;

    fn load_time() -> NaiveDateTime {
        chrono::NaiveDate::from_ymd_opt(2025, 10, 1)
            .and_then(|d| d.and_hms_opt(0, 0, 0))
            .expect("a date")
    }

    /// Validates one row of `source` given as (column, value) pairs.
    fn check(source: &str, row: &[(&str, &str)]) -> Result<ValidRow<'static>, Rejection> {
        let src = wangjian_contract::source(source).expect("a source");
        let headers: Vec<String> = row.iter().map(|(c, _)| c.to_string()).collect();
        let map = map_headers(src, &headers).expect("the header maps");
        let mut v = Validator::new(src, map, b"test-key", load_time());
        let rec = RawRecord {
            row: 1,
            fields: row.iter().map(|(_, x)| x.to_string()).collect(),
            malformed: None,
        };
        v.row(&rec).map(|r| ValidRow {
            values: r.values.into_iter().map(V::into_owned).collect(),
            ..r
        })
    }

    fn reason(r: Result<ValidRow<'_>, Rejection>) -> Option<Reason> {
        r.err().map(|e| e.reason)
    }

    const COMPLAINT: [(&str, &str); 10] = [
        ("record_id", "A1"),
        ("kind", "投诉"),
        ("received_at", "2025-07-01 10:00:00"),
        ("region_code", "110000"),
        ("is_online", "是"),
        ("category", "G01"),
        ("problem", "P01"),
        ("status", "已办结"),
        ("closed_at", "2025-07-20 09:00:00"),
        ("outcome", "调解成功"),
    ];

    fn complaint(changes: &[(&str, &str)]) -> Vec<(&'static str, String)> {
        COMPLAINT
            .iter()
            .map(|(c, v)| {
                let v = changes.iter().find(|(k, _)| k == c).map_or(*v, |(_, x)| *x);
                (*c, v.to_string())
            })
            .collect()
    }

    fn check_owned(
        source: &str,
        row: &[(&'static str, String)],
    ) -> Result<ValidRow<'static>, Rejection> {
        let pairs: Vec<(&str, &str)> = row.iter().map(|(c, v)| (*c, v.as_str())).collect();
        check(source, &pairs)
    }

    #[test]
    fn complaint_status_and_dates_agree() {
        assert!(check_owned("complaints", &complaint(&[])).is_ok());
        // A closed status needs closed_at; closed_at needs a closed status.
        let r = check_owned(
            "complaints",
            &complaint(&[("closed_at", ""), ("outcome", "")]),
        );
        assert_eq!(reason(r), Some(Reason::StatusDates));
        let r = check_owned(
            "complaints",
            &complaint(&[("status", "已受理"), ("outcome", "")]),
        );
        assert_eq!(reason(r), Some(Reason::StatusDates));
        // An outcome needs closed_at.
        let r = check_owned(
            "complaints",
            &complaint(&[("status", "已受理"), ("closed_at", "")]),
        );
        assert_eq!(reason(r), Some(Reason::StatusDates));
        // Closed before received.
        let r = check_owned(
            "complaints",
            &complaint(&[("closed_at", "2025-06-30 23:59:59")]),
        );
        assert_eq!(reason(r), Some(Reason::DateOrder));
        // Closed the same second it was received is in order.
        let r = check_owned(
            "complaints",
            &complaint(&[("closed_at", "2025-07-01 10:00:00")]),
        );
        assert!(r.is_ok());
    }

    #[test]
    fn a_case_closes_on_or_after_its_filing() {
        let case = |closed: &str| {
            check(
                "cases",
                &[
                    ("case_id", "C1"),
                    ("filed_at", "2025-07-10"),
                    ("closed_at", closed),
                    ("region_code", "110000"),
                    ("source", "投诉举报"),
                    ("violation", "V01"),
                    ("is_online", "是"),
                    ("status", "结案"),
                ],
            )
        };
        assert!(case("2025-07-10").is_ok());
        assert_eq!(reason(case("2025-07-09")), Some(Reason::DateOrder));
    }

    #[test]
    fn a_passed_sample_has_no_failed_items() {
        let sample = |result: &str| {
            check(
                "sampling",
                &[
                    ("sample_id", "S1"),
                    ("sampled_at", "2025-07-15"),
                    ("region_code", "330100"),
                    ("category", "G03"),
                    ("result", result),
                    ("failed_items", "菌落总数"),
                ],
            )
        };
        let failed_items = |r: &ValidRow<'static>| {
            let src = wangjian_contract::source("sampling").expect("sampling");
            let i = business_columns(src)
                .iter()
                .position(|(n, _)| *n == "failed_items")
                .expect("a column");
            r.values[i].clone()
        };
        let passed = sample("合格").expect("loads");
        assert!(failed_items(&passed).is_null(), "set to missing");
        let failed = sample("不合格").expect("loads");
        assert_eq!(failed_items(&failed).as_str(), Some("菌落总数"));
    }

    #[test]
    fn a_monitoring_record_without_action_took_none() {
        let src = wangjian_contract::source("monitoring").expect("monitoring");
        let r = check(
            "monitoring",
            &[
                ("monitor_id", "M1"),
                ("observed_at", "2025-07-15 08:00:00"),
                ("region_code", "330100"),
                ("category", "G03"),
                ("finding", "未发现问题"),
            ],
        )
        .expect("loads");
        let i = business_columns(src)
            .iter()
            .position(|(n, _)| *n == "action")
            .expect("a column");
        assert_eq!(r.values[i].as_str(), Some("无"));
    }

    #[test]
    fn an_entity_leaves_the_abnormal_list_after_joining_it() {
        let entity = |until: &str| {
            check(
                "entities",
                &[
                    ("uscc", "91330100799655058B"),
                    ("name", "某公司"),
                    ("entity_type", "平台内经营者"),
                    ("region_code", "330100"),
                    ("abnormal_since", "2025-01-01"),
                    ("abnormal_until", until),
                ],
            )
        };
        assert!(entity("2025-01-01").is_ok());
        assert_eq!(reason(entity("2024-12-31")), Some(Reason::DateOrder));
    }
}
