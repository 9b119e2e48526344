//! A small CSV reader for trace files: records with their line numbers, fields with the column
//! where they start, header lookup by name, and errors that say file, line and column.
//!
//! It reads RFC 4180 CSV (commas, optional double quotes, `""` for a quote inside quotes, LF or
//! CRLF line ends), skips blank lines and a UTF-8 byte-order mark, and never panics: a record
//! longer than [`MAX_RECORD`] bytes or an unterminated quote is an error, not an allocation
//! without end. Numbers are parsed from bytes without building strings.

use crate::input::InputError;
use std::io::{BufRead, BufReader, Read};

/// The longest record accepted, in bytes (a day of per-minute counts is about 10 KB).
pub const MAX_RECORD: usize = 64 << 20;

/// What to do with a malformed row.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum BadRows {
    /// Stop at the first bad row with an error naming file, line and column (the default).
    #[default]
    Fail,
    /// Leave bad rows out, count them, and keep the first error for the summary.
    Skip,
}

/// Bad rows met so far under [`BadRows::Skip`].
#[derive(Clone, Debug, Default)]
pub struct BadRowLog {
    /// How many rows were left out.
    pub skipped: u64,
    /// The first of them, with its position.
    pub first: Option<InputError>,
}

impl BadRowLog {
    /// Applies `policy` to a bad row: `Err` stops the load, `Ok` means skip it.
    pub fn handle(&mut self, policy: BadRows, e: InputError) -> Result<(), InputError> {
        match policy {
            BadRows::Fail => Err(e),
            BadRows::Skip => {
                self.skipped += 1;
                if self.first.is_none() {
                    self.first = Some(e);
                }
                Ok(())
            }
        }
    }
}

/// Reads records one at a time from a byte stream.
pub struct Records<R: Read> {
    input: BufReader<R>,
    origin: String,
    /// The raw bytes of the current record (its lines, line ends removed from the last).
    raw: Vec<u8>,
    /// Unquoted field contents, back to back (only for records with quotes).
    text: Vec<u8>,
    /// Whether the current record has quotes: its fields are then ranges in `text`, else
    /// ranges in `raw` (no copy).
    quoted: bool,
    /// Per field: range in `text` (or `raw`) and byte offset of its start in `raw`.
    fields: Vec<(usize, usize, usize)>,
    /// Line of the current record's start, and the line the next one starts on.
    line: u64,
    next_line: u64,
    first: bool,
}

impl<R: Read> Records<R> {
    /// A reader of `input`, whose errors name `origin` (usually the file path).
    pub fn new(input: R, origin: impl Into<String>) -> Self {
        Records {
            input: BufReader::with_capacity(1 << 16, input),
            origin: origin.into(),
            raw: Vec::new(),
            text: Vec::new(),
            quoted: false,
            fields: Vec::new(),
            line: 0,
            next_line: 1,
            first: true,
        }
    }

    /// Where errors point.
    pub fn origin(&self) -> &str {
        &self.origin
    }

    /// Reads the next non-blank record; `Ok(false)` at the end of the input.
    pub fn next_record(&mut self) -> Result<bool, InputError> {
        loop {
            self.raw.clear();
            self.line = self.next_line;
            let mut quotes = 0usize;
            let mut any = false;
            loop {
                let start = self.raw.len();
                let n = read_line_limited(&mut self.input, &mut self.raw)
                    .map_err(|e| InputError::io(self.origin.clone(), "cannot read", e))?;
                if n == 0 {
                    break;
                }
                any = true;
                self.next_line += 1;
                quotes += self.raw[start..].iter().filter(|&&b| b == b'"').count();
                if self.raw.len() > MAX_RECORD {
                    return Err(
                        self.error_at(0, format!("record longer than {} MiB", MAX_RECORD >> 20))
                    );
                }
                // An odd number of quotes so far: a quoted field goes on over the line end.
                if quotes.is_multiple_of(2) {
                    break;
                }
            }
            if !any {
                return Ok(false);
            }
            if quotes % 2 == 1 {
                return Err(
                    self.error_at(0, "a quoted field is not closed before the end of the file")
                );
            }
            while matches!(self.raw.last(), Some(b'\n' | b'\r')) {
                self.raw.pop();
            }
            if self.first {
                self.first = false;
                if self.raw.starts_with(b"\xEF\xBB\xBF") {
                    self.raw.drain(..3);
                }
            }
            if self.raw.iter().all(|b| b.is_ascii_whitespace()) {
                continue;
            }
            self.quoted = quotes > 0;
            if self.quoted {
                self.split();
            } else {
                self.split_plain();
            }
            return Ok(true);
        }
    }

    /// Splits a record without quotes: fields are ranges of `raw`.
    fn split_plain(&mut self) {
        self.fields.clear();
        let mut start = 0;
        for (i, &b) in self.raw.iter().enumerate() {
            if b == b',' {
                self.fields.push((start, i, start));
                start = i + 1;
            }
        }
        self.fields.push((start, self.raw.len(), start));
    }

