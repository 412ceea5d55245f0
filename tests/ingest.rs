//! Integration tests of `wangjian ingest` and `wangjian sql`, run through the
//! binary on the fixtures of tests/data (made by tests/data/make_fixtures.py;
//! every expected figure below is worked out by hand from those rows).

mod common;

use std::path::Path;

use common::{data, ok, s, write, Lake};
use serde_json::Value;

/// (read, loaded, superseded, quarantined) of one file in load_runs.
fn counts(lake: &Lake, file_suffix: &str) -> (i64, i64, i64, i64) {
    let rows = lake.query(&format!(
        "SELECT rows_read, loaded, superseded, quarantined FROM load_runs WHERE file LIKE '%{file_suffix}' ORDER BY finished_at DESC LIMIT 1"
    ));
    let r = &rows[0];
    let g = |k: &str| r[k].as_i64().unwrap();
    (
        g("rows_read"),
        g("loaded"),
        g("superseded"),
        g("quarantined"),
    )
}

#[test]
fn every_format_and_encoding_loads_with_the_right_outcomes() {
    let lake = Lake::new();
    let out = lake.ingest(&[&data("basic")]);
    ok(&out);
    let printed = String::from_utf8_lossy(&out.stdout);
    assert!(
        printed.contains("2025Q3-a.csv"),
        "the run prints per-file counts:\n{printed}"
    );

    // Per file: read = loaded + superseded + quarantined, with the hand-counted figures.
    assert_eq!(counts(&lake, "2025Q3-a.csv"), (15, 5, 1, 9));
    assert_eq!(counts(&lake, "2025Q3-b-gbk.csv"), (2, 2, 0, 0));
    assert_eq!(counts(&lake, "2025Q3-c-bom.csv"), (1, 1, 0, 0));
    assert_eq!(counts(&lake, "platforms.csv"), (2, 2, 0, 0));
    assert_eq!(counts(&lake, "entities.jsonl"), (5, 2, 0, 3));
    assert_eq!(counts(&lake, "cases.xlsx"), (3, 2, 0, 1));
    assert_eq!(counts(&lake, "sampling.csv.gz"), (3, 2, 0, 1));
    assert_eq!(counts(&lake, "monitoring.ndjson"), (2, 2, 0, 0));
    assert_eq!(
        lake.count(
            "SELECT count(*) FROM load_runs WHERE rows_read <> loaded + superseded + quarantined"
        ),
        0
    );

    // Encodings detected per file.
    let enc = lake
        .query("SELECT file, encoding FROM load_runs WHERE source = 'complaints' ORDER BY file");
    let encs: Vec<&str> = enc.iter().map(|r| s(&r["encoding"])).collect();
    assert_eq!(encs, ["UTF-8", "gb18030", "UTF-8"]);
    let b001 = lake.query("SELECT respondent_name, region_code, category, problem, kind FROM complaints WHERE record_id = 'B001'");
    assert_eq!(s(&b001[0]["respondent_name"]), "杭州某某电子商务有限公司");
    assert_eq!(
        s(&b001[0]["region_code"]),
        "330000",
        "province name mapped to its code"
    );
    assert_eq!(
        s(&b001[0]["category"]),
        "G01",
        "category name mapped to its code"
    );
    assert_eq!(s(&b001[0]["problem"]), "P01");

    // Values: money forms, dates, booleans, full-width folding.
    let a = lake.query(
        "SELECT record_id, CAST(amount_yuan AS VARCHAR) AS amount, CAST(recovered_yuan AS VARCHAR) AS rec, \
         CAST(received_at AS VARCHAR) AS recv, CAST(closed_at AS VARCHAR) AS closed, seven_day_return, is_online, \
         region_code, province_code, quarter, channel FROM complaints ORDER BY record_id",
    );
    let by = |id: &str| {
        a.iter()
            .find(|r| s(&r["record_id"]) == id)
            .unwrap_or_else(|| panic!("{id} missing"))
            .clone()
    };
    let a001 = by("A001");
    assert_eq!(s(&a001["amount"]), "1234.50");
    assert_eq!(s(&a001["rec"]), "1000.00");
    assert_eq!(s(&a001["recv"]), "2025-07-03T14:22:10");
    assert_eq!(s(&a001["closed"]), "2025-07-20T09:00:00");
    assert_eq!(a001["seven_day_return"], Value::Bool(true));
    assert_eq!(s(&a001["province_code"]), "440000");
    let a002 = by("A002");
    assert_eq!(s(&a002["amount"]), "12.00");
    assert_eq!(s(&a002["recv"]), "2025-08-01T00:00:00");
    assert_eq!(s(&a002["region_code"]), "440000");
    assert_eq!(
        a002["seven_day_return"],
        Value::Bool(false),
        "default false"
    );
    let a012 = by("A012");
    assert_eq!(s(&a012["recv"]), "2025-09-30T23:59:00");
    assert_eq!(s(&a012["closed"]), "2025-10-01T00:00:00");
    assert_eq!(s(&a012["quarter"]), "2025Q3");
    assert!(
        a012.get("channel").is_none_or(Value::is_null),
        "unknown optional enum set to missing"
    );
    let a014 = by("A014");
    assert_eq!(s(&a014["amount"]), "12.50");
    assert_eq!(s(&a014["region_code"]), "440305");
    assert_eq!(s(&a014["recv"]), "2025-07-05T00:00:00");
    assert_eq!(a014["is_online"], Value::Bool(false));

    // XLSX: Excel serial dates and text dates, names for codes.
    let k = lake.query("SELECT case_id, CAST(filed_at AS VARCHAR) f, CAST(closed_at AS VARCHAR) c, violation, CAST(fine_yuan AS VARCHAR) fine, police_transfer FROM cases ORDER BY case_id");
    assert_eq!(k.len(), 2);
    assert_eq!(
        (s(&k[0]["f"]), s(&k[0]["c"]), s(&k[0]["fine"])),
        ("2025-07-10", "2025-09-01", "5000.00")
    );
    assert_eq!(
        (s(&k[1]["f"]), s(&k[1]["violation"]), s(&k[1]["fine"])),
        ("2025-08-02", "V03", "1200.50")
    );
    assert_eq!(k[1]["police_transfer"], Value::Bool(true));

    // JSON lines: numbers as values, English and Chinese keys, lower-case USCC upper-cased.
    let e = lake.query("SELECT uscc, region_code, CAST(registered_on AS VARCHAR) r, CAST(serious_since AS VARCHAR) ss FROM entities ORDER BY uscc");
    assert_eq!(s(&e[0]["uscc"]), "91110000802100433B");
    assert_eq!(s(&e[0]["region_code"]), "110108");
    assert_eq!(s(&e[0]["r"]), "2019-01-01");
    assert_eq!(s(&e[0]["ss"]), "2025-03-01");
    let m = lake.query(
        "SELECT monitor_id, action, category, region_code FROM monitoring ORDER BY monitor_id",
    );
    assert_eq!(s(&m[0]["monitor_id"]), "2");
    assert_eq!(s(&m[0]["region_code"]), "440305");
    assert_eq!(s(&m[0]["category"]), "G02");
    assert_eq!(s(&m[1]["action"]), "无", "action defaults to 无");

    // gzip CSV: items normalised; failed_items on a passed batch set to missing.
    let sm =
        lake.query("SELECT sample_id, failed_items, counterfeit FROM sampling ORDER BY sample_id");
    assert!(sm[0].get("failed_items").is_none_or(Value::is_null));
    assert_eq!(s(&sm[1]["failed_items"]), "微生物;标签;重金属");
    assert_eq!(sm[1]["counterfeit"], Value::Bool(true));
}

