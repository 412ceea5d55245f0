//! Files written and read past the page cache (`O_DIRECT` on Linux): the
//! staged rows of an ingest ([`DirectWriter`], [`DirectReader`]) and the
//! table files ([`crate::direct_store`]).
//!
//! A run writes every valid row to its staging folder once and reads it
//! back once, then deletes it. Through the page cache, that is two copies
//! of every byte on the run's own cores, and each new page of cache is a
//! page the kernel must find and fill: on the benchmark machine a gigabyte
//! of staged rows cost 1.5–7 s of system time (docs/benchmarks.md, session
//! 24). Written and read directly, the bytes go between this module's
//! buffers and the disk, and the copy is the disk's work.
//!
//! Direct I/O asks for aligned buffers, offsets and lengths: whole blocks
//! of [`ALIGN`] bytes are written, the last one padded and the file then
//! cut to its length. Where the file system refuses direct I/O (tmpfs on
//! older kernels, other systems), or `WANGJIAN_DIRECT_IO=off` says so, the
//! file is written and read through the page cache as before.

use std::fs::{File, OpenOptions};
use std::io::{self, Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};

/// The alignment direct I/O asks for (a page; disks' blocks divide it).
pub(crate) const ALIGN: usize = 4096;
/// How much is written or read at once.
const CHUNK: usize = 4 << 20;

/// Whether files may be written and read directly (`WANGJIAN_DIRECT_IO`
/// other than `off`).
fn direct_allowed() -> bool {
    std::env::var("WANGJIAN_DIRECT_IO").map_or(true, |v| v != "off")
}

/// Opens `path` with direct I/O when the system allows it: the file and
/// whether it is direct.
pub(crate) fn open_direct(opts: &mut OpenOptions, path: &Path) -> io::Result<(File, bool)> {
    #[cfg(target_os = "linux")]
    if direct_allowed() {
        use std::os::unix::fs::OpenOptionsExt;
        let mut d = opts.clone();
        d.custom_flags(libc::O_DIRECT);
        match d.open(path) {
            Ok(f) => return Ok((f, true)),
            Err(e) if e.raw_os_error() == Some(libc::EINVAL) => {}
            Err(e) => return Err(e),
        }
    }
    opts.open(path).map(|f| (f, false))
}

/// Whether the system refused a direct read or write (`EINVAL`: the file
/// system took `O_DIRECT` when the file was opened but not this transfer):
/// the file is then used through the page cache from there on.
pub(crate) fn refused(e: &io::Error) -> bool {
    #[cfg(target_os = "linux")]
    {
        e.raw_os_error() == Some(libc::EINVAL)
    }
    #[cfg(not(target_os = "linux"))]
    {
        let _ = e;
        false
    }
}

/// Zeroed memory with an `ALIGN`-aligned part, where direct I/O reads and
/// writes (a plain vector and an offset into it, so no unsafe code).
#[derive(Debug)]
pub(crate) struct Aligned {
    buf: Vec<u8>,
    start: usize,
}

impl Aligned {
    pub(crate) fn with_capacity(len: usize) -> Aligned {
        let buf = vec![0u8; len + ALIGN];
        let start = buf.as_ptr().align_offset(ALIGN);
        Aligned { buf, start }
    }
    /// How many aligned bytes it holds.
    pub(crate) fn capacity(&self) -> usize {
        self.buf.len() - self.start
    }
    pub(crate) fn get(&self, len: usize) -> &[u8] {
        &self.buf[self.start..self.start + len]
    }
    pub(crate) fn get_mut(&mut self, len: usize) -> &mut [u8] {
        &mut self.buf[self.start..self.start + len]
    }
}

/// A file written in whole aligned chunks.
pub struct DirectWriter {
    path: PathBuf,
    file: File,
    direct: bool,
    buf: Aligned,
    /// Bytes in `buf` not yet written.
    filled: usize,
    /// Bytes written to the file so far.
    written: u64,
}

impl DirectWriter {
    pub fn create(path: &Path) -> io::Result<DirectWriter> {
        let mut opts = OpenOptions::new();
        opts.write(true).create(true).truncate(true);
        let (file, direct) = open_direct(&mut opts, path)?;
        Ok(DirectWriter {
            path: path.to_path_buf(),
            file,
            direct,
            buf: Aligned::with_capacity(CHUNK),
            filled: 0,
            written: 0,
        })
    }

