//! What a run records about each track: its transitions, its timeline of observable values,
//! and a summary.

use jiff::{SignedDuration, Timestamp};

use crate::model::LogEvent;
use crate::model::{Actor, Families, Family, GateSet, State, WaitingOn};
use crate::world::recorded::RecordedHotfix;

/// How much a run keeps.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Detail {
    /// Summaries only (what the summary table needs).
    Summary,
    /// Summaries plus every transition and the full timeline (what datasets need).
    Full,
    /// [`Detail::Full`] plus the history as event-log rows (`simulate --event-log`).
    Log,
}

impl Detail {
    /// True when transitions and the timeline are kept.
    pub fn full(self) -> bool {
        matches!(self, Detail::Full | Detail::Log)
    }
}

/// One change of state.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TransitionRecord {
    /// The state left.
    pub from: State,
    /// The state entered.
    pub to: State,
    /// When.
    pub at: Timestamp,
    /// Who made it.
    pub actor: Actor,
    /// For policy steps: when the step's gates last started to hold. The advance waited
    /// `at - gates_passed_at`.
    pub gates_passed_at: Option<Timestamp>,
    /// Every gate that held at the moment of the change (whether the step needs it or not).
    pub gates_held: GateSet,
}

impl TransitionRecord {
    /// Minutes between the gates passing and the advance; `None` for non-policy changes.
    pub fn wait_minutes(&self) -> Option<f64> {
        self.gates_passed_at
            .map(|g| self.at.duration_since(g).as_secs_f64() / 60.0)
    }
}

/// The status of the latest build, as the dashboard shows it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BuildStatus {
    /// Building or testing.
    Running,
    /// Passed its automated tests.
    Passed,
    /// Failed its tests (a flaky failure; a rerun follows).
    Failed,
}

impl BuildStatus {
    /// The name used in data.
    pub fn as_str(self) -> &'static str {
        match self {
            BuildStatus::Running => "running",
            BuildStatus::Passed => "passed",
            BuildStatus::Failed => "failed",
        }
    }
}

/// Every observable value of a track from `at` until the next observation.
#[derive(Debug, Clone, PartialEq)]
pub struct Observation {
    /// From when these values hold.
    pub at: Timestamp,
    /// The state.
    pub state: State,
    /// The share of users that has the release, in percent: the rollout plan's stage in
    /// `rollout_1` (and the stage it was halted at in `paused`), else the state's.
    pub rollout_percent: u8,
    /// What the track waits on; `None` once terminal.
    pub waiting_on: Option<WaitingOn>,
    /// Open blocking bugs (including a rejection's fix).
    pub open_blockers: u32,
    /// Teams that signed off.
    pub signoffs_done: u32,
    /// Teams that must sign off.
    pub signoffs_required: u32,
    /// Number of the latest build (1-based; 0 before any).
    pub latest_build: u32,
    /// Status of the latest build.
    pub build_status: BuildStatus,
    /// Crash rate of the latest green build, percent of sessions; `None` before one.
    pub crash_rate_percent: Option<f64>,
    /// Every gate that holds.
    pub gates: GateSet,
}

/// A stretch of time with one state and one waiting-on label.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Segment {
    /// Start, inclusive.
    pub start: Timestamp,
    /// End, exclusive.
    pub end: Timestamp,
    /// The state.
    pub state: State,
    /// The label.
    pub waiting_on: WaitingOn,
}

/// The end of a track.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// Reached 100%.
    Shipped,
    /// Cancelled by the overlap rule (or, replayed, as the log says).
    Cancelled,
    /// Still in progress when the season ended (right-censored): a replayed log's last
    /// releases, or a world that cannot finish (a fix that never lands, a person who is
    /// never at work). Neither shipped nor cancelled, so left out of success rates and
    /// counted apart; `ended` is when the season ended (docs/model.md, §6).
    Open,
}

impl Outcome {
    /// The name used in data.
    pub fn as_str(self) -> &'static str {
        match self {
            Outcome::Shipped => "shipped",
            Outcome::Cancelled => "cancelled",
            Outcome::Open => "open",
        }
    }
}

