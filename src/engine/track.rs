//! The live state of one track, grouped by the evidence family each part belongs to, and
//! what the track shows from it: the gates that hold, its waiting-on label, its observations.
//!
//! Each event's handler touches its family's part (a blocker the blockers, a verdict the
//! review); the gates read across them.

use jiff::{SignedDuration, Timestamp};

use super::record::{
    BuildStatus, DefectSummary, Detail, Observation, Outcome, TrackResult, TransitionRecord,
};
use super::spans_only_working_days;
use crate::calendar::Calendar;
use crate::model::{Actor, Gate, GateSet, Kind, LogEvent, Ref, State, Step, WaitingOn};
use crate::world::recorded::Scripted;
use crate::world::{DefectDraw, SeasonTrack, TrackWorld};

/// The live state of one track.
pub(super) struct Track {
    /// What happens to the track whatever the policy.
    pub(super) world: Box<TrackWorld>,
    /// What the run records about it.
    pub(super) result: TrackResult,
    pub(super) state: State,
    pub(super) blockers: Blockers,
    pub(super) builds: Builds,
    pub(super) metrics: Metrics,
    pub(super) signoff: Signoff,
    pub(super) usage: Usage,
    pub(super) review: Review,
    pub(super) rollout: Rollout,
    /// Its severe defects and how far each got (not replayed as recorded).
    pub(super) defects: Defects,
    /// The policy's scheduled advance, if one.
    pub(super) pending: Option<Pending>,
    /// Replayed as it happened: the recorded changes of state.
    pub(super) script: Script,
    pub(super) label: Label,
}

/// Blocking bugs open on the branch (`no_blockers`).
#[derive(Default)]
pub(super) struct Blockers {
    /// Found and not yet fixed, including a store rejection's fix.
    pub(super) open: u32,
}

/// The branch's commits and the builds that test them (`build_green`).
pub(super) struct Builds {
    /// Commits landed (the cut is the first).
    pub(super) commits: u32,
    /// A build is running (a commit landing meanwhile waits for the next).
    pub(super) running: bool,
    /// Number of the latest build (1-based; 0 before any).
    pub(super) latest: u32,
    /// Status of the latest build.
    pub(super) status: BuildStatus,
    /// Commits the latest passed build contains.
    pub(super) green_commits: u32,
}

/// The latest passed build's crash rate and the fixes a breach starts (`crash_rate`).
#[derive(Default)]
pub(super) struct Metrics {
    /// Percent of sessions; `None` before any build passed.
    pub(super) crash_rate: Option<f64>,
    /// A crash fix is under way (a breach meanwhile starts no other).
    pub(super) fix_active: bool,
    /// Crash fixes started.
    pub(super) fixes: u32,
}

/// Manual regression sign-off (`signoff`).
pub(super) struct Signoff {
    /// Teams that signed off.
    pub(super) done: u32,
    /// Teams that must (those that did not opt out).
    pub(super) required: u32,
}

/// Beta usage (`beta_usage`).
#[derive(Default)]
pub(super) struct Usage {
    /// The usage threshold was reached.
    pub(super) enough: bool,
}

/// Store reviews (`store_approved`).
#[derive(Default)]
pub(super) struct Review {
    /// Entries into `submitted`; a verdict for an earlier one is stale.
    pub(super) submissions: u32,
    /// The current submission was approved.
    pub(super) approved: bool,
}

/// The staged rollout and its incidents (`bake`, `itgc`, `no_incident`).
#[derive(Default)]
pub(super) struct Rollout {
    /// Entries into `rollout_1`; an event of an earlier episode is stale.
    pub(super) episode: u32,
    /// The stage of the rollout plan this episode is at (0: the first); a bake of an
    /// earlier stage is stale.
    pub(super) stage: u32,
    /// The stage's percentage (kept when paused: the rollout halted there).
    pub(super) percent: u8,
    /// This stage's bake has passed.
    pub(super) bake_done: bool,
    /// This episode's ITGC check is done.
    pub(super) itgc_done: bool,
    /// A severe incident is open (one or more defects shown and noticed, not all fixed).
    pub(super) incident_open: bool,
    /// The open incident's fix: bumped whenever it is rescheduled (a second defect shown
    /// before the first's fix landed needs its own), so an earlier `IncidentFixed` is stale.
    pub(super) incident_fix: u32,
    /// When the open incident's fix lands (`None`: none scheduled).
    pub(super) incident_fixed_at: Option<Timestamp>,
}

