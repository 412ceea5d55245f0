//! `wangjian serve` with real clients on loopback ports, started and stopped
//! by the tests: tokio-postgres (login, wrong password, refused statements,
//! sessions, limits, a publish seen without restart) and psql.

mod common;

use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use common::{data, ok, Lake};
use tokio_postgres::{Client, NoTls};

/// A sample lake with indicators and a users file with alice/secret.
struct Setup {
    lake: Lake,
    users: PathBuf,
}

/// `wangjian user add alice` with password `secret` on stdin; the users file.
fn add_alice(lake: &Lake) -> PathBuf {
    let users = lake.dir.path().join("users");
    let mut add = lake
        .cmd()
        .env("WANGJIAN_USERS_FILE", &users)
        .args(["user", "add", "alice", "--password-stdin"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    add.stdin.take().unwrap().write_all(b"secret\n").unwrap();
    assert!(add.wait().unwrap().success());
    users
}

fn setup() -> Setup {
    let lake = Lake::new();
    ok(&lake.ingest(&[&data("basic")]));
    ok(&lake.cmd().arg("indicators").output().unwrap());
    let users = add_alice(&lake);
    let text = std::fs::read_to_string(&users).unwrap();
    assert!(text.contains("alice:SCRAM-SHA-256$4096:") && !text.contains("secret"));
    Setup { lake, users }
}

/// A running server; killed (SIGTERM) when dropped.
struct Server {
    child: Child,
    port: u16,
    http: u16,
    audit: PathBuf,
}

impl Server {
    /// SIGTERM, then the exit status.
    fn stop(&mut self) -> std::process::ExitStatus {
        let _ = Command::new("kill")
            .args(["-TERM", &self.child.id().to_string()])
            .status();
        self.child.wait().unwrap()
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        if let Ok(None) = self.child.try_wait() {
            self.stop();
        }
    }
}

fn start(s: &Setup, extra: &[&str]) -> Server {
    let audit = s
        .lake
        .dir
        .path()
        .join(format!("audit-{}.jsonl", extra.len()));
    let mut cmd = s.lake.cmd();
    cmd.env("WANGJIAN_USERS_FILE", &s.users)
        .args(["serve", "--pg", "127.0.0.1:0", "--audit-log"])
        .arg(&audit)
        .args(extra);
    if !extra.contains(&"--http") {
        cmd.args(["--http", "127.0.0.1:0"]);
    }
    let mut child = cmd.stderr(Stdio::piped()).spawn().unwrap();
    let mut err = BufReader::new(child.stderr.take().unwrap());
    let (mut port, mut http) = (None, None);
    let mut said = String::new();
    for _ in 0..20 {
        let mut line = String::new();
        if err.read_line(&mut line).unwrap() == 0 {
            break;
        }
        said.push_str(&line);
        let last = |s: &str| s.rsplit(':').next().and_then(|p| p.parse::<u16>().ok());
        if let Some(rest) = line
            .trim()
            .strip_prefix("wangjian serve: PostgreSQL wire on ")
        {
            port = last(rest);
        }
        if let Some(rest) = line.trim().strip_prefix("wangjian serve: HTTP on ") {
            http = last(rest);
            break;
        }
    }
    let (Some(port), Some(http)) = (port, http) else {
        panic!("the server did not start: {said}");
    };
    // Keep draining stderr so the server never blocks on it.
    std::thread::spawn(move || for _ in err.lines() {});
    Server {
        child,
        port,
        http,
        audit,
    }
}

async fn connect(port: u16, user: &str, password: &str) -> Result<Client, tokio_postgres::Error> {
    let (client, conn) = tokio_postgres::Config::new()
        .host("127.0.0.1")
        .port(port)
        .user(user)
        .password(password)
        .dbname("wangjian")
        .connect_timeout(Duration::from_secs(10))
        .connect(NoTls)
        .await?;
    tokio::spawn(conn);
    Ok(client)
}

fn code(e: &tokio_postgres::Error) -> String {
    e.code()
        .map(|c| c.code().to_string())
        .unwrap_or_else(|| format!("no SQLSTATE: {e}"))
}

/// The session's batch size, as DataFusion's settings table says.
async fn batch_size(c: &Client) -> String {
    c.query_one(
        "SELECT value FROM information_schema.df_settings WHERE name = 'datafusion.execution.batch_size'",
        &[],
    )
    .await
    .unwrap()
    .get::<_, Option<String>>(0)
    .unwrap_or_default()
}

/// `SHOW statement_timeout` over the simple protocol.
async fn show_timeout(c: &Client) -> String {
    c.simple_query("SHOW statement_timeout")
        .await
        .unwrap()
        .iter()
        .find_map(|m| match m {
            tokio_postgres::SimpleQueryMessage::Row(r) => r.get(0).map(str::to_string),
            _ => None,
        })
        .unwrap()
}

async fn count(c: &Client, sql: &str) -> i64 {
    c.query_one(sql, &[]).await.unwrap().get::<_, i64>(0)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn login_read_only_sessions_and_a_publish_seen_without_restart() {
    let s = setup();
    let srv = start(&s, &[]);
    // Login, and a query over the extended protocol (binary results).
    let alice = connect(srv.port, "alice", "secret").await.unwrap();
    let expected = s.lake.count("SELECT count(*) AS n FROM complaints");
    assert_eq!(
        count(&alice, "SELECT count(*) FROM complaints").await,
        expected
    );
    // Wrong password and unknown user: 28P01 and nothing else.
    for (user, pw) in [("alice", "wrong"), ("mallory", "secret")] {
        let Err(e) = connect(srv.port, user, pw).await else {
            panic!("{user} got in")
        };
        assert_eq!(code(&e), "28P01", "{user}: {e}");
    }
    // Every statement that would change something: 42501, connection usable.
    for sql in [
        "INSERT INTO complaints (record_id) VALUES ('x')",
        "UPDATE complaints SET kind = 'x'",
        "DELETE FROM complaints",
        "CREATE TABLE t (a INT)",
        "CREATE VIEW v AS SELECT 1",
        "DROP TABLE complaints",
        "ALTER TABLE complaints ADD COLUMN x INT",
        "COPY complaints TO '/tmp/wangjian-copy.csv'",
        "CREATE EXTERNAL TABLE x STORED AS CSV LOCATION '/etc/passwd'",
        "SELECT 1 AS a INTO t2",
        "SET datafusion.runtime.memory_limit = '100G'",
        "SET datafusion.runtime.temp_directory = '/tmp/elsewhere'",
    ] {
        let e = alice
            .simple_query(sql)
            .await
            .err()
            .unwrap_or_else(|| panic!("{sql} ran"));
        assert_eq!(code(&e), "42501", "{sql}: {e}");
        let e = alice
            .query(sql, &[])
            .await
            .err()
            .unwrap_or_else(|| panic!("{sql} ran"));
        assert_eq!(code(&e), "42501", "{sql} (extended): {e}");
        assert_eq!(
            count(&alice, "SELECT CAST(1 AS BIGINT)").await,
            1,
            "usable after {sql}"
        );
    }
    assert!(!Path::new("/tmp/wangjian-copy.csv").exists());
    // A SET in one session is not seen in another.
    let bob = connect(srv.port, "alice", "secret").await.unwrap();
    alice
        .simple_query("SET datafusion.execution.batch_size = 1234")
        .await
        .unwrap();
    alice
        .simple_query("SET statement_timeout = '90s'")
        .await
        .unwrap();
    assert_eq!(batch_size(&alice).await, "1234");
    assert_ne!(batch_size(&bob).await, "1234");
    assert_eq!(show_timeout(&alice).await, "90000ms");
    assert_ne!(show_timeout(&bob).await, "90000ms");
    // A run that publishes while the server is up: the next query sees it.
    let before = count(&alice, "SELECT count(*) FROM load_runs").await;
    let extra = common::write(
        s.lake.dir.path(),
        "late/complaints/late.csv",
        "record_id,kind,received_at,region_code,is_online,category,problem,status\nLATE1,投诉,2025-08-20 10:00:00,110000,是,G01,P01,已受理\n",
    );
    ok(&s.lake.ingest(&[extra.parent().unwrap().parent().unwrap()]));
    assert_eq!(
        count(&alice, "SELECT count(*) FROM load_runs").await,
        before + 1
    );
    // Chinese text round-trips.
    let row = alice
        .query_one(
            "SELECT region_name FROM regional_indicators WHERE region_code = '110000' LIMIT 1",
            &[],
        )
        .await
        .unwrap();
    assert_eq!(row.get::<_, String>(0), "北京市");
    let audit_path = srv.audit.clone();
    drop(srv);
    // The audit log: a JSON line per statement with user and outcome.
    let audit = std::fs::read_to_string(audit_path).unwrap();
    let lines: Vec<serde_json::Value> = audit
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert!(lines.iter().any(|l| l["user"] == "alice"
        && l["outcome"] == "ok"
        && l["statement"]
            .as_str()
            .unwrap()
            .contains("count(*) FROM complaints")));
    assert!(lines
        .iter()
        .any(|l| l["outcome"].as_str().unwrap().contains("42501")));
    for l in &lines {
        for k in ["time", "client", "duration_ms", "rows"] {
            assert!(!l[k].is_null(), "{k} in {l}");
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn memory_timeout_and_connection_limits_answer_with_their_sqlstate() {
    let s = setup();
    let srv = start(
        &s,
        &[
            "--query-memory",
            "2MiB",
            "--statement-timeout",
            "2",
            "--max-connections",
            "2",
        ],
    );
    let a = connect(srv.port, "alice", "secret").await.unwrap();
    let b = connect(srv.port, "alice", "secret").await.unwrap();
    // A third connection while two are open: 53300.
    let Err(e) = connect(srv.port, "alice", "secret").await else {
        panic!("a third connection got in")
    };
    assert_eq!(code(&e), "53300", "{e}");
    // A query whose hash table cannot fit in 2 MiB: 53200; the other client
    // goes on.
    let big = "SELECT count(DISTINCT value) FROM generate_series(1, 50000000)";
    let (over, other) = tokio::join!(
        a.query(big, &[]),
        count(&b, "SELECT count(*) FROM complaints")
    );
    let Err(e) = over else {
        panic!("over the memory cap, yet it ran")
    };
    assert_eq!(code(&e), "53200", "{e}");
    assert!(other > 0);
    assert_eq!(
        count(&a, "SELECT CAST(3 AS BIGINT)").await,
        3,
        "the connection goes on"
    );
    // A query that runs past the timeout: 57014; the connection goes on.
    let slow = "SELECT sum(value) FROM generate_series(1, 100000000000)";
    let Err(e) = b.query(slow, &[]).await else {
        panic!("past the timeout, yet it finished")
    };
    assert_eq!(code(&e), "57014", "{e}");
    assert_eq!(count(&b, "SELECT CAST(2 AS BIGINT)").await, 2);
    drop(a);
    drop(b);
    // SIGTERM: the server stops and exits 0.
    let mut srv = srv;
    let status = srv.stop();
    assert!(status.success(), "{status:?}");
}

/// psql (Debian's postgresql-client): `\dt` and `\d complaints` list the
/// lake's tables and columns; a SELECT with Chinese text round-trips.
#[test]
fn psql_lists_tables_and_columns() {
    if !common::tool_or_skip(
        Command::new("psql").arg("--version").output().is_ok(),
        "psql (.ci/run installs Debian's postgresql-client)",
    ) {
        return;
    }
    let s = setup();
    let srv = start(&s, &[]);
    let psql = |cmd: &str| {
        let o = Command::new("psql")
            .args([
                "-h",
                "127.0.0.1",
                "-p",
                &srv.port.to_string(),
                "-U",
                "alice",
                "-d",
                "wangjian",
                "-X",
                "-c",
                cmd,
            ])
            .env("PGPASSWORD", "secret")
            .env("PGCONNECT_TIMEOUT", "10")
            .output()
            .unwrap();
        let out = String::from_utf8_lossy(&o.stdout).to_string();
        assert!(
            o.status.success(),
            "psql -c {cmd}: {out}{}",
            String::from_utf8_lossy(&o.stderr)
        );
        out
    };
    let dt = psql("\\dt");
    for t in [
        "complaints",
        "regional_indicators",
        "risk_index",
        "release_by_province",
    ] {
        assert!(dt.contains(t), "\\dt lists {t}:\n{dt}");
    }
    let d = psql("\\d complaints");
    for c in ["record_id", "received_at", "region_code", "is_online"] {
        assert!(d.contains(c), "\\d complaints lists {c}:\n{d}");
    }
    let q =
        psql("SELECT region_name FROM regional_indicators WHERE region_code = '110000' LIMIT 1");
    assert!(q.contains("北京市"), "{q}");
}

/// TLS: with a certificate, plaintext is refused and TLS works; a
/// certificate that does not load stops the start.
#[test]
fn tls_refuses_plaintext_and_a_bad_certificate_stops_the_start() {
    let have = Command::new("psql").arg("--version").output().is_ok()
        && Command::new("openssl").arg("version").output().is_ok();
    if !common::tool_or_skip(have, "psql and openssl (.ci/run installs them)") {
        return;
    }
    let s = setup();
    let dir = s.lake.dir.path();
    let (cert, key) = (dir.join("cert.pem"), dir.join("key.pem"));
    let o = Command::new("openssl")
        .args([
            "req",
            "-x509",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-days",
            "1",
            "-subj",
            "/CN=localhost",
            "-keyout",
        ])
        .arg(&key)
        .arg("-out")
        .arg(&cert)
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    // A certificate that cannot be loaded: the start stops, exit 1.
    let o = s
        .lake
        .cmd()
        .env("WANGJIAN_USERS_FILE", &s.users)
        .args(["serve", "--pg", "127.0.0.1:0", "--tls-cert"])
        .arg(dir.join("missing.pem"))
        .arg("--tls-key")
        .arg(&key)
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&o.stderr).contains("certificate"));
    let srv = start(
        &s,
        &[
            "--tls-cert",
            cert.to_str().unwrap(),
            "--tls-key",
            key.to_str().unwrap(),
        ],
    );
    let psql = |mode: &str| {
        Command::new("psql")
            .arg(format!(
                "host=127.0.0.1 port={} user=alice dbname=wangjian sslmode={mode}",
                srv.port
            ))
            .args(["-X", "-t", "-c", "SELECT 40 + 2"])
            .env("PGPASSWORD", "secret")
            .env("PGCONNECT_TIMEOUT", "10")
            .output()
            .unwrap()
    };
    let plain = psql("disable");
    assert!(!plain.status.success());
    assert!(
        String::from_utf8_lossy(&plain.stderr).contains("TLS"),
        "{}",
        String::from_utf8_lossy(&plain.stderr)
    );
    let tls = psql("require");
    assert!(
        tls.status.success(),
        "{}",
        String::from_utf8_lossy(&tls.stderr)
    );
    assert!(String::from_utf8_lossy(&tls.stdout).contains("42"));
}

/// A plain HTTP/1.1 GET: (status, headers, body).
fn get(port: u16, path: &str, auth: Option<&str>) -> (u16, String, Vec<u8>) {
    use std::io::Read;
    let mut s = std::net::TcpStream::connect(("127.0.0.1", port)).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(60))).unwrap();
    let auth = auth
        .map(|a| format!("Authorization: Basic {a}\r\n"))
        .unwrap_or_default();
    write!(
        s,
        "GET {path} HTTP/1.1\r\nHost: localhost\r\n{auth}Connection: close\r\n\r\n"
    )
    .unwrap();
    let mut raw = Vec::new();
    s.read_to_end(&mut raw).unwrap();
    let split = raw
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .expect("a header");
    let head = String::from_utf8_lossy(&raw[..split]).to_string();
    let status = head.split_whitespace().nth(1).unwrap().parse().unwrap();
    let mut body = raw[split + 4..].to_vec();
    if head.to_lowercase().contains("transfer-encoding: chunked") {
        // De-chunk.
        let mut out = Vec::new();
        let mut rest = &body[..];
        loop {
            let nl = rest.windows(2).position(|w| w == b"\r\n").unwrap();
            let n = usize::from_str_radix(std::str::from_utf8(&rest[..nl]).unwrap().trim(), 16)
                .unwrap();
            if n == 0 {
                break;
            }
            out.extend_from_slice(&rest[nl + 2..nl + 2 + n]);
            rest = &rest[nl + 2 + n + 2..];
        }
        body = out;
    }
    (status, head.to_lowercase(), body)
}

#[test]
fn http_serves_dashboards_releases_and_health_and_nothing_outside() {
    let s = setup();
    let releases = s.lake.dir.path().join("release");
    ok(&s
        .lake
        .cmd()
        .args(["release", "--quarter", "2025Q3", "--out"])
        .arg(&releases)
        .output()
        .unwrap());
    let srv = start(&s, &["--releases", releases.to_str().unwrap()]);
    let (st, head, body) = get(srv.http, "/healthz", None);
    assert_eq!(st, 200);
    assert!(head.contains("application/json"));
    let v: serde_json::Value = serde_json::from_slice(&body).unwrap();
    assert!(v["lake_version"].as_u64().unwrap() > 0);
    let (st, head, body) = get(srv.http, "/", None);
    assert_eq!(st, 200, "{}", String::from_utf8_lossy(&body));
    assert!(head.contains("text/html"));
    assert!(String::from_utf8_lossy(&body).contains("<svg"));
    assert_eq!(get(srv.http, "/report/2025Q3", None).0, 200);
    assert_eq!(get(srv.http, "/report/1999Q1", None).0, 404);
    let (st, _, body) = get(srv.http, "/releases/", None);
    assert_eq!(st, 200);
    assert!(String::from_utf8_lossy(&body).contains("2025Q3/"));
    let (st, head, body) = get(srv.http, "/releases/2025Q3/edition-1/manifest.json", None);
    assert_eq!(st, 200);
    assert!(head.contains("content-type: application/json"));
    assert_eq!(
        body,
        std::fs::read(releases.join("2025Q3/edition-1/manifest.json")).unwrap()
    );
    let (st, head, _) = get(srv.http, "/releases/2025Q3/edition-1/tables.xlsx", None);
    assert_eq!(st, 200);
    assert!(head.contains("spreadsheetml"));
    // Nothing outside the releases folder, `..` encoded or not.
    for p in [
        "/releases/../users",
        "/releases/%2e%2e/users",
        "/releases/2025Q3/..%2F..%2Fusers",
        "/releases/%2E%2E%2Fusers",
        "/releases//etc/passwd",
        "/report/..%2F..%2Fusers",
    ] {
        assert_eq!(get(srv.http, p, None).0, 404, "{p}");
    }
    drop(srv);
    // Off loopback: Basic auth with the service's users.
    let srv = start(&s, &["--http", "0.0.0.0:0"]);
    assert_eq!(get(srv.http, "/healthz", None).0, 401);
    let good = "YWxpY2U6c2VjcmV0"; // alice:secret
    let bad = "YWxpY2U6d3Jvbmc="; // alice:wrong
    assert_eq!(get(srv.http, "/healthz", Some(bad)).0, 401);
    assert_eq!(get(srv.http, "/healthz", Some(good)).0, 200);
}

/// Python: psycopg reads a query, pandas.read_sql a table into a DataFrame
/// with the right dtypes (counts int64, rates float64, text object).
#[test]
fn python_clients_read_a_table_into_a_dataframe() {
    let have = Command::new("python3")
        .args(["-c", "import psycopg, pandas"])
        .output()
        .is_ok_and(|o| o.status.success());
    if !common::tool_or_skip(
        have,
        "python3 with psycopg and pandas (.ci/run installs them with pip)",
    ) {
        return;
    }
    let s = setup();
    let srv = start(&s, &[]);
    let script = format!(
        r#"
import warnings, psycopg, pandas
warnings.simplefilter("ignore")
conn = psycopg.connect("host=127.0.0.1 port={port} user=alice password=secret dbname=wangjian")
with conn.cursor() as cur:
    cur.execute("SELECT count(*) FROM complaints WHERE region_code = %s", ("110000",))
    print("count", cur.fetchone()[0])
df = pandas.read_sql("SELECT region_code, region_name, complaints, closed_60d_rate FROM regional_indicators ORDER BY quarter, region_code", conn)
print("rows", len(df))
for c in df.columns:
    print("dtype", c, df[c].dtype)
print("name", df[df.region_code == "110000"].region_name.iloc[0])
"#,
        port = srv.port
    );
    let o = Command::new("python3")
        .args(["-c", &script])
        .output()
        .unwrap();
    let out = String::from_utf8_lossy(&o.stdout).to_string();
    assert!(
        o.status.success(),
        "{out}{}",
        String::from_utf8_lossy(&o.stderr)
    );
    let expected = s
        .lake
        .count("SELECT count(*) AS n FROM complaints WHERE region_code = '110000'");
    assert!(out.contains(&format!("count {expected}\n")), "{out}");
    let rows = s
        .lake
        .count("SELECT count(*) AS n FROM regional_indicators");
    // Text is object (pandas 2) or str (pandas 3).
    assert!(
        out.contains("dtype region_code object") || out.contains("dtype region_code str"),
        "{out}"
    );
    assert!(out.contains(&format!("rows {rows}\n")), "{out}");
    for d in [
        "dtype complaints int64",
        "dtype closed_60d_rate float64",
        "name 北京市",
    ] {
        assert!(out.contains(d), "{d} in\n{out}");
    }
}

/// Peak resident memory of a process (VmHWM), in MiB.
fn peak_rss_mib(pid: u32) -> f64 {
    std::fs::read_to_string(format!("/proc/{pid}/status"))
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmHWM:"))
                .and_then(|l| l.split_whitespace().nth(1))
                .and_then(|k| k.parse::<f64>().ok())
        })
        .map_or(0.0, |kib| kib / 1024.0)
}

