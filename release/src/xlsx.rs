//! `tables.xlsx`, laid out as government statisticians publish accessible
//! spreadsheets (release.md): a cover, contents and notes sheet, then one
//! table per sheet with its title in A1, a one-line description in A2, the
//! notes and the shorthand used on the sheet in column A below, then the
//! table as a named Excel table (one header row, no filter buttons, plain
//! style). No merged cells, formulas, images or colour-only meaning.
//!
//! Numbers are numbers with number formats; a cell without a figure holds
//! its bracketed shorthand as text. A shown value that is flagged (`[u]`,
//! `[r]`) stays a number and its flag goes in a `<header>标记` column right
//! beside it; such a column is there for every number column that has a
//! flag on the sheet (a column none of whose values is flagged gets none).
//! Column widths are set from the text they hold, CJK characters counting
//! double. The document's dates are the lake's publish time.

use std::collections::BTreeSet;

use rust_xlsxwriter::{
    DocProperties, ExcelDateTime, Format, FormatAlign, Table as XlTable, TableColumn, TableStyle,
    Workbook, Worksheet, XlsxError,
};

use crate::bulletin::{quarter_words, Revision};
use crate::disclosure::Flag;
use crate::tables::{Col, Kind};
use crate::write::{cell, columns};
use crate::{ReleaseError, Table, Value};

/// What the workbook is made from.
pub struct Book<'a> {
    pub tables: &'a [Table],
    pub marks: &'a [BTreeSet<(usize, usize)>],
    pub quarter: &'a str,
    pub edition: u32,
    /// The lake's publish time, UTC, `YYYY-MM-DDTHH:MM:SSZ`.
    pub published_at: &'a str,
    /// The publication date in words.
    pub date: &'a str,
    pub contact: &'a str,
    pub notes: &'a [String],
    pub revisions: &'a [Revision],
}

/// The sheet name of table `i` (0-based): `表1 headline`.
pub fn sheet_name(i: usize, t: &Table) -> String {
    format!("表{} {}", i + 1, t.spec.name)
}

pub const COVER: &str = "封面 Cover";
pub const CONTENTS: &str = "目录 Contents";
pub const NOTES: &str = "说明 Notes";
pub const REVISIONS: &str = "修订 Revisions";

/// The shorthand with its meaning, as the cover and the sheets explain it.
pub const SHORTHAND: [(Flag, &str); 5] = [
    (Flag::C, "保密不予公布（小数目或可由合计推算）"),
    (Flag::X, "无数据"),
    (Flag::Z, "不适用（如分母为 0）"),
    (Flag::U, "可靠性较低（分母不足）"),
    (Flag::R, "本版修订"),
];

fn xl(e: XlsxError) -> ReleaseError {
    ReleaseError::Data(format!("tables.xlsx: {e}"))
}

/// Display width of a text in Excel character units: CJK characters and
/// full-width forms count two.
fn width(s: &str) -> f64 {
    s.chars()
        .map(|c| {
            if matches!(c as u32, 0x2E80..=0x9FFF | 0xF900..=0xFAFF | 0xFE30..=0xFE4F | 0xFF00..=0xFF60 | 0xFFE0..=0xFFE6)
            {
                2.0
            } else {
                1.0
            }
        })
        .sum()
}

struct Styles {
    title: Format,
    wrap: Format,
}

fn styles() -> Styles {
    Styles {
        title: Format::new().set_bold().set_font_size(14),
        wrap: Format::new().set_text_wrap().set_align(FormatAlign::Top),
    }
}

fn number_format(kind: Kind) -> Format {
    match kind {
        Kind::Int => Format::new().set_num_format("#,##0"),
        Kind::Dec(0) => Format::new().set_num_format("#,##0"),
        Kind::Dec(d) => Format::new().set_num_format(format!("#,##0.{}", "0".repeat(d))),
        Kind::Text => Format::new(),
    }
}

