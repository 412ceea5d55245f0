//! CSV records from a byte stream, split the way the `csv` crate splits
//! them (RFC 4180 quoting, `\n`, `\r\n` or a lone `\r` ending a record,
//! blank lines skipped, a UTF-8 byte order mark at the start dropped), but
//! without its byte-at-a-time parser for the lines that need none.
//!
//! Most lines of an extract hold no quote and no carriage return other than
//! the one before their line feed. Such a line is split here where its
//! commas are, found sixteen bytes at a time (SSE2 on x86-64, a plain loop
//! elsewhere), and its fields are handed on as they lie in the read buffer,
//! commas included: no copy of each field. Any other line (a quote anywhere,
//! a lone carriage return) goes to `csv_core`'s parser, which the `csv`
//! crate drives too, from the start of that line: the two agree record for
//! record (the test below checks them on thousands of random files).
//!
//! The CSV parser was a tenth of a large file's staging (docs/benchmarks.md,
//! session 22).

use std::io::Read;

/// The read buffer's size; a line that does not fit goes to the parser,
/// which reads it in pieces.
const BUFFER: usize = 1 << 20;

/// One record, borrowed from the splitter until the next call.
pub enum Record<'a> {
    /// A line split at its commas: field `i` ends at `ends[i]` and the next
    /// one starts a byte later.
    Line { text: &'a [u8], ends: &'a [usize] },
    /// A record from the parser: its fields' bytes one after the other
    /// (quotes undone), field `i` ending at `ends[i]`.
    Parsed { bytes: &'a [u8], ends: &'a [usize] },
}

/// Splits a stream into CSV records.
pub struct Splitter {
    src: Box<dyn Read + Send>,
    buf: Vec<u8>,
    /// The unread bytes are `buf[pos..len]`.
    pos: usize,
    len: usize,
    eof: bool,
    started: bool,
    core: csv_core::Reader,
    out: Vec<u8>,
    ends: Vec<usize>,
}

/// What the first line of some bytes is.
#[derive(Debug, PartialEq, Eq)]
enum Scan {
    /// A line of `len` bytes (its terminator not counted) that the commas
    /// split; the next line starts at `next`.
    Line { len: usize, next: usize },
    /// The line does not end within the bytes (or may end in `\r\n` with
    /// the `\n` not read yet).
    NeedMore,
    /// The line holds a quote or a lone carriage return: for the parser.
    Parser,
}

impl Splitter {
    pub fn new(src: Box<dyn Read + Send>) -> Splitter {
        Splitter::with_buffer(src, BUFFER)
    }

    fn with_buffer(src: Box<dyn Read + Send>, size: usize) -> Splitter {
        let mut core = csv_core::Reader::new();
        // The parser drops a byte order mark only on its first call, which
        // here may come in the middle of the file: give it a blank line
        // first (skipped, as every blank line is), and drop the file's
        // mark below instead, as it would have at the start.
        let _ = core.read_record(b"\n", &mut [0; 1], &mut [0; 1]);
        Splitter {
            src,
            buf: vec![0; size.max(4)],
            pos: 0,
            len: 0,
            eof: false,
            started: false,
            core,
            out: vec![0; 1 << 12],
            ends: Vec::with_capacity(64),
        }
    }

