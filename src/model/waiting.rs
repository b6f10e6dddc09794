//! Waiting-on labels: at every instant a live track waits on exactly one thing.

use strum::{EnumCount, EnumString, IntoStaticStr, VariantArray};

use super::Gate;

/// What a live track waits on. Bottlenecks and hours saved are sums of these labels.
///
/// The first failing gate of the next step decides the label (gates are checked in
/// [`Gate::ALL`] order); when every gate holds the track waits on whoever advances it.
///
/// Names are the variants in snake case (`BuildAndTest` is `build_and_test`).
#[derive(IntoStaticStr, strum::Display, EnumString, VariantArray, EnumCount)]
#[strum(serialize_all = "snake_case")]
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum WaitingOn {
    /// A blocking bug is open (also a store rejection's fix).
    BugFix,
    /// A build with every branch commit is building or being tested.
    BuildAndTest,
    /// Teams still run manual regression tests.
    Signoff,
    /// The latest build crashes too often; a fix is under way.
    CrashRate,
    /// Beta users have not used the version enough yet.
    BetaUsage,
    /// The store is reviewing the submission.
    StoreReview,
    /// A severe incident at 1% is being fixed (before and while paused).
    PauseFix,
    /// The minimum time at 1% has not elapsed.
    Bake,
    /// The ITGC check has not finished.
    Itgc,
    /// Every gate holds; a person of the release squad has not advanced yet.
    ManualAction,
    /// Every gate holds; the robot advances at its next five-minute poll.
    RobotPoll,
    /// A replayed log has no evidence for the gate that decides (docs/model.md, "Recorded
    /// weeks").
    Unknown,
}

impl WaitingOn {
    /// All labels, in precedence order (the declaration order).
    pub const ALL: [WaitingOn; WaitingOn::COUNT] = super::all(WaitingOn::VARIANTS);

    /// Number of labels (strum's count, kept here so callers need no strum import).
    pub const COUNT: usize = <WaitingOn as EnumCount>::COUNT;

    /// The label a failing gate gives.
    pub fn for_gate(gate: Gate) -> WaitingOn {
        match gate {
            Gate::NoBlockers => WaitingOn::BugFix,
            Gate::BuildGreen => WaitingOn::BuildAndTest,
            Gate::Signoff => WaitingOn::Signoff,
            Gate::CrashRate => WaitingOn::CrashRate,
            Gate::BetaUsage => WaitingOn::BetaUsage,
            Gate::StoreApproved => WaitingOn::StoreReview,
            Gate::Bake => WaitingOn::Bake,
            Gate::NoIncident => WaitingOn::PauseFix,
            Gate::Itgc => WaitingOn::Itgc,
        }
    }

    /// The name used in data and reports.
    pub fn as_str(self) -> &'static str {
        self.into()
    }

    /// The label named `name`.
    pub fn parse(name: &str) -> Option<WaitingOn> {
        name.parse().ok()
    }

    /// Position in [`WaitingOn::ALL`].
    pub fn index(self) -> usize {
        self as usize
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn gate_labels_keep_gate_precedence() {
        let labels: Vec<_> = Gate::ALL.into_iter().map(WaitingOn::for_gate).collect();
        let mut sorted = labels.clone();
        sorted.sort();
        assert_eq!(labels, sorted);
        for (i, l) in WaitingOn::ALL.iter().enumerate() {
            assert_eq!(l.index(), i);
        }
    }

    #[test]
    fn label_names_are_the_ones_in_files() {
        let names: Vec<&str> = WaitingOn::ALL.iter().map(|l| l.as_str()).collect();
        assert_eq!(
            names,
            [
                "bug_fix",
                "build_and_test",
                "signoff",
                "crash_rate",
                "beta_usage",
                "store_review",
                "pause_fix",
                "bake",
                "itgc",
                "manual_action",
                "robot_poll",
                "unknown"
            ]
        );
        assert_eq!(WaitingOn::COUNT, 12);
        for l in WaitingOn::ALL {
            assert_eq!(WaitingOn::parse(l.as_str()), Some(l));
        }
    }
}
