//! The lake's local object store: the local file system, with the data
//! files that Delta writes in parts (every table file of an ingest) written
//! past the page cache ([`crate::direct`]).
//!
//! Through the page cache, writing the 5M-row benchmark's 386 MB of table
//! files took about a tenth of the run's processor time in the kernel's
//! copy into new cache pages (`perf`, docs/benchmarks.md, session 24).
//! Here each part goes from one of the upload's aligned buffers to the
//! file with direct I/O, into a `#n` file next to its place that is
//! renamed there when complete, as the local store does it (a reader never
//! sees a part-written file, and listings skip `#n` files). Everything
//! else, small files and the Delta log included, is the local store's own.
//! Where direct I/O cannot be had, an upload is the local store's too.

use std::fmt;
use std::fs::{File, OpenOptions};
use std::os::unix::fs::FileExt;
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, OnceLock};

use async_trait::async_trait;
use deltalake::logstore::object_store::local::LocalFileSystem;
use deltalake::logstore::object_store::path::Path;
use deltalake::logstore::object_store::{
    CopyOptions, GetOptions, GetResult, ListResult, MultipartUpload, ObjectMeta, ObjectStore,
    PutMultipartOptions, PutOptions, PutPayload, PutResult, RenameOptions, Result, UploadPart,
};
use deltalake::logstore::{
    object_store_factories, DeltaIOStorageBackend, ObjectStoreFactory, ObjectStoreRef,
    StorageConfig,
};
use deltalake::{DeltaResult, DeltaTableError};
use futures::stream::BoxStream;
use url::Url;

use crate::direct::{open_direct, refused, Aligned, ALIGN};

/// Makes the lake's `file://` tables use [`DirectStore`] (once a process).
pub(crate) fn register() {
    static DONE: OnceLock<()> = OnceLock::new();
    DONE.get_or_init(|| {
        if let Ok(url) = Url::parse("file://") {
            object_store_factories().insert(url, Arc::new(DirectFactory));
        }
    });
}

struct DirectFactory;

impl ObjectStoreFactory for DirectFactory {
    /// As deltalake's own factory for `file://`, with the local store
    /// wrapped.
    fn parse_url_opts(
        &self,
        url: &Url,
        config: &StorageConfig,
    ) -> DeltaResult<(ObjectStoreRef, Path)> {
        let path = url
            .to_file_path()
            .ok()
            .and_then(|p| Path::from_absolute_path(p).ok())
            .ok_or_else(|| DeltaTableError::InvalidTableLocation(url.to_string()))?;
        let store = DirectStore {
            inner: Arc::new(LocalFileSystem::new()),
        };
        let store: ObjectStoreRef = match &config.runtime {
            Some(rt) => Arc::new(DeltaIOStorageBackend::new(store, rt.clone())),
            None => Arc::new(store),
        };
        Ok((store, path))
    }
}

/// The local file system, with multipart uploads written directly.
#[derive(Debug, Clone)]
pub struct DirectStore {
    inner: Arc<LocalFileSystem>,
}

impl fmt::Display for DirectStore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "DirectStore({})", self.inner)
    }
}

#[async_trait]
impl ObjectStore for DirectStore {
    async fn put_opts(
        &self,
        location: &Path,
        payload: PutPayload,
        opts: PutOptions,
    ) -> Result<PutResult> {
        self.inner.put_opts(location, payload, opts).await
    }

    async fn put_multipart_opts(
        &self,
        location: &Path,
        opts: PutMultipartOptions,
    ) -> Result<Box<dyn MultipartUpload>> {
        let dest = self.inner.path_to_filesystem(location)?;
        let started = tokio::task::spawn_blocking(move || DirectUpload::start(dest))
            .await
            .map_err(|e| generic(e.to_string()))?;
        match started {
            Ok(Some(up)) => Ok(Box::new(up)),
            Ok(None) => self.inner.put_multipart_opts(location, opts).await,
            Err(e) => Err(e),
        }
    }

    async fn get_opts(&self, location: &Path, options: GetOptions) -> Result<GetResult> {
        self.inner.get_opts(location, options).await
    }

