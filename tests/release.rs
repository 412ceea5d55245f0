//! `wangjian release`: figures equal to the indicator tables, editions that
//! are written once and never changed, the same bytes from the same lake
//! state, revisions marked on exactly the changed cells, clear errors.

mod common;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;

use common::{bin, data, generated_lake, ok, s, tree, write, Lake};

/// A generated lake of two quarters with indicators (big enough that most
/// provincial cells are shown).
fn generated() -> (Lake, tempfile::TempDir) {
    let t = tempfile::tempdir().unwrap();
    let (lake, _) = generated_lake(t.path(), "0.01", "2025Q3", "2025Q4");
    (lake, t)
}

fn release(lake: &Lake, q: &str, out: &Path) -> std::process::Output {
    lake.cmd()
        .args(["release", "--quarter", q, "--out"])
        .arg(out)
        .output()
        .unwrap()
}

/// The sample data's lake with indicators, released for 2025Q3 into a
/// temporary folder.
fn sample_release() -> (Lake, tempfile::TempDir, PathBuf) {
    let lake = Lake::new();
    ok(&lake.ingest(&[&data("basic")]));
    ok(&lake.cmd().arg("indicators").output().unwrap());
    let t = tempfile::tempdir().unwrap();
    let out = t.path().join("release");
    ok(&release(&lake, "2025Q3", &out));
    (lake, t, out)
}

/// A CSV of the release as rows of (header → cell), BOM dropped.
fn read_csv(path: &Path) -> Vec<BTreeMap<String, String>> {
    let text = std::fs::read_to_string(path).unwrap();
    let text = text.strip_prefix('\u{feff}').expect("UTF-8 with BOM");
    let mut lines = text.split("\r\n").filter(|l| !l.is_empty());
    let header: Vec<String> = lines
        .next()
        .unwrap()
        .split(',')
        .map(str::to_string)
        .collect();
    lines
        .map(|l| {
            header
                .iter()
                .cloned()
                .zip(l.split(',').map(str::to_string))
                .collect()
        })
        .collect()
}

