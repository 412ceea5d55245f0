//! Which files a run reads, and of which source.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use crate::IngestError;
use wangjian_contract::sources::{source, Source};

/// The files of each source, in the byte order of their paths.
pub fn collect(
    paths: &[PathBuf],
    forced: Option<&'static Source>,
) -> Result<BTreeMap<&'static str, Vec<PathBuf>>, IngestError> {
    let mut out: BTreeMap<&'static str, Vec<PathBuf>> = BTreeMap::new();
    for p in paths {
        if !p.exists() {
            return Err(IngestError::Usage(format!(
                "{}: no such file or folder",
                p.display()
            )));
        }
        if p.is_file() {
            let src = match forced {
                Some(s) => s,
                None => dir_source(p.parent()).ok_or_else(|| {
                    IngestError::Usage(format!(
                        "{}: cannot tell its source from its folder; put it under <source>/ or pass --source",
                        p.display()
                    ))
                })?,
            };
            out.entry(src.name).or_default().push(p.clone());
            continue;
        }
        if let Some(src) = forced.or_else(|| dir_source(Some(p))) {
            walk(p, &mut |f| out.entry(src.name).or_default().push(f))?;
            continue;
        }
        let mut found = false;
        for entry in read_dir_sorted(p)? {
            if entry.is_dir() {
                if let Some(src) = dir_source(Some(&entry)) {
                    found = true;
                    walk(&entry, &mut |f| out.entry(src.name).or_default().push(f))?;
                }
            }
        }
        if !found {
            return Err(IngestError::Usage(format!(
                "{}: no source folders in it (expected complaints/, cases/, sampling/, monitoring/, entities/ or platforms/)",
                p.display()
            )));
        }
    }
    for files in out.values_mut() {
        files.sort_by(|a, b| {
            a.as_os_str()
                .as_encoded_bytes()
                .cmp(b.as_os_str().as_encoded_bytes())
        });
        files.dedup();
    }
    Ok(out)
}

fn dir_source(dir: Option<&Path>) -> Option<&'static Source> {
    source(&dir?.file_name()?.to_string_lossy())
}

fn read_dir_sorted(dir: &Path) -> Result<Vec<PathBuf>, IngestError> {
    let mut v: Vec<PathBuf> = std::fs::read_dir(dir)
        .map_err(|e| IngestError::Usage(format!("{}: cannot list: {e}", dir.display())))?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| {
            !p.file_name()
                .is_some_and(|n| n.to_string_lossy().starts_with('.'))
        })
        .collect();
    v.sort();
    Ok(v)
}

fn walk(dir: &Path, f: &mut dyn FnMut(PathBuf)) -> Result<(), IngestError> {
    for p in read_dir_sorted(dir)? {
        if p.is_dir() {
            walk(&p, f)?;
        } else {
            f(p);
        }
    }
    Ok(())
}
