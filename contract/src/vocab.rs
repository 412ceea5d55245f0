//! The vocabularies of the indicators (indicators.md): risk tiers with their
//! bounds, alert types with their labels and rules, and the funnel plot's
//! control limits. One home each: the CSVs in `data/reference/`, compiled in.
//! The indicator SQL reads them as the tables `ref_tiers`, `ref_alert_types`
//! and `ref_funnel_limits` (registered in every session); the dashboard and
//! the release read the same rows from here.

use std::sync::OnceLock;

/// (table name, CSV text) of each vocabulary.
pub const FILES: &[(&str, &str)] = &[
    ("ref_tiers", include_str!("../../data/reference/tiers.csv")),
    (
        "ref_alert_types",
        include_str!("../../data/reference/alert_types.csv"),
    ),
    (
        "ref_funnel_limits",
        include_str!("../../data/reference/funnel_limits.csv"),
    ),
];

/// Column meanings of the vocabulary tables, for the data dictionary.
pub const COLUMN_DOCS: &[(&str, &str, &str)] = &[
    ("ref_tiers", "tier", "risk tier label (risk_index.tier)"),
    ("ref_tiers", "level", "4 = highest risk tier, 1 = lowest"),
    (
        "ref_tiers",
        "min_index",
        "lowest risk_index of the tier (inclusive; NULL: no bound)",
    ),
    (
        "ref_tiers",
        "max_index",
        "risk_index the tier stays below (NULL: no bound)",
    ),
    ("ref_tiers", "label_en", "English label"),
    ("ref_alert_types", "alert", "alert code (alerts.alert)"),
    ("ref_alert_types", "label", "Chinese label"),
    ("ref_alert_types", "label_en", "English label"),
    (
        "ref_alert_types",
        "threshold",
        "complaint_surge: the complaints_qoq it must exceed; complaint_cusum: the CUSUM that raises the alarm",
    ),
    (
        "ref_alert_types",
        "min_increase",
        "complaint_surge: the least increase in complaints",
    ),
    (
        "ref_funnel_limits",
        "limit_name",
        "control limit, by coverage",
    ),
    (
        "ref_funnel_limits",
        "z",
        "standard normal quantile of the limit",
    ),
    (
        "ref_funnel_limits",
        "alarm",
        "true: a province above this upper limit is a sampling_outlier",
    ),
];

/// The alert codes that code (not only SQL) refers to; each is a row of
/// `alert_types.csv` (checked by a test).
pub const SAMPLING_OUTLIER: &str = "sampling_outlier";
pub const COMPLAINT_SURGE: &str = "complaint_surge";
pub const COMPLAINT_CUSUM: &str = "complaint_cusum";

fn rows(text: &str) -> Vec<Vec<&str>> {
    text.lines()
        .skip(1)
        .filter(|l| !l.trim().is_empty())
        .map(|l| l.split(',').collect())
        .collect()
}

fn num(s: &str) -> Option<f64> {
    s.trim().parse().ok()
}

/// A risk tier.
#[derive(Debug, Clone, PartialEq)]
pub struct Tier {
    pub tier: String,
    pub level: u8,
    pub min_index: Option<f64>,
    pub max_index: Option<f64>,
    pub label_en: String,
}

/// An alert type (the sampling outlier's limit is the alarm row of the
/// funnel limits).
#[derive(Debug, Clone, PartialEq)]
pub struct AlertType {
    pub alert: String,
    pub label: String,
    pub label_en: String,
    pub threshold: Option<f64>,
    pub min_increase: Option<f64>,
}

/// A control limit of the funnel plot.
#[derive(Debug, Clone, PartialEq)]
pub struct FunnelLimit {
    pub limit_name: String,
    pub z: f64,
    pub alarm: bool,
}

/// The tiers, highest first.
pub fn tiers() -> &'static [Tier] {
    static T: OnceLock<Vec<Tier>> = OnceLock::new();
    T.get_or_init(|| {
        let mut v: Vec<Tier> = rows(FILES[0].1)
            .into_iter()
            .map(|r| Tier {
                tier: r[0].to_string(),
                level: r[1].trim().parse().unwrap_or(0),
                min_index: num(r[2]),
                max_index: num(r[3]),
                label_en: r[4].to_string(),
            })
            .collect();
        v.sort_by_key(|t| std::cmp::Reverse(t.level));
        v
    })
}

/// A tier by its label.
pub fn tier(label: &str) -> Option<&'static Tier> {
    tiers().iter().find(|t| t.tier == label)
}

/// The alert types.
pub fn alert_types() -> &'static [AlertType] {
    static A: OnceLock<Vec<AlertType>> = OnceLock::new();
    A.get_or_init(|| {
        rows(FILES[1].1)
            .into_iter()
            .map(|r| AlertType {
                alert: r[0].to_string(),
                label: r[1].to_string(),
                label_en: r[2].to_string(),
                threshold: r.get(3).and_then(|x| num(x)),
                min_increase: r.get(4).and_then(|x| num(x)),
            })
            .collect()
    })
}

/// An alert type by its code.
pub fn alert_type(code: &str) -> Option<&'static AlertType> {
    alert_types().iter().find(|a| a.alert == code)
}

/// The funnel plot's control limits, narrowest first.
pub fn funnel_limits() -> &'static [FunnelLimit] {
    static F: OnceLock<Vec<FunnelLimit>> = OnceLock::new();
    F.get_or_init(|| {
        let mut v: Vec<FunnelLimit> = rows(FILES[2].1)
            .into_iter()
            .map(|r| FunnelLimit {
                limit_name: r[0].to_string(),
                z: num(r[1]).unwrap_or(f64::NAN),
                alarm: r[2].trim() == "true",
            })
            .collect();
        v.sort_by(|a, b| a.z.total_cmp(&b.z));
        v
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tiers_cover_the_line_without_gaps_or_overlaps() {
        let t = tiers();
        assert_eq!(t.len(), 4);
        assert_eq!(t[0].min_index, Some(60.0));
        assert_eq!(t[0].max_index, None);
        assert_eq!(t[3].min_index, None);
        // Each tier starts where the next lower one ends.
        for w in t.windows(2) {
            assert_eq!(
                w[0].min_index, w[1].max_index,
                "{} / {}",
                w[0].tier, w[1].tier
            );
            assert_eq!(w[0].level, w[1].level + 1);
        }
        assert_eq!(tier("较高").map(|t| t.level), Some(3));
    }

    #[test]
    fn alert_types_and_limits() {
        assert_eq!(
            alert_type("complaint_surge").map(|a| a.label.as_str()),
            Some("投诉激增")
        );
        assert!(alert_type(SAMPLING_OUTLIER).is_some());
        assert!(alert_type(COMPLAINT_SURGE).is_some());
        let cusum = alert_type(COMPLAINT_CUSUM).unwrap();
        assert_eq!((cusum.threshold, cusum.min_increase), (Some(5.0), None));
        let surge = alert_type("complaint_surge").unwrap();
        assert_eq!(
            (surge.threshold, surge.min_increase),
            (Some(0.5), Some(100.0))
        );
        let f = funnel_limits();
        assert_eq!(f.len(), 2);
        assert_eq!(
            f.iter().filter(|l| l.alarm).count(),
            1,
            "one limit raises the alarm"
        );
        assert!((f[1].z - 3.090232).abs() < 1e-12 && f[1].alarm);
    }
}
