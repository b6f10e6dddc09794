//! What happens to a track, as events: the kinds a history records ([`Kind`]), what an
//! event refers to ([`Ref`]) and one row of a track's history ([`LogEvent`]). The engine
//! records them ([`crate::engine::Detail::Log`]); event logs read and write them.

use std::fmt;

use jiff::Timestamp;

use super::{Actor, Family};

/// What an event says happened.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[allow(missing_docs)] // each kind is documented in docs/formats.md under its name
pub enum Kind {
    BranchCut,
    BuildFinished,
    TestsPassed,
    TestsFailed,
    BlockerOpened,
    BlockerFixed,
    SignoffRequired,
    SignoffGiven,
    Usage,
    Metric,
    CrashFixLanded,
    FinalRc,
    Submitted,
    ReviewApproved,
    ReviewRejected,
    Rollout,
    ItgcDone,
    IncidentOpened,
    IncidentFixed,
    Paused,
    Resumed,
    Cancelled,
}

impl Kind {
    /// Every kind.
    pub const ALL: [Kind; 22] = [
        Kind::BranchCut,
        Kind::BuildFinished,
        Kind::TestsPassed,
        Kind::TestsFailed,
        Kind::BlockerOpened,
        Kind::BlockerFixed,
        Kind::SignoffRequired,
        Kind::SignoffGiven,
        Kind::Usage,
        Kind::Metric,
        Kind::CrashFixLanded,
        Kind::FinalRc,
        Kind::Submitted,
        Kind::ReviewApproved,
        Kind::ReviewRejected,
        Kind::Rollout,
        Kind::ItgcDone,
        Kind::IncidentOpened,
        Kind::IncidentFixed,
        Kind::Paused,
        Kind::Resumed,
        Kind::Cancelled,
    ];

    /// The name used in files.
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::BranchCut => "branch_cut",
            Kind::BuildFinished => "build_finished",
            Kind::TestsPassed => "tests_passed",
            Kind::TestsFailed => "tests_failed",
            Kind::BlockerOpened => "blocker_opened",
            Kind::BlockerFixed => "blocker_fixed",
            Kind::SignoffRequired => "signoff_required",
            Kind::SignoffGiven => "signoff_given",
            Kind::Usage => "usage",
            Kind::Metric => "metric",
            Kind::CrashFixLanded => "crash_fix_landed",
            Kind::FinalRc => "final_rc",
            Kind::Submitted => "submitted",
            Kind::ReviewApproved => "review_approved",
            Kind::ReviewRejected => "review_rejected",
            Kind::Rollout => "rollout",
            Kind::ItgcDone => "itgc_done",
            Kind::IncidentOpened => "incident_opened",
            Kind::IncidentFixed => "incident_fixed",
            Kind::Paused => "paused",
            Kind::Resumed => "resumed",
            Kind::Cancelled => "cancelled",
        }
    }

    /// The kind named `name`.
    pub fn parse(name: &str) -> Option<Kind> {
        Kind::ALL.into_iter().find(|k| k.as_str() == name)
    }

    /// The family of a world kind; `None` for the branch cut and changes of state.
    pub fn family(self) -> Option<Family> {
        Some(match self {
            Kind::BuildFinished | Kind::TestsPassed | Kind::TestsFailed => Family::Builds,
            Kind::BlockerOpened | Kind::BlockerFixed => Family::Blockers,
            Kind::SignoffRequired | Kind::SignoffGiven => Family::Signoff,
            Kind::Usage => Family::Usage,
            Kind::Metric | Kind::CrashFixLanded => Family::Metrics,
            Kind::ReviewApproved | Kind::ReviewRejected => Family::Reviews,
            Kind::ItgcDone | Kind::IncidentOpened | Kind::IncidentFixed => Family::RolloutChecks,
            _ => return None,
        })
    }
}

impl fmt::Display for Kind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// What an event refers to, as the engine logs it (see [`Ref::text`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Ref {
    /// Nothing.
    None,
    /// Blocking bug `n` of the track (`bug-n`).
    Bug(u32),
    /// Submission `n`'s review (`review-n`); a rejection's fix has the same id.
    Review(u32),
    /// Sign-off team `n` (`team-nn`).
    Team(u32),
    /// Build `n` (`build-n`).
    Build(u32),
    /// Crash-rate fix `n` (`crash-fix-n`).
    CrashFix(u32),
    /// The ITGC check of 1% rollout `n` (`rollout-n`).
    Rollout(u32),
    /// The incident of 1% rollout `n` (`incident-n`).
    Incident(u32),
    /// The crash-rate metric (`crash_rate`).
    CrashRate,
    /// Who changed the state (`robot`, `manual`, `world`).
    Actor(Actor),
}

impl Ref {
    /// The text written in a log's `ref` column.
    pub fn text(self) -> Option<String> {
        Some(match self {
            Ref::None => return None,
            Ref::Bug(n) => format!("bug-{n}"),
            Ref::Review(n) => format!("review-{n}"),
            Ref::Team(n) => format!("team-{n:02}"),
            Ref::Build(n) => format!("build-{n}"),
            Ref::CrashFix(n) => format!("crash-fix-{n}"),
            Ref::Rollout(n) => format!("rollout-{n}"),
            Ref::Incident(n) => format!("incident-{n}"),
            Ref::CrashRate => "crash_rate".into(),
            Ref::Actor(a) => a.as_str().into(),
        })
    }
}

/// One row of a track's history as the engine records it.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct LogEvent {
    /// When.
    pub at: Timestamp,
    /// What.
    pub kind: Kind,
    /// What it refers to.
    pub reference: Ref,
    /// Its value.
    pub value: Option<f64>,
}
