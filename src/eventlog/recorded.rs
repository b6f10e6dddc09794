//! Building the recorded world ([`crate::world::recorded`]) from a checked log: each track's
//! draws read off its rows, and each seed's season of versions and cuts.

use std::collections::BTreeMap;

use jiff::{SignedDuration, Timestamp};

use super::{Family, Kind, Log, Row, TrackLog, implicit_states, state_target_in};
use crate::dist::minutes;
use crate::model::{Actor, State};
use crate::scenario::Scenario;
use crate::world::recorded::{
    RecordedBlocker, RecordedBuild, RecordedHotfix, RecordedReview, RecordedRollout,
    RecordedSeason, RecordedTrack, Scripted, group_hotfixes,
};

impl RecordedSeason {
    /// The recorded seasons of every seed of `log`, for `scenario`.
    pub fn from_log(log: &Log, scenario: &Scenario) -> Vec<RecordedSeason> {
        log.seeds
            .iter()
            .map(|(seed, tracks)| season(*seed, tracks, log, scenario))
            .collect()
    }
}

fn season(seed: u64, tracks: &[TrackLog], log: &Log, sc: &Scenario) -> RecordedSeason {
    let mut versions: Vec<u32> = tracks.iter().map(|t| t.version).collect();
    versions.dedup();
    let platforms = sc.platforms.len();
    let mut out: Vec<Option<RecordedTrack>> = vec![None; versions.len() * platforms];
    let mut cuts: Vec<Option<Timestamp>> = vec![None; versions.len()];
    for t in tracks {
        let v = versions.binary_search(&t.version).unwrap_or(0);
        let rec = track(t, log, sc);
        if let Some(cut) = rec.cut {
            cuts[v] = Some(cuts[v].map_or(cut, |c: Timestamp| c.min(cut)));
        }
        out[v * platforms + t.platform] = Some(rec);
    }
    let mut cuts: Vec<Timestamp> = cuts.into_iter().flatten().collect();
    cuts.push(next_cut(sc, &versions, &cuts));
    RecordedSeason {
        seed,
        versions,
        cuts,
        tracks: out,
        families: log.families,
        hotfixes_recorded: log.seeds.values().flatten().any(|t| !t.after.is_empty()),
    }
}

/// The cut after the last recorded version: the scenario's own when every recorded cut is
/// where the scenario puts it (a simulated log), else one cadence after the last cut.
fn next_cut(sc: &Scenario, versions: &[u32], cuts: &[Timestamp]) -> Timestamp {
    let follows_scenario = versions
        .iter()
        .zip(cuts)
        .all(|(v, c)| sc.branch_cut(*v) == Some(*c));
    let last_version = versions.last().copied().unwrap_or(0);
    let scenarios = || sc.branch_cut(last_version.saturating_add(1));
    let cadence = || {
        let days = i64::from(sc.season.cadence_weeks.max(1)) * 7;
        cuts.last()?
            .checked_add(SignedDuration::from_hours(24 * days))
            .ok()
    };
    let next = match cuts.last() {
        Some(_) if follows_scenario => scenarios().or_else(cadence),
        Some(_) => cadence(),
        None => scenarios(),
    };
    next.or(cuts.last().copied())
        .unwrap_or(Timestamp::UNIX_EPOCH)
}

fn actor(row: &Row) -> Actor {
    match row.reference.as_deref() {
        Some("robot") => Actor::Robot,
        Some("world") => Actor::World,
        _ => Actor::Manual,
    }
}

