//! The audit log: one JSON line per statement (time, user, client address,
//! statement, duration, rows, outcome), to a file or to stderr.

use std::io::Write;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Instant;

/// Where audit lines go.
pub struct Audit {
    out: Mutex<Box<dyn Write + Send>>,
}

impl Audit {
    pub fn stderr() -> Audit {
        Audit {
            out: Mutex::new(Box::new(std::io::stderr())),
        }
    }

    /// Appends to `path` (created when missing).
    pub fn file(path: &std::path::Path) -> std::io::Result<Audit> {
        let f = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(path)?;
        Ok(Audit {
            out: Mutex::new(Box::new(f)),
        })
    }

    fn write(&self, line: &serde_json::Value) {
        let mut out = self.out.lock().unwrap_or_else(|p| p.into_inner());
        let _ = writeln!(out, "{line}");
        let _ = out.flush();
    }
}

/// One statement's line, written when it finishes (or, if the client goes
/// away mid-result, when it is dropped: outcome "cancelled").
pub struct Entry {
    audit: Arc<Audit>,
    user: String,
    client: SocketAddr,
    statement: String,
    at: chrono::DateTime<chrono::Utc>,
    start: Instant,
    pub rows: u64,
    done: bool,
}

impl Entry {
    pub fn new(audit: Arc<Audit>, user: String, client: SocketAddr, statement: &str) -> Entry {
        Entry {
            audit,
            user,
            client,
            statement: statement.to_string(),
            at: chrono::Utc::now(),
            start: Instant::now(),
            rows: 0,
            done: false,
        }
    }

    pub fn finish(mut self, outcome: &str) {
        self.write(outcome);
    }

    fn write(&mut self, outcome: &str) {
        if self.done {
            return;
        }
        self.done = true;
        self.audit.write(&serde_json::json!({
            "time": self.at.format("%Y-%m-%dT%H:%M:%S%.3fZ").to_string(),
            "user": self.user,
            "client": self.client.to_string(),
            "statement": self.statement,
            "duration_ms": self.start.elapsed().as_millis() as u64,
            "rows": self.rows,
            "outcome": outcome,
        }));
    }
}

impl Drop for Entry {
    fn drop(&mut self) {
        self.write("cancelled");
    }
}