/// A release's severe defects (docs/model.md §8, "Defects and the rings").
pub(super) struct Defects {
    /// Modelled at all: not a log replayed as it happened (its rings' catches are the
    /// record's).
    pub(super) modelled: bool,
    /// Those drawn at the cut, then each episode's production incident.
    pub(super) list: Vec<LiveDefect>,
    /// Bumped whenever the rate at which use shows them changes; a `DefectShows` event of
    /// an earlier epoch is stale.
    pub(super) epoch: u32,
    /// Since when use was last added up.
    pub(super) since: Timestamp,
}

/// One defect and how far it got.
pub(super) struct LiveDefect {
    pub(super) draw: DefectDraw,
    /// Use so far, in percent-seconds (1% of users for a second is one).
    pub(super) used: i64,
    /// Users' exposure so far, in percent-seconds.
    pub(super) exposure: i64,
    pub(super) fate: Fate,
    /// In users' hands: from its release's first rollout until a build without it replaces
    /// it for them.
    pub(super) in_production: bool,
}

/// Where a defect got to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Fate {
    /// Not found (yet).
    Latent,
    /// Shown at a stage below 100% and not noticed: 100% will show it at once.
    Unnoticed,
    /// Found by that ring.
    Caught(Ring),
}

/// The ring that finds a defect (docs/model.md §8).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Ring {
    /// The owning team's manual regression testing.
    Testing,
    /// Beta users.
    Beta,
    /// The store's review.
    Review,
    /// The rollout's first stage (1% in the default plan).
    FirstStage,
    /// A later stage below 100% (escaped: the staged rollout halts).
    LaterStage,
    /// Everyone (escaped: a hotfix).
    Everyone,
}

/// A scheduled policy advance.
#[derive(Debug, Clone, Copy)]
pub(super) struct Pending {
    pub(super) step: Step,
    /// Matches the scheduled `Advance` event; a withdrawn advance leaves a stale token.
    pub(super) token: u64,
    pub(super) actor: Actor,
    /// When the step's gates started to hold.
    pub(super) gates_since: Timestamp,
}

/// The recorded changes of state of a track replayed as it happened (empty otherwise).
pub(super) struct Script {
    /// In order.
    pub(super) changes: Vec<Scripted>,
    /// The index of the next one.
    pub(super) next: usize,
    /// Since when the next step's gates hold (for `wait_minutes`).
    pub(super) gates_since: Option<Timestamp>,
}

/// What settling compares against: the current waiting-on label and the last observation.
pub(super) struct Label {
    /// `None` once the track has ended.
    pub(super) on: Option<WaitingOn>,
    /// Since when it is `on`.
    pub(super) since: Timestamp,
    /// The last observation recorded ([`Detail::Full`] only).
    pub(super) last_observation: Option<Observation>,
}