    /// The next record; `None` at the end of the stream.
    pub fn next_record(&mut self) -> std::io::Result<Option<Record<'_>>> {
        if !self.started {
            self.started = true;
            while self.len - self.pos < 3 && self.read_more()? {}
            if self.buf[self.pos..self.len].starts_with(b"\xEF\xBB\xBF") {
                self.pos += 3;
            }
        }
        loop {
            match scan_line(&self.buf[self.pos..self.len], &mut self.ends) {
                Scan::Line { len, next } => {
                    let start = self.pos;
                    self.pos += next;
                    if len == 0 {
                        continue;
                    }
                    return Ok(Some(Record::Line {
                        text: &self.buf[start..start + len],
                        ends: &self.ends,
                    }));
                }
                Scan::Parser => return self.parse(),
                Scan::NeedMore if self.eof => {
                    let rest = &self.buf[self.pos..self.len];
                    if rest.is_empty() {
                        return Ok(None);
                    }
                    if memchr::memchr2(b'"', b'\r', rest).is_some() {
                        return self.parse();
                    }
                    // The last line, without a line feed: as if it had one.
                    self.make_room(1);
                    self.buf[self.len] = b'\n';
                    self.len += 1;
                }
                Scan::NeedMore => {
                    if self.pos == 0 && self.len == self.buf.len() {
                        // A line longer than the buffer.
                        return self.parse();
                    }
                    self.read_more()?;
                }
            }
        }
    }

    /// The next record through the parser, from the start of a line.
    fn parse(&mut self) -> std::io::Result<Option<Record<'_>>> {
        let (mut nout, mut nend) = (0, 0);
        let slots = self.ends.capacity().max(64);
        self.ends.clear();
        self.ends.resize(slots, 0);
        loop {
            let input = &self.buf[self.pos..self.len];
            let (res, nin, o, e) =
                self.core
                    .read_record(input, &mut self.out[nout..], &mut self.ends[nend..]);
            self.pos += nin;
            nout += o;
            nend += e;
            match res {
                csv_core::ReadRecordResult::InputEmpty => {
                    if !self.eof {
                        self.read_more()?;
                    }
                }
                csv_core::ReadRecordResult::OutputFull => {
                    let n = self.out.len() * 2;
                    self.out.resize(n, 0);
                }
                csv_core::ReadRecordResult::OutputEndsFull => {
                    let n = (self.ends.len() * 2).max(64);
                    self.ends.resize(n, 0);
                }
                csv_core::ReadRecordResult::Record => {
                    return Ok(Some(Record::Parsed {
                        bytes: &self.out[..nout],
                        ends: &self.ends[..nend],
                    }))
                }
                csv_core::ReadRecordResult::End => return Ok(None),
            }
        }
    }

    /// Reads more of the stream after the unread bytes (moved to the front
    /// of the buffer first); false at its end.
    fn read_more(&mut self) -> std::io::Result<bool> {
        if self.eof {
            return Ok(false);
        }
        self.make_room(1);
        loop {
            match self.src.read(&mut self.buf[self.len..]) {
                Ok(0) => {
                    self.eof = true;
                    return Ok(false);
                }
                Ok(n) => {
                    self.len += n;
                    return Ok(true);
                }
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
                Err(e) => return Err(e),
            }
        }
    }

    /// Room for at least `n` more bytes after the unread ones.
    fn make_room(&mut self, n: usize) {
        if self.pos > 0 {
            self.buf.copy_within(self.pos..self.len, 0);
            self.len -= self.pos;
            self.pos = 0;
        }
        if self.buf.len() - self.len < n {
            let size = self.len + n;
            self.buf.resize(size, 0);
        }
    }
}

/// The first line of `bytes`: where it ends and, in `ends`, where its
/// fields end (each comma's place, then the line's length).
fn scan_line(bytes: &[u8], ends: &mut Vec<usize>) -> Scan {
    ends.clear();
    let mut base = 0;
    while base < bytes.len() {
        let n = (bytes.len() - base).min(16);
        let (mut comma, newline, mut special) = if n == 16 {
            masks(bytes[base..base + 16].try_into().expect("16 bytes"))
        } else {
            // Zero bytes past the end match nothing.
            let mut pad = [0u8; 16];
            pad[..n].copy_from_slice(&bytes[base..]);
            masks(&pad)
        };
        // Bits from the line feed on belong to the next line.
        let limit = if newline == 0 {
            16
        } else {
            newline.trailing_zeros()
        };
        let mine = if limit == 16 {
            u32::MAX
        } else {
            (1 << limit) - 1
        };
        comma &= mine;
        special &= mine;
        while special != 0 {
            let p = base + special.trailing_zeros() as usize;
            special &= special - 1;
            if bytes[p] == b'"' {
                return Scan::Parser;
            }
            // A carriage return is the line's end only right before its
            // line feed; anywhere else the parser ends the record there.
            match bytes.get(p + 1) {
                Some(b'\n') => {}
                Some(_) => return Scan::Parser,
                None => return Scan::NeedMore,
            }
        }
        while comma != 0 {
            ends.push(base + comma.trailing_zeros() as usize);
            comma &= comma - 1;
        }
        if newline != 0 {
            let at = base + limit as usize;
            let len = if at > 0 && bytes[at - 1] == b'\r' {
                at - 1
            } else {
                at
            };
            ends.push(len);
            return Scan::Line { len, next: at + 1 };
        }
        base += 16;
    }
    Scan::NeedMore
}

