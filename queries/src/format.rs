//! Output formats of `wangjian sql`.

use std::io::Write;

use arrow::array::RecordBatch;
use arrow::datatypes::SchemaRef;

use crate::QueryError;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// An aligned text table.
    Table,
    /// A header line, then RFC 4180 rows.
    Csv,
    /// A JSON array of objects.
    Json,
}

impl std::str::FromStr for Format {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        match s {
            "table" => Ok(Format::Table),
            "csv" => Ok(Format::Csv),
            "json" => Ok(Format::Json),
            other => Err(format!("unknown format '{other}' (table, csv or json)")),
        }
    }
}

fn io(e: impl std::fmt::Display) -> QueryError {
    QueryError::Sql(format!("cannot write the result: {e}"))
}

/// Writes one result in the chosen format.
pub fn write_batches(
    out: &mut dyn Write,
    schema: &SchemaRef,
    batches: &[RecordBatch],
    format: Format,
) -> Result<(), QueryError> {
    match format {
        Format::Table => {
            if batches.iter().all(|b| b.num_rows() == 0) {
                let names: Vec<&str> = schema.fields().iter().map(|f| f.name().as_str()).collect();
                writeln!(out, "({}) 0 rows", names.join(", ")).map_err(io)?;
                return Ok(());
            }
            let table = arrow::util::pretty::pretty_format_batches(batches).map_err(io)?;
            writeln!(out, "{table}").map_err(io)?;
        }
        Format::Csv => {
            let mut w = arrow::csv::WriterBuilder::new()
                .with_header(true)
                .build(&mut *out);
            if batches.is_empty() {
                let empty = RecordBatch::new_empty(schema.clone());
                w.write(&empty).map_err(io)?;
            }
            for b in batches {
                w.write(b).map_err(io)?;
            }
        }
        Format::Json => {
            let mut w = arrow::json::ArrayWriter::new(&mut *out);
            for b in batches {
                w.write(b).map_err(io)?;
            }
            w.finish().map_err(io)?;
            drop(w);
            writeln!(out).map_err(io)?;
        }
    }
    Ok(())
}