/// One track of one run: one version on one platform.
#[derive(Debug, Clone)]
pub struct TrackResult {
    /// Version number within the season (0-based).
    pub version: u32,
    /// Index into the scenario's platforms.
    pub platform: usize,
    /// The branch cut.
    pub branch_cut: Timestamp,
    /// First entry into each state, indexed by [`State::index`].
    pub entered: [Option<Timestamp>; 7],
    /// How the track ended.
    pub outcome: Outcome,
    /// When it ended.
    pub ended: Timestamp,
    /// Time per waiting-on label, indexed by [`WaitingOn::index`]. Sums to `ended - branch_cut`.
    pub waiting: [SignedDuration; WaitingOn::COUNT],
    /// Blocking bugs found before submission.
    pub blockers: u32,
    /// Bugs found after submission (they ride the next train).
    pub late_bugs: u32,
    /// Store rejections.
    pub rejections: u32,
    /// Submissions after the first (after rejections and pauses).
    pub resubmissions: u32,
    /// Pauses at 1%.
    pub pauses: u32,
    /// Recorded fixes whose bug's opening the log does not record (`fix_landed`) that landed
    /// during the cycle.
    pub fixes_landed: u32,
    /// Bugs of the world found only after the release (a shipped track): a counterfactual's
    /// recorded bugs that fall after its earlier release, or drawn bugs a simulation's
    /// release outran. They ride the next train or need a hotfix; none vanishes.
    pub bugs_after_release: u32,
    /// Recorded `fix_landed` commits that fall after the release (a counterfactual that ships
    /// before the history's fix landed).
    pub fixes_after_release: u32,
    /// Wall-clock time from branch cut to beta usage being enough (`None`: never, or a
    /// replayed log without usage events).
    pub usage_after: Option<SignedDuration>,
    /// Teams that opted out of sign-off.
    pub signoff_opted_out: u32,
    /// Longest `manual_action` wait that spans only the squad's working days (see
    /// docs/model.md, "weekday wait").
    pub longest_weekday_manual_wait: SignedDuration,
    /// [`crate::world::TrackWorld::fingerprint`] of the track's world.
    pub world_fingerprint: u64,
    /// Store review latencies, in order (for world-equality checks and reports).
    pub review_latencies: Vec<SignedDuration>,
    /// Where each evidence family of the track's world came from: the families a record
    /// replaced, and those that did not happen at all (replayed as recorded, unrecorded);
    /// the rest were drawn from the scenario ([`TrackResult::evidence`]).
    pub recorded: Families,
    /// See [`TrackResult::recorded`].
    pub absent: Families,
    /// The hotfixes after the release, when the run models them (a log replayed as it
    /// happened); `None` when it does not (a simulation, a counterfactual) or the track did
    /// not ship.
    pub hotfixes: Option<Vec<RecordedHotfix>>,
    /// What the release's severe defects came to; `None` where they are not modelled (a
    /// log replayed as it happened).
    pub defects: Option<DefectSummary>,
    /// Every change of state ([`Detail::Full`] only).
    pub transitions: Vec<TransitionRecord>,
    /// Every change of observable values ([`Detail::Full`] only).
    pub timeline: Vec<Observation>,
    /// The track's history as event-log rows, in the order they happened ([`Detail::Log`]
    /// only).
    pub events: Vec<LogEvent>,
}

/// What one release's severe defects came to (docs/model.md §8, "Defects and the rings").
#[derive(Debug, Clone, Default, PartialEq)]
pub struct DefectSummary {
    /// Defects the release carried: those drawn at its cut and each rollout episode's
    /// production incident.
    pub carried: u32,
    /// Found by the owning team's manual testing (a blocker).
    pub caught_testing: u32,
    /// Found by beta users (a blocker).
    pub caught_beta: u32,
    /// Found by the store's review (a rejection).
    pub caught_review: u32,
    /// Shown and noticed at the rollout's first stage (a pause).
    pub caught_first_stage: u32,
    /// Escaped to a later stage below 100%, which halted.
    pub escaped_halted: u32,
    /// Escaped to everyone (a hotfix).
    pub escaped_to_everyone: u32,
    /// Not found by the track's end (a cancelled or open release; never in users' hands,
    /// or in them without showing yet).
    pub not_found: u32,
    /// Users' exposure: the share of users holding a build with a defect times the hours
    /// they hold it, summed over the defects.
    pub exposure_hours: f64,
}

impl DefectSummary {
    /// Escaped past the rollout's first stage: to a later stage or to everyone.
    pub fn escaped(&self) -> u32 {
        self.escaped_halted + self.escaped_to_everyone
    }
}

/// What a released track's hotfixes add up to (the `cycles` table's hotfix columns).
#[derive(Debug, Clone, PartialEq)]
pub struct HotfixSummary {
    /// Point releases shipped after the release.
    pub point_releases: u32,
    /// Their labels, in order, space-separated (`8.9.1 8.9.2`).
    pub labels: String,
    /// Fixes landed after the release.
    pub fixes: u32,
    /// When the first point release shipped.
    pub first_at: Option<Timestamp>,
    /// From the release (100%) to the first point release, in hours.
    pub hours_to_first: Option<f64>,
    /// From the first hotfix's reported bug to its point release, in hours; `None` when the
    /// log does not record the report (or nothing shipped).
    pub restore_hours: Option<f64>,
    /// A hotfix is still open at the record's end (fixes or a report, no point release).
    pub open: bool,
}

