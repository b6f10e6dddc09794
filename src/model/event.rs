//! What happens to a track, as events: the kinds a history records ([`Kind`]), what an
//! event refers to ([`Ref`]) and one row of a track's history ([`LogEvent`]). The engine
//! records them ([`crate::engine::Detail::Log`]); event logs read and write them.

use jiff::Timestamp;
use strum::{EnumCount, EnumString, IntoStaticStr, VariantArray};

use super::{Actor, Family};

/// What an event says happened. The names in files are the variants in snake case
/// (`BranchCut` is `branch_cut`), derived by strum.
#[derive(IntoStaticStr, strum::Display, EnumString, VariantArray, EnumCount)]
#[strum(serialize_all = "snake_case")]
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[allow(missing_docs)] // each kind is documented in docs/formats.md under its name
pub enum Kind {
    BranchCut,
    /// The recorded start of a cycle without a release branch (trunk-based: the first
    /// release candidate, a version bump, a tag on main); it takes the branch cut's place.
    CycleStarted,
    BuildFinished,
    TestsPassed,
    TestsFailed,
    BlockerOpened,
    BlockerFixed,
    /// A fix landed on the branch for a bug whose opening the log does not record (git
    /// shows when a fix landed, not when the bug was found): a commit, and no evidence of
    /// when `no_blockers` held, so it belongs to no family.
    FixLanded,
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
    /// After the release (100%): users found a bug a point release must fix (the
    /// report's time, when the log knows it; `ref` is its id).
    HotfixOpened,
    /// After the release: a point release (`ref` = its label, e.g. `8.9.2`) reached users.
    PointRelease,
}

impl Kind {
    /// Every kind, in declaration order.
    pub const ALL: [Kind; Kind::COUNT] = super::all(Kind::VARIANTS);

    /// The name used in files.
    pub fn as_str(self) -> &'static str {
        self.into()
    }

    /// The kind named `name`.
    pub fn parse(name: &str) -> Option<Kind> {
        name.parse().ok()
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
    /// A simulated hotfix `n` of its release (1-based): its reported defect and fix
    /// (`hotfix-n`).
    Hotfix(u32),
    /// The point release of simulated hotfix `n` of version `version` (`VERSION.n`).
    PointRelease {
        /// The version number its log rows carry.
        version: u32,
        /// The hotfix.
        n: u32,
    },
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
            Ref::Hotfix(n) => format!("hotfix-{n}"),
            Ref::PointRelease { version, n } => format!("{version}.{n}"),
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kind_names_are_the_ones_in_files() {
        let names: Vec<&str> = Kind::ALL.iter().map(|k| k.as_str()).collect();
        assert_eq!(
            names,
            [
                "branch_cut",
                "cycle_started",
                "build_finished",
                "tests_passed",
                "tests_failed",
                "blocker_opened",
                "blocker_fixed",
                "fix_landed",
                "signoff_required",
                "signoff_given",
                "usage",
                "metric",
                "crash_fix_landed",
                "final_rc",
                "submitted",
                "review_approved",
                "review_rejected",
                "rollout",
                "itgc_done",
                "incident_opened",
                "incident_fixed",
                "paused",
                "resumed",
                "cancelled",
                "hotfix_opened",
                "point_release",
            ]
        );
        for k in Kind::ALL {
            assert_eq!(Kind::parse(k.as_str()), Some(k));
            assert_eq!(k.to_string(), k.as_str());
        }
        assert_eq!(Kind::parse("Branch_Cut"), None);
        assert_eq!(Kind::parse(""), None);
    }
}
