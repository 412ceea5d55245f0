//! Fonts for the PNG charts: a CJK font found on the machine, else a Latin
//! font with English labels (said once), never boxes of missing glyphs.

use std::path::{Path, PathBuf};

use plotters::style::FontStyle;

use crate::lang::{Lang, CJK_STACK};

const CJK_HINTS: [&str; 12] = [
    "notosanscjk",
    "notoserifcjk",
    "sourcehansans",
    "sourcehanserif",
    "wqy",
    "droidsansfallback",
    "simhei",
    "simsun",
    "msyh",
    "pingfang",
    "ukai",
    "uming",
];
const LATIN_HINTS: [&str; 4] = [
    "dejavusans.ttf",
    "liberationsans-regular",
    "notosans-regular",
    "freesans",
];

fn walk(dir: &Path, out: &mut Vec<PathBuf>, depth: usize) {
    if depth > 6 {
        return;
    }
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for e in entries.flatten() {
        let p = e.path();
        if p.is_dir() {
            walk(&p, out, depth + 1);
        } else if p
            .extension()
            .and_then(|x| x.to_str())
            .is_some_and(|x| matches!(x.to_ascii_lowercase().as_str(), "ttf" | "otf" | "ttc"))
        {
            out.push(p);
        }
    }
}

fn font_files() -> Vec<PathBuf> {
    let mut dirs = vec![
        PathBuf::from("/usr/share/fonts"),
        PathBuf::from("/usr/local/share/fonts"),
    ];
    if let Some(h) = std::env::var_os("HOME") {
        dirs.push(PathBuf::from(&h).join(".fonts"));
        dirs.push(PathBuf::from(h).join(".local/share/fonts"));
    }
    let mut out = Vec::new();
    for d in dirs {
        walk(&d, &mut out, 0);
    }
    out.sort();
    out
}

fn find(hints: &[&str], files: &[PathBuf]) -> Option<PathBuf> {
    hints.iter().find_map(|h| {
        files
            .iter()
            .find(|f| {
                f.file_name().and_then(|n| n.to_str()).is_some_and(|n| {
                    n.to_ascii_lowercase()
                        .replace([' ', '-', '_'], "")
                        .contains(&h.replace('-', ""))
                })
            })
            .cloned()
    })
}

fn register(name: &str, path: &Path) -> bool {
    let Ok(bytes) = std::fs::read(path) else {
        return false;
    };
    let bytes: &'static [u8] = Box::leak(bytes.into_boxed_slice());
    plotters::style::register_font(name, FontStyle::Normal, bytes).is_ok()
}

/// Registers fonts for chart text (plotters measures text with them, for SVG
/// too); returns the language the PNGs can be labelled in, or `None` when no
/// usable font exists at all. Done once per process.
pub fn prepare_bitmap_fonts() -> (Option<Lang>, Option<String>) {
    static FONTS: std::sync::OnceLock<(Option<Lang>, Option<String>)> = std::sync::OnceLock::new();
    FONTS.get_or_init(register_fonts).clone()
}

fn register_fonts() -> (Option<Lang>, Option<String>) {
    let files = font_files();
    let cjk = std::env::var_os("WANGJIAN_CJK_FONT")
        .map(PathBuf::from)
        .or_else(|| find(&CJK_HINTS, &files));
    if let Some(p) = cjk {
        if register(CJK_STACK, &p) && register("sans-serif", &p) {
            return (
                Some(Lang::Chinese),
                Some(format!("PNG charts use the CJK font {}", p.display())),
            );
        }
    }
    match find(&LATIN_HINTS, &files).or_else(|| files.iter().find(|f| f.extension().is_some_and(|x| x == "ttf")).cloned()) {
        // The SVG charts need font metrics for layout too (the viewer's own
        // fonts draw their text), so the Latin font also serves the CJK name.
        Some(p) if register("sans-serif", &p) && register(CJK_STACK, &p) => (
            Some(Lang::English),
            Some(
                "no CJK font found on this machine: PNG charts are labelled in English (install e.g. fonts-noto-cjk, or set WANGJIAN_CJK_FONT); the HTML page is in Chinese".to_string(),
                ),
        ),
        _ => (None, Some("no usable font found on this machine: PNG charts were not written; the HTML page has every chart".to_string())),
    }
}