    fn delete_stream(
        &self,
        locations: BoxStream<'static, Result<Path>>,
    ) -> BoxStream<'static, Result<Path>> {
        self.inner.delete_stream(locations)
    }

    fn list(&self, prefix: Option<&Path>) -> BoxStream<'static, Result<ObjectMeta>> {
        self.inner.list(prefix)
    }

    fn list_with_offset(
        &self,
        prefix: Option<&Path>,
        offset: &Path,
    ) -> BoxStream<'static, Result<ObjectMeta>> {
        self.inner.list_with_offset(prefix, offset)
    }

    async fn list_with_delimiter(&self, prefix: Option<&Path>) -> Result<ListResult> {
        self.inner.list_with_delimiter(prefix).await
    }

    async fn copy_opts(&self, from: &Path, to: &Path, options: CopyOptions) -> Result<()> {
        self.inner.copy_opts(from, to, options).await
    }

    async fn rename_opts(&self, from: &Path, to: &Path, options: RenameOptions) -> Result<()> {
        self.inner.rename_opts(from, to, options).await
    }
}

fn generic(why: impl Into<String>) -> deltalake::logstore::object_store::Error {
    deltalake::logstore::object_store::Error::Generic {
        store: "DirectStore",
        source: why.into().into(),
    }
}

fn io_error(
    what: &str,
    path: &std::path::Path,
    e: std::io::Error,
) -> deltalake::logstore::object_store::Error {
    generic(format!("{what} {}: {e}", path.display()))
}

/// One file being written in parts: whole aligned blocks go out as the
/// parts come; the bytes past the last whole block wait for the next part
/// (or the end).
#[derive(Debug)]
struct DirectUpload {
    state: Arc<UploadState>,
    /// The `#n` file, until it is renamed or removed.
    src: Option<PathBuf>,
    /// Bytes handed to writes so far (whole blocks).
    offset: u64,
    /// Bytes after `offset`, fewer than a block's worth or waiting.
    pending: Vec<u8>,
}

#[derive(Debug)]
struct UploadState {
    dest: PathBuf,
    /// The `#n` file.
    src: PathBuf,
    file: Mutex<Arc<File>>,
    /// Whether `file` is open for direct I/O (until the system refuses a
    /// write: then it is opened again through the page cache).
    direct: AtomicBool,
    /// Buffers whose writes are done, to be used again (fresh memory for
    /// every part would be fresh pages to fault in).
    spare: Mutex<Vec<Aligned>>,
}

impl UploadState {
    fn file(&self) -> std::io::Result<Arc<File>> {
        self.file
            .lock()
            .map(|f| Arc::clone(&f))
            .map_err(|_| std::io::Error::other("an upload's writer panicked"))
    }

    /// Writes `data` at `at`; a write the system refuses as direct is
    /// written through the page cache, as is every part after it.
    fn write_all_at(&self, data: &[u8], at: u64) -> std::io::Result<()> {
        let file = self.file()?;
        match file.write_all_at(data, at) {
            Err(e) if refused(&e) && self.direct.load(Ordering::Acquire) => {
                let buffered = {
                    let mut f = self
                        .file
                        .lock()
                        .map_err(|_| std::io::Error::other("an upload's writer panicked"))?;
                    if self.direct.load(Ordering::Acquire) {
                        *f = Arc::new(OpenOptions::new().write(true).open(&self.src)?);
                        self.direct.store(false, Ordering::Release);
                    }
                    Arc::clone(&f)
                };
                buffered.write_all_at(data, at)
            }
            done => done,
        }
    }
}

impl DirectUpload {
    /// Opens the `#n` file for `dest` with direct I/O; `None` when the file
    /// system will not have it.
    fn start(dest: PathBuf) -> Result<Option<DirectUpload>> {
        if let Some(parent) = dest.parent() {
            std::fs::create_dir_all(parent)
                .map_err(|e| io_error("cannot create the folder", parent, e))?;
        }
        for n in 1u32.. {
            let mut src = dest.clone().into_os_string();
            src.push(format!("#{n}"));
            let src = PathBuf::from(src);
            let mut opts = OpenOptions::new();
            opts.write(true).create_new(true);
            match open_direct(&mut opts, &src) {
                Ok((file, true)) => {
                    let state = UploadState {
                        dest,
                        src: src.clone(),
                        file: Mutex::new(Arc::new(file)),
                        direct: AtomicBool::new(true),
                        spare: Mutex::new(Vec::new()),
                    };
                    return Ok(Some(DirectUpload {
                        state: Arc::new(state),
                        src: Some(src),
                        offset: 0,
                        pending: Vec::new(),
                    }));
                }
                Ok((file, false)) => {
                    drop(file);
                    let _ = std::fs::remove_file(&src);
                    return Ok(None);
                }
                Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => continue,
                Err(e) => return Err(io_error("cannot create", &src, e)),
            }
        }
        Err(generic("no free upload name"))
    }

