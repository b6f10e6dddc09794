//! Severe defects through the rings (docs/model.md §8, "Defects and the rings"): what each
//! ring catches, what escapes, and what a what-if changes on the same worlds.

use std::collections::BTreeMap;
use std::path::Path;

use arrow_array::cast::AsArray;
use arrow_array::types::{Float64Type, Int32Type, Int64Type};
use arrow_array::{Array, RecordBatch};

use crate::util::{baseline_with, conductor, read_cycles};

/// One `cycles` row's safety columns.
#[derive(Debug, Clone, Copy, PartialEq)]
struct Safety {
    shipped: bool,
    cycle_hours: f64,
    defects: i32,
    testing: i32,
    beta: i32,
    review: i32,
    first_stage: i32,
    halted: i32,
    everyone: i32,
    escaped: i32,
    not_found: i32,
    exposure: f64,
    hotfixes: Option<i32>,
    pauses: i32,
}

type Key = (i64, i64, String);

/// Simulates `scenario` (TOML text) under `policy`, `seeds` seeds of `weeks` versions, and
/// reads each track's safety columns.
fn simulate(scenario: &str, policy: &str, seeds: u64, weeks: u32) -> BTreeMap<Key, Safety> {
    let tmp = tempfile::tempdir().unwrap();
    let sc = tmp.path().join("s.toml");
    std::fs::write(&sc, scenario).unwrap();
    let out = tmp.path().join("run");
    conductor()
        .arg("simulate")
        .arg(&sc)
        .args(["--policy", policy, "--seeds", &seeds.to_string()])
        .args(["--weeks", &weeks.to_string(), "--quiet", "--out"])
        .arg(&out)
        .assert()
        .success();
    rows(&out, policy)
}

fn rows(dir: &Path, policy: &str) -> BTreeMap<Key, Safety> {
    let b: RecordBatch = read_cycles(dir, policy);
    let int = |name: &str| {
        b.column_by_name(name)
            .unwrap()
            .as_primitive::<Int32Type>()
            .clone()
    };
    let float = |name: &str| {
        b.column_by_name(name)
            .unwrap()
            .as_primitive::<Float64Type>()
            .clone()
    };
    let seed = b
        .column_by_name("seed")
        .unwrap()
        .as_primitive::<Int64Type>()
        .clone();
    let version = b
        .column_by_name("version")
        .unwrap()
        .as_primitive::<Int32Type>()
        .clone();
    let platform = b
        .column_by_name("platform")
        .unwrap()
        .as_string::<i32>()
        .clone();
    let outcome = b
        .column_by_name("outcome")
        .unwrap()
        .as_string::<i32>()
        .clone();
    let [
        defects,
        testing,
        beta,
        review,
        first,
        halted,
        everyone,
        escaped,
        not_found,
    ] = [
        "defects",
        "defects_caught_testing",
        "defects_caught_beta",
        "defects_caught_review",
        "defects_caught_first_stage",
        "defects_escaped_halted",
        "defects_escaped_to_everyone",
        "defects_escaped",
        "defects_not_found",
    ]
    .map(int);
    let (hotfixes, pauses) = (int("hotfixes"), int("pauses"));
    let (exposure, cycle) = (float("user_exposure_hours"), float("cycle_hours"));
    (0..b.num_rows())
        .map(|i| {
            let key = (
                seed.value(i),
                i64::from(version.value(i)),
                platform.value(i).to_string(),
            );
            let row = Safety {
                shipped: outcome.value(i) == "shipped",
                cycle_hours: if cycle.is_null(i) {
                    f64::NAN
                } else {
                    cycle.value(i)
                },
                defects: defects.value(i),
                testing: testing.value(i),
                beta: beta.value(i),
                review: review.value(i),
                first_stage: first.value(i),
                halted: halted.value(i),
                everyone: everyone.value(i),
                escaped: escaped.value(i),
                not_found: not_found.value(i),
                exposure: exposure.value(i),
                hotfixes: (!hotfixes.is_null(i)).then(|| hotfixes.value(i)),
                pauses: pauses.value(i),
            };
            assert!(
                !defects.is_null(i) && !exposure.is_null(i),
                "{key:?}: modelled"
            );
            (key, row)
        })
        .collect()
}

