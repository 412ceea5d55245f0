//! CSV and gzip-compressed CSV, UTF-8 (with or without BOM) or GB18030/GBK,
//! detected per file from its first megabyte.

use std::fs::File;
use std::io::{BufReader, Read};
use std::path::Path;

use encoding_rs::{Encoding, GB18030, UTF_8};
use encoding_rs_io::DecodeReaderBytesBuilder;
use flate2::read::MultiGzDecoder;

use super::{Fields, FileInfo, RawRecord, ReadError, RecordReader};

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
    let decoded = DecodeReaderBytesBuilder::new()
        .encoding(Some(encoding))
        .bom_override(true)
        .utf8_passthru(false)
        .build(raw_reader(path, gz)?);
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .buffer_capacity(1 << 16)
        .from_reader(Box::new(decoded) as Box<dyn Read + Send>);
    let mut first = csv::StringRecord::new();
    let got = reader
        .read_record(&mut first)
        .map_err(|e| ReadError::new(format!("cannot read the header line: {e}")))?;
    if !got {
        return Err(ReadError::new("the file is empty (no header line)"));
    }
    let headers = first
        .iter()
        .map(|h| h.trim_start_matches('\u{feff}').to_string())
        .collect();
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
            reader,
            headers,
            row: 0,
            rec: csv::StringRecord::new(),
        }),
        info,
    ))
}

struct CsvRecords {
    reader: csv::Reader<Box<dyn Read + Send>>,
    headers: Vec<String>,
    row: u64,
    rec: csv::StringRecord,
}

impl RecordReader for CsvRecords {
    fn headers(&self) -> &[String] {
        &self.headers
    }

    fn next_batch(&mut self, max: usize) -> Result<Vec<RawRecord>, ReadError> {
        let mut out = Vec::with_capacity(max.min(8192));
        while out.len() < max {
            match self.reader.read_record(&mut self.rec) {
                Ok(false) => break,
                Ok(true) => {
                    self.row += 1;
                    let mut fields =
                        Fields::with_capacity(self.rec.len(), self.rec.as_slice().len());
                    for f in &self.rec {
                        fields.push(f);
                    }
                    let malformed = (fields.len() != self.headers.len()).then(|| {
                        format!(
                            "the row has {} fields, the header has {}",
                            fields.len(),
                            self.headers.len()
                        )
                    });
                    out.push(RawRecord {
                        row: self.row,
                        fields,
                        malformed,
                    });
                }
                Err(e) => {
                    return Err(ReadError::new(format!(
                        "cannot read after data row {}: {e}",
                        self.row
                    )))
                }
            }
        }
        Ok(out)
    }
}