/// 16 clients run a mix of indicator queries for 60 s (WANGJIAN_LOAD_SECS):
/// no error, the server alive; queries/s, p50/p95 latency and the server's
/// peak RSS are printed (benches/service_bench.sh runs this in release mode
/// on a national lake; the figures go to docs/benchmarks.md, never asserted).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sixteen_clients_for_a_minute_without_an_error() {
    let secs: u64 = std::env::var("WANGJIAN_LOAD_SECS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(60);
    // benches/service_bench.sh points this at a national lake.
    let s = match std::env::var_os("WANGJIAN_LOAD_LAKE") {
        Some(lake) => {
            let l = Lake::new();
            std::os::unix::fs::symlink(lake, l.path()).unwrap();
            let users = add_alice(&l);
            Setup { lake: l, users }
        }
        None => setup(),
    };
    let srv = start(&s, &[]);
    let mix = [
        "SELECT region_name, risk_index, rank, tier FROM risk_index WHERE quarter = (SELECT max(quarter) FROM risk_index) ORDER BY rank",
        "SELECT region_name, complaints, closed_60d_rate FROM regional_indicators WHERE region_code <> '000000' ORDER BY complaints DESC LIMIT 10",
        "SELECT category, count(*) AS n FROM complaints WHERE is_online GROUP BY category ORDER BY n DESC",
        "SELECT * FROM alerts ORDER BY quarter DESC",
        "SELECT platform_name, complaints_per_10k_merchants FROM platform_indicators ORDER BY 2 DESC NULLS LAST LIMIT 5",
        "SELECT quarter, sum(complaints) AS c FROM regional_indicators WHERE region_code <> '000000' GROUP BY quarter ORDER BY quarter",
    ];
    let until = std::time::Instant::now() + Duration::from_secs(secs);
    let mut tasks = Vec::new();
    for k in 0..16 {
        let port = srv.port;
        tasks.push(tokio::spawn(async move {
            let c = connect(port, "alice", "secret").await.unwrap();
            let mut lat = Vec::new();
            let mut i = k;
            while std::time::Instant::now() < until {
                let t = std::time::Instant::now();
                c.query(mix[i % mix.len()], &[])
                    .await
                    .unwrap_or_else(|e| panic!("{}: {e}", mix[i % mix.len()]));
                lat.push(t.elapsed());
                i += 1;
            }
            lat
        }));
    }
    let mut lat = Vec::new();
    for t in tasks {
        lat.extend(t.await.expect("a client failed"));
    }
    lat.sort();
    let pct = |p: f64| lat[((lat.len() - 1) as f64 * p) as usize].as_secs_f64() * 1000.0;
    assert!(!lat.is_empty());
    println!(
        "load: 16 clients, {secs} s: {} queries, {:.1} queries/s, p50 {:.1} ms, p95 {:.1} ms, server peak RSS {:.0} MiB",
        lat.len(),
        lat.len() as f64 / secs as f64,
        pct(0.5),
        pct(0.95),
        peak_rss_mib(srv.child.id())
    );
    // Still serving.
    let c = connect(srv.port, "alice", "secret").await.unwrap();
    assert_eq!(count(&c, "SELECT CAST(7 AS BIGINT)").await, 7);
}

