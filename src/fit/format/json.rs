//! `--format json`: one document, keys in a fixed order: the log, the base and fitted
//! scenarios, and per quantity its status, estimates with intervals, goodness of fit and
//! every candidate family.

use std::io;

use serde_json::{Map, Value as JsonValue, json};

use super::{Printout, Source, family, goodness};
use crate::fit::mle::{Estimate, Unfit};
use crate::fit::scenario_file::dist_params;
use crate::fit::self_check::{self as check, SelfCheck};
use crate::fit::{Fit, Outcome, Quantity, Value};
use crate::text::Render;
use crate::text::json::write_pretty;

/// JSON.
pub struct Json;

impl Render<Printout<'_>> for Json {
    type Error = io::Error;

    fn render(&self, printout: &Printout, out: &mut dyn io::Write) -> io::Result<()> {
        let mut doc = json_doc(printout.fit, printout.source);
        if let JsonValue::Object(m) = &mut doc {
            m.insert("self_check".into(), json_self_check(printout.self_check));
        }
        write_pretty(&doc, out)
    }
}

fn json_value(v: Value) -> JsonValue {
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
            JsonValue::Object(m)
        }
    }
}

fn json_estimates(params: &[(&str, Estimate)]) -> JsonValue {
    let mut m = Map::new();
    for (name, e) in params {
        m.insert(
            (*name).into(),
            json!({ "estimate": e.value, "low": e.low, "high": e.high }),
        );
    }
    JsonValue::Object(m)
}

fn json_quantity(q: &Quantity) -> JsonValue {
    let mut m = Map::new();
    m.insert("quantity".into(), json!(q.name));
    m.insert("key".into(), json!(q.key()));
    m.insert("unit".into(), json!(q.unit));
    let (status, reason) = match &q.outcome {
        Outcome::NotRecorded(why) => ("not_recorded", Some(why.clone())),
        Outcome::NotFitted(Unfit::TooFew { .. }) => ("too_few", Some(goodness(q))),
        Outcome::NotFitted(Unfit::Zeros { .. }) => ("zeros", Some(goodness(q))),
        Outcome::NotFitted(Unfit::NoSpread { .. }) => ("no_spread", Some(goodness(q))),
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
            let candidates: Vec<JsonValue> = f
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
            m.insert("candidates".into(), JsonValue::Array(candidates));
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
    JsonValue::Object(m)
}

fn json_doc(fit: &Fit, source: &Source) -> JsonValue {
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

/// The self-check: the policy and seeds simulated, what was left out, each comparison, the
/// verdict, and both samples (so other tools can recompute every figure).
fn json_self_check(c: &SelfCheck) -> JsonValue {
    let side = |cycles: &check::Cycles| {
        json!({
            "shipped": cycles.shipped(),
            "open": cycles.open,
            "cancelled": cycles.cancelled,
        })
    };
    let comparisons: Vec<JsonValue> = c
        .comparisons
        .iter()
        .map(|r| {
            json!({
                "platform": r.platform,
                "log_n": r.log_n,
                "simulated_n": r.simulated_n,
                "log_median_hours": r.log_median,
                "simulated_median_hours": r.simulated_median,
                "log_p85_hours": r.log_p85,
                "simulated_p85_hours": r.simulated_p85,
                "median_change": r.median_change(),
                "ks_d": r.ks.map(|k| k.0),
                "ks_p": r.ks.map(|k| k.1),
                "ks_p_method": r.ks.map(|k| k.2.as_str()),
                "wasserstein_hours": r.wasserstein_hours,
            })
        })
        .collect();
    let (verdict, reasons) = match &c.verdict {
        check::Verdict::Pass => ("pass", Vec::new()),
        check::Verdict::Fail(why) => ("fail", why.clone()),
        check::Verdict::NotJudged(why) => ("not_judged", vec![why.clone()]),
    };
    let samples: Vec<JsonValue> = c
        .platforms
        .iter()
        .enumerate()
        .map(|(i, name)| {
            json!({
                "platform": name,
                "log_cycle_hours": c.log.hours.get(i),
                "simulated_cycle_hours": c.simulated.hours.get(i),
            })
        })
        .collect();
    json!({
        "policy": c.policy,
        "policy_reason": c.policy_reason,
        "first_seed": c.first_seed,
        "seeds": c.seeds,
        "weeks": c.weeks,
        "log": side(&c.log),
        "simulated": side(&c.simulated),
        "comparisons": comparisons,
        "verdict": verdict,
        "reasons": reasons,
        "rule": check::VERDICT_RULE,
        "samples": samples,
    })
}
