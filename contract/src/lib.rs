//! The data contract as data (`../shared/spec/`): the sources and their
//! columns (sources.md), enumerations, the reference lists of reference.md
//! (the CSVs in `data/reference/`, compiled in), the unified social credit
//! code check, quarters, and the vocabularies of the indicators (risk tiers,
//! alert types, funnel limits). Every other crate takes these facts from here.

pub mod quarter;
pub mod reference;
pub mod sources;
pub mod uscc;
pub mod vocab;

pub use quarter::Quarter;

/// One entry of the data dictionary: (table, column, meaning).
pub type ColumnDoc = (String, String, String);
pub use sources::{source, Column, Kind, Source, SOURCES};
