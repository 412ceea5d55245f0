//! One writer at a time: an advisory lock on `_catalog/writer.lock`, released
//! by the operating system when the process ends, however it ends.

use std::fs::{File, OpenOptions};

use crate::{Lake, LakeError};

/// Held while a writer runs.
#[derive(Debug)]
pub struct WriterLock {
    _file: File,
}

impl Lake {
    /// Takes the writer lock, or fails at once if another writer holds it.
    pub fn lock_writer(&self) -> Result<WriterLock, LakeError> {
        let path = self.root.join("_catalog").join("writer.lock");
        let file = OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .open(&path)
            .map_err(|e| LakeError::io(format!("cannot open {}", path.display()), e))?;
        match file.try_lock() {
            Ok(()) => Ok(WriterLock { _file: file }),
            Err(_) => Err(LakeError::Locked(path.display().to_string())),
        }
    }
}
