//! `--format html`: one self-contained page (inline CSS and SVG, no scripts, no network)
//! that a release manager can read without explanation: the headline figures first, then
//! the charts, then every table.

use std::fmt::Write;

use super::{Render, describe_runs, sections};
use crate::report::charts::{self, Chart};
use crate::report::{ALL_PLATFORMS, Namer, Report, ReportError};
use crate::text::html::{escape, page_start, svg_body, tables};

/// HTML.
pub struct Html;

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
