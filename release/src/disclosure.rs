//! Disclosure control of release.md, on a table of cells, before anything
//! is written. Below the national level:
//!
//! 1. primary: a count of 1 .. threshold−1 is `[c]`; so is a rate whose
//!    numerator or denominator is such a count (or a suppressed cell), and a
//!    money sum made of fewer than `min_cases` cases;
//! 2. secondary: in a table with a total row, an additive column with
//!    exactly one suppressed cell gets its next-smallest cell suppressed too
//!    (the smallest non-zero unsuppressed one; a zero only if no other is
//!    left), and the rates built on it follow;
//! 3. a rate whose denominator is below `min_denominator` is shown with `[u]`;
//! 4. zero is shown as 0.
//!
//! National rows (the total) are never suppressed.

use std::collections::BTreeMap;

use serde::Serialize;

/// The shorthand of release.md.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub enum Flag {
    /// suppressed for confidentiality
    C,
    /// not available
    X,
    /// not applicable
    Z,
    /// low reliability (shown, flagged)
    U,
    /// revised (shown, flagged)
    R,
}

impl Flag {
    pub fn text(self) -> &'static str {
        match self {
            Flag::C => "[c]",
            Flag::X => "[x]",
            Flag::Z => "[z]",
            Flag::U => "[u]",
            Flag::R => "[r]",
        }
    }
    /// Whether the value is withheld (the cell holds the shorthand).
    pub fn withholds(self) -> bool {
        matches!(self, Flag::C | Flag::X | Flag::Z)
    }
}

/// The rule parameters (`release --disclosure FILE`, or the defaults).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, serde::Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Params {
    /// Counts from 1 to threshold − 1 are suppressed (default 5).
    pub threshold: i64,
    /// Money sums of fewer cases are suppressed (default 3).
    pub min_cases: i64,
    /// Rates on fewer are flagged [u] (default 30).
    pub min_denominator: i64,
}

impl Params {
    /// Reads the parameters from a JSON file (`{"threshold": 5, "min_cases":
    /// 3, "min_denominator": 30}`; missing keys keep their defaults, unknown
    /// keys are refused).
    pub fn from_file(path: &std::path::Path) -> Result<Params, crate::ReleaseError> {
        let text =
            std::fs::read(path).map_err(crate::io(format!("cannot read {}", path.display())))?;
        let p: Params = serde_json::from_slice(&text)
            .map_err(|e| crate::ReleaseError::Data(format!("{}: {e}", path.display())))?;
        if p.threshold < 1 || p.min_cases < 0 || p.min_denominator < 0 {
            return Err(crate::ReleaseError::Data(format!(
                "{}: threshold must be at least 1 and the others not negative",
                path.display()
            )));
        }
        Ok(p)
    }
}

impl Default for Params {
    fn default() -> Self {
        Params {
            threshold: 5,
            min_cases: 3,
            min_denominator: 30,
        }
    }
}

/// What a column is, for disclosure control.
#[derive(Debug, Clone, PartialEq)]
pub enum Role {
    /// Text or a figure not subject to control (codes, names, ranks).
    Plain,
    /// A count; `additive` when the total row is its sum.
    Count { additive: bool },
    /// A rate over `den`, with numerator `num` (column names; counts).
    Rate { num: Option<String>, den: String },
    /// A figure derived from `of` (e.g. per 100 000): suppressed with it.
    Derived { of: String },
    /// A money sum over `cases` cases (column name), additive.
    Money { cases: String },
}

/// A table: column names with roles, rows of optional numbers, and which
/// rows are totals (national).
#[derive(Debug, Clone)]
pub struct Grid {
    pub columns: Vec<(String, Role)>,
    pub rows: Vec<Vec<Option<f64>>>,
    pub total: Vec<bool>,
    /// Flags per (row, column).
    pub flags: BTreeMap<(usize, usize), Flag>,
}

/// How many cells each rule hit.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Counts {
    pub primary: u64,
    pub secondary: u64,
    pub low_reliability: u64,
}

