//! `conductor fit` output: a table for a terminal or JSON for tools. Both list the
//! quantities in the same (scenario-file) order and are deterministic.

use std::fmt::Write;

use serde_json::{Map, Value as Json, json};

use super::mle::{Estimate, Unfit};
use super::scenario_file::dist_params;
use super::{Fit, Outcome, Quantity, Value, round_sig};

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

/// Renders `fit` in `format`.
pub fn render(fit: &Fit, source: &Source, format: Format) -> String {
    match format {
        Format::Table => table(fit, source),
        Format::Json => {
            let mut s = serde_json::to_string_pretty(&json_doc(fit, source)).unwrap_or_default();
            s.push('\n');
            s
        }
    }
}

/// A number to four significant digits, without trailing zeros.
pub fn num(x: f64) -> String {
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
pub fn value_text(v: Value) -> String {
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
pub fn family(q: &Quantity) -> &'static str {
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
pub fn parameters(q: &Quantity) -> String {
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
pub fn goodness(q: &Quantity) -> String {
    match &q.outcome {
        Outcome::Duration(f) => format!("KS D {} (p≈{})", num(f.ks.d), p_value(f.ks.p_value)),
        Outcome::Count(c) => format!(
            "dispersion {} (p {})",
            num(c.dispersion),
            p_value(c.dispersion_p)
        ),
        Outcome::Rate(_) | Outcome::Maximum(_) => "-".into(),
        Outcome::NotRecorded(why) => format!("not recorded: {why}"),
        Outcome::NotFitted(Unfit::TooFew) => format!(
            "too few observations (fewer than {})",
            super::mle::MIN_OBSERVATIONS
        ),
        Outcome::NotFitted(Unfit::NoSpread) => "not fitted: every observation is the same".into(),
        Outcome::NotEstimable(why) => format!("not estimable: {why}"),
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

fn table(fit: &Fit, source: &Source) -> String {
    let mut s = String::new();
    let skipped = if source.rows_skipped > 0 {
        format!(", {} skipped", source.rows_skipped)
    } else {
        String::new()
    };
    let _ = writeln!(
        s,
        "{}: {} rows{skipped}, {} tracks, {} seeds; sha256 {}",
        source.log, source.rows, fit.tracks, fit.seeds, source.sha256
    );
    let _ = writeln!(
        s,
        "families recorded: {}",
        join_or_none(fit.families.iter().map(|f| f.as_str()))
    );
    let _ = writeln!(
        s,
        "base scenario {}; fitted scenario {} written to {}; intervals at {}%\n",
        source.base,
        source.name,
        source.out,
        num(fit.level * 100.0)
    );
    let mut rows = vec![vec![
        "quantity".to_string(),
        "key".into(),
        "n".into(),
        "censored".into(),
        "fit".into(),
        format!("parameters ({}% CI)", num(fit.level * 100.0)),
        "goodness of fit".into(),
    ]];
    for q in &fit.quantities {
        let kept = q.fitted().is_none();
        rows.push(vec![
            q.name.clone(),
            q.key(),
            if kept && q.n == 0 {
                "-".into()
            } else {
                q.n.to_string()
            },
            if kept && q.censored == 0 {
                "-".into()
            } else {
                q.censored.to_string()
            },
            family(q).into(),
            parameters(q),
            goodness(q),
        ]);
    }
    s.push_str(&aligned(
        &rows,
        &[false, false, true, true, false, false, false],
    ));

    let mut aic = vec![vec!["quantity".to_string()]];
    aic[0].extend(
        super::mle::Family::ALL
            .iter()
            .map(|f| f.as_str().to_string()),
    );
    aic[0].push("zeros".into());
    for q in &fit.quantities {
        if let Outcome::Duration(f) = &q.outcome {
            let mut row = vec![q.name.clone()];
            for (i, c) in f.candidates.iter().enumerate() {
                let mark = if i == f.chosen { "*" } else { " " };
                row.push(format!("{:.1}{mark}", c.aic));
            }
            row.push(f.zeros.to_string());
            aic.push(row);
        }
    }
    if aic.len() > 1 {
        s.push_str("\nfamily choice by AIC (lower is better; * chosen)\n\n");
        s.push_str(&aligned(&aic, &[false, true, true, true, true]));
    }
    s.push_str(
        "\nKS p-values (p≈) are approximate: the parameters were estimated from the same data, \
         which makes them too large; with censored observations D is measured against the \
         Kaplan-Meier estimate and p is rougher still.\ncensored: never seen to finish before \
         its track or 1% episode ended; review latency and ITGC check count each as lasting at \
         least as long as it was watched (censored maximum likelihood), the others leave them \
         out.\nsevere incident and incident delay are fitted jointly: an incident is seen only \
         before its 1% episode ends. zeros: durations recorded as 0 s, left out.\n",
    );
    s
}

fn join_or_none<'a>(items: impl Iterator<Item = &'a str>) -> String {
    let v: Vec<&str> = items.collect();
    if v.is_empty() {
        "none".into()
    } else {
        v.join(", ")
    }
}

/// Aligned columns, the first row a header underlined; `right[c]` right-aligns column c.
fn aligned(rows: &[Vec<String>], right: &[bool]) -> String {
    crate::text::table::aligned_with(rows, |c| right.get(c).copied().unwrap_or(false))
}

fn json_value(v: Value) -> Json {
    match v {
        Value::Number(x) => json!(x),
        Value::Integer(i) => json!(i),
        Value::Dist(d) => {
            let (kind, params) = dist_params(d);
            let mut m = Map::new();
            m.insert("dist".into(), json!(kind));
            for (k, x) in params {
                m.insert(k.into(), json!(x));
            }
            Json::Object(m)
        }
    }
}

fn json_estimates(params: &[(&str, Estimate)]) -> Json {
    let mut m = Map::new();
    for (name, e) in params {
        m.insert(
            (*name).into(),
            json!({ "estimate": e.value, "low": e.low, "high": e.high }),
        );
    }
    Json::Object(m)
}

fn json_quantity(q: &Quantity) -> Json {
    let mut m = Map::new();
    m.insert("quantity".into(), json!(q.name));
    m.insert("key".into(), json!(q.key()));
    m.insert("unit".into(), json!(q.unit));
    let (status, reason) = match &q.outcome {
        Outcome::NotRecorded(why) => ("not_recorded", Some(why.clone())),
        Outcome::NotFitted(Unfit::TooFew) => ("too_few", Some(goodness(q))),
        Outcome::NotFitted(Unfit::NoSpread) => ("no_spread", Some(goodness(q))),
        Outcome::NotEstimable(why) => ("not_estimable", Some((*why).to_string())),
        _ => ("fitted", None),
    };
    m.insert("status".into(), json!(status));
    if let Some(r) = reason {
        m.insert("reason".into(), json!(r));
    }
    m.insert("n".into(), json!(q.n));
    m.insert("censored".into(), json!(q.censored));
    m.insert("base".into(), json_value(q.base));
    m.insert("family".into(), json!(family(q)));
    match &q.outcome {
        Outcome::Duration(f) => {
            m.insert("parameters".into(), json_estimates(&f.best().params));
            m.insert(
                "gof".into(),
                json!({ "ks_d": f.ks.d, "ks_p_approx": f.ks.p_value }),
            );
            m.insert("zeros".into(), json!(f.zeros));
            let candidates: Vec<Json> = f
                .candidates
                .iter()
                .map(|c| {
                    json!({
                        "family": c.family.as_str(),
                        "log_likelihood": c.log_likelihood,
                        "aic": c.aic,
                        "parameters": json_estimates(&c.params),
                    })
                })
                .collect();
            m.insert("candidates".into(), Json::Array(candidates));
        }
        Outcome::Rate(r) => {
            m.insert("parameters".into(), json_estimates(&[("p", r.p)]));
            m.insert("successes".into(), json!(r.successes));
        }
        Outcome::Count(c) => {
            m.insert("parameters".into(), json_estimates(&[("mean", c.mean)]));
            m.insert(
                "gof".into(),
                json!({ "dispersion_index": c.dispersion, "dispersion_p": c.dispersion_p }),
            );
            m.insert("total".into(), json!(c.total));
        }
        Outcome::Maximum(v) => {
            m.insert("parameters".into(), json!({ "max": { "estimate": v } }));
        }
        _ => {}
    }
    if let Some(v) = q.fitted() {
        m.insert("written".into(), json_value(v));
    }
    Json::Object(m)
}

fn json_doc(fit: &Fit, source: &Source) -> Json {
    json!({
        "log": {
            "file": source.log,
            "sha256": source.sha256,
            "rows": source.rows,
            "rows_skipped": source.rows_skipped,
            "seeds": fit.seeds,
            "tracks": fit.tracks,
            "families_recorded": fit.families.iter().map(|f| f.as_str()).collect::<Vec<_>>(),
        },
        "base_scenario": source.base,
        "scenario": { "name": source.name, "file": source.out },
        "level": fit.level,
        "quantities": fit.quantities.iter().map(json_quantity).collect::<Vec<_>>(),
    })
}
