//! The recorded world: what a history says about each track's exogenous draws (when each
//! blocker appeared and how much work fixing it took, build and test outcomes, review
//! latencies measured from submission, …) and the changes of state people (or a robot)
//! made. Event logs build it ([`crate::eventlog`]); here it becomes a season's world
//! ([`SeasonWorld::counterfactual`], [`SeasonWorld::as_recorded`]), the recorded draws
//! overlaid on the drawn ones, which the engine runs like any other.
//!
//! Durations that end at a policy-dependent moment are measured from the moment they start:
//! a review's latency from its submission, a fix's effort in feature-team working time from
//! the moment the bug was found. That is what lets another policy re-run the same world.

use std::collections::VecDeque;

use jiff::{SignedDuration, Timestamp};

use super::{
    BlockerDraw, BuildDraw, Mode, ReviewDraw, RolloutDraw, SeasonTrack, SeasonWorld, TrackWorld,
};
use crate::dist::hours;
use crate::model::{Actor, Families, Family, Kind, State};
use crate::scenario::Scenario;

/// A blocking bug as recorded.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RecordedBlocker {
    /// From the branch cut to when it was opened.
    pub found_after: SignedDuration,
    /// Feature-team working time from opening to the fix; `None` when the log has no fix.
    pub fix_effort: Option<SignedDuration>,
}

/// A build as recorded.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct RecordedBuild {
    /// Build plus tests, wall clock; `None` when it never finished.
    pub duration: Option<SignedDuration>,
    /// Its tests failed.
    pub failed: bool,
    /// The crash rate measured on it, percent.
    pub crash_rate_percent: Option<f64>,
}

/// A store review as recorded.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RecordedReview {
    /// When it was submitted.
    pub submitted_at: Timestamp,
    /// From the submission to the verdict; `None` when no verdict came.
    pub latency: Option<SignedDuration>,
    /// The store rejected.
    pub rejected: bool,
    /// Feature-team working time to address a rejection.
    pub fix_effort: Option<SignedDuration>,
}

/// One 1% rollout as recorded.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RecordedRollout {
    /// When the 1% rollout started.
    pub started_at: Timestamp,
    /// When it ended (paused, 100%, cancelled); `None` when the log ends first.
    pub ended_at: Option<Timestamp>,
    /// From the start of 1% to the ITGC check being done.
    pub itgc: Option<SignedDuration>,
    /// From the start of 1% to a severe incident, if one happened.
    pub incident_after: Option<SignedDuration>,
    /// Feature-team working time to fix the incident.
    pub incident_fix_effort: Option<SignedDuration>,
}

/// A hotfix of a released version, as recorded after its 100%: fixes landed on its branch
/// (a reported bug, when the log knows its report) until a point release ships them.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RecordedHotfix {
    /// The point release's label (`8.9.2`); `None` while none has shipped at the log's end.
    pub label: Option<String>,
    /// When users' bug was reported (`hotfix_opened`); `None` when the log does not say.
    pub reported_at: Option<Timestamp>,
    /// The first fix landed for it (`fix_landed` or `blocker_fixed`).
    pub first_fix_at: Option<Timestamp>,
    /// Fixes landed for it.
    pub fixes: u32,
    /// When the point release reached users (`point_release`).
    pub released_at: Option<Timestamp>,
}

/// The hotfixes of a released track from its rows after its 100%, in time order (at one
/// instant, in the log's order): a hotfix opens at its first row (a reported bug, a fix, a
/// build…) and ships with the next `point_release` (its `label`), which may also come with
/// no recorded fix before it; rows after the last point release are a hotfix still open.
/// The reader of logs and the engine's simulated hotfixes both group them this way, so a
/// simulated history replays with its hotfixes as simulated.
pub fn group_hotfixes<'a>(
    rows: impl IntoIterator<Item = (Timestamp, Kind, Option<&'a str>)>,
) -> Vec<RecordedHotfix> {
    let mut out = Vec::new();
    let mut open: Option<RecordedHotfix> = None;
    for (at, kind, label) in rows {
        let h = open.get_or_insert_with(RecordedHotfix::default);
        match kind {
            Kind::HotfixOpened => {
                h.reported_at.get_or_insert(at);
            }
            Kind::FixLanded | Kind::BlockerFixed => {
                h.first_fix_at.get_or_insert(at);
                h.fixes += 1;
            }
            Kind::PointRelease => {
                h.label = label.map(String::from);
                h.released_at = Some(at);
                out.extend(open.take());
            }
            _ => {}
        }
    }
    out.extend(open);
    out
}

