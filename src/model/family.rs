//! Evidence families: the kinds of evidence a history records (blockers, builds, metrics,
//! sign-off, usage, reviews, rollout checks), each the evidence for one or more gates. A
//! replayed log records some families and not others; the gates of an unrecorded family are
//! unknown.

use enumset::{EnumSet, EnumSetType, enum_set};
use strum::{EnumCount, IntoStaticStr, VariantArray};

use super::{Gate, GateSet};

/// A family of world kinds: the evidence for one or more gates. Its name is the variant in
/// snake case (`RolloutChecks` is `rollout_checks`).
#[derive(Debug, PartialOrd, Ord, Hash, EnumSetType, IntoStaticStr, VariantArray, EnumCount)]
#[enumset(repr = "u8")]
#[strum(serialize_all = "snake_case")]
#[allow(missing_docs)]
pub enum Family {
    Blockers,
    Builds,
    Metrics,
    Signoff,
    Usage,
    Reviews,
    RolloutChecks,
}

impl Family {
    /// Every family, in declaration order.
    pub const ALL: [Family; Family::COUNT] = super::all(Family::VARIANTS);

    /// The name used in messages and docs.
    pub fn as_str(self) -> &'static str {
        self.into()
    }

    /// The gates this family is the evidence for.
    pub fn gates(self) -> GateSet {
        GateSet::from(match self {
            Family::Blockers => enum_set!(Gate::NoBlockers),
            Family::Builds => enum_set!(Gate::BuildGreen),
            Family::Metrics => enum_set!(Gate::CrashRate),
            Family::Signoff => enum_set!(Gate::Signoff),
            Family::Usage => enum_set!(Gate::BetaUsage),
            Family::Reviews => enum_set!(Gate::StoreApproved),
            Family::RolloutChecks => enum_set!(Gate::Itgc | Gate::NoIncident),
        })
    }
}

/// A set of families.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
pub struct Families(EnumSet<Family>);

impl Families {
    /// Every family.
    pub const ALL: Families = Families(EnumSet::all());

    /// Adds `f`.
    pub fn insert(&mut self, f: Family) {
        self.0.insert(f);
    }

    /// True when `f` is in the set.
    pub fn contains(self, f: Family) -> bool {
        self.0.contains(f)
    }

    /// The families in the set, in [`Family::ALL`] order.
    pub fn iter(self) -> impl Iterator<Item = Family> {
        self.0.iter()
    }

    /// The families not in the set.
    pub fn complement(self) -> Families {
        Families(self.0.complement())
    }

    /// The gates of every family in the set.
    pub fn gates(self) -> GateSet {
        self.iter().flat_map(|f| f.gates().iter()).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn family_names_and_set_operations() {
        let names: Vec<&str> = Family::ALL.iter().map(|f| f.as_str()).collect();
        assert_eq!(
            names,
            [
                "blockers",
                "builds",
                "metrics",
                "signoff",
                "usage",
                "reviews",
                "rollout_checks"
            ]
        );
        let mut some = Families::default();
        some.insert(Family::Reviews);
        some.insert(Family::Blockers);
        assert!(some.contains(Family::Reviews) && !some.contains(Family::Usage));
        assert_eq!(
            some.iter().collect::<Vec<_>>(),
            [Family::Blockers, Family::Reviews]
        );
        assert_eq!(some.complement().iter().count(), 5);
        assert_eq!(Families::ALL.complement(), Families::default());
        assert_eq!(
            some.gates().iter().collect::<Vec<_>>(),
            [Gate::NoBlockers, Gate::StoreApproved]
        );
        assert_eq!(
            Families::ALL.gates().iter().count(),
            8,
            "every gate but bake"
        );
    }
}
