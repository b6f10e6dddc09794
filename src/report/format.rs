//! The report's output formats, one file each behind [`Render`]. The text formats (table,
//! Markdown, HTML) lay out the same [`Section`]s; JSON and CSV carry every row, per platform
//! and pooled.

mod csv;
mod html;
mod json;
mod markdown;
mod table;

use crate::model::WaitingOn;
use std::collections::BTreeMap;
use std::io;

use super::{ALL_PLATFORMS, BottleneckRow, Namer, Report, ReportError, SavingRow};
use crate::text::{Render, Section};

/// The output formats of `conductor report` (and `compare`).
pub use crate::text::Format;

/// Writes `report` in `format` to `out`.
pub fn render(report: &Report, format: Format, out: &mut dyn io::Write) -> Result<(), ReportError> {
    let r: &dyn Render<Report, Error = ReportError> = match format {
        Format::Table => &table::Table,
        Format::Json => &json::Json,
        Format::Csv => &csv::Csv,
        Format::Markdown => &markdown::Markdown,
        Format::Html => &html::Html,
    };
    r.render(report, out)
}

fn hours(h: Option<f64>) -> String {
    h.map_or("–".into(), |h| format!("{h:.1}"))
}

fn percent(x: Option<f64>) -> String {
    x.map_or("–".into(), |x| format!("{:.1}%", x * 100.0))
}

