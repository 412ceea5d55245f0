//! Readers that never crash (issue 8): every reader (CSV in UTF-8 and
//! GB18030, `.csv.gz`, XLSX, JSON lines, Parquet) is fed 200+ damaged copies
//! of a fixture file, made by a seeded generator so that every run feeds the
//! same bytes. Every copy must end loaded, partly quarantined, or rejected
//! whole with a message naming the file: never a panic, an abort or a hang.
//! The lake stays readable, and every file not rejected balances: read =
//! loaded + superseded + quarantined.

mod common;

use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::sync::Arc;
use std::time::{Duration, Instant};

use common::{data, Lake};

const MUTANTS: usize = 210;

/// splitmix64: small, seeded, the same everywhere.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    fn below(&mut self, n: usize) -> usize {
        if n == 0 {
            0
        } else {
            (self.next() % n as u64) as usize
        }
    }
}

/// One damage of a byte string (kind chosen by the caller).
fn damage(b: &[u8], kind: usize, r: &mut Rng) -> Vec<u8> {
    let len = b.len();
    let at = r.below(len + 1);
    match kind % 8 {
        // Truncated at a random point.
        0 => b[..at].to_vec(),
        // Random bytes overwritten.
        1 => {
            let mut v = b.to_vec();
            for _ in 0..1 + r.below(16) {
                if !v.is_empty() {
                    let i = r.below(v.len());
                    v[i] = r.next() as u8;
                }
            }
            v
        }
        // An invalid byte run inserted (bytes no UTF-8 text starts with).
        2 => {
            let run: Vec<u8> = (0..1 + r.below(64))
                .map(|_| 0x80 | (r.next() as u8 & 0x7F))
                .collect();
            [&b[..at], &run[..], &b[at..]].concat()
        }
        // A 2 MB single field.
        3 => [&b[..at], &vec![b'x'; 2 << 20][..], &b[at..]].concat(),
        // The second half only.
        4 => b[len / 2..].to_vec(),
        // A chunk repeated elsewhere.
        5 => {
            let from = r.below(len);
            let n = r.below(len - from + 1);
            [&b[..at], &b[from..from + n], &b[at..]].concat()
        }
        // A chunk removed.
        6 => {
            let n = r.below(len - at + 1);
            [&b[..at], &b[at + n..]].concat()
        }
        // Truncated and overwritten.
        _ => {
            let mut v = damage(b, 0, r);
            if !v.is_empty() {
                let i = r.below(v.len());
                v[i] ^= 0xFF;
            }
            v
        }
    }
}

fn gz(b: &[u8]) -> Vec<u8> {
    let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    e.write_all(b).unwrap();
    e.finish().unwrap()
}

fn gunzip(b: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    flate2::read::MultiGzDecoder::new(b)
        .read_to_end(&mut out)
        .unwrap();
    out
}

/// The entries of a zip file.
fn unzip(b: &[u8]) -> Vec<(String, Vec<u8>)> {
    let mut z = zip::ZipArchive::new(std::io::Cursor::new(b)).unwrap();
    (0..z.len())
        .map(|i| {
            let mut f = z.by_index(i).unwrap();
            let mut v = Vec::new();
            f.read_to_end(&mut v).unwrap();
            (f.name().unwrap().to_string(), v)
        })
        .collect()
}

fn rezip(entries: &[(String, Vec<u8>)]) -> Vec<u8> {
    let mut w = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    for (name, body) in entries {
        w.start_file(name.as_str(), zip::write::SimpleFileOptions::default())
            .unwrap();
        w.write_all(body).unwrap();
    }
    w.finish().unwrap().into_inner()
}

/// Claims a huge uncompressed size in every local and central zip header.
fn claim_huge_sizes(b: &[u8]) -> Vec<u8> {
    let mut v = b.to_vec();
    let huge = 0xFFFF_FFF0u32.to_le_bytes();
    let mut i = 0;
    while i + 30 <= v.len() {
        match &v[i..i + 4] {
            [b'P', b'K', 3, 4] => v[i + 22..i + 26].copy_from_slice(&huge),
            [b'P', b'K', 1, 2] if i + 28 <= v.len() => v[i + 24..i + 28].copy_from_slice(&huge),
            _ => {}
        }
        i += 1;
    }
    v
}

