//! The event-driven engine: one season of consecutive versions under one policy and seed.
//!
//! The engine jumps from event to event (a min-heap on time, then insertion order; see
//! [`EventQueue`]); it never steps minute by minute. After every event it *settles* the track the
//! event touched: it re-evaluates the gates of the track's next step, schedules (or
//! withdraws) the advance the policy makes once they hold, and updates the waiting-on label.
//! An advance is a scheduled event carrying a token; if the gates stop holding before it
//! fires, the token is withdrawn and the advance does nothing.
//!
//! [`run`] takes a season's world ([`SeasonWorld`]), built before the engine starts: drawn
//! from the scenario, or recorded and overlaid on the draws (docs/model.md, "Recorded
//! weeks"). The engine never sees where it came from; only the world's [`Mode`] tells it
//! who changes the tracks' states: the policy and people ([`Mode::Simulate`],
//! [`Mode::Counterfactual`]) or the record itself, each change at its instant
//! ([`Mode::AsRecorded`]).
//!
//! The code follows the loop: `events` holds the events and one handler for each, `states`
//! what entering each state starts, `track` a track's state by evidence family and what it
//! shows (gates, label, observations); this file runs the loop and settles tracks.
//!
//! **The season's end.** A simulated season ends [`SEASON_GRACE_CADENCES`] cadences after its
//! extra cut (the one past the last version); events after that are not handled, and a
//! track still live then ends [`Outcome::Open`]. Every instant is computed with
//! checked arithmetic: a moment that cannot be computed (or that a calendar never reaches)
//! never happens, so a world that cannot finish ends open instead of panicking,
//! hanging or landing a fix at once.
//!
//! Invariants (checked by property tests in `tests/`): every change of state follows
//! [`State::can_go_to`]; a policy step happens only while its gates hold; a manual advance,
//! pause or cancel happens inside the working hours of its platform's release squad; a robot
//! advance happens at the first five-minute poll at or after its gates start to hold.

mod defects;
mod events;
mod queue;
mod record;
mod states;
mod track;

pub use queue::EventQueue;
pub use record::{
    BuildStatus, DefectSummary, Detail, Evidence, HotfixSummary, Observation, Outcome, RunResult,
    Segment, TrackResult, TransitionRecord,
};

use jiff::{SignedDuration, Timestamp};

use crate::calendar::Calendar;
use crate::model::{Actor, Gate, GateSet, Kind, Ref, State, Step};
use crate::scenario::limits::SEASON_GRACE_CADENCES;
use crate::scenario::{Policy, Scenario};
use crate::world::{Mode, SeasonWorld};
use events::Event;
use track::{Pending, Track};

/// The robot polls every five minutes, at :00, :05, … UTC.
pub const POLL_SECONDS: i64 = 300;

/// Runs one season of `world` under `policy` (its seed, versions and cuts are the world's).
/// Replayed as it happened ([`Mode::AsRecorded`]), `policy` only names the run.
pub fn run(scenario: &Scenario, policy: &Policy, world: SeasonWorld, detail: Detail) -> RunResult {
    let mut engine = Engine::new(scenario, policy, world, detail);
    engine.run();
    engine.finish()
}

/// When a season whose extra cut is `extra_cut` ends: [`SEASON_GRACE_CADENCES`] cadences
/// later (the latest instant when that cannot be computed).
pub fn season_end(scenario: &Scenario, extra_cut: Timestamp) -> Timestamp {
    let days = SEASON_GRACE_CADENCES * i64::from(scenario.season.cadence_weeks) * 7;
    extra_cut
        .checked_add(SignedDuration::from_hours(days * 24))
        .unwrap_or(Timestamp::MAX)
}

/// The name of the policy that replays a log as it happened.
pub const RECORDED_POLICY: &str = "recorded";

