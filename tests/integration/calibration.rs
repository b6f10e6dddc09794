//! The baseline reproduces the published figures (DESIGN.md, issue 2). docs/model.md,
//! "Calibration", records the same figures at 500 seeds and the sampling error that makes
//! these ranges safe at the seed count used here.

use std::collections::BTreeMap;

use conductor::engine::{Detail, RunResult};
use conductor::scenario::Scenario;
use conductor::stats;
use conductor::summary::paired_differences;
use conductor::sweep::Sweep;

const SEEDS: u64 = 120;
const WEEKS: u32 = 26;

fn baseline_runs() -> (Scenario, Vec<RunResult>) {
    let sc = Scenario::baseline();
    let policies = vec![sc.policy("manual").unwrap(), sc.policy("robot").unwrap()];
    let runs = Sweep {
        scenario: &sc,
        policies,
        first_seed: 1,
        seeds: SEEDS,
        weeks: WEEKS,
        detail: Detail::Summary,
    }
    .run();
    (sc.clone(), runs)
}

#[test]
fn baseline_reproduces_the_published_figures() {
    let (_sc, runs) = baseline_runs();
    let manual: Vec<_> = runs.iter().filter(|r| r.policy == "manual").collect();
    let tracks: Vec<_> = manual.iter().flat_map(|r| &r.tracks).collect();

    let cycles: Vec<f64> = tracks.iter().filter_map(|t| t.cycle_hours()).collect();
    let median = stats::quantile(&cycles, 0.5).unwrap();
    assert!(
        (96.0..=132.0).contains(&median),
        "median branch cut -> 100%: {median:.1} h"
    );

    let shipped = cycles.len() as f64 / tracks.len() as f64;
    assert!(shipped >= 0.95, "share reaching 100%: {:.3}", shipped);

    let blockers = stats::mean(
        &tracks
            .iter()
            .map(|t| f64::from(t.blockers))
            .collect::<Vec<_>>(),
    )
    .unwrap();
    assert!(
        (3.0..=5.0).contains(&blockers),
        "mean blockers per release: {blockers:.2}"
    );

    // Longest weekday manual_action wait in each season, median over seeds.
    let longest: Vec<f64> = manual
        .iter()
        .map(|r| {
            r.tracks
                .iter()
                .map(|t| t.longest_weekday_manual_wait.as_secs_f64() / 3600.0)
                .fold(0.0, f64::max)
        })
        .collect();
    let longest = stats::quantile(&longest, 0.5).unwrap();
    assert!(
        (10.0..=12.5).contains(&longest),
        "longest weekday manual wait: {longest:.2} h"
    );

    let diffs: Vec<f64> = paired_differences(&runs, "robot", None)
        .into_iter()
        .flat_map(|g| g.1)
        .collect();
    let saving = stats::mean(&diffs).unwrap();
    assert!(
        (6.0..=10.0).contains(&saving),
        "robot saving per release track: {saving:.2} h"
    );
}

#[test]
fn robot_never_loses_much_and_every_policy_ships_the_same_releases_mostly() {
    let (_sc, runs) = baseline_runs();
    let by_policy: BTreeMap<&str, usize> = runs.iter().fold(BTreeMap::new(), |mut m, r| {
        *m.entry(r.policy.as_str()).or_default() += r
            .tracks
            .iter()
            .filter(|t| t.cycle_hours().is_some())
            .count();
        m
    });
    // The robot never ships fewer releases than people (it is never slower to pass a gate).
    assert!(by_policy["robot"] >= by_policy["manual"], "{by_policy:?}");
}
