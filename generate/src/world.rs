//! The simulated world: provinces weighted by population and e-commerce
//! activity, a few dominant platforms (Zipf), and their merchants.

use super::character::Character;
use super::rng::{Rng, Weighted};
use wangjian_contract::reference::FILES;
use wangjian_contract::uscc::{check_char, CHARSET};

/// A valid unified social credit code for a region.
pub fn make_uscc(rng: &mut Rng, region: &str) -> String {
    let mut b: Vec<u8> = b"91".to_vec();
    b.extend_from_slice(region.as_bytes());
    for _ in 0..9 {
        b.push(*rng.pick(CHARSET));
    }
    b.push(check_char(&b).unwrap_or(b'0'));
    String::from_utf8(b).unwrap_or_default()
}

/// The same code with a wrong check character.
pub fn break_uscc(code: &str) -> String {
    let mut b = code.as_bytes().to_vec();
    let last = b[17];
    let i = CHARSET.iter().position(|c| *c == last).unwrap_or(0);
    b[17] = CHARSET[(i + 1) % 31];
    String::from_utf8(b).unwrap_or_default()
}

#[derive(Debug, Clone)]
pub struct Province {
    pub code: String,
    pub name: String,
    pub short: String,
}

#[derive(Debug, Clone)]
pub struct Platform {
    pub id: String,
    pub name: String,
    pub format: &'static str,
    pub region: String,
    pub operator_uscc: String,
    pub launched: (i32, u32, u32),
}

#[derive(Debug, Clone)]
pub struct Merchant {
    pub uscc: String,
    pub name: String,
    pub region: String,
    pub platform: Option<usize>,
    pub entity_type: &'static str,
    /// Days since 2015-01-01.
    pub registered_day: i64,
    pub abnormal: Option<(i64, Option<i64>)>,
    pub serious: Option<i64>,
}

pub struct World {
    pub provinces: Vec<Province>,
    pub province_w: Weighted,
    pub platforms: Vec<Platform>,
    /// Which platform a merchant sells on (Zipf).
    pub platform_w: Weighted,
    /// Which platform an online complaint names: size × complaint intensity.
    pub complaint_platform_w: Weighted,
    /// Handling capacity per province, complaint intensity per platform.
    pub character: Character,
    pub merchants: Vec<Merchant>,
    /// Merchant indexes per platform.
    pub by_platform: Vec<Vec<usize>>,
    /// Merchants that offend again and again.
    pub repeat: Vec<usize>,
}

impl World {
    /// What `_truth.json` lists about provinces' handling and platforms' intensity.
    pub fn character_truth(&self) -> super::character::CharacterTruth {
        let codes: Vec<&str> = self.provinces.iter().map(|p| p.code.as_str()).collect();
        let ids: Vec<&str> = self.platforms.iter().map(|p| p.id.as_str()).collect();
        self.character.truth(&codes, &ids)
    }
}

/// E-commerce activity on top of population (a large share for the coastal hubs).
fn activity(code: &str) -> f64 {
    match &code[..2] {
        "44" => 3.2,
        "33" => 3.4,
        "31" => 3.6,
        "11" => 3.0,
        "32" => 1.6,
        "35" => 1.5,
        "37" | "42" | "51" | "12" => 1.1,
        "54" | "63" | "64" | "65" => 0.5,
        _ => 0.8,
    }
}

const NAME_A: &[&str] = &[
    "云", "优", "乐", "惠", "淘", "京", "美", "拼", "快", "易", "聚", "盒", "鲜", "好", "速",
];
const NAME_B: &[&str] = &[
    "购", "选", "享", "品", "集", "宝", "达", "多", "拍", "淘", "橙", "马", "果", "市", "货",
];
const NAME_C: &[&str] = &["商城", "直播", "优选", "到家", "国际", "团购", "网", "生活"];
const FORMATS: &[&str] = &[
    "综合电商",
    "直播电商",
    "社交电商",
    "跨境电商",
    "团购",
    "O2O",
    "综合电商",
    "直播电商",
];
const SHOP: &[&str] = &[
    "商贸",
    "电子商务",
    "科技",
    "贸易",
    "食品",
    "服饰",
    "数码",
    "家居",
];

