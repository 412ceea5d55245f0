//! Opening Delta tables at their pinned versions, and repairing tables that a
//! killed run left past their pins.

use deltalake::DeltaTable;
use url::Url;

use crate::{Lake, LakeError};

impl Lake {
    pub fn table_url(&self, name: &str) -> Result<Url, LakeError> {
        let path = self.table_path(name);
        std::fs::create_dir_all(&path)
            .map_err(|e| LakeError::io(format!("cannot create {}", path.display()), e))?;
        Url::from_directory_path(&path)
            .map_err(|_| LakeError::BadCatalog(format!("bad table path {}", path.display())))
    }

    /// The table at its published version, or `None` when it was never published.
    pub async fn published_table(&self, name: &str) -> Result<Option<DeltaTable>, LakeError> {
        let Some(entry) = self.catalog()?.tables.get(name).cloned() else {
            return Ok(None);
        };
        let url = self.table_url(name)?;
        let table = deltalake::open_table_with_version(url, entry.version)
            .await
            .map_err(|e| LakeError::delta(name, e))?;
        Ok(Some(table))
    }

    /// A handle for writing: the table at its latest version (after
    /// [`Lake::repair`], the same content as the published one), or an empty
    /// location for a table never published.
    pub async fn table_for_write(&self, name: &str) -> Result<DeltaTable, LakeError> {
        let url = self.table_url(name)?;
        if self.catalog()?.tables.contains_key(name) {
            return deltalake::open_table(url)
                .await
                .map_err(|e| LakeError::delta(name, e));
        }
        deltalake::DeltaTableBuilder::from_url(url)
            .and_then(|b| b.build())
            .map_err(|e| LakeError::delta(name, e))
    }

    /// Brings every table back to the published catalog: tables with commits
    /// past their pinned version are restored to it; table folders that no
    /// published run created are removed. Returns what it did, for the log.
    pub async fn repair(&self) -> Result<Vec<String>, LakeError> {
        let cat = self.catalog()?;
        let mut done = Vec::new();
        let mut repinned = std::collections::BTreeMap::new();
        let entries = match std::fs::read_dir(&self.root) {
            Ok(e) => e,
            Err(e) => return Err(LakeError::io("cannot list the lake", e)),
        };
        for entry in entries.flatten() {
            let name = entry.file_name().to_string_lossy().to_string();
            if name.starts_with('_') || !entry.path().is_dir() {
                continue;
            }
            match cat.tables.get(&name) {
                None => {
                    std::fs::remove_dir_all(entry.path())
                        .map_err(|e| LakeError::io(format!("cannot remove {name}"), e))?;
                    done.push(format!("removed unpublished table {name}"));
                }
                Some(pin) => {
                    let url = self.table_url(&name)?;
                    let table = deltalake::open_table(url)
                        .await
                        .map_err(|e| LakeError::delta(&name, e))?;
                    let latest = table.version().unwrap_or(0);
                    if latest > pin.version {
                        let (restored, _) = table
                            .restore()
                            .with_version_to_restore(pin.version)
                            .await
                            .map_err(|e| LakeError::delta(&name, e))?;
                        // Same content as the pin, at the new version.
                        let mut entry = pin.clone();
                        entry.version = restored.version().unwrap_or(latest + 1);
                        repinned.insert(name.clone(), entry);
                        done.push(format!(
                            "restored {name} to version {} (an unfinished run had reached {latest})",
                            pin.version
                        ));
                    }
                }
            }
        }
        if !repinned.is_empty() {
            self.publish("repair", &repinned)?;
        }
        let staging = self.root.join("_staging");
        if staging.exists() {
            std::fs::remove_dir_all(&staging)
                .map_err(|e| LakeError::io("cannot clear _staging", e))?;
        }
        Ok(done)
    }
}
