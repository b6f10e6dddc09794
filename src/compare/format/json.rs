//! `--format json`: every figure of every comparison, floats rounded to 4 decimals.

use std::io;

use super::rounded_json;
use crate::compare::{Compare, CompareError};
use crate::text::Render;
use crate::text::json::write_pretty;

/// JSON.
pub struct Json;

impl Render<Compare> for Json {
    type Error = CompareError;

    fn render(&self, compare: &Compare, out: &mut dyn io::Write) -> Result<(), CompareError> {
        Ok(write_pretty(&rounded_json(compare)?, out)?)
    }
}
