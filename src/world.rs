//! The exogenous world: everything that happens whatever the policy.
//!
//! Each (seed, version, platform, process) has its own random stream ([`stream`]), so that a
//! process draws the same values under every policy even when another process draws more or
//! fewer times (common random numbers), and a run does not depend on which thread runs it.
//! Durations that start at a policy-dependent moment (a review after submission, a bake
//! after 1%) are drawn as durations, in the order the track needs them.
//!
//! A season's world ([`SeasonWorld`]) is what the engine consumes: every track's world,
//! drawn ([`SeasonWorld::synthetic`]) or recorded ([`recorded`]: what a history recorded
//! first, these streams for the rest, drawn from exactly as a simulation would).

pub mod recorded;
mod season;

pub use season::{Mode, SeasonTrack, SeasonWorld};

use jiff::SignedDuration;
use rand::{RngExt, SeedableRng};
use rand_chacha::ChaCha8Rng;
use rand_distr::{Distribution, Poisson};

use crate::dist::{hours, minutes};
use crate::model::Families;
use crate::scenario::{Scenario, StoreParams};

/// The independent random processes of one track.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Process {
    /// Blocking bugs: how many, when found, how much fixing.
    Blockers,
    /// Regression sign-off: who opts out, how long each team tests.
    Signoff,
    /// Beta usage toward the "enough content played" threshold.
    Usage,
    /// Builds and automated tests: duration, flaky failure, crash rate.
    Builds,
    /// Crash-rate fixes: effort.
    CrashFixes,
    /// Store reviews: latency, rejection, rejection fix effort.
    Review,
    /// 1% rollouts: ITGC duration, severe incident, incident fix effort.
    Rollout,
    /// People's reaction time once a decision is due.
    Reaction,
}

/// The random stream of one process of one track.
///
/// The platform enters by name, so adding a platform to a scenario leaves the others' worlds
/// unchanged.
///
/// Why by hand: every recorded figure and snapshot rests on these keys, so they must never
/// move. A hashing crate's output may change between its versions (and `std`'s hashers are
/// explicitly unstable); two published, fixed 64-bit mixers written out here cannot.
pub fn stream(seed: u64, version: u32, platform: &str, process: Process) -> ChaCha8Rng {
    let mut key = splitmix(seed ^ 0x636f_6e64_7563_746f); // "conducto"
    key = splitmix(key ^ u64::from(version));
    key = splitmix(key ^ fnv1a(platform.as_bytes()));
    key = splitmix(key ^ (process as u64 + 1));
    ChaCha8Rng::seed_from_u64(key)
}

/// SplitMix64's finaliser: a fixed, well-mixing 64-bit hash (stable across Rust versions,
/// unlike `std`'s hashers).
fn splitmix(mut z: u64) -> u64 {
    z = z.wrapping_add(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

fn fnv1a(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf2_9ce4_8422_2325, |h, b| {
        (h ^ u64::from(*b)).wrapping_mul(0x0000_0100_0000_01b3)
    })
}

/// One blocking bug as the world draws it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BlockerDraw {
    /// Wall-clock time from the branch cut to discovery.
    pub found_after: SignedDuration,
    /// Feature-team working time to fix it; `None`: never fixed (a replayed log without
    /// the fix).
    pub fix_effort: Option<SignedDuration>,
}

/// A build's outcome as the world draws it.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct BuildDraw {
    /// Build plus automated tests, wall clock; `None`: never finishes (replay).
    pub duration: Option<SignedDuration>,
    /// True when the tests failed spuriously (the build is rerun).
    pub flaky: bool,
    /// Crash rate of the build once in users' hands, in percent of sessions.
    pub crash_rate_percent: f64,
}

/// A store review's outcome.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ReviewDraw {
    /// Wall-clock time from submission to the verdict; `None`: no verdict (replay).
    pub latency: Option<SignedDuration>,
    /// True when the store rejects.
    pub rejected: bool,
    /// Feature-team working time to address a rejection (drawn even when approved).
    pub fix_effort: Option<SignedDuration>,
}

/// What happens during one 1% rollout.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RolloutDraw {
    /// Wall-clock time until the ITGC check is done; `None`: never (replay).
    pub itgc: Option<SignedDuration>,
    /// When a severe incident would appear after 1% started, if one does.
    pub incident_after: Option<SignedDuration>,
    /// Feature-team working time to fix the incident; `None`: never fixed (replay).
    pub incident_fix_effort: Option<SignedDuration>,
}

