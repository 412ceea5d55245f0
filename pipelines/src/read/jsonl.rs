//! JSON lines: one object per line, keys are column names, values strings or
//! numbers. The header is the union of keys over the file (a first streaming
//! pass), so an optional column first seen late in the file is still read.

use std::borrow::Cow;
// foldhash: every key of every line is looked up (SipHash was a twentieth of
// a JSON lines file's time, a sixth of its header pass).
use foldhash::{HashMap, HashSet};
use std::fmt;
use std::fs::File;
use std::io::{BufRead, BufReader};
use std::path::Path;
use std::sync::Arc;

use serde::de::{DeserializeSeed, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};
use serde_json::Value;

use super::{FieldsBuilder, FileInfo, RawRecord, ReadError, RecordReader, Split};

/// No source has more than a few dozen columns; a file with thousands of
/// keys would make every row that wide.
const MAX_KEYS: usize = 1024;

fn open_lines(path: &Path) -> Result<BufReader<File>, ReadError> {
    let f = File::open(path).map_err(|e| ReadError::new(format!("cannot open: {e}")))?;
    Ok(BufReader::with_capacity(1 << 16, f))
}

/// The next line into `buf` as bytes (without its line break); `false` at
/// the end. The header pass reads bytes (serde_json checks the keys it
/// reads as UTF-8); the rows' pass checks each whole line once.
fn read_line_bytes(r: &mut BufReader<File>, buf: &mut Vec<u8>) -> std::io::Result<bool> {
    buf.clear();
    if r.read_until(b'\n', buf)? == 0 {
        return Ok(false);
    }
    if buf.ends_with(b"\n") {
        buf.pop();
        if buf.ends_with(b"\r") {
            buf.pop();
        }
    }
    Ok(true)
}

/// `line` without the byte order marks it starts with.
fn without_boms(mut line: &[u8]) -> &[u8] {
    while let Some(rest) = line.strip_prefix("\u{feff}".as_bytes()) {
        line = rest;
    }
    line
}

pub fn open(path: &Path) -> Result<(Box<dyn RecordReader>, FileInfo), ReadError> {
    let mut headers: Vec<String> = Vec::new();
    let mut seen = HashSet::default();
    let mut objects = 0u64;
    let mut lines = open_lines(path)?;
    let mut line = Vec::new();
    while read_line_bytes(&mut lines, &mut line)
        .map_err(|e| ReadError::new(format!("cannot read: {e}")))?
    {
        let mut de = serde_json::Deserializer::from_slice(without_boms(&line));
        let keys = KeysOf {
            seen: &mut seen,
            headers: &mut headers,
        };
        if keys.deserialize(&mut de).and_then(|_| de.end()).is_ok() {
            objects += 1;
        }
        if headers.len() > MAX_KEYS {
            return Err(ReadError::new(format!(
                "more than {MAX_KEYS} distinct keys: not an extract of sources.md"
            )));
        }
    }
    if objects == 0 {
        return Err(ReadError::new(
            "no JSON object found: not a JSON lines file, or empty",
        ));
    }
    let index = Arc::new(
        headers
            .iter()
            .enumerate()
            .map(|(i, h)| (h.clone(), i))
            .collect(),
    );
    let info = FileInfo {
        format: super::Format::Jsonl,
        encoding: Some("UTF-8"),
    };
    Ok((
        Box::new(JsonRecords {
            lines: open_lines(path)?,
            buf: Vec::new(),
            headers,
            index,
            line: 0,
        }),
        info,
    ))
}

/// An object key, borrowed from the line unless it has escapes.
struct Key<'a>(Cow<'a, str>);

impl<'de> serde::Deserialize<'de> for Key<'de> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Key<'de>;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a key")
            }
            fn visit_borrowed_str<E>(self, v: &'de str) -> Result<Key<'de>, E> {
                Ok(Key(Cow::Borrowed(v)))
            }
            fn visit_str<E>(self, v: &str) -> Result<Key<'de>, E> {
                Ok(Key(Cow::Owned(v.to_string())))
            }
        }
        d.deserialize_str(V)
    }
}

/// The first pass: an object's keys (values skipped), new ones appended to
/// the header in the order they first appear.
struct KeysOf<'s> {
    seen: &'s mut HashSet<String>,
    headers: &'s mut Vec<String>,
}

impl<'de> DeserializeSeed<'de> for KeysOf<'_> {
    type Value = ();
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_map(self)
    }
}

