//! `--format html`: one self-contained page, the headline savings first, then every verdict,
//! the charts and the tables.

use std::fmt::Write;
use std::io;

use super::{all_sections, context, preamble};
use crate::compare::{Compare, CompareError, charts};
use crate::plot::style::ChartSet;
use crate::text::Render;
use crate::text::html::{self, escape};
use crate::text::number::{hours, interval};

/// HTML.
pub struct Html;

impl Render<Compare> for Html {
    type Error = CompareError;

    fn render(&self, compare: &Compare, out: &mut dyn io::Write) -> Result<(), CompareError> {
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
            s.push_str(&html::card(
                &value,
                &format!(
                    "saved per release by {} against {} ({})<br>{ci}",
                    escape(&c.other.label),
                    escape(&c.base.label),
                    escape(&context(c)),
                ),
            ));
            // The safety side beside the saving, said to be assumed.
            let sf = &all.safety;
            if let Some(e) = sf.escaped_change_per_release {
                let ci = match (sf.escaped_change_ci95_low, sf.escaped_change_ci95_high) {
                    (Some(lo), Some(hi)) => {
                        format!("95% CI {:.2} to {:.2}", lo * 100.0, hi * 100.0)
                    }
                    _ => String::new(),
                };
                s.push_str(&html::card(
                    &crate::compare::signed2(e * 100.0),
                    &format!(
                        "escaped defects per 100 releases, {} against {} (assumed: the \
                         scenario's defect model)<br>{ci}",
                        escape(&c.other.label),
                        escape(&c.base.label),
                    ),
                ));
            }
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
            if let Some(svg) = chart.svg(compare)? {
                s.push_str(&html::figure(chart.name(), &svg, &chart.caption(compare)));
            }
        }
        s.push_str(&html::tables(&all_sections(compare)));
        s.push_str("</body></html>\n");
        Ok(out.write_all(s.as_bytes())?)
    }
}