/// A change of state a person or robot made (or, for state kinds the log never records,
/// one passed through at the same instant).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Scripted {
    /// When.
    pub at: Timestamp,
    /// The state entered.
    pub to: State,
    /// Who.
    pub actor: Actor,
    /// A `rollout` row's percentage, rounded to a whole percent (a stage below 100%: 1 to
    /// 99); `None` for other changes. Entering `rollout_1` again while in `rollout_1` is a
    /// staged rollout's next stage.
    pub percent: Option<u8>,
}

/// Everything the log says about one track.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct RecordedTrack {
    /// The branch cut.
    pub cut: Option<Timestamp>,
    /// The track's last event: its end when it reached 100% or was cancelled, else how far
    /// the log saw it (what a censored wait lasted at least until).
    pub last_seen: Option<Timestamp>,
    /// Blockers in the order found.
    pub blockers: Vec<RecordedBlocker>,
    /// Fixes whose bug's opening the log does not record (`fix_landed`), from the cut:
    /// commits on the branch, in order.
    pub fixes_landed: Vec<SignedDuration>,
    /// Teams that opted out of sign-off.
    pub signoff_opted_out: u32,
    /// Working time each required team took to sign off (`None`: never did).
    pub signoff_efforts: Vec<Option<SignedDuration>>,
    /// From the cut to usage being enough.
    pub usage_after: Option<SignedDuration>,
    /// Builds in order.
    pub builds: Vec<RecordedBuild>,
    /// Crash-rate fixes: working time each took (`None`: never landed).
    pub crash_fixes: Vec<Option<SignedDuration>>,
    /// Store reviews in order.
    pub reviews: Vec<RecordedReview>,
    /// 1% rollouts in order.
    pub rollouts: Vec<RecordedRollout>,
    /// The changes of state people and robots made, in order.
    pub script: Vec<Scripted>,
    /// Its hotfixes after the release, in order.
    pub hotfixes: Vec<RecordedHotfix>,
}

/// The recorded history of one seed: its versions, their cuts and the tracks.
#[derive(Debug, Clone)]
pub struct RecordedSeason {
    /// The seed (the log's `seed` column).
    pub seed: u64,
    /// The versions, ascending.
    pub versions: Vec<u32>,
    /// The branch cut of each version (its earliest platform's), plus the cut that follows
    /// the last one.
    pub cuts: Vec<Timestamp>,
    /// Indexed by `version index * platforms + platform`; `None` when the log has no such
    /// track.
    pub tracks: Vec<Option<RecordedTrack>>,
    /// The world families the log records.
    pub families: Families,
    /// The log records hotfixes: some track has rows after its release. A log without any
    /// says nothing of them (like a family it lacks), so they are not counted as none.
    pub hotfixes_recorded: bool,
}

impl SeasonWorld {
    /// The world of `season` re-run under a policy ([`Mode::Counterfactual`]): what the record
    /// holds, and the scenario's draws for the seed for every gap, so that a log
    /// `simulate --event-log` wrote replays under any policy exactly as that policy's
    /// simulation ran.
    pub fn counterfactual(scenario: &Scenario, season: &RecordedSeason) -> SeasonWorld {
        Self::recorded(scenario, season, Gaps::Drawn)
    }

    /// The world of `season` as it happened ([`Mode::AsRecorded`]): what the record holds
    /// and nothing else (unrecorded families are silent, their gates unknown), with every
    /// track's recorded changes of state.
    pub fn as_recorded(scenario: &Scenario, season: &RecordedSeason) -> SeasonWorld {
        Self::recorded(scenario, season, Gaps::Nothing)
    }

