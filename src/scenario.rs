//! Scenarios: what world to draw, which gates apply, and which policies to compare.
//!
//! A scenario file (TOML) is read in two stages: [`raw`] mirrors the file with serde and
//! rejects unknown keys and wrong types; [`validate`] turns it into a [`Scenario`] whose
//! every value is in range, so the engine never has to check. Errors name the file, the key
//! and the value.

pub mod limits;
pub(crate) mod raw;
pub mod toml_error;
mod validate;

use std::path::Path;

use jiff::{
    SignedDuration, Timestamp,
    civil::{Date, Time},
};

use crate::calendar::Calendar;
use crate::dist::Dist;
use crate::model::{Actor, GateSet, Step};

/// The calibrated weekly train, compiled into the binary as the default scenario.
pub const BASELINE_TOML: &str = include_str!("../scenarios/baseline.toml");

/// A validated scenario.
#[derive(Debug, Clone)]
pub struct Scenario {
    /// Short name, used as the `scenario` run key.
    pub name: String,
    /// One paragraph on what question the scenario answers.
    pub description: String,
    /// The tracks of every version, in the file's order.
    pub platforms: Vec<PlatformSpec>,
    /// When versions are cut and how overlaps resolve.
    pub season: Season,
    /// When the feature teams work: blocker fixes, regression sign-off. The default; a
    /// platform may have its own (see [`Scenario::feature_teams_of`]).
    pub feature_teams: Calendar,
    /// When the release squad acts: manual steps, pauses, cancellations. The default, and
    /// the train's: branch cuts always follow it; a platform's track may have its own (see
    /// [`Scenario::release_squad_of`]).
    pub release_squad: Calendar,
    /// Each platform's own calendars (`calendars.platforms.<name>`), indexed like
    /// `platforms`; an absent one is the default above.
    pub platform_calendars: Vec<PlatformCalendars>,
    /// The exogenous world's distributions.
    pub world: WorldParams,
    /// Enabled gates per step, indexed by [`Step::index`].
    pub gates: [GateSet; 4],
    /// Gate thresholds.
    pub thresholds: Thresholds,
    /// Each platform's rollout plan (`rollout.platforms.<name>`), indexed like `platforms`;
    /// one not written is [`RolloutPlan::default_with`] the scenario's bake.
    pub rollout_plans: Vec<RolloutPlan>,
    /// Named policies, `manual` first when present, then by name.
    pub policies: Vec<Policy>,
    /// The scenario's TOML text as read (for reproducibility records).
    pub source: String,
}

/// One platform's track settings.
#[derive(Debug, Clone, PartialEq)]
pub struct PlatformSpec {
    /// The platform's name, e.g. `ios`.
    pub name: String,
    /// Its store review; `None` means no review (approval at submission), as for Desktop.
    pub store: Option<StoreParams>,
}

/// A platform's own calendars, for teams that work elsewhere than the defaults.
#[derive(Debug, Clone, Default)]
pub struct PlatformCalendars {
    /// When this platform's feature teams work; `None`: the default feature teams'.
    pub feature_teams: Option<Calendar>,
    /// When the release squad acts on this platform's tracks; `None`: the default squad's.
    pub release_squad: Option<Calendar>,
}

/// Store review behaviour for a platform.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct StoreParams {
    /// Wall-clock review latency from submission, in hours.
    pub review_hours: Dist,
    /// Probability that a review rejects the submission.
    pub rejection: f64,
    /// Feature-team working hours to address a rejection.
    pub rejection_fix_effort_hours: Dist,
}

/// Which release the overlap rule cancels.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OverlapRule {
    /// The release still short of 100% is cancelled when the next one is cut.
    CancelCurrent,
    /// The upcoming release is cancelled; the current one keeps going.
    CancelUpcoming,
}

