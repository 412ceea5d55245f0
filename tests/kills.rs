//! Real kills (issue 8): `ingest` and `indicators` on generated sample data,
//! killed with SIGKILL at seeded random moments. After every kill `sql`
//! reads a consistent published state (a run is seen whole or not at all),
//! and the next runs complete and give the same tables as a run that was
//! never interrupted.

mod common;

use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

use common::{bin, ok, Lake};

const KILLS: u64 = 12;

/// The tables compared, with the columns that name the run or hold its load
/// time (they differ between runs by design and are left out: a register's
/// version time is the load time where the extract has none, docs/ingest.md).
const TABLES: [(&str, &str); 12] = [
    ("complaints", "_run"),
    ("cases", "_run"),
    ("sampling", "_run"),
    ("monitoring", "_run"),
    ("entities", "_run, updated_at"),
    ("platforms", "_run, updated_at"),
    ("quarantine", "run"),
    ("regional_indicators", ""),
    ("platform_indicators", ""),
    ("risk_index", ""),
    ("alerts", ""),
    ("headline_figures", ""),
];

const INDICATOR_TABLES: [&str; 5] = [
    "regional_indicators",
    "platform_indicators",
    "risk_index",
    "alerts",
    "headline_figures",
];

/// Every compared table as sorted JSON rows, read in one `sql` call.
fn dump(lake: &Lake) -> Vec<Vec<String>> {
    let sql: String = TABLES
        .iter()
        .map(|(t, skip)| {
            if skip.is_empty() {
                format!("SELECT * FROM {t};\n")
            } else {
                format!("SELECT * EXCLUDE ({skip}) FROM {t};\n")
            }
        })
        .collect();
    let out = lake
        .cmd()
        .args(["sql", "--format", "json", "-e", &sql])
        .output()
        .unwrap();
    ok(&out);
    let text = String::from_utf8(out.stdout).unwrap();
    let tables: Vec<Vec<String>> = text
        .lines()
        .map(|l| {
            let v: serde_json::Value = serde_json::from_str(l).unwrap();
            let mut rows: Vec<String> = v
                .as_array()
                .unwrap()
                .iter()
                .map(|r| r.to_string())
                .collect();
            rows.sort();
            rows
        })
        .collect();
    assert_eq!(tables.len(), TABLES.len());
    tables
}

/// The published catalog's table names, or `None` before the first publish.
fn published(lake: &Lake) -> Option<Vec<String>> {
    let text = std::fs::read_to_string(lake.path().join("_catalog/current.json")).ok()?;
    let v: serde_json::Value = serde_json::from_str(&text).expect("the catalog is whole JSON");
    Some(v["tables"].as_object().unwrap().keys().cloned().collect())
}

/// Row counts of every published table, read in one `sql` call (which
/// fails if any pinned version cannot be read).
fn counts(lake: &Lake, tables: &[String]) -> std::collections::BTreeMap<String, i64> {
    let sql = tables
        .iter()
        .map(|t| format!("SELECT '{t}' AS t, count(*) AS n FROM {t}"))
        .collect::<Vec<_>>()
        .join(" UNION ALL ");
    lake.query(&sql)
        .iter()
        .map(|r| {
            (
                r["t"].as_str().unwrap().to_string(),
                r["n"].as_i64().unwrap(),
            )
        })
        .collect()
}

struct Rng(u64);

impl Rng {
    fn unit(&mut self) -> f64 {
        self.0 = self
            .0
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        (self.0 >> 11) as f64 / (1u64 << 53) as f64
    }
}

/// Starts a command and kills it with SIGKILL after `after` (if still running).
fn kill_after(mut cmd: Command, after: Duration) -> bool {
    let mut child = cmd
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let started = Instant::now();
    while started.elapsed() < after {
        if child.try_wait().unwrap().is_some() {
            return false;
        }
        std::thread::sleep(Duration::from_millis(5));
    }
    child.kill().unwrap(); // SIGKILL on Unix
    child.wait().unwrap();
    true
}