    /// Writes `len` bytes of `buf` at `at` on a blocking thread, then keeps
    /// the buffer for another part.
    fn write_at(&self, buf: Aligned, len: usize, at: u64) -> UploadPart {
        let s = Arc::clone(&self.state);
        Box::pin(async move {
            tokio::task::spawn_blocking(move || {
                let done = s.write_all_at(buf.get(len), at);
                if let Ok(mut spare) = s.spare.lock() {
                    spare.push(buf);
                }
                done.map_err(|e| io_error("cannot write", &s.dest, e))
            })
            .await
            .map_err(|e| generic(e.to_string()))?
        })
    }

    /// An aligned buffer of at least `len` bytes.
    fn buffer(&self, len: usize) -> Aligned {
        let reused = self.state.spare.lock().ok().and_then(|mut s| {
            let at = s.iter().position(|b| b.capacity() >= len)?;
            Some(s.swap_remove(at))
        });
        reused.unwrap_or_else(|| Aligned::with_capacity(len))
    }
}

#[async_trait]
impl MultipartUpload for DirectUpload {
    fn put_part(&mut self, data: PutPayload) -> UploadPart {
        let total = self.pending.len() + data.content_length();
        let whole = total - total % ALIGN;
        if whole == 0 {
            for chunk in data.iter() {
                self.pending.extend_from_slice(chunk);
            }
            return Box::pin(async { Ok(()) });
        }
        // The waiting bytes and this part's, the whole blocks into the
        // buffer and the rest kept.
        let mut buf = self.buffer(whole);
        let out = buf.get_mut(whole);
        let mut at = self.pending.len();
        out[..at].copy_from_slice(&self.pending);
        self.pending.clear();
        for chunk in data.iter() {
            let here = chunk.len().min(whole - at);
            out[at..at + here].copy_from_slice(&chunk[..here]);
            at += here;
            self.pending.extend_from_slice(&chunk[here..]);
        }
        let offset = self.offset;
        self.offset += whole as u64;
        self.write_at(buf, whole, offset)
    }

    async fn complete(&mut self) -> Result<PutResult> {
        let src = self
            .src
            .take()
            .ok_or_else(|| generic("the upload was aborted"))?;
        let tail = std::mem::take(&mut self.pending);
        let (offset, len) = (self.offset, self.offset + tail.len() as u64);
        if !tail.is_empty() {
            // The last block padded to a whole one; the file is cut to its
            // length below.
            let padded = if self.state.direct.load(Ordering::Acquire) {
                tail.len().next_multiple_of(ALIGN)
            } else {
                tail.len()
            };
            let mut buf = self.buffer(padded);
            let out = buf.get_mut(padded);
            out[..tail.len()].copy_from_slice(&tail);
            out[tail.len()..].fill(0);
            self.write_at(buf, padded, offset).await?;
        }
        let s = Arc::clone(&self.state);
        tokio::task::spawn_blocking(move || {
            let file = s.file().map_err(|e| io_error("cannot finish", &src, e))?;
            file.set_len(len)
                .map_err(|e| io_error("cannot set the length of", &src, e))?;
            std::fs::rename(&src, &s.dest).map_err(|e| io_error("cannot rename", &src, e))?;
            let meta = file
                .metadata()
                .map_err(|e| io_error("cannot read the metadata of", &s.dest, e))?;
            Ok(PutResult {
                e_tag: Some(etag(&meta)),
                version: None,
            })
        })
        .await
        .map_err(|e| generic(e.to_string()))?
    }

