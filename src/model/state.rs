//! States, the steps a policy advances, and who moved a track.

use strum::{EnumCount, EnumString, IntoStaticStr, VariantArray};

/// The seven states of a release track.
///
/// The forward path is `branched → final_rc → submitted → rollout_1 → rollout_100`;
/// `paused` and `cancelled` are the two detours. `rollout_100` and `cancelled` are terminal.
/// Names are the variants in snake case, with the rollout percentages apart (`rollout_1`).
#[derive(IntoStaticStr, strum::Display, EnumString, VariantArray, EnumCount)]
#[strum(serialize_all = "snake_case")]
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum State {
    /// The release branch is cut; blockers are being fixed and builds tested.
    Branched,
    /// A release candidate that contains every branch commit passed its tests.
    FinalRc,
    /// Submitted for store review (or, with no store, handed to distribution).
    Submitted,
    /// Rolled out to 1% of users; baking.
    #[strum(serialize = "rollout_1")]
    Rollout1,
    /// Rolled out to everyone. Terminal: the release succeeded.
    #[strum(serialize = "rollout_100")]
    Rollout100,
    /// A severe incident at 1% halted the rollout; waits for a fixed build and a new review.
    Paused,
    /// Abandoned by the overlap rule. Terminal.
    Cancelled,
}

impl State {
    /// All states, in the order of the forward path then the detours (declaration order).
    pub const ALL: [State; State::COUNT] = super::all(State::VARIANTS);

    /// The name used in scenarios, data columns and reports.
    pub fn as_str(self) -> &'static str {
        self.into()
    }

    /// The state named `name`.
    pub fn parse(name: &str) -> Option<State> {
        name.parse().ok()
    }

    /// Position in [`State::ALL`]; handy for per-state arrays.
    pub fn index(self) -> usize {
        self as usize
    }

    /// True for `rollout_100` and `cancelled`: nothing happens to the track afterwards.
    pub fn is_terminal(self) -> bool {
        matches!(self, State::Rollout100 | State::Cancelled)
    }

    /// The share of users that has the release, in percent.
    pub fn rollout_percent(self) -> u8 {
        match self {
            State::Rollout1 | State::Paused => 1,
            State::Rollout100 => 100,
            _ => 0,
        }
    }

    /// The allowed graph. Every change of state the engine makes is checked against it.
    ///
    /// `submitted → final_rc` is a store rejection (the fix goes into a new candidate);
    /// `paused → submitted` is the fixed build going through a new review. Any live state may
    /// be cancelled.
    pub fn can_go_to(self, to: State) -> bool {
        use State::*;
        match (self, to) {
            (Branched, FinalRc)
            | (FinalRc, Submitted)
            | (Submitted, Rollout1)
            | (Submitted, FinalRc)
            | (Rollout1, Rollout100)
            | (Rollout1, Paused)
            | (Paused, Submitted) => true,
            (from, Cancelled) => !from.is_terminal(),
            _ => false,
        }
    }

    /// The policy-driven step that leaves this state, if any.
    pub fn next_step(self) -> Option<Step> {
        match self {
            State::Branched => Some(Step::FinalRc),
            State::FinalRc | State::Paused => Some(Step::Submit),
            State::Submitted => Some(Step::Rollout1),
            State::Rollout1 => Some(Step::Rollout100),
            State::Rollout100 | State::Cancelled => None,
        }
    }
}

/// A rule-based forward step: the transitions a policy assigns to the robot or to people.
///
/// Rejections (world), pauses and cancellations (always people) are not steps.
#[derive(IntoStaticStr, strum::Display, EnumString, VariantArray, EnumCount)]
#[strum(serialize_all = "snake_case")]
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Step {
    /// `branched → final_rc`.
    FinalRc,
    /// `final_rc → submitted`, and `paused → submitted` for a fixed build.
    Submit,
    /// `submitted → rollout_1`, once the store approved.
    #[strum(serialize = "rollout_1")]
    Rollout1,
    /// `rollout_1 → rollout_100`.
    #[strum(serialize = "rollout_100")]
    Rollout100,
}

impl Step {
    /// All steps in process order (declaration order).
    pub const ALL: [Step; Step::COUNT] = super::all(Step::VARIANTS);

    /// The name used in scenarios (policy keys, gate sections) and data.
    pub fn as_str(self) -> &'static str {
        self.into()
    }

    /// Position in [`Step::ALL`].
    pub fn index(self) -> usize {
        self as usize
    }

    /// The state this step leads to.
    pub fn target(self) -> State {
        match self {
            Step::FinalRc => State::FinalRc,
            Step::Submit => State::Submitted,
            Step::Rollout1 => State::Rollout1,
            Step::Rollout100 => State::Rollout100,
        }
    }

    /// Parses a step name as written in a scenario.
    pub fn parse(name: &str) -> Option<Step> {
        name.parse().ok()
    }
}

/// Who made a change of state.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, IntoStaticStr, strum::Display,
)]
#[strum(serialize_all = "snake_case")]
pub enum Actor {
    /// The release robot, at a five-minute poll.
    Robot,
    /// A person of the release squad, inside the squad's working hours.
    Manual,
    /// The world: store rejections (pauses and cancellations are people's decisions,
    /// `Manual` under every policy).
    World,
}

impl Actor {
    /// The name used in data and reports.
    pub fn as_str(self) -> &'static str {
        self.into()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_forward_path_is_allowed_and_skipping_is_not() {
        assert!(State::Branched.can_go_to(State::FinalRc));
        assert!(State::Rollout1.can_go_to(State::Rollout100));
        assert!(!State::Branched.can_go_to(State::Submitted));
        assert!(!State::FinalRc.can_go_to(State::Rollout1));
        assert!(!State::Paused.can_go_to(State::Rollout1));
    }

    #[test]
    fn terminal_states_go_nowhere() {
        for to in State::ALL {
            assert!(!State::Rollout100.can_go_to(to));
            assert!(!State::Cancelled.can_go_to(to));
        }
    }

    #[test]
    fn every_step_target_is_reachable_from_a_state_whose_next_step_it_is() {
        for from in State::ALL {
            if let Some(step) = from.next_step() {
                assert!(from.can_go_to(step.target()), "{from} -> {}", step.target());
            }
        }
    }

    #[test]
    fn step_names_round_trip() {
        for s in Step::ALL {
            assert_eq!(Step::parse(s.as_str()), Some(s));
        }
        assert_eq!(Step::parse("rollout_50"), None);
    }

    #[test]
    fn names_are_the_ones_in_files() {
        let states: Vec<&str> = State::ALL.iter().map(|s| s.as_str()).collect();
        assert_eq!(
            states,
            [
                "branched",
                "final_rc",
                "submitted",
                "rollout_1",
                "rollout_100",
                "paused",
                "cancelled"
            ]
        );
        let steps: Vec<&str> = Step::ALL.iter().map(|s| s.as_str()).collect();
        assert_eq!(steps, ["final_rc", "submit", "rollout_1", "rollout_100"]);
        let actors = [Actor::Robot, Actor::Manual, Actor::World].map(Actor::as_str);
        assert_eq!(actors, ["robot", "manual", "world"]);
        for s in State::ALL {
            assert_eq!(State::parse(s.as_str()), Some(s));
            assert_eq!(s.to_string(), s.as_str());
            assert_eq!(s.index(), s as usize);
        }
        assert_eq!(State::parse("rollout1"), None);
    }
}
