//! File writers for generated extracts, one per format and encoding. Each
//! takes rows in the source's column order and writes them with the file's
//! own header language and column order.

use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use arrow::array::{ArrayBuilder, ArrayRef, RecordBatch, StringBuilder};
use arrow::datatypes::{DataType, Field, Schema};
use flate2::write::GzEncoder;
use parquet::arrow::ArrowWriter;

use super::xlsx::{write_xlsx, Cell};
use wangjian_contract::sources::Source;

/// How a file is written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    CsvUtf8,
    CsvBom,
    CsvGb18030,
    CsvGz,
    Jsonl,
    Xlsx,
    Parquet,
}

impl Format {
    pub fn extension(self) -> &'static str {
        match self {
            Format::CsvUtf8 | Format::CsvBom => "csv",
            Format::CsvGb18030 => "gbk.csv",
            Format::CsvGz => "csv.gz",
            Format::Jsonl => "jsonl",
            Format::Xlsx => "xlsx",
            Format::Parquet => "parquet",
        }
    }
}

/// A value as generated: text, or a date-time that some formats write natively.
#[derive(Debug, Clone)]
pub enum Val {
    S(String),
    /// Excel serial, plus the text form for text formats.
    Serial(f64, String),
    Empty,
}

impl Val {
    fn text(&self) -> &str {
        match self {
            Val::S(s) | Val::Serial(_, s) => s,
            Val::Empty => "",
        }
    }
}

enum Out {
    Text(Box<dyn Write>, Option<&'static encoding_rs::Encoding>),
    Json(Box<dyn Write>),
    Xlsx(Vec<Vec<Cell>>),
    Parquet(
        Box<Option<ArrowWriter<File>>>,
        Vec<StringBuilder>,
        Arc<Schema>,
    ),
}

/// One extract file being written.
pub struct Sink {
    path: PathBuf,
    /// For each output column, the source column index.
    order: Vec<usize>,
    names: Vec<String>,
    out: Out,
    pub rows: u64,
}

fn csv_line(fields: &[&str]) -> String {
    let mut w = csv::WriterBuilder::new()
        .terminator(csv::Terminator::CRLF)
        .from_writer(Vec::new());
    let _ = w.write_record(fields);
    String::from_utf8(w.into_inner().unwrap_or_default()).unwrap_or_default()
}

impl Sink {
    /// Opens a file; `chinese` picks the header language; `order` the columns
    /// written (indexes into the source's columns, any order).
    pub fn create(
        path: &Path,
        src: &Source,
        format: Format,
        chinese: bool,
        order: Vec<usize>,
    ) -> std::io::Result<Sink> {
        if let Some(d) = path.parent() {
            std::fs::create_dir_all(d)?;
        }
        let names: Vec<String> = order
            .iter()
            .map(|&i| {
                if chinese {
                    src.columns[i].zh
                } else {
                    src.columns[i].name
                }
                .to_string()
            })
            .collect();
        let file = || -> std::io::Result<Box<dyn Write>> {
            Ok(Box::new(BufWriter::with_capacity(
                1 << 16,
                File::create(path)?,
            )))
        };
        let out = match format {
            Format::CsvUtf8 => Out::Text(file()?, None),
            Format::CsvBom => {
                let mut f = file()?;
                f.write_all(b"\xEF\xBB\xBF")?;
                Out::Text(f, None)
            }
            Format::CsvGb18030 => Out::Text(file()?, Some(encoding_rs::GB18030)),
            Format::CsvGz => Out::Text(
                Box::new(GzEncoder::new(
                    BufWriter::new(File::create(path)?),
                    flate2::Compression::fast(),
                )),
                None,
            ),
            Format::Jsonl => Out::Json(file()?),
            Format::Xlsx => Out::Xlsx(vec![names.iter().map(|n| Cell::Text(n.clone())).collect()]),
            Format::Parquet => {
                let schema = Arc::new(Schema::new(
                    names
                        .iter()
                        .map(|n| Field::new(n, DataType::Utf8, true))
                        .collect::<Vec<_>>(),
                ));
                let w = ArrowWriter::try_new(File::create(path)?, schema.clone(), None)
                    .map_err(std::io::Error::other)?;
                Out::Parquet(
                    Box::new(Some(w)),
                    names.iter().map(|_| StringBuilder::new()).collect(),
                    schema,
                )
            }
        };
        let mut sink = Sink {
            path: path.to_path_buf(),
            order,
            names,
            out,
            rows: 0,
        };
        if let Out::Text(..) = sink.out {
            let header: Vec<&str> = sink.names.iter().map(String::as_str).collect();
            sink.put_text(&csv_line(&header))?;
        }
        Ok(sink)
    }

