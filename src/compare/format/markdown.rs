//! `--format markdown`: every verdict, then each comparison's tables, for pull requests and
//! wikis.

use std::io;

use super::{all_sections, preamble};
use crate::compare::{Compare, CompareError};
use crate::text::{Render, markdown};

/// Markdown.
pub struct Markdown;

impl Render<Compare> for Markdown {
    type Error = CompareError;

    fn render(&self, compare: &Compare, out: &mut dyn io::Write) -> Result<(), CompareError> {
        let text = markdown::document(
            "What-if comparison",
            &preamble(compare),
            &all_sections(compare),
        );
        Ok(out.write_all(text.as_bytes())?)
    }
}