/// Bit `i` set where byte `i` is a comma; a line feed; a quote or carriage
/// return.
#[inline(always)]
fn masks(chunk: &[u8; 16]) -> (u32, u32, u32) {
    #[cfg(target_arch = "x86_64")]
    {
        use std::arch::x86_64::{
            __m128i, _mm_cmpeq_epi8, _mm_loadu_si128, _mm_movemask_epi8, _mm_or_si128,
            _mm_set1_epi8,
        };
        // SAFETY: SSE2 is part of every x86-64 CPU; the load reads the 16
        // bytes of `chunk`, unaligned loads allowed.
        unsafe {
            let v = _mm_loadu_si128(chunk.as_ptr().cast::<__m128i>());
            let eq = |b: u8| _mm_cmpeq_epi8(v, _mm_set1_epi8(b as i8));
            let mask = |m: __m128i| _mm_movemask_epi8(m) as u32;
            (
                mask(eq(b',')),
                mask(eq(b'\n')),
                mask(_mm_or_si128(eq(b'"'), eq(b'\r'))),
            )
        }
    }
    #[cfg(not(target_arch = "x86_64"))]
    {
        let (mut comma, mut newline, mut special) = (0, 0, 0);
        for (i, &b) in chunk.iter().enumerate() {
            comma |= u32::from(b == b',') << i;
            newline |= u32::from(b == b'\n') << i;
            special |= u32::from(b == b'"' || b == b'\r') << i;
        }
        (comma, newline, special)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The records as field byte strings.
    fn split(data: &[u8], buffer: usize) -> Vec<Vec<Vec<u8>>> {
        let mut s = Splitter::with_buffer(Box::new(std::io::Cursor::new(data.to_vec())), buffer);
        let mut out = Vec::new();
        while let Some(rec) = s.next_record().unwrap() {
            let (bytes, ends, gap) = match rec {
                Record::Line { text, ends } => (text, ends, 1),
                Record::Parsed { bytes, ends } => (bytes, ends, 0),
            };
            let mut start = 0;
            let fields = ends
                .iter()
                .map(|&e| {
                    let f = bytes[start..e].to_vec();
                    start = e + gap;
                    f
                })
                .collect();
            out.push(fields);
        }
        out
    }

    /// The records as the `csv` crate reads them, configured as ingest
    /// configured it before this splitter.
    fn by_csv_crate(data: &[u8]) -> Vec<Vec<Vec<u8>>> {
        let mut r = csv::ReaderBuilder::new()
            .has_headers(false)
            .flexible(true)
            .from_reader(data);
        let mut rec = csv::ByteRecord::new();
        let mut out = Vec::new();
        while r.read_byte_record(&mut rec).unwrap() {
            out.push(rec.iter().map(<[u8]>::to_vec).collect());
        }
        out
    }

    #[test]
    fn plain_lines_are_split_at_their_commas() {
        let data = b"a,b,c\n\n1,,3\r\nx\r\n,\nlast,line";
        let want: Vec<Vec<Vec<u8>>> = vec![
            vec![b"a".to_vec(), b"b".to_vec(), b"c".to_vec()],
            vec![b"1".to_vec(), b"".to_vec(), b"3".to_vec()],
            vec![b"x".to_vec()],
            vec![b"".to_vec(), b"".to_vec()],
            vec![b"last".to_vec(), b"line".to_vec()],
        ];
        assert_eq!(split(data, BUFFER), want);
        assert_eq!(by_csv_crate(data), want);
    }

    #[test]
    fn quotes_and_lone_carriage_returns_go_to_the_parser() {
        for data in [
            &b"a,\"b,c\"\nd,e\n"[..],
            b"a,\"b\nc\",d\ne\n",
            b"a\rb,c\nd\n",
            b"\xEF\xBB\xBFh1,h2\n\"q\"\"x\",y",
            b"a,b\r",
            b"\"unterminated,x\ny",
            b"a,\xEF\xBB\xBF\"b\"\n\xEF\xBB\xBFc,d\n",
        ] {
            assert_eq!(split(data, BUFFER), by_csv_crate(data), "{data:?}");
        }
    }

    /// Random files of the bytes that matter (separators, quotes, both line
    /// ends, a byte order mark, UTF-8 and bytes that are not), split with
    /// buffers small enough that lines cross them: the same records as the
    /// `csv` crate's.
    #[test]
    fn random_files_split_as_the_csv_crate_splits_them() {
        let pieces: [&[u8]; 12] = [
            b"a",
            b"bc",
            b",",
            b",",
            b"\"",
            b"\n",
            b"\r\n",
            b"\r",
            "电话".as_bytes(),
            b"\xEF\xBB\xBF",
            b"\xFF",
            b"0123456789abcdefghij",
        ];
        let mut x: u64 = 0x2545_F491_4F6C_DD1D;
        let mut next = || {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            x
        };
        for case in 0..20_000 {
            let n = next() % 60;
            let quoteless = case % 3 == 0;
            let mut data = Vec::new();
            for _ in 0..n {
                let p = pieces[(next() % pieces.len() as u64) as usize];
                if quoteless && (p == b"\"" || p == b"\r") {
                    continue;
                }
                data.extend_from_slice(p);
            }
            let buffer = [4, 7, 16, 33, 1 << 10][(next() % 5) as usize];
            assert_eq!(
                split(&data, buffer),
                by_csv_crate(&data),
                "case {case}, buffer {buffer}: {:?}",
                String::from_utf8_lossy(&data)
            );
        }
    }
}
