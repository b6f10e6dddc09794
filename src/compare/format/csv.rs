//! `--format csv`: tidy, one figure per row:
//! `comparison,base,other,policy,platform,waiting_on,metric,value`. A platform row leaves
//! `waiting_on` empty; a waiting-on row is of `all` platforms.

use std::fmt::Write;
use std::io;

use serde_json::Value;

use super::rounded_json;
use crate::compare::{Compare, CompareError};
use crate::text::Render;
use crate::text::csv::field;

/// Tidy CSV.
pub struct Csv;

impl Render<Compare> for Csv {
    type Error = CompareError;

    fn render(&self, compare: &Compare, out: &mut dyn io::Write) -> Result<(), CompareError> {
        let v = rounded_json(compare)?;
        let mut s = String::from("comparison,base,other,policy,platform,waiting_on,metric,value\n");
        for (k, c) in v["comparisons"]
            .as_array()
            .into_iter()
            .flatten()
            .enumerate()
        {
            let text = |a: &str, f: &str| c[a][f].as_str().unwrap_or_default().to_string();
            let policy = if text("base", "policy") == text("other", "policy") {
                text("base", "policy")
            } else {
                format!("{} vs {}", text("base", "policy"), text("other", "policy"))
            };
            let prefix = format!(
                "{},{},{},{}",
                k + 1,
                field(&text("base", "label")),
                field(&text("other", "label")),
                field(&policy)
            );
            let number = |v: &Value| match v {
                Value::Number(n) => Some(n.to_string()),
                Value::Null => Some(String::new()),
                _ => None,
            };
            for row in c["platforms"].as_array().into_iter().flatten() {
                let platform = row["platform"].as_str().unwrap_or_default();
                for (metric, value) in row.as_object().into_iter().flatten() {
                    if let Some(value) = number(value) {
                        let _ = writeln!(s, "{prefix},{},,{metric},{value}", field(platform));
                    }
                }
            }
            for row in c["waiting"].as_array().into_iter().flatten() {
                let label = row["waiting_on"].as_str().unwrap_or_default();
                for (metric, value) in row.as_object().into_iter().flatten() {
                    if let Some(value) = number(value) {
                        let _ = writeln!(s, "{prefix},all,{},{metric},{value}", field(label));
                    }
                }
            }
        }
        Ok(out.write_all(s.as_bytes())?)
    }
}
