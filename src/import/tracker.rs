//! `conductor import csv FILE --mapping M.toml`: a release dashboard's or tracker's CSV
//! export (one row per event: when, which version, what happened), through the mapping's
//! `[csv]` table: which column holds the time, the version, the event, and optionally the
//! platform, a reference and a value, and what each value of the event column means
//! (docs/import.md, "A dashboard's CSV"). This is where the events git cannot see come from:
//! store submission, review verdicts, staged-rollout steps.
//!
//! Rows whose event the mapping does not name are left out and listed; a row that cannot be
//! read (a bad time, an empty version, a value that is no number, a rollout without a
//! percentage) is an error naming the file, line, column and value, and every bad row is
//! reported, not only the first.

use std::collections::BTreeSet;
use std::path::Path;

use jiff::civil::DateTime;

use super::convention::{Columns, Convention};
use super::{Event, Findings, ImportError, Imported, Moment};
use crate::model::Kind;

/// At most this many bad rows are listed in one error; the rest are counted.
const MAX_LISTED: usize = 20;

/// Reads the export at `path` by the mapping's `[csv]` table.
pub fn import(path: &Path, convention: &Convention) -> Result<Imported, ImportError> {
    let bad = |reason: String| ImportError::Input {
        file: path.to_path_buf(),
        reason,
    };
    let Some(columns) = &convention.columns else {
        return Err(ImportError::Input {
            file: convention.name.clone().into(),
            reason: "no [csv] table: it says which column holds what (docs/import.md)".into(),
        });
    };
    let bytes = std::fs::read(path).map_err(|e| bad(format!("cannot read the export: {e}")))?;
    let mut reader = csv::ReaderBuilder::new()
        .trim(csv::Trim::All)
        .from_reader(bytes.as_slice());
    let header: Vec<String> = reader
        .headers()
        .map_err(|e| bad(format!("cannot read the header row: {e}")))?
        .iter()
        .map(String::from)
        .collect();
    let column = |key: &str, name: &str| -> Result<usize, ImportError> {
        header
            .iter()
            .position(|h| h == name)
            .ok_or_else(|| ImportError::Input {
                file: convention.name.clone().into(),
                reason: format!(
                    "{key} = {name:?}: {} has no such column (it has: {})",
                    path.display(),
                    header.join(", ")
                ),
            })
    };
    let optional =
        |key: &str, name: &Option<String>| name.as_deref().map(|n| column(key, n)).transpose();
    let at = Positions {
        ts: column("csv.ts", &columns.ts)?,
        version: column("csv.version", &columns.version)?,
        kind: column("csv.kind", &columns.kind)?,
        platform: optional("csv.platform", &columns.platform)?,
        reference: optional("csv.ref", &columns.reference)?,
        value: optional("csv.value", &columns.value)?,
    };

    let mut events = Vec::new();
    let mut errors: Vec<(u64, String)> = Vec::new();
    let mut unmapped = BTreeSet::new();
    let mut rows = 0;
    for record in reader.records() {
        let record = match record {
            Ok(r) => r,
            Err(e) => {
                let line = e.position().map_or(0, |p| p.line());
                errors.push((line, format!("cannot read the row: {e}")));
                continue;
            }
        };
        rows += 1;
        let line = record.position().map_or(0, |p| p.line());
        let cell = |i: usize| record.get(i).unwrap_or_default();
        let kind_text = cell(at.kind);
        let Some((kind, fixed)) = columns.kinds.get(kind_text) else {
            unmapped.insert(kind_text.to_string());
            continue;
        };
        match row(&at, columns, convention, &cell, *kind, *fixed) {
            Ok(e) => events.push(e),
            Err(reason) => errors.push((line, reason)),
        }
    }
    if !errors.is_empty() {
        let file = path.display();
        let mut text: Vec<String> = errors
            .iter()
            .take(MAX_LISTED)
            .map(|(l, r)| format!("{file}:{l}: {r}"))
            .collect();
        if let [(line, reason)] = &errors[..] {
            return Err(ImportError::Row {
                file: path.to_path_buf(),
                line: *line,
                reason: reason.clone(),
            });
        }
        if errors.len() > MAX_LISTED {
            text.push(format!("… and {} more", errors.len() - MAX_LISTED));
        }
        return Err(ImportError::Input {
            file: path.to_path_buf(),
            reason: format!("{} bad rows:\n{}", errors.len(), text.join("\n")),
        });
    }
    // Each track's events in time order (stable: one instant keeps the file's order).
    events.sort_by(|a: &Event, b: &Event| {
        (&a.version, &a.platform, a.at.at).cmp(&(&b.version, &b.platform, b.at.at))
    });
    let mut findings = Findings::default();
    let versions: BTreeSet<&str> = events.iter().map(|e| e.version.as_str()).collect();
    findings.notes.push(format!(
        "events: {} of {} versions, from {rows} rows",
        events.len(),
        versions.len()
    ));
    let unmapped: Vec<String> = unmapped.into_iter().map(|v| format!("{v:?}")).collect();
    findings.note_items(
        "values of the event column not in csv.kinds, their rows left out",
        &unmapped,
    );
    Ok(Imported {
        source: path.display().to_string(),
        events,
        findings,
    })
}

