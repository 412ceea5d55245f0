//! CSV and gzip-compressed CSV, UTF-8 (with or without BOM) or GB18030/GBK,
//! detected per file from its first megabyte.

use std::fs::File;
use std::io::{BufReader, Read};
use std::path::Path;

use encoding_rs::{Encoding, GB18030, UTF_8};
use encoding_rs_io::DecodeReaderBytesBuilder;
use flate2::read::MultiGzDecoder;

use super::split::{Record, Splitter};
use super::{FieldsBuilder, FileInfo, RawRecord, ReadError, RecordReader};

const SAMPLE: usize = 1 << 20;

/// Detects the text encoding of a sample: a UTF-8 BOM or valid UTF-8 means
/// UTF-8; anything else is given to `chardetng`, and the Chinese legacy
/// encodings it names (GBK, GB18030) are read as GB18030, their superset.
pub fn detect_encoding(sample: &[u8], complete: bool) -> &'static Encoding {
    if sample.starts_with(&[0xEF, 0xBB, 0xBF]) {
        return UTF_8;
    }
    match std::str::from_utf8(sample) {
        Ok(_) => return UTF_8,
        // A multi-byte character cut by the end of the sample is still UTF-8.
        Err(e) if e.error_len().is_none() && !complete => return UTF_8,
        Err(_) => {}
    }
    let mut det = chardetng::EncodingDetector::new(chardetng::Iso2022JpDetection::Deny);
    det.feed(sample, complete);
    let guess = det.guess(Some(b"cn"), chardetng::Utf8Detection::Allow);
    if guess == encoding_rs::GBK || guess == GB18030 || guess == UTF_8 {
        GB18030
    } else {
        guess
    }
}

fn raw_reader(path: &Path, gz: bool) -> Result<Box<dyn Read + Send>, ReadError> {
    let f = File::open(path).map_err(|e| ReadError::new(format!("cannot open: {e}")))?;
    let buf = BufReader::with_capacity(1 << 16, f);
    Ok(if gz {
        Box::new(MultiGzDecoder::new(buf))
    } else {
        Box::new(buf)
    })
}

pub fn open(path: &Path, gz: bool) -> Result<(Box<dyn RecordReader>, FileInfo), ReadError> {
    // Sample the decompressed start of the file to detect its encoding.
    let mut sample = Vec::with_capacity(SAMPLE);
    raw_reader(path, gz)?
        .take(SAMPLE as u64)
        .read_to_end(&mut sample)
        .map_err(|e| ReadError::new(format!("cannot read: {e}")))?;
    if sample.is_empty() {
        return Err(ReadError::new("the file is empty (no header line)"));
    }
    let encoding = detect_encoding(&sample, sample.len() < SAMPLE);
    // UTF-8 is read as it is (a BOM dropped) and checked a row at a time,
    // where bytes that are not UTF-8 become U+FFFD as the decoder made them;
    // other encodings are decoded to UTF-8 on the way in.
    let text: Box<dyn Read + Send> = if encoding == UTF_8 {
        without_bom(raw_reader(path, gz)?)?
    } else {
        Box::new(
            DecodeReaderBytesBuilder::new()
                .encoding(Some(encoding))
                .bom_override(true)
                .utf8_passthru(false)
                .build(raw_reader(path, gz)?),
        )
    };
    let mut split = Splitter::new(text);
    let headers = match split.next_record() {
        Ok(Some(rec)) => {
            let mut b = FieldsBuilder::default();
            push_fields(&mut b, rec);
            b.finish()
                .flat_map(|f| f.to_vec())
                .map(|h| h.trim_start_matches('\u{feff}').to_string())
                .collect()
        }
        Ok(None) => return Err(ReadError::new("the file is empty (no header line)")),
        Err(e) => return Err(ReadError::new(format!("cannot read the header line: {e}"))),
    };
    let info = FileInfo {
        format: if gz {
            super::Format::CsvGz
        } else {
            super::Format::Csv
        },
        encoding: Some(encoding.name()),
    };
    Ok((
        Box::new(CsvRecords {
            split,
            headers,
            row: 0,
            last: (0, 0, 0),
        }),
        info,
    ))
}

/// The bytes of `r` with a leading UTF-8 byte order mark dropped.
fn without_bom(mut r: Box<dyn Read + Send>) -> Result<Box<dyn Read + Send>, ReadError> {
    let mut head = Vec::with_capacity(3);
    (&mut r)
        .take(3)
        .read_to_end(&mut head)
        .map_err(|e| ReadError::new(format!("cannot read: {e}")))?;
    if head == [0xEF, 0xBB, 0xBF] {
        head.clear();
    }
    Ok(Box::new(std::io::Cursor::new(head).chain(r)))
}

