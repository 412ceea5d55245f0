//! The indicator SQL as a set of named texts: the files compiled into the
//! binary (the default), or those of a folder given with `--queries DIR`
//! (for someone editing SQL), plus the composite index weights.

use std::path::Path;

use crate::QueryError;

mod builtin {
    include!(concat!(env!("OUT_DIR"), "/builtin.rs"));
}

/// The text of a compiled-in view of `queries/views/` (a read-only query).
pub fn view_sql(name: &str) -> Option<&'static str> {
    builtin::VIEWS
        .iter()
        .find(|(n, _)| *n == name)
        .map(|(_, t)| *t)
}

/// Query files in name order and the weights file's text.
#[derive(Debug, Clone)]
pub struct QuerySet {
    /// (file name, SQL text), in name order.
    pub files: Vec<(String, String)>,
    /// The weights CSV: (where it came from, its text).
    pub weights: (String, String),
}

impl QuerySet {
    /// The query files and weights compiled into this binary.
    pub fn builtin() -> QuerySet {
        QuerySet {
            files: builtin::FILES
                .iter()
                .map(|(n, t)| (n.to_string(), t.to_string()))
                .collect(),
            weights: ("risk_weights.csv".into(), builtin::WEIGHTS.to_string()),
        }
    }

    /// The `.sql` files of a folder (name order) and its `risk_weights.csv`.
    pub fn from_dir(dir: &Path) -> Result<QuerySet, QueryError> {
        let mut paths: Vec<std::path::PathBuf> = std::fs::read_dir(dir)
            .map_err(|e| QueryError::Io {
                what: format!("cannot list {}", dir.display()),
                source: e,
            })?
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| p.extension().is_some_and(|x| x == "sql"))
            .collect();
        paths.sort();
        if paths.is_empty() {
            return Err(QueryError::Sql(format!(
                "{}: no .sql files in this folder",
                dir.display()
            )));
        }
        let mut files = Vec::new();
        for p in paths {
            files.push((p.display().to_string(), read(&p)?));
        }
        let w = dir.join("risk_weights.csv");
        Ok(QuerySet {
            files,
            weights: (w.display().to_string(), read(&w)?),
        })
    }

    /// The same queries with the weights of another file.
    pub fn with_weights_file(mut self, path: &Path) -> Result<QuerySet, QueryError> {
        self.weights = (path.display().to_string(), read(path)?);
        Ok(self)
    }
}

fn read(path: &Path) -> Result<String, QueryError> {
    std::fs::read_to_string(path).map_err(|e| QueryError::Io {
        what: format!("cannot read {}", path.display()),
        source: e,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_builtin_set_is_every_query_file_in_name_order() {
        let q = QuerySet::builtin();
        let names: Vec<&str> = q.files.iter().map(|(n, _)| n.as_str()).collect();
        let mut sorted = names.clone();
        sorted.sort();
        assert_eq!(names, sorted);
        assert!(names.contains(&"30_risk_index.sql"), "{names:?}");
        assert!(
            q.files.iter().all(|(_, t)| t.starts_with("--")),
            "each file opens with its header"
        );
        assert!(q.weights.1.starts_with("component,"));
    }
}
