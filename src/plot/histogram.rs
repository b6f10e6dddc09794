//! Histograms of paired differences as small multiples: one panel per platform and one
//! pooled, one outlined, lightly filled histogram per series in every panel. The report's
//! savings chart and `conductor compare`'s distribution of per-pair differences are both
//! drawn with it, so they read the same way.

use plotters::coord::Shift;
use plotters::prelude::*;

use super::style::{
    AXIS, Axis, DrawResult, Figure, HOUR_STEPS, Palette, Panels, SHARE_STEPS, Series, grid, panels,
    share_panel, title_and_line_legend,
};

/// One series in one panel: its index, its shares per bin and its mean.
type Binned = (usize, Vec<f64>, Option<f64>);

/// Height of one row of panels, in pixels.
const PANEL_HEIGHT: u32 = 250;

/// Histograms of differences (hours), per panel and series.
pub(crate) struct Histograms<'a> {
    /// The chart's title.
    pub title: String,
    /// What the x axis measures.
    pub x_desc: String,
    /// The series, in legend order.
    pub series: Vec<Series>,
    /// The panels: a title, and each series' values there (an index into `series`).
    pub panels: Panels<'a>,
    /// Colours by series key.
    pub palette: &'a Palette,
}

impl Histograms<'_> {
    /// The x axis: the pooled values' 0.5th to 99.5th percentiles (so that a few extreme
    /// pairs do not squash the rest), with zero when it is near.
    fn x_axis(&self) -> Axis {
        let mut all: Vec<f64> = self
            .panels
            .iter()
            .flat_map(|p| p.1.iter().flat_map(|s| s.1.iter().copied()))
            .filter(|v| v.is_finite())
            .collect();
        all.sort_by(f64::total_cmp);
        let lo = crate::stats::quantile_sorted(&all, 0.005).unwrap_or(0.0);
        let hi = crate::stats::quantile_sorted(&all, 0.995).unwrap_or(1.0);
        Axis::near(lo, hi, &HOUR_STEPS, 8, Some(0.0))
    }

    /// Bin width: a round number of hours giving at most 48 bins.
    fn bin_width(x: &Axis) -> f64 {
        HOUR_STEPS
            .into_iter()
            .find(|w| (x.hi - x.lo) / w <= 48.0)
            .unwrap_or(x.step)
    }
}

/// Shares of `values` per bin `k` (the bin `[k w - w/2, k w + w/2)`, so that unchanged
/// pairs, exactly 0, sit in the middle of the bin at 0), for `k` in `ks`; values outside
/// are left out of the bins but not of the total.
fn shares(values: &[f64], w: f64, ks: (i64, i64)) -> Vec<f64> {
    let mut counts = vec![0usize; (ks.1 - ks.0 + 1).max(0) as usize];
    for v in values {
        let k = (v / w).round() as i64;
        if (ks.0..=ks.1).contains(&k) {
            counts[(k - ks.0) as usize] += 1;
        }
    }
    let n = values.len().max(1) as f64;
    counts.into_iter().map(|c| c as f64 / n).collect()
}

impl Figure for Histograms<'_> {
    fn height(&self) -> u32 {
        36 + 26 + grid(self.panels.len()).0 as u32 * PANEL_HEIGHT
    }

    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> DrawResult
    where
        DB::ErrorType: 'static,
    {
        let area = title_and_line_legend(root, &self.title, &self.series, self.palette)?;
        let x = self.x_axis();
        let w = Self::bin_width(&x);
        let ks = ((x.lo / w).round() as i64, (x.hi / w).round() as i64);
        // Per panel, per series: (series, shares per bin, mean).
        let binned: Vec<Vec<Binned>> = self
            .panels
            .iter()
            .map(|(_, series)| {
                series
                    .iter()
                    .map(|(i, v)| (*i, shares(v, w, ks), crate::stats::mean(v)))
                    .collect()
            })
            .collect();
        let top = binned
            .iter()
            .flatten()
            .flat_map(|s| s.1.iter().copied())
            .fold(0.0f64, f64::max);
        let y = Axis::near(0.0, top * 1.05, &SHARE_STEPS, 5, Some(0.0));
        for (((name, _), series), panel) in self
            .panels
            .iter()
            .zip(&binned)
            .zip(panels(&area, self.panels.len()))
        {
            let mut c = share_panel(&panel, name, (&x, &self.x_desc), (&y, "share of pairs"))?;
            c.draw_series(std::iter::once(PathElement::new(
                vec![(0.0, y.lo), (0.0, y.hi)],
                AXIS.stroke_width(1),
            )))?;
            for (i, bins, mean) in series {
                let colour = self.palette.colour(&self.series[*i].key);
                let edge = |k: i64| (k as f64 - 0.5) * w;
                c.draw_series(
                    bins.iter()
                        .enumerate()
                        .filter(|b| *b.1 > 0.0)
                        .map(|(j, h)| {
                            let k = ks.0 + j as i64;
                            Rectangle::new(
                                [(edge(k), 0.0), (edge(k + 1), *h)],
                                colour.mix(0.14).filled(),
                            )
                        }),
                )?;
                let mut outline = vec![(edge(ks.0), 0.0)];
                for (j, h) in bins.iter().enumerate() {
                    let k = ks.0 + j as i64;
                    outline.push((edge(k), *h));
                    outline.push((edge(k + 1), *h));
                }
                outline.push((edge(ks.1 + 1), 0.0));
                let outline: Vec<(f64, f64)> = outline
                    .into_iter()
                    .map(|(a, b)| (a.clamp(x.lo, x.hi), b))
                    .collect();
                c.draw_series(std::iter::once(PathElement::new(
                    outline,
                    colour.stroke_width(2),
                )))?;
                if let Some(m) = mean.filter(|m| (x.lo..=x.hi).contains(m)) {
                    c.draw_series(DashedLineSeries::new(
                        [(m, y.lo), (m, y.hi)],
                        5,
                        4,
                        colour.stroke_width(2),
                    ))?;
                }
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unchanged_pairs_sit_in_the_bin_centred_on_zero() {
        let s = shares(&[0.0, 0.0, 0.4, 0.6, 1.0, 99.0], 1.0, (-1, 2));
        // Bins -1, 0, 1, 2: 0.0, 0.0 and 0.4 in bin 0; 0.6 and 1.0 in bin 1; 99 outside.
        assert_eq!(s, vec![0.0, 3.0 / 6.0, 2.0 / 6.0, 0.0]);
    }
}
