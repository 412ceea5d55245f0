//! Dates and times in every form sources.md lists. All times are Beijing
//! local time and are kept as naive local date-times.

use chrono::{Duration, NaiveDate, NaiveDateTime, NaiveTime};

/// Parses a date or date-time. A date alone is midnight. The input is already
/// trimmed and full-width folded.
///
/// Forms: `2025-07-03`, `2025-07-03 14:22:10`, `2025-07-03T14:22:10`,
/// `2025/7/3`, `2025/7/3 14:22`, `20250703`, `2025年7月3日`,
/// `2025年7月3日 14时22分`, Excel serial dates (`45841`, `45841.6`), plus
/// fractional seconds and a trailing `Z` or UTC offset (converted to +08:00),
/// which typed Parquet columns produce when cast to text.
pub fn parse_datetime(s: &str) -> Option<NaiveDateTime> {
    let s = s.trim();
    if s.is_empty() {
        return None;
    }
    parse_iso_by_position(s.as_bytes()).or_else(|| parse_general(s))
}

/// Every form [`parse_datetime`] lists, searched for in turn (`s` trimmed
/// and not empty).
fn parse_general(s: &str) -> Option<NaiveDateTime> {
    if let Some(dt) = parse_excel_serial(s) {
        return Some(dt);
    }
    if s.len() == 8 && s.bytes().all(|b| b.is_ascii_digit()) {
        let y = s[0..4].parse().ok()?;
        let m = s[4..6].parse().ok()?;
        let d = s[6..8].parse().ok()?;
        return NaiveDate::from_ymd_opt(y, m, d).map(|d| d.and_time(NaiveTime::MIN));
    }
    let (s, offset_min) = split_offset(s)?;
    let mut p = Parser {
        s: s.as_bytes(),
        i: 0,
        text: s,
    };
    let y = p.number(4, 4)? as i32;
    let sep = p.date_sep(&["-", "/", "年"])?;
    let m = p.number(1, 2)?;
    match sep {
        "年" => p.expect("月")?,
        other => p.expect(other)?,
    }
    let d = p.number(1, 2)?;
    if sep == "年" {
        p.expect("日")?;
    }
    let date = NaiveDate::from_ymd_opt(y, m, d)?;
    let mut time = NaiveTime::MIN;
    if !p.done() {
        if !(p.eat("T") || p.eat_spaces()) {
            return None;
        }
        let h = p.number(1, 2)?;
        let chinese = p.eat("时");
        if !chinese {
            p.expect(":")?;
        }
        let mi = p.number(1, 2)?;
        let mut sec = 0;
        let mut micros = 0;
        if chinese {
            p.expect("分")?;
            if !p.done() {
                sec = p.number(1, 2)?;
                p.expect("秒")?;
            }
        } else if p.eat(":") {
            sec = p.number(1, 2)?;
            if p.eat(".") {
                micros = p.fraction_micros()?;
            }
        }
        time = NaiveTime::from_hms_micro_opt(h, mi, sec, micros)?;
    }
    if !p.done() {
        return None;
    }
    let dt = date.and_time(time);
    match offset_min {
        Some(off) => Some(dt - Duration::minutes(i64::from(off)) + Duration::hours(8)),
        None => Some(dt),
    }
}

/// The forms nearly every extract uses, `2025-07-03 14:22:10` (or with a
/// `T`) and `2025-07-03`, read by position: the same value as the general
/// parser gives them, without its search (the test
/// `by_position_agrees_with_the_general_parser` compares the two). `None`
/// for anything else, which the general parser then reads or refuses.
fn parse_iso_by_position(b: &[u8]) -> Option<NaiveDateTime> {
    let digits = |at: usize, len: usize| -> Option<u32> {
        b.get(at..at + len)?.iter().try_fold(0u32, |n, &c| {
            c.is_ascii_digit().then(|| n * 10 + u32::from(c - b'0'))
        })
    };
    if !(b.len() == 10 || b.len() == 19) || b[4] != b'-' || b[7] != b'-' {
        return None;
    }
    let date = NaiveDate::from_ymd_opt(digits(0, 4)? as i32, digits(5, 2)?, digits(8, 2)?)?;
    if b.len() == 10 {
        return Some(date.and_time(NaiveTime::MIN));
    }
    if !matches!(b[10], b' ' | b'T') || b[13] != b':' || b[16] != b':' {
        return None;
    }
    let time = NaiveTime::from_hms_opt(digits(11, 2)?, digits(14, 2)?, digits(17, 2)?)?;
    Some(date.and_time(time))
}

