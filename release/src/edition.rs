//! Editions: `out/Q/edition-N`, each complete and never changed. Same
//! figures as the latest edition: nothing is written. Otherwise the next
//! edition is written into a temporary folder, synced and renamed into
//! place, with the cells that differ from the latest edition marked `[r]`
//! and listed in `revisions.csv`.

use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};

use wangjian_lake::Catalog;

use crate::charts::Chart;
use crate::manifest::{sha256, Disclosure, FileEntry, Input, Manifest};
use crate::write::{cell, columns, csv};
use crate::{io, Counts, ReleaseError, ReleaseOptions, Table};

/// What `release` did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    Written {
        edition: u32,
        dir: PathBuf,
        revised_cells: usize,
    },
    Unchanged {
        edition: u32,
        dir: PathBuf,
    },
}

fn edition_dir(q: &Path, n: u32) -> PathBuf {
    q.join(format!("edition-{n}"))
}

/// The latest edition number in `q` (0 when none).
pub fn latest(q: &Path) -> u32 {
    fs::read_dir(q)
        .map(|d| {
            d.filter_map(|e| e.ok())
                .filter_map(|e| {
                    e.file_name()
                        .to_str()?
                        .strip_prefix("edition-")?
                        .parse::<u32>()
                        .ok()
                })
                .max()
                .unwrap_or(0)
        })
        .unwrap_or(0)
}

pub(crate) fn figures_hash(tables: &[Table]) -> Result<String, ReleaseError> {
    let mut all = Vec::new();
    for t in tables {
        all.extend_from_slice(t.spec.name.as_bytes());
        all.push(0);
        all.extend(csv(t, &BTreeSet::new())?);
    }
    Ok(sha256(&all))
}

/// The previous edition's cells: table → row key → column → value text.
type Cells = BTreeMap<String, BTreeMap<String, BTreeMap<String, String>>>;

fn previous_cells(dir: &Path, tables: &[Table]) -> Result<Cells, ReleaseError> {
    let mut out = Cells::new();
    for t in tables {
        let path = dir.join("csv").join(format!("{}.csv", t.spec.name));
        let Ok(bytes) = fs::read(&path) else { continue };
        let text = String::from_utf8_lossy(&bytes);
        let text = text.trim_start_matches('\u{feff}');
        let mut r = csv::Reader::from_reader(text.as_bytes());
        let header: Vec<String> = r
            .headers()
            .map_err(|e| ReleaseError::Data(format!("{}: {e}", path.display())))?
            .iter()
            .map(str::to_string)
            .collect();
        let rows = out.entry(t.spec.name.to_string()).or_default();
        for rec in r.records() {
            let rec = rec.map_err(|e| ReleaseError::Data(format!("{}: {e}", path.display())))?;
            let key = rec.get(0).unwrap_or("").to_string();
            let row = rows.entry(key).or_default();
            for (h, v) in header.iter().zip(rec.iter()) {
                row.insert(h.clone(), v.to_string());
            }
        }
    }
    Ok(out)
}

use crate::bulletin::Revision;

fn revisions(tables: &[Table], prev: &Cells) -> (Vec<BTreeSet<(usize, usize)>>, Vec<Revision>) {
    let mut marks = Vec::new();
    let mut list = Vec::new();
    for t in tables {
        let mut set = BTreeSet::new();
        let cols = columns(t);
        for r in 0..t.rows.len() {
            let key = cell(t, r, 0, &BTreeSet::new()).0;
            let Some(old) = prev.get(t.spec.name).and_then(|x| x.get(&key)) else {
                continue;
            };
            // Numbers only: a text column (a tier) has no flag column and
            // follows the number it is read from (the risk index).
            for (i, c) in cols.iter().enumerate().skip(1) {
                if c.kind == crate::tables::Kind::Text {
                    continue;
                }
                let (now, flag) = cell(t, r, i, &BTreeSet::new());
                let before = old.get(c.name).cloned().unwrap_or_default();
                let withheld = ["[c]", "[x]", "[z]"].contains(&flag.as_str());
                if now != before && !withheld {
                    set.insert((r, i));
                    list.push((
                        t.spec.name.to_string(),
                        key.clone(),
                        c.name.to_string(),
                        before,
                        now,
                    ));
                }
            }
        }
        marks.push(set);
    }
    (marks, list)
}

