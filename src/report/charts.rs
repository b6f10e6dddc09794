//! The report's charts, drawn with plotters as SVG (inlined in the HTML report) and PNG
//! (`--charts DIR`): the cycle-time distribution and the paired savings as small multiples
//! (one panel per platform and one pooled, since pooled curves hide how differently the
//! platforms ship), stacked bottleneck bars, and the timeline of one release with the
//! release squad's off-hours shaded.
//!
//! Every chart of a page colours a series (a policy, or `scenario / policy`) alike, from one
//! [`Palette`] keyed by series ([`palette`]); `conductor compare`'s charts use the same
//! palette and look ([`crate::plot`]). Axes start near the data, grids are light. Text in PNGs is
//! drawn with an embedded subset of DejaVu Sans (no system fonts needed); SVGs name the font
//! and let the viewer draw it. SVG and PNG bytes depend only on the report.

use plotters::coord::Shift;
use plotters::prelude::*;

use crate::plot::histogram::Histograms;
pub use crate::plot::style::Palette;
use crate::plot::style::{
    self, AXIS, AnyFigure, Axis, ChartSet, DrawResult, FAMILY, Figure, GRID, HOUR_STEPS,
    LABEL_SIZE, LegendItem, MUTED, Panels, ROW_PX, SEP, Series, Swatch, grid, label_font, legend,
    panels, share_panel, text_width, title, title_and_line_legend,
};

use super::{ALL_PLATFORMS, Group, Namer, Report};
use crate::model::{State, WaitingOn};

/// A chart of the report.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Chart {
    /// Empirical CDF of cycle time per policy: a panel per platform and one pooled.
    CycleTime,
    /// Hours per cycle on each waiting-on label, stacked, per platform and policy.
    Bottlenecks,
    /// Histograms of paired savings per policy: a panel per platform and one pooled.
    Savings,
    /// Each track's states over one version (a Gantt chart), over the squad's off-hours.
    Timeline,
    /// Speed against safety: median cycle time against user exposure, a point per
    /// (scenario, policy), the points no other beats on both joined as the frontier.
    TradeOff,
}

impl Chart {
    /// Every chart, in the order the HTML report shows them.
    pub const ALL: [Chart; 5] = [
        Chart::CycleTime,
        Chart::Savings,
        Chart::TradeOff,
        Chart::Bottlenecks,
        Chart::Timeline,
    ];

    /// What the chart shows, in a sentence.
    pub fn caption(self, report: &Report) -> String {
        match self {
            Chart::CycleTime => "Cycle time, branch cut to 100%: the share of shipped \
                track-cycles done within each number of hours, per platform and pooled; a dot \
                marks each median. A curve further left ships sooner; grid lines are a day \
                apart when the range allows."
                .into(),
            Chart::Bottlenecks => "Where the time goes: hours per track-cycle on each \
                waiting-on label, per platform and policy."
                .into(),
            Chart::Savings => format!(
                "Hours saved per release against {}, paired on the same seed, version and \
                 platform: the share of pairs saving each number of hours, per platform and \
                 pooled (the 0.5th to 99.5th percentiles; unchanged releases are the bar at \
                 0). Dashed: each policy's mean saving.",
                report.baseline
            ),
            Chart::Timeline => match &report.timeline {
                Some(t) => format!(
                    "Release timeline of version {} (seed {}, scenario {}): each track's \
                     state, in hours since the branch cut at {}. Shaded: the release squad's \
                     off-hours ({}), darker on days it does not work (weekends, holidays), \
                     when a manual step waits for the morning.",
                    t.version_label, t.seed, t.scenario, t.branch_cut, t.time_zone
                ),
                None => String::new(),
            },
            Chart::TradeOff => "Speed against safety: each policy's median cycle time of \
                shipped releases (branch cut to 100%, hours) against the users' exposure to \
                severe defects per release that reached users (share of users holding a build with one × \
                hours). The exposure rests on the scenario's assumptions ([world.defects], \
                world.rollout.incident), not on a record. Filled points joined by the line are \
                the frontier: no other point is both faster and less exposed; a hollow point \
                is beaten on both."
                .into(),
        }
    }
}

/// The report's palette: its series (policies, or `scenario / policy` for several
/// scenarios) in row order, the baseline first when the runs list it first.
pub fn palette(report: &Report) -> Palette {
    let namer = Namer::new(report);
    Palette::new(
        report
            .cycle_time
            .iter()
            .map(|r| namer.name(&r.group.scenario, &r.group.policy)),
    )
}

