//! `wangjian release`: the statistics office's quarterly release
//! (release.md) from the published lake. Tables come from the release
//! tables the indicator SQL computes (queries/60_release_tables.sql); this
//! crate selects the quarter, applies disclosure control, marks revisions
//! against the previous edition and writes an edition folder atomically
//! (a temporary folder renamed into place), with a manifest of checksums
//! and lineage. Running it again on the same figures writes nothing.

mod bulletin;
mod charts;
pub mod disclosure;
mod edition;
mod fetch;
mod manifest;
pub mod tables;
mod verify;
mod write;
mod xlsx;

use std::path::{Path, PathBuf};

use wangjian_lake::Lake;

pub use disclosure::{Counts, Flag, Params};
pub use edition::Outcome;
pub use verify::{verify, Verdict};

#[derive(Debug, thiserror::Error)]
pub enum ReleaseError {
    #[error("{0}")]
    Missing(String),
    #[error("{what}: {source}")]
    Io {
        what: String,
        source: std::io::Error,
    },
    #[error("{0}")]
    Data(String),
    #[error(transparent)]
    Query(#[from] wangjian_queries::QueryError),
    #[error(transparent)]
    Lake(#[from] wangjian_lake::LakeError),
}

pub(crate) fn io(what: impl Into<String>) -> impl FnOnce(std::io::Error) -> ReleaseError {
    let what = what.into();
    move |source| ReleaseError::Io { what, source }
}

/// What to release and where.
#[derive(Debug, Clone)]
pub struct ReleaseOptions {
    pub quarter: String,
    /// The release folder; editions go to `out/<quarter>/edition-N`.
    pub out: PathBuf,
    pub params: Params,
    /// The contact printed on the spreadsheet's cover (`[x]` when none).
    pub contact: String,
    /// Where the release's queries run.
    pub engine: wangjian_queries::Engine,
}

/// The cover's contact when none is given: not available.
pub const NO_CONTACT: &str = "[x]";

/// One cell as published: a value (or none) and its flag.
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    Text(String),
    Num(f64),
    Null,
}

/// A table ready to write: its spec and rows of published cells with flags.
#[derive(Debug, Clone)]
pub struct Table {
    pub spec: tables::TableSpec,
    pub rows: Vec<Vec<(Value, Option<Flag>)>>,
}

/// Writes the release of `opts.quarter`, or says the latest edition already
/// holds these figures.
pub async fn release(lake: &Lake, opts: &ReleaseOptions) -> Result<Outcome, ReleaseError> {
    let catalog = lake.catalog()?;
    let missing: Vec<&str> = tables::TABLES
        .iter()
        .map(|t| t.source)
        .filter(|s| !catalog.tables.contains_key(*s))
        .collect();
    if !missing.is_empty() {
        return Err(ReleaseError::Missing(format!(
            "the lake has no release tables ({}): run `wangjian indicators` first",
            missing.join(", ")
        )));
    }
    let ctx = wangjian_queries::open_session_on(lake, &opts.engine, None).await?;
    let quarters = fetch::quarters(&ctx).await?;
    if !quarters.contains(&opts.quarter) {
        return Err(ReleaseError::Missing(format!(
            "quarter {} is not in the lake (it holds {})",
            opts.quarter,
            match (quarters.first(), quarters.last()) {
                (Some(a), Some(b)) => format!("{a} to {b}"),
                _ => "no quarter".into(),
            }
        )));
    }
    let mut out = Vec::new();
    let mut counts = Counts::default();
    for spec in tables::TABLES {
        let (table, n) = fetch::table(&ctx, spec, &opts.quarter, &opts.params).await?;
        counts.primary += n.primary;
        counts.secondary += n.secondary;
        counts.low_reliability += n.low_reliability;
        out.push(table);
    }
    let inputs = fetch::inputs(&ctx).await?;
    edition::publish(&catalog, opts, out, counts, inputs)
}

/// The latest quarter the release tables hold.
pub async fn latest_quarter(
    lake: &Lake,
    engine: &wangjian_queries::Engine,
) -> Result<Option<String>, ReleaseError> {
    let ctx = wangjian_queries::open_session_on(lake, engine, None).await?;
    Ok(fetch::quarters(&ctx).await?.pop())
}

/// The folder of quarter `q`'s editions under `out`.
pub fn quarter_dir(out: &Path, q: &str) -> PathBuf {
    out.join(q)
}
