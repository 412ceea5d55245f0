//! How the contract's vocabularies look on the page: tier colours by tier
//! level, the tier legend and the alert descriptions written from the
//! bounds and thresholds of `data/reference/` (never restated here).

use plotters::style::RGBColor;
use wangjian_contract::vocab;

/// Tier colours by level 1 (lowest) .. 4 (ColorBrewer YlOrRd, 4 classes).
const LEVEL_COLORS: [RGBColor; 4] = [
    RGBColor(0xff, 0xff, 0xb2),
    RGBColor(0xfe, 0xcc, 0x5c),
    RGBColor(0xfd, 0x8d, 0x3c),
    RGBColor(0xe3, 0x1a, 0x1c),
];

/// The colour of a tier label (the lowest tier's for an unknown one).
pub fn tier_color(tier: &str) -> RGBColor {
    let level = vocab::tier(tier).map_or(1, |t| t.level).clamp(1, 4);
    LEVEL_COLORS[usize::from(level) - 1]
}

fn hex(c: RGBColor) -> String {
    format!("#{:02x}{:02x}{:02x}", c.0, c.1, c.2)
}

fn bound(x: f64) -> String {
    format!("{x}")
}

/// CSS classes `.tier-<label>` for every tier.
pub fn tier_css() -> String {
    vocab::tiers()
        .iter()
        .map(|t| {
            let c = tier_color(&t.tier);
            let ink = if t.level >= 4 { " color: #fff;" } else { "" };
            format!(".tier-{} {{ background: {};{ink} }}\n", t.tier, hex(c))
        })
        .collect()
}

/// The tier legend: each tier with its bounds, highest first.
pub fn tier_legend() -> String {
    vocab::tiers()
        .iter()
        .map(|t| {
            let range = match (t.min_index, t.max_index) {
                (Some(lo), _) => format!("≥ {}", bound(lo)),
                (None, Some(hi)) => format!("&lt; {}", bound(hi)),
                (None, None) => String::new(),
            };
            format!("<span class=\"tier tier-{0}\">{0}</span> {range}", t.tier)
        })
        .collect::<Vec<_>>()
        .join("　")
}

/// The English label of a tier.
pub fn tier_en(tier: &str) -> String {
    vocab::tier(tier).map_or_else(|| tier.to_string(), |t| t.label_en.clone())
}

/// The alarm limit of the funnel plot, as named in the vocabulary (`99.8%`).
pub fn alarm_limit() -> String {
    vocab::funnel_limits()
        .iter()
        .find(|l| l.alarm)
        .map_or_else(String::new, |l| l.limit_name.clone())
}

/// An alert type's label with its rule, e.g. 投诉激增（环比 > 50% 且增加 ≥ 100 件）.
pub fn alert_text(code: &str) -> String {
    let Some(a) = vocab::alert_type(code) else {
        return code.to_string();
    };
    let rule = match (a.threshold, a.min_increase) {
        (Some(t), _) if code == vocab::COMPLAINT_CUSUM => format!("月度累积和 ≥ {t}"),
        (Some(t), Some(m)) => format!("环比 > {}% 且增加 ≥ {} 件", t * 100.0, m),
        (Some(t), None) => format!("高于 {t}"),
        _ if code == vocab::SAMPLING_OUTLIER => format!("漏斗图 {} 控制限", alarm_limit()),
        _ => String::new(),
    };
    if rule.is_empty() {
        a.label.clone()
    } else {
        format!("{}（{rule}）", a.label)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn texts_come_from_the_vocabulary() {
        assert_eq!(
            alert_text("complaint_surge"),
            "投诉激增（环比 > 50% 且增加 ≥ 100 件）"
        );
        assert_eq!(
            alert_text("sampling_outlier"),
            "抽检异常（漏斗图 99.8% 控制限）"
        );
        assert_eq!(
            alert_text("complaint_cusum"),
            "投诉持续上升（月度累积和 ≥ 5）"
        );
        assert_eq!(alert_text("unknown_kind"), "unknown_kind");
        let legend = tier_legend();
        assert!(
            legend.starts_with("<span class=\"tier tier-高\">高</span> ≥ 60"),
            "{legend}"
        );
        assert!(legend.ends_with("较低</span> &lt; 45"), "{legend}");
        assert_eq!(tier_color("高"), RGBColor(0xe3, 0x1a, 0x1c));
        assert_eq!(tier_en("较高"), "elevated");
        assert!(tier_css().contains(".tier-一般 { background: #fecc5c; }"));
    }
}
