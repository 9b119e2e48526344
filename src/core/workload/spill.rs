//! The spill: a temporary file that holds every function's trace entries in that function's own
//! order, so that replay reads each function lazily with a small buffer and memory stays
//! proportional to the number of functions, not to the length of the trace.
//!
//! Readers parse the input once and append `(time, value)` entries per function; entries are
//! encoded as zigzag-varint time deltas and varint values (a per-minute count usually takes two
//! or three bytes). Each function writes into its own chain of extents, reserved in the file in
//! geometrically growing sizes, so a function has O(log entries) extents and a write buffer of a
//! few hundred bytes while loading. Once loaded, the spill is read-only and shared by every run
//! (positional reads, no seeking), across threads.
//!
//! The file is created in the system's temporary directory (`TMPDIR`) and removed at once on
//! Unix (it lives until the last handle closes); elsewhere it is removed on drop.
//!
//! This is the one place the core touches a file: an anonymous scratch file used as external
//! memory, never a user's. The trace readers of the input layer write it (hence the writing half
//! is unused when the core is built alone); replay reads it.

#![cfg_attr(not(feature = "input"), allow(dead_code))]

use std::fs::File;
use std::io;
use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, Ordering};

/// Smallest extent, bytes.
const FIRST_EXTENT: u64 = 256;
/// Largest extent, bytes.
const MAX_EXTENT: u64 = 64 << 20;
/// Read buffer of a replay cursor, bytes.
const READ_BUF: usize = 256;

#[cfg(unix)]
fn read_at(f: &File, buf: &mut [u8], off: u64) -> io::Result<usize> {
    std::os::unix::fs::FileExt::read_at(f, buf, off)
}
#[cfg(unix)]
fn write_all_at(f: &File, buf: &[u8], off: u64) -> io::Result<()> {
    std::os::unix::fs::FileExt::write_all_at(f, buf, off)
}
#[cfg(windows)]
fn read_at(f: &File, buf: &mut [u8], off: u64) -> io::Result<usize> {
    std::os::windows::fs::FileExt::seek_read(f, buf, off)
}
#[cfg(windows)]
fn write_all_at(f: &File, mut buf: &[u8], mut off: u64) -> io::Result<()> {
    while !buf.is_empty() {
        let n = std::os::windows::fs::FileExt::seek_write(f, buf, off)?;
        if n == 0 {
            return Err(io::Error::new(io::ErrorKind::WriteZero, "spill write"));
        }
        buf = &buf[n..];
        off += n as u64;
    }
    Ok(())
}

/// Appends `v` as a LEB128 varint.
#[inline]
fn put_varint(out: &mut Vec<u8>, mut v: u64) {
    while v >= 0x80 {
        out.push((v as u8) | 0x80);
        v >>= 7;
    }
    out.push(v as u8);
}

/// Reads a varint at `*pos`; `None` if the bytes run out or it is longer than 10 bytes.
#[inline]
fn get_varint(buf: &[u8], pos: &mut usize) -> Option<u64> {
    let mut v: u64 = 0;
    let mut shift = 0;
    loop {
        let b = *buf.get(*pos)?;
        *pos += 1;
        if shift >= 64 {
            return None;
        }
        v |= u64::from(b & 0x7f) << shift;
        if b & 0x80 == 0 {
            return Some(v);
        }
        shift += 7;
    }
}

#[inline]
fn zigzag(d: i64) -> u64 {
    ((d << 1) ^ (d >> 63)) as u64
}
#[inline]
fn unzigzag(v: u64) -> i64 {
    ((v >> 1) as i64) ^ -((v & 1) as i64)
}

/// One function's extents: `(file offset, bytes used)`.
#[derive(Clone, Debug, Default)]
struct Extents {
    list: Vec<(u64, u64)>,
}