/// The release calendar of a season.
#[derive(Debug, Clone, PartialEq)]
pub struct Season {
    /// Local date of version 0's branch cut (in the release squad's zone).
    pub first_branch_cut: Date,
    /// Local time of day of every branch cut.
    pub branch_cut_time: Time,
    /// Weeks between consecutive branch cuts.
    pub cadence_weeks: u32,
    /// The dates of the first versions' cuts as a team really cut them (skipped weeks,
    /// cadence changes), in order, the first being `first_branch_cut`; the versions after
    /// the list continue at `cadence_weeks` from its last date. Empty: every cut on the
    /// cadence.
    pub branch_cuts: Vec<Date>,
    /// Versions per season, unless `--weeks` overrides it.
    pub weeks: u32,
    /// What happens when a release is not at 100% at the next cut.
    pub overlap: OverlapRule,
}

/// The exogenous world's distributions. Durations are in the unit their name says.
#[derive(Debug, Clone, PartialEq)]
#[allow(missing_docs)] // each field is documented in docs/model.md, under the same key
pub struct WorldParams {
    pub blockers_mean_count: f64,
    pub blocker_discovery_hours: Dist,
    pub blocker_fix_effort_hours: Dist,
    pub build_duration_minutes: Dist,
    pub build_flaky_failure: f64,
    pub crash_rate_percent: Dist,
    pub crash_fix_effort_hours: Dist,
    pub signoff_teams: u32,
    pub signoff_opt_out: f64,
    pub signoff_effort_hours: Dist,
    pub usage_hours_to_enough: Dist,
    pub itgc_hours: Dist,
    pub incident: f64,
    pub incident_after_hours: Dist,
    pub incident_fix_effort_hours: Dist,
    pub reaction_minutes: Dist,
    /// `[world.defects]`; `None`: the scenario has none (no severe defects beyond the
    /// blockers and the rollout's incidents).
    pub defects: Option<DefectParams>,
}

/// Severe defects and the rings that may catch them (`[world.defects]`, docs/model.md §8,
/// "Defects and the rings").
#[derive(Debug, Clone, PartialEq)]
#[allow(missing_docs)] // each field is documented in docs/model.md, under the same key
pub struct DefectParams {
    pub mean_count: f64,
    pub shared: f64,
    pub testing: f64,
    pub beta_percent: f64,
    pub beta: f64,
    pub review: f64,
    pub rollout: f64,
    pub show_after_hours: Dist,
    pub fix_effort_hours: Dist,
}

/// Gate thresholds.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Thresholds {
    /// Highest crash rate (percent of sessions) the `crash_rate` gate accepts.
    pub crash_rate_max_percent: f64,
    /// Minimum time at 1% before the `bake` gate holds.
    pub bake: SignedDuration,
}

/// How a platform's release goes from the store's approval to everyone: a staged rollout
/// (Play: any percentages, each step taken by the policy's actor once its gates hold) or a
/// phased release (Apple: the store widens it once a day by itself).
///
/// Invariants (checked when the scenario is read): at least two stages; percentages are
/// whole numbers, strictly increasing, the first from 1 to 99, the last 100; the last
/// stage's bake is zero.
#[derive(Debug, Clone, PartialEq)]
pub struct RolloutPlan {
    /// The stages in order; the first is entered by the `rollout_1` step, the last is 100%.
    pub stages: Vec<RolloutStage>,
    /// The store advances every stage by itself, [`PHASED_DAY`] after the previous one.
    pub phased: bool,
}

/// One stage of a rollout plan.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RolloutStage {
    /// The share of users that has the release at this stage, in percent (1 to 100).
    pub percent: u8,
    /// The minimum time at this stage before the `bake` gate of the step out of it holds
    /// (zero for the last stage).
    pub bake: SignedDuration,
    /// The gates the step out of this stage needs, when the scenario names them (among
    /// `bake`, `no_incident`, `itgc`); `None`: the default ([`RolloutPlan`]'s rule).
    pub gates: Option<GateSet>,
}

/// Apple's phased release: 1, 2, 5, 10, 20, 50, 100% over seven days.
pub const PHASED_PERCENTS: [u8; 7] = [1, 2, 5, 10, 20, 50, 100];

/// A phased release's stage lasts one day.
pub const PHASED_DAY: SignedDuration = SignedDuration::from_hours(24);

