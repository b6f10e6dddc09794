//! Fitting a scenario's world to a recorded event log: `conductor fit`.
//!
//! The recorded world ([`RecordedSeason`]) holds every draw the log shows: blocker counts,
//! discovery delays and fix efforts, builds, sign-offs, reviews, rollouts. [`fit`] pools
//! them over every track of the log and estimates each world parameter by maximum
//! likelihood ([`mle`]): durations by the best of exponential, lognormal and gamma (AIC),
//! yes/no outcomes as Bernoulli rates, blockers per release as a Poisson mean. Every
//! estimate has a confidence interval at the level asked for and, where one exists, a
//! goodness-of-fit figure. [`scenario_file`] writes the base scenario with the fitted values
//! substituted, and [`render`] prints the fits. docs/fit.md explains the method and how to
//! read the output.
//!
//! What the log cannot tell is kept from the base scenario and said so: a family of events
//! the log does not record ("not recorded"), a quantity with fewer than three observations
//! ("too few"), and the release squad's reaction times, which a log shows only mixed with
//! the working-hours wait ("not estimable").

pub mod defects;
mod format;
pub mod mle;
mod optimise;
pub mod scenario_file;
pub mod self_check;
pub mod special;

pub use format::{Format, Printout, Source, comment, render};
pub use self_check::{Verdict, self_check};

use crate::dist::Dist;
use crate::eventlog::Log;
use crate::model::{Families, Family, Kind, State};
use crate::scenario::Scenario;
use crate::world::recorded::{RecordedSeason, RecordedTrack};
use jiff::Timestamp;
use std::collections::{BTreeMap, BTreeSet};

use mle::{CountFit, DurationFit, RateFit, Unfit};

/// Why fitting could not run. Fatal for the command.
#[derive(Debug, thiserror::Error)]
pub enum FitError {
    /// The confidence level is not strictly between 0 and 1.
    #[error("--level {0}: must be between 0 and 1 (e.g. 0.95)")]
    Level(f64),
    /// The fitted scenario does not load (a fitted value out of the range the scenario
    /// accepts, or a base file whose layout could not be edited).
    #[error("the fitted scenario is not valid: {0}")]
    Invalid(String),
}

/// How to fit.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Options {
    /// Two-sided confidence level of every interval, e.g. 0.95.
    pub level: f64,
}

impl Options {
    /// Checks the options: the level must be strictly between 0 and 1.
    pub fn validate(&self) -> Result<(), FitError> {
        if self.level > 0.0 && self.level < 1.0 {
            Ok(())
        } else {
            Err(FitError::Level(self.level))
        }
    }
}

impl Default for Options {
    fn default() -> Self {
        Options { level: 0.95 }
    }
}

/// A value as a scenario file holds it.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Value {
    /// A distribution (`{ dist = "...", ... }`).
    Dist(Dist),
    /// A number (a mean count, a probability).
    Number(f64),
    /// An integer (a number of teams).
    Integer(i64),
}

/// What fitting one quantity gave.
#[derive(Debug, Clone, PartialEq)]
pub enum Outcome {
    /// A duration (or crash rate) fitted by every family, the best chosen.
    Duration(DurationFit),
    /// A yes/no rate.
    Rate(RateFit),
    /// A count per track.
    Count(CountFit),
    /// The largest value seen (the number of sign-off teams).
    Maximum(u32),
    /// The log does not record what this needs; the base value is kept.
    NotRecorded(String),
    /// Too few observations, or no spread; the base value is kept.
    NotFitted(Unfit),
    /// A log cannot tell this; the base value is kept.
    NotEstimable(&'static str),
}

/// One world parameter and what the log says about it.
#[derive(Debug, Clone, PartialEq)]
pub struct Quantity {
    /// What it is, in a release manager's words, e.g. `review latency (ios)`.
    pub name: String,
    /// Its key in a scenario file, one element per dotted part; [`ALL_STORES`] (`*`) stands
    /// for every store of the scenario.
    pub path: Vec<String>,
    /// Unit and clock, e.g. `hours, wall clock`.
    pub unit: &'static str,
    /// Observations used (for a duration: the positive ones; see [`mle::fit_duration_censored`]).
    pub n: usize,
    /// Observations the log never saw finish (cut off by the track's end), left out.
    pub censored: usize,
    /// The base scenario's value.
    pub base: Value,
    /// The fit.
    pub outcome: Outcome,
}

impl Quantity {
    /// The dotted scenario key, e.g. `stores.ios.review_hours`.
    pub fn key(&self) -> String {
        self.path.join(".")
    }