/// Parses a date; a date-time is accepted and its local date taken.
pub fn parse_date(s: &str) -> Option<NaiveDate> {
    parse_datetime(s).map(|dt| dt.date())
}

/// Excel serial date: at most five integer digits, optional fraction of a day.
/// Day 1 is 1900-01-01; Excel's phantom 1900-02-29 (serial 60) is refused.
fn parse_excel_serial(s: &str) -> Option<NaiveDateTime> {
    let (int_part, frac) = match s.split_once('.') {
        Some((i, f)) => (i, f),
        None => (s, ""),
    };
    if int_part.is_empty()
        || int_part.len() > 5
        || !int_part.bytes().all(|b| b.is_ascii_digit())
        || !frac.bytes().all(|b| b.is_ascii_digit())
    {
        return None;
    }
    let serial: f64 = s.parse().ok()?;
    let days = serial.trunc() as i64;
    if !(1..=2_958_465).contains(&days) || days == 60 {
        return None;
    }
    let base = if days < 60 {
        NaiveDate::from_ymd_opt(1899, 12, 31)?
    } else {
        NaiveDate::from_ymd_opt(1899, 12, 30)?
    };
    let date = base + Duration::days(days);
    let secs = ((serial - serial.trunc()) * 86_400.0).round() as i64;
    Some(date.and_time(NaiveTime::MIN) + Duration::seconds(secs))
}

/// Splits a trailing `Z` or `+hh:mm` / `-hh:mm` / `+hhmm` offset.
fn split_offset(s: &str) -> Option<(&str, Option<i32>)> {
    if let Some(rest) = s.strip_suffix('Z') {
        return Some((rest, Some(0)));
    }
    let b = s.as_bytes();
    // Only look for an offset after a time part (it contains ':').
    if !s.contains(':') && !s.contains('时') {
        return Some((s, None));
    }
    for len in [6usize, 5] {
        if b.len() > len + 10 {
            let start = b.len() - len;
            if !s.is_char_boundary(start) {
                continue;
            }
            let tail = &s[start..];
            let sign = match tail.as_bytes()[0] {
                b'+' => 1,
                b'-' => -1,
                _ => continue,
            };
            let digits: String = tail[1..].chars().filter(|c| *c != ':').collect();
            if digits.len() == 4 && digits.bytes().all(|c| c.is_ascii_digit()) {
                if len == 6 && tail.as_bytes()[3] != b':' {
                    continue;
                }
                let h: i32 = digits[0..2].parse().ok()?;
                let m: i32 = digits[2..4].parse().ok()?;
                return Some((&s[..start], Some(sign * (h * 60 + m))));
            }
        }
    }
    Some((s, None))
}

struct Parser<'a> {
    s: &'a [u8],
    i: usize,
    text: &'a str,
}