/// JDBC (pgjdbc, the driver DBeaver and most BI tools use): the metadata
/// calls list the lake's tables and a table's columns with PostgreSQL types.
#[test]
fn jdbc_metadata_lists_tables_and_columns() {
    let jar = Path::new("/usr/share/java/postgresql.jar");
    let have = jar.exists()
        && Command::new("java")
            .arg("-version")
            .output()
            .is_ok_and(|o| o.status.success());
    if !common::tool_or_skip(
        have,
        "java and pgjdbc (.ci/run installs Debian's libpostgresql-jdbc-java)",
    ) {
        return;
    }
    let s = setup();
    let srv = start(&s, &[]);
    let o = Command::new("java")
        .arg("-cp")
        .arg(jar)
        .arg(data("jdbc/Tables.java"))
        .arg(format!("jdbc:postgresql://127.0.0.1:{}/wangjian", srv.port))
        .args(["alice", "secret", "complaints"])
        .output()
        .unwrap();
    let out = String::from_utf8_lossy(&o.stdout).to_string();
    assert!(
        o.status.success(),
        "{out}{}",
        String::from_utf8_lossy(&o.stderr)
    );
    for t in [
        "complaints",
        "regional_indicators",
        "risk_index",
        "release_by_province",
    ] {
        assert!(out.contains(&format!("table public.{t}\n")), "{t}:\n{out}");
    }
    for c in [
        "column record_id text",
        "column received_at timestamp",
        "column is_online bool",
    ] {
        assert!(out.contains(c), "{c}:\n{out}");
    }
}

