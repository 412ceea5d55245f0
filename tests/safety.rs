//! Safety: the lake owns only its own folder, SQL that people type never
//! changes anything, reloading changes nothing, the binary carries its SQL,
//! and usage errors exit 2 (issue 8).

mod common;

use std::path::Path;
use std::process::Command;

use common::{bin, data, ok, tree, write, Lake};

/// A user's project folder: documents, raw extracts, a note.
fn project(root: &Path) {
    write(root, "mydocs/thesis.txt", "我的论文，第三章\n");
    write(root, "mydocs/deep/notes.md", "# notes\n");
    write(root, "readme.txt", "my project\n");
    let raw = root.join("raw/complaints");
    std::fs::create_dir_all(&raw).unwrap();
    std::fs::copy(data("basic/complaints/2025Q3-a.csv"), raw.join("x.csv")).unwrap();
}

fn run_in(lake: &Path, cwd: &Path, args: &[&str]) -> std::process::Output {
    Command::new(bin())
        .current_dir(cwd)
        .arg("--lake")
        .arg(lake)
        .args(args)
        .env("WANGJIAN_PII_KEY", "test-key")
        .env_remove("WANGJIAN_FAULT_AFTER_COMMITS")
        .output()
        .unwrap()
}

#[test]
fn a_folder_that_is_not_a_lake_survives_every_command_byte_for_byte() {
    let t = tempfile::tempdir().unwrap();
    let proj = t.path().join("proj");
    project(&proj);
    let before = tree(&proj);
    let out = t.path().join("out");
    let raw = proj.join("raw").display().to_string();
    let report_out = out.join("report").display().to_string();
    let commands: Vec<Vec<&str>> = vec![
        vec!["ingest", &raw],
        vec!["indicators"],
        vec!["sql", "-e", "SELECT 1"],
        vec!["report", "--out", &report_out],
        vec!["dictionary"],
        vec!["run", "--raw", &raw],
    ];
    for lake in [proj.clone(), proj.join("mydocs"), proj.join("readme.txt")] {
        for args in &commands {
            let o = run_in(&lake, t.path(), args);
            assert_eq!(
                o.status.code(),
                Some(1),
                "--lake {} {args:?} must be refused: {}",
                lake.display(),
                String::from_utf8_lossy(&o.stderr)
            );
            let err = String::from_utf8_lossy(&o.stderr);
            assert!(
                err.contains("refused") || err.contains("no lake"),
                "{args:?}: {err}"
            );
            assert_eq!(tree(&proj), before, "{args:?} changed the user's folder");
        }
    }
    assert!(!out.exists(), "nothing was written elsewhere either");
}

#[test]
fn a_lake_path_the_libraries_would_misread_is_refused_before_anything_is_made() {
    let t = tempfile::tempdir().unwrap();
    let proj = t.path().join("proj");
    project(&proj);
    let raw = proj.join("raw").display().to_string();
    for name in ["bad^name", "what?", "x[1]"] {
        let lake = t.path().join(name).join("lake");
        for args in [vec!["ingest", raw.as_str()], vec!["sql", "-e", "SELECT 1"]] {
            let o = run_in(&lake, t.path(), &args);
            let err = String::from_utf8_lossy(&o.stderr);
            assert_eq!(o.status.code(), Some(1), "{name} {args:?}: {err}");
            assert!(err.contains("refused") && err.contains(name), "{err}");
        }
        assert!(!t.path().join(name).exists(), "{name}: nothing is created");
    }
}

