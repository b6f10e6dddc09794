//! Waiting-on labels: at every instant a live track waits on exactly one thing.

use std::fmt;

use super::Gate;

/// What a live track waits on. Bottlenecks and hours saved are sums of these labels.
///
/// The first failing gate of the next step decides the label (gates are checked in
/// [`Gate::ALL`] order); when every gate holds the track waits on whoever advances it.
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
    /// All labels, in precedence order.
    pub const ALL: [WaitingOn; 12] = [
        WaitingOn::BugFix,
        WaitingOn::BuildAndTest,
        WaitingOn::Signoff,
        WaitingOn::CrashRate,
        WaitingOn::BetaUsage,
        WaitingOn::StoreReview,
        WaitingOn::PauseFix,
        WaitingOn::Bake,
        WaitingOn::Itgc,
        WaitingOn::ManualAction,
        WaitingOn::RobotPoll,
        WaitingOn::Unknown,
    ];

    /// Number of labels.
    pub const COUNT: usize = 12;

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
        match self {
            WaitingOn::BugFix => "bug_fix",
            WaitingOn::BuildAndTest => "build_and_test",
            WaitingOn::Signoff => "signoff",
            WaitingOn::CrashRate => "crash_rate",
            WaitingOn::BetaUsage => "beta_usage",
            WaitingOn::StoreReview => "store_review",
            WaitingOn::Bake => "bake",
            WaitingOn::PauseFix => "pause_fix",
            WaitingOn::Itgc => "itgc",
            WaitingOn::ManualAction => "manual_action",
            WaitingOn::RobotPoll => "robot_poll",
            WaitingOn::Unknown => "unknown",
        }
    }

    /// Position in [`WaitingOn::ALL`].
    pub fn index(self) -> usize {
        self as usize
    }
}

impl fmt::Display for WaitingOn {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
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
}
