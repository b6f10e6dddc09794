//! The event-driven engine: one season of consecutive versions under one policy and seed.
//!
//! The engine jumps from event to event (a min-heap on time, then insertion order; see
//! [`queue`]); it never steps minute by minute. After every event it *settles* the track the
//! event touched: it re-evaluates the gates of the track's next step, schedules (or
//! withdraws) the advance the policy makes once they hold, and updates the waiting-on label.
//! An advance is a scheduled event carrying a token; if the gates stop holding before it
//! fires, the token is withdrawn and the advance does nothing.
//!
//! Invariants (checked by property tests in `tests/`): every change of state follows
//! [`State::can_go_to`]; a policy step happens only while its gates hold; a manual advance,
//! pause or cancel happens inside the release squad's working hours; a robot advance happens
//! at the first five-minute poll at or after its gates start to hold.

mod queue;
mod record;

pub use queue::EventQueue;
pub use record::{
    BuildStatus, Detail, Observation, Outcome, RunResult, Segment, TrackResult, TransitionRecord,
};

use jiff::{SignedDuration, Timestamp};

use crate::calendar::Calendar;
use crate::model::{Actor, Gate, GateSet, State, Step, WaitingOn};
use crate::scenario::{OverlapRule, Policy, Scenario};
use crate::world::{BuildDraw, TrackWorld};

/// The robot polls every five minutes, at :00, :05, … UTC.
pub const POLL_SECONDS: i64 = 300;

/// Runs one season of `weeks` versions of `scenario` under `policy` with `seed`.
pub fn run(
    scenario: &Scenario,
    policy: &Policy,
    seed: u64,
    weeks: u32,
    detail: Detail,
) -> RunResult {
    let mut engine = Engine::new(scenario, policy, seed, weeks, detail);
    engine.run();
    RunResult {
        policy: policy.name.clone(),
        seed,
        tracks: engine
            .tracks
            .into_iter()
            .flatten()
            .map(|t| t.result)
            .collect(),
    }
}

/// The branch cut instant of `version`: the cadence's date at the cut time in the squad's
/// zone, moved to the squad's previous working day when that date is a holiday or weekend
/// (teams cut early before a long weekend rather than late after it: the release before
/// the moved cut has a day less, the one after it gets the days back).
pub fn branch_cut(scenario: &Scenario, version: u32) -> Timestamp {
    let s = &scenario.season;
    let squad = &scenario.release_squad;
    let days = i64::from(version) * i64::from(s.cadence_weeks) * 7;
    let mut date = s
        .first_branch_cut
        .checked_add(jiff::Span::new().days(days))
        .unwrap_or(s.first_branch_cut);
    for _ in 0..14 {
        if squad.is_working_day(date) {
            break;
        }
        date = date.yesterday().unwrap_or(date);
    }
    squad.at(date, s.branch_cut_time)
}

#[derive(Debug, Clone, Copy)]
enum Event {
    BranchCut {
        version: u32,
    },
    BlockerFound {
        track: usize,
        blocker: usize,
    },
    BlockerFixed {
        track: usize,
    },
    BuildDone {
        track: usize,
        commits: u32,
        draw: BuildDraw,
    },
    CrashFixed {
        track: usize,
    },
    SignoffDone {
        track: usize,
    },
    UsageEnough {
        track: usize,
    },
    ReviewDone {
        track: usize,
        submission: u32,
        rejected: bool,
        fix_effort: SignedDuration,
    },
    BakeDone {
        track: usize,
        episode: u32,
    },
    ItgcDone {
        track: usize,
        episode: u32,
    },
    Incident {
        track: usize,
        episode: u32,
        fix_effort: SignedDuration,
    },
    IncidentFixed {
        track: usize,
    },
    Advance {
        track: usize,
        token: u64,
    },
    Pause {
        track: usize,
        episode: u32,
    },
    Cancel {
        target: usize,
        older: usize,
    },
}

