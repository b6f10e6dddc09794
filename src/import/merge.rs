//! Several sources into one log (docs/import.md, "Merging sources").
//!
//! Sources come in an order, the most trusted first. A **family** is what docs/formats.md
//! calls one (blockers, builds, metrics, sign-off, usage, reviews, rollout checks) and, for a
//! kind that belongs to none, the kind itself, the two starts (`branch_cut`, `cycle_started`)
//! being one. Per track (version × platform), the first source that holds any event of a
//! family gives that family; a later source's events of it are left out, because a recorded
//! family is taken to be complete. A later event that stands for the same thing as an earlier
//! one (same track and kind, and the same ref for kinds whose ref names a thing, the same
//! percentage for a rollout, else the same occurrence) at another time is a **conflict**,
//! reported; at the same time it is a duplicate. Later sources so fill the families the
//! earlier lack: git gives cuts, builds, fixes and releases; a dashboard gives submissions,
//! reviews and rollout steps.

use std::collections::HashMap;
use std::path::Path;

use super::{Event, Imported, Moment};
use crate::eventlog::{LogError, ReadOptions, read};
use crate::model::Kind;

/// Two sources that date one thing differently.
#[derive(Debug, Clone, PartialEq)]
pub struct Conflict {
    /// The earlier source's event (kept).
    pub kept: Event,
    /// Its source.
    pub kept_from: String,
    /// The later source's (left out).
    pub dropped: Event,
    /// Its source.
    pub dropped_from: String,
}

impl Conflict {
    /// `20.7 android rollout 100: 2024-10-18T06:09:23-04:00 from git REPO, 2024-10-18T… from
    /// dash.csv (kept git REPO's)`.
    pub fn describe(&self) -> String {
        let e = &self.kept;
        let what = match (e.kind, &e.reference, e.value) {
            (Kind::Rollout, _, Some(v)) => format!("rollout {v}"),
            (w, Some(r), _) if has_identity(w) => format!("{} {r}", w.as_str()),
            (w, _, _) => w.as_str().to_string(),
        };
        format!(
            "{} {} {what}: {} from {}, {} from {} (kept the first)",
            e.version,
            e.platform,
            self.kept.at.rfc3339(),
            self.kept_from,
            self.dropped.at.rfc3339(),
            self.dropped_from,
        )
    }
}

/// The merged events and what the merge left out.
#[derive(Debug, Clone, Default)]
pub struct Merged {
    /// The events kept, each source's in its order.
    pub events: Vec<Event>,
    /// Conflicts, in the order found.
    pub conflicts: Vec<Conflict>,
    /// Later events equal to an earlier one (same thing, same time).
    pub duplicates: usize,
    /// Later events of a family an earlier source holds that match none of its events.
    pub unmatched: usize,
}

/// The family of a kind for merging: docs/formats.md's, or the kind's own name (the two
/// starts as one).
fn family(kind: Kind) -> &'static str {
    match kind {
        Kind::BranchCut | Kind::CycleStarted => "start",
        k => k.family().map_or(k.as_str(), |f| f.as_str()),
    }
}

/// Whether a kind's ref names a thing (a bug, build, team, review, commit, point release)
/// rather than who acted.
fn has_identity(kind: Kind) -> bool {
    matches!(
        kind,
        Kind::BlockerOpened
            | Kind::BlockerFixed
            | Kind::FixLanded
            | Kind::BuildFinished
            | Kind::TestsPassed
            | Kind::TestsFailed
            | Kind::SignoffRequired
            | Kind::SignoffGiven
            | Kind::Metric
            | Kind::CrashFixLanded
            | Kind::ReviewApproved
            | Kind::ReviewRejected
            | Kind::ItgcDone
            | Kind::IncidentOpened
            | Kind::IncidentFixed
            | Kind::HotfixOpened
            | Kind::PointRelease
    )
}