/// A read-only spill, shared by all cursors.
#[derive(Debug)]
pub struct Spill {
    file: File,
    funcs: Vec<Extents>,
    #[cfg_attr(unix, allow(dead_code))]
    path: PathBuf,
    /// Bytes written in all.
    pub bytes: u64,
}

impl Drop for Spill {
    fn drop(&mut self) {
        #[cfg(not(unix))]
        let _ = std::fs::remove_file(&self.path);
    }
}

/// One function's state while writing.
#[derive(Clone, Debug, Default)]
struct WFunc {
    buf: Vec<u8>,
    last: i64,
    written: u64,
    ext: Extents,
    /// Capacity of the last extent.
    cap: u64,
}

/// Builds a spill while a trace is parsed.
pub(crate) struct SpillWriter {
    file: File,
    path: PathBuf,
    end: u64,
    funcs: Vec<WFunc>,
}

static COUNTER: AtomicU64 = AtomicU64::new(0);

impl SpillWriter {
    /// Creates the temporary file.
    pub(crate) fn new() -> io::Result<SpillWriter> {
        let dir = std::env::temp_dir();
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_nanos());
        let n = COUNTER.fetch_add(1, Ordering::Relaxed);
        let path = dir.join(format!(
            "faasim-spill-{}-{n}-{nanos}.bin",
            std::process::id()
        ));
        let file = std::fs::OpenOptions::new()
            .read(true)
            .write(true)
            .create_new(true)
            .open(&path)?;
        #[cfg(unix)]
        let _ = std::fs::remove_file(&path);
        Ok(SpillWriter {
            file,
            path,
            end: 0,
            funcs: Vec::new(),
        })
    }

    /// Adds a function; returns its index.
    pub(crate) fn add_function(&mut self) -> u32 {
        self.funcs.push(WFunc::default());
        (self.funcs.len() - 1) as u32
    }

    /// Appends entry `(time, value)` to function `f`.
    #[inline]
    pub(crate) fn push(&mut self, f: u32, time: i64, value: u64) -> io::Result<()> {
        let w = &mut self.funcs[f as usize];
        put_varint(&mut w.buf, zigzag(time.wrapping_sub(w.last)));
        put_varint(&mut w.buf, value);
        w.last = time;
        // Busy functions get bigger buffers (fewer writes); quiet ones stay small.
        let limit = (w.written / 16).clamp(240, 16 << 10) as usize;
        if w.buf.len() >= limit {
            self.flush(f)?;
        }
        Ok(())
    }

    fn flush(&mut self, f: u32) -> io::Result<()> {
        let w = &mut self.funcs[f as usize];
        let mut data: &[u8] = &w.buf;
        while !data.is_empty() {
            let need_new = match w.ext.list.last() {
                Some(&(_, used)) => used == w.cap,
                None => true,
            };
            if need_new {
                let cap = if w.cap == 0 {
                    FIRST_EXTENT
                } else {
                    (w.cap * 2).min(MAX_EXTENT)
                };
                w.ext.list.push((self.end, 0));
                w.cap = cap;
                self.end += cap;
            }
            let last = w.ext.list.last_mut().expect("an extent");
            let room = (w.cap - last.1) as usize;
            let n = room.min(data.len());
            write_all_at(&self.file, &data[..n], last.0 + last.1)?;
            last.1 += n as u64;
            w.written += n as u64;
            data = &data[n..];
        }
        w.buf.clear();
        Ok(())
    }

    /// Flushes every buffer and turns the writer into a read-only spill.
    pub(crate) fn finish(mut self) -> io::Result<Spill> {
        for f in 0..self.funcs.len() as u32 {
            self.flush(f)?;
        }
        let bytes = self.funcs.iter().map(|w| w.written).sum();
        let funcs = self
            .funcs
            .into_iter()
            .map(|mut w| {
                w.ext.list.shrink_to_fit();
                w.ext
            })
            .collect();
        Ok(Spill {
            file: self.file,
            funcs,
            path: self.path,
            bytes,
        })
    }
}