impl ChartSet<Report> for Chart {
    const ALL: &'static [Chart] = &Chart::ALL;

    fn name(self) -> &'static str {
        match self {
            Chart::CycleTime => "cycle-time",
            Chart::Bottlenecks => "bottlenecks",
            Chart::Savings => "savings",
            Chart::Timeline => "timeline",
            Chart::TradeOff => "trade-off",
        }
    }

    fn applies(self, report: &Report) -> bool {
        match self {
            Chart::CycleTime => report
                .distributions
                .cycle_hours
                .iter()
                .any(|d| !d.1.is_empty()),
            Chart::Bottlenecks => !report.bottlenecks.is_empty(),
            Chart::Savings => report.distributions.savings.iter().any(|d| !d.1.is_empty()),
            Chart::Timeline => report.timeline.is_some(),
            Chart::TradeOff => !report.trade_off.is_empty(),
        }
    }

    fn palette(report: &Report) -> Palette {
        palette(report)
    }

    fn figure<'a>(self, report: &'a Report, palette: &'a Palette) -> Box<dyn AnyFigure + 'a> {
        figure(self, report, palette)
    }
}

fn figure<'a>(chart: Chart, report: &'a Report, palette: &'a Palette) -> Box<dyn AnyFigure + 'a> {
    match chart {
        Chart::CycleTime => {
            let (series, panels) = small_multiples(report, &report.distributions.cycle_hours);
            Box::new(Ecdf {
                title: "Cycle time distribution".into(),
                x_desc: "hours from branch cut to 100%".into(),
                series,
                panels,
                palette,
            })
        }
        Chart::Savings => {
            let (series, panels) = small_multiples(report, &report.distributions.savings);
            Box::new(Histograms {
                title: format!("Hours saved per release against {}", report.baseline),
                x_desc: format!("{} cycle hours minus the policy's", report.baseline),
                series,
                panels,
                palette,
            })
        }
        Chart::Bottlenecks => Box::new(bottlenecks(report)),
        Chart::Timeline => Box::new(timeline(report)),
        Chart::TradeOff => Box::new(TradeOff { report, palette }),
    }
}

/// A panel's title: the platform, or "all platforms".
fn platform_title(platform: &str) -> String {
    if platform == ALL_PLATFORMS {
        "all platforms".into()
    } else {
        platform.to_string()
    }
}

/// Series and panels of per-group distributions: a panel per platform in the report's
/// order, then the pooled one (left out when there is a single platform, which it would
/// repeat); in each, the series that have values there.
fn small_multiples<'a>(
    report: &Report,
    dists: &'a [(Group, Vec<f64>)],
) -> (Vec<Series>, Panels<'a>) {
    let namer = Namer::new(report);
    let mut series: Vec<Series> = vec![];
    let mut platforms: Vec<&str> = vec![];
    for (g, _) in dists {
        let name = namer.name(&g.scenario, &g.policy);
        if !series.iter().any(|s| s.key == name) {
            series.push(Series {
                key: name.clone(),
                name,
            });
        }
        if g.platform != ALL_PLATFORMS && !platforms.contains(&g.platform.as_str()) {
            platforms.push(&g.platform);
        }
    }
    if platforms.len() > 1 {
        platforms.push(ALL_PLATFORMS);
    }
    let panels = platforms
        .iter()
        .map(|p| {
            let lines = dists
                .iter()
                .filter(|(g, v)| g.platform == *p && !v.is_empty())
                .filter_map(|(g, v)| {
                    let name = namer.name(&g.scenario, &g.policy);
                    let i = series.iter().position(|s| s.key == name)?;
                    Some((i, v.as_slice()))
                })
                .collect();
            (platform_title(p), lines)
        })
        .collect();
    (series, panels)
}

/// Height of one row of ECDF panels, in pixels.
const ECDF_PANEL_HEIGHT: u32 = 260;

/// Empirical CDFs as small multiples: one panel per platform and one pooled, one line per
/// series, on one shared x axis.
struct Ecdf<'a> {
    title: String,
    x_desc: String,
    series: Vec<Series>,
    panels: Panels<'a>,
    palette: &'a Palette,
}

