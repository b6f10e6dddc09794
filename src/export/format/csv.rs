//! CSV: one row per event, PM4Py's column names first, then the case keys and the
//! attributes.

use std::io::{self, Write};

use super::timestamp;
use crate::export::ActivityLog;
use crate::text::Render;

/// CSV.
pub struct Csv;

impl Render<ActivityLog> for Csv {
    type Error = io::Error;

    fn render(&self, log: &ActivityLog, out: &mut dyn Write) -> io::Result<()> {
        write_csv(log, out)
    }
}

/// The CSV header: PM4Py's column names first, then the case keys and the attributes.
pub const CSV_HEADER: &str = "case:concept:name,concept:name,time:start_timestamp,\
time:timestamp,lifecycle:transition,policy,seed,version,platform,state,waiting_on,hours";

/// Writes `log` as CSV (RFC 4180 quoting, `\n` line ends), one row per event.
pub fn write_csv(log: &ActivityLog, out: &mut dyn Write) -> io::Result<()> {
    writeln!(out, "{CSV_HEADER}")?;
    for case in &log.cases {
        let id = csv_field(&case.id());
        let keys = format!(
            "{},{},{},{}",
            csv_field(&case.policy),
            case.seed,
            case.version,
            csv_field(&case.platform)
        );
        for a in &case.activities {
            let start = timestamp(a.start_ms)?;
            for (transition, ms) in log.lifecycle.events(a) {
                writeln!(
                    out,
                    "{id},{},{start},{},{transition},{keys},{},{},{}",
                    a.name(log.activity),
                    timestamp(ms)?,
                    a.state.as_str(),
                    a.waiting_on.as_str(),
                    a.hours()
                )?;
            }
        }
    }
    Ok(())
}

/// `field`, quoted when it holds a comma, a quote or a line break (quotes doubled).
fn csv_field(field: &str) -> String {
    if field.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", field.replace('"', "\"\""))
    } else {
        field.to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::export::ActivityKind;
    use crate::export::LogFormat;
    use crate::export::format::tests::{rendered, tiny_log};

    #[test]
    fn csv_fields_are_quoted_only_when_needed() {
        assert_eq!(csv_field("manual"), "manual");
        assert_eq!(csv_field("a,b"), "\"a,b\"");
        assert_eq!(csv_field("say \"hi\""), "\"say \"\"hi\"\"\"");
        assert_eq!(csv_field("two\nlines"), "\"two\nlines\"");
    }

    #[test]
    fn csv_rows_carry_every_column() {
        let csv = rendered(&tiny_log(ActivityKind::State), LogFormat::Csv);
        assert_eq!(
            csv,
            "case:concept:name,concept:name,time:start_timestamp,time:timestamp,\
lifecycle:transition,policy,seed,version,platform,state,waiting_on,hours
\"what-if <A&B>/robot, \"\"fast\"\"/seed=1/v0/ios\",branched,1970-01-01T00:00:00.000Z,\
1970-01-01T05:00:00.000Z,complete,\"robot, \"\"fast\"\"\",1,0,ios,branched,bug_fix,5
\"what-if <A&B>/robot, \"\"fast\"\"/seed=1/v0/ios\",final_rc,1970-01-01T05:00:00.000Z,\
1970-01-01T09:00:00.000Z,complete,\"robot, \"\"fast\"\"\",1,0,ios,final_rc,signoff,4
"
        );
    }
}
