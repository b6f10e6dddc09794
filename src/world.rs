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
use crate::scenario::{DefectParams, Scenario, StoreParams};

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
    /// Severe defects: how many, where they live, how much use shows them, which rings
    /// catch them, their fixes and hotfixes (docs/model.md §8, "Defects and the rings").
    /// Last, so the other processes keep their keys.
    Defects,
}

/// The pseudo-platform whose streams hold a version's defects in code every platform shares
/// (not a valid platform name, so no platform's stream is this one).
const SHARED_CODE: &str = "*shared";

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

/// One severe defect of a release as the world draws it (docs/model.md §8, "Defects and
/// the rings"). What is drawn is fixed at the cut; which ring finds it depends on how the
/// track moves through them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DefectDraw {
    /// In code every platform shares (the same defect, with the same area, visibility and
    /// fix, is in every platform's release of the version).
    pub shared: bool,
    /// The required sign-off team whose area holds it (an index into
    /// [`TrackWorld::signoff_efforts`]); `None`: its team opted out of manual testing.
    pub tester: Option<usize>,
    /// How far into its team's testing effort the team would meet it, in millionths.
    pub tested_at_ppm: u32,
    /// The team's testing finds it when it meets it.
    pub found_in_testing: bool,
    /// How much use shows it, in seconds at 1% of users (at 5%, a fifth of the time).
    pub shows_after: SignedDuration,
    /// Beta users report it when it shows in the beta.
    pub reported_in_beta: bool,
    /// The store's review finds it (a rejection).
    pub found_in_review: bool,
    /// The release squad notices it when it shows at a stage below 100%.
    pub noticed_in_rollout: bool,
    /// Feature-team working time to fix it.
    pub fix_effort: SignedDuration,
    /// The hotfix's build and tests, wall clock.
    pub hotfix_build: SignedDuration,
    /// The hotfix's store review, wall clock; `None`: the platform has no store.
    pub hotfix_review: Option<SignedDuration>,
}

impl DefectDraw {
    /// A defect only production catches (a rollout's incident): it shows after
    /// `shows_after` at 1% (docs/model.md §8); noticed below 100%, no hotfix draws.
    fn incident(shows_after: SignedDuration, fix_effort: SignedDuration) -> DefectDraw {
        DefectDraw {
            shared: false,
            tester: None,
            tested_at_ppm: 0,
            found_in_testing: false,
            shows_after,
            reported_in_beta: false,
            found_in_review: false,
            noticed_in_rollout: true,
            fix_effort,
            hotfix_build: SignedDuration::ZERO,
            hotfix_review: None,
        }
    }
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
    /// Families whose draws a record replaced (the log records them). Empty in a drawn world.
    pub recorded_families: Families,
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
    /// The release's severe defects (shared ones first), drawn at the cut; empty in a
    /// recorded world (its rings' catches are its blockers and incidents).
    pub defects: Vec<DefectDraw>,
    /// What a record holds of the sequential processes, consumed in order in place of the
    /// draws ([`recorded`]).
    recorded: Option<Box<recorded::Overlay>>,
    builds: ChaCha8Rng,
    crash_fixes: ChaCha8Rng,
    review: ChaCha8Rng,
    rollout: ChaCha8Rng,
    reaction: ChaCha8Rng,
    /// After the defects drawn at the cut: whether each production incident is noticed at
    /// a stage below 100%, and its hotfix.
    defects_rng: ChaCha8Rng,
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
        // Per team (in team order): required or not.
        let mut signoff_required = Vec::with_capacity(w.signoff_teams as usize);
        for _ in 0..w.signoff_teams {
            // Both draws every time, so one team's choice never shifts another's effort.
            let opts_out = rng.random_bool(w.signoff_opt_out);
            let effort = hours(w.signoff_effort_hours.sample(&mut rng));
            signoff_required.push(!opts_out);
            if opts_out {
                signoff_opted_out += 1;
            } else {
                signoff_efforts.push(Some(effort));
            }
        }

        let mut rng = stream(seed, version, platform, Process::Usage);
        let usage_after = Some(hours(w.usage_hours_to_enough.sample(&mut rng)));

        let mut defects_rng = stream(seed, version, platform, Process::Defects);
        let store = scenario
            .platforms
            .iter()
            .find(|p| p.name == platform)
            .and_then(|p| p.store);
        let defects = match &w.defects {
            Some(d) => draw_defects(
                scenario,
                d,
                (seed, version),
                &mut defects_rng,
                store.as_ref(),
                signoff_team_efforts(&signoff_required),
            ),
            None => Vec::new(),
        };

