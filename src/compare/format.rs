//! The outputs of `conductor compare`, one file per format behind [`Render`]. The text
//! formats lay out the same sections as the report (a verdict per comparison, then its
//! platform table and where the hours changed) through the shared table, Markdown and HTML
//! layouts (HTML also inlines the [`charts`](super::charts) as SVG); JSON carries every
//! figure; CSV is tidy, one figure per row.

mod csv;
mod html;
mod json;
mod markdown;
mod table;

use std::io;

use super::{Compare, CompareError, Comparison};
use crate::text::number::{hours, interval, percent, thousands};
use crate::text::{Render, Section};

/// The output formats of `conductor compare`: the report's.
pub use crate::text::Format;

/// Writes `compare` in `format` to `out`.
pub fn render(
    compare: &Compare,
    format: Format,
    out: &mut dyn io::Write,
) -> Result<(), CompareError> {
    let r: &dyn Render<Compare, Error = CompareError> = match format {
        Format::Table => &table::Table,
        Format::Json => &json::Json,
        Format::Csv => &csv::Csv,
        Format::Markdown => &markdown::Markdown,
        Format::Html => &html::Html,
    };
    r.render(compare, out)
}

fn opt_hours(h: Option<f64>) -> String {
    h.map_or("–".into(), hours)
}

fn opt_percent(r: Option<f64>) -> String {
    r.map_or("–".into(), percent)
}

/// What each arm is, in a line: `base   baseline: scenarios/baseline.toml, policy manual,
/// simulated on seeds 1–200 × 26 versions`.
fn arm_line(role: &str, a: &super::ArmInfo) -> String {
    let how = if a.kind == "run" {
        "read from its run directory"
    } else {
        "simulated"
    };
    let rests = match a.rests_on {
        "record + scenario" => format!(
            "; rests on the record and the scenario (the log does not record {}: drawn)",
            a.assumed.replace(' ', ", ")
        ),
        "record" if a.kind == "run" => "; rests on the record".to_string(),
        _ => String::new(),
    };
    format!(
        "{role} {}: {}, policy {}, {how}, seeds {}–{} × {} versions ({} track-cycles){rests}",
        a.label,
        a.source,
        a.policy,
        a.first_seed,
        a.first_seed.saturating_add(a.seeds.saturating_sub(1)),
        a.weeks,
        thousands(a.tracks)
    )
}

/// The lines above the tables: the pairing rule and every verdict.
fn preamble(compare: &Compare) -> Vec<String> {
    let mut lines = vec![format!(
        "Paired on {}. Intervals: percentile bootstrap of the mean, {} resamples of whole \
         seeds (whole versions when there is one seed).",
        compare.pairing, compare.bootstrap_resamples
    )];
    for c in &compare.comparisons {
        lines.push(format!("{}: {}.", context(c), c.verdict));
    }
    lines
}

/// What a comparison holds fixed: the policy when both arms share it, else the scenario.
fn context(c: &Comparison) -> String {
    if c.base.policy == c.other.policy {
        format!("policy {}", c.base.policy)
    } else if c.base.scenario == c.other.scenario {
        format!("scenario {}", c.base.scenario)
    } else {
        "arms".into()
    }
}

/// The text sections of one comparison.
fn sections(c: &Comparison, k: usize) -> Vec<Section> {
    let (b, o) = (&c.base.label, &c.other.label);
    let platforms = Section {
        id: format!("comparison-{k}"),
        title: format!("{o} against {b} ({})", context(c)),
        note: format!(
            "{}. {}. Hours: branch cut to 100% over the pairs (releases that shipped in \
             both arms); saved = base − other; sooner: the share of pairs the other arm \
             shipped sooner; shipped: the share of releases reaching 100% in each arm.",
            arm_line("Base", &c.base),
            arm_line("Other", &c.other),
        ),
        header: [
            "platform",
            "pairs",
            "base p50 h",
            "other p50 h",
            "saved h",
            "95% CI",
            "sooner",
            "shipped base",
            "shipped other",
        ]
        .map(String::from)
        .to_vec(),
        rows: c
            .platforms
            .iter()
            .map(|r| {
                let ci = match (r.saving_ci95_low_hours, r.saving_ci95_high_hours) {
                    (Some(lo), Some(hi)) => interval(lo, hi),
                    _ => "–".into(),
                };
                vec![
                    r.platform.clone(),
                    thousands(r.pairs),
                    opt_hours(r.base_cycle_p50_hours),
                    opt_hours(r.other_cycle_p50_hours),
                    opt_hours(r.saving_mean_hours),
                    ci,
                    opt_percent(r.sooner_rate),
                    opt_percent(r.base_success_rate),
                    opt_percent(r.other_success_rate),
                ]
            })
            .collect(),
        numeric_from: 1,
    };
    let waiting = Section {
        id: format!("comparison-{k}-waiting"),
        title: format!("Where it changed: {o} against {b}"),
        note: "Mean hours per pair waiting on each label (what the release waited for), \
               all platforms; the largest change first; labels that changed by less than \
               0.05 h are left out. The changes add up to the saving."
            .into(),
        header: ["waiting on", "base h", "other h", "saved h"]
            .map(String::from)
            .to_vec(),
        rows: c
            .waiting
            .iter()
            .filter(|r| r.saving_hours.abs() >= 0.05)
            .map(|r| {
                vec![
                    r.waiting_on.clone(),
                    hours(r.base_hours),
                    hours(r.other_hours),
                    hours(r.saving_hours),
                ]
            })
            .collect(),
        numeric_from: 1,
    };
    vec![
        platforms,
        waiting,
        escaped_section(c, k),
        exposure_section(c, k),
    ]
}

