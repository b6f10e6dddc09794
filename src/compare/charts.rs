//! `conductor compare`'s charts, in the report's look and palette
//! ([`crate::plot`]):
//!
//! - `savings-forest`: per comparison and platform (and pooled), the mean saving per
//!   release with its 95% bootstrap interval, the forest plot that says at a glance which
//!   changes are real (an interval clear of zero) and how large;
//! - `savings-histogram`: the distribution of the per-pair differences behind each mean, a
//!   panel per platform and one pooled, one histogram per comparison: whether a mean comes
//!   from every release shipping a little sooner or from a few shipping much sooner.
//!
//! A comparison's colour is its measured arm's policy's, given in the order the base arms
//! list their policies, so `robot` has the same colour here as in `conductor report`.

use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use super::{Compare, Comparison};
use crate::analysis::ALL_PLATFORMS;
use crate::plot::histogram::Histograms;
use crate::plot::style::{
    self, AXIS, AnyFigure, Axis, ChartSet, DrawResult, FAMILY, Figure, GRID, HOUR_STEPS,
    LABEL_SIZE, LegendItem, MUTED, Palette, Panels, ROW_PX, SEP, Series, Swatch, label_font,
    legend, row_layout, text_width, title,
};
use crate::text::number::hours;

/// A chart of `conductor compare`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Chart {
    /// Mean saving per release with its 95% interval, per comparison and platform.
    Forest,
    /// Histograms of the per-pair differences, a panel per platform and one pooled.
    Histogram,
}

impl Chart {
    /// Every chart, in the order the HTML page shows them.
    pub const ALL: [Chart; 2] = [Chart::Forest, Chart::Histogram];

    /// What the chart shows, in a sentence.
    pub fn caption(self, compare: &Compare) -> String {
        match self {
            Chart::Forest => format!(
                "Hours saved per release (base minus other cycle hours, over releases that \
                 shipped in both arms): the mean per platform and pooled, with its 95% \
                 interval ({} bootstrap resamples of whole seeds). An interval clear of the \
                 zero line is a change larger than the noise.",
                compare.bootstrap_resamples
            ),
            Chart::Histogram => "The per-pair differences behind each mean: the share of \
                pairs (releases with the same seed, version and platform) saving each number \
                of hours, per platform and pooled (the 0.5th to 99.5th percentiles; unchanged \
                releases are the bar at 0). Dashed: each comparison's mean."
                .into(),
        }
    }
}

/// The comparisons' palette: the base arms' policies, then the measured arms', in
/// comparison order; a comparison is coloured by its measured arm's policy.
pub fn palette(compare: &Compare) -> Palette {
    Palette::new(
        compare
            .comparisons
            .iter()
            .map(|c| &c.base.policy)
            .chain(compare.comparisons.iter().map(|c| &c.other.policy)),
    )
}

/// A comparison as a series: coloured by its measured policy, named by what differs
/// between comparisons (the policy when each compares two scenarios under one policy, else
/// the measured arm).
fn series(c: &Comparison) -> Series {
    Series {
        key: c.other.policy.clone(),
        name: if c.base.policy == c.other.policy {
            c.base.policy.clone()
        } else {
            c.other.label.clone()
        },
    }
}

/// "Hours saved per release", with the arms when every comparison has the same ones.
fn chart_title(compare: &Compare) -> String {
    let cs = &compare.comparisons;
    let same = |f: &dyn Fn(&Comparison) -> &str| {
        cs.first()
            .map(f)
            .filter(|first| cs.iter().all(|c| f(c) == *first))
    };
    match (same(&|c| &c.base.label), same(&|c| &c.other.label)) {
        (Some(b), Some(o)) => format!("Hours saved per release: {o} against {b}"),
        (Some(b), None) => format!("Hours saved per release against {b}"),
        _ => "Hours saved per release".into(),
    }
}

impl ChartSet<Compare> for Chart {
    const ALL: &'static [Chart] = &Chart::ALL;

