//! What a run did with every file.

use std::collections::BTreeMap;

use crate::outcome::{Issue, Reason};
use crate::read::Format;

/// The outcome of one file.
#[derive(Debug, Clone, Default)]
pub struct FileReport {
    pub source: String,
    pub file: String,
    /// `None` when the file's name names no format we read.
    pub format: Option<Format>,
    pub encoding: Option<String>,
    /// Set when the file was rejected whole: why.
    pub rejected: Option<String>,
    pub read: u64,
    pub loaded: u64,
    pub superseded: u64,
    pub quarantined: u64,
    /// quarantine reason → rows
    pub reasons: BTreeMap<Reason, u64>,
    /// (column, field-level issue) → rows
    pub issues: BTreeMap<(String, Issue), u64>,
    pub unknown_columns: Vec<String>,
}

impl FileReport {
    /// Every row read is loaded, superseded or quarantined.
    pub fn balanced(&self) -> bool {
        self.read == self.loaded + self.superseded + self.quarantined
    }
}

/// The outcome of a run.
#[derive(Debug, Clone, Default)]
pub struct RunReport {
    pub run: String,
    pub lake_version: u64,
    pub files: Vec<FileReport>,
    /// Repairs done before the run (tables restored after an unfinished run).
    pub repairs: Vec<String>,
}

impl RunReport {
    pub fn rejected(&self) -> usize {
        self.files.iter().filter(|f| f.rejected.is_some()).count()
    }
    pub fn quarantined(&self) -> u64 {
        self.files.iter().map(|f| f.quarantined).sum()
    }
    pub fn totals(&self) -> (u64, u64, u64, u64) {
        self.files.iter().fold((0, 0, 0, 0), |a, f| {
            (
                a.0 + f.read,
                a.1 + f.loaded,
                a.2 + f.superseded,
                a.3 + f.quarantined,
            )
        })
    }

    /// The printed summary: one line a file, then totals.
    pub fn render(&self) -> String {
        let mut s = format!("run {} → lake version {}\n", self.run, self.lake_version);
        s.push_str(&format!(
            "{:<11} {:>10} {:>10} {:>10} {:>10}  file\n",
            "source", "read", "loaded", "superseded", "quarantined"
        ));
        for f in &self.files {
            match &f.rejected {
                Some(why) => {
                    s.push_str(&format!("{:<11} REJECTED  {}: {}\n", f.source, f.file, why))
                }
                None => {
                    s.push_str(&format!(
                        "{:<11} {:>10} {:>10} {:>10} {:>10}  {}\n",
                        f.source, f.read, f.loaded, f.superseded, f.quarantined, f.file
                    ));
                    for (reason, n) in &f.reasons {
                        s.push_str(&format!(
                            "{:<11} {:>54}  quarantined: {}\n",
                            "",
                            n,
                            reason.code()
                        ));
                    }
                    for ((col, issue), n) in &f.issues {
                        s.push_str(&format!(
                            "{:<11} {:>54}  data quality: {col} {}\n",
                            "",
                            n,
                            issue.code()
                        ));
                    }
                }
            }
        }
        let (r, l, sup, q) = self.totals();
        s.push_str(&format!(
            "{:<11} {:>10} {:>10} {:>10} {:>10}  {} files, {} rejected\n",
            "total",
            r,
            l,
            sup,
            q,
            self.files.len(),
            self.rejected()
        ));
        s
    }
}
