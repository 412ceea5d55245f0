//! Opening Delta tables at their pinned versions, and repairing tables that a
//! killed run left past their pins.

use deltalake::DeltaTable;
use url::Url;

use crate::{owner, Lake, LakeError};

impl Lake {
    /// The table's location (nothing is created).
    pub fn table_url(&self, name: &str) -> Result<Url, LakeError> {
        let path = self.table_path(name);
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
        owner::create_table_dir(&self.table_path(name))?;
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
    /// past their pinned version are restored to it; table folders that the
    /// lake created for a run that never published are removed, file by file
    /// (only files the lake writes; anything else stays, with a warning);
    /// the staging folders of runs are cleared. Returns what it did.
    pub async fn repair(&self) -> Result<Vec<String>, LakeError> {
        let cat = self.catalog()?;
        let mut done = Vec::new();
        let mut repinned = std::collections::BTreeMap::new();
        let entries =
            std::fs::read_dir(&self.root).map_err(|e| LakeError::io("cannot list the lake", e))?;
        for entry in entries.flatten() {
            let name = entry.file_name().to_string_lossy().to_string();
            if name.starts_with('_') || !entry.path().is_dir() {
                continue;
            }
            match cat.tables.get(&name) {
                None => done.extend(self.remove_unpublished(&name)?),
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
        done.extend(self.clear_staging()?);
        Ok(done)
    }

    /// Removes an unpublished table folder that the lake created.
    fn remove_unpublished(&self, name: &str) -> Result<Vec<String>, LakeError> {
        let dir = self.table_path(name);
        if !dir.join(owner::TABLE_MARKER).is_file() {
            return Ok(vec![format!(
                "left {}: not a table folder this lake created",
                dir.display()
            )]);
        }
        let kept = owner::remove_table_dir(&dir)?;
        let mut done = vec![format!("removed unpublished table {name}")];
        for k in kept {
            done.push(format!("left {}: wangjian did not write it", k.display()));
        }
        Ok(done)
    }

    /// Removes the staging folders of earlier runs (named like runs, holding
    /// the files a run stages: [`crate::STAGING_EXTENSIONS`]).
    fn clear_staging(&self) -> Result<Vec<String>, LakeError> {
        let staging = self.root.join("_staging");
        let Ok(entries) = std::fs::read_dir(&staging) else {
            return Ok(Vec::new());
        };
        let mut done = Vec::new();
        for entry in entries.flatten() {
            let path = entry.path();
            let name = entry.file_name().to_string_lossy().into_owned();
            if !path.is_dir() || !is_run_name(&name) {
                done.push(format!("left {}: not a run's staging", path.display()));
                continue;
            }
            let mut kept = Vec::new();
            owner::remove_owned(
                &path,
                &path,
                &|rel| {
                    rel.extension()
                        .is_some_and(|x| crate::STAGING_EXTENSIONS.iter().any(|e| x == *e))
                },
                &mut kept,
            )?;
            for k in kept {
                done.push(format!("left {}: wangjian did not write it", k.display()));
            }
        }
        if std::fs::read_dir(&staging).is_ok_and(|mut d| d.next().is_none()) {
            let _ = std::fs::remove_dir(&staging);
        }
        Ok(done)
    }
}

/// A run name: `YYYYMMDDTHHMMSS.mmmZ-PID`, as [`Lake::run_name`] makes them.
fn is_run_name(name: &str) -> bool {
    let Some((stamp, pid)) = name.split_once("Z-") else {
        return false;
    };
    stamp.len() == 19
        && stamp.as_bytes()[8] == b'T'
        && stamp.as_bytes()[15] == b'.'
        && !pid.is_empty()
        && pid.bytes().all(|b| b.is_ascii_digit())
}

impl Lake {
    /// A new run's name: the UTC time to the millisecond and the process id.
    pub fn run_name() -> String {
        format!(
            "{}-{}",
            chrono::Utc::now().format("%Y%m%dT%H%M%S%.3fZ"),
            std::process::id()
        )
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn run_names_are_recognised() {
        let n = crate::Lake::run_name();
        assert!(super::is_run_name(&n), "{n}");
        assert!(!super::is_run_name("mydocs"));
        assert!(!super::is_run_name("20250101T000000.000Z-"));
    }

    /// A killed run's staging folder: every kind of file a run writes there
    /// goes, a file someone else put there stays (and so does its folder).
    #[test]
    fn an_unfinished_runs_staging_is_cleared_of_what_runs_write() {
        let t = tempfile::tempdir().unwrap();
        let lake = crate::Lake::open(t.path().join("lake")).unwrap();
        let killed = lake.staging_dir(&crate::Lake::run_name());
        std::fs::create_dir_all(&killed).unwrap();
        let ours: Vec<String> = crate::STAGING_EXTENSIONS
            .iter()
            .map(|x| format!("complaints-00001.{x}"))
            .collect();
        for f in &ours {
            std::fs::write(killed.join(f), "x").unwrap();
        }
        let done = lake.clear_staging().unwrap();
        assert!(!killed.exists(), "{done:?}");

        std::fs::create_dir_all(&killed).unwrap();
        std::fs::write(killed.join(&ours[0]), "x").unwrap();
        std::fs::write(killed.join("notes.txt"), "mine").unwrap();
        let done = lake.clear_staging().unwrap();
        assert!(!killed.join(&ours[0]).exists());
        assert_eq!(
            std::fs::read_to_string(killed.join("notes.txt")).unwrap(),
            "mine"
        );
        assert!(done.iter().any(|d| d.contains("notes.txt")), "{done:?}");
    }
}