    fn name(self) -> &'static str {
        match self {
            Chart::Forest => "savings-forest",
            Chart::Histogram => "savings-histogram",
        }
    }

    fn applies(self, compare: &Compare) -> bool {
        match self {
            Chart::Forest => compare
                .comparisons
                .iter()
                .flat_map(|c| &c.platforms)
                .any(|r| r.saving_mean_hours.is_some()),
            Chart::Histogram => compare
                .comparisons
                .iter()
                .flat_map(|c| &c.differences)
                .any(|d| !d.1.is_empty()),
        }
    }

    fn palette(compare: &Compare) -> Palette {
        palette(compare)
    }

    fn figure<'a>(self, compare: &'a Compare, palette: &'a Palette) -> Box<dyn AnyFigure + 'a> {
        figure(self, compare, palette)
    }
}

fn figure<'a>(chart: Chart, compare: &'a Compare, palette: &'a Palette) -> Box<dyn AnyFigure + 'a> {
    let mut legend_series: Vec<Series> = vec![];
    for c in &compare.comparisons {
        let s = series(c);
        if !legend_series.contains(&s) {
            legend_series.push(s);
        }
    }
    match chart {
        Chart::Forest => Box::new(forest(compare, palette, legend_series)),
        Chart::Histogram => {
            // Platforms in the comparisons' order, the pooled panel last (left out when
            // there is one platform, which it would repeat).
            let mut platforms: Vec<&str> = vec![];
            for c in &compare.comparisons {
                for (p, _) in &c.differences {
                    if p != ALL_PLATFORMS && !platforms.contains(&p.as_str()) {
                        platforms.push(p);
                    }
                }
            }
            if platforms.len() > 1 {
                platforms.push(ALL_PLATFORMS);
            }
            let panels: Panels = platforms
                .iter()
                .map(|p| {
                    let lines = compare
                        .comparisons
                        .iter()
                        .filter_map(|c| {
                            let i = legend_series.iter().position(|s| *s == series(c))?;
                            let (_, v) = c.differences.iter().find(|d| d.0 == *p)?;
                            (!v.is_empty()).then_some((i, v.as_slice()))
                        })
                        .collect();
                    (platform_title(p), lines)
                })
                .collect();
            Box::new(Histograms {
                title: chart_title(compare),
                x_desc: "base cycle hours minus the other's, per pair".into(),
                series: legend_series,
                panels,
                palette,
            })
        }
    }
}

fn platform_title(p: &str) -> String {
    if p == ALL_PLATFORMS {
        "all platforms".into()
    } else {
        p.to_string()
    }
}

/// One row of the forest plot.
struct Interval {
    label: String,
    /// Rows of one comparison stand together.
    group: String,
    mean: f64,
    ci: Option<(f64, f64)>,
    colour: RGBColor,
    pooled: bool,
    text: String,
}

/// The forest plot: a row per comparison and platform.
struct Forest {
    title: String,
    keys: Vec<LegendItem>,
    rows: Vec<Interval>,
}

fn forest(compare: &Compare, palette: &Palette, legend_series: Vec<Series>) -> Forest {
    let several = compare.comparisons.len() > 1;
    let mut rows = vec![];
    for (k, c) in compare.comparisons.iter().enumerate() {
        let s = series(c);
        for r in &c.platforms {
            let Some(mean) = r.saving_mean_hours else {
                continue;
            };
            let ci = r.saving_ci95_low_hours.zip(r.saving_ci95_high_hours);
            let label = if several {
                format!("{}{SEP}{}", s.name, platform_title(&r.platform))
            } else {
                platform_title(&r.platform)
            };
            let text = match ci {
                Some((lo, hi)) => format!("{} h ({} to {})", hours(mean), hours(lo), hours(hi)),
                None => format!("{} h (no interval)", hours(mean)),
            };
            rows.push(Interval {
                label,
                group: k.to_string(),
                mean,
                ci,
                colour: palette.colour(&s.key),
                pooled: r.platform == ALL_PLATFORMS,
                text,
            });
        }
    }
    Forest {
        title: chart_title(compare),
        keys: legend_series
            .into_iter()
            .map(|s| LegendItem {
                colour: palette.colour(&s.key),
                name: s.name,
                swatch: Swatch::Line,
            })
            .collect(),
        rows,
    }
}

