//! The data contract of sources.md as data: every source's columns, their
//! Chinese names, types and rules. Validation is driven by these tables.

mod tables;

pub use tables::*;

/// How a column's raw text is read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// Free text, kept as written (trimmed).
    Text,
    /// An identifier or code: trimmed, full-width folded.
    Code,
    /// One of the listed values, exactly.
    Enum(&'static [&'static str]),
    /// 商品服务类别 code or name; `goods_only` accepts only `G..` codes.
    Category {
        goods_only: bool,
    },
    /// 问题类别 code or name.
    Problem,
    /// 违法类型 code or name.
    Violation,
    /// 业态.
    BusinessFormat,
    DateTime,
    Date,
    Bool {
        default: Option<bool>,
    },
    Money,
    Region,
    Uscc,
    /// Personal data: read to derive `consumer_key`, never stored.
    Personal,
    /// Free text with ID and mobile numbers redacted.
    Redacted,
    /// Items separated by `;`, `；` or `、`, stored joined by `;`.
    Items,
}

/// One column of a source.
#[derive(Debug, Clone, Copy)]
pub struct Column {
    pub name: &'static str,
    pub zh: &'static str,
    pub kind: Kind,
    pub required: bool,
}

/// One source: its columns, key and event-time column.
#[derive(Debug)]
pub struct Source {
    pub name: &'static str,
    pub columns: &'static [Column],
    pub key: &'static str,
    /// The event-time column; `None` for the registers.
    pub event_time: Option<&'static str>,
}

impl Source {
    pub fn column(&self, name: &str) -> Option<(usize, &Column)> {
        self.columns
            .iter()
            .enumerate()
            .find(|(_, c)| c.name == name)
    }
    pub fn is_event(&self) -> bool {
        self.event_time.is_some()
    }
}

pub(crate) const fn col(
    name: &'static str,
    zh: &'static str,
    kind: Kind,
    required: bool,
) -> Column {
    Column {
        name,
        zh,
        kind,
        required,
    }
}
