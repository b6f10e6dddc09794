//! Text every output family shares: the [`Render`] trait each output format implements, the
//! [`Section`] a table of the text formats is, plain tables that fit 100 columns
//! ([`table`]), Markdown ([`markdown`]), HTML pages and escaping ([`html`]), XML escaping
//! ([`xml`]), CSV fields ([`csv`]), JSON ([`json`]) and numbers as people read them
//! ([`number`]). Nothing here knows what a report or a release is.

pub mod csv;
pub mod html;
pub mod json;
pub mod markdown;
pub mod number;
pub mod table;
pub mod xml;

use std::io;

/// One output format of one output family: the whole output for a `T`, written to `out`.
///
/// Every family (report, compare, check, dashboard, export, fit, summary) has the same
/// shape: one implementation per format, each in its own file under the family's
/// `format/`, and one `render(value, format, out)` that picks it. The output goes to a
/// writer rather than into a `String` because an activity log is written while it is
/// rendered (its XES text is some twenty times the size of the log in memory); [`to_string`]
/// collects an output in memory where a command needs it whole.
pub trait Render<T: ?Sized> {
    /// Why the output cannot be written: a failing writer, or the family's own reasons.
    type Error: From<io::Error>;

    /// Writes the output for `value` to `out`.
    fn render(&self, value: &T, out: &mut dyn io::Write) -> Result<(), Self::Error>;
}

/// The output `render` writes, collected in memory: for a file written atomically, a size
/// a note reports, or a test.
pub fn to_string<E: From<io::Error>>(
    render: impl FnOnce(&mut dyn io::Write) -> Result<(), E>,
) -> Result<String, E> {
    let mut bytes = Vec::new();
    render(&mut bytes)?;
    // Every format writes `str`s, so this fails only on a bug; it is an error, not a panic.
    String::from_utf8(bytes).map_err(|e| io::Error::new(io::ErrorKind::InvalidData, e).into())
}

/// The first `most` of `items` joined with commas, then `…` and how many more, for a message
/// that names what exists (`1, 2, 3, … 7 more`).
pub fn list_some(items: &[&str], most: usize) -> String {
    let shown = items[..items.len().min(most)].join(", ");
    match items.len().saturating_sub(most) {
        0 => shown,
        more => format!("{shown}, … {more} more"),
    }
}

/// A table of the text formats: a title, a sentence saying how to read it, and cells
/// already formatted. Columns from `numeric_from` on are numbers (right-aligned).
#[derive(Debug, Clone)]
pub struct Section {
    /// A short identifier (HTML anchors).
    pub id: String,
    /// The heading.
    pub title: String,
    /// How to read it.
    pub note: String,
    /// Column headings.
    pub header: Vec<String>,
    /// Rows of cells.
    pub rows: Vec<Vec<String>>,
    /// First numeric column.
    pub numeric_from: usize,
}

/// An output format of the text-producing commands (`report`, `compare`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// Plain-text tables for a terminal.
    Table,
    /// One JSON object with every figure.
    Json,
    /// Every figure as one tidy CSV table (a row per figure).
    Csv,
    /// GitHub-flavoured Markdown tables.
    Markdown,
    /// One self-contained HTML page with tables and inline SVG charts.
    Html,
}

#[cfg(test)]
mod tests {
    #[test]
    fn lists_say_how_many_more() {
        assert_eq!(super::list_some(&["8.9", "8.10"], 8), "8.9, 8.10");
        assert_eq!(super::list_some(&["1", "2", "3"], 2), "1, 2, … 1 more");
    }
}
