//! What the lake owns: its folder carries a marker written when the lake is
//! created, each table folder it creates carries one too, and clean-up
//! removes only files of the kinds the lake itself writes. A folder that is
//! neither absent, empty nor a marked lake is refused before anything in it
//! is created or removed (cli.md).

use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};

use crate::LakeError;

/// The marker file at the lake root.
pub const LAKE_MARKER: &str = "_wangjian_lake.json";
/// The marker file in every table folder the lake created.
pub const TABLE_MARKER: &str = "_wangjian_table";

const MARKER_FORMAT: &str = "wangjian-lake";

/// How a folder stands towards being a lake.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Standing {
    /// No such folder, or an empty one: a lake may be created there.
    Free,
    /// A marked lake.
    Lake,
    /// A lake written before markers existed: a catalog, and nothing but the
    /// tables it lists and the lake's own folders.
    Unmarked,
}

fn refuse(root: &Path, why: String) -> LakeError {
    LakeError::NotALake {
        path: root.display().to_string(),
        why,
    }
}

/// Looks at a folder without changing it.
/// Characters that the Delta and Parquet libraries read, in a table's path,
/// as a URL escape or a file pattern (`^` made deltalake 1.1 panic, `?` and
/// `[` made a table look empty, `%20` was decoded to a space).
const UNSAFE_IN_PATH: [char; 9] = ['%', '?', '*', '[', ']', '{', '}', '^', '\\'];

/// Refuses a lake path the libraries would misread, before anything is
/// created: the path as given (made absolute) and, when it exists, the
/// folder it resolves to.
fn check_path(root: &Path) -> Result<(), LakeError> {
    let mut forms = vec![std::path::absolute(root).unwrap_or_else(|_| root.to_path_buf())];
    if let Ok(real) = root.canonicalize() {
        forms.push(real);
    }
    for form in forms {
        let text = form.to_string_lossy();
        if let Some(c) = text
            .chars()
            .find(|c| UNSAFE_IN_PATH.contains(c) || c.is_control())
        {
            let shown = if c.is_control() {
                format!("a control character ({c:?})")
            } else {
                format!("'{c}'")
            };
            return Err(refuse(
                root,
                format!(
                    "its path {} contains {shown}, which the Delta and Parquet libraries \
                     read as a URL escape or a file pattern; choose a folder whose path \
                     has none of % ? * [ ] {{ }} ^ \\",
                    form.display()
                ),
            ));
        }
    }
    Ok(())
}

pub(crate) fn standing(root: &Path) -> Result<Standing, LakeError> {
    check_path(root)?;
    let meta = match fs::metadata(root) {
        Ok(m) => m,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Standing::Free),
        Err(e) => return Err(LakeError::io(format!("cannot open {}", root.display()), e)),
    };
    if !meta.is_dir() {
        return Err(refuse(root, "it is a file, not a folder".into()));
    }
    let marker = root.join(LAKE_MARKER);
    if marker.exists() {
        let text = fs::read_to_string(&marker)
            .map_err(|e| LakeError::io(format!("cannot read {}", marker.display()), e))?;
        let ok = serde_json::from_str::<serde_json::Value>(&text)
            .ok()
            .and_then(|v| v.get("format").and_then(|f| f.as_str()).map(str::to_owned))
            .is_some_and(|f| f == MARKER_FORMAT);
        if !ok {
            return Err(refuse(
                root,
                format!("{LAKE_MARKER} is not a wangjian lake marker"),
            ));
        }
        return Ok(Standing::Lake);
    }
    let entries = names(root)?;
    if entries.is_empty() {
        return Ok(Standing::Free);
    }
    let catalog = root.join("_catalog").join("current.json");
    let listed: Vec<String> = fs::read(&catalog)
        .ok()
        .and_then(|b| serde_json::from_slice::<crate::Catalog>(&b).ok())
        .map(|c| c.tables.into_keys().collect())
        .unwrap_or_default();
    if listed.is_empty() {
        return Err(refuse(
            root,
            format!(
                "it is not empty and not a wangjian lake (it holds {}); give --lake an empty or new folder",
                sample(&entries)
            ),
        ));
    }
    let foreign: Vec<String> = entries
        .into_iter()
        .filter(|n| n != "_catalog" && n != "_staging" && !listed.contains(n))
        .collect();
    if foreign.is_empty() {
        Ok(Standing::Unmarked)
    } else {
        Err(refuse(
            root,
            format!(
                "it holds files that are not a wangjian lake's ({}); give --lake an empty or new folder",
                sample(&foreign)
            ),
        ))
    }
}