#[test]
fn by_province_equals_the_indicator_tables_cell_by_cell() {
    let (lake, t) = generated();
    let out = t.path().join("release");
    ok(&release(&lake, "2025Q4", &out));
    let rows = read_csv(&out.join("2025Q4/edition-1/csv/by_province.csv"));
    assert_eq!(rows.len(), 32, "31 provinces and 全国");
    let truth = lake.query(
        "SELECT r.region_code, r.complaints, r.reports, r.closed_60d_rate, r.recovery_ratio, r.cases, r.samples, r.sample_fail_rate, r.monitor_hit_rate, CAST(r.penalties_yuan AS DOUBLE) AS penalties_yuan, k.risk_index, k.rank, k.tier, ri.rank_p05, ri.rank_p95 FROM regional_indicators r LEFT JOIN risk_index k ON k.quarter = r.quarter AND k.region_code = r.region_code LEFT JOIN risk_rank_intervals ri ON ri.quarter = r.quarter AND ri.region_code = r.region_code WHERE r.quarter = '2025Q4'",
    );
    let mut shown = 0;
    let mut withheld = 0;
    for want in &truth {
        let code = s(&want["region_code"]);
        let row = rows
            .iter()
            .find(|r| r["region_code"] == code)
            .unwrap_or_else(|| panic!("{code} in the release"));
        // (release column, indicator column, factor, decimals)
        for (col, src, factor, dec) in [
            ("complaints", "complaints", 1.0, 0),
            ("reports", "reports", 1.0, 0),
            ("cases", "cases", 1.0, 0),
            ("samples", "samples", 1.0, 0),
            ("closed_60d_rate", "closed_60d_rate", 100.0, 2),
            ("recovery_ratio", "recovery_ratio", 100.0, 2),
            ("sample_fail_rate", "sample_fail_rate", 100.0, 2),
            ("monitor_hit_rate", "monitor_hit_rate", 100.0, 2),
            ("penalties_wan", "penalties_yuan", 0.0001, 2),
            ("risk_index", "risk_index", 1.0, 1),
            ("rank", "rank", 1.0, 0),
            ("rank_p05", "rank_p05", 1.0, 0),
            ("rank_p95", "rank_p95", 1.0, 0),
        ] {
            let flag = &row[&format!("{col}_flag")];
            let cell = &row[col];
            match want.get(src).and_then(|v| v.as_f64()) {
                _ if flag == "[c]" => {
                    assert!(cell.is_empty(), "{code} {col}: a withheld cell is empty");
                    assert_ne!(code, "000000", "the national row is never suppressed");
                    withheld += 1;
                }
                Some(v) => {
                    let expect = format!("{:.*}", dec, v * factor);
                    let expect = if expect
                        .trim_start_matches('-')
                        .chars()
                        .all(|c| c == '0' || c == '.')
                    {
                        expect.trim_start_matches('-').to_string()
                    } else {
                        expect
                    };
                    assert_eq!(cell, &expect, "{code} {col}");
                    shown += 1;
                }
                None => {
                    assert!(
                        cell.is_empty() && (flag == "[x]" || flag == "[z]"),
                        "{code} {col}: {cell:?} {flag:?}"
                    );
                }
            }
        }
        assert_eq!(
            row["tier"],
            want.get("tier").and_then(|v| v.as_str()).unwrap_or(""),
            "{code} tier"
        );
    }
    assert!(
        shown > 250,
        "most cells shown ({shown}), {withheld} withheld"
    );
    // The bulletin's lead paragraph is written from the headline figures.
    let head = read_csv(&out.join("2025Q4/edition-1/csv/headline.csv"));
    let complaints = head.iter().find(|r| r["measure"] == "complaints").unwrap();
    let n: i64 = complaints["value"].parse::<f64>().unwrap().round() as i64;
    let change: f64 = complaints["change_qoq"].parse().unwrap();
    let r = (change * 10.0).round() / 10.0;
    let word = if r > 0.0 {
        "增长"
    } else if r < 0.0 {
        "下降"
    } else {
        "持平"
    };
    let grouped = n
        .to_string()
        .as_bytes()
        .rchunks(3)
        .rev()
        .map(|c| std::str::from_utf8(c).unwrap())
        .collect::<Vec<_>>()
        .join(",");
    let lead = format!(
        "全国网购投诉 {grouped} 件，环比{word} {:.1}%，同比无可比数据",
        r.abs()
    );
    let bulletin = std::fs::read_to_string(out.join("2025Q4/edition-1/bulletin.html")).unwrap();
    assert!(bulletin.contains(&lead), "{lead} in the bulletin");
    assert!(bulletin.contains("2025年第四季度全国网络市场监管统计公报"));
}

/// The bulletin opens offline in headless Chromium: every table, no
/// script, nothing fetched, no console error.
#[test]
fn the_bulletin_loads_in_a_browser() {
    let Some(chromium) = common::browser() else {
        return;
    };
    let (_lake, t, out) = sample_release();
    let page = out.join("2025Q3/edition-1/bulletin.html");
    let text = std::fs::read_to_string(&page).unwrap();
    assert!(!text.contains("<script") && !text.contains("http://") && !text.contains("https://"));
    let dom = common::headless(chromium, t.path(), &["--dump-dom"], &page);
    assert!(dom.status.success());
    let dom_text = String::from_utf8_lossy(&dom.stdout);
    assert_eq!(
        dom_text.matches("<table id=\"table-").count(),
        8,
        "every table"
    );
    assert_eq!(
        dom_text.matches("<figure id=\"chart-").count(),
        5,
        "every chart inline"
    );
    assert_eq!(dom_text.matches("<svg").count(), 5, "as SVG");
    let log = String::from_utf8_lossy(&dom.stderr);
    assert!(!log.contains("net::ERR_"), "{log}");
    assert!(
        !log.lines()
            .any(|l| l.contains("CONSOLE") && l.to_lowercase().contains("error")),
        "{log}"
    );
}

