//! The baseline reproduces the published figures (DESIGN.md, issue 2). docs/model.md,
//! "Calibration", records the same figures at 500 seeds and the sampling error that makes
//! these ranges safe at the seed count used here.

use std::collections::BTreeMap;

use conductor::analysis::safety::{SafetyFigures, TrackSafety};
use conductor::engine::{Detail, RunResult};
use conductor::scenario::Scenario;
use conductor::stats;
use conductor::summary::paired_differences;
use conductor::sweep::Sweep;

const SEEDS: u64 = 120;
const WEEKS: u32 = 26;

/// Seeds the figures rest on: 120, or `CONDUCTOR_CALIBRATION_SEEDS` (docs/model.md §11 quotes
/// 500: `CONDUCTOR_CALIBRATION_SEEDS=500 cargo test --release calibration -- --nocapture`).
fn seeds() -> u64 {
    std::env::var("CONDUCTOR_CALIBRATION_SEEDS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(SEEDS)
}

fn baseline_runs() -> (Scenario, Vec<RunResult>) {
    let sc = Scenario::baseline();
    let policies = vec![sc.policy("manual").unwrap(), sc.policy("robot").unwrap()];
    let runs = Sweep {
        scenario: &sc,
        policies,
        first_seed: 1,
        seeds: seeds(),
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

    // The safety side is an assumption (docs/model.md §11): point releases per release in
    // the range real trains show, 0.25 to 2.3.
    let safety: Vec<TrackSafety> = tracks.iter().map(|t| TrackSafety::of_result(t)).collect();
    let safety = SafetyFigures::of(&safety);
    let hotfixes = safety.hotfixes.unwrap();
    assert!(
        (0.25..=2.3).contains(&hotfixes),
        "hotfixes per release reaching users: {hotfixes:.3}"
    );
    // The figures docs/model.md §11 quotes (`cargo test calibration -- --nocapture`).
    eprintln!(
        "median {median:.2} h, shipped {:.2}%, blockers {blockers:.3}, weekday wait \
         {longest:.2} h, robot saving {saving:.2} h; per release reaching users: escaped {:.3}, \
         hotfixes {hotfixes:.3}, exposure {:.2} share-h, change-failure rate {:.1}%, \
         restore p50 {:.2} h",
        shipped * 100.0,
        safety.escaped.unwrap(),
        safety.exposure_hours.unwrap(),
        safety.change_failure_rate.unwrap() * 100.0,
        safety.restore_p50_hours.unwrap(),
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