/// The pairs of releases shipped in both runs (the same world: seed, version, platform).
fn shipped_pairs<'a>(
    a: &'a BTreeMap<Key, Safety>,
    b: &'a BTreeMap<Key, Safety>,
) -> Vec<(&'a Key, &'a Safety, &'a Safety)> {
    a.iter()
        .filter_map(|(k, x)| b.get(k).map(|y| (k, x, y)))
        .filter(|(_, x, y)| x.shipped && y.shipped)
        .collect()
}

fn sum(rows: &[(&Key, &Safety, &Safety)], f: impl Fn(&Safety) -> i32, arm: usize) -> i32 {
    rows.iter()
        .map(|(_, x, y)| f(if arm == 0 { x } else { y }))
        .sum()
}

#[test]
fn every_defect_of_a_shipped_release_ends_in_exactly_one_ring() {
    let runs = simulate(conductor::scenario::BASELINE_TOML, "manual", 20, 26);
    let shipped: Vec<&Safety> = runs.values().filter(|s| s.shipped).collect();
    assert!(shipped.len() > 1400, "{}", shipped.len());
    for s in &shipped {
        let rings = s.testing + s.beta + s.review + s.first_stage + s.halted + s.everyone;
        assert_eq!(rings, s.defects, "{s:?}");
        assert_eq!(
            s.not_found, 0,
            "{s:?}: a shipped release shows every defect"
        );
        assert_eq!(s.escaped, s.halted + s.everyone, "{s:?}");
        assert_eq!(s.hotfixes, Some(s.everyone), "{s:?}: one hotfix per escape");
        assert!(
            s.exposure >= 0.0 && (s.everyone == 0 || s.exposure > 0.0),
            "{s:?}"
        );
        // Every pause is for a defect caught at 1% (the default plan has no later stage, so
        // no halts); two that show in one episode make one pause.
        assert_eq!(s.halted, 0, "{s:?}");
        assert!(s.pauses <= s.first_stage, "{s:?}");
        assert_eq!(s.pauses > 0, s.first_stage > 0, "{s:?}");
    }
    // Each ring catches some on the baseline.
    let total = |f: fn(&Safety) -> i32| shipped.iter().map(|s| f(s)).sum::<i32>();
    for (ring, n) in [
        ("testing", total(|s| s.testing)),
        ("beta", total(|s| s.beta)),
        ("review", total(|s| s.review)),
        ("first stage", total(|s| s.first_stage)),
        ("everyone", total(|s| s.everyone)),
    ] {
        assert!(n > 0, "{ring} caught none");
    }
}

#[test]
fn with_every_rings_detection_at_one_nothing_escapes() {
    // Every team tests and finds every defect in its area; beta users, the review and the
    // squad at 1% report all they see; a production incident shows within the hour, inside
    // the bake.
    let all = baseline_with("opt_out = 0.4", "opt_out = 0.0")
        .replacen("testing = 0.8", "testing = 1.0", 1)
        .replacen("beta = 0.8", "beta = 1.0", 1)
        .replacen("review = 0.05", "review = 1.0", 1)
        .replacen(
            "incident_after_hours = { dist = \"exponential\", mean = 8.0 }",
            "incident_after_hours = { dist = \"fixed\", value = 1.0 }",
            1,
        );
    assert!(all.contains("testing = 1.0") && all.contains("value = 1.0"));
    let runs = simulate(&all, "robot", 20, 26);
    let shipped: Vec<&Safety> = runs.values().filter(|s| s.shipped).collect();
    assert!(shipped.len() > 1400);
    let escaped: i32 = runs.values().map(|s| s.escaped).sum();
    let defects: i32 = shipped.iter().map(|s| s.defects).sum();
    let tested: i32 = shipped.iter().map(|s| s.testing).sum();
    assert_eq!(escaped, 0, "nothing escapes");
    assert!(tested > 500, "{tested} caught by testing of {defects}");
    // The same seeds with the baseline's rings let some through.
    let base = simulate(conductor::scenario::BASELINE_TOML, "robot", 20, 26);
    let escaped: i32 = base.values().map(|s| s.escaped).sum();
    assert!(escaped > 100, "baseline: {escaped} escaped");
}

