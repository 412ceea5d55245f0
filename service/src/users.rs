//! The users of the SQL service (service.md): a file outside the lake
//! (`$WANGJIAN_USERS_FILE`, else `~/.config/wangjian/users`), mode 0600,
//! one user per line as `name:SCRAM-SHA-256$<iterations>:<salt>$<salted>`
//! (hex): the salt and the salted password of SCRAM-SHA-256 (RFC 5802's
//! `Hi(password, salt, i)`), which is what the server side of SCRAM needs.
//! Never the password. A file whose mode lets anyone but its owner read it
//! is refused.

use std::collections::BTreeMap;
use std::fs;
use std::io::{Read, Write};
use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
use std::path::{Path, PathBuf};

use datafusion_postgres::pgwire::api::auth::sasl::scram::gen_salted_password;

use crate::ServiceError;

/// PBKDF2 iterations (PostgreSQL's default for SCRAM-SHA-256).
pub const ITERATIONS: usize = 4096;
const SCHEME: &str = "SCRAM-SHA-256";

/// One user's stored verifier.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Verifier {
    pub iterations: usize,
    pub salt: Vec<u8>,
    pub salted_password: Vec<u8>,
}

/// The users file's place: `$WANGJIAN_USERS_FILE`, else
/// `~/.config/wangjian/users`.
pub fn default_path() -> Result<PathBuf, ServiceError> {
    if let Some(p) = std::env::var_os("WANGJIAN_USERS_FILE") {
        return Ok(PathBuf::from(p));
    }
    let home = std::env::var_os("HOME")
        .ok_or_else(|| ServiceError::Users("neither WANGJIAN_USERS_FILE nor HOME is set".into()))?;
    Ok(PathBuf::from(home).join(".config/wangjian/users"))
}

/// A user name: letters, digits, `_`, `.`, `-`, 1 to 63 characters.
pub fn check_name(name: &str) -> Result<(), ServiceError> {
    let ok = !name.is_empty()
        && name.len() <= 63
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | '-'));
    if ok {
        Ok(())
    } else {
        Err(ServiceError::Users(format!(
            "user name {name:?}: use 1 to 63 letters, digits, '_', '.' or '-'"
        )))
    }
}

fn random_salt() -> Result<Vec<u8>, ServiceError> {
    let mut salt = vec![0u8; 16];
    fs::File::open("/dev/urandom")
        .and_then(|mut f| f.read_exact(&mut salt))
        .map_err(|e| ServiceError::Users(format!("cannot read /dev/urandom for a salt: {e}")))?;
    Ok(salt)
}

impl Verifier {
    /// A new verifier of `password` with a fresh random salt.
    pub fn new(password: &str) -> Result<Verifier, ServiceError> {
        let salt = random_salt()?;
        let salted_password = gen_salted_password(password, &salt, ITERATIONS);
        Ok(Verifier {
            iterations: ITERATIONS,
            salt,
            salted_password,
        })
    }

    fn line(&self, name: &str) -> String {
        format!(
            "{name}:{SCHEME}${}:{}${}",
            self.iterations,
            hex::encode(&self.salt),
            hex::encode(&self.salted_password)
        )
    }

    fn parse(line: &str) -> Option<(String, Verifier)> {
        let (name, rest) = line.split_once(':')?;
        let rest = rest.strip_prefix(SCHEME)?.strip_prefix('$')?;
        let (iterations, keys) = rest.split_once(':')?;
        let (salt, salted) = keys.split_once('$')?;
        let v = Verifier {
            iterations: iterations.parse().ok()?,
            salt: hex::decode(salt).ok()?,
            salted_password: hex::decode(salted).ok()?,
        };
        (!v.salt.is_empty() && v.salted_password.len() == 32 && v.iterations > 0)
            .then(|| (name.to_string(), v))
    }
}

/// The users, read from `path`.
#[derive(Debug, Clone, Default)]
pub struct Users {
    pub users: BTreeMap<String, Verifier>,
}

