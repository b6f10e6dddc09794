//! `--format markdown`: GitHub-flavoured Markdown, for pull requests and wikis.

use super::{Render, describe_runs, sections};
use crate::report::{Report, ReportError};
use crate::text::markdown::document;

/// Markdown tables.
pub struct Markdown;

impl Render for Markdown {
    fn render(&self, report: &Report) -> Result<String, ReportError> {
        Ok(document(
            "Release report",
            &describe_runs(report),
            &sections(report),
        ))
    }
}
