//! The report's safety rows and its speed-against-safety points: every figure from
//! [`crate::analysis::safety`] (one definition per figure), grouped per (scenario, policy,
//! platform) and pooled over platforms, in the report's row order.

use std::collections::BTreeMap;

use super::Order;
use crate::analysis::safety::{SafetyFields, SafetyFigures, TrackSafety, safety_samples};
use crate::dataset::RunDir;
use crate::report::{ALL_PLATFORMS, CycleRow, Group, ReportError, SafetyRow, TradeOffPoint};

/// The safety rows of `runs` (`--policy` filtered), each platform and pooled.
pub(super) fn safety_rows(
    runs: &[RunDir],
    policies: &[String],
    order: &Order,
) -> Result<Vec<SafetyRow>, ReportError> {
    // `safety_samples` keys rows by policy and platform; the scenario is the run's, so each
    // run directory is read on its own (runs of one scenario pool, as everywhere in the
    // report).
    let mut by_group: BTreeMap<Group, Vec<TrackSafety>> = BTreeMap::new();
    for run in runs {
        let scenario = &run.scenario.name;
        for (policy, platform, _, _, track) in safety_samples(std::slice::from_ref(run), policies)?
        {
            for platform in [platform, ALL_PLATFORMS.to_string()] {
                by_group
                    .entry(Group {
                        scenario: scenario.clone(),
                        policy: policy.clone(),
                        platform,
                    })
                    .or_default()
                    .push(track);
            }
        }
    }
    let mut rows: Vec<SafetyRow> = by_group
        .into_iter()
        .map(|(group, tracks)| row(group, &SafetyFigures::of(&tracks)))
        .collect();
    rows.sort_by_key(|r| order.key(&r.group));
    Ok(rows)
}

fn row(group: Group, f: &SafetyFigures) -> SafetyRow {
    SafetyRow {
        group,
        figures: SafetyFields::from(f),
    }
}

/// One point per (scenario, policy) whose pooled rows have both a median cycle time and an
/// exposure, in row order, with the frontier marked.
pub(super) fn trade_off(cycle_time: &[CycleRow], safety: &[SafetyRow]) -> Vec<TradeOffPoint> {
    let mut points: Vec<TradeOffPoint> = cycle_time
        .iter()
        .filter(|c| c.group.platform == ALL_PLATFORMS)
        .filter_map(|c| {
            let s = safety.iter().find(|s| s.group == c.group)?;
            Some(TradeOffPoint {
                scenario: c.group.scenario.clone(),
                policy: c.group.policy.clone(),
                cycle_p50_hours: c.cycle_p50_hours?,
                user_exposure_hours: s.figures.user_exposure_hours?,
                frontier: false,
            })
        })
        .collect();
    let xy: Vec<(f64, f64)> = points
        .iter()
        .map(|p| (p.cycle_p50_hours, p.user_exposure_hours))
        .collect();
    for (p, &(x, y)) in points.iter_mut().zip(&xy) {
        p.frontier = !xy
            .iter()
            .any(|&(a, b)| a <= x && b <= y && (a < x || b < y));
    }
    points
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cycle(policy: &str, p50: f64) -> CycleRow {
        CycleRow {
            group: Group {
                scenario: "s".into(),
                policy: policy.into(),
                platform: ALL_PLATFORMS.into(),
            },
            rests_on: "scenario",
            tracks: 10,
            shipped: 10,
            cycle_p50_hours: Some(p50),
            cycle_p85_hours: None,
            cycle_p95_hours: None,
            cycle_mean_hours: None,
        }
    }

    fn safety(policy: &str, exposure: Option<f64>) -> SafetyRow {
        let mut f = SafetyFigures::of(&[] as &[TrackSafety]);
        f.exposure_hours = exposure;
        row(cycle(policy, 0.0).group, &f)
    }

    #[test]
    fn the_frontier_is_the_points_no_other_point_beats_on_both_axes() {
        let cycles = [
            cycle("fast-risky", 90.0),
            cycle("slow-safe", 120.0),
            cycle("dominated", 121.0),
            cycle("tie", 90.0),
            cycle("unknown", 80.0),
        ];
        let safety = [
            safety("fast-risky", Some(8.0)),
            safety("slow-safe", Some(5.0)),
            safety("dominated", Some(6.0)),
            safety("tie", Some(8.0)),
            safety("unknown", None),
        ];
        let points = trade_off(&cycles, &safety);
        let frontier: Vec<(&str, bool)> = points
            .iter()
            .map(|p| (p.policy.as_str(), p.frontier))
            .collect();
        // No exposure, no point; equal points both stay on the frontier.
        assert_eq!(
            frontier,
            [
                ("fast-risky", true),
                ("slow-safe", true),
                ("dominated", false),
                ("tie", true)
            ]
        );
    }
}
