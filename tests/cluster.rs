//! `--cluster`: a real Ballista cluster on loopback — one `wangjian
//! scheduler` and two `wangjian executor` processes, each with its own
//! ports and work folder — gives the same tables as a local run; and an
//! executor killed during a run either is recovered from or fails the run
//! with a clear message, leaving the lake as it was.

mod common;

use std::collections::{BTreeMap, BTreeSet};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

use common::{bin, data, ok, tree, Lake};

/// A child process killed when dropped.
struct Proc(Child);

impl Drop for Proc {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// A port free on loopback now.
fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

fn wait_listening(port: u16, what: &str, log: &Path) {
    let until = Instant::now() + Duration::from_secs(60);
    while TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(
            Instant::now() < until,
            "{what} is not listening on {port} after 60 s; its log:\n{}",
            std::fs::read_to_string(log).unwrap_or_default()
        );
        std::thread::sleep(Duration::from_millis(100));
    }
}

/// One scheduler and two executors, stopped when dropped.
struct TestCluster {
    url: String,
    executors: Vec<Proc>,
    _scheduler: Proc,
    work: tempfile::TempDir,
}

impl TestCluster {
    fn start() -> TestCluster {
        let work = tempfile::tempdir().unwrap();
        let log = |name: &str| std::fs::File::create(work.path().join(name)).unwrap();
        let port = free_port();
        let scheduler = Proc(
            Command::new(bin())
                .args(["scheduler", "--bind", &format!("127.0.0.1:{port}")])
                .env("RUST_LOG", "info")
                .stdout(Stdio::null())
                .stderr(log("scheduler.log"))
                .spawn()
                .unwrap(),
        );
        wait_listening(port, "the scheduler", &work.path().join("scheduler.log"));
        let mut executors = Vec::new();
        for i in 0..2 {
            let (flight, grpc) = (free_port(), free_port());
            let dir = work.path().join(format!("executor-{i}"));
            std::fs::create_dir(&dir).unwrap();
            let name = format!("executor-{i}.log");
            executors.push(Proc(
                Command::new(bin())
                    .args(["executor", "--scheduler", &format!("127.0.0.1:{port}")])
                    .args(["--flight-port", &flight.to_string()])
                    .args(["--grpc-port", &grpc.to_string()])
                    .args(["--concurrency", "1"])
                    .arg("--work-dir")
                    .arg(&dir)
                    .env("RUST_LOG", "info")
                    .stdout(Stdio::null())
                    .stderr(log(&name))
                    .spawn()
                    .unwrap(),
            ));
            wait_listening(flight, "an executor", &work.path().join(&name));
        }
        TestCluster {
            url: format!("df://127.0.0.1:{port}"),
            executors,
            _scheduler: scheduler,
            work,
        }
    }

    fn logs(&self) -> String {
        let mut out = String::new();
        for name in ["scheduler.log", "executor-0.log", "executor-1.log"] {
            let text = std::fs::read_to_string(self.work.path().join(name)).unwrap_or_default();
            let tail: Vec<&str> = text.lines().rev().take(30).collect();
            out.push_str(&format!("--- {name} (last lines)\n"));
            for l in tail.into_iter().rev() {
                out.push_str(l);
                out.push('\n');
            }
        }
        out
    }

    /// The executors' line for each task they ran (cluster/src/engine.rs),
    /// as the (key, value) pairs after "shuffle written:".
    fn shuffle_lines(&self) -> Vec<BTreeMap<String, String>> {
        let mut out = Vec::new();
        for i in 0..self.executors.len() {
            let path = self.work.path().join(format!("executor-{i}.log"));
            let text = std::fs::read_to_string(path).unwrap_or_default();
            for l in text.lines() {
                if let Some((_, rest)) = l.split_once("shuffle written: ") {
                    let kv = rest
                        .split_whitespace()
                        .filter_map(|f| f.split_once('='))
                        .map(|(k, v)| (k.to_string(), v.to_string()))
                        .collect();
                    out.push(kv);
                }
            }
        }
        out
    }
}