impl Users {
    /// Reads the users file; a missing file is no users. Refused when the
    /// file can be read or written by anyone but its owner, or a line is not
    /// a verifier.
    pub fn load(path: &Path) -> Result<Users, ServiceError> {
        let meta = match fs::metadata(path) {
            Ok(m) => m,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Users::default()),
            Err(e) => {
                return Err(ServiceError::Users(format!(
                    "cannot read {}: {e}",
                    path.display()
                )))
            }
        };
        let mode = meta.permissions().mode() & 0o777;
        if mode & 0o077 != 0 {
            return Err(ServiceError::Users(format!(
                "{} has mode {mode:o}: the users file must be readable by its owner only (chmod 600 {})",
                path.display(),
                path.display()
            )));
        }
        let text = fs::read_to_string(path)
            .map_err(|e| ServiceError::Users(format!("cannot read {}: {e}", path.display())))?;
        let mut users = BTreeMap::new();
        for (i, line) in text.lines().enumerate() {
            if line.trim().is_empty() || line.starts_with('#') {
                continue;
            }
            let (name, v) = Verifier::parse(line).ok_or_else(|| {
                ServiceError::Users(format!(
                    "{} line {}: not a SCRAM-SHA-256 verifier",
                    path.display(),
                    i + 1
                ))
            })?;
            users.insert(name, v);
        }
        Ok(Users { users })
    }

    /// Writes the users file with mode 0600 (a temporary file renamed over it).
    pub fn save(&self, path: &Path) -> Result<(), ServiceError> {
        let err = |e: std::io::Error| {
            ServiceError::Users(format!("cannot write {}: {e}", path.display()))
        };
        if let Some(dir) = path.parent() {
            fs::create_dir_all(dir).map_err(err)?;
        }
        let mut text = String::from("# wangjian users: SCRAM-SHA-256 verifiers, never passwords\n");
        for (name, v) in &self.users {
            text.push_str(&v.line(name));
            text.push('\n');
        }
        // A name of our own beside the file (never removes anything):
        // `.users.wangjian-<pid>.tmp`; create_new refuses one that exists.
        let file_name = path
            .file_name()
            .map(|n| n.to_string_lossy().to_string())
            .unwrap_or_else(|| "users".into());
        let tmp = path.with_file_name(format!(".{file_name}.wangjian-{}.tmp", std::process::id()));
        let mut f = fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .mode(0o600)
            .open(&tmp)
            .map_err(err)?;
        f.write_all(text.as_bytes())
            .and_then(|_| f.sync_all())
            .map_err(err)?;
        fs::rename(&tmp, path).map_err(err)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_verifier_round_trips_and_holds_no_password() {
        let v = Verifier::new("pencil").unwrap();
        let line = v.line("alice");
        assert!(!line.contains("pencil"));
        assert_eq!(
            Verifier::parse(&line),
            Some(("alice".to_string(), v.clone()))
        );
        // Another salt, another verifier.
        assert_ne!(
            Verifier::new("pencil").unwrap().salted_password,
            v.salted_password
        );
    }

    #[test]
    fn a_file_others_can_read_is_refused() {
        let d = tempfile::tempdir().unwrap();
        let p = d.path().join("users");
        let mut u = Users::default();
        u.users.insert("bob".into(), Verifier::new("pw").unwrap());
        // A file of the user's own beside it is never touched.
        fs::write(d.path().join("users.tmp"), "mine").unwrap();
        u.save(&p).unwrap();
        assert_eq!(
            fs::read_to_string(d.path().join("users.tmp")).unwrap(),
            "mine"
        );
        assert_eq!(
            fs::read_dir(d.path()).unwrap().count(),
            2,
            "no temporary file left"
        );
        assert_eq!(
            fs::metadata(&p).unwrap().permissions().mode() & 0o777,
            0o600
        );
        assert_eq!(Users::load(&p).unwrap().users.len(), 1);
        fs::set_permissions(&p, fs::Permissions::from_mode(0o644)).unwrap();
        let e = Users::load(&p).unwrap_err().to_string();
        assert!(e.contains("mode 644"), "{e}");
        assert!(check_name("bad name").is_err() && check_name("r.wang-2").is_ok());
    }
}