/// Reads one track's draws off its checked rows.
fn track(t: &TrackLog, log: &Log, sc: &Scenario) -> RecordedTrack {
    let teams = sc.feature_teams_of(t.platform);
    let work = |a: Timestamp, b: Timestamp| teams.working_between(a, b);
    let max_crash = sc.thresholds.crash_rate_max_percent;

    let mut rec = RecordedTrack::default();
    let mut state = State::Branched;
    let mut cut = None::<Timestamp>;
    let mut bugs: BTreeMap<String, (usize, Timestamp)> = BTreeMap::new();
    let mut rejections: BTreeMap<String, (usize, Timestamp)> = BTreeMap::new();
    let mut teams_required: Vec<String> = Vec::new();
    let mut last_build_end = None::<Timestamp>;
    let mut last_commit = None::<Timestamp>;
    let mut crash_trigger = None::<Timestamp>;
    let mut submitted_at = None::<Timestamp>;
    let mut rollout_at = None::<Timestamp>;
    let mut incident_at = None::<Timestamp>;

    for row in &t.rows {
        let ts = row.ts;
        rec.last_seen = Some(ts);
        let since_cut = |c: Option<Timestamp>| ts.duration_since(c.unwrap_or(ts));
        // Entering states (recorded or passed through) starts reviews and rollouts.
        // A rollout row's stage, as a whole percent below 100.
        let percent = (row.kind == Kind::Rollout)
            .then_some(row.value)
            .flatten()
            .map(|v| v.round().clamp(1.0, 99.0) as u8);
        let mut enter = |to: State, rec: &mut RecordedTrack, actor: Actor, scripted: bool| {
            if scripted {
                let percent = percent.filter(|_| to == State::Rollout1);
                rec.script.push(Scripted {
                    at: ts,
                    to,
                    actor,
                    percent,
                });
            }
            match to {
                State::Submitted => {
                    submitted_at = Some(ts);
                    rec.reviews.push(RecordedReview {
                        submitted_at: ts,
                        latency: None,
                        rejected: false,
                        fix_effort: None,
                    });
                }
                State::Rollout1 => {
                    rollout_at = Some(ts);
                    rec.rollouts.push(RecordedRollout {
                        started_at: ts,
                        ended_at: None,
                        itgc: None,
                        incident_after: None,
                        incident_fix_effort: None,
                    });
                }
                _ => {}
            }
        };
        match row.kind {
            Kind::BranchCut | Kind::CycleStarted => {
                cut = Some(ts);
                rec.cut = Some(ts);
                last_commit = Some(ts);
            }
            Kind::BlockerOpened => {
                let id = row.reference.clone().unwrap_or_default();
                if let Some((k, _)) = rejections.get(&id).copied() {
                    rejections.insert(id, (k, ts));
                    continue;
                }
                bugs.insert(id, (rec.blockers.len(), ts));
                rec.blockers.push(RecordedBlocker {
                    found_after: since_cut(cut),
                    fix_effort: None,
                });
            }
            Kind::BlockerFixed => {
                let id = row.reference.clone().unwrap_or_default();
                last_commit = Some(ts);
                if let Some((k, at)) = rejections.get(&id).copied() {
                    if let Some(r) = rec.reviews.get_mut(k) {
                        r.fix_effort = Some(work(at, ts));
                    }
                } else if let Some((k, at)) = bugs.get(&id).copied() {
                    rec.blockers[k].fix_effort = Some(work(at, ts));
                }
            }
            Kind::FixLanded => {
                last_commit = Some(ts);
                rec.fixes_landed.push(since_cut(cut));
            }
            Kind::SignoffRequired => {
                if row.value == Some(0.0) {
                    rec.signoff_opted_out += 1;
                } else {
                    teams_required.push(row.reference.clone().unwrap_or_default());
                    rec.signoff_efforts.push(None);
                }
            }
            Kind::SignoffGiven => {
                let team = row.reference.clone().unwrap_or_default();
                let effort = Some(work(cut.unwrap_or(ts), ts));
                match teams_required.iter().position(|t| *t == team) {
                    Some(k) => rec.signoff_efforts[k] = effort,
                    // A log without sign-off requirements: each sign-off names a team.
                    None => {
                        teams_required.push(team);
                        rec.signoff_efforts.push(effort);
                    }
                }
            }
            Kind::Usage => {
                if rec.usage_after.is_none() && row.value.is_some_and(|v| v >= 100.0) {
                    rec.usage_after = Some(since_cut(cut));
                }
            }
            Kind::BuildFinished => {
                let duration = match row.value {
                    Some(m) => minutes(m),
                    None => {
                        let start = match (last_build_end, last_commit) {
                            (Some(e), Some(c)) => e.max(c),
                            (e, c) => e.or(c).unwrap_or(ts),
                        };
                        ts.duration_since(start)
                    }
                };
                rec.builds.push(RecordedBuild {
                    duration: Some(duration),
                    failed: false,
                    crash_rate_percent: None,
                });
                last_build_end = Some(ts);
            }
            Kind::TestsFailed => {
                if let Some(b) = rec.builds.last_mut() {
                    b.failed = true;
                }
            }
            Kind::TestsPassed => {}
            Kind::Metric => {
                let is_crash = row.reference.as_deref().is_none_or(|r| r == "crash_rate");
                if let (true, Some(v)) = (is_crash, row.value) {
                    if let Some(b) = rec.builds.last_mut() {
                        b.crash_rate_percent = Some(v);
                    }
                    let before_submission =
                        matches!(state, State::Branched | State::FinalRc | State::Paused);
                    if v > max_crash && before_submission && crash_trigger.is_none() {
                        crash_trigger = Some(ts);
                        rec.crash_fixes.push(None);
                    }
                }
            }
            Kind::CrashFixLanded => {
                last_commit = Some(ts);
                let started = crash_trigger.take().unwrap_or(ts);
                match rec.crash_fixes.last_mut() {
                    Some(slot @ None) => *slot = Some(work(started, ts)),
                    _ => rec.crash_fixes.push(Some(work(started, ts))),
                }
            }
            Kind::ReviewApproved | Kind::ReviewRejected => {
                let rejected = row.kind == Kind::ReviewRejected;
                let k = rec.reviews.len().saturating_sub(1);
                if let Some(r) = rec.reviews.last_mut() {
                    r.latency = Some(ts.duration_since(submitted_at.unwrap_or(ts)));
                    r.rejected = rejected;
                }
                if rejected {
                    state = State::FinalRc;
                    let id = row.reference.clone().unwrap_or_default();
                    rejections.insert(id, (k, ts));
                }
            }
            Kind::ItgcDone => {
                let after = ts.duration_since(rollout_at.unwrap_or(ts));
                if let Some(r) = rec.rollouts.last_mut() {
                    r.itgc = Some(after);
                }
            }
            Kind::IncidentOpened => {
                incident_at = Some(ts);
                let after = ts.duration_since(rollout_at.unwrap_or(ts));
                if let Some(r) = rec.rollouts.last_mut() {
                    r.incident_after = Some(after);
                }
            }
            Kind::IncidentFixed => {
                last_commit = Some(ts);
                let effort = work(incident_at.take().unwrap_or(ts), ts);
                if let Some(r) = rec.rollouts.last_mut() {
                    r.incident_fix_effort = Some(effort);
                }
            }
            // The changes of state.
            _ => {
                let Some(to) = state_target_in(state, row) else {
                    // A staged rollout's later step below 100%: the stage, not a state.
                    // (Not a new rollout episode: nothing else starts.)
                    if row.kind == Kind::Rollout && state == State::Rollout1 {
                        rec.script.push(Scripted {
                            at: ts,
                            to: State::Rollout1,
                            actor: actor(row),
                            percent,
                        });
                    }
                    continue;
                };
                let who = actor(row);
                if state == State::Rollout1
                    && let Some(r) = rec.rollouts.last_mut()
                {
                    r.ended_at = Some(ts);
                }
                let reviews = log.families.contains(Family::Reviews);
                for through in implicit_states(state, to, &log.recorded_states, reviews) {
                    // Back to final_rc from a submission is the store's (a rejection).
                    let rejected = state == State::Submitted && through == State::FinalRc;
                    let by = if rejected { Actor::World } else { who };
                    enter(through, &mut rec, by, true);
                }
                enter(to, &mut rec, who, true);
                state = to;
            }
        }
    }
    rec.hotfixes = hotfixes(&t.after);
    rec
}