/// The columns' positions in the header.
struct Positions {
    ts: usize,
    version: usize,
    kind: usize,
    platform: Option<usize>,
    reference: Option<usize>,
    value: Option<usize>,
}

/// One row as an event, or why not.
fn row<'r>(
    at: &Positions,
    columns: &Columns,
    convention: &Convention,
    cell: &impl Fn(usize) -> &'r str,
    kind: Kind,
    fixed: Option<f64>,
) -> Result<Event, String> {
    let ts_text = cell(at.ts);
    let moment = moment(ts_text, columns.time_zone.as_ref())
        .map_err(|why| format!("{} = {ts_text:?}: {why}", columns.ts))?;
    let version = cell(at.version);
    if let Some(why) = crate::model::label_error(version) {
        return Err(format!("{} = {version:?}: {why}", columns.version));
    }
    let platform = match at.platform.map(cell).filter(|p| !p.is_empty()) {
        Some(p) => p.to_lowercase(),
        None => convention.platform.clone(),
    };
    let reference = at
        .reference
        .map(cell)
        .filter(|r| !r.is_empty())
        .map(String::from);
    let value = match fixed {
        Some(v) => Some(v),
        None => match at.value.map(cell).filter(|v| !v.is_empty()) {
            None => None,
            Some(text) => Some(
                text.trim_end_matches('%')
                    .trim()
                    .parse::<f64>()
                    .ok()
                    .filter(|v| v.is_finite())
                    .ok_or_else(|| {
                        format!(
                            "{} = {text:?}: not a number",
                            columns.value.as_deref().unwrap_or("value")
                        )
                    })?,
            ),
        },
    };
    if kind == Kind::Rollout && value.is_none() {
        return Err(format!(
            "{} = {:?} is a rollout without a percentage: give csv.value a column, or the \
             kind a fixed value (\"rollout 100\")",
            columns.kind,
            cell(at.kind)
        ));
    }
    Ok(Event {
        at: moment,
        version: version.to_string(),
        platform,
        kind,
        reference,
        value,
    })
}

/// A time as dashboards write it: RFC 3339 with an offset, or a civil time
/// (`2026-01-16 09:30`, `2026-01-16T09:30:00`) in `zone`.
fn moment(text: &str, zone: Option<&jiff::tz::TimeZone>) -> Result<Moment, String> {
    if let Some(m) = Moment::parse_rfc3339(text) {
        return Ok(m);
    }
    // `2026-01-16 09:30:00+02:00`, a space for the T.
    if let Some(m) = text
        .get(10..11)
        .filter(|s| *s == " ")
        .and_then(|_| Moment::parse_rfc3339(&format!("{}T{}", &text[..10], &text[11..])))
    {
        return Ok(m);
    }
    if !text.contains(':') {
        return Err("not a time: a date without its time of day".into());
    }
    let civil: DateTime = text.replacen(' ', "T", 1).parse().map_err(|_| {
        "not a time (RFC 3339 with an offset, or YYYY-MM-DD HH:MM[:SS] with csv.time_zone)"
            .to_string()
    })?;
    let Some(zone) = zone else {
        return Err(
            "a time without an offset: add its offset, or csv.time_zone to the mapping".into(),
        );
    };
    let zoned = civil.to_zoned(zone.clone()).map_err(|e| {
        format!(
            "not a time in {}: {e}",
            zone.iana_name().unwrap_or("the zone")
        )
    })?;
    Ok(Moment {
        at: zoned.timestamp(),
        offset: zoned.offset(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times_with_an_offset_or_in_the_mappings_zone() {
        let paris = jiff::tz::TimeZone::get("Europe/Paris").unwrap();
        assert_eq!(
            moment("2026-01-16T09:30:00+01:00", None).unwrap().rfc3339(),
            "2026-01-16T09:30:00+01:00"
        );
        assert_eq!(
            moment("2026-01-16 09:30:00+01:00", None).unwrap().rfc3339(),
            "2026-01-16T09:30:00+01:00"
        );
        assert_eq!(
            moment("2026-07-16 09:30", Some(&paris)).unwrap().rfc3339(),
            "2026-07-16T09:30:00+02:00"
        );
        assert!(
            moment("2026-01-16 09:30", None)
                .unwrap_err()
                .contains("without an offset")
        );
        assert!(
            moment("16/01/2026", Some(&paris))
                .unwrap_err()
                .contains("not a time")
        );
    }
}