/// A scheduled policy advance.
#[derive(Debug, Clone, Copy)]
struct Pending {
    step: Step,
    token: u64,
    actor: Actor,
    gates_since: Timestamp,
}

/// The live state of one track.
struct Track {
    world: TrackWorld,
    result: TrackResult,
    state: State,
    open_blockers: u32,
    commits: u32,
    building: bool,
    latest_build: u32,
    build_status: BuildStatus,
    green_commits: u32,
    crash_rate: Option<f64>,
    crash_fix_active: bool,
    signoffs_done: u32,
    signoffs_required: u32,
    usage_enough: bool,
    submissions: u32,
    approved: bool,
    episode: u32,
    bake_done: bool,
    itgc_done: bool,
    incident_open: bool,
    pending: Option<Pending>,
    label: Option<WaitingOn>,
    label_since: Timestamp,
    last_observation: Option<Observation>,
}

struct Engine<'a> {
    sc: &'a Scenario,
    policy: &'a Policy,
    seed: u64,
    weeks: u32,
    detail: Detail,
    queue: EventQueue<Event>,
    /// Indexed by `version * platforms + platform`; `None` before the version's cut.
    tracks: Vec<Option<Track>>,
    next_token: u64,
}

impl<'a> Engine<'a> {
    fn new(sc: &'a Scenario, policy: &'a Policy, seed: u64, weeks: u32, detail: Detail) -> Self {
        let mut queue = EventQueue::default();
        // One cut past the last version: the overlap rule still judges the last release.
        for version in 0..=weeks {
            queue.push(branch_cut(sc, version), Event::BranchCut { version });
        }
        let n = weeks as usize * sc.platforms.len();
        Engine {
            sc,
            policy,
            seed,
            weeks,
            detail,
            queue,
            tracks: (0..n).map(|_| None).collect(),
            next_token: 0,
        }
    }

    fn run(&mut self) {
        while let Some((now, event)) = self.queue.pop() {
            self.handle(now, event);
        }
    }

    fn squad(&self) -> &Calendar {
        &self.sc.release_squad
    }

    fn teams(&self) -> &Calendar {
        &self.sc.feature_teams
    }

    fn track(&mut self, i: usize) -> Option<&mut Track> {
        self.tracks.get_mut(i).and_then(Option::as_mut)
    }

    /// The live track `i`, or `None` when it does not exist or has ended (its leftover events
    /// are then ignored).
    fn live(&mut self, i: usize) -> Option<&mut Track> {
        self.track(i).filter(|t| !t.state.is_terminal())
    }

    /// When a person of the release squad acts on something that became due at `due`: the
    /// first working moment, plus a reaction time spent in working hours.
    fn human_time(&mut self, i: usize, due: Timestamp) -> Timestamp {
        let sc = self.sc;
        let reaction = match self.track(i) {
            Some(t) => t.world.next_reaction(sc),
            None => SignedDuration::ZERO,
        };
        let squad = self.squad();
        squad
            .next_working(due)
            .and_then(|t| squad.add_working(t, reaction))
            .unwrap_or(due)
    }

    /// Feature-team working time `effort` started at `from`.
    fn team_time(&self, from: Timestamp, effort: SignedDuration) -> Timestamp {
        self.teams().add_working(from, effort).unwrap_or(from)
    }