    /// The value to write into the fitted scenario, rounded to four significant digits;
    /// `None` when the base value is kept.
    pub fn fitted(&self) -> Option<Value> {
        Some(match &self.outcome {
            Outcome::Duration(f) => Value::Dist(round_dist(f.best().dist)),
            Outcome::Rate(r) => Value::Number(round_sig(r.p.value)),
            Outcome::Count(c) => Value::Number(round_sig(c.mean.value)),
            Outcome::Maximum(m) => Value::Integer(i64::from(*m)),
            Outcome::NotRecorded(_) | Outcome::NotFitted(_) | Outcome::NotEstimable(_) => {
                return None;
            }
        })
    }
}

/// Every quantity of a log, in a fixed order.
#[derive(Debug, Clone, PartialEq)]
pub struct Fit {
    /// The confidence level of every interval.
    pub level: f64,
    /// Seeds (independent histories) in the log.
    pub seeds: usize,
    /// Tracks in the log.
    pub tracks: usize,
    /// The families the log records.
    pub families: Families,
    /// One entry per world parameter, in scenario-file order.
    pub quantities: Vec<Quantity>,
}

/// Rounds to four significant digits (through the decimal text, so the value written to a
/// file reads back exactly).
pub fn round_sig(x: f64) -> f64 {
    if x == 0.0 || !x.is_finite() {
        return x;
    }
    let magnitude = x.abs().log10().floor() as i32;
    let decimals = 3 - magnitude;
    let text = if decimals >= 0 {
        format!("{:.*}", decimals as usize, x)
    } else {
        let unit = 10f64.powi(-decimals);
        format!("{}", (x / unit).round() * unit)
    };
    text.parse().unwrap_or(x)
}

fn round_dist(d: Dist) -> Dist {
    match d {
        Dist::Fixed(v) => Dist::Fixed(round_sig(v)),
        Dist::Exponential { mean } => Dist::Exponential {
            mean: round_sig(mean),
        },
        Dist::LogNormal { median, sigma } => Dist::LogNormal {
            median: round_sig(median),
            sigma: round_sig(sigma),
        },
        Dist::Uniform { min, max } => Dist::Uniform {
            min: round_sig(min),
            max: round_sig(max),
        },
        Dist::Gamma { shape, mean } => Dist::Gamma {
            shape: round_sig(shape),
            mean: round_sig(mean),
        },
    }
}

/// Observations of one duration: the values that finished, those cut off after a known
/// time (right-censored, in the likelihood), and the number cut off at an unknown point of
/// their own clock (left out).
#[derive(Debug, Default)]
struct Sample {
    values: Vec<f64>,
    at_least: Vec<f64>,
    censored: usize,
}

impl Sample {
    /// Adds a duration in `unit_secs` units, or a censored one (left out).
    fn push(&mut self, d: Option<jiff::SignedDuration>, unit_secs: f64) {
        match d {
            Some(d) => self.values.push(d.as_secs_f64() / unit_secs),
            None => self.censored += 1,
        }
    }