#[test]
fn a_second_run_on_the_same_figures_writes_nothing_and_copies_give_the_same_bytes() {
    let (lake, t, out) = sample_release();
    let first = tree(&out);
    let o = release(&lake, "2025Q3", &out);
    ok(&o);
    assert!(
        String::from_utf8_lossy(&o.stdout).contains("nothing written"),
        "{}",
        String::from_utf8_lossy(&o.stdout)
    );
    assert_eq!(tree(&out), first, "no new edition, nothing touched");
    // A copy of the lake elsewhere gives byte-identical files.
    let copy = t.path().join("lake-copy");
    assert!(Command::new("cp")
        .arg("-a")
        .arg(lake.path())
        .arg(&copy)
        .status()
        .unwrap()
        .success());
    let out2 = t.path().join("release2");
    ok(&Command::new(bin())
        .arg("--lake")
        .arg(&copy)
        .args(["release", "--quarter", "2025Q3", "--out"])
        .arg(&out2)
        .output()
        .unwrap());
    let strip = |m: BTreeMap<PathBuf, Option<Vec<u8>>>,
                 root: &Path|
     -> BTreeMap<PathBuf, Option<Vec<u8>>> {
        m.into_iter()
            .map(|(k, v)| (k.strip_prefix(root).map(Path::to_path_buf).unwrap_or(k), v))
            .collect()
    };
    assert_eq!(strip(tree(&out2), &out2), strip(first, &out));
    // The manifest lists every file with its checksum.
    let m: serde_json::Value =
        serde_json::from_slice(&std::fs::read(out.join("2025Q3/edition-1/manifest.json")).unwrap())
            .unwrap();
    let files = m["files"].as_array().unwrap();
    let paths: Vec<&str> = files.iter().map(|f| s(&f["path"])).collect();
    let charts = [
        "complaints_by_category",
        "complaints_by_province",
        "complaints_trend",
        "risk_index_by_province",
        "sample_fail_rate_by_category",
    ];
    for c in charts {
        assert!(
            paths.contains(&format!("charts/{c}.svg").as_str()),
            "{c}.svg"
        );
    }
    // PNGs need a CJK font; without one the manifest says why.
    let pngs = paths.iter().filter(|p| p.ends_with(".png")).count();
    let notes = m["notes"].as_array().unwrap();
    assert!(
        pngs == charts.len() && notes.is_empty() || pngs == 0 && notes.len() == 1,
        "{pngs} PNGs, notes {notes:?}"
    );
    assert_eq!(
        files.len(),
        8 + 2 + charts.len() + pngs,
        "eight tables, the workbook, the bulletin and the charts: {paths:?}"
    );
    for f in files {
        let path = out.join("2025Q3/edition-1").join(s(&f["path"]));
        let bytes = std::fs::read(&path).unwrap();
        assert_eq!(f["bytes"].as_u64().unwrap(), bytes.len() as u64);
        assert_eq!(f["sha256"].as_str().unwrap().len(), 64);
    }
    assert_eq!(m["disclosure"]["params"]["threshold"], 5);
    assert!(m["sql"]["60_release_tables.sql"].is_string());
}

