//! Staged and phased rollouts (docs/model.md §9): a rollout plan's stages are visited in
//! order, each for at least its bake; the robot widens at the first poll after the stage's
//! gates hold, a person inside working hours; a phased release widens by itself once a day;
//! an incident at any stage below 100% pauses; a log's stage steps replay at their seconds.

use std::collections::BTreeMap;
use std::path::Path;

use jiff::{SignedDuration, Timestamp, tz::TimeZone};

use crate::util::{baseline_with, conductor};

/// Android: 1% for 24 h, 5% for 6 h, 20% for 3 h, then 100%. iOS: Apple's phased release.
const PLANS: &str = "
[rollout.platforms.android]
stages = [
    { percent = 1, bake_hours = 24 },
    { percent = 5, bake_hours = 6 },
    { percent = 20, bake_hours = 3 },
    { percent = 100 },
]

[rollout.platforms.ios]
phased = true
";
const ANDROID: [u8; 4] = [1, 5, 20, 100];
const ANDROID_BAKE_HOURS: [i64; 3] = [24, 6, 3];

/// One event-log row.
#[derive(Debug, Clone)]
struct Row {
    at: Timestamp,
    key: (u64, u32, String),
    kind: String,
    reference: String,
    value: Option<f64>,
}

/// The rows of a simulated event log, by (seed, version, platform), in order.
fn simulate_log(
    scenario: &str,
    policy: &str,
    seeds: u64,
    weeks: u32,
) -> BTreeMap<(u64, u32, String), Vec<Row>> {
    let tmp = tempfile::tempdir().unwrap();
    let sc = tmp.path().join("s.toml");
    std::fs::write(&sc, scenario).unwrap();
    let log = tmp.path().join("log.csv");
    conductor()
        .arg("simulate")
        .arg(&sc)
        .args(["--policy", policy, "--seeds", &seeds.to_string()])
        .args(["--weeks", &weeks.to_string(), "--quiet", "--event-log"])
        .arg(&log)
        .assert()
        .success();
    read_log(&log)
}

fn read_log(path: &Path) -> BTreeMap<(u64, u32, String), Vec<Row>> {
    let text = std::fs::read_to_string(path).unwrap();
    let mut out: BTreeMap<_, Vec<Row>> = BTreeMap::new();
    for line in text.lines().skip(1) {
        let f: Vec<&str> = line.split(',').collect();
        let row = Row {
            at: f[0].parse().unwrap(),
            key: (
                f[1].parse().unwrap(),
                f[2].parse().unwrap(),
                f[3].to_string(),
            ),
            kind: f[4].to_string(),
            reference: f[5].to_string(),
            value: f[6].parse().ok(),
        };
        out.entry(row.key.clone()).or_default().push(row);
    }
    out
}

/// A track's rollout episodes: each a list of (stage row, incident opened during it before
/// the next stage row), split where the rollout starts again at its first stage.
fn episodes(rows: &[Row], first: f64) -> Vec<Vec<(Row, bool)>> {
    let mut out: Vec<Vec<(Row, bool)>> = Vec::new();
    for r in rows {
        match r.kind.as_str() {
            "rollout" if r.value == Some(first) => out.push(vec![(r.clone(), false)]),
            "rollout" => out.last_mut().unwrap().push((r.clone(), false)),
            "incident_opened" => {
                if let Some(last) = out.last_mut().and_then(|e| e.last_mut()) {
                    last.1 = true;
                }
            }
            _ => {}
        }
    }
    out
}

fn next_poll(t: Timestamp) -> Timestamp {
    let s = t.as_second();
    Timestamp::from_second(s + (300 - s.rem_euclid(300)) % 300).unwrap()
}

/// Inside the baseline squad's working hours: Monday to Friday 08:00-21:00 in Stockholm (the
/// season's weeks hold no squad holiday on a weekday where a rollout happens, or it is
/// rejected below).
fn in_squad_hours(t: Timestamp) -> bool {
    let z = t.to_zoned(TimeZone::get("Europe/Stockholm").unwrap());
    let weekday = z.weekday().to_monday_one_offset() <= 5;
    let minutes = i32::from(z.hour()) * 60 + i32::from(z.minute());
    weekday && (8 * 60..=21 * 60).contains(&minutes)
}

