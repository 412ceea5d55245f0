//! The event sources, one quarter at a time: complaints (with their later
//! versions and duplicates), cases (some converted from complaints), quality
//! sampling and targeted monitoring, plus the planted signals and the rows
//! planted to be quarantined.

use chrono::{Datelike, Duration, NaiveDate, NaiveDateTime};

use super::character::Handling;
use super::files::{Files, Row};
use super::forms::{self, BoolStyle};
use super::rng::{Rng, Weighted};
use super::sink::{Format, Val};
use super::world::{break_uscc, World};
use super::{
    io_err, year_offset, GenerateError, GenerateOptions, Planted, Quarter, SourceTruth, Truth,
};
use wangjian_contract::sources::{source, CASE_SOURCES, CHANNELS, FINDINGS, OUTCOMES};

/// National complaint-table rows per quarter at scale 1.
const COMPLAINTS_PER_QUARTER: f64 = 5_600_000.0;
const CASES_PER_QUARTER: f64 = 40_000.0;
const SAMPLES_PER_QUARTER: f64 = 7_000.0;
const MONITORING_PER_QUARTER: f64 = 60_000.0;

/// Seasonal factors: Q2 "618" and Q4 "双11" peaks.
const SEASON: [f64; 4] = [0.88, 1.06, 0.94, 1.12];

const PROBLEMS: [(&str, f64); 11] = [
    ("P02", 23.0),
    ("P01", 21.0),
    ("P03", 15.0),
    ("P04", 8.0),
    ("P05", 7.0),
    ("P06", 5.0),
    ("P07", 4.0),
    ("P08", 2.0),
    ("P09", 1.0),
    ("P10", 3.0),
    ("P11", 11.0),
];
/// Category codes with their weights (names: data/reference/categories.csv).
const CATEGORIES: [(&str, f64); 21] = [
    ("G01", 14.0),
    ("G02", 12.0),
    ("G03", 10.0),
    ("G04", 5.0),
    ("G05", 8.0),
    ("G06", 2.0),
    ("G07", 3.0),
    ("G08", 3.0),
    ("G09", 2.0),
    ("G10", 2.0),
    ("G11", 1.0),
    ("S01", 9.0),
    ("S02", 8.0),
    ("S03", 4.0),
    ("S04", 3.0),
    ("S05", 3.0),
    ("S06", 3.0),
    ("S07", 3.0),
    ("S08", 2.0),
    ("S09", 2.0),
    ("S10", 1.0),
];
/// Weights of the outcomes, in the order of `sources::OUTCOMES`; the first
/// (`调解成功`) is the province's own (`Handling::mediation_weight`).
const OUTCOME_WEIGHTS: [f64; 6] = [60.0, 14.0, 8.0, 2.0, 11.0, 5.0];
const VIOLATIONS: [(&str, f64); 14] = [
    ("V01", 18.0),
    ("V02", 16.0),
    ("V03", 8.0),
    ("V04", 10.0),
    ("V05", 5.0),
    ("V06", 0.5),
    ("V07", 8.0),
    ("V08", 0.5),
    ("V09", 4.0),
    ("V10", 3.0),
    ("V11", 14.0),
    ("V12", 6.0),
    ("V13", 4.0),
    ("V14", 3.0),
];
/// Weights of the monitoring findings, in the order of `sources::FINDINGS`.
const FINDING_WEIGHTS: [f64; 9] = [78.0, 5.0, 5.0, 3.0, 2.0, 2.0, 2.0, 1.0, 2.0];
const SURNAMES: &[&str] = &["王", "李", "张", "刘", "陈", "杨", "黄", "赵", "吴", "周"];
const GOODS: &[&str] = &[
    "手机",
    "电视机",
    "羽绒服",
    "奶粉",
    "面膜",
    "洗衣液",
    "电动车",
    "运动鞋",
    "茶叶",
    "空调",
];

fn weighted<T: Copy>(items: &[(T, f64)]) -> (Vec<T>, Weighted) {
    (
        items.iter().map(|x| x.0).collect(),
        Weighted::new(&items.iter().map(|x| x.1).collect::<Vec<_>>()),
    )
}

/// Where and when the signals are planted.
pub struct Plan {
    pub surge: (Quarter, usize),
    pub outlier: (Quarter, usize),
    pub counterfeit: (Quarter, usize),
}

impl Plan {
    pub fn new(qs: &[Quarter], w: &World, rng: &mut Rng) -> Plan {
        let last = *qs.last().expect("at least one quarter");
        let mid = qs[qs.len() / 2];
        let prov = |code: &str| w.provinces.iter().position(|p| p.code == code).unwrap_or(0);
        let surge = ["330000", "320000", "510000"][rng.range(0, 2) as usize];
        let outlier = ["620000", "450000", "520000"][rng.range(0, 2) as usize];
        Plan {
            surge: (if qs.len() > 1 { last } else { mid }, prov(surge)),
            outlier: (mid, prov(outlier)),
            counterfeit: (last, 2),
        }
    }