#[test]
fn a_correction_gives_edition_two_with_exactly_the_changed_cells_revised() {
    let (lake, t) = generated();
    let out = t.path().join("release");
    ok(&release(&lake, "2025Q4", &out));
    let ed1 = out.join("2025Q4/edition-1");
    let before = tree(&ed1);
    // Late data: 60 more online complaints in 北京 in 2025Q4.
    let mut csv =
        String::from("record_id,kind,received_at,region_code,is_online,category,problem,status\n");
    for i in 0..60 {
        csv.push_str(&format!(
            "LATE{i:04},投诉,2025-11-20 10:00:00,110000,是,G01,P01,已受理\n"
        ));
    }
    let late = write(t.path(), "late/complaints/late.csv", &csv);
    ok(&lake.ingest(&[late.parent().unwrap().parent().unwrap()]));
    ok(&lake.cmd().arg("indicators").output().unwrap());
    let o = release(&lake, "2025Q4", &out);
    ok(&o);
    let ed2 = out.join("2025Q4/edition-2");
    assert!(ed2.is_dir(), "{}", String::from_utf8_lossy(&o.stdout));
    assert_eq!(tree(&ed1), before, "edition 1 untouched");
    // Every table: [r] exactly where the shown value differs from edition 1.
    let mut revised = 0;
    for f in std::fs::read_dir(ed2.join("csv")).unwrap() {
        let f = f.unwrap().path();
        let new = read_csv(&f);
        let old = read_csv(&ed1.join("csv").join(f.file_name().unwrap()));
        let key = |r: &BTreeMap<String, String>, h: &str| r[h].clone();
        let first = f.file_name().unwrap().to_string_lossy().to_string();
        let header0 = std::fs::read_to_string(&f).unwrap();
        let header0 = header0
            .trim_start_matches('\u{feff}')
            .split(',')
            .next()
            .unwrap()
            .to_string();
        for n in &new {
            let Some(o) = old.iter().find(|o| key(o, &header0) == key(n, &header0)) else {
                continue;
            };
            for (h, v) in n {
                let Some(flag) = n.get(&format!("{h}_flag")) else {
                    continue;
                };
                let changed = o[h] != *v && !v.is_empty();
                assert_eq!(
                    flag.contains("[r]"),
                    changed,
                    "{first} {} {h}: {:?} -> {v:?}, flag {flag:?}",
                    key(n, &header0),
                    o[h]
                );
                revised += usize::from(changed);
            }
        }
    }
    assert!(revised > 0);
    let rows = read_csv(&ed2.join("csv/by_province.csv"));
    let bj = rows.iter().find(|r| r["region_code"] == "110000").unwrap();
    assert!(bj["complaints_flag"].contains("[r]"));
    let list = std::fs::read_to_string(ed2.join("revisions.csv")).unwrap();
    assert_eq!(
        list.lines().count() - 1,
        revised,
        "revisions.csv lists each"
    );
    assert!(list.contains("by_province,110000,complaints,"));
    // The spreadsheet: a revisions sheet with a row per revised cell, and
    // [r] in the flag column beside 北京's complaints.
    {
        use calamine::{Data, Reader};
        let mut wb = read_xlsx(&ed2.join("tables.xlsx"));
        assert_eq!(wb.sheet_names().last().unwrap(), "修订 Revisions");
        wb.load_tables().unwrap();
        let rev = wb.table_by_name("Revisions").unwrap();
        assert_eq!(rev.data().height(), revised);
        let t = wb.table_by_name("T2_by_province").unwrap();
        let col = t
            .columns()
            .iter()
            .position(|c| c == "网购投诉量（件）标记")
            .expect("a flag column beside complaints");
        let row = (0..t.data().height())
            .find(|r| t.data().get((*r, 0)) == Some(&Data::String("110000".into())))
            .unwrap();
        assert!(t
            .data()
            .get((row, col))
            .unwrap()
            .to_string()
            .contains("[r]"));
        let cover = wb.worksheet_range("封面 Cover").unwrap();
        assert!(cover
            .cells()
            .any(|(_, _, v)| v.to_string().contains("第 2 版")));
    }
    // The bulletin says which figures were revised and why: the late load.
    let bulletin = std::fs::read_to_string(ed2.join("bulletin.html")).unwrap();
    assert!(bulletin.contains("id=\"revisions\"") && bulletin.contains("id=\"late-loads\""));
    assert!(bulletin.contains("late.csv"), "the late file named");
    let m: serde_json::Value =
        serde_json::from_slice(&std::fs::read(ed2.join("manifest.json")).unwrap()).unwrap();
    let late = m["late_inputs"].as_array().unwrap();
    assert_eq!(late.len(), 1, "{late:?}");
    assert!(s(&late[0]["file"]).ends_with("late.csv"));
}

#[test]
fn a_quarter_the_lake_does_not_hold_or_a_lake_without_indicators_is_an_error() {
    let lake = Lake::new();
    ok(&lake.ingest(&[&data("basic")]));
    let t = tempfile::tempdir().unwrap();
    let out = t.path().join("release");
    let o = release(&lake, "2025Q3", &out);
    assert_eq!(o.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&o.stderr).contains("wangjian indicators"));
    ok(&lake.cmd().arg("indicators").output().unwrap());
    let o = release(&lake, "2019Q1", &out);
    assert_eq!(o.status.code(), Some(1));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(err.contains("2019Q1") && err.contains("2025Q3"), "{err}");
    assert!(!out.exists(), "nothing written");
}

