//! The release model's vocabulary: the seven states a track moves through, the policy-driven
//! steps between them, the named gates each step needs, who acts, and the waiting-on labels.
//!
//! Everything here is plain data with no behaviour that depends on a scenario; the engine
//! ([`crate::engine`]) gives it life and the scenario ([`crate::scenario`]) configures it.

mod gate;
mod state;
mod waiting;

pub use gate::{Gate, GateSet};
pub use state::{Actor, State, Step};
pub use waiting::WaitingOn;

/// A platform's name, e.g. `android`. The list is the scenario's; any name works.
pub type Platform = String;
