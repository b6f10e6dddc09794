//! `--format html`: one self-contained page (inline CSS and SVG, no scripts, no network)
//! that a release manager can read without explanation: the headline figures first, then
//! the charts, then every table.

use std::fmt::Write;

use super::{Render, Section, describe_runs, sections};
use crate::dashboard::escape;
use crate::report::charts::{self, Chart};
use crate::report::{ALL_PLATFORMS, Namer, Report, ReportError};

/// HTML.
pub struct Html;

const STYLE: &str = "
body { font-family: system-ui, -apple-system, 'Segoe UI', sans-serif; margin: 2em auto; max-width: 1100px; color: #222; line-height: 1.4; padding: 0 1em; }
h1 { margin-bottom: 0.2em; }
.runs { color: #555; font-size: 0.9em; }
.headline { display: flex; flex-wrap: wrap; gap: 1em; margin: 1.5em 0; }
.card { border: 1px solid #ddd; border-radius: 6px; padding: 0.8em 1.2em; min-width: 12em; }
.card .value { font-size: 1.8em; font-weight: 600; }
.card .label { color: #555; font-size: 0.9em; }
table { border-collapse: collapse; margin: 0.5em 0 2em; font-size: 0.9em; }
th, td { border-bottom: 1px solid #e3e3e3; padding: 0.25em 0.7em; }
th { text-align: left; background: #f5f5f5; }
td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; }
.note { color: #444; max-width: 60em; }
figure { margin: 1em 0 2em; }
figcaption { color: #444; font-size: 0.9em; max-width: 60em; }
svg { max-width: 100%; height: auto; }
";

fn headline(report: &Report) -> String {
    let mut s = String::from("<div class=\"headline\">\n");
    let namer = Namer::new(report);
    for r in report
        .cycle_time
        .iter()
        .filter(|r| r.group.platform == ALL_PLATFORMS)
    {
        let median = r
            .cycle_p50_hours
            .map_or("–".into(), |h| format!("{h:.1} h"));
        let _ = writeln!(
            s,
            "<div class=\"card\"><div class=\"value\">{median}</div><div class=\"label\">median cycle, {}<br>{} of {} track-cycles shipped</div></div>",
            escape(&namer.name(&r.group.scenario, &r.group.policy)),
            r.shipped,
            r.tracks
        );
    }
    for r in report
        .savings
        .iter()
        .filter(|r| r.platform == ALL_PLATFORMS)
    {
        let mean = r
            .saving_mean_hours
            .map_or("–".into(), |h| format!("{h:.1} h"));
        let ci = match (r.saving_ci95_low_hours, r.saving_ci95_high_hours) {
            (Some(l), Some(h)) => format!("95% CI {l:.1} to {h:.1} h"),
            _ => String::new(),
        };
        let _ = writeln!(
            s,
            "<div class=\"card\"><div class=\"value\">{mean}</div><div class=\"label\">saved per release by {} vs {}<br>{ci}</div></div>",
            escape(&namer.name(&r.scenario, &r.policy)),
            escape(&r.baseline)
        );
    }
    s.push_str("</div>\n");
    s
}

impl Render for Html {
    fn render(&self, report: &Report) -> Result<String, ReportError> {
        let title = format!("Release report: {}", report.scenarios().join(", "));
        let mut s = page_start(&title, &describe_runs(report));
        s.push_str(&headline(report));
        for chart in Chart::ALL {
            if let Some(svg) = charts::svg(chart, report)? {
                let _ = write!(
                    s,
                    "<figure id=\"chart-{}\">\n{}\n<figcaption>{}</figcaption></figure>\n",
                    chart.name(),
                    svg_body(&svg),
                    escape(&chart.caption(report))
                );
            }
        }
        s.push_str(&tables(&sections(report)));
        s.push_str("</body></html>\n");
        Ok(s)
    }
}

/// Each section as a heading, its note and its table.
pub(crate) fn tables(sections: &[Section]) -> String {
    let mut s = String::new();
    for sec in sections {
        let _ = write!(
            s,
            "<h2 id=\"{}\">{}</h2>\n<p class=\"note\">{}</p>\n<table>\n<tr>",
            sec.id,
            escape(&sec.title),
            escape(&sec.note)
        );
        for (c, h) in sec.header.iter().enumerate() {
            let class = if c >= sec.numeric_from {
                " class=\"num\""
            } else {
                ""
            };
            let _ = write!(s, "<th{class}>{}</th>", escape(h));
        }
        s.push_str("</tr>\n");
        for r in &sec.rows {
            s.push_str("<tr>");
            for (c, v) in r.iter().enumerate() {
                let class = if c >= sec.numeric_from {
                    " class=\"num\""
                } else {
                    ""
                };
                let _ = write!(s, "<td{class}>{}</td>", escape(v));
            }
            s.push_str("</tr>\n");
        }
        s.push_str("</table>\n");
    }
    s
}

/// The start of a page: the document head with the shared style, the `<h1>` title and
/// the preamble lines.
pub(crate) fn page_start(title: &str, preamble: &[String]) -> String {
    let mut s = String::new();
    let _ = write!(
        s,
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\n<title>{}</title>\n<style>{STYLE}</style></head><body>\n<h1>{}</h1>\n<div class=\"runs\">\n",
        escape(title),
        escape(title)
    );
    for line in preamble {
        let _ = writeln!(s, "<div>{}</div>", escape(line));
    }
    s.push_str("</div>\n");
    s
}

/// An SVG document without its XML declaration, for inlining.
pub(crate) fn svg_body(svg: &str) -> &str {
    match svg.find("<svg") {
        Some(i) => &svg[i..],
        None => svg,
    }
}
