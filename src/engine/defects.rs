//! Severe defects through the rings (docs/model.md §8, "Defects and the rings").
//!
//! A release's defects are drawn at its cut ([`crate::world::DefectDraw`]); each rollout
//! episode's production incident joins them when the episode starts. Before submission the
//! owning team's manual testing and the beta may find one: it is then a blocker (today's
//! path). A store review may find one: a rejection. In users' hands a defect *shows* once
//! enough use has met it: use is counted in percent-seconds (1% of users for one second is
//! one), so a defect that shows after 8 hours at 1% shows after 96 minutes at 5% and under
//! five minutes at 100%. Shown at the rollout's first stage, it is caught there (a pause);
//! at a later stage or at 100% it has **escaped**: a later stage halts (the same pause), at
//! 100% it needs a hotfix. User exposure is the share of users holding a build with the
//! defect times the time they hold it, until a build without it replaces it for them.
//!
//! Every instant is computed with checked arithmetic; a moment that cannot be computed never
//! happens (the defect stays where it was).

use jiff::{SignedDuration, Timestamp};

use super::Engine;
use super::events::Event;
use super::track::{Fate, LiveDefect, Ring};
use crate::model::{Kind, Ref, State};
use crate::world::recorded::group_hotfixes;
use crate::world::{DefectDraw, Mode};

/// Percent-seconds of use per second at 100%.
const EVERYONE: i64 = 100;

