//! The HTML report and dashboard in a real browser: headless Chromium loads each page and
//! the test reads the DOM it built. Skipped, saying why, where Chromium is not installed
//! (`.ci/run` installs Debian's `chromium`; set `CHROMIUM` to use another binary).

use std::path::{Path, PathBuf};
use std::process::Command;

use crate::dataset::write_run;
use crate::util::conductor;

fn chromium() -> Option<PathBuf> {
    if let Some(p) = std::env::var_os("CHROMIUM") {
        return Some(PathBuf::from(p));
    }
    [
        "/usr/bin/chromium",
        "/usr/bin/chromium-browser",
        "/usr/bin/google-chrome",
    ]
    .iter()
    .map(PathBuf::from)
    .find(|p| p.exists())
}

/// The DOM of `page` after Chromium loaded and laid it out.
fn dom(browser: &Path, page: &Path, profile: &Path) -> String {
    let out = Command::new(browser)
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--dump-dom",
        ])
        .arg(format!("--user-data-dir={}", profile.display()))
        .arg(format!("file://{}", page.display()))
        .output()
        .expect("chromium starts");
    assert!(
        out.status.success(),
        "chromium failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

#[test]
fn the_html_report_and_dashboard_render_in_headless_chromium() {
    let Some(browser) = chromium() else {
        eprintln!(
            "SKIPPED the_html_report_and_dashboard_render_in_headless_chromium: no Chromium \
             at /usr/bin/chromium (install Debian's `chromium`, or set CHROMIUM=/path)"
        );
        return;
    };
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("run");
    write_run(&dir, &["--seeds", "2", "--weeks", "2"]);

    let page = tmp.path().join("report.html");
    conductor()
        .arg("report")
        .arg(&dir)
        .args(["--format", "html", "--out"])
        .arg(&page)
        .assert()
        .success();
    let html = dom(&browser, &page, &tmp.path().join("profile-1"));
    for text in [
        "Release report: baseline",
        "Cycle time",
        "Hours saved against manual",
        "Bottlenecks: where the time goes",
        "Off-hours idle (manual_action)",
        "saved per release by robot vs manual",
        "Cycle time distribution",
        "Release timeline: version 0, seed 1",
        "Safety: defects, escapes and exposure",
        "Speed against safety: the trade-off frontier",
    ] {
        assert!(html.contains(text), "the rendered report shows {text:?}");
    }
    assert_eq!(html.matches("<svg").count(), 5, "five charts in the DOM");
    assert!(
        html.matches("<tr>").count() > 40,
        "the tables are in the DOM"
    );

    let board = tmp.path().join("board.html");
    let out = conductor()
        .arg("dashboard")
        .arg(&dir)
        .args(["--at", "2026-01-19T11:00", "--format", "html"])
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    std::fs::write(&board, out).unwrap();
    let html = dom(&browser, &board, &tmp.path().join("profile-2"));
    assert!(html.contains("Release dashboard"), "{html}");
    for class in ["class=\"green\"", "waiting on"] {
        assert!(html.contains(class), "the dashboard shows {class}");
    }
}