impl RolloutPlan {
    /// The model before rollout plans: 1% for `bake`, then 100%.
    pub fn default_with(bake: SignedDuration) -> RolloutPlan {
        RolloutPlan {
            stages: vec![
                RolloutStage {
                    percent: 1,
                    bake,
                    gates: None,
                },
                RolloutStage {
                    percent: 100,
                    bake: SignedDuration::ZERO,
                    gates: None,
                },
            ],
            phased: false,
        }
    }

    /// Apple's phased release ([`PHASED_PERCENTS`], a day each).
    pub fn phased() -> RolloutPlan {
        RolloutPlan {
            stages: PHASED_PERCENTS
                .iter()
                .map(|p| RolloutStage {
                    percent: *p,
                    bake: if *p == 100 {
                        SignedDuration::ZERO
                    } else {
                        PHASED_DAY
                    },
                    gates: None,
                })
                .collect(),
            phased: true,
        }
    }

    /// The percentage of stage `stage` (the last stage's past the end).
    pub fn percent(&self, stage: usize) -> u8 {
        self.stages
            .get(stage)
            .or(self.stages.last())
            .map_or(100, |s| s.percent)
    }

    /// The gates the step out of `stage` needs, where the scenario names them.
    pub fn stage_gates(&self, stage: usize) -> Option<GateSet> {
        self.stages.get(stage).and_then(|s| s.gates)
    }

    /// True when `stage` is the last stage below 100%: the step out of it reaches 100%.
    pub fn is_last_partial(&self, stage: usize) -> bool {
        stage + 2 >= self.stages.len()
    }
}

/// A named policy: who performs each step.
#[derive(Debug, Clone, PartialEq)]
pub struct Policy {
    /// The policy's name, e.g. `robot-except-100`.
    pub name: String,
    /// `Actor::Robot` or `Actor::Manual` per step, indexed by [`Step::index`].
    pub actors: [Actor; 4],
}

impl Policy {
    /// Who performs `step` under this policy.
    pub fn actor(&self, step: Step) -> Actor {
        self.actors[step.index()]
    }
}

/// Why a scenario could not be loaded. Always fatal for the run; the CLI exits with code 2.
#[derive(Debug, thiserror::Error)]
pub enum ScenarioError {
    /// The file could not be read (the cause is the error's source).
    #[error("{file}: cannot read the scenario")]
    Read {
        /// The path given.
        file: String,
        /// The I/O error.
        source: std::io::Error,
    },
    /// The file is not UTF-8 text (TOML must be).
    #[error("{file}:{line}:{column}: not valid UTF-8 (a scenario is UTF-8 TOML text)")]
    Encoding {
        /// The path given.
        file: String,
        /// The line of the first invalid byte, 1-based.
        line: usize,
        /// Its column in bytes, 1-based.
        column: usize,
    },
    /// The file is not valid TOML or does not match the scenario's shape. The message is
    /// several lines: the position, the line with a caret under the span, what is wrong.
    #[error("{file}: {message}")]
    Parse {
        /// The path given.
        file: String,
        /// The TOML parser's message (it names the line, column and key).
        message: String,
    },
    /// A value is of the right type but not acceptable.
    #[error("{file}: key `{key}` = {value}: {reason}")]
    Invalid {
        /// The path given.
        file: String,
        /// The dotted key, e.g. `world.blockers.fix_effort_hours.median`.
        key: String,
        /// The offending value as written.
        value: String,
        /// What is wrong with it.
        reason: String,
    },
}

impl Scenario {
    /// Reads and validates a scenario file.
    pub fn load(path: &Path) -> Result<Scenario, ScenarioError> {
        let file = path.display().to_string();
        let bytes = std::fs::read(path).map_err(|source| ScenarioError::Read {
            file: file.clone(),
            source,
        })?;
        let text = String::from_utf8(bytes).map_err(|e| {
            let valid = &e.as_bytes()[..e.utf8_error().valid_up_to()];
            let line_start = valid.iter().rposition(|b| *b == b'\n').map_or(0, |i| i + 1);
            ScenarioError::Encoding {
                file: file.clone(),
                line: valid.iter().filter(|b| **b == b'\n').count() + 1,
                column: valid.len() - line_start + 1,
            }
        })?;
        Scenario::from_toml(&text, &file)
    }