fn write_file(
    dir: &Path,
    rel: &str,
    bytes: &[u8],
    files: &mut Vec<FileEntry>,
) -> Result<(), ReleaseError> {
    let path = dir.join(rel);
    if let Some(p) = path.parent() {
        fs::create_dir_all(p).map_err(io(format!("cannot create {}", p.display())))?;
    }
    let mut f = fs::File::create(&path).map_err(io(format!("cannot write {}", path.display())))?;
    f.write_all(bytes)
        .and_then(|_| f.sync_all())
        .map_err(io(format!("cannot write {}", path.display())))?;
    files.push(FileEntry {
        path: rel.to_string(),
        sha256: sha256(bytes),
        bytes: bytes.len() as u64,
    });
    Ok(())
}

fn revisions_csv(list: &[Revision]) -> Result<Vec<u8>, ReleaseError> {
    let mut w = csv::WriterBuilder::new()
        .terminator(csv::Terminator::CRLF)
        .from_writer(Vec::from("\u{feff}".as_bytes()));
    let err = |e: csv::Error| ReleaseError::Data(e.to_string());
    w.write_record(["table", "row", "column", "previous", "revised"])
        .map_err(err)?;
    for (a, b, c, d, e) in list {
        w.write_record([a, b, c, d, e]).map_err(err)?;
    }
    w.into_inner()
        .map_err(|e| ReleaseError::Data(e.to_string()))
}

/// The latest edition's manifest, when there is one.
fn held_manifest(qdir: &Path, last: u32) -> serde_json::Value {
    if last == 0 {
        return serde_json::Value::Null;
    }
    let m = edition_dir(qdir, last).join("manifest.json");
    fs::read(&m)
        .ok()
        .and_then(|b| serde_json::from_slice(&b).ok())
        .unwrap_or_default()
}

/// The inputs of load runs the previous edition did not have: the late
/// data behind a revision.
fn late_inputs(held: &serde_json::Value, inputs: &[Input]) -> Vec<Input> {
    let runs: BTreeSet<&str> = held["inputs"]
        .as_array()
        .map(|a| a.iter().filter_map(|i| i["run"].as_str()).collect())
        .unwrap_or_default();
    if held.is_null() {
        return Vec::new();
    }
    inputs
        .iter()
        .filter(|i| !runs.contains(i.run.as_str()))
        .cloned()
        .collect()
}

/// The lake's publish time, and the publication date in words (Beijing).
fn publication(catalog: &Catalog) -> (String, String) {
    match catalog.published_at.as_deref().and_then(|t| {
        let at = chrono::DateTime::parse_from_rfc3339(t).ok()?;
        let bj = at.with_timezone(&chrono::FixedOffset::east_opt(8 * 3600)?);
        Some((t.to_string(), bj.format("%Y年%-m月%-d日").to_string()))
    }) {
        Some(x) => x,
        // A lake published before publish times were recorded: a fixed
        // date stands in (never the clock), and the bulletin says so.
        None => ("1980-01-01T00:00:00Z".into(), "发布日期未记录".into()),
    }
}

/// The charts: SVG and (with a CJK font) PNG files in `dir`, and the SVGs
/// for the bulletin. Notes say what could not be drawn.
fn write_charts(
    dir: &Path,
    tables: &[Table],
    quarter: &str,
    files: &mut Vec<FileEntry>,
    notes: &mut Vec<String>,
) -> Result<Vec<(Chart, String)>, ReleaseError> {
    let list = crate::charts::charts(tables, &crate::bulletin::quarter_words(quarter));
    let png = wangjian_reports::figure::png_font().is_some();
    if !png {
        notes.push("no CJK font on the machine that made this edition: charts/*.png were not written (the SVG charts and the bulletin have every chart)".into());
    }
    let mut out = Vec::new();
    for c in list {
        let svg = c
            .figure
            .svg()
            .map_err(|e| ReleaseError::Data(e.to_string()))?;
        write_file(
            dir,
            &format!("charts/{}.svg", c.name),
            svg.as_bytes(),
            files,
        )?;
        if png {
            let rel = format!("charts/{}.png", c.name);
            let path = dir.join(&rel);
            c.figure
                .png(&path)
                .map_err(|e| ReleaseError::Data(e.to_string()))?;
            let bytes = fs::read(&path).map_err(io(format!("cannot read {}", path.display())))?;
            write_file(dir, &rel, &bytes, files)?;
        }
        out.push((c, svg));
    }
    Ok(out)
}

