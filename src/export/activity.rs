//! The activity model: an activity log is cases, a case is a track's activities in time
//! order, and an activity is a merged stretch of segments of one state (and, in waiting-on
//! mode, one label).

use crate::model::{State, WaitingOn, short_label};

/// What one activity of the log is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum ActivityKind {
    /// A state (`branched`, `submitted`, …): consecutive segments of one state are one
    /// activity, whatever the track waited on meanwhile.
    #[default]
    State,
    /// A waiting-on label (`store_review`, `manual_action`, …) within one state: consecutive
    /// segments of the same state and label are one activity. A label that carries on across
    /// a change of state starts a new activity, so every activity has one `state`.
    WaitingOn,
}

impl ActivityKind {
    /// The name used on the command line and in the XES log's `activity` attribute.
    pub fn as_str(self) -> &'static str {
        match self {
            ActivityKind::State => "state",
            ActivityKind::WaitingOn => "waiting-on",
        }
    }
}

/// How an activity instance is written as events.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Lifecycle {
    /// One event per activity, `lifecycle:transition = complete`, its start in
    /// `time:start_timestamp`: PM4Py's interval form (`get_service_time` with
    /// `start_timestamp_key`), Celonis' and Disco's start/end columns.
    #[default]
    Interval,
    /// Two events per activity, `start` at its start and `complete` at its end (the XES
    /// standard lifecycle model): tools that measure a case from its first to its last event
    /// (PM4Py's case durations) then see the whole track.
    StartComplete,
}

impl Lifecycle {
    /// The name used on the command line and in the XES log's `lifecycle` attribute.
    pub fn as_str(self) -> &'static str {
        match self {
            Lifecycle::Interval => "interval",
            Lifecycle::StartComplete => "start-complete",
        }
    }

    /// The events of `a`: each lifecycle transition with its time, in time order.
    pub(super) fn events(self, a: &Activity) -> impl Iterator<Item = (&'static str, i64)> {
        let skip = match self {
            Lifecycle::Interval => 1,
            Lifecycle::StartComplete => 0,
        };
        [("start", a.start_ms), ("complete", a.end_ms)]
            .into_iter()
            .skip(skip)
    }
}

/// A whole activity log: every case of the exported policies, in the dataset's order.
#[derive(Debug, Clone, PartialEq)]
pub struct ActivityLog {
    /// What an activity is.
    pub activity: ActivityKind,
    /// How an activity is written as events.
    pub lifecycle: Lifecycle,
    /// The cases.
    pub cases: Vec<Case>,
}

/// One case: a track of one run, from its branch cut to 100% or cancellation.
#[derive(Debug, Clone, PartialEq)]
pub struct Case {
    /// The scenario's name (may be empty).
    pub scenario: String,
    /// The policy.
    pub policy: String,
    /// The world's seed.
    pub seed: u64,
    /// The version's number in the season (a simulated season's are 0-based).
    pub version: u32,
    /// Its label (`8.9.2`; a simulated version's is its number).
    pub version_label: String,
    /// The platform.
    pub platform: String,
    /// The evidence families the case's world drew from the scenario because the replayed
    /// log lacks them (a counterfactual of a partial log), space-separated; empty when its
    /// times rest on the record or it is a simulation.
    pub assumed: String,
    /// The activities, in time order; they tile `[branch cut, end)`.
    pub activities: Vec<Activity>,
}

impl Case {
    /// The case id: `{scenario}/{policy}/seed={seed}/{version}/{platform}`, the version
    /// as [`short_label`] shows its label (`v3`, `v8.9.2`, `v104.0.0`), without the
    /// `{scenario}/` prefix when the scenario has no name.
    pub fn id(&self) -> String {
        let tail = format!(
            "{}/seed={}/{}/{}",
            self.policy,
            self.seed,
            short_label(&self.version_label),
            self.platform
        );
        if self.scenario.is_empty() {
            tail
        } else {
            format!("{}/{tail}", self.scenario)
        }
    }
}

/// One stretch of a case with a constant state (and, in waiting-on mode, label).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Activity {
    /// Start, milliseconds since the Unix epoch, inclusive.
    pub start_ms: i64,
    /// Complete, milliseconds since the Unix epoch, exclusive (the next activity's start).
    pub end_ms: i64,
    /// The state throughout.
    pub state: State,
    /// In waiting-on mode the label throughout; in state mode the label the state waited
    /// on longest (the earliest of equals).
    pub waiting_on: WaitingOn,
}

impl Activity {
    /// The activity's name (`concept:name`): its state or its label.
    pub fn name(&self, kind: ActivityKind) -> &'static str {
        match kind {
            ActivityKind::State => self.state.as_str(),
            ActivityKind::WaitingOn => self.waiting_on.as_str(),
        }
    }

    /// Duration in hours.
    pub fn hours(&self) -> f64 {
        (self.end_ms - self.start_ms) as f64 / 3_600_000.0
    }
}

/// One row of the `segments` table, within its case.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct Segment {
    /// Start, milliseconds since the Unix epoch, inclusive.
    pub(super) start_ms: i64,
    /// End, milliseconds since the Unix epoch, exclusive.
    pub(super) end_ms: i64,
    /// The state throughout.
    pub(super) state: State,
    /// The label throughout.
    pub(super) waiting_on: WaitingOn,
}