    /// The built-in baseline scenario.
    pub fn baseline() -> Scenario {
        match Scenario::from_toml(BASELINE_TOML, "scenarios/baseline.toml") {
            Ok(s) => s,
            // The baseline is compiled in and covered by tests; failing here is a build defect.
            Err(e) => unreachable!("the built-in baseline scenario is invalid: {e}"),
        }
    }

    /// Parses and validates scenario text; `file` names it in errors.
    pub fn from_toml(text: &str, file: &str) -> Result<Scenario, ScenarioError> {
        let raw: raw::RawScenario = toml::from_str(text).map_err(|e| ScenarioError::Parse {
            file: file.to_string(),
            message: toml_error::describe(&e, text),
        })?;
        validate::validate(raw, text, file)
    }

    /// The policy called `name`.
    pub fn policy(&self, name: &str) -> Option<&Policy> {
        self.policies.iter().find(|p| p.name == name)
    }

    /// The branch cut instant of `version`: its listed date (`season.branch_cuts`, taken as
    /// it is), or else the cadence's date at the cut time in the squad's zone, moved to the
    /// squad's previous working day when that date is a holiday or weekend (teams cut early
    /// before a long weekend rather than late after it: the release before the moved cut has
    /// a day less, the one after it gets the days back). `None` when the date is past the
    /// civil calendar (a version number far beyond any season).
    pub fn branch_cut(&self, version: u32) -> Option<Timestamp> {
        let s = &self.season;
        let squad = &self.release_squad;
        if let Some(listed) = s.branch_cuts.get(version as usize) {
            return Some(squad.at(*listed, s.branch_cut_time)).filter(|t| *t < Timestamp::MAX);
        }
        // On the cadence from the last listed cut (or from the first cut).
        let (from, steps) = match s.branch_cuts.last() {
            Some(last) => (*last, i64::from(version) + 1 - s.branch_cuts.len() as i64),
            None => (s.first_branch_cut, i64::from(version)),
        };
        let days = steps * i64::from(s.cadence_weeks) * 7;
        let span = jiff::Span::new().try_days(days).ok()?;
        let mut date = from.checked_add(span).ok()?;
        for _ in 0..14 {
            if squad.is_working_day(date) {
                break;
            }
            date = date.yesterday().unwrap_or(date);
        }
        Some(squad.at(date, s.branch_cut_time)).filter(|t| *t < Timestamp::MAX)
    }

    /// The enabled gates of `step`.
    pub fn gates(&self, step: Step) -> GateSet {
        self.gates[step.index()]
    }

    /// When the feature teams of platform `platform` (an index into `platforms`) work: its
    /// own calendar, or the default.
    pub fn feature_teams_of(&self, platform: usize) -> &Calendar {
        self.platform_calendars
            .get(platform)
            .and_then(|c| c.feature_teams.as_ref())
            .unwrap_or(&self.feature_teams)
    }

    /// Platform `platform`'s rollout plan (an index into `platforms`).
    pub fn rollout_plan(&self, platform: usize) -> &RolloutPlan {
        match self.rollout_plans.get(platform) {
            Some(plan) => plan,
            None => &self.rollout_plans[0],
        }
    }