/// Two decimals, `–` when absent, never `-0.00`.
fn opt2(v: Option<f64>) -> String {
    crate::text::number::opt_hours(v, 2)
}

/// An interval with two decimals, `–` when absent.
fn interval2(lo: Option<f64>, hi: Option<f64>, scale: f64) -> String {
    match (lo, hi) {
        (Some(lo), Some(hi)) => format!("{} to {}", opt2(Some(lo * scale)), opt2(Some(hi * scale))),
        _ => "–".into(),
    }
}

/// What a comparison's safety figures rest on, for a heading.
fn safety_basis(c: &Comparison) -> String {
    match c.all().map(|a| a.safety.safety_rests_on.as_str()) {
        Some("scenario") | None => "assumed: the scenario's [world.defects] and incidents".into(),
        Some(other) => format!("rests on: {other}"),
    }
}

/// Escaped defects per 100 pairs and the change-failure rate, both arms and the change.
fn escaped_section(c: &Comparison, k: usize) -> Section {
    let (b, o) = (&c.base.label, &c.other.label);
    let per100 = |v: Option<f64>| opt2(v.map(|v| v * 100.0));
    Section {
        id: format!("comparison-{k}-escaped"),
        title: format!(
            "Escaped defects per 100 releases: {o} against {b} ({})",
            safety_basis(c)
        ),
        note: "Over the releases that reached users in both arms (a release halted at a \
               later stage and cancelled counts, its escaped defect with it): severe defects \
               that escaped past the rollout's first stage, per 100 releases; change = other − base, \
               paired on the same worlds; change fail: the share of releases with an \
               escaped defect (CFR, DORA's change-failure rate), and its change in \
               percentage points. – : not recorded (no defect model)."
            .into(),
        header: [
            "platform",
            "base",
            "other",
            "change",
            "95% CI",
            "CFR base",
            "CFR other",
            "CFR pts",
        ]
        .map(String::from)
        .to_vec(),
        rows: c
            .platforms
            .iter()
            .map(|r| {
                let s = &r.safety;
                vec![
                    r.platform.clone(),
                    per100(s.base_escaped_per_release),
                    per100(s.other_escaped_per_release),
                    per100(s.escaped_change_per_release),
                    interval2(s.escaped_change_ci95_low, s.escaped_change_ci95_high, 100.0),
                    opt_percent(s.base_change_failure_rate),
                    opt_percent(s.other_change_failure_rate),
                    s.change_failure_rate_change
                        .map_or("–".into(), crate::text::number::signed_points),
                ]
            })
            .collect(),
        numeric_from: 1,
    }
}

/// User exposure, hotfixes and time to restore, both arms and the change.
fn exposure_section(c: &Comparison, k: usize) -> Section {
    let (b, o) = (&c.base.label, &c.other.label);
    Section {
        id: format!("comparison-{k}-exposure"),
        title: format!(
            "User exposure per release: {o} against {b} ({})",
            safety_basis(c)
        ),
        note:
            "Over the same releases: share of users holding a build with a severe defect × hours \
               until a build without it replaces it (share-of-users hours), per release; \
               change = other − base, paired; hotfixes per release and restore (median hours \
               from an escaped defect's report to its hotfix: time to restore), base → \
               other."
                .into(),
        header: [
            "platform",
            "base h",
            "other h",
            "change h",
            "95% CI",
            "hotfixes",
            "restore p50 h",
        ]
        .map(String::from)
        .to_vec(),
        rows: c
            .platforms
            .iter()
            .map(|r| {
                let s = &r.safety;
                vec![
                    r.platform.clone(),
                    opt2(s.base_exposure_hours),
                    opt2(s.other_exposure_hours),
                    opt2(s.exposure_change_hours),
                    interval2(
                        s.exposure_change_ci95_low_hours,
                        s.exposure_change_ci95_high_hours,
                        1.0,
                    ),
                    format!(
                        "{} → {}",
                        opt2(s.base_hotfixes_per_release),
                        opt2(s.other_hotfixes_per_release)
                    ),
                    format!(
                        "{} → {}",
                        opt_hours(s.base_restore_p50_hours),
                        opt_hours(s.other_restore_p50_hours)
                    ),
                ]
            })
            .collect(),
        numeric_from: 1,
    }
}

fn all_sections(compare: &Compare) -> Vec<Section> {
    compare
        .comparisons
        .iter()
        .enumerate()
        .flat_map(|(k, c)| sections(c, k + 1))
        .collect()
}

/// The comparison as JSON with every float rounded to 4 decimals, so that the output does not
/// depend on the order threads summed in.
fn rounded_json(compare: &Compare) -> Result<serde_json::Value, CompareError> {
    crate::text::json::rounded(compare)
        .map_err(|e| CompareError::Side(format!("cannot write JSON: {e}")))
}