#[test]
fn verify_checks_every_file_and_the_figures_and_catches_one_changed_byte() {
    let (lake, _t, out) = sample_release();
    let ed = out.join("2025Q3/edition-1");
    let verify = || {
        lake.cmd()
            .arg("release")
            .arg("--verify")
            .arg(&ed)
            .output()
            .unwrap()
    };
    let o = verify();
    ok(&o);
    let said = String::from_utf8_lossy(&o.stdout);
    let m: serde_json::Value =
        serde_json::from_slice(&std::fs::read(ed.join("manifest.json")).unwrap()).unwrap();
    let n = m["files"].as_array().unwrap().len();
    assert!(
        said.contains(&format!("all {n} files match"))
            && said.contains("recomputed from lake version"),
        "{said}"
    );
    // One byte of one file changed: caught, named, exit 1.
    let f = ed.join("csv/by_category.csv");
    let mut bytes = std::fs::read(&f).unwrap();
    let at = bytes.len() / 2;
    bytes[at] ^= 0x01;
    std::fs::write(&f, &bytes).unwrap();
    let o = verify();
    assert_eq!(o.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&o.stderr).contains("csv/by_category.csv"));
    bytes[at] ^= 0x01;
    std::fs::write(&f, &bytes).unwrap();
    ok(&verify());
    // A figure changed and its checksum forged in the manifest: the files
    // match the manifest, but not the figures the lake gives.
    let text = std::fs::read_to_string(&f).unwrap();
    let forged = text.replacen("\r\nG01,家用电子电器,", "\r\nG01,家用电子电器,9", 1);
    assert_ne!(forged, text, "a cell to change");
    std::fs::write(&f, &forged).unwrap();
    let m = ed.join("manifest.json");
    let manifest = std::fs::read_to_string(&m).unwrap();
    let sum = |b: &[u8]| {
        use sha2::Digest;
        hex::encode(sha2::Sha256::digest(b))
    };
    let fixed = manifest
        .replace(&sum(text.as_bytes()), &sum(forged.as_bytes()))
        .replace(
            &format!("\"bytes\": {}", text.len()),
            &format!("\"bytes\": {}", forged.len()),
        );
    std::fs::write(&m, fixed).unwrap();
    let o = verify();
    assert_eq!(
        o.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&o.stdout)
    );
    assert!(String::from_utf8_lossy(&o.stderr).contains("differ from the edition"));
    std::fs::write(&f, &text).unwrap();
    std::fs::write(&m, &manifest).unwrap();
    ok(&verify());
    // The lake moves on: the files still match, the figures are not recomputed.
    ok(&lake.cmd().arg("indicators").output().unwrap());
    let o = verify();
    ok(&o);
    assert!(String::from_utf8_lossy(&o.stdout).contains("not recomputed"));
}

/// The sheets of a workbook: name → cells (row, column) → value.
fn read_xlsx(path: &Path) -> calamine::Xlsx<std::io::BufReader<std::fs::File>> {
    calamine::open_workbook(path).unwrap()
}

/// A part of the XLSX package as text.
fn xlsx_part(path: &Path, part: &str) -> String {
    let mut z = zip::ZipArchive::new(std::fs::File::open(path).unwrap()).unwrap();
    let mut f = z.by_name(part).unwrap();
    let mut s = String::new();
    std::io::Read::read_to_string(&mut f, &mut s).unwrap();
    s
}