/// The hotfixes in a released track's rows after its 100% ([`group_hotfixes`]).
fn hotfixes(after: &[Row]) -> Vec<RecordedHotfix> {
    group_hotfixes(after.iter().map(|r| (r.ts, r.kind, r.reference.as_deref())))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::eventlog::{ReadOptions, Row};
    use std::path::Path;

    fn row(line: u64, ts: &str, kind: Kind, reference: Option<&str>, value: Option<f64>) -> Row {
        Row {
            line,
            ts: ts.parse().unwrap(),
            seed: 0,
            version: 0,
            label: "0".into(),
            platform: "ios".into(),
            kind,
            reference: reference.map(String::from),
            value,
        }
    }

    #[test]
    fn durations_are_measured_from_their_start() {
        let sc = Scenario::baseline();
        let rows = vec![
            row(2, "2026-01-09T09:00:00Z", Kind::BranchCut, None, None),
            // Opened Friday 10:00 local, fixed Monday 10:00 local: 8 working hours (Fri 10-17, Mon 9-10).
            row(
                3,
                "2026-01-09T09:00:00Z",
                Kind::BlockerOpened,
                Some("bug-1"),
                None,
            ),
            row(
                4,
                "2026-01-12T09:00:00Z",
                Kind::BlockerFixed,
                Some("bug-1"),
                None,
            ),
            row(
                5,
                "2026-01-12T12:00:00Z",
                Kind::Submitted,
                Some("robot"),
                None,
            ),
            row(
                6,
                "2026-01-13T12:00:00Z",
                Kind::ReviewApproved,
                Some("review-1"),
                None,
            ),
            row(
                7,
                "2026-01-13T15:00:00Z",
                Kind::Rollout,
                Some("manual"),
                Some(1.0),
            ),
        ];
        let log = Log::validate(
            Path::new("x.csv"),
            rows,
            &["android", "ios"],
            ReadOptions::default(),
        )
        .unwrap();
        let tracks = &log.seeds[&0];
        let rec = track(&tracks[0], &log, &sc);
        assert_eq!(rec.blockers[0].found_after, SignedDuration::ZERO);
        assert_eq!(
            rec.blockers[0].fix_effort,
            Some(SignedDuration::from_hours(8))
        );
        assert_eq!(rec.reviews[0].latency, Some(SignedDuration::from_hours(24)));
        // final_rc is never recorded: it is passed through at the submission.
        let to: Vec<State> = rec.script.iter().map(|s| s.to).collect();
        assert_eq!(to, [State::FinalRc, State::Submitted, State::Rollout1]);
        assert_eq!(rec.script[1].actor, Actor::Robot);
        assert_eq!(rec.rollouts.len(), 1);
    }

    #[test]
    fn a_resubmission_without_review_events_passes_through_a_rejection() {
        let sc = Scenario::baseline();
        let rows = vec![
            row(2, "2026-01-09T09:00:00Z", Kind::BranchCut, None, None),
            row(3, "2026-01-12T12:00:00Z", Kind::Submitted, None, None),
            row(4, "2026-01-13T12:00:00Z", Kind::Submitted, None, None),
        ];
        let platforms = ["ios"];
        let log =
            Log::validate(Path::new("x.csv"), rows, &platforms, ReadOptions::default()).unwrap();
        let rec = track(&log.seeds[&0][0], &log, &sc);
        let steps: Vec<(State, Actor)> = rec.script.iter().map(|s| (s.to, s.actor)).collect();
        assert_eq!(
            steps,
            [
                (State::FinalRc, Actor::Manual),
                (State::Submitted, Actor::Manual),
                (State::FinalRc, Actor::World),
                (State::Submitted, Actor::Manual),
            ]
        );
        // With review events recorded, the same history is impossible.
        let mut rows = log.seeds[&0][0].rows.clone();
        rows.push(row(
            5,
            "2026-01-14T12:00:00Z",
            Kind::ReviewApproved,
            None,
            None,
        ));
        let err = Log::validate(Path::new("x.csv"), rows, &platforms, ReadOptions::default())
            .unwrap_err();
        assert!(
            err.to_string()
                .contains("x.csv:4: submitted cannot follow submitted"),
            "{err}"
        );
    }
}