/// What an event stands for within its track: kind (the starts as one) and ref, rollout
/// percentage or occurrence.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
enum Identity {
    Ref(Kind, String),
    Rollout(u64, usize),
    Nth(&'static str, usize),
}

fn identities(events: &[&Event]) -> Vec<Identity> {
    let mut seen: HashMap<(&'static str, u64), usize> = HashMap::new();
    events
        .iter()
        .map(|e| {
            let mut nth = |name: &'static str, bits: u64| {
                let n = seen.entry((name, bits)).or_default();
                *n += 1;
                *n
            };
            match (&e.reference, e.value) {
                (Some(r), _) if has_identity(e.kind) && !r.is_empty() => {
                    Identity::Ref(e.kind, r.clone())
                }
                _ if e.kind == Kind::Rollout => {
                    let bits = e.value.unwrap_or(f64::NAN).to_bits();
                    Identity::Rollout(bits, nth("rollout", bits))
                }
                _ => {
                    let name = match e.kind {
                        Kind::BranchCut | Kind::CycleStarted => "start",
                        w => w.as_str(),
                    };
                    Identity::Nth(name, nth(name, 0))
                }
            }
        })
        .collect()
}

type Track = (String, String);

/// A track's family: which source holds it, and its events by what they stand for.
type Held = HashMap<(Track, &'static str), (usize, HashMap<Identity, Event>)>;

/// Merges `sources`, the first the most trusted (see the module's docs).
pub fn merge(sources: &[Imported]) -> Merged {
    let mut merged = Merged::default();
    // Per track and family: the source holding it and its events' identities.
    let mut held: Held = HashMap::new();
    for (s, source) in sources.iter().enumerate() {
        // The source's events by track and family, as indices, in the order first seen.
        let mut groups: Vec<((Track, &'static str), Vec<usize>)> = Vec::new();
        let mut index: HashMap<(Track, &'static str), usize> = HashMap::new();
        for (i, e) in source.events.iter().enumerate() {
            let key = ((e.version.clone(), e.platform.clone()), family(e.kind));
            let g = *index.entry(key.clone()).or_insert_with(|| {
                groups.push((key, Vec::new()));
                groups.len() - 1
            });
            groups[g].1.push(i);
        }
        let mut keep = vec![false; source.events.len()];
        for (key, members) in groups {
            let events: Vec<&Event> = members.iter().map(|&i| &source.events[i]).collect();
            let ids = identities(&events);
            match held.get(&key) {
                None => {
                    let by_id = ids.into_iter().zip(events.into_iter().cloned()).collect();
                    held.insert(key, (s, by_id));
                    for i in members {
                        keep[i] = true;
                    }
                }
                Some((h, by_id)) => {
                    for (id, e) in ids.iter().zip(events) {
                        match by_id.get(id) {
                            Some(k) if k.at.at == e.at.at && k.value == e.value => {
                                merged.duplicates += 1;
                            }
                            Some(k) => merged.conflicts.push(Conflict {
                                kept: k.clone(),
                                kept_from: sources[*h].source.clone(),
                                dropped: e.clone(),
                                dropped_from: source.source.clone(),
                            }),
                            None => merged.unmatched += 1,
                        }
                    }
                }
            }
        }
        merged.events.extend(
            source
                .events
                .iter()
                .zip(&keep)
                .filter(|(_, k)| **k)
                .map(|(e, _)| e.clone()),
        );
    }
    merged
}

/// An event log written earlier (any format `replay` reads) as a source: its rows in file
/// order, times in UTC.
pub fn read_log(path: &Path) -> Result<Imported, LogError> {
    let bytes = read::read_bytes(path)?;
    let (rows, _) = read::parse(path, bytes, ReadOptions::default())?;
    let events = rows
        .into_iter()
        .map(|r| Event {
            at: Moment::utc(r.ts),
            version: r.label,
            platform: r.platform.to_lowercase(),
            kind: r.kind,
            reference: r.reference,
            value: r.value,
        })
        .collect();
    Ok(Imported {
        source: path.display().to_string(),
        events,
        findings: Default::default(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn event(at: &str, kind: Kind, reference: Option<&str>, value: Option<f64>) -> Event {
        Event {
            at: Moment::parse_rfc3339(at).unwrap(),
            version: "20.7".into(),
            platform: "android".into(),
            kind,
            reference: reference.map(String::from),
            value,
        }
    }

    fn source(name: &str, events: Vec<Event>) -> Imported {
        Imported {
            source: name.into(),
            events,
            findings: Default::default(),
        }
    }

    #[test]
    fn later_sources_fill_the_families_the_earlier_lack_and_conflicts_are_reported() {
        let dashboard = source(
            "dash.csv",
            vec![
                event("2026-01-16T09:00:00Z", Kind::Submitted, None, None),
                event(
                    "2026-01-16T15:00:00Z",
                    Kind::ReviewApproved,
                    Some("review-1"),
                    None,
                ),
                event("2026-01-17T09:00:00Z", Kind::Rollout, None, Some(1.0)),
                event("2026-01-19T09:00:00Z", Kind::Rollout, None, Some(100.0)),
            ],
        );
        let git = source(
            "git repo",
            vec![
                event("2026-01-09T10:00:00Z", Kind::BranchCut, None, None),
                event("2026-01-12T10:00:00Z", Kind::FixLanded, Some("abc"), None),
                event(
                    "2026-01-13T10:00:00Z",
                    Kind::BuildFinished,
                    Some("20.7-rc-1"),
                    None,
                ),
                // The release tag: a rollout, which the dashboard holds.
                event(
                    "2026-01-16T10:00:00Z",
                    Kind::Rollout,
                    Some("20.7"),
                    Some(100.0),
                ),
            ],
        );
        let m = merge(&[dashboard.clone(), git.clone()]);
        let kinds: Vec<&str> = m.events.iter().map(|e| e.kind.as_str()).collect();
        assert_eq!(
            kinds,
            [
                "submitted",
                "review_approved",
                "rollout",
                "rollout",
                "branch_cut",
                "fix_landed",
                "build_finished"
            ]
        );
        assert_eq!(m.conflicts.len(), 1);
        assert_eq!(
            m.conflicts[0].describe(),
            "20.7 android rollout 100: 2026-01-19T09:00:00+00:00 from dash.csv, \
             2026-01-16T10:00:00+00:00 from git repo (kept the first)"
        );
        assert_eq!((m.duplicates, m.unmatched), (0, 0));

        // The other way round, git's rollout wins and the dashboard's 1% matches nothing.
        let m = merge(&[git, dashboard]);
        assert_eq!(m.conflicts.len(), 1);
        assert_eq!(m.unmatched, 1);
        assert_eq!(m.events.len(), 6);
    }

    #[test]
    fn the_same_event_twice_is_a_duplicate_and_starts_pair_across_kinds() {
        let a = source(
            "a",
            vec![
                event("2026-01-09T10:00:00Z", Kind::BranchCut, None, None),
                event(
                    "2026-01-13T10:00:00Z",
                    Kind::BuildFinished,
                    Some("rc-1"),
                    None,
                ),
            ],
        );
        let b = source(
            "b",
            vec![
                event(
                    "2026-01-10T10:00:00Z",
                    Kind::CycleStarted,
                    Some("rc-1"),
                    None,
                ),
                event(
                    "2026-01-13T10:00:00Z",
                    Kind::BuildFinished,
                    Some("rc-1"),
                    None,
                ),
                event(
                    "2026-01-14T10:00:00Z",
                    Kind::BuildFinished,
                    Some("rc-2"),
                    None,
                ),
            ],
        );
        let m = merge(&[a, b]);
        assert_eq!(m.events.len(), 2);
        assert_eq!(m.duplicates, 1);
        assert_eq!(m.unmatched, 1);
        assert_eq!(m.conflicts.len(), 1);
        assert!(
            m.conflicts[0]
                .describe()
                .starts_with("20.7 android branch_cut: ")
        );
    }

    #[test]
    fn tracks_merge_on_their_own() {
        let mut ios = event("2026-01-16T09:00:00Z", Kind::Rollout, None, Some(100.0));
        ios.platform = "ios".into();
        let a = source(
            "a",
            vec![event(
                "2026-01-16T10:00:00Z",
                Kind::Rollout,
                None,
                Some(100.0),
            )],
        );
        let b = source("b", vec![ios]);
        let m = merge(&[a, b]);
        assert_eq!(m.events.len(), 2);
        assert!(m.conflicts.is_empty());
    }
}
