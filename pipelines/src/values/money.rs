//! Money in yuan, held exact as integer fen.

/// Why a money value was refused.
#[derive(Debug, PartialEq, Eq)]
pub enum MoneyError {
    Negative,
    Unparseable,
}

/// Parses `1234.5`, `1,234.50`, `1234.50元`, `¥1234.5` (also `￥`) into fen.
/// More than two decimals that are not zero cannot be held exactly and are
/// refused, as is any negative amount. The input is already trimmed and folded.
pub fn parse_money_fen(s: &str) -> Result<i64, MoneyError> {
    let mut t = s.trim();
    for prefix in ['¥', '￥'] {
        if let Some(rest) = t.strip_prefix(prefix) {
            t = rest.trim_start();
        }
    }
    if let Some(rest) = t.strip_suffix('元') {
        t = rest.trim_end();
    }
    let negative = if let Some(rest) = t.strip_prefix('-') {
        t = rest;
        true
    } else {
        if let Some(rest) = t.strip_prefix('+') {
            t = rest;
        }
        false
    };
    let (int_part, frac_part) = match t.split_once('.') {
        Some((i, f)) => (i, f),
        None => (t, ""),
    };
    if int_part.is_empty() && frac_part.is_empty() {
        return Err(MoneyError::Unparseable);
    }
    // Thousands separators: groups of three digits after the first group.
    let digits: String = if int_part.contains(',') {
        let groups: Vec<&str> = int_part.split(',').collect();
        let first_ok = !groups[0].is_empty() && groups[0].len() <= 3;
        if !first_ok || groups[1..].iter().any(|g| g.len() != 3) {
            return Err(MoneyError::Unparseable);
        }
        groups.concat()
    } else {
        int_part.to_string()
    };
    if !digits.bytes().all(|b| b.is_ascii_digit()) || !frac_part.bytes().all(|b| b.is_ascii_digit())
    {
        return Err(MoneyError::Unparseable);
    }
    let digits = if digits.is_empty() { "0" } else { &digits };
    if digits.len() > 16 {
        return Err(MoneyError::Unparseable);
    }
    let (fen_digits, rest) = if frac_part.len() > 2 {
        frac_part.split_at(2)
    } else {
        (frac_part, "")
    };
    if rest.bytes().any(|b| b != b'0') {
        return Err(MoneyError::Unparseable);
    }
    let yuan: i64 = digits.parse().map_err(|_| MoneyError::Unparseable)?;
    let mut fen: i64 = 0;
    for (i, b) in fen_digits.bytes().enumerate() {
        fen += i64::from(b - b'0') * if i == 0 { 10 } else { 1 };
    }
    let total = yuan * 100 + fen;
    if negative && total != 0 {
        return Err(MoneyError::Negative);
    }
    Ok(total)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepted_forms() {
        assert_eq!(parse_money_fen("1234.5"), Ok(123450));
        assert_eq!(parse_money_fen("1,234.50"), Ok(123450));
        assert_eq!(parse_money_fen("1234.50元"), Ok(123450));
        assert_eq!(parse_money_fen("¥1234.5"), Ok(123450));
        assert_eq!(parse_money_fen("￥1234.5"), Ok(123450));
        assert_eq!(parse_money_fen("0"), Ok(0));
        assert_eq!(parse_money_fen("12"), Ok(1200));
        assert_eq!(parse_money_fen("1,234,567.01"), Ok(123456701));
        assert_eq!(parse_money_fen("3.100"), Ok(310));
    }

    #[test]
    fn refused_forms() {
        assert_eq!(parse_money_fen("-5"), Err(MoneyError::Negative));
        assert_eq!(parse_money_fen("-0.01元"), Err(MoneyError::Negative));
        assert_eq!(parse_money_fen("abc"), Err(MoneyError::Unparseable));
        assert_eq!(parse_money_fen("12,34"), Err(MoneyError::Unparseable));
        assert_eq!(parse_money_fen("1.234"), Err(MoneyError::Unparseable));
        assert_eq!(parse_money_fen("1e5"), Err(MoneyError::Unparseable));
        assert_eq!(parse_money_fen("."), Err(MoneyError::Unparseable));
    }
}
