//! The outputs of `conductor compare`, one per format behind one trait, [`Render`]. The text
//! formats lay out the same sections as the report (a verdict per comparison, then its
//! platform table and where the hours changed) through the report's table, Markdown and
//! HTML layouts (HTML also inlines the [`charts`] as SVG); JSON carries every figure; CSV is
//! tidy, one figure per row.

use std::fmt::Write;

use serde_json::Value;

use super::{Compare, CompareError, Comparison, charts};
use crate::text::html::escape;
use crate::text::json::rounded;
use crate::text::number::{hours, interval, percent, thousands};
use crate::text::{Section, csv, html, markdown, table};

/// The output formats of `conductor compare`: the report's.
pub use crate::text::Format;

/// Renders a comparison as text.
pub trait Render {
    /// The whole output.
    fn render(&self, compare: &Compare) -> Result<String, CompareError>;
}

/// Renders `compare` in `format`.
pub fn render(compare: &Compare, format: Format) -> Result<String, CompareError> {
    let r: &dyn Render = match format {
        Format::Table => &Table,
        Format::Json => &Json,
        Format::Csv => &Csv,
        Format::Markdown => &Markdown,
        Format::Html => &Html,
    };
    r.render(compare)
}

/// Plain text.
pub struct Table;
/// JSON.
pub struct Json;
/// Tidy CSV.
pub struct Csv;
/// Markdown.
pub struct Markdown;
/// HTML.
pub struct Html;

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
    format!(
        "{role} {}: {}, policy {}, {how}, seeds {}–{} × {} versions ({} track-cycles)",
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
    vec![platforms, waiting]
}

fn all_sections(compare: &Compare) -> Vec<Section> {
    compare
        .comparisons
        .iter()
        .enumerate()
        .flat_map(|(k, c)| sections(c, k + 1))
        .collect()
}

impl Render for Table {
    /// Per comparison, hyperfine-style: the question, the one-sentence answer, the arms,
    /// then the platform table and where the hours changed; the method once at the end.
    fn render(&self, compare: &Compare) -> Result<String, CompareError> {
        let mut s = String::new();
        for (k, c) in compare.comparisons.iter().enumerate() {
            if k > 0 {
                s.push('\n');
            }
            let _ = writeln!(
                s,
                "{} against {} ({})",
                c.other.label,
                c.base.label,
                context(c)
            );
            for line in table::wrap(&format!("{}.", c.verdict), table::WIDTH - 2).lines() {
                let _ = writeln!(s, "  {line}");
            }
            for (role, arm) in [("base ", &c.base), ("other", &c.other)] {
                let line = arm_line(role, arm);
                for (i, part) in table::wrap(&line, table::WIDTH - 2).lines().enumerate() {
                    let indent = if i == 0 { "  " } else { "        " };
                    let _ = writeln!(s, "{indent}{part}");
                }
            }
            for (i, sec) in sections(c, k + 1).into_iter().enumerate() {
                if sec.rows.is_empty() {
                    continue;
                }
                s.push('\n');
                if i > 0 {
                    let _ = writeln!(s, "Where the hours changed, mean per pair, all platforms:");
                }
                let mut rows = vec![sec.header.clone()];
                rows.extend(sec.rows.iter().cloned());
                s.push_str(&table::aligned(&rows, sec.numeric_from));
            }
        }
        let _ = write!(
            s,
            "\n{}\n",
            table::wrap(
                &format!(
                    "Pairs: {}. saved = base − other cycle hours, branch cut to 100%, over \
                     releases that shipped in both; sooner: share of pairs the other arm \
                     shipped sooner; shipped: share of releases reaching 100%. Intervals: \
                     percentile bootstrap of the mean, {} resamples of whole seeds (whole \
                     versions when there is one seed).",
                    compare.pairing, compare.bootstrap_resamples
                ),
                table::WIDTH
            )
        );
        Ok(s)
    }
}

impl Render for Markdown {
    fn render(&self, compare: &Compare) -> Result<String, CompareError> {
        Ok(markdown::document(
            "What-if comparison",
            &preamble(compare),
            &all_sections(compare),
        ))
    }
}

