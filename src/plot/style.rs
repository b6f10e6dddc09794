//! How every chart of conductor looks, the report's and `compare`'s alike: one palette
//! keyed by series, an embedded font, axes that start near the data, light grids, legends
//! and titles, and the rendering of a figure to SVG and PNG.
//!
//! Everything here is deterministic: the same figure gives the same SVG text and the same
//! PNG bytes on every run and machine (no system fonts, no clocks, no hash-map order).

use std::path::{Path, PathBuf};
use std::sync::Once;

use plotters::coord::Shift;
use plotters::coord::ranged1d::{DefaultFormatting, KeyPointHint};
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use crate::files::atomic_write;

static FONT: &[u8] = include_bytes!("DejaVuSans-subset.ttf");
static REGISTER: Once = Once::new();

/// The font family every text is drawn in (the embedded DejaVu Sans subset in PNGs).
pub(crate) const FAMILY: &str = "sans-serif";
/// Every chart's width in pixels.
pub(crate) const WIDTH: u32 = 960;
// Text sizes are even: plotters 0.3.7 places a glyph at `(size / 2 + top) as i32`, which
// truncates towards zero, so at odd sizes short glyphs (`.`, `,`, `_`) come out a pixel
// higher than tall ones ("7·4" for "7.4").

/// Between the parts of a row label (`android – manual`). Not a middle dot: plotters
/// 0.3.7 draws each glyph without its left side bearing, which pulls a `·` (a wide bearing)
/// against the word before it in PNGs; an en dash's bearing is small.
pub(crate) const SEP: &str = " – ";

/// Text size of titles.
pub(crate) const TITLE_SIZE: u32 = 20;
/// Text size of panel titles.
pub(crate) const PANEL_TITLE_SIZE: u32 = 14;
/// Text size of labels, ticks and legends.
pub(crate) const LABEL_SIZE: u32 = 12;

/// Grid lines: light enough that the data stays in front.
pub(crate) const GRID: RGBColor = RGBColor(232, 232, 232);
/// Axis lines and reference lines.
pub(crate) const AXIS: RGBColor = RGBColor(110, 110, 110);
/// Secondary text.
pub(crate) const MUTED: RGBColor = RGBColor(85, 85, 85);

/// Series colours, readable on white and for the common colour blindnesses (Okabe & Ito,
/// without its yellow, which is too light for a line).
const SERIES: [RGBColor; 7] = [
    RGBColor(0, 114, 178),
    RGBColor(213, 94, 0),
    RGBColor(0, 158, 115),
    RGBColor(204, 121, 167),
    RGBColor(230, 159, 0),
    RGBColor(86, 180, 233),
    RGBColor(120, 120, 120),
];

/// The colour of a key a palette does not know.
const UNKNOWN: RGBColor = RGBColor(160, 160, 160);

/// Series colours keyed by the series' name (a policy, or `scenario / policy`): a key keeps
/// its colour in every chart drawn with the same palette, whatever subset of the series a
/// chart shows (the savings chart has no line for the baseline; a panel may lack a policy
/// that shipped nothing there).
///
/// Colours go to keys in the order given: the report gives its policies in run order
/// (`manual`, `robot`, `robot-except-100` for the shipped scenarios), and `conductor
/// compare` gives the base arm's policy before the others', so a policy has the same
/// colour in a report and in a comparison of the same policies. Past seven keys colours
/// repeat.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Palette {
    keys: Vec<String>,
}

impl Palette {
    /// A palette for `keys`, in order; repeated keys count once.
    pub fn new<I, S>(keys: I) -> Palette
    where
        I: IntoIterator<Item = S>,
        S: AsRef<str>,
    {
        let mut p = Palette::default();
        for k in keys {
            if !p.keys.iter().any(|x| x == k.as_ref()) {
                p.keys.push(k.as_ref().to_string());
            }
        }
        p
    }

    /// The keys, in the order their colours were given.
    pub fn keys(&self) -> &[String] {
        &self.keys
    }

    /// The colour of `key` (grey for a key the palette was not given).
    pub fn colour(&self, key: &str) -> RGBColor {
        self.keys
            .iter()
            .position(|k| k == key)
            .map_or(UNKNOWN, |i| SERIES[i % SERIES.len()])
    }
}