    fn recorded(scenario: &Scenario, season: &RecordedSeason, gaps: Gaps) -> SeasonWorld {
        let platforms = scenario.platforms.len().max(1);
        let tracks = season
            .tracks
            .iter()
            .enumerate()
            .map(|(i, rec)| {
                let rec = rec.as_ref()?;
                let cut = rec.cut?;
                let version = *season.versions.get(i / platforms)?;
                let platform = &scenario.platforms.get(i % platforms)?.name;
                let mut world = Box::new(TrackWorld::recorded(
                    scenario,
                    season.seed,
                    version,
                    platform,
                    rec,
                    season.families,
                    gaps,
                ));
                world.overlap_tolerated =
                    overlap_tolerated(rec, season.cuts.get(i / platforms + 1).copied());
                world.commits_landed.clone_from(&rec.fixes_landed);
                // Hotfixes happen as recorded; a counterfactual does not model them yet.
                if gaps == Gaps::Nothing && season.hotfixes_recorded {
                    world.hotfixes = Some(rec.hotfixes.clone());
                }
                let script = match gaps {
                    Gaps::Nothing => rec.script.clone(),
                    Gaps::Drawn => Vec::new(),
                };
                Some(SeasonTrack { cut, world, script })
            })
            .collect();
        let last_recorded = season
            .tracks
            .iter()
            .flatten()
            .filter_map(|t| t.last_seen)
            .max();
        let mode = match gaps {
            Gaps::Nothing => Mode::AsRecorded,
            Gaps::Drawn => Mode::Counterfactual,
        };
        SeasonWorld {
            seed: season.seed,
            mode,
            versions: season.versions.clone(),
            cuts: season.cuts.clone(),
            tracks,
            last_recorded,
        }
    }
}

/// True when `rec` was still live at `next_cut` (the next version's cut) and the record does
/// not cancel it: it reached 100% after that cut, or is still open after it.
fn overlap_tolerated(rec: &RecordedTrack, next_cut: Option<Timestamp>) -> bool {
    let Some(next_cut) = next_cut else {
        return false;
    };
    let ended = |to: State| rec.script.iter().find(|s| s.to == to).map(|s| s.at);
    if ended(State::Cancelled).is_some() {
        return false;
    }
    match ended(State::Rollout100) {
        Some(at) => at > next_cut,
        None => rec.last_seen.is_some_and(|seen| seen > next_cut),
    }
}

/// What stands in for what a record lacks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Gaps {
    /// Nothing: what the record does not say never happens (replayed as it happened).
    Nothing,
    /// The scenario's draws (a counterfactual).
    Drawn,
}

impl Gaps {
    /// A recorded duration, or what stands in when the record has none.
    fn fill(
        self,
        recorded: Option<SignedDuration>,
        drawn: Option<SignedDuration>,
    ) -> Option<SignedDuration> {
        match self {
            Gaps::Nothing => recorded,
            Gaps::Drawn => recorded.or(drawn),
        }
    }
}

impl TrackWorld {
    /// The world of a recorded track: what `rec` recorded, in the families `families` the
    /// record holds, over the scenario's draws for `seed`, with `gaps` for what it lacks.
    fn recorded(
        scenario: &Scenario,
        seed: u64,
        version: u32,
        platform: &str,
        rec: &RecordedTrack,
        families: Families,
        gaps: Gaps,
    ) -> TrackWorld {
        let mut world = TrackWorld::new(scenario, seed, version, platform);
        // A history's rings caught what it records (its blockers, incidents and hotfixes);
        // the scenario adds no defects of its own to it.
        world.defects.clear();
        let has = |f| families.contains(f);
        // Replayed as it happened, a family the record lacks does not happen at all.
        let silent = gaps == Gaps::Nothing;
        if has(Family::Blockers) {
            let drawn = std::mem::take(&mut world.blockers);
            let fallback = hours(scenario.world.blocker_fix_effort_hours.mean());
            world.blockers = rec
                .blockers
                .iter()
                .enumerate()
                .map(|(k, b)| BlockerDraw {
                    found_after: b.found_after,
                    fix_effort: gaps.fill(
                        b.fix_effort,
                        Some(drawn.get(k).and_then(|d| d.fix_effort).unwrap_or(fallback)),
                    ),
                })
                .collect();
        } else if silent {
            world.blockers.clear();
        }
        if has(Family::Signoff) {
            let drawn = std::mem::take(&mut world.signoff_efforts);
            let fallback = hours(scenario.world.signoff_effort_hours.mean());
            world.signoff_opted_out = rec.signoff_opted_out;
            world.signoff_efforts = rec
                .signoff_efforts
                .iter()
                .enumerate()
                .map(|(k, e)| {
                    gaps.fill(
                        *e,
                        Some(drawn.get(k).copied().flatten().unwrap_or(fallback)),
                    )
                })
                .collect();
        } else if silent {
            world.signoff_opted_out = 0;
            world.signoff_efforts.clear();
        }
        if has(Family::Usage) {
            world.usage_after = gaps.fill(rec.usage_after, world.usage_after);
        } else if silent {
            world.usage_after = None;
        }
        if silent {
            world.silent = families.complement();
        }
        world.recorded_families = families;
        world.recorded = Some(Box::new(Overlay {
            gaps,
            builds: queue(has(Family::Builds), &rec.builds),
            crash_rates: has(Family::Metrics),
            crash_fixes: queue(has(Family::Metrics), &rec.crash_fixes),
            reviews: queue(has(Family::Reviews), &rec.reviews),
            rollouts: queue(has(Family::RolloutChecks), &rec.rollouts),
        }));
        world
    }
}

