//! The report's charts, drawn with plotters as SVG (inlined in the HTML report) and PNG
//! (`--charts DIR`): the cycle-time distribution per policy, stacked bottleneck bars, the
//! paired-saving histogram and a release timeline.
//!
//! Text in PNGs is drawn with an embedded subset of DejaVu Sans (no system fonts needed);
//! SVGs name the font and let the viewer draw it.

use std::path::{Path, PathBuf};
use std::sync::Once;

use plotters::coord::Shift;
use plotters::prelude::*;

use super::{ALL_PLATFORMS, Namer, Report, ReportError};
use crate::dataset::atomic_write;
use crate::model::{State, WaitingOn};

static FONT: &[u8] = include_bytes!("DejaVuSans-subset.ttf");
static REGISTER: Once = Once::new();

const FAMILY: &str = "sans-serif";
const WIDTH: u32 = 960;

/// A chart of the report.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Chart {
    /// Empirical CDF of cycle time per policy.
    CycleTime,
    /// Hours per cycle on each waiting-on label, stacked, per policy and platform.
    Bottlenecks,
    /// Histogram of paired savings per policy.
    Savings,
    /// Each track's states over one version (a Gantt chart).
    Timeline,
}

impl Chart {
    /// Every chart, in the order the HTML report shows them.
    pub const ALL: [Chart; 4] = [
        Chart::CycleTime,
        Chart::Savings,
        Chart::Bottlenecks,
        Chart::Timeline,
    ];

    /// The file stem.
    pub fn name(self) -> &'static str {
        match self {
            Chart::CycleTime => "cycle-time",
            Chart::Bottlenecks => "bottlenecks",
            Chart::Savings => "savings",
            Chart::Timeline => "timeline",
        }
    }

    /// What the chart shows, in a sentence.
    pub fn caption(self, report: &Report) -> String {
        match self {
            Chart::CycleTime => "Cycle time, branch cut to 100%: the share of shipped \
                track-cycles (all platforms) done within each number of hours. A curve \
                further left ships sooner."
                .into(),
            Chart::Bottlenecks => "Where the time goes: hours per track-cycle on each \
                waiting-on label, per policy and platform."
                .into(),
            Chart::Savings => format!(
                "Hours saved per release against {}, paired on the same seed, version and \
                 platform: how often each saving occurs.",
                report.baseline
            ),
            Chart::Timeline => match &report.timeline {
                Some(t) => format!(
                    "Release timeline of version {} (seed {}, scenario {}): each track's \
                     state, in hours since the branch cut at {}.",
                    t.version, t.seed, t.scenario, t.branch_cut
                ),
                None => String::new(),
            },
        }
    }

    fn height(self, report: &Report) -> u32 {
        let bars = |n: usize| (150 + 34 * n as u32).max(280);
        match self {
            Chart::CycleTime | Chart::Savings => 480,
            Chart::Bottlenecks => bars(report.cycle_time.iter().filter(|r| r.tracks > 0).count()),
            Chart::Timeline => bars(report.timeline.as_ref().map_or(0, |t| t.rows.len())),
        }
    }

    fn applies(self, report: &Report) -> bool {
        match self {
            Chart::CycleTime => report
                .distributions
                .cycle_hours
                .iter()
                .any(|d| !d.2.is_empty()),
            Chart::Bottlenecks => !report.bottlenecks.is_empty(),
            Chart::Savings => report.distributions.savings.iter().any(|d| !d.2.is_empty()),
            Chart::Timeline => report.timeline.is_some(),
        }
    }
}

fn register_font() {
    REGISTER.call_once(|| {
        // The font is compiled in and known to parse (a unit test draws with it).
        let _ = plotters::style::register_font(FAMILY, FontStyle::Normal, FONT);
    });
}

fn chart_error(chart: Chart, e: impl std::fmt::Display) -> ReportError {
    ReportError::Query(format!("cannot draw the {} chart: {e}", chart.name()))
}

/// The chart as an SVG document; `None` when the report has nothing to draw (e.g. no
/// second policy for savings).
pub fn svg(chart: Chart, report: &Report) -> Result<Option<String>, ReportError> {
    if !chart.applies(report) {
        return Ok(None);
    }
    register_font();
    let mut s = String::new();
    {
        let root =
            SVGBackend::with_string(&mut s, (WIDTH, chart.height(report))).into_drawing_area();
        draw(chart, report, &root).map_err(|e| chart_error(chart, e))?;
        root.present().map_err(|e| chart_error(chart, e))?;
    }
    Ok(Some(s))
}