impl Grid {
    fn col(&self, name: &str) -> Option<usize> {
        self.columns.iter().position(|(n, _)| n == name)
    }
    fn small(&self, r: usize, c: usize, p: &Params) -> bool {
        matches!(self.rows[r][c], Some(v) if v >= 1.0 && v < p.threshold as f64)
    }
    fn suppressed(&self, r: usize, c: usize) -> bool {
        self.flags.get(&(r, c)) == Some(&Flag::C)
    }
    fn suppress(&mut self, r: usize, c: usize) -> bool {
        if self.suppressed(r, c) {
            return false;
        }
        self.flags.insert((r, c), Flag::C);
        true
    }

    /// Applies the rules; returns how many cells each hit.
    pub fn control(&mut self, p: &Params) -> Counts {
        let mut n = Counts::default();
        let has_total = self.total.iter().any(|t| *t);
        for r in 0..self.rows.len() {
            if self.total[r] {
                continue;
            }
            for c in 0..self.columns.len() {
                let hit = match &self.columns[c].1 {
                    Role::Count { .. } => self.small(r, c, p),
                    Role::Money { cases } => self
                        .col(cases)
                        .and_then(|k| self.rows[r][k])
                        .is_some_and(|k| k > 0.0 && k < p.min_cases as f64),
                    _ => false,
                };
                if hit && self.suppress(r, c) {
                    n.primary += 1;
                }
            }
        }
        // Rates and derived figures follow their counts, until nothing moves;
        // secondary suppression runs in between.
        loop {
            let mut moved = self.follow(p, &mut n);
            if has_total {
                moved |= self.secondary(&mut n);
            }
            if !moved {
                break;
            }
        }
        for r in 0..self.rows.len() {
            for c in 0..self.columns.len() {
                if let Role::Rate { den, .. } = &self.columns[c].1 {
                    let d = self.col(den).and_then(|k| self.rows[r][k]);
                    if self.rows[r][c].is_some()
                        && !self.flags.contains_key(&(r, c))
                        && d.is_some_and(|d| d < p.min_denominator as f64)
                    {
                        self.flags.insert((r, c), Flag::U);
                        n.low_reliability += 1;
                    }
                }
            }
        }
        n
    }

    /// Rates on a small or suppressed count, figures derived from a
    /// suppressed one. Returns whether any cell changed.
    fn follow(&mut self, p: &Params, n: &mut Counts) -> bool {
        let mut moved = false;
        for r in 0..self.rows.len() {
            if self.total[r] {
                continue;
            }
            for c in 0..self.columns.len() {
                let parts: Vec<String> = match &self.columns[c].1 {
                    Role::Rate { num, den } => num.iter().cloned().chain([den.clone()]).collect(),
                    Role::Derived { of } => vec![of.clone()],
                    _ => continue,
                };
                let hit = parts.iter().filter_map(|x| self.col(x)).any(|k| {
                    self.suppressed(r, k)
                        || (matches!(self.columns[c].1, Role::Rate { .. }) && self.small(r, k, p))
                });
                if hit && self.suppress(r, c) {
                    n.primary += 1;
                    moved = true;
                }
            }
        }
        moved
    }