#[test]
fn a_lake_keeps_files_it_did_not_write_through_kills_and_repairs() {
    let lake = Lake::new();
    // The first run dies after two table commits: nothing is published, and
    // the table folders it made are the lake's to remove.
    let killed = lake
        .cmd()
        .env("WANGJIAN_FAULT_AFTER_COMMITS", "2")
        .arg("ingest")
        .arg(data("basic"))
        .output()
        .unwrap();
    assert!(!killed.status.success());
    assert!(lake.path().join(wangjian_marker()).is_file());
    let made: Vec<String> = std::fs::read_dir(lake.path())
        .unwrap()
        .flatten()
        .filter(|e| e.path().join("_wangjian_table").is_file())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    assert!(!made.is_empty(), "the killed run made table folders");
    // A user leaves files in the lake, in its staging and in a table folder.
    let in_table = format!("{}/mine.txt", made[0]);
    let mine = [
        "notes.txt",
        "backup/old.parquet",
        "_staging/keep.txt",
        in_table.as_str(),
    ];
    for m in mine {
        write(&lake.path(), m, "mine\n");
    }
    ok(&lake.ingest(&[&data("basic")]));
    ok(&lake.cmd().arg("indicators").output().unwrap());
    ok(&lake.ingest(&[&data("basic")]));
    for m in mine {
        assert_eq!(
            std::fs::read_to_string(lake.path().join(m)).unwrap(),
            "mine\n",
            "{m}"
        );
    }
    assert!(lake.count("SELECT count(*) FROM complaints") > 0);
}

fn wangjian_marker() -> &'static str {
    "_wangjian_lake.json"
}

/// Every file of the lake (Delta logs, data, catalog) with its bytes.
fn lake_bytes(lake: &Lake) -> std::collections::BTreeMap<std::path::PathBuf, Option<Vec<u8>>> {
    tree(&lake.path())
}

#[test]
fn sql_is_read_only_in_every_form() {
    let lake = Lake::new();
    ok(&lake.ingest(&[&data("basic")]));
    ok(&lake.cmd().arg("indicators").output().unwrap());
    let before = lake_bytes(&lake);
    let complaints = lake.count("SELECT count(*) FROM complaints");
    let t = tempfile::tempdir().unwrap();
    let target = t.path().join("copied.csv");
    let csv = data("basic/complaints/2025Q3-a.csv").display().to_string();
    let refused_with_reason = [
        "INSERT INTO complaints SELECT * FROM complaints LIMIT 1".to_string(),
        "INSERT INTO alerts VALUES ('2025Q3', '110000', '北京市', 'x', 1.0, 2.0)".into(),
        format!("COPY (SELECT 1) TO '{}'", target.display()),
        format!("COPY complaints TO '{}' STORED AS CSV", target.display()),
        format!(
            "CREATE EXTERNAL TABLE e STORED AS CSV LOCATION '{csv}' OPTIONS ('format.has_header' 'true')"
        ),
        "CREATE TABLE x AS SELECT 1".into(),
        "CREATE VIEW v AS SELECT 1".into(),
        "DROP TABLE complaints".into(),
        "DROP VIEW IF EXISTS v".into(),
        "SET datafusion.execution.batch_size = 1".into(),
        "EXPLAIN INSERT INTO complaints SELECT * FROM complaints".into(),
        "SELECT 1; INSERT INTO complaints SELECT * FROM complaints".into(),
    ];
    for sql in &refused_with_reason {
        let o = lake.cmd().args(["sql", "-e", sql]).output().unwrap();
        let err = String::from_utf8_lossy(&o.stderr);
        assert_eq!(o.status.code(), Some(1), "{sql}: {err}");
        assert!(err.contains("read-only"), "{sql}: {err}");
        assert!(o.stdout.is_empty(), "{sql}: nothing ran");
    }
    // Files are not readable through SQL either: no URL tables, no file
    // table functions, and DML the planner refuses on its own.
    for f in ["read_csv", "read_parquet", "read_json"] {
        let o = lake
            .cmd()
            .args(["sql", "-e", &format!("SELECT * FROM {f}('{csv}')")])
            .output()
            .unwrap();
        let err = String::from_utf8_lossy(&o.stderr);
        assert_eq!(o.status.code(), Some(1), "{f}: {err}");
        assert!(err.contains("no table function reads files"), "{f}: {err}");
    }
    for sql in [
        format!("SELECT * FROM '{csv}'"),
        "DELETE FROM complaints".to_string(),
        "UPDATE complaints SET amount_yuan = 0".to_string(),
    ] {
        let o = lake.cmd().args(["sql", "-e", &sql]).output().unwrap();
        assert_eq!(
            o.status.code(),
            Some(1),
            "{sql}: {}",
            String::from_utf8_lossy(&o.stdout)
        );
    }
    // -f with a refused statement: none runs, --output is not created.
    let f = t.path().join("q.sql");
    std::fs::write(
        &f,
        "SELECT count(*) FROM complaints;\nCREATE TABLE y AS SELECT 2;\n",
    )
    .unwrap();
    let out = t.path().join("result.csv");
    let o = lake
        .cmd()
        .arg("sql")
        .arg("-f")
        .arg(&f)
        .arg("--output")
        .arg(&out)
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(1));
    assert!(!out.exists() && !target.exists());
    // The shell refuses, says why, and stays open.
    let o = lake.shell(
        b"DELETE FROM alerts;\nINSERT INTO alerts SELECT * FROM alerts;\nSELECT 40 + 2 AS answer;\n\\q\n",
    );
    assert!(o.status.success());
    assert!(String::from_utf8_lossy(&o.stderr).contains("read-only"));
    assert!(String::from_utf8_lossy(&o.stdout).contains("42"));
    assert_eq!(lake_bytes(&lake), before, "the lake is byte-identical");
    assert_eq!(lake.count("SELECT count(*) FROM complaints"), complaints);
}

