//! `wangjian indicators` through the binary: deterministic output, and a
//! rerun replaces the tables rather than adding to them.

mod common;

use common::{data, ok, Lake};

#[test]
fn indicators_are_deterministic_and_a_rerun_replaces_them() {
    let lake = Lake::new();
    ok(&lake.ingest(&[&data("basic")]));
    let dump = |lake: &Lake| -> Vec<String> {
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
            serde_json::to_string(&lake.query(&format!("SELECT * FROM {t} ORDER BY {order}")))
                .unwrap()
        })
        .collect()
    };
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
