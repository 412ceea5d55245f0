//! The secret key of the consumer hash: `$WANGJIAN_PII_KEY`, else a key file
//! outside the lake (`$WANGJIAN_PII_KEY_FILE`, else
//! `$XDG_CONFIG_HOME/wangjian/pii.key`, else `~/.config/wangjian/pii.key`),
//! created with mode 0600 on first use, with a warning.

use std::io::{Read, Write};
use std::path::{Path, PathBuf};

use crate::IngestError;

/// Where the key file lives when no key is given in the environment.
pub fn key_file_path() -> PathBuf {
    if let Some(p) = std::env::var_os("WANGJIAN_PII_KEY_FILE") {
        return PathBuf::from(p);
    }
    let base = std::env::var_os("XDG_CONFIG_HOME")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".config")))
        .unwrap_or_else(|| PathBuf::from("."));
    base.join("wangjian").join("pii.key")
}

/// Loads (or creates) the secret. Refuses a key file inside the lake.
pub fn load_secret(lake_root: &Path) -> Result<Vec<u8>, IngestError> {
    if let Ok(k) = std::env::var("WANGJIAN_PII_KEY") {
        if !k.is_empty() {
            return Ok(k.into_bytes());
        }
    }
    let path = key_file_path();
    let abs = std::path::absolute(&path).unwrap_or(path.clone());
    if abs.starts_with(lake_root) {
        return Err(IngestError::Secret(format!(
            "the key file {} is inside the lake; keep it outside",
            abs.display()
        )));
    }
    if path.exists() {
        let mut s = String::new();
        std::fs::File::open(&path)
            .and_then(|mut f| f.read_to_string(&mut s))
            .map_err(|e| IngestError::Secret(format!("cannot read {}: {e}", path.display())))?;
        let s = s.trim().to_string();
        if s.is_empty() {
            return Err(IngestError::Secret(format!(
                "the key file {} is empty",
                path.display()
            )));
        }
        return Ok(s.into_bytes());
    }
    let mut raw = [0u8; 32];
    std::fs::File::open("/dev/urandom")
        .and_then(|mut f| f.read_exact(&mut raw))
        .map_err(|e| IngestError::Secret(format!("cannot draw a random key: {e}")))?;
    let key = hex::encode(raw);
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir)
            .map_err(|e| IngestError::Secret(format!("cannot create {}: {e}", dir.display())))?;
    }
    let mut opts = std::fs::OpenOptions::new();
    opts.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        opts.mode(0o600);
    }
    let mut f = opts
        .open(&path)
        .map_err(|e| IngestError::Secret(format!("cannot create {}: {e}", path.display())))?;
    f.write_all(key.as_bytes())
        .and_then(|_| f.sync_all())
        .map_err(|e| IngestError::Secret(format!("cannot write {}: {e}", path.display())))?;
    tracing::warn!(
        "WANGJIAN_PII_KEY is not set: created a new personal-data key at {} (mode 0600). \
         Back it up: consumer_key values can only be matched across loads with the same key.",
        path.display()
    );
    Ok(key.into_bytes())
}