    fn put_text(&mut self, line: &str) -> std::io::Result<()> {
        if let Out::Text(w, enc) = &mut self.out {
            match enc {
                Some(e) => w.write_all(&e.encode(line).0)?,
                None => w.write_all(line.as_bytes())?,
            }
        }
        Ok(())
    }

    /// Writes one row (values in the source's column order).
    pub fn write(&mut self, row: &[Val]) -> std::io::Result<()> {
        self.rows += 1;
        let picked: Vec<&Val> = self.order.iter().map(|&i| &row[i]).collect();
        match &mut self.out {
            Out::Text(..) => {
                let fields: Vec<&str> = picked.iter().map(|v| v.text()).collect();
                let line = csv_line(&fields);
                self.put_text(&line)?;
            }
            Out::Json(w) => {
                let mut m = serde_json::Map::new();
                for (n, v) in self.names.iter().zip(&picked) {
                    let t = v.text();
                    if t.is_empty() {
                        continue;
                    }
                    // Plain numbers go as JSON numbers, as upstream systems send them.
                    let value = match t.parse::<f64>() {
                        Ok(x)
                            if t.len() < 15
                                && !t.starts_with('0')
                                && x.is_finite()
                                && !t.contains('e') =>
                        {
                            serde_json::from_str(t)
                                .unwrap_or(serde_json::Value::String(t.to_string()))
                        }
                        _ => serde_json::Value::String(t.to_string()),
                    };
                    m.insert(n.clone(), value);
                }
                writeln!(w, "{}", serde_json::Value::Object(m))?;
            }
            Out::Xlsx(rows) => rows.push(
                picked
                    .iter()
                    .map(|v| match v {
                        Val::Serial(x, _) => Cell::Date(*x),
                        Val::Empty => Cell::Empty,
                        Val::S(s) if s.is_empty() => Cell::Empty,
                        Val::S(s) => match s.parse::<f64>() {
                            Ok(x) if s.len() < 12 && !s.starts_with('0') && x.is_finite() => {
                                Cell::Number(x)
                            }
                            _ => Cell::Text(s.clone()),
                        },
                    })
                    .collect(),
            ),
            Out::Parquet(w, builders, schema) => {
                for (b, v) in builders.iter_mut().zip(&picked) {
                    match v.text() {
                        "" => b.append_null(),
                        t => b.append_value(t),
                    }
                }
                if builders[0].len() >= 8192 {
                    flush_parquet(w, builders, schema)?;
                }
            }
        }
        Ok(())
    }

    /// Writes a row that cannot be split into the header's fields.
    pub fn write_malformed(&mut self, first: &str) -> std::io::Result<()> {
        self.rows += 1;
        match &mut self.out {
            Out::Text(..) => {
                let line = csv_line(&[first, "残缺的行"]);
                self.put_text(&line)
            }
            Out::Json(w) => writeln!(w, "{{\"{first}\": 残缺"),
            _ => Ok(()),
        }
    }

    pub fn supports_malformed(&self) -> bool {
        matches!(self.out, Out::Text(..) | Out::Json(_))
    }

    pub fn finish(self) -> std::io::Result<PathBuf> {
        match self.out {
            Out::Text(mut w, _) | Out::Json(mut w) => w.flush()?,
            Out::Xlsx(rows) => write_xlsx(&self.path, &rows)?,
            Out::Parquet(mut w, mut builders, schema) => {
                flush_parquet(&mut w, &mut builders, &schema)?;
                if let Some(w) = *w {
                    w.close().map_err(std::io::Error::other)?;
                }
            }
        }
        Ok(self.path)
    }
}

fn flush_parquet(
    w: &mut Option<ArrowWriter<File>>,
    builders: &mut [StringBuilder],
    schema: &Arc<Schema>,
) -> std::io::Result<()> {
    if builders.is_empty() || builders[0].is_empty() {
        return Ok(());
    }
    let cols: Vec<ArrayRef> = builders
        .iter_mut()
        .map(|b| Arc::new(b.finish()) as ArrayRef)
        .collect();
    let batch = RecordBatch::try_new(schema.clone(), cols).map_err(std::io::Error::other)?;
    if let Some(w) = w {
        w.write(&batch).map_err(std::io::Error::other)?;
    }
    Ok(())
}
