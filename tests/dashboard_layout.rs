//! A test that looks at the dashboard: for every chart's SVG, every label
//! the data calls for is written, no two texts overlap, none leaves the
//! canvas, and no legend covers a data mark — on the sample data, on a
//! generated national-shaped quarter pair and on six years of history.
//! The generated pair also shows the planted slow province and the planted
//! intense platform at the top of their indicators and on the page.

mod common;

use std::collections::BTreeMap;

use common::svg;
use common::{data, generated_lake, ok, s, Lake};
use serde_json::Value;
use wangjian_contract::reference::Reference;

fn short(code: &str) -> String {
    Reference::get()
        .province_short(code)
        .unwrap_or(code)
        .to_string()
}

fn legend_fill() -> String {
    let c = wangjian_reports::LEGEND_FILL;
    format!("#{:02X}{:02X}{:02X}", c.0, c.1, c.2)
}

/// What each chart must name, from the lake's tables.
fn expected(lake: &Lake, q: &str) -> BTreeMap<&'static str, Vec<String>> {
    let col = |sql: &str, c: &str| -> Vec<String> {
        lake.query(sql)
            .iter()
            .map(|r| s(&r[c]).to_string())
            .collect()
    };
    let provinces: Vec<String> = col(
        &format!("SELECT region_code FROM risk_index WHERE quarter = '{q}' ORDER BY rank"),
        "region_code",
    )
    .iter()
    .map(|c| short(c))
    .collect();
    let quarters = col(
        "SELECT DISTINCT quarter FROM regional_indicators ORDER BY quarter",
        "quarter",
    );
    let top5: Vec<String> = provinces.iter().take(5).cloned().collect();
    let outliers: Vec<String> = col(
        &format!(
            "SELECT region_code FROM alerts WHERE quarter = '{q}' AND alert = 'sampling_outlier'"
        ),
        "region_code",
    )
    .iter()
    .map(|c| short(c))
    .collect();
    let platforms = col(
        &format!("SELECT platform_name FROM platform_indicators WHERE quarter = '{q}' ORDER BY complaints DESC, platform_id LIMIT 15"),
        "platform_name",
    );
    let handled: Vec<String> = col(
        &format!("SELECT region_code FROM regional_indicators WHERE quarter = '{q}' AND region_code <> '000000'"),
        "region_code",
    )
    .iter()
    .map(|c| short(c))
    .collect();
    let sources = col(
        "SELECT DISTINCT source FROM load_runs WHERE run = (SELECT max(run) FROM load_runs)",
        "source",
    );
    // The provinces with the fewest batches (smoothing chart), and those
    // whose CUSUM alarmed in the last four quarters (cusum chart).
    let fewest: Vec<String> = col(
        &format!("SELECT region_code FROM smoothed_rates WHERE quarter = '{q}' AND measure = 'sample_fail_rate' AND trials > 0 ORDER BY trials, region_code LIMIT 10"),
        "region_code",
    )
    .iter()
    .map(|c| short(c))
    .collect();
    let recent: Vec<String> = quarters
        .iter()
        .filter(|x| x.as_str() <= q)
        .rev()
        .take(4)
        .cloned()
        .collect();
    let months: Vec<String> = recent
        .iter()
        .flat_map(|x| {
            let (y, n) = (&x[..4], x[5..].parse::<u32>().unwrap_or(1));
            (1..=3).map(move |k| format!("'{y}-{:02}'", (n - 1) * 3 + k))
        })
        .collect();
    let alarmed: Vec<String> = col(
        &format!(
            "SELECT region_code, max(cusum) AS top FROM complaint_cusum WHERE alarm AND month IN ({}) GROUP BY region_code ORDER BY top DESC, region_code LIMIT 12",
            months.join(", ")
        ),
        "region_code",
    )
    .iter()
    .map(|c| short(c))
    .collect();
    BTreeMap::from([
        ("smoothing", fewest),
        ("cusum", alarmed),
        ("ranking", provinces.clone()),
        ("map", handled.clone()),
        ("trend", [quarters.clone(), top5].concat()),
        ("heatmap", [provinces, quarters].concat()),
        ("funnel", outliers),
        ("platforms", platforms),
        ("handling", handled),
        ("quality", sources),
    ])
}

/// Renders the dashboard of the latest quarter and looks at every chart.
fn look(lake: &Lake, q: &str) -> String {
    let out = lake.dir.path().join("report");
    ok(&lake
        .cmd()
        .args(["report", "--quarter", q, "--out"])
        .arg(&out)
        .output()
        .unwrap());
    let page = std::fs::read_to_string(out.join(format!("dashboard-{q}.html"))).unwrap();
    let mut all = Vec::new();
    for (chart, labels) in expected(lake, q) {
        assert!(
            !labels.is_empty() || chart == "funnel" || chart == "cusum",
            "{chart}: the data gives labels to look for"
        );
        for p in svg::problems(svg::chart_svg(&page, chart), &labels, &legend_fill()) {
            all.push(format!("{chart}: {p}"));
        }
    }
    assert!(
        all.is_empty(),
        "{} problems a reader would see:\n{}",
        all.len(),
        all.join("\n")
    );
    page
}

