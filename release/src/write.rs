//! The tables as tidy CSV (UTF-8 with BOM, RFC 4180, one header row): a
//! number column's value is empty where the cell is withheld and its
//! shorthand (`[c]`, `[x]`, `[z]`, `[u]`, `[r]`) is in `<column>_flag`.

use std::collections::BTreeSet;

use crate::disclosure::Flag;
use crate::tables::Kind;
use crate::{ReleaseError, Table, Value};

/// A number as published.
pub fn number(v: f64, kind: Kind) -> String {
    match kind {
        Kind::Int => format!("{}", v.round() as i64),
        Kind::Dec(d) => {
            let s = format!("{v:.d$}");
            // No "-0.00".
            if s.trim_start_matches('-')
                .chars()
                .all(|c| c == '0' || c == '.')
            {
                s.trim_start_matches('-').to_string()
            } else {
                s
            }
        }
        Kind::Text => format!("{v}"),
    }
}

/// The published columns of a table with their kinds.
pub fn columns(t: &Table) -> Vec<crate::tables::Col> {
    t.spec
        .columns
        .iter()
        .filter(|c| c.published)
        .copied()
        .collect()
}

/// Cell text (empty when withheld) and flag text, for row `r`, column `i`.
pub fn cell(t: &Table, r: usize, i: usize, revised: &BTreeSet<(usize, usize)>) -> (String, String) {
    let c = columns(t)[i];
    let (value, flag) = &t.rows[r][i];
    let text = match (value, flag) {
        (_, Some(f)) if f.withholds() => String::new(),
        (Value::Text(s), _) => s.clone(),
        (Value::Num(v), _) => number(*v, c.kind),
        (Value::Null, _) => String::new(),
    };
    // A shown value can be both of low reliability and revised: "[u] [r]".
    let flags: Vec<&str> = flag
        .iter()
        .map(|f| f.text())
        .chain(revised.contains(&(r, i)).then_some(Flag::R.text()))
        .collect();
    (text, flags.join(" "))
}

/// The CSV of a table; `revised` cells get `[r]`.
pub fn csv(t: &Table, revised: &BTreeSet<(usize, usize)>) -> Result<Vec<u8>, ReleaseError> {
    let mut w = csv::WriterBuilder::new()
        .terminator(csv::Terminator::CRLF)
        .from_writer(Vec::from("\u{feff}".as_bytes()));
    let cols = columns(t);
    let mut header = Vec::new();
    for c in &cols {
        header.push(c.name.to_string());
        if c.kind != Kind::Text {
            header.push(format!("{}_flag", c.name));
        }
    }
    let err = |e: csv::Error| ReleaseError::Data(e.to_string());
    w.write_record(&header).map_err(err)?;
    for r in 0..t.rows.len() {
        let mut rec = Vec::new();
        for (i, c) in cols.iter().enumerate() {
            let (text, flag) = cell(t, r, i, revised);
            rec.push(text);
            if c.kind != Kind::Text {
                rec.push(flag);
            }
        }
        w.write_record(&rec).map_err(err)?;
    }
    w.into_inner()
        .map_err(|e| ReleaseError::Data(e.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_are_written_at_their_precision_without_negative_zero() {
        assert_eq!(number(1234.0, Kind::Int), "1234");
        assert_eq!(number(33.333333, Kind::Dec(2)), "33.33");
        assert_eq!(number(-0.001, Kind::Dec(2)), "0.00");
        assert_eq!(number(-1.5, Kind::Dec(1)), "-1.5");
    }
}
