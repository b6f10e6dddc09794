//! `check` output, one file per format behind [`Render`]: the human table, JSON, JUnit XML
//! and a Markdown job summary.
//!
//! All four are pure functions of an [`Outcome`] and deterministic to the byte (no clock,
//! no map iteration), so CI artifacts and snapshot tests never differ between runs.

mod json;
mod junit;
mod markdown;
mod table;

use std::io;

use super::{CheckResult, Outcome, Side, Status, fmt};
use crate::text::Render;
use crate::text::number::plural;

/// The output formats of `conductor check`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// The plain-text table for a terminal, each failure explained below it.
    Table,
    /// One JSON object for other tools (docs/formats.md, "JSON output").
    Json,
    /// JUnit XML, for CI test reporters.
    Junit,
    /// A Markdown job summary (`$GITHUB_STEP_SUMMARY`, GitLab).
    Markdown,
}

/// Writes `outcome` in `format` to `out`.
pub fn render(outcome: &Outcome, format: Format, out: &mut dyn io::Write) -> io::Result<()> {
    let r: &dyn Render<Outcome, Error = io::Error> = match format {
        Format::Table => &table::Table,
        Format::Json => &json::Json,
        Format::Junit => &junit::Junit,
        Format::Markdown => &markdown::Markdown,
    };
    r.render(outcome, out)
}

/// Shown where a result has no value, interval or margin.
const NONE: &str = "–";

/// Passed, failed and no-data counts.
struct Counts {
    total: usize,
    passed: usize,
    failed: usize,
    no_data: usize,
}

impl Counts {
    fn of(outcome: &Outcome) -> Counts {
        let n = |s: Status| outcome.results.iter().filter(|r| r.status == s).count();
        Counts {
            total: outcome.results.len(),
            passed: n(Status::Pass),
            failed: n(Status::Fail),
            no_data: n(Status::NoData),
        }
    }
}

fn failures(outcome: &Outcome) -> impl Iterator<Item = &CheckResult> {
    outcome.results.iter().filter(|r| r.status == Status::Fail)
}

/// One row of the table and the Markdown: status, metric, policy, platform, value, CI,
/// limit, margin.
fn cells(r: &CheckResult, status: &str) -> Vec<String> {
    let unit = r.metric.unit();
    vec![
        status.to_string(),
        r.metric.name().to_string(),
        r.policy.clone(),
        r.platform.clone(),
        r.value.map_or_else(|| NONE.to_string(), |v| fmt(v, unit)),
        ci(r),
        limit(r),
        margin(r),
    ]
}

fn ci(r: &CheckResult) -> String {
    let unit = r.metric.unit();
    match r.ci {
        // One unit for both ends keeps the column narrow: `138.0–144.9 h`, `91.0–93.5%`.
        Some((lo, hi)) if r.value.is_some() => match unit {
            "%" => format!("{:.1}–{:.1}%", lo * 100.0, hi * 100.0),
            "h" => format!("{lo:.1}–{hi:.1} h"),
            u => format!("{lo:.2}–{hi:.2} {u}"),
        },
        _ => NONE.to_string(),
    }
}

/// The bound with the side it allows and, in parentheses, where it comes from.
fn limit(r: &CheckResult) -> String {
    let side = match r.side {
        Side::AtMost => "≤",
        Side::AtLeast => "≥",
    };
    format!("{side} {} ({})", fmt(r.bound, r.metric.unit()), r.rule)
}

/// How far beyond the bound the evidence is (`+8.0 h over`, `1.5% short`) or how much room
/// is left (`3.1 h to spare`). A passing value that is itself beyond the bound, saved only
/// by its interval reaching back over it, says so instead of claiming room to spare.
fn margin(r: &CheckResult) -> String {
    let unit = r.metric.unit();
    let (Some(v), Some(e)) = (r.value, r.excess) else {
        return NONE.to_string();
    };
    let beyond = match r.side {
        Side::AtMost => v > r.bound,
        Side::AtLeast => v < r.bound,
    };
    if e > 0.0 {
        match r.side {
            Side::AtMost => format!("+{} over", fmt(e, unit)),
            Side::AtLeast => format!("{} short", fmt(e, unit)),
        }
    } else if beyond {
        "beyond, within noise".to_string()
    } else {
        format!("{} to spare", fmt(-e, unit))
    }
}

/// What the figures rest on, for the table and the Markdown: the track-cycles judged and the
/// open ones left out, and for a log the window checked and the baseline's.
fn judged(outcome: &Outcome) -> Vec<String> {
    let mut lines = vec![format!(
        "{} judged (shipped or cancelled); {} still open at the end, left out",
        plural(outcome.track_cycles as u64, "track-cycle", "track-cycles"),
        outcome.open_excluded
    )];
    if let Some(w) = &outcome.window {
        lines.push(format!("window checked: {}", w.describe()));
    }
    if let Some(w) = &outcome.baseline_window {
        lines.push(format!("baseline written from: {}", w.describe()));
    }
    for (policy, families) in &outcome.assumed {
        lines.push(format!(
            "assumed: {policy}'s figures rest partly on the scenario (the log does not record {})",
            families.join(", ")
        ));
    }
    // What the safety metrics rest on, policies grouped by basis in their order.
    let mut bases: Vec<(&str, Vec<&str>)> = Vec::new();
    for (policy, basis) in &outcome.safety_rests_on {
        match bases.iter_mut().find(|(b, _)| b == basis) {
            Some((_, list)) => list.push(policy),
            None => bases.push((basis, vec![policy])),
        }
    }
    for (basis, policies) in bases {
        let what = match basis {
            "scenario" => {
                "the scenario's defect model ([world.defects] and the rollout's \
                           incidents): assumed, not measured"
            }
            "record" => "the hotfixes the log records (no defect model)",
            _ => "nothing: not recorded",
        };
        lines.push(format!(
            "safety metrics of {} rest on {what}",
            policies.join(", ")
        ));
    }
    lines
}