/// One series of a chart: the palette key that picks its colour and the name its legend
/// shows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Series {
    /// The palette key.
    pub key: String,
    /// The legend's text.
    pub name: String,
}

/// Small multiples: each panel's title and the values of each series drawn there (an index
/// into the chart's series).
pub(crate) type Panels<'a> = Vec<(String, Vec<(usize, &'a [f64])>)>;

/// Tick steps for hours: whole fractions of a day, then days and weeks, so that grid lines
/// fall on the same hours every day.
pub(crate) const HOUR_STEPS: [f64; 15] = [
    0.1, 0.25, 0.5, 1.0, 2.0, 3.0, 6.0, 12.0, 24.0, 48.0, 72.0, 168.0, 336.0, 720.0, 1440.0,
];

/// Tick steps for shares (0 to 1).
pub(crate) const SHARE_STEPS: [f64; 8] = [0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.25];

/// A value axis: its range and the ticks (and grid lines) on it.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Axis {
    /// The lowest value shown.
    pub lo: f64,
    /// The highest value shown.
    pub hi: f64,
    /// Tick positions, from `lo` to `hi`, `step` apart.
    pub ticks: Vec<f64>,
    /// The distance between ticks.
    pub step: f64,
}

impl Axis {
    /// An axis around the data `[lo, hi]` that starts near it rather than at zero: the
    /// range is widened to whole multiples of the smallest of `steps` that gives at most
    /// `max_ticks` intervals. `reference` (zero, for a difference) is included when it lies
    /// within one data span of the data, so it shows where it helps to read the chart
    /// without squashing data that lie far from it.
    pub fn near(lo: f64, hi: f64, steps: &[f64], max_ticks: usize, reference: Option<f64>) -> Axis {
        let (mut lo, mut hi) = if lo.is_finite() && hi.is_finite() && lo <= hi {
            (lo, hi)
        } else {
            (0.0, 1.0)
        };
        if let Some(r) = reference {
            let span = (hi - lo).max(f64::EPSILON);
            if r >= lo - span && r <= hi + span {
                (lo, hi) = (lo.min(r), hi.max(r));
            }
        }
        let span = hi - lo;
        let max_ticks = max_ticks.max(1) as f64;
        let step = steps
            .iter()
            .copied()
            .find(|s| span / s <= max_ticks)
            .unwrap_or_else(|| steps.last().copied().unwrap_or(1.0) * (span / max_ticks).ceil());
        let mut a = (lo / step).floor() * step;
        let mut b = (hi / step).ceil() * step;
        if b - a < step * 0.5 {
            (a, b) = (a - step, b + step);
        }
        Axis::fixed(a, b, step)
    }

    /// The axis `[lo, hi]` with a tick every `step` from `lo`.
    pub fn fixed(lo: f64, hi: f64, step: f64) -> Axis {
        let n = ((hi - lo) / step).round().max(0.0) as usize;
        // Ticks as multiples of the step, so that 0.30000000000000004 never shows.
        let ticks = (0..=n)
            .map(|i| {
                let t = lo + step * i as f64;
                (t / step).round() * step
            })
            .collect();
        Axis {
            lo,
            hi,
            ticks,
            step,
        }
    }

    /// The plotters range, with the ticks as its only grid lines.
    pub fn range(&self) -> Ticked {
        Ticked::new(self.lo, self.hi, self.ticks.clone())
    }

    /// A tick's text: as many decimals as the step needs.
    pub fn label(&self, v: f64) -> String {
        let decimals = if self.step >= 1.0 {
            0
        } else if self.step >= 0.1 {
            1
        } else {
            2
        };
        let s = format!("{v:.decimals$}");
        if s.trim_start_matches('-')
            .chars()
            .all(|c| c == '0' || c == '.')
        {
            // Never "-0".
            s.trim_start_matches('-').to_string()
        } else {
            s
        }
    }
}

/// A linear f64 coordinate whose key points (ticks and grid lines) are exactly the given
/// ones, with no light lines: the range plotters draws an [`Axis`] with.
#[derive(Debug, Clone)]
pub(crate) struct Ticked {
    lo: f64,
    hi: f64,
    ticks: Vec<f64>,
}

