//! The events of a season and one handler for each.
//!
//! A handler changes the part of its track's state its event concerns and schedules what
//! follows; [`Engine::handle`] then settles the track. Events of a track that has ended, and
//! events tagged with a submission or a 1% episode the track has since left, do nothing.

use jiff::{SignedDuration, Timestamp};

use super::Engine;
use super::record::{BuildStatus, Detail};
use super::track::{Ring, Track};
use crate::model::{Actor, Family, Kind, LogEvent, Ref, State, Step};
use crate::scenario::OverlapRule;
use crate::world::{BuildDraw, Mode};

/// Something that happens in a season at a scheduled instant.
#[derive(Debug, Clone, Copy)]
pub(super) enum Event {
    BranchCut {
        version: u32,
    },
    /// A track whose cut is later than its version's first (a recorded platform cut later).
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
    /// A recorded `fix_landed`: a commit whose bug's opening is unknown.
    CommitLanded {
        track: usize,
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
        stage: u32,
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
        /// Stale unless it is the track's current incident fix.
        fix: u32,
    },
    /// Manual testing or the beta finds a defect before submission.
    DefectFound {
        track: usize,
        defect: usize,
        ring: Ring,
    },
    /// A defect in users' hands shows (stale when the rollout's share changed since).
    DefectShows {
        track: usize,
        defect: usize,
        epoch: u32,
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

impl Event {
    /// The track an event concerns, if one.
    fn track(&self) -> Option<usize> {
        match *self {
            Event::BranchCut { .. } | Event::TrackCut { .. } => None,
            Event::BlockerFound { track, .. }
            | Event::BlockerFixed { track, .. }
            | Event::BuildDone { track, .. }
            | Event::CrashFixed { track, .. }
            | Event::CommitLanded { track }
            | Event::SignoffDone { track, .. }
            | Event::UsageEnough { track }
            | Event::Scripted { track, .. }
            | Event::ReviewDone { track, .. }
            | Event::BakeDone { track, .. }
            | Event::ItgcDone { track, .. }
            | Event::Incident { track, .. }
            | Event::IncidentFixed { track, .. }
            | Event::DefectFound { track, .. }
            | Event::DefectShows { track, .. }
            | Event::Advance { track, .. }
            | Event::Pause { track, .. } => Some(track),
            Event::Cancel { target, .. } => Some(target),
        }
    }
}

impl Engine<'_> {
    /// Handles `event` at `now`, then settles the track it concerns.
    pub(super) fn handle(&mut self, now: Timestamp, event: Event) {
        match event {
            Event::BranchCut { version } => self.branch_cut(now, version),
            Event::TrackCut { track } => self.cut_track(now, track),
            Event::BlockerFound { track, blocker } => self.blocker_found(now, track, blocker),
            Event::BlockerFixed { track, bug } => self.blocker_fixed(now, track, bug),
            Event::BuildDone {
                track,
                commits,
                build,
                draw,
            } => self.build_done(now, track, commits, build, draw),
            Event::CrashFixed { track, fix } => self.crash_fixed(now, track, fix),
            Event::CommitLanded { track } => self.commit_landed(now, track),
            Event::SignoffDone { track, team } => self.signoff_done(now, track, team),
            Event::UsageEnough { track } => self.usage_enough(now, track),
            Event::ReviewDone {
                track,
                submission,
                rejected,
                fix_effort,
            } => self.review_done(now, track, submission, rejected, fix_effort),
            Event::BakeDone {
                track,
                episode,
                stage,
            } => self.bake_done(track, episode, stage),
            Event::ItgcDone { track, episode } => self.itgc_done(now, track, episode),
            Event::Incident {
                track,
                episode,
                fix_effort,
            } => self.incident(now, track, episode, fix_effort),
            Event::IncidentFixed {
                track,
                episode,
                fix,
            } => self.incident_fixed(now, track, episode, fix),
            Event::DefectFound {
                track,
                defect,
                ring,
            } => self.defect_found(now, track, defect, ring),
            Event::DefectShows {
                track,
                defect,
                epoch,
            } => self.defect_shows(now, track, defect, epoch),
            Event::Advance { track, token } => self.advance(now, track, token),
            Event::Pause { track, episode } => self.pause(now, track, episode),
            Event::Cancel { target, older } => self.cancel(now, target, older),
            Event::Scripted { track, k } => self.recorded_change(now, track, k),
        }
        if let Some(track) = event.track() {
            self.settle(now, track);
        }
    }

    /// Version `version`'s cut: the overlap rule judges the previous version, then the
    /// version's tracks are cut (a track cut later waits for its own cut).
    fn branch_cut(&mut self, now: Timestamp, version: u32) {
        // Replayed as it happened, cancellations are the record's.
        if version > 0 && self.mode != Mode::AsRecorded {
            self.judge_overlap(now, version);
        }
        if version >= self.weeks {
            return;
        }
        let platforms = self.sc.platforms.len();
        for p in 0..platforms {
            let i = version as usize * platforms + p;
            match self.world.cut_of(i) {
                Some(cut) if cut == now => self.cut_track(now, i),
                Some(cut) => self.queue.push(cut, Event::TrackCut { track: i }),
                None => {}
            }
        }
    }

    /// The overlap rule at version `version`'s cut: for each platform whose previous
    /// version is still live, a person cancels one of the two (docs/model.md §6).
    fn judge_overlap(&mut self, now: Timestamp, version: u32) {
        let platforms = self.sc.platforms.len();
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

    /// Creates track `i` at its branch cut (`now`) and schedules what its world holds.
    fn cut_track(&mut self, now: Timestamp, i: usize) {
        let platforms = self.sc.platforms.len();
        let (version, platform) = (i / platforms, i % platforms);
        let Some(source) = self.world.take(i) else {
            return;
        };
        let modelled = self.mode != Mode::AsRecorded;
        let version = self.world.versions()[version];
        let mut track = Track::new(source, version, platform, now, modelled);
        if self.detail == Detail::Log {
            log_cut(&mut track, now);
        }
        self.schedule_world(now, i, &track);
        self.tracks[i] = Some(track);
        self.schedule_defects(now, i);
        // The cut itself is the branch's first commit.
        self.land_commit(now, i);
        self.settle(now, i);
    }

    /// Schedules what a new track's world fixed at its cut: blocker discoveries (in
    /// discovery order), sign-offs (in team order), the usage threshold, and (replayed as it
    /// happened) the recorded changes of state.
    fn schedule_world(&mut self, now: Timestamp, i: usize, track: &Track) {
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
        for after in &track.world.commits_landed {
            self.push_after(now, *after, Event::CommitLanded { track: i });
        }
        for (team, effort) in track.world.signoff_efforts.iter().enumerate() {
            if let Some(effort) = effort
                && let Some(done) = self.team_time(i, now, *effort)
            {
                let team = team as u32 + 1;
                self.queue.push(done, Event::SignoffDone { track: i, team });
            }
        }
        if let Some(after) = track.world.usage_after {
            self.push_after(now, after, Event::UsageEnough { track: i });
        }
        // Each recorded change after everything else at its instant (a simulated advance
        // follows the event that opened its gates).
        for (k, s) in track.script.changes.iter().enumerate() {
            self.queue.push_last(s.at, Event::Scripted { track: i, k });
        }
    }

    /// A blocker is found: before submission it opens and its fix starts; later it is a
    /// late bug, counted and left to ride the next train.
    fn blocker_found(&mut self, now: Timestamp, track: usize, blocker: usize) {
        let Some(t) = self.live(track) else { return };
        let early = matches!(t.state, State::Branched | State::FinalRc);
        let effort = t.world.blockers[blocker].fix_effort;
        if early {
            t.blockers.open += 1;
            t.result.blockers += 1;
        } else {
            t.result.late_bugs += 1;
        }
        let bug = Ref::Bug(blocker as u32 + 1);
        self.log(track, now, Kind::BlockerOpened, bug, None);
        if early
            && let Some(effort) = effort
            && let Some(done) = self.team_time(track, now, effort)
        {
            self.queue.push(done, Event::BlockerFixed { track, bug });
        }
    }

    /// A blocker's (or a rejection's) fix lands as a commit.
    fn blocker_fixed(&mut self, now: Timestamp, track: usize, bug: Ref) {
        let Some(t) = self.live(track) else { return };
        t.blockers.open = t.blockers.open.saturating_sub(1);
        self.log(track, now, Kind::BlockerFixed, bug, None);
        self.land_commit(now, track);
    }

    /// A commit lands on the release branch; a build starts unless one is running (it will
    /// pick the commit up when it finishes).
    fn land_commit(&mut self, now: Timestamp, i: usize) {
        let Some(t) = self.live(i) else { return };
        t.builds.commits += 1;
        if !t.builds.running && !t.world.silent.contains(Family::Builds) {
            self.start_build(now, i);
        }
    }

    /// A build starts with every commit landed so far.
    fn start_build(&mut self, now: Timestamp, i: usize) {
        let sc = self.sc;
        let Some(t) = self.live(i) else { return };
        let draw = t.world.next_build(sc);
        t.builds.running = true;
        t.builds.latest += 1;
        t.builds.status = BuildStatus::Running;
        let (commits, build) = (t.builds.commits, t.builds.latest);
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

    /// Build `build`, of the first `commits` commits, finished.
    fn build_done(&mut self, now: Timestamp, i: usize, commits: u32, build: u32, draw: BuildDraw) {
        let Some(t) = self.live(i) else { return };
        t.builds.running = false;
        let minutes = draw.duration.map(|d| d.as_secs_f64() / 60.0);
        self.log(i, now, Kind::BuildFinished, Ref::Build(build), minutes);
        if draw.flaky {
            self.build_failed(now, i, build);
        } else {
            self.build_passed(now, i, commits, build, draw.crash_rate_percent);
        }
    }

    /// A spurious test failure: the build reruns at once, with whatever has landed since.
    fn build_failed(&mut self, now: Timestamp, i: usize, build: u32) {
        let Some(t) = self.live(i) else { return };
        t.builds.status = BuildStatus::Failed;
        self.log(i, now, Kind::TestsFailed, Ref::Build(build), None);
        self.start_build(now, i);
    }

    /// A build passed: it is green for its commits, its crash rate is measured (a breach
    /// before submission starts a crash fix), and the next build takes what landed since.
    fn build_passed(&mut self, now: Timestamp, i: usize, commits: u32, build: u32, crash: f64) {
        let max = self.sc.thresholds.crash_rate_max_percent;
        let Some(t) = self.live(i) else { return };
        let metrics = !t.world.silent.contains(Family::Metrics);
        t.builds.status = BuildStatus::Passed;
        t.builds.green_commits = commits;
        if metrics {
            t.metrics.crash_rate = Some(crash);
        }
        let before_submission = matches!(t.state, State::Branched | State::FinalRc | State::Paused);
        let crash_fix = metrics && crash > max && before_submission && !t.metrics.fix_active;
        let more = t.builds.commits > commits;
        self.log(i, now, Kind::TestsPassed, Ref::Build(build), None);
        if metrics {
            self.log(i, now, Kind::Metric, Ref::CrashRate, Some(crash));
        }
        if crash_fix {
            self.start_crash_fix(now, i);
        }
        if more {
            self.start_build(now, i);
        }
    }

    /// A crash fix starts, in feature-team working time.
    fn start_crash_fix(&mut self, now: Timestamp, i: usize) {
        let sc = self.sc;
        let Some(t) = self.live(i) else { return };
        t.metrics.fix_active = true;
        t.metrics.fixes += 1;
        let fix = t.metrics.fixes;
        if let Some(effort) = t.world.next_crash_fix(sc)
            && let Some(done) = self.team_time(i, now, effort)
        {
            self.queue.push(done, Event::CrashFixed { track: i, fix });
        }
    }

    /// A crash fix lands as a commit (the next build draws a new crash rate).
    fn crash_fixed(&mut self, now: Timestamp, track: usize, fix: u32) {
        let Some(t) = self.live(track) else { return };
        t.metrics.fix_active = false;
        self.log(track, now, Kind::CrashFixLanded, Ref::CrashFix(fix), None);
        self.land_commit(now, track);
    }

    /// A recorded fix whose bug's opening is unknown lands: a commit on the branch.
    fn commit_landed(&mut self, now: Timestamp, track: usize) {
        let Some(t) = self.live(track) else { return };
        t.result.fixes_landed += 1;
        self.log(track, now, Kind::FixLanded, Ref::None, None);
        self.land_commit(now, track);
    }

    /// A team signs off.
    fn signoff_done(&mut self, now: Timestamp, track: usize, team: u32) {
        let Some(t) = self.live(track) else { return };
        t.signoff.done += 1;
        self.log(track, now, Kind::SignoffGiven, Ref::Team(team), None);
    }

    /// Beta usage reaches the threshold.
    fn usage_enough(&mut self, now: Timestamp, track: usize) {
        let Some(t) = self.live(track) else { return };
        t.usage.enough = true;
        self.log(track, now, Kind::Usage, Ref::None, Some(100.0));
    }

    /// The store's verdict on submission `submission`: approval, or a rejection, which
    /// sends the track back to `final_rc` with a fix to land.
    fn review_done(
        &mut self,
        now: Timestamp,
        track: usize,
        submission: u32,
        rejected: bool,
        fix_effort: Option<SignedDuration>,
    ) {
        let Some(t) = self.live(track) else { return };
        if t.state != State::Submitted || t.review.submissions != submission {
            return;
        }
        // A defect the review finds is a rejection, with that defect's fix.
        let (rejected, fix_effort) = match self.review_catches(track) {
            Some(effort) if !rejected => (true, Some(effort)),
            _ => (rejected, fix_effort),
        };
        let Some(t) = self.live(track) else { return };
        let review = Ref::Review(submission);
        if !rejected {
            t.review.approved = true;
            self.log(track, now, Kind::ReviewApproved, review, None);
            return;
        }
        t.result.rejections += 1;
        t.blockers.open += 1;
        self.log(track, now, Kind::ReviewRejected, review, None);
        self.log(track, now, Kind::BlockerOpened, review, None);
        self.change_state(now, track, State::FinalRc, Actor::World, None);
        if let Some(effort) = fix_effort
            && let Some(done) = self.team_time(track, now, effort)
        {
            self.queue
                .push(done, Event::BlockerFixed { track, bug: review });
        }
    }

    /// The bake of episode `episode`'s stage `stage` has passed.
    fn bake_done(&mut self, track: usize, episode: u32, stage: u32) {
        let Some(t) = self.live(track) else { return };
        if t.state == State::Rollout1 && t.rollout.episode == episode && t.rollout.stage == stage {
            t.rollout.bake_done = true;
        }
    }

    /// Episode `episode`'s ITGC check is done.
    fn itgc_done(&mut self, now: Timestamp, track: usize, episode: u32) {
        let Some(t) = self.live(track) else { return };
        if t.state == State::Rollout1 && t.rollout.episode == episode {
            t.rollout.itgc_done = true;
            self.log(track, now, Kind::ItgcDone, Ref::Rollout(episode), None);
        }
    }

    /// A severe incident during episode `episode` at 1%: its fix starts and a person is
    /// asked to pause.
    fn incident(
        &mut self,
        now: Timestamp,
        track: usize,
        episode: u32,
        fix_effort: Option<SignedDuration>,
    ) {
        let people_pause = self.mode != Mode::AsRecorded;
        let Some(t) = self.live(track) else { return };
        if t.state != State::Rollout1 || t.rollout.episode != episode {
            return;
        }
        t.rollout.incident_open = true;
        let incident = Ref::Incident(episode);
        self.log(track, now, Kind::IncidentOpened, incident, None);
        let fixed = fix_effort.and_then(|effort| self.team_time(track, now, effort));
        self.schedule_incident_fix(track, episode, fixed);
        // Pausing is a judgement call: a person does it, in working hours (replayed as it
        // happened: when the record says).
        if people_pause && let Some(at) = self.human_time(track, now) {
            self.queue.push(at, Event::Pause { track, episode });
        }
    }

    /// (Re)schedules the open incident's fix to land at `fixed` (`None`: never); an earlier
    /// schedule goes stale.
    pub(super) fn schedule_incident_fix(
        &mut self,
        track: usize,
        episode: u32,
        fixed: Option<Timestamp>,
    ) {
        let Some(t) = self.live(track) else { return };
        t.rollout.incident_fix += 1;
        t.rollout.incident_fixed_at = fixed;
        let fix = t.rollout.incident_fix;
        if let Some(at) = fixed {
            let event = Event::IncidentFixed {
                track,
                episode,
                fix,
            };
            self.queue.push(at, event);
        }
    }

    /// An incident's fix lands as a commit (unless a later defect's fix superseded it).
    fn incident_fixed(&mut self, now: Timestamp, track: usize, episode: u32, fix: u32) {
        let Some(t) = self.live(track) else { return };
        if t.rollout.incident_fix != fix {
            return;
        }
        t.rollout.incident_open = false;
        t.rollout.incident_fixed_at = None;
        self.log(
            track,
            now,
            Kind::IncidentFixed,
            Ref::Incident(episode),
            None,
        );
        self.land_commit(now, track);
    }

    /// A person pauses the rollout, if the track is still in that episode at 1%.
    fn pause(&mut self, now: Timestamp, track: usize, episode: u32) {
        let Some(t) = self.live(track) else { return };
        if t.state == State::Rollout1 && t.rollout.episode == episode {
            t.result.pauses += 1;
            self.change_state(now, track, State::Paused, Actor::Manual, None);
        }
    }

    /// The policy's advance, unless it was withdrawn since (a stale token).
    fn advance(&mut self, now: Timestamp, track: usize, token: u64) {
        let Some(t) = self.live(track) else { return };
        let Some(p) = t.pending.filter(|p| p.token == token) else {
            return;
        };
        t.pending = None;
        // `rollout_1` again from `rollout_1`: the staged rollout's next stage below 100%.
        if p.step == Step::Rollout1 && t.state == State::Rollout1 {
            self.widen(now, track, p.actor, None);
            return;
        }
        self.change_state(now, track, p.step.target(), p.actor, Some(p.gates_since));
    }

    /// The overlap rule's cancellation of `target`, if the older track is still live.
    fn cancel(&mut self, now: Timestamp, target: usize, older: usize) {
        // A counterfactual keeps what the record shows the team allowed: an older release
        // live past the next cut, not cancelled. (The cancellation is still scheduled, so
        // the reaction draws are those of any other run.)
        if self.mode == Mode::Counterfactual
            && self.tracks[older]
                .as_ref()
                .is_some_and(|t| t.world.overlap_tolerated)
        {
            return;
        }
        let older_live = self.live(older).is_some();
        if older_live && self.live(target).is_some() {
            self.change_state(now, target, State::Cancelled, Actor::Manual, None);
        }
    }

    /// The `k`th recorded change of state, if the track can still make it.
    fn recorded_change(&mut self, now: Timestamp, track: usize, k: usize) {
        let Some(t) = self.live(track) else { return };
        t.script.next = k + 1;
        let Some(s) = t.script.changes.get(k).copied() else {
            return;
        };
        // A staged rollout's next stage, as recorded.
        if s.to == State::Rollout1 && t.state == State::Rollout1 {
            self.widen(now, track, s.actor, s.percent);
            return;
        }
        if !t.state.can_go_to(s.to) {
            return;
        }
        let step = t.state.next_step().filter(|step| step.target() == s.to);
        let gates_since = step.and(t.script.gates_since);
        if s.to == State::Paused {
            t.result.pauses += 1;
        }
        self.change_state(now, track, s.to, s.actor, gates_since);
        // A recorded first stage at its own percentage (Play's 2%, say).
        if let (State::Rollout1, Some(p)) = (s.to, s.percent)
            && let Some(t) = self.live(track)
        {
            t.rollout.percent = p;
        }
    }
}

/// The event-log rows of a branch cut: the cut, and each team's sign-off requirement
/// (required teams first, then those that opted out).
fn log_cut(track: &mut Track, now: Timestamp) {
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