impl Figure for Ecdf<'_> {
    fn height(&self) -> u32 {
        36 + 26 + grid(self.panels.len()).0 as u32 * ECDF_PANEL_HEIGHT
    }

    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> DrawResult
    where
        DB::ErrorType: 'static,
    {
        let area = title_and_line_legend(root, &self.title, &self.series, self.palette)?;
        // The x axis spans every panel's 0.5th to 99.5th percentiles (values are sorted),
        // so that a few extreme cycles do not squash the rest, and starts near them.
        let lines = || self.panels.iter().flat_map(|p| p.1.iter());
        let lo = lines()
            .filter_map(|(_, v)| crate::stats::quantile_sorted(v, 0.005))
            .fold(f64::INFINITY, f64::min);
        let hi = lines()
            .filter_map(|(_, v)| crate::stats::quantile_sorted(v, 0.995))
            .fold(f64::NEG_INFINITY, f64::max);
        let x = Axis::near(lo, hi, &HOUR_STEPS, 8, None);
        let y = Axis::fixed(0.0, 1.0, 0.25);
        for ((name, lines), panel) in self.panels.iter().zip(panels(&area, self.panels.len())) {
            let mut c = share_panel(&panel, name, (&x, &self.x_desc), (&y, "shipped within"))?;
            for (i, v) in lines {
                let colour = self.palette.colour(&self.series[*i].key);
                // 400 quantiles keep the curve's shape at a fraction of the points.
                let n = 400;
                let points: Vec<(f64, f64)> = (0..=n)
                    .filter_map(|k| {
                        let p = f64::from(k) / f64::from(n);
                        crate::stats::quantile_sorted(v, p).map(|h| (h.clamp(x.lo, x.hi), p))
                    })
                    .collect();
                c.draw_series(LineSeries::new(points, colour.stroke_width(2)))?;
                if let Some(m) = crate::stats::quantile_sorted(v, 0.5) {
                    c.draw_series(std::iter::once(Circle::new(
                        (m.clamp(x.lo, x.hi), 0.5),
                        4,
                        colour.filled(),
                    )))?;
                }
            }
        }
        Ok(())
    }
}

/// Tick steps for share-of-users hours.
const EXPOSURE_STEPS: [f64; 12] = [
    0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1.0, 2.0, 5.0, 10.0, 20.0, 50.0,
];

/// Height of the trade-off chart's plot, in pixels.
const TRADE_OFF_PLOT_HEIGHT: u32 = 420;

/// The trade-off chart: a scatter of the report's [`TradeOffPoint`](super::TradeOffPoint)s,
/// each labelled with its series' name, the frontier joined by a line.
struct TradeOff<'a> {
    report: &'a Report,
    palette: &'a Palette,
}

