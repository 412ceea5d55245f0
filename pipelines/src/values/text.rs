//! Text rules shared by every column: trimming, full-width folding, the
//! missing-value tokens and booleans (sources.md, "Value rules").

use std::borrow::Cow;

/// Trims ASCII and ideographic white space.
pub fn trim(s: &str) -> &str {
    // Most values have no space at either end: skip the char-by-char trim.
    let b = s.as_bytes();
    match (b.first(), b.last()) {
        (Some(f), Some(l)) if f.is_ascii_graphic() && l.is_ascii_graphic() => s,
        _ => s.trim_matches(|c: char| c.is_whitespace() || c == '\u{3000}' || c == '\u{feff}'),
    }
}

/// Folds full-width ASCII (U+FF01..U+FF5E) and the ideographic space to
/// half-width. Used on codes, numbers, dates, money and booleans.
pub fn fold_fullwidth(s: &str) -> Cow<'_, str> {
    if s.is_ascii() {
        return Cow::Borrowed(s);
    }
    let folded: String = s
        .chars()
        .map(|c| match c {
            '\u{FF01}'..='\u{FF5E}' => char::from_u32(c as u32 - 0xFEE0).unwrap_or(c),
            '\u{3000}' => ' ',
            _ => c,
        })
        .collect();
    Cow::Owned(folded)
}

/// The tokens that mean "missing" in a column.
pub fn is_missing_token(s: &str) -> bool {
    matches!(s, "" | "NULL" | "null" | "-" | "/" | "无")
}

/// Trims, folds full-width characters and maps missing tokens to `None`.
pub fn clean_code(raw: &str) -> Option<Cow<'_, str>> {
    match fold_fullwidth(raw) {
        Cow::Borrowed(b) => clean_text(b),
        Cow::Owned(folded) => {
            let t = trim(&folded);
            (!is_missing_token(t)).then(|| Cow::Owned(t.to_string()))
        }
    }
}

/// Trims free text (names, descriptions) and maps missing tokens to `None`;
/// full-width characters are kept as written.
pub fn clean_text(raw: &str) -> Option<Cow<'_, str>> {
    let t = trim(raw);
    (!is_missing_token(t)).then_some(Cow::Borrowed(t))
}

/// Parses a boolean in one of the listed forms.
pub fn parse_bool(s: &str) -> Option<bool> {
    match s {
        "是" | "Y" | "y" | "1" | "true" | "TRUE" => Some(true),
        "否" | "N" | "n" | "0" | "false" | "FALSE" => Some(false),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn folds_fullwidth_codes() {
        assert_eq!(fold_fullwidth("ＡＢＣ１２３"), "ABC123");
        assert_eq!(clean_code("　Ｇ０１　").as_deref(), Some("G01"));
    }

    #[test]
    fn missing_tokens() {
        for t in ["", " ", "NULL", "null", "-", "/", "无", " 无 "] {
            assert_eq!(clean_code(t), None, "{t:?}");
        }
        assert_eq!(clean_text(" 张三 ").as_deref(), Some("张三"));
    }

    #[test]
    fn booleans() {
        for t in ["是", "Y", "y", "1", "true", "TRUE"] {
            assert_eq!(parse_bool(t), Some(true));
        }
        for f in ["否", "N", "n", "0", "false", "FALSE"] {
            assert_eq!(parse_bool(f), Some(false));
        }
        assert_eq!(parse_bool("True"), None);
        assert_eq!(parse_bool("maybe"), None);
    }
}
