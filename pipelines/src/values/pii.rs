//! Personal data: the keyed consumer hash and redaction of free text.

use hmac::{Hmac, Mac};
use sha2::Sha256;
use std::borrow::Cow;

/// The redaction token that replaces an ID number or a mobile number.
pub const REDACTED: &str = "[已脱敏]";

/// The normalised phone number: digits only, a leading `86` dropped.
pub fn normalise_phone(phone: &str) -> Option<String> {
    let mut digits = Vec::new();
    phone_digits(phone, &mut digits).map(|d| String::from_utf8_lossy(d).into_owned())
}

/// The digits of a phone number into `buf`, a leading `86` dropped; the
/// digits, or `None` when there are none.
fn phone_digits<'b>(phone: &str, buf: &'b mut Vec<u8>) -> Option<&'b [u8]> {
    buf.clear();
    buf.extend(phone.bytes().filter(u8::is_ascii_digit));
    let d = buf.strip_prefix(b"86").unwrap_or(buf);
    (!d.is_empty()).then_some(d)
}

/// `consumer_key`: HMAC-SHA256 over the normalised phone, else the
/// upper-cased ID number, else `None`; the first 32 hex characters.
pub fn consumer_key(secret: &[u8], phone: Option<&str>, id_number: Option<&str>) -> Option<String> {
    Keyer::new(secret)?.key(phone, id_number)
}

/// [`consumer_key`] for many rows under one secret: the key's HMAC state is
/// set up once, not for every row.
#[derive(Clone)]
pub struct Keyer {
    keyed: Hmac<Sha256>,
    digits: Vec<u8>,
}

impl Keyer {
    pub fn new(secret: &[u8]) -> Option<Self> {
        Some(Keyer {
            keyed: Hmac::<Sha256>::new_from_slice(secret).ok()?,
            digits: Vec::with_capacity(32),
        })
    }

    /// The consumer key of one row (see [`consumer_key`]).
    pub fn key(&mut self, phone: Option<&str>, id_number: Option<&str>) -> Option<String> {
        let bytes = self.key_bytes(phone, id_number)?;
        let mut hex = Vec::with_capacity(32);
        crate::batch::push_hex(&mut hex, &bytes);
        String::from_utf8(hex).ok()
    }

    /// The 16 bytes whose hex digits are the consumer key of one row.
    pub fn key_bytes(&mut self, phone: Option<&str>, id_number: Option<&str>) -> Option<[u8; 16]> {
        let mut mac = self.keyed.clone();
        match phone.and_then(|p| phone_digits(p, &mut self.digits)) {
            Some(p) => mac.update(p),
            None => {
                let id = id_number?.trim().to_uppercase();
                if id.is_empty() {
                    return None;
                }
                mac.update(id.as_bytes());
            }
        }
        let out = mac.finalize().into_bytes();
        // The first 16 bytes are the first 32 hex characters.
        out[..16].try_into().ok()
    }
}

/// Replaces 18-character ID numbers (17 digits then a digit or X) first, then
/// mainland mobile numbers (11 digits, `1[3-9]`, not inside a longer digit run).
///
/// Works on bytes: digits and `X` are ASCII, and no byte of a multi-byte
/// UTF-8 character is ASCII, so a byte is a digit exactly where a character
/// is (the character-by-character rules are kept in the tests and compared).
pub fn redact(text: &str) -> String {
    redacted(Cow::Borrowed(text)).into_owned()
}

