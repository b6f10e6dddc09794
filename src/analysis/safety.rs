//! The safety side of a set of releases (docs/model.md §10, "Safety figures"): escaped
//! defects, user exposure, hotfixes, time to restore and the change-failure rate, computed
//! one way for every output that shows them (`simulate`'s summary, `report`, `compare`,
//! `check`).
//!
//! Every figure is over the releases that **reached users** (entered `rollout_1`, at any
//! stage: DORA's deployments; one halted and then cancelled counts, its escaped defect with
//! it) and says what it rests on: a simulation's defects are the scenario's
//! assumptions (`[world.defects]`, the rollout's incidents); a log replayed as it happened
//! has no defect model, only the hotfixes it recorded; where neither is there the figure is
//! "not recorded", never a zero.

use polars::prelude::DataFrame;
use serde::Serialize;

use std::path::PathBuf;

use super::scan::{read_run_files, read_table};
use super::{ScanError, f64s, i64s, strs};
use crate::dataset::RunDir;
use crate::dataset::tables::DEFECT_COUNT_COLUMNS;
use crate::engine::TrackResult;
use crate::model::State;

/// One release's defects, as the `cycles` table's defect columns hold them.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct DefectCounts {
    /// Defects the release carried.
    pub carried: u32,
    /// Found by manual testing, the beta, the store's review, the rollout's first stage.
    pub caught: [u32; 4],
    /// Escaped to a later stage below 100% (which halted).
    pub escaped_halted: u32,
    /// Escaped to everyone (a hotfix).
    pub escaped_to_everyone: u32,
    /// Users' exposure to them, in share-of-users hours.
    pub exposure_hours: f64,
}

impl DefectCounts {
    /// Escaped past the rollout's first stage.
    pub fn escaped(&self) -> u32 {
        self.escaped_halted + self.escaped_to_everyone
    }
}

/// One release's safety record.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct TrackSafety {
    /// It reached users (entered `rollout_1`): the releases the figures are over.
    pub reached_users: bool,
    /// Its defects; `None`: not modelled (a log replayed as it happened).
    pub defects: Option<DefectCounts>,
    /// Point releases after it; `None`: not modelled or not recorded.
    pub hotfixes: Option<u32>,
    /// From the first hotfix's reported defect to its point release, in hours.
    pub restore_hours: Option<f64>,
}

impl TrackSafety {
    /// A track of a run in memory (what the `cycles` row of it will hold).
    pub fn of_result(t: &TrackResult) -> TrackSafety {
        let hotfix = t.hotfix_summary();
        TrackSafety {
            reached_users: t.entered[State::Rollout1.index()].is_some(),
            defects: t.defects.as_ref().map(|d| DefectCounts {
                carried: d.carried,
                caught: [
                    d.caught_testing,
                    d.caught_beta,
                    d.caught_review,
                    d.caught_first_stage,
                ],
                escaped_halted: d.escaped_halted,
                escaped_to_everyone: d.escaped_to_everyone,
                exposure_hours: d.exposure_hours,
            }),
            hotfixes: hotfix.as_ref().map(|h| h.point_releases),
            restore_hours: hotfix.and_then(|h| h.restore_hours),
        }
    }

    /// The release failed in users' hands (DORA's change failure): a defect escaped past
    /// the first stage, or (defects not modelled) it needed a recorded hotfix; `None`: not
    /// known.
    pub fn failed(&self) -> Option<bool> {
        match (self.defects, self.hotfixes) {
            (Some(d), _) => Some(d.escaped() > 0),
            (None, Some(h)) => Some(h > 0),
            (None, None) => None,
        }
    }
}

/// What the safety figures of a group of releases rest on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SafetyBasis {
    /// The scenario's defect model (a simulation or a counterfactual): assumptions.
    Model,
    /// Hotfixes a history recorded (a log replayed as it happened).
    Recorded,
    /// Neither: not recorded.
    None,
}

impl SafetyBasis {
    /// The name in tables and JSON.
    pub fn as_str(self) -> &'static str {
        match self {
            SafetyBasis::Model => "scenario",
            SafetyBasis::Recorded => "record",
            SafetyBasis::None => "not recorded",
        }
    }
}

