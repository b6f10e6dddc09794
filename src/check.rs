//! `conductor check`: cycle-time metrics of a scenario, a run directory or an event log,
//! compared with a committed baseline of limits, for CI (docs/ci.md).
//!
//! A limit passes or fails on evidence: for simulated inputs each metric carries a
//! bootstrap confidence interval over whole seeds, and a limit fails only when the whole
//! interval lies beyond it (so sampling noise never fails a build); for a recorded log the
//! metric is what happened and is compared as it is.

pub mod baseline;
mod format;
pub mod metrics;
pub mod window;

pub use baseline::{Baseline, BaselineError};
pub use format::{Format, render};
pub use metrics::{Metric, Sample};
pub use window::{Window, WindowSpec};

/// What the checked input was.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum InputKind {
    /// A scenario file, simulated here.
    Scenario,
    /// A run directory written by `simulate --out` or `replay`.
    RunDir,
    /// An event log, replayed as it happened.
    EventLog,
}

impl InputKind {
    /// The name used in output.
    pub fn as_str(self) -> &'static str {
        match self {
            InputKind::Scenario => "scenario",
            InputKind::RunDir => "run directory",
            InputKind::EventLog => "event log",
        }
    }
}

/// The verdict on one limit.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Status {
    /// Within the limit.
    Pass,
    /// Beyond the limit (for noisy inputs: the whole confidence interval is).
    Fail,
    /// The input has no data for the metric (e.g. nothing shipped on that platform).
    NoData,
}

impl Status {
    /// The name used in output.
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Pass => "pass",
            Status::Fail => "FAIL",
            Status::NoData => "no data",
        }
    }
}

/// Which side of a bound is allowed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Side {
    /// The metric must stay at or under the bound.
    AtMost,
    /// The metric must stay at or over the bound.
    AtLeast,
}

/// One limit checked against one metric of one policy and platform.
#[derive(Debug, Clone, PartialEq)]
pub struct CheckResult {
    /// The metric's name, e.g. `cycle_p85_hours`.
    pub metric: Metric,
    /// The policy (`recorded` for a replayed log).
    pub policy: String,
    /// The platform, or `all`.
    pub platform: String,
    /// The measured value; `None` without data.
    pub value: Option<f64>,
    /// Its confidence interval (simulated inputs with at least two seeds).
    pub ci: Option<(f64, f64)>,
    /// Which side of `bound` passes.
    pub side: Side,
    /// The bound.
    pub bound: f64,
    /// Where the bound comes from, e.g. `at most 130` or `baseline 101.6 + 5%`.
    pub rule: String,
    /// The verdict.
    pub status: Status,
    /// How far beyond the bound (positive: worse) the evidence is: the value, or for noisy
    /// inputs the near end of the interval. Negative means room to spare.
    pub excess: Option<f64>,
}

impl CheckResult {
    /// A one-line explanation, e.g. `cycle_p85_hours of manual/all is 141.2 h (95% CI
    /// 138.0 to 144.9), over its limit 130 (at most 130) by 8.0 h even at the interval's
    /// low end`.
    pub fn message(&self, confidence: f64) -> String {
        let unit = self.metric.unit();
        let what = format!(
            "{} of {}/{}",
            self.metric.name(),
            self.policy,
            self.platform
        );
        let Some(v) = self.value else {
            return format!("{what}: no data");
        };
        if self.status == Status::NoData {
            return format!(
                "{what} is {}: not judged, too few seeds for a safety figure (at least {})",
                fmt(v, unit),
                metrics::MIN_SAFETY_UNITS
            );
        }
        let ci = match self.ci {
            Some((lo, hi)) => format!(
                " ({:.0}% CI {} to {})",
                confidence * 100.0,
                fmt(lo, unit),
                fmt(hi, unit)
            ),
            None => String::new(),
        };
        let side = match self.side {
            Side::AtMost => "over",
            Side::AtLeast => "under",
        };
        match (self.status, self.excess) {
            (Status::Fail, Some(by)) => {
                let end = match (self.ci, self.side) {
                    (Some(_), Side::AtMost) => " even at the interval's low end",
                    (Some(_), Side::AtLeast) => " even at the interval's high end",
                    (None, _) => "",
                };
                format!(
                    "{what} is {}{ci}, {side} its limit {} ({}) by {}{end}",
                    fmt(v, unit),
                    fmt(self.bound, unit),
                    self.rule,
                    fmt(by, unit)
                )
            }
            _ => format!(
                "{what} is {}{ci}, within {} ({})",
                fmt(v, unit),
                fmt(self.bound, unit),
                self.rule
            ),
        }
    }
}

