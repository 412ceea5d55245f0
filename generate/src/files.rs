//! The set of files one source is written to, with their formats, header
//! languages, column orders and shares of the rows.

use std::path::{Path, PathBuf};

use super::forms::BoolStyle;
use super::rng::{Rng, Weighted};
use super::sink::{Format, Sink, Val};
use wangjian_contract::sources::Source;

/// XLSX files are kept small, as real ones are (Excel caps a sheet at about
/// a million rows); rows beyond this go to the first file.
const XLSX_CAP: u64 = 20_000;

pub struct Files {
    pub src: &'static Source,
    sinks: Vec<Sink>,
    formats: Vec<Format>,
    styles: Vec<BoolStyle>,
    w: Weighted,
}

impl Files {
    /// Opens `plan` (format, Chinese headers, share) as `<dir>/<source>/<stem>-NN.<ext>`.
    pub fn open(
        rng: &mut Rng,
        dir: &Path,
        src: &'static Source,
        stem: &str,
        plan: &[(Format, bool, f64)],
    ) -> std::io::Result<Files> {
        let mut sinks = Vec::new();
        let mut formats = Vec::new();
        let mut styles = Vec::new();
        let mut weights = Vec::new();
        for (i, (format, chinese, share)) in plan.iter().enumerate() {
            let mut order: Vec<usize> = (0..src.columns.len()).collect();
            if i % 2 == 1 {
                // Any column order: shuffle.
                for k in (1..order.len()).rev() {
                    let j = rng.range(0, k as u64) as usize;
                    order.swap(k, j);
                }
            }
            let path: PathBuf =
                dir.join(src.name)
                    .join(format!("{stem}-{:02}.{}", i + 1, format.extension()));
            sinks.push(Sink::create(&path, src, *format, *chinese, order)?);
            formats.push(*format);
            styles.push(BoolStyle(if i == 0 { 0 } else { i }));
            weights.push(*share);
        }
        Ok(Files {
            src,
            sinks,
            formats,
            styles,
            w: Weighted::new(&weights),
        })
    }

    /// Chooses the file of the next row.
    pub fn pick(&mut self, rng: &mut Rng) -> usize {
        let i = self.w.sample(rng);
        if self.formats[i] == Format::Xlsx && self.sinks[i].rows >= XLSX_CAP {
            0
        } else {
            i
        }
    }

    pub fn style(&self, file: usize) -> BoolStyle {
        self.styles[file]
    }

    pub fn write(&mut self, file: usize, row: &[Val]) -> std::io::Result<()> {
        self.sinks[file].write(row)
    }

    /// A file that can carry a row that does not split into fields.
    pub fn malformed_file(&self) -> Option<usize> {
        self.sinks.iter().position(Sink::supports_malformed)
    }

    pub fn write_malformed(&mut self, file: usize, first: &str) -> std::io::Result<()> {
        self.sinks[file].write_malformed(first)
    }

    pub fn rows(&self) -> u64 {
        self.sinks.iter().map(|s| s.rows).sum()
    }

    pub fn finish(self) -> std::io::Result<Vec<PathBuf>> {
        self.sinks.into_iter().map(Sink::finish).collect()
    }
}

/// A row under construction, set by column name.
pub struct Row<'a> {
    pub src: &'a Source,
    pub vals: Vec<Val>,
}

impl<'a> Row<'a> {
    pub fn new(src: &'a Source) -> Self {
        Row {
            src,
            vals: vec![Val::Empty; src.columns.len()],
        }
    }
    pub fn set(&mut self, name: &str, v: Val) {
        let (i, _) = self
            .src
            .column(name)
            .unwrap_or_else(|| panic!("no column {name} in {}", self.src.name));
        self.vals[i] = v;
    }
    pub fn s(&mut self, name: &str, v: impl Into<String>) {
        self.set(name, Val::S(v.into()));
    }
    pub fn get(&self, name: &str) -> &Val {
        &self.vals[self.src.column(name).map(|c| c.0).unwrap_or(0)]
    }
}
