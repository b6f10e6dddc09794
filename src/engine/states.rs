//! Changes of state, and what entering each state starts: a store review on entering
//! `submitted`, a new 1% episode on entering `rollout_1`, the end of the track on entering a
//! terminal state.

use jiff::Timestamp;

use super::events::Event;
use super::record::{Outcome, TransitionRecord};
use super::{Engine, later_than, live_mut};
use crate::model::{Actor, Family, Kind, Ref, State};

impl Engine<'_> {
    /// Moves live track `i` to `to` at `now`, by `actor`; `gates_since` is when a policy
    /// step's gates started to hold (`None` for other changes).
    pub(super) fn change_state(
        &mut self,
        now: Timestamp,
        i: usize,
        to: State,
        actor: Actor,
        gates_since: Option<Timestamp>,
    ) {
        // The use and exposure of the state being left.
        self.accrue(now, i);
        let max = self.sc.thresholds.crash_rate_max_percent;
        let detail = self.detail;
        let percent = match to {
            State::Rollout1 => self.sc.rollout_plan(self.platform(i)).percent(0),
            s => s.rollout_percent(),
        };
        let Some(t) = live_mut(&mut self.tracks, i) else {
            return;
        };
        let from = t.state;
        debug_assert!(from.can_go_to(to), "{from} -> {to}");
        let change = TransitionRecord {
            from,
            to,
            at: now,
            actor,
            gates_passed_at: gates_since,
            gates_held: t.gates_held(max),
        };
        t.state = to;
        t.pending = None;
        t.script.gates_since = None;
        let first = &mut t.result.entered[to.index()];
        if first.is_none() {
            *first = Some(now);
        }
        t.record_change(detail, change, percent);
        match to {
            State::Submitted => self.start_review(now, i),
            State::Rollout1 => self.start_episode(now, i),
            State::Rollout100 => self.end(now, i, Outcome::Shipped),
            State::Cancelled => self.end(now, i, Outcome::Cancelled),
            // Use no longer shows defects: what was scheduled goes stale.
            State::Paused => self.reschedule_defects(now, i),
            State::Branched | State::FinalRc => {}
        }
    }

    /// Entering `submitted` hands the build to the store: a review is drawn and its verdict
    /// scheduled (a platform without a store approves at once).
    fn start_review(&mut self, now: Timestamp, i: usize) {
        let sc = self.sc;
        let end = self.end;
        let Some(t) = live_mut(&mut self.tracks, i) else {
            return;
        };
        t.review.submissions += 1;
        if t.review.submissions > 1 {
            t.result.resubmissions += 1;
        }
        t.review.approved = false;
        let submission = t.review.submissions;
        let store = match sc.platforms[t.result.platform].store {
            // No store: distribution accepts the build as it is handed over.
            None => {
                t.review.approved = true;
                return;
            }
            Some(_) if t.world.silent.contains(Family::Reviews) => return,
            Some(store) => store,
        };
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

    /// Entering `rollout_1` starts a new episode at the plan's first stage: the bake and the
    /// ITGC check restart, and the world draws the check's end and any severe incident.
    fn start_episode(&mut self, now: Timestamp, i: usize) {
        let sc = self.sc;
        let end = self.end;
        let first = sc.rollout_plan(self.platform(i)).stages[0];
        let Some(t) = live_mut(&mut self.tracks, i) else {
            return;
        };
        t.rollout.episode += 1;
        t.rollout.stage = 0;
        t.rollout.percent = first.percent;
        t.rollout.bake_done = false;
        t.rollout.itgc_done = false;
        let episode = t.rollout.episode;
        let checks = !t.world.silent.contains(Family::RolloutChecks);
        let r = checks.then(|| t.world.next_rollout(sc));
        if let Some(at) = later_than(end, now, first.bake) {
            let stage = 0;
            self.queue.push(
                at,
                Event::BakeDone {
                    track: i,
                    episode,
                    stage,
                },
            );
        }
        let modelled = t.defects.modelled;
        let Some(r) = r else {
            if modelled {
                self.start_defect_episode(now, i, None);
            }
            return;
        };
        if let Some(at) = r.itgc.and_then(|d| later_than(end, now, d)) {
            self.queue.push(at, Event::ItgcDone { track: i, episode });
        }
        // Simulated (and re-run), the incident is a defect that shows with use; replayed as
        // it happened, it opens when the record says.
        if modelled {
            let incident = r.incident_after.zip(r.incident_fix_effort);
            self.start_defect_episode(now, i, incident);
        } else if let Some(at) = r.incident_after.and_then(|d| later_than(end, now, d)) {
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

    /// A staged rollout widens to its next stage below 100% at `now`, by `actor` (the
    /// policy's `rollout_1` actor, or the store in a phased release): the state stays
    /// `rollout_1`, the stage's bake starts; the episode (its ITGC check, its incident) goes
    /// on. Not a change of state: no transition row; an event-log `rollout` row.
    ///
    /// Replayed as recorded, `recorded` is the log's percentage: a stage the plan has
    /// (below 100%) starts its bake as planned; one past the plan's stages only changes the
    /// percentage shown (the bake and gates go on as before, so a log replays as it did
    /// before rollout plans).
    pub(super) fn widen(&mut self, now: Timestamp, i: usize, actor: Actor, recorded: Option<u8>) {
        self.accrue(now, i);
        let end = self.end;
        let detail = self.detail;
        let plan = self.sc.rollout_plan(self.platform(i));
        let Some(t) = live_mut(&mut self.tracks, i) else {
            return;
        };
        let stage = t.rollout.stage + 1;
        let planned = plan
            .stages
            .get(stage as usize)
            .copied()
            .filter(|s| s.percent < 100);
        let Some(percent) = recorded.or(planned.map(|s| s.percent)) else {
            return;
        };
        t.rollout.percent = percent;
        let Some(next) = planned else {
            self.reschedule_defects(now, i);
            return;
        };
        t.rollout.stage = stage;
        t.rollout.bake_done = false;
        t.pending = None;
        t.script.gates_since = None;
        let episode = t.rollout.episode;
        t.log(
            detail,
            now,
            Kind::Rollout,
            Ref::Actor(actor),
            Some(f64::from(percent)),
        );
        if let Some(at) = later_than(end, now, next.bake) {
            self.queue.push(
                at,
                Event::BakeDone {
                    track: i,
                    episode,
                    stage,
                },
            );
        }
        self.reschedule_defects(now, i);
    }

    /// Entering a terminal state ends the track with `outcome`; it is settled at once, as
    /// nothing after this handles it (its last label is closed).
    fn end(&mut self, now: Timestamp, i: usize, outcome: Outcome) {
        if outcome == Outcome::Shipped {
            self.release_defects(now, i);
        }
        if let Some(t) = self.track(i) {
            t.result.defects = t.defect_summary();
            t.result.outcome = outcome;
            t.result.ended = now;
            // A released track's hotfixes, where the world holds them (replayed as recorded).
            // (A simulation's are its escaped defects', above.)
            if outcome == Outcome::Shipped {
                if t.world.hotfixes.is_some() {
                    t.result.hotfixes = t.world.hotfixes.take();
                }
                // What the world still held when the release shipped is counted, not lost.
                let r = &mut t.result;
                // The blockers the rings found are defects, not the world's blockers.
                let defects = r.defects.as_ref();
                let rings = defects.map_or(0, |d| d.caught_testing + d.caught_beta);
                let found = (r.blockers.saturating_sub(rings) + r.late_bugs) as usize;
                r.bugs_after_release = t.world.blockers.len().saturating_sub(found) as u32;
                let landed = r.fixes_landed as usize;
                r.fixes_after_release = t.world.commits_landed.len().saturating_sub(landed) as u32;
            }
        }
        self.settle(now, i);
    }
}