/// The policy that replays a log as it happened (its actors are never consulted: every
/// change of state comes from the log).
pub fn recorded_policy() -> Policy {
    Policy {
        name: RECORDED_POLICY.into(),
        actors: [Actor::Manual; 4],
    }
}

struct Engine<'a> {
    sc: &'a Scenario,
    policy: &'a Policy,
    /// The tracks not cut yet; each is taken out at its cut.
    world: SeasonWorld,
    mode: Mode,
    weeks: u32,
    detail: Detail,
    queue: EventQueue<Event>,
    /// Indexed by `version * platforms + platform`; `None` before the track's cut.
    tracks: Vec<Option<Track>>,
    next_token: u64,
    /// When the season ends (`None`: when the queue runs dry, replaying as it happened).
    end: Option<Timestamp>,
    /// The instant of the last event handled.
    last_now: Timestamp,
}

impl<'a> Engine<'a> {
    fn new(sc: &'a Scenario, policy: &'a Policy, world: SeasonWorld, detail: Detail) -> Self {
        let mode = world.mode();
        let cuts = world.cuts();
        // The season ends `SEASON_GRACE_CADENCES` after its extra cut; replayed as it
        // happened, it ends with the record instead (see `finish`).
        let end = match mode {
            Mode::AsRecorded => None,
            Mode::Simulate | Mode::Counterfactual => {
                cuts.last().map(|extra| season_end(sc, *extra))
            }
        };
        let mut queue = EventQueue::default();
        // One cut past the last version: the overlap rule still judges the last release.
        for (version, cut) in cuts.iter().enumerate() {
            queue.push(
                *cut,
                Event::BranchCut {
                    version: version as u32,
                },
            );
        }
        let last_now = cuts.first().copied().unwrap_or(Timestamp::UNIX_EPOCH);
        let weeks = world.versions().len() as u32;
        let n = weeks as usize * sc.platforms.len();
        Engine {
            sc,
            policy,
            world,
            mode,
            weeks,
            detail,
            queue,
            tracks: (0..n).map(|_| None).collect(),
            next_token: 0,
            end,
            last_now,
        }
    }

    fn run(&mut self) {
        let mut previous = None;
        while let Some((now, event)) = self.queue.pop() {
            if self.end.is_some_and(|end| now > end) {
                break;
            }
            // Every delay is at least zero, so nothing is scheduled before the event that
            // schedules it and the clock never goes back.
            debug_assert!(
                previous.is_none_or(|p| p <= now),
                "time went back: {previous:?} then {now}"
            );
            previous = Some(now);
            self.last_now = now;
            self.handle(now, event);
        }
    }

    /// Ends the run: every track still live ends [`Outcome::Open`] at the season's
    /// end (replayed as it happened: the record's last event).
    fn finish(mut self) -> RunResult {
        let end = self
            .end
            .or(self.world.last_recorded())
            .unwrap_or(self.last_now);
        let open: Vec<usize> = (self.tracks.iter().enumerate())
            .filter(|(_, t)| t.as_ref().is_some_and(|t| !t.state.is_terminal()))
            .map(|(i, _)| i)
            .collect();
        for i in open {
            let at = self.track(i).map_or(end, |t| end.max(t.label.since));
            self.accrue(at, i);
        }
        for t in self.tracks.iter_mut().flatten() {
            if t.state.is_terminal() {
                continue;
            }
            t.result.defects = t.defect_summary();
            // A label that changed after the end (a replay's engine timer, such as a bake
            // ending past the log's last event) is closed at that change. An observation
            // after the end with the same state and label merges into the last segment.
            let ended = end.max(t.label.since);
            if let Some(label) = t.label.on.take() {
                t.result.waiting[label.index()] += ended.duration_since(t.label.since);
            }
            t.label.since = ended;
            t.pending = None;
            t.result.outcome = Outcome::Open;
            t.result.ended = ended;
        }
        RunResult {
            policy: self.policy.name.clone(),
            seed: self.world.seed(),
            tracks: self
                .tracks
                .into_iter()
                .flatten()
                .map(|t| t.result)
                .collect(),
        }
    }