/// A plain named Excel table over rows `first..=last`, columns `0..headers`.
fn add_table(
    ws: &mut Worksheet,
    name: &str,
    first: u32,
    last: u32,
    headers: &[String],
) -> Result<(), ReleaseError> {
    let cols: Vec<TableColumn> = headers
        .iter()
        .map(|h| TableColumn::new().set_header(h))
        .collect();
    let table = XlTable::new()
        .set_name(name)
        .set_autofilter(false)
        .set_banded_rows(false)
        .set_style(TableStyle::Light1)
        .set_columns(&cols);
    ws.add_table(first, 0, last, (headers.len() - 1) as u16, &table)
        .map_err(xl)?;
    Ok(())
}

fn set_widths(ws: &mut Worksheet, widths: &[f64]) -> Result<(), ReleaseError> {
    for (i, w) in widths.iter().enumerate() {
        ws.set_column_width(i as u16, w.clamp(8.0, 60.0) + 2.0)
            .map_err(xl)?;
    }
    Ok(())
}

/// Two-column text sheet (cover, contents, notes): a title in A1, a line in
/// A2, then a table of text rows.
fn text_sheet(
    wb: &mut Workbook,
    sheet: &str,
    title: &str,
    line: &str,
    table_name: &str,
    headers: &[&str],
    rows: &[Vec<String>],
) -> Result<(), ReleaseError> {
    let s = styles();
    let ws = wb.add_worksheet();
    ws.set_name(sheet).map_err(xl)?;
    ws.write_string_with_format(0, 0, title, &s.title)
        .map_err(xl)?;
    ws.write_string(1, 0, line).map_err(xl)?;
    let top = 3;
    let headers: Vec<String> = headers.iter().map(|h| h.to_string()).collect();
    let mut widths: Vec<f64> = headers.iter().map(|h| width(h)).collect();
    for (r, row) in rows.iter().enumerate() {
        for (c, v) in row.iter().enumerate() {
            let last = c + 1 == row.len();
            if last && width(v) > 60.0 {
                ws.write_string_with_format(top + 1 + r as u32, c as u16, v, &s.wrap)
                    .map_err(xl)?;
            } else {
                ws.write_string(top + 1 + r as u32, c as u16, v)
                    .map_err(xl)?;
            }
            widths[c] = widths[c].max(width(v));
        }
    }
    add_table(ws, table_name, top, top + rows.len() as u32, &headers)?;
    set_widths(ws, &widths)?;
    Ok(())
}

fn cover(wb: &mut Workbook, b: &Book) -> Result<(), ReleaseError> {
    let qw = quarter_words(b.quarter);
    let changed = if b.edition == 1 {
        "首次发布".to_string()
    } else if b.revisions.is_empty() {
        format!("第 {} 版；与上一版相比无数值修订", b.edition)
    } else {
        format!(
            "修订了第 {} 版的 {} 个数值，修订处标 [r]，明细见“{REVISIONS}”表",
            b.edition - 1,
            b.revisions.len()
        )
    };
    let mut rows: Vec<Vec<String>> = vec![
        vec!["季度".into(), format!("{}（{qw}）", b.quarter)],
        vec!["发布日期".into(), b.date.into()],
        vec!["版次".into(), format!("第 {} 版", b.edition)],
        vec!["本版变化".into(), changed],
        vec!["数据来源".into(), crate::bulletin::SOURCES.into()],
        vec!["联系方式".into(), b.contact.into()],
    ];
    for (flag, meaning) in SHORTHAND {
        rows.push(vec![format!("符号 {}", flag.text()), meaning.into()]);
    }
    text_sheet(
        wb,
        COVER,
        &format!("{qw}全国网络市场监管统计表"),
        "本工作簿每个表一个工作表；表中空缺处以方括号符号表示，含义见下。",
        "Cover",
        &["项目", "内容"],
        &rows,
    )
}

fn contents(wb: &mut Workbook, b: &Book) -> Result<(), ReleaseError> {
    let mut rows: Vec<Vec<String>> = b
        .tables
        .iter()
        .enumerate()
        .map(|(i, t)| {
            vec![
                sheet_name(i, t),
                t.spec.title.to_string(),
                t.spec.description.to_string(),
            ]
        })
        .collect();
    if b.edition > 1 {
        rows.push(vec![
            REVISIONS.into(),
            "本版修订".into(),
            "与上一版相比修订的每个数值：表、行、列、原值、修订值。".into(),
        ]);
    }
    text_sheet(
        wb,
        CONTENTS,
        "目录",
        "每行一个工作表及其标题。",
        "Contents",
        &["工作表", "标题", "内容"],
        &rows,
    )
}

