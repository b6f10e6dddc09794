//! Turns a [`RawScenario`] into a [`Scenario`], checking every value and naming the key of
//! the first one that is wrong.

use std::collections::BTreeMap;

use jiff::{
    civil::{Date, Time},
    tz::TimeZone,
};

use super::limits::{self, FIRST_DATE, LAST_DATE};
use super::raw::{
    RawCalendar, RawDefects, RawDist, RawPlatformCalendars, RawRolloutPlan, RawScenario, RawStore,
};
use super::{
    DefectParams, OverlapRule, PlatformCalendars, PlatformSpec, Policy, RolloutPlan, RolloutStage,
    Scenario, ScenarioError, Season, StoreParams, Thresholds, WorldParams,
};
use crate::calendar::{Calendar, Window};
use crate::dist::Dist;
use crate::model::{Actor, Gate, GateSet, Step};

/// Carries the file name so every error can name it.
struct Checker<'a> {
    file: &'a str,
}

/// The unit of a distribution's values, which decides its bounds.
#[derive(Debug, Clone, Copy)]
enum Unit {
    /// Hours (wall clock or working time): at most a year.
    Hours,
    /// Minutes: at most a year.
    Minutes,
    /// Percent of sessions: at most 100.
    Percent,
}

impl Unit {
    /// The largest value a parameter may take, and how the message says it.
    fn max(self) -> (f64, &'static str) {
        match self {
            Unit::Hours => (limits::MAX_HOURS, "hours: one year"),
            Unit::Minutes => (limits::MAX_MINUTES, "minutes: one year"),
            Unit::Percent => (limits::MAX_PERCENT, "percent"),
        }
    }
}

type Result<T> = std::result::Result<T, ScenarioError>;

/// `calendars.platforms`: each listed platform's own calendars, validated like the
/// defaults, indexed like `platforms` (an absent one is `None`, the default).
fn platform_calendars(
    c: &Checker,
    platforms: &[String],
    raw: &BTreeMap<String, RawPlatformCalendars>,
) -> Result<Vec<PlatformCalendars>> {
    if let Some(unknown) = raw.keys().find(|k| !platforms.contains(k)) {
        return Err(c.invalid(
            &format!("calendars.platforms.{unknown}"),
            "(table)",
            format!(
                "`{unknown}` is not one of `platforms` ({})",
                platforms.join(", ")
            ),
        ));
    }
    let own = |key: String, cal: &Option<RawCalendar>| -> Result<Option<Calendar>> {
        cal.as_ref().map(|cal| c.calendar(&key, cal)).transpose()
    };
    platforms
        .iter()
        .map(|p| match raw.get(p) {
            None => Ok(PlatformCalendars::default()),
            Some(r) => Ok(PlatformCalendars {
                feature_teams: own(
                    format!("calendars.platforms.{p}.feature_teams"),
                    &r.feature_teams,
                )?,
                release_squad: own(
                    format!("calendars.platforms.{p}.release_squad"),
                    &r.release_squad,
                )?,
            }),
        })
        .collect()
}

/// `rollout.platforms`: each listed platform's plan, indexed like `platforms` (one not
/// listed gets the default: 1% for `thresholds.bake_hours`, then 100%).
fn rollout_plans(
    c: &Checker,
    platforms: &[PlatformSpec],
    raw: &BTreeMap<String, RawRolloutPlan>,
    bake: jiff::SignedDuration,
) -> Result<Vec<RolloutPlan>> {
    if let Some(unknown) = raw
        .keys()
        .find(|k| !platforms.iter().any(|p| &p.name == *k))
    {
        let names: Vec<&str> = platforms.iter().map(|p| p.name.as_str()).collect();
        return Err(c.invalid(
            &format!("rollout.platforms.{unknown}"),
            "(table)",
            format!(
                "`{unknown}` is not one of `platforms` ({})",
                names.join(", ")
            ),
        ));
    }
    platforms
        .iter()
        .map(|p| match raw.get(&p.name) {
            None => Ok(RolloutPlan::default_with(bake)),
            Some(plan) => c.rollout_plan(&format!("rollout.platforms.{}", p.name), p, plan, bake),
        })
        .collect()
}