fn is_sheet(name: &str) -> bool {
    name.starts_with("xl/worksheets/") && name.ends_with(".xml")
}

/// XLSX damage: at the zip level, inside the sheet's XML, or a crafted sheet.
fn xlsx_mutant(base: &[u8], i: usize, r: &mut Rng) -> Vec<u8> {
    let entries = unzip(base);
    match i % 5 {
        0 | 1 => damage(base, i / 5, r),
        2 => claim_huge_sizes(base),
        3 => {
            let e: Vec<(String, Vec<u8>)> = entries
                .iter()
                .map(|(n, b)| {
                    let b = if is_sheet(n) || n.ends_with("sharedStrings.xml") {
                        damage(b, i / 5, r)
                    } else {
                        b.clone()
                    };
                    (n.clone(), b)
                })
                .collect();
            rezip(&e)
        }
        _ => {
            // A cell at the far corner of the sheet, or rows nested deep.
            let e: Vec<(String, Vec<u8>)> = entries
                .iter()
                .map(|(n, b)| {
                    if !is_sheet(n) {
                        return (n.clone(), b.clone());
                    }
                    let text = String::from_utf8_lossy(b).into_owned();
                    let extra = if (i / 5).is_multiple_of(2) {
                        "<row r=\"1048576\"><c r=\"XFD1048576\" t=\"inlineStr\"><is><t>far</t></is></c></row>".to_string()
                    } else {
                        "<row>".repeat(20_000)
                    };
                    (n.clone(), text.replace("</sheetData>", &format!("{extra}</sheetData>")).into_bytes())
                })
                .collect();
            rezip(&e)
        }
    }
}

/// A Parquet file with the complaint columns, every value text.
fn complaints_parquet(csv: &Path) -> Vec<u8> {
    let text = std::fs::read_to_string(csv).unwrap();
    let mut rdr = csv_rows(&text);
    let header = rdr.remove(0);
    let fields: Vec<arrow::datatypes::Field> = header
        .iter()
        .map(|h| arrow::datatypes::Field::new(h, arrow::datatypes::DataType::Utf8, true))
        .collect();
    let schema = Arc::new(arrow::datatypes::Schema::new(fields));
    let cols: Vec<arrow::array::ArrayRef> = (0..header.len())
        .map(|c| {
            Arc::new(arrow::array::StringArray::from(
                rdr.iter()
                    .map(|row| row.get(c).cloned())
                    .collect::<Vec<Option<String>>>(),
            )) as _
        })
        .collect();
    parquet_bytes(arrow::array::RecordBatch::try_new(schema, cols).unwrap())
}

fn parquet_bytes(batch: arrow::array::RecordBatch) -> Vec<u8> {
    let mut out = Vec::new();
    let mut w = parquet::arrow::ArrowWriter::try_new(&mut out, batch.schema(), None).unwrap();
    w.write(&batch).unwrap();
    w.close().unwrap();
    out
}

/// A Parquet file of the wrong shape: a nested list column and a number
/// column under a complaint column's name.
fn wrong_schema_parquet(i: usize) -> Vec<u8> {
    use arrow::array::{Int64Array, ListArray};
    use arrow::datatypes::Int32Type;
    let list =
        ListArray::from_iter_primitive::<Int32Type, _, _>(vec![Some(vec![Some(1), Some(2)]), None]);
    let ids = Int64Array::from(vec![i as i64, 2]);
    let batch = arrow::array::RecordBatch::try_from_iter(vec![
        ("record_id", Arc::new(ids) as arrow::array::ArrayRef),
        ("kind", Arc::new(list) as arrow::array::ArrayRef),
    ])
    .unwrap();
    parquet_bytes(batch)
}