fn hours_between(a: Timestamp, b: Timestamp) -> f64 {
    b.duration_since(a).as_secs_f64() / 3600.0
}

/// Where a family's evidence came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Evidence {
    /// The history recorded it.
    Recorded,
    /// The scenario's distributions supplied it (a simulation, or a counterfactual filling
    /// what the log lacks): an assumption.
    Drawn,
    /// Nobody supplied it: replayed as recorded, a family the log lacks does not happen and
    /// its gates are unknown.
    Absent,
}

impl Evidence {
    /// The name in tables and JSON.
    pub fn as_str(self) -> &'static str {
        match self {
            Evidence::Recorded => "recorded",
            Evidence::Drawn => "drawn",
            Evidence::Absent => "absent",
        }
    }
}

impl TrackResult {
    /// Where `family`'s evidence came from.
    pub fn evidence(&self, family: Family) -> Evidence {
        if self.recorded.contains(family) {
            Evidence::Recorded
        } else if self.absent.contains(family) {
            Evidence::Absent
        } else {
            Evidence::Drawn
        }
    }

    /// The hotfixes after the release, summed up; `None` when the run does not model them.
    pub fn hotfix_summary(&self) -> Option<HotfixSummary> {
        let hotfixes = self.hotfixes.as_ref()?;
        let released: Vec<&RecordedHotfix> = hotfixes
            .iter()
            .filter(|h| h.released_at.is_some())
            .collect();
        let first = released.first();
        let first_at = first.and_then(|h| h.released_at);
        let labels: Vec<&str> = released.iter().filter_map(|h| h.label.as_deref()).collect();
        Some(HotfixSummary {
            point_releases: released.len() as u32,
            labels: labels.join(" "),
            fixes: hotfixes.iter().map(|h| h.fixes).sum(),
            first_at,
            hours_to_first: first_at.map(|at| hours_between(self.ended, at)),
            restore_hours: first.and_then(|h| Some(hours_between(h.reported_at?, h.released_at?))),
            open: hotfixes.iter().any(|h| h.released_at.is_none()),
        })
    }

    /// How often the track entered a stage of its rollout below 100% (each widening, and each
    /// new 1% episode after a pause), and the highest percentage below 100 it reached
    /// (`None`: never in `rollout_1`); from the timeline ([`Detail::Full`]).
    pub fn rollout_stages(&self) -> (u32, Option<u8>) {
        let (mut entries, mut top) = (0, None::<u8>);
        let mut prev: Option<(State, u8)> = None;
        for o in &self.timeline {
            if o.state == State::Rollout1 {
                if prev != Some((State::Rollout1, o.rollout_percent)) {
                    entries += 1;
                }
                top = Some(top.map_or(o.rollout_percent, |t| t.max(o.rollout_percent)));
            }
            prev = Some((o.state, o.rollout_percent));
        }
        (entries, top)
    }

    /// Branch cut to 100%, in hours; `None` when cancelled or open.
    pub fn cycle_hours(&self) -> Option<f64> {
        match self.outcome {
            Outcome::Shipped => {
                Some(self.ended.duration_since(self.branch_cut).as_secs_f64() / 3600.0)
            }
            Outcome::Cancelled | Outcome::Open => None,
        }
    }

    /// Hours spent on `label`.
    pub fn waiting_hours(&self, label: WaitingOn) -> f64 {
        self.waiting[label.index()].as_secs_f64() / 3600.0
    }

    /// The timeline as segments of constant state and label ([`Detail::Full`] only).
    pub fn segments(&self) -> Vec<Segment> {
        let mut out: Vec<Segment> = Vec::new();
        for (i, o) in self.timeline.iter().enumerate() {
            let Some(label) = o.waiting_on else { break };
            let end = self.timeline.get(i + 1).map_or(self.ended, |n| n.at);
            match out.last_mut() {
                Some(s) if s.state == o.state && s.waiting_on == label && s.end == o.at => {
                    s.end = end
                }
                _ => out.push(Segment {
                    start: o.at,
                    end,
                    state: o.state,
                    waiting_on: label,
                }),
            }
        }
        out.retain(|s| s.end > s.start);
        out
    }
}

/// Everything one run (scenario × policy × seed) produced.
#[derive(Debug, Clone)]
pub struct RunResult {
    /// The policy's name.
    pub policy: String,
    /// The seed.
    pub seed: u64,
    /// Tracks in (version, platform) order.
    pub tracks: Vec<TrackResult>,
}