/// The sample data ingested (no indicators yet), and a copy of it with the
/// indicators computed in this process: made once for the tests here.
struct Prepared {
    ingested: Lake,
    local: Lake,
    local_indicators: String,
}

fn prepared() -> &'static Prepared {
    static P: OnceLock<Prepared> = OnceLock::new();
    P.get_or_init(|| {
        let t = tempfile::tempdir().unwrap();
        let raw = t.path().join("raw");
        ok(&Command::new(bin())
            .args([
                "generate", "--scale", "0.002", "--from", "2024Q3", "--to", "2025Q4",
            ])
            .arg("--out")
            .arg(&raw)
            .output()
            .unwrap());
        let ingested = Lake::new();
        ok(&ingested.ingest(&[&raw, &data("basic")]));
        let local = copy_of(&ingested);
        let out = local.cmd().arg("indicators").output().unwrap();
        ok(&out);
        Prepared {
            ingested,
            local,
            local_indicators: String::from_utf8(out.stdout).unwrap(),
        }
    })
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for e in std::fs::read_dir(from).unwrap().flatten() {
        let target = to.join(e.file_name());
        if e.path().is_dir() {
            copy_dir(&e.path(), &target);
        } else {
            std::fs::copy(e.path(), target).unwrap();
        }
    }
}

fn copy_of(lake: &Lake) -> Lake {
    let copy = Lake::new();
    copy_dir(&lake.path(), &copy.path());
    copy
}

/// The output tables `indicators` printed (`name  N rows` lines).
fn output_tables(stdout: &str) -> Vec<String> {
    stdout
        .lines()
        .filter(|l| l.trim_end().ends_with("rows"))
        .filter_map(|l| l.split_whitespace().next().map(str::to_string))
        .collect()
}

fn sql(lake: &Lake, cluster: Option<&str>, query: &str) -> Output {
    let mut c = lake.cmd();
    c.args(["sql", "--format", "csv", "-e", query]);
    if let Some(url) = cluster {
        c.args(["--cluster", url]);
    }
    c.output().unwrap()
}

fn csv_rows(text: &[u8]) -> Vec<Vec<String>> {
    csv::ReaderBuilder::new()
        .has_headers(false)
        .from_reader(text)
        .records()
        .map(|r| r.unwrap().iter().map(str::to_string).collect())
        .collect()
}

/// Equal cells: the same text, or two numbers within a relative 1e-9 (a
/// sum of floating-point values may round differently when the cluster
/// adds its partial sums in another order).
fn same_cell(a: &str, b: &str) -> bool {
    if a == b {
        return true;
    }
    match (a.parse::<f64>(), b.parse::<f64>()) {
        (Ok(x), Ok(y)) => (x - y).abs() <= 1e-9 * x.abs().max(y.abs()).max(1.0),
        _ => false,
    }
}

/// Every cell of `table` in the two lakes, compared.
fn compare_table(a: &Lake, b: &Lake, table: &str) {
    let q = format!("SELECT * FROM {table}");
    let (x, y) = (sql(a, None, &q), sql(b, None, &q));
    ok(&x);
    ok(&y);
    let (x, y) = (csv_rows(&x.stdout), csv_rows(&y.stdout));
    assert!(x.len() > 1, "{table} is empty");
    assert_eq!(x.len(), y.len(), "{table}: row counts");
    for (i, (r, s)) in x.iter().zip(&y).enumerate() {
        assert_eq!(r.len(), s.len(), "{table} row {i}: widths");
        for (j, (c, d)) in r.iter().zip(s).enumerate() {
            assert!(
                same_cell(c, d),
                "{table} row {i} column {} ({}): local {c:?}, cluster {d:?}",
                j,
                x[0][j]
            );
        }
    }
}