fn notes(wb: &mut Workbook, b: &Book) -> Result<(), ReleaseError> {
    let rows: Vec<Vec<String>> = b
        .notes
        .iter()
        .enumerate()
        .map(|(i, n)| vec![format!("[注{}]", i + 1), n.clone()])
        .collect();
    text_sheet(
        wb,
        NOTES,
        "说明",
        "方法、定义和符号的说明，编号在各表中引用。",
        "Notes",
        &["编号", "说明"],
        &rows,
    )
}

/// The number columns of `t` that carry a shown-but-flagged value on this sheet.
fn flagged_columns(t: &Table, marks: &BTreeSet<(usize, usize)>, cols: &[Col]) -> BTreeSet<usize> {
    let mut out = BTreeSet::new();
    for r in 0..t.rows.len() {
        for (i, c) in cols.iter().enumerate() {
            if c.kind == Kind::Text {
                continue;
            }
            let (text, flag) = cell(t, r, i, marks);
            if !text.is_empty() && !flag.is_empty() {
                out.insert(i);
            }
        }
    }
    out
}

/// The shorthand used on a sheet, in the cover's order.
fn used_flags(t: &Table, marks: &BTreeSet<(usize, usize)>) -> Vec<Flag> {
    let mut seen = BTreeSet::new();
    for row in &t.rows {
        for (_, f) in row {
            if let Some(f) = f {
                seen.insert(f.text());
            }
        }
    }
    if !marks.is_empty() {
        seen.insert(Flag::R.text());
    }
    SHORTHAND
        .iter()
        .map(|(f, _)| *f)
        .filter(|f| seen.contains(f.text()))
        .collect()
}

fn table_sheet(
    wb: &mut Workbook,
    i: usize,
    t: &Table,
    marks: &BTreeSet<(usize, usize)>,
) -> Result<(), ReleaseError> {
    let s = styles();
    let cols = columns(t);
    let flagged = flagged_columns(t, marks, &cols);
    let ws = wb.add_worksheet();
    ws.set_name(sheet_name(i, t)).map_err(xl)?;
    ws.write_string_with_format(0, 0, t.spec.title, &s.title)
        .map_err(xl)?;
    ws.write_string(1, 0, t.spec.description).map_err(xl)?;
    ws.write_string(2, 0, format!("注：方法和定义见“{NOTES}”表。"))
        .map_err(xl)?;
    let used = used_flags(t, marks);
    let shorthand = if used.is_empty() {
        "本表未使用符号。".to_string()
    } else {
        let parts: Vec<String> = used
            .iter()
            .map(|f| {
                let meaning = SHORTHAND.iter().find(|(g, _)| g == f).map_or("", |x| x.1);
                format!("{} {meaning}", f.text())
            })
            .collect();
        format!("本表使用的符号：{}。", parts.join("；"))
    };
    ws.write_string(3, 0, &shorthand).map_err(xl)?;
    let top: u32 = 5;
    // Header and the sheet column of each table column (flag columns between).
    let mut headers = Vec::new();
    let mut at = Vec::new();
    for (k, c) in cols.iter().enumerate() {
        at.push(headers.len() as u16);
        headers.push(c.header.to_string());
        if flagged.contains(&k) {
            headers.push(format!("{}标记", c.header));
        }
    }
    let mut widths: Vec<f64> = headers.iter().map(|h| width(h).min(24.0)).collect();
    widths[0] = widths[0].max(8.0);
    let formats: Vec<Format> = cols.iter().map(|c| number_format(c.kind)).collect();
    for r in 0..t.rows.len() {
        let row = top + 1 + r as u32;
        for (k, c) in cols.iter().enumerate() {
            let (text, flag) = cell(t, r, k, marks);
            let x = at[k];
            let shown = match (&t.rows[r][k].0, text.is_empty()) {
                (Value::Num(v), false) if c.kind != Kind::Text => {
                    ws.write_number_with_format(row, x, *v, &formats[k])
                        .map_err(xl)?;
                    crate::write::number(*v, c.kind)
                }
                (_, false) => {
                    ws.write_string(row, x, &text).map_err(xl)?;
                    text.clone()
                }
                // No figure: the shorthand, as text, never blank.
                (_, true) => {
                    let f = if flag.is_empty() {
                        Flag::X.text().to_string()
                    } else {
                        flag.clone()
                    };
                    ws.write_string(row, x, &f).map_err(xl)?;
                    f
                }
            };
            widths[x as usize] = widths[x as usize].max(width(&shown) + 2.0);
            if flagged.contains(&k) && !text.is_empty() && !flag.is_empty() {
                ws.write_string(row, x + 1, &flag).map_err(xl)?;
            }
        }
    }
    if t.rows.is_empty() {
        ws.write_string(top, 0, "本季度本表无数据行。")
            .map_err(xl)?;
    } else {
        add_table(
            ws,
            &format!("T{}_{}", i + 1, t.spec.name),
            top,
            top + t.rows.len() as u32,
            &headers,
        )?;
    }
    set_widths(ws, &widths)?;
    Ok(())
}

