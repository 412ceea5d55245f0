//! Tests of `wangjian generate` and `wangjian run`: determinism, the planted
//! defects against ingest's quarantine, and each source's round trip.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::Value;

fn bin() -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_wangjian"));
    c.env("WANGJIAN_PII_KEY", "test-key")
        .env_remove("WANGJIAN_FAULT_AFTER_COMMITS");
    c
}

fn generate(out: &Path, seed: u64) {
    let o = bin()
        .args([
            "generate", "--scale", "0.0005", "--from", "2025Q1", "--to", "2025Q2", "--seed",
        ])
        .arg(seed.to_string())
        .arg("--out")
        .arg(out)
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
}

/// Every file under a folder with its bytes.
fn tree(root: &Path) -> BTreeMap<PathBuf, Vec<u8>> {
    let mut out = BTreeMap::new();
    let mut stack = vec![root.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).unwrap().flatten() {
            let p = e.path();
            if p.is_dir() {
                stack.push(p);
            } else {
                out.insert(
                    p.strip_prefix(root).unwrap().to_path_buf(),
                    std::fs::read(&p).unwrap(),
                );
            }
        }
    }
    out
}

#[test]
fn generation_is_deterministic_for_a_seed() {
    let t = tempfile::tempdir().unwrap();
    generate(&t.path().join("a"), 7);
    generate(&t.path().join("b"), 7);
    generate(&t.path().join("c"), 8);
    let (a, b, c) = (
        tree(&t.path().join("a")),
        tree(&t.path().join("b")),
        tree(&t.path().join("c")),
    );
    assert!(
        a.len() > 20,
        "all six sources in several files: {:?}",
        a.keys().collect::<Vec<_>>()
    );
    assert_eq!(a.keys().collect::<Vec<_>>(), b.keys().collect::<Vec<_>>());
    for (k, v) in &a {
        assert!(
            b[k] == *v,
            "{} differs between two runs with the same seed",
            k.display()
        );
    }
    let csv = PathBuf::from("complaints/2025Q1-01.csv");
    assert_ne!(a[&csv], c[&csv], "another seed gives other data");
    // Every format appears.
    let names: Vec<String> = a.keys().map(|k| k.display().to_string()).collect();
    for ext in [".csv", ".gbk.csv", ".csv.gz", ".jsonl", ".xlsx", ".parquet"] {
        assert!(names.iter().any(|n| n.ends_with(ext)), "no {ext} file");
    }
}

#[test]
fn ingest_finds_exactly_the_planted_defects_and_every_valid_key() {
    let t = tempfile::tempdir().unwrap();
    let raw = t.path().join("raw");
    let lake = t.path().join("lake");
    generate(&raw, 11);
    let truth: Value =
        serde_json::from_slice(&std::fs::read(raw.join("_truth.json")).unwrap()).unwrap();
    let o = bin()
        .arg("--lake")
        .arg(&lake)
        .arg("ingest")
        .arg(&raw)
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let sql = |q: &str| -> Vec<Value> {
        let o = bin()
            .arg("--lake")
            .arg(&lake)
            .args(["sql", "--format", "json", "-e", q])
            .output()
            .unwrap();
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
        serde_json::from_slice::<Value>(&o.stdout)
            .unwrap()
            .as_array()
            .unwrap()
            .clone()
    };
    // Quarantine per source and reason equals what was planted.
    let mut got: BTreeMap<(String, String), u64> = BTreeMap::new();
    for r in sql("SELECT source, reason_code, count(*) AS n FROM quarantine GROUP BY 1, 2") {
        got.insert(
            (
                r["source"].as_str().unwrap().into(),
                r["reason_code"].as_str().unwrap().into(),
            ),
            r["n"].as_u64().unwrap(),
        );
    }
    let mut want = BTreeMap::new();
    for (src, st) in truth["sources"].as_object().unwrap() {
        for (reason, n) in st["quarantine"].as_object().unwrap() {
            want.insert((src.clone(), reason.clone()), n.as_u64().unwrap());
        }
    }
    assert!(want.len() >= 20, "many reasons planted: {want:?}");
    assert_eq!(got, want);
    // Each source round-trips: every valid key loaded once, the rest superseded.
    for (src, st) in truth["sources"].as_object().unwrap() {
        let n = sql(&format!("SELECT count(*) AS n FROM {src}"))[0]["n"]
            .as_u64()
            .unwrap();
        assert_eq!(n, st["valid_keys"].as_u64().unwrap(), "{src} rows");
        let r = &sql(&format!(
            "SELECT sum(rows_read) AS r, sum(superseded) AS s, sum(quarantined) AS q FROM load_runs WHERE source = '{src}'"
        ))[0];
        assert_eq!(
            r["r"].as_u64().unwrap(),
            st["rows"].as_u64().unwrap(),
            "{src} rows read"
        );
        assert_eq!(
            r["s"].as_u64().unwrap(),
            st["superseded"].as_u64().unwrap(),
            "{src} superseded"
        );
    }
    // The planted signals name real places.
    let planted = truth["planted"].as_array().unwrap();
    assert_eq!(planted.len(), 5);
    let surge = planted
        .iter()
        .find(|p| p["kind"] == "complaint_surge")
        .unwrap();
    let region = surge["region_code"].as_str().unwrap();
    let q = surge["quarter"].as_str().unwrap();
    let n = |quarter: &str| {
        sql(&format!(
            "SELECT count(*) AS n FROM complaints WHERE province_code = '{region}' AND quarter = '{quarter}' AND is_online AND kind = '投诉'"
        ))[0]["n"]
            .as_u64()
            .unwrap()
    };
    assert!(
        n(q) >= 2 * n("2025Q1") && n(q) >= n("2025Q1") + 100,
        "the surge is in the data"
    );
}

#[test]
fn run_generates_into_an_empty_raw_folder_and_loads_it() {
    let t = tempfile::tempdir().unwrap();
    let raw = t.path().join("raw");
    std::fs::create_dir_all(&raw).unwrap();
    // A non-empty raw folder is used as it is.
    std::fs::create_dir_all(raw.join("platforms")).unwrap();
    std::fs::write(
        raw.join("platforms/p.csv"),
        "platform_id,name,region_code,business_format\nP1,某平台,110000,团购\n",
    )
    .unwrap();
    let o = bin()
        .arg("--lake")
        .arg(t.path().join("lake1"))
        .arg("run")
        .arg("--raw")
        .arg(&raw)
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    assert!(
        !raw.join("complaints").exists(),
        "nothing generated into a folder that has data"
    );
    // An empty one gets sample data.
    let raw2 = t.path().join("raw2");
    let o = bin()
        .arg("--lake")
        .arg(t.path().join("lake2"))
        .arg("run")
        .arg("--raw")
        .arg(&raw2)
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    assert!(raw2.join("_truth.json").exists());
    assert!(String::from_utf8_lossy(&o.stdout).contains("lake:"));
}
