//! `--format json`: the summary as one JSON object, field names and units as in
//! docs/formats.md ("JSON output"). Floats are not rounded: the summary sums in a fixed
//! order, so its bytes do not depend on threads.

use std::io;

use crate::summary::Summary;
use crate::text::Render;
use crate::text::json::write_pretty;

/// JSON.
pub struct Json;

impl Render<Summary> for Json {
    type Error = io::Error;

    fn render(&self, summary: &Summary, out: &mut dyn io::Write) -> io::Result<()> {
        write_pretty(summary, out)
    }
}