#[test]
fn every_quarantine_reason_is_recorded_with_file_and_row() {
    let lake = Lake::new();
    ok(&lake.ingest(&[&data("basic")]));
    let q = lake.query("SELECT source, file, row_number, reason_code, reason, raw FROM quarantine ORDER BY source, file, row_number");
    let find = |src: &str, row: i64| {
        q.iter()
            .find(|r| s(&r["source"]) == src && r["row_number"].as_i64() == Some(row))
            .unwrap_or_else(|| panic!("{src} row {row} not quarantined"))
    };
    // complaints 2025Q3-a.csv: data rows 3..=11, one reason each.
    let expected = [
        (3, "malformed_row"),
        (4, "missing_key"),
        (5, "missing_required"),
        (6, "unparseable"),
        (7, "unknown_region"),
        (8, "unknown_enum"),
        (9, "bad_money"),
        (10, "date_order"),
        (11, "status_dates"),
    ];
    for (row, code) in expected {
        let r = find("complaints", row);
        assert_eq!(s(&r["reason_code"]), code, "row {row}");
        assert!(s(&r["file"]).ends_with("2025Q3-a.csv"));
        assert!(!s(&r["reason"]).is_empty());
    }
    assert_eq!(s(&find("entities", 2)["reason_code"]), "invalid_key");
    assert_eq!(s(&find("entities", 3)["reason_code"]), "malformed_row");
    assert_eq!(s(&find("entities", 4)["reason_code"]), "date_order");
    assert_eq!(s(&find("cases", 2)["reason_code"]), "date_order");
    assert_eq!(s(&find("sampling", 3)["reason_code"]), "unknown_enum");
    assert_eq!(q.len(), 14);

    // Field-level issues counted per file and column.
    let issues = lake.query("SELECT column_name, code, rows FROM load_issues WHERE kind = 'field' AND file LIKE '%2025Q3-a.csv' ORDER BY column_name");
    let got: Vec<(String, String, i64)> = issues
        .iter()
        .map(|r| {
            (
                s(&r["column_name"]).to_string(),
                s(&r["code"]).to_string(),
                r["rows"].as_i64().unwrap(),
            )
        })
        .collect();
    let want = [
        ("channel", "unknown_enum", 1),
        ("respondent_region_code", "unknown_region", 1),
        ("respondent_uscc", "invalid_uscc", 1),
        ("seven_day_return", "unparseable", 1),
        ("updated_at", "unparseable", 1),
    ];
    let want: Vec<(String, String, i64)> = want
        .iter()
        .map(|(a, b, n)| (a.to_string(), b.to_string(), *n))
        .collect();
    assert_eq!(got, want);
    assert_eq!(
        lake.count("SELECT rows FROM load_issues WHERE code = 'not_applicable'"),
        1
    );
    assert_eq!(
        lake.count(
            "SELECT rows FROM load_issues WHERE code = 'unknown_column' AND column_name = '备注'"
        ),
        1
    );
}

