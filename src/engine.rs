//! The event-driven engine: one season of consecutive versions under one policy and seed.
//!
//! The engine jumps from event to event (a min-heap on time, then insertion order; see
//! [`queue`]); it never steps minute by minute. After every event it *settles* the track the
//! event touched: it re-evaluates the gates of the track's next step, schedules (or
//! withdraws) the advance the policy makes once they hold, and updates the waiting-on label.
//! An advance is a scheduled event carrying a token; if the gates stop holding before it
//! fires, the token is withdrawn and the advance does nothing.
//!
//! [`replay`] runs a recorded season instead of a drawn one (docs/model.md, "Recorded
//! weeks"): as it happened (each recorded change of state at its instant) or under a policy.
//!
//! **The season's end.** A simulated season ends [`SEASON_GRACE_CADENCES`] cadences after its
//! extra cut (the one past the last version); events after that are not handled, and a
//! track still live then ends [`Outcome::Unfinished`]. Every instant is computed with
//! checked arithmetic: a moment that cannot be computed (or that a calendar never reaches)
//! never happens, so a world that cannot finish ends unfinished instead of panicking,
//! hanging or landing a fix at once.
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
use crate::model::{Family, Kind, LogEvent, Ref};
use crate::scenario::limits::SEASON_GRACE_CADENCES;
use crate::scenario::{OverlapRule, Policy, Scenario};
use crate::world::recorded::{RecordedSeason, Scripted};
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
    // Bounded dates and weeks always give every cut; should one not exist, the season
    // stops before it.
    let cuts: Vec<Timestamp> = (0..=weeks).map_while(|v| scenario.branch_cut(v)).collect();
    let versions = (0..weeks).collect();
    let mut engine = Engine::new(scenario, policy, seed, cuts, versions, None, detail);
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

/// Replays one recorded season. With `scripted`, every change of state a person or robot
/// made happens when the log says (the `recorded` policy; `policy` only names it);
/// otherwise the recorded world is re-run under `policy`'s advancement rules (a
/// counterfactual).
pub fn replay(
    scenario: &Scenario,
    policy: &Policy,
    season: &RecordedSeason,
    scripted: bool,
    detail: Detail,
) -> RunResult {
    let mut engine = Engine::new(
        scenario,
        policy,
        season.seed,
        season.cuts.clone(),
        season.versions.clone(),
        Some((season, scripted)),
        detail,
    );
    engine.run();
    engine.finish()
}

impl Engine<'_> {
    /// Ends the run: every track still live ends [`Outcome::Unfinished`] at the season's
    /// end (replayed as it happened: the log's last event of the seed).
    fn finish(mut self) -> RunResult {
        let end = match (self.end, self.recorded) {
            (Some(end), _) => end,
            (None, Some((season, _))) => season
                .tracks
                .iter()
                .flatten()
                .filter_map(|t| t.last_seen)
                .max()
                .unwrap_or(self.last_now),
            (None, None) => self.last_now,
        };
        for t in self.tracks.iter_mut().flatten() {
            if t.state.is_terminal() {
                continue;
            }
            // A label that changed after the end (a replay's engine timer, such as a bake
            // ending past the log's last event) is closed at that change. An observation
            // after the end with the same state and label merges into the last segment.
            let ended = end.max(t.label_since);
            if let Some(label) = t.label.take() {
                t.result.waiting[label.index()] += ended.duration_since(t.label_since);
            }
            t.label_since = ended;
            t.pending = None;
            t.result.outcome = Outcome::Unfinished;
            t.result.ended = ended;
        }
        RunResult {
            policy: self.policy.name.clone(),
            seed: self.seed,
            tracks: self
                .tracks
                .into_iter()
                .flatten()
                .map(|t| t.result)
                .collect(),
        }
    }
}