    fn split(&mut self) {
        self.text.clear();
        self.fields.clear();
        let raw = &self.raw;
        let mut i = 0;
        loop {
            let start_raw = i;
            let start = self.text.len();
            // Leading spaces before a quote are allowed (and dropped).
            let mut j = i;
            while j < raw.len() && raw[j] == b' ' {
                j += 1;
            }
            if j < raw.len() && raw[j] == b'"' {
                i = j + 1;
                while i < raw.len() {
                    if raw[i] == b'"' {
                        if raw.get(i + 1) == Some(&b'"') {
                            self.text.push(b'"');
                            i += 2;
                        } else {
                            i += 1;
                            break;
                        }
                    } else {
                        self.text.push(raw[i]);
                        i += 1;
                    }
                }
                // Anything after the closing quote up to the comma is kept as written.
                while i < raw.len() && raw[i] != b',' {
                    self.text.push(raw[i]);
                    i += 1;
                }
            } else {
                while i < raw.len() && raw[i] != b',' {
                    self.text.push(raw[i]);
                    i += 1;
                }
            }
            self.fields.push((start, self.text.len(), start_raw));
            if i < raw.len() {
                i += 1; // the comma
            } else {
                break;
            }
        }
    }

    /// Number of fields in the current record.
    pub fn len(&self) -> usize {
        self.fields.len()
    }

    /// Whether the current record has no fields (never true after `next_record` returned true).
    pub fn is_empty(&self) -> bool {
        self.fields.is_empty()
    }

    /// Field `i` of the current record (empty if there is no such field).
    pub fn field(&self, i: usize) -> &[u8] {
        let src = if self.quoted { &self.text } else { &self.raw };
        match self.fields.get(i) {
            Some(&(a, b, _)) => &src[a..b],
            None => &[],
        }
    }

    /// Field `i` as text (lossy), trimmed.
    pub fn field_str(&self, i: usize) -> String {
        String::from_utf8_lossy(trim(self.field(i))).into_owned()
    }

    /// Line of the current record.
    pub fn line(&self) -> u64 {
        self.line
    }

    /// 1-based column (in characters) where field `i` starts, on the record's first line.
    pub fn column(&self, i: usize) -> usize {
        let off = self.fields.get(i).map_or(self.raw.len(), |f| f.2);
        let before = &self.raw[..off.min(self.raw.len())];
        let line_start = before
            .iter()
            .rposition(|&b| b == b'\n')
            .map_or(0, |p| p + 1);
        String::from_utf8_lossy(&before[line_start..])
            .chars()
            .count()
            + 1
    }

    /// Field `i` of the current record as a number >= 0, else an error there saying what was
    /// `expected` and what the field holds.
    pub fn non_negative(&self, i: usize, expected: &str) -> Result<f64, InputError> {
        parse_f64(self.field(i))
            .filter(|x| *x >= 0.0)
            .ok_or_else(|| {
                self.error_at(
                    i,
                    format!(
                        "{expected}, got \"{}\"",
                        String::from_utf8_lossy(trim(self.field(i)))
                    ),
                )
            })
    }

    /// Checks that the current record has `width` fields, as the header has; the error points
    /// at the last field both have.
    pub(crate) fn expect_width(&self, width: usize) -> Result<(), InputError> {
        if self.len() == width {
            return Ok(());
        }
        Err(self.error_at(
            self.len().min(width).saturating_sub(1),
            format!("this row has {} fields, the header has {width}", self.len()),
        ))
    }

    /// An error at field `i` of the current record.
    pub fn error_at(&self, i: usize, message: impl Into<String>) -> InputError {
        InputError::at(
            self.origin.clone(),
            Some(self.line as usize),
            Some(if self.fields.is_empty() {
                1
            } else {
                self.column(i)
            }),
            message,
        )
    }

    /// The header's field names (trimmed), read from the current record.
    pub fn names(&self) -> Vec<String> {
        (0..self.len()).map(|i| self.field_str(i)).collect()
    }
}

/// Reads one line (with its `\n`) into `out`, stopping early past [`MAX_RECORD`] bytes.
fn read_line_limited<R: Read>(
    input: &mut BufReader<R>,
    out: &mut Vec<u8>,
) -> std::io::Result<usize> {
    let mut total = 0;
    loop {
        let (done, used) = {
            let buf = match input.fill_buf() {
                Ok(b) => b,
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
                Err(e) => return Err(e),
            };
            if buf.is_empty() {
                return Ok(total);
            }
            match buf.iter().position(|&b| b == b'\n') {
                Some(p) => {
                    out.extend_from_slice(&buf[..=p]);
                    (true, p + 1)
                }
                None => {
                    out.extend_from_slice(buf);
                    (false, buf.len())
                }
            }
        };
        input.consume(used);
        total += used;
        if done || out.len() > MAX_RECORD {
            return Ok(total);
        }
    }
}