/// Reads one function's entries in the order they were written.
#[derive(Clone, Debug)]
pub(crate) struct Cursor {
    func: u32,
    ext: u32,
    /// Offset inside the current extent of the next byte to read.
    off: u64,
    buf: Box<[u8]>,
    pos: usize,
    len: usize,
    last: i64,
    failed: bool,
}

impl Cursor {
    /// A cursor at the start of function `f`'s entries.
    pub(crate) fn new(f: u32) -> Cursor {
        Cursor {
            func: f,
            ext: 0,
            off: 0,
            buf: vec![0; READ_BUF].into_boxed_slice(),
            pos: 0,
            len: 0,
            last: 0,
            failed: false,
        }
    }

    /// Moves unread bytes to the front and reads more; returns false when nothing more can come.
    fn refill(&mut self, spill: &Spill) -> bool {
        self.buf.copy_within(self.pos..self.len, 0);
        self.len -= self.pos;
        self.pos = 0;
        let Some(ext) = spill.funcs.get(self.func as usize) else {
            return false;
        };
        let mut got = false;
        while self.len < self.buf.len() {
            let Some(&(start, used)) = ext.list.get(self.ext as usize) else {
                break;
            };
            if self.off >= used {
                self.ext += 1;
                self.off = 0;
                continue;
            }
            let want = ((used - self.off) as usize).min(self.buf.len() - self.len);
            match read_at(
                &spill.file,
                &mut self.buf[self.len..self.len + want],
                start + self.off,
            ) {
                Ok(0) | Err(_) => {
                    // The file shrank or cannot be read: end this function's entries.
                    self.failed = true;
                    break;
                }
                Ok(n) => {
                    self.len += n;
                    self.off += n as u64;
                    got = true;
                }
            }
        }
        got
    }

    /// The next entry `(time, value)`, or `None` at the end.
    #[inline]
    pub(crate) fn next(&mut self, spill: &Spill) -> Option<(i64, u64)> {
        if self.len - self.pos < 20 && !self.failed {
            self.refill(spill);
        }
        let mut p = self.pos;
        let d = get_varint(&self.buf[..self.len], &mut p)?;
        let v = get_varint(&self.buf[..self.len], &mut p)?;
        self.pos = p;
        self.last = self.last.wrapping_add(unzigzag(d));
        Some((self.last, v))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn entries_round_trip_per_function() {
        let mut w = SpillWriter::new().unwrap();
        let a = w.add_function();
        let b = w.add_function();
        let mut want_a = Vec::new();
        let mut want_b = Vec::new();
        for i in 0..50_000i64 {
            let ta = i * 60 + (i % 7) - 3;
            w.push(a, ta, (i as u64) * 3).unwrap();
            want_a.push((ta, (i as u64) * 3));
            if i % 3 == 0 {
                let tb = 1_000_000_000_000 - i * 17;
                w.push(b, tb, u64::MAX - i as u64).unwrap();
                want_b.push((tb, u64::MAX - i as u64));
            }
        }
        let s = w.finish().unwrap();
        for (f, want) in [(a, want_a), (b, want_b)] {
            let mut c = Cursor::new(f);
            let mut got = Vec::new();
            while let Some(e) = c.next(&s) {
                got.push(e);
            }
            assert_eq!(got, want);
        }
        assert!(s.funcs[0].list.len() < 20);
    }

    #[test]
    fn varints_and_zigzag() {
        for v in [0u64, 1, 127, 128, 300, u64::MAX] {
            let mut b = Vec::new();
            put_varint(&mut b, v);
            let mut p = 0;
            assert_eq!(get_varint(&b, &mut p), Some(v));
        }
        for d in [0i64, -1, 1, i64::MIN, i64::MAX] {
            assert_eq!(unzigzag(zigzag(d)), d);
        }
        let mut p = 0;
        assert_eq!(get_varint(&[0xff; 12], &mut p), None);
    }
}
