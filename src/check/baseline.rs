//! Baseline files: the limits `check` enforces, as TOML or JSON (docs/ci.md).

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use serde::Deserialize;

use super::Side;
use super::metrics::{Metric, Table};
use super::window::Window;

/// The default confidence of the intervals.
pub const DEFAULT_CONFIDENCE: f64 = 0.95;

/// The default number of seeds a scenario input is simulated with.
pub const DEFAULT_SEEDS: u64 = 200;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawBaseline {
    confidence: Option<f64>,
    seeds: Option<u64>,
    window: Option<RawWindow>,
    #[serde(default)]
    limit: Vec<RawLimit>,
}

/// `[window]`: the recorded track-cycles a baseline was written from (see [`Window`]).
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawWindow {
    selection: String,
    versions: u64,
    first_version: u32,
    last_version: u32,
    first_cut: String,
    last_cut: String,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawLimit {
    metric: String,
    policy: Option<String>,
    platform: Option<String>,
    at_most: Option<f64>,
    at_least: Option<f64>,
    baseline: Option<f64>,
    max_increase: Option<f64>,
    max_decrease: Option<f64>,
}

/// How [`Baseline::record`] writes a baseline.
#[derive(Debug, Clone, Copy)]
pub struct Recording<'a> {
    /// The `confidence` key.
    pub confidence: f64,
    /// The `seeds` key (a scenario input).
    pub seeds: Option<u64>,
    /// The recorded track-cycles the values come from (an event-log input).
    pub window: Option<&'a Window>,
    /// `max_increase` of every cycle-time limit; `None`: the defaults (5%, p95 10%).
    pub tolerance: Option<f64>,
    /// Comment lines on top.
    pub header: &'a str,
}

/// One limit of a baseline: a metric, which policy and platform it applies to, and its
/// bounds.
#[derive(Debug, Clone, PartialEq)]
pub struct Limit {
    /// The metric.
    pub metric: Metric,
    /// The policy; `None`: every policy of the input.
    pub policy: Option<String>,
    /// The platform, or `all`.
    pub platform: String,
    /// Each bound: which side passes, the bound, and how it was given.
    pub bounds: Vec<(Side, f64, String)>,
}

/// A baseline file.
#[derive(Debug, Clone, PartialEq)]
pub struct Baseline {
    /// The file.
    pub file: PathBuf,
    /// Confidence of the intervals.
    pub confidence: f64,
    /// Seeds to simulate a scenario with.
    pub seeds: u64,
    /// The recorded track-cycles the values were written from (a baseline written from an
    /// event log); shown beside the checked window, it selects nothing.
    pub window: Option<Window>,
    /// The limits, in file order.
    pub limits: Vec<Limit>,
}

/// A baseline file that cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum BaselineError {
    /// Missing or unreadable (the cause is the error's source).
    #[error("{}: cannot read the baseline", file.display())]
    Read {
        /// The file.
        file: PathBuf,
        /// Why.
        source: std::io::Error,
    },
    /// Not TOML/JSON of the right shape.
    #[error("{}: {message}", file.display())]
    Parse {
        /// The file.
        file: PathBuf,
        /// The parser's message (with line and column).
        message: String,
    },
    /// A value out of range or a name that does not exist.
    #[error("{}: {key} = {value}: {reason}", file.display())]
    Invalid {
        /// The file.
        file: PathBuf,
        /// The key, e.g. `limit[2].metric`.
        key: String,
        /// Its value.
        value: String,
        /// What is wrong.
        reason: String,
    },
}

impl Baseline {
    /// Reads `path` (JSON when it ends in `.json`, TOML otherwise).
    pub fn load(path: &Path) -> Result<Baseline, BaselineError> {
        let text = std::fs::read_to_string(path).map_err(|source| BaselineError::Read {
            file: path.to_path_buf(),
            source,
        })?;
        let json = path.extension().is_some_and(|e| e == "json");
        let raw: RawBaseline = if json {
            serde_json::from_str(&text).map_err(|e| e.to_string())
        } else {
            toml::from_str(&text).map_err(|e| crate::scenario::toml_error::describe(&e, &text))
        }
        .map_err(|message| BaselineError::Parse {
            file: path.to_path_buf(),
            message,
        })?;
        validate(path, raw)
    }

