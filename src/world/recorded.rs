//! The recorded world: what a history says about each track's exogenous draws (when each
//! blocker appeared and how much work fixing it took, build and test outcomes, review
//! latencies measured from submission, …) and the changes of state people (or a robot)
//! made. Event logs build it ([`crate::eventlog`]); [`super::TrackWorld::recorded`] overlays
//! it on the drawn world and the engine replays it.
//!
//! Durations that end at a policy-dependent moment are measured from the moment they start:
//! a review's latency from its submission, a fix's effort in feature-team working time from
//! the moment the bug was found. That is what lets another policy re-run the same world.

use jiff::{SignedDuration, Timestamp};

use crate::model::{Actor, Families, State};

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
}