#[test]
fn the_robot_visits_every_stage_in_order_each_for_its_bake_and_widens_at_the_first_poll() {
    let scenario = format!("{}{PLANS}", conductor::scenario::BASELINE_TOML);
    let log = simulate_log(&scenario, "robot", 6, 8);
    let (mut widened, mut shipped) = (0, 0);
    for (key, rows) in log.iter().filter(|(k, _)| k.2 == "android") {
        for ep in episodes(rows, 1.0) {
            let percents: Vec<u8> = ep.iter().map(|(r, _)| r.value.unwrap() as u8).collect();
            assert_eq!(percents[..], ANDROID[..percents.len()], "{key:?}: in order");
            for (k, pair) in ep.windows(2).enumerate() {
                let ((from, incident), (to, _)) = (&pair[0], &pair[1]);
                let bake = SignedDuration::from_hours(ANDROID_BAKE_HOURS[k]);
                assert!(
                    to.at >= from.at + bake,
                    "{key:?}: stage {k} shorter than its bake"
                );
                assert_eq!(to.reference, "robot");
                assert_eq!(to.at, next_poll(to.at), "{key:?}: on a poll");
                // Below 100% a stage's gates are no_incident and its bake: without an
                // incident, the robot widens at the first poll after the bake.
                if to.value != Some(100.0) && !incident {
                    assert_eq!(to.at, next_poll(from.at + bake), "{key:?}: stage {k}");
                    widened += 1;
                }
            }
            shipped += usize::from(percents.last() == Some(&100));
        }
    }
    assert!(
        widened > 40 && shipped > 20,
        "{widened} widenings, {shipped} shipped"
    );
}

#[test]
fn a_person_widens_a_stage_only_in_working_hours_and_waits_for_them() {
    let scenario = format!("{}{PLANS}", conductor::scenario::BASELINE_TOML);
    let log = simulate_log(&scenario, "manual", 6, 8);
    let (mut steps, mut waited_for_morning) = (0, 0);
    for (key, rows) in log.iter().filter(|(k, _)| k.2 == "android") {
        for ep in episodes(rows, 1.0) {
            for (k, pair) in ep.windows(2).enumerate() {
                let ((from, _), (to, _)) = (&pair[0], &pair[1]);
                let baked = from.at + SignedDuration::from_hours(ANDROID_BAKE_HOURS[k]);
                assert_eq!(to.reference, "manual");
                assert!(to.at >= baked, "{key:?}");
                assert!(in_squad_hours(to.at), "{key:?}: {} outside hours", to.at);
                steps += 1;
                if !in_squad_hours(baked) {
                    waited_for_morning += 1;
                }
            }
        }
    }
    assert!(
        steps > 60 && waited_for_morning > 5,
        "{steps} steps, {waited_for_morning} waited"
    );
}

#[test]
fn a_phased_release_widens_by_itself_once_a_day_through_apples_seven_days() {
    // Two weeks between cuts, so the seven days fit before the next cut.
    let scenario = format!(
        "{}{PLANS}",
        baseline_with("cadence_weeks = 1", "cadence_weeks = 2")
    );
    let mut complete = 0;
    for policy in ["manual", "robot"] {
        let log = simulate_log(&scenario, policy, 4, 4);
        for (key, rows) in log.iter().filter(|(k, _)| k.2 == "ios") {
            for ep in episodes(rows, 1.0) {
                let percents: Vec<u8> = ep.iter().map(|(r, _)| r.value.unwrap() as u8).collect();
                let apple = [1, 2, 5, 10, 20, 50, 100];
                assert_eq!(percents[..], apple[..percents.len()], "{key:?}");
                for pair in ep.windows(2) {
                    let (from, to) = (&pair[0].0, &pair[1].0);
                    assert_eq!(
                        to.at.duration_since(from.at),
                        SignedDuration::from_hours(24),
                        "{key:?}"
                    );
                    assert_eq!(to.reference, "world", "{key:?}: the store's step");
                }
                complete += usize::from(percents.len() == apple.len());
            }
        }
    }
    assert!(complete > 10, "{complete} complete phased releases");
}

