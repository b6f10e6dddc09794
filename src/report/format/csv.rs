//! `--format csv`: every figure of every table as one tidy table, a row per figure:
//! `table,scenario,policy,platform,item,metric,value`. `item` names what a row of the
//! table is about beyond its group (a state, a waiting-on label, a transition); savings
//! name the policy compared against in `item` too (`vs manual`).

use std::io;

use serde_json::Value;

use super::rounded_json;
use crate::report::{Report, ReportError};
use crate::text::Render;
use crate::text::csv;

/// Tidy CSV.
pub struct Csv;

const TABLES: [&str; 11] = [
    "cycle_time",
    "outcomes",
    "hotfixes",
    "safety",
    "trade_off",
    "savings",
    "step_savings",
    "bottlenecks",
    "states",
    "state_bottlenecks",
    "idle",
];

impl Render<Report> for Csv {
    type Error = ReportError;

    fn render(&self, report: &Report, out: &mut dyn io::Write) -> Result<(), ReportError> {
        let v = rounded_json(report)?;
        let mut w = csv::writer(out);
        let header = [
            "table", "scenario", "policy", "platform", "item", "metric", "value",
        ];
        w.write_record(header).map_err(csv::io_error)?;
        for table in TABLES {
            for row in v[table].as_array().into_iter().flatten() {
                let Some(obj) = row.as_object() else { continue };
                let text = |k: &str| obj.get(k).and_then(Value::as_str).unwrap_or_default();
                let mut item: Vec<String> = vec![];
                if let Some(b) = obj.get("baseline").and_then(Value::as_str) {
                    item.push(format!("vs {b}"));
                }
                match (obj.get("from_state"), obj.get("to_state")) {
                    (Some(Value::String(f)), Some(Value::String(t))) => {
                        item.push(format!("{f}->{t}"))
                    }
                    _ => {
                        for k in ["state", "waiting_on"] {
                            if let Some(Value::String(x)) = obj.get(k) {
                                item.push(x.clone());
                            }
                        }
                    }
                }
                let item = item.join(" ");
                for (metric, value) in obj {
                    let value = match value {
                        Value::Number(n) => n.to_string(),
                        Value::Null => String::new(),
                        Value::Bool(b) => b.to_string(),
                        _ => continue,
                    };
                    w.write_record([
                        table,
                        text("scenario"),
                        text("policy"),
                        text("platform"),
                        &item,
                        metric,
                        &value,
                    ])
                    .map_err(csv::io_error)?;
                }
            }
        }
        Ok(w.flush()?)
    }
}