/// `season.branch_cuts`: dates in strictly increasing order, the first one the season's
/// `first_branch_cut`, at most one more than a season's versions (the extra cut).
fn branch_cuts(c: &Checker, listed: &[String], first: Date) -> Result<Vec<Date>> {
    let most = limits::MAX_WEEKS as usize + 1;
    if listed.len() > most {
        return Err(c.invalid(
            "season.branch_cuts",
            format!("{} dates", listed.len()),
            format!("list at most {most} (a season's versions and its extra cut)"),
        ));
    }
    let mut dates: Vec<Date> = Vec::with_capacity(listed.len());
    for (i, text) in listed.iter().enumerate() {
        let key = format!("season.branch_cuts[{i}]");
        let d = c.date(&key, text)?;
        match dates.last() {
            None if d != first => {
                return Err(c.invalid(
                    &key,
                    format!("{text:?}"),
                    format!("the first cut must be season.first_branch_cut ({first})"),
                ));
            }
            Some(prev) if d <= *prev => {
                return Err(c.invalid(
                    &key,
                    format!("{text:?}"),
                    format!("cuts must be in order: after {prev}"),
                ));
            }
            _ => {}
        }
        dates.push(d);
    }
    Ok(dates)
}

/// A number as a message shows it: as written for ordinary magnitudes, in exponent form for
/// huge or tiny ones (`1e308`, not 309 digits).
fn num(v: f64) -> String {
    if v != 0.0 && v.is_finite() && !(1e-6..1e15).contains(&v.abs()) {
        format!("{v:e}")
    } else {
        v.to_string()
    }
}