/// [`redact`] that keeps the text itself, without a copy, when there is
/// nothing to redact in it (most descriptions).
pub fn redacted(text: Cow<'_, str>) -> Cow<'_, str> {
    // Neither pattern fits without eleven digits in a row.
    if !has_digit_run(text.as_bytes(), 11) {
        return text;
    }
    // An ID number is seventeen digits in a row and more: without such a
    // run (a text with a phone number only) there is no ID to replace.
    if !has_digit_run(text.as_bytes(), 17) {
        return Cow::Owned(replace_mobiles(&text));
    }
    Cow::Owned(replace_mobiles(&replace_ids(&text)))
}

/// Whether `b` holds `n` ASCII digits in a row. Looks at every `n`-th byte
/// only (a run of `n` covers one of them) and measures the run around a
/// digit it lands on; most of a Chinese description is skipped unread.
fn has_digit_run(b: &[u8], n: usize) -> bool {
    let n = n.max(1);
    let mut i = n - 1;
    while i < b.len() {
        if !b[i].is_ascii_digit() {
            // A run after `i` starts at `i + 1` or later.
            i += n;
            continue;
        }
        let lo = b[..i]
            .iter()
            .rposition(|c| !c.is_ascii_digit())
            .map_or(0, |p| p + 1);
        let hi = b[i..]
            .iter()
            .position(|c| !c.is_ascii_digit())
            .map_or(b.len(), |p| i + p);
        if hi - lo >= n {
            return true;
        }
        // `b[hi]` is not a digit: the next run starts at `hi + 1` or later.
        i = hi + n;
    }
    false
}

/// `text` with the spans that `found(bytes, i)` reports (their lengths)
/// replaced by the redaction token. Spans start and end at ASCII bytes, so
/// the text between them is copied as whole characters.
fn replace_spans(text: &str, found: impl Fn(&[u8], usize) -> Option<usize>) -> String {
    let b = text.as_bytes();
    let mut out = String::with_capacity(b.len());
    let (mut i, mut kept) = (0, 0);
    while i < b.len() {
        match found(b, i) {
            Some(n) => {
                out.push_str(&text[kept..i]);
                out.push_str(REDACTED);
                i += n;
                kept = i;
            }
            None => i += 1,
        }
    }
    out.push_str(&text[kept..]);
    out
}

fn replace_ids(text: &str) -> String {
    replace_spans(text, |b, i| {
        (i + 18 <= b.len()
            && b[i..i + 17].iter().all(u8::is_ascii_digit)
            && matches!(b[i + 17], b'0'..=b'9' | b'X' | b'x'))
        .then_some(18)
    })
}

fn replace_mobiles(text: &str) -> String {
    replace_spans(text, |b, i| {
        let before_ok = i == 0 || !b[i - 1].is_ascii_digit();
        (before_ok
            && i + 11 <= b.len()
            && b[i] == b'1'
            && matches!(b[i + 1], b'3'..=b'9')
            && b[i + 2..i + 11].iter().all(u8::is_ascii_digit)
            && (i + 11 == b.len() || !b[i + 11].is_ascii_digit()))
        .then_some(11)
    })
}

/// The character-by-character rules, as first written: `redact` must agree.
#[cfg(test)]
mod by_char {
    use super::REDACTED;

    /// (reference) Replaces 18-character ID numbers (17 digits then a digit or X) first, then
    /// mainland mobile numbers (11 digits, `1[3-9]`, not inside a longer digit run).
    pub(super) fn redact(text: &str) -> String {
        let ids = replace_ids(text);
        replace_mobiles(&ids)
    }

    fn replace_ids(text: &str) -> String {
        let chars: Vec<char> = text.chars().collect();
        let mut out = String::with_capacity(text.len());
        let mut i = 0;
        while i < chars.len() {
            if i + 18 <= chars.len()
                && chars[i..i + 17].iter().all(|c| c.is_ascii_digit())
                && (chars[i + 17].is_ascii_digit() || chars[i + 17] == 'X' || chars[i + 17] == 'x')
            {
                out.push_str(REDACTED);
                i += 18;
            } else {
                out.push(chars[i]);
                i += 1;
            }
        }
        out
    }

    fn replace_mobiles(text: &str) -> String {
        let chars: Vec<char> = text.chars().collect();
        let mut out = String::with_capacity(text.len());
        let mut i = 0;
        while i < chars.len() {
            let before_ok = i == 0 || !chars[i - 1].is_ascii_digit();
            if before_ok
                && i + 11 <= chars.len()
                && chars[i] == '1'
                && matches!(chars[i + 1], '3'..='9')
                && chars[i + 2..i + 11].iter().all(|c| c.is_ascii_digit())
                && (i + 11 == chars.len() || !chars[i + 11].is_ascii_digit())
            {
                out.push_str(REDACTED);
                i += 11;
            } else {
                out.push(chars[i]);
                i += 1;
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn phone_forms_share_a_key() {
        let k = b"secret";
        let a = consumer_key(k, Some("138 0013 8000"), None);
        assert_eq!(a, consumer_key(k, Some("+86 13800138000"), None));
        assert_eq!(
            a,
            consumer_key(k, Some("86-138-0013-8000"), Some("110101199003071234"))
        );
        assert_eq!(a.as_ref().map(String::len), Some(32));
        assert_ne!(a, consumer_key(b"other", Some("13800138000"), None));
    }

    /// One keyer for many rows gives each row the key a fresh HMAC does.
    #[test]
    fn a_reused_keyer_gives_the_same_keys() {
        let secret = b"bench-key";
        let mut keyer = Keyer::new(secret).unwrap();
        let rows = [
            (Some("13800138000"), None),
            (Some("+86 139-0013-8000"), None),
            (None, Some(" 11010119900307123x ")),
            (Some("--"), Some("110101199003071234")),
            (Some(""), None),
            (Some("86"), None),
        ];
        for (phone, id) in rows {
            let fresh = phone
                .and_then(normalise_phone)
                .or_else(|| {
                    id.map(|i| i.trim().to_uppercase())
                        .filter(|i| !i.is_empty())
                })
                .map(|subject| {
                    let mut mac = Hmac::<Sha256>::new_from_slice(secret).unwrap();
                    mac.update(subject.as_bytes());
                    hex::encode(&mac.finalize().into_bytes()[..16])
                });
            assert_eq!(keyer.key(phone, id), fresh, "{phone:?} {id:?}");
        }
    }

    #[test]
    fn id_number_fallback() {
        let k = b"secret";
        let a = consumer_key(k, None, Some("11010119900307123x"));
        assert_eq!(a, consumer_key(k, Some(""), Some("11010119900307123X")));
        assert!(a.is_some());
        assert_eq!(consumer_key(k, None, None), None);
    }

    #[test]
    fn hmac_matches_known_vector() {
        // RFC 4231 test case 2: key "Jefe", data "what do ya want for nothing?".
        let mut mac = Hmac::<Sha256>::new_from_slice(b"Jefe").unwrap();
        mac.update(b"what do ya want for nothing?");
        assert_eq!(
            hex::encode(mac.finalize().into_bytes()),
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
        );
    }

    #[test]
    fn redaction() {
        assert_eq!(
            redact("身份证110101199003071234，电话13800138000。"),
            "身份证[已脱敏]，电话[已脱敏]。"
        );
        assert_eq!(redact("ID 11010119900307123X end"), "ID [已脱敏] end");
        // Part of a longer digit run: not a mobile number.
        assert_eq!(redact("订单138001380001"), "订单138001380001");
        assert_eq!(redact("12800138000"), "12800138000");
        assert_eq!(redact("tel:15912345678"), "tel:[已脱敏]");
    }

    #[test]
    fn bytes_agree_with_characters() {
        // Random strings over digits, X, a three-byte and a two-byte
        // character and punctuation, long enough to hold the patterns.
        let alphabet = ["1", "3", "8", "0", "9", "2", "X", "x", "电", "é", "-", " "];
        let mut state: u64 = 0x9E37_79B9_7F4A_7C15;
        for _ in 0..20_000 {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            let len = (state % 40) as usize;
            let mut s = String::new();
            let mut x = state;
            for _ in 0..len {
                x = x
                    .wrapping_mul(6364136223846793005)
                    .wrapping_add(1442695040888963407);
                // Mostly digits, so that runs of 11 and 18 occur.
                let k = (x >> 33) as usize % 20;
                s.push_str(alphabet[if k < 12 { k } else { k % 6 }]);
            }
            assert_eq!(redact(&s), by_char::redact(&s), "{s:?}");
        }
        assert_eq!(
            redact("电话13800138000"),
            by_char::redact("电话13800138000")
        );
    }

    /// Text with nothing to redact is kept as it is, not copied; text with
    /// something to redact gets `redact`'s result.
    #[test]
    fn redacted_borrows_what_it_does_not_change() {
        let plain = "商品与描述不符，订单号2025070112";
        assert!(matches!(redacted(Cow::Borrowed(plain)), Cow::Borrowed(p) if p == plain));
        let with_phone = "联系13800138000退货";
        let r = redacted(Cow::Borrowed(with_phone));
        assert!(matches!(r, Cow::Owned(_)));
        assert_eq!(r, redact(with_phone));
        assert!(!r.contains("13800138000"));
    }

    /// The skipping digit-run test agrees with counting every byte.
    #[test]
    fn digit_runs_are_found_by_skipping() {
        let counted = |b: &[u8], n: usize| {
            let mut run = 0;
            b.iter().any(|c| {
                run = if c.is_ascii_digit() { run + 1 } else { 0 };
                run >= n
            })
        };
        let alphabet: [&[u8]; 5] = [b"1", b"7", b"a", "\u{7535}".as_bytes(), b" "];
        let mut x: u64 = 0xD1B5_4A32_D192_ED03;
        for _ in 0..50_000 {
            let mut s = Vec::new();
            for _ in 0..(x % 40) {
                x ^= x << 13;
                x ^= x >> 7;
                x ^= x << 17;
                // Mostly digits, so that runs near the length occur.
                let k = (x % 8) as usize;
                s.extend_from_slice(alphabet[if k < 5 { k % 2 } else { k - 3 }]);
            }
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            for n in [1, 2, 11, 18] {
                assert_eq!(has_digit_run(&s, n), counted(&s, n), "{s:?} {n}");
            }
        }
    }
}