impl World {
    /// The world; `character_rng` draws how provinces and platforms differ
    /// (its own stream, so the rest is the same for a seed).
    pub fn new(rng: &mut Rng, character_rng: &mut Rng, n_merchants: usize) -> World {
        let provinces: Vec<Province> = FILES[0]
            .1
            .lines()
            .skip(1)
            .filter(|l| !l.is_empty())
            .map(|l| {
                let f: Vec<&str> = l.split(',').collect();
                Province {
                    code: f[0].into(),
                    name: f[1].into(),
                    short: f[2].into(),
                }
            })
            .collect();
        let pops: Vec<f64> = FILES[0]
            .1
            .lines()
            .skip(1)
            .filter(|l| !l.is_empty())
            .map(|l| {
                l.split(',')
                    .nth(4)
                    .and_then(|p| p.parse().ok())
                    .unwrap_or(1.0)
            })
            .collect();
        let weights: Vec<f64> = provinces
            .iter()
            .zip(&pops)
            .map(|(p, n)| n * activity(&p.code))
            .collect();
        let province_w = Weighted::new(&weights);
        let hubs = [
            "330100", "440300", "310000", "110000", "320500", "440100", "350200", "420100",
        ];
        let platforms: Vec<Platform> = (0..40)
            .map(|i| {
                let region = hubs[i % hubs.len()].to_string();
                Platform {
                    id: format!("P{:03}", i + 1),
                    name: format!(
                        "{}{}{}",
                        NAME_A[i % NAME_A.len()],
                        NAME_B[(i * 7 + 3) % NAME_B.len()],
                        NAME_C[(i * 3) % NAME_C.len()]
                    ),
                    format: FORMATS[i % FORMATS.len()],
                    operator_uscc: make_uscc(rng, &region),
                    region,
                    launched: (
                        2008 + (i % 15) as i32,
                        1 + (i % 12) as u32,
                        1 + (i % 27) as u32,
                    ),
                }
            })
            .collect();
        let platform_w = Weighted::new(
            &(1..=40)
                .map(|k| 1.0 / (k as f64).powf(1.1))
                .collect::<Vec<_>>(),
        );
        let mut merchants = Vec::with_capacity(n_merchants + 40);
        let mut by_platform = vec![Vec::new(); platforms.len()];
        for (i, p) in platforms.iter().enumerate() {
            merchants.push(Merchant {
                uscc: p.operator_uscc.clone(),
                name: format!("{}网络科技有限公司", p.name),
                region: p.region.clone(),
                platform: None,
                entity_type: "平台经营者",
                registered_day: 365 * (i as i64 % 8),
                abnormal: None,
                serious: None,
            });
        }
        for _ in 0..n_merchants {
            let prov = &provinces[province_w.sample(rng)];
            let region = format!(
                "{}{:02}{:02}",
                &prov.code[..2],
                rng.range(1, 9),
                rng.range(0, 9) * 2
            );
            let self_built = rng.chance(0.05);
            let platform = (!self_built).then(|| platform_w.sample(rng));
            let abnormal = rng.chance(0.08).then(|| {
                let since = rng.range(2500, 4000) as i64;
                (
                    since,
                    rng.chance(0.5).then(|| since + rng.range(30, 400) as i64),
                )
            });
            let serious = rng.chance(0.02).then(|| rng.range(2500, 4000) as i64);
            let idx = merchants.len();
            if let Some(p) = platform {
                by_platform[p].push(idx);
            }
            merchants.push(Merchant {
                uscc: make_uscc(rng, &region),
                name: format!(
                    "{}{}{}{}有限公司",
                    prov.short,
                    NAME_A[rng.range(0, 14) as usize],
                    NAME_B[rng.range(0, 14) as usize],
                    rng.pick(SHOP)
                ),
                region,
                platform,
                entity_type: if self_built {
                    "自建网站经营者"
                } else {
                    "平台内经营者"
                },
                registered_day: rng.range(0, 3900) as i64,
                abnormal,
                serious,
            });
        }
        for (p, list) in by_platform.iter_mut().enumerate() {
            if list.is_empty() {
                list.push(p);
            }
        }
        let repeat: Vec<usize> = (40..merchants.len()).filter(|_| rng.chance(0.02)).collect();
        let repeat = if repeat.is_empty() {
            vec![merchants.len() - 1]
        } else {
            repeat
        };
        let codes: Vec<&str> = provinces.iter().map(|p| p.code.as_str()).collect();
        let character = Character::new(character_rng, &codes, platforms.len());
        let complaint_platform_w = Weighted::new(
            &(0..platforms.len())
                .map(|i| platform_w.weight(i) * character.intensity[i])
                .collect::<Vec<_>>(),
        );
        World {
            provinces,
            province_w,
            platforms,
            platform_w,
            complaint_platform_w,
            character,
            merchants,
            by_platform,
            repeat,
        }
    }
}
