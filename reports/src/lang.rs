//! Chart text: Chinese, or clear English where the PNG renderer has no CJK font.

/// The CSS/SVG font stack for Chinese text (the viewer's own fonts).
pub const CJK_STACK: &str = "Noto Sans CJK SC, Source Han Sans SC, PingFang SC, Microsoft YaHei, SimHei, WenQuanYi Micro Hei, sans-serif";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lang {
    Chinese,
    English,
}

/// English province names for charts drawn without a CJK font (a
/// translation for display only; codes and Chinese names live in
/// data/reference/provinces.csv).
const PROVINCES_EN: [(&str, &str); 31] = [
    ("11", "Beijing"),
    ("12", "Tianjin"),
    ("13", "Hebei"),
    ("14", "Shanxi"),
    ("15", "Inner Mongolia"),
    ("21", "Liaoning"),
    ("22", "Jilin"),
    ("23", "Heilongjiang"),
    ("31", "Shanghai"),
    ("32", "Jiangsu"),
    ("33", "Zhejiang"),
    ("34", "Anhui"),
    ("35", "Fujian"),
    ("36", "Jiangxi"),
    ("37", "Shandong"),
    ("41", "Henan"),
    ("42", "Hubei"),
    ("43", "Hunan"),
    ("44", "Guangdong"),
    ("45", "Guangxi"),
    ("46", "Hainan"),
    ("50", "Chongqing"),
    ("51", "Sichuan"),
    ("52", "Guizhou"),
    ("53", "Yunnan"),
    ("54", "Tibet"),
    ("61", "Shaanxi"),
    ("62", "Gansu"),
    ("63", "Qinghai"),
    ("64", "Ningxia"),
    ("65", "Xinjiang"),
];

impl Lang {
    pub fn font(self) -> &'static str {
        match self {
            Lang::Chinese => CJK_STACK,
            Lang::English => "sans-serif",
        }
    }

    /// A province's label: the short Chinese name, or the English name.
    pub fn province(self, code: &str, fallback: &str) -> String {
        let name = match self {
            Lang::Chinese => wangjian_contract::reference::Reference::get().province_short(code),
            Lang::English => {
                let prefix = code.get(..2).unwrap_or("");
                PROVINCES_EN
                    .iter()
                    .find(|(p, _)| *p == prefix)
                    .map(|(_, n)| *n)
            }
        };
        name.map_or_else(|| fallback.to_string(), str::to_string)
    }

    /// A tier's label: as the SQL wrote it, or its English label.
    pub fn tier(self, tier: &str) -> String {
        match self {
            Lang::Chinese => tier.to_string(),
            Lang::English => crate::vocab::tier_en(tier),
        }
    }

    /// (Chinese, English) by the language.
    pub fn t(self, zh: &str, en: &str) -> String {
        match self {
            Lang::Chinese => zh.to_string(),
            Lang::English => en.to_string(),
        }
    }
}
