//! The file formats of an activity log, one file each behind [`Render`]: CSV and IEEE XES.
//! Both are byte-deterministic and write timestamps as RFC 3339 UTC with milliseconds.

mod csv;
mod xes;

use std::io;
use std::path::Path;

use jiff::Timestamp;
use jiff::tz::TimeZone;

use super::{ActivityLog, ExportError};
use crate::text::Render;

/// The file format of an activity log.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LogFormat {
    /// Comma-separated values, one row per activity, with a header row.
    Csv,
    /// IEEE XES 1849-2016 XML, one `<trace>` per case and one `<event>` per activity.
    Xes,
}

impl LogFormat {
    /// The format a file name asks for, by its extension (`.csv` or `.xes`, any case).
    pub fn from_path(path: &Path) -> Result<LogFormat, ExportError> {
        let ext = path
            .extension()
            .and_then(|e| e.to_str())
            .map(str::to_ascii_lowercase);
        match ext.as_deref() {
            Some("csv") => Ok(LogFormat::Csv),
            Some("xes") => Ok(LogFormat::Xes),
            _ => Err(ExportError::UnknownExtension(path.to_path_buf())),
        }
    }
}

/// Writes `log` in `format` to `out`.
pub fn render(log: &ActivityLog, format: LogFormat, out: &mut dyn io::Write) -> io::Result<()> {
    let r: &dyn Render<ActivityLog, Error = io::Error> = match format {
        LogFormat::Csv => &csv::Csv,
        LogFormat::Xes => &xes::Xes,
    };
    r.render(log, out)
}

/// Milliseconds since the epoch as RFC 3339 UTC with milliseconds:
/// `2026-01-09T09:00:00.000Z`.
fn timestamp(ms: i64) -> io::Result<String> {
    let t = Timestamp::from_millisecond(ms)
        .map_err(|e| io::Error::other(format!("timestamp {ms} ms out of range: {e}")))?;
    let d = t.to_zoned(TimeZone::UTC).datetime();
    Ok(format!(
        "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{:03}Z",
        d.year(),
        d.month(),
        d.day(),
        d.hour(),
        d.minute(),
        d.second(),
        d.millisecond()
    ))
}

#[cfg(test)]
pub(super) mod tests {
    use super::*;
    use crate::export::activity::Case;
    use crate::export::activity::merge;
    use crate::export::activity::tests::track;
    use crate::export::{ActivityKind, Lifecycle};

    #[test]
    fn timestamps_are_rfc3339_utc_with_milliseconds() {
        // 2026-01-09T09:00:00Z
        assert_eq!(
            timestamp(1_767_949_200_000).unwrap(),
            "2026-01-09T09:00:00.000Z"
        );
        assert_eq!(
            timestamp(1_767_949_200_042).unwrap(),
            "2026-01-09T09:00:00.042Z"
        );
        assert_eq!(timestamp(0).unwrap(), "1970-01-01T00:00:00.000Z");
        assert!(timestamp(i64::MAX).is_err());
    }

    #[test]
    fn formats_follow_the_file_extension() {
        let f = |p: &str| LogFormat::from_path(Path::new(p));
        assert_eq!(f("log.csv").unwrap(), LogFormat::Csv);
        assert_eq!(f("dir/log.XES").unwrap(), LogFormat::Xes);
        for bad in ["log.json", "log", "dir/"] {
            assert!(
                matches!(f(bad), Err(ExportError::UnknownExtension(_))),
                "{bad}"
            );
        }
    }

    pub(super) fn tiny_log(activity: ActivityKind) -> ActivityLog {
        ActivityLog {
            activity,
            lifecycle: Lifecycle::Interval,
            cases: vec![Case {
                scenario: "what-if <A&B>".into(),
                policy: "robot, \"fast\"".into(),
                seed: 1,
                version: 0,
                version_label: "0".into(),
                assumed: String::new(),
                platform: "ios".into(),
                activities: merge(&track(), activity),
            }],
        }
    }

    pub(super) fn rendered(log: &ActivityLog, format: LogFormat) -> String {
        crate::text::to_string(|out| render(log, format, out)).unwrap()
    }

    #[test]
    fn start_complete_writes_two_events_per_activity_in_time_order() {
        let mut log = ActivityLog {
            lifecycle: Lifecycle::StartComplete,
            ..tiny_log(ActivityKind::State)
        };
        log.cases[0].policy = "robot".into();
        let csv = rendered(&log, LogFormat::Csv);
        let events: Vec<(&str, &str, &str)> = csv
            .lines()
            .skip(1)
            .map(|line| {
                let f: Vec<&str> = line.split(',').collect();
                (f[1], f[4], f[3])
            })
            .collect();
        assert_eq!(
            events,
            [
                ("branched", "start", "1970-01-01T00:00:00.000Z"),
                ("branched", "complete", "1970-01-01T05:00:00.000Z"),
                ("final_rc", "start", "1970-01-01T05:00:00.000Z"),
                ("final_rc", "complete", "1970-01-01T09:00:00.000Z"),
            ]
        );
        let xes = rendered(&log, LogFormat::Xes);
        assert_eq!(xes.matches("<event>").count(), 4);
        assert_eq!(
            xes.matches(r#"<string key="lifecycle:transition" value="start"/>"#)
                .count(),
            2
        );
        assert!(xes.contains(r#"<string key="lifecycle" value="start-complete"/>"#));
        assert!(xes.contains(r#"<string key="lifecycle:model" value="standard"/>"#));
    }
}
