//! How provinces and platforms differ beyond their size: each province's
//! complaint-handling capacity (how fast it closes, how often mediation
//! succeeds, how much is recovered) and each platform's complaint intensity
//! (complaints per merchant). Without these every province closed 91.9 % of
//! complaints within 60 days and every platform had the same complaints per
//! 10 000 merchants, so those indicators carried only noise.
//!
//! Drawn from their own random stream, so the rest of the world is the same
//! for a seed. One slow province and one intense platform are planted and
//! listed in `_truth.json`.

use serde::Serialize;

use super::rng::Rng;

/// Capacity of the planted slow province (ordinary ones lie in [0, 1]).
const SLOW_CAPACITY: f64 = -0.6;
/// Ordinary platforms' intensity is log-uniform in [LOW, HIGH] (5-fold).
const INTENSITY_LOW: f64 = 0.5;
const INTENSITY_HIGH: f64 = 2.5;
/// The planted platform's intensity.
const INTENSE: f64 = 7.0;
/// Candidates for the planted slow province: mid-sized ones no other signal uses.
const SLOW_CANDIDATES: [&str; 3] = ["430000", "410000", "360000"];
/// Candidates for the planted platform (0-based): large enough to be among
/// the dashboard's top 15, and not the counterfeit one (index 2).
const INTENSE_CANDIDATES: [usize; 4] = [5, 6, 7, 8];

/// One province's handling of complaints.
#[derive(Debug, Clone, Copy, Serialize)]
pub struct Handling {
    /// 1 = the best-equipped province, 0 = the least; below 0 = planted slow.
    pub capacity: f64,
}

impl Handling {
    /// Share of complaints that take 61–150 days.
    pub fn late_share(self) -> f64 {
        0.015 + 0.09 * (1.0 - self.capacity)
    }
    /// Mean of the (exponential) days to close the others.
    pub fn mean_days(self) -> f64 {
        10.0 + 10.0 * (1.0 - self.capacity)
    }
    /// The expected share closed within 60 days (before the extraction cut).
    pub fn expected_closed_60d(self) -> f64 {
        (1.0 - self.late_share()) * (1.0 - (-60.0 / self.mean_days()).exp())
    }
    /// Weight of `调解成功` against the fixed weight 14 of `调解不成功`.
    pub fn mediation_weight(self) -> f64 {
        45.0 + 25.0 * self.capacity
    }
    /// Lowest recovered share of the amount, in per cent, when mediation succeeds.
    pub fn recovery_floor(self) -> u64 {
        (20.0 + 40.0 * self.capacity).clamp(5.0, 90.0).round() as u64
    }
}

/// The character of the world: per province, per platform.
#[derive(Debug, Clone)]
pub struct Character {
    pub handling: Vec<Handling>,
    pub slow: usize,
    pub intensity: Vec<f64>,
    pub intense: usize,
}

/// What `_truth.json` lists about it.
#[derive(Debug, Clone, Default, Serialize)]
pub struct CharacterTruth {
    pub provinces: Vec<ProvinceHandling>,
    pub platforms: Vec<PlatformIntensity>,
}

#[derive(Debug, Clone, Serialize)]
pub struct ProvinceHandling {
    pub region_code: String,
    pub capacity: f64,
    /// Expected 60-day closure among complaints closed before the extraction.
    pub expected_closed_60d: f64,
    pub planted_slow: bool,
}

#[derive(Debug, Clone, Serialize)]
pub struct PlatformIntensity {
    pub platform_id: String,
    /// Complaints per merchant relative to an average platform's.
    pub intensity: f64,
    pub planted: bool,
}

impl Character {
    pub fn new(rng: &mut Rng, provinces: &[&str], platforms: usize) -> Character {
        let slow_code = *rng.pick(&SLOW_CANDIDATES);
        let slow = provinces.iter().position(|c| *c == slow_code).unwrap_or(0);
        let handling = (0..provinces.len())
            .map(|i| Handling {
                capacity: if i == slow { SLOW_CAPACITY } else { rng.f64() },
            })
            .collect();
        let intense = *rng.pick(&INTENSE_CANDIDATES) % platforms.max(1);
        let span = (INTENSITY_HIGH / INTENSITY_LOW).ln();
        let intensity = (0..platforms)
            .map(|i| {
                let x = INTENSITY_LOW * (span * rng.f64()).exp();
                if i == intense {
                    INTENSE
                } else {
                    x
                }
            })
            .collect();
        Character {
            handling,
            slow,
            intensity,
            intense,
        }
    }

    pub fn truth(&self, provinces: &[&str], platforms: &[&str]) -> CharacterTruth {
        let round = |x: f64| (x * 1e4).round() / 1e4;
        CharacterTruth {
            provinces: provinces
                .iter()
                .zip(&self.handling)
                .enumerate()
                .map(|(i, (code, h))| ProvinceHandling {
                    region_code: (*code).into(),
                    capacity: round(h.capacity),
                    expected_closed_60d: round(h.expected_closed_60d()),
                    planted_slow: i == self.slow,
                })
                .collect(),
            platforms: platforms
                .iter()
                .zip(&self.intensity)
                .enumerate()
                .map(|(i, (id, x))| PlatformIntensity {
                    platform_id: (*id).into(),
                    intensity: round(*x),
                    planted: i == self.intense,
                })
                .collect(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn closure_spans_the_mid_80s_to_the_high_90s_and_the_slow_one_is_below() {
        let best = Handling { capacity: 1.0 }.expected_closed_60d();
        let worst = Handling { capacity: 0.0 }.expected_closed_60d();
        let slow = Handling {
            capacity: SLOW_CAPACITY,
        }
        .expected_closed_60d();
        // Worked by hand: (1 - 0.015)(1 - e^-6) = 0.9826; (1 - 0.105)(1 - e^-3) = 0.8504;
        // (1 - 0.159)(1 - e^(-60/26)) = 0.841 × 0.9005 = 0.7573.
        assert!((best - 0.9826).abs() < 1e-4, "{best}");
        assert!((worst - 0.8504).abs() < 1e-4, "{worst}");
        assert!((slow - 0.7573).abs() < 1e-4, "{slow}");
        assert_eq!(Handling { capacity: 1.0 }.recovery_floor(), 60);
        assert_eq!(
            Handling {
                capacity: SLOW_CAPACITY
            }
            .recovery_floor(),
            5
        );
    }

    #[test]
    fn platforms_differ_several_fold_and_the_planted_one_stands_out() {
        let mut rng = Rng::new(9);
        let provinces = ["110000", "430000"];
        let c = Character::new(&mut rng, &provinces, 40);
        let others: Vec<f64> = (0..40)
            .filter(|i| *i != c.intense)
            .map(|i| c.intensity[i])
            .collect();
        let max = others.iter().copied().fold(0.0, f64::max);
        let min = others.iter().copied().fold(f64::MAX, f64::min);
        assert!(max / min > 3.0, "{min}..{max}");
        assert!(c.intensity[c.intense] >= 2.8 * max, "{max}");
        assert!(INTENSE_CANDIDATES.contains(&c.intense));
    }
}