    /// `from + d`, if that instant exists and the season has not ended by then; `None`: it
    /// never happens.
    fn later(&self, from: Timestamp, d: SignedDuration) -> Option<Timestamp> {
        later_than(self.end, from, d)
    }

    /// Schedules `event` at `from + d`, unless that is never (see [`Engine::later`]).
    fn push_after(&mut self, from: Timestamp, d: SignedDuration, event: Event) {
        if let Some(at) = self.later(from, d) {
            self.queue.push(at, event);
        }
    }

    fn track(&mut self, i: usize) -> Option<&mut Track> {
        self.tracks.get_mut(i).and_then(Option::as_mut)
    }

    /// The live track `i`, or `None` when it does not exist or has ended (its leftover events
    /// are then ignored).
    fn live(&mut self, i: usize) -> Option<&mut Track> {
        self.track(i).filter(|t| !t.state.is_terminal())
    }

    /// The platform of track `i` (tracks are indexed `version * platforms + platform`).
    fn platform(&self, i: usize) -> usize {
        i % self.sc.platforms.len()
    }

    /// The latest instant a calendar walk needs to reach.
    fn walk_limit(&self) -> Timestamp {
        self.end.unwrap_or(Timestamp::MAX)
    }

    /// When a person of the release squad acts on something that became due at `due`: the
    /// first working moment, plus a reaction time spent in working hours. `None`: nobody is
    /// at work before the season ends (the decision is never taken).
    fn human_time(&mut self, i: usize, due: Timestamp) -> Option<Timestamp> {
        let sc = self.sc;
        let reaction = match self.track(i) {
            Some(t) => t.world.next_reaction(sc),
            None => SignedDuration::ZERO,
        };
        let squad = self.sc.release_squad_of(self.platform(i));
        let at = squad
            .next_working(due)
            .and_then(|t| squad.add_working_until(t, reaction, self.walk_limit()))?;
        self.later(at, SignedDuration::ZERO)
    }

    /// When working time `effort` of track `i`'s feature teams (its platform's calendar)
    /// started at `from` is done; `None`: not before the season ends (the work never lands).
    fn team_time(&self, i: usize, from: Timestamp, effort: SignedDuration) -> Option<Timestamp> {
        let done = self
            .sc
            .feature_teams_of(self.platform(i))
            .add_working_until(from, effort, self.walk_limit())?;
        self.later(done, SignedDuration::ZERO)
    }

    /// Appends one row to track `i`'s event log ([`Detail::Log`] only).
    fn log(&mut self, i: usize, at: Timestamp, kind: Kind, reference: Ref, value: Option<f64>) {
        let detail = self.detail;
        if let Some(t) = self.track(i) {
            t.log(detail, at, kind, reference, value);
        }
    }

    /// Re-evaluates track `i` after an event: schedules or withdraws its advance (replayed
    /// as it happened: notes since when its gates hold), updates the waiting-on label and
    /// records an observation when anything visible changed.
    fn settle(&mut self, now: Timestamp, i: usize) {
        let Some(t) = self.tracks.get(i).and_then(Option::as_ref) else {
            return;
        };
        let unknown = t.world.silent.gates();
        // Gates a replayed log has no evidence for read as not holding.
        let held = t
            .gates_held(self.sc.thresholds.crash_rate_max_percent)
            .without(unknown);
        let needed = track_gates_needed(self.sc, self.platform(i), t);
        let state = t.state;
        let ok = needed.is_subset(held);
        match self.mode {
            Mode::AsRecorded => self.note_gates(now, i, ok),
            Mode::Simulate | Mode::Counterfactual => self.schedule_advance(now, i, ok),
        }
        let squad = self.sc.release_squad_of(self.platform(i));
        let detail = self.detail;
        // Not `live`: a track that just ended still closes its last label here.
        let Some(t) = self.tracks.get_mut(i).and_then(Option::as_mut) else {
            return;
        };
        let label = (!state.is_terminal()).then(|| t.waiting_on(needed, held, unknown));
        t.relabel(label, now, squad);
        if detail.full() {
            t.observe(now, held);
        }
    }