    fn handle(&mut self, now: Timestamp, event: Event) {
        match event {
            Event::BranchCut { version } => self.branch_cut(now, version),
            Event::BlockerFound { track, blocker } => {
                let Some(t) = self.live(track) else { return };
                if matches!(t.state, State::Branched | State::FinalRc) {
                    t.open_blockers += 1;
                    t.result.blockers += 1;
                    let effort = t.world.blockers[blocker].fix_effort;
                    let done = self.team_time(now, effort);
                    self.queue.push(done, Event::BlockerFixed { track });
                } else {
                    t.result.late_bugs += 1;
                }
            }
            Event::BlockerFixed { track } => {
                let Some(t) = self.live(track) else { return };
                t.open_blockers = t.open_blockers.saturating_sub(1);
                self.land_commit(now, track);
            }
            Event::BuildDone {
                track,
                commits,
                draw,
            } => self.build_done(now, track, commits, draw),
            Event::CrashFixed { track } => {
                let Some(t) = self.live(track) else { return };
                t.crash_fix_active = false;
                self.land_commit(now, track);
            }
            Event::SignoffDone { track } => {
                let Some(t) = self.live(track) else { return };
                t.signoffs_done += 1;
            }
            Event::UsageEnough { track } => {
                let Some(t) = self.live(track) else { return };
                t.usage_enough = true;
            }
            Event::ReviewDone {
                track,
                submission,
                rejected,
                fix_effort,
            } => {
                let Some(t) = self.live(track) else { return };
                if t.state != State::Submitted || t.submissions != submission {
                    return;
                }
                if rejected {
                    t.result.rejections += 1;
                    t.open_blockers += 1;
                    self.change_state(now, track, State::FinalRc, Actor::World, None);
                    let done = self.team_time(now, fix_effort);
                    self.queue.push(done, Event::BlockerFixed { track });
                } else {
                    t.approved = true;
                }
            }
            Event::BakeDone { track, episode } => {
                let Some(t) = self.live(track) else { return };
                if t.state == State::Rollout1 && t.episode == episode {
                    t.bake_done = true;
                }
            }
            Event::ItgcDone { track, episode } => {
                let Some(t) = self.live(track) else { return };
                if t.state == State::Rollout1 && t.episode == episode {
                    t.itgc_done = true;
                }
            }
            Event::Incident {
                track,
                episode,
                fix_effort,
            } => {
                let Some(t) = self.live(track) else { return };
                if t.state != State::Rollout1 || t.episode != episode {
                    return;
                }
                t.incident_open = true;
                let fixed = self.team_time(now, fix_effort);
                self.queue.push(fixed, Event::IncidentFixed { track });
                // Pausing is a judgement call: a person does it, in working hours.
                let at = self.human_time(track, now);
                self.queue.push(at, Event::Pause { track, episode });
            }
            Event::IncidentFixed { track } => {
                let Some(t) = self.live(track) else { return };
                t.incident_open = false;
                self.land_commit(now, track);
            }
            Event::Pause { track, episode } => {
                let Some(t) = self.live(track) else { return };
                if t.state == State::Rollout1 && t.episode == episode {
                    t.result.pauses += 1;
                    self.change_state(now, track, State::Paused, Actor::Manual, None);
                }
            }
            Event::Advance { track, token } => {
                let Some(t) = self.live(track) else { return };
                let Some(p) = t.pending.filter(|p| p.token == token) else {
                    return;
                };
                t.pending = None;
                self.change_state(now, track, p.step.target(), p.actor, Some(p.gates_since));
            }
            Event::Cancel { target, older } => {
                let older_live = self.live(older).is_some();
                if older_live && self.live(target).is_some() {
                    self.change_state(now, target, State::Cancelled, Actor::Manual, None);
                }
            }
        }
        if let Some(track) = event.track() {
            self.settle(now, track);
        }
    }

    fn branch_cut(&mut self, now: Timestamp, version: u32) {
        let platforms = self.sc.platforms.len();
        if version > 0 {
            // The overlap rule: two live release branches are avoided.
            for p in 0..platforms {
                let older = (version as usize - 1) * platforms + p;
                if self.live(older).is_none() {
                    continue;
                }
                let target = match self.sc.season.overlap {
                    OverlapRule::CancelCurrent => older,
                    OverlapRule::CancelUpcoming if version < self.weeks => {
                        version as usize * platforms + p
                    }
                    OverlapRule::CancelUpcoming => continue,
                };
                let at = self.human_time(older, now);
                self.queue.push(at, Event::Cancel { target, older });
            }
        }
        if version >= self.weeks {
            return;
        }
        for p in 0..platforms {
            let i = version as usize * platforms + p;
            let track = self.new_track(now, version, p);
            for (b, blocker) in track.world.blockers.iter().enumerate() {
                self.queue.push(
                    now + blocker.found_after,
                    Event::BlockerFound {
                        track: i,
                        blocker: b,
                    },
                );
            }
            for effort in &track.world.signoff_efforts {
                let done = self.team_time(now, *effort);
                self.queue.push(done, Event::SignoffDone { track: i });
            }
            self.queue.push(
                now + track.world.usage_after,
                Event::UsageEnough { track: i },
            );
            self.tracks[i] = Some(track);
            // The cut itself is the branch's first commit.
            self.land_commit(now, i);
            self.settle(now, i);
        }
    }