impl Track {
    /// A new track of version number `version` on platform number `platform`, cut at `cut`.
    pub(super) fn new(
        source: SeasonTrack,
        version: u32,
        platform: usize,
        cut: Timestamp,
        defects_modelled: bool,
    ) -> Track {
        let world = source.world;
        let defects = Defects {
            modelled: defects_modelled,
            list: (world.defects.iter())
                .map(|d| LiveDefect::new(*d, false))
                .collect(),
            epoch: 0,
            since: cut,
        };
        let mut entered = [None; 7];
        entered[State::Branched.index()] = Some(cut);
        let result = TrackResult {
            version,
            platform,
            branch_cut: cut,
            entered,
            outcome: Outcome::Open,
            ended: cut,
            waiting: [SignedDuration::ZERO; WaitingOn::COUNT],
            blockers: 0,
            late_bugs: 0,
            rejections: 0,
            resubmissions: 0,
            pauses: 0,
            fixes_landed: 0,
            bugs_after_release: 0,
            fixes_after_release: 0,
            usage_after: world.usage_after,
            signoff_opted_out: world.signoff_opted_out,
            longest_weekday_manual_wait: SignedDuration::ZERO,
            world_fingerprint: world.fingerprint(),
            review_latencies: Vec::new(),
            recorded: world.recorded_families,
            absent: world.silent,
            hotfixes: None,
            defects: None,
            transitions: Vec::new(),
            timeline: Vec::new(),
            events: Vec::new(),
        };
        Track {
            signoff: Signoff {
                done: 0,
                required: world.signoff_efforts.len() as u32,
            },
            world,
            result,
            state: State::Branched,
            blockers: Blockers::default(),
            builds: Builds {
                commits: 0,
                running: false,
                latest: 0,
                status: BuildStatus::Running,
                green_commits: 0,
            },
            metrics: Metrics::default(),
            usage: Usage::default(),
            review: Review::default(),
            rollout: Rollout::default(),
            defects,
            pending: None,
            script: Script {
                changes: source.script,
                next: 0,
                gates_since: None,
            },
            label: Label {
                on: None,
                since: cut,
                last_observation: None,
            },
        }
    }

    /// Every gate that holds now (whether the next step needs it or not).
    pub(super) fn gates_held(&self, crash_rate_max_percent: f64) -> GateSet {
        let mut g = GateSet::EMPTY;
        g.set(Gate::NoBlockers, self.blockers.open == 0);
        g.set(Gate::BuildGreen, self.builds.green());
        g.set(Gate::Signoff, self.signoff.done >= self.signoff.required);
        g.set(
            Gate::CrashRate,
            self.metrics
                .crash_rate
                .is_some_and(|c| c <= crash_rate_max_percent),
        );
        g.set(Gate::BetaUsage, self.usage.enough);
        g.set(Gate::StoreApproved, self.review.approved);
        g.set(Gate::NoIncident, !self.rollout.incident_open);
        g.set(Gate::Bake, self.rollout.bake_done);
        g.set(Gate::Itgc, self.rollout.itgc_done);
        g
    }

    /// The label of a live track that needs `needed` while `held` hold (`unknown`: gates
    /// without evidence): the first failing gate's, else who acts next (docs/model.md §4).
    pub(super) fn waiting_on(&self, needed: GateSet, held: GateSet, unknown: GateSet) -> WaitingOn {
        let next_actor = match self.pending {
            Some(p) => Some(p.actor),
            None => self.script.changes.get(self.script.next).map(|s| s.actor),
        };
        match needed.iter().find(|g| !held.contains(*g)) {
            Some(g) if unknown.contains(g) => WaitingOn::Unknown,
            Some(g) => WaitingOn::for_gate(g),
            None => match next_actor {
                Some(Actor::Robot) => WaitingOn::RobotPoll,
                _ => WaitingOn::ManualAction,
            },
        }
    }

    /// Moves to `label` at `now`, adding the time since the last change to the old label
    /// (and to the longest weekday wait, for a `manual_action` wait on `squad`'s working
    /// days only).
    pub(super) fn relabel(&mut self, label: Option<WaitingOn>, now: Timestamp, squad: &Calendar) {
        if label == self.label.on {
            return;
        }
        if let Some(old) = self.label.on {
            let spent = now.duration_since(self.label.since);
            self.result.waiting[old.index()] += spent;
            if old == WaitingOn::ManualAction
                && spent > self.result.longest_weekday_manual_wait
                && spans_only_working_days(squad, self.label.since, now)
            {
                self.result.longest_weekday_manual_wait = spent;
            }
        }
        self.label.on = label;
        self.label.since = now;
    }