/// The safety figures of a group of releases (docs/model.md §10). Means are per release that
/// reached users; `None` where none has the data.
#[derive(Debug, Clone, PartialEq)]
pub struct SafetyFigures {
    /// Releases that reached users.
    pub releases: usize,
    /// What the figures rest on.
    pub basis: SafetyBasis,
    /// Defects carried, per release.
    pub defects: Option<f64>,
    /// Caught by manual testing, the beta, the review, the first stage, per release.
    pub caught: [Option<f64>; 4],
    /// Escaped past the first stage, per release.
    pub escaped: Option<f64>,
    /// Escaped to everyone, per release.
    pub escaped_to_everyone: Option<f64>,
    /// Share-of-users hours exposed to a severe defect, per release.
    pub exposure_hours: Option<f64>,
    /// Point releases, per release that has the figure (a shipped one).
    pub hotfixes: Option<f64>,
    /// Share of the releases that failed in users' hands (0 to 1).
    pub change_failure_rate: Option<f64>,
    /// Median and mean time to restore over the releases with a hotfix, in hours.
    pub restore_p50_hours: Option<f64>,
    /// See [`SafetyFigures::restore_p50_hours`].
    pub restore_mean_hours: Option<f64>,
    /// Releases with a hotfix whose time to restore is known.
    pub restored: usize,
}

impl SafetyFigures {
    /// The figures of `tracks` (any outcome; only those that reached users count).
    pub fn of<'a>(tracks: impl IntoIterator<Item = &'a TrackSafety>) -> SafetyFigures {
        let mut tally = SafetyTally::default();
        for t in tracks {
            tally.add(t);
        }
        tally.figures()
    }
}

/// The additive sums behind [`SafetyFigures`]: tracks [`add`](SafetyTally::add)ed one by
/// one, or tallies [`merge`](SafetyTally::merge)d (a bootstrap resample of whole seeds
/// merges the seeds' tallies instead of re-reading their tracks). [`SafetyTally::figures`]
/// is the one definition of every figure.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct SafetyTally {
    releases: usize,
    modelled: usize,
    carried: f64,
    caught: [f64; 4],
    escaped: f64,
    escaped_to_everyone: f64,
    exposure_hours: f64,
    hotfix_releases: usize,
    hotfixes: f64,
    failed: usize,
    failed_known: usize,
    restore: Vec<f64>,
}

impl SafetyTally {
    /// Counts one release (only one that reached users counts).
    pub fn add(&mut self, t: &TrackSafety) {
        if !t.reached_users {
            return;
        }
        self.releases += 1;
        if let Some(d) = t.defects {
            self.modelled += 1;
            self.carried += f64::from(d.carried);
            for (sum, n) in self.caught.iter_mut().zip(d.caught) {
                *sum += f64::from(n);
            }
            self.escaped += f64::from(d.escaped());
            self.escaped_to_everyone += f64::from(d.escaped_to_everyone);
            self.exposure_hours += d.exposure_hours;
        }
        if let Some(h) = t.hotfixes {
            self.hotfix_releases += 1;
            self.hotfixes += f64::from(h);
        }
        if let Some(f) = t.failed() {
            self.failed_known += 1;
            self.failed += usize::from(f);
        }
        if let Some(r) = t.restore_hours {
            self.restore.push(r);
        }
    }

    /// Adds `other`'s releases to these.
    pub fn merge(&mut self, other: &SafetyTally) {
        self.releases += other.releases;
        self.modelled += other.modelled;
        self.carried += other.carried;
        for (a, b) in self.caught.iter_mut().zip(other.caught) {
            *a += b;
        }
        self.escaped += other.escaped;
        self.escaped_to_everyone += other.escaped_to_everyone;
        self.exposure_hours += other.exposure_hours;
        self.hotfix_releases += other.hotfix_releases;
        self.hotfixes += other.hotfixes;
        self.failed += other.failed;
        self.failed_known += other.failed_known;
        self.restore.extend_from_slice(&other.restore);
    }

    /// Empties the tally, keeping its allocation.
    pub fn clear(&mut self) {
        let mut restore = std::mem::take(&mut self.restore);
        restore.clear();
        *self = SafetyTally {
            restore,
            ..SafetyTally::default()
        };
    }

    /// The figures of the releases counted (docs/model.md §10). Reorders the restore
    /// times (the median selects in place).
    pub fn figures(&mut self) -> SafetyFigures {
        let modelled = self.modelled;
        let per = |sum: f64| (modelled > 0).then(|| sum / modelled as f64);
        let basis = if modelled > 0 {
            SafetyBasis::Model
        } else if self.hotfix_releases > 0 {
            SafetyBasis::Recorded
        } else {
            SafetyBasis::None
        };
        let restored = self.restore.len();
        let restore_mean_hours =
            (restored > 0).then(|| self.restore.iter().sum::<f64>() / restored as f64);
        SafetyFigures {
            releases: self.releases,
            basis,
            defects: per(self.carried),
            caught: self.caught.map(per),
            escaped: per(self.escaped),
            escaped_to_everyone: per(self.escaped_to_everyone),
            exposure_hours: per(self.exposure_hours),
            hotfixes: (self.hotfix_releases > 0)
                .then(|| self.hotfixes / self.hotfix_releases as f64),
            change_failure_rate: crate::stats::rate(self.failed, self.failed_known),
            restore_p50_hours: crate::stats::quantile_in_place(&mut self.restore, 0.5),
            restore_mean_hours,
            restored,
        }
    }
}