    /// Writes `buf`'s first `len` bytes (a multiple of `ALIGN`, or the end
    /// of the file when not direct).
    fn write_out(&mut self, len: usize) -> io::Result<()> {
        match self.file.write_all(self.buf.get(len)) {
            Err(e) if self.direct && refused(&e) => {
                // Through the page cache from here, from the last whole
                // write on (a refused write may have left part of itself).
                let mut file = OpenOptions::new().write(true).open(&self.path)?;
                file.seek(SeekFrom::Start(self.written))?;
                file.write_all(self.buf.get(len))?;
                self.file = file;
                self.direct = false;
            }
            done => done?,
        }
        self.written += len as u64;
        Ok(())
    }

    /// Writes what is buffered and cuts the padding of the last block off;
    /// the file.
    pub fn finish(mut self) -> io::Result<File> {
        let len = self.written + self.filled as u64;
        if self.filled > 0 {
            let padded = if self.direct {
                self.filled.next_multiple_of(ALIGN)
            } else {
                self.filled
            };
            self.buf.get_mut(padded)[self.filled..].fill(0);
            self.write_out(padded)?;
        }
        if self.written != len {
            self.file.set_len(len)?;
        }
        Ok(self.file)
    }
}

impl Write for DirectWriter {
    fn write(&mut self, data: &[u8]) -> io::Result<usize> {
        let n = data.len().min(CHUNK - self.filled);
        self.buf.get_mut(CHUNK)[self.filled..self.filled + n].copy_from_slice(&data[..n]);
        self.filled += n;
        if self.filled == CHUNK {
            self.write_out(CHUNK)?;
            self.filled = 0;
        }
        Ok(n)
    }

    /// Keeps a partial block buffered: direct writes are whole blocks (the
    /// last one goes out with [`DirectWriter::finish`]).
    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

/// A file read in aligned chunks, with seeking (an Arrow IPC file's footer
/// is read first, then its blocks in order).
pub struct DirectReader {
    path: PathBuf,
    file: File,
    direct: bool,
    len: u64,
    buf: Aligned,
    /// The file's bytes `[at, at + held)` are in `buf`.
    at: u64,
    held: usize,
    pos: u64,
}

impl DirectReader {
    pub fn open(path: &Path) -> io::Result<DirectReader> {
        let (file, direct) = open_direct(OpenOptions::new().read(true), path)?;
        let len = file.metadata()?.len();
        Ok(DirectReader {
            path: path.to_path_buf(),
            file,
            direct,
            len,
            buf: Aligned::with_capacity(CHUNK),
            at: 0,
            held: 0,
            pos: 0,
        })
    }

    /// Fills `buf` with the chunk that holds `pos`, from the aligned offset
    /// at or before it.
    fn load(&mut self, pos: u64) -> io::Result<()> {
        let at = pos - pos % ALIGN as u64;
        let want = (CHUNK as u64).min(self.len - at) as usize;
        self.fill(at, want)?;
        self.at = at;
        self.held = want;
        Ok(())
    }

    /// [`DirectReader::read_at`], through the page cache from here on
    /// when the system refuses it as direct.
    fn fill(&mut self, at: u64, want: usize) -> io::Result<()> {
        match self.read_at(at, want) {
            Err(e) if self.direct && refused(&e) => {
                self.file = File::open(&self.path)?;
                self.direct = false;
                self.read_at(at, want)
            }
            done => done,
        }
    }

