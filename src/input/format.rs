//! Reading TOML input (scenarios, platform models, experiments) with errors a user can act on.
//!
//! Every error names where the input came from (a file path, a built-in name or a `--set`
//! override), the line and column when known, and what was wrong, including the accepted values
//! that serde lists for unknown keys and unknown `kind`s.
//!
//! ```
//! use faasim::input::from_toml_str;
//! #[derive(serde::Deserialize, Debug)]
//! #[serde(deny_unknown_fields)]
//! struct T { a: u32 }
//! let err = from_toml_str::<T>("a = 1\nb = 2\n", "demo.toml").unwrap_err();
//! assert_eq!(err.line, Some(2));
//! assert!(err.to_string().starts_with("demo.toml:2:1:"));
//! ```

use serde::de::DeserializeOwned;
use std::sync::Arc;

/// A problem with an input file: where it is and what is wrong. Its text is
/// `origin:line:column: message` (the position parts only when known), and when reading failed
/// the I/O error is kept as its source.
#[derive(Debug, Clone, thiserror::Error)]
#[error("{origin}{}: {message}", position(.line, .column))]
#[non_exhaustive]
pub struct InputError {
    /// File path, built-in name, or another description of where the text came from.
    pub origin: String,
    /// 1-based line, when known.
    pub line: Option<usize>,
    /// 1-based column, when known.
    pub column: Option<usize>,
    /// What was wrong, and what is accepted.
    pub message: String,
    /// The I/O error behind it, when the input could not be read.
    #[source]
    source: Option<Arc<std::io::Error>>,
}

/// `:line:column`, `:line` or nothing.
fn position(line: &Option<usize>, column: &Option<usize>) -> String {
    match (line, column) {
        (Some(l), Some(c)) => format!(":{l}:{c}"),
        (Some(l), None) => format!(":{l}"),
        _ => String::new(),
    }
}

impl PartialEq for InputError {
    /// Two errors are the same when they say the same thing at the same place.
    fn eq(&self, other: &Self) -> bool {
        (&self.origin, self.line, self.column, &self.message)
            == (&other.origin, other.line, other.column, &other.message)
    }
}

impl Eq for InputError {}

impl InputError {
    /// An error not tied to a position (a missing file, an override that does not apply).
    pub fn new(origin: impl Into<String>, message: impl Into<String>) -> Self {
        InputError::at(origin, None, None, message)
    }

    /// An error at `line` and `column` (1-based, when known).
    pub fn at(
        origin: impl Into<String>,
        line: Option<usize>,
        column: Option<usize>,
        message: impl Into<String>,
    ) -> Self {
        InputError {
            origin: origin.into(),
            line,
            column,
            message: message.into(),
            source: None,
        }
    }

    /// An error at byte offset `offset` of `text`.
    pub fn at_offset(
        origin: impl Into<String>,
        text: &str,
        offset: usize,
        message: impl Into<String>,
    ) -> Self {
        let (line, column) = line_col(text, offset);
        InputError::at(origin, Some(line), Some(column), message)
    }

    /// `origin` could not be read: the message says what was being read (`what`, e.g. "cannot
    /// read") and the I/O error's text, which is kept as the source.
    pub fn io(origin: impl Into<String>, what: &str, e: std::io::Error) -> Self {
        InputError {
            source: None,
            ..InputError::new(origin, format!("{what}: {e}"))
        }
        .with_source(e)
    }

    fn with_source(mut self, e: std::io::Error) -> Self {
        self.source = Some(Arc::new(e));
        self
    }
}

/// A mistake in one field of an input, found after it was read: the dotted path of the field
/// (`function.2.memory_mb`, `axis.0.values`; empty for the table as a whole) and what is wrong.
/// The scenario, model or experiment it belongs to turns it into a positioned [`InputError`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FieldError {
    /// Dotted path of the field.
    pub field: String,
    /// What is wrong, and what is accepted.
    pub message: String,
}

impl FieldError {
    /// A mistake in `field`.
    pub fn new(field: impl Into<String>, message: impl Into<String>) -> FieldError {
        FieldError {
            field: field.into(),
            message: message.into(),
        }
    }

    /// The same mistake seen from the table that holds the field: `ttl` within `keep_alive` is
    /// `keep_alive.ttl`.
    pub fn within(self, table: &str) -> FieldError {
        let field = if self.field.is_empty() {
            table.to_string()
        } else {
            format!("{table}.{}", self.field)
        };
        FieldError { field, ..self }
    }
}

impl From<(String, String)> for FieldError {
    /// A `(field, message)` pair, as the core's parameter records report their own mistakes.
    fn from((field, message): (String, String)) -> FieldError {
        FieldError { field, message }
    }
}

