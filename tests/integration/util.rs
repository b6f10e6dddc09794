//! Small helpers shared by the topic modules.

use assert_cmd::Command;

/// The `conductor` binary, with colour off.
pub fn conductor() -> Command {
    let mut cmd = Command::cargo_bin("conductor").expect("the conductor binary is built");
    cmd.env("NO_COLOR", "1");
    cmd
}

/// The built-in baseline with one TOML line replaced (`from` must occur exactly once).
pub fn baseline_with(from: &str, to: &str) -> String {
    let text = conductor::scenario::BASELINE_TOML;
    assert_eq!(
        text.matches(from).count(),
        1,
        "{from:?} must occur once in the baseline"
    );
    text.replacen(from, to, 1)
}