/// Writes the next edition of `tables`, or nothing when the latest holds
/// the same figures.
pub fn publish(
    catalog: &Catalog,
    opts: &ReleaseOptions,
    tables: Vec<Table>,
    counts: Counts,
    inputs: Vec<Input>,
) -> Result<Outcome, ReleaseError> {
    let qdir = crate::quarter_dir(&opts.out, &opts.quarter);
    let last = latest(&qdir);
    let figures = figures_hash(&tables)?;
    let held = held_manifest(&qdir, last);
    if last > 0 && held["figures_sha256"].as_str() == Some(figures.as_str()) {
        return Ok(Outcome::Unchanged {
            edition: last,
            dir: edition_dir(&qdir, last),
        });
    }
    let n = last + 1;
    let prev = if last > 0 {
        previous_cells(&edition_dir(&qdir, last), &tables)?
    } else {
        Cells::new()
    };
    let (marks, list) = revisions(&tables, &prev);
    let late = late_inputs(&held, &inputs);
    let tmp = qdir.join(format!(".edition-{n}.tmp"));
    if tmp.exists() {
        // A killed run's unfinished edition (the name is only ever ours).
        fs::remove_dir_all(&tmp).map_err(io(format!("cannot clear {}", tmp.display())))?;
    }
    fs::create_dir_all(&tmp).map_err(io(format!("cannot create {}", tmp.display())))?;
    let mut files = Vec::new();
    let mut notes = Vec::new();
    for (t, m) in tables.iter().zip(&marks) {
        write_file(
            &tmp,
            &format!("csv/{}.csv", t.spec.name),
            &csv(t, m)?,
            &mut files,
        )?;
    }
    if n > 1 {
        write_file(&tmp, "revisions.csv", &revisions_csv(&list)?, &mut files)?;
    }
    let (published_at, date) = publication(catalog);
    let charts = write_charts(&tmp, &tables, &opts.quarter, &mut files, &mut notes)?;
    let note_list = crate::bulletin::notes(&opts.params);
    let book = crate::xlsx::Book {
        tables: &tables,
        marks: &marks,
        quarter: &opts.quarter,
        edition: n,
        published_at: &published_at,
        date: &date,
        contact: &opts.contact,
        notes: &note_list,
        revisions: &list,
    };
    write_file(
        &tmp,
        "tables.xlsx",
        &crate::xlsx::workbook(&book)?,
        &mut files,
    )?;
    let page = crate::bulletin::html(&crate::bulletin::Page {
        tables: &tables,
        quarter: &opts.quarter,
        edition: n,
        lake_version: catalog.lake_version,
        date: &date,
        revisions: &list,
        charts: &charts,
        late: &late,
        params: &opts.params,
    });
    write_file(&tmp, "bulletin.html", page.as_bytes(), &mut files)?;
    let manifest = Manifest {
        wangjian: env!("CARGO_PKG_VERSION").to_string(),
        quarter: opts.quarter.clone(),
        edition: n,
        published_run: catalog.run.clone(),
        published_at: catalog.published_at.clone(),
        lake_version: catalog.lake_version,
        tables: catalog
            .tables
            .iter()
            .map(|(k, v)| (k.clone(), v.version))
            .collect(),
        figures_sha256: figures,
        sql: wangjian_queries::QuerySet::builtin()
            .files
            .iter()
            .map(|(name, text)| (name.clone(), sha256(text.as_bytes())))
            .collect(),
        inputs,
        late_inputs: late,
        disclosure: Disclosure {
            params: opts.params,
            cells: counts,
        },
        revises: last,
        revised_cells: list.len(),
        notes,
        files: files.clone(),
    };
    let text =
        serde_json::to_vec_pretty(&manifest).map_err(|e| ReleaseError::Data(e.to_string()))?;
    write_file(&tmp, "manifest.json", &text, &mut files)?;
    let dir = edition_dir(&qdir, n);
    fs::rename(&tmp, &dir).map_err(io(format!("cannot publish {}", dir.display())))?;
    if let Ok(d) = fs::File::open(&qdir) {
        let _ = d.sync_all();
    }
    Ok(Outcome::Written {
        edition: n,
        dir,
        revised_cells: list.len(),
    })
}
