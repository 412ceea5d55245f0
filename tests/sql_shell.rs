//! `wangjian sql`: output formats, errors, and the interactive shell.

mod common;

use common::{data, ok, Lake};

#[test]
fn sql_formats_and_errors() {
    let lake = Lake::new();
    ok(&lake.ingest(&[&data("basic")]));
    let out = lake
        .cmd()
        .args([
            "sql",
            "--format",
            "csv",
            "-e",
            "SELECT code, name FROM ref_provinces WHERE code IN ('110000', '650000') ORDER BY code",
        ])
        .output()
        .unwrap();
    ok(&out);
    assert_eq!(
        String::from_utf8(out.stdout).unwrap(),
        "code,name\n110000,北京市\n650000,新疆维吾尔自治区\n"
    );
    assert_eq!(lake.count("SELECT count(*) FROM ref_provinces"), 31);
    assert_eq!(
        lake.count("SELECT sum(population) FROM ref_provinces"),
        1_409_778_724
    );
    let out = lake
        .cmd()
        .args(["sql", "-e", "SELECT nope FROM complaints"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("nope") && !err.contains("panicked"), "{err}");
    let f = lake.dir.path().join("q.sql");
    std::fs::write(&f, "SELECT count(*) AS n FROM cases;").unwrap();
    let o = lake.dir.path().join("out.csv");
    ok(&lake
        .cmd()
        .arg("sql")
        .arg("-f")
        .arg(&f)
        .args(["--format", "csv", "--output"])
        .arg(&o)
        .output()
        .unwrap());
    assert_eq!(std::fs::read_to_string(&o).unwrap(), "n\n2\n");
}

#[test]
fn the_interactive_shell_runs_multi_line_statements_and_lists_tables() {
    let lake = Lake::new();
    ok(&lake.ingest(&[&data("basic")]));
    let out =
        lake.shell(b"\\d\nSELECT count(*) AS n\nFROM cases;\nSELECT nope;\n\\d platforms\n\\q\n");
    assert!(out.status.success());
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.lines().any(|l| l.trim() == "quarantine"),
        "\\d lists the tables:\n{text}"
    );
    assert!(
        text.contains("| 2 |"),
        "the two-line statement ran:\n{text}"
    );
    assert!(
        text.lines().any(|l| l.starts_with("business_format")),
        "\\d NAME lists columns:\n{text}"
    );
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("error:") && err.contains("nope"),
        "an error is shown and the shell goes on:\n{err}"
    );
}
