//! The many written forms of one value, as real extracts mix them.

use chrono::{Datelike, NaiveDate, NaiveDateTime, Timelike};

use super::rng::Rng;
use super::sink::Val;

/// Excel serial of a local date-time.
pub fn serial(dt: NaiveDateTime) -> f64 {
    let base = NaiveDate::from_ymd_opt(1899, 12, 30)
        .expect("valid")
        .and_hms_opt(0, 0, 0)
        .expect("valid");
    let secs = (dt - base).num_seconds() as f64;
    (secs / 86_400.0 * 1e6).round() / 1e6
}

/// A date-time in one of the accepted text forms (XLSX writes the serial).
pub fn datetime(rng: &mut Rng, dt: NaiveDateTime) -> Val {
    let (y, m, d, h, mi, s) = (
        dt.year(),
        dt.month(),
        dt.day(),
        dt.hour(),
        dt.minute(),
        dt.second(),
    );
    let text = match rng.range(0, 19) {
        0..=10 => format!("{y}-{m:02}-{d:02} {h:02}:{mi:02}:{s:02}"),
        11..=13 => format!("{y}-{m:02}-{d:02}T{h:02}:{mi:02}:{s:02}"),
        14..=16 => format!("{y}/{m}/{d} {h}:{mi:02}"),
        _ => format!("{y}年{m}月{d}日 {h}时{mi}分"),
    };
    // Forms without seconds lose them: keep the serial consistent.
    let kept = if text.contains('/') || text.contains('年') {
        dt.with_second(0).unwrap_or(dt)
    } else {
        dt
    };
    Val::Serial(serial(kept), text)
}

/// A date in one of the accepted text forms.
pub fn date(rng: &mut Rng, d: NaiveDate) -> Val {
    let (y, m, dd) = (d.year(), d.month(), d.day());
    let text = match rng.range(0, 9) {
        0..=5 => format!("{y}-{m:02}-{dd:02}"),
        6 => format!("{y}/{m}/{dd}"),
        7 => format!("{y}{m:02}{dd:02}"),
        _ => format!("{y}年{m}月{dd}日"),
    };
    Val::Serial(serial(d.and_hms_opt(0, 0, 0).expect("valid")), text)
}

/// Money in fen, in one of the accepted forms.
pub fn money(rng: &mut Rng, fen: i64) -> Val {
    let yuan = fen / 100;
    let f = fen % 100;
    let grouped = {
        let s = yuan.to_string();
        let mut out = String::new();
        for (i, c) in s.chars().enumerate() {
            if i > 0 && (s.len() - i).is_multiple_of(3) {
                out.push(',');
            }
            out.push(c);
        }
        out
    };
    Val::S(match rng.range(0, 9) {
        0..=6 => format!("{yuan}.{f:02}"),
        7 => format!("{grouped}.{f:02}"),
        8 => format!("{yuan}.{f:02}元"),
        _ => format!("¥{yuan}.{f:02}"),
    })
}

/// The boolean style of one file.
#[derive(Debug, Clone, Copy)]
pub struct BoolStyle(pub usize);

impl BoolStyle {
    pub fn val(self, b: bool) -> Val {
        const FORMS: [(&str, &str); 5] = [
            ("是", "否"),
            ("Y", "N"),
            ("1", "0"),
            ("true", "false"),
            ("TRUE", "FALSE"),
        ];
        let (t, f) = FORMS[self.0 % FORMS.len()];
        Val::S(if b { t } else { f }.to_string())
    }
}

/// Full-width form of an ASCII code.
pub fn fullwidth(s: &str) -> String {
    s.chars()
        .map(|c| {
            if ('!'..='~').contains(&c) {
                char::from_u32(c as u32 + 0xFEE0).unwrap_or(c)
            } else {
                c
            }
        })
        .collect()
}