fn names(dir: &Path) -> Result<Vec<String>, LakeError> {
    let mut v: Vec<String> = fs::read_dir(dir)
        .map_err(|e| LakeError::io(format!("cannot list {}", dir.display()), e))?
        .filter_map(|e| e.ok())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    v.sort();
    Ok(v)
}

fn sample(names: &[String]) -> String {
    let mut s: Vec<&str> = names.iter().take(3).map(String::as_str).collect();
    if names.len() > 3 {
        s.push("…");
    }
    s.join(", ")
}

/// Writes the lake marker (synced, then renamed into place).
pub(crate) fn write_lake_marker(root: &Path) -> Result<(), LakeError> {
    let body = serde_json::json!({
        "format": MARKER_FORMAT,
        "layout": 1,
        "note": "This folder is a wangjian lake. wangjian writes and removes files here; keep other files elsewhere.",
    });
    write_synced(&root.join(LAKE_MARKER), body.to_string().as_bytes())
}

pub(crate) fn write_synced(path: &Path, bytes: &[u8]) -> Result<(), LakeError> {
    let tmp = path.with_extension("tmp");
    let io = |e| LakeError::io(format!("cannot write {}", path.display()), e);
    let mut f = fs::File::create(&tmp).map_err(io)?;
    f.write_all(bytes).map_err(io)?;
    f.sync_all().map_err(io)?;
    fs::rename(&tmp, path).map_err(io)
}

/// Creates a table folder and marks it as the lake's own.
pub(crate) fn create_table_dir(dir: &Path) -> Result<(), LakeError> {
    fs::create_dir_all(dir)
        .map_err(|e| LakeError::io(format!("cannot create {}", dir.display()), e))?;
    let marker = dir.join(TABLE_MARKER);
    if !marker.exists() {
        write_synced(&marker, b"a table folder of a wangjian lake\n")?;
    }
    Ok(())
}

/// Whether a file inside a table folder is one the lake (Delta) writes: the
/// transaction log, data files and the table marker.
fn is_table_file(rel: &Path) -> bool {
    let mut parts = rel.components().map(|c| c.as_os_str().to_string_lossy());
    let Some(first) = parts.next() else {
        return false;
    };
    if first == "_delta_log" || first == TABLE_MARKER {
        return true;
    }
    let name = rel
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    // Data files sit in the table folder or in partition folders `key=value`.
    let dirs_ok = rel
        .parent()
        .map(|p| {
            p.components()
                .all(|c| c.as_os_str().to_string_lossy().contains('='))
        })
        .unwrap_or(true);
    dirs_ok && name.starts_with("part-") && name.ends_with(".parquet")
}

/// Removes a table folder that the lake created, file by file: only files
/// the lake writes go, then the folders left empty. Returns the files left
/// behind (files the lake did not write); a folder without the table marker
/// is not touched at all.
pub(crate) fn remove_table_dir(dir: &Path) -> Result<Vec<PathBuf>, LakeError> {
    if !dir.join(TABLE_MARKER).is_file() {
        return Ok(vec![dir.to_path_buf()]);
    }
    let mut kept = Vec::new();
    remove_owned(dir, dir, &|rel| is_table_file(rel), &mut kept)?;
    Ok(kept)
}