/// A minimal CSV splitter for the fixture (quotes, no embedded newlines).
fn csv_rows(text: &str) -> Vec<Vec<String>> {
    text.lines()
        .filter(|l| !l.is_empty())
        .map(|l| {
            let mut out = Vec::new();
            let mut cur = String::new();
            let mut quoted = false;
            for ch in l.chars() {
                match ch {
                    '"' => quoted = !quoted,
                    ',' if !quoted => out.push(std::mem::take(&mut cur)),
                    c => cur.push(c),
                }
            }
            out.push(cur);
            out
        })
        .collect()
}

/// Makes mutant `i` with the reader's generator.
type MakeMutant = dyn Fn(usize, &mut Rng) -> Vec<u8>;

struct Reader {
    /// Folder name of this reader's mutants.
    name: &'static str,
    source: &'static str,
    ext: &'static str,
    make: Box<MakeMutant>,
}

fn readers() -> Vec<Reader> {
    let csv_utf8 = std::fs::read(data("basic/complaints/2025Q3-a.csv")).unwrap();
    let csv_gbk = std::fs::read(data("basic/complaints/2025Q3-b-gbk.csv")).unwrap();
    let csv_gz = std::fs::read(data("basic/sampling/sampling.csv.gz")).unwrap();
    let xlsx = std::fs::read(data("basic/cases/cases.xlsx")).unwrap();
    let jsonl = std::fs::read(data("basic/entities/entities.jsonl")).unwrap();
    let pq = complaints_parquet(&data("basic/complaints/2025Q3-a.csv"));
    let text_extra = |base: Vec<u8>| {
        move |i: usize, r: &mut Rng| -> Vec<u8> {
            match i % 10 {
                // A row of 100 000 fields, and a quote never closed.
                8 => [&base[..], ",".repeat(100_000).as_bytes(), b"\n"].concat(),
                9 => [&base[..base.len() / 3], b"\"", &base[base.len() / 3..]].concat(),
                _ => damage(&base, i, r),
            }
        }
    };
    let gz_plain = gunzip(&csv_gz);
    vec![
        Reader {
            name: "csv-utf8",
            source: "complaints",
            ext: "csv",
            make: Box::new(text_extra(csv_utf8)),
        },
        Reader {
            name: "csv-gb18030",
            source: "complaints",
            ext: "csv",
            make: Box::new(text_extra(csv_gbk)),
        },
        Reader {
            name: "csv-gz",
            source: "sampling",
            ext: "csv.gz",
            make: Box::new(move |i, r| {
                if i.is_multiple_of(2) {
                    damage(&csv_gz, i / 2, r)
                } else {
                    gz(&damage(&gz_plain, i / 2, r))
                }
            }),
        },
        Reader {
            name: "xlsx",
            source: "cases",
            ext: "xlsx",
            make: Box::new(move |i, r| xlsx_mutant(&xlsx, i, r)),
        },
        Reader {
            name: "jsonl",
            source: "entities",
            ext: "jsonl",
            make: Box::new(move |i, r| match i % 10 {
                8 => [&jsonl[..], "[".repeat(100_000).as_bytes(), b"\n"].concat(),
                9 => [
                    &jsonl[..],
                    "{\"uscc\":".repeat(50_000).as_bytes(),
                    b"1",
                    "}".repeat(50_000).as_bytes(),
                    b"\n",
                ]
                .concat(),
                _ => damage(&jsonl, i, r),
            }),
        },
        Reader {
            name: "parquet",
            source: "complaints",
            ext: "parquet",
            make: Box::new(move |i, r| match i % 10 {
                9 => wrong_schema_parquet(i),
                // Damage aimed at the footer, where Parquet keeps its metadata.
                8 => {
                    let mut v = pq.clone();
                    let n = v.len();
                    for _ in 0..4 {
                        let k = n - 1 - r.below(n.min(200));
                        v[k] = r.next() as u8;
                    }
                    v
                }
                _ => damage(&pq, i, r),
            }),
        },
    ]
}