/// `v` with its unit, rounded for people: hours to a tenth, rates as percentages, counts
/// per release and share-of-users hours to a hundredth (0.28 escaped defects per release).
pub fn fmt(v: f64, unit: &str) -> String {
    match unit {
        "%" => format!("{:.1}%", v * 100.0),
        "h" => format!("{v:.1} h"),
        u => format!("{v:.2} {u}"),
    }
}

/// Everything one `check` found.
#[derive(Debug, Clone)]
pub struct Outcome {
    /// The checked input, as given.
    pub input: String,
    /// What it was.
    pub kind: InputKind,
    /// The baseline file, as given.
    pub baseline: String,
    /// Confidence level of the intervals.
    pub confidence: f64,
    /// Seeds behind the figures (1 for a log).
    pub seeds: u64,
    /// Track-cycles judged (shipped or cancelled).
    pub track_cycles: usize,
    /// Track-cycles still in progress at the end (open, right-censored): left out, counted.
    pub open_excluded: usize,
    /// For an event log: the recorded track-cycles checked.
    pub window: Option<Window>,
    /// The window the baseline was written from, when it records one.
    pub baseline_window: Option<Window>,
    /// One result per limit and (policy, platform) it applies to, in the baseline's order.
    pub results: Vec<CheckResult>,
    /// For a replay's run directory: each counterfactual policy checked and the evidence
    /// families it draws from the scenario (the log lacks them): its figures are partly
    /// assumptions.
    pub assumed: Vec<(String, Vec<String>)>,
    /// For each policy checked, what its safety metrics rest on (`scenario`: the defect
    /// model's assumptions; `record`: a history's hotfixes; `not recorded`); empty when the
    /// baseline limits no safety metric.
    pub safety_rests_on: Vec<(String, &'static str)>,
}

impl Outcome {
    /// True when any limit failed.
    pub fn failed(&self) -> bool {
        self.results.iter().any(|r| r.status == Status::Fail)
    }
}

/// Checks every limit of `baseline` against `table`. `noisy`: the figures are estimates
/// from sampled seeds, so a limit fails only when the whole interval lies beyond it.
/// Errors name a limit whose policy or platform the input does not have.
pub fn evaluate(
    baseline: &Baseline,
    table: &metrics::Table,
    noisy: bool,
) -> Result<Vec<CheckResult>, BaselineError> {
    let mut out = Vec::new();
    for (i, limit) in baseline.limits.iter().enumerate() {
        let invalid = |key: &str, value: &str, known: &[String]| BaselineError::Invalid {
            file: baseline.file.clone(),
            key: format!("limit[{}].{key}", i + 1),
            value: format!("{value:?}"),
            reason: format!("the input has no such {key} (it has: {})", known.join(", ")),
        };
        if !table.platforms.contains(&limit.platform) {
            return Err(invalid("platform", &limit.platform, &table.platforms));
        }
        let policies: Vec<&String> = match &limit.policy {
            Some(p) if !table.policies.contains(p) => {
                return Err(invalid("policy", p, &table.policies));
            }
            Some(p) => vec![p],
            None => table.policies.iter().collect(),
        };
        for policy in policies {
            let est = table.get(policy, &limit.platform, limit.metric);
            let value = est.and_then(|e| e.value);
            let ci = est.and_then(|e| e.ci).filter(|_| noisy);
            // Too few seeds to judge a rare-event figure: shown, not judged.
            let unjudged = noisy
                && limit.metric.is_safety()
                && est.is_some_and(|e| e.units < metrics::MIN_SAFETY_UNITS);
            for (side, bound, rule) in &limit.bounds {
                // The evidence: the interval's near end for noisy inputs, else the value.
                let evidence = match (ci, side) {
                    (Some((lo, _)), Side::AtMost) => Some(lo),
                    (Some((_, hi)), Side::AtLeast) => Some(hi),
                    (None, _) => value,
                };
                let excess = evidence.map(|e| match side {
                    Side::AtMost => e - bound,
                    Side::AtLeast => bound - e,
                });
                let status = match excess {
                    _ if unjudged => Status::NoData,
                    None => Status::NoData,
                    Some(x) if x > 0.0 => Status::Fail,
                    Some(_) => Status::Pass,
                };
                out.push(CheckResult {
                    metric: limit.metric,
                    policy: policy.clone(),
                    platform: limit.platform.clone(),
                    value,
                    ci,
                    side: *side,
                    bound: *bound,
                    rule: rule.clone(),
                    status,
                    excess: excess.filter(|_| !unjudged),
                });
            }
        }
    }
    Ok(out)
}