    fn new_track(&self, cut: Timestamp, version: u32, platform: usize) -> Track {
        let name = &self.sc.platforms[platform].name;
        let world = TrackWorld::new(self.sc, self.seed, version, name);
        let mut entered = [None; 7];
        entered[State::Branched.index()] = Some(cut);
        let signoffs_required = world.signoff_efforts.len() as u32;
        let result = TrackResult {
            version,
            platform,
            branch_cut: cut,
            entered,
            outcome: Outcome::Cancelled,
            ended: cut,
            waiting: [SignedDuration::ZERO; WaitingOn::COUNT],
            blockers: 0,
            late_bugs: 0,
            rejections: 0,
            resubmissions: 0,
            pauses: 0,
            usage_after: world.usage_after,
            signoff_opted_out: world.signoff_opted_out,
            longest_weekday_manual_wait: SignedDuration::ZERO,
            world_fingerprint: world.fingerprint(),
            review_latencies: Vec::new(),
            transitions: Vec::new(),
            timeline: Vec::new(),
        };
        Track {
            world,
            result,
            state: State::Branched,
            open_blockers: 0,
            commits: 0,
            building: false,
            latest_build: 0,
            build_status: BuildStatus::Running,
            green_commits: 0,
            crash_rate: None,
            crash_fix_active: false,
            signoffs_done: 0,
            signoffs_required,
            usage_enough: false,
            submissions: 0,
            approved: false,
            episode: 0,
            bake_done: false,
            itgc_done: false,
            incident_open: false,
            pending: None,
            label: None,
            label_since: cut,
            last_observation: None,
        }
    }

    /// A commit lands on the release branch; a build starts unless one is running (it will
    /// pick the commit up when it finishes).
    fn land_commit(&mut self, now: Timestamp, i: usize) {
        let Some(t) = self.live(i) else { return };
        t.commits += 1;
        if !t.building {
            self.start_build(now, i);
        }
    }

    fn start_build(&mut self, now: Timestamp, i: usize) {
        let sc = self.sc;
        let Some(t) = self.live(i) else { return };
        let draw = t.world.next_build(sc);
        t.building = true;
        t.latest_build += 1;
        t.build_status = BuildStatus::Running;
        let commits = t.commits;
        self.queue.push(
            now + draw.duration,
            Event::BuildDone {
                track: i,
                commits,
                draw,
            },
        );
    }

    fn build_done(&mut self, now: Timestamp, i: usize, commits: u32, draw: BuildDraw) {
        let sc = self.sc;
        let max = sc.thresholds.crash_rate_max_percent;
        let Some(t) = self.live(i) else { return };
        t.building = false;
        if draw.flaky {
            // A spurious test failure: rerun, with whatever has landed since.
            t.build_status = BuildStatus::Failed;
            self.start_build(now, i);
            return;
        }
        t.build_status = BuildStatus::Passed;
        t.green_commits = commits;
        t.crash_rate = Some(draw.crash_rate_percent);
        let before_submission = matches!(t.state, State::Branched | State::FinalRc | State::Paused);
        let crash_fix = draw.crash_rate_percent > max && before_submission && !t.crash_fix_active;
        let more = t.commits > commits;
        if crash_fix {
            t.crash_fix_active = true;
            let effort = t.world.next_crash_fix(sc);
            let done = self.team_time(now, effort);
            self.queue.push(done, Event::CrashFixed { track: i });
        }
        if more {
            self.start_build(now, i);
        }
    }

