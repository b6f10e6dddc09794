//! `--format html`: one self-contained page (inline CSS and SVG, no scripts, no network)
//! that a release manager can read without explanation: the headline figures first, then
//! the charts, then every table.

use std::io;

use super::{describe_runs, mostly_assumed, sections, unknown_baselines};
use crate::plot::style::ChartSet;
use crate::report::charts::Chart;
use crate::report::{ALL_PLATFORMS, Namer, Report, ReportError};
use crate::text::Render;
use crate::text::html::{card, escape, figure, page_start, tables};

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
        let badge = if r.rests_on == "record + scenario" {
            "<br><span class=\"badge\">rests partly on the scenario's assumptions</span>"
        } else {
            ""
        };
        s.push_str(&card(
            &median,
            &format!(
                "median cycle, {}<br>{} of {} track-cycles shipped{badge}",
                escape(&namer.name(&r.group.scenario, &r.group.policy)),
                r.shipped,
                r.tracks
            ),
        ));
    }
    let unknown_baseline = unknown_baselines(report).next().is_some();
    for r in report
        .savings
        .iter()
        .filter(|r| r.platform == ALL_PLATFORMS)
    {
        let badge = if mostly_assumed(r) || (unknown_baseline && r.saving_assumed_hours.is_some()) {
            "<br><span class=\"badge\">rests mostly on the scenario's assumptions, not the history</span>"
        } else {
            ""
        };
        let mean = r
            .saving_mean_hours
            .map_or("–".into(), |h| format!("{h:.1} h"));
        let ci = match (r.saving_ci95_low_hours, r.saving_ci95_high_hours) {
            (Some(l), Some(h)) => format!("95% CI {l:.1} to {h:.1} h"),
            _ => String::new(),
        };
        s.push_str(&card(
            &mean,
            &format!(
                "saved per release by {} vs {}<br>{ci}{badge}",
                escape(&namer.name(&r.scenario, &r.policy)),
                escape(&r.baseline)
            ),
        ));
    }
    // Safety next to speed: escapes per release reaching users where a defect model gives them,
    // recorded hotfixes where a history does; each says what it rests on.
    for r in report
        .safety
        .iter()
        .filter(|r| r.group.platform == ALL_PLATFORMS)
    {
        let name = escape(&namer.name(&r.group.scenario, &r.group.policy));
        let (value, label, badge) = match (
            r.figures.escaped_per_release,
            r.figures.hotfixes_per_release,
        ) {
            (Some(e), _) => (
                format!("{e:.2}"),
                format!(
                    "defects escaped per release reaching users, {name}<br>exposure {} \
                     share-of-users h per release",
                    r.figures
                        .user_exposure_hours
                        .map_or("–".into(), |h| format!("{h:.1}"))
                ),
                "<br><span class=\"badge\">rests on the scenario's assumptions \
                 ([world.defects])</span>",
            ),
            (None, Some(h)) => (
                format!("{h:.2}"),
                format!(
                    "hotfixes per shipped release, {name}, as recorded<br>defects not recorded"
                ),
                "",
            ),
            (None, None) => continue,
        };
        s.push_str(&card(&value, &format!("{label}{badge}")));
    }
    s.push_str("</div>\n");
    s
}

impl Render<Report> for Html {
    type Error = ReportError;

    fn render(&self, report: &Report, out: &mut dyn io::Write) -> Result<(), ReportError> {
        let title = format!("Release report: {}", report.scenarios().join(", "));
        let mut s = page_start(&title, &describe_runs(report));
        s.push_str(&headline(report));
        for chart in Chart::ALL {
            if let Some(svg) = chart.svg(report)? {
                s.push_str(&figure(chart.name(), &svg, &chart.caption(report)));
            }
        }
        s.push_str(&tables(&sections(report)));
        s.push_str("</body></html>\n");
        Ok(out.write_all(s.as_bytes())?)
    }
}