#[test]
fn without_the_first_stage_ring_exactly_the_defects_it_caught_escape() {
    // No production incidents (each rollout episode draws its own, so a pause, which starts
    // another episode, would add defects the run without pauses never meets): only the
    // defects drawn at the cut, the same in both runs.
    let with = baseline_with("incident = 0.025", "incident = 0.0");
    let without = with.replacen("rollout = 1.0", "rollout = 0.0", 1);
    assert_ne!(with, without);
    let (a, b) = (
        simulate(&with, "manual", 40, 26),
        simulate(&without, "manual", 40, 26),
    );
    let pairs = shipped_pairs(&a, &b);
    assert!(pairs.len() > 2900, "{} pairs", pairs.len());
    let caught = sum(&pairs, |s| s.first_stage, 0);
    assert!(caught >= 5, "the 1% ring caught {caught}");
    assert_eq!(sum(&pairs, |s| s.first_stage, 1), 0, "no ring at 1%");
    // Exactly: every defect the 1% ring caught escapes without it, and nothing else changes.
    assert_eq!(
        sum(&pairs, |s| s.escaped, 1),
        sum(&pairs, |s| s.escaped, 0) + caught,
        "escaped without the ring = escaped with it + what it caught ({caught})"
    );
    for (k, x, y) in &pairs {
        assert_eq!(
            (x.testing, x.beta, x.review),
            (y.testing, y.beta, y.review),
            "{k:?}"
        );
        assert_eq!(y.escaped, x.escaped + x.first_stage, "{k:?}");
    }
}

#[test]
fn a_12_hour_bake_saves_hours_and_raises_exposure_on_the_same_seeds() {
    let bake = baseline_with("bake_hours = 24.0", "bake_hours = 12.0");
    for policy in ["manual", "robot"] {
        let (a, b) = (
            simulate(conductor::scenario::BASELINE_TOML, policy, 40, 26),
            simulate(&bake, policy, 40, 26),
        );
        let pairs = shipped_pairs(&a, &b);
        let n = pairs.len() as f64;
        let saved: f64 = pairs
            .iter()
            .map(|(_, x, y)| x.cycle_hours - y.cycle_hours)
            .sum::<f64>()
            / n;
        let exposure = |arm: usize| {
            pairs
                .iter()
                .map(|(_, x, y)| if arm == 0 { x.exposure } else { y.exposure })
                .sum::<f64>()
                / n
        };
        let escaped = (sum(&pairs, |s| s.escaped, 0), sum(&pairs, |s| s.escaped, 1));
        assert!(saved > 5.0, "{policy}: a 12 h bake saves {saved:.2} h");
        assert!(escaped.1 > escaped.0, "{policy}: escaped {escaped:?}");
        assert!(
            exposure(1) > exposure(0),
            "{policy}: exposure {:.4} → {:.4} share-h per release",
            exposure(0),
            exposure(1)
        );
        // The 1% ring catches less: what it no longer catches is what escapes.
        let caught = (
            sum(&pairs, |s| s.first_stage, 0),
            sum(&pairs, |s| s.first_stage, 1),
        );
        assert!(caught.1 < caught.0, "{policy}: caught at 1% {caught:?}");
    }
}