fn timed(cmd: &mut Command) -> Duration {
    let t = Instant::now();
    ok(&cmd.output().unwrap());
    t.elapsed()
}

#[test]
fn killed_runs_leave_a_consistent_lake_and_the_next_run_completes_it() {
    let t = tempfile::tempdir().unwrap();
    let raw = t.path().join("raw");
    ok(&Command::new(bin())
        .args([
            "generate", "--scale", "0.0005", "--from", "2025Q3", "--to", "2025Q4", "--out",
        ])
        .arg(&raw)
        .output()
        .unwrap());

    // The run never interrupted.
    let reference = Lake::new();
    let ingest_time = timed(reference.cmd().arg("ingest").arg(&raw));
    let indicators_time = timed(reference.cmd().arg("indicators"));
    let want = dump(&reference);
    let want_counts = counts(&reference, &published(&reference).unwrap());

    let mut rng = Rng(20151118);
    let mut killed = 0;
    for k in 0..KILLS {
        let lake = Lake::new();
        // Kill ingest somewhere in its run.
        let at = ingest_time.mul_f64(rng.unit());
        let mut c = lake.cmd();
        c.arg("ingest").arg(&raw);
        killed += kill_after(c, at) as u32;
        check_consistent(&lake, &want_counts, k, "ingest", at);
        ok(&lake.ingest(&[Path::new(&raw)]));
        // Kill indicators somewhere in its run.
        let at = indicators_time.mul_f64(rng.unit());
        let mut c = lake.cmd();
        c.arg("indicators");
        killed += kill_after(c, at) as u32;
        check_consistent(&lake, &want_counts, k, "indicators", at);
        ok(&lake.cmd().arg("indicators").output().unwrap());
        let got = dump(&lake);
        for (i, (t, _)) in TABLES.iter().enumerate() {
            let extra: Vec<&String> = got[i]
                .iter()
                .filter(|r| !want[i].contains(r))
                .take(2)
                .collect();
            assert!(
                got[i] == want[i],
                "kill {k}: {t} differs from the reference ({} rows vs {}), e.g. {extra:?}",
                got[i].len(),
                want[i].len()
            );
        }
    }
    assert!(
        killed >= 10,
        "only {killed} of the runs were still running when killed"
    );
}

/// After a kill: every published table reads, and each run is seen whole or
/// not at all.
fn check_consistent(
    lake: &Lake,
    want: &std::collections::BTreeMap<String, i64>,
    k: u64,
    what: &str,
    at: Duration,
) {
    let Some(tables) = published(lake) else {
        // Nothing published yet: readers are told there is no lake.
        let o = lake.cmd().args(["sql", "-e", "SELECT 1"]).output().unwrap();
        assert_eq!(o.status.code(), Some(1), "kill {k} ({what} at {at:?})");
        return;
    };
    let got = counts(lake, &tables);
    let has_indicators = INDICATOR_TABLES.iter().any(|t| got.contains_key(*t));
    // load_runs and load_issues grow with every run, finished or not.
    for (t, n) in got.iter().filter(|(t, _)| !t.starts_with("load_")) {
        assert_eq!(
            Some(n),
            want.get(t),
            "kill {k} ({what} at {at:?}): {t} is neither before nor after the run"
        );
    }
    if has_indicators {
        for t in INDICATOR_TABLES {
            assert!(
                got.contains_key(t),
                "kill {k}: indicators published in part ({t} missing)"
            );
        }
    }
    // The ingest run is published whole: every source table with its rows.
    for t in [
        "complaints",
        "cases",
        "sampling",
        "monitoring",
        "entities",
        "platforms",
        "quarantine",
    ] {
        assert!(
            got.contains_key(t),
            "kill {k} ({what} at {at:?}): {t} missing"
        );
    }
}
