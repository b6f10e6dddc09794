//! The scenario file as written: serde structs that mirror the TOML one to one.
//!
//! Every struct denies unknown fields, so a typo is an error rather than a silently ignored
//! key. Nothing here is validated beyond TOML types; see [`super::validate`].

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

/// The whole file.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct RawScenario {
    pub name: String,
    #[serde(default)]
    pub description: String,
    pub platforms: Vec<String>,
    pub season: RawSeason,
    pub calendars: RawCalendars,
    pub world: RawWorld,
    #[serde(default)]
    pub stores: BTreeMap<String, RawStore>,
    #[serde(default)]
    pub gates: RawGates,
    pub thresholds: RawThresholds,
    /// `[rollout.platforms.<platform>]`: rollout plans; absent, every platform's plan is
    /// the default (1% for `thresholds.bake_hours`, then 100%).
    #[serde(default, skip_serializing_if = "RawRolloutPlans::is_empty")]
    pub rollout: RawRolloutPlans,
    pub policies: BTreeMap<String, BTreeMap<String, String>>,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct RawSeason {
    pub first_branch_cut: String,
    pub branch_cut_time: String,
    pub cadence_weeks: i64,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub branch_cuts: Vec<String>,
    pub weeks: i64,
    pub overlap_cancels: String,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct RawCalendars {
    pub feature_teams: RawCalendar,
    pub release_squad: RawCalendar,
    /// Per-platform overrides, by platform name.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub platforms: BTreeMap<String, RawPlatformCalendars>,
}

/// One platform's own calendars; each absent one is the default.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct RawPlatformCalendars {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub feature_teams: Option<RawCalendar>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub release_squad: Option<RawCalendar>,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct RawCalendar {
    pub time_zone: String,
    /// Windows for Monday to Friday, unless a day names its own.
    #[serde(default)]
    pub weekdays: Vec<String>,
    pub monday: Option<Vec<String>>,
    pub tuesday: Option<Vec<String>>,
    pub wednesday: Option<Vec<String>>,
    pub thursday: Option<Vec<String>>,
    pub friday: Option<Vec<String>>,
    pub saturday: Option<Vec<String>>,
    pub sunday: Option<Vec<String>>,
    #[serde(default)]
    pub holidays: Vec<String>,
}

/// A distribution of a duration or quantity, e.g. `{ dist = "lognormal", median = 3, sigma = 0.8 }`.
#[derive(Debug, Clone, Copy, Deserialize, Serialize)]
#[serde(tag = "dist", rename_all = "lowercase", deny_unknown_fields)]
pub enum RawDist {
    Fixed { value: f64 },
    Exponential { mean: f64 },
    Lognormal { median: f64, sigma: f64 },
    Uniform { min: f64, max: f64 },
    Gamma { shape: f64, mean: f64 },
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct RawWorld {
    pub blockers: RawBlockers,
    pub builds: RawBuilds,
    pub signoff: RawSignoff,
    pub usage: RawUsage,
    pub rollout: RawRollout,
    pub people: RawPeople,
    /// `[world.defects]`: severe defects the rings may catch (optional: none).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub defects: Option<RawDefects>,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct RawDefects {
    pub mean_count: f64,
    pub shared: f64,
    pub testing: f64,
    pub beta_percent: f64,
    pub beta: f64,
    pub review: f64,
    pub rollout: f64,
    pub show_after_hours: RawDist,
    pub fix_effort_hours: RawDist,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct RawBlockers {
    pub mean_count: f64,
    pub discovery_hours: RawDist,
    pub fix_effort_hours: RawDist,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct RawBuilds {
    pub duration_minutes: RawDist,
    pub flaky_failure: f64,
    pub crash_rate_percent: RawDist,
    pub crash_fix_effort_hours: RawDist,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct RawSignoff {
    pub teams: i64,
    pub opt_out: f64,
    pub effort_hours: RawDist,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct RawUsage {
    pub hours_to_enough: RawDist,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct RawRollout {
    pub itgc_hours: RawDist,
    pub incident: f64,
    pub incident_after_hours: RawDist,
    pub incident_fix_effort_hours: RawDist,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct RawPeople {
    pub reaction_minutes: RawDist,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct RawStore {
    pub review_hours: RawDist,
    pub rejection: f64,
    pub rejection_fix_effort_hours: RawDist,
}

/// `[gates.<step>]` tables: `gate = false` switches a default gate off, `true` on.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct RawGates {
    pub final_rc: Option<BTreeMap<String, bool>>,
    pub submit: Option<BTreeMap<String, bool>>,
    pub rollout_1: Option<BTreeMap<String, bool>>,
    pub rollout_100: Option<BTreeMap<String, bool>>,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct RawThresholds {
    pub crash_rate_max_percent: f64,
    pub bake_hours: f64,
}

/// `[rollout]`: the platforms' rollout plans.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct RawRolloutPlans {
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub platforms: BTreeMap<String, RawRolloutPlan>,
}

impl RawRolloutPlans {
    /// No plan is written: every platform has the default.
    pub fn is_empty(&self) -> bool {
        self.platforms.is_empty()
    }
}

/// `[rollout.platforms.<platform>]`: a staged rollout's stages, or a phased release.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct RawRolloutPlan {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stages: Option<Vec<RawStage>>,
    #[serde(default)]
    pub phased: bool,
}

/// One stage, e.g. `{ percent = 5, bake_hours = 24, gates = ["bake", "no_incident"] }`.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct RawStage {
    pub percent: f64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub bake_hours: Option<f64>,
    /// The gates of the step out of this stage (default: `rollout_100`'s, without `itgc`
    /// below the last stage before 100%).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub gates: Option<Vec<String>>,
}