/// The chart as a PNG image; `None` when there is nothing to draw.
pub fn png(chart: Chart, report: &Report) -> Result<Option<Vec<u8>>, ReportError> {
    if !chart.applies(report) {
        return Ok(None);
    }
    register_font();
    let (w, h) = (WIDTH, chart.height(report));
    let mut rgb = vec![0u8; (w * h * 3) as usize];
    {
        let root = BitMapBackend::with_buffer(&mut rgb, (w, h)).into_drawing_area();
        draw(chart, report, &root).map_err(|e| chart_error(chart, e))?;
        root.present().map_err(|e| chart_error(chart, e))?;
    }
    let mut out = Vec::new();
    {
        let mut enc = png::Encoder::new(&mut out, w, h);
        enc.set_color(png::ColorType::Rgb);
        enc.set_depth(png::BitDepth::Eight);
        let mut writer = enc.write_header().map_err(|e| chart_error(chart, e))?;
        writer
            .write_image_data(&rgb)
            .map_err(|e| chart_error(chart, e))?;
    }
    Ok(Some(out))
}

/// Writes every applicable chart into `dir` as `<name>.svg` and `<name>.png` (each file
/// atomically); returns the files written.
pub fn write_all(report: &Report, dir: &Path) -> Result<Vec<PathBuf>, ReportError> {
    std::fs::create_dir_all(dir).map_err(|e| {
        ReportError::Argument(format!("--charts {}: cannot create it: {e}", dir.display()))
    })?;
    let mut rendered = vec![];
    for chart in Chart::ALL {
        if let (Some(svg), Some(png)) = (svg(chart, report)?, png(chart, report)?) {
            rendered.push((format!("{}.svg", chart.name()), svg.into_bytes()));
            rendered.push((format!("{}.png", chart.name()), png));
        }
    }
    let mut written = vec![];
    for (name, bytes) in rendered {
        let path = dir.join(name);
        atomic_write(&path, |f| std::io::Write::write_all(f, &bytes))
            .map_err(ReportError::Dataset)?;
        written.push(path);
    }
    Ok(written)
}

type DrawResult = Result<(), Box<dyn std::error::Error>>;

fn draw<DB: DrawingBackend>(
    chart: Chart,
    report: &Report,
    root: &DrawingArea<DB, Shift>,
) -> DrawResult
where
    DB::ErrorType: 'static,
{
    root.fill(&WHITE)?;
    match chart {
        Chart::CycleTime => cycle_time(report, root),
        Chart::Bottlenecks => bottlenecks(report, root),
        Chart::Savings => savings(report, root),
        Chart::Timeline => timeline(report, root),
    }
}

/// Colours for series (policies), readable on white and for common colour blindness
/// (Okabe & Ito).
const SERIES: [RGBColor; 7] = [
    RGBColor(0, 114, 178),
    RGBColor(213, 94, 0),
    RGBColor(0, 158, 115),
    RGBColor(204, 121, 167),
    RGBColor(230, 159, 0),
    RGBColor(86, 180, 233),
    RGBColor(120, 120, 120),
];

fn series_colour(i: usize) -> RGBColor {
    SERIES[i % SERIES.len()]
}