/// 1-based line and column (in characters) of byte `offset` in `text`.
pub fn line_col(text: &str, offset: usize) -> (usize, usize) {
    let offset = offset.min(text.len());
    let mut start = offset;
    while !text.is_char_boundary(start) {
        start -= 1;
    }
    let before = &text[..start];
    let line = before.matches('\n').count() + 1;
    let line_start = before.rfind('\n').map_or(0, |i| i + 1);
    let column = before[line_start..].chars().count() + 1;
    (line, column)
}

/// Converts a toml error into an [`InputError`] pointing into `text`.
pub fn toml_error(origin: &str, text: &str, e: &toml::de::Error) -> InputError {
    let message = e.message().trim().to_string();
    match e.span() {
        Some(span) => {
            if let Some(at) = unknown_key_offset(text, span.start, &message) {
                return InputError::at_offset(origin, text, at, message);
            }
            match bad_value_offset(text, span.start, &message) {
                Some((at, key)) => {
                    InputError::at_offset(origin, text, at, format!("{key}: {message}"))
                }
                None => InputError::at_offset(origin, text, span.start, message),
            }
        }
        None => InputError::new(origin, message),
    }
}

/// For "unknown field `x`" (and "unknown variant", meaning the `kind` key) reported at a whole
/// table, the offset of that key itself: serde reports an unknown key of an internally tagged
/// table (`[keep_alive] kind = ...`) at the table, so the first key of that name at or after
/// the table's start is the one meant. Errors already at a key or value are left where they are.
fn unknown_key_offset(text: &str, table_start: usize, message: &str) -> Option<usize> {
    let at_table = matches!(text.as_bytes().get(table_start), Some(b'[' | b'{'));
    if !at_table {
        return None;
    }
    let name = if let Some(rest) = message.strip_prefix("unknown field `") {
        rest.split('`').next()?
    } else if message.starts_with("unknown variant `") {
        "kind"
    } else {
        return None;
    };
    let doc = text.parse::<toml_edit::Document<String>>().ok()?;
    let mut keys = Vec::new();
    key_offsets(doc.as_item(), name, &mut keys);
    keys.into_iter().filter(|&k| k >= table_start).min()
}

/// For a bad value reported at a whole table (serde buffers an internally tagged table, such as
/// `[keep_alive] kind = "fixed"` or `[workload] kind = "azure-like"`, and loses its positions),
/// the offset of the key whose value the message quotes: `invalid type: string "ten", expected
/// u32` or `invalid duration "10 parsecs"` is the first key at or after the table's start whose
/// value is that string (or that number). Returns its offset and its name. Errors already at a
/// key or value are left alone.
fn bad_value_offset(text: &str, table_start: usize, message: &str) -> Option<(usize, String)> {
    let at_table = matches!(text.as_bytes().get(table_start), Some(b'[' | b'{'));
    if !at_table {
        return None;
    }
    // The value is the first quoted thing in the message ("invalid type: integer `7919`,
    // expected ..." or "invalid duration \"4 parsecs\": ..."); later quotes are examples.
    let open = message.find(['"', '`'])?;
    let quote = &message[open..=open];
    let rest = &message[open + 1..];
    let wanted = &rest[..rest.find(quote)?];
    let doc = text.parse::<toml_edit::Document<String>>().ok()?;
    let mut found = Vec::new();
    values_offsets(doc.as_item(), wanted, &mut found);
    let at = found.into_iter().filter(|&k| k >= table_start).min()?;
    let key: String = text[at..]
        .chars()
        .take_while(|c| c.is_alphanumeric() || matches!(c, '_' | '-'))
        .collect();
    Some((at, key))
}

/// Offsets of the keys (at any depth) whose value is the string `wanted`, or a number or
/// boolean written as `wanted`.
fn values_offsets(item: &toml_edit::Item, wanted: &str, out: &mut Vec<usize>) {
    use toml_edit::{Item, Value};
    let is = |v: &Value| match v {
        Value::String(s) => s.value() == wanted,
        Value::Integer(i) => i.value().to_string() == wanted,
        Value::Float(f) => f.value().to_string() == wanted,
        Value::Boolean(b) => b.value().to_string() == wanted,
        _ => false,
    };
    let mut pairs = |t: &mut dyn Iterator<Item = (Option<usize>, &Item)>| {
        for (key_at, v) in t {
            if let (Some(at), Some(v)) = (key_at, v.as_value()) {
                let in_array = v.as_array().is_some_and(|a| a.iter().any(is));
                if is(v) || in_array {
                    out.push(at);
                }
            }
            values_offsets(v, wanted, out);
        }
    };
    match item {
        Item::Table(t) => pairs(
            &mut t
                .iter()
                .map(|(k, v)| (t.key(k).and_then(|k| k.span()).map(|s| s.start), v)),
        ),
        Item::ArrayOfTables(a) => {
            for t in a.iter() {
                pairs(
                    &mut t
                        .iter()
                        .map(|(k, v)| (t.key(k).and_then(|k| k.span()).map(|s| s.start), v)),
                );
            }
        }
        Item::Value(Value::InlineTable(t)) => {
            for (k, v) in t.iter() {
                if is(v) {
                    if let Some(s) = t.key(k).and_then(|k| k.span()) {
                        out.push(s.start);
                    }
                }
                values_offsets(&Item::Value(v.clone()), wanted, out);
            }
        }
        Item::Value(Value::Array(a)) => {
            for v in a.iter() {
                values_offsets(&Item::Value(v.clone()), wanted, out);
            }
        }
        _ => {}
    }
}