/// Removes what `owned` accepts below `dir` (paths relative to `base`), and
/// every folder left empty, `dir` included.
pub(crate) fn remove_owned(
    base: &Path,
    dir: &Path,
    owned: &dyn Fn(&Path) -> bool,
    kept: &mut Vec<PathBuf>,
) -> Result<(), LakeError> {
    let io = |p: &Path, e| LakeError::io(format!("cannot remove {}", p.display()), e);
    for entry in fs::read_dir(dir).map_err(|e| io(dir, e))? {
        let entry = entry.map_err(|e| io(dir, e))?;
        let path = entry.path();
        let ft = entry.file_type().map_err(|e| io(&path, e))?;
        let rel = path.strip_prefix(base).unwrap_or(&path).to_path_buf();
        if ft.is_dir() {
            remove_owned(base, &path, owned, kept)?;
        } else if ft.is_file() && owned(&rel) {
            fs::remove_file(&path).map_err(|e| io(&path, e))?;
        } else {
            kept.push(path);
        }
    }
    if fs::read_dir(dir).map_err(|e| io(dir, e))?.next().is_none() {
        fs::remove_dir(dir).map_err(|e| io(dir, e))?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn table_files_are_the_log_data_files_and_the_marker() {
        for p in [
            "_delta_log/00000000000000000000.json",
            "_delta_log/_last_checkpoint",
            "_wangjian_table",
            "part-00000-abc.snappy.parquet",
            "quarter=2025Q3/part-00001-x.parquet",
        ] {
            assert!(is_table_file(Path::new(p)), "{p}");
        }
        for p in [
            "notes.txt",
            "part-1.csv",
            "mine/part-00000.parquet",
            "quarter=2025Q3/thesis.txt",
        ] {
            assert!(!is_table_file(Path::new(p)), "{p}");
        }
    }

    #[test]
    fn a_table_folder_keeps_what_the_lake_did_not_write() {
        let t = tempfile::tempdir().unwrap();
        let dir = t.path().join("complaints");
        create_table_dir(&dir).unwrap();
        fs::create_dir_all(dir.join("_delta_log")).unwrap();
        fs::create_dir_all(dir.join("quarter=2025Q3")).unwrap();
        fs::write(dir.join("_delta_log/00000000000000000000.json"), "{}").unwrap();
        fs::write(dir.join("quarter=2025Q3/part-0.parquet"), "x").unwrap();
        fs::write(dir.join("quarter=2025Q3/mine.txt"), "mine").unwrap();
        let kept = remove_table_dir(&dir).unwrap();
        assert_eq!(kept, vec![dir.join("quarter=2025Q3/mine.txt")]);
        assert_eq!(fs::read_to_string(&kept[0]).unwrap(), "mine");
        assert!(!dir.join("_delta_log").exists());

        // Without the marker nothing is touched.
        let other = t.path().join("other");
        fs::create_dir_all(other.join("_delta_log")).unwrap();
        fs::write(other.join("_delta_log/0.json"), "{}").unwrap();
        remove_table_dir(&other).unwrap();
        assert!(other.join("_delta_log/0.json").exists());
    }

    #[test]
    fn paths_the_libraries_misread_are_refused() {
        let t = tempfile::tempdir().unwrap();
        for name in ["a^b", "a?b", "a[1]", "a%20b", "a{b}", "a*b", "a\nb"] {
            let root = t.path().join(name).join("lake");
            let err = standing(&root).unwrap_err().to_string();
            assert!(err.contains("refused"), "{name}: {err}");
        }
        // Spaces, '#' and Chinese are read correctly.
        for name in ["a b", "a#b", "湖"] {
            assert_eq!(standing(&t.path().join(name)).unwrap(), Standing::Free);
        }
    }

    #[test]
    fn standing_of_folders() {
        let t = tempfile::tempdir().unwrap();
        assert_eq!(standing(&t.path().join("new")).unwrap(), Standing::Free);
        assert_eq!(standing(t.path()).unwrap(), Standing::Free);
        fs::create_dir(t.path().join("mydocs")).unwrap();
        let err = standing(t.path()).unwrap_err().to_string();
        assert!(err.contains("mydocs"), "{err}");
        write_lake_marker(t.path()).unwrap();
        assert_eq!(standing(t.path()).unwrap(), Standing::Lake);
        let f = t.path().join("file");
        fs::write(&f, "x").unwrap();
        assert!(standing(&f).is_err());
    }
}