/// Queries a researcher might send: joins, DISTINCT, windows, decimals,
/// the vocabularies (in-memory tables), the information schema.
const RESEARCH: &[&str] = &[
    "SELECT province_code, count(*) AS n, count(DISTINCT respondent_uscc) AS firms \
     FROM complaints WHERE kind = '投诉' GROUP BY province_code ORDER BY province_code",
    "SELECT c.platform_id, count(*) AS complaints, count(DISTINCT k.case_id) AS cases \
     FROM complaints c LEFT JOIN cases k ON k.complaint_id = c.record_id \
     WHERE c.is_online GROUP BY c.platform_id \
     ORDER BY complaints DESC, c.platform_id NULLS FIRST LIMIT 20",
    "SELECT quarter, region_code, risk_index, \
     rank() OVER (PARTITION BY quarter ORDER BY risk_index DESC, region_code) AS r \
     FROM risk_index ORDER BY quarter, r",
    "SELECT r.tier, t.level, count(*) AS regions FROM risk_index r \
     JOIN ref_tiers t ON t.tier = r.tier GROUP BY r.tier, t.level ORDER BY t.level",
    "SELECT quarter, sum(fine_yuan) AS fines, count(*) AS cases FROM cases \
     GROUP BY quarter ORDER BY quarter",
    "WITH q AS (SELECT quarter, count(*) AS n FROM complaints GROUP BY quarter) \
     SELECT quarter, n, n - lag(n) OVER (ORDER BY quarter) AS change FROM q ORDER BY quarter",
    "SELECT table_name FROM information_schema.tables \
     WHERE table_schema = 'public' ORDER BY table_name",
];

#[test]
fn a_cluster_run_gives_the_tables_of_a_local_run() {
    let p = prepared();
    let cluster = TestCluster::start();
    let url = cluster.url.as_str();

    // indicators on the cluster, into a copy of the same ingested lake.
    let remote = copy_of(&p.ingested);
    let out = remote
        .cmd()
        .args(["indicators", "--cluster", url])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "indicators --cluster failed: {}\n{}",
        String::from_utf8_lossy(&out.stderr),
        cluster.logs()
    );
    let stdout = String::from_utf8(out.stdout).unwrap();
    assert_eq!(
        stdout, p.local_indicators,
        "the same tables, the same row counts"
    );
    let tables = output_tables(&stdout);
    assert!(tables.len() >= 10, "{tables:?}");
    for t in &tables {
        compare_table(&p.local, &remote, t);
    }
    // Each task said what it wrote (the cluster benchmark adds these up).
    let written = cluster.shuffle_lines();
    let num = |kv: &BTreeMap<String, String>, k: &str| -> u64 {
        kv.get(k)
            .and_then(|v| v.parse().ok())
            .unwrap_or_else(|| panic!("{k} in {kv:?}"))
    };
    let stages: BTreeSet<(String, u64)> = written
        .iter()
        .map(|kv| (kv["job"].clone(), num(kv, "stage")))
        .collect();
    assert!(stages.len() >= tables.len(), "{} stages", stages.len());
    assert!(written.iter().map(|kv| num(kv, "bytes")).sum::<u64>() > 0);
    assert!(written.iter().map(|kv| num(kv, "rows")).sum::<u64>() > 0);

    // Researchers' queries: the same answer from the cluster as here.
    for q in RESEARCH {
        let here = sql(&p.local, None, q);
        ok(&here);
        let there = sql(&p.local, Some(url), q);
        assert!(
            there.status.success(),
            "{q}\n{}\n{}",
            String::from_utf8_lossy(&there.stderr),
            cluster.logs()
        );
        assert_eq!(
            String::from_utf8_lossy(&there.stdout),
            String::from_utf8_lossy(&here.stdout),
            "{q}"
        );
        assert!(csv_rows(&here.stdout).len() > 1, "{q}: no rows");
    }
    // Also from the environment, and read-only there as here.
    let before = tree(&p.local.path());
    let refused = p
        .local
        .cmd()
        .args(["sql", "-e", "CREATE TABLE x AS SELECT 1"])
        .env("WANGJIAN_CLUSTER", url)
        .output()
        .unwrap();
    assert_eq!(refused.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&refused.stderr).contains("read-only"));
    assert!(tree(&p.local.path()) == before, "the lake is unchanged");

    // The release from the cluster: the same bytes as from here.
    let t = tempfile::tempdir().unwrap();
    let (a, b) = (t.path().join("local"), t.path().join("cluster"));
    for (dir, cl) in [(&a, None), (&b, Some(url))] {
        let mut c = p.local.cmd();
        c.args(["release", "--quarter", "2025Q4", "--out"]).arg(dir);
        if let Some(u) = cl {
            c.args(["--cluster", u]);
        }
        ok(&c.output().unwrap());
    }
    let (ta, tb) = (tree(&a), tree(&b));
    assert!(ta.len() > 5, "{:?}", ta.keys().collect::<Vec<_>>());
    assert_eq!(ta.keys().collect::<Vec<_>>(), tb.keys().collect::<Vec<_>>());
    for (k, v) in &ta {
        assert!(tb[k] == *v, "{} differs", k.display());
    }
}