    /// Adds a duration in `unit_secs` units or, when it never finished, the time it was
    /// watched for (from `start` to `end`), as right-censored; left out when the end is
    /// unknown.
    fn push_watched(
        &mut self,
        d: Option<jiff::SignedDuration>,
        start: Timestamp,
        end: Option<Timestamp>,
        unit_secs: f64,
    ) {
        match (d, end) {
            (Some(d), _) => self.values.push(d.as_secs_f64() / unit_secs),
            (None, Some(end)) => self
                .at_least
                .push(end.duration_since(start).as_secs_f64() / unit_secs),
            (None, None) => self.censored += 1,
        }
    }

    /// Observations cut off, in the likelihood or not.
    fn cut_off(&self) -> usize {
        self.at_least.len() + self.censored
    }
}

/// The path element standing for every store of the scenario.
pub const ALL_STORES: &str = "*";

const HOUR: f64 = 3600.0;
const MINUTE: f64 = 60.0;

/// Everything pooled from the tracks.
#[derive(Debug, Default)]
struct Pooled {
    /// Per platform index.
    review_latency: Vec<Sample>,
    /// Per platform index: (rejected, verdicts).
    rejections: Vec<(u64, u64)>,
    rejection_fix: Sample,
    blockers_per_track: Vec<u64>,
    discovery: Sample,
    blocker_fix: Sample,
    signoff_tracks: usize,
    signoff_teams_max: u32,
    opted_out: u64,
    teams: u64,
    signoff_effort: Sample,
    build_duration: Sample,
    /// Builds whose `build_finished` row carries no duration (left out of the fit).
    builds_untimed: usize,
    builds_failed: u64,
    builds: u64,
    crash_rate: Vec<f64>,
    crash_fix: Sample,
    usage: Sample,
    itgc: Sample,
    /// Delay of each incident seen, hours from the start of 1%.
    incident_after: Vec<f64>,
    /// Length of each 1% episode without an incident, hours.
    incident_free: Vec<f64>,
    incident_fix: Sample,
    /// Point releases of each shipped track (a log that records hotfixes).
    hotfixes_per_shipped: Vec<u64>,
}

impl Pooled {
    /// Adds track `t` of `platform`; `timed[k]` says whether its k-th `build_finished` row
    /// carries the build's duration (its `value`).
    fn add(&mut self, platform: usize, t: &RecordedTrack, timed: &[bool]) {
        for r in &t.reviews {
            self.review_latency[platform].push_watched(
                r.latency,
                r.submitted_at,
                t.last_seen,
                HOUR,
            );
            if r.latency.is_some() {
                self.rejections[platform].1 += 1;
                if r.rejected {
                    self.rejections[platform].0 += 1;
                    self.rejection_fix.push(r.fix_effort, HOUR);
                }
            }
        }
        self.blockers_per_track.push(t.blockers.len() as u64);
        for b in &t.blockers {
            self.discovery.push(Some(b.found_after), HOUR);
            self.blocker_fix.push(b.fix_effort, HOUR);
        }
        let teams = t.signoff_opted_out + t.signoff_efforts.len() as u32;
        if teams > 0 {
            self.signoff_tracks += 1;
        }
        self.signoff_teams_max = self.signoff_teams_max.max(teams);
        self.opted_out += u64::from(t.signoff_opted_out);
        self.teams += u64::from(teams);
        for e in &t.signoff_efforts {
            self.signoff_effort.push(*e, HOUR);
        }
        for (k, b) in t.builds.iter().enumerate() {
            // A build without its own duration is given the time since the previous build
            // or commit when replayed; that gap is the team's pace, not a build's length.
            if timed.get(k).copied().unwrap_or(false) {
                self.build_duration.push(b.duration, MINUTE);
            } else {
                self.builds_untimed += 1;
            }
            if b.duration.is_some() {
                self.builds += 1;
                self.builds_failed += u64::from(b.failed);
            }
            if let Some(c) = b.crash_rate_percent {
                self.crash_rate.push(c);
            }
        }
        for c in &t.crash_fixes {
            self.crash_fix.push(*c, HOUR);
        }
        self.usage.push(t.usage_after, HOUR);
        for r in &t.rollouts {
            // A 1% episode ends when it is paused, reaches 100% or is cancelled; an ITGC
            // check or an incident belongs to one episode and is seen only before its end.
            let end = r.ended_at.or(t.last_seen);
            self.itgc.push_watched(r.itgc, r.started_at, end, HOUR);
            match r.incident_after {
                Some(after) => {
                    self.incident_after.push(after.as_secs_f64() / HOUR);
                    self.incident_fix.push(r.incident_fix_effort, HOUR);
                }
                None => {
                    let watched = end.map_or(jiff::SignedDuration::ZERO, |e| {
                        e.duration_since(r.started_at)
                    });
                    self.incident_free.push(watched.as_secs_f64() / HOUR);
                }
            }
        }
    }
}

/// Fits every world parameter of `scenario` to the tracks of `log` (`seasons` is
/// `RecordedSeason::from_log(log, scenario)`).
pub fn fit(
    log: &Log,
    seasons: &[RecordedSeason],
    scenario: &Scenario,
    opts: &Options,
) -> Result<Fit, FitError> {
    opts.validate()?;
    let level = opts.level;
    let platforms = scenario.platforms.len();
    let mut pooled = Pooled {
        review_latency: (0..platforms).map(|_| Sample::default()).collect(),
        rejections: vec![(0, 0); platforms],
        ..Pooled::default()
    };
    let timed = timed_builds(log);
    let mut tracks = 0;
    let hotfixes_recorded = seasons.iter().any(|s| s.hotfixes_recorded);
    for season in seasons {
        for (i, t) in season.tracks.iter().enumerate() {
            if let Some(t) = t {
                tracks += 1;
                let shipped = t.script.iter().any(|c| c.to == State::Rollout100);
                if hotfixes_recorded && shipped {
                    let released = t.hotfixes.iter().filter(|h| h.released_at.is_some());
                    pooled.hotfixes_per_shipped.push(released.count() as u64);
                }
                let version = season.versions.get(i / platforms.max(1)).copied();
                let key = (season.seed, version.unwrap_or(0), i % platforms.max(1));
                let timed = timed.get(&key).map_or(&[][..], Vec::as_slice);
                pooled.add(i % platforms, t, timed);
            }
        }
    }
    let rows = || log.seeds.values().flatten().flat_map(|t| &t.rows);
    let kinds: BTreeSet<Kind> = rows().map(|r| r.kind).collect();
    let has_requirements = kinds.contains(&Kind::SignoffRequired);
    let has_opt_outs = rows().any(|r| r.kind == Kind::SignoffRequired && r.value == Some(0.0));

    let families = log.families;
    let missing = |needed: &[Family]| -> Option<String> {
        let absent: Vec<&str> = needed
            .iter()
            .filter(|f| !families.contains(**f))
            .map(|f| f.as_str())
            .collect();
        (!absent.is_empty()).then(|| format!("the log has no {} events", absent.join(" or ")))
    };
    let w = &scenario.world;
    let duration = |name: &str,
                    parts: &[&str],
                    unit: &'static str,
                    base: Dist,
                    needed: &[Family],
                    sample: &Sample| {
        duration_quantity(name, parts, unit, base, missing(needed), sample, level)
    };
    let rate = |name: &str,
                parts: &[&str],
                unit: &'static str,
                base: f64,
                missing: Option<String>,
                outcomes: (u64, u64),
                censored: usize| {
        rate_quantity(name, parts, unit, base, missing, outcomes, censored, level)
    };
    // Sign-off requirements (with opt-outs) are a separate kind; a log of sign-offs alone
    // says nothing about the teams that opted out.
    let requirements_missing = missing(&[Family::Signoff]).or_else(|| {
        (!has_requirements).then(|| "the log has no signoff_required events".to_string())
    });
    // A rate is fitted only where the log records its "yes" at least once: a log that never
    // shows a kind cannot be told from one that does not record it, and a rate of 0 written
    // from that silence would make the simulation never do it.
    let never = |kind: Kind, what: &str| -> Option<String> {
        (!kinds.contains(&kind)).then(|| {
            format!("the log has no {kind} events; a rate of 0 would rest on the absence of {what} alone")
        })
    };
    let opt_outs_missing = requirements_missing.clone().or_else(|| {
        (!has_opt_outs).then(|| {
            "the log has no signoff_required rows with value 0; an opt-out rate of 0 would rest on \
             their absence alone"
                .to_string()
        })
    });
    // Builds whose rows carry no duration are not build times (see `Pooled::add`).
    let build_times_missing = missing(&[Family::Builds]).or_else(|| {
        (pooled.build_duration.values.is_empty() && pooled.builds_untimed > 0).then(|| {
            format!(
                "none of the log's {} build_finished rows carries a duration (value); the time \
                 between builds is not a build's",
                pooled.builds_untimed
            )
        })
    });

    let incident_quantities = incident_quantities(
        w,
        missing(&[Family::RolloutChecks])
            .or_else(|| never(Kind::IncidentOpened, "severe incidents")),
        &pooled,
        level,
    );

    // In scenario-file order.
    let mut q = vec![
        Quantity {
            name: "blockers per release".into(),
            path: path(&["world", "blockers", "mean_count"]),
            unit: "count per track",
            n: pooled.blockers_per_track.len(),
            censored: 0,
            base: Value::Number(w.blockers_mean_count),
            outcome: match missing(&[Family::Blockers]) {
                Some(m) => Outcome::NotRecorded(m),
                None => match mle::fit_count(&pooled.blockers_per_track, level) {
                    Some(c) => Outcome::Count(c),
                    None => Outcome::NotFitted(Unfit::TooFew {
                        n: pooled.blockers_per_track.len(),
                    }),
                },
            },
        },
        duration(
            "blocker discovery",
            &["world", "blockers", "discovery_hours"],
            "hours, wall clock from the cut",
            w.blocker_discovery_hours,
            &[Family::Blockers],
            &pooled.discovery,
        ),
        duration(
            "blocker fix effort",
            &["world", "blockers", "fix_effort_hours"],
            "hours, feature-team working time",
            w.blocker_fix_effort_hours,
            &[Family::Blockers],
            &pooled.blocker_fix,
        ),
        duration_quantity(
            "build duration",
            &["world", "builds", "duration_minutes"],
            "minutes, wall clock",
            w.build_duration_minutes,
            build_times_missing,
            &pooled.build_duration,
            level,
        ),
        rate(
            "flaky failure",
            &["world", "builds", "flaky_failure"],
            "probability per build",
            w.build_flaky_failure,
            missing(&[Family::Builds]).or_else(|| never(Kind::TestsFailed, "test failures")),
            (pooled.builds_failed, pooled.builds),
            pooled.build_duration.cut_off(),
        ),
        duration(
            "crash rate",
            &["world", "builds", "crash_rate_percent"],
            "percent of sessions, per passed build",
            w.crash_rate_percent,
            // Measured on a build: a metric row belongs to the build just finished.
            &[Family::Metrics, Family::Builds],
            &Sample {
                values: pooled.crash_rate.clone(),
                ..Sample::default()
            },
        ),
        duration(
            "crash fix effort",
            &["world", "builds", "crash_fix_effort_hours"],
            "hours, feature-team working time",
            w.crash_fix_effort_hours,
            &[Family::Metrics],
            &pooled.crash_fix,
        ),
        Quantity {
            name: "sign-off teams".into(),
            path: path(&["world", "signoff", "teams"]),
            unit: "teams (the most seen on one track)",
            n: pooled.signoff_tracks,
            censored: 0,
            base: Value::Integer(i64::from(w.signoff_teams)),
            outcome: match requirements_missing {
                Some(m) => Outcome::NotRecorded(m),
                None if pooled.signoff_tracks == 0 => Outcome::NotFitted(Unfit::TooFew { n: 0 }),
                None => Outcome::Maximum(pooled.signoff_teams_max),
            },
        },
        rate(
            "sign-off opt-out",
            &["world", "signoff", "opt_out"],
            "probability per team",
            w.signoff_opt_out,
            opt_outs_missing,
            (pooled.opted_out, pooled.teams),
            0,
        ),
        duration(
            "sign-off effort",
            &["world", "signoff", "effort_hours"],
            "hours, feature-team working time from the cut",
            w.signoff_effort_hours,
            &[Family::Signoff],
            &pooled.signoff_effort,
        ),
        duration(
            "usage to enough",
            &["world", "usage", "hours_to_enough"],
            "hours, wall clock from the cut",
            w.usage_hours_to_enough,
            &[Family::Usage],
            &pooled.usage,
        ),
        duration(
            "ITGC check",
            &["world", "rollout", "itgc_hours"],
            "hours, wall clock from 1%",
            w.itgc_hours,
            &[Family::RolloutChecks],
            &pooled.itgc,
        ),
        incident_quantities[0].clone(),
        incident_quantities[1].clone(),
        duration(
            "incident fix effort",
            &["world", "rollout", "incident_fix_effort_hours"],
            "hours, feature-team working time",
            w.incident_fix_effort_hours,
            &[Family::RolloutChecks],
            &pooled.incident_fix,
        ),
        defects_quantity(scenario, &pooled, hotfixes_recorded, level),
        Quantity {
            name: "reaction".into(),
            path: path(&["world", "people", "reaction_minutes"]),
            unit: "minutes, release-squad working time",
            n: 0,
            censored: 0,
            base: Value::Dist(w.reaction_minutes),
            outcome: Outcome::NotEstimable(
                "a log shows when a person acted, not when they noticed",
            ),
        },
    ];
    // Store reviews, per platform with a store in the base scenario.
    let mut rejection_fix_base = None;
    for (p, spec) in scenario.platforms.iter().enumerate() {
        let Some(store) = spec.store else { continue };
        rejection_fix_base.get_or_insert(store.rejection_fix_effort_hours);
        q.push(duration(
            &format!("review latency ({})", spec.name),
            &["stores", &spec.name, "review_hours"],
            "hours, wall clock from submission",
            store.review_hours,
            &[Family::Reviews],
            &pooled.review_latency[p],
        ));
        q.push(rate(
            &format!("rejection rate ({})", spec.name),
            &["stores", &spec.name, "rejection"],
            "probability per review",
            store.rejection,
            missing(&[Family::Reviews]).or_else(|| never(Kind::ReviewRejected, "rejections")),
            pooled.rejections[p],
            pooled.review_latency[p].cut_off(),
        ));
    }
    // Too few rejections per store to fit each: one fit, pooled, written to every store.
    if let Some(base) = rejection_fix_base {
        q.push(duration_quantity(
            "rejection fix effort (all stores)",
            &["stores", ALL_STORES, "rejection_fix_effort_hours"],
            "hours, feature-team working time",
            base,
            missing(&[Family::Reviews, Family::Blockers]).or_else(|| {
                (!kinds.contains(&Kind::ReviewRejected))
                    .then(|| "the log has no review_rejected events".to_string())
            }),
            &pooled.rejection_fix,
            level,
        ));
    }
    adjust_blockers(scenario, &mut q);
    // A quantity the log cannot tell has no observations, whatever the tracks hold.
    for quantity in &mut q {
        if matches!(
            quantity.outcome,
            Outcome::NotRecorded(_) | Outcome::NotEstimable(_)
        ) {
            quantity.n = 0;
            quantity.censored = 0;
        }
    }
    Ok(Fit {
        level,
        seeds: seasons.len(),
        tracks,
        families,
        quantities: q,
    })
}

/// The incident rate and delay, fitted jointly ([`mle::fit_incidents`]): `[rate, delay]`.
/// Severe defects per version, from the point releases per shipped release and the base
/// scenario's rings ([`defects`]); then the blockers fitted are those drawn apart from the
/// defects' catches (see [`adjust_blockers`]).
fn defects_quantity(
    scenario: &Scenario,
    pooled: &Pooled,
    hotfixes_recorded: bool,
    level: f64,
) -> Quantity {
    let base = scenario.world.defects.as_ref();
    let n = pooled.hotfixes_per_shipped.len();
    let outcome = match base {
        None => Outcome::NotEstimable(
            "the base scenario has no [world.defects]: no rings to read point releases by",
        ),
        Some(_) if !hotfixes_recorded => Outcome::NotRecorded(
            "the log has no rows after a release: it says nothing of hotfixes".into(),
        ),
        Some(d) => match mle::fit_count(&pooled.hotfixes_per_shipped, level) {
            None => Outcome::NotFitted(Unfit::TooFew { n }),
            Some(c) => {
                match defects::defects_from_hotfixes(&c, defects::ring_shares(scenario, d)) {
                    Some(fit) => Outcome::Count(fit),
                    None => Outcome::NotEstimable(
                        "the base scenario's rings let no defect reach everyone",
                    ),
                }
            }
        },
    };
    Quantity {
        name: "severe defects per version (from point releases)".into(),
        path: path(&["world", "defects", "mean_count"]),
        unit: "count per version: point releases per shipped release / share escaping",
        n,
        censored: 0,
        base: Value::Number(base.map_or(0.0, |d| d.mean_count)),
        outcome,
    }
}

/// With a defect model, a log's blockers include the defects manual testing and the beta
/// found: the fitted `world.blockers.mean_count` is what is left (the defects per version
/// fitted, or the base's, times the share those rings catch).
fn adjust_blockers(scenario: &Scenario, q: &mut [Quantity]) {
    let Some(d) = scenario.world.defects.as_ref() else {
        return;
    };
    let defects = q
        .iter()
        .find(|q| q.key() == "world.defects.mean_count")
        .and_then(Quantity::fitted)
        .map_or(d.mean_count, |v| match v {
            Value::Number(x) => x,
            Value::Dist(_) | Value::Integer(_) => d.mean_count,
        });
    let shares = defects::ring_shares(scenario, d);
    if let Some(b) = q
        .iter_mut()
        .find(|q| q.key() == "world.blockers.mean_count")
        && let Outcome::Count(c) = &b.outcome
    {
        b.outcome = Outcome::Count(defects::blockers_apart(c, defects, shares));
        b.name = "blockers per release, besides the defects testing and the beta find".into();
    }
}

fn incident_quantities(
    w: &crate::scenario::WorldParams,
    missing: Option<String>,
    pooled: &Pooled,
    level: f64,
) -> [Quantity; 2] {
    let seen = pooled.incident_after.len();
    let episodes = seen + pooled.incident_free.len();
    let (rate, delay) = match missing {
        Some(m) => (Outcome::NotRecorded(m.clone()), Outcome::NotRecorded(m)),
        None if episodes < mle::MIN_OBSERVATIONS => (
            Outcome::NotFitted(Unfit::TooFew { n: episodes }),
            Outcome::NotFitted(Unfit::TooFew { n: seen }),
        ),
        None => match mle::fit_incidents(&pooled.incident_after, &pooled.incident_free, level) {
            Ok(f) => (Outcome::Rate(f.rate), Outcome::Duration(f.delay)),
            // Too few incidents to fit a delay: the rate alone, as a plain proportion.
            Err(e) => (
                match mle::fit_rate(seen as u64, episodes as u64, level) {
                    Some(r) => Outcome::Rate(r),
                    None => Outcome::NotFitted(Unfit::TooFew { n: episodes }),
                },
                Outcome::NotFitted(e),
            ),
        },
    };
    let recorded = !matches!(rate, Outcome::NotRecorded(_));
    let delay_n = match &delay {
        Outcome::Duration(f) => f.n,
        _ => seen,
    };
    [
        Quantity {
            name: "severe incident".into(),
            path: path(&["world", "rollout", "incident"]),
            unit: "probability per 1% rollout",
            n: if recorded { episodes } else { 0 },
            censored: 0,
            base: Value::Number(w.incident),
            outcome: rate,
        },
        Quantity {
            name: "incident delay".into(),
            path: path(&["world", "rollout", "incident_after_hours"]),
            unit: "hours, wall clock from 1%",
            n: if recorded { delay_n } else { 0 },
            censored: 0,
            base: Value::Dist(w.incident_after_hours),
            outcome: delay,
        },
    ]
}

/// For each track, keyed by (seed, version, platform index): whether each of its
/// `build_finished` rows, in order, carries the build's duration (`value`).
fn timed_builds(log: &Log) -> BTreeMap<(u64, u32, usize), Vec<bool>> {
    let mut out = BTreeMap::new();
    for (seed, tracks) in &log.seeds {
        for t in tracks {
            let timed: Vec<bool> = t
                .rows
                .iter()
                .filter(|r| r.kind == Kind::BuildFinished)
                .map(|r| r.value.is_some())
                .collect();
            out.insert((*seed, t.version, t.platform), timed);
        }
    }
    out
}

fn path(parts: &[&str]) -> Vec<String> {
    parts.iter().map(|p| p.to_string()).collect()
}

#[allow(clippy::too_many_arguments)] // one call per quantity, each argument named there
fn duration_quantity(
    name: &str,
    parts: &[&str],
    unit: &'static str,
    base: Dist,
    missing: Option<String>,
    sample: &Sample,
    level: f64,
) -> Quantity {
    let (outcome, n, censored) = match missing {
        Some(m) => (Outcome::NotRecorded(m), 0, 0),
        None => match mle::fit_duration_censored(&sample.values, &sample.at_least, level) {
            Ok(f) => {
                let n = f.n;
                (Outcome::Duration(f), n, sample.cut_off())
            }
            Err(e) => (Outcome::NotFitted(e), sample.values.len(), sample.cut_off()),
        },
    };
    Quantity {
        name: name.into(),
        path: path(parts),
        unit,
        n,
        censored,
        base: Value::Dist(base),
        outcome,
    }
}

#[allow(clippy::too_many_arguments)] // one call per quantity, each argument named there
fn rate_quantity(
    name: &str,
    parts: &[&str],
    unit: &'static str,
    base: f64,
    missing: Option<String>,
    (successes, trials): (u64, u64),
    censored: usize,
    level: f64,
) -> Quantity {
    let outcome = match missing {
        Some(m) => Outcome::NotRecorded(m),
        None => match mle::fit_rate(successes, trials, level) {
            Some(r) => Outcome::Rate(r),
            None => Outcome::NotFitted(Unfit::TooFew { n: trials as usize }),
        },
    };
    let recorded = !matches!(outcome, Outcome::NotRecorded(_));
    Quantity {
        name: name.into(),
        path: path(parts),
        unit,
        n: if recorded { trials as usize } else { 0 },
        censored: if recorded { censored } else { 0 },
        base: Value::Number(base),
        outcome,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rounds_to_four_significant_digits() {
        assert_eq!(round_sig(23.98765), 23.99);
        assert_eq!(round_sig(0.031_234_5), 0.03123);
        assert_eq!(round_sig(4.0), 4.0);
        assert_eq!(round_sig(12_345.6), 12_350.0);
        assert_eq!(round_sig(9.999_96), 10.0);
        assert_eq!(round_sig(0.0), 0.0);
    }
}