impl Figure for TradeOff<'_> {
    fn height(&self) -> u32 {
        36 + 26 + TRADE_OFF_PLOT_HEIGHT
    }

    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> DrawResult
    where
        DB::ErrorType: 'static,
    {
        let namer = Namer::new(self.report);
        let points = &self.report.trade_off;
        let area = title(root, "Speed against safety: the trade-off frontier")?;
        let area = legend(
            &area,
            &[LegendItem {
                name: "frontier: the filled points, which no other point beats on both axes \
                       (hollow: beaten on both)"
                    .into(),
                colour: MUTED,
                swatch: Swatch::Line,
            }],
        )?;
        let span = |v: &mut dyn Iterator<Item = f64>| {
            v.fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), x| {
                (lo.min(x), hi.max(x))
            })
        };
        let (x_lo, x_hi) = span(&mut points.iter().map(|p| p.cycle_p50_hours));
        let (y_lo, y_hi) = span(&mut points.iter().map(|p| p.user_exposure_hours));
        // A margin around the points, so that a point and its label stay inside the axes.
        let pad = |lo: f64, hi: f64, min: f64| {
            let m = ((hi - lo) * 0.12).max(min);
            (lo - m, hi + m)
        };
        let (x_lo, x_hi) = pad(x_lo, x_hi, 1.0);
        let (y_lo, y_hi) = pad(y_lo, y_hi, 0.1);
        let x = Axis::near(x_lo, x_hi, &HOUR_STEPS, 10, None);
        let y = Axis::near(y_lo.max(0.0), y_hi, &EXPOSURE_STEPS, 8, Some(0.0));
        let mut c = ChartBuilder::on(&area)
            .margin(10)
            .margin_right(24)
            .x_label_area_size(44)
            .y_label_area_size(60)
            .build_cartesian_2d(x.range(), y.range())?;
        let x_label = |v: &f64| x.label(*v);
        let y_label = |v: &f64| y.label(*v);
        c.configure_mesh()
            .bold_line_style(GRID)
            .light_line_style(TRANSPARENT)
            .axis_style(AXIS)
            .x_desc("median cycle time of shipped releases, hours (branch cut to 100%)")
            .y_desc("user exposure, share-of-users h per release (assumed: scenario)")
            .x_label_formatter(&x_label)
            .y_label_formatter(&y_label)
            .label_style(label_font())
            .axis_desc_style((FAMILY, LABEL_SIZE))
            .draw()?;
        let mut frontier: Vec<(f64, f64)> = points
            .iter()
            .filter(|p| p.frontier)
            .map(|p| (p.cycle_p50_hours, p.user_exposure_hours))
            .collect();
        frontier.sort_by(|a, b| a.0.total_cmp(&b.0).then(b.1.total_cmp(&a.1)));
        c.draw_series(std::iter::once(PathElement::new(
            frontier,
            MUTED.stroke_width(2),
        )))?;
        // Labels go beside their point where they overlap no other label or point and
        // stay inside the plot: right then left of it, above then below.
        let (xs, ys) = c.plotting_area().get_pixel_range();
        let pixels: Vec<(i32, i32)> = points
            .iter()
            .map(|p| c.backend_coord(&(p.cycle_p50_hours, p.user_exposure_hours)))
            .collect();
        let mut placed: Vec<(i32, i32, i32, i32)> = vec![];
        for (p, &(px, py)) in points.iter().zip(&pixels) {
            let name = namer.name(&p.scenario, &p.policy);
            let colour = self.palette.colour(&name);
            let style = if p.frontier {
                colour.filled()
            } else {
                colour.stroke_width(2)
            };
            let (w, h) = (text_width(root, &name) as i32, LABEL_SIZE as i32 + 2);
            let candidates = [(9, -h - 4), (9, 4), (-9 - w, -h - 4), (-9 - w, 4)];
            let free = |&(dx, dy): &(i32, i32)| {
                let b = (px + dx, py + dy, px + dx + w, py + dy + h);
                let inside = b.0 >= xs.start && b.2 <= xs.end && b.1 >= ys.start && b.3 <= ys.end;
                let clear_of_labels = placed
                    .iter()
                    .all(|o| b.2 <= o.0 || o.2 <= b.0 || b.3 <= o.1 || o.3 <= b.1);
                let clear_of_points = pixels.iter().all(|&(qx, qy)| {
                    qx + 6 <= b.0 || b.2 <= qx - 6 || qy + 6 <= b.1 || b.3 <= qy - 6
                });
                inside && clear_of_labels && clear_of_points
            };
            let (dx, dy) = candidates
                .iter()
                .copied()
                .find(|c| free(c))
                .unwrap_or(candidates[0]);
            placed.push((px + dx, py + dy, px + dx + w, py + dy + h));
            c.draw_series(std::iter::once(
                EmptyElement::at((p.cycle_p50_hours, p.user_exposure_hours))
                    + Circle::new((0, 0), 6, style)
                    + Text::new(name, (dx, dy), label_font()),
            ))?;
        }
        Ok(())
    }
}

/// One colour per waiting-on label.
fn label_colour(l: WaitingOn) -> RGBColor {
    const C: [RGBColor; 12] = [
        RGBColor(213, 94, 0),    // bug_fix
        RGBColor(230, 159, 0),   // build_and_test
        RGBColor(204, 121, 167), // signoff
        RGBColor(153, 79, 136),  // crash_rate
        RGBColor(86, 180, 233),  // beta_usage
        RGBColor(0, 114, 178),   // store_review
        RGBColor(240, 228, 66),  // pause_fix
        RGBColor(0, 158, 115),   // bake
        RGBColor(150, 150, 150), // itgc
        RGBColor(40, 40, 40),    // manual_action
        RGBColor(200, 200, 200), // robot_poll
        RGBColor(255, 255, 255), // unknown (outlined)
    ];
    C[l.index() % C.len()]
}

