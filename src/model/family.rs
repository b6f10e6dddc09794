//! Evidence families: the kinds of evidence a history records (blockers, builds, metrics,
//! sign-off, usage, reviews, rollout checks), each the evidence for one or more gates. A
//! replayed log records some families and not others; the gates of an unrecorded family are
//! unknown.

use super::{Gate, GateSet};

/// A family of world kinds: the evidence for one or more gates.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
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
    /// Every family.
    pub const ALL: [Family; 7] = [
        Family::Blockers,
        Family::Builds,
        Family::Metrics,
        Family::Signoff,
        Family::Usage,
        Family::Reviews,
        Family::RolloutChecks,
    ];

    /// The name used in messages and docs.
    pub fn as_str(self) -> &'static str {
        match self {
            Family::Blockers => "blockers",
            Family::Builds => "builds",
            Family::Metrics => "metrics",
            Family::Signoff => "signoff",
            Family::Usage => "usage",
            Family::Reviews => "reviews",
            Family::RolloutChecks => "rollout_checks",
        }
    }

    /// The gates this family is the evidence for.
    pub fn gates(self) -> GateSet {
        let g: &[Gate] = match self {
            Family::Blockers => &[Gate::NoBlockers],
            Family::Builds => &[Gate::BuildGreen],
            Family::Metrics => &[Gate::CrashRate],
            Family::Signoff => &[Gate::Signoff],
            Family::Usage => &[Gate::BetaUsage],
            Family::Reviews => &[Gate::StoreApproved],
            Family::RolloutChecks => &[Gate::Itgc, Gate::NoIncident],
        };
        g.iter().copied().collect()
    }
}

/// A set of families.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
pub struct Families(u8);

impl Families {
    /// Every family.
    pub const ALL: Families = Families(0x7f);

    /// Adds `f`.
    pub fn insert(&mut self, f: Family) {
        self.0 |= 1 << f as u8;
    }

    /// True when `f` is in the set.
    pub fn contains(self, f: Family) -> bool {
        self.0 & (1 << f as u8) != 0
    }

    /// The families in the set, in [`Family::ALL`] order.
    pub fn iter(self) -> impl Iterator<Item = Family> {
        Family::ALL.into_iter().filter(move |f| self.contains(*f))
    }

    /// The families not in the set.
    pub fn complement(self) -> Families {
        Families(!self.0 & Self::ALL.0)
    }

    /// The gates of every family in the set.
    pub fn gates(self) -> GateSet {
        let mut g = GateSet::EMPTY;
        for f in self.iter() {
            for gate in f.gates().iter() {
                g.set(gate, true);
            }
        }
        g
    }
}
