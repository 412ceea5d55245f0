//! `wangjian indicators` through the binary: deterministic output, and a
//! rerun replaces the tables rather than adding to them.

mod common;

use common::{data, generated_lake, ok, Lake};

/// Every indicator table in a fixed order, as JSON (floats to their last
/// bit).
fn dump(lake: &Lake) -> Vec<String> {
    [
        ("regional_indicators", "1, 2"),
        ("platform_indicators", "1, 2"),
        ("risk_index", "1, 2"),
        ("alerts", "1, 2, 4"),
        ("headline_figures", "1"),
        ("smoothed_rates", "1, 2, 4"),
        ("risk_rank_intervals", "1, 2"),
        ("complaint_cusum", "1, 2"),
    ]
    .iter()
    .map(|(t, order)| {
        serde_json::to_string(&lake.query(&format!("SELECT * FROM {t} ORDER BY {order}"))).unwrap()
    })
    .collect()
}

#[test]
fn indicators_are_deterministic_and_a_rerun_replaces_them() {
    let lake = Lake::new();
    ok(&lake.ingest(&[&data("basic")]));
    ok(&lake.cmd().arg("indicators").output().unwrap());
    let first = dump(&lake);
    ok(&lake.cmd().arg("indicators").output().unwrap());
    assert_eq!(dump(&lake), first);
    assert_eq!(
        lake.count("SELECT count(*) FROM regional_indicators"),
        32,
        "one quarter x (31 + 1), not doubled"
    );
}

/// On the sample chain's data (eight quarters, every source), reruns give
/// every table to its last bit: a sum of doubles taken in the order the
/// partitions met in did not (`smoothed_rates` differed from run to run).
#[test]
fn indicators_on_the_sample_are_the_same_to_the_last_bit() {
    let dir = tempfile::tempdir().unwrap();
    let (lake, _) = generated_lake(dir.path(), "0.002", "2024Q1", "2025Q4");
    let first = dump(&lake);
    for _ in 0..2 {
        ok(&lake.cmd().arg("indicators").output().unwrap());
        assert_eq!(dump(&lake), first);
    }
}
