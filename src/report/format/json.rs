//! `--format json`: one object with every table, per platform and pooled (`"all"`).

use super::{Render, rounded_json};
use crate::report::{Report, ReportError};

/// JSON.
pub struct Json;

impl Render for Json {
    fn render(&self, report: &Report) -> Result<String, ReportError> {
        let v = rounded_json(report)?;
        let mut s =
            serde_json::to_string_pretty(&v).map_err(|e| ReportError::Query(e.to_string()))?;
        s.push('\n');
        Ok(s)
    }
}