impl<'de> Visitor<'de> for KeysOf<'_> {
    type Value = ();
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a JSON object")
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        // Keys are added only once the whole object has parsed.
        let mut new: Vec<String> = Vec::new();
        while let Some(Key(k)) = map.next_key::<Key>()? {
            map.next_value::<IgnoredAny>()?;
            if !self.seen.contains(k.as_ref()) && !new.iter().any(|n| n == k.as_ref()) {
                new.push(k.into_owned());
            }
        }
        for k in new {
            self.seen.insert(k.clone());
            self.headers.push(k);
        }
        Ok(())
    }
}

/// A value as text: strings as they are, `null` empty, numbers and booleans
/// as JSON writes them, arrays and objects as their JSON.
struct Text<'a>(Cow<'a, str>);

impl<'de> serde::Deserialize<'de> for Text<'de> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(TextVisitor)
    }
}

struct TextVisitor;

fn owned<'a>(s: String) -> Text<'a> {
    Text(Cow::Owned(s))
}

impl<'de> Visitor<'de> for TextVisitor {
    type Value = Text<'de>;
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a JSON value")
    }
    fn visit_borrowed_str<E>(self, v: &'de str) -> Result<Text<'de>, E> {
        Ok(Text(Cow::Borrowed(v)))
    }
    fn visit_str<E>(self, v: &str) -> Result<Text<'de>, E> {
        Ok(owned(v.to_string()))
    }
    fn visit_string<E>(self, v: String) -> Result<Text<'de>, E> {
        Ok(owned(v))
    }
    fn visit_unit<E>(self) -> Result<Text<'de>, E> {
        Ok(Text(Cow::Borrowed("")))
    }
    fn visit_bool<E>(self, v: bool) -> Result<Text<'de>, E> {
        Ok(Text(Cow::Borrowed(if v { "true" } else { "false" })))
    }
    fn visit_i64<E>(self, v: i64) -> Result<Text<'de>, E> {
        Ok(owned(v.to_string()))
    }
    fn visit_u64<E>(self, v: u64) -> Result<Text<'de>, E> {
        Ok(owned(v.to_string()))
    }
    fn visit_f64<E>(self, v: f64) -> Result<Text<'de>, E> {
        // As serde_json writes a number (JSON has no NaN or infinity).
        let n = serde_json::Number::from_f64(v).map(|n| n.to_string());
        Ok(owned(n.unwrap_or_default()))
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Text<'de>, A::Error> {
        let mut items = Vec::new();
        while let Some(v) = seq.next_element::<Value>()? {
            items.push(v);
        }
        Ok(owned(Value::Array(items).to_string()))
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Text<'de>, A::Error> {
        let mut m = serde_json::Map::new();
        while let Some((k, v)) = map.next_entry::<String, Value>()? {
            m.insert(k, v);
        }
        Ok(owned(Value::Object(m).to_string()))
    }
}

/// The second pass: one object's values put in their header's place.
struct Row<'i, 'a> {
    index: &'i HashMap<String, usize>,
    fields: &'i mut Vec<Cow<'a, str>>,
}

impl<'de> DeserializeSeed<'de> for Row<'_, 'de> {
    type Value = ();
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_map(self)
    }
}

impl<'de> Visitor<'de> for Row<'_, 'de> {
    type Value = ();
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a JSON object")
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        while let Some(Key(k)) = map.next_key::<Key>()? {
            match self.index.get(k.as_ref()) {
                // A key given twice: the last value holds, as in a JSON map.
                Some(&i) => self.fields[i] = map.next_value::<Text>()?.0,
                None => {
                    map.next_value::<IgnoredAny>()?;
                }
            }
        }
        Ok(())
    }
}

struct JsonRecords {
    lines: BufReader<File>,
    buf: Vec<u8>,
    headers: Vec<String>,
    index: Arc<HashMap<String, usize>>,
    line: u64,
}

/// Why a line is not a row: not JSON, or JSON but not an object.
fn malformed(e: &serde_json::Error) -> String {
    match e.classify() {
        serde_json::error::Category::Data => "the line is not a JSON object".to_string(),
        _ => format!("the line is not valid JSON: {e}"),
    }
}