/// Merges a case's segments (in time order) into activities: consecutive, contiguous
/// segments with the same state (and, in waiting-on mode, the same label) become one.
pub(super) fn merge(segments: &[Segment], kind: ActivityKind) -> Vec<Activity> {
    let same = |a: &Segment, b: &Segment| {
        a.end_ms == b.start_ms
            && a.state == b.state
            && (kind == ActivityKind::State || a.waiting_on == b.waiting_on)
    };
    segments
        .chunk_by(same)
        .map(|run| {
            // The label waited on longest; `max_by_key` keeps the last of equals, so walk
            // the labels in reverse order of first appearance.
            let mut totals: Vec<(WaitingOn, i64)> = Vec::new();
            for s in run {
                match totals.iter_mut().find(|(l, _)| *l == s.waiting_on) {
                    Some((_, ms)) => *ms += s.end_ms - s.start_ms,
                    None => totals.push((s.waiting_on, s.end_ms - s.start_ms)),
                }
            }
            let waiting_on = totals
                .iter()
                .rev()
                .max_by_key(|(_, ms)| *ms)
                .map_or(run[0].waiting_on, |(l, _)| *l);
            Activity {
                start_ms: run[0].start_ms,
                end_ms: run[run.len() - 1].end_ms,
                state: run[0].state,
                waiting_on,
            }
        })
        .collect()
}

#[cfg(test)]
pub(super) mod tests {
    use super::*;

    const H: i64 = 3_600_000;

    fn seg(start_h: i64, end_h: i64, state: State, waiting_on: WaitingOn) -> Segment {
        Segment {
            start_ms: start_h * H,
            end_ms: end_h * H,
            state,
            waiting_on,
        }
    }

    fn names(acts: &[Activity], kind: ActivityKind) -> Vec<(&'static str, i64, i64)> {
        acts.iter()
            .map(|a| (a.name(kind), a.start_ms / H, a.end_ms / H))
            .collect()
    }

    /// branched: bug_fix 0-3, build 3-4, manual 4-5; final_rc: manual 5-6, signoff 6-9.
    pub(in crate::export) fn track() -> Vec<Segment> {
        use State::*;
        use WaitingOn::*;
        vec![
            seg(0, 3, Branched, BugFix),
            seg(3, 4, Branched, BuildAndTest),
            seg(4, 5, Branched, ManualAction),
            seg(5, 6, FinalRc, ManualAction),
            seg(6, 9, FinalRc, Signoff),
        ]
    }

    #[test]
    fn state_mode_merges_consecutive_segments_of_a_state() {
        let acts = merge(&track(), ActivityKind::State);
        assert_eq!(
            names(&acts, ActivityKind::State),
            [("branched", 0, 5), ("final_rc", 5, 9)]
        );
        // The label each state waited on longest.
        assert_eq!(acts[0].waiting_on, WaitingOn::BugFix);
        assert_eq!(acts[1].waiting_on, WaitingOn::Signoff);
        assert_eq!(acts[0].hours(), 5.0);
    }

    #[test]
    fn waiting_on_mode_keeps_one_state_per_activity() {
        // A (state, label) stretch split in two is merged back.
        let mut segs = track();
        segs[0].end_ms = H;
        segs.insert(1, seg(1, 3, State::Branched, WaitingOn::BugFix));
        let acts = merge(&segs, ActivityKind::WaitingOn);
        assert_eq!(
            names(&acts, ActivityKind::WaitingOn),
            [
                ("bug_fix", 0, 3),
                ("build_and_test", 3, 4),
                ("manual_action", 4, 5),
                ("manual_action", 5, 6),
                ("signoff", 6, 9),
            ]
        );
        assert_eq!(acts[3].state, State::FinalRc);
    }

    #[test]
    fn label_ties_go_to_the_earliest_label() {
        use WaitingOn::*;
        let segs = [
            seg(0, 2, State::Branched, Signoff),
            seg(2, 4, State::Branched, BugFix),
        ];
        let acts = merge(&segs, ActivityKind::State);
        assert_eq!(acts[0].waiting_on, Signoff);
    }

    #[test]
    fn a_gap_is_never_merged_over() {
        use WaitingOn::*;
        let segs = [
            seg(0, 2, State::Branched, BugFix),
            seg(3, 4, State::Branched, BugFix),
        ];
        assert_eq!(merge(&segs, ActivityKind::State).len(), 2);
        assert_eq!(merge(&segs, ActivityKind::WaitingOn).len(), 2);
    }

    #[test]
    fn case_ids_name_the_scenario_when_it_has_a_name() {
        let mut case = Case {
            scenario: "baseline".into(),
            policy: "robot".into(),
            seed: 7,
            version: 3,
            version_label: "3".into(),
            assumed: String::new(),
            platform: "ios".into(),
            activities: vec![],
        };
        assert_eq!(case.id(), "baseline/robot/seed=7/v3/ios");
        case.scenario.clear();
        assert_eq!(case.id(), "robot/seed=7/v3/ios");
    }
}
