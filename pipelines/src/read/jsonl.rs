//! JSON lines: one object per line, keys are column names, values strings or
//! numbers. The header is the union of keys over the file (a first streaming
//! pass), so an optional column first seen late in the file is still read.

use std::fs::File;
use std::io::{BufRead, BufReader, Lines};
use std::path::Path;

use serde_json::Value;

use super::{FileInfo, RawRecord, ReadError, RecordReader};

/// No source has more than a few dozen columns; a file with thousands of
/// keys would make every row that wide.
const MAX_KEYS: usize = 1024;

pub fn open(path: &Path) -> Result<(Box<dyn RecordReader>, FileInfo), ReadError> {
    let open = || -> Result<Lines<BufReader<File>>, ReadError> {
        let f = File::open(path).map_err(|e| ReadError::new(format!("cannot open: {e}")))?;
        Ok(BufReader::with_capacity(1 << 16, f).lines())
    };
    let mut headers: Vec<String> = Vec::new();
    let mut seen = std::collections::HashSet::new();
    let mut objects = 0u64;
    for line in open()? {
        let line = line.map_err(|e| ReadError::new(format!("cannot read: {e}")))?;
        if let Ok(Value::Object(map)) = serde_json::from_str::<Value>(&line) {
            objects += 1;
            for k in map.keys() {
                if seen.insert(k.clone()) {
                    headers.push(k.clone());
                }
            }
            if headers.len() > MAX_KEYS {
                return Err(ReadError::new(format!(
                    "more than {MAX_KEYS} distinct keys: not an extract of sources.md"
                )));
            }
        }
    }
    if objects == 0 {
        return Err(ReadError::new(
            "no JSON object found: not a JSON lines file, or empty",
        ));
    }
    let index = headers
        .iter()
        .enumerate()
        .map(|(i, h)| (h.clone(), i))
        .collect();
    let info = FileInfo {
        format: super::Format::Jsonl,
        encoding: Some("UTF-8"),
    };
    Ok((
        Box::new(JsonRecords {
            lines: open()?,
            headers,
            index,
            line: 0,
        }),
        info,
    ))
}

struct JsonRecords {
    lines: Lines<BufReader<File>>,
    headers: Vec<String>,
    index: std::collections::HashMap<String, usize>,
    line: u64,
}

fn text_of(v: &Value) -> String {
    match v {
        Value::Null => String::new(),
        Value::String(s) => s.clone(),
        Value::Bool(b) => b.to_string(),
        Value::Number(n) => n.to_string(),
        other => other.to_string(),
    }
}

impl RecordReader for JsonRecords {
    fn headers(&self) -> &[String] {
        &self.headers
    }

    fn next_batch(&mut self, max: usize) -> Result<Vec<RawRecord>, ReadError> {
        let mut out = Vec::new();
        while out.len() < max {
            let Some(line) = self.lines.next() else { break };
            let line = line
                .map_err(|e| ReadError::new(format!("cannot read line {}: {e}", self.line + 1)))?;
            self.line += 1;
            if line.trim().is_empty() {
                continue;
            }
            let mut fields = vec![String::new(); self.headers.len()];
            let malformed = match serde_json::from_str::<Value>(line.trim_start_matches('\u{feff}'))
            {
                Ok(Value::Object(map)) => {
                    for (k, v) in &map {
                        if let Some(&i) = self.index.get(k) {
                            fields[i] = text_of(v);
                        }
                    }
                    None
                }
                Ok(_) => Some("the line is not a JSON object".to_string()),
                Err(e) => Some(format!("the line is not valid JSON: {e}")),
            };
            if malformed.is_some() {
                // Keep the text so that the quarantine shows what arrived.
                fields = vec![line.clone()];
            }
            out.push(RawRecord {
                row: self.line,
                fields: fields.into_iter().collect(),
                malformed,
            });
        }
        Ok(out)
    }
}