#[test]
fn an_incident_at_any_stage_below_100_pauses_the_rollout_there() {
    // Every rollout has an incident that 27 h of use at 1% show: 24 h at 1%, then 3 more
    // percent-hours, 36 minutes into android's 5% stage (use shows a defect five times
    // faster at 5%). No other defects, so nothing else pauses.
    let scenario = format!(
        "{}{PLANS}",
        baseline_with("incident = 0.025", "incident = 1.0")
            .replacen(
                "incident_after_hours = { dist = \"exponential\", mean = 8.0 }",
                "incident_after_hours = { dist = \"fixed\", value = 27.0 }",
                1
            )
            .replacen("mean_count = 0.8", "mean_count = 0.0", 1)
    );
    let log = simulate_log(&scenario, "robot", 4, 4);
    let mut paused_at_5 = 0;
    for (key, rows) in log.iter().filter(|(k, _)| k.2 == "android") {
        let mut percent = None;
        let mut incident = false;
        let mut stage_from = None;
        for r in rows {
            match r.kind.as_str() {
                "rollout" => {
                    assert!(!incident, "{key:?}: widened with an incident open");
                    percent = r.value;
                    stage_from = Some(r.at);
                }
                "incident_opened" => {
                    incident = true;
                    // 3 percent-hours at 5%: 36 minutes (when the 1% took exactly 24 h).
                    let into = r.at.duration_since(stage_from.unwrap());
                    assert!(into <= SignedDuration::from_mins(36), "{key:?}: {into}");
                }
                "incident_fixed" => incident = false,
                "paused" => {
                    assert_eq!(percent, Some(5.0), "{key:?}: paused at its stage");
                    paused_at_5 += 1;
                }
                _ => {}
            }
        }
    }
    assert!(paused_at_5 >= 8, "{paused_at_5} pauses at 5%");
}

#[test]
fn a_replayed_log_shows_each_recorded_stage_from_its_second_on() {
    // A person takes every step, at seconds off the five-minute ticks: 2, 5, 10, 20, 50, 100.
    let plan = "
[rollout.platforms.android]
stages = [
    { percent = 2, bake_hours = 2 },
    { percent = 5, bake_hours = 2 },
    { percent = 10, bake_hours = 2 },
    { percent = 20, bake_hours = 2 },
    { percent = 50, bake_hours = 2 },
    { percent = 100 },
]
";
    // No defects: none halts a stage (the halt is the next test's matter).
    let scenario = format!(
        "{}{plan}",
        baseline_with("mean_count = 0.8", "mean_count = 0.0")
    );
    let tmp = tempfile::tempdir().unwrap();
    let sc = tmp.path().join("s.toml");
    std::fs::write(&sc, &scenario).unwrap();
    let log = tmp.path().join("log.csv");
    conductor()
        .arg("simulate")
        .arg(&sc)
        .args([
            "--policy", "manual", "--seeds", "1", "--weeks", "1", "--quiet",
        ])
        .arg("--event-log")
        .arg(&log)
        .assert()
        .success();
    let rows = read_log(&log);
    let android = &rows[&(1, 0, "android".to_string())];
    let stages: Vec<&Row> = android.iter().filter(|r| r.kind == "rollout").collect();
    let percents: Vec<f64> = stages.iter().map(|r| r.value.unwrap()).collect();
    assert_eq!(percents, [2.0, 5.0, 10.0, 20.0, 50.0, 100.0]);
    assert!(
        stages.iter().any(|r| r.at.as_second() % 300 != 0),
        "seconds off the ticks"
    );
    // Replayed as recorded, under the default plan (the log's stages are past it) and under
    // the log's own plan: the snapshots show each stage from the tick at or after its second.
    for scenario_arg in [None, Some(&sc)] {
        let out = tmp.path().join(format!("out-{}", scenario_arg.is_some()));
        let mut cmd = conductor();
        cmd.arg("replay")
            .arg(&log)
            .arg("--out")
            .arg(&out)
            .arg("--quiet");
        if let Some(sc) = scenario_arg {
            cmd.arg("--scenario").arg(sc);
        }
        cmd.assert().success();
        let snaps = crate::dataset::read(&out, "snapshots", &["ts", "rollout_percent", "platform"]);
        let ts = crate::dataset::i64s(&snaps, "ts");
        let pct = crate::dataset::u32s(&snaps, "rollout_percent");
        let platform = crate::dataset::strs(&snaps, "platform");
        let shown = |at: i64| -> u32 {
            let i = (0..ts.len())
                .find(|i| platform[*i] == "android" && ts[*i] == Some(at))
                .unwrap_or_else(|| panic!("no android snapshot at {at}"));
            pct[i]
        };
        for pair in stages.windows(2).filter(|p| p[1].value != Some(100.0)) {
            let tick = next_poll(pair[1].at).as_millisecond();
            let before = tick - 300_000;
            assert_eq!(
                f64::from(shown(tick)),
                pair[1].value.unwrap(),
                "{}",
                pair[1].at
            );
            if before >= pair[0].at.as_millisecond() {
                assert_eq!(f64::from(shown(before)), pair[0].value.unwrap());
            }
        }
        // The cycle time rests on the recorded 100% to the second, whatever the plan.
        let cycles = crate::dataset::read(&out, "cycles", &["platform", "cycle_hours", "policy"]);
        let hours = crate::dataset::f64s(&cycles, "cycle_hours");
        let plat = crate::dataset::strs(&cycles, "platform");
        let pol = crate::dataset::strs(&cycles, "policy");
        let i = (0..hours.len())
            .find(|i| plat[*i] == "android" && pol[*i] == "recorded")
            .unwrap();
        let cut = android.iter().find(|r| r.kind == "branch_cut").unwrap().at;
        let last = stages.last().unwrap().at;
        let expected = last.duration_since(cut).as_secs_f64() / 3600.0;
        assert!(
            (hours[i].unwrap() - expected).abs() < 1e-9,
            "{:?} vs {expected}",
            hours[i]
        );
    }
}