impl Ticked {
    /// `[lo, hi]` with key points `ticks`.
    pub fn new(lo: f64, hi: f64, ticks: Vec<f64>) -> Ticked {
        Ticked { lo, hi, ticks }
    }
}

impl Ranged for Ticked {
    type FormatOption = DefaultFormatting;
    type ValueType = f64;

    fn range(&self) -> std::ops::Range<f64> {
        self.lo..self.hi
    }

    fn map(&self, v: &f64, limit: (i32, i32)) -> i32 {
        let span = self.hi - self.lo;
        if span <= 0.0 {
            return limit.0;
        }
        let share = (v - self.lo) / span;
        limit.0 + (f64::from(limit.1 - limit.0) * share).round() as i32
    }

    fn key_points<H: KeyPointHint>(&self, hint: H) -> Vec<f64> {
        if hint.weight().allow_light_points() {
            vec![]
        } else {
            self.ticks.clone()
        }
    }
}

/// Pixels per row unit of a chart of rows (bars, intervals).
pub(crate) const ROW_PX: f64 = 28.0;

/// The vertical layout of a chart of rows, the first at the top: each row's centre in row
/// units (a row is 1 unit, a gap of half a unit separates consecutive rows of different
/// `groups`), and the units in all, with `top_band` units free above the first row.
pub(crate) fn row_layout(groups: &[&str], top_band: f64) -> (Vec<f64>, f64) {
    let mut centres = vec![0.0; groups.len()];
    let mut y = 0.25;
    for i in (0..groups.len()).rev() {
        if i + 1 < groups.len() && groups[i] != groups[i + 1] {
            y += 0.5;
        }
        centres[i] = y + 0.5;
        y += 1.0;
    }
    (centres, y + top_band + 0.25)
}

/// What a legend entry's swatch is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Swatch {
    /// A short line (line charts).
    Line,
    /// A filled square (bars, areas).
    Block,
}

/// A legend entry.
#[derive(Debug, Clone)]
pub(crate) struct LegendItem {
    /// Its text.
    pub name: String,
    /// Its colour.
    pub colour: RGBColor,
    /// Its swatch.
    pub swatch: Swatch,
}

/// The text style of labels.
pub(crate) fn label_font() -> TextStyle<'static> {
    (FAMILY, LABEL_SIZE).into()
}

/// The width of `text` in pixels as `area` would draw it.
pub(crate) fn text_width<DB: DrawingBackend>(area: &DrawingArea<DB, Shift>, text: &str) -> u32 {
    let font = label_font();
    area.estimate_text_size(text, &font)
        .map_or(7 * text.chars().count() as u32, |s| s.0)
}

/// Draws `title` centred at the top of `area` and returns the area below it.
pub(crate) fn title<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    text: &str,
) -> Result<DrawingArea<DB, Shift>, DrawingAreaErrorKind<DB::ErrorType>> {
    let (w, _) = area.dim_in_pixel();
    let style = TextStyle::from((FAMILY, TITLE_SIZE)).pos(Pos::new(HPos::Center, VPos::Top));
    area.draw(&Text::new(text.to_string(), (w as i32 / 2, 8), style))?;
    Ok(area.split_vertically(36).1)
}

/// Draws `text` as the title of `root` and a legend of `series`, each a line in its palette
/// colour, below it; returns the area below both.
pub(crate) fn title_and_line_legend<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    text: &str,
    series: &[Series],
    palette: &Palette,
) -> Result<DrawingArea<DB, Shift>, DrawingAreaErrorKind<DB::ErrorType>> {
    let area = title(root, text)?;
    let items: Vec<LegendItem> = series
        .iter()
        .map(|s| LegendItem {
            name: s.name.clone(),
            colour: palette.colour(&s.key),
            swatch: Swatch::Line,
        })
        .collect();
    legend(&area, &items)
}

/// A panel chart [`share_panel`] draws.
pub(crate) type SharePanel<'a, DB> = ChartContext<'a, DB, Cartesian2d<Ticked, Ticked>>;

