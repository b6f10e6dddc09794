//! The charts of `conductor report` and `conductor compare`: one colour per series across
//! every chart of a page and across the two commands, a panel per platform and a pooled one,
//! axes near the data, the timeline's off-hours, the compare charts inlined in its HTML and
//! written as files, and the same bytes on every run.

use std::collections::BTreeMap;
use std::path::Path;

use serde_json::Value;

use crate::dataset::{files, write_run};
use crate::util::conductor;

/// A baseline run and a what-if run on the same seeds, two policies each.
fn two_runs(tmp: &Path) {
    for (name, scenario) in [
        ("base", "scenarios/baseline.toml"),
        ("bake", "scenarios/bake-12h.toml"),
    ] {
        write_run(
            &tmp.join(name),
            &[
                scenario, "--seeds", "4", "--weeks", "3", "--policy", "manual", "--policy", "robot",
            ],
        );
    }
}

fn stdout(args: &[&str], dir: &Path) -> String {
    let out = conductor()
        .current_dir(dir)
        .args(args)
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    String::from_utf8(out).unwrap()
}

/// The SVG documents inlined in an HTML page, by their figure's id.
fn inline_svgs(html: &str) -> BTreeMap<String, String> {
    let mut out = BTreeMap::new();
    let mut rest = html;
    while let Some(i) = rest.find("<figure id=\"") {
        rest = &rest[i + 12..];
        let id = rest[..rest.find('"').unwrap()].to_string();
        let start = rest.find("<svg").unwrap();
        let end = rest.find("</svg>").unwrap() + 6;
        out.insert(id, rest[start..end].to_string());
        rest = &rest[end..];
    }
    out
}

/// The texts an SVG draws, in order.
fn texts(svg: &str) -> Vec<String> {
    svg.split("<text")
        .skip(1)
        .filter_map(|t| {
            let body = &t[t.find('>')? + 1..t.find("</text>")?];
            Some(body.trim().to_string())
        })
        .collect()
}

/// A legend's entries: each text drawn right after a swatch (a line or a square), with the
/// swatch's colour.
fn legend(svg: &str) -> BTreeMap<String, String> {
    let mut out = BTreeMap::new();
    let mut colour: Option<String> = None;
    for element in svg.split('<').skip(1) {
        let attr = |name: &str| {
            let key = format!("{name}=\"");
            element
                .find(&key)
                .map(|i| &element[i + key.len()..])
                .and_then(|v| v.find('"').map(|j| v[..j].to_string()))
        };
        if element.starts_with("polyline") && attr("stroke-width").as_deref() == Some("3") {
            colour = attr("stroke");
        } else if element.starts_with("rect") && attr("width").as_deref() == Some("14") {
            colour = attr("fill");
        } else if element.starts_with("text") {
            if let Some(c) = colour.take() {
                let name = element[element.find('>').unwrap() + 1..].trim().to_string();
                out.insert(name, c);
            }
        } else if !element.starts_with('/') {
            colour = None;
        }
    }
    out
}

#[test]
fn a_series_has_one_colour_in_every_chart_of_a_page_and_in_compare() {
    let tmp = tempfile::tempdir().unwrap();
    two_runs(tmp.path());
    let report = inline_svgs(&stdout(&["report", "base", "--format", "html"], tmp.path()));
    let cycle = legend(&report["chart-cycle-time"]);
    let savings = legend(&report["chart-savings"]);
    assert_eq!(cycle.keys().collect::<Vec<_>>(), ["manual", "robot"]);
    assert_ne!(cycle["manual"], cycle["robot"]);
    // The savings chart has no line for the baseline; robot keeps its colour.
    assert_eq!(savings.keys().collect::<Vec<_>>(), ["robot"]);
    assert_eq!(savings["robot"], cycle["robot"]);

    // compare colours a comparison by its measured policy, as the report does.
    let one_side = inline_svgs(&stdout(
        &["compare", "base", "--format", "html"],
        tmp.path(),
    ));
    for chart in ["chart-savings-forest", "chart-savings-histogram"] {
        assert_eq!(legend(&one_side[chart])["robot"], cycle["robot"], "{chart}");
    }
    let two_sides = inline_svgs(&stdout(
        &["compare", "base", "bake", "--format", "html"],
        tmp.path(),
    ));
    for chart in ["chart-savings-forest", "chart-savings-histogram"] {
        let l = legend(&two_sides[chart]);
        assert_eq!(l["manual"], cycle["manual"], "{chart}");
        assert_eq!(l["robot"], cycle["robot"], "{chart}");
    }
}

#[test]
fn distributions_have_a_panel_per_platform_and_a_pooled_one_on_axes_near_the_data() {
    let tmp = tempfile::tempdir().unwrap();
    two_runs(tmp.path());
    let report = inline_svgs(&stdout(&["report", "base", "--format", "html"], tmp.path()));
    for chart in ["chart-cycle-time", "chart-savings"] {
        let t = texts(&report[chart]);
        for panel in ["android", "ios", "desktop", "all platforms"] {
            assert!(
                t.iter().any(|x| x == panel),
                "{chart}: a panel {panel:?} in {t:?}"
            );
        }
    }
    // Cycle times are days long: the axis does not start at 0 hours.
    let ticks: Vec<f64> = texts(&report["chart-cycle-time"])
        .iter()
        .filter_map(|t| t.parse().ok())
        .collect();
    assert!(!ticks.is_empty());
    assert!(ticks.iter().all(|t| *t >= 24.0), "{ticks:?}");
    let two_sides = inline_svgs(&stdout(
        &["compare", "base", "bake", "--format", "html"],
        tmp.path(),
    ));
    let t = texts(&two_sides["chart-savings-histogram"]);
    for panel in ["android", "ios", "desktop", "all platforms"] {
        assert!(t.iter().any(|x| x == panel), "compare histogram: {panel:?}");
    }
    // The forest plot: one interval per comparison and platform.
    let forest = texts(&two_sides["chart-savings-forest"]);
    for row in ["manual – ios", "robot – all platforms"] {
        assert!(forest.iter().any(|x| x == row), "{row:?} in {forest:?}");
    }
}

