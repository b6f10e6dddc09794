//! `--format table`: plain-text tables for a terminal.

use super::{Render, describe_runs, sections};
use crate::report::{Report, ReportError};
use crate::text::table::document;

/// Plain-text tables.
pub struct Table;

impl Render for Table {
    fn render(&self, report: &Report) -> Result<String, ReportError> {
        Ok(document(&describe_runs(report), &sections(report)))
    }
}
