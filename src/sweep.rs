//! Many runs at once: every (policy, seed) of a scenario, in parallel, in a fixed order.

use rayon::prelude::*;

use crate::engine::{self, Detail, RunResult};
use crate::progress::Progress;
use crate::scenario::{Policy, Scenario};
use crate::world::SeasonWorld;

/// What to run.
#[derive(Debug, Clone)]
pub struct Sweep<'a> {
    /// The scenario.
    pub scenario: &'a Scenario,
    /// The policies to compare (usually `manual` first).
    pub policies: Vec<&'a Policy>,
    /// The first seed; seeds are `first_seed .. first_seed + seeds`.
    pub first_seed: u64,
    /// How many seeds.
    pub seeds: u64,
    /// Versions per season.
    pub weeks: u32,
    /// How much each run records.
    pub detail: Detail,
}

impl Sweep<'_> {
    /// Every (policy, seed) pair in output order: policy-major, then seed.
    pub fn jobs(&self) -> Vec<(usize, u64)> {
        (0..self.policies.len())
            .flat_map(|p| (0..self.seeds).map(move |s| (p, self.first_seed + s)))
            .collect()
    }

    /// Runs every job on the current rayon pool. The result is in [`Sweep::jobs`] order and
    /// is the same whatever the number of threads: each run draws only from its own streams.
    pub fn run(&self) -> Vec<RunResult> {
        self.run_reporting(None)
    }

    /// [`Sweep::run`], counting each finished run in `progress`.
    pub fn run_reporting(&self, progress: Option<&Progress>) -> Vec<RunResult> {
        self.jobs()
            .par_iter()
            .map(|&(p, seed)| {
                let world = SeasonWorld::synthetic(self.scenario, seed, self.weeks);
                let run = engine::run(self.scenario, self.policies[p], world, self.detail);
                if let Some(progress) = progress {
                    progress.inc(1, 0);
                }
                run
            })
            .collect()
    }
}

/// Builds a rayon pool with `threads` workers (0 = one per core).
pub fn pool(threads: usize) -> Result<rayon::ThreadPool, rayon::ThreadPoolBuildError> {
    rayon::ThreadPoolBuilder::new().num_threads(threads).build()
}