        TrackWorld {
            blockers,
            signoff_opted_out,
            signoff_efforts,
            usage_after,
            silent: Families::default(),
            recorded_families: Families::default(),
            overlap_tolerated: false,
            commits_landed: Vec::new(),
            hotfixes: None,
            defects,
            recorded: None,
            builds: stream(seed, version, platform, Process::Builds),
            crash_fixes: stream(seed, version, platform, Process::CrashFixes),
            review: stream(seed, version, platform, Process::Review),
            rollout: stream(seed, version, platform, Process::Rollout),
            reaction: stream(seed, version, platform, Process::Reaction),
            defects_rng,
        }
    }

    /// The defect a rollout episode's production incident stands for: it shows after
    /// `shows_after` at 1% and needs `fix_effort`; whether the squad notices it below 100%
    /// and its hotfix's build and review are the next draws of the track's defect stream
    /// (after the defects drawn at the cut).
    pub fn next_incident_defect(
        &mut self,
        scenario: &Scenario,
        store: Option<&StoreParams>,
        shows_after: SignedDuration,
        fix_effort: SignedDuration,
    ) -> DefectDraw {
        let w = &scenario.world;
        let p = w.defects.as_ref().map_or(1.0, |d| d.rollout);
        let rng = &mut self.defects_rng;
        let noticed_in_rollout = chance(rng, p);
        let (hotfix_build, hotfix_review) = hotfix_draws(rng, scenario, store);
        DefectDraw {
            noticed_in_rollout,
            hotfix_build,
            hotfix_review,
            ..DefectDraw::incident(shows_after, fix_effort)
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
        for d in &self.defects {
            h = splitmix(h ^ d.shows_after.as_secs() as u64);
            h = splitmix(h ^ d.fix_effort.as_secs() as u64);
            h = splitmix(h ^ d.tester.map_or(u64::MAX, |t| t as u64));
            h = splitmix(h ^ u64::from(d.tested_at_ppm));
            let rings = [
                d.found_in_testing,
                d.reported_in_beta,
                d.found_in_review,
                d.noticed_in_rollout,
            ];
            h = splitmix(h ^ rings.iter().fold(0, |a, &r| a << 1 | u64::from(r)));
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

/// For each sign-off team in team order, its index among the required teams (`None`: it
/// opted out).
fn signoff_team_efforts(required: &[bool]) -> Vec<Option<usize>> {
    let mut next = 0;
    required
        .iter()
        .map(|&r| {
            r.then(|| {
                next += 1;
                next - 1
            })
        })
        .collect()
}

/// A yes with probability `p`, from exactly one uniform draw whatever `p` (so a ring's
/// detection can change without moving the stream).
fn chance(rng: &mut ChaCha8Rng, p: f64) -> bool {
    rng.random::<f64>() < p
}

/// A hotfix's build and (with a store) review, as the world draws them for a defect.
fn hotfix_draws(
    rng: &mut ChaCha8Rng,
    scenario: &Scenario,
    store: Option<&StoreParams>,
) -> (SignedDuration, Option<SignedDuration>) {
    let build = minutes(scenario.world.build_duration_minutes.sample(rng));
    (build, store.map(|s| hours(s.review_hours.sample(rng))))
}

/// A Poisson count with mean `mean` (0 for a mean of 0).
fn poisson(rng: &mut ChaCha8Rng, mean: f64) -> usize {
    if mean > 0.0 {
        match Poisson::new(mean) {
            Ok(p) => p.sample(rng) as usize,
            Err(_) => mean.round() as usize,
        }
    } else {
        0
    }
}

/// The severe defects of `version` on one platform: those in shared code (drawn from the
/// version's shared stream, so every platform has them), then the platform's own (from
/// `rng`, the track's defect stream), then, for each in that order, what the track's rings
/// and hotfix draw for it. `teams` maps each sign-off team to its required index.
fn draw_defects(
    scenario: &Scenario,
    d: &DefectParams,
    (seed, version): (u64, u32),
    rng: &mut ChaCha8Rng,
    store: Option<&StoreParams>,
    teams: Vec<Option<usize>>,
) -> Vec<DefectDraw> {
    // Where it lives, how visible it is and its fix: the same on every platform that has it.
    let kind = |rng: &mut ChaCha8Rng, shared: bool| {
        let team = (rng.random::<f64>() * teams.len() as f64) as usize;
        let tested_at_ppm = (rng.random::<f64>() * 1e6) as u32;
        let shows_after = hours(d.show_after_hours.sample(rng));
        let fix_effort = hours(d.fix_effort_hours.sample(rng));
        (
            shared,
            teams.get(team).copied().flatten(),
            tested_at_ppm,
            shows_after,
            fix_effort,
        )
    };
    let mut shared_rng = stream(seed, version, SHARED_CODE, Process::Defects);
    let shared = poisson(&mut shared_rng, d.mean_count * d.shared);
    let mut kinds: Vec<_> = (0..shared).map(|_| kind(&mut shared_rng, true)).collect();
    let own = poisson(rng, d.mean_count * (1.0 - d.shared));
    kinds.extend((0..own).map(|_| kind(rng, false)));
    kinds
        .into_iter()
        .map(|(shared, tester, tested_at_ppm, shows_after, fix_effort)| {
            let found_in_testing = chance(rng, d.testing);
            let reported_in_beta = chance(rng, d.beta);
            let found_in_review = chance(rng, d.review);
            let noticed_in_rollout = chance(rng, d.rollout);
            let (hotfix_build, review) = hotfix_draws(rng, scenario, store);
            DefectDraw {
                shared,
                tester,
                tested_at_ppm,
                found_in_testing,
                shows_after,
                reported_in_beta,
                found_in_review,
                noticed_in_rollout,
                fix_effort,
                hotfix_build,
                hotfix_review: review,
            }
        })
        .collect()
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
