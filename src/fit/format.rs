//! `conductor fit` output, one file per format behind [`Render`]: a table for a terminal or
//! JSON for tools. Both list the quantities in the same (scenario-file) order and are
//! deterministic. What a fit reads as in words ([`comment`], [`parameters`], [`goodness`])
//! is here too: the table and the fitted scenario's comments say the same.

mod json;
mod table;

use std::fmt::Write;
use std::io;

use super::mle::{Estimate, Unfit};
use super::scenario_file::dist_params;
use super::self_check::SelfCheck;
use super::{Fit, Outcome, Quantity, Value, round_sig};
use crate::text::Render;

/// The output formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// Aligned plain text.
    Table,
    /// One JSON document, keys in a fixed order.
    Json,
}

/// Where the fit came from and went, for the output's header.
#[derive(Debug, Clone, PartialEq)]
pub struct Source {
    /// The event log as named on the command line.
    pub log: String,
    /// SHA-256 of the log file, hex.
    pub sha256: String,
    /// Rows read.
    pub rows: usize,
    /// Rows skipped under `--lenient`.
    pub rows_skipped: usize,
    /// The base scenario's name.
    pub base: String,
    /// The fitted scenario's name.
    pub name: String,
    /// Where the fitted scenario was written.
    pub out: String,
}

/// What `conductor fit` prints: the fit, where it came from and went, and the fitted
/// scenario's simulation against the log.
#[derive(Debug, Clone, Copy)]
pub struct Printout<'a> {
    /// The fit.
    pub fit: &'a Fit,
    /// Where it came from and went.
    pub source: &'a Source,
    /// The fitted scenario simulated and compared with the log's cycle times.
    pub self_check: &'a SelfCheck,
}

/// Writes `printout` in `format` to `out`.
pub fn render(printout: &Printout, format: Format, out: &mut dyn io::Write) -> io::Result<()> {
    let r: &dyn for<'a> Render<Printout<'a>, Error = io::Error> = match format {
        Format::Table => &table::Table,
        Format::Json => &json::Json,
    };
    r.render(printout, out)
}

/// A number to four significant digits, without trailing zeros.
fn num(x: f64) -> String {
    if x.is_nan() {
        return "-".into();
    }
    format!("{}", round_sig(x))
}

fn p_value(p: f64) -> String {
    if p.is_nan() {
        "-".into()
    } else if p < 0.001 {
        "<0.001".into()
    } else {
        format!("{p:.3}")
    }
}

/// A value as a person reads it: `lognormal median 24 sigma 0.54`, `0.03`, `12`.
fn value_text(v: Value) -> String {
    match v {
        Value::Number(x) => num(x),
        Value::Integer(i) => i.to_string(),
        Value::Dist(d) => {
            let (kind, params) = dist_params(d);
            let mut s = kind.to_string();
            for (k, x) in params {
                let _ = write!(s, " {k} {}", num(x));
            }
            s
        }
    }
}

fn interval(name: &str, e: &Estimate) -> String {
    format!("{name} {} [{}, {}]", num(e.value), num(e.low), num(e.high))
}

/// The family (or kind of estimate) of a quantity's fit; `kept` when the base is kept.
fn family(q: &Quantity) -> &'static str {
    match &q.outcome {
        Outcome::Duration(f) => f.best().family.as_str(),
        Outcome::Rate(_) => "bernoulli",
        Outcome::Count(_) => "poisson",
        Outcome::Maximum(_) => "maximum",
        _ => "kept",
    }
}

/// The parameters with their intervals, e.g. `median 24.1 [23.4, 24.8], sigma 0.54 [0.52,
/// 0.56]`; for a kept value, the base value.
fn parameters(q: &Quantity) -> String {
    match &q.outcome {
        Outcome::Duration(f) => f
            .best()
            .params
            .iter()
            .map(|(n, e)| interval(n, e))
            .collect::<Vec<_>>()
            .join(", "),
        Outcome::Rate(r) => interval("p", &r.p),
        Outcome::Count(c) => interval("mean", &c.mean),
        Outcome::Maximum(m) => format!("teams {m}"),
        _ => value_text(q.base),
    }
}

/// The goodness-of-fit figure, or why the base value was kept.
fn goodness(q: &Quantity) -> String {
    match &q.outcome {
        Outcome::Duration(f) => format!("KS D {} (p≈{})", num(f.ks.d), p_value(f.ks.p_value)),
        Outcome::Count(c) => format!(
            "dispersion {} (p {})",
            num(c.dispersion),
            p_value(c.dispersion_p)
        ),
        Outcome::Rate(_) | Outcome::Maximum(_) => "-".into(),
        Outcome::NotRecorded(why) => format!("not recorded: {why}"),
        Outcome::NotFitted(why) => unfit(why),
        Outcome::NotEstimable(why) => format!("not estimable: {why}"),
    }
}

/// Why a degenerate sample was refused, with what it holds.
fn unfit(why: &Unfit) -> String {
    match *why {
        Unfit::TooFew { n } => format!(
            "too few observations: {n} ({} needed)",
            super::mle::MIN_OBSERVATIONS
        ),
        Unfit::Zeros { zeros, total } if zeros == total => {
            format!(
                "not fitted: all {total} observations are 0 (recorded at the instant they started)"
            )
        }
        Unfit::Zeros { zeros, total } => format!(
            "not fitted: {zeros} of {total} observations are 0 (recorded at the instant they started)"
        ),
        Unfit::NoSpread { n, value } => {
            format!("not fitted: all {n} observations are {}", num(value))
        }
    }
}

/// One line for a comment beside the value in the fitted scenario.
pub fn comment(q: &Quantity, level: f64) -> String {
    let censored = if q.censored > 0 {
        format!(", {} censored", q.censored)
    } else {
        String::new()
    };
    let (ci, gof) = match &q.outcome {
        Outcome::Maximum(_) => (String::new(), String::new()),
        Outcome::Rate(_) => (format!(" ({}% CI)", num(level * 100.0)), String::new()),
        _ => (
            format!(" ({}% CI)", num(level * 100.0)),
            format!("; {}", goodness(q)),
        ),
    };
    format!(
        "fitted ({}, n {}{censored}): {}{ci}{gof}",
        family(q),
        q.n,
        parameters(q),
    )
}