/// The safety figures as the outputs write them: the JSON fields `simulate`'s summary and
/// `report` share (docs/formats.md), one definition of each name.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SafetyFields {
    /// What the figures rest on: `scenario` (the scenario's defect model: assumptions),
    /// `record` (the hotfixes a replayed log records), `not recorded` (neither).
    pub rests_on: &'static str,
    /// Track-cycles whose release reached users (entered `rollout_1`): what every figure is
    /// per (hotfixes: per shipped release).
    pub releases: u64,
    /// Severe defects the releases carried.
    pub defects_per_release: Option<f64>,
    /// Found by the owning team's manual testing (a blocker).
    pub caught_testing_per_release: Option<f64>,
    /// Reported by beta users (a blocker).
    pub caught_beta_per_release: Option<f64>,
    /// Found by the store's review (a rejection).
    pub caught_review_per_release: Option<f64>,
    /// Shown at the rollout's first stage (a pause).
    pub caught_first_stage_per_release: Option<f64>,
    /// Escaped past the first stage (to a later stage, which halts, or to everyone).
    pub escaped_per_release: Option<f64>,
    /// Escaped to everyone (each takes a hotfix).
    pub escaped_to_everyone_per_release: Option<f64>,
    /// Share of the releases that failed in users' hands (an escaped defect; without a
    /// defect model, a recorded hotfix).
    pub change_failure_rate: Option<f64>,
    /// Share of users holding a build with a severe defect × hours, until a build without
    /// it replaced it, per release ("share-of-users hours").
    pub user_exposure_hours: Option<f64>,
    /// Point releases per shipped release.
    pub hotfixes_per_release: Option<f64>,
    /// Time to restore (a hotfix's reported defect to its point release), median over the
    /// releases with one.
    pub restore_p50_hours: Option<f64>,
    /// Mean time to restore.
    pub restore_mean_hours: Option<f64>,
    /// Releases with a hotfix whose time to restore is known.
    pub restored: u64,
}

impl From<&SafetyFigures> for SafetyFields {
    fn from(f: &SafetyFigures) -> SafetyFields {
        SafetyFields {
            rests_on: f.basis.as_str(),
            releases: f.releases as u64,
            defects_per_release: f.defects,
            caught_testing_per_release: f.caught[0],
            caught_beta_per_release: f.caught[1],
            caught_review_per_release: f.caught[2],
            caught_first_stage_per_release: f.caught[3],
            escaped_per_release: f.escaped,
            escaped_to_everyone_per_release: f.escaped_to_everyone,
            change_failure_rate: f.change_failure_rate,
            user_exposure_hours: f.exposure_hours,
            hotfixes_per_release: f.hotfixes,
            restore_p50_hours: f.restore_p50_hours,
            restore_mean_hours: f.restore_mean_hours,
            restored: f.restored as u64,
        }
    }
}

/// One `cycles` row's key and safety record: (policy, platform, seed, version, record).
pub type SafetySample = (String, String, u64, u32, TrackSafety);

/// Every track-cycle of `runs` with its safety record (the `cycles` table's defect and
/// hotfix columns), in the table's order.
pub fn safety_samples(
    runs: &[RunDir],
    policies: &[String],
) -> Result<Vec<SafetySample>, ScanError> {
    samples_of(&read_table(runs, "cycles", &sample_columns(), policies)?)
}

/// The same, from `parts`, `cycles` part files of `run` (the dashboard reads the one part
/// holding its seed, so its cost does not grow with the run).
pub fn safety_samples_in(run: &RunDir, parts: &[PathBuf]) -> Result<Vec<SafetySample>, ScanError> {
    samples_of(&read_run_files(run, parts, &sample_columns())?)
}

/// The `cycles` columns a [`SafetySample`] is read from.
fn sample_columns() -> Vec<&'static str> {
    let mut columns = vec![
        "policy",
        "platform",
        "seed",
        "version",
        "rollout_1_at",
        "hotfixes",
        "restore_hours",
        "user_exposure_hours",
    ];
    columns.extend(DEFECT_COUNT_COLUMNS);
    columns
}