/// One colour per state.
fn state_colour(s: &str) -> RGBColor {
    match s {
        "branched" => RGBColor(230, 159, 0),
        "final_rc" => RGBColor(204, 121, 167),
        "submitted" => RGBColor(0, 114, 178),
        "rollout_1" => RGBColor(0, 158, 115),
        "paused" => RGBColor(213, 94, 0),
        _ => RGBColor(150, 150, 150),
    }
}

/// The squad's off-hours on the timeline.
const OFF_HOURS: RGBColor = RGBColor(236, 236, 236);
/// Days the squad does not work at all.
const DAY_OFF: RGBColor = RGBColor(222, 222, 222);

/// A row of a bar chart.
struct BarRow {
    label: String,
    /// Rows of one group stand together; a gap separates groups.
    group: String,
}

/// Horizontal bars: rows of (start, end, colour) pieces, a legend of colours, and behind
/// them optional vertical bands with labels along the top (the timeline's days).
struct Bars {
    title: String,
    x_desc: String,
    x: Axis,
    rows: Vec<BarRow>,
    /// (row, start, end, colour)
    pieces: Vec<(usize, f64, f64, RGBColor)>,
    keys: Vec<LegendItem>,
    /// (start, end, colour), full height, behind the bars.
    bands: Vec<(f64, f64, RGBColor)>,
    /// (start, end, text): written centred over the visible part of `[start, end)`.
    top_labels: Vec<(f64, f64, String)>,
}

impl Bars {
    /// Each row's centre in y units (the first row at the top), and the y range.
    fn layout(&self) -> (Vec<f64>, f64) {
        let groups: Vec<&str> = self.rows.iter().map(|r| r.group.as_str()).collect();
        let band = if self.top_labels.is_empty() { 0.0 } else { 0.9 };
        style::row_layout(&groups, band)
    }
}

impl Figure for Bars {
    fn height(&self) -> u32 {
        let (_, units) = self.layout();
        // Title, up to two legend rows, the x axis.
        36 + 46 + 52 + (units * ROW_PX) as u32
    }

    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> DrawResult
    where
        DB::ErrorType: 'static,
    {
        let area = title(root, &self.title)?;
        let area = legend(&area, &self.keys)?;
        let (centres, top) = self.layout();
        let label_width = self
            .rows
            .iter()
            .map(|r| text_width(&area, &r.label))
            .max()
            .unwrap_or(0)
            + 18;
        let y = Axis::fixed(0.0, top, top);
        let mut c = ChartBuilder::on(&area)
            .margin_left(10)
            .margin_right(24)
            .margin_bottom(6)
            .x_label_area_size(44)
            .y_label_area_size(label_width)
            .build_cartesian_2d(
                self.x.range(),
                style::Ticked::new(y.lo, y.hi, centres.clone()),
            )?;
        let x_label = |v: &f64| self.x.label(*v);
        let y_label = |v: &f64| {
            centres
                .iter()
                .position(|c| (c - v).abs() < 1e-9)
                .map(|i| self.rows[i].label.clone())
                .unwrap_or_default()
        };
        for (a, b, colour) in &self.bands {
            let (a, b) = (a.max(self.x.lo), b.min(self.x.hi));
            if b > a {
                c.draw_series(std::iter::once(Rectangle::new(
                    [(a, y.lo), (b, y.hi)],
                    colour.filled(),
                )))?;
            }
        }
        c.configure_mesh()
            .disable_y_mesh()
            .bold_line_style(GRID.mix(0.9))
            .light_line_style(TRANSPARENT)
            .axis_style(AXIS)
            .x_desc(self.x_desc.as_str())
            .x_label_formatter(&x_label)
            .y_label_formatter(&y_label)
            .label_style(label_font())
            .axis_desc_style((FAMILY, LABEL_SIZE))
            .draw()?;
        for (row, a, b, colour) in &self.pieces {
            let (a, b) = (a.max(self.x.lo), b.min(self.x.hi));
            if b <= a {
                continue;
            }
            let (lo, hi) = (centres[*row] - 0.36, centres[*row] + 0.36);
            c.draw_series(std::iter::once(Rectangle::new(
                [(a, lo), (b, hi)],
                colour.filled(),
            )))?;
            if *colour == RGBColor(255, 255, 255) {
                c.draw_series(std::iter::once(Rectangle::new(
                    [(a, lo), (b, hi)],
                    AXIS.stroke_width(1),
                )))?;
            }
        }
        let text = TextStyle::from((FAMILY, LABEL_SIZE)).color(&MUTED).pos(
            plotters::style::text_anchor::Pos::new(
                plotters::style::text_anchor::HPos::Center,
                plotters::style::text_anchor::VPos::Center,
            ),
        );
        let band_y = top - 0.25 - 0.45;
        for (a, b, label) in &self.top_labels {
            let (a, b) = (a.max(self.x.lo), b.min(self.x.hi));
            // Only where the label fits: a day cut short at either end stays unnamed.
            let px = (c.backend_coord(&(b, band_y)).0 - c.backend_coord(&(a, band_y)).0) as u32;
            if px > text_width(root, label) + 6 {
                c.draw_series(std::iter::once(Text::new(
                    label.clone(),
                    ((a + b) / 2.0, band_y),
                    text.clone(),
                )))?;
            }
        }
        Ok(())
    }
}

