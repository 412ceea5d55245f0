//! The leadership dashboard: every section with the values of the indicator
//! tables, and the page in a real browser.

mod common;

use std::path::PathBuf;

use common::{data, ok, s, Lake};

/// The value of `data-value` in the first element after `anchor`.
fn value_after(page: &str, anchor: &str) -> String {
    let at = page
        .find(anchor)
        .unwrap_or_else(|| panic!("{anchor} not in the page"));
    let rest = &page[at..];
    let v = rest.find("data-value=\"").expect("a data-value") + "data-value=\"".len();
    rest[v..v + rest[v..].find('"').unwrap()].to_string()
}

fn render_fixture_dashboard() -> (Lake, String, PathBuf) {
    let lake = Lake::new();
    ok(&lake.ingest(&[&data("basic")]));
    ok(&lake.cmd().arg("indicators").output().unwrap());
    let out = lake.dir.path().join("report");
    let o = lake
        .cmd()
        .args(["report", "--quarter", "2025Q3", "--out"])
        .arg(&out)
        .output()
        .unwrap();
    ok(&o);
    let html = out.join("dashboard-2025Q3.html");
    (lake, std::fs::read_to_string(&html).unwrap(), html)
}

#[test]
fn the_dashboard_has_every_section_and_the_table_values() {
    let (lake, page, html) = render_fixture_dashboard();
    for id in [
        "headline",
        "ranking",
        "trend",
        "heatmap",
        "funnel",
        "platforms",
        "handling",
        "alerts",
        "quality",
    ] {
        assert!(
            page.contains(&format!("<section id=\"{id}\">")),
            "section {id} missing"
        );
    }
    for chart in [
        "ranking",
        "map",
        "trend",
        "heatmap",
        "funnel",
        "smoothing",
        "cusum",
        "platforms",
        "handling",
        "quality",
    ] {
        let at = page
            .find(&format!("<figure id=\"chart-{chart}\""))
            .unwrap_or_else(|| panic!("chart {chart} missing"));
        let fig = &page[at..at + page[at..].find("</figure>").unwrap()];
        assert!(
            fig.contains("<svg") && fig.contains("<figcaption>"),
            "{chart}: an inline SVG with a caption"
        );
    }
    // Self-contained: nothing fetched from elsewhere, no script.
    assert!(
        !page.contains("<script")
            && !page.contains("src=\"http")
            && !page.contains("href=\"http")
            && !page.contains("@import")
    );
    // Numbers equal the indicator tables.
    let nat = &lake.query("SELECT complaints, reports, cases FROM regional_indicators WHERE quarter = '2025Q3' AND region_code = '000000'")[0];
    for k in ["complaints", "reports", "cases"] {
        assert_eq!(
            value_after(&page, &format!("data-metric=\"{k}\"")),
            nat[k].to_string(),
            "{k}"
        );
    }
    let risk = lake.query("SELECT region_code, risk_index FROM risk_index WHERE quarter = '2025Q3' ORDER BY rank, region_code");
    assert_eq!(risk.len(), 31);
    let mut last = 0;
    for r in &risk {
        let anchor = format!("<tr data-region=\"{}\">", s(&r["region_code"]));
        let pos = page.find(&anchor).unwrap_or_else(|| panic!("{anchor}"));
        assert!(pos > last, "ranking rows in rank order");
        last = pos;
        let shown: f64 = value_after(&page[pos..], &anchor).parse().unwrap();
        assert!((shown - r["risk_index"].as_f64().unwrap()).abs() < 1e-6);
    }
    let loaded = lake.count("SELECT sum(loaded) FROM load_runs WHERE source = 'complaints'");
    assert_eq!(
        value_after(&page, "<tr data-source=\"complaints\">")
            .parse::<i64>()
            .ok(),
        Some(15 + 2 + 1),
        "rows read"
    );
    let at = page.find("<tr data-source=\"complaints\">").unwrap();
    let row = &page[at..at + page[at..].find("</tr>").unwrap()];
    assert!(
        row.contains(&format!("data-value=\"{loaded}\"")),
        "loaded {loaded} in {row}"
    );
    let alerts = lake.count("SELECT count(*) FROM alerts WHERE quarter = '2025Q3'");
    assert_eq!(page.matches("<tr data-alert=").count() as i64, alerts);
    // PNG copies of the charts, or a note saying why not.
    let pngs = std::fs::read_dir(html.parent().unwrap())
        .unwrap()
        .filter(|e| {
            e.as_ref()
                .unwrap()
                .path()
                .extension()
                .is_some_and(|x| x == "png")
        })
        .count();
    assert!(
        pngs == 10 || page.contains("PNG charts were not written"),
        "{pngs} PNG files"
    );
}

/// Opens the page in headless Chromium (installed by .ci/run); without it the
/// test fails under CI=true and says it skipped elsewhere.
#[test]
fn the_dashboard_loads_in_a_browser() {
    let Some(chromium) = common::browser() else {
        return;
    };
    let (_lake, page, html) = render_fixture_dashboard();
    let profile = tempfile::tempdir().unwrap();
    let shot = html.with_extension("png");
    let args = |extra: &[&str]| common::headless(chromium, profile.path(), extra, &html);
    let dom = args(&["--dump-dom"]);
    assert!(dom.status.success());
    let dom_text = String::from_utf8_lossy(&dom.stdout);
    let charts = page.matches("<figure id=\"chart-").count();
    assert_eq!(charts, 10);
    assert_eq!(
        dom_text.matches("<svg").count(),
        charts,
        "the browser's DOM holds every chart"
    );
    let log = String::from_utf8_lossy(&dom.stderr);
    assert!(
        !log.lines()
            .any(|l| l.contains("CONSOLE") && l.to_lowercase().contains("error")),
        "console errors:\n{log}"
    );
    assert!(
        !log.contains("net::ERR_"),
        "the page tried to fetch something:\n{log}"
    );
    let o = args(&[&format!("--screenshot={}", shot.display())]);
    assert!(o.status.success());
    let size = std::fs::metadata(&shot).map(|m| m.len()).unwrap_or(0);
    assert!(size > 20_000, "a screenshot with content ({size} bytes)");
}
