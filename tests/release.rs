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
        "SELECT r.region_code, r.complaints, r.reports, r.closed_60d_rate, r.recovery_ratio, r.cases, r.samples, r.sample_fail_rate, r.monitor_hit_rate, CAST(r.penalties_yuan AS DOUBLE) AS penalties_yuan, k.risk_index, k.rank, k.tier FROM regional_indicators r LEFT JOIN risk_index k ON k.quarter = r.quarter AND k.region_code = r.region_code WHERE r.quarter = '2025Q4'",
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
    assert_eq!(files.len(), 9, "eight tables and the bulletin");
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
    assert!(
        said.contains("all 9 files match") && said.contains("recomputed from lake version"),
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
