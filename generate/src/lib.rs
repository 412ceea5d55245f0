//! `wangjian generate`: realistic raw extracts of all six sources, in every
//! format, encoding and messiness that sources.md allows, calibrated to
//! public figures, with planted signals and a ground truth (`_truth.json`).
//!
//! Calibration (2023, national): the 12315 platform took about 17.4 million
//! complaints and 5.1 million reports, 56 % about online purchases;
//! after-sales (~23 %), quality (~21 %) and contract problems lead; market
//! supervision sampled about 28 000 batches a year with about 12 % failing.
//! At `--scale 1` one quarter has about 5.6 million complaint-table rows.

mod character;
mod events;
mod files;
mod forms;
mod registers;
mod rng;
mod sink;
mod world;
mod xlsx;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use chrono::{Datelike, NaiveDate};
use serde::Serialize;
pub use wangjian_contract::Quarter;

pub use rng::Rng;

/// What to generate.
#[derive(Debug, Clone)]
pub struct GenerateOptions {
    pub out: PathBuf,
    pub seed: u64,
    pub from: Quarter,
    pub to: Quarter,
    /// 1.0 = national volume (about 5.6 million complaint-table rows a quarter).
    pub scale: f64,
    /// Share of extra rows planted to be quarantined, per source.
    pub bad_rate: f64,
    /// Share of rows sent twice, identically, in another file.
    pub duplicate_rate: f64,
    /// Share of open complaints sent again later with a newer version.
    pub update_rate: f64,
}

impl GenerateOptions {
    pub fn new(out: PathBuf) -> Self {
        GenerateOptions {
            out,
            seed: 2015,
            from: Quarter { year: 2024, q: 1 },
            to: Quarter { year: 2025, q: 4 },
            scale: 0.002,
            bad_rate: 0.002,
            duplicate_rate: 0.01,
            update_rate: 0.05,
        }
    }
}

/// What was planted, for the tests and the curious.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Truth {
    pub seed: u64,
    pub scale: f64,
    pub from: String,
    pub to: String,
    pub planted: Vec<Planted>,
    /// How provinces handle complaints and how intense platforms' complaints are.
    pub character: character::CharacterTruth,
    /// Per source: rows written, distinct valid keys, quarantine by reason.
    pub sources: BTreeMap<String, SourceTruth>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Planted {
    pub kind: String,
    /// The quarter, or none when it holds in every quarter.
    pub quarter: Option<String>,
    pub region_code: Option<String>,
    pub platform_id: Option<String>,
    pub note: String,
}

#[derive(Debug, Clone, Default, Serialize)]
pub struct SourceTruth {
    pub rows: u64,
    pub valid_keys: u64,
    pub superseded: u64,
    pub quarantine: BTreeMap<String, u64>,
}

#[derive(Debug, thiserror::Error)]
pub enum GenerateError {
    #[error("{0}")]
    Usage(String),
    #[error("cannot write {path}: {source}")]
    Io {
        path: String,
        source: std::io::Error,
    },
}

pub(crate) fn io_err(path: &Path) -> impl FnOnce(std::io::Error) -> GenerateError + '_ {
    move |source| GenerateError::Io {
        path: path.display().to_string(),
        source,
    }
}

/// The quarters from..=to.
pub fn quarters(from: Quarter, to: Quarter) -> Vec<Quarter> {
    let mut v = Vec::new();
    let mut q = from;
    while q <= to {
        v.push(q);
        q = q.next();
    }
    v
}

/// Writes the extracts and `_truth.json`; returns the truth.
pub fn generate(opts: &GenerateOptions, progress: &dyn Fn(&str)) -> Result<Truth, GenerateError> {
    if opts.from > opts.to {
        return Err(GenerateError::Usage(format!(
            "--from {} is after --to {}",
            opts.from, opts.to
        )));
    }
    if !(opts.scale > 0.0 && opts.scale <= 10.0) {
        return Err(GenerateError::Usage("--scale must be in (0, 10]".into()));
    }
    // Never over files wangjian did not write, nor beside an earlier
    // generation (its stale files would be loaded with the new ones).
    if std::fs::read_dir(&opts.out).is_ok_and(|mut d| d.next().is_some()) {
        return Err(GenerateError::Usage(format!(
            "--out {}: the folder is not empty; generate writes into a new or empty folder",
            opts.out.display()
        )));
    }
    std::fs::create_dir_all(&opts.out).map_err(io_err(&opts.out))?;
    let root = Rng::new(opts.seed);
    let mut rng = root.fork(1);
    let merchants = ((3_000_000.0 * opts.scale) as usize).max(400);
    let world = world::World::new(&mut rng, &mut root.fork(5), merchants);
    let mut truth = Truth {
        seed: opts.seed,
        scale: opts.scale,
        from: opts.from.label(),
        to: opts.to.label(),
        ..Default::default()
    };
    progress("registers");
    registers::platforms(opts, &world, &mut root.fork(2), &mut truth)?;
    registers::entities(opts, &world, &mut root.fork(3), &mut truth)?;
    let qs = quarters(opts.from, opts.to);
    let plan = events::Plan::new(&qs, &world, &mut root.fork(4));
    truth.planted = plan.describe(&world);
    truth.character = world.character_truth();
    for (i, q) in qs.iter().enumerate() {
        progress(&format!("{q}"));
        events::quarter(
            opts,
            &world,
            &plan,
            *q,
            i,
            &mut root.fork(100 + i as u64),
            &mut truth,
        )?;
    }
    let path = opts.out.join("_truth.json");
    let text = serde_json::to_string_pretty(&truth).unwrap_or_default();
    std::fs::write(&path, text).map_err(io_err(&path))?;
    Ok(truth)
}

/// Day `n` after 2015-01-01.
pub(crate) fn day(n: i64) -> NaiveDate {
    NaiveDate::from_ymd_opt(2015, 1, 1).expect("valid") + chrono::Duration::days(n)
}

pub(crate) fn year_offset(q: Quarter) -> i32 {
    q.start().year() - 2023
}