    pub fn describe(&self, w: &World) -> Vec<Planted> {
        vec![
            Planted {
                kind: "complaint_surge".into(),
                quarter: Some(self.surge.0.label()),
                region_code: Some(w.provinces[self.surge.1].code.clone()),
                platform_id: None,
                note: "online complaints more than double the previous quarter".into(),
            },
            Planted {
                kind: "sampling_outlier".into(),
                quarter: Some(self.outlier.0.label()),
                region_code: Some(w.provinces[self.outlier.1].code.clone()),
                platform_id: None,
                note: "about half of the province's sampled batches fail (national ~12 %)".into(),
            },
            Planted {
                kind: "platform_counterfeit".into(),
                quarter: Some(self.counterfeit.0.label()),
                region_code: None,
                platform_id: Some(w.platforms[self.counterfeit.1].id.clone()),
                note: "many 疑似假冒 monitoring findings and counterfeit sampled batches on this platform".into(),
            },
            Planted {
                kind: "slow_handling".into(),
                quarter: None,
                region_code: Some(w.provinces[w.character.slow].code.clone()),
                platform_id: None,
                note: "closes far fewer online complaints within 60 days than any other province, with less mediated and recovered".into(),
            },
            Planted {
                kind: "platform_complaint_intensity".into(),
                quarter: None,
                region_code: None,
                platform_id: Some(w.platforms[w.character.intense].id.clone()),
                note: "far more online complaints per merchant than any other platform".into(),
            },
        ]
    }
}

/// A moment in the quarter, with the shopping festivals weighing more.
/// The platform, merchant and seven-day-return fields of an online complaint.
fn online_respondent(rng: &mut Rng, w: &World, r: &mut Row, style: BoolStyle, code: &str) {
    let p = w.complaint_platform_w.sample(rng);
    r.s("platform_id", &w.platforms[p].id);
    if rng.chance(0.7) {
        r.s("business_format", w.platforms[p].format);
    }
    let m = &w.merchants[*rng.pick(&w.by_platform[p])];
    r.s("respondent_name", &m.name);
    if rng.chance(0.8) {
        r.s(
            "respondent_uscc",
            if rng.chance(0.005) {
                break_uscc(&m.uscc)
            } else {
                m.uscc.clone()
            },
        );
    }
    r.s("respondent_region_code", &m.region);
    if code.starts_with('G') && rng.chance(0.25) {
        r.set("seven_day_return", style.val(true));
    }
}

/// Where a complaint's case (if it is turned into one) gets its number from.
struct CaseRef<'a> {
    prov_code: &'a str,
    q: Quarter,
    complaint_id: &'a str,
}

/// When a complaint is closed, for how much, by a province of what capacity.
struct Closing {
    closed: NaiveDateTime,
    amount: i64,
    h: Handling,
}

/// Status, closing, outcome and recovery of a complaint closed by `closed`
/// (if the extraction date has passed it), and the case it was turned into.
fn handling(
    rng: &mut Rng,
    r: &mut Row,
    Closing { closed, amount, h }: Closing,
    extraction: NaiveDate,
    case_seq: &mut u64,
    c: &CaseRef,
) -> Option<(String, String, NaiveDate)> {
    let mut case_link = None;
    if closed.date() <= extraction {
        let terminated = rng.chance(0.05);
        r.s("status", if terminated { "已终止" } else { "已办结" });
        r.set("closed_at", forms::datetime(rng, closed));
        let mut weights = OUTCOME_WEIGHTS;
        weights[0] = h.mediation_weight();
        let (outs, ow) = weighted(&with_weights(OUTCOMES, &weights));
        let outcome = if terminated {
            "其他"
        } else {
            outs[ow.sample(rng)]
        };
        r.s("outcome", outcome);
        if outcome == "调解成功" {
            let share = rng.range(h.recovery_floor(), 100) as i64;
            r.set("recovered_yuan", forms::money(rng, amount * share / 100));
        }
        r.set(
            "updated_at",
            forms::datetime(rng, closed + Duration::minutes(5)),
        );
        if outcome == "转立案" {
            *case_seq += 1;
            let cid = format!("AJ{}{}T{:06}", c.prov_code, c.q.label(), case_seq);
            r.s("case_id", &cid);
            case_link = Some((cid, c.complaint_id.to_string(), closed.date()));
        }
    } else {
        r.s(
            "status",
            if rng.chance(0.1) {
                "待受理"
            } else {
                "已受理"
            },
        );
    }
    case_link
}

