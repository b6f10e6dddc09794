//! Named gates: the conditions a step needs, as the release dashboard shows them.

use std::fmt;

use super::Step;

/// One named condition. Each maps to one waiting-on label when it is the first to fail.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Gate {
    /// No blocking bug is open.
    NoBlockers,
    /// The latest build contains every branch commit and passed its automated tests.
    BuildGreen,
    /// Every team that did not opt out of manual regression testing signed off.
    Signoff,
    /// The latest green build's crash rate is at or under the threshold.
    CrashRate,
    /// Beta users have used the version enough ("enough content played").
    BetaUsage,
    /// The store approved the current submission.
    StoreApproved,
    /// No severe incident is open. Checked before `bake`: an open incident matters more.
    NoIncident,
    /// The minimum bake time at 1% has elapsed.
    Bake,
    /// The ITGC check (client-to-backend reporting) is done for this rollout.
    Itgc,
}

impl Gate {
    /// All gates in waiting-on precedence order: when several fail, the first one is what the
    /// track waits on.
    pub const ALL: [Gate; 9] = [
        Gate::NoBlockers,
        Gate::BuildGreen,
        Gate::Signoff,
        Gate::CrashRate,
        Gate::BetaUsage,
        Gate::StoreApproved,
        Gate::NoIncident,
        Gate::Bake,
        Gate::Itgc,
    ];

    /// The name used in scenarios (`[gates.<step>]` keys) and data (`gate_<name>` columns).
    pub fn as_str(self) -> &'static str {
        match self {
            Gate::NoBlockers => "no_blockers",
            Gate::BuildGreen => "build_green",
            Gate::Signoff => "signoff",
            Gate::CrashRate => "crash_rate",
            Gate::BetaUsage => "beta_usage",
            Gate::StoreApproved => "store_approved",
            Gate::Bake => "bake",
            Gate::NoIncident => "no_incident",
            Gate::Itgc => "itgc",
        }
    }

    fn bit(self) -> u16 {
        1 << (self as u16)
    }

    /// The gates a step has by default, which a scenario may switch off one by one.
    pub fn defaults(step: Step) -> GateSet {
        let gates: &[Gate] = match step {
            Step::FinalRc => &[Gate::NoBlockers, Gate::BuildGreen],
            Step::Submit => &[
                Gate::NoBlockers,
                Gate::BuildGreen,
                Gate::Signoff,
                Gate::CrashRate,
                Gate::BetaUsage,
            ],
            Step::Rollout1 => &[Gate::StoreApproved],
            Step::Rollout100 => &[Gate::Bake, Gate::NoIncident, Gate::Itgc],
        };
        gates.iter().copied().collect()
    }
}

impl fmt::Display for Gate {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A set of gates, as a bit set (nine gates fit in a `u16`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct GateSet(u16);

impl GateSet {
    /// The empty set.
    pub const EMPTY: GateSet = GateSet(0);

    /// True when `gate` is in the set.
    pub fn contains(self, gate: Gate) -> bool {
        self.0 & gate.bit() != 0
    }

    /// Adds or removes `gate`.
    pub fn set(&mut self, gate: Gate, on: bool) {
        if on {
            self.0 |= gate.bit();
        } else {
            self.0 &= !gate.bit();
        }
    }

    /// True when every gate of `self` is in `other`.
    pub fn is_subset(self, other: GateSet) -> bool {
        self.0 & !other.0 == 0
    }

    /// The gates of `self` that are not in `other`.
    pub fn without(self, other: GateSet) -> GateSet {
        GateSet(self.0 & !other.0)
    }

    /// The gates of the set, in precedence order.
    pub fn iter(self) -> impl Iterator<Item = Gate> {
        Gate::ALL.into_iter().filter(move |g| self.contains(*g))
    }

    /// The raw bits (bit i is `Gate::ALL[i]`).
    pub fn bits(self) -> u16 {
        self.0
    }
}

impl FromIterator<Gate> for GateSet {
    fn from_iter<I: IntoIterator<Item = Gate>>(iter: I) -> Self {
        let mut set = GateSet::EMPTY;
        for g in iter {
            set.set(g, true);
        }
        set
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn precedence_order_is_the_declaration_order() {
        for (i, g) in Gate::ALL.iter().enumerate() {
            assert_eq!(*g as usize, i);
        }
    }

    #[test]
    fn subset_and_iteration() {
        let submit = Gate::defaults(Step::Submit);
        let final_rc = Gate::defaults(Step::FinalRc);
        assert!(final_rc.is_subset(submit));
        assert!(!submit.is_subset(final_rc));
        assert_eq!(
            final_rc.iter().collect::<Vec<_>>(),
            vec![Gate::NoBlockers, Gate::BuildGreen]
        );
    }
}