/// Trims ASCII whitespace at both ends.
pub fn trim(b: &[u8]) -> &[u8] {
    let s = b
        .iter()
        .position(|c| !c.is_ascii_whitespace())
        .unwrap_or(b.len());
    let e = b
        .iter()
        .rposition(|c| !c.is_ascii_whitespace())
        .map_or(s, |p| p + 1);
    &b[s..e]
}

/// Parses a whole non-negative number: digits, or a decimal whose fraction is zero (`"3.0"`,
/// as data-frame tools write counts). `None` for anything else (signs, fractions, overflow).
pub fn parse_count(b: &[u8]) -> Option<u64> {
    let b = trim(b);
    if b.is_empty() {
        return None;
    }
    let mut v: u64 = 0;
    let mut i = 0;
    while i < b.len() && b[i].is_ascii_digit() {
        v = v.checked_mul(10)?.checked_add(u64::from(b[i] - b'0'))?;
        i += 1;
    }
    if i == 0 {
        return None;
    }
    if i < b.len() && (b[i] != b'.' || !b[i + 1..].iter().all(|&c| c == b'0')) {
        return None;
    }
    Some(v)
}

/// Parses a finite decimal number (any sign, exponent allowed).
pub fn parse_f64(b: &[u8]) -> Option<f64> {
    let s = std::str::from_utf8(trim(b)).ok()?;
    if s.is_empty() {
        return None;
    }
    let v: f64 = s.parse().ok()?;
    v.is_finite().then_some(v)
}

/// Column positions looked up by header name.
pub struct Header {
    names: Vec<String>,
}

impl Header {
    /// The header read from the current record of `r`.
    pub fn read<R: Read>(r: &Records<R>) -> Header {
        Header { names: r.names() }
    }

    /// The names as read.
    pub fn names(&self) -> &[String] {
        &self.names
    }

    /// Position of the column named `name` (ASCII case-insensitive).
    pub fn find(&self, name: &str) -> Option<usize> {
        self.names.iter().position(|n| n.eq_ignore_ascii_case(name))
    }

    /// Position of the first column with any of `names`.
    pub fn find_any(&self, names: &[&str]) -> Option<usize> {
        names.iter().find_map(|n| self.find(n))
    }
}

/// Opens `path` for reading with an error that names it.
pub fn open(path: &std::path::Path) -> Result<Records<std::fs::File>, InputError> {
    let shown = path.display().to_string();
    let f =
        std::fs::File::open(path).map_err(|e| InputError::io(shown.clone(), "cannot open", e))?;
    Ok(Records::new(f, shown))
}

/// A reader over bytes in memory (tests, fuzzing).
pub fn from_bytes<'a>(bytes: &'a [u8], origin: &str) -> Records<&'a [u8]> {
    Records::new(bytes, origin)
}

/// Reads the header (the first non-blank record) or fails with "empty file".
pub fn header<R: Read>(r: &mut Records<R>) -> Result<Header, InputError> {
    if !r.next_record()? {
        return Err(InputError::new(
            r.origin().to_string(),
            "the file is empty (no header row)",
        ));
    }
    Ok(Header::read(r))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn all(text: &str) -> Vec<(u64, Vec<String>)> {
        let mut r = from_bytes(text.as_bytes(), "t.csv");
        let mut out = Vec::new();
        while r.next_record().unwrap() {
            out.push((r.line(), r.names()));
        }
        out
    }

    #[test]
    fn splits_quotes_blank_lines_and_crlf() {
        let got = all("\u{feff}a,b\r\n\r\n1,\"x,\"\"y\"\"\"\n\"multi\nline\",2\n3");
        assert_eq!(got[0], (1, vec!["a".into(), "b".into()]));
        assert_eq!(got[1], (3, vec!["1".into(), "x,\"y\"".into()]));
        assert_eq!(got[2], (4, vec!["multi\nline".into(), "2".into()]));
        assert_eq!(got[3], (6, vec!["3".into()]));
    }

    #[test]
    fn columns_and_errors() {
        let mut r = from_bytes(b"h\nab,cd,ef\n", "f.csv");
        r.next_record().unwrap();
        r.next_record().unwrap();
        assert_eq!(r.column(2), 7);
        assert_eq!(r.error_at(1, "bad").to_string(), "f.csv:2:4: bad");
        let mut r = from_bytes(b"\"open\n", "f.csv");
        assert!(r.next_record().unwrap_err().message.contains("not closed"));
    }

    #[test]
    fn counts_and_numbers() {
        assert_eq!(parse_count(b" 12 "), Some(12));
        assert_eq!(parse_count(b"3.0"), Some(3));
        assert_eq!(parse_count(b"3.5"), None);
        assert_eq!(parse_count(b"-1"), None);
        assert_eq!(parse_count(b""), None);
        assert_eq!(parse_count(b"99999999999999999999999"), None);
        assert_eq!(parse_f64(b"1.5e3"), Some(1500.0));
        assert_eq!(parse_f64(b"inf"), None);
    }
}