    /// Replayed as it happened, no advance is scheduled: settling only notes since when the
    /// next step's gates hold (`ok`: they do now), for `wait_minutes`.
    fn note_gates(&mut self, now: Timestamp, i: usize, ok: bool) {
        if let Some(t) = self.track(i) {
            if !ok || t.state.is_terminal() {
                t.script.gates_since = None;
            } else if t.script.gates_since.is_none() {
                t.script.gates_since = Some(now);
            }
        }
    }

    /// Once the next step's gates hold (`ok`), schedules the policy's advance with a fresh
    /// token; when they stop holding, withdraws it (the `Advance` event then finds a stale
    /// token and does nothing).
    fn schedule_advance(&mut self, now: Timestamp, i: usize, ok: bool) {
        let (sc, policy, platform) = (self.sc, self.policy, self.platform(i));
        let Some(t) = self.track(i) else { return };
        if t.state.is_terminal() {
            return;
        }
        let next = next_move(sc, policy, platform, t);
        match (ok, t.pending.is_some()) {
            (true, false) => {
                let Some((step, actor)) = next else { return };
                let at = match actor {
                    Actor::Robot => self.later(next_poll(now), SignedDuration::ZERO),
                    // The store's phased release widens by itself, at the end of the day.
                    Actor::World => self.later(now, SignedDuration::ZERO),
                    Actor::Manual => self.human_time(i, now),
                };
                let token = self.next_token;
                self.next_token += 1;
                // An advance that can never happen stays pending: the track waits on its
                // actor until the season ends.
                if let Some(at) = at {
                    self.queue.push(at, Event::Advance { track: i, token });
                }
                if let Some(t) = self.track(i) {
                    t.pending = Some(Pending {
                        step,
                        token,
                        actor,
                        gates_since: now,
                    });
                }
            }
            (false, true) => t.pending = None,
            (true, true) | (false, false) => {}
        }
    }
}

/// The gates track `t` (on platform `platform`) needs for its next step: in `rollout_1`,
/// those of the step out of its stage (docs/model.md §9: a stage below the last partial one
/// needs `rollout_100`'s gates but `itgc`; a phased release only the day's `bake`).
fn track_gates_needed(sc: &Scenario, platform: usize, t: &Track) -> GateSet {
    let plan = sc.rollout_plan(platform);
    match t.state {
        State::Rollout1 if plan.phased => [Gate::Bake].into_iter().collect(),
        State::Rollout1 if plan.stage_gates(t.rollout.stage as usize).is_some() => plan
            .stage_gates(t.rollout.stage as usize)
            .unwrap_or_default(),
        State::Rollout1 if !plan.is_last_partial(t.rollout.stage as usize) => sc
            .gates(Step::Rollout100)
            .without([Gate::Itgc].into_iter().collect()),
        s => gates_needed(sc, s),
    }
}

/// The gates a track on platform `platform` (an index into `platforms`; `None`: unknown)
/// in `state` at `percent` needs for its next step, as [`track_gates_needed`] decides them
/// from the stage whose percentage that is (the dashboard's reading of a snapshot).
pub fn gates_needed_at(
    sc: &Scenario,
    platform: Option<usize>,
    state: State,
    percent: u32,
) -> GateSet {
    let plan = platform.map(|p| sc.rollout_plan(p));
    let stage = plan.and_then(|plan| {
        plan.stages
            .iter()
            .position(|s| u32::from(s.percent) == percent)
    });
    match (state, plan, stage) {
        (State::Rollout1, Some(plan), _) if plan.phased => [Gate::Bake].into_iter().collect(),
        (State::Rollout1, Some(plan), Some(stage)) if plan.stage_gates(stage).is_some() => {
            plan.stage_gates(stage).unwrap_or_default()
        }
        (State::Rollout1, Some(plan), Some(stage)) if !plan.is_last_partial(stage) => sc
            .gates(Step::Rollout100)
            .without([Gate::Itgc].into_iter().collect()),
        _ => gates_needed(sc, state),
    }
}