impl Checker<'_> {
    fn invalid(&self, key: &str, value: impl ToString, reason: impl ToString) -> ScenarioError {
        ScenarioError::Invalid {
            file: self.file.to_string(),
            key: key.to_string(),
            value: value.to_string(),
            reason: reason.to_string(),
        }
    }

    fn probability(&self, key: &str, p: f64) -> Result<f64> {
        if p.is_finite() && (0.0..=1.0).contains(&p) {
            Ok(p)
        } else {
            Err(self.invalid(key, num(p), "must be a probability between 0 and 1"))
        }
    }

    /// `v` in `(0, max]` of `unit`.
    fn positive(&self, key: &str, v: f64, unit: Unit) -> Result<f64> {
        let (max, what) = unit.max();
        if v.is_finite() && v > 0.0 && v <= max {
            Ok(v)
        } else {
            Err(self.invalid(
                key,
                num(v),
                format!("must be a positive number, at most {max} ({what})"),
            ))
        }
    }

    /// `v` in `[0, max]` of `unit`.
    fn non_negative(&self, key: &str, v: f64, unit: Unit) -> Result<f64> {
        let (max, what) = unit.max();
        if v.is_finite() && (0.0..=max).contains(&v) {
            Ok(v)
        } else {
            Err(self.invalid(
                key,
                num(v),
                format!("must be from 0 to {max} ({what}; a duration cannot be negative)"),
            ))
        }
    }

    /// `v` in `[min, max]`, whatever its unit.
    fn between(&self, key: &str, v: f64, min: f64, max: f64) -> Result<f64> {
        if v.is_finite() && (min..=max).contains(&v) {
            Ok(v)
        } else {
            Err(self.invalid(key, num(v), format!("must be a number from {min} to {max}")))
        }
    }

    fn dist(&self, key: &str, d: RawDist, unit: Unit) -> Result<Dist> {
        Ok(match d {
            RawDist::Fixed { value } => {
                Dist::Fixed(self.non_negative(&format!("{key}.value"), value, unit)?)
            }
            RawDist::Exponential { mean } => Dist::Exponential {
                mean: self.positive(&format!("{key}.mean"), mean, unit)?,
            },
            RawDist::Lognormal { median, sigma } => Dist::LogNormal {
                median: self.positive(&format!("{key}.median"), median, unit)?,
                sigma: self.between(&format!("{key}.sigma"), sigma, 0.0, limits::MAX_SIGMA)?,
            },
            RawDist::Uniform { min, max } => {
                let min = self.non_negative(&format!("{key}.min"), min, unit)?;
                let max = self.non_negative(&format!("{key}.max"), max, unit)?;
                if max <= min {
                    return Err(self.invalid(
                        &format!("{key}.max"),
                        num(max),
                        format!("must be greater than min ({})", num(min)),
                    ));
                }
                Dist::Uniform { min, max }
            }
            RawDist::Gamma { shape, mean } => {
                let (lo, hi) = limits::GAMMA_SHAPE;
                Dist::Gamma {
                    shape: self.between(&format!("{key}.shape"), shape, lo, hi)?,
                    mean: self.positive(&format!("{key}.mean"), mean, unit)?,
                }
            }
        })
    }

    /// `[world.defects]`.
    fn defects(&self, d: &RawDefects) -> Result<DefectParams> {
        let k = |name: &str| format!("world.defects.{name}");
        Ok(DefectParams {
            mean_count: self.between(
                &k("mean_count"),
                d.mean_count,
                0.0,
                limits::MAX_DEFECTS_MEAN,
            )?,
            shared: self.probability(&k("shared"), d.shared)?,
            testing: self.probability(&k("testing"), d.testing)?,
            beta_percent: self.between(&k("beta_percent"), d.beta_percent, 0.0, 100.0)?,
            beta: self.probability(&k("beta"), d.beta)?,
            review: self.probability(&k("review"), d.review)?,
            rollout: self.probability(&k("rollout"), d.rollout)?,
            show_after_hours: self.dist(&k("show_after_hours"), d.show_after_hours, Unit::Hours)?,
            fix_effort_hours: self.dist(&k("fix_effort_hours"), d.fix_effort_hours, Unit::Hours)?,
        })
    }

    fn count(&self, key: &str, v: i64, min: i64, max: i64) -> Result<u32> {
        if (min..=max).contains(&v) {
            Ok(v as u32)
        } else {
            Err(self.invalid(
                key,
                v,
                format!("must be a whole number from {min} to {max}"),
            ))
        }
    }

    fn date(&self, key: &str, s: &str) -> Result<Date> {
        let d = s.parse::<Date>().map_err(|e| {
            self.invalid(
                key,
                format!("{s:?}"),
                format!("not a date (YYYY-MM-DD): {e}"),
            )
        })?;
        if !(FIRST_DATE..=LAST_DATE).contains(&d) {
            return Err(self.invalid(
                key,
                format!("{s:?}"),
                format!("must be a date from {FIRST_DATE} to {LAST_DATE}"),
            ));
        }
        Ok(d)
    }

    /// A name that becomes part of a path (see [`limits::name_problem`]).
    fn name(&self, key: &str, name: &str) -> Result<()> {
        match limits::name_problem(name) {
            None => Ok(()),
            Some(why) => Err(self.invalid(key, format!("{name:?}"), why)),
        }
    }

    fn time(&self, key: &str, s: &str) -> Result<Time> {
        if s == "24:00" {
            return Ok(Time::MAX);
        }
        s.parse::<Time>().map_err(|e| {
            self.invalid(
                key,
                format!("{s:?}"),
                format!("not a time of day (HH:MM): {e}"),
            )
        })
    }

    fn window(&self, key: &str, s: &str) -> Result<Window> {
        let (a, b) = s.split_once('-').ok_or_else(|| {
            self.invalid(
                key,
                format!("{s:?}"),
                "a working window is written \"HH:MM-HH:MM\"",
            )
        })?;
        Ok(Window {
            start: self.time(key, a.trim())?,
            end: self.time(key, b.trim())?,
        })
    }

    fn calendar(&self, key: &str, raw: &RawCalendar) -> Result<Calendar> {
        let tz = TimeZone::get(&raw.time_zone).map_err(|_| {
            self.invalid(
                &format!("{key}.time_zone"),
                format!("{:?}", raw.time_zone),
                "unknown IANA time zone (e.g. \"Europe/Stockholm\", \"America/New_York\", \"UTC\")",
            )
        })?;
        let days = [
            ("monday", &raw.monday),
            ("tuesday", &raw.tuesday),
            ("wednesday", &raw.wednesday),
            ("thursday", &raw.thursday),
            ("friday", &raw.friday),
            ("saturday", &raw.saturday),
            ("sunday", &raw.sunday),
        ];
        let mut week: [Vec<Window>; 7] = Default::default();
        for (i, (day, own)) in days.iter().enumerate() {
            let (list, list_key) = match own {
                Some(list) => (list, format!("{key}.{day}")),
                None if i < 5 => (&raw.weekdays, format!("{key}.weekdays")),
                None => continue,
            };
            for w in list {
                week[i].push(self.window(&list_key, w)?);
            }
        }
        if raw.holidays.len() > limits::MAX_HOLIDAYS {
            return Err(self.invalid(
                &format!("{key}.holidays"),
                format!("({} dates)", raw.holidays.len()),
                format!("list at most {} holidays", limits::MAX_HOLIDAYS),
            ));
        }
        let mut holidays = Vec::with_capacity(raw.holidays.len());
        for h in &raw.holidays {
            holidays.push(self.date(&format!("{key}.holidays"), h)?);
        }
        Calendar::new(key, tz, week, holidays)
            .map_err(|e| self.invalid(key, "(working windows)", e))
    }

    fn store(&self, key: &str, raw: &RawStore) -> Result<StoreParams> {
        Ok(StoreParams {
            review_hours: self.dist(
                &format!("{key}.review_hours"),
                raw.review_hours,
                Unit::Hours,
            )?,
            rejection: self.probability(&format!("{key}.rejection"), raw.rejection)?,
            rejection_fix_effort_hours: self.dist(
                &format!("{key}.rejection_fix_effort_hours"),
                raw.rejection_fix_effort_hours,
                Unit::Hours,
            )?,
        })
    }

    fn gates(&self, step: Step, table: &Option<BTreeMap<String, bool>>) -> Result<GateSet> {
        let mut set = Gate::defaults(step);
        for (name, on) in table.iter().flatten() {
            let key = format!("gates.{}.{name}", step.as_str());
            let gate = Gate::ALL
                .into_iter()
                .find(|g| g.as_str() == name)
                .ok_or_else(|| self.invalid(&key, on, "unknown gate (known: no_blockers, build_green, signoff, crash_rate, beta_usage, store_approved, bake, no_incident, itgc)"))?;
            if !Gate::defaults(step).contains(gate) {
                return Err(self.invalid(
                    &key,
                    on,
                    format!("gate `{name}` does not belong to step `{}`", step.as_str()),
                ));
            }
            set.set(gate, *on);
        }
        Ok(set)
    }

    /// One platform's plan: a phased release (the store's fixed calendar, no `stages`), or
    /// stages whose percentages are whole, strictly increasing, the first below 100 and the
    /// last 100, each with a bake of 0 to 8760 hours (`bake` when not written), the last
    /// without one.
    fn rollout_plan(
        &self,
        key: &str,
        platform: &PlatformSpec,
        raw: &RawRolloutPlan,
        bake: jiff::SignedDuration,
    ) -> Result<RolloutPlan> {
        if raw.phased {
            if platform.store.is_none() {
                return Err(self.invalid(
                    &format!("{key}.phased"),
                    true,
                    format!(
                        "a phased release is a store's; `{}` has no [stores.{}] table",
                        platform.name, platform.name
                    ),
                ));
            }
            if raw.stages.is_some() {
                return Err(self.invalid(
                    &format!("{key}.stages"),
                    "(list)",
                    "a phased release follows the store's calendar (1, 2, 5, 10, 20, 50, 100%, a day apart): remove `stages`, or set `phased = false`",
                ));
            }
            return Ok(RolloutPlan::phased());
        }
        let Some(stages) = &raw.stages else {
            return Err(self.invalid(
                key,
                "(table)",
                "list the `stages` (e.g. [{ percent = 1, bake_hours = 24 }, { percent = 100 }]) or set `phased = true`",
            ));
        };
        if stages.len() < 2 || stages.len() > limits::MAX_ROLLOUT_STAGES {
            return Err(self.invalid(
                &format!("{key}.stages"),
                format!("({} stages)", stages.len()),
                format!(
                    "list from 2 to {} stages, the last at 100%",
                    limits::MAX_ROLLOUT_STAGES
                ),
            ));
        }
        let mut out: Vec<RolloutStage> = Vec::with_capacity(stages.len());
        for (i, s) in stages.iter().enumerate() {
            let at = format!("{key}.stages[{i}]");
            let last = i + 1 == stages.len();
            let whole = s.percent.is_finite() && s.percent.fract() == 0.0;
            if !whole || !(1.0..=100.0).contains(&s.percent) {
                return Err(self.invalid(
                    &format!("{at}.percent"),
                    num(s.percent),
                    "must be a whole number of percent from 1 to 100",
                ));
            }
            let percent = s.percent as u8;
            if let Some(prev) = out.last()
                && percent <= prev.percent
            {
                return Err(self.invalid(
                    &format!("{at}.percent"),
                    percent,
                    format!(
                        "stages must widen: above the previous stage's {}",
                        prev.percent
                    ),
                ));
            }
            if last != (percent == 100) {
                let why = if last {
                    "the last stage must be 100 (everyone)"
                } else {
                    "only the last stage may be 100"
                };
                return Err(self.invalid(&format!("{at}.percent"), percent, why));
            }
            let stage_bake = match (s.bake_hours, last) {
                (Some(h), true) => {
                    return Err(self.invalid(
                        &format!("{at}.bake_hours"),
                        num(h),
                        "the 100% stage is the end of the rollout: nothing follows it to bake for",
                    ));
                }
                (None, true) => jiff::SignedDuration::ZERO,
                (None, false) => bake,
                (Some(h), false) => crate::dist::hours(self.non_negative(
                    &format!("{at}.bake_hours"),
                    h,
                    Unit::Hours,
                )?),
            };
            let gates = match (&s.gates, last) {
                (None, _) => None,
                (Some(_), true) => {
                    return Err(self.invalid(
                        &format!("{at}.gates"),
                        "[…]",
                        "the 100% stage is the end of the rollout: no step follows it to gate",
                    ));
                }
                (Some(names), false) => Some(self.stage_gates(&format!("{at}.gates"), names)?),
            };
            out.push(RolloutStage {
                percent,
                bake: stage_bake,
                gates,
            });
        }
        Ok(RolloutPlan {
            stages: out,
            phased: false,
        })
    }

    /// A stage's own gates: names among the rollout's (`bake`, `no_incident`, `itgc`), each
    /// once.
    fn stage_gates(&self, key: &str, names: &[String]) -> Result<GateSet> {
        let rollout = Gate::defaults(Step::Rollout100);
        let mut set = GateSet::EMPTY;
        for name in names {
            let gate = Gate::ALL
                .into_iter()
                .find(|g| g.as_str() == name && rollout.contains(*g))
                .ok_or_else(|| {
                    self.invalid(
                        key,
                        format!("{name:?}"),
                        "a rollout stage's gates are among \"bake\", \"no_incident\", \"itgc\"",
                    )
                })?;
            if set.contains(gate) {
                return Err(self.invalid(key, format!("{name:?}"), "a gate listed twice"));
            }
            set.set(gate, true);
        }
        Ok(set)
    }

    fn policy(&self, name: &str, steps: &BTreeMap<String, String>) -> Result<Policy> {
        let mut actors = [Actor::Manual; 4];
        for (step_name, actor) in steps {
            let key = format!("policies.{name}.{step_name}");
            let step = Step::parse(step_name).ok_or_else(|| {
                self.invalid(
                    &key,
                    format!("{actor:?}"),
                    "no such transition (known: final_rc, submit, rollout_1, rollout_100)",
                )
            })?;
            actors[step.index()] = match actor.as_str() {
                "robot" => Actor::Robot,
                "manual" => Actor::Manual,
                other => {
                    return Err(self.invalid(
                        &key,
                        format!("{other:?}"),
                        "must be \"robot\" or \"manual\"",
                    ));
                }
            };
        }
        Ok(Policy {
            name: name.to_string(),
            actors,
        })
    }
}