/// Parses each row's line (its one field) into its values in header order;
/// a line that is not a JSON object keeps its text and is marked malformed.
/// The parsed rows' values share one buffer.
fn split_lines(index: &HashMap<String, usize>, width: usize, rows: &mut [RawRecord]) {
    let bytes = rows
        .iter()
        .map(|r| r.fields.get(0).map_or(0, str::len))
        .sum();
    let mut values = FieldsBuilder::with_capacity(rows.len(), rows.len() * width, bytes);
    let mut parsed = Vec::with_capacity(rows.len());
    for (i, rec) in rows.iter_mut().enumerate() {
        let line = rec.fields.get(0).unwrap_or_default();
        let mut fields: Vec<Cow<str>> = vec![Cow::Borrowed(""); width];
        let mut de = serde_json::Deserializer::from_str(line.trim_start_matches('\u{feff}'));
        let row = Row {
            index,
            fields: &mut fields,
        };
        match row.deserialize(&mut de).and_then(|_| de.end()) {
            Ok(()) => {
                values.push_fields(fields.iter());
                parsed.push(i);
            }
            // Keep the text so that the quarantine shows what arrived.
            Err(e) => rec.malformed = Some(malformed(&e)),
        }
    }
    for (i, fields) in parsed.into_iter().zip(values.finish()) {
        rows[i].fields = fields;
    }
}

impl RecordReader for JsonRecords {
    fn headers(&self) -> &[String] {
        &self.headers
    }

    /// The file's lines, each as the one field of its row (see `split`).
    fn next_batch(&mut self, max: usize) -> Result<Vec<RawRecord>, ReadError> {
        // The batch's lines share one buffer.
        let mut lines = FieldsBuilder::default();
        let mut out = Vec::new();
        while out.len() < max {
            let cannot = |e: &dyn fmt::Display| format!("cannot read line {}: {e}", self.line + 1);
            let more = read_line_bytes(&mut self.lines, &mut self.buf)
                .map_err(|e| ReadError::new(cannot(&e)))?;
            if !more {
                break;
            }
            // The one check of the line as UTF-8 (the message as reading a
            // line as text gives it).
            let text = std::str::from_utf8(&self.buf)
                .map_err(|_| ReadError::new(cannot(&"stream did not contain valid UTF-8")))?;
            self.line += 1;
            if text.trim().is_empty() {
                continue;
            }
            lines.push_parts(text, std::iter::once(text.len()));
            out.push(self.line);
        }
        Ok(out
            .into_iter()
            .zip(lines.finish())
            .map(|(row, fields)| RawRecord {
                row,
                fields,
                malformed: None,
            })
            .collect())
    }

    fn split(&self) -> Option<Split> {
        let (index, width) = (self.index.clone(), self.headers.len());
        Some(Arc::new(move |rows: &mut [RawRecord]| {
            split_lines(&index, width, rows)
        }))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read(text: &str) -> (Vec<String>, Vec<RawRecord>) {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("x.jsonl");
        std::fs::write(&p, text).unwrap();
        let (mut r, _) = open(&p).unwrap();
        let headers = r.headers().to_vec();
        let mut rows = r.next_batch(100).unwrap();
        let split = r.split().expect("JSON lines are split on the validators");
        split(&mut rows);
        (headers, rows)
    }

    /// The header pass reads bytes; a line that is not UTF-8 still rejects
    /// the file, when its rows are read, with the line's number.
    #[test]
    fn a_line_that_is_not_utf8_rejects_the_file_with_its_number() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("x.jsonl");
        std::fs::write(&p, b"\xEF\xBB\xBF{\"a\":\"x\"}\n{\"b\":\"\xFF\"}\n").unwrap();
        let (mut r, _) = open(&p).unwrap();
        assert_eq!(r.headers(), ["a", "b"]);
        let e = r.next_batch(100).unwrap_err();
        assert!(e.0.starts_with("cannot read line 2:"), "{}", e.0);
    }

    #[test]
    fn values_land_in_their_header_place_as_text() {
        let text = "\u{feff}{\"b\":\"x\\u00e9\",\"a\":1.50}\n\
                    \n\
                    {\"c\":[1,{\"z\":null}],\"a\":true,\"a\":null,\"d\":-7}\r\n\
                    [1,2]\n\
                    {\"a\":\n";
        let (headers, rows) = read(text);
        assert_eq!(headers, ["b", "a", "c", "d"]);
        let f: Vec<Vec<String>> = rows.iter().map(|r| r.fields.to_vec()).collect();
        assert_eq!(f[0], ["xé", "1.5", "", ""]);
        // The last of a repeated key holds; nested values are their JSON.
        assert_eq!(f[1], ["", "", "[1,{\"z\":null}]", "-7"]);
        assert_eq!(rows[1].row, 3, "the blank line is counted");
        assert_eq!(
            rows[2].malformed.as_deref(),
            Some("the line is not a JSON object")
        );
        assert_eq!(f[2], ["[1,2]"]);
        let m = rows[3].malformed.as_deref().unwrap();
        assert!(m.starts_with("the line is not valid JSON: EOF"), "{m}");
        assert_eq!(rows.len(), 4);
    }
}
