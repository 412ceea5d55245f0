//! Value rules of sources.md, one module a kind of value.

pub mod date;
pub mod money;
pub mod pii;
pub mod text;