#[test]
fn bad_files_are_rejected_by_name_and_the_rest_loads() {
    let lake = Lake::new();
    let out = lake.ingest(&[&data("bad")]);
    assert_eq!(
        out.status.code(),
        Some(3),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let err = String::from_utf8_lossy(&out.stderr);
    for (name, why) in [
        ("truncated.csv.gz", "cannot read"),
        ("missing_column.csv", "received_at"),
        ("not_excel.xlsx", "XLSX"),
        ("notes.txt", "unsupported file type"),
    ] {
        assert!(
            err.lines().any(|l| l.contains(name) && l.contains(why)),
            "{name} not named with '{why}':\n{err}"
        );
    }
    assert_eq!(lake.count("SELECT count(*) FROM complaints"), 1);
    assert_eq!(
        lake.count("SELECT count(*) FROM load_runs WHERE status = 'rejected'"),
        4
    );
    // Nothing of the truncated file reached the table.
    assert_eq!(
        lake.count("SELECT count(*) FROM complaints WHERE record_id LIKE 'T%'"),
        0
    );
}

#[test]
fn strict_mode_exits_3_on_quarantined_rows() {
    let lake = Lake::new();
    let out = lake
        .cmd()
        .arg("ingest")
        .arg("--strict")
        .arg(data("basic"))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(3));
    let out = lake
        .cmd()
        .args(["ingest", "--source", "nonsense"])
        .arg(data("basic"))
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(2),
        "unknown source is a usage error"
    );
}

const HEAD: &str = "record_id,kind,received_at,updated_at,region_code,is_online,category,problem,status,amount_yuan\n";

fn amounts(lake: &Lake) -> Vec<(String, String)> {
    lake.query(
        "SELECT record_id, CAST(amount_yuan AS VARCHAR) a FROM complaints ORDER BY record_id",
    )
    .iter()
    .map(|r| (s(&r["record_id"]).to_string(), s(&r["a"]).to_string()))
    .collect()
}

fn pairs(v: &[(&str, &str)]) -> Vec<(String, String)> {
    v.iter()
        .map(|(a, b)| (a.to_string(), b.to_string()))
        .collect()
}