    /// One more cell in every additive column with exactly one suppressed
    /// cell. Returns whether any cell changed.
    fn secondary(&mut self, n: &mut Counts) -> bool {
        let mut moved = false;
        for c in 0..self.columns.len() {
            if !matches!(
                self.columns[c].1,
                Role::Count { additive: true } | Role::Money { .. }
            ) {
                continue;
            }
            let rows: Vec<usize> = (0..self.rows.len()).filter(|r| !self.total[*r]).collect();
            if rows.iter().filter(|r| self.suppressed(**r, c)).count() != 1 {
                continue;
            }
            let open: Vec<usize> = rows
                .iter()
                .copied()
                .filter(|r| !self.suppressed(*r, c) && self.rows[*r][c].is_some())
                .collect();
            let value = |r: &usize| self.rows[*r][c].unwrap_or(0.0);
            let pick = open
                .iter()
                .filter(|r| value(r) > 0.0)
                .min_by(|a, b| value(a).total_cmp(&value(b)).then(a.cmp(b)))
                .or_else(|| open.first())
                .copied();
            if let Some(r) = pick {
                self.suppress(r, c);
                n.secondary += 1;
                moved = true;
            }
        }
        moved
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn grid(cols: &[(&str, Role)], rows: &[&[f64]], total: &[bool]) -> Grid {
        Grid {
            columns: cols
                .iter()
                .map(|(n, r)| (n.to_string(), r.clone()))
                .collect(),
            rows: rows
                .iter()
                .map(|r| r.iter().map(|v| Some(*v)).collect())
                .collect(),
            total: total.to_vec(),
            flags: BTreeMap::new(),
        }
    }

    fn flags(g: &Grid) -> Vec<(usize, usize, &'static str)> {
        g.flags
            .iter()
            .map(|((r, c), f)| (*r, *c, f.text()))
            .collect()
    }

    /// Provinces A, B, C and the total. complaints: 3, 40, 57 | 100. A's 3 is
    /// primary. The column now has one suppressed cell, so the next-smallest,
    /// B's 40, goes too (secondary); otherwise 100 − 40 − 57 gives A away.
    /// The rate closed/complaints follows both; samples (50, 60, 70 | 180)
    /// has nothing small and stays.
    #[test]
    fn one_suppressed_cell_in_a_column_with_a_total_takes_the_next_smallest() {
        let rate = Role::Rate {
            num: Some("closed".into()),
            den: "complaints".into(),
        };
        let mut g = grid(
            &[
                ("complaints", Role::Count { additive: true }),
                ("closed", Role::Count { additive: true }),
                ("closed_rate", rate),
                ("samples", Role::Count { additive: true }),
            ],
            &[
                &[3.0, 3.0, 1.0, 50.0],
                &[40.0, 30.0, 0.75, 60.0],
                &[57.0, 50.0, 0.877193, 70.0],
                &[100.0, 83.0, 0.83, 180.0],
            ],
            &[false, false, false, true],
        );
        let n = g.control(&Params::default());
        // Row 0: complaints [c], closed [c] (3 < 5), rate [c];
        // row 1: complaints [c] and closed [c] (secondary, each column had one),
        // rate [c]. Nothing in samples; the total row untouched.
        assert_eq!(
            flags(&g),
            vec![
                (0, 0, "[c]"),
                (0, 1, "[c]"),
                (0, 2, "[c]"),
                (1, 0, "[c]"),
                (1, 1, "[c]"),
                (1, 2, "[c]"),
            ]
        );
        assert_eq!(
            n,
            Counts {
                primary: 4,
                secondary: 2,
                low_reliability: 0,
            }
        );
    }

    /// Two small cells in the column already hide each other: no secondary.
    /// A rate on 20 batches (below 30) is shown with [u]; zero stays 0.
    #[test]
    fn two_suppressed_cells_need_no_secondary_and_small_denominators_are_flagged() {
        let rate = Role::Rate {
            num: None,
            den: "samples".into(),
        };
        let mut g = grid(
            &[
                ("complaints", Role::Count { additive: true }),
                ("samples", Role::Count { additive: true }),
                ("fail_rate", rate),
            ],
            &[
                &[2.0, 20.0, 0.1],
                &[4.0, 40.0, 0.2],
                &[0.0, 50.0, 0.3],
                &[6.0, 110.0, 0.2],
            ],
            &[false, false, false, true],
        );
        let n = g.control(&Params::default());
        assert_eq!(flags(&g), vec![(0, 0, "[c]"), (0, 2, "[u]"), (1, 0, "[c]")]);
        assert_eq!(
            n,
            Counts {
                primary: 2,
                secondary: 0,
                low_reliability: 1,
            }
        );
    }

    /// A money sum of two cases is [c]; the per-100k figure derived from a
    /// suppressed count follows it; a table without a total row gets no
    /// secondary suppression.
    #[test]
    fn money_of_few_cases_and_derived_figures_without_a_total() {
        let mut g = grid(
            &[
                ("cases", Role::Count { additive: true }),
                ("per_100k", Role::Derived { of: "cases".into() }),
                (
                    "penalties",
                    Role::Money {
                        cases: "penalised".into(),
                    },
                ),
                ("penalised", Role::Plain),
            ],
            &[&[2.0, 0.2, 5000.0, 2.0], &[9.0, 0.9, 100.0, 3.0]],
            &[false, false],
        );
        let n = g.control(&Params::default());
        assert_eq!(flags(&g), vec![(0, 0, "[c]"), (0, 1, "[c]"), (0, 2, "[c]")]);
        assert_eq!(n.secondary, 0);
    }
}