    /// Records an observation at `now` when any observable value changed since the last.
    pub(super) fn observe(&mut self, now: Timestamp, held: GateSet) {
        let rollout_percent = match self.state {
            State::Rollout1 | State::Paused => self.rollout.percent,
            s => s.rollout_percent(),
        };
        let obs = Observation {
            at: now,
            state: self.state,
            rollout_percent,
            waiting_on: self.label.on,
            open_blockers: self.blockers.open,
            signoffs_done: self.signoff.done,
            signoffs_required: self.signoff.required,
            latest_build: self.builds.latest,
            build_status: self.builds.status,
            crash_rate_percent: self.metrics.crash_rate,
            gates: held,
        };
        let changed = self.label.last_observation.as_ref().is_none_or(|last| {
            let mut same = obs.clone();
            same.at = last.at;
            same != *last
        });
        if changed {
            match self.result.timeline.last_mut() {
                // Two changes at one instant: keep only the final values.
                Some(last) if last.at == now => *last = obs.clone(),
                _ => self.result.timeline.push(obs.clone()),
            }
            self.label.last_observation = Some(obs);
        }
    }

    /// Records a change of state: its transition ([`Detail::Full`]) and its event-log row
    /// ([`Detail::Log`]); `percent` is a rollout row's value (the first stage's entering
    /// `rollout_1`).
    pub(super) fn record_change(&mut self, detail: Detail, change: TransitionRecord, percent: u8) {
        if detail == Detail::Log
            && let Some(kind) = log_kind(change.from, change.to, change.actor)
        {
            self.result.events.push(LogEvent {
                at: change.at,
                kind,
                reference: Ref::Actor(change.actor),
                value: (kind == Kind::Rollout).then(|| f64::from(percent)),
            });
        }
        if detail.full() {
            self.result.transitions.push(change);
        }
    }

    /// Appends one row to the track's event log ([`Detail::Log`] only).
    pub(super) fn log(
        &mut self,
        detail: Detail,
        at: Timestamp,
        kind: Kind,
        reference: Ref,
        value: Option<f64>,
    ) {
        if detail == Detail::Log {
            self.result.events.push(LogEvent {
                at,
                kind,
                reference,
                value,
            });
        }
    }
}

impl Track {
    /// What the release's defects came to (`None`: not modelled, a log replayed as it
    /// happened).
    pub(super) fn defect_summary(&self) -> Option<DefectSummary> {
        if !self.defects.modelled {
            return None;
        }
        let mut s = DefectSummary::default();
        for d in &self.defects.list {
            s.carried += 1;
            s.exposure_hours += d.exposure as f64 / 100.0 / 3600.0;
            match d.fate {
                Fate::Caught(Ring::Testing) => s.caught_testing += 1,
                Fate::Caught(Ring::Beta) => s.caught_beta += 1,
                Fate::Caught(Ring::Review) => s.caught_review += 1,
                Fate::Caught(Ring::FirstStage) => s.caught_first_stage += 1,
                Fate::Caught(Ring::LaterStage) => s.escaped_halted += 1,
                Fate::Caught(Ring::Everyone) => s.escaped_to_everyone += 1,
                Fate::Latent | Fate::Unnoticed => s.not_found += 1,
            }
        }
        Some(s)
    }
}

impl Builds {
    /// The latest passed build contains every commit, and there is one.
    fn green(&self) -> bool {
        self.green_commits == self.commits && self.commits > 0
    }
}

/// The event-log row of a change of state by `actor`; `None`: none (a rejection's return
/// to `final_rc` is the `review_rejected` row already logged).
fn log_kind(from: State, to: State, actor: Actor) -> Option<Kind> {
    match (from, to) {
        (State::Submitted, State::FinalRc) if actor == Actor::World => None,
        (_, State::FinalRc) => Some(Kind::FinalRc),
        (State::Paused, State::Submitted) => Some(Kind::Resumed),
        (_, State::Submitted) => Some(Kind::Submitted),
        (_, State::Rollout1 | State::Rollout100) => Some(Kind::Rollout),
        (_, State::Paused) => Some(Kind::Paused),
        (_, State::Cancelled) => Some(Kind::Cancelled),
        (_, State::Branched) => None,
    }
}