    /// Reads the file's `want` bytes from `at` into `buf` (whole blocks
    /// asked for: the file's end gives fewer bytes).
    fn read_at(&mut self, at: u64, want: usize) -> io::Result<()> {
        self.file.seek(SeekFrom::Start(at))?;
        let ask = want.next_multiple_of(ALIGN);
        let buf = self.buf.get_mut(ask);
        let mut got = 0;
        while got < want {
            match self.file.read(&mut buf[got..]) {
                Ok(0) => break,
                Ok(n) => got += n,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => return Err(e),
            }
        }
        if got < want {
            return Err(io::Error::new(
                io::ErrorKind::UnexpectedEof,
                format!(
                    "the staged file ends at byte {} of {}",
                    at + got as u64,
                    self.len
                ),
            ));
        }
        Ok(())
    }
}

impl Read for DirectReader {
    fn read(&mut self, out: &mut [u8]) -> io::Result<usize> {
        if self.pos >= self.len || out.is_empty() {
            return Ok(0);
        }
        if self.pos < self.at || self.pos >= self.at + self.held as u64 {
            self.load(self.pos)?;
        }
        let from = (self.pos - self.at) as usize;
        let n = out.len().min(self.held - from);
        out[..n].copy_from_slice(&self.buf.get(from + n)[from..]);
        self.pos += n as u64;
        Ok(n)
    }
}

impl Seek for DirectReader {
    fn seek(&mut self, to: SeekFrom) -> io::Result<u64> {
        let pos = match to {
            SeekFrom::Start(p) => Some(p),
            SeekFrom::End(d) => self.len.checked_add_signed(d),
            SeekFrom::Current(d) => self.pos.checked_add_signed(d),
        };
        self.pos = pos.ok_or_else(|| {
            io::Error::new(
                io::ErrorKind::InvalidInput,
                "seek before the start of the file",
            )
        })?;
        Ok(self.pos)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Bytes written in pieces of every size come back whole, however they
    /// are read and from wherever; the file is exactly as long as written.
    #[test]
    fn bytes_come_back_as_written() {
        let dir = tempfile::tempdir().unwrap();
        for len in [
            0usize,
            1,
            ALIGN - 1,
            ALIGN,
            CHUNK - 3,
            CHUNK,
            2 * CHUNK + 4097,
        ] {
            let data: Vec<u8> = (0..len).map(|i| (i * 7 % 251) as u8).collect();
            let p = dir.path().join(format!("f{len}"));
            let mut w = DirectWriter::create(&p).unwrap();
            let mut rest = &data[..];
            let mut piece = 1;
            while !rest.is_empty() {
                let (a, b) = rest.split_at(piece.min(rest.len()));
                w.write_all(a).unwrap();
                rest = b;
                piece = piece * 3 + 1;
            }
            w.flush().unwrap();
            drop(w.finish().unwrap());
            assert_eq!(std::fs::metadata(&p).unwrap().len(), len as u64);
            let mut r = DirectReader::open(&p).unwrap();
            let mut back = Vec::new();
            r.read_to_end(&mut back).unwrap();
            assert!(back == data, "{len} bytes");
            // From the end, then from the middle.
            if len > 10 {
                let mut tail = [0u8; 10];
                r.seek(SeekFrom::End(-10)).unwrap();
                r.read_exact(&mut tail).unwrap();
                assert_eq!(tail, data[len - 10..]);
                let mid = len / 2;
                r.seek(SeekFrom::Start(mid as u64)).unwrap();
                let mut some = vec![0u8; (len - mid).min(ALIGN + 5)];
                r.read_exact(&mut some).unwrap();
                assert_eq!(some, data[mid..mid + some.len()]);
            }
            assert!(r.seek(SeekFrom::Current(-(len as i64) - 1)).is_err());
        }
    }

    /// A file cut short after it was opened is an error, not a short read
    /// that looks like the end.
    #[test]
    fn a_file_cut_short_is_an_error() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("f");
        let mut w = DirectWriter::create(&p).unwrap();
        w.write_all(&vec![5u8; 3 * ALIGN]).unwrap();
        drop(w.finish().unwrap());
        let mut r = DirectReader::open(&p).unwrap();
        std::fs::OpenOptions::new()
            .write(true)
            .open(&p)
            .unwrap()
            .set_len(ALIGN as u64)
            .unwrap();
        let mut back = Vec::new();
        let e = r.read_to_end(&mut back).unwrap_err();
        assert_eq!(e.kind(), io::ErrorKind::UnexpectedEof);
    }

    /// A write or a read that the system refuses as direct (here one of
    /// the wrong alignment, which Linux refuses with `EINVAL`) is done
    /// through the page cache, and the file goes on that way, whole.
    #[test]
    fn a_refused_direct_transfer_goes_through_the_cache() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("f");
        let mut w = DirectWriter::create(&p).unwrap();
        if !w.direct {
            // Under CI a skip fails: the fallback must have been seen.
            assert!(
                std::env::var("CI").as_deref() != Ok("true"),
                "the temporary folder takes no direct I/O"
            );
            eprintln!("skipped: the temporary folder takes no direct I/O");
            return;
        }
        let data: Vec<u8> = (0..3 * ALIGN + 100).map(|i| (i % 253) as u8).collect();
        w.write_all(&data[..100]).unwrap();
        // 100 bytes out as if whole: refused, then written buffered.
        w.write_out(100).unwrap();
        assert!(!w.direct);
        w.filled = 0;
        w.write_all(&data[100..]).unwrap();
        drop(w.finish().unwrap());
        assert_eq!(std::fs::read(&p).unwrap(), data);
        let mut r = DirectReader::open(&p).unwrap();
        assert!(r.direct);
        // An unaligned read: refused, then read buffered.
        r.load(0).unwrap();
        r.fill(5, 100).unwrap();
        assert!(!r.direct);
        assert_eq!(r.buf.get(100), &data[5..105]);
        r.seek(SeekFrom::Start(0)).unwrap();
        r.held = 0;
        let mut back = Vec::new();
        r.read_to_end(&mut back).unwrap();
        assert!(back == data);
    }
}
