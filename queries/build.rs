//! Compiles `queries/*.sql` and `queries/risk_weights.csv` into the crate, so
//! that an installed binary carries its SQL (`--queries DIR` still overrides).

use std::path::Path;

fn main() {
    // Read at run time: a build script binary reused from another checkout
    // must not read that checkout's files.
    let manifest = std::env::var("CARGO_MANIFEST_DIR").expect("cargo sets CARGO_MANIFEST_DIR");
    let dir = Path::new(&manifest);
    let mut files: Vec<String> = std::fs::read_dir(dir)
        .expect("the queries folder")
        .filter_map(|e| e.ok())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".sql"))
        .collect();
    files.sort();
    let mut code = String::from(
        "/// The query files, in name order.\npub const FILES: &[(&str, &str)] = &[\n",
    );
    for f in &files {
        let path = dir.join(f);
        println!("cargo:rerun-if-changed={}", path.display());
        code.push_str(&format!(
            "    ({f:?}, include_str!({:?})),\n",
            path.display().to_string()
        ));
    }
    code.push_str("];\n");
    // Read-only views that reports run at render time (queries/views/*.sql).
    let views_dir = dir.join("views");
    let mut views: Vec<String> = std::fs::read_dir(&views_dir)
        .map(|d| {
            d.filter_map(|e| e.ok())
                .map(|e| e.file_name().to_string_lossy().into_owned())
                .filter(|n| n.ends_with(".sql"))
                .collect()
        })
        .unwrap_or_default();
    views.sort();
    println!("cargo:rerun-if-changed={}", views_dir.display());
    code.push_str(
        "/// The views, by name (file name without .sql).\npub const VIEWS: &[(&str, &str)] = &[\n",
    );
    for v in &views {
        let path = views_dir.join(v);
        println!("cargo:rerun-if-changed={}", path.display());
        code.push_str(&format!(
            "    ({:?}, include_str!({:?})),\n",
            v.trim_end_matches(".sql"),
            path.display().to_string()
        ));
    }
    code.push_str("];\n");
    let weights = dir.join("risk_weights.csv");
    println!("cargo:rerun-if-changed={}", weights.display());
    println!("cargo:rerun-if-changed={}", dir.display());
    code.push_str(&format!(
        "/// The composite index weights.\npub const WEIGHTS: &str = include_str!({:?});\n",
        weights.display().to_string()
    ));
    let out = Path::new(&std::env::var("OUT_DIR").expect("OUT_DIR")).join("builtin.rs");
    std::fs::write(out, code).expect("write builtin.rs");
}
