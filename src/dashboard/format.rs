//! The dashboard's output formats, one file each behind [`Render`]: text for a terminal and
//! a self-contained HTML page.

mod html;
mod text;

use std::io;

use super::Board;
use crate::text::Render;

/// The output formats of `conductor dashboard`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// One block per live track, gates as marks; ANSI colours when `colour`.
    Text {
        /// Colour the gate lights (a terminal that has not asked for `NO_COLOR`).
        colour: bool,
    },
    /// One self-contained HTML page (no scripts, no network).
    Html,
}

/// Writes `board` in `format` to `out`.
pub fn render(board: &Board, format: Format, out: &mut dyn io::Write) -> io::Result<()> {
    match format {
        Format::Text { colour } => text::Text { colour }.render(board, out),
        Format::Html => html::Html.render(board, out),
    }
}
