//! What a log says about the scenario's severe defects (docs/model.md §8, "Defects and the
//! rings"; docs/fit.md, "Defects from point releases").
//!
//! A log cannot show a defect no ring found, only what each ring did: its blockers, its
//! rejections, its incidents and, after a release, its point releases. Given the base
//! scenario's rings (how likely each is to find a defect), the point releases per shipped
//! release say how many severe defects a version carries: the rate divided by the share of
//! defects that escape to everyone. And the blockers a log shows include the defects manual
//! testing and the beta found, so the blockers drawn apart from them are fewer by the share
//! those rings catch. Both shares are computed from the scenario by a seeded Monte Carlo of
//! the rings alone ([`ring_shares`]): no engine, no calendar, so an approximation (a person
//! who leaves 1% later than the bake catches a little more), stated where it is printed.

use rand::RngExt;

use super::mle::{CountFit, Estimate};
use crate::scenario::{DefectParams, Scenario};
use crate::stats::labelled_rng;

/// Defects drawn in the Monte Carlo of the rings.
const SAMPLES: usize = 200_000;

/// The shares of a scenario's severe defects that its rings catch.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct RingShares {
    /// Found by manual testing or the beta (blockers).
    pub before_submission: f64,
    /// Escaped to everyone (each a hotfix).
    pub to_everyone: f64,
    /// Production incidents (per release) that escape to everyone: shown only after the
    /// first stage's bake.
    pub incidents_to_everyone: f64,
}

/// The ring shares of `scenario`'s defects `d`, averaged over its platforms (each with its
/// store and rollout plan).
pub fn ring_shares(scenario: &Scenario, d: &DefectParams) -> RingShares {
    let w = &scenario.world;
    let mut rng = labelled_rng("fit: the rings of the scenario's defects");
    let (mut before, mut everyone, mut incidents) = (0usize, 0usize, 0.0);
    let platforms = scenario.platforms.len().max(1);
    for k in 0..SAMPLES {
        let p = k % platforms;
        let plan = scenario.rollout_plan(p);
        let first = plan.stages[0];
        // Use the first stage's bake gives, in hours at 1%.
        let first_use = first.bake.as_secs_f64() / 3600.0 * f64::from(first.percent);
        let later_use: f64 = plan.stages[1..]
            .iter()
            .filter(|s| s.percent < 100)
            .map(|s| s.bake.as_secs_f64() / 3600.0 * f64::from(s.percent))
            .sum();
        let tested = rng.random::<f64>() >= w.signoff_opt_out && rng.random::<f64>() < d.testing;
        let shows = d.show_after_hours.sample(&mut rng);
        let usage = w.usage_hours_to_enough.sample(&mut rng);
        let beta =
            d.beta_percent > 0.0 && shows / d.beta_percent <= usage && rng.random::<f64>() < d.beta;
        let review = scenario.platforms[p].store.is_some() && rng.random::<f64>() < d.review;
        // Shown and noticed below 100%: caught at the first stage, or halted at a later one.
        let below_everyone = rng.random::<f64>() < d.rollout && shows <= first_use + later_use;
        if tested || beta {
            before += 1;
        } else if !(review || below_everyone) {
            everyone += 1;
        }
        // A production incident shows after its own use at 1%.
        let after = w.incident_after_hours.sample(&mut rng);
        if after > first_use + later_use {
            incidents += w.incident;
        }
    }
    let n = SAMPLES as f64;
    RingShares {
        before_submission: before as f64 / n,
        to_everyone: everyone as f64 / n,
        incidents_to_everyone: incidents / n,
    }
}

/// Severe defects per version from `hotfixes`, the point releases per shipped release
/// fitted as a Poisson count: (rate − the incidents' escapes) / the share escaping to
/// everyone, interval scaled alike (never below 0). `None`: no defect escapes to everyone
/// under these rings, so point releases say nothing of how many there are.
pub fn defects_from_hotfixes(hotfixes: &CountFit, shares: RingShares) -> Option<CountFit> {
    (shares.to_everyone > 0.0).then(|| {
        let scale = |x: f64| ((x - shares.incidents_to_everyone) / shares.to_everyone).max(0.0);
        CountFit {
            mean: Estimate {
                value: scale(hotfixes.mean.value),
                low: scale(hotfixes.mean.low),
                high: scale(hotfixes.mean.high),
            },
            ..*hotfixes
        }
    })
}

/// The blockers a log shows, less the `defects` (per version) the rings find before
/// submission: the blockers drawn apart from them (never below 0).
pub fn blockers_apart(blockers: &CountFit, defects: f64, shares: RingShares) -> CountFit {
    let less = |x: f64| (x - defects * shares.before_submission).max(0.0);
    CountFit {
        mean: Estimate {
            value: less(blockers.mean.value),
            low: less(blockers.mean.low),
            high: less(blockers.mean.high),
        },
        ..*blockers
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_baselines_rings_match_what_its_simulation_shows() {
        // docs/model.md §11: of 0.82 defects per shipped release, 0.51 are found before
        // submission and 0.286 escape to everyone (500 seeds).
        let sc = Scenario::baseline();
        let s = ring_shares(&sc, sc.world.defects.as_ref().unwrap());
        eprintln!("{s:?}");
        assert!((0.58..0.66).contains(&s.before_submission), "{s:?}");
        assert!((0.30..0.38).contains(&s.to_everyone), "{s:?}");
        assert!(s.incidents_to_everyone > 0.0 && s.incidents_to_everyone < 0.005);
    }

    #[test]
    fn rings_that_catch_everything_leave_point_releases_unexplained() {
        let mut sc = Scenario::baseline();
        let d = sc.world.defects.as_mut().unwrap();
        d.testing = 1.0;
        sc.world.signoff_opt_out = 0.0;
        let d = sc.world.defects.clone().unwrap();
        let s = ring_shares(&sc, &d);
        assert_eq!(s.to_everyone, 0.0);
        let count = CountFit {
            n: 10,
            total: 3,
            mean: Estimate {
                value: 0.3,
                low: 0.1,
                high: 0.6,
            },
            dispersion: 1.0,
            dispersion_p: 1.0,
        };
        assert_eq!(defects_from_hotfixes(&count, s), None);
    }
}