    /// When the release squad acts on platform `platform`'s tracks (an index into
    /// `platforms`): its own calendar, or the default. Branch cuts do not use it: they are
    /// the train's, on the default squad's calendar.
    pub fn release_squad_of(&self, platform: usize) -> &Calendar {
        self.platform_calendars
            .get(platform)
            .and_then(|c| c.release_squad.as_ref())
            .unwrap_or(&self.release_squad)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn with_season(from: &str, to: &str) -> Result<Scenario, ScenarioError> {
        assert!(BASELINE_TOML.contains(from), "{from}");
        Scenario::from_toml(&BASELINE_TOML.replacen(from, to, 1), "s.toml")
    }

    fn cut(s: &Scenario, v: u32) -> String {
        let t = s.branch_cut(v).unwrap();
        t.to_zoned(s.release_squad.time_zone().clone())
            .date()
            .to_string()
    }

    /// The baseline with `toml` appended (new tables at the end of the file).
    fn with_appended(toml: &str) -> Result<Scenario, ScenarioError> {
        Scenario::from_toml(&format!("{BASELINE_TOML}\n{toml}"), "s.toml")
    }

    const IOS_SQUAD_IN_LA: &str = "[calendars.platforms.ios.release_squad]
time_zone = \"America/Los_Angeles\"
weekdays = [\"09:00-17:00\"]
holidays = []
";

    #[test]
    fn a_platforms_own_calendar_is_used_for_that_platform_only() {
        let s = with_appended(IOS_SQUAD_IN_LA).unwrap();
        let ios = s.platforms.iter().position(|p| p.name == "ios").unwrap();
        let zone = |c: &Calendar| c.time_zone().iana_name().unwrap().to_string();
        assert_eq!(zone(s.release_squad_of(ios)), "America/Los_Angeles");
        for p in (0..s.platforms.len()).filter(|p| *p != ios) {
            assert_eq!(zone(s.release_squad_of(p)), "Europe/Stockholm");
        }
        // Its feature teams were not overridden: they are the default ones.
        assert!(std::ptr::eq(s.feature_teams_of(ios), &s.feature_teams));
        // Monday 2026-01-12 08:30 in Stockholm is the default squad's day, night in LA;
        // 19:00 in Stockholm is 10:00 in LA, a working moment of both.
        let morning: Timestamp = "2026-01-12T07:30:00Z".parse().unwrap();
        let evening: Timestamp = "2026-01-12T18:00:00Z".parse().unwrap();
        assert!(s.release_squad_of(0).is_working(morning));
        assert!(!s.release_squad_of(ios).is_working(morning));
        assert!(s.release_squad_of(ios).is_working(evening));
        // The train's cuts stay on the default squad's calendar.
        assert_eq!(s.branch_cut(0), Scenario::baseline().branch_cut(0));
        // A feature-team override alone leaves the squad on the default.
        let teams = IOS_SQUAD_IN_LA.replace("release_squad", "feature_teams");
        let s = with_appended(&teams).unwrap();
        assert_eq!(zone(s.feature_teams_of(ios)), "America/Los_Angeles");
        assert_eq!(zone(s.feature_teams_of(0)), "Europe/Stockholm");
        assert!(std::ptr::eq(s.release_squad_of(ios), &s.release_squad));
    }

    #[test]
    fn a_calendar_for_a_platform_not_in_platforms_is_refused_with_its_key() {
        let e = with_appended(&IOS_SQUAD_IN_LA.replace(".ios.", ".windows."))
            .unwrap_err()
            .to_string();
        assert!(
            e.contains("calendars.platforms.windows") && e.contains("android, ios, desktop"),
            "{e}"
        );
        // A table other than the two calendars is a typo, refused too.
        let e = with_appended(&IOS_SQUAD_IN_LA.replace("release_squad", "squad"))
            .unwrap_err()
            .to_string();
        assert!(e.contains("squad") && e.contains("unknown field"), "{e}");
    }

    #[test]
    fn a_bad_value_in_a_platforms_calendar_names_its_full_key() {
        let e = with_appended(&IOS_SQUAD_IN_LA.replace("America/Los_Angeles", "Mars/Olympus"))
            .unwrap_err()
            .to_string();
        assert!(
            e.contains("calendars.platforms.ios.release_squad.time_zone")
                && e.contains("Mars/Olympus"),
            "{e}"
        );
        let teams = IOS_SQUAD_IN_LA
            .replace("release_squad", "feature_teams")
            .replace("09:00-17:00", "9 to 5");
        let e = with_appended(&teams).unwrap_err().to_string();
        assert!(
            e.contains("calendars.platforms.ios.feature_teams.weekdays"),
            "{e}"
        );
        let e = with_appended(&IOS_SQUAD_IN_LA.replace("[]", "[\"2026-02-30\"]"))
            .unwrap_err()
            .to_string();
        assert!(
            e.contains("calendars.platforms.ios.release_squad.holidays"),
            "{e}"
        );
    }

    #[test]
    fn listed_branch_cuts_come_first_then_the_cadence_from_the_last_of_them() {
        // Two weeks, then four (a skipped train and a cadence change), then weekly again.
        let s = with_season(
            "cadence_weeks = 1\n",
            "cadence_weeks = 1\nbranch_cuts = [\"2026-01-09\", \"2026-01-23\", \"2026-02-20\"]\n",
        )
        .unwrap();
        let cuts: Vec<String> = (0..5).map(|v| cut(&s, v)).collect();
        assert_eq!(
            cuts,
            [
                "2026-01-09",
                "2026-01-23",
                "2026-02-20",
                "2026-02-27",
                "2026-03-06"
            ]
        );
        // At the cut time in the squad's zone, like a cadence's cut.
        let base = Scenario::baseline();
        assert_eq!(s.branch_cut(0), base.branch_cut(0));
        // Without a list every cut is on the cadence.
        assert_eq!(cut(&base, 2), "2026-01-23");
        assert!(base.season.branch_cuts.is_empty());
    }

    #[test]
    fn a_cut_list_out_of_order_or_not_starting_at_the_first_cut_is_refused_with_its_key() {
        let err = |list: &str| {
            with_season(
                "cadence_weeks = 1\n",
                &format!("cadence_weeks = 1\nbranch_cuts = {list}\n"),
            )
            .unwrap_err()
            .to_string()
        };
        let e = err("[\"2026-01-10\"]");
        assert!(
            e.contains("season.branch_cuts[0]") && e.contains("first_branch_cut (2026-01-09)"),
            "{e}"
        );
        let e = err("[\"2026-01-09\", \"2026-01-23\", \"2026-01-16\"]");
        assert!(
            e.contains("season.branch_cuts[2]") && e.contains("after 2026-01-23"),
            "{e}"
        );
        let e = err("[\"2026-01-09\", \"2026-01-09\"]");
        assert!(e.contains("season.branch_cuts[1]"), "{e}");
        let e = err("[\"2026-01-09\", \"next friday\"]");
        assert!(
            e.contains("season.branch_cuts[1]") && e.contains("not a date"),
            "{e}"
        );
    }

    const STAGED: &str = "[rollout.platforms.android]
stages = [{ percent = 1, bake_hours = 24 }, { percent = 5, bake_hours = 6.5 }, { percent = 100 }]
";

    #[test]
    fn a_platform_without_a_plan_has_todays_model_one_stage_at_1_percent_then_100() {
        let s = Scenario::baseline();
        for p in 0..s.platforms.len() {
            let plan = s.rollout_plan(p);
            assert_eq!(plan, &RolloutPlan::default_with(s.thresholds.bake));
            assert_eq!(plan.stages[0].bake, SignedDuration::from_hours(24));
            assert_eq!((plan.percent(0), plan.percent(1)), (1, 100));
            assert!(plan.is_last_partial(0) && !plan.phased);
        }
    }

    #[test]
    fn a_staged_plan_keeps_its_stages_and_bakes_and_a_bake_not_written_is_the_thresholds() {
        let s = with_appended(STAGED).unwrap();
        let plan = s.rollout_plan(0);
        let percents: Vec<u8> = plan.stages.iter().map(|st| st.percent).collect();
        assert_eq!(percents, [1, 5, 100]);
        assert_eq!(
            plan.stages[1].bake,
            SignedDuration::from_secs(6 * 3600 + 1800)
        );
        assert_eq!(plan.stages[2].bake, SignedDuration::ZERO);
        assert!(!plan.is_last_partial(0) && plan.is_last_partial(1));
        // Other platforms keep the default.
        assert_eq!(
            s.rollout_plan(1),
            &RolloutPlan::default_with(s.thresholds.bake)
        );
        let s = with_appended(&STAGED.replace(", bake_hours = 6.5", "")).unwrap();
        assert_eq!(s.rollout_plan(0).stages[1].bake, s.thresholds.bake);
    }

    #[test]
    fn a_phased_release_is_apples_calendar_a_day_a_stage() {
        let s = with_appended("[rollout.platforms.ios]\nphased = true\n").unwrap();
        let plan = s.rollout_plan(1);
        assert!(plan.phased);
        let percents: Vec<u8> = plan.stages.iter().map(|st| st.percent).collect();
        assert_eq!(percents, PHASED_PERCENTS);
        assert!(plan.stages[..6].iter().all(|st| st.bake == PHASED_DAY));
    }

    #[test]
    fn every_bad_plan_is_refused_naming_its_key_and_value() {
        let stages = |list: &str| format!("[rollout.platforms.android]\nstages = {list}\n");
        let cases: [(String, &[&str]); 12] = [
            (
                stages("[{ percent = 5 }, { percent = 1 }, { percent = 100 }]"),
                &["rollout.platforms.android.stages[1].percent", "= 1", "widen"],
            ),
            (
                stages("[{ percent = 1 }, { percent = 1 }, { percent = 100 }]"),
                &["stages[1].percent", "previous stage's 1"],
            ),
            (
                stages("[{ percent = 1 }, { percent = 50 }]"),
                &["stages[1].percent", "= 50", "last stage must be 100"],
            ),
            (
                stages("[{ percent = 100 }, { percent = 100 }]"),
                &["stages[0].percent", "only the last stage"],
            ),
            (
                stages("[{ percent = 0.5 }, { percent = 100 }]"),
                &["stages[0].percent", "= 0.5", "whole number"],
            ),
            (
                stages("[{ percent = 0 }, { percent = 100 }]"),
                &["stages[0].percent", "from 1 to 100"],
            ),
            (
                stages("[{ percent = 100 }]"),
                &["rollout.platforms.android.stages", "(1 stages)", "from 2 to 20"],
            ),
            (
                stages("[{ percent = 1, bake_hours = -3 }, { percent = 100 }]"),
                &["stages[0].bake_hours", "= -3", "cannot be negative"],
            ),
            (
                stages("[{ percent = 1, bake_hours = 1e9 }, { percent = 100 }]"),
                &["stages[0].bake_hours", "8760"],
            ),
            (
                stages("[{ percent = 1 }, { percent = 100, bake_hours = 2 }]"),
                &["stages[1].bake_hours", "nothing follows"],
            ),
            (
                "[rollout.platforms.desktop]\nphased = true\n".into(),
                &["rollout.platforms.desktop.phased", "no [stores.desktop]"],
            ),
            (
                "[rollout.platforms.ios]\nphased = true\nstages = [{ percent = 1 }, { percent = 100 }]\n".into(),
                &["rollout.platforms.ios.stages", "store's calendar"],
            ),
        ];
        for (toml, wanted) in &cases {
            let e = with_appended(toml).unwrap_err().to_string();
            for w in *wanted {
                assert!(e.contains(w), "{toml}: {e} lacks {w}");
            }
            assert!(e.starts_with("s.toml: key `"), "{e}");
        }
        let e = with_appended("[rollout.platforms.web]\nphased = true\n")
            .unwrap_err()
            .to_string();
        assert!(
            e.contains("rollout.platforms.web") && e.contains("android, ios, desktop"),
            "{e}"
        );
        let e = with_appended("[rollout.platforms.android]\n")
            .unwrap_err()
            .to_string();
        assert!(
            e.contains("rollout.platforms.android") && e.contains("list the `stages`"),
            "{e}"
        );
        let e = with_appended(&stages("[{ percent = 1, bake = 3 }, { percent = 100 }]"))
            .unwrap_err()
            .to_string();
        assert!(e.contains("unknown field") && e.contains("bake"), "{e}");
    }
}
