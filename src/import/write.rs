//! The imported log as CSV (`ts,version,platform,kind,ref,value`, docs/formats.md), in a
//! fixed order: versions in the order of their starts (the earliest `branch_cut` or
//! `cycle_started` of any platform; a version without one by its earliest event, after
//! equal starts by label, `8.9` before `8.10`), then platform, then time; events at one instant keep the order
//! the sources gave them. The same events give the same bytes.

use std::collections::HashMap;
use std::io;

use super::Event;
use crate::model::{Kind, compare_labels};
use crate::text::csv;

/// The log's columns.
pub const HEADER: [&str; 6] = ["ts", "version", "platform", "kind", "ref", "value"];

/// `events` in the log's order (see the module's docs).
pub fn ordered(mut events: Vec<Event>) -> Vec<Event> {
    let mut first: HashMap<&str, (bool, jiff::Timestamp)> = HashMap::new();
    for e in &events {
        let is_start = matches!(e.kind, Kind::BranchCut | Kind::CycleStarted);
        // A start outranks any other event; among equals, the earliest.
        let key = (!is_start, e.at.at);
        first
            .entry(e.version.as_str())
            .and_modify(|k| *k = (*k).min(key))
            .or_insert(key);
    }
    let mut versions: Vec<(&str, (bool, jiff::Timestamp))> = first.into_iter().collect();
    versions.sort_by(|a, b| a.1.1.cmp(&b.1.1).then_with(|| compare_labels(a.0, b.0)));
    let rank: HashMap<String, usize> = versions
        .iter()
        .enumerate()
        .map(|(i, (v, _))| (v.to_string(), i))
        .collect();
    // Stable: ties keep the sources' order.
    events.sort_by(|a, b| {
        (rank[&a.version], &a.platform, a.at.at).cmp(&(rank[&b.version], &b.platform, b.at.at))
    });
    events
}

/// Writes `events` (already [`ordered`]) as CSV to `out`.
pub fn csv(events: &[Event], out: &mut dyn io::Write) -> io::Result<()> {
    let mut w = csv::writer(out);
    w.write_record(HEADER).map_err(csv::io_error)?;
    for e in events {
        w.write_record([
            e.at.rfc3339(),
            e.version.clone(),
            e.platform.clone(),
            e.kind.as_str().to_string(),
            e.reference.clone().unwrap_or_default(),
            e.value.map(|v| v.to_string()).unwrap_or_default(),
        ])
        .map_err(csv::io_error)?;
    }
    w.flush()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::import::Moment;

    fn event(at: &str, version: &str, platform: &str, kind: Kind) -> Event {
        Event {
            at: Moment::parse_rfc3339(at).unwrap(),
            version: version.into(),
            platform: platform.into(),
            kind,
            reference: None,
            value: None,
        }
    }

    #[test]
    fn versions_come_in_the_order_of_their_starts_then_platform_then_time() {
        let events = vec![
            event("2026-01-20T10:00:00Z", "1.10", "android", Kind::Rollout),
            event("2026-01-10T10:00:00Z", "1.10", "ios", Kind::BranchCut),
            event("2026-01-12T10:00:00Z", "1.10", "android", Kind::BranchCut),
            // Labelled lower, cut later.
            event("2026-01-15T10:00:00Z", "1.9", "android", Kind::BranchCut),
            // An event before any start does not reorder its version.
            event("2026-01-01T10:00:00Z", "1.9", "android", Kind::Submitted),
        ];
        let order: Vec<(String, String, String)> = ordered(events)
            .iter()
            .map(|e| (e.version.clone(), e.platform.clone(), e.at.rfc3339()))
            .collect();
        let want = [
            ("1.10", "android", "2026-01-12T10:00:00+00:00"),
            ("1.10", "android", "2026-01-20T10:00:00+00:00"),
            ("1.10", "ios", "2026-01-10T10:00:00+00:00"),
            ("1.9", "android", "2026-01-01T10:00:00+00:00"),
            ("1.9", "android", "2026-01-15T10:00:00+00:00"),
        ];
        let want: Vec<(String, String, String)> = want
            .iter()
            .map(|(a, b, c)| (a.to_string(), b.to_string(), c.to_string()))
            .collect();
        assert_eq!(order, want);
    }

    #[test]
    fn values_are_written_as_people_write_them() {
        let mut e = event("2026-01-20T10:00:00+02:00", "8.9", "android", Kind::Rollout);
        e.value = Some(100.0);
        e.reference = Some("8.9".into());
        let mut p = event("2026-01-22T10:00:00+02:00", "8.9", "android", Kind::Rollout);
        p.kind = Kind::PointRelease;
        p.reference = Some("8.9.1".into());
        let mut out = Vec::new();
        csv(&[e, p], &mut out).unwrap();
        assert_eq!(
            String::from_utf8(out).unwrap(),
            "ts,version,platform,kind,ref,value\n\
             2026-01-20T10:00:00+02:00,8.9,android,rollout,8.9,100\n\
             2026-01-22T10:00:00+02:00,8.9,android,point_release,8.9.1,\n"
        );
    }
}