#[derive(Debug, Clone, Copy)]
enum Event {
    BranchCut {
        version: u32,
    },
    /// A recorded track whose cut is later than its version's first.
    TrackCut {
        track: usize,
    },
    BlockerFound {
        track: usize,
        blocker: usize,
    },
    BlockerFixed {
        track: usize,
        bug: Ref,
    },
    BuildDone {
        track: usize,
        commits: u32,
        build: u32,
        draw: BuildDraw,
    },
    CrashFixed {
        track: usize,
        fix: u32,
    },
    SignoffDone {
        track: usize,
        team: u32,
    },
    UsageEnough {
        track: usize,
    },
    ReviewDone {
        track: usize,
        submission: u32,
        rejected: bool,
        fix_effort: Option<SignedDuration>,
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
        fix_effort: Option<SignedDuration>,
    },
    IncidentFixed {
        track: usize,
        episode: u32,
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
    /// The `k`th recorded change of state of a track replayed as it happened.
    Scripted {
        track: usize,
        k: usize,
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
    crash_fixes: u32,
    pending: Option<Pending>,
    /// Replayed as it happened: the recorded changes of state, the next one's index, and
    /// since when the next step's gates hold.
    script: Vec<Scripted>,
    script_next: usize,
    gates_since: Option<Timestamp>,
    label: Option<WaitingOn>,
    label_since: Timestamp,
    last_observation: Option<Observation>,
}

struct Engine<'a> {
    sc: &'a Scenario,
    policy: &'a Policy,
    seed: u64,
    weeks: u32,
    /// The version number of each version index.
    versions: Vec<u32>,
    /// A recorded season, and whether it is replayed as it happened.
    recorded: Option<(&'a RecordedSeason, bool)>,
    detail: Detail,
    queue: EventQueue<Event>,
    /// Indexed by `version * platforms + platform`; `None` before the version's cut.
    tracks: Vec<Option<Track>>,
    next_token: u64,
    /// When the season ends (`None`: when the queue runs dry, replaying as it happened).
    end: Option<Timestamp>,
    /// The instant of the last event handled.
    last_now: Timestamp,
}

impl<'a> Engine<'a> {
    fn new(
        sc: &'a Scenario,
        policy: &'a Policy,
        seed: u64,
        cuts: Vec<Timestamp>,
        versions: Vec<u32>,
        recorded: Option<(&'a RecordedSeason, bool)>,
        detail: Detail,
    ) -> Self {
        // The season ends `SEASON_GRACE_CADENCES` after its extra cut; replayed as it
        // happened, it ends with the log instead (see `finish`).
        let end = match recorded {
            Some((_, true)) => None,
            _ => cuts.last().map(|extra| season_end(sc, *extra)),
        };
        let mut queue = EventQueue::default();
        let weeks = versions.len() as u32;
        // One cut past the last version: the overlap rule still judges the last release.
        for (version, cut) in cuts.iter().enumerate() {
            queue.push(
                *cut,
                Event::BranchCut {
                    version: version as u32,
                },
            );
        }
        let n = weeks as usize * sc.platforms.len();
        Engine {
            sc,
            policy,
            seed,
            weeks,
            versions,
            recorded,
            detail,
            queue,
            tracks: (0..n).map(|_| None).collect(),
            next_token: 0,
            end,
            last_now: cuts.first().copied().unwrap_or(Timestamp::UNIX_EPOCH),
        }
    }

    fn run(&mut self) {
        while let Some((now, event)) = self.queue.pop() {
            if self.end.is_some_and(|end| now > end) {
                break;
            }
            self.last_now = now;
            self.handle(now, event);
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
        let squad = self.squad();
        let at = squad
            .next_working(due)
            .and_then(|t| squad.add_working_until(t, reaction, self.walk_limit()))?;
        self.later(at, SignedDuration::ZERO)
    }

    /// When feature-team working time `effort` started at `from` is done; `None`: not before
    /// the season ends (the work never lands).
    fn team_time(&self, from: Timestamp, effort: SignedDuration) -> Option<Timestamp> {
        let done = self
            .teams()
            .add_working_until(from, effort, self.walk_limit())?;
        self.later(done, SignedDuration::ZERO)
    }

    fn scripted(&self) -> bool {
        matches!(self.recorded, Some((_, true)))
    }

    /// Appends one row to track `i`'s event log ([`Detail::Log`] only).
    fn log(&mut self, i: usize, at: Timestamp, kind: Kind, reference: Ref, value: Option<f64>) {
        if self.detail != Detail::Log {
            return;
        }
        if let Some(t) = self.track(i) {
            t.result.events.push(LogEvent {
                at,
                kind,
                reference,
                value,
            });
        }
    }

    fn handle(&mut self, now: Timestamp, event: Event) {
        match event {
            Event::BranchCut { version } => self.branch_cut(now, version),
            Event::TrackCut { track } => self.cut_track(now, track),
            Event::BlockerFound { track, blocker } => {
                let Some(t) = self.live(track) else { return };
                let early = matches!(t.state, State::Branched | State::FinalRc);
                let effort = t.world.blockers[blocker].fix_effort;
                if early {
                    t.open_blockers += 1;
                    t.result.blockers += 1;
                } else {
                    t.result.late_bugs += 1;
                }
                let bug = Ref::Bug(blocker as u32 + 1);
                self.log(track, now, Kind::BlockerOpened, bug, None);
                if early
                    && let Some(effort) = effort
                    && let Some(done) = self.team_time(now, effort)
                {
                    self.queue.push(done, Event::BlockerFixed { track, bug });
                }
            }
            Event::BlockerFixed { track, bug } => {
                let Some(t) = self.live(track) else { return };
                t.open_blockers = t.open_blockers.saturating_sub(1);
                self.log(track, now, Kind::BlockerFixed, bug, None);
                self.land_commit(now, track);
            }
            Event::BuildDone {
                track,
                commits,
                build,
                draw,
            } => self.build_done(now, track, commits, build, draw),
            Event::CrashFixed { track, fix } => {
                let Some(t) = self.live(track) else { return };
                t.crash_fix_active = false;
                self.log(track, now, Kind::CrashFixLanded, Ref::CrashFix(fix), None);
                self.land_commit(now, track);
            }
            Event::SignoffDone { track, team } => {
                let Some(t) = self.live(track) else { return };
                t.signoffs_done += 1;
                self.log(track, now, Kind::SignoffGiven, Ref::Team(team), None);
            }
            Event::UsageEnough { track } => {
                let Some(t) = self.live(track) else { return };
                t.usage_enough = true;
                self.log(track, now, Kind::Usage, Ref::None, Some(100.0));
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
                let review = Ref::Review(submission);
                if rejected {
                    t.result.rejections += 1;
                    t.open_blockers += 1;
                    self.log(track, now, Kind::ReviewRejected, review, None);
                    self.log(track, now, Kind::BlockerOpened, review, None);
                    self.change_state(now, track, State::FinalRc, Actor::World, None);
                    if let Some(effort) = fix_effort
                        && let Some(done) = self.team_time(now, effort)
                    {
                        self.queue
                            .push(done, Event::BlockerFixed { track, bug: review });
                    }
                } else {
                    t.approved = true;
                    self.log(track, now, Kind::ReviewApproved, review, None);
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
                    self.log(track, now, Kind::ItgcDone, Ref::Rollout(episode), None);
                }
            }
            Event::Incident {
                track,
                episode,
                fix_effort,
            } => {
                let scripted = self.scripted();
                let Some(t) = self.live(track) else { return };
                if t.state != State::Rollout1 || t.episode != episode {
                    return;
                }
                t.incident_open = true;
                self.log(
                    track,
                    now,
                    Kind::IncidentOpened,
                    Ref::Incident(episode),
                    None,
                );
                if let Some(effort) = fix_effort
                    && let Some(fixed) = self.team_time(now, effort)
                {
                    self.queue
                        .push(fixed, Event::IncidentFixed { track, episode });
                }
                // Pausing is a judgement call: a person does it, in working hours (replayed
                // as it happened: when the log says).
                if !scripted && let Some(at) = self.human_time(track, now) {
                    self.queue.push(at, Event::Pause { track, episode });
                }
            }
            Event::IncidentFixed { track, episode } => {
                let Some(t) = self.live(track) else { return };
                t.incident_open = false;
                self.log(
                    track,
                    now,
                    Kind::IncidentFixed,
                    Ref::Incident(episode),
                    None,
                );
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
            Event::Scripted { track, k } => {
                let Some(t) = self.live(track) else { return };
                t.script_next = k + 1;
                let Some(s) = t.script.get(k).copied() else {
                    return;
                };
                if !t.state.can_go_to(s.to) {
                    return;
                }
                let step = t.state.next_step().filter(|step| step.target() == s.to);
                let gates_since = step.and(t.gates_since);
                if s.to == State::Paused {
                    t.result.pauses += 1;
                }
                self.change_state(now, track, s.to, s.actor, gates_since);
            }
        }
        if let Some(track) = event.track() {
            self.settle(now, track);
        }
    }

    fn branch_cut(&mut self, now: Timestamp, version: u32) {
        let platforms = self.sc.platforms.len();
        if version > 0 && !self.scripted() {
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
                if let Some(at) = self.human_time(older, now) {
                    self.queue.push(at, Event::Cancel { target, older });
                }
            }
        }
        if version >= self.weeks {
            return;
        }
        for p in 0..platforms {
            let i = version as usize * platforms + p;
            match self.recorded {
                None => self.cut_track(now, i),
                Some((season, _)) => match season.tracks[i].as_ref().and_then(|t| t.cut) {
                    Some(cut) if cut == now => self.cut_track(now, i),
                    Some(cut) => self.queue.push(cut, Event::TrackCut { track: i }),
                    None => {}
                },
            }
        }
    }

    /// Creates track `i` at its branch cut and schedules what its world holds.
    fn cut_track(&mut self, now: Timestamp, i: usize) {
        let platforms = self.sc.platforms.len();
        let (version, p) = (i / platforms, i % platforms);
        let mut track = self.new_track(now, version, p);
        track.result.events.clear();
        if self.detail == Detail::Log {
            track.result.events.push(LogEvent {
                at: now,
                kind: Kind::BranchCut,
                reference: Ref::None,
                value: None,
            });
            let required = track.world.signoff_efforts.len() as u32;
            for team in 1..=required + track.world.signoff_opted_out {
                track.result.events.push(LogEvent {
                    at: now,
                    kind: Kind::SignoffRequired,
                    reference: Ref::Team(team),
                    value: Some(if team <= required { 1.0 } else { 0.0 }),
                });
            }
        }
        for (b, blocker) in track.world.blockers.iter().enumerate() {
            self.push_after(
                now,
                blocker.found_after,
                Event::BlockerFound {
                    track: i,
                    blocker: b,
                },
            );
        }
        for (team, effort) in track.world.signoff_efforts.iter().enumerate() {
            if let Some(effort) = effort
                && let Some(done) = self.team_time(now, *effort)
            {
                let team = team as u32 + 1;
                self.queue.push(done, Event::SignoffDone { track: i, team });
            }
        }
        if let Some(after) = track.world.usage_after {
            self.push_after(now, after, Event::UsageEnough { track: i });
        }
        // Replayed as it happened: the recorded changes of state, each after everything
        // else at its instant (a simulated advance follows the event that opened its gates).
        for (k, s) in track.script.iter().enumerate() {
            self.queue.push_last(s.at, Event::Scripted { track: i, k });
        }
        self.tracks[i] = Some(track);
        // The cut itself is the branch's first commit.
        self.land_commit(now, i);
        self.settle(now, i);
    }

    fn new_track(&self, cut: Timestamp, version: usize, platform: usize) -> Track {
        let name = &self.sc.platforms[platform].name;
        let label = self.versions[version];
        let i = version * self.sc.platforms.len() + platform;
        let (world, script) = match self.recorded {
            Some((season, scripted)) => {
                let rec = season.tracks[i].as_ref();
                let world = match rec {
                    Some(rec) => TrackWorld::recorded(
                        self.sc,
                        self.seed,
                        label,
                        name,
                        rec,
                        season.families,
                        scripted,
                    ),
                    None => TrackWorld::new(self.sc, self.seed, label, name),
                };
                let script = match (scripted, rec) {
                    (true, Some(rec)) => rec.script.clone(),
                    _ => Vec::new(),
                };
                (world, script)
            }
            None => (TrackWorld::new(self.sc, self.seed, label, name), Vec::new()),
        };
        let mut entered = [None; 7];
        entered[State::Branched.index()] = Some(cut);
        let signoffs_required = world.signoff_efforts.len() as u32;
        let result = TrackResult {
            version: label,
            platform,
            branch_cut: cut,
            entered,
            outcome: Outcome::Unfinished,
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
            events: Vec::new(),
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
            crash_fixes: 0,
            pending: None,
            script,
            script_next: 0,
            gates_since: None,
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
        if !t.building && !t.world.silent.contains(Family::Builds) {
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
        let (commits, build) = (t.commits, t.latest_build);
        if let Some(duration) = draw.duration {
            self.push_after(
                now,
                duration,
                Event::BuildDone {
                    track: i,
                    commits,
                    build,
                    draw,
                },
            );
        }
    }

    fn build_done(&mut self, now: Timestamp, i: usize, commits: u32, build: u32, draw: BuildDraw) {
        let sc = self.sc;
        let max = sc.thresholds.crash_rate_max_percent;
        let Some(t) = self.live(i) else { return };
        t.building = false;
        let minutes = draw.duration.map(|d| d.as_secs_f64() / 60.0);
        let id = Ref::Build(build);
        if draw.flaky {
            // A spurious test failure: rerun, with whatever has landed since.
            t.build_status = BuildStatus::Failed;
            self.log(i, now, Kind::BuildFinished, id, minutes);
            self.log(i, now, Kind::TestsFailed, id, None);
            self.start_build(now, i);
            return;
        }
        let metrics = !t.world.silent.contains(Family::Metrics);
        t.build_status = BuildStatus::Passed;
        t.green_commits = commits;
        if metrics {
            t.crash_rate = Some(draw.crash_rate_percent);
        }
        let before_submission = matches!(t.state, State::Branched | State::FinalRc | State::Paused);
        let crash_fix =
            metrics && draw.crash_rate_percent > max && before_submission && !t.crash_fix_active;
        let more = t.commits > commits;
        self.log(i, now, Kind::BuildFinished, id, minutes);
        self.log(i, now, Kind::TestsPassed, id, None);
        if metrics {
            self.log(
                i,
                now,
                Kind::Metric,
                Ref::CrashRate,
                Some(draw.crash_rate_percent),
            );
        }
        if crash_fix && let Some(t) = self.live(i) {
            t.crash_fix_active = true;
            t.crash_fixes += 1;
            let fix = t.crash_fixes;
            if let Some(effort) = t.world.next_crash_fix(sc)
                && let Some(done) = self.team_time(now, effort)
            {
                self.queue.push(done, Event::CrashFixed { track: i, fix });
            }
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
        let unknown = t.world.silent.gates();
        // Gates a replayed log has no evidence for read as not holding.
        let held = self.gates_held(t).without(unknown);
        let needed = gates_needed(self.sc, t.state);
        let state = t.state;
        let ok = needed.is_subset(held);
        let has_pending = t.pending.is_some();

        if self.scripted() {
            // Replayed as it happened: no advance is scheduled; only note since when the
            // next step's gates hold (for `wait_minutes`).
            if let Some(t) = self.track(i) {
                if !ok || state.is_terminal() {
                    t.gates_since = None;
                } else if t.gates_since.is_none() {
                    t.gates_since = Some(now);
                }
            }
        } else if !state.is_terminal() {
            if ok && !has_pending {
                if let Some(step) = state.next_step() {
                    let actor = self.policy.actor(step);
                    let at = match actor {
                        Actor::Robot => self.later(next_poll(now), SignedDuration::ZERO),
                        _ => self.human_time(i, now),
                    };
                    let token = self.next_token;
                    self.next_token += 1;
                    // An advance that can never happen stays pending: the track waits on
                    // its actor until the season ends.
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
            let next_actor = match t.pending {
                Some(p) => Some(p.actor),
                None => t.script.get(t.script_next).map(|s| s.actor),
            };
            Some(match needed.iter().find(|g| !held.contains(*g)) {
                Some(g) if unknown.contains(g) => WaitingOn::Unknown,
                Some(g) => WaitingOn::for_gate(g),
                None => match next_actor {
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
        if detail.full() {
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
        let end = self.end;
        let Some(t) = live_mut(&mut self.tracks, i) else {
            return;
        };
        let from = t.state;
        debug_assert!(from.can_go_to(to), "{from} -> {to}");
        t.state = to;
        t.pending = None;
        t.gates_since = None;
        let slot = &mut t.result.entered[to.index()];
        if slot.is_none() {
            *slot = Some(now);
        }
        if detail.full() {
            t.result.transitions.push(TransitionRecord {
                from,
                to,
                at: now,
                actor,
                gates_passed_at: gates_since,
                gates_held: held,
            });
        }
        if detail == Detail::Log {
            // A rejection's return to final_rc is the review_rejected row already logged.
            let kind = match (from, to) {
                (State::Submitted, State::FinalRc) if actor == Actor::World => None,
                (_, State::FinalRc) => Some(Kind::FinalRc),
                (State::Paused, State::Submitted) => Some(Kind::Resumed),
                (_, State::Submitted) => Some(Kind::Submitted),
                (_, State::Rollout1 | State::Rollout100) => Some(Kind::Rollout),
                (_, State::Paused) => Some(Kind::Paused),
                (_, State::Cancelled) => Some(Kind::Cancelled),
                (_, State::Branched) => None,
            };
            if let Some(kind) = kind {
                t.result.events.push(LogEvent {
                    at: now,
                    kind,
                    reference: Ref::Actor(actor),
                    value: (kind == Kind::Rollout).then(|| f64::from(to.rollout_percent())),
                });
            }
        }
        let silent = t.world.silent;
        match to {
            State::Submitted => {
                t.submissions += 1;
                if t.submissions > 1 {
                    t.result.resubmissions += 1;
                }
                t.approved = false;
                let submission = t.submissions;
                match sc.platforms[t.result.platform].store {
                    Some(_) if silent.contains(Family::Reviews) => {}
                    Some(store) => {
                        let r = t.world.next_review(&store);
                        if let Some(latency) = r.latency {
                            t.result.review_latencies.push(latency);
                        }
                        if let Some(at) = r.latency.and_then(|d| later_than(end, now, d)) {
                            self.queue.push(
                                at,
                                Event::ReviewDone {
                                    track: i,
                                    submission,
                                    rejected: r.rejected,
                                    fix_effort: r.fix_effort,
                                },
                            );
                        }
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
                if let Some(at) = later_than(end, now, sc.thresholds.bake) {
                    self.queue.push(at, Event::BakeDone { track: i, episode });
                }
                if silent.contains(Family::RolloutChecks) {
                    return;
                }
                let r = t.world.next_rollout(sc);
                if let Some(at) = r.itgc.and_then(|d| later_than(end, now, d)) {
                    self.queue.push(at, Event::ItgcDone { track: i, episode });
                }
                if let Some(at) = r.incident_after.and_then(|d| later_than(end, now, d)) {
                    self.queue.push(
                        at,
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
            Event::BranchCut { .. } | Event::TrackCut { .. } => None,
            Event::BlockerFound { track, .. }
            | Event::BlockerFixed { track, .. }
            | Event::BuildDone { track, .. }
            | Event::CrashFixed { track, .. }
            | Event::SignoffDone { track, .. }
            | Event::UsageEnough { track }
            | Event::Scripted { track, .. }
            | Event::ReviewDone { track, .. }
            | Event::BakeDone { track, .. }
            | Event::ItgcDone { track, .. }
            | Event::Incident { track, .. }
            | Event::IncidentFixed { track, .. }
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
