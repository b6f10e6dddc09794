//! `--format markdown`: GitHub-flavoured Markdown, for pull requests and wikis.

use std::fmt::Write;

use super::{Render, describe_runs, sections};
use crate::report::{Report, ReportError};

/// Markdown tables.
pub struct Markdown;

fn cell(s: &str) -> String {
    s.replace('|', "\\|")
}

impl Render for Markdown {
    fn render(&self, report: &Report) -> Result<String, ReportError> {
        let mut s = String::from("# Release report\n\n");
        for line in describe_runs(report) {
            let _ = writeln!(s, "- {}", cell(&line));
        }
        for sec in sections(report) {
            let _ = write!(s, "\n## {}\n\n{}\n\n", sec.title, sec.note);
            let _ = writeln!(
                s,
                "| {} |",
                sec.header
                    .iter()
                    .map(|h| cell(h))
                    .collect::<Vec<_>>()
                    .join(" | ")
            );
            let align: Vec<&str> = (0..sec.header.len())
                .map(|c| if c < sec.numeric_from { "---" } else { "---:" })
                .collect();
            let _ = writeln!(s, "| {} |", align.join(" | "));
            for r in &sec.rows {
                let _ = writeln!(
                    s,
                    "| {} |",
                    r.iter().map(|c| cell(c)).collect::<Vec<_>>().join(" | ")
                );
            }
        }
        Ok(s)
    }
}