impl Engine<'_> {
    /// At a track's cut: when its manual testing and its beta would find each defect (the
    /// earlier of the two; docs/model.md §8).
    pub(super) fn schedule_defects(&mut self, cut: Timestamp, i: usize) {
        let beta_percent = self
            .sc
            .world
            .defects
            .as_ref()
            .map_or(0.0, |d| d.beta_percent);
        let Some(t) = self.tracks.get(i).and_then(Option::as_ref) else {
            return;
        };
        // Most releases carry none: nothing to plan, nothing to allocate.
        if t.defects.list.is_empty() {
            return;
        }
        let usage = t.world.usage_after;
        let plans: Vec<(Option<SignedDuration>, Option<SignedDuration>)> = t
            .defects
            .list
            .iter()
            .map(|d| {
                let d = &d.draw;
                let testing = d
                    .tester
                    .filter(|_| d.found_in_testing)
                    .and_then(|k| t.world.signoff_efforts.get(k).copied().flatten())
                    .map(|effort| {
                        let part = effort.as_secs() as i128 * i128::from(d.tested_at_ppm);
                        SignedDuration::from_secs((part / 1_000_000) as i64)
                    });
                // The beta's window ends when its usage is enough (what the gate asks).
                let beta = (d.reported_in_beta && beta_percent > 0.0)
                    .then(|| d.shows_after.as_secs_f64() / beta_percent)
                    .map(|secs| SignedDuration::from_secs(secs.ceil().min(1e12) as i64))
                    .filter(|after| usage.is_some_and(|u| *after <= u));
                (testing, beta)
            })
            .collect();
        for (k, (testing, beta)) in plans.into_iter().enumerate() {
            let by_testing = testing.and_then(|effort| self.team_time(i, cut, effort));
            let by_beta = beta.and_then(|after| self.later(cut, after));
            let found = match (by_testing, by_beta) {
                (Some(a), Some(b)) if b < a => Some((b, Ring::Beta)),
                (Some(a), _) => Some((a, Ring::Testing)),
                (None, Some(b)) => Some((b, Ring::Beta)),
                (None, None) => None,
            };
            if let Some((at, ring)) = found {
                let event = Event::DefectFound {
                    track: i,
                    defect: k,
                    ring,
                };
                self.queue.push(at, event);
            }
        }
    }

    /// Testing or the beta found defect `k`: before submission it is a blocker; later the
    /// finding comes too late for this release and the defect goes on.
    pub(super) fn defect_found(&mut self, now: Timestamp, i: usize, k: usize, ring: Ring) {
        let Some(t) = self.live(i) else { return };
        if !matches!(t.state, State::Branched | State::FinalRc) {
            return;
        }
        let bugs = t.world.blockers.len();
        let Some(d) = t.defects.list.get_mut(k) else {
            return;
        };
        if d.fate != Fate::Latent {
            return;
        }
        d.fate = Fate::Caught(ring);
        let effort = d.draw.fix_effort;
        t.blockers.open += 1;
        t.result.blockers += 1;
        let bug = Ref::Bug((bugs + k) as u32 + 1);
        self.log(i, now, Kind::BlockerOpened, bug, None);
        if let Some(done) = self.team_time(i, now, effort) {
            self.queue.push(done, Event::BlockerFixed { track: i, bug });
        }
    }

    /// A store verdict: the defects its review finds (each not found before) are caught
    /// there. Returns the fix effort of the rejection they cause, if any.
    pub(super) fn review_catches(&mut self, i: usize) -> Option<SignedDuration> {
        let t = self.live(i)?;
        let mut effort = None;
        for d in &mut t.defects.list {
            if d.fate == Fate::Latent && d.draw.found_in_review {
                d.fate = Fate::Caught(Ring::Review);
                effort = Some(effort.map_or(d.draw.fix_effort, |e: SignedDuration| {
                    e.max(d.draw.fix_effort)
                }));
            }
        }
        effort
    }

    /// Adds up the use and exposure since the last time, at the track's current state and
    /// stage (call before the state or stage changes).
    pub(super) fn accrue(&mut self, now: Timestamp, i: usize) {
        let Some(t) = self.track(i) else { return };
        let secs = now.duration_since(t.defects.since).as_secs().max(0);
        t.defects.since = now;
        let percent = i64::from(t.rollout.percent);
        let (rolling, held) = match t.state {
            State::Rollout1 => (true, true),
            // A halted rollout: the users who have the build keep it.
            State::Paused => (false, true),
            _ => (false, false),
        };
        if !held || secs == 0 {
            return;
        }
        let used = secs.saturating_mul(percent);
        for d in t.defects.list.iter_mut().filter(|d| d.in_production) {
            d.exposure = d.exposure.saturating_add(used);
            if rolling && d.fate == Fate::Latent {
                d.used = d.used.saturating_add(used);
            }
        }
    }

    /// A new rollout episode starts at `now`: its build replaces the last for the users who
    /// had it (the defects shown before are fixed in it), its production incident (if the
    /// world draws one) joins the defects, every defect not found yet is in users' hands,
    /// and when each would show is scheduled.
    pub(super) fn start_defect_episode(
        &mut self,
        now: Timestamp,
        i: usize,
        incident: Option<(SignedDuration, SignedDuration)>,
    ) {
        let sc = self.sc;
        let platform = self.platform(i);
        let Some(t) = self.live(i) else { return };
        t.defects.since = now;
        for d in &mut t.defects.list {
            match d.fate {
                Fate::Latent | Fate::Unnoticed => d.in_production = true,
                Fate::Caught(_) => d.in_production = false,
            }
        }
        if let Some((shows_after, fix_effort)) = incident {
            let store = sc.platforms[platform].store;
            let draw = t
                .world
                .next_incident_defect(sc, store.as_ref(), shows_after, fix_effort);
            t.defects.list.push(LiveDefect::new(draw, true));
        }
        self.reschedule_defects(now, i);
    }

    /// The stage's share changed (or the rollout stopped): when each defect in users' hands
    /// and not found yet would show, at the new share. Earlier schedules go stale.
    pub(super) fn reschedule_defects(&mut self, now: Timestamp, i: usize) {
        let Some(t) = self.live(i) else { return };
        t.defects.epoch += 1;
        if t.state != State::Rollout1 || t.defects.list.is_empty() {
            return;
        }
        let (epoch, percent) = (t.defects.epoch, i64::from(t.rollout.percent.max(1)));
        let due: Vec<(usize, i64)> = t
            .defects
            .list
            .iter()
            .enumerate()
            .filter(|(_, d)| d.in_production && d.fate == Fate::Latent)
            .map(|(k, d)| (k, seconds_at(d.remaining_use(), percent)))
            .collect();
        for (k, secs) in due {
            let event = Event::DefectShows {
                track: i,
                defect: k,
                epoch,
            };
            self.push_after(now, SignedDuration::from_secs(secs), event);
        }
    }

    /// Defect `k` shows in users' hands during the rollout: noticed, it is an incident (its
    /// fix starts and a person is asked to pause; at a stage after the first it has
    /// escaped); unnoticed, the rollout goes on and 100% will show it.
    pub(super) fn defect_shows(&mut self, now: Timestamp, i: usize, k: usize, epoch: u32) {
        self.accrue(now, i);
        let Some(t) = self.live(i) else { return };
        if t.state != State::Rollout1 || t.defects.epoch != epoch {
            return;
        }
        let ring = if t.rollout.stage == 0 {
            Ring::FirstStage
        } else {
            Ring::LaterStage
        };
        let episode = t.rollout.episode;
        let Some(d) = t.defects.list.get_mut(k).filter(|d| d.fate == Fate::Latent) else {
            return;
        };
        if !d.draw.noticed_in_rollout {
            d.fate = Fate::Unnoticed;
            return;
        }
        d.fate = Fate::Caught(ring);
        let effort = d.draw.fix_effort;
        // A defect shown while an incident is open joins it: one incident, fixed when the
        // last of its fixes lands, one pause.
        let joins = t.rollout.incident_open;
        let due = t.rollout.incident_fixed_at.filter(|_| joins);
        t.rollout.incident_open = true;
        let fixed = self.team_time(i, now, effort);
        match (fixed, due) {
            (Some(f), Some(d)) if f <= d => {}
            _ => self.schedule_incident_fix(i, episode, fixed),
        }
        if joins {
            return;
        }
        self.log(i, now, Kind::IncidentOpened, Ref::Incident(episode), None);
        if let Some(at) = self.human_time(i, now) {
            self.queue.push(at, Event::Pause { track: i, episode });
        }
    }

    /// Track `i` reached everyone at `now`: every defect in users' hands not found yet shows
    /// (at 100%'s rate; one already shown but unnoticed at once) and has escaped. Each gets
    /// a hotfix, handled as an incident around the clock: its fix, a build, the store's
    /// review, then straight to everyone. Users are exposed until the hotfix reaches them.
    pub(super) fn release_defects(&mut self, now: Timestamp, i: usize) {
        let simulated = self.mode == Mode::Simulate;
        let Some(t) = self.track(i) else { return };
        if t.defects.list.is_empty() {
            if simulated {
                t.result.hotfixes = Some(Vec::new());
            }
            return;
        }
        let escaping: Vec<(usize, Timestamp)> = t
            .defects
            .list
            .iter()
            .enumerate()
            .filter(|(_, d)| d.in_production)
            .filter_map(|(k, d)| {
                let at = match d.fate {
                    Fate::Latent => now
                        .checked_add(SignedDuration::from_secs(seconds_at(
                            d.remaining_use(),
                            EVERYONE,
                        )))
                        .ok()?,
                    Fate::Unnoticed => now,
                    Fate::Caught(_) => return None,
                };
                Some((k, at))
            })
            .collect();
        let detail = self.detail;
        // Each escaped defect's hotfix: when it showed, when its fix landed, when its point
        // release reached everyone.
        let mut fixes: Vec<(Timestamp, Option<Timestamp>, Option<Timestamp>)> = Vec::new();
        for (k, shows) in escaping {
            let Some(t) = self.track(i) else { return };
            let draw = t.defects.list[k].draw;
            // A severe defect in everyone's hands is an incident: on call, around the clock,
            // the fix, its build, the store's review, the release to everyone.
            let fixed = shows.checked_add(draw.fix_effort).ok();
            let released = fixed
                .and_then(|f| f.checked_add(draw.hotfix_build).ok())
                .and_then(|b| b.checked_add(draw.hotfix_review.unwrap_or_default()).ok());
            let d = &mut t.defects.list[k];
            d.fate = Fate::Caught(Ring::Everyone);
            // Exposed at 100% from the release until the hotfix (an instant that cannot be
            // computed adds nothing).
            let secs = released.unwrap_or(now).duration_since(now).as_secs().max(0);
            d.exposure = d.exposure.saturating_add(secs.saturating_mul(EVERYONE));
            d.in_production = false;
            fixes.push((shows, fixed, released));
        }
        // Numbered by their point releases, as a team names them (`VERSION.n`); the rows the
        // event log holds after the release, in time order, grouped into hotfixes as a log's
        // reader groups them (a defect reported before the previous point release ships rides
        // with it), so a simulated history replays with these hotfixes.
        fixes.sort_by_key(|f| (f.2.is_none(), f.2));
        let Some(t) = self.track(i) else { return };
        let version = t.result.version;
        let mut rows: Vec<(Timestamp, Kind, Ref)> = Vec::new();
        for (n, (shows, fixed, released)) in (1..).zip(&fixes) {
            let point = Ref::PointRelease { version, n };
            rows.push((*shows, Kind::HotfixOpened, Ref::Hotfix(n)));
            rows.extend(fixed.map(|at| (at, Kind::BlockerFixed, Ref::Hotfix(n))));
            rows.extend(released.map(|at| (at, Kind::PointRelease, point)));
        }
        rows.sort_by_key(|r| r.0);
        let labels: Vec<Option<String>> = rows.iter().map(|r| r.2.text()).collect();
        let hotfixes = group_hotfixes(
            rows.iter()
                .zip(&labels)
                .map(|(r, label)| (r.0, r.1, label.as_deref())),
        );
        // A counterfactual does not re-run the history's hotfixes (docs/model.md §12).
        if simulated {
            for (at, kind, reference) in rows {
                t.log(detail, at, kind, reference, None);
            }
            t.result.hotfixes = Some(hotfixes);
        }
    }
}

/// Whole seconds until `use_left` percent-seconds of use have passed at `percent`, rounded
/// up (`use_left` ≥ 0, `percent` ≥ 1).
fn seconds_at(use_left: i64, percent: i64) -> i64 {
    (use_left as u64).div_ceil(percent as u64) as i64
}

impl LiveDefect {
    /// A defect of the release; `in_production`: already in users' hands.
    pub(super) fn new(draw: DefectDraw, in_production: bool) -> LiveDefect {
        LiveDefect {
            draw,
            used: 0,
            exposure: 0,
            fate: Fate::Latent,
            in_production,
        }
    }

    /// Percent-seconds of use still needed before it shows.
    fn remaining_use(&self) -> i64 {
        // Shown after that many seconds at 1%: as many percent-seconds.
        (self.draw.shows_after.as_secs() - self.used).max(0)
    }
}
