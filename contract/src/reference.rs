//! Reference facts shipped under `data/reference/` (reference.md): divisions,
//! code lists. Compiled into the binary so lookups need no lake.

use std::borrow::Cow;
// foldhash: these maps are looked up several times for every row ingested,
// and their keys are short (SipHash was most of each lookup).
use foldhash::HashMap;
use std::sync::OnceLock;

/// The reference CSV files: (table name, file text).
pub const FILES: &[(&str, &str)] = &[
    (
        "ref_provinces",
        include_str!("../../data/reference/provinces.csv"),
    ),
    (
        "ref_categories",
        include_str!("../../data/reference/categories.csv"),
    ),
    (
        "ref_problems",
        include_str!("../../data/reference/problems.csv"),
    ),
    (
        "ref_violations",
        include_str!("../../data/reference/violations.csv"),
    ),
    (
        "ref_business_formats",
        include_str!("../../data/reference/business_formats.csv"),
    ),
];

fn rows(text: &str) -> impl Iterator<Item = Vec<&str>> {
    text.lines()
        .skip(1)
        .filter(|l| !l.trim().is_empty())
        .map(|l| l.split(',').collect())
}

/// A code list: code → name, and name → code.
#[derive(Debug, Default)]
pub struct CodeList {
    by_code: HashMap<String, String>,
    by_name: HashMap<String, String>,
}

impl CodeList {
    fn from_csv(text: &str) -> Self {
        let mut list = CodeList::default();
        for r in rows(text) {
            let (code, name) = (
                r[0].to_string(),
                r.get(1).copied().unwrap_or(r[0]).to_string(),
            );
            list.by_name.insert(name.clone(), code.clone());
            list.by_code.insert(code, name);
        }
        list
    }
    /// The name of a code.
    pub fn name_of(&self, code: &str) -> Option<&str> {
        self.by_code.get(code).map(String::as_str)
    }
    /// The code for a value given as the code or the name.
    pub fn code_of(&self, value: &str) -> Option<&str> {
        if let Some((code, _)) = self.by_code.get_key_value(value) {
            return Some(code);
        }
        self.by_name.get(value).map(String::as_str)
    }
}

/// All reference lists.
#[derive(Debug)]
pub struct Reference {
    /// province two-digit prefix → full code
    province_prefix: HashMap<String, String>,
    /// full or short name → code
    province_name: HashMap<String, String>,
    /// province two-digit prefix → short name
    province_short: HashMap<String, String>,
    pub categories: CodeList,
    pub problems: CodeList,
    pub violations: CodeList,
    pub formats: CodeList,
}

impl Reference {
    fn load() -> Self {
        let mut province_prefix = HashMap::default();
        let mut province_name = HashMap::default();
        let mut province_short = HashMap::default();
        for r in rows(FILES[0].1) {
            province_short.insert(r[0][..2].to_string(), r[2].to_string());
            province_prefix.insert(r[0][..2].to_string(), r[0].to_string());
            province_name.insert(r[1].to_string(), r[0].to_string());
            province_name.insert(r[2].to_string(), r[0].to_string());
        }
        Reference {
            province_prefix,
            province_name,
            province_short,
            categories: CodeList::from_csv(FILES[1].1),
            problems: CodeList::from_csv(FILES[2].1),
            violations: CodeList::from_csv(FILES[3].1),
            formats: CodeList::from_csv(FILES[4].1),
        }
    }

    /// The shared instance.
    pub fn get() -> &'static Reference {
        static REF: OnceLock<Reference> = OnceLock::new();
        REF.get_or_init(Reference::load)
    }

    /// A known region code from a 6-digit code or a province name.
    pub fn region_code(&self, value: &str) -> Option<String> {
        self.region_code_of(value).map(Cow::into_owned)
    }

    /// [`Reference::region_code`], borrowed from `value` when it is the code
    /// itself (ingest reads millions of them).
    pub fn region_code_of<'v>(&'v self, value: &'v str) -> Option<Cow<'v, str>> {
        if value.len() == 6 && value.bytes().all(|b| b.is_ascii_digit()) {
            return self
                .province_prefix
                .contains_key(&value[..2])
                .then_some(Cow::Borrowed(value));
        }
        self.province_name
            .get(value)
            .map(|c| Cow::Borrowed(c.as_str()))
    }

    /// The short name of the province of a region code (北京, 内蒙古, …).
    pub fn province_short(&self, code: &str) -> Option<&str> {
        self.province_short.get(code.get(..2)?).map(String::as_str)
    }

    /// The province (`XX0000`) of a known region code.
    pub fn province_of(&self, code: &str) -> Option<&str> {
        self.province_prefix.get(code.get(..2)?).map(String::as_str)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn regions() {
        let r = Reference::get();
        assert_eq!(r.region_code("440305").as_deref(), Some("440305"));
        assert_eq!(r.region_code("北京市").as_deref(), Some("110000"));
        assert_eq!(r.region_code("北京").as_deref(), Some("110000"));
        assert_eq!(r.region_code("广西壮族自治区").as_deref(), Some("450000"));
        assert_eq!(r.region_code("广西").as_deref(), Some("450000"));
        assert_eq!(r.region_code("710000"), None); // not in the list
        assert_eq!(r.region_code("11000"), None);
        assert_eq!(r.region_code("火星"), None);
        assert_eq!(r.province_of("440305"), Some("440000"));
        assert_eq!(r.province_short("150000"), Some("内蒙古"));
        assert_eq!(r.province_short("650100"), Some("新疆"));
        assert_eq!(r.province_prefix.len(), 31);
    }

    #[test]
    fn code_lists() {
        let r = Reference::get();
        assert_eq!(r.categories.code_of("G03"), Some("G03"));
        assert_eq!(r.categories.code_of("食品"), Some("G03"));
        assert_eq!(r.problems.code_of("售后服务"), Some("P02"));
        assert_eq!(r.violations.code_of("刷单炒信"), Some("V03"));
        assert_eq!(r.formats.code_of("直播电商"), Some("直播电商"));
        assert_eq!(r.categories.code_of("G99"), None);
        assert_eq!(r.categories.name_of("G03"), Some("食品"));
    }
}
