//! The wangjian lake: Delta Lake tables under one folder, plus a catalog that
//! pins, for every table, the Delta version that the last complete run left.
//!
//! A run may commit to several Delta tables; each commit is atomic on its own.
//! The catalog (`_catalog/current.json`, replaced by an atomic rename) is what
//! makes the whole run atomic: readers open every table at its pinned
//! version, so they see the lake before a run or after it. A run that dies
//! between its table commits leaves versions past the pin; the next writer
//! restores those tables to the pinned version (a Delta `RESTORE` commit)
//! before it writes, and removes the table folders it created for a run that
//! never published (only the files it wrote: see `owner.rs`). The lake owns
//! only its own folder, marked when it is created; it refuses any other.

mod append;
mod catalog;
pub mod direct;
#[cfg(unix)]
mod direct_store;
mod error;
mod fault;
mod lock;
mod owner;
mod scan;
mod session;
mod shipped;
mod snapshot;
mod tables;
mod write;
mod writers;

pub use append::BatchSource;
pub use catalog::{Catalog, TableEntry, TableKind};
pub use error::LakeError;
pub use lock::WriterLock;
pub use owner::{LAKE_MARKER, TABLE_MARKER};
pub use scan::At;
pub use session::{lake_session, register_all, register_catalog, register_catalog_with, Reader};
pub use snapshot::{SnapshotFiles, SnapshotTable};

use std::path::{Path, PathBuf};

use owner::Standing;

/// The lake root folder.
#[derive(Debug, Clone)]
pub struct Lake {
    root: PathBuf,
}

impl Lake {
    /// Opens the lake for writing: creates it when the folder is absent or
    /// empty, and refuses (before touching anything) a folder that is
    /// neither that nor a wangjian lake.
    pub fn open(root: impl AsRef<Path>) -> Result<Lake, LakeError> {
        let root = root.as_ref();
        let standing = owner::standing(root)?;
        #[cfg(unix)]
        direct_store::register();
        std::fs::create_dir_all(root.join("_catalog")).map_err(|e| {
            LakeError::io(format!("cannot create the lake at {}", root.display()), e)
        })?;
        if standing != Standing::Lake {
            // A new lake, or one written before markers: mark it as ours.
            owner::write_lake_marker(root)?;
        }
        Lake::at(root)
    }

    /// Checks, without creating or writing anything, that [`Lake::open`]
    /// would accept the folder.
    pub fn check_folder(root: impl AsRef<Path>) -> Result<(), LakeError> {
        owner::standing(root.as_ref()).map(|_| ())
    }

    /// Opens an existing lake for reading; creates and writes nothing.
    pub fn open_existing(root: impl AsRef<Path>) -> Result<Lake, LakeError> {
        let root = root.as_ref();
        match owner::standing(root)? {
            Standing::Free => return Err(LakeError::NoLake(root.display().to_string())),
            Standing::Lake | Standing::Unmarked => {}
        }
        if !root.join("_catalog").join("current.json").exists() {
            return Err(LakeError::NoLake(root.display().to_string()));
        }
        Lake::at(root)
    }

    fn at(root: &Path) -> Result<Lake, LakeError> {
        let root = root
            .canonicalize()
            .map_err(|e| LakeError::io(format!("cannot open the lake at {}", root.display()), e))?;
        Ok(Lake { root })
    }

    pub fn root(&self) -> &Path {
        &self.root
    }

    /// The folder of a table.
    pub fn table_path(&self, name: &str) -> PathBuf {
        self.root.join(name)
    }

    /// Scratch space for one run (inside the lake, so renames stay on one
    /// file system; never read by anything but the run that made it). A run
    /// writes there only files ending in [`STAGING_EXTENSIONS`], which are
    /// what clearing an earlier run's staging removes.
    pub fn staging_dir(&self, run: &str) -> PathBuf {
        self.root.join("_staging").join(run)
    }
}

/// The ending of a run's staged rows (Arrow IPC files).
pub const STAGED_ROWS_EXTENSION: &str = "arrow";
/// The ending of the version records and the version pass's bucket files.
pub const SPILL_EXTENSION: &str = "bin";
/// The endings of the files a run writes in its staging folder: staged rows,
/// Parquet files on their way to a table, version records and bucket files.
pub const STAGING_EXTENSIONS: [&str; 3] = [STAGED_ROWS_EXTENSION, "parquet", SPILL_EXTENSION];
