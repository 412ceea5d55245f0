//! `release --verify EDITION_DIR`: every file against the manifest's
//! checksum and size; then, when the lake still holds the state the
//! edition was made from (same catalog version), the tables recomputed and
//! compared with the edition's figures.

use std::path::Path;

use wangjian_lake::Lake;

use crate::manifest::sha256;
use crate::{fetch, io, tables, Params, ReleaseError};

/// What verification found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verdict {
    /// All files match; `recomputed` says whether the tables were recomputed
    /// (and matched) or why not.
    Match {
        files: usize,
        recomputed: Result<u64, String>,
    },
    /// The first difference.
    Differs(String),
}

fn manifest(dir: &Path) -> Result<serde_json::Value, ReleaseError> {
    let path = dir.join("manifest.json");
    let bytes = std::fs::read(&path).map_err(io(format!("cannot read {}", path.display())))?;
    serde_json::from_slice(&bytes)
        .map_err(|e| ReleaseError::Data(format!("{}: {e}", path.display())))
}

/// The figures hash of the edition's own CSV files (revision marks taken
/// out), as `figures_hash` computes it for tables.
fn edition_figures(dir: &Path) -> Result<String, ReleaseError> {
    let mut all = Vec::new();
    for spec in tables::TABLES {
        let path = dir.join("csv").join(format!("{}.csv", spec.name));
        let text = std::fs::read_to_string(&path)
            .map_err(io(format!("cannot read {}", path.display())))?;
        all.extend_from_slice(spec.name.as_bytes());
        all.push(0);
        all.extend_from_slice(text.replace(" [r]", "").replace("[r]", "").as_bytes());
    }
    Ok(sha256(&all))
}

/// Checks the edition in `dir` (and its figures against `lake`, if given).
pub async fn verify(lake: Option<&Lake>, dir: &Path) -> Result<Verdict, ReleaseError> {
    let m = manifest(dir)?;
    let files = m["files"].as_array().cloned().unwrap_or_default();
    for f in &files {
        let rel = f["path"].as_str().unwrap_or("");
        let Ok(bytes) = std::fs::read(dir.join(rel)) else {
            return Ok(Verdict::Differs(format!("{rel}: missing")));
        };
        if f["bytes"].as_u64() != Some(bytes.len() as u64)
            || f["sha256"].as_str() != Some(sha256(&bytes).as_str())
        {
            return Ok(Verdict::Differs(format!(
                "{rel}: its SHA-256 is not the manifest's (the file was changed)"
            )));
        }
    }
    let recomputed = match lake {
        None => Err("no lake given".to_string()),
        Some(lake) => {
            let held = m["lake_version"].as_u64().unwrap_or(0);
            let now = lake.catalog()?.lake_version;
            if now != held {
                Err(format!(
                    "the lake is at version {now}, the edition was made from version {held}"
                ))
            } else {
                let params: Params =
                    serde_json::from_value(m["disclosure"]["params"].clone()).unwrap_or_default();
                let q = m["quarter"].as_str().unwrap_or("");
                let ctx = wangjian_queries::open_session(lake).await?;
                let mut out = Vec::new();
                for spec in tables::TABLES {
                    out.push(fetch::table(&ctx, spec, q, &params).await?.0);
                }
                let figures = crate::edition::figures_hash(&out)?;
                if edition_figures(dir)? != figures {
                    return Ok(Verdict::Differs(format!(
                        "the tables recomputed from lake version {now} differ from the edition's figures"
                    )));
                }
                Ok(now)
            }
        }
    };
    Ok(Verdict::Match {
        files: files.len(),
        recomputed,
    })
}