/// A small-multiple panel titled `name` on `x` (labelled by [`Axis::label`]) and `y` (a
/// share, shown as a whole percentage), with the grid and axes every panel chart shares;
/// the caller draws its series on it.
pub(crate) fn share_panel<'a, DB: DrawingBackend>(
    panel: &'a DrawingArea<DB, Shift>,
    name: &str,
    (x, x_desc): (&Axis, &str),
    (y, y_desc): (&Axis, &str),
) -> Result<SharePanel<'a, DB>, DrawingAreaErrorKind<DB::ErrorType>> {
    let mut c = ChartBuilder::on(panel)
        .caption(name, (FAMILY, PANEL_TITLE_SIZE))
        .margin(10)
        .x_label_area_size(38)
        .y_label_area_size(50)
        .build_cartesian_2d(x.range(), y.range())?;
    let x_label = |v: &f64| x.label(*v);
    let y_label = |v: &f64| format!("{:.0}%", v * 100.0);
    c.configure_mesh()
        .bold_line_style(GRID)
        .light_line_style(TRANSPARENT)
        .axis_style(AXIS)
        .x_desc(x_desc)
        .y_desc(y_desc)
        .x_label_formatter(&x_label)
        .y_label_formatter(&y_label)
        .label_style(label_font())
        .axis_desc_style((FAMILY, LABEL_SIZE))
        .draw()?;
    Ok(c)
}

/// Draws `items` in rows across the top of `area` and returns the area below them.
pub(crate) fn legend<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    items: &[LegendItem],
) -> Result<DrawingArea<DB, Shift>, DrawingAreaErrorKind<DB::ErrorType>> {
    if items.is_empty() {
        return Ok(area.clone());
    }
    let (width, _) = area.dim_in_pixel();
    let mut places = vec![];
    let (mut x, mut y) = (16i32, 2i32);
    for item in items {
        let w = 26 + text_width(area, &item.name) as i32 + 22;
        if x + w > width as i32 - 12 && x > 16 {
            (x, y) = (16, y + 20);
        }
        places.push((x, y, item));
        x += w;
    }
    for (x, y, item) in places {
        match item.swatch {
            Swatch::Line => area.draw(&PathElement::new(
                vec![(x, y + 8), (x + 20, y + 8)],
                item.colour.stroke_width(3),
            ))?,
            Swatch::Block => area.draw(&Rectangle::new(
                [(x + 3, y + 2), (x + 17, y + 15)],
                item.colour.filled(),
            ))?,
        }
        area.draw(&Text::new(item.name.clone(), (x + 26, y + 1), label_font()))?;
    }
    Ok(area.split_vertically(y as u32 + 26).1)
}

/// `n` panels of `area` in a grid, row by row: one column for one panel, two for up to
/// four, three beyond.
pub(crate) fn panels<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    n: usize,
) -> Vec<DrawingArea<DB, Shift>> {
    let (rows, cols) = grid(n);
    area.split_evenly((rows, cols))
        .into_iter()
        .take(n)
        .collect()
}

/// The rows and columns of a grid of `n` panels.
pub(crate) fn grid(n: usize) -> (usize, usize) {
    let cols = match n {
        0 | 1 => 1,
        2..=4 => 2,
        _ => 3,
    };
    (n.max(1).div_ceil(cols), cols)
}

/// A result of drawing.
pub(crate) type DrawResult = Result<(), Box<dyn std::error::Error>>;

/// Something to draw: a chart of known height, [`WIDTH`] wide.
pub(crate) trait Figure {
    /// The height in pixels.
    fn height(&self) -> u32;
    /// Draws the figure on a white `root`.
    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> DrawResult
    where
        DB::ErrorType: 'static;
}