#[test]
fn the_checker_sees_missing_overlapping_clipped_and_covered() {
    svg::self_check();
}

#[test]
fn every_chart_of_the_sample_dashboard_reads_cleanly() {
    let lake = Lake::new();
    ok(&lake.ingest(&[&data("basic")]));
    ok(&lake.cmd().arg("indicators").output().unwrap());
    look(&lake, "2025Q3");
}

#[test]
fn a_national_shaped_quarter_pair_reads_cleanly_and_shows_the_planted_ones_on_top() {
    let t = tempfile::tempdir().unwrap();
    let (lake, truth) = generated_lake(t.path(), "0.01", "2025Q3", "2025Q4");
    let planted = |kind: &str, key: &str| -> String {
        let p = truth["planted"]
            .as_array()
            .unwrap()
            .iter()
            .find(|p| p["kind"] == kind)
            .unwrap_or_else(|| panic!("{kind} planted"));
        s(&p[key]).to_string()
    };
    let slow = planted("slow_handling", "region_code");
    let intense = planted("platform_complaint_intensity", "platform_id");
    for q in ["2025Q3", "2025Q4"] {
        let rows = lake.query(&format!(
            "SELECT region_code, closed_60d_rate, mediation_success_rate, recovery_ratio FROM regional_indicators WHERE quarter = '{q}' AND region_code <> '000000' ORDER BY closed_60d_rate, region_code"
        ));
        assert_eq!(s(&rows[0]["region_code"]), slow, "{q}: slowest province");
        let rate = |r: &serde_json::Map<String, Value>, k: &str| r[k].as_f64().unwrap();
        let (lo, hi) = (
            rate(&rows[1], "closed_60d_rate"),
            rate(&rows[rows.len() - 1], "closed_60d_rate"),
        );
        assert!(
            lo < 0.9 && hi > 0.95,
            "{q}: the others spread from the 80s to the high 90s ({lo}..{hi})"
        );
        let nat = &lake.query(&format!(
            "SELECT mediation_success_rate m, recovery_ratio r FROM regional_indicators WHERE quarter = '{q}' AND region_code = '000000'"
        ))[0];
        assert!(rate(&rows[0], "mediation_success_rate") < nat["m"].as_f64().unwrap());
        assert!(rate(&rows[0], "recovery_ratio") < nat["r"].as_f64().unwrap());
        let per = lake.query(&format!(
            "SELECT platform_id, complaints_per_10k_merchants AS x FROM platform_indicators WHERE quarter = '{q}' AND merchants > 0 ORDER BY x DESC"
        ));
        assert_eq!(
            s(&per[0]["platform_id"]),
            intense,
            "{q}: most intense platform"
        );
        let xs: Vec<f64> = per[1..].iter().map(|r| rate(r, "x")).collect();
        let (max, min) = (xs[0], xs[xs.len() - 1]);
        assert!(
            max / min > 3.0,
            "{q}: platforms differ several-fold ({min}..{max})"
        );
        assert!(
            rate(&per[0], "x") > 1.8 * max,
            "{q}: the planted one stands out"
        );
    }
    let page = look(&lake, "2025Q4");
    // The page shows both: the slow province is the handling chart's top
    // row, the intense platform is among the platforms charted.
    let handling = svg::texts(svg::chart_svg(&page, "handling"));
    let provinces: Vec<String> = lake
        .query("SELECT DISTINCT region_code FROM regional_indicators WHERE region_code <> '000000'")
        .iter()
        .map(|r| short(s(&r["region_code"])))
        .collect();
    assert_eq!(provinces.len(), 31);
    let first_row = handling
        .iter()
        .filter(|t| provinces.contains(&t.text))
        .min_by(|a, b| a.b.1.partial_cmp(&b.b.1).unwrap())
        .unwrap();
    assert_eq!(
        first_row.text,
        short(&slow),
        "top row of the handling chart"
    );
    let name = lake.query(&format!(
        "SELECT name FROM platforms WHERE platform_id = '{intense}'"
    ));
    let name = s(&name[0]["name"]).to_string();
    assert!(
        svg::texts(svg::chart_svg(&page, "platforms"))
            .iter()
            .any(|t| t.text == name),
        "{name} charted"
    );
}

#[test]
fn six_years_of_quarters_are_all_named() {
    let t = tempfile::tempdir().unwrap();
    let (lake, _) = generated_lake(t.path(), "0.001", "2020Q1", "2025Q4");
    let page = look(&lake, "2025Q4");
    // 24 quarters do not fit side by side: the labels turn, none is skipped.
    let heat = svg::chart_svg(&page, "heatmap");
    assert_eq!(
        heat.matches("rotate(270").count(),
        24 + 1,
        "24 turned labels and the axis title"
    );
}
