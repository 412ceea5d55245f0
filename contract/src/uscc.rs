//! Unified social credit code check (GB 32100-2015, reference.md).

/// The 31 characters a code is written in, in the order of their values.
pub const CHARSET: &[u8; 31] = b"0123456789ABCDEFGHJKLMNPQRTUWXY";
const WEIGHTS: [u32; 17] = [
    1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28,
];

fn value_of(c: u8) -> Option<u32> {
    CHARSET.iter().position(|&x| x == c).map(|p| p as u32)
}

/// The check character of the first 17 characters of a code (`None` when
/// one of them is not in [`CHARSET`] or there are not 17).
pub fn check_char(first17: &[u8]) -> Option<u8> {
    if first17.len() != 17 {
        return None;
    }
    let mut sum = 0u32;
    for (i, &c) in first17.iter().enumerate() {
        sum += value_of(c)? * WEIGHTS[i];
    }
    Some(CHARSET[((31 - sum % 31) % 31) as usize])
}

/// Upper-cases a candidate code (already trimmed and folded) and returns it
/// when its check character is right.
pub fn normalise_uscc(s: &str) -> Option<String> {
    let up = s.to_ascii_uppercase();
    let b = up.as_bytes();
    if b.len() != 18 {
        return None;
    }
    (check_char(&b[..17])? == b[17]).then_some(up)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn verified_examples_and_single_changes() {
        for good in [
            "914403001922038216",
            "91110000802100433B",
            "91330100799655058B",
        ] {
            assert!(normalise_uscc(good).is_some(), "{good}");
            assert_eq!(normalise_uscc(&good.to_lowercase()).as_deref(), Some(good));
            for i in 0..18 {
                for &c in CHARSET.iter() {
                    if c == good.as_bytes()[i] {
                        continue;
                    }
                    let mut bad = good.as_bytes().to_vec();
                    bad[i] = c;
                    let bad = String::from_utf8(bad).unwrap();
                    assert!(normalise_uscc(&bad).is_none(), "{bad}");
                }
            }
        }
        assert!(normalise_uscc("91110000802100433").is_none());
        assert!(normalise_uscc("91110000802100433BB").is_none());
        assert!(normalise_uscc("9111000080210043IB").is_none());
    }
}