impl Forest {
    fn layout(&self) -> (Vec<f64>, f64) {
        let groups: Vec<&str> = self.rows.iter().map(|r| r.group.as_str()).collect();
        row_layout(&groups, 0.0)
    }

    /// The x axis: every interval and mean, with zero when it is near.
    fn x_axis(&self) -> Axis {
        let (mut lo, mut hi) = (f64::INFINITY, f64::NEG_INFINITY);
        for r in &self.rows {
            let (a, b) = r.ci.unwrap_or((r.mean, r.mean));
            lo = lo.min(a.min(r.mean));
            hi = hi.max(b.max(r.mean));
        }
        Axis::near(lo, hi, &HOUR_STEPS, 8, Some(0.0))
    }
}

impl Figure for Forest {
    fn height(&self) -> u32 {
        let (_, units) = self.layout();
        36 + 26 + 56 + (units * ROW_PX) as u32
    }

    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> DrawResult
    where
        DB::ErrorType: 'static,
    {
        let area = title(root, &self.title)?;
        let area = legend(&area, &self.keys)?;
        let (centres, top) = self.layout();
        let x = self.x_axis();
        let label_width = self
            .rows
            .iter()
            .map(|r| text_width(&area, &r.label))
            .max()
            .unwrap_or(0)
            + 18;
        let text_room = self
            .rows
            .iter()
            .map(|r| text_width(&area, &r.text))
            .max()
            .unwrap_or(0)
            + 24;
        let mut c = ChartBuilder::on(&area)
            .margin_left(10)
            .margin_right(text_room)
            .margin_bottom(6)
            .x_label_area_size(44)
            .y_label_area_size(label_width)
            .build_cartesian_2d(x.range(), style::Ticked::new(0.0, top, centres.clone()))?;
        let x_label = |v: &f64| x.label(*v);
        let y_label = |v: &f64| {
            centres
                .iter()
                .position(|c| (c - v).abs() < 1e-9)
                .map(|i| self.rows[i].label.clone())
                .unwrap_or_default()
        };
        c.configure_mesh()
            .disable_y_mesh()
            .bold_line_style(GRID)
            .light_line_style(TRANSPARENT)
            .axis_style(AXIS)
            .x_desc("hours saved per release (mean, 95% interval)")
            .x_label_formatter(&x_label)
            .y_label_formatter(&y_label)
            .label_style(label_font())
            .axis_desc_style((FAMILY, LABEL_SIZE))
            .draw()?;
        if (x.lo..=x.hi).contains(&0.0) {
            c.draw_series(std::iter::once(PathElement::new(
                vec![(0.0, 0.0), (0.0, top)],
                AXIS.stroke_width(1),
            )))?;
        }
        let text = TextStyle::from((FAMILY, LABEL_SIZE))
            .color(&MUTED)
            .pos(Pos::new(HPos::Left, VPos::Center));
        for (r, y) in self.rows.iter().zip(&centres) {
            let clamp = |v: f64| v.clamp(x.lo, x.hi);
            if let Some((lo, hi)) = r.ci {
                let (lo, hi) = (clamp(lo), clamp(hi));
                c.draw_series(std::iter::once(PathElement::new(
                    vec![(lo, *y), (hi, *y)],
                    r.colour.stroke_width(3),
                )))?;
                for end in [lo, hi] {
                    c.draw_series(std::iter::once(PathElement::new(
                        vec![(end, y - 0.22), (end, y + 0.22)],
                        r.colour.stroke_width(2),
                    )))?;
                }
            }
            let m = clamp(r.mean);
            if r.pooled {
                // The pooled row: a diamond, so it stands out from the platforms.
                let (px, py) = c.backend_coord(&(m, *y));
                root.draw(&Polygon::new(
                    vec![(px, py - 7), (px + 7, py), (px, py + 7), (px - 7, py)],
                    r.colour.filled(),
                ))?;
            } else {
                c.draw_series(std::iter::once(Circle::new((m, *y), 5, r.colour.filled())))?;
            }
            let (px, py) = c.backend_coord(&(x.hi, *y));
            root.draw(&Text::new(r.text.clone(), (px + 12, py), text.clone()))?;
        }
        Ok(())
    }
}
