//! `--format csv`: tidy, one figure per row:
//! `comparison,base,other,policy,platform,waiting_on,metric,value`. A platform row leaves
//! `waiting_on` empty; a waiting-on row is of `all` platforms.

use std::io;

use serde_json::Value;

use super::rounded_json;
use crate::compare::{Compare, CompareError};
use crate::text::Render;
use crate::text::csv;

/// Tidy CSV.
pub struct Csv;

impl Render<Compare> for Csv {
    type Error = CompareError;

    fn render(&self, compare: &Compare, out: &mut dyn io::Write) -> Result<(), CompareError> {
        let v = rounded_json(compare)?;
        let mut w = csv::writer(out);
        let header = [
            "comparison",
            "base",
            "other",
            "policy",
            "platform",
            "waiting_on",
            "metric",
            "value",
        ];
        w.write_record(header).map_err(csv::io_error)?;
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
            let prefix = [
                (k + 1).to_string(),
                text("base", "label"),
                text("other", "label"),
                policy,
            ];
            let mut row = |platform: &str, waiting_on: &str, metric: &str, value: &str| {
                let [k, base, other, policy] = &prefix;
                w.write_record([k, base, other, policy, platform, waiting_on, metric, value])
                    .map_err(csv::io_error)
            };
            let number = |v: &Value| match v {
                Value::Number(n) => Some(n.to_string()),
                Value::Null => Some(String::new()),
                _ => None,
            };
            for r in c["platforms"].as_array().into_iter().flatten() {
                let platform = r["platform"].as_str().unwrap_or_default();
                for (metric, value) in r.as_object().into_iter().flatten() {
                    if let Some(value) = number(value) {
                        row(platform, "", metric, &value)?;
                    }
                }
            }
            for r in c["waiting"].as_array().into_iter().flatten() {
                let label = r["waiting_on"].as_str().unwrap_or_default();
                for (metric, value) in r.as_object().into_iter().flatten() {
                    if let Some(value) = number(value) {
                        row("all", label, metric, &value)?;
                    }
                }
            }
        }
        Ok(w.flush()?)
    }
}