#[test]
fn reloading_the_same_files_adds_no_quarantine_rows() {
    let lake = Lake::new();
    ok(&lake.ingest(&[&data("basic")]));
    let q = lake.count("SELECT count(*) FROM quarantine");
    assert!(q > 0, "the fixtures have refused rows");
    let runs = lake.count("SELECT count(*) FROM load_runs");
    ok(&lake.ingest(&[&data("basic")]));
    assert_eq!(lake.count("SELECT count(*) FROM quarantine"), q);
    assert_eq!(
        lake.count("SELECT count(*) FROM load_runs"),
        2 * runs,
        "load_runs still records the run"
    );
    // The same file under another name refuses the same rows: no new rows.
    let t = tempfile::tempdir().unwrap();
    let copy = t.path().join("complaints");
    std::fs::create_dir_all(&copy).unwrap();
    for f in std::fs::read_dir(data("basic/complaints"))
        .unwrap()
        .flatten()
    {
        std::fs::copy(
            f.path(),
            copy.join(format!("resent-{}", f.file_name().to_string_lossy())),
        )
        .unwrap();
    }
    ok(&lake.ingest(&[&copy]));
    assert_eq!(lake.count("SELECT count(*) FROM quarantine"), q);
    // Every file still balances: read = loaded + superseded + quarantined.
    assert_eq!(
        lake.count(
            "SELECT count(*) FROM load_runs WHERE rows_read <> loaded + superseded + quarantined"
        ),
        0
    );
}

