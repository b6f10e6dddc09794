//! The summary's output formats, one file each behind [`Render`]: plain-text tables and
//! JSON.

mod json;
mod table;

use std::io;

use super::Summary;
use crate::text::Render;

/// The output formats of `conductor simulate`'s summary.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// Aligned plain-text tables.
    Table,
    /// The summary as one JSON object (docs/formats.md, "JSON output").
    Json,
}

/// Writes `summary` in `format` to `out`.
pub fn render(summary: &Summary, format: Format, out: &mut dyn io::Write) -> io::Result<()> {
    let r: &dyn Render<Summary, Error = io::Error> = match format {
        Format::Table => &table::Table,
        Format::Json => &json::Json,
    };
    r.render(summary, out)
}
