//! Text rules shared by every column: trimming, full-width folding, the
//! missing-value tokens and booleans (sources.md, "Value rules").

use std::borrow::Cow;

/// Trims ASCII and ideographic white space.
pub fn trim(s: &str) -> &str {
    // Most values (Chinese text included) have no space at either end:
    // look at the first and last characters only.
    let blank = |c: char| c.is_whitespace() || c == '\u{3000}' || c == '\u{feff}';
    let b = s.as_bytes();
    // A byte E4..E9 leads a three-byte character U+4000..U+9FFF: CJK
    // ideographs and a few symbols, none of them blank.
    let cjk = |lead: Option<&u8>| lead.is_some_and(|l| (0xE4..=0xE9).contains(l));
    let first_kept = b.first().is_some_and(u8::is_ascii_graphic) || cjk(b.first());
    let last_kept =
        b.last().is_some_and(u8::is_ascii_graphic) || (b.len() >= 3 && cjk(b.get(b.len() - 3)));
    if first_kept && last_kept {
        return s;
    }
    match (s.chars().next(), s.chars().next_back()) {
        (Some(f), Some(l)) if !blank(f) && !blank(l) => s,
        _ => s.trim_matches(blank),
    }
}

/// Folds full-width ASCII (U+FF01..U+FF5E) and the ideographic space to
/// half-width. Used on codes, numbers, dates, money and booleans.
pub fn fold_fullwidth(s: &str) -> Cow<'_, str> {
    // Most values (codes, and Chinese enumeration values such as 已办结)
    // have nothing to fold: keep them as they are, without a copy.
    if !has_foldable(s.as_bytes()) {
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

/// Whether the UTF-8 text holds a character `fold_fullwidth` changes:
/// U+FF01..U+FF5E are `EF BC 81..EF BD 9E`, U+3000 is `E3 80 80`.
fn has_foldable(b: &[u8]) -> bool {
    !b.is_ascii()
        && b.windows(3).any(|w| {
            matches!(
                w,
                [0xEF, 0xBC, 0x81..=0xBF] | [0xEF, 0xBD, 0x80..=0x9E] | [0xE3, 0x80, 0x80]
            )
        })
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

    /// 20,000 strings of up to `longest - 1` pieces of `alphabet`, from a
    /// xorshift generator seeded with `seed` (the same strings every run).
    fn random_texts(alphabet: &[&str], longest: u64, seed: u64) -> Vec<String> {
        let mut x = seed;
        let mut next = move || {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            x
        };
        (0..20_000)
            .map(|_| {
                let len = next() % longest;
                (0..len)
                    .map(|_| alphabet[(next() % alphabet.len() as u64) as usize])
                    .collect()
            })
            .collect()
    }

    /// The byte test agrees with folding character by character: a value
    /// is kept as it is exactly when folding would not change it.
    #[test]
    fn the_byte_test_finds_exactly_what_folds() {
        let alphabet = [
            "A", "１", "Ｚ", "～", "｟", "\u{FF00}", "\u{3000}", "\u{3001}", "已", "办", "é", " ",
        ];
        for s in random_texts(&alphabet, 6, 0x2545_F491_4F6C_DD1D) {
            let by_char: String = s
                .chars()
                .map(|c| match c {
                    '\u{FF01}'..='\u{FF5E}' => char::from_u32(c as u32 - 0xFEE0).unwrap(),
                    '\u{3000}' => ' ',
                    _ => c,
                })
                .collect();
            assert_eq!(has_foldable(s.as_bytes()), by_char != s, "{s:?}");
            assert_eq!(fold_fullwidth(&s), by_char, "{s:?}");
        }
    }

    /// The first-and-last-character test keeps exactly what the full trim
    /// keeps: blanks of every kind, at either end, in Chinese text too.
    #[test]
    fn trim_agrees_with_the_full_trim() {
        let alphabet = [
            "a", "已", " ", "\u{3000}", "\u{feff}", "\u{a0}", "\t", "\n", "办结", "é", "\u{2003}",
            "\u{1680}", "一", "\u{9fff}", "，",
        ];
        let full = |s: &str| -> String {
            s.trim_matches(|c: char| c.is_whitespace() || c == '\u{3000}' || c == '\u{feff}')
                .to_string()
        };
        for s in random_texts(&alphabet, 6, 0x9E37_79B9_7F4A_7C15) {
            assert_eq!(trim(&s), full(&s), "{s:?}");
        }
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
