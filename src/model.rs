//! The release model's vocabulary: the seven states a track moves through, the policy-driven
//! steps between them, the named gates each step needs, who acts, the waiting-on labels,
//! the evidence families behind the gates and the events of a track's history.
//!
//! Everything here is plain data with no behaviour that depends on a scenario; the engine
//! ([`crate::engine`]) gives it life and the scenario ([`crate::scenario`]) configures it.

mod event;
mod family;
mod gate;
mod state;
mod version;
mod waiting;

pub use event::{Kind, LogEvent, Ref};
pub use family::{Families, Family};
pub use gate::{Gate, GateSet};
pub use state::{Actor, State, Step};
pub use version::{MAX_LABEL_CHARS, VersionLabels, compare_labels, label_error, short_label};
pub use waiting::WaitingOn;

/// A platform's name, e.g. `android`. The list is the scenario's; any name works.
pub type Platform = String;

/// Every variant of an enum as an array, from strum's `VARIANTS` slice (declaration order):
/// the model's `ALL` arrays are iterated by value and sized for per-state tables.
/// `N` is the enum's `COUNT`, so the slice always has exactly `N` variants.
const fn all<T: Copy, const N: usize>(variants: &[T]) -> [T; N] {
    match variants.first_chunk() {
        Some(all) => *all,
        None => panic!("fewer variants than COUNT"),
    }
}