/// Offsets of every key named `name` in `item`, at any depth.
fn key_offsets(item: &toml_edit::Item, name: &str, out: &mut Vec<usize>) {
    use toml_edit::{Item, Value};
    fn value(v: &Value, name: &str, out: &mut Vec<usize>) {
        match v {
            Value::InlineTable(t) => {
                for (k, v) in t.iter() {
                    if k == name {
                        if let Some(s) = t.key(k).and_then(|k| k.span()) {
                            out.push(s.start);
                        }
                    }
                    value(v, name, out);
                }
            }
            Value::Array(a) => a.iter().for_each(|v| value(v, name, out)),
            _ => {}
        }
    }
    fn table(t: &toml_edit::Table, name: &str, out: &mut Vec<usize>) {
        for (k, v) in t.iter() {
            if k == name {
                if let Some(s) = t.key(k).and_then(|k| k.span()) {
                    out.push(s.start);
                }
            }
            key_offsets(v, name, out);
        }
    }
    match item {
        Item::Table(t) => table(t, name, out),
        Item::ArrayOfTables(a) => a.iter().for_each(|t| table(t, name, out)),
        Item::Value(v) => value(v, name, out),
        Item::None => {}
    }
}

/// Deserialises `text` as TOML into `T`, mapping errors to file, line and column.
pub fn from_toml_str<T: DeserializeOwned>(text: &str, origin: &str) -> Result<T, InputError> {
    toml::from_str(text).map_err(|e| toml_error(origin, text, &e))
}

/// Finds the line of a dotted key path (`function.2.memory_mb`) in `text`, for errors found
/// after deserialisation (a value out of range). Array indices count from 0. When the full path
/// The dotted path (`function.0.memory_mb`) of the first key written on 1-based `line` of
/// `text`: the inverse of [`locate`], to carry a position in one text over to another that holds
/// the same table (an experiment's inline `[base]`, parsed from regenerated text).
pub fn path_at_line(text: &str, line: usize) -> Option<String> {
    use toml_edit::{Item, Table, Value};
    fn on_line(text: &str, span: Option<std::ops::Range<usize>>, line: usize) -> bool {
        span.is_some_and(|s| line_col(text, s.start).0 == line)
    }
    fn value(text: &str, v: &Value, at: &mut Vec<String>, line: usize) -> Option<String> {
        match v {
            Value::InlineTable(t) => {
                for (k, v) in t.iter() {
                    at.push(k.to_string());
                    if on_line(text, t.key(k).and_then(|k| k.span()), line) {
                        return Some(at.join("."));
                    }
                    let found = value(text, v, at, line);
                    at.pop();
                    if found.is_some() {
                        return found;
                    }
                }
                None
            }
            Value::Array(a) => a.iter().enumerate().find_map(|(i, v)| {
                at.push(i.to_string());
                let found = value(text, v, at, line);
                at.pop();
                found
            }),
            _ => None,
        }
    }
    fn table(text: &str, t: &Table, at: &mut Vec<String>, line: usize) -> Option<String> {
        for (k, v) in t.iter() {
            at.push(k.to_string());
            let found = if on_line(text, t.key(k).and_then(|k| k.span()), line) {
                Some(at.join("."))
            } else {
                match v {
                    Item::Table(t) => table(text, t, at, line),
                    Item::ArrayOfTables(a) => a.iter().enumerate().find_map(|(i, t)| {
                        at.push(i.to_string());
                        let found = table(text, t, at, line);
                        at.pop();
                        found
                    }),
                    Item::Value(v) => value(text, v, at, line),
                    Item::None => None,
                }
            };
            at.pop();
            if found.is_some() {
                return found;
            }
        }
        None
    }
    let doc = text.parse::<toml_edit::Document<String>>().ok()?;
    table(text, doc.as_table(), &mut Vec::new(), line)
}

