//! Text rules shared by every column: trimming, full-width folding, the
//! missing-value tokens and booleans (sources.md, "Value rules").

/// Trims ASCII and ideographic white space.
pub fn trim(s: &str) -> &str {
    s.trim_matches(|c: char| c.is_whitespace() || c == '\u{3000}' || c == '\u{feff}')
}

/// Folds full-width ASCII (U+FF01..U+FF5E) and the ideographic space to
/// half-width. Used on codes, numbers, dates, money and booleans.
pub fn fold_fullwidth(s: &str) -> std::borrow::Cow<'_, str> {
    if s.is_ascii() {
        return std::borrow::Cow::Borrowed(s);
    }
    let folded: String = s
        .chars()
        .map(|c| match c {
            '\u{FF01}'..='\u{FF5E}' => char::from_u32(c as u32 - 0xFEE0).unwrap_or(c),
            '\u{3000}' => ' ',
            _ => c,
        })
        .collect();
    std::borrow::Cow::Owned(folded)
}

/// The tokens that mean "missing" in a column.
pub fn is_missing_token(s: &str) -> bool {
    matches!(s, "" | "NULL" | "null" | "-" | "/" | "无")
}

/// Trims, folds full-width characters and maps missing tokens to `None`.
pub fn clean_code(raw: &str) -> Option<String> {
    let folded = fold_fullwidth(raw);
    let t = trim(&folded);
    if is_missing_token(t) {
        None
    } else {
        Some(t.to_string())
    }
}

/// Trims free text (names, descriptions) and maps missing tokens to `None`;
/// full-width characters are kept as written.
pub fn clean_text(raw: &str) -> Option<String> {
    let t = trim(raw);
    if is_missing_token(t) {
        None
    } else {
        Some(t.to_string())
    }
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
