//! Helpers shared by the integration tests: a lake in a temporary folder
//! driven through the `wangjian` binary, and small file utilities.
#![allow(dead_code)]

pub mod svg;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use serde_json::Value;

pub fn data(p: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests")
        .join("data")
        .join(p)
}

pub struct Lake {
    pub dir: tempfile::TempDir,
}

impl Default for Lake {
    fn default() -> Self {
        Lake::new()
    }
}

impl Lake {
    pub fn new() -> Self {
        Lake {
            dir: tempfile::tempdir().expect("temp dir"),
        }
    }
    pub fn path(&self) -> PathBuf {
        self.dir.path().join("lake")
    }
    pub fn cmd(&self) -> Command {
        let mut c = Command::new(env!("CARGO_BIN_EXE_wangjian"));
        c.arg("--lake").arg(self.path());
        c.env("WANGJIAN_PII_KEY", "test-key")
            .env_remove("WANGJIAN_FAULT_AFTER_COMMITS");
        c
    }
    pub fn ingest(&self, paths: &[&Path]) -> Output {
        let mut c = self.cmd();
        c.arg("ingest");
        for p in paths {
            c.arg(p);
        }
        c.output().expect("runs")
    }
    /// Rows of a query as JSON objects.
    pub fn query(&self, sql: &str) -> Vec<serde_json::Map<String, Value>> {
        let out = self
            .cmd()
            .args(["sql", "--format", "json", "-e", sql])
            .output()
            .expect("runs");
        assert!(
            out.status.success(),
            "sql failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        let text = String::from_utf8(out.stdout).expect("utf-8");
        let v: Value = serde_json::from_str(text.trim()).expect("json array");
        v.as_array()
            .expect("array")
            .iter()
            .map(|r| r.as_object().expect("object").clone())
            .collect()
    }
    /// Runs the interactive shell with `input` typed at it.
    pub fn shell(&self, input: &[u8]) -> Output {
        use std::io::Write;
        use std::process::Stdio;
        let mut child = self
            .cmd()
            .arg("sql")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("runs");
        child
            .stdin
            .take()
            .expect("stdin")
            .write_all(input)
            .expect("typed");
        child.wait_with_output().expect("ends")
    }
    pub fn scalar(&self, sql: &str) -> Value {
        let rows = self.query(sql);
        rows[0].values().next().cloned().unwrap_or(Value::Null)
    }
    pub fn count(&self, sql: &str) -> i64 {
        self.scalar(sql).as_i64().expect("a number")
    }
}

pub fn ok(out: &Output) {
    assert!(
        out.status.success(),
        "exit {:?}\nstdout:\n{}\nstderr:\n{}",
        out.status.code(),
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

pub fn s(v: &Value) -> &str {
    v.as_str().unwrap_or_else(|| panic!("not a string: {v}"))
}

pub fn write(dir: &Path, rel: &str, body: &str) -> PathBuf {
    let p = dir.join(rel);
    std::fs::create_dir_all(p.parent().unwrap()).unwrap();
    std::fs::write(&p, body).unwrap();
    p
}

/// The path of the binary under test.
pub fn bin() -> PathBuf {
    PathBuf::from(env!("CARGO_BIN_EXE_wangjian"))
}

/// Every file below `root` with its bytes (and every folder, with no bytes).
pub fn tree(root: &Path) -> BTreeMap<PathBuf, Option<Vec<u8>>> {
    let mut out = BTreeMap::new();
    let mut stack = vec![root.to_path_buf()];
    while let Some(d) = stack.pop() {
        let Ok(entries) = std::fs::read_dir(&d) else {
            continue;
        };
        for e in entries.flatten() {
            let p = e.path();
            let rel = p.strip_prefix(root).unwrap().to_path_buf();
            if p.is_dir() {
                out.insert(rel, None);
                stack.push(p);
            } else {
                out.insert(rel, Some(std::fs::read(&p).unwrap()));
            }
        }
    }
    out
}

/// Under `CI=true` a test whose tool is missing fails; elsewhere it skips
/// and says so. Returns whether to go on.
pub fn tool_or_skip(found: bool, what: &str) -> bool {
    if found {
        return true;
    }
    let ci = std::env::var("CI").is_ok_and(|v| v == "true" || v == "1");
    assert!(
        !ci,
        "{what} is missing, and under CI=true nothing may skip (.ci/run installs it)"
    );
    eprintln!("skipped: {what} is missing on this machine");
    false
}

/// Generated extracts of quarters `from..=to` at `scale` under `dir/raw`,
/// loaded into a new lake with its indicators; with the ground truth.
pub fn generated_lake(dir: &Path, scale: &str, from: &str, to: &str) -> (Lake, Value) {
    let raw = dir.join("raw");
    ok(&Command::new(bin())
        .args([
            "generate", "--scale", scale, "--from", from, "--to", to, "--out",
        ])
        .arg(&raw)
        .output()
        .unwrap());
    let lake = Lake::new();
    ok(&lake.ingest(&[&raw]));
    ok(&lake.cmd().arg("indicators").output().unwrap());
    let truth = serde_json::from_slice(&std::fs::read(raw.join("_truth.json")).unwrap()).unwrap();
    (lake, truth)
}

/// Headless Chromium, installed by .ci/run; without it a test fails under
/// CI=true and says it skipped elsewhere (then this is None).
pub fn browser() -> Option<&'static str> {
    let found = ["chromium", "chromium-browser", "google-chrome"]
        .into_iter()
        .find(|c| {
            Command::new(c)
                .arg("--version")
                .output()
                .is_ok_and(|o| o.status.success())
        });
    tool_or_skip(
        found.is_some(),
        "chromium (.ci/run installs Debian's chromium)",
    )
    .then_some(found)
    .flatten()
}

/// Runs headless Chromium on a local page with `extra` arguments
/// (`--dump-dom`, `--screenshot=…`), logging to stderr.
pub fn headless(browser: &str, profile: &Path, extra: &[&str], page: &Path) -> Output {
    Command::new(browser)
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--enable-logging=stderr",
            "--v=0",
            "--window-size=1100,1400",
        ])
        .arg(format!("--user-data-dir={}", profile.display()))
        .args(extra)
        .arg(format!("file://{}", page.display()))
        .output()
        .unwrap()
}
