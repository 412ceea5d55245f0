//! Chart text: Chinese, or clear English where the PNG renderer has no CJK font.

/// The CSS/SVG font stack for Chinese text (the viewer's own fonts).
pub const CJK_STACK: &str = "Noto Sans CJK SC, Source Han Sans SC, PingFang SC, Microsoft YaHei, SimHei, WenQuanYi Micro Hei, sans-serif";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lang {
    Chinese,
    English,
}

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

/// Short Chinese names by code prefix (for tight chart labels).
const PROVINCES_SHORT: [(&str, &str); 31] = [
    ("11", "北京"),
    ("12", "天津"),
    ("13", "河北"),
    ("14", "山西"),
    ("15", "内蒙古"),
    ("21", "辽宁"),
    ("22", "吉林"),
    ("23", "黑龙江"),
    ("31", "上海"),
    ("32", "江苏"),
    ("33", "浙江"),
    ("34", "安徽"),
    ("35", "福建"),
    ("36", "江西"),
    ("37", "山东"),
    ("41", "河南"),
    ("42", "湖北"),
    ("43", "湖南"),
    ("44", "广东"),
    ("45", "广西"),
    ("46", "海南"),
    ("50", "重庆"),
    ("51", "四川"),
    ("52", "贵州"),
    ("53", "云南"),
    ("54", "西藏"),
    ("61", "陕西"),
    ("62", "甘肃"),
    ("63", "青海"),
    ("64", "宁夏"),
    ("65", "新疆"),
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
        let prefix = code.get(..2).unwrap_or("");
        let table = if self == Lang::Chinese {
            &PROVINCES_SHORT
        } else {
            &PROVINCES_EN
        };
        table
            .iter()
            .find(|(p, _)| *p == prefix)
            .map(|(_, n)| n.to_string())
            .unwrap_or_else(|| fallback.to_string())
    }

    pub fn tier(self, tier: &str) -> String {
        match (self, tier) {
            (Lang::Chinese, t) => t.to_string(),
            (Lang::English, "高") => "high".into(),
            (Lang::English, "较高") => "elevated".into(),
            (Lang::English, "一般") => "average".into(),
            (Lang::English, _) => "low".into(),
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
