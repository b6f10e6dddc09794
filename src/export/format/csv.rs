//! CSV: one row per event, PM4Py's column names first, then the case keys and the
//! attributes.

use std::io::{self, Write};

use super::timestamp;
use crate::export::ActivityLog;
use crate::text::{Render, csv};

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
time:timestamp,lifecycle:transition,policy,seed,version,version_label,platform,state,waiting_on,hours,\
assumed";

/// Writes `log` as CSV (RFC 4180 quoting, `\n` line ends), one row per event.
pub fn write_csv(log: &ActivityLog, out: &mut dyn Write) -> io::Result<()> {
    let mut w = csv::writer(out);
    w.write_record(CSV_HEADER.split(','))
        .map_err(csv::io_error)?;
    for case in &log.cases {
        let id = case.id();
        let (seed, version) = (case.seed.to_string(), case.version.to_string());
        for a in &case.activities {
            let start = timestamp(a.start_ms)?;
            let hours = a.hours().to_string();
            for (transition, ms) in log.lifecycle.events(a) {
                w.write_record([
                    id.as_str(),
                    a.name(log.activity),
                    start.as_str(),
                    timestamp(ms)?.as_str(),
                    transition,
                    case.policy.as_str(),
                    seed.as_str(),
                    version.as_str(),
                    case.version_label.as_str(),
                    case.platform.as_str(),
                    a.state.as_str(),
                    a.waiting_on.as_str(),
                    hours.as_str(),
                    case.assumed.as_str(),
                ])
                .map_err(csv::io_error)?;
            }
        }
    }
    w.flush()
}

#[cfg(test)]
mod tests {
    use crate::export::ActivityKind;
    use crate::export::LogFormat;
    use crate::export::format::tests::{rendered, tiny_log};

    #[test]
    fn csv_rows_carry_every_column() {
        let csv = rendered(&tiny_log(ActivityKind::State), LogFormat::Csv);
        assert_eq!(
            csv,
            "case:concept:name,concept:name,time:start_timestamp,time:timestamp,\
lifecycle:transition,policy,seed,version,version_label,platform,state,waiting_on,hours,assumed
\"what-if <A&B>/robot, \"\"fast\"\"/seed=1/v0/ios\",branched,1970-01-01T00:00:00.000Z,\
1970-01-01T05:00:00.000Z,complete,\"robot, \"\"fast\"\"\",1,0,0,ios,branched,bug_fix,5,
\"what-if <A&B>/robot, \"\"fast\"\"/seed=1/v0/ios\",final_rc,1970-01-01T05:00:00.000Z,\
1970-01-01T09:00:00.000Z,complete,\"robot, \"\"fast\"\"\",1,0,0,ios,final_rc,signoff,4,
"
        );
    }
}