#[test]
fn a_robot_changes_speed_not_what_the_rings_catch_before_users() {
    // The robot passes the same gates: testing, the beta and the review catch the same
    // defects, and the same defects reach users. It leaves 1% at the first poll after the
    // bake; a person later, so a defect that shows in between is caught at 1% under the
    // person and escapes under the robot: the only difference. (No production incidents: a
    // pause starts an episode with its own incident draw, a defect the other arm never
    // meets.)
    let sc = baseline_with("incident = 0.025", "incident = 0.0");
    let (manual, robot) = (
        simulate(&sc, "manual", 40, 26),
        simulate(&sc, "robot", 40, 26),
    );
    let pairs = shipped_pairs(&manual, &robot);
    assert!(pairs.len() > 2900);
    let saved: f64 = pairs
        .iter()
        .map(|(_, m, r)| m.cycle_hours - r.cycle_hours)
        .sum::<f64>()
        / pairs.len() as f64;
    assert!(saved > 5.0, "the robot saves {saved:.2} h");
    let mut differ = 0;
    for (k, m, r) in &pairs {
        assert_eq!(m.defects, r.defects, "{k:?}");
        assert_eq!(
            (m.testing, m.beta, m.review),
            (r.testing, r.beta, r.review),
            "{k:?}"
        );
        assert_eq!(
            m.first_stage + m.escaped,
            r.first_stage + r.escaped,
            "{k:?}"
        );
        assert!(
            r.first_stage <= m.first_stage,
            "{k:?}: the robot's 1% is never longer"
        );
        differ += m.first_stage - r.first_stage;
    }
    let escaped = (sum(&pairs, |s| s.escaped, 0), sum(&pairs, |s| s.escaped, 1));
    assert_eq!(escaped.1 - escaped.0, differ, "{escaped:?}");
    assert!(
        differ <= escaped.0 / 50,
        "{differ} of {} escapes differ",
        escaped.0
    );
}

#[test]
fn a_defect_that_shows_at_a_later_stage_escapes_and_halts_the_staged_rollout() {
    // Every defect shows after 30 h of use at 1%: 24 h at android's 1%, then 6 percent-hours
    // at 5% (72 minutes). No ring before users finds any; no production incidents.
    let plan = "
[rollout.platforms.android]
stages = [{ percent = 1, bake_hours = 24 }, { percent = 5, bake_hours = 12 }, { percent = 100 }]
";
    let sc = baseline_with("testing = 0.8", "testing = 0.0")
        .replacen("beta = 0.8", "beta = 0.0", 1)
        .replacen("review = 0.05", "review = 0.0", 1)
        .replacen("incident = 0.025", "incident = 0.0", 1)
        .replacen(
            "show_after_hours = { dist = \"lognormal\", median = 200.0, sigma = 1.5 }",
            "show_after_hours = { dist = \"fixed\", value = 30.0 }",
            1,
        )
        + plan;
    assert!(sc.contains("value = 30.0"));
    let runs = simulate(&sc, "robot", 10, 26);
    let (mut halted, mut everyone) = (0, 0);
    for ((_, _, platform), s) in runs.iter().filter(|(_, s)| s.shipped) {
        if platform == "android" {
            // Shown at 5%: escaped, halted there; the fixed build ships without them.
            assert_eq!((s.halted, s.everyone), (s.defects, 0), "{s:?}");
            assert_eq!(s.pauses, i32::from(s.defects > 0), "{s:?}");
            assert_eq!(s.hotfixes, Some(0));
            halted += s.halted;
        } else {
            // Default plan: 24 h at 1%, then 6 percent-hours at 100% (3.6 minutes).
            assert_eq!((s.halted, s.everyone), (0, s.defects), "{s:?}");
            assert_eq!(s.hotfixes, Some(s.defects));
            everyone += s.everyone;
        }
    }
    assert!(
        halted > 50 && everyone > 100,
        "{halted} halted, {everyone} to everyone"
    );
}

#[test]
fn regression_two_defects_shown_in_one_rollout_episode_are_one_incident_in_the_log() {
    // Two defects that showed at 1% before the pause were logged as two `incident_opened`
    // rows, which the log reader refuses ("an incident is already open"). They are one
    // incident now: one row each for opening and fixing, one pause; the log replays.
    let tmp = tempfile::tempdir().unwrap();
    let log = crate::util::manual_history(tmp.path(), 20);
    conductor()
        .arg("replay")
        .arg(&log)
        .args(["--policy", "recorded", "--quiet", "--out"])
        .arg(tmp.path().join("rep"))
        .assert()
        .success();
    // These seeds have such an episode: a track whose cycles row counts two defects caught
    // at 1% and one pause.
    let runs = simulate(conductor::scenario::BASELINE_TOML, "manual", 20, 26);
    assert!(
        runs.values().any(|s| s.first_stage >= 2 && s.pauses == 1),
        "no episode with two defects shown"
    );
}
