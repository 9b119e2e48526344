//! The one CSV writer: runs.csv, summary.csv, `faasim compare --out` and `faasim trace
//! convert` are all written through it, so they quote alike. (It sits in the input layer, the
//! lowest that writes CSV, so that every layer above can use it.)
//!
//! RFC 4180 as the `csv` crate writes it by default: rows end in `\n`, and a cell is quoted only
//! when it holds a comma, a quote or a line break (quotes inside doubled). Rows may differ in
//! length.

/// The writer's settings, for a table streamed to a file.
pub(crate) fn builder() -> csv::WriterBuilder {
    let mut b = csv::WriterBuilder::new();
    b.flexible(true);
    b
}

/// A CSV table built in memory, row by row.
pub(crate) struct CsvWriter {
    out: csv::Writer<Vec<u8>>,
}

impl CsvWriter {
    /// An empty table.
    pub(crate) fn new() -> CsvWriter {
        CsvWriter {
            out: builder().from_writer(Vec::new()),
        }
    }

    /// Appends one row.
    pub(crate) fn row<I, T>(&mut self, cells: I)
    where
        I: IntoIterator<Item = T>,
        T: AsRef<[u8]>,
    {
        // Writing into memory cannot fail: the writer's only errors are I/O errors (a Vec takes
        // every byte) and rows of unequal length (allowed by `flexible`).
        let _ = self.out.write_record(cells);
    }

    /// The table's text.
    pub(crate) fn finish(self) -> String {
        // Flushing into a Vec cannot fail, and every cell was UTF-8 text.
        String::from_utf8(self.out.into_inner().unwrap_or_default()).unwrap_or_default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The quoting rule the files had before the `csv` crate wrote them.
    fn quoted_by_hand(s: &str) -> String {
        if s.contains([',', '"', '\n', '\r']) {
            format!("\"{}\"", s.replace('"', "\"\""))
        } else {
            s.to_string()
        }
    }

    #[test]
    fn quotes_only_when_needed() {
        let cells = [
            "plain",
            "",
            "a,b",
            "{ kind = \"none\" }",
            "line\nbreak",
            "cr\rhere",
            " spaced ",
            "#hash",
            "'single'",
            "1.5e-9",
            "tab\there",
            "ünïcode ✓",
        ];
        let mut w = CsvWriter::new();
        w.row(cells);
        w.row(["x", ""]);
        w.row(["only"]);
        let by_hand: Vec<String> = cells.iter().map(|c| quoted_by_hand(c)).collect();
        assert_eq!(w.finish(), format!("{}\nx,\nonly\n", by_hand.join(",")));
    }
}