    /// A baseline recording every figure of `table` as it is today, with default tolerances:
    /// p50, p85 and mean may grow 5%, p95 and the safety figures (escaped, exposure and
    /// hotfixes per release, restore p50) 10% (each `r.tolerance` when given), the success
    /// rate may fall 2 points and the change-failure rate rise 2. Returns TOML text, with `r.header` as comment lines
    /// on top and, for recorded cycles, the window they were taken from.
    pub fn record(table: &Table, r: &Recording) -> String {
        let Recording {
            confidence,
            seeds,
            window,
            tolerance,
            header,
        } = *r;
        let mut out = String::new();
        for line in header.lines() {
            let _ = writeln!(out, "# {line}");
        }
        let _ = writeln!(
            out,
            "# Refresh deliberately with `conductor check --write-baseline`, and review the diff."
        );
        let _ = writeln!(out, "confidence = {confidence}");
        if let Some(seeds) = seeds {
            let _ = writeln!(out, "seeds = {seeds}");
        }
        if let Some(w) = window {
            out.push_str(&w.toml());
        }
        for policy in &table.policies {
            for platform in &table.platforms {
                for metric in Metric::ALL {
                    let Some(value) = table.get(policy, platform, metric).and_then(|e| e.value)
                    else {
                        continue;
                    };
                    let _ = writeln!(out, "\n[[limit]]");
                    let _ = writeln!(out, "metric = {:?}", metric.name());
                    let _ = writeln!(out, "policy = {policy:?}");
                    let _ = writeln!(out, "platform = {platform:?}");
                    match metric {
                        Metric::SuccessRate => {
                            let floor = ((value - 0.02).max(0.0) * 1e4).round() / 1e4;
                            let _ = writeln!(out, "at_least = {floor}  # today {value:.4}");
                        }
                        // Must not rise by more than 2 points (as the success rate may not
                        // fall by more).
                        Metric::ChangeFailureRate => {
                            let ceiling = ((value + 0.02).min(1.0) * 1e4).round() / 1e4;
                            let _ = writeln!(out, "at_most = {ceiling}  # today {value:.4}");
                        }
                        _ => {
                            let tolerance = match (tolerance, metric) {
                                (Some(t), _) => t,
                                (None, Metric::CycleP95Hours) => 0.10,
                                (None, m) if m.is_safety() => 0.10,
                                (None, _) => 0.05,
                            };
                            let _ = writeln!(out, "baseline = {}", (value * 1e4).round() / 1e4);
                            let _ = writeln!(out, "max_increase = {tolerance}");
                        }
                    }
                }
            }
        }
        out
    }
}

fn validate(file: &Path, raw: RawBaseline) -> Result<Baseline, BaselineError> {
    let invalid = |key: String, value: String, reason: &str| BaselineError::Invalid {
        file: file.to_path_buf(),
        key,
        value,
        reason: reason.to_string(),
    };
    let confidence = raw.confidence.unwrap_or(DEFAULT_CONFIDENCE);
    if !(confidence > 0.5 && confidence < 1.0) {
        return Err(invalid(
            "confidence".into(),
            confidence.to_string(),
            "must be between 0.5 and 1 (e.g. 0.95)",
        ));
    }
    let seeds = raw.seeds.unwrap_or(DEFAULT_SEEDS);
    if seeds < 2 {
        return Err(invalid(
            "seeds".into(),
            seeds.to_string(),
            "must be at least 2 (the intervals resample seeds)",
        ));
    }
    let window = raw.window.map(|w| validate_window(file, w)).transpose()?;
    if raw.limit.is_empty() {
        return Err(invalid(
            "limit".into(),
            "[]".into(),
            "the baseline has no [[limit]]: nothing to check",
        ));
    }
    let mut limits = Vec::new();
    for (i, l) in raw.limit.into_iter().enumerate() {
        let key = |k: &str| format!("limit[{}].{k}", i + 1);
        let metric = Metric::parse(&l.metric).ok_or_else(|| {
            let known: Vec<&str> = Metric::ALL.iter().map(|m| m.name()).collect();
            invalid(
                key("metric"),
                format!("{:?}", l.metric),
                &format!("unknown metric (known: {})", known.join(", ")),
            )
        })?;
        let number = |name: &str, v: Option<f64>| -> Result<Option<f64>, BaselineError> {
            match v {
                Some(x) if !x.is_finite() || x < 0.0 => {
                    Err(invalid(key(name), x.to_string(), "must be a number >= 0"))
                }
                other => Ok(other),
            }
        };
        let at_most = number("at_most", l.at_most)?;
        let at_least = number("at_least", l.at_least)?;
        let base = number("baseline", l.baseline)?;
        let up = number("max_increase", l.max_increase)?;
        let down = number("max_decrease", l.max_decrease)?;
        let unit = metric.unit();
        let show = |v: f64| super::fmt(v, unit);
        let mut bounds = Vec::new();
        if let Some(b) = at_most {
            bounds.push((Side::AtMost, b, format!("at most {}", show(b))));
        }
        if let Some(b) = at_least {
            bounds.push((Side::AtLeast, b, format!("at least {}", show(b))));
        }
        for (name, tol, side) in [
            ("max_increase", up, Side::AtMost),
            ("max_decrease", down, Side::AtLeast),
        ] {
            let Some(tol) = tol else { continue };
            let Some(b) = base else {
                return Err(invalid(
                    key(name),
                    tol.to_string(),
                    "needs `baseline`, the value it is relative to",
                ));
            };
            let (bound, sign) = match side {
                Side::AtMost => (b * (1.0 + tol), '+'),
                Side::AtLeast => (b * (1.0 - tol), '-'),
            };
            let rule = format!("baseline {} {sign} {}%", show(b), tol * 100.0);
            bounds.push((side, bound, rule));
        }
        if bounds.is_empty() {
            return Err(invalid(
                key("metric"),
                format!("{:?}", l.metric),
                "the limit has no bound: give at_most, at_least, or baseline with max_increase / max_decrease",
            ));
        }
        limits.push(Limit {
            metric,
            policy: l.policy,
            platform: l
                .platform
                .unwrap_or_else(|| crate::analysis::ALL_PLATFORMS.to_string()),
            bounds,
        });
    }
    Ok(Baseline {
        file: file.to_path_buf(),
        confidence,
        seeds,
        window,
        limits,
    })
}