fn bottlenecks(report: &Report) -> Bars {
    let namer = Namer::new(report);
    let mut rows = vec![];
    let mut pieces = vec![];
    let mut used: Vec<WaitingOn> = vec![];
    // Platform by platform (pooled last), each policy's bar under the other's, so that the
    // policies compare within a platform.
    let mut groups: Vec<&Group> = report
        .cycle_time
        .iter()
        .filter(|r| r.tracks > 0)
        .map(|r| &r.group)
        .collect();
    let platform_rank = |g: &Group| {
        report
            .cycle_time
            .iter()
            .position(|r| r.group.platform == g.platform)
            .unwrap_or(usize::MAX)
    };
    groups.sort_by_key(|g| (g.platform == ALL_PLATFORMS, platform_rank(g)));
    let mut x_max: f64 = 1.0;
    for g in groups {
        let row = rows.len();
        rows.push(BarRow {
            label: format!(
                "{}{SEP}{}",
                platform_title(&g.platform),
                namer.name(&g.scenario, &g.policy)
            ),
            group: g.platform.clone(),
        });
        let mut x = 0.0;
        for l in WaitingOn::ALL {
            let h = report
                .bottlenecks
                .iter()
                .find(|b| b.group == *g && b.waiting_on == l.as_str())
                .map_or(0.0, |b| b.hours_per_cycle);
            if h > 0.0 {
                pieces.push((row, x, x + h, label_colour(l)));
                x += h;
                if !used.contains(&l) {
                    used.push(l);
                }
            }
        }
        x_max = x_max.max(x);
    }
    used.sort_by_key(|l| l.index());
    Bars {
        title: "Where the time goes".into(),
        x_desc: "hours per track-cycle".into(),
        // Stacked bars measure from zero.
        x: Axis::near(0.0, x_max, &HOUR_STEPS, 10, Some(0.0)),
        rows,
        pieces,
        keys: used
            .into_iter()
            .map(|l| LegendItem {
                name: l.as_str().to_string(),
                colour: label_colour(l),
                swatch: Swatch::Block,
            })
            .collect(),
        bands: vec![],
        top_labels: vec![],
    }
}

