//! Ingest: reads the raw extracts of sources.md, validates and normalises
//! every row, pseudonymises personal data, and loads the lake.

pub mod batch;
pub mod docs;
mod error;
pub mod ingest;
pub mod outcome;
pub mod read;
pub mod schema;
pub mod secret;
pub mod utf8;
pub mod validate;
pub mod values;

pub use error::IngestError;
pub use ingest::{ingest, FileReport, IngestOptions, RunReport};
