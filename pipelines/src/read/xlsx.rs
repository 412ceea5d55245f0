//! Excel workbooks: the first worksheet, first row is the header. Date cells
//! arrive as Excel serial numbers and are read by the date rules; numbers
//! that are whole are written without a fraction (phone numbers, codes).

use std::path::Path;

use calamine::{open_workbook, Data, Reader, Xlsx};

use super::{FileInfo, RawRecord, ReadError, RecordReader};

pub fn open(path: &Path) -> Result<(Box<dyn RecordReader>, FileInfo), ReadError> {
    let mut wb: Xlsx<_> = open_workbook(path)
        .map_err(|e| ReadError::new(format!("not a readable XLSX workbook: {e}")))?;
    let range = wb
        .worksheet_range_at(0)
        .ok_or_else(|| ReadError::new("the workbook has no worksheet"))?
        .map_err(|e| ReadError::new(format!("cannot read the first worksheet: {e}")))?;
    let mut rows = range.rows();
    let headers: Vec<String> = rows
        .next()
        .ok_or_else(|| ReadError::new("the first worksheet is empty (no header row)"))?
        .iter()
        .map(cell_text)
        .collect();
    let width = headers.len();
    let mut records = Vec::new();
    for (i, r) in rows.enumerate() {
        if r.iter().all(|c| matches!(c, Data::Empty)) {
            continue;
        }
        let mut fields: Vec<String> = r.iter().map(cell_text).collect();
        fields.resize(width, String::new());
        records.push(RawRecord {
            row: i as u64 + 1,
            fields,
            malformed: None,
        });
    }
    records.reverse();
    let info = FileInfo {
        format: "xlsx",
        encoding: None,
    };
    Ok((Box::new(XlsxRecords { headers, records }), info))
}

fn number_text(f: f64) -> String {
    if f.fract() == 0.0 && f.abs() < 1e15 {
        format!("{}", f as i64)
    } else {
        format!("{f}")
    }
}

fn cell_text(c: &Data) -> String {
    match c {
        Data::Empty => String::new(),
        Data::String(s) => s.clone(),
        Data::Int(i) => i.to_string(),
        Data::Float(f) => number_text(*f),
        Data::Bool(b) => b.to_string(),
        Data::DateTime(d) => number_text(d.as_f64()),
        Data::DateTimeIso(s) | Data::DurationIso(s) => s.clone(),
        Data::Error(e) => format!("#{e:?}"),
    }
}

struct XlsxRecords {
    headers: Vec<String>,
    /// Remaining rows, last row first.
    records: Vec<RawRecord>,
}

impl RecordReader for XlsxRecords {
    fn headers(&self) -> &[String] {
        &self.headers
    }

    fn next_batch(&mut self, max: usize) -> Result<Vec<RawRecord>, ReadError> {
        let n = self.records.len().min(max);
        let start = self.records.len() - n;
        let mut out: Vec<RawRecord> = self.records.drain(start..).collect();
        out.reverse();
        Ok(out)
    }
}
