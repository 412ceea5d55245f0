//! `manifest.json`: what an edition holds and where its figures came from —
//! every file's SHA-256 and size, the lake catalog version and each table's
//! Delta version, the SQL files built into this binary with their SHA-256,
//! the input files behind the figures (load_runs), the disclosure
//! parameters and how many cells each rule hit. No clock time and no path
//! of this machine: copies of a lake give the same bytes.

use std::collections::BTreeMap;

use serde::Serialize;
use sha2::{Digest, Sha256};

use crate::disclosure::{Counts, Params};

pub fn sha256(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}

#[derive(Debug, Clone, Serialize)]
pub struct FileEntry {
    pub path: String,
    pub sha256: String,
    pub bytes: u64,
}

#[derive(Debug, Clone, Serialize)]
pub struct Input {
    pub file: String,
    pub run: String,
    pub rows_loaded: i64,
}

#[derive(Debug, Clone, Serialize)]
pub struct Disclosure {
    pub params: Params,
    pub cells: Counts,
}

#[derive(Debug, Clone, Serialize)]
pub struct Manifest {
    pub wangjian: String,
    pub quarter: String,
    pub edition: u32,
    /// The lake run that published the state the figures come from.
    pub published_run: Option<String>,
    /// When the lake published that state (the edition's date comes from it).
    pub published_at: Option<String>,
    pub lake_version: u64,
    pub tables: BTreeMap<String, u64>,
    /// SHA-256 of the figures (the tables' CSV without revision marks):
    /// an equal hash means an equal release.
    pub figures_sha256: String,
    pub sql: BTreeMap<String, String>,
    pub inputs: Vec<Input>,
    /// Inputs of load runs the previous edition did not have (why figures
    /// were revised).
    pub late_inputs: Vec<Input>,
    pub disclosure: Disclosure,
    /// Earlier edition this one revises (0 for the first).
    pub revises: u32,
    pub revised_cells: usize,
    /// What this edition could not include, and why.
    pub notes: Vec<String>,
    pub files: Vec<FileEntry>,
}