/// The sections of the text formats, in reading order.
fn sections(report: &Report) -> Vec<Section> {
    let namer = Namer::new(report);
    let mut out = vec![];

    out.push(Section {
        id: "cycle-time".into(),
        title: "Cycle time".into(),
        note: format!(
            "Hours from branch cut to 100% rollout, over track-cycles that shipped. \
             Percentiles: {}.",
            report.percentile_method
        ),
        header: [
            "policy", "platform", "tracks", "shipped", "p50 h", "p85 h", "p95 h", "mean h",
        ]
        .map(String::from)
        .to_vec(),
        rows: report
            .cycle_time
            .iter()
            .map(|r| {
                vec![
                    namer.name(&r.group.scenario, &r.group.policy),
                    r.group.platform.clone(),
                    r.tracks.to_string(),
                    r.shipped.to_string(),
                    hours(r.cycle_p50_hours),
                    hours(r.cycle_p85_hours),
                    hours(r.cycle_p95_hours),
                    hours(r.cycle_mean_hours),
                ]
            })
            .collect(),
        numeric_from: 2,
    });
    // What each row rests on, where a replay makes it differ (a simulation's all rest on
    // the scenario, which its headline already says).
    if report.cycle_time.iter().any(|r| r.rests_on != "scenario")
        && let Some(section) = out.last_mut()
    {
        section.header.insert(2, "rests on".into());
        section.note.push_str(
            " Rests on: record (the log's own times, or a counterfactual of a log that \
             records every family), record + scenario (a counterfactual that draws what its \
             log lacks from the scenario: those figures are partly assumptions), scenario.",
        );
        for (row, r) in section.rows.iter_mut().zip(&report.cycle_time) {
            row.insert(2, r.rests_on.to_string());
        }
        section.numeric_from = 3;
    }

    if !report.savings.is_empty() {
        out.push(Section {
            id: "savings".into(),
            title: format!("Hours saved against {}", report.baseline),
            note: format!(
                "Paired on scenario, seed, version and platform: {} cycle hours minus the \
                 policy's, over track-cycles that shipped under both. 95% CI: percentile \
                 bootstrap of the mean, {} resamples of whole seeds (of whole versions \
                 when there is one seed, as in a replayed log).",
                report.baseline,
                super::BOOTSTRAP_RESAMPLES
            ),
            header: [
                "policy", "platform", "pairs", "mean h", "95% CI", "p50 h", "p90 h",
            ]
            .map(String::from)
            .to_vec(),
            rows: report
                .savings
                .iter()
                .map(|r| {
                    let ci = match (r.saving_ci95_low_hours, r.saving_ci95_high_hours) {
                        (Some(l), Some(h)) => format!("{l:.1} to {h:.1}"),
                        _ => "–".into(),
                    };
                    vec![
                        namer.name(&r.scenario, &r.policy),
                        r.platform.clone(),
                        r.pairs.to_string(),
                        hours(r.saving_mean_hours),
                        ci,
                        hours(r.saving_p50_hours),
                        hours(r.saving_p90_hours),
                    ]
                })
                .collect(),
            numeric_from: 2,
        });
        if report
            .savings
            .iter()
            .any(|r| r.saving_assumed_hours.is_some())
            && let Some(section) = out.last_mut()
        {
            section
                .header
                .splice(4..4, ["recorded h".into(), "assumed h".into()]);
            section.note.push_str(
                " Recorded h: the part of the mean from waits on evidence the log records \
                 and on the rules the policies are (bake, people's and the robot's \
                 reactions); assumed h: the part from waits on evidence the log does not \
                 record, drawn from the scenario or unknown. They add up to the mean.",
            );
            for (row, r) in section.rows.iter_mut().zip(&report.savings) {
                row.splice(
                    4..4,
                    [
                        hours(r.saving_recorded_hours),
                        hours(r.saving_assumed_hours),
                    ],
                );
            }
            // A baseline whose time is mostly unknown (a log of cuts and releases) cannot
            // be split: its savings rest on what the scenario draws for the other arm.
            for b in unknown_baselines(report) {
                section.note.push_str(&format!(
                    " Caveat: {:.0}% of {}'s time is unknown (the log does not record what \
                     it waited on), so every saving against it rests on the scenario's \
                     assumptions, not on the history.",
                    b.share * 100.0,
                    namer.name(&b.group.scenario, &b.group.policy)
                ));
            }
            for r in report
                .savings
                .iter()
                .filter(|r| r.platform == ALL_PLATFORMS)
            {
                if let (Some(mean), Some(assumed)) = (r.saving_mean_hours, r.saving_assumed_hours)
                    && mostly_assumed(r)
                {
                    section.note.push_str(&format!(
                        " Caveat: most of {}'s saving ({} of {} h per release) comes from \
                         waits the log does not record: it rests on the scenario's \
                         assumptions, not on the history.",
                        namer.name(&r.scenario, &r.policy),
                        hours(Some(assumed)),
                        hours(Some(mean))
                    ));
                }
            }
        }
        let mut steps: Vec<_> = report
            .step_savings
            .iter()
            .filter(|r| r.platform == ALL_PLATFORMS)
            .collect();
        steps.sort_by(|a, b| {
            (&a.scenario, &a.policy)
                .cmp(&(&b.scenario, &b.policy))
                .then(b.saving_hours.total_cmp(&a.saving_hours))
        });
        out.push(Section {
            id: "step-savings".into(),
            title: "Saving per transition".into(),
            note: format!(
                "Hours each step waited once its gates held (wait_minutes in transitions), \
                 per paired track-cycle, all platforms; the step the policy helps most first. \
                 The baseline is {}.",
                report.baseline
            ),
            header: [
                "policy",
                "transition",
                "baseline wait h",
                "policy wait h",
                "saved h",
            ]
            .map(String::from)
            .to_vec(),
            rows: steps
                .iter()
                .map(|r| {
                    vec![
                        namer.name(&r.scenario, &r.policy),
                        format!("{} → {}", r.from_state, r.to_state),
                        format!("{:.2}", r.baseline_wait_hours),
                        format!("{:.2}", r.policy_wait_hours),
                        format!("{:.2}", r.saving_hours),
                    ]
                })
                .collect(),
            numeric_from: 2,
        });
    }

    out.push(Section {
        id: "outcomes".into(),
        title: "Outcomes, bugs and store review".into(),
        note: "Shipped: share of track-cycles that reached 100%. Paused: track-cycles paused \
               at 1% at least once. Blockers: bugs found before submission; late bugs ride \
               the next train. Review: hours a submission waited on the store's verdict."
            .into(),
        header: [
            "policy",
            "platform",
            "tracks",
            "shipped",
            "cancelled",
            "paused",
            "blockers",
            "late bugs",
            "submissions",
            "rejected",
            "review p50 h",
            "review p90 h",
        ]
        .map(String::from)
        .to_vec(),
        rows: report
            .outcomes
            .iter()
            .map(|r| {
                vec![
                    namer.name(&r.group.scenario, &r.group.policy),
                    r.group.platform.clone(),
                    r.tracks.to_string(),
                    percent(r.success_rate),
                    r.cancelled.to_string(),
                    r.paused.to_string(),
                    format!("{:.2}", r.blockers_per_release),
                    format!("{:.2}", r.late_bugs_per_release),
                    r.submissions.to_string(),
                    percent(r.rejection_rate),
                    hours(r.review_p50_hours),
                    hours(r.review_p90_hours),
                ]
            })
            .collect(),
        numeric_from: 2,
    });
    // Track-cycles still in progress are shown only when there are any (a replayed log's
    // last releases); a simulated season settles every one.
    if report.outcomes.iter().any(|r| r.open > 0)
        && let Some(section) = out.last_mut()
    {
        section.header.insert(5, "open".into());
        section.note.push_str(
            " Open: still in progress when the record ended; shipped is the share of the \
             others (an open track-cycle may still ship, so it counts for neither side).",
        );
        for (row, r) in section.rows.iter_mut().zip(&report.outcomes) {
            row.insert(5, r.open.to_string());
        }
    }
    // Bugs and fixes that fell after a release: shown when there are any (a counterfactual
    // that ships before the history's fixes landed).
    if report.outcomes.iter().any(|r| r.after_release > 0)
        && let Some(section) = out.last_mut()
    {
        let at = section
            .header
            .iter()
            .position(|h| h == "late bugs")
            .map_or(0, |i| i + 1);
        section.header.insert(at, "after release".into());
        section.note.push_str(
            " After release: bugs and recorded fixes that came only after the release \
             (a counterfactual shipping before the history's fix landed): they ride the next \
             train or need a hotfix, counted rather than lost.",
        );
        for (row, r) in section.rows.iter_mut().zip(&report.outcomes) {
            row.insert(at, r.after_release.to_string());
        }
    }

    if !report.safety.is_empty() {
        out.push(safety_section(report, &namer));
    }

    // Bottlenecks: one row per label, one column pair per (scenario, policy), all platforms.
    let names: Vec<(String, String)> = report
        .cycle_time
        .iter()
        .filter(|r| r.group.platform == ALL_PLATFORMS)
        .map(|r| (r.group.scenario.clone(), r.group.policy.clone()))
        .collect();
    // label -> (scenario, policy) -> (hours per cycle, share)
    type ByPolicy = BTreeMap<(String, String), (f64, f64)>;
    let mut by_label: BTreeMap<&str, ByPolicy> = BTreeMap::new();
    for r in report
        .bottlenecks
        .iter()
        .filter(|r| r.group.platform == ALL_PLATFORMS)
    {
        by_label.entry(&r.waiting_on).or_default().insert(
            (r.group.scenario.clone(), r.group.policy.clone()),
            (r.hours_per_cycle, r.share),
        );
    }
    let mut labels: Vec<&str> = by_label.keys().copied().collect();
    let first = names.first().cloned();
    let weight = |l: &str| {
        first
            .as_ref()
            .and_then(|k| by_label[l].get(k))
            .map_or(0.0, |v| v.0)
    };
    labels.sort_by(|a, b| weight(b).total_cmp(&weight(a)).then(a.cmp(b)));
    let mut header = vec!["waiting on".to_string()];
    for (s, p) in &names {
        let n = namer.name(s, p);
        header.push(format!("{n} h"));
        header.push(format!("{n} share"));
    }
    out.push(Section {
        id: "bottlenecks".into(),
        title: "Bottlenecks: where the time goes".into(),
        note: format!(
            "Hours per track-cycle spent waiting on each label (the first failing gate of \
             the next step, or who advances it once all hold), all platforms, and the share \
             of all track time; ranked by {}. manual_action is a track whose gates held \
             while nobody advanced it.",
            first
                .as_ref()
                .map_or(String::new(), |(s, p)| namer.name(s, p))
        ),
        header,
        rows: labels
            .iter()
            .map(|l| {
                let mut row = vec![l.to_string()];
                for k in &names {
                    let (h, s) = by_label[l].get(k).copied().unwrap_or((0.0, 0.0));
                    row.push(format!("{h:.2}"));
                    row.push(percent(Some(s)));
                }
                row
            })
            .collect(),
        numeric_from: 1,
    });

    let mut header = vec!["state".to_string()];
    header.extend(names.iter().map(|(s, p)| format!("{} h", namer.name(s, p))));
    let states: Vec<&str> = crate::model::State::ALL
        .iter()
        .map(|s| s.as_str())
        .filter(|s| report.states.iter().any(|r| r.state == *s))
        .collect();
    out.push(Section {
        id: "states".into(),
        title: "Time per state".into(),
        note: "Hours per track-cycle in each state, all platforms.".into(),
        header,
        rows: states
            .iter()
            .map(|s| {
                let mut row = vec![s.to_string()];
                for (sc, p) in &names {
                    let h = report
                        .states
                        .iter()
                        .find(|r| {
                            r.group.platform == ALL_PLATFORMS
                                && r.group.scenario == *sc
                                && r.group.policy == *p
                                && r.state == *s
                        })
                        .map_or(0.0, |r| r.hours_per_cycle);
                    row.push(format!("{h:.2}"));
                }
                row
            })
            .collect(),
        numeric_from: 1,
    });

    out.push(Section {
        id: "state-bottlenecks".into(),
        title: "Bottlenecks per state".into(),
        note: "Within each state, hours per track-cycle on each waiting-on label and their \
               share of the state's time, all platforms, ranked."
            .into(),
        header: [
            "policy",
            "state",
            "rank",
            "waiting on",
            "h per cycle",
            "share of state",
        ]
        .map(String::from)
        .to_vec(),
        rows: report
            .state_bottlenecks
            .iter()
            .filter(|r| r.group.platform == ALL_PLATFORMS && r.hours_per_cycle >= 0.005)
            .map(|r| {
                vec![
                    namer.name(&r.group.scenario, &r.group.policy),
                    r.state.clone(),
                    r.rank.to_string(),
                    r.waiting_on.clone(),
                    format!("{:.2}", r.hours_per_cycle),
                    percent(Some(r.share_of_state)),
                ]
            })
            .collect(),
        numeric_from: 4,
    });

    if !report.hotfixes.is_empty() {
        out.push(Section {
            id: "hotfixes".into(),
            title: "Hotfixes after the release".into(),
            note: "Point releases after a release reached 100%: as the log records them (a \
                   log replayed as recorded), or as the scenario models them (a simulation: \
                   one per defect escaped to everyone, an assumption); counterfactual \
                   policies have none. First hotfix: release to its first point release; \
                   restore: a reported bug (hotfix_opened) to the point release that fixed it."
                .into(),
            header: [
                "policy",
                "platform",
                "releases",
                "with hotfix",
                "hotfixes/release",
                "first hotfix p50 h",
                "restore p50 h",
                "open",
            ]
            .map(String::from)
            .to_vec(),
            rows: report
                .hotfixes
                .iter()
                .map(|r| {
                    vec![
                        namer.name(&r.group.scenario, &r.group.policy),
                        r.group.platform.clone(),
                        r.releases.to_string(),
                        percent(r.hotfix_rate),
                        format!("{:.2}", r.hotfixes_per_release),
                        hours(r.first_hotfix_p50_hours),
                        hours(r.restore_p50_hours),
                        r.open.to_string(),
                    ]
                })
                .collect(),
            numeric_from: 2,
        });
    }

    out.push(Section {
        id: "idle".into(),
        title: "Off-hours idle (manual_action)".into(),
        note: "Hours per track-cycle in which every gate held and nobody advanced the \
               release, their distribution over track-cycles, and the longest single wait."
            .into(),
        header: [
            "policy",
            "platform",
            "mean h",
            "p50 h",
            "p90 h",
            "p99 h",
            "max h",
            "longest wait h",
        ]
        .map(String::from)
        .to_vec(),
        rows: report
            .idle
            .iter()
            .map(|r| {
                vec![
                    namer.name(&r.group.scenario, &r.group.policy),
                    r.group.platform.clone(),
                    format!("{:.2}", r.idle_mean_hours),
                    format!("{:.2}", r.idle_p50_hours),
                    format!("{:.2}", r.idle_p90_hours),
                    format!("{:.2}", r.idle_p99_hours),
                    format!("{:.2}", r.idle_max_hours),
                    format!("{:.2}", r.longest_wait_hours),
                ]
            })
            .collect(),
        numeric_from: 2,
    });
    out
}

