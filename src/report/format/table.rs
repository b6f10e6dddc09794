//! `--format table`: plain-text tables for a terminal.

use std::io;

use super::{describe_runs, sections};
use crate::report::{Report, ReportError};
use crate::text::Render;
use crate::text::table::document;

/// Plain-text tables.
pub struct Table;

impl Render<Report> for Table {
    type Error = ReportError;

    fn render(&self, report: &Report, out: &mut dyn io::Write) -> Result<(), ReportError> {
        let text = document(&describe_runs(report), &sections(report));
        Ok(out.write_all(text.as_bytes())?)
    }
}