#[test]
fn an_executor_killed_during_a_run_is_recovered_or_reported_and_the_lake_is_kept() {
    let p = prepared();
    let mut cluster = TestCluster::start();
    let lake = copy_of(&p.ingested);
    let catalog =
        |l: &Lake| -> BTreeMap<PathBuf, Option<Vec<u8>>> { tree(&l.path().join("_catalog")) };
    let before = catalog(&lake);
    let mut run = lake
        .cmd()
        .args([
            "indicators",
            "--cluster",
            &cluster.url,
            "--cluster-timeout",
            "90",
        ])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    std::thread::sleep(Duration::from_millis(2500));
    assert!(
        run.try_wait().unwrap().is_none(),
        "the run ended before the executor was killed: nothing was tested"
    );
    let victim = cluster.executors.remove(0);
    drop(victim);
    // Ballista's retry (with the vendored scheduler's fixes, giving the local
    // tables), or an error: a statement that one debug-built executor cannot
    // finish in 90 s is given up; never a hang.
    let until = Instant::now() + Duration::from_secs(400);
    while run.try_wait().unwrap().is_none() {
        if Instant::now() > until {
            let _ = run.kill();
            panic!("the run hung after an executor died\n{}", cluster.logs());
        }
        std::thread::sleep(Duration::from_millis(200));
    }
    let out = run.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    if out.status.success() {
        eprintln!("the run completed on the remaining executor");
        assert_eq!(String::from_utf8_lossy(&out.stdout), p.local_indicators);
        for t in output_tables(&p.local_indicators) {
            compare_table(&p.local, &lake, &t);
        }
    } else {
        eprintln!("the run failed: {stderr}");
        assert_eq!(out.status.code(), Some(1));
        assert!(
            stderr.contains(&format!("on the cluster at {}", cluster.url)),
            "a message that names the cluster: {stderr}"
        );
        assert!(catalog(&lake) == before, "the published lake is unchanged");
        // The lake still serves the state it had, here.
        let n = sql(&lake, None, "SELECT count(*) FROM complaints");
        ok(&n);
    }
}

#[test]
fn a_cluster_nobody_runs_is_named_and_nothing_is_written() {
    let p = prepared();
    let lake = copy_of(&p.ingested);
    let before = tree(&lake.path());
    let url = format!("df://127.0.0.1:{}", free_port());
    let out = lake
        .cmd()
        .args(["indicators", "--cluster", &url])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let e = String::from_utf8_lossy(&out.stderr);
    assert!(
        e.contains(&format!("cannot reach the scheduler at {url}")),
        "{e}"
    );
    assert!(tree(&lake.path()) == before);
    let bad = lake
        .cmd()
        .args(["sql", "-e", "SELECT 1", "--cluster", "http://x:1"])
        .output()
        .unwrap();
    assert_eq!(bad.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&bad.stderr).contains("df://HOST:PORT"));
}