/// For a text the TOML editor cannot read although serde could (an integer beyond 2^63 − 1):
/// the first line that sets the path's last key, `key = ...`.
fn locate_by_text(text: &str, path: &str) -> Option<(usize, usize)> {
    let key = path.rsplit('.').next()?;
    let mut offset = 0;
    for line in text.split_inclusive('\n') {
        let trimmed = line.trim_start();
        let sets = trimmed
            .strip_prefix(key)
            .is_some_and(|rest| rest.trim_start().starts_with('='));
        if sets {
            return Some(line_col(text, offset + line.len() - trimmed.len()));
        }
        offset += line.len();
    }
    None
}

/// is not written (a default was used), the position of its longest written prefix is returned.
pub fn locate(text: &str, path: &str) -> Option<(usize, usize)> {
    use toml_edit::{Item, Value};
    // Arrays of tables hand out `&Table`, everything else `&Item`: walk with either.
    enum Cur<'a> {
        Item(&'a Item),
        Table(&'a toml_edit::Table),
        Value(&'a Value),
    }
    let Ok(doc) = text.parse::<toml_edit::Document<String>>() else {
        return locate_by_text(text, path);
    };
    let mut cur = Cur::Item(doc.as_item());
    let mut span = None;
    for seg in path.split('.') {
        let index = seg.parse::<usize>().ok();
        let next = match (&cur, index) {
            (Cur::Item(Item::ArrayOfTables(a)), Some(i)) => {
                a.get(i).map(|t| (t.span(), Cur::Table(t)))
            }
            (Cur::Item(Item::Value(Value::Array(a))) | Cur::Value(Value::Array(a)), Some(i)) => {
                a.get(i).map(|v| (v.span(), Cur::Value(v)))
            }
            (Cur::Item(it), None) => it
                .as_table_like()
                .and_then(|t| t.get_key_value(seg))
                .map(|(k, v)| (k.span(), Cur::Item(v))),
            (Cur::Table(t), None) => t.get_key_value(seg).map(|(k, v)| (k.span(), Cur::Item(v))),
            (Cur::Value(Value::InlineTable(t)), None) => {
                t.get_key_value(seg).map(|(k, v)| (k.span(), Cur::Item(v)))
            }
            _ => None,
        };
        match next {
            Some((s, c)) => {
                span = s.or(span);
                cur = c;
            }
            None => break,
        }
    }
    span.map(|s| line_col(text, s.start))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn line_and_column_are_one_based() {
        assert_eq!(line_col("ab\ncd", 0), (1, 1));
        assert_eq!(line_col("ab\ncd", 4), (2, 2));
        assert_eq!(line_col("ab\ncd", 99), (2, 3));
    }

    #[test]
    fn an_unknown_key_of_a_tagged_table_is_reported_at_its_own_line() {
        #[derive(serde::Deserialize, Debug)]
        #[serde(tag = "kind", deny_unknown_fields)]
        enum K {
            #[serde(rename = "fixed")]
            Fixed {
                #[allow(dead_code)]
                ttl: u32,
            },
        }
        #[derive(serde::Deserialize, Debug)]
        #[allow(dead_code)]
        struct T {
            a: u32,
            keep_alive: K,
            b: Option<K>,
        }
        let text = "a = 1\nttll = 0\n\n[keep_alive]\nkind = \"fixed\"\n\nttll = 5\n";
        let e = from_toml_str::<T>(text, "t.toml").unwrap_err();
        assert!(e.message.contains("ttll"), "{e}");
        assert_eq!((e.line, e.column), (Some(7), Some(1)), "{e}");
        let inline = "a = 1\nkeep_alive = { kind = \"fixed\", ttl = 1 }\nb = { kind = \"fixed\",\n  ttl = 2, ttll = 3 }\n";
        let e = from_toml_str::<T>(inline, "t.toml").unwrap_err();
        assert_eq!((e.line, e.column), (Some(4), Some(12)), "{e}");
    }

    #[test]
    fn locate_finds_nested_keys() {
        let text = "[run]\nhorizon = \"1s\"\n\n[[function]]\nname = \"a\"\n\n[[function]]\nname = \"b\"\nmemory_mb = 5\n";
        assert_eq!(locate(text, "run.horizon"), Some((2, 1)));
        assert_eq!(locate(text, "function.1.memory_mb"), Some((9, 1)));
        // Not written: the longest written prefix, here the [[function]] header.
        assert_eq!(locate(text, "function.1.timeout"), Some((7, 1)));
        assert_eq!(locate(text, "nothing.here"), None);
    }
}