impl Render for Html {
    fn render(&self, compare: &Compare) -> Result<String, CompareError> {
        let mut s = html::page_start("What-if comparison", &preamble(compare)[..1]);
        s.push_str("<div class=\"headline\">\n");
        for c in &compare.comparisons {
            let Some(all) = c.all() else { continue };
            let value = all
                .saving_mean_hours
                .map_or("–".into(), |h| format!("{} h", hours(h)));
            let ci = match (all.saving_ci95_low_hours, all.saving_ci95_high_hours) {
                (Some(lo), Some(hi)) => format!("95% CI {} h", interval(lo, hi)),
                _ => String::new(),
            };
            let _ = writeln!(
                s,
                "<div class=\"card\"><div class=\"value\">{value}</div><div class=\"label\">saved per release by {} against {} ({})<br>{ci}</div></div>",
                escape(&c.other.label),
                escape(&c.base.label),
                escape(&context(c)),
            );
        }
        s.push_str("</div>\n");
        for c in &compare.comparisons {
            let _ = writeln!(
                s,
                "<p class=\"note\"><strong>{}</strong>: {}.</p>",
                escape(&context(c)),
                escape(&c.verdict)
            );
        }
        for chart in charts::Chart::ALL {
            if let Some(svg) = charts::svg(chart, compare)? {
                let _ = write!(
                    s,
                    "<figure id=\"chart-{}\">\n{}\n<figcaption>{}</figcaption></figure>\n",
                    chart.name(),
                    html::svg_body(&svg),
                    escape(&chart.caption(compare))
                );
            }
        }
        s.push_str(&html::tables(&all_sections(compare)));
        s.push_str("</body></html>\n");
        Ok(s)
    }
}

impl Render for Json {
    fn render(&self, compare: &Compare) -> Result<String, CompareError> {
        let v = rounded(compare).map_err(json_error)?;
        let mut s = serde_json::to_string_pretty(&v).map_err(json_error)?;
        s.push('\n');
        Ok(s)
    }
}

fn json_error(e: serde_json::Error) -> CompareError {
    CompareError::Side(format!("cannot write JSON: {e}"))
}

impl Render for Csv {
    fn render(&self, compare: &Compare) -> Result<String, CompareError> {
        let v = rounded(compare).map_err(json_error)?;
        let header = [
            "comparison",
            "base",
            "other",
            "policy",
            "platform",
            "waiting_on",
            "metric",
            "value",
        ];
        let mut rows: Vec<Vec<String>> = vec![header.map(String::from).to_vec()];
        for (k, c) in v["comparisons"]
            .as_array()
            .into_iter()
            .flatten()
            .enumerate()
        {
            let text = |a: &str, f: &str| c[a][f].as_str().unwrap_or_default().to_string();
            let policy = if text("base", "policy") == text("other", "policy") {
                text("base", "policy")
            } else {
                format!("{} vs {}", text("base", "policy"), text("other", "policy"))
            };
            let prefix = [
                (k + 1).to_string(),
                text("base", "label"),
                text("other", "label"),
                policy,
            ];
            let mut row = |platform: &str, waiting_on: &str, metric: &str, value: String| {
                let mut r = prefix.to_vec();
                r.extend([platform.into(), waiting_on.into(), metric.into(), value]);
                rows.push(r);
            };
            let number = |v: &Value| match v {
                Value::Number(n) => Some(n.to_string()),
                Value::Null => Some(String::new()),
                _ => None,
            };
            for r in c["platforms"].as_array().into_iter().flatten() {
                let platform = r["platform"].as_str().unwrap_or_default();
                for (metric, value) in r.as_object().into_iter().flatten() {
                    if let Some(value) = number(value) {
                        row(platform, "", metric, value);
                    }
                }
            }
            for r in c["waiting"].as_array().into_iter().flatten() {
                let label = r["waiting_on"].as_str().unwrap_or_default();
                for (metric, value) in r.as_object().into_iter().flatten() {
                    if let Some(value) = number(value) {
                        row("all", label, metric, value);
                    }
                }
            }
        }
        csv::text(rows).map_err(|e| CompareError::Side(format!("cannot write CSV: {e}")))
    }
}