/// A per-release figure of the safety table: two decimals; "not recorded" where the runs
/// do not record it (never a 0), "–" where no release reached users.
fn per_release(x: Option<f64>, releases: u64) -> String {
    match x {
        Some(x) => format!("{x:.2}"),
        None if releases == 0 => "–".into(),
        None => NOT_RECORDED.into(),
    }
}

/// What a figure the runs do not hold reads as.
const NOT_RECORDED: &str = "not recorded";

/// The safety table: defects through the rings, escapes, exposure, hotfixes and time to
/// restore, per release that reached users, and what each row rests on.
fn safety_section(report: &Report, namer: &Namer) -> Section {
    Section {
        id: "safety".into(),
        title: "Safety: defects, escapes and exposure".into(),
        note: "Per release that reached users (track-cycles that entered rollout_1; \
               hotfixes: per shipped release): severe defects carried; caught by each ring (testing: the team's manual testing; beta: beta \
               users; review: the store's review; 1st stage: the rollout's first stage, a \
               pause); escaped past the first stage (to all: to everyone, which takes a \
               hotfix; the rest halted a later stage); CFR, the change-failure rate: the share \
               of those releases with an escape (without a defect model, with a recorded \
               hotfix); exposure: share of users holding a build with a severe defect × \
               hours until a build without it replaced it (share-of-users hours); hotfixes; \
               TTR, time to restore: a hotfix's reported defect to its point release, over \
               the releases with one. Rests on: scenario (the scenario's assumptions, [world.defects] and \
               world.rollout.incident, not a record), record (the hotfixes a replayed log \
               records; it has no defect model, so those figures are not recorded), not \
               recorded."
            .into(),
        header: [
            "policy",
            "platform",
            "rests on",
            "releases",
            "defects",
            "testing",
            "beta",
            "review",
            "1st stage",
            "escaped",
            "to all",
            "CFR",
            "exposure h",
            "hotfixes",
            "TTR p50 h",
            "TTR mean h",
        ]
        .map(String::from)
        .to_vec(),
        rows: report
            .safety
            .iter()
            .map(|r| {
                let n = |x| per_release(x, r.figures.releases);
                let restore = |x: Option<f64>| match x {
                    Some(_) => hours(x),
                    None if r.figures.hotfixes_per_release.is_none() && r.figures.releases > 0 => {
                        NOT_RECORDED.into()
                    }
                    None => "–".into(),
                };
                vec![
                    namer.name(&r.group.scenario, &r.group.policy),
                    r.group.platform.clone(),
                    r.figures.rests_on.to_string(),
                    r.figures.releases.to_string(),
                    n(r.figures.defects_per_release),
                    n(r.figures.caught_testing_per_release),
                    n(r.figures.caught_beta_per_release),
                    n(r.figures.caught_review_per_release),
                    n(r.figures.caught_first_stage_per_release),
                    n(r.figures.escaped_per_release),
                    n(r.figures.escaped_to_everyone_per_release),
                    match r.figures.change_failure_rate {
                        Some(_) => percent(r.figures.change_failure_rate),
                        None => n(None),
                    },
                    match r.figures.user_exposure_hours {
                        Some(_) => hours(r.figures.user_exposure_hours),
                        None => n(None),
                    },
                    n(r.figures.hotfixes_per_release),
                    restore(r.figures.restore_p50_hours),
                    restore(r.figures.restore_mean_hours),
                ]
            })
            .collect(),
        numeric_from: 3,
    }
}