    /// Every gate that holds for track `t` now.
    fn gates_held(&self, t: &Track) -> GateSet {
        let mut g = GateSet::EMPTY;
        g.set(Gate::NoBlockers, t.open_blockers == 0);
        g.set(
            Gate::BuildGreen,
            t.green_commits == t.commits && t.commits > 0,
        );
        g.set(Gate::Signoff, t.signoffs_done >= t.signoffs_required);
        g.set(
            Gate::CrashRate,
            t.crash_rate
                .is_some_and(|c| c <= self.sc.thresholds.crash_rate_max_percent),
        );
        g.set(Gate::BetaUsage, t.usage_enough);
        g.set(Gate::StoreApproved, t.approved);
        g.set(Gate::NoIncident, !t.incident_open);
        g.set(Gate::Bake, t.bake_done);
        g.set(Gate::Itgc, t.itgc_done);
        g
    }

    /// Re-evaluates track `i` after an event: schedules or withdraws its advance, updates
    /// the waiting-on label and records an observation when anything visible changed.
    fn settle(&mut self, now: Timestamp, i: usize) {
        let Some(t) = self.tracks.get(i).and_then(Option::as_ref) else {
            return;
        };
        let held = self.gates_held(t);
        let needed = gates_needed(self.sc, t.state);
        let state = t.state;
        let ok = needed.is_subset(held);
        let has_pending = t.pending.is_some();

        if !state.is_terminal() {
            if ok && !has_pending {
                if let Some(step) = state.next_step() {
                    let actor = self.policy.actor(step);
                    let at = match actor {
                        Actor::Robot => next_poll(now),
                        _ => self.human_time(i, now),
                    };
                    let token = self.next_token;
                    self.next_token += 1;
                    self.queue.push(at, Event::Advance { track: i, token });
                    if let Some(t) = self.track(i) {
                        t.pending = Some(Pending {
                            step,
                            token,
                            actor,
                            gates_since: now,
                        });
                    }
                }
            } else if !ok
                && has_pending
                && let Some(t) = self.track(i)
            {
                t.pending = None;
            }
        }

        let squad = &self.sc.release_squad;
        let detail = self.detail;
        // Not `live_mut`: a track that just ended still closes its last label here.
        let Some(t) = self.tracks.get_mut(i).and_then(Option::as_mut) else {
            return;
        };
        let label = if state.is_terminal() {
            None
        } else {
            Some(match needed.iter().find(|g| !held.contains(*g)) {
                Some(g) => WaitingOn::for_gate(g),
                None => match t.pending.map(|p| p.actor) {
                    Some(Actor::Robot) => WaitingOn::RobotPoll,
                    _ => WaitingOn::ManualAction,
                },
            })
        };
        if label != t.label {
            if let Some(old) = t.label {
                let spent = now.duration_since(t.label_since);
                t.result.waiting[old.index()] += spent;
                if old == WaitingOn::ManualAction
                    && spent > t.result.longest_weekday_manual_wait
                    && spans_only_working_days(squad, t.label_since, now)
                {
                    t.result.longest_weekday_manual_wait = spent;
                }
            }
            t.label = label;
            t.label_since = now;
        }
        if detail == Detail::Full {
            let obs = Observation {
                at: now,
                state,
                waiting_on: label,
                open_blockers: t.open_blockers,
                signoffs_done: t.signoffs_done,
                signoffs_required: t.signoffs_required,
                latest_build: t.latest_build,
                build_status: t.build_status,
                crash_rate_percent: t.crash_rate,
                gates: held,
            };
            let changed = t.last_observation.as_ref().is_none_or(|last| {
                let mut same = obs.clone();
                same.at = last.at;
                same != *last
            });
            if changed {
                match t.result.timeline.last_mut() {
                    // Two changes at one instant: keep only the final values.
                    Some(last) if last.at == now => *last = obs.clone(),
                    _ => t.result.timeline.push(obs.clone()),
                }
                t.last_observation = Some(obs);
            }
        }
    }