#[test]
fn the_dashboard_shows_the_stage_of_a_staged_rollout() {
    let tmp = tempfile::tempdir().unwrap();
    let (out, log) = (tmp.path().join("run"), tmp.path().join("log.csv"));
    conductor()
        .args([
            "simulate",
            "scenarios/staged-rollout.toml",
            "--policy",
            "robot",
        ])
        .args(["--seeds", "1", "--weeks", "2", "--quiet", "--out"])
        .arg(&out)
        .arg("--event-log")
        .arg(&log)
        .assert()
        .success();
    let rows = read_log(&log);
    let android = &rows[&(1, 0, "android".to_string())];
    let stages: Vec<&Row> = android.iter().filter(|r| r.kind == "rollout").collect();
    assert_eq!(stages.len(), 5, "1, 5, 20, 50, 100");
    for stage in &stages[..4] {
        // A robot's step is on a tick: the board at that tick shows the stage.
        let board = conductor()
            .arg("dashboard")
            .arg(&out)
            .args([
                "--at",
                &stage.at.to_string(),
                "--version",
                "0",
                "--policy",
                "robot",
            ])
            .output()
            .unwrap();
        let text = String::from_utf8(board.stdout).unwrap();
        let shown = format!("rollout_1   rollout {:>3}%", stage.value.unwrap());
        assert!(text.contains(&shown), "{shown} not in\n{text}");
    }
}