/// One colour per waiting-on label.
fn label_colour(l: WaitingOn) -> RGBColor {
    const C: [RGBColor; 11] = [
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

fn cycle_time<DB: DrawingBackend>(report: &Report, root: &DrawingArea<DB, Shift>) -> DrawResult
where
    DB::ErrorType: 'static,
{
    let dists = &report.distributions.cycle_hours;
    let namer = Namer::new(report);
    // Up to the largest 99.5th percentile, so a few extreme cycles do not squash the rest.
    let x_max = dists
        .iter()
        .filter_map(|d| crate::stats::quantile_sorted(&d.2, 0.995))
        .fold(1.0f64, f64::max)
        .ceil();
    let mut c = ChartBuilder::on(root)
        .caption("Cycle time distribution", (FAMILY, 20))
        .margin(12)
        .x_label_area_size(44)
        .y_label_area_size(56)
        .build_cartesian_2d(0f64..x_max, 0f64..1f64)?;
    c.configure_mesh()
        .x_desc("hours from branch cut to 100%")
        .x_label_formatter(&|x| format!("{x:.0}"))
        .y_desc("share of shipped track-cycles")
        .y_label_formatter(&|y| format!("{:.0}%", y * 100.0))
        .label_style((FAMILY, 13))
        .draw()?;
    for (i, (scenario, policy, v)) in dists.iter().enumerate() {
        if v.is_empty() {
            continue;
        }
        // 400 quantiles keep the curve's shape at a fraction of the points.
        let n = 400;
        let points: Vec<(f64, f64)> = (0..=n)
            .filter_map(|k| {
                let p = k as f64 / n as f64;
                crate::stats::quantile_sorted(v, p).map(|x| (x.min(x_max), p))
            })
            .collect();
        let colour = series_colour(i);
        c.draw_series(LineSeries::new(points, colour.stroke_width(2)))?
            .label(namer.name(scenario, policy))
            .legend(move |(x, y)| {
                PathElement::new(vec![(x, y), (x + 18, y)], colour.stroke_width(2))
            });
    }
    c.configure_series_labels()
        .position(SeriesLabelPosition::LowerRight)
        .background_style(WHITE.mix(0.9))
        .border_style(BLACK.mix(0.3))
        .label_font((FAMILY, 13))
        .draw()?;
    Ok(())
}

fn savings<DB: DrawingBackend>(report: &Report, root: &DrawingArea<DB, Shift>) -> DrawResult
where
    DB::ErrorType: 'static,
{
    let dists = &report.distributions.savings;
    let namer = Namer::new(report);
    let all: Vec<f64> = dists.iter().flat_map(|d| d.2.iter().copied()).collect();
    let mut sorted = all.clone();
    sorted.sort_by(f64::total_cmp);
    let lo = crate::stats::quantile_sorted(&sorted, 0.001)
        .unwrap_or(0.0)
        .floor();
    let hi = crate::stats::quantile_sorted(&sorted, 0.999)
        .unwrap_or(1.0)
        .ceil();
    let (lo, hi) = (lo.min(0.0), hi.max(lo + 1.0));
    // About 60 bins of a round width.
    let width = [0.25, 0.5, 1.0, 2.0, 4.0, 8.0, 12.0, 24.0]
        .into_iter()
        .find(|w| (hi - lo) / w <= 60.0)
        .unwrap_or(48.0);
    let bins = ((hi - lo) / width).ceil() as usize + 1;
    let counts: Vec<Vec<usize>> = dists
        .iter()
        .map(|d| {
            let mut c = vec![0usize; bins];
            for x in &d.2 {
                let b = ((x.clamp(lo, hi) - lo) / width).floor() as usize;
                c[b.min(bins - 1)] += 1;
            }
            c
        })
        .collect();
    let y_max = counts.iter().flatten().copied().max().unwrap_or(1).max(1) as f64 * 1.05;
    let mut c = ChartBuilder::on(root)
        .caption(
            format!("Hours saved per release against {}", report.baseline),
            (FAMILY, 20),
        )
        .margin(12)
        .x_label_area_size(44)
        .y_label_area_size(64)
        .build_cartesian_2d(lo..lo + width * bins as f64, 0f64..y_max)?;
    c.configure_mesh()
        .x_desc(format!(
            "{} cycle hours minus the policy's",
            report.baseline
        ))
        .x_label_formatter(&|x| format!("{x:.0}"))
        .y_desc("track-cycles")
        .y_label_formatter(&|y| format!("{y:.0}"))
        .label_style((FAMILY, 13))
        .draw()?;
    let n = dists.len().max(1) as f64;
    for (i, ((scenario, policy, _), counts)) in dists.iter().zip(&counts).enumerate() {
        let colour = series_colour(i + 1);
        let style = colour.mix(0.75).filled();
        c.draw_series(
            counts
                .iter()
                .enumerate()
                .filter(|(_, k)| **k > 0)
                .map(|(b, k)| {
                    // Side by side within a bin when several policies are compared.
                    let x0 = lo + width * b as f64 + width * i as f64 / n;
                    Rectangle::new([(x0, 0.0), (x0 + width / n, *k as f64)], style)
                }),
        )?
        .label(namer.name(scenario, policy))
        .legend(move |(x, y)| Rectangle::new([(x, y - 5), (x + 14, y + 5)], colour.filled()));
    }
    c.draw_series(std::iter::once(PathElement::new(
        vec![(0.0, 0.0), (0.0, y_max)],
        BLACK.mix(0.6).stroke_width(1),
    )))?;
    c.configure_series_labels()
        .position(SeriesLabelPosition::UpperRight)
        .background_style(WHITE.mix(0.9))
        .border_style(BLACK.mix(0.3))
        .label_font((FAMILY, 13))
        .draw()?;
    Ok(())
}

/// Horizontal bars: one row per name, each a list of (start, end, colour key) pieces, with a
/// legend of keys.
struct Bars {
    title: String,
    x_desc: String,
    rows: Vec<String>,
    pieces: Vec<(usize, f64, f64, String)>,
    keys: Vec<(String, RGBColor)>,
}

fn bars<DB: DrawingBackend>(b: Bars, root: &DrawingArea<DB, Shift>) -> DrawResult
where
    DB::ErrorType: 'static,
{
    let x_max = b.pieces.iter().map(|p| p.2).fold(1.0f64, f64::max).ceil();
    let n = b.rows.len();
    let font: TextStyle = (FAMILY, 13).into();
    let text_width = |t: &str| {
        root.estimate_text_size(t, &font)
            .map_or(8 * t.len() as u32, |s| s.0)
    };
    // The legend: swatches and names in rows above the chart.
    let (width, _) = root.dim_in_pixel();
    let mut places = vec![];
    let (mut x, mut y) = (12i32, 8i32);
    for (key, colour) in &b.keys {
        let w = 18 + text_width(key) as i32 + 18;
        if x + w > width as i32 - 12 {
            (x, y) = (12, y + 22);
        }
        places.push((x, y, key.clone(), *colour));
        x += w;
    }
    let (legend, plot) = root.split_vertically(y as u32 + 26);
    for (x, y, key, colour) in places {
        legend.draw(&Rectangle::new(
            [(x, y + 2), (x + 13, y + 15)],
            colour.filled(),
        ))?;
        legend.draw(&Text::new(key, (x + 18, y + 2), font.clone()))?;
    }
    let label_width = b.rows.iter().map(|r| text_width(r)).max().unwrap_or(0) + 16;
    let mut c = ChartBuilder::on(&plot)
        .caption(&b.title, (FAMILY, 20))
        .margin(12)
        .x_label_area_size(40)
        .y_label_area_size(label_width)
        .build_cartesian_2d(0f64..x_max, (0..n).into_segmented())?;
    let rows = b.rows.clone();
    c.configure_mesh()
        .disable_y_mesh()
        .x_desc(b.x_desc.as_str())
        .x_label_formatter(&|x| format!("{x:.0}"))
        .y_labels(n)
        .y_label_formatter(&|v| match v {
            SegmentValue::CenterOf(i) | SegmentValue::Exact(i) => {
                rows.get(*i).cloned().unwrap_or_default()
            }
            SegmentValue::Last => String::new(),
        })
        .label_style((FAMILY, 13))
        .draw()?;
    for (key, colour) in &b.keys {
        let style = colour.filled();
        c.draw_series(b.pieces.iter().filter(|p| p.3 == *key).map(|p| {
            let mut r = Rectangle::new(
                [
                    (p.1, SegmentValue::Exact(p.0)),
                    (p.2, SegmentValue::Exact(p.0 + 1)),
                ],
                style,
            );
            r.set_margin(5, 5, 0, 0);
            r
        }))?;
    }
    Ok(())
}

fn bottlenecks<DB: DrawingBackend>(report: &Report, root: &DrawingArea<DB, Shift>) -> DrawResult
where
    DB::ErrorType: 'static,
{
    let mut rows: Vec<String> = vec![];
    let mut pieces = vec![];
    let mut used: Vec<WaitingOn> = vec![];
    let namer = Namer::new(report);
    for r in report.cycle_time.iter().filter(|r| r.tracks > 0) {
        let g = &r.group;
        let row = rows.len();
        let platform = if g.platform == ALL_PLATFORMS {
            "all platforms"
        } else {
            &g.platform
        };
        rows.push(format!(
            "{} · {platform}",
            namer.name(&g.scenario, &g.policy)
        ));
        let mut x = 0.0;
        for l in WaitingOn::ALL {
            let h = report
                .bottlenecks
                .iter()
                .find(|b| b.group == *g && b.waiting_on == l.as_str())
                .map_or(0.0, |b| b.hours_per_cycle);
            if h > 0.0 {
                pieces.push((row, x, x + h, l.as_str().to_string()));
                x += h;
                if !used.contains(&l) {
                    used.push(l);
                }
            }
        }
    }
    used.sort_by_key(|l| l.index());
    // Top row first.
    let n = rows.len();
    rows.reverse();
    for p in &mut pieces {
        p.0 = n - 1 - p.0;
    }
    bars(
        Bars {
            title: "Where the time goes".into(),
            x_desc: "hours per track-cycle".into(),
            rows,
            pieces,
            keys: used
                .into_iter()
                .map(|l| (l.as_str().to_string(), label_colour(l)))
                .collect(),
        },
        root,
    )
}

fn timeline<DB: DrawingBackend>(report: &Report, root: &DrawingArea<DB, Shift>) -> DrawResult
where
    DB::ErrorType: 'static,
{
    let Some(t) = &report.timeline else {
        return Ok(());
    };
    let n = t.rows.len();
    let mut rows = vec![];
    let mut pieces = vec![];
    for (i, r) in t.rows.iter().enumerate() {
        rows.push(format!("{} · {}", r.platform, r.policy));
        for s in &r.spans {
            pieces.push((n - 1 - i, s.start_hours, s.end_hours, s.state.clone()));
        }
    }
    rows.reverse();
    let keys = State::ALL
        .iter()
        .map(|s| s.as_str())
        .filter(|s| pieces.iter().any(|p| p.3 == *s))
        .map(|s| (s.to_string(), state_colour(s)))
        .collect();
    bars(
        Bars {
            title: format!("Release timeline: version {}, seed {}", t.version, t.seed),
            x_desc: "hours since the branch cut".into(),
            rows,
            pieces,
            keys,
        },
        root,
    )
}