/// Adds a record's fields as text to `out`; returns how many there are.
/// The whole record is checked at once: a line split at its commas, or the
/// fields the parser took out of their quotes, are UTF-8 when every field
/// is, and are copied in one piece. A record that is not UTF-8 has each
/// field's bad bytes replaced by U+FFFD, as decoding the file would have
/// done.
fn push_fields(out: &mut FieldsBuilder, rec: Record) -> usize {
    let (bytes, ends, gap) = match rec {
        Record::Line { text, ends } => (text, ends, 1),
        Record::Parsed { bytes, ends } => (bytes, ends, 0),
    };
    match (crate::utf8::text(bytes), gap) {
        (Some(line), 1) => out.push_line(line, ends),
        (Some(text), _) => out.push_parts(text, ends.iter().copied()),
        (None, _) => {
            let mut start = 0;
            out.push_fields(ends.iter().map(|&end| {
                let field = String::from_utf8_lossy(&bytes[start..end]);
                start = end + gap;
                field
            }))
        }
    }
    ends.len()
}

struct CsvRecords {
    split: Splitter,
    headers: Vec<String>,
    row: u64,
    /// The last batch's rows, fields and bytes.
    last: (usize, usize, usize),
}

impl RecordReader for CsvRecords {
    fn headers(&self) -> &[String] {
        &self.headers
    }

    fn next_batch(&mut self, max: usize) -> Result<Vec<RawRecord>, ReadError> {
        // The batch's rows share one buffer of text (two allocations a
        // batch, not two a row), sized as the last batch's.
        let (r, f, b) = self.last;
        let mut text = FieldsBuilder::with_capacity(r, f, b);
        let mut rows = Vec::with_capacity(max.min(8192));
        while rows.len() < max {
            match self.split.next_record() {
                Ok(None) => break,
                Ok(Some(rec)) => {
                    self.row += 1;
                    let n = push_fields(&mut text, rec);
                    let malformed = (n != self.headers.len()).then(|| {
                        format!(
                            "the row has {n} fields, the header has {}",
                            self.headers.len()
                        )
                    });
                    rows.push((self.row, malformed));
                }
                Err(e) => {
                    return Err(ReadError::new(format!(
                        "cannot read after data row {}: {e}",
                        self.row
                    )))
                }
            }
        }
        self.last = text.size();
        Ok(rows
            .into_iter()
            .zip(text.finish())
            .map(|((row, malformed), fields)| RawRecord {
                row,
                fields,
                malformed,
            })
            .collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A UTF-8 file is read as it is: the BOM is dropped from the first
    /// header, and bytes that are not UTF-8 past the sampled start become
    /// U+FFFD in their own field, as decoding the file used to make them.
    #[test]
    fn utf8_is_read_as_is_and_bad_bytes_become_replacement_characters() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("c.csv");
        let mut bytes = b"\xEF\xBB\xBFid,name,note\n".to_vec();
        let good = "1,电话,\"引号，里\"\n";
        for _ in 0..(SAMPLE / good.len() + 1) {
            bytes.extend_from_slice(good.as_bytes());
        }
        // A cut character before a separator, a stray byte inside a quoted
        // field, and a cut character at the end of the row.
        bytes.extend_from_slice(b"2,\xE7\x94,\"a\xFFb\"\n3,x,\xE8\xAF\n");
        std::fs::write(&path, &bytes).unwrap();
        let (mut r, info) = open(&path, false).unwrap();
        assert_eq!(info.encoding, Some("UTF-8"));
        assert_eq!(r.headers(), ["id", "name", "note"]);
        let mut rows = Vec::new();
        loop {
            let b = r.next_batch(10_000).unwrap();
            if b.is_empty() {
                break;
            }
            rows.extend(b);
        }
        assert_eq!(rows[0].fields.to_vec(), ["1", "电话", "引号，里"]);
        let n = rows.len();
        assert_eq!(rows[n - 2].fields.to_vec(), ["2", "\u{FFFD}", "a\u{FFFD}b"]);
        assert_eq!(rows[n - 1].fields.to_vec(), ["3", "x", "\u{FFFD}"]);
        assert_eq!(rows[n - 1].row, n as u64);
        assert!(rows.iter().all(|r| r.malformed.is_none()));
    }
}