fn validate_window(file: &Path, w: RawWindow) -> Result<Window, BaselineError> {
    let invalid = |key: &str, value: String, reason: &str| BaselineError::Invalid {
        file: file.to_path_buf(),
        key: format!("window.{key}"),
        value,
        reason: reason.to_string(),
    };
    let cut = |key: &str, text: &str| {
        text.parse::<jiff::Timestamp>().map_err(|_| {
            invalid(
                key,
                format!("{text:?}"),
                "must be an instant with an offset, e.g. \"2026-01-09T09:00:00Z\"",
            )
        })
    };
    let (first_cut, last_cut) = (
        cut("first_cut", &w.first_cut)?,
        cut("last_cut", &w.last_cut)?,
    );
    if last_cut < first_cut {
        return Err(invalid(
            "last_cut",
            format!("{:?}", w.last_cut),
            "is before first_cut",
        ));
    }
    if w.last_version < w.first_version {
        return Err(invalid(
            "last_version",
            w.last_version.to_string(),
            "is below first_version",
        ));
    }
    if w.versions == 0 {
        return Err(invalid("versions", "0".into(), "must be at least 1"));
    }
    if w.selection.trim().is_empty() {
        return Err(invalid(
            "selection",
            "\"\"".into(),
            "must say how the cycles were chosen (e.g. \"all\", \"last 10 versions\")",
        ));
    }
    Ok(Window {
        selection: w.selection,
        versions: usize::try_from(w.versions).unwrap_or(usize::MAX),
        first_version: w.first_version,
        last_version: w.last_version,
        first_cut,
        last_cut,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Result<Baseline, BaselineError> {
        let raw: RawBaseline = toml::from_str(text).map_err(|e| BaselineError::Parse {
            file: "b.toml".into(),
            message: e.to_string(),
        })?;
        validate(Path::new("b.toml"), raw)
    }

    #[test]
    fn limits_become_bounds() {
        let b = parse(
            "[[limit]]\nmetric = \"cycle_p50_hours\"\nbaseline = 100.0\nmax_increase = 0.05\nat_most = 130.0\n\
             [[limit]]\nmetric = \"success_rate\"\nplatform = \"ios\"\nat_least = 0.95\n",
        )
        .unwrap();
        assert_eq!(b.confidence, 0.95);
        assert_eq!(b.limits[0].platform, "all");
        let bounds: Vec<(Side, f64)> = b.limits[0].bounds.iter().map(|b| (b.0, b.1)).collect();
        assert_eq!(bounds, [(Side::AtMost, 130.0), (Side::AtMost, 105.0)]);
        assert_eq!(b.limits[0].bounds[1].2, "baseline 100.0 h + 5%");
        assert_eq!(b.limits[1].bounds[0].2, "at least 95.0%");
    }

    #[test]
    fn bad_baselines_name_the_key() {
        let err = |t: &str| parse(t).unwrap_err().to_string();
        assert!(
            err("[[limit]]\nmetric = \"cycle_p99\"\nat_most = 1.0\n")
                .contains("limit[1].metric = \"cycle_p99\": unknown metric")
        );
        assert!(
            err("[[limit]]\nmetric = \"cycle_p50_hours\"\nmax_increase = 0.1\n")
                .contains("needs `baseline`")
        );
        assert!(err("[[limit]]\nmetric = \"cycle_p50_hours\"\n").contains("has no bound"));
        assert!(
            err("confidence = 2.0\n[[limit]]\nmetric = \"success_rate\"\nat_least = 0.9\n")
                .contains("confidence = 2")
        );
        assert!(
            err("[[limit]]\nmetric = \"success_rate\"\nat_leest = 0.9\n").contains("unknown field")
        );
        assert!(err("").contains("no [[limit]]"));
        let limit = "[[limit]]\nmetric = \"success_rate\"\nat_least = 0.9\n";
        let window = |body: &str| format!("[window]\n{body}\n{limit}");
        let full = "selection = \"last 8 versions\"\nversions = 8\nfirst_version = 412\n\
                    last_version = 419\nfirst_cut = \"2026-01-09T09:00:00Z\"\n\
                    last_cut = \"2026-02-27T09:00:00Z\"";
        let b = parse(&window(full)).unwrap();
        assert_eq!(b.window.unwrap().versions, 8);
        assert!(
            err(&window(&full.replace("2026-02-27T09:00:00Z", "February")))
                .contains("window.last_cut = \"February\": must be an instant")
        );
        assert!(
            err(&window(
                &full.replace("last_version = 419", "last_version = 400")
            ))
            .contains("window.last_version = 400: is below first_version")
        );
        assert!(err(&window(&format!("{full}\nweeks = 3"))).contains("unknown field"));
        assert!(err(&window("selection = \"all\"")).contains("missing field"));
    }
}
