//! Excel workbooks: the first worksheet; its first row with any cell is the
//! header. Date cells arrive as Excel serial numbers and are read by the date
//! rules; numbers that are whole are written without a fraction (phone
//! numbers, codes).
//!
//! The sheet is streamed cell by cell (calamine's cell reader, on a thread of
//! its own that hands rows over in batches), never expanded to a dense range:
//! a sheet with one cell at A1 and another at XFD1048576 costs two cells, not
//! seventeen billion.

use std::path::{Path, PathBuf};
use std::sync::mpsc::{sync_channel, Receiver, SyncSender};

use calamine::{open_workbook, Data, Reader, Xlsx};

use super::{FileInfo, RawRecord, ReadError, RecordReader};

const ROWS_PER_MESSAGE: usize = 1024;

enum Msg {
    Header(Result<Vec<String>, ReadError>),
    Rows(Result<Vec<RawRecord>, ReadError>),
}

pub fn open(path: &Path) -> Result<(Box<dyn RecordReader>, FileInfo), ReadError> {
    let (tx, rx) = sync_channel::<Msg>(4);
    let p = path.to_path_buf();
    std::thread::Builder::new()
        .name("xlsx-reader".into())
        .spawn(move || produce(&p, &tx))
        .map_err(|e| ReadError::new(format!("cannot start the workbook reader: {e}")))?;
    let headers = match rx.recv() {
        Ok(Msg::Header(h)) => h?,
        _ => return Err(lost()),
    };
    let info = FileInfo {
        format: super::Format::Xlsx,
        encoding: None,
    };
    Ok((
        Box::new(XlsxRecords {
            headers,
            rx,
            done: false,
        }),
        info,
    ))
}

fn lost() -> ReadError {
    ReadError::new("internal error while reading the workbook (please report)")
}

/// The reader thread: sends the header, then the rows, then an empty batch.
fn produce(path: &PathBuf, tx: &SyncSender<Msg>) {
    let mut wb: Xlsx<_> = match open_workbook(path) {
        Ok(wb) => wb,
        Err(e) => {
            let _ = tx.send(Msg::Header(Err(ReadError::new(format!(
                "not a readable XLSX workbook: {e}"
            )))));
            return;
        }
    };
    let Some(sheet) = wb.sheet_names().first().cloned() else {
        let _ = tx.send(Msg::Header(Err(ReadError::new(
            "the workbook has no worksheet",
        ))));
        return;
    };
    let mut cells = match wb.worksheet_cells_reader(&sheet) {
        Ok(c) => c,
        Err(e) => {
            let _ = tx.send(Msg::Header(Err(ReadError::new(format!(
                "cannot read the first worksheet: {e}"
            )))));
            return;
        }
    };
    let mut rows = RowGrouper::default();
    let mut batch = Vec::new();
    loop {
        let next = match cells.next_cell() {
            Ok(c) => c,
            Err(e) => {
                let err = ReadError::new(format!(
                    "cannot read the first worksheet after data row {}: {e}",
                    rows.last_row()
                ));
                let _ = tx.send(if rows.header.is_some() {
                    Msg::Rows(Err(err))
                } else {
                    Msg::Header(Err(err))
                });
                return;
            }
        };
        let finished = next.is_none();
        let cell = next.map(|c| {
            let (r, col) = c.get_position();
            (r, col, cell_text(&Data::from(c.get_value().clone())))
        });
        for out in rows.push(cell) {
            match out {
                Grouped::Header(h) => {
                    if tx.send(Msg::Header(Ok(h))).is_err() {
                        return;
                    }
                }
                Grouped::Row(r) => batch.push(r),
            }
        }
        let full = batch.len() >= ROWS_PER_MESSAGE || (finished && !batch.is_empty());
        if full && tx.send(Msg::Rows(Ok(std::mem::take(&mut batch)))).is_err() {
            return;
        }
        if finished {
            if rows.header.is_none() {
                let _ = tx.send(Msg::Header(Err(ReadError::new(
                    "the first worksheet is empty (no header row)",
                ))));
            } else {
                let _ = tx.send(Msg::Rows(Ok(Vec::new())));
            }
            return;
        }
    }
}

enum Grouped {
    Header(Vec<String>),
    Row(RawRecord),
}

/// Turns cells in sheet order into the header and records.
#[derive(Default)]
struct RowGrouper {
    /// The header row's sheet row and first column.
    header: Option<(u32, u32)>,
    width: usize,
    /// The row being filled: its sheet row and (column, text) cells.
    current: Option<(u32, Vec<(u32, String)>)>,
    last: u64,
}

