//! `--format json`: one object with every table, per platform and pooled (`"all"`).

use std::io;

use super::rounded_json;
use crate::report::{Report, ReportError};
use crate::text::Render;
use crate::text::json::write_pretty;

/// JSON.
pub struct Json;

impl Render<Report> for Json {
    type Error = ReportError;

    fn render(&self, report: &Report, out: &mut dyn io::Write) -> Result<(), ReportError> {
        Ok(write_pretty(&rounded_json(report)?, out)?)
    }
}
