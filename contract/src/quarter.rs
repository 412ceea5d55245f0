//! Calendar quarters, written `YYYYQn` everywhere (indicators.md).

use chrono::{Datelike, NaiveDate};
use serde::Serialize;

/// A calendar quarter.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct Quarter {
    pub year: i32,
    pub q: u32,
}

impl Quarter {
    /// `2025Q3` (or `2025q3`); `None` for anything else.
    pub fn parse(s: &str) -> Option<Quarter> {
        let (y, q) = s.trim().split_once(['Q', 'q'])?;
        let (year, q) = (y.parse().ok()?, q.parse().ok()?);
        (1..=4).contains(&q).then_some(Quarter { year, q })
    }
    /// The quarter a date falls in.
    pub fn of(d: NaiveDate) -> Quarter {
        Quarter {
            year: d.year(),
            q: (d.month() - 1) / 3 + 1,
        }
    }
    pub fn label(self) -> String {
        format!("{}Q{}", self.year, self.q)
    }
    /// [`Quarter::label`] without a copy for the quarters of years 1900 to
    /// 2199 (ingest labels every event row; the labels are made once).
    pub fn label_cow(self) -> std::borrow::Cow<'static, str> {
        static LABELS: std::sync::OnceLock<Vec<String>> = std::sync::OnceLock::new();
        const FIRST: i32 = 1900;
        const YEARS: i32 = 300;
        if !(FIRST..FIRST + YEARS).contains(&self.year) || !(1..=4).contains(&self.q) {
            return self.label().into();
        }
        let at = (self.year - FIRST) * 4 + self.q as i32 - 1;
        let labels = LABELS.get_or_init(|| {
            (0..YEARS * 4)
                .map(|i| {
                    Quarter {
                        year: FIRST + i / 4,
                        q: (i % 4 + 1) as u32,
                    }
                    .label()
                })
                .collect()
        });
        std::borrow::Cow::Borrowed(labels[at as usize].as_str())
    }
    pub fn next(self) -> Quarter {
        if self.q == 4 {
            Quarter {
                year: self.year + 1,
                q: 1,
            }
        } else {
            Quarter {
                year: self.year,
                q: self.q + 1,
            }
        }
    }
    pub fn start(self) -> NaiveDate {
        NaiveDate::from_ymd_opt(self.year, (self.q - 1) * 3 + 1, 1).expect("valid quarter")
    }
    pub fn end(self) -> NaiveDate {
        self.next().start().pred_opt().expect("valid date")
    }
    pub fn days(self) -> i64 {
        (self.end() - self.start()).num_days() + 1
    }
}

impl std::fmt::Display for Quarter {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}", self.label())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn labels_made_once_are_the_labels() {
        for year in [
            i32::MIN,
            -5,
            0,
            1899,
            1900,
            1901,
            2025,
            2199,
            2200,
            i32::MAX,
        ] {
            for q in [0, 1, 2, 3, 4, 5, u32::MAX] {
                let x = Quarter { year, q };
                assert_eq!(x.label_cow(), x.label(), "{x:?}");
            }
        }
    }

    #[test]
    fn quarters() {
        let d = |s: &str| NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap();
        assert_eq!(Quarter::of(d("2025-03-31")).label(), "2025Q1");
        assert_eq!(Quarter::of(d("2025-04-01")).label(), "2025Q2");
        assert_eq!(Quarter::of(d("2025-12-31")).label(), "2025Q4");
        assert_eq!(Quarter::parse("2025q4"), Some(Quarter { year: 2025, q: 4 }));
        assert_eq!(Quarter::parse("2025Q5"), None);
        assert_eq!(Quarter::parse("2025Q4").unwrap().next().label(), "2026Q1");
        assert_eq!(Quarter::parse("2024Q1").unwrap().days(), 91);
    }
}