impl RowGrouper {
    fn last_row(&self) -> u64 {
        self.last
    }

    /// Takes the next cell (`None` at the end); returns the rows it completed.
    fn push(&mut self, cell: Option<(u32, u32, String)>) -> Vec<Grouped> {
        let mut out = Vec::new();
        let same_row =
            matches!((&self.current, &cell), (Some((r, _)), Some((cr, _, _))) if r == cr);
        if !same_row {
            if let Some((r, cells)) = self.current.take() {
                out.extend(self.finish(r, cells));
            }
        }
        if let Some((r, c, text)) = cell {
            self.current
                .get_or_insert_with(|| (r, Vec::new()))
                .1
                .push((c, text));
        }
        out
    }

    fn finish(&mut self, row: u32, cells: Vec<(u32, String)>) -> Option<Grouped> {
        if cells.iter().all(|(_, t)| t.is_empty()) {
            return None;
        }
        match self.header {
            None => {
                let first = cells.iter().map(|(c, _)| *c).min().unwrap_or(0);
                let last = cells.iter().map(|(c, _)| *c).max().unwrap_or(0);
                self.width = (last - first) as usize + 1;
                self.header = Some((row, first));
                Some(Grouped::Header(self.spread(first, cells)))
            }
            Some((hrow, first)) if row > hrow => {
                let n = u64::from(row - hrow);
                self.last = n;
                Some(Grouped::Row(RawRecord {
                    row: n,
                    fields: self.spread(first, cells).into_iter().collect(),
                    malformed: None,
                }))
            }
            // A row above the header (cells out of sheet order): not data.
            Some(_) => None,
        }
    }

    /// The cells of a row laid into the header's columns.
    fn spread(&self, first: u32, cells: Vec<(u32, String)>) -> Vec<String> {
        let mut fields = vec![String::new(); self.width];
        for (c, text) in cells {
            if let Some(f) = c
                .checked_sub(first)
                .and_then(|i| fields.get_mut(i as usize))
            {
                *f = text;
            }
        }
        fields
    }
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
    rx: Receiver<Msg>,
    done: bool,
}

impl RecordReader for XlsxRecords {
    fn headers(&self) -> &[String] {
        &self.headers
    }

    fn next_batch(&mut self, _max: usize) -> Result<Vec<RawRecord>, ReadError> {
        if self.done {
            return Ok(Vec::new());
        }
        match self.rx.recv() {
            Ok(Msg::Rows(Ok(rows))) => {
                self.done = rows.is_empty();
                Ok(rows)
            }
            Ok(Msg::Rows(Err(e))) => {
                self.done = true;
                Err(e)
            }
            _ => {
                self.done = true;
                Err(lost())
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(cells: &[(u32, u32, &str)]) -> Vec<(Option<u64>, Vec<String>)> {
        let mut g = RowGrouper::default();
        let mut out = Vec::new();
        let mut feed: Vec<Option<(u32, u32, String)>> = cells
            .iter()
            .map(|(r, c, t)| Some((*r, *c, t.to_string())))
            .collect();
        feed.push(None);
        for cell in feed {
            for x in g.push(cell) {
                out.push(match x {
                    Grouped::Header(h) => (None, h),
                    Grouped::Row(r) => (Some(r.row), r.fields.to_vec()),
                });
            }
        }
        out
    }

    #[test]
    fn rows_are_numbered_from_the_header_and_empty_rows_skipped() {
        let got = run(&[
            (2, 1, "a"),
            (2, 2, "b"),
            (3, 1, "1"),
            (4, 1, ""),
            (5, 2, "x"),
            (5, 9, "beyond the header"),
        ]);
        let s = |v: &[&str]| v.iter().map(|x| x.to_string()).collect::<Vec<_>>();
        assert_eq!(
            got,
            vec![
                (None, s(&["a", "b"])),
                (Some(1), s(&["1", ""])),
                (Some(3), s(&["", "x"])),
            ]
        );
    }

    #[test]
    fn far_apart_cells_cost_nothing() {
        let got = run(&[(0, 0, "h"), (1_048_575, 16_383, "far")]);
        // The far row is read (and will be quarantined: its one cell lies
        // outside the header's columns), without a dense range between.
        assert_eq!(
            got,
            vec![
                (None, vec!["h".to_string()]),
                (Some(1_048_575), vec![String::new()])
            ]
        );
    }
}