/// Track `t`'s next forward step and who takes it. In `rollout_1` below its last partial
/// stage the step is `rollout_1` again (widening), by the policy's `rollout_1` actor; a
/// phased release's every step is the store's ([`Actor::World`]).
fn next_move(sc: &Scenario, policy: &Policy, platform: usize, t: &Track) -> Option<(Step, Actor)> {
    let plan = sc.rollout_plan(platform);
    let step = match t.state {
        State::Rollout1 if !plan.is_last_partial(t.rollout.stage as usize) => Step::Rollout1,
        s => s.next_step()?,
    };
    let actor = match t.state {
        State::Rollout1 if plan.phased => Actor::World,
        _ => policy.actor(step),
    };
    Some((step, actor))
}

/// The gates that must hold before a track in `state` takes its next step (in `rollout_1`:
/// the step to 100%; a staged rollout's earlier stages need fewer, docs/model.md §9).
pub fn gates_needed(scenario: &Scenario, state: State) -> GateSet {
    match state {
        // A paused release resumes through a fixed, tested build.
        State::Paused => [Gate::NoIncident, Gate::BuildGreen].into_iter().collect(),
        _ => state
            .next_step()
            .map_or(GateSet::EMPTY, |s| scenario.gates(s)),
    }
}

/// `from + d`, if that instant exists and is not after the season's `end`.
fn later_than(end: Option<Timestamp>, from: Timestamp, d: SignedDuration) -> Option<Timestamp> {
    from.checked_add(d)
        .ok()
        .filter(|t| end.is_none_or(|end| *t <= end))
}

/// Track `i` if it exists and has not ended; borrows only the track list, so the queue stays
/// usable alongside.
fn live_mut(tracks: &mut [Option<Track>], i: usize) -> Option<&mut Track> {
    tracks
        .get_mut(i)
        .and_then(Option::as_mut)
        .filter(|t| !t.state.is_terminal())
}

/// The first robot poll at or after `t`.
pub fn next_poll(t: Timestamp) -> Timestamp {
    let s = t.as_second();
    let rem = s.rem_euclid(POLL_SECONDS);
    let whole = if rem == 0 && t.subsec_nanosecond() == 0 {
        s
    } else {
        s - rem + POLL_SECONDS
    };
    Timestamp::from_second(whole).unwrap_or(t)
}

/// True when every local date from `a` to `b` (inclusive) is a working day of `cal`: the
/// wait did not stretch over a weekend or holiday.
pub fn spans_only_working_days(cal: &Calendar, a: Timestamp, b: Timestamp) -> bool {
    let (mut d, end) = (cal.local_date(a), cal.local_date(b));
    loop {
        if !cal.is_working_day(d) {
            return false;
        }
        if d >= end {
            return true;
        }
        match d.tomorrow() {
            Ok(n) => d = n,
            Err(_) => return true,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn polls_are_on_five_minute_boundaries_at_or_after() {
        let t: Timestamp = "2026-01-09T10:00:00Z".parse().unwrap();
        assert_eq!(next_poll(t), t);
        let t1: Timestamp = "2026-01-09T10:00:01Z".parse().unwrap();
        assert_eq!(next_poll(t1), "2026-01-09T10:05:00Z".parse().unwrap());
        let t2: Timestamp = "2026-01-09T10:04:59Z".parse().unwrap();
        assert_eq!(next_poll(t2), "2026-01-09T10:05:00Z".parse().unwrap());
    }
}