fn samples_of(df: &DataFrame) -> Result<Vec<SafetySample>, ScanError> {
    let (policy, platform) = (strs(df, "policy")?, strs(df, "platform")?);
    let (seed, version) = (i64s(df, "seed")?, i64s(df, "version")?);
    let rollout = i64s(df, "rollout_1_at")?;
    let hotfixes = i64s(df, "hotfixes")?;
    let restore = f64s(df, "restore_hours")?;
    let exposure = f64s(df, "user_exposure_hours")?;
    let counts: Vec<Vec<Option<i64>>> = DEFECT_COUNT_COLUMNS
        .iter()
        .map(|c| i64s(df, c))
        .collect::<Result<_, _>>()?;
    let n = |v: Option<i64>| v.and_then(|v| u32::try_from(v).ok()).unwrap_or(0);
    Ok((0..df.height())
        .map(|i| {
            // DEFECT_COUNT_COLUMNS: carried, four rings, halted, to everyone, escaped, not
            // found.
            let defects = counts[0][i].map(|carried| DefectCounts {
                carried: n(Some(carried)),
                caught: [1, 2, 3, 4].map(|k| n(counts[k][i])),
                escaped_halted: n(counts[5][i]),
                escaped_to_everyone: n(counts[6][i]),
                exposure_hours: exposure[i].unwrap_or(0.0),
            });
            let record = TrackSafety {
                reached_users: rollout[i].is_some(),
                defects,
                hotfixes: hotfixes[i].map(|h| n(Some(h))),
                restore_hours: restore[i],
            };
            (
                policy[i].clone(),
                platform[i].clone(),
                seed[i].and_then(|s| u64::try_from(s).ok()).unwrap_or(0),
                version[i].and_then(|v| u32::try_from(v).ok()).unwrap_or(0),
                record,
            )
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn release(escaped: u32, exposure: f64, hotfixes: Option<u32>) -> TrackSafety {
        TrackSafety {
            reached_users: true,
            defects: Some(DefectCounts {
                carried: escaped + 1,
                caught: [1, 0, 0, 0],
                escaped_halted: 0,
                escaped_to_everyone: escaped,
                exposure_hours: exposure,
            }),
            hotfixes,
            restore_hours: (escaped > 0).then_some(10.0 * f64::from(escaped)),
        }
    }

    #[test]
    fn figures_are_per_release_that_reached_users() {
        let mut cancelled = release(3, 99.0, None);
        cancelled.reached_users = false;
        let tracks = [
            release(0, 0.0, Some(0)),
            release(1, 20.0, Some(1)),
            release(2, 40.0, Some(2)),
            cancelled,
        ];
        let f = SafetyFigures::of(&tracks);
        assert_eq!(f.releases, 3);
        assert_eq!(f.basis, SafetyBasis::Model);
        assert_eq!(f.escaped, Some(1.0));
        assert_eq!(f.exposure_hours, Some(20.0));
        assert_eq!(f.hotfixes, Some(1.0));
        assert_eq!(f.change_failure_rate, Some(2.0 / 3.0));
        assert_eq!(f.restore_p50_hours, Some(15.0));
        assert_eq!(f.caught[0], Some(1.0));
    }

    #[test]
    fn merged_tallies_give_the_figures_of_all_their_releases() {
        let tracks: Vec<TrackSafety> = (0..9)
            .map(|k| release(k % 3, f64::from(k) * 1.5, Some(k % 3)))
            .collect();
        let whole = SafetyFigures::of(&tracks);
        let mut merged = SafetyTally::default();
        for chunk in tracks.chunks(4) {
            let mut part = SafetyTally::default();
            chunk.iter().for_each(|t| part.add(t));
            merged.merge(&part);
        }
        assert_eq!(merged.figures(), whole);
        assert_eq!(whole.restore_p50_hours, Some(15.0));
        merged.clear();
        assert_eq!(merged, SafetyTally::default());
    }

    #[test]
    fn without_a_defect_model_recorded_hotfixes_decide_and_nothing_is_a_fitted_zero() {
        let recorded = |h| TrackSafety {
            reached_users: true,
            defects: None,
            hotfixes: Some(h),
            restore_hours: None,
        };
        let f = SafetyFigures::of(&[recorded(0), recorded(2)]);
        assert_eq!(f.basis, SafetyBasis::Recorded);
        assert_eq!(f.change_failure_rate, Some(0.5));
        assert_eq!(f.escaped, None, "no defect model: not recorded, not 0");
        let none = TrackSafety {
            reached_users: true,
            ..TrackSafety::default()
        };
        let f = SafetyFigures::of(&[none]);
        assert_eq!(f.basis, SafetyBasis::None);
        assert_eq!((f.change_failure_rate, f.hotfixes), (None, None));
    }
}