/// The spreadsheet read back (calamine): cover, contents and notes first;
/// then one sheet per table with the title in A1 and the description in A2;
/// the table as a named Excel table with one header row (units in
/// brackets); every cell of it filled (numbers as numbers equal to the CSV,
/// withheld cells as their shorthand); flag columns right beside their
/// column; no merged cells, formulas, images or filter buttons; widths set;
/// the document's date the lake's publish time.
#[test]
fn the_spreadsheet_is_laid_out_as_release_md_says() {
    use calamine::{Data, Reader};
    let (lake, t) = generated();
    let out = t.path().join("release");
    ok(&release(&lake, "2025Q4", &out));
    let ed = out.join("2025Q4/edition-1");
    let path = ed.join("tables.xlsx");
    let mut wb = read_xlsx(&path);
    let names = wb.sheet_names();
    assert_eq!(&names[..3], ["封面 Cover", "目录 Contents", "说明 Notes"]);
    let tables = [
        "headline",
        "by_province",
        "by_category",
        "by_problem",
        "by_platform",
        "sampling_by_category",
        "trend",
        "alerts",
    ];
    let expected: Vec<String> = tables
        .iter()
        .enumerate()
        .map(|(i, t)| format!("表{} {t}", i + 1))
        .collect();
    assert_eq!(
        names[3..],
        expected[..],
        "one sheet per table, nothing else"
    );
    // The contents sheet lists every table sheet with its title.
    let contents = wb.worksheet_range("目录 Contents").unwrap();
    for sheet in &expected {
        assert!(
            contents
                .rows()
                .any(|r| r.first() == Some(&Data::String(sheet.clone()))),
            "{sheet} in the contents"
        );
    }
    let cover = wb.worksheet_range("封面 Cover").unwrap();
    let cover_text: Vec<String> = cover.cells().map(|(_, _, v)| v.to_string()).collect();
    for needle in ["2025Q4", "第 1 版", "[c]", "[x]", "[z]", "[u]", "[r]"] {
        assert!(
            cover_text.iter().any(|c| c.contains(needle)),
            "{needle} on the cover"
        );
    }
    let notes = wb.worksheet_range("说明 Notes").unwrap();
    assert!(notes
        .cells()
        .any(|(_, _, v)| *v == Data::String("[注1]".into())));
    // The three methods of statistics.md, explained in plain Chinese.
    let notes_text: Vec<String> = notes.cells().map(|(_, _, v)| v.to_string()).collect();
    for needle in ["排名区间", "经验贝叶斯", "累积和", "达到 5 即发出预警"] {
        assert!(
            notes_text.iter().any(|c| c.contains(needle)),
            "{needle} in the notes"
        );
    }
    wb.load_tables().unwrap();
    for sheet in &names {
        assert!(
            wb.merge_cells_by_sheet_name(sheet).unwrap().is_empty(),
            "{sheet}: no merged cells"
        );
    }
    let mut withheld = 0;
    let mut numbers = 0;
    for (i, name) in tables.iter().enumerate() {
        let sheet = &expected[i];
        let range = wb.worksheet_range(sheet).unwrap();
        let a1 = range.get_value((0, 0)).unwrap().to_string();
        let a2 = range.get_value((1, 0)).unwrap().to_string();
        assert!(
            !a1.is_empty() && !a2.is_empty(),
            "{sheet}: A1 title, A2 description"
        );
        let csv = read_csv(&ed.join(format!("csv/{name}.csv")));
        let in_sheet = wb.table_names_in_sheet(sheet);
        if csv.is_empty() {
            assert!(in_sheet.is_empty());
            continue;
        }
        assert_eq!(in_sheet.len(), 1, "{sheet}: one Excel table");
        let table_name = in_sheet[0].clone();
        let table = wb.table_by_name(&table_name).unwrap();
        let headers = table.columns().to_vec();
        let data = table.data();
        assert_eq!(data.height(), csv.len(), "{sheet}: a row per CSV row");
        // Map CSV columns to sheet columns by order: each CSV value column,
        // then its flag column when the sheet has one.
        let header_csv: Vec<String> = {
            let text = std::fs::read_to_string(ed.join(format!("csv/{name}.csv"))).unwrap();
            text.trim_start_matches('\u{feff}')
                .lines()
                .next()
                .unwrap()
                .split(',')
                .map(str::to_string)
                .collect()
        };
        let value_cols: Vec<&String> = header_csv
            .iter()
            .filter(|h| !h.ends_with("_flag"))
            .collect();
        let mut k = 0;
        for h in &value_cols {
            let col = k;
            k += 1;
            let flag_col = headers.get(k).filter(|x| x.ends_with("标记")).map(|x| {
                assert_eq!(
                    *x,
                    format!("{}标记", headers[col]),
                    "{sheet}: flag column beside its column"
                );
                k += 1;
                k - 1
            });
            for (r, row) in csv.iter().enumerate() {
                let cell = data.get((r, col)).unwrap_or(&Data::Empty);
                let v = &row[h.as_str()];
                let flag = row.get(&format!("{h}_flag")).cloned().unwrap_or_default();
                assert_ne!(*cell, Data::Empty, "{sheet} row {r} {h}: never blank");
                if v.is_empty() {
                    // Withheld: the shorthand as text.
                    assert!(
                        ["[c]", "[x]", "[z]"].contains(&cell.to_string().as_str())
                            && (flag.contains(&cell.to_string())
                                || !row.contains_key(&format!("{h}_flag"))),
                        "{sheet} row {r} {h}: {cell:?} vs flag {flag:?}"
                    );
                    withheld += 1;
                } else if row.contains_key(&format!("{h}_flag")) {
                    let x: f64 = v.parse().unwrap();
                    let Data::Float(got) = cell else {
                        panic!("{sheet} row {r} {h}: {cell:?} is not a number");
                    };
                    let places = v.split_once('.').map_or(0, |(_, f)| f.len());
                    assert!(
                        (got - x).abs() <= 0.5 * 10f64.powi(-(places as i32)) + 1e-9,
                        "{sheet} row {r} {h}: {got} vs CSV {v}"
                    );
                    numbers += 1;
                    if let Some(fc) = flag_col {
                        let f = data.get((r, fc)).map(|d| d.to_string()).unwrap_or_default();
                        assert_eq!(f, flag, "{sheet} row {r} {h}: flag column");
                    } else {
                        assert!(
                            flag.is_empty(),
                            "{sheet} row {r} {h}: flag {flag} needs a flag column"
                        );
                    }
                } else {
                    assert_eq!(cell.to_string(), *v, "{sheet} row {r} {h}");
                }
            }
        }
        assert_eq!(k, headers.len(), "{sheet}: no other columns");
        // A header with a unit carries it in brackets.
        assert!(
            headers
                .iter()
                .any(|h| h.contains('（') && h.ends_with('）'))
                || *name == "alerts"
                || *name == "headline"
        );
    }
    assert!(
        numbers > 500 && withheld > 0,
        "{numbers} numbers, {withheld} withheld"
    );
    // The package itself: no formulas, images, merged cells or filter
    // buttons; column widths set; the document dated by the lake.
    let parts: Vec<String> = zip::ZipArchive::new(std::fs::File::open(&path).unwrap())
        .unwrap()
        .file_names()
        .filter_map(|n| n.ok().map(|n| n.to_string()))
        .collect();
    assert!(!parts
        .iter()
        .any(|p| p.starts_with("xl/media") || p.starts_with("xl/drawings")));
    let sheets: Vec<&String> = parts
        .iter()
        .filter(|p| p.starts_with("xl/worksheets/sheet"))
        .collect();
    assert_eq!(sheets.len(), 11);
    for p in sheets {
        let sheet = xlsx_part(&path, p);
        assert!(
            !sheet.contains("<f>") && !sheet.contains("<mergeCell"),
            "{p}"
        );
        assert!(sheet.contains("customWidth=\"1\""), "{p}: widths set");
    }
    let tables_xml: Vec<&String> = parts
        .iter()
        .filter(|p| p.starts_with("xl/tables/"))
        .collect();
    assert!(
        tables_xml.len() >= 10,
        "cover, contents, notes and the tables"
    );
    for p in tables_xml {
        assert!(
            !xlsx_part(&path, p).contains("<autoFilter"),
            "{p}: no filter buttons"
        );
    }
    let core = xlsx_part(&path, "docProps/core.xml");
    let m: serde_json::Value =
        serde_json::from_slice(&std::fs::read(ed.join("manifest.json")).unwrap()).unwrap();
    let at = s(&m["published_at"]);
    assert!(core.contains(&format!(">{at}</dcterms:created>")), "{core}");
}