/// The baseline's pooled `unknown` bottleneck rows that hold more than half its time (a log of
/// cuts and releases): every saving against such a baseline rests on the scenario.
pub(super) fn unknown_baselines(report: &Report) -> impl Iterator<Item = &BottleneckRow> {
    report.bottlenecks.iter().filter(|b| {
        b.group.policy == report.baseline
            && b.group.platform == ALL_PLATFORMS
            && b.waiting_on == WaitingOn::Unknown.as_str()
            && b.share > 0.5
    })
}

/// Whether most of a saving comes from waits the log does not record.
pub(super) fn mostly_assumed(r: &SavingRow) -> bool {
    match (r.saving_mean_hours, r.saving_assumed_hours) {
        (Some(mean), Some(assumed)) => assumed.abs() > (mean - assumed).abs(),
        _ => false,
    }
}

/// One line per run directory: what the figures are of.
fn describe_runs(report: &Report) -> Vec<String> {
    report
        .runs
        .iter()
        .map(|r| {
            let partial = if r.complete {
                String::new()
            } else {
                let shards = if r.missing_shards.is_empty() {
                    String::new()
                } else {
                    format!(
                        "; shards missing: {}",
                        r.missing_shards
                            .iter()
                            .map(u32::to_string)
                            .collect::<Vec<_>>()
                            .join(", ")
                    )
                };
                format!(
                    ". PARTIAL: {} of {} parts complete{shards}. Every figure covers only the \
                     complete parts; a saving pairs only seeds complete under both policies",
                    r.parts_complete, r.parts_total
                )
            };
            format!(
                "{}: scenario {}, policies {}, seeds {}–{}, {} versions{partial}",
                r.path,
                r.scenario,
                r.policies.join(", "),
                r.first_seed,
                r.first_seed + r.seeds.saturating_sub(1),
                r.weeks
            )
        })
        .collect()
}

/// The report as JSON with every float rounded to 4 decimals (0.36 s of an hour), so that
/// the output does not depend on the order polars' threads summed in.
fn rounded_json(report: &Report) -> Result<serde_json::Value, ReportError> {
    crate::text::json::rounded(report).map_err(|e| ReportError::Query(e.to_string()))
}
