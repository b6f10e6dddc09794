//! Bad scenarios: one clear error naming file, key and value; exit code 2; no panic.

use predicates::prelude::*;

use crate::util::{baseline_with, conductor};

/// Writes `text` to a scenario file and runs `simulate` on it; returns stderr.
fn fails_with(text: &str, expected: &[&str]) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("what-if.toml");
    std::fs::write(&path, text).unwrap();
    let assert = conductor()
        .arg("simulate")
        .arg(&path)
        .args(["--seeds", "1", "--weeks", "1"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("what-if.toml"))
        .stderr(predicate::str::contains("panicked").not());
    let stderr = String::from_utf8_lossy(&assert.get_output().stderr).to_string();
    for e in expected {
        assert!(stderr.contains(e), "stderr lacks {e:?}:\n{stderr}");
    }
    // A value out of range is one line; a TOML error keeps toml's five: the position, the
    // gutter, the line, the caret under the span, the message.
    let lines = if stderr.contains("TOML parse error at line") {
        5
    } else {
        1
    };
    assert_eq!(
        stderr.trim_end().lines().count(),
        lines,
        "{lines} lines:\n{stderr}"
    );
}

#[test]
fn unknown_key() {
    fails_with(
        &baseline_with("teams = 12", "teams = 12\nteam_leads = 3"),
        &["team_leads", "line"],
    );
}

#[test]
fn wrong_type() {
    fails_with(
        &baseline_with("teams = 12", "teams = \"twelve\""),
        &["teams", "twelve"],
    );
}

#[test]
fn negative_duration() {
    fails_with(
        &baseline_with(
            "fix_effort_hours = { dist = \"lognormal\", median = 1.5, sigma = 0.8 }",
            "fix_effort_hours = { dist = \"lognormal\", median = -1.5, sigma = 0.8 }",
        ),
        &["world.blockers.fix_effort_hours.median", "-1.5"],
    );
    fails_with(
        &baseline_with("bake_hours = 24.0", "bake_hours = -24.0"),
        &["thresholds.bake_hours", "-24"],
    );
}

#[test]
fn unknown_time_zone() {
    fails_with(
        &baseline_with(
            "time_zone = \"Europe/Stockholm\"\nweekdays = [\"09:00-17:00\"]",
            "time_zone = \"Europe/Atlantis\"\nweekdays = [\"09:00-17:00\"]",
        ),
        &["calendars.feature_teams.time_zone", "Europe/Atlantis"],
    );
}

#[test]
fn empty_platform_list() {
    fails_with(
        &baseline_with(
            "platforms = [\"android\", \"ios\", \"desktop\"]",
            "platforms = []",
        ),
        &["platforms", "at least one platform"],
    );
}

#[test]
fn policy_naming_a_missing_transition() {
    fails_with(
        &baseline_with(
            "[policies.robot]\n",
            "[policies.robot]\nrollout_50 = \"robot\"\n",
        ),
        &["policies.robot.rollout_50", "no such transition"],
    );
}

#[test]
fn policy_with_an_unknown_actor() {
    fails_with(
        &baseline_with(
            "[policies.robot]\nfinal_rc = \"robot\"",
            "[policies.robot]\nfinal_rc = \"intern\"",
        ),
        &["policies.robot.final_rc", "intern"],
    );
}

#[test]
fn gate_of_another_step() {
    fails_with(
        &baseline_with(
            "[thresholds]",
            "[gates.rollout_1]\nbake = false\n\n[thresholds]",
        ),
        &["gates.rollout_1.bake", "does not belong"],
    );
}

#[test]
fn malformed_toml_and_missing_file() {
    fails_with("name = \"x\"\nplatforms = [", &["line"]);
    conductor()
        .args(["simulate", "/nonexistent/what-if.toml"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("/nonexistent/what-if.toml"));
}

#[test]
fn working_window_backwards() {
    fails_with(
        &baseline_with(
            "weekdays = [\"08:00-21:00\"]",
            "weekdays = [\"21:00-08:00\"]",
        ),
        &["calendars.release_squad"],
    );
}

#[test]
fn defect_model_values_out_of_range() {
    fails_with(
        &baseline_with("testing = 0.8", "testing = 1.5"),
        &["world.defects.testing", "1.5", "probability"],
    );
    fails_with(
        &baseline_with("mean_count = 0.8", "mean_count = 1e9"),
        &["world.defects.mean_count", "from 0 to 100"],
    );
    fails_with(
        &baseline_with("beta_percent = 2.0", "beta_percent = 250.0"),
        &["world.defects.beta_percent", "250"],
    );
    fails_with(
        &baseline_with(
            "show_after_hours = { dist = \"lognormal\", median = 200.0, sigma = 1.5 }",
            "show_after_hours = { dist = \"lognormal\", median = 200.0, sigma = 9.0 }",
        ),
        &["world.defects.show_after_hours.sigma", "9"],
    );
    fails_with(
        &baseline_with("rollout = 1.0", "rollout = 1.0\nwatchers = 3"),
        &["watchers", "line"],
    );
}