/// The world of one track: the draws fixed at the branch cut, and the streams for the rest.
#[derive(Debug, Clone)]
pub struct TrackWorld {
    /// Blockers of this release, in discovery order.
    pub blockers: Vec<BlockerDraw>,
    /// Teams that opted out of manual regression testing.
    pub signoff_opted_out: u32,
    /// Working time each remaining team needs to sign off (`None`: never signs off).
    pub signoff_efforts: Vec<Option<SignedDuration>>,
    /// Wall-clock time from the cut until beta usage is enough (`None`: never).
    pub usage_after: Option<SignedDuration>,
    /// Families the engine must not run: those a log replayed as it happened does not
    /// record. Their gates are unknown.
    pub silent: Families,
    /// The record shows this release still live, and not cancelled, when the next version
    /// was cut: the team let two branches overlap. A counterfactual then does not cancel it
    /// by the overlap rule (docs/model.md, §6). Always false in a drawn world.
    pub overlap_tolerated: bool,
    /// Recorded commits whose bug's opening the log does not record (`fix_landed`), from
    /// the cut: they land whatever the policy. Empty in a drawn world.
    pub commits_landed: Vec<SignedDuration>,
    /// The hotfixes after the release, replayed as recorded; `None` where they are not
    /// modelled (a drawn world, a counterfactual).
    pub hotfixes: Option<Vec<recorded::RecordedHotfix>>,
    /// What a record holds of the sequential processes, consumed in order in place of the
    /// draws ([`recorded`]).
    recorded: Option<Box<recorded::Overlay>>,
    builds: ChaCha8Rng,
    crash_fixes: ChaCha8Rng,
    review: ChaCha8Rng,
    rollout: ChaCha8Rng,
    reaction: ChaCha8Rng,
}

impl TrackWorld {
    /// Draws the world of `version` on platform number `platform` for `seed`.
    pub fn new(scenario: &Scenario, seed: u64, version: u32, platform: &str) -> TrackWorld {
        let w = &scenario.world;

        let mut rng = stream(seed, version, platform, Process::Blockers);
        let count = if w.blockers_mean_count > 0.0 {
            match Poisson::new(w.blockers_mean_count) {
                Ok(p) => p.sample(&mut rng) as usize,
                Err(_) => w.blockers_mean_count.round() as usize,
            }
        } else {
            0
        };
        let mut blockers: Vec<BlockerDraw> = (0..count)
            .map(|_| BlockerDraw {
                found_after: hours(w.blocker_discovery_hours.sample(&mut rng)),
                fix_effort: Some(hours(w.blocker_fix_effort_hours.sample(&mut rng))),
            })
            .collect();
        blockers.sort_by_key(|b| b.found_after);

        let mut rng = stream(seed, version, platform, Process::Signoff);
        let mut signoff_opted_out = 0;
        let mut signoff_efforts = Vec::new();
        for _ in 0..w.signoff_teams {
            // Both draws every time, so one team's choice never shifts another's effort.
            let opts_out = rng.random_bool(w.signoff_opt_out);
            let effort = hours(w.signoff_effort_hours.sample(&mut rng));
            if opts_out {
                signoff_opted_out += 1;
            } else {
                signoff_efforts.push(Some(effort));
            }
        }

        let mut rng = stream(seed, version, platform, Process::Usage);
        let usage_after = Some(hours(w.usage_hours_to_enough.sample(&mut rng)));

        TrackWorld {
            blockers,
            signoff_opted_out,
            signoff_efforts,
            usage_after,
            silent: Families::default(),
            overlap_tolerated: false,
            commits_landed: Vec::new(),
            hotfixes: None,
            recorded: None,
            builds: stream(seed, version, platform, Process::Builds),
            crash_fixes: stream(seed, version, platform, Process::CrashFixes),
            review: stream(seed, version, platform, Process::Review),
            rollout: stream(seed, version, platform, Process::Rollout),
            reaction: stream(seed, version, platform, Process::Reaction),
        }
    }

    /// A fingerprint of the draws fixed at the branch cut (blockers, sign-off, usage): equal
    /// fingerprints mean the same world, whatever the policy.
    pub fn fingerprint(&self) -> u64 {
        let secs = |d: Option<SignedDuration>| d.map_or(u64::MAX, |d| d.as_secs() as u64);
        let mut h = splitmix(secs(self.usage_after));
        for b in &self.blockers {
            h = splitmix(h ^ b.found_after.as_secs() as u64);
            h = splitmix(h ^ secs(b.fix_effort));
        }
        for e in &self.signoff_efforts {
            h = splitmix(h ^ secs(*e));
        }
        splitmix(h ^ u64::from(self.signoff_opted_out))
    }

