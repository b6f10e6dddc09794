//! `--format markdown`: GitHub-flavoured Markdown, for pull requests and wikis.

use std::io;

use super::{describe_runs, sections};
use crate::report::{Report, ReportError};
use crate::text::Render;
use crate::text::markdown::document;

/// Markdown tables.
pub struct Markdown;

impl Render<Report> for Markdown {
    type Error = ReportError;

    fn render(&self, report: &Report, out: &mut dyn io::Write) -> Result<(), ReportError> {
        let text = document("Release report", &describe_runs(report), &sections(report));
        Ok(out.write_all(text.as_bytes())?)
    }
}