#[test]
fn the_timeline_is_shaded_for_the_release_squads_off_hours() {
    let tmp = tempfile::tempdir().unwrap();
    two_runs(tmp.path());
    let json: Value =
        serde_json::from_str(&stdout(&["report", "base", "--format", "json"], tmp.path())).unwrap();
    let t = &json["timeline"];
    // The baseline's squad works 08:00-21:00 Europe/Stockholm on weekdays; version 0 is cut
    // on Friday 2026-01-09 at 10:00 local time.
    assert_eq!(t["time_zone"], "Europe/Stockholm");
    assert_eq!(t["branch_cut"], "2026-01-09T09:00:00Z");
    let off: Vec<(f64, f64)> = t["off_hours"]
        .as_array()
        .unwrap()
        .iter()
        .map(|o| {
            (
                o["start_hours"].as_f64().unwrap(),
                o["end_hours"].as_f64().unwrap(),
            )
        })
        .collect();
    // Friday 21:00 to Monday 08:00, then each night 21:00 to 08:00.
    assert_eq!(off[0], (11.0, 70.0));
    assert_eq!(off[1], (83.0, 94.0));
    let days = t["days"].as_array().unwrap();
    assert_eq!(days[0]["weekday"], "Fri");
    assert_eq!(days[0]["start_hours"], -10.0);
    let working: Vec<(&str, bool)> = days
        .iter()
        .map(|d| {
            (
                d["weekday"].as_str().unwrap(),
                d["working"].as_bool().unwrap(),
            )
        })
        .take(4)
        .collect();
    assert_eq!(
        working,
        [("Fri", true), ("Sat", false), ("Sun", false), ("Mon", true)]
    );

    let html = stdout(&["report", "base", "--format", "html"], tmp.path());
    let svg = &inline_svgs(&html)["chart-timeline"];
    let l = legend(svg);
    assert!(
        l.contains_key("squad off-hours") && l.contains_key("squad day off"),
        "{l:?}"
    );
    let shade = &l["squad off-hours"];
    assert!(
        // The legend swatch and a band per off-hours stretch.
        svg.matches(&format!("fill=\"{shade}\"")).count() > off.len(),
        "a band per off-hours stretch"
    );
    assert!(texts(svg).iter().any(|x| x == "Sat 10"), "days are named");
}

#[test]
fn compare_html_inlines_its_charts_and_charts_writes_them() {
    let tmp = tempfile::tempdir().unwrap();
    two_runs(tmp.path());
    let html = stdout(&["compare", "base", "bake", "--format", "html"], tmp.path());
    let svgs = inline_svgs(&html);
    assert_eq!(
        svgs.keys().collect::<Vec<_>>(),
        ["chart-savings-forest", "chart-savings-histogram"]
    );
    assert!(
        svgs.values()
            .all(|s| s.starts_with("<svg") && s.ends_with("</svg>"))
    );
    assert!(!html.contains("<script"), "no scripts");

    let out = conductor()
        .current_dir(tmp.path())
        .args(["compare", "base", "bake", "--charts", "charts"])
        .assert()
        .success()
        .get_output()
        .clone();
    let stderr = String::from_utf8(out.stderr).unwrap();
    assert!(stderr.contains("charts: 4 chart files written"), "{stderr}");
    let written = files(&tmp.path().join("charts"));
    assert_eq!(
        written
            .keys()
            .map(|p| p.to_str().unwrap())
            .collect::<Vec<_>>(),
        [
            "savings-forest.png",
            "savings-forest.svg",
            "savings-histogram.png",
            "savings-histogram.svg"
        ],
        "nothing else (no temporary file) is left"
    );
    for (name, bytes) in &written {
        if name.extension().unwrap() == "png" {
            let decoder = png::Decoder::new(std::io::Cursor::new(bytes.clone()));
            let reader = decoder.read_info().unwrap();
            let (width, height) = (reader.info().width, reader.info().height);
            assert_eq!(width, 960, "{name:?}");
            assert!(height > 200, "{name:?}");
        } else {
            // The same document as the one in the page.
            let svg = String::from_utf8(bytes.clone()).unwrap();
            let stem = name.file_stem().unwrap().to_str().unwrap();
            assert_eq!(svg.trim_end(), svgs[&format!("chart-{stem}")]);
        }
    }
}

#[test]
fn chart_files_are_byte_identical_on_every_run() {
    let tmp = tempfile::tempdir().unwrap();
    two_runs(tmp.path());
    let write = |command: &[&str], dir: &str, threads: &str| {
        conductor()
            .current_dir(tmp.path())
            .env("POLARS_MAX_THREADS", threads)
            .args(command)
            .args(["--charts", dir])
            .assert()
            .success();
        files(&tmp.path().join(dir))
    };
    let report = write(&["report", "base", "bake"], "r1", "1");
    assert_eq!(report.len(), 10, "five charts, SVG and PNG");
    assert!(report == write(&["report", "base", "bake"], "r2", "4"));
    let compare = write(&["compare", "base", "bake", "--threads", "1"], "c1", "1");
    assert_eq!(compare.len(), 4);
    assert!(compare == write(&["compare", "base", "bake", "--threads", "2"], "c2", "4"));
}
