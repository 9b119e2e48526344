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
use std::fmt;

/// A problem with an input file: where it is and what is wrong.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InputError {
    /// File path, built-in name, or another description of where the text came from.
    pub origin: String,
    /// 1-based line, when known.
    pub line: Option<usize>,
    /// 1-based column, when known.
    pub column: Option<usize>,
    /// What was wrong, and what is accepted.
    pub message: String,
}

impl InputError {
    /// An error not tied to a position (a missing file, an override that does not apply).
    pub fn new(origin: impl Into<String>, message: impl Into<String>) -> Self {
        InputError {
            origin: origin.into(),
            line: None,
            column: None,
            message: message.into(),
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
        InputError {
            origin: origin.into(),
            line: Some(line),
            column: Some(column),
            message: message.into(),
        }
    }
}

impl fmt::Display for InputError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match (self.line, self.column) {
            (Some(l), Some(c)) => write!(f, "{}:{}:{}: {}", self.origin, l, c, self.message),
            (Some(l), None) => write!(f, "{}:{}: {}", self.origin, l, self.message),
            _ => write!(f, "{}: {}", self.origin, self.message),
        }
    }
}

impl std::error::Error for InputError {}

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
        Some(span) => InputError::at_offset(origin, text, span.start, message),
        None => InputError::new(origin, message),
    }
}

/// Deserialises `text` as TOML into `T`, mapping errors to file, line and column.
pub fn from_toml_str<T: DeserializeOwned>(text: &str, origin: &str) -> Result<T, InputError> {
    toml::from_str(text).map_err(|e| toml_error(origin, text, &e))
}

/// Finds the line of a dotted key path (`function.2.memory_mb`) in `text`, for errors found
/// after deserialisation (a value out of range). Array indices count from 0. When the full path
/// is not written (a default was used), the position of its longest written prefix is returned.
pub fn locate(text: &str, path: &str) -> Option<(usize, usize)> {
    use toml_edit::{Item, Value};
    // Arrays of tables hand out `&Table`, everything else `&Item`: walk with either.
    enum Cur<'a> {
        Item(&'a Item),
        Table(&'a toml_edit::Table),
        Value(&'a Value),
    }
    let doc = text.parse::<toml_edit::Document<String>>().ok()?;
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
    fn locate_finds_nested_keys() {
        let text = "[run]\nhorizon = \"1s\"\n\n[[function]]\nname = \"a\"\n\n[[function]]\nname = \"b\"\nmemory_mb = 5\n";
        assert_eq!(locate(text, "run.horizon"), Some((2, 1)));
        assert_eq!(locate(text, "function.1.memory_mb"), Some((9, 1)));
        // Not written: the longest written prefix, here the [[function]] header.
        assert_eq!(locate(text, "function.1.timeout"), Some((7, 1)));
        assert_eq!(locate(text, "nothing.here"), None);
    }
}