#[test]
fn versions_newest_wins_ties_go_to_the_later_file_and_reloads_change_nothing() {
    let lake = Lake::new();
    let t = tempfile::tempdir().unwrap();
    let r1 = write(
        t.path(),
        "r1/complaints/x.csv",
        &format!(
            "{HEAD}V1,投诉,2025-07-01,2025-07-10,110000,是,G01,P01,已受理,100\n\
             V2,投诉,2025-07-01,2025-07-10,110000,是,G01,P01,已受理,200\n"
        ),
    );
    ok(&lake.ingest(&[&r1]));
    assert_eq!(amounts(&lake), pairs(&[("V1", "100.00"), ("V2", "200.00")]));

    // Later run: an older V1 (superseded), a newer V2 (loaded), a new V3.
    let r2 = write(
        t.path(),
        "r2/complaints/x.csv",
        &format!(
            "{HEAD}V1,投诉,2025-07-01,2025-07-05,110000,是,G01,P01,已受理,999\n\
             V2,投诉,2025-07-01,2025-07-12,110000,是,G01,P01,已受理,300\n\
             V3,投诉,2025-07-02,,110000,是,G01,P01,已受理,1\n"
        ),
    );
    ok(&lake.ingest(&[&r2]));
    assert_eq!(
        amounts(&lake),
        pairs(&[("V1", "100.00"), ("V2", "300.00"), ("V3", "1.00")])
    );
    assert_eq!(counts(&lake, "r2/complaints/x.csv"), (3, 2, 1, 0));

    // The same file again: all superseded, nothing changes.
    ok(&lake.ingest(&[&r2]));
    assert_eq!(counts(&lake, "r2/complaints/x.csv"), (3, 0, 3, 0));
    assert_eq!(
        amounts(&lake),
        pairs(&[("V1", "100.00"), ("V2", "300.00"), ("V3", "1.00")])
    );

    // Within one run: equal updated_at, the later file wins; within a file the later row.
    let a = write(
        t.path(),
        "r3/complaints/a.csv",
        &format!(
            "{HEAD}V4,投诉,2025-07-01,2025-07-20,110000,是,G01,P01,已受理,1\n\
             V5,投诉,2025-07-01,2025-07-20,110000,是,G01,P01,已受理,7\n\
             V5,投诉,2025-07-01,2025-07-20,110000,是,G01,P01,已受理,8\n"
        ),
    );
    write(
        t.path(),
        "r3/complaints/b.csv",
        &format!("{HEAD}V4,投诉,2025-07-01,2025-07-20,110000,是,G01,P01,已受理,2\n"),
    );
    ok(&lake.ingest(&[a.parent().unwrap()]));
    let got = amounts(&lake);
    assert!(got.contains(&("V4".into(), "2.00".into())), "{got:?}");
    assert!(got.contains(&("V5".into(), "8.00".into())), "{got:?}");
    assert_eq!(counts(&lake, "r3/complaints/a.csv"), (3, 1, 2, 0));
    assert_eq!(counts(&lake, "r3/complaints/b.csv"), (1, 1, 0, 0));
    assert_eq!(lake.count("SELECT count(*) FROM complaints"), 5);
}

#[test]
fn parquet_extracts_with_typed_columns_load() {
    use arrow::array::{
        ArrayRef, Decimal128Array, RecordBatch, StringArray, TimestampMillisecondArray,
    };
    use std::sync::Arc;
    let t = tempfile::tempdir().unwrap();
    let dir = t.path().join("complaints");
    std::fs::create_dir_all(&dir).unwrap();
    let str_col = |v: Vec<&str>| -> ArrayRef { Arc::new(StringArray::from(v)) };
    // 2025-07-03 06:22:10 UTC is 14:22:10 in Beijing.
    let ts: ArrayRef = Arc::new(
        TimestampMillisecondArray::from(vec![1_751_523_730_000i64, 1_751_523_730_000])
            .with_timezone("UTC"),
    );
    let amount: ArrayRef = Arc::new(
        Decimal128Array::from(vec![Some(123_450i128), None])
            .with_precision_and_scale(12, 2)
            .unwrap(),
    );
    let batch = RecordBatch::try_from_iter(vec![
        ("record_id", str_col(vec!["Q1", "Q2"])),
        ("kind", str_col(vec!["投诉", "举报"])),
        ("received_at", ts),
        ("region_code", str_col(vec!["310000", "上海"])),
        ("is_online", str_col(vec!["true", "false"])),
        ("category", str_col(vec!["G05", "S07"])),
        ("problem", str_col(vec!["P03", "P11"])),
        ("status", str_col(vec!["待受理", "已受理"])),
        ("amount_yuan", amount),
    ])
    .unwrap();
    let f = std::fs::File::create(dir.join("q.parquet")).unwrap();
    let mut w = parquet::arrow::ArrowWriter::try_new(f, batch.schema(), None).unwrap();
    w.write(&batch).unwrap();
    w.close().unwrap();
    let lake = Lake::new();
    ok(&lake.ingest(&[t.path()]));
    let r = lake.query("SELECT record_id, CAST(received_at AS VARCHAR) t, CAST(amount_yuan AS VARCHAR) a, region_code FROM complaints ORDER BY record_id");
    assert_eq!(s(&r[0]["t"]), "2025-07-03T14:22:10");
    assert_eq!(s(&r[0]["a"]), "1234.50");
    assert_eq!(s(&r[1]["region_code"]), "310000");
}