/// The consumer's personal data (never stored by ingest) and the complaint
/// text, sometimes with a phone number in it.
fn consumer_and_description(rng: &mut Rng, r: &mut Row) {
    if rng.chance(0.9) {
        r.s("consumer_name", format!("{}某", rng.pick(SURNAMES)));
    }
    let ph = phone(rng);
    if rng.chance(0.9) {
        r.s(
            "consumer_phone",
            if rng.chance(0.1) {
                format!("+86 {ph}")
            } else {
                ph.clone()
            },
        );
    }
    if rng.chance(0.3) {
        r.s("consumer_id_number", id_number(rng));
    }
    let good = *rng.pick(GOODS);
    let desc = if rng.chance(0.05) {
        format!("购买的{good}有质量问题，请联系我{ph}")
    } else {
        format!("网购{good}出现问题，商家拒绝处理，要求退款")
    };
    r.s("description", desc);
}

/// The values of a contract enumeration paired with their weights (one per
/// value, in the enumeration's order).
fn with_weights(values: &[&'static str], weights: &[f64]) -> Vec<(&'static str, f64)> {
    debug_assert_eq!(values.len(), weights.len());
    values
        .iter()
        .copied()
        .zip(weights.iter().copied())
        .collect()
}

/// A category's name, from the reference list (its one home).
fn category_name(code: &'static str) -> &'static str {
    wangjian_contract::reference::Reference::get()
        .categories
        .name_of(code)
        .unwrap_or(code)
}

fn moment(rng: &mut Rng, q: Quarter) -> NaiveDateTime {
    let start = q.start();
    let day = if q.q == 2 && rng.chance(0.2) {
        NaiveDate::from_ymd_opt(q.year, 6, 1).expect("valid")
            + Duration::days(rng.range(0, 19) as i64)
    } else if q.q == 4 && rng.chance(0.2) {
        NaiveDate::from_ymd_opt(q.year, 11, 1).expect("valid")
            + Duration::days(rng.range(0, 19) as i64)
    } else {
        start + Duration::days(rng.range(0, q.days() as u64 - 1) as i64)
    };
    day.and_hms_opt(
        rng.range(7, 22) as u32,
        rng.range(0, 59) as u32,
        rng.range(0, 59) as u32,
    )
    .expect("valid")
}

fn region_val(rng: &mut Rng, w: &World, prov: usize, file_chinese: bool) -> Val {
    let p = &w.provinces[prov];
    let x = rng.f64();
    if x < 0.02 && file_chinese {
        Val::S(p.name.clone())
    } else if x < 0.03 {
        Val::S(p.short.clone())
    } else if x < 0.035 {
        Val::S(forms::fullwidth(&p.code))
    } else if x < 0.5 {
        Val::S(format!(
            "{}{:02}{:02}",
            &p.code[..2],
            rng.range(1, 9),
            rng.range(0, 9) * 2
        ))
    } else {
        Val::S(p.code.clone())
    }
}

fn phone(rng: &mut Rng) -> String {
    format!("1{}{:09}", rng.range(3, 9), rng.range(0, 999_999_999))
}

fn id_number(rng: &mut Rng) -> String {
    let check = if rng.chance(0.1) {
        "X".to_string()
    } else {
        rng.range(0, 9).to_string()
    };
    format!(
        "{}{:04}{:02}{:02}{:03}{check}",
        rng.range(110101, 659999),
        rng.range(1950, 2005),
        rng.range(1, 12),
        rng.range(1, 28),
        rng.range(0, 999)
    )
}

struct Streams {
    complaints: Files,
    updates: Files,
    cases: Files,
    sampling: Files,
    monitoring: Files,
}

fn open(opts: &GenerateOptions, rng: &mut Rng, q: Quarter) -> std::io::Result<Streams> {
    let d = &opts.out;
    let stem = q.label();
    let src = |n| source(n).expect("known source");
    Ok(Streams {
        complaints: Files::open(
            rng,
            d,
            src("complaints"),
            &stem,
            &[
                (Format::CsvUtf8, false, 0.50),
                (Format::CsvGb18030, true, 0.15),
                (Format::CsvGz, false, 0.10),
                (Format::Jsonl, true, 0.10),
                (Format::Parquet, false, 0.10),
                (Format::Xlsx, true, 0.05),
            ],
        )?,
        updates: Files::open(
            rng,
            d,
            src("complaints"),
            &format!("{stem}-updates"),
            &[(Format::CsvBom, true, 1.0)],
        )?,
        cases: Files::open(
            rng,
            d,
            src("cases"),
            &stem,
            &[(Format::Xlsx, true, 0.3), (Format::CsvUtf8, false, 0.7)],
        )?,
        sampling: Files::open(
            rng,
            d,
            src("sampling"),
            &stem,
            &[(Format::CsvGb18030, true, 0.5), (Format::Jsonl, false, 0.5)],
        )?,
        monitoring: Files::open(
            rng,
            d,
            src("monitoring"),
            &stem,
            &[(Format::Parquet, false, 0.6), (Format::CsvGz, true, 0.4)],
        )?,
    })
}

/// Generates one quarter of every event source.
pub fn quarter(
    opts: &GenerateOptions,
    w: &World,
    plan: &Plan,
    q: Quarter,
    qi: usize,
    rng: &mut Rng,
    truth: &mut Truth,
) -> Result<(), GenerateError> {
    let mut s = open(opts, rng, q).map_err(io_err(&opts.out))?;
    let mut t: [SourceTruth; 4] = Default::default();
    let growth = 1.0 + 0.04 * f64::from(year_offset(q));
    let extraction = plan_end(plan) + Duration::days(20);
    let mut g = Gen {
        opts,
        w,
        q,
        rng,
        extraction,
        case_seq: 0,
    };

    // Complaints.
    let n =
        (COMPLAINTS_PER_QUARTER * opts.scale * SEASON[q.q as usize - 1] * growth).round() as u64;
    for i in 0..n {
        let prov = w.province_w.sample(g.rng);
        g.complaint(&mut s, &mut t, i, prov, None)?;
    }
    if plan.surge.0 == q {
        let share = w.province_w.total();
        let p = plan.surge.1;
        let expected = n as f64 * weight_of(w, p) / share * 0.56 * 0.773;
        let extra = (expected * 1.3).max(160.0) as u64;
        for i in 0..extra {
            g.complaint(&mut s, &mut t, n + i, p, Some(true))?;
        }
    }
    g.plant_complaints(&mut s.complaints, &mut t[0], qi)?;

    // Cases.
    let n = (CASES_PER_QUARTER * opts.scale * growth).round().max(93.0) as u64;
    for _ in 0..n {
        let prov = w.province_w.sample(g.rng);
        g.case(&mut s.cases, &mut t[1], prov, None)?;
    }
    g.plant_cases(&mut s.cases, &mut t[1])?;

    // Sampling: at least 20 batches a province a quarter, so every province has a rate.
    let n = (SAMPLES_PER_QUARTER * opts.scale).round().max(620.0) as u64;
    for _ in 0..n {
        let prov = if g.rng.chance(0.5) {
            g.rng.range(0, 30) as usize
        } else {
            w.province_w.sample(g.rng)
        };
        g.sample(&mut s.sampling, &mut t[2], prov, 0.12, None)?;
    }
    if plan.outlier.0 == q {
        for _ in 0..40 {
            g.sample(&mut s.sampling, &mut t[2], plan.outlier.1, 0.5, None)?;
        }
    }
    if plan.counterfeit.0 == q {
        for _ in 0..30 {
            let prov = w.province_w.sample(g.rng);
            g.sample(
                &mut s.sampling,
                &mut t[2],
                prov,
                0.6,
                Some(plan.counterfeit.1),
            )?;
        }
    }
    g.plant_simple(
        &mut s.sampling,
        &mut t[2],
        "sample_id",
        "sampled_at",
        "result",
    )?;

    // Monitoring.
    let n = (MONITORING_PER_QUARTER * opts.scale).round().max(930.0) as u64;
    for _ in 0..n {
        let prov = w.province_w.sample(g.rng);
        g.monitor(&mut s.monitoring, &mut t[3], prov, None)?;
    }
    if plan.counterfeit.0 == q {
        for _ in 0..60 {
            let prov = w.province_w.sample(g.rng);
            g.monitor(&mut s.monitoring, &mut t[3], prov, Some(plan.counterfeit.1))?;
        }
    }
    g.plant_simple(
        &mut s.monitoring,
        &mut t[3],
        "monitor_id",
        "observed_at",
        "finding",
    )?;

    for (name, mut st, files) in [
        (
            "complaints",
            std::mem::take(&mut t[0]),
            vec![s.complaints, s.updates],
        ),
        ("cases", std::mem::take(&mut t[1]), vec![s.cases]),
        ("sampling", std::mem::take(&mut t[2]), vec![s.sampling]),
        ("monitoring", std::mem::take(&mut t[3]), vec![s.monitoring]),
    ] {
        for f in files {
            st.rows += f.rows();
            f.finish().map_err(io_err(&opts.out))?;
        }
        let e = truth.sources.entry(name.into()).or_default();
        e.rows += st.rows;
        e.valid_keys += st.valid_keys;
        e.superseded += st.superseded;
        for (k, v) in st.quarantine {
            *e.quarantine.entry(k).or_default() += v;
        }
    }
    Ok(())
}

fn weight_of(w: &World, p: usize) -> f64 {
    w.province_w.weight(p)
}

fn plan_end(plan: &Plan) -> NaiveDate {
    plan.surge
        .0
        .max(plan.outlier.0)
        .max(plan.counterfeit.0)
        .end()
}

struct Gen<'a> {
    opts: &'a GenerateOptions,
    w: &'a World,
    q: Quarter,
    rng: &'a mut Rng,
    extraction: NaiveDate,
    case_seq: u64,
}

impl Gen<'_> {
    fn complaint(
        &mut self,
        s: &mut Streams,
        t: &mut [SourceTruth; 4],
        i: u64,
        prov: usize,
        force_online_complaint: Option<bool>,
    ) -> Result<(), GenerateError> {
        let src = s.complaints.src;
        let (w, q) = (self.w, self.q);
        let rng = &mut *self.rng;
        let f = s.complaints.pick(rng);
        let style = s.complaints.style(f);
        let mut r = Row::new(src);
        let id = format!("{}{}{:08}", &w.provinces[prov].code[..2], q.label(), i);
        r.s(
            "record_id",
            if rng.chance(0.003) {
                forms::fullwidth(&id)
            } else {
                id.clone()
            },
        );
        let complaint = force_online_complaint.is_some() || rng.chance(0.773);
        r.s("kind", if complaint { "投诉" } else { "举报" });
        let received = moment(rng, q);
        r.set("received_at", forms::datetime(rng, received));
        r.set("region_code", region_val(rng, w, prov, f % 2 == 1));
        if rng.chance(0.9) {
            r.s("channel", *rng.pick(CHANNELS));
        }
        let online = force_online_complaint.is_some() || rng.chance(0.56);
        r.set("is_online", style.val(online));
        let (cats, cw) = weighted(&CATEGORIES.map(|(c, x)| ((c, category_name(c)), x)));
        let (code, name) = cats[cw.sample(rng)];
        r.s("category", if rng.chance(0.1) { name } else { code });
        let (probs, pw) = weighted(&PROBLEMS);
        r.s("problem", probs[pw.sample(rng)]);
        if online {
            online_respondent(rng, w, &mut r, style, code);
        }
        let amount = (rng.exp(400.0) * 100.0) as i64 + 100;
        if rng.chance(0.85) {
            r.set("amount_yuan", forms::money(rng, amount));
        }
        let h = w.character.handling[prov];
        let duration = if rng.chance(h.late_share()) {
            rng.range(61, 150) as i64
        } else {
            rng.exp(h.mean_days()) as i64
        };
        let closed = received + Duration::days(duration) + Duration::hours(rng.range(1, 8) as i64);
        let case_ref = CaseRef {
            prov_code: &w.provinces[prov].code[..2],
            q,
            complaint_id: &id,
        };
        let case_link = handling(
            rng,
            &mut r,
            Closing { closed, amount, h },
            self.extraction,
            &mut self.case_seq,
            &case_ref,
        );
        consumer_and_description(rng, &mut r);
        s.complaints
            .write(f, &r.vals)
            .map_err(io_err(&self.opts.out))?;
        t[0].valid_keys += 1;

        self.resend_complaint(s, &mut t[0], &mut r, received)?;
        if let Some((cid, complaint_id, filed)) = case_link {
            let filed = filed.min(plan_limit(self.extraction));
            self.case_row(
                &mut s.cases,
                &mut t[1],
                prov,
                Some((cid, complaint_id, filed)),
            )?;
        }
        Ok(())
    }

    /// A complaint sent again: identically (a duplicate), or later with a
    /// newer status.
    fn resend_complaint(
        &mut self,
        s: &mut Streams,
        t: &mut SourceTruth,
        r: &mut Row,
        received: NaiveDateTime,
    ) -> Result<(), GenerateError> {
        // Sent again: identically (a duplicate), or later with a newer status.
        if self.rng.chance(self.opts.duplicate_rate) {
            s.updates
                .write(0, &r.vals)
                .map_err(io_err(&self.opts.out))?;
            t.superseded += 1;
        } else if matches!(r.get("status"), Val::S(x) if x == "已受理")
            && self.rng.chance(self.opts.update_rate)
        {
            let later = received + Duration::days(self.rng.range(1, 20) as i64);
            if later.date() <= self.extraction {
                r.s("status", "已办结");
                r.set("closed_at", forms::datetime(self.rng, later));
                r.s("outcome", "告知");
                r.set(
                    "updated_at",
                    forms::datetime(self.rng, later + Duration::minutes(1)),
                );
                s.updates
                    .write(0, &r.vals)
                    .map_err(io_err(&self.opts.out))?;
                t.superseded += 1;
            }
        }
        Ok(())
    }

    fn case(
        &mut self,
        files: &mut Files,
        t: &mut SourceTruth,
        prov: usize,
        _p: Option<()>,
    ) -> Result<(), GenerateError> {
        self.case_row(files, t, prov, None)
    }

    fn case_row(
        &mut self,
        files: &mut Files,
        t: &mut SourceTruth,
        prov: usize,
        from_complaint: Option<(String, String, NaiveDate)>,
    ) -> Result<(), GenerateError> {
        let (w, q) = (self.w, self.q);
        let rng = &mut *self.rng;
        let src = files.src;
        let f = files.pick(rng);
        let style = files.style(f);
        let mut r = Row::new(src);
        let (id, filed) = match &from_complaint {
            Some((cid, complaint, filed)) => {
                r.s("complaint_id", complaint);
                r.s("source", "投诉举报");
                (cid.clone(), *filed)
            }
            None => {
                self.case_seq += 1;

                r.s("source", *rng.pick(CASE_SOURCES));
                (
                    format!(
                        "AJ{}{}{:06}",
                        &w.provinces[prov].code[..2],
                        q.label(),
                        self.case_seq
                    ),
                    moment(rng, q).date(),
                )
            }
        };
        r.s("case_id", &id);
        r.set("filed_at", forms::date(rng, filed));
        let repeat = rng.chance(0.25);
        let m = if repeat {
            &w.merchants[*rng.pick(&w.repeat)]
        } else {
            &w.merchants[rng.range(40, w.merchants.len() as u64 - 1) as usize]
        };
        // Most cases are handled where the party is registered.
        let party_prov = w
            .provinces
            .iter()
            .position(|p| m.region.starts_with(&p.code[..2]))
            .unwrap_or(prov);
        let handling = if rng.chance(0.25) { prov } else { party_prov };
        r.set("region_code", region_val(rng, w, handling, f == 0));
        let (vs, vw) = weighted(&VIOLATIONS);
        r.s("violation", vs[vw.sample(rng)]);
        r.s("party_name", &m.name);
        if rng.chance(0.9) {
            r.s(
                "party_uscc",
                if rng.chance(0.005) {
                    break_uscc(&m.uscc)
                } else {
                    m.uscc.clone()
                },
            );
        }
        if rng.chance(0.9) {
            r.s("party_region_code", &m.region);
        }
        if let Some(p) = m.platform {
            r.s("platform_id", &w.platforms[p].id);
        }
        r.set(
            "is_online",
            style.val(from_complaint.is_some() || rng.chance(0.85)),
        );
        if rng.chance(0.8) {
            let fine = (rng.exp(20_000.0) as i64 + 500) * 100;
            r.set("fine_yuan", forms::money(rng, fine));
        }
        if rng.chance(0.2) {
            let c = (rng.exp(5_000.0) as i64) * 100;
            r.set("confiscated_yuan", forms::money(rng, c));
        }
        let closed = filed + Duration::days(rng.exp(80.0) as i64 + 5);
        if closed <= self.extraction && rng.chance(0.8) {
            r.set("closed_at", forms::date(rng, closed));
            r.s("status", "结案");
        } else {
            let open = ["立案", "调查", "处罚决定", "撤销"];
            let st = if rng.chance(0.05) {
                open[3]
            } else {
                *rng.pick(&open[..3])
            };
            r.s("status", st);
        }
        if rng.chance(0.03) {
            r.set("police_transfer", style.val(true));
        }
        files.write(f, &r.vals).map_err(io_err(&self.opts.out))?;
        t.valid_keys += 1;
        Ok(())
    }

    fn sample(
        &mut self,
        files: &mut Files,
        t: &mut SourceTruth,
        prov: usize,
        fail_rate: f64,
        platform: Option<usize>,
    ) -> Result<(), GenerateError> {
        let (w, q) = (self.w, self.q);
        let rng = &mut *self.rng;
        let src = files.src;
        let f = files.pick(rng);
        let style = files.style(f);
        let mut r = Row::new(src);
        self.case_seq += 1;
        r.s(
            "sample_id",
            format!(
                "CJ{}{}{:06}",
                &w.provinces[prov].code[..2],
                q.label(),
                self.case_seq
            ),
        );
        let d = moment(rng, q).date();
        r.set("sampled_at", forms::date(rng, d));
        r.set("region_code", region_val(rng, w, prov, f == 0));
        let p = platform.unwrap_or_else(|| w.platform_w.sample(rng));
        r.s("platform_id", &w.platforms[p].id);
        let m = &w.merchants[*rng.pick(&w.by_platform[p])];
        r.s("seller_name", &m.name);
        r.s("seller_uscc", &m.uscc);
        let goods: Vec<&(&str, f64)> = CATEGORIES.iter().filter(|c| c.0.starts_with('G')).collect();
        let c = rng.pick(&goods);
        r.s(
            "category",
            if rng.chance(0.2) {
                category_name(c.0)
            } else {
                c.0
            },
        );
        r.s("product_name", *rng.pick(GOODS));
        let failed = rng.chance(fail_rate);
        r.s("result", if failed { "不合格" } else { "合格" });
        if failed {
            let items = [
                "标签",
                "微生物",
                "重金属",
                "甲醛含量",
                "纤维含量",
                "安全性能",
            ];
            r.s(
                "failed_items",
                format!("{}；{}", rng.pick(&items), rng.pick(&items)),
            );
            if platform.is_some() || rng.chance(0.1) {
                r.set("counterfeit", style.val(true));
            }
        }
        files.write(f, &r.vals).map_err(io_err(&self.opts.out))?;
        t.valid_keys += 1;
        Ok(())
    }

    fn monitor(
        &mut self,
        files: &mut Files,
        t: &mut SourceTruth,
        prov: usize,
        platform: Option<usize>,
    ) -> Result<(), GenerateError> {
        let (w, q) = (self.w, self.q);
        let rng = &mut *self.rng;
        let src = files.src;
        let f = files.pick(rng);
        let mut r = Row::new(src);
        self.case_seq += 1;
        r.s(
            "monitor_id",
            format!(
                "JC{}{}{:07}",
                &w.provinces[prov].code[..2],
                q.label(),
                self.case_seq
            ),
        );
        let at = moment(rng, q);
        r.set("observed_at", forms::datetime(rng, at));
        r.set("region_code", region_val(rng, w, prov, f == 1));
        let p = platform.unwrap_or_else(|| w.platform_w.sample(rng));
        r.s("platform_id", &w.platforms[p].id);
        let m = &w.merchants[*rng.pick(&w.by_platform[p])];
        r.s("store_name", format!("{}旗舰店", m.name));
        r.s("store_uscc", &m.uscc);
        r.s(
            "url",
            format!(
                "https://shop.example/{}/{}",
                w.platforms[p].id,
                rng.range(1, 999_999)
            ),
        );
        let (cats, cw) = weighted(&CATEGORIES);
        r.s("category", cats[cw.sample(rng)]);
        let (fs, fw) = weighted(&with_weights(FINDINGS, &FINDING_WEIGHTS));
        let finding = if platform.is_some() {
            "疑似假冒"
        } else {
            fs[fw.sample(rng)]
        };
        r.s("finding", finding);
        if finding != "未发现问题" {
            let actions = [
                "责令整改",
                "责令整改",
                "下架",
                "下架",
                "约谈",
                "移送立案",
                "无",
            ];
            r.s("action", *rng.pick(&actions));
        }
        files.write(f, &r.vals).map_err(io_err(&self.opts.out))?;
        t.valid_keys += 1;
        Ok(())
    }

    /// Complaint rows of every quarantine reason.
    fn plant_complaints(
        &mut self,
        files: &mut Files,
        t: &mut SourceTruth,
        qi: usize,
    ) -> Result<(), GenerateError> {
        if self.opts.bad_rate <= 0.0 {
            return Ok(());
        }
        const REASONS: [&str; 9] = [
            "missing_key",
            "missing_required",
            "unparseable",
            "unknown_region",
            "unknown_enum",
            "bad_money",
            "date_order",
            "status_dates",
            "malformed_row",
        ];
        let n = ((files.rows() as f64 * self.opts.bad_rate).ceil() as usize).max(REASONS.len());
        for i in 0..n {
            let reason = REASONS[(i + qi) % REASONS.len()];
            let id = format!("BAD{}{:06}", self.q.label(), i);
            if reason == "malformed_row" {
                match files.malformed_file() {
                    Some(f) => files
                        .write_malformed(f, &id)
                        .map_err(io_err(&self.opts.out))?,
                    None => continue,
                }
                *t.quarantine.entry(reason.into()).or_default() += 1;
                continue;
            }
            let mut r = Row::new(files.src);
            r.s("record_id", &id);
            r.s("kind", "投诉");
            r.s(
                "received_at",
                format!("{}-{:02}-10 10:00:00", self.q.year, (self.q.q - 1) * 3 + 1),
            );
            r.s("region_code", "110000");
            r.s("is_online", "是");
            r.s("category", "G01");
            r.s("problem", "P01");
            r.s("status", "已受理");
            r.s("consumer_phone", phone(self.rng));
            match reason {
                "missing_key" => r.s("record_id", if i % 2 == 0 { "" } else { "NULL" }),
                "missing_required" => r.s("is_online", ""),
                "unparseable" => r.s("received_at", "2025-13-45"),
                "unknown_region" => r.s("region_code", "990000"),
                "unknown_enum" => r.s("kind", "咨询"),
                "bad_money" => r.s("amount_yuan", "-12.50"),
                "date_order" => {
                    r.s("status", "已办结");
                    r.s(
                        "closed_at",
                        format!("{}-{:02}-09 10:00:00", self.q.year, (self.q.q - 1) * 3 + 1),
                    );
                }
                _ => r.s("status", "已办结"),
            }
            let f = files.pick(self.rng);
            files.write(f, &r.vals).map_err(io_err(&self.opts.out))?;
            *t.quarantine.entry(reason.into()).or_default() += 1;
        }
        Ok(())
    }

    fn plant_cases(&mut self, files: &mut Files, t: &mut SourceTruth) -> Result<(), GenerateError> {
        if self.opts.bad_rate <= 0.0 {
            return Ok(());
        }
        const REASONS: [&str; 6] = [
            "missing_key",
            "unparseable",
            "unknown_region",
            "unknown_enum",
            "bad_money",
            "date_order",
        ];
        let n = ((files.rows() as f64 * self.opts.bad_rate).ceil() as usize).max(REASONS.len());
        for i in 0..n {
            let reason = REASONS[i % REASONS.len()];
            let mut r = Row::new(files.src);
            r.s("case_id", format!("BADAJ{}{:05}", self.q.label(), i));
            r.s(
                "filed_at",
                format!("{}-{:02}-10", self.q.year, (self.q.q - 1) * 3 + 1),
            );
            r.s("region_code", "310000");
            r.s("source", "抽检");
            r.s("violation", "V11");
            r.s("is_online", "是");
            r.s("status", "立案");
            match reason {
                "missing_key" => r.s("case_id", "-"),
                "unparseable" => r.s("filed_at", "去年"),
                "unknown_region" => r.s("region_code", "火星"),
                "unknown_enum" => r.s("source", "举报信"),
                "bad_money" => r.s("fine_yuan", "一万元"),
                _ => r.s(
                    "closed_at",
                    format!("{}-{:02}-01", self.q.year, (self.q.q - 1) * 3 + 1),
                ),
            }
            let f = files.pick(self.rng);
            files.write(f, &r.vals).map_err(io_err(&self.opts.out))?;
            *t.quarantine.entry(reason.into()).or_default() += 1;
        }
        Ok(())
    }

    /// Sampling and monitoring: a missing key, an unparseable date, an unknown value.
    fn plant_simple(
        &mut self,
        files: &mut Files,
        t: &mut SourceTruth,
        key: &str,
        date: &str,
        enum_col: &str,
    ) -> Result<(), GenerateError> {
        if self.opts.bad_rate <= 0.0 {
            return Ok(());
        }
        let n = ((files.rows() as f64 * self.opts.bad_rate).ceil() as usize).max(3);
        for i in 0..n {
            let mut r = Row::new(files.src);
            r.s(key, format!("BAD{}{:05}", self.q.label(), i));
            r.s(
                date,
                format!("{}-{:02}-10", self.q.year, (self.q.q - 1) * 3 + 1),
            );
            r.s("region_code", "440000");
            r.s("category", "G03");
            if files.src.name == "sampling" {
                r.s("result", "合格");
            } else {
                r.s("finding", "未发现问题");
            }
            let reason = match i % 3 {
                0 => {
                    r.s(key, "");
                    "missing_key"
                }
                1 => {
                    r.s(date, "2025-02-30");
                    "unparseable"
                }
                _ => {
                    r.s(enum_col, "待定");
                    "unknown_enum"
                }
            };
            let f = files.pick(self.rng);
            files.write(f, &r.vals).map_err(io_err(&self.opts.out))?;
            *t.quarantine.entry(reason.into()).or_default() += 1;
        }
        Ok(())
    }
}

fn plan_limit(extraction: NaiveDate) -> NaiveDate {
    // Cases converted from complaints are filed no later than the last generated quarter.
    let end = extraction - Duration::days(20);
    NaiveDate::from_ymd_opt(end.year(), end.month(), end.day()).unwrap_or(end)
}

#[cfg(test)]
mod weight_tests {
    use super::*;

    #[test]
    fn every_contract_value_has_one_weight() {
        assert_eq!(OUTCOMES.len(), OUTCOME_WEIGHTS.len());
        assert_eq!(FINDINGS.len(), FINDING_WEIGHTS.len());
        for (c, _) in CATEGORIES {
            assert_ne!(category_name(c), c, "{c} is in categories.csv");
        }
    }
}