fn timeline(report: &Report) -> Bars {
    let Some(t) = &report.timeline else {
        return Bars {
            title: String::new(),
            x_desc: String::new(),
            x: Axis::fixed(0.0, 1.0, 1.0),
            rows: vec![],
            pieces: vec![],
            keys: vec![],
            bands: vec![],
            top_labels: vec![],
        };
    };
    let mut rows = vec![];
    let mut pieces = vec![];
    let mut end: f64 = 1.0;
    for (i, r) in t.rows.iter().enumerate() {
        rows.push(BarRow {
            label: format!("{}{SEP}{}", r.platform, r.policy),
            group: r.platform.clone(),
        });
        for s in &r.spans {
            pieces.push((i, s.start_hours, s.end_hours, state_colour(&s.state)));
            end = end.max(s.end_hours);
        }
    }
    let mut keys: Vec<LegendItem> = State::ALL
        .iter()
        .map(|s| s.as_str())
        .filter(|s| t.rows.iter().flat_map(|r| &r.spans).any(|p| p.state == *s))
        .map(|s| LegendItem {
            name: s.to_string(),
            colour: state_colour(s),
            swatch: Swatch::Block,
        })
        .collect();
    let mut bands: Vec<(f64, f64, RGBColor)> = t
        .off_hours
        .iter()
        .map(|o| (o.start_hours, o.end_hours, OFF_HOURS))
        .collect();
    let day_end = |i: usize| t.days.get(i + 1).map_or(end, |d| d.start_hours);
    for (i, d) in t.days.iter().enumerate() {
        if !d.working {
            bands.push((d.start_hours, day_end(i), DAY_OFF));
        }
    }
    if !t.off_hours.is_empty() {
        keys.push(LegendItem {
            name: "squad off-hours".into(),
            colour: OFF_HOURS,
            swatch: Swatch::Block,
        });
    }
    if t.days.iter().any(|d| !d.working) {
        keys.push(LegendItem {
            name: "squad day off".into(),
            colour: DAY_OFF,
            swatch: Swatch::Block,
        });
    }
    let top_labels = t
        .days
        .iter()
        .enumerate()
        .map(|(i, d)| {
            let day = d.date.get(8..).unwrap_or_default().trim_start_matches('0');
            (d.start_hours, day_end(i), format!("{} {day}", d.weekday))
        })
        .collect();
    Bars {
        title: format!(
            "Release timeline: version {}, seed {}",
            t.version_label, t.seed
        ),
        x_desc: "hours since the branch cut".into(),
        x: Axis::near(0.0, end, &HOUR_STEPS, 12, Some(0.0)),
        rows,
        pieces,
        keys,
        bands,
        top_labels,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::{CycleRow, Distributions, PERCENTILE_METHOD};

    fn group(policy: &str, platform: &str) -> Group {
        Group {
            scenario: "s".into(),
            policy: policy.into(),
            platform: platform.into(),
        }
    }

    /// A report with cycle-time distributions only, for `platforms`.
    fn report(platforms: &[&str]) -> Report {
        let mut cycle_hours = vec![];
        let mut cycle_time = vec![];
        for policy in ["manual", "robot"] {
            for p in platforms.iter().chain(&[ALL_PLATFORMS]) {
                let v: Vec<f64> = (0..50).map(|i| 90.0 + f64::from(i)).collect();
                cycle_hours.push((group(policy, p), v));
                cycle_time.push(CycleRow {
                    group: group(policy, p),
                    rests_on: "scenario",
                    tracks: 50,
                    shipped: 50,
                    cycle_p50_hours: None,
                    cycle_p85_hours: None,
                    cycle_p95_hours: None,
                    cycle_mean_hours: None,
                });
            }
        }
        Report {
            runs: vec![],
            percentile_method: PERCENTILE_METHOD,
            baseline: "manual".into(),
            cycle_time,
            outcomes: vec![],
            hotfixes: vec![],
            safety: vec![],
            trade_off: vec![],
            states: vec![],
            bottlenecks: vec![],
            state_bottlenecks: vec![],
            idle: vec![],
            savings: vec![],
            step_savings: vec![],
            timeline: None,
            distributions: Distributions {
                cycle_hours,
                savings: vec![],
            },
        }
    }

    #[test]
    fn one_platform_gets_one_panel_and_several_get_a_pooled_one_too() {
        let one = report(&["ios"]);
        let (series, panels) = small_multiples(&one, &one.distributions.cycle_hours);
        assert_eq!(series.len(), 2);
        assert_eq!(
            panels.iter().map(|p| p.0.as_str()).collect::<Vec<_>>(),
            ["ios"]
        );
        let three = report(&["android", "ios", "desktop"]);
        let (_, panels) = small_multiples(&three, &three.distributions.cycle_hours);
        assert_eq!(
            panels.iter().map(|p| p.0.as_str()).collect::<Vec<_>>(),
            ["android", "ios", "desktop", "all platforms"]
        );
        assert!(
            panels.iter().all(|p| p.1.len() == 2),
            "both policies in each"
        );
    }

    #[test]
    fn charts_without_data_are_left_out_and_the_rest_draw_the_same_bytes_twice() {
        let r = report(&["ios"]);
        assert!(Chart::Savings.svg(&r).unwrap().is_none(), "no second arm");
        assert!(Chart::Timeline.png(&r).unwrap().is_none(), "no timeline");
        let a = Chart::CycleTime.png(&r).unwrap().unwrap();
        assert_eq!(Some(a), Chart::CycleTime.png(&r).unwrap());
        let s = Chart::CycleTime.svg(&r).unwrap().unwrap();
        assert!(s.contains(">\nios\n</text>"), "the panel is named");
    }
}
