//! The catalog: which Delta version of each table the lake shows.

use std::collections::BTreeMap;
use std::fs::{self, File};
use std::io::Write;

use serde::{Deserialize, Serialize};

use crate::{Lake, LakeError};

/// What a table holds, and so which command writes it.
#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum TableKind {
    /// A source of sources.md (ingest).
    Source,
    /// A reference list of reference.md (ingest, first run).
    Reference,
    /// quarantine, load_runs, load_issues (ingest).
    Load,
    /// An output table of the query files (indicators).
    Indicator,
}

/// One table's published state.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct TableEntry {
    /// The Delta version readers open.
    pub version: u64,
    pub kind: TableKind,
}

/// The published lake.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct Catalog {
    /// Increases by one with every published run.
    pub lake_version: u64,
    /// The run that published this state.
    pub run: Option<String>,
    /// When this state was published (UTC, RFC 3339, seconds). What is made
    /// from the lake and dated (the release) takes its date from here, never
    /// from the clock, so copies of a lake give the same bytes.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub published_at: Option<String>,
    pub tables: BTreeMap<String, TableEntry>,
}

impl Lake {
    fn catalog_path(&self) -> std::path::PathBuf {
        self.root.join("_catalog").join("current.json")
    }

    /// The published catalog (empty for a new lake).
    pub fn catalog(&self) -> Result<Catalog, LakeError> {
        let path = self.catalog_path();
        match fs::read(&path) {
            Ok(bytes) => serde_json::from_slice(&bytes)
                .map_err(|e| LakeError::BadCatalog(format!("{}: {e}", path.display()))),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(Catalog::default()),
            Err(e) => Err(LakeError::io(format!("cannot read {}", path.display()), e)),
        }
    }

    /// Publishes a new catalog atomically: written to a temporary file,
    /// synced, then renamed over `current.json`. A copy is kept under
    /// `_catalog/history/` for audit.
    pub fn publish(
        &self,
        run: &str,
        changed: &BTreeMap<String, TableEntry>,
    ) -> Result<Catalog, LakeError> {
        let mut cat = self.catalog()?;
        cat.lake_version += 1;
        cat.run = Some(run.to_string());
        cat.published_at = Some(chrono::Utc::now().format("%Y-%m-%dT%H:%M:%SZ").to_string());
        for (name, entry) in changed {
            cat.tables.insert(name.clone(), entry.clone());
        }
        let dir = self.root.join("_catalog");
        let history = dir.join("history");
        fs::create_dir_all(&history)
            .map_err(|e| LakeError::io("cannot create the catalog history", e))?;
        let text =
            serde_json::to_vec_pretty(&cat).map_err(|e| LakeError::BadCatalog(e.to_string()))?;
        let write = |path: &std::path::Path| -> std::io::Result<()> {
            let mut f = File::create(path)?;
            f.write_all(&text)?;
            f.sync_all()
        };
        let hist = history.join(format!("{:08}.json", cat.lake_version));
        write(&hist).map_err(|e| LakeError::io(format!("cannot write {}", hist.display()), e))?;
        let tmp = dir.join("current.json.tmp");
        write(&tmp).map_err(|e| LakeError::io(format!("cannot write {}", tmp.display()), e))?;
        fs::rename(&tmp, self.catalog_path())
            .map_err(|e| LakeError::io("cannot publish the catalog", e))?;
        if let Ok(d) = File::open(&dir) {
            let _ = d.sync_all();
        }
        Ok(cat)
    }
}