pub(super) fn validate(raw: RawScenario, text: &str, file: &str) -> Result<Scenario> {
    let c = Checker { file };
    c.name("name", &raw.name)?;
    if raw.description.chars().count() > limits::MAX_DESCRIPTION_LEN {
        return Err(c.invalid(
            "description",
            format!("({} characters)", raw.description.chars().count()),
            format!("at most {} characters", limits::MAX_DESCRIPTION_LEN),
        ));
    }

    if raw.platforms.is_empty() {
        return Err(c.invalid("platforms", "[]", "list at least one platform"));
    }
    if raw.platforms.len() > limits::MAX_PLATFORMS {
        return Err(c.invalid(
            "platforms",
            format!("({} names)", raw.platforms.len()),
            format!("list at most {} platforms", limits::MAX_PLATFORMS),
        ));
    }
    let mut platforms = Vec::with_capacity(raw.platforms.len());
    for (i, p) in raw.platforms.iter().enumerate() {
        let key = format!("platforms[{i}]");
        c.name(&key, p)?;
        if raw.platforms[..i].contains(p) {
            return Err(c.invalid(&key, format!("{p:?}"), "listed twice"));
        }
        let store = match raw.stores.get(p) {
            Some(s) => Some(c.store(&format!("stores.{p}"), s)?),
            None => None,
        };
        platforms.push(PlatformSpec {
            name: p.clone(),
            store,
        });
    }
    if let Some(unknown) = raw.stores.keys().find(|k| !raw.platforms.contains(k)) {
        return Err(c.invalid(
            &format!("stores.{unknown}"),
            "(table)",
            "not one of `platforms`",
        ));
    }

    let s = &raw.season;
    let overlap = match s.overlap_cancels.as_str() {
        "current" => OverlapRule::CancelCurrent,
        "upcoming" => OverlapRule::CancelUpcoming,
        other => {
            return Err(c.invalid(
                "season.overlap_cancels",
                format!("{other:?}"),
                "must be \"current\" or \"upcoming\"",
            ));
        }
    };
    let max_cadence = i64::from(limits::MAX_CADENCE_WEEKS);
    let first_branch_cut = c.date("season.first_branch_cut", &s.first_branch_cut)?;
    let season = Season {
        first_branch_cut,
        branch_cut_time: c.time("season.branch_cut_time", &s.branch_cut_time)?,
        cadence_weeks: c.count("season.cadence_weeks", s.cadence_weeks, 1, max_cadence)?,
        branch_cuts: branch_cuts(&c, &s.branch_cuts, first_branch_cut)?,
        weeks: c.count("season.weeks", s.weeks, 1, i64::from(limits::MAX_WEEKS))?,
        overlap,
    };

    let w = &raw.world;
    let hours = Unit::Hours;
    let world = WorldParams {
        blockers_mean_count: c.between(
            "world.blockers.mean_count",
            w.blockers.mean_count,
            0.0,
            limits::MAX_BLOCKERS_MEAN,
        )?,
        blocker_discovery_hours: c.dist(
            "world.blockers.discovery_hours",
            w.blockers.discovery_hours,
            hours,
        )?,
        blocker_fix_effort_hours: c.dist(
            "world.blockers.fix_effort_hours",
            w.blockers.fix_effort_hours,
            hours,
        )?,
        build_duration_minutes: c.dist(
            "world.builds.duration_minutes",
            w.builds.duration_minutes,
            Unit::Minutes,
        )?,
        build_flaky_failure: c.probability("world.builds.flaky_failure", w.builds.flaky_failure)?,
        crash_rate_percent: c.dist(
            "world.builds.crash_rate_percent",
            w.builds.crash_rate_percent,
            Unit::Percent,
        )?,
        crash_fix_effort_hours: c.dist(
            "world.builds.crash_fix_effort_hours",
            w.builds.crash_fix_effort_hours,
            hours,
        )?,
        signoff_teams: c.count("world.signoff.teams", w.signoff.teams, 0, limits::MAX_TEAMS)?,
        signoff_opt_out: c.probability("world.signoff.opt_out", w.signoff.opt_out)?,
        signoff_effort_hours: c.dist(
            "world.signoff.effort_hours",
            w.signoff.effort_hours,
            hours,
        )?,
        usage_hours_to_enough: c.dist(
            "world.usage.hours_to_enough",
            w.usage.hours_to_enough,
            hours,
        )?,
        itgc_hours: c.dist("world.rollout.itgc_hours", w.rollout.itgc_hours, hours)?,
        incident: c.probability("world.rollout.incident", w.rollout.incident)?,
        incident_after_hours: c.dist(
            "world.rollout.incident_after_hours",
            w.rollout.incident_after_hours,
            hours,
        )?,
        incident_fix_effort_hours: c.dist(
            "world.rollout.incident_fix_effort_hours",
            w.rollout.incident_fix_effort_hours,
            hours,
        )?,
        reaction_minutes: c.dist(
            "world.people.reaction_minutes",
            w.people.reaction_minutes,
            Unit::Minutes,
        )?,
        defects: match &w.defects {
            None => None,
            Some(d) => Some(c.defects(d)?),
        },
    };
    if world.build_flaky_failure >= 0.95 {
        return Err(c.invalid(
            "world.builds.flaky_failure",
            num(world.build_flaky_failure),
            "must be below 0.95, or builds would rarely pass",
        ));
    }

    let gates = [
        c.gates(Step::FinalRc, &raw.gates.final_rc)?,
        c.gates(Step::Submit, &raw.gates.submit)?,
        c.gates(Step::Rollout1, &raw.gates.rollout_1)?,
        c.gates(Step::Rollout100, &raw.gates.rollout_100)?,
    ];
    let bake_hours = c.non_negative("thresholds.bake_hours", raw.thresholds.bake_hours, hours)?;
    let thresholds = Thresholds {
        crash_rate_max_percent: c.positive(
            "thresholds.crash_rate_max_percent",
            raw.thresholds.crash_rate_max_percent,
            Unit::Percent,
        )?,
        // Whole seconds, like every drawn duration (bounded above, so this cannot overflow).
        bake: crate::dist::hours(bake_hours),
    };

    let rollout_plans = rollout_plans(&c, &platforms, &raw.rollout.platforms, thresholds.bake)?;

    if raw.policies.is_empty() {
        return Err(c.invalid("policies", "{}", "name at least one policy"));
    }
    if raw.policies.len() > limits::MAX_POLICIES {
        return Err(c.invalid(
            "policies",
            format!("({} tables)", raw.policies.len()),
            format!("name at most {} policies", limits::MAX_POLICIES),
        ));
    }
    let mut policies = Vec::with_capacity(raw.policies.len());
    for (name, steps) in &raw.policies {
        c.name(&format!("policies.{name}"), name)?;
        policies.push(c.policy(name, steps)?);
    }
    // `manual` is the reference every saving is measured against: list it first.
    policies.sort_by_key(|p| (p.name != "manual", p.name.clone()));

    let feature_teams = c.calendar("calendars.feature_teams", &raw.calendars.feature_teams)?;
    let release_squad = c.calendar("calendars.release_squad", &raw.calendars.release_squad)?;
    let platform_calendars = platform_calendars(&c, &raw.platforms, &raw.calendars.platforms)?;

    Ok(Scenario {
        name: raw.name,
        description: raw.description,
        platforms,
        season,
        feature_teams,
        release_squad,
        platform_calendars,
        world,
        gates,
        thresholds,
        rollout_plans,
        policies,
        source: text.to_string(),
    })
}
