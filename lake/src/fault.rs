//! Fault injection for the tests that kill a run between two table commits:
//! with `WANGJIAN_FAULT_AFTER_COMMITS=N` the process aborts right after its
//! N-th Delta commit, as a `kill -9` would end it.

use std::sync::atomic::{AtomicU64, Ordering};

static COMMITS: AtomicU64 = AtomicU64::new(0);

/// Called after every Delta commit of a writer.
pub(crate) fn after_commit() {
    let n = COMMITS.fetch_add(1, Ordering::SeqCst) + 1;
    if let Ok(v) = std::env::var("WANGJIAN_FAULT_AFTER_COMMITS") {
        if v.parse::<u64>().ok() == Some(n) {
            eprintln!("fault injection: aborting after commit {n}");
            std::process::abort();
        }
    }
}
