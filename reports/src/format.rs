//! Numbers as the page and the charts write them: counts as integers with
//! thousands separators, never with a decimal point.

/// A count with thousands separators: 918969 → "918,969".
pub fn count(n: i64) -> String {
    let s = n.unsigned_abs().to_string();
    let mut out = String::new();
    for (i, c) in s.chars().enumerate() {
        if i > 0 && (s.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    if n < 0 {
        format!("-{out}")
    } else {
        out
    }
}

/// A number already written (`"6778.00"`, `"-1234567"`) with thousands
/// separators in its integer part; anything else is returned as it is.
pub fn grouped(text: &str) -> String {
    let (sign, rest) = match text.strip_prefix('-') {
        Some(r) => ("-", r),
        None => ("", text),
    };
    let (int, frac) = rest
        .split_once('.')
        .map_or((rest, None), |(a, b)| (a, Some(b)));
    if int.is_empty() || int.len() > 18 || !int.bytes().all(|b| b.is_ascii_digit()) {
        return text.to_string();
    }
    let body = count(int.parse::<i64>().unwrap_or(0));
    match frac {
        Some(f) => format!("{sign}{body}.{f}"),
        None => format!("{sign}{body}"),
    }
}

/// A count axis tick (plotters gives f64): rounded, with separators.
pub fn count_tick(x: &f64) -> String {
    count(x.round() as i64)
}

/// Yuan as 万元 with one decimal and thousands separators: 487653000 → "48,765.3".
pub fn wan(yuan: f64) -> String {
    let tenths = (yuan / 1_000.0).round() as i64;
    let sign = if tenths < 0 { "-" } else { "" };
    let t = tenths.abs();
    format!("{sign}{}.{}", count(t / 10), t % 10)
}

/// A share as per cent with one decimal.
pub fn pct(x: f64) -> String {
    format!("{:.1}%", x * 100.0)
}

#[cfg(test)]
mod tests {
    #[test]
    fn counts_have_separators_and_no_decimal_point() {
        assert_eq!(super::count(918_969), "918,969");
        assert_eq!(super::count(1_000), "1,000");
        assert_eq!(super::count(999), "999");
        assert_eq!(super::count(-1_234_567), "-1,234,567");
        assert_eq!(super::count_tick(&200_000.0), "200,000");
        assert_eq!(super::pct(0.9191), "91.9%");
        assert_eq!(super::wan(487_653_000.0), "48,765.3");
        assert_eq!(super::wan(950.0), "0.1");
        assert_eq!(super::wan(-12_345_678.0), "-1,234.6");
        assert_eq!(super::grouped("6778.00"), "6,778.00");
        assert_eq!(super::grouped("-1234567"), "-1,234,567");
        assert_eq!(super::grouped("-0.50"), "-0.50");
        assert_eq!(super::grouped("12.5"), "12.5");
        assert_eq!(super::grouped("[c]"), "[c]");
    }
}