/// A [`Figure`] behind a pointer: drawn on the two backends conductor writes, so that a
/// chart family returns any of its figures as one type.
pub trait AnyFigure {
    /// The height in pixels.
    fn height(&self) -> u32;
    /// Draws the figure on an SVG document.
    fn draw_svg(&self, root: &DrawingArea<SVGBackend<'_>, Shift>) -> DrawResult;
    /// Draws the figure on a bitmap.
    fn draw_png(&self, root: &DrawingArea<BitMapBackend<'_>, Shift>) -> DrawResult;
}

impl<F: Figure> AnyFigure for F {
    fn height(&self) -> u32 {
        Figure::height(self)
    }

    fn draw_svg(&self, root: &DrawingArea<SVGBackend<'_>, Shift>) -> DrawResult {
        self.draw(root)
    }

    fn draw_png(&self, root: &DrawingArea<BitMapBackend<'_>, Shift>) -> DrawResult {
        self.draw(root)
    }
}

fn register_font() {
    REGISTER.call_once(|| {
        // The font is compiled in and known to parse (a unit test draws with it).
        let _ = plotters::style::register_font(FAMILY, FontStyle::Normal, FONT);
    });
}

/// `figure` as an SVG document.
fn to_svg(figure: &dyn AnyFigure) -> Result<String, String> {
    register_font();
    let mut s = String::new();
    {
        let root = SVGBackend::with_string(&mut s, (WIDTH, figure.height())).into_drawing_area();
        root.fill(&WHITE).map_err(|e| e.to_string())?;
        figure.draw_svg(&root).map_err(|e| e.to_string())?;
        root.present().map_err(|e| e.to_string())?;
    }
    Ok(s)
}

/// `figure` as a PNG image (8-bit RGB, no metadata, so the bytes depend on the pixels only).
fn to_png(figure: &dyn AnyFigure) -> Result<Vec<u8>, String> {
    register_font();
    let (w, h) = (WIDTH, figure.height());
    let mut rgb = vec![0u8; (w * h * 3) as usize];
    {
        let root = BitMapBackend::with_buffer(&mut rgb, (w, h)).into_drawing_area();
        root.fill(&WHITE).map_err(|e| e.to_string())?;
        figure.draw_png(&root).map_err(|e| e.to_string())?;
        root.present().map_err(|e| e.to_string())?;
    }
    let mut out = Vec::new();
    {
        let mut enc = png::Encoder::new(&mut out, w, h);
        enc.set_color(png::ColorType::Rgb);
        enc.set_depth(png::BitDepth::Eight);
        let mut writer = enc.write_header().map_err(|e| e.to_string())?;
        writer.write_image_data(&rgb).map_err(|e| e.to_string())?;
    }
    Ok(out)
}

/// An error and every cause under it, `: `-separated (the error's own text does not repeat
/// its source).
fn with_causes(e: &dyn std::error::Error) -> String {
    let mut text = e.to_string();
    let mut cause = e.source();
    while let Some(c) = cause {
        text.push_str(": ");
        text.push_str(&c.to_string());
        cause = c.source();
    }
    text
}

/// Why a chart was not drawn or written.
#[derive(Debug)]
pub enum ChartError {
    /// Drawing it failed.
    Draw(String),
    /// Writing its files failed.
    Write(String),
}

/// A family of charts drawn from one value `D` (a report, a comparison): which charts
/// there are, which apply to a value, and the figure each is drawn as. Every family is
/// drawn and written by the same provided methods.
pub trait ChartSet<D>: Copy + 'static {
    /// Every chart, in the order a page shows them.
    const ALL: &'static [Self];
    /// The file stem.
    fn name(self) -> &'static str;
    /// True when `data` has something for the chart to show.
    fn applies(self, data: &D) -> bool;
    /// The series colours of every chart of `data`.
    fn palette(data: &D) -> Palette;
    /// The chart of `data`, coloured by `palette`.
    fn figure<'a>(self, data: &'a D, palette: &'a Palette) -> Box<dyn AnyFigure + 'a>;

    /// The chart as an SVG document; `None` when there is nothing to draw.
    fn svg(self, data: &D) -> Result<Option<String>, ChartError> {
        drawn(self, data, |f| to_svg(f))
    }

    /// The chart as a PNG image; `None` when there is nothing to draw.
    fn png(self, data: &D) -> Result<Option<Vec<u8>>, ChartError> {
        drawn(self, data, |f| to_png(f))
    }

    /// Writes every applicable chart of `data` into `dir` as `<name>.svg` and `<name>.png`
    /// (each file atomically); returns the files written.
    fn write_all(data: &D, dir: &Path) -> Result<Vec<PathBuf>, ChartError> {
        let mut files = vec![];
        for &chart in Self::ALL {
            if let (Some(svg), Some(png)) = (chart.svg(data)?, chart.png(data)?) {
                files.push((format!("{}.svg", chart.name()), svg.into_bytes()));
                files.push((format!("{}.png", chart.name()), png));
            }
        }
        write_files(dir, files, "--charts").map_err(ChartError::Write)
    }
}

/// `draw` applied to the chart's figure; `None` when the chart does not apply.
fn drawn<D, C: ChartSet<D>, T>(
    chart: C,
    data: &D,
    draw: impl Fn(&dyn AnyFigure) -> Result<T, String>,
) -> Result<Option<T>, ChartError> {
    if !chart.applies(data) {
        return Ok(None);
    }
    let palette = C::palette(data);
    draw(&*chart.figure(data, &palette))
        .map(Some)
        .map_err(|e| ChartError::Draw(format!("cannot draw the {} chart: {e}", chart.name())))
}

/// Writes `files` (name, bytes) into `dir`, creating it, each file atomically; returns the
/// paths written. `flag` names the option in errors (`--charts DIR`).
fn write_files(
    dir: &Path,
    files: Vec<(String, Vec<u8>)>,
    flag: &str,
) -> Result<Vec<PathBuf>, String> {
    std::fs::create_dir_all(dir)
        .map_err(|e| format!("{flag} {}: cannot create it: {e}", dir.display()))?;
    let mut written = vec![];
    for (name, bytes) in files {
        let path = dir.join(name);
        atomic_write(&path, |f| std::io::Write::write_all(f, &bytes))
            .map_err(|e| format!("{flag} {}: {}", dir.display(), with_causes(&e)))?;
        written.push(path);
    }
    Ok(written)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_palette_keeps_a_keys_colour_whatever_else_a_chart_shows() {
        let p = Palette::new(["manual", "robot", "robot-except-100", "robot"]);
        assert_eq!(p.keys().len(), 3);
        assert_eq!(p.colour("robot"), SERIES[1]);
        assert_eq!(p.colour("robot-except-100"), SERIES[2]);
        assert_ne!(p.colour("manual"), p.colour("robot"));
        assert_eq!(p.colour("nobody"), UNKNOWN);
    }

    #[test]
    fn an_axis_starts_near_the_data_not_at_zero() {
        let a = Axis::near(62.5, 190.2, &HOUR_STEPS, 8, None);
        assert_eq!((a.lo, a.hi, a.step), (48.0, 192.0, 24.0));
        assert_eq!(a.ticks, vec![48.0, 72.0, 96.0, 120.0, 144.0, 168.0, 192.0]);
        // Zero is included when it is near the data, and left out when far from it.
        assert_eq!(Axis::near(3.0, 11.0, &HOUR_STEPS, 8, Some(0.0)).lo, 0.0);
        assert!(Axis::near(10.6, 11.4, &HOUR_STEPS, 8, Some(0.0)).lo > 10.0);
        // Degenerate data still give a range.
        let one = Axis::near(5.0, 5.0, &HOUR_STEPS, 8, None);
        assert!(one.lo < 5.0 && one.hi > 5.0, "{one:?}");
        assert_eq!(Axis::near(f64::NAN, 1.0, &HOUR_STEPS, 8, None).lo, 0.0);
    }

    #[test]
    fn tick_labels_have_the_decimals_the_step_needs() {
        let a = Axis::fixed(-1.0, 1.0, 0.5);
        assert_eq!(a.ticks, vec![-1.0, -0.5, 0.0, 0.5, 1.0]);
        assert_eq!(a.label(0.5), "0.5");
        assert_eq!(a.label(-0.0), "0.0");
        assert_eq!(Axis::fixed(0.0, 48.0, 24.0).label(24.0), "24");
    }

    #[test]
    fn rows_stand_top_down_with_a_gap_between_groups() {
        let (centres, units) = row_layout(&["a", "a", "b"], 0.0);
        assert_eq!(centres, vec![3.25, 2.25, 0.75]);
        assert_eq!(units, 4.0);
        assert_eq!(row_layout(&["a"], 0.9).1, 1.5 + 0.9);
    }

    #[test]
    fn panels_fill_a_grid_row_by_row() {
        assert_eq!(grid(1), (1, 1));
        assert_eq!(grid(4), (2, 2));
        assert_eq!(grid(3), (2, 2));
        assert_eq!(grid(5), (2, 3));
    }
}
