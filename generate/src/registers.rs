//! The registers: platforms and online business entities.

use super::files::{Files, Row};
use super::forms;
use super::rng::Rng;
use super::sink::{Format, Val};
use super::world::{break_uscc, World};
use super::{day, io_err, GenerateError, GenerateOptions, SourceTruth, Truth};
use wangjian_contract::sources::source;

fn finish(files: Files, truth: &mut SourceTruth) -> Result<(), GenerateError> {
    truth.rows += files.rows();
    files.finish().map_err(|e| GenerateError::Io {
        path: "registers".into(),
        source: e,
    })?;
    Ok(())
}

pub fn platforms(
    opts: &GenerateOptions,
    w: &World,
    rng: &mut Rng,
    truth: &mut Truth,
) -> Result<(), GenerateError> {
    let src = source("platforms").expect("known source");
    let mut files = Files::open(
        rng,
        &opts.out,
        src,
        "platforms",
        &[(Format::CsvUtf8, true, 1.0)],
    )
    .map_err(io_err(&opts.out))?;
    let mut t = SourceTruth::default();
    for p in &w.platforms {
        let mut r = Row::new(src);
        r.s("platform_id", &p.id);
        r.s("name", &p.name);
        r.s("operator_uscc", &p.operator_uscc);
        r.s("region_code", &p.region);
        r.s("business_format", p.format);
        let (y, m, d) = p.launched;
        r.set(
            "launched_on",
            forms::date(
                rng,
                chrono::NaiveDate::from_ymd_opt(y, m, d).expect("valid"),
            ),
        );
        files.write(0, &r.vals).map_err(io_err(&opts.out))?;
        t.valid_keys += 1;
    }
    if opts.bad_rate > 0.0 {
        let mut r = Row::new(src);
        r.s("platform_id", "PX01");
        r.s("name", "未知业态平台");
        r.s("region_code", "110000");
        r.s("business_format", "门户网站");
        files.write(0, &r.vals).map_err(io_err(&opts.out))?;
        *t.quarantine.entry("unknown_enum".into()).or_default() += 1;
    }
    finish(files, &mut t)?;
    truth.sources.insert("platforms".into(), t);
    Ok(())
}

pub fn entities(
    opts: &GenerateOptions,
    w: &World,
    rng: &mut Rng,
    truth: &mut Truth,
) -> Result<(), GenerateError> {
    let src = source("entities").expect("known source");
    let plan = [
        (Format::CsvUtf8, false, 0.6),
        (Format::Jsonl, true, 0.25),
        (Format::CsvGb18030, true, 0.15),
    ];
    let mut files =
        Files::open(rng, &opts.out, src, "register", &plan).map_err(io_err(&opts.out))?;
    let mut later = Files::open(
        rng,
        &opts.out,
        src,
        "register-update",
        &[(Format::Parquet, false, 1.0)],
    )
    .map_err(io_err(&opts.out))?;
    let mut t = SourceTruth::default();
    for m in &w.merchants {
        let f = files.pick(rng);
        let mut r = Row::new(src);
        r.s(
            "uscc",
            if rng.chance(0.1) {
                m.uscc.to_lowercase()
            } else {
                m.uscc.clone()
            },
        );
        r.s("name", &m.name);
        r.s("entity_type", m.entity_type);
        let region = if rng.chance(0.02) {
            w.provinces
                .iter()
                .find(|p| m.region.starts_with(&p.code[..2]))
                .map(|p| p.name.clone())
                .unwrap_or(m.region.clone())
        } else {
            m.region.clone()
        };
        r.s("region_code", region);
        r.set("registered_on", forms::date(rng, day(m.registered_day)));
        if let Some(p) = m.platform {
            r.s("platform_id", &w.platforms[p].id);
        }
        if let Some((since, until)) = m.abnormal {
            r.set("abnormal_since", forms::date(rng, day(since)));
            if let Some(u) = until {
                r.set("abnormal_until", forms::date(rng, day(u)));
            }
        }
        if let Some(s) = m.serious {
            r.set("serious_since", forms::date(rng, day(s)));
        }
        files.write(f, &r.vals).map_err(io_err(&opts.out))?;
        t.valid_keys += 1;
        // A later version: taken off the abnormal list.
        if let Some((since, None)) = m.abnormal {
            if rng.chance(0.2) {
                let until = since.max(m.registered_day) + 200;
                r.set("abnormal_until", forms::date(rng, day(until)));
                r.set(
                    "updated_at",
                    forms::datetime(rng, day(until).and_hms_opt(9, 0, 0).expect("valid")),
                );
                later.write(0, &r.vals).map_err(io_err(&opts.out))?;
                t.superseded += 1;
            }
        }
    }
    let plants = ((w.merchants.len() as f64 * opts.bad_rate).ceil() as u64).max(3);
    if opts.bad_rate > 0.0 {
        for i in 0..plants {
            let m = &w.merchants[rng.range(40, w.merchants.len() as u64 - 1) as usize];
            let mut r = Row::new(src);
            r.s("name", format!("错误记录{i}"));
            r.s("entity_type", "平台内经营者");
            r.s("region_code", &m.region);
            let reason = match i % 3 {
                0 => {
                    r.s("uscc", break_uscc(&m.uscc));
                    "invalid_key"
                }
                1 => {
                    r.s("uscc", super::world::make_uscc(rng, &m.region));
                    r.set("name", Val::Empty);
                    "missing_required"
                }
                _ => {
                    r.s("uscc", super::world::make_uscc(rng, &m.region));
                    r.set("abnormal_since", forms::date(rng, day(3000)));
                    r.set("abnormal_until", forms::date(rng, day(2990)));
                    "date_order"
                }
            };
            files.write(0, &r.vals).map_err(io_err(&opts.out))?;
            *t.quarantine.entry(reason.into()).or_default() += 1;
        }
    }
    finish(files, &mut t)?;
    finish(later, &mut t)?;
    truth.sources.insert("entities".into(), t);
    Ok(())
}
