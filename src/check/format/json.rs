//! `--format json`: for other tools (docs/formats.md, "JSON output"): the input, the counts,
//! and one object per result with the metric's value in its unit (hours, or a 0–1 rate), its
//! interval at `confidence`, the bound and the verdict (`pass`, `fail`, `no_data`).

use std::io;

use serde_json::{Value, json};

use super::Counts;
use crate::check::{InputKind, Outcome, Side, Status};
use crate::text::Render;
use crate::text::json::{rounded, write_pretty};

/// JSON.
pub struct Json;

impl Render<Outcome> for Json {
    type Error = io::Error;

    fn render(&self, outcome: &Outcome, out: &mut dyn io::Write) -> io::Result<()> {
        let v = document(outcome);
        write_pretty(&rounded(&v).unwrap_or(v), out)
    }
}

/// The whole output as one JSON value.
fn document(outcome: &Outcome) -> Value {
    let c = Counts::of(outcome);
    let results: Vec<Value> = outcome
        .results
        .iter()
        .map(|r| {
            json!({
                "metric": r.metric.name(),
                "policy": r.policy,
                "platform": r.platform,
                "value": r.value,
                "ci_low": r.ci.map(|c| c.0),
                "ci_high": r.ci.map(|c| c.1),
                "side": match r.side {
                    Side::AtMost => "at_most",
                    Side::AtLeast => "at_least",
                },
                "bound": r.bound,
                "rule": r.rule,
                "status": match r.status {
                    Status::Pass => "pass",
                    Status::Fail => "fail",
                    Status::NoData => "no_data",
                },
                "excess": r.excess,
                "message": r.message(outcome.confidence),
            })
        })
        .collect();
    let mut doc = json!({
        "input": outcome.input,
        "kind": match outcome.kind {
            InputKind::Scenario => "scenario",
            InputKind::RunDir => "run",
            InputKind::EventLog => "event_log",
        },
        "baseline": outcome.baseline,
        "confidence": outcome.confidence,
        "seeds": outcome.seeds,
        "track_cycles": outcome.track_cycles,
        "open_excluded": outcome.open_excluded,
        "assumed": outcome
            .assumed
            .iter()
            .map(|(policy, families)| json!({"policy": policy, "families": families}))
            .collect::<Vec<_>>(),
        "safety_rests_on": outcome
            .safety_rests_on
            .iter()
            .map(|(policy, basis)| json!({"policy": policy, "rests_on": basis}))
            .collect::<Vec<_>>(),
        "limits": c.total,
        "passed": c.passed,
        "failed": c.failed,
        "no_data": c.no_data,
        "results": results,
    });
    // The windows go after the counts, before the results.
    if let Value::Object(m) = &mut doc {
        let results = m.shift_remove("results");
        for (key, w) in [
            ("window", &outcome.window),
            ("baseline_window", &outcome.baseline_window),
        ] {
            if let Some(w) = w {
                m.insert(key.into(), window(w));
            }
        }
        if let Some(r) = results {
            m.insert("results".into(), r);
        }
    }
    doc
}

fn window(w: &crate::check::Window) -> Value {
    json!({
        "selection": w.selection,
        "versions": w.versions,
        "first_version": w.first_version,
        "last_version": w.last_version,
        "first_cut": w.first_cut.to_string(),
        "last_cut": w.last_cut.to_string(),
    })
}