/// Checks: a stage's own `gates` replace the default ones for the step out of it. With the
/// 5% stage gated on `no_incident` only, the robot widens from 5% at the first poll after
/// reaching it, whatever its 6 h bake, while the 1% stage keeps its 24 h bake; a gate that
/// is not a rollout's, or gates on the 100% stage, are refused naming the key. Fails if the
/// stage's gates were ignored or any gate name were accepted.
#[test]
fn a_stage_can_name_the_gates_of_the_step_out_of_it() {
    let plans = PLANS.replace(
        "{ percent = 5, bake_hours = 6 },",
        "{ percent = 5, bake_hours = 6, gates = [\"no_incident\"] },",
    );
    let scenario = format!("{}{plans}", conductor::scenario::BASELINE_TOML);
    let log = simulate_log(&scenario, "robot", 4, 6);
    let mut checked = 0;
    for (key, rows) in log.iter().filter(|(k, _)| k.2 == "android") {
        for ep in episodes(rows, 1.0) {
            for (k, pair) in ep.windows(2).enumerate() {
                let ((from, incident), (to, _)) = (&pair[0], &pair[1]);
                if *incident {
                    continue;
                }
                match k {
                    0 => assert!(to.at >= from.at + SignedDuration::from_hours(24), "{key:?}"),
                    1 => {
                        assert_eq!(to.at, next_poll(from.at), "{key:?}: 5% has no bake");
                        checked += 1;
                    }
                    _ => {}
                }
            }
        }
    }
    assert!(checked > 10, "{checked} widenings from 5%");
    for (bad, says) in [
        (
            "gates = [\"signoff\"] },",
            "key `rollout.platforms.android.stages[1].gates` = \"signoff\"",
        ),
        ("gates = [\"bake\", \"bake\"] },", "a gate listed twice"),
    ] {
        let plans = PLANS.replace("bake_hours = 6 },", &format!("bake_hours = 6, {bad}"));
        let tmp = tempfile::tempdir().unwrap();
        let sc = tmp.path().join("s.toml");
        std::fs::write(
            &sc,
            format!("{}{plans}", conductor::scenario::BASELINE_TOML),
        )
        .unwrap();
        conductor()
            .arg("simulate")
            .arg(&sc)
            .assert()
            .code(2)
            .stderr(predicates::str::contains(says));
    }
    let last = PLANS.replace(
        "{ percent = 100 },\n]\n\n[rollout.platforms.ios]",
        "{ percent = 100, gates = [\"bake\"] },\n]\n\n[rollout.platforms.ios]",
    );
    let tmp = tempfile::tempdir().unwrap();
    let sc = tmp.path().join("s.toml");
    std::fs::write(&sc, format!("{}{last}", conductor::scenario::BASELINE_TOML)).unwrap();
    conductor()
        .arg("simulate")
        .arg(&sc)
        .assert()
        .code(2)
        .stderr(predicates::str::contains("no step follows it to gate"));
}

/// Checks: the `cycles` table says how far each rollout went: with android's plan
/// (1/5/20/100) every android release that shipped without a pause entered 3 stages below
/// 100% and topped at 20%, while the default plan's platforms entered one (1%). Fails if
/// the stage were only in the snapshots, or a widening were not counted.
#[test]
fn the_cycles_table_counts_the_stages_each_rollout_entered() {
    let tmp = tempfile::tempdir().unwrap();
    let sc = tmp.path().join("s.toml");
    std::fs::write(
        &sc,
        format!("{}{PLANS}", conductor::scenario::BASELINE_TOML),
    )
    .unwrap();
    let out = tmp.path().join("run");
    conductor()
        .arg("simulate")
        .arg(&sc)
        .args([
            "--policy", "robot", "--seeds", "3", "--weeks", "4", "--quiet", "--out",
        ])
        .arg(&out)
        .assert()
        .success();
    let df = crate::dataset::read(
        &out,
        "cycles",
        &[
            "platform",
            "outcome",
            "pauses",
            "stages_entered",
            "top_stage_percent",
        ],
    );
    let (platform, outcome) = (
        crate::dataset::strs(&df, "platform"),
        crate::dataset::strs(&df, "outcome"),
    );
    let (pauses, entered, top) = (
        crate::dataset::i64s(&df, "pauses"),
        crate::dataset::i64s(&df, "stages_entered"),
        crate::dataset::i64s(&df, "top_stage_percent"),
    );
    let mut checked = 0;
    for i in 0..df.height() {
        if outcome[i] != "shipped" || pauses[i] != Some(0) {
            continue;
        }
        let expected = match platform[i].as_str() {
            "android" => (Some(3), Some(20)),
            "desktop" => (Some(1), Some(1)),
            _ => continue,
        };
        assert_eq!((entered[i], top[i]), expected, "{}", platform[i]);
        checked += 1;
    }
    assert!(checked >= 12, "{checked} releases checked");
}
