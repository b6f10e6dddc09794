//! Text every output family shares: the [`Section`] a table of the text formats is, plain
//! tables that fit 100 columns ([`table`]), Markdown ([`markdown`]), HTML pages and
//! escaping ([`html`]), XML escaping ([`xml`]), CSV fields ([`csv`]), rounded JSON
//! ([`json`]) and numbers as people read them ([`number`]). Nothing here knows what a report
//! or a release is.

pub mod csv;
pub mod html;
pub mod json;
pub mod markdown;
pub mod number;
pub mod table;
pub mod xml;

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
