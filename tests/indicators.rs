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
            "regional_indicators",
            "platform_indicators",
            "risk_index",
            "alerts",
            "headline_figures",
        ]
        .iter()
        .map(|t| {
            serde_json::to_string(&lake.query(&format!("SELECT * FROM {t} ORDER BY 1, 2"))).unwrap()
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