    async fn abort(&mut self) -> Result<()> {
        let src = self
            .src
            .take()
            .ok_or_else(|| generic("the upload was aborted"))?;
        tokio::task::spawn_blocking(move || {
            std::fs::remove_file(&src).map_err(|e| io_error("cannot remove", &src, e))
        })
        .await
        .map_err(|e| generic(e.to_string()))?
    }
}

impl Drop for DirectUpload {
    /// An upload neither completed nor aborted leaves no `#n` file.
    fn drop(&mut self) {
        if let Some(src) = self.src.take() {
            let _ = std::fs::remove_file(src);
        }
    }
}

/// The local store's e-tag: inode, modification time (µs) and size.
fn etag(meta: &std::fs::Metadata) -> String {
    use std::os::unix::fs::MetadataExt;
    let mtime = meta
        .modified()
        .ok()
        .and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok())
        .unwrap_or_default()
        .as_micros();
    format!("{:x}-{mtime:x}-{:x}", meta.ino(), meta.len())
}

#[cfg(test)]
mod tests {
    use super::*;
    use deltalake::logstore::object_store::{ObjectStoreExt, WriteMultipart};

    /// Parts of any size, awaited together, make the file written as one;
    /// a listing never shows the `#n` file, and an abort leaves nothing.
    #[tokio::test]
    async fn parts_make_the_file() {
        let dir = tempfile::tempdir().unwrap();
        let store = DirectStore {
            inner: Arc::new(LocalFileSystem::new_with_prefix(dir.path()).unwrap()),
        };
        for len in [0usize, 1, ALIGN, 3 * ALIGN + 17, (5 << 20) + 4097] {
            let data: Vec<u8> = (0..len).map(|i| (i * 13 % 251) as u8).collect();
            let loc = Path::from(format!("t/quarter=2025Q3/part-{len}.parquet"));
            let up = store.put_multipart(&loc).await.unwrap();
            let mut w = WriteMultipart::new_with_chunk_size(up, 1 << 20);
            let mut rest = &data[..];
            let mut piece = 1;
            while !rest.is_empty() {
                let (a, b) = rest.split_at(piece.min(rest.len()));
                w.write(a);
                rest = b;
                piece = piece * 5 + 3;
            }
            w.finish().await.unwrap();
            let back = store.get(&loc).await.unwrap().bytes().await.unwrap();
            assert!(back.as_ref() == data.as_slice(), "{len} bytes");
        }
        let mut up = store
            .put_multipart(&Path::from("t/gone.parquet"))
            .await
            .unwrap();
        up.put_part(vec![1u8; 10].into()).await.unwrap();
        let listed: Vec<String> = std::fs::read_dir(dir.path().join("t"))
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        assert!(listed.iter().any(|n| n == "gone.parquet#1"), "{listed:?}");
        up.abort().await.unwrap();
        let listed: Vec<String> = std::fs::read_dir(dir.path().join("t"))
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        assert!(!listed.iter().any(|n| n.contains('#')), "{listed:?}");
    }

    /// A part the system refuses as direct (here one of the wrong length,
    /// which Linux refuses with `EINVAL`) is written through the page
    /// cache, and so is the rest of the file.
    #[tokio::test]
    async fn a_refused_part_goes_through_the_cache() {
        let dir = tempfile::tempdir().unwrap();
        let dest = dir.path().join("t/f.parquet");
        let Some(mut up) = DirectUpload::start(dest.clone()).unwrap() else {
            assert!(
                std::env::var("CI").as_deref() != Ok("true"),
                "the temporary folder takes no direct I/O"
            );
            eprintln!("skipped: the temporary folder takes no direct I/O");
            return;
        };
        let mut buf = Aligned::with_capacity(ALIGN);
        buf.get_mut(100).fill(7);
        up.write_at(buf, 100, 0).await.unwrap();
        assert!(!up.state.direct.load(Ordering::Acquire));
        up.offset = 100;
        up.put_part(vec![9u8; 2 * ALIGN].into()).await.unwrap();
        up.complete().await.unwrap();
        let mut want = vec![7u8; 100];
        want.extend(vec![9u8; 2 * ALIGN]);
        assert_eq!(std::fs::read(&dest).unwrap(), want);
    }
}