    fn change_state(
        &mut self,
        now: Timestamp,
        i: usize,
        to: State,
        actor: Actor,
        gates_since: Option<Timestamp>,
    ) {
        let sc = self.sc;
        let held = match self.tracks.get(i).and_then(Option::as_ref) {
            Some(t) => self.gates_held(t),
            None => return,
        };
        let detail = self.detail;
        let Some(t) = live_mut(&mut self.tracks, i) else {
            return;
        };
        let from = t.state;
        debug_assert!(from.can_go_to(to), "{from} -> {to}");
        t.state = to;
        t.pending = None;
        let slot = &mut t.result.entered[to.index()];
        if slot.is_none() {
            *slot = Some(now);
        }
        if detail == Detail::Full {
            t.result.transitions.push(TransitionRecord {
                from,
                to,
                at: now,
                actor,
                gates_passed_at: gates_since,
                gates_held: held,
            });
        }
        match to {
            State::Submitted => {
                t.submissions += 1;
                if t.submissions > 1 {
                    t.result.resubmissions += 1;
                }
                t.approved = false;
                let submission = t.submissions;
                match sc.platforms[t.result.platform].store {
                    Some(store) => {
                        let r = t.world.next_review(&store);
                        t.result.review_latencies.push(r.latency);
                        self.queue.push(
                            now + r.latency,
                            Event::ReviewDone {
                                track: i,
                                submission,
                                rejected: r.rejected,
                                fix_effort: r.fix_effort,
                            },
                        );
                    }
                    // No store: distribution accepts the build as it is handed over.
                    None => t.approved = true,
                }
            }
            State::Rollout1 => {
                t.episode += 1;
                t.bake_done = false;
                t.itgc_done = false;
                let episode = t.episode;
                let r = t.world.next_rollout(sc);
                self.queue.push(
                    now + sc.thresholds.bake,
                    Event::BakeDone { track: i, episode },
                );
                self.queue
                    .push(now + r.itgc, Event::ItgcDone { track: i, episode });
                if let Some(after) = r.incident_after {
                    self.queue.push(
                        now + after,
                        Event::Incident {
                            track: i,
                            episode,
                            fix_effort: r.incident_fix_effort,
                        },
                    );
                }
            }
            State::Rollout100 | State::Cancelled => {
                t.result.outcome = if to == State::Rollout100 {
                    Outcome::Shipped
                } else {
                    Outcome::Cancelled
                };
                t.result.ended = now;
            }
            State::Branched | State::FinalRc | State::Paused => {}
        }
        if to.is_terminal() {
            self.settle(now, i);
        }
    }
}

impl Event {
    /// The track an event concerns, if one.
    fn track(&self) -> Option<usize> {
        match *self {
            Event::BranchCut { .. } => None,
            Event::BlockerFound { track, .. }
            | Event::BlockerFixed { track }
            | Event::BuildDone { track, .. }
            | Event::CrashFixed { track }
            | Event::SignoffDone { track }
            | Event::UsageEnough { track }
            | Event::ReviewDone { track, .. }
            | Event::BakeDone { track, .. }
            | Event::ItgcDone { track, .. }
            | Event::Incident { track, .. }
            | Event::IncidentFixed { track }
            | Event::Advance { track, .. }
            | Event::Pause { track, .. } => Some(track),
            Event::Cancel { target, .. } => Some(target),
        }
    }
}

/// The gates that must hold before a track in `state` takes its next step.
pub fn gates_needed(scenario: &Scenario, state: State) -> GateSet {
    match state {
        // A paused release resumes through a fixed, tested build.
        State::Paused => [Gate::NoIncident, Gate::BuildGreen].into_iter().collect(),
        _ => state
            .next_step()
            .map_or(GateSet::EMPTY, |s| scenario.gates(s)),
    }
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