impl<'a> Parser<'a> {
    fn done(&self) -> bool {
        self.i >= self.s.len()
    }
    fn number(&mut self, min: usize, max: usize) -> Option<u32> {
        let start = self.i;
        while self.i < self.s.len() && self.s[self.i].is_ascii_digit() && self.i - start < max {
            self.i += 1;
        }
        let n = self.i - start;
        if n < min || (self.i < self.s.len() && self.s[self.i].is_ascii_digit()) {
            return None;
        }
        self.text[start..self.i].parse().ok()
    }
    fn eat(&mut self, lit: &str) -> bool {
        if self.text.as_bytes()[self.i..].starts_with(lit.as_bytes()) {
            self.i += lit.len();
            true
        } else {
            false
        }
    }
    fn expect(&mut self, lit: &str) -> Option<()> {
        self.eat(lit).then_some(())
    }
    fn eat_spaces(&mut self) -> bool {
        let start = self.i;
        while self.i < self.s.len() && self.s[self.i] == b' ' {
            self.i += 1;
        }
        self.i > start
    }
    fn date_sep(&mut self, seps: &[&'static str]) -> Option<&'static str> {
        seps.iter().copied().find(|sep| self.eat(sep))
    }
    fn fraction_micros(&mut self) -> Option<u32> {
        let start = self.i;
        while self.i < self.s.len() && self.s[self.i].is_ascii_digit() {
            self.i += 1;
        }
        let digits = &self.text[start..self.i];
        if digits.is_empty() || digits.len() > 9 {
            return None;
        }
        let mut padded = digits.chars().take(6).collect::<String>();
        while padded.len() < 6 {
            padded.push('0');
        }
        padded.parse().ok()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn dt(s: &str) -> NaiveDateTime {
        NaiveDateTime::parse_from_str(s, "%Y-%m-%d %H:%M:%S").unwrap()
    }

    #[test]
    fn every_listed_form() {
        assert_eq!(
            parse_datetime("2025-07-03"),
            Some(dt("2025-07-03 00:00:00"))
        );
        assert_eq!(
            parse_datetime("2025-07-03 14:22:10"),
            Some(dt("2025-07-03 14:22:10"))
        );
        assert_eq!(
            parse_datetime("2025-07-03T14:22:10"),
            Some(dt("2025-07-03 14:22:10"))
        );
        assert_eq!(parse_datetime("2025/7/3"), Some(dt("2025-07-03 00:00:00")));
        assert_eq!(
            parse_datetime("2025/7/3 14:22"),
            Some(dt("2025-07-03 14:22:00"))
        );
        assert_eq!(parse_datetime("20250703"), Some(dt("2025-07-03 00:00:00")));
        assert_eq!(
            parse_datetime("2025年7月3日"),
            Some(dt("2025-07-03 00:00:00"))
        );
        assert_eq!(
            parse_datetime("2025年7月3日 14时22分"),
            Some(dt("2025-07-03 14:22:00"))
        );
        assert_eq!(
            parse_datetime("2025年07月03日 14时22分05秒"),
            Some(dt("2025-07-03 14:22:05"))
        );
    }

    #[test]
    fn excel_serials() {
        // 45841 is 2025-07-03 in Excel's 1900 date system.
        assert_eq!(parse_datetime("45841"), Some(dt("2025-07-03 00:00:00")));
        // 0.6 of a day is 14:24:00.
        assert_eq!(parse_datetime("45841.6"), Some(dt("2025-07-03 14:24:00")));
        assert_eq!(parse_datetime("1"), Some(dt("1900-01-01 00:00:00")));
        assert_eq!(parse_datetime("61"), Some(dt("1900-03-01 00:00:00")));
        assert_eq!(parse_datetime("60"), None);
    }

    #[test]
    fn offsets_and_fractions() {
        assert_eq!(
            parse_datetime("2025-07-03T06:22:10Z"),
            Some(dt("2025-07-03 14:22:10"))
        );
        assert_eq!(
            parse_datetime("2025-07-03T14:22:10+08:00"),
            Some(dt("2025-07-03 14:22:10"))
        );
        assert_eq!(
            parse_datetime("2025-07-03T14:22:10.250"),
            Some(dt("2025-07-03 14:22:10") + Duration::milliseconds(250))
        );
    }

    /// Reading by position gives what the general parser gives on 200,000
    /// texts of the two shapes it reads, digits varied (invalid months,
    /// days, hours, 29 February of leap and other years) and separators
    /// swapped; the texts it declines go to the general parser.
    #[test]
    fn by_position_agrees_with_the_general_parser() {
        let mut x: u64 = 0x9E37_79B9_7F4A_7C15;
        let mut next = move |n: u64| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            x % n
        };
        let (mut read, mut declined) = (0, 0);
        for _ in 0..200_000 {
            let mut t: Vec<u8> = b"2024-02-29 23:59:59".to_vec();
            if next(3) == 0 {
                t.truncate(10);
            }
            for _ in 0..next(4) {
                let at = next(t.len() as u64) as usize;
                t[at] = b"0123456789-: T/x"[next(16) as usize];
            }
            let s = std::str::from_utf8(&t).unwrap();
            match parse_iso_by_position(&t) {
                Some(v) => {
                    read += 1;
                    assert_eq!(Some(v), parse_general(s.trim()), "{s}");
                }
                None => declined += 1,
            }
        }
        assert!(
            read > 50_000 && declined > 50_000,
            "{read} read, {declined} declined"
        );
    }

    #[test]
    fn refused() {
        for s in [
            "2025-13-01",
            "2025-02-30",
            "2025-07-03 25:00",
            "2025.07.03",
            "07/03/2025",
            "2025-07-03x",
            "2025年7月3",
            "20251301",
            "yesterday",
            "2025-7",
            "123456",
            "2025年9月30日 23时59",
            "2025-07-03 时",
            "二〇二五年七月三日",
            "2025-07-03 14:22:10+0",
        ] {
            assert_eq!(parse_datetime(s), None, "{s}");
        }
    }
}