    /// The next build's outcome.
    pub fn next_build(&mut self, scenario: &Scenario) -> BuildDraw {
        let w = &scenario.world;
        // Drawn even when recorded, so the stream stays where a simulation would have it.
        let mut draw = BuildDraw {
            duration: Some(minutes(w.build_duration_minutes.sample(&mut self.builds))),
            flaky: self.builds.random_bool(w.build_flaky_failure),
            crash_rate_percent: w.crash_rate_percent.sample(&mut self.builds),
        };
        if let Some(r) = &mut self.recorded {
            r.build(&mut draw);
        }
        draw
    }

    /// Working time for the next crash-rate fix (`None`: never lands).
    pub fn next_crash_fix(&mut self, scenario: &Scenario) -> Option<SignedDuration> {
        let drawn = hours(
            scenario
                .world
                .crash_fix_effort_hours
                .sample(&mut self.crash_fixes),
        );
        match &mut self.recorded {
            Some(r) => r.crash_fix(drawn),
            None => Some(drawn),
        }
    }

    /// The next review's verdict and latency.
    pub fn next_review(&mut self, store: &StoreParams) -> ReviewDraw {
        let mut draw = ReviewDraw {
            latency: Some(hours(store.review_hours.sample(&mut self.review))),
            rejected: self.review.random_bool(store.rejection),
            fix_effort: Some(hours(
                store.rejection_fix_effort_hours.sample(&mut self.review),
            )),
        };
        if let Some(r) = &mut self.recorded {
            r.review(&mut draw);
        }
        draw
    }

    /// What the next 1% rollout meets.
    pub fn next_rollout(&mut self, scenario: &Scenario) -> RolloutDraw {
        let w = &scenario.world;
        let itgc = hours(w.itgc_hours.sample(&mut self.rollout));
        let incident = self.rollout.random_bool(w.incident);
        let after = hours(w.incident_after_hours.sample(&mut self.rollout));
        let incident_fix_effort = hours(w.incident_fix_effort_hours.sample(&mut self.rollout));
        let mut draw = RolloutDraw {
            itgc: Some(itgc),
            incident_after: incident.then_some(after),
            incident_fix_effort: Some(incident_fix_effort),
        };
        if let Some(r) = &mut self.recorded {
            r.rollout(&mut draw);
        }
        draw
    }

    /// A person's next reaction time, in the release squad's working time.
    pub fn next_reaction(&mut self, scenario: &Scenario) -> SignedDuration {
        minutes(scenario.world.reaction_minutes.sample(&mut self.reaction))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::dist::MAX_DRAW_HOURS;
    use rand::Rng;

    #[test]
    fn streams_differ_by_every_key_part() {
        let base = stream(1, 2, "ios", Process::Review).next_u64();
        assert_eq!(base, stream(1, 2, "ios", Process::Review).next_u64());
        assert_ne!(base, stream(2, 2, "ios", Process::Review).next_u64());
        assert_ne!(base, stream(1, 3, "ios", Process::Review).next_u64());
        assert_ne!(base, stream(1, 2, "android", Process::Review).next_u64());
        assert_ne!(base, stream(1, 2, "ios", Process::Builds).next_u64());
    }

    #[test]
    fn stream_values_are_pinned() {
        // A change here changes every simulated world: bump the data schema and say so.
        assert_eq!(
            stream(0, 0, "android", Process::Blockers).next_u64(),
            PINNED
        );
    }
    const PINNED: u64 = 9896889530314445848;

    #[test]
    fn durations_are_whole_seconds_and_never_negative() {
        assert_eq!(hours(1.5).as_secs(), 5400);
        assert_eq!(minutes(-3.0).as_secs(), 0);
        assert_eq!(hours(0.0001).as_secs(), 0);
    }

    #[test]
    fn durations_are_capped_at_ten_years() {
        let cap = (MAX_DRAW_HOURS * 3600.0) as i64;
        for h in [1e9, 1e300, f64::INFINITY, f64::MAX] {
            assert_eq!(hours(h).as_secs(), cap, "{h}");
            assert_eq!(minutes(h).as_secs(), cap, "{h}");
        }
        assert_eq!(hours(f64::NAN).as_secs(), 0);
        assert_eq!(hours(f64::NEG_INFINITY).as_secs(), 0);
    }
}
