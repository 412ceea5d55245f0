//! The data dictionary: every column documented, and docs/data-dictionary.md
//! current.

mod common;

use std::path::Path;

use common::{data, ok, Lake};

#[test]
fn the_data_dictionary_documents_every_column_and_the_docs_are_current() {
    let lake = Lake::new();
    ok(&lake.ingest(&[&data("basic")]));
    ok(&lake.cmd().arg("indicators").output().unwrap());
    let undocumented =
        lake.query("SELECT table_name, column_name FROM columns_doc WHERE meaning = ''");
    assert!(
        undocumented.is_empty(),
        "columns without a meaning: {undocumented:?}"
    );
    assert!(
        lake.count("SELECT count(*) FROM columns_doc WHERE table_name = 'regional_indicators'")
            >= 32
    );
    let out = lake.cmd().arg("dictionary").output().unwrap();
    ok(&out);
    let generated = String::from_utf8(out.stdout).unwrap();
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("docs")
        .join("data-dictionary.md");
    let committed = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        generated == committed,
        "docs/data-dictionary.md is out of date: run `cargo run -- --lake LAKE dictionary > docs/data-dictionary.md` on a lake with every table"
    );
}