#[test]
fn the_binary_carries_its_sql() {
    // A copy of the binary, run from another folder, computes the same
    // indicators as the built one.
    let t = tempfile::tempdir().unwrap();
    let copy = t.path().join("wangjian");
    std::fs::copy(bin(), &copy).unwrap();
    let lake = Lake::new();
    ok(&lake.ingest(&[&data("basic")]));
    let cwd = tempfile::tempdir().unwrap();
    let o = Command::new(&copy)
        .current_dir(cwd.path())
        .arg("--lake")
        .arg(lake.path())
        .arg("indicators")
        .output()
        .unwrap();
    ok(&o);
    assert!(String::from_utf8_lossy(&o.stdout).contains("risk_index"));
    assert_eq!(lake.count("SELECT count(*) FROM regional_indicators"), 32);
    // The binary does not name the query folder of its source tree.
    let queries = Path::new(env!("CARGO_MANIFEST_DIR")).join("queries");
    let needle = queries.display().to_string();
    let bytes = std::fs::read(&copy).unwrap();
    assert!(
        !bytes.windows(needle.len()).any(|w| w == needle.as_bytes()),
        "the binary refers to {needle}"
    );
    // --queries still overrides: a folder whose alerts file is changed.
    let mine = t.path().join("q");
    std::fs::create_dir_all(&mine).unwrap();
    for f in std::fs::read_dir(&queries).unwrap().flatten() {
        let p = f.path();
        if p.is_file() {
            std::fs::copy(&p, mine.join(f.file_name())).unwrap();
        }
    }
    let extra = "-- extra: a test table\n-- @table extra_one\n-- @column one: 1\nCREATE TABLE extra_one AS SELECT 1 AS one;\n";
    std::fs::write(mine.join("60_extra.sql"), extra).unwrap();
    ok(&lake
        .cmd()
        .arg("indicators")
        .arg("--queries")
        .arg(&mine)
        .output()
        .unwrap());
    assert_eq!(lake.count("SELECT count(*) FROM extra_one"), 1);
}

#[test]
fn weights_that_do_not_match_the_sql_are_refused() {
    let lake = Lake::new();
    ok(&lake.ingest(&[&data("basic")]));
    let queries = Path::new(env!("CARGO_MANIFEST_DIR")).join("queries");
    let t = tempfile::tempdir().unwrap();
    let base = std::fs::read_to_string(queries.join("risk_weights.csv")).unwrap();
    let missing: String = base
        .lines()
        .filter(|l| !l.starts_with("credit,"))
        .map(|l| format!("{l}\n"))
        .collect();
    for (name, text, want) in [
        (
            "extra",
            format!("{base}fraud,fraud_rate,higher,0.3\n"),
            "not computed: fraud",
        ),
        ("missing", missing, "missing: credit"),
    ] {
        let dir = t.path().join(name);
        std::fs::create_dir_all(&dir).unwrap();
        for f in std::fs::read_dir(&queries).unwrap().flatten() {
            if f.path().extension().is_some_and(|x| x == "sql") {
                std::fs::copy(f.path(), dir.join(f.file_name())).unwrap();
            }
        }
        std::fs::write(dir.join("risk_weights.csv"), text).unwrap();
        let o = lake
            .cmd()
            .arg("indicators")
            .arg("--queries")
            .arg(&dir)
            .output()
            .unwrap();
        let err = String::from_utf8_lossy(&o.stderr);
        assert_eq!(o.status.code(), Some(1), "{name}: {err}");
        assert!(err.contains(want), "{name}: {err}");
    }
    // Nothing was published by the refused runs.
    let o = lake
        .cmd()
        .args(["sql", "-e", "SELECT * FROM risk_index"])
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(1));
}

#[test]
fn usage_errors_exit_2() {
    let lake = Lake::new();
    ok(&lake.ingest(&[&data("basic")]));
    let t = tempfile::tempdir().unwrap();
    write(t.path(), "full/thing.txt", "x");
    let full = t.path().join("full").display().to_string();
    let missing = t.path().join("missing.sql").display().to_string();
    for args in [
        vec!["report", "--quarter", "2025Q5"],
        vec!["sql", "-f", &missing],
        vec!["sql", "--format", "xml", "-e", "SELECT 1"],
        vec!["indicators", "--queries", &missing],
        vec!["generate", "--out", &full],
        vec![
            "generate", "--out", &missing, "--from", "2025Q4", "--to", "2025Q1",
        ],
        vec!["ingest", "--source", "nope", &full],
        vec!["ingest", &missing],
        vec!["frobnicate"],
    ] {
        let o = lake.cmd().args(&args).output().unwrap();
        assert_eq!(
            o.status.code(),
            Some(2),
            "{args:?}: {}",
            String::from_utf8_lossy(&o.stderr)
        );
    }
    assert_eq!(
        std::fs::read_to_string(t.path().join("full/thing.txt")).unwrap(),
        "x"
    );
}