fn revisions(wb: &mut Workbook, b: &Book) -> Result<(), ReleaseError> {
    let s = styles();
    let ws = wb.add_worksheet();
    ws.set_name(REVISIONS).map_err(xl)?;
    ws.write_string_with_format(0, 0, "本版修订", &s.title)
        .map_err(xl)?;
    ws.write_string(
        1,
        0,
        format!(
            "与第 {} 版相比修订的数值，共 {} 个。",
            b.edition - 1,
            b.revisions.len()
        ),
    )
    .map_err(xl)?;
    let headers: Vec<String> = ["表", "行", "列", "原值", "修订值"]
        .iter()
        .map(|h| h.to_string())
        .collect();
    let top: u32 = 3;
    let mut widths: Vec<f64> = headers.iter().map(|h| width(h)).collect();
    for (r, (table, key, column, before, after)) in b.revisions.iter().enumerate() {
        let row = top + 1 + r as u32;
        let t = b.tables.iter().find(|t| t.spec.name == table);
        let c = t.and_then(|t| t.spec.columns.iter().find(|c| c.name == column));
        let texts = [
            t.map_or(table.clone(), |t| t.spec.title.to_string()),
            key.clone(),
            c.map_or(column.clone(), |c| c.header.to_string()),
        ];
        for (k, v) in texts.iter().enumerate() {
            ws.write_string(row, k as u16, v).map_err(xl)?;
            widths[k] = widths[k].max(width(v));
        }
        let format = c.map_or_else(Format::new, |c| number_format(c.kind));
        for (k, v) in [(3u16, before), (4u16, after)] {
            match v.parse::<f64>() {
                Ok(x) => ws.write_number_with_format(row, k, x, &format),
                Err(_) if v.is_empty() => ws.write_string(row, k, Flag::X.text()),
                Err(_) => ws.write_string(row, k, v),
            }
            .map_err(xl)?;
            widths[k as usize] = widths[k as usize].max(width(v) + 2.0);
        }
    }
    if b.revisions.is_empty() {
        ws.write_string(top, 0, "本版无数值修订。").map_err(xl)?;
    } else {
        add_table(
            ws,
            "Revisions",
            top,
            top + b.revisions.len() as u32,
            &headers,
        )?;
    }
    set_widths(ws, &widths)?;
    Ok(())
}

/// The workbook's bytes.
pub fn workbook(b: &Book) -> Result<Vec<u8>, ReleaseError> {
    let mut wb = Workbook::new();
    let created = ExcelDateTime::parse_from_str(b.published_at.trim_end_matches('Z'))
        .map_err(|e| ReleaseError::Data(format!("lake publish time {}: {e}", b.published_at)))?;
    let props = DocProperties::new()
        .set_title(format!(
            "{}全国网络市场监管统计表",
            quarter_words(b.quarter)
        ))
        .set_author("wangjian")
        .set_creation_datetime(&created);
    wb.set_properties(&props);
    cover(&mut wb, b)?;
    contents(&mut wb, b)?;
    notes(&mut wb, b)?;
    for (i, (t, m)) in b.tables.iter().zip(b.marks).enumerate() {
        table_sheet(&mut wb, i, t, m)?;
    }
    if b.edition > 1 {
        revisions(&mut wb, b)?;
    }
    wb.save_to_buffer().map_err(xl)
}