/// Every value of every Parquet file in the lake, as text, and the raw bytes
/// of every other file (Delta logs carry column statistics as JSON).
fn lake_text(root: &Path) -> String {
    use arrow::array::Array;
    let mut out = String::new();
    let mut stack = vec![root.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).unwrap().flatten() {
            let p = e.path();
            if p.is_dir() {
                stack.push(p);
            } else if p.extension().is_some_and(|x| x == "parquet") {
                let f = std::fs::File::open(&p).unwrap();
                let r = parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder::try_new(f)
                    .unwrap()
                    .build()
                    .unwrap();
                for b in r {
                    let b = b.unwrap();
                    for c in b.columns() {
                        let t = arrow::compute::cast(c, &arrow::datatypes::DataType::Utf8).unwrap();
                        let t = t
                            .as_any()
                            .downcast_ref::<arrow::array::StringArray>()
                            .unwrap();
                        for i in 0..t.len() {
                            if t.is_valid(i) {
                                out.push_str(t.value(i));
                                out.push('\n');
                            }
                        }
                    }
                }
            } else {
                out.push_str(&String::from_utf8_lossy(&std::fs::read(&p).unwrap()));
            }
        }
    }
    out
}

#[test]
fn personal_data_never_reaches_the_lake() {
    let lake = Lake::new();
    ok(&lake.ingest(&[&data("basic")]));
    let text = lake_text(&lake.path());
    assert!(
        text.contains("要求退款"),
        "the scan reads the lake's values"
    );
    for secret in ["13800138000", "138-0013-8000", "110101199003071234", "张三"] {
        assert!(!text.contains(secret), "'{secret}' found in the lake");
    }
    assert!(text.contains("[已脱敏]"));
    // The same consumer by phone forms gets the same key; it is a 32-hex keyed hash.
    let k = lake.query("SELECT record_id, consumer_key FROM complaints WHERE record_id IN ('A001', 'A002') ORDER BY record_id");
    let (k1, k2) = (s(&k[0]["consumer_key"]), s(&k[1]["consumer_key"]));
    assert_eq!(k1, k2);
    assert_eq!(k1.len(), 32);
    assert!(k1.chars().all(|c| c.is_ascii_hexdigit()));
}

#[test]
fn a_run_killed_between_commits_leaves_the_lake_as_it_was() {
    let lake = Lake::new();
    let t = tempfile::tempdir().unwrap();
    let r1 = write(
        t.path(),
        "r1/complaints/x.csv",
        &format!("{HEAD}V1,投诉,2025-07-01,,110000,是,G01,P01,已受理,100\n"),
    );
    ok(&lake.ingest(&[&r1]));
    let before = amounts(&lake);

    // Second run touches two sources; abort right after its first Delta commit.
    write(t.path(), "r2/complaints/x.csv", &format!("{HEAD}V1,投诉,2025-07-01,2025-08-01,110000,是,G01,P01,已受理,555\nV9,投诉,2025-07-02,,110000,是,G01,P01,已受理,9\n"));
    write(
        t.path(),
        "r2/platforms/p.csv",
        "platform_id,name,region_code,business_format\nP1,某平台,110000,团购\n",
    );
    let killed = lake
        .cmd()
        .env("WANGJIAN_FAULT_AFTER_COMMITS", "1")
        .arg("ingest")
        .arg(t.path().join("r2"))
        .output()
        .unwrap();
    assert!(!killed.status.success(), "the fault point must end the run");
    // Readers see the lake before the run: platforms still empty (every source
    // table exists from the first run on), complaints unchanged.
    assert_eq!(amounts(&lake), before);
    assert_eq!(lake.count("SELECT count(*) FROM platforms"), 0);
    assert_eq!(lake.count("SELECT count(*) FROM load_runs"), 1);

    // Killed after two commits (platforms and complaints written, nothing published).
    let killed = lake
        .cmd()
        .env("WANGJIAN_FAULT_AFTER_COMMITS", "2")
        .arg("ingest")
        .arg(t.path().join("r2"))
        .output()
        .unwrap();
    assert!(!killed.status.success());
    assert_eq!(amounts(&lake), before);

    // The next run repairs and succeeds.
    ok(&lake.ingest(&[&t.path().join("r2")]));
    assert_eq!(amounts(&lake), pairs(&[("V1", "555.00"), ("V9", "9.00")]));
    assert_eq!(lake.count("SELECT count(*) FROM platforms"), 1);
    assert_eq!(lake.count("SELECT count(*) FROM load_runs"), 3);
}