/// Runs `ingest` on a folder with a time limit; a hang is a failure.
fn ingest_with_limit(lake: &Lake, dir: &Path, limit: Duration) -> std::process::Output {
    let mut child = lake
        .cmd()
        .arg("ingest")
        .arg(dir)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let started = Instant::now();
    // Drain the pipes on threads so that a chatty child never blocks.
    let mut so = child.stdout.take().unwrap();
    let mut se = child.stderr.take().unwrap();
    let out_t = std::thread::spawn(move || {
        let mut v = Vec::new();
        let _ = so.read_to_end(&mut v);
        v
    });
    let err_t = std::thread::spawn(move || {
        let mut v = Vec::new();
        let _ = se.read_to_end(&mut v);
        v
    });
    let status = loop {
        if let Some(s) = child.try_wait().unwrap() {
            break s;
        }
        if started.elapsed() > limit {
            let _ = child.kill();
            let _ = child.wait();
            panic!("ingest of {} hung (over {limit:?})", dir.display());
        }
        std::thread::sleep(Duration::from_millis(50));
    };
    std::process::Output {
        status,
        stdout: out_t.join().unwrap(),
        stderr: err_t.join().unwrap(),
    }
}

#[test]
fn every_reader_survives_hundreds_of_damaged_files() {
    let t = tempfile::tempdir().unwrap();
    let lake = Lake::new();
    let mut failures = Vec::new();
    for (k, reader) in readers().into_iter().enumerate() {
        let mut rng = Rng(0x5EED_0000 + k as u64);
        let dir = t.path().join(format!("mut-{}", reader.name));
        let src_dir = dir.join(reader.source);
        std::fs::create_dir_all(&src_dir).unwrap();
        let mut files: Vec<PathBuf> = Vec::new();
        for i in 0..MUTANTS {
            let p = src_dir.join(format!("m{i:03}.{}", reader.ext));
            std::fs::write(&p, (reader.make)(i, &mut rng)).unwrap();
            files.push(p);
        }
        let o = ingest_with_limit(&lake, &dir, Duration::from_secs(300));
        let err = String::from_utf8_lossy(&o.stderr);
        let code = o.status.code();
        if !matches!(code, Some(0) | Some(3)) {
            failures.push(format!(
                "{}: exit {:?} (a signal or a failure)\n{err}",
                reader.name, o.status
            ));
            continue;
        }
        if err.contains("panicked") || err.contains("internal error") {
            failures.push(format!("{}: a panic was caught\n{err}", reader.name));
        }
        let like = format!("%/mut-{}/%", reader.name);
        let rows = lake.query(&format!(
            "SELECT file, status, message, rows_read, loaded, superseded, quarantined FROM load_runs WHERE file LIKE '{like}'"
        ));
        if rows.len() != MUTANTS {
            failures.push(format!(
                "{}: {} of {MUTANTS} files reported",
                reader.name,
                rows.len()
            ));
        }
        for r in &rows {
            let file = r["file"].as_str().unwrap_or_default();
            let n = |k: &str| r[k].as_i64().unwrap_or(-1);
            if r["status"] == "rejected" {
                let msg = r["message"].as_str().unwrap_or_default();
                if msg.is_empty() || !err.contains(&format!("rejected: {file}: ")) {
                    failures.push(format!("{file}: rejected without a message naming it"));
                }
            } else if n("rows_read") != n("loaded") + n("superseded") + n("quarantined") {
                failures.push(format!("{file}: counts do not balance: {r:?}"));
            }
        }
        // The lake stays readable.
        lake.count(&format!("SELECT count(*) FROM {}", reader.source));
        let rejected = rows.iter().filter(|r| r["status"] == "rejected").count();
        eprintln!(
            "{}: {} files, {rejected} rejected, {} read",
            reader.name,
            rows.len(),
            rows.iter()
                .map(|r| r["rows_read"].as_i64().unwrap_or(0))
                .sum::<i64>()
        );
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