/// The recorded items of a family, as a queue; `None` when the record lacks the family.
fn queue<T: Copy>(recorded: bool, items: &[T]) -> Option<VecDeque<T>> {
    recorded.then(|| items.iter().copied().collect())
}

/// The recorded sequential draws of one track, overriding the drawn ones in order. A
/// process without a queue is not recorded (drawn, or silent when replayed as it
/// happened); past the end of a queue a replay as it happened has nothing more happen.
#[derive(Debug, Clone)]
pub(super) struct Overlay {
    gaps: Gaps,
    builds: Option<VecDeque<RecordedBuild>>,
    crash_rates: bool,
    crash_fixes: Option<VecDeque<Option<SignedDuration>>>,
    reviews: Option<VecDeque<RecordedReview>>,
    rollouts: Option<VecDeque<RecordedRollout>>,
}

impl Overlay {
    /// The next item of a recorded queue; `Err(())` past its end when nothing stands in for
    /// the record (nothing more happens), `Ok(None)` when the draw stands.
    fn next<T>(queue: &mut Option<VecDeque<T>>, gaps: Gaps) -> Result<Option<T>, ()> {
        match queue {
            Some(q) => match q.pop_front() {
                Some(item) => Ok(Some(item)),
                None if gaps == Gaps::Nothing => Err(()),
                None => Ok(None),
            },
            None => Ok(None),
        }
    }

    /// Overlays the next recorded build on `draw`.
    pub(super) fn build(&mut self, draw: &mut BuildDraw) {
        match Self::next(&mut self.builds, self.gaps) {
            Ok(Some(b)) => {
                draw.duration = self.gaps.fill(b.duration, draw.duration);
                draw.flaky = b.failed;
                if self.crash_rates
                    && let Some(c) = b.crash_rate_percent
                {
                    draw.crash_rate_percent = c;
                }
            }
            Ok(None) => {}
            Err(()) => draw.duration = None,
        }
    }

    /// The next crash fix's effort, recorded or `drawn`; `None`: it never lands.
    pub(super) fn crash_fix(&mut self, drawn: SignedDuration) -> Option<SignedDuration> {
        match Self::next(&mut self.crash_fixes, self.gaps) {
            Ok(Some(effort)) => self.gaps.fill(effort, Some(drawn)),
            Ok(None) => Some(drawn),
            Err(()) => None,
        }
    }

    /// Overlays the next recorded review on `draw`.
    pub(super) fn review(&mut self, draw: &mut ReviewDraw) {
        match Self::next(&mut self.reviews, self.gaps) {
            Ok(Some(r)) => {
                draw.latency = self.gaps.fill(r.latency, draw.latency);
                if r.latency.is_some() {
                    draw.rejected = r.rejected;
                }
                draw.fix_effort = self.gaps.fill(r.fix_effort, draw.fix_effort);
            }
            Ok(None) => {}
            Err(()) => draw.latency = None,
        }
    }

    /// Overlays the next recorded 1% rollout on `draw`.
    pub(super) fn rollout(&mut self, draw: &mut RolloutDraw) {
        match Self::next(&mut self.rollouts, self.gaps) {
            Ok(Some(r)) => {
                draw.itgc = self.gaps.fill(r.itgc, draw.itgc);
                draw.incident_after = r.incident_after;
                draw.incident_fix_effort = self
                    .gaps
                    .fill(r.incident_fix_effort, draw.incident_fix_effort);
            }
            Ok(None) => {}
            Err(()) => {
                draw.itgc = None;
                draw.incident_after = None;
            }
        }
    }
}
