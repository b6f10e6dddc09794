//! Named gates: the conditions a step needs, as the release dashboard shows them.

use enumset::{EnumSet, EnumSetType, enum_set};
use strum::{EnumCount, IntoStaticStr, VariantArray};

use super::Step;

/// One named condition. Each maps to one waiting-on label when it is the first to fail. Its
/// name is the variant in snake case (`NoBlockers` is `no_blockers`).
#[derive(Debug, PartialOrd, Ord, Hash, EnumSetType)]
#[enumset(repr = "u16")]
#[derive(IntoStaticStr, strum::Display, VariantArray, EnumCount)]
#[strum(serialize_all = "snake_case")]
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
    /// All gates in waiting-on precedence order (the declaration order): when several fail,
    /// the first one is what the track waits on.
    pub const ALL: [Gate; Gate::COUNT] = super::all(Gate::VARIANTS);

    /// The name used in scenarios (`[gates.<step>]` keys) and data (`gate_<name>` columns).
    pub fn as_str(self) -> &'static str {
        self.into()
    }

    /// The gates a step has by default, which a scenario may switch off one by one.
    pub fn defaults(step: Step) -> GateSet {
        GateSet(match step {
            Step::FinalRc => enum_set!(Gate::NoBlockers | Gate::BuildGreen),
            Step::Submit => enum_set!(
                Gate::NoBlockers
                    | Gate::BuildGreen
                    | Gate::Signoff
                    | Gate::CrashRate
                    | Gate::BetaUsage
            ),
            Step::Rollout1 => enum_set!(Gate::StoreApproved),
            Step::Rollout100 => enum_set!(Gate::Bake | Gate::NoIncident | Gate::Itgc),
        })
    }
}

/// A set of gates, as a bit set (bit i is `Gate::ALL[i]`; nine gates fit in a `u16`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct GateSet(EnumSet<Gate>);

impl GateSet {
    /// The empty set.
    pub const EMPTY: GateSet = GateSet(EnumSet::empty());

    /// True when `gate` is in the set.
    pub fn contains(self, gate: Gate) -> bool {
        self.0.contains(gate)
    }

    /// Adds or removes `gate`.
    pub fn set(&mut self, gate: Gate, on: bool) {
        if on {
            self.0.insert(gate);
        } else {
            self.0.remove(gate);
        }
    }

    /// True when every gate of `self` is in `other`.
    pub fn is_subset(self, other: GateSet) -> bool {
        self.0.is_subset(other.0)
    }

    /// The gates of `self` that are not in `other`.
    pub fn without(self, other: GateSet) -> GateSet {
        GateSet(self.0.difference(other.0))
    }

    /// The gates of the set, in precedence order.
    pub fn iter(self) -> impl Iterator<Item = Gate> {
        self.0.iter()
    }

    /// The raw bits (bit i is `Gate::ALL[i]`).
    pub fn bits(self) -> u16 {
        self.0.as_repr()
    }
}

impl From<EnumSet<Gate>> for GateSet {
    fn from(set: EnumSet<Gate>) -> Self {
        GateSet(set)
    }
}

impl FromIterator<Gate> for GateSet {
    fn from_iter<I: IntoIterator<Item = Gate>>(iter: I) -> Self {
        GateSet(iter.into_iter().collect())
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

    #[test]
    fn gate_names_and_bits_stay_as_they_were() {
        let names: Vec<&str> = Gate::ALL.iter().map(|g| g.as_str()).collect();
        assert_eq!(
            names,
            [
                "no_blockers",
                "build_green",
                "signoff",
                "crash_rate",
                "beta_usage",
                "store_approved",
                "no_incident",
                "bake",
                "itgc"
            ]
        );
        let mut set = Gate::defaults(Step::Rollout100);
        assert_eq!(set.bits(), 0b1_1100_0000);
        set.set(Gate::Bake, false);
        set.set(Gate::NoBlockers, true);
        assert_eq!(set.bits(), 0b1_0100_0001);
        assert_eq!(
            set.without(Gate::defaults(Step::FinalRc))
                .iter()
                .collect::<Vec<_>>(),
            [Gate::NoIncident, Gate::Itgc]
        );
        assert!(GateSet::EMPTY.is_subset(set) && !set.contains(Gate::Bake));
    }
}