/// A confidence level as a percentage without needless decimals: `95%`, `99.5%`.
fn percent(level: f64) -> String {
    let p = format!("{:.1}", level * 100.0);
    format!("{}%", p.strip_suffix(".0").unwrap_or(&p))
}

#[cfg(test)]
pub(super) mod tests {
    use super::*;
    use crate::check::{InputKind, Metric};

    #[test]
    fn safety_metrics_say_what_they_rest_on() {
        let mut o = outcome("scenarios/baseline.toml", "manual", "all");
        o.results[0].metric = Metric::EscapedPerRelease;
        o.safety_rests_on = vec![("manual".into(), "scenario"), ("robot".into(), "scenario")];
        let lines = judged(&o);
        assert!(
            lines.contains(
                &"safety metrics of manual, robot rest on the scenario's defect model \
                  ([world.defects] and the rollout's incidents): assumed, not measured"
                    .to_string()
            ),
            "{lines:?}"
        );
        o.safety_rests_on = vec![("recorded".into(), "record")];
        assert!(
            judged(&o)
                .iter()
                .any(|l| l.ends_with("the hotfixes the log records (no defect model)"))
        );
    }

    /// `outcome` in `format`, as text.
    fn rendered(outcome: &Outcome, format: Format) -> String {
        crate::text::to_string(|out| render(outcome, format, out)).unwrap()
    }

    /// The table of `outcome`.
    pub(super) fn table(outcome: &Outcome) -> String {
        rendered(outcome, Format::Table)
    }

    /// The JUnit XML of `outcome`.
    pub(super) fn junit(outcome: &Outcome) -> String {
        rendered(outcome, Format::Junit)
    }

    /// The Markdown summary of `outcome`.
    pub(super) fn markdown(outcome: &Outcome) -> String {
        rendered(outcome, Format::Markdown)
    }

    pub(super) fn result(
        metric: Metric,
        policy: &str,
        platform: &str,
        value: Option<f64>,
        ci: Option<(f64, f64)>,
        status: Status,
        excess: Option<f64>,
    ) -> CheckResult {
        CheckResult {
            metric,
            policy: policy.to_string(),
            platform: platform.to_string(),
            value,
            ci,
            side: Side::AtMost,
            bound: 130.0,
            rule: "at most 130".to_string(),
            status,
            excess,
        }
    }

    /// A pass, a fail with an interval and a result without data, names as given.
    pub(super) fn outcome(input: &str, policy: &str, platform: &str) -> Outcome {
        Outcome {
            input: input.to_string(),
            kind: InputKind::Scenario,
            baseline: "scenarios/baseline.check.toml".to_string(),
            confidence: 0.95,
            seeds: 200,
            track_cycles: 15_000,
            open_excluded: 12,
            assumed: Vec::new(),
            safety_rests_on: Vec::new(),
            window: None,
            baseline_window: None,
            results: vec![
                result(
                    Metric::CycleP50Hours,
                    policy,
                    platform,
                    Some(101.6),
                    Some((98.2, 104.9)),
                    Status::Pass,
                    Some(-25.1),
                ),
                result(
                    Metric::CycleP85Hours,
                    policy,
                    platform,
                    Some(141.2),
                    Some((138.0, 144.9)),
                    Status::Fail,
                    Some(8.0),
                ),
                result(
                    Metric::CycleP95Hours,
                    policy,
                    "desktop",
                    None,
                    None,
                    Status::NoData,
                    None,
                ),
            ],
        }
    }

    pub(super) fn plain() -> Outcome {
        outcome("scenarios/baseline.toml", "manual", "all")
    }

    pub(super) const NASTY: &str = r#"a&b<c>"d"'e' &amp; ]]> x"#;

    #[test]
    fn margin_names_the_side_and_never_claims_room_it_lacks() {
        let mut r = plain().results[0].clone();
        r.side = Side::AtLeast;
        r.metric = Metric::SuccessRate;
        r.bound = 0.95;
        r.value = Some(0.93);
        r.excess = Some(0.015);
        assert_eq!(margin(&r), "1.5% short");
        // Value beyond the bound, but the interval reaches back over it: a pass.
        r.excess = Some(-0.004);
        assert_eq!(margin(&r), "beyond, within noise");
        r.value = Some(0.97);
        r.excess = Some(-0.02);
        assert_eq!(margin(&r), "2.0% to spare");
    }

    #[test]
    fn percent_drops_needless_decimals() {
        assert_eq!(percent(0.95), "95%");
        assert_eq!(percent(0.995), "99.5%");
        assert_eq!(percent(0.9), "90%");
    }
}