/// Rows of a simple-protocol query as (column name → text) maps.
async fn simple_rows(
    c: &Client,
    sql: &str,
) -> Vec<std::collections::BTreeMap<String, Option<String>>> {
    let said = c
        .simple_query(sql)
        .await
        .unwrap_or_else(|e| panic!("{sql}\n{e:?}"));
    said.iter()
        .filter_map(|m| match m {
            tokio_postgres::SimpleQueryMessage::Row(r) => Some(
                r.columns()
                    .iter()
                    .enumerate()
                    .map(|(i, col)| (col.name().to_string(), r.get(i).map(str::to_string)))
                    .collect(),
            ),
            _ => None,
        })
        .collect()
}

fn field(row: &std::collections::BTreeMap<String, Option<String>>, name: &str) -> String {
    row.get(name).cloned().flatten().unwrap_or_default()
}

/// DBeaver's navigator, as its PostgreSQL driver asks: the schema list, the
/// tables of a schema by its oid, a table's columns by the table's oid.
/// Returns (public's oid, table name → oid, complaints' column names).
async fn dbeaver_navigator(c: &Client) -> (String, Vec<(String, String)>, Vec<String>) {
    for q in [
        "SET extra_float_digits = 3",
        "SET application_name = 'DBeaver 25.1.5 - Main <wangjian>'",
        "SELECT current_schema(),session_user",
        "SHOW search_path",
        "SELECT db.oid,db.* FROM pg_catalog.pg_database db WHERE datname='wangjian'",
        "SELECT * FROM pg_catalog.pg_settings where name='standard_conforming_strings'",
        "SELECT version()",
    ] {
        simple_rows(c, q).await;
    }
    let schemas = simple_rows(
        c,
        "SELECT n.oid,n.*,d.description FROM pg_catalog.pg_namespace n \
         LEFT OUTER JOIN pg_catalog.pg_description d ON d.objoid=n.oid AND d.objsubid=0 \
         AND d.classoid='pg_namespace'::regclass ORDER BY nspname",
    )
    .await;
    let public = schemas
        .iter()
        .find(|r| field(r, "nspname") == "public")
        .map(|r| field(r, "oid"))
        .expect("public in pg_namespace");
    let tables = simple_rows(
        c,
        &format!(
            "SELECT c.oid,c.*,d.description,pg_catalog.pg_get_expr(c.relpartbound, c.oid) as partition_expr, \
             pg_catalog.pg_get_partkeydef(c.oid) as partition_key FROM pg_catalog.pg_class c \
             LEFT OUTER JOIN pg_catalog.pg_description d ON d.objoid=c.oid AND d.objsubid=0 \
             AND d.classoid='pg_class'::regclass WHERE c.relnamespace={public} AND c.relkind not in ('i','I','c')"
        ),
    )
    .await;
    let mut tables: Vec<(String, String)> = tables
        .iter()
        .map(|r| (field(r, "relname"), field(r, "oid")))
        .collect();
    tables.sort();
    let complaints = &tables
        .iter()
        .find(|(n, _)| n == "complaints")
        .expect("complaints among public's tables")
        .1;
    let columns = simple_rows(
        c,
        &format!(
            "SELECT c.relname,a.*,pg_catalog.pg_get_expr(ad.adbin, ad.adrelid, true) as def_value,dsc.description \
             FROM pg_catalog.pg_attribute a INNER JOIN pg_catalog.pg_class c ON (a.attrelid=c.oid) \
             LEFT OUTER JOIN pg_catalog.pg_attrdef ad ON (a.attrelid=ad.adrelid AND a.attnum = ad.adnum) \
             LEFT OUTER JOIN pg_catalog.pg_description dsc ON (c.oid=dsc.objoid AND a.attnum = dsc.objsubid) \
             WHERE NOT a.attisdropped AND c.oid={complaints} ORDER BY a.attnum"
        ),
    )
    .await;
    let columns = columns.iter().map(|r| field(r, "attname")).collect();
    (public, tables, columns)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn dbeaver_navigator_sees_tables_and_columns_with_the_same_oids_in_every_connection() {
    let s = setup();
    let srv = start(&s, &[]);
    let one = connect(srv.port, "alice", "secret").await.unwrap();
    let (public, tables, columns) = dbeaver_navigator(&one).await;
    let names: Vec<&str> = tables.iter().map(|(n, _)| n.as_str()).collect();
    for t in ["complaints", "cases", "regional_indicators", "risk_index"] {
        assert!(names.contains(&t), "{t} not in {names:?}");
    }
    assert!(
        !names.iter().any(|n| n.starts_with("pg_")),
        "catalog views listed as lake tables: {names:?}"
    );
    for c in ["record_id", "received_at", "province_code", "is_online"] {
        assert!(columns.iter().any(|x| x == c), "{c} not in {columns:?}");
    }
    // A second connection that asks in another order (a table by name
    // first, as a pooled tool reconnecting would) numbers everything alike.
    let two = connect(srv.port, "alice", "secret").await.unwrap();
    let late = simple_rows(
        &two,
        "SELECT oid FROM pg_catalog.pg_class WHERE relname = 'risk_index'",
    )
    .await;
    let risk = tables.iter().find(|(n, _)| n == "risk_index").unwrap();
    assert_eq!(field(&late[0], "oid"), risk.1);
    let again = dbeaver_navigator(&two).await;
    assert_eq!(again.0, public, "public's oid differs between connections");
    assert_eq!(again.1, tables, "table oids differ between connections");
    assert_eq!(again.2, columns);
}
