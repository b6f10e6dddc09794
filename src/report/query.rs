//! The report's queries: polars lazy scans of `cycles`, `segments` and `transitions`,
//! aggregated per (scenario, policy, platform) and pooled over platforms, then ordered the
//! way the runs list them.

mod safety;

use std::collections::{BTreeMap, HashMap};

use jiff::Timestamp;
use polars::prelude::*;

use super::{
    ALL_PLATFORMS, BottleneckRow, CycleRow, Day, Distributions, Group, HotfixRow, IdleRow,
    OffHours, Options, OutcomeRow, PERCENTILE_METHOD, Report, ReportError, RunInfo, SavingRow,
    Span, StateBottleneckRow, StateRow, StepSavingRow, Timeline, TimelineRow,
};
use crate::analysis::{f64s, i64s, strs};
use crate::calendar::Calendar;
use crate::dataset::RunDir;
use crate::dataset::tables::{evidence_column, hours_column};
use crate::model::{Family, State, WaitingOn};
use crate::stats;

const KEYS: [&str; 3] = ["scenario", "policy", "platform"];
const TRACK: [&str; 4] = ["scenario", "seed", "version", "platform"];

fn cols(names: &[&str]) -> Vec<Expr> {
    names.iter().map(|n| col(*n)).collect()
}

fn q(p: f64, name: &str) -> Expr {
    col(name).quantile(lit(p), QuantileMethod::Linear)
}

fn groups(df: &DataFrame) -> Result<Vec<Group>, ReportError> {
    let [s, p, f] = KEYS.map(|k| strs(df, k));
    Ok(s?
        .into_iter()
        .zip(p?)
        .zip(f?)
        .map(|((scenario, policy), platform)| Group {
            scenario,
            policy,
            platform,
        })
        .collect())
}

/// `columns` of every run directory's `table` (complete parts only, `--policy` filtered),
/// read into memory as one lazy frame.
pub(crate) fn scan(
    runs: &[RunDir],
    table: &str,
    columns: &[&str],
    policies: &[String],
) -> Result<LazyFrame, ReportError> {
    Ok(crate::analysis::scan::read_table(runs, table, columns, policies)?.lazy())
}

/// `aggs` per (scenario, policy, platform, `extra`…) and pooled over platforms (platform
/// [`ALL_PLATFORMS`]), as one data frame.
fn per_platform_and_all(
    lf: LazyFrame,
    extra: &[&str],
    aggs: &[(&str, Expr)],
) -> Result<DataFrame, ReportError> {
    let named: Vec<Expr> = aggs.iter().map(|(n, e)| e.clone().alias(*n)).collect();
    let mut order: Vec<&str> = KEYS.to_vec();
    order.extend(extra);
    order.extend(aggs.iter().map(|(n, _)| *n));
    let by: Vec<Expr> = cols(&[&KEYS[..], extra].concat());
    let per = lf
        .clone()
        .group_by(by)
        .agg(named.clone())
        .select(cols(&order));
    let by_all: Vec<Expr> = cols(&[&KEYS[..2], extra].concat());
    let all = lf
        .group_by(by_all)
        .agg(named)
        .with_column(lit(ALL_PLATFORMS).alias("platform"))
        .select(cols(&order));
    Ok(concat([per, all], UnionArgs::default())?.collect()?)
}

/// Orders rows the way the runs list scenarios, policies and platforms.
struct Order {
    scenarios: Vec<String>,
    policies: Vec<String>,
    platforms: HashMap<String, Vec<String>>,
}

impl Order {
    fn new(runs: &[RunDir], policies: &[String]) -> Order {
        let mut o = Order {
            scenarios: vec![],
            policies: vec![],
            platforms: HashMap::new(),
        };
        for r in runs {
            let name = &r.scenario.name;
            if !o.scenarios.contains(name) {
                o.scenarios.push(name.clone());
            }
            let platforms = o.platforms.entry(name.clone()).or_default();
            for p in &r.scenario.platforms {
                if !platforms.contains(&p.name) {
                    platforms.push(p.name.clone());
                }
            }
            for p in &r.manifest.policies {
                if !o.policies.contains(p) && (policies.is_empty() || policies.contains(p)) {
                    o.policies.push(p.clone());
                }
            }
        }
        o
    }

    fn pos(list: &[String], v: &str) -> usize {
        list.iter().position(|x| x == v).unwrap_or(list.len())
    }

    fn key(&self, g: &Group) -> (usize, usize, usize) {
        let platforms = self.platforms.get(&g.scenario).map_or(&[][..], |v| v);
        (
            Self::pos(&self.scenarios, &g.scenario),
            Self::pos(&self.policies, &g.policy),
            Self::pos(platforms, &g.platform),
        )
    }
}

fn state_rank(s: &str) -> usize {
    State::ALL
        .iter()
        .position(|x| x.as_str() == s)
        .unwrap_or(State::ALL.len())
}

fn check_arguments(runs: &[RunDir], opts: &Options) -> Result<String, ReportError> {
    let mut known: Vec<&str> = vec![];
    for r in runs {
        for p in &r.manifest.policies {
            if !known.contains(&p.as_str()) {
                known.push(p);
            }
        }
    }
    let unknown = |flag: &str, p: &str| {
        ReportError::Argument(format!(
            "{flag} {p:?}: the run has no such policy (it has: {})",
            known.join(", ")
        ))
    };
    for p in &opts.policies {
        if !known.contains(&p.as_str()) {
            return Err(unknown("--policy", p));
        }
    }
    let baseline = match &opts.baseline {
        Some(b) if !known.contains(&b.as_str()) => return Err(unknown("--baseline", b)),
        Some(b) if !opts.policies.is_empty() && !opts.policies.contains(b) => {
            return Err(ReportError::Argument(format!(
                "--baseline {b:?}: not among the --policy filter"
            )));
        }
        Some(b) => b.clone(),
        None => opts
            .policies
            .first()
            .map(String::as_str)
            .or(known.first().copied())
            .unwrap_or_default()
            .to_string(),
    };
    if let Some(seed) = opts.timeline_seed {
        let ok = runs.iter().any(|r| {
            (r.manifest.first_seed..r.manifest.first_seed + r.manifest.seeds).contains(&seed)
        });
        if !ok {
            let ranges: Vec<String> = runs
                .iter()
                .map(|r| {
                    let m = &r.manifest;
                    format!("{} to {}", m.first_seed, m.first_seed + m.seeds - 1)
                })
                .collect();
            return Err(ReportError::Argument(format!(
                "--timeline-seed {seed}: the runs have seeds {}",
                ranges.join(", ")
            )));
        }
    }
    Ok(baseline)
}

/// Computes the whole report.
pub fn report(runs: &[RunDir], opts: &Options) -> Result<Report, ReportError> {
    let baseline = check_arguments(runs, opts)?;
    for r in runs {
        if r.complete_parts().is_empty() {
            return Err(ReportError::Empty(r.path.clone()));
        }
    }
    let order = Order::new(runs, &opts.policies);
    let policies = &opts.policies;
    // Each table is scanned once, for the columns the report uses (policy partitions pruned
    // by the filter), and the queries below run on the frames in memory: tens of bytes per
    // track-cycle, instead of re-reading every file per query.
    let mut cycle_columns: Vec<String> = [
        "scenario",
        "policy",
        "seed",
        "version",
        "platform",
        "outcome",
        "cycle_hours",
        "pauses",
        "blockers",
        "late_bugs",
        "rejections",
        "resubmissions",
        "submitted_at",
        "bugs_after_release",
        "fixes_after_release",
        "hotfixes",
        "first_hotfix_hours",
        "restore_hours",
        "hotfix_open",
    ]
    .map(String::from)
    .to_vec();
    cycle_columns.extend(WaitingOn::ALL.map(|l| format!("hours_{}", l.as_str())));
    cycle_columns.extend(Family::ALL.map(evidence_column));
    let cycle_columns: Vec<&str> = cycle_columns.iter().map(String::as_str).collect();
    let cycles = scan(runs, "cycles", &cycle_columns, policies)?;
    let segments = scan(
        runs,
        "segments",
        &[
            "scenario",
            "policy",
            "platform",
            "state",
            "waiting_on",
            "hours",
        ],
        policies,
    )?;
    let transitions = scan(
        runs,
        "transitions",
        &[
            "scenario",
            "policy",
            "seed",
            "version",
            "platform",
            "from_state",
            "to_state",
            "wait_minutes",
        ],
        policies,
    )?
    .filter(col("wait_minutes").is_not_null())
    .collect()?
    .lazy();

    let (mut cycle_time, outcomes_base, hotfixes, bottlenecks, idle_base, tracks) =
        cycle_tables(cycles.clone(), &order)?;
    // A replay's counterfactual that draws every family still starts from the log's cuts.
    for row in &mut cycle_time {
        let replayed = runs
            .iter()
            .any(|r| r.scenario.name == row.group.scenario && r.manifest.event_log.is_some());
        if replayed && row.rests_on == "scenario" {
            row.rests_on = "record + scenario";
        }
    }
    let (states, state_bottlenecks) = state_tables(segments.clone(), &tracks, &order)?;
    let (reviews, longest) = segment_extremes(segments.clone())?;
    let outcomes = outcomes_base
        .into_iter()
        .map(|mut o| {
            if let Some(r) = reviews.get(&o.group) {
                (o.reviews, o.review_p50_hours, o.review_p90_hours) = *r;
            }
            o
        })
        .collect();
    let idle = idle_base
        .into_iter()
        .map(|mut i| {
            i.longest_wait_hours = longest.get(&i.group).copied().unwrap_or(0.0);
            i
        })
        .collect();
    let mut distributions = Distributions {
        cycle_hours: cycle_distributions(cycles.clone(), &order)?,
        savings: vec![],
    };
    let mut savings = vec![];
    let mut step_savings = vec![];
    let base_waits = step_waits(transitions.clone(), &baseline, "base_h").collect()?;
    for other in &order.policies {
        if *other == baseline {
            continue;
        }
        let paired = pairs(cycles.clone(), &baseline, other).collect()?;
        let (rows, diffs) = paired_savings(&paired, &baseline, other, &order)?;
        let n_pairs: HashMap<(String, String), u64> = rows
            .iter()
            .map(|r| ((r.scenario.clone(), r.platform.clone()), r.pairs))
            .collect();
        savings.extend(rows);
        distributions.savings.extend(diffs);
        step_savings.extend(step_saving_rows(
            base_waits.clone().lazy(),
            step_waits(transitions.clone(), other, "other_h"),
            paired,
            &n_pairs,
            &baseline,
            other,
            &order,
        )?);
    }
    let safety = safety::safety_rows(runs, policies, &order)?;
    let trade_off = safety::trade_off(&cycle_time, &safety);
    // The timeline reads only the part files holding its seed.
    let timeline = timeline(runs, opts, &order)?;
    Ok(Report {
        runs: runs.iter().map(run_info).collect(),
        percentile_method: PERCENTILE_METHOD,
        baseline,
        cycle_time,
        outcomes,
        hotfixes,
        safety,
        trade_off,
        states,
        bottlenecks,
        state_bottlenecks,
        idle,
        savings,
        step_savings,
        timeline,
        distributions,
    })
}

fn run_info(r: &RunDir) -> RunInfo {
    let m = &r.manifest;
    RunInfo {
        path: r.path.display().to_string(),
        scenario: m.scenario.clone(),
        scenario_sha256: m.scenario_sha256.clone(),
        policies: m.policies.clone(),
        first_seed: m.first_seed,
        seeds: m.seeds,
        weeks: m.weeks,
        parts_complete: r.complete_parts().len(),
        parts_total: r.all_parts().len(),
        complete: r.is_complete(),
        missing_shards: r.missing_shards(),
        missing_parts: r
            .all_parts()
            .into_iter()
            .filter(|(_, id)| !r.is_complete_part(id))
            .map(|(_, id)| id)
            .collect(),
    }
}

type CycleTables = (
    Vec<CycleRow>,
    Vec<OutcomeRow>,
    Vec<HotfixRow>,
    Vec<BottleneckRow>,
    Vec<IdleRow>,
    BTreeMap<Group, u64>,
);

/// Everything the `cycles` table answers alone: cycle time, outcomes, bottlenecks by label
/// and the idle distribution.
fn cycle_tables(cycles: LazyFrame, order: &Order) -> Result<CycleTables, ReportError> {
    let shipped = || col("outcome").eq(lit("shipped"));
    let f = |n: &str| col(n).cast(DataType::Float64);
    let mut aggs: Vec<(String, Expr)> = vec![
        ("tracks".into(), len()),
        ("shipped".into(), shipped().sum()),
        ("p50".into(), q(0.5, "cycle_hours")),
        ("p85".into(), q(0.85, "cycle_hours")),
        ("p95".into(), q(0.95, "cycle_hours")),
        ("mean".into(), col("cycle_hours").mean()),
        (
            "cancelled".into(),
            col("outcome").eq(lit("cancelled")).sum(),
        ),
        ("open".into(), col("outcome").eq(lit("open")).sum()),
        ("paused".into(), col("pauses").gt(lit(0)).sum()),
        ("pauses".into(), f("pauses").sum()),
        ("blockers".into(), f("blockers").mean()),
        ("late_bugs".into(), f("late_bugs").mean()),
        (
            "after_release".into(),
            f("bugs_after_release").sum() + f("fixes_after_release").sum(),
        ),
        ("rejections".into(), f("rejections").sum()),
        (
            "submissions".into(),
            col("submitted_at")
                .is_not_null()
                .sum()
                .cast(DataType::Float64)
                + f("resubmissions").sum(),
        ),
        ("idle_mean".into(), col("hours_manual_action").mean()),
        ("idle_p50".into(), q(0.5, "hours_manual_action")),
        ("idle_p90".into(), q(0.9, "hours_manual_action")),
        ("idle_p99".into(), q(0.99, "hours_manual_action")),
        ("idle_max".into(), col("hours_manual_action").max()),
        ("from_record".into(), from_a_record().sum()),
        ("any_drawn".into(), any_drawn().sum()),
        ("hf_releases".into(), col("hotfixes").is_not_null().sum()),
        ("hf_with".into(), col("hotfixes").gt(lit(0)).sum()),
        ("hf_sum".into(), f("hotfixes").sum()),
        ("hf_first_p50".into(), q(0.5, "first_hotfix_hours")),
        ("hf_restore_p50".into(), q(0.5, "restore_hours")),
        (
            "hf_open".into(),
            col("hotfix_open").cast(DataType::Float64).sum(),
        ),
    ];
    for l in WaitingOn::ALL {
        let c = format!("hours_{}", l.as_str());
        aggs.push((format!("sum_{}", l.as_str()), col(c.as_str()).sum()));
    }
    let aggs_ref: Vec<(&str, Expr)> = aggs.iter().map(|(n, e)| (n.as_str(), e.clone())).collect();
    let df = per_platform_and_all(cycles, &[], &aggs_ref)?;
    let g = groups(&df)?;
    let v = |n: &str| f64s(&df, n);
    let (tracks, shipped_n) = (v("tracks")?, v("shipped")?);
    let (p50, p85, p95, mean) = (v("p50")?, v("p85")?, v("p95")?, v("mean")?);
    let (cancelled, paused, pauses) = (v("cancelled")?, v("paused")?, v("pauses")?);
    let open = v("open")?;
    let after_release = v("after_release")?;
    let (from_record, any_drawn) = (v("from_record")?, v("any_drawn")?);
    let (blockers, late, rejections, submissions) = (
        v("blockers")?,
        v("late_bugs")?,
        v("rejections")?,
        v("submissions")?,
    );
    let idle: Vec<Vec<Option<f64>>> = ["idle_mean", "idle_p50", "idle_p90", "idle_p99", "idle_max"]
        .iter()
        .map(|n| v(n))
        .collect::<Result<_, _>>()?;
    let label_sums: Vec<Vec<Option<f64>>> = WaitingOn::ALL
        .iter()
        .map(|l| v(&format!("sum_{}", l.as_str())))
        .collect::<Result<_, _>>()?;
    let n = |x: Option<f64>| x.unwrap_or(0.0);
    let count = |x: Option<f64>| n(x).round() as u64;
    let hf: Vec<Vec<Option<f64>>> = [
        "hf_releases",
        "hf_with",
        "hf_sum",
        "hf_first_p50",
        "hf_restore_p50",
        "hf_open",
    ]
    .iter()
    .map(|c| v(c))
    .collect::<Result<_, _>>()?;

    let mut idx: Vec<usize> = (0..g.len()).collect();
    idx.sort_by_key(|&i| order.key(&g[i]));
    let (mut cycle_rows, mut outcome_rows, mut bottleneck_rows, mut idle_rows) =
        (vec![], vec![], vec![], vec![]);
    let mut hotfix_rows = Vec::new();
    let mut track_counts = BTreeMap::new();
    for i in idx {
        let group = g[i].clone();
        let t = count(tracks[i]);
        track_counts.insert(group.clone(), t);
        cycle_rows.push(CycleRow {
            group: group.clone(),
            rests_on: match (count(from_record[i]) > 0, count(any_drawn[i]) > 0) {
                (false, _) => "scenario",
                (true, true) => "record + scenario",
                (true, false) => "record",
            },
            tracks: t,
            shipped: count(shipped_n[i]),
            cycle_p50_hours: p50[i],
            cycle_p85_hours: p85[i],
            cycle_p95_hours: p95[i],
            cycle_mean_hours: mean[i],
        });
        let subs = count(submissions[i]);
        outcome_rows.push(OutcomeRow {
            group: group.clone(),
            tracks: t,
            success_rate: crate::stats::rate(
                count(shipped_n[i]) as usize,
                (t - count(open[i])) as usize,
            ),
            cancelled: count(cancelled[i]),
            open: count(open[i]),
            paused: count(paused[i]),
            pauses: count(pauses[i]),
            blockers_per_release: n(blockers[i]),
            late_bugs_per_release: n(late[i]),
            after_release: count(after_release[i]),
            submissions: subs,
            reviews: 0,
            review_p50_hours: None,
            review_p90_hours: None,
            rejections: count(rejections[i]),
            rejection_rate: (subs > 0).then(|| n(rejections[i]) / subs as f64),
        });
        let releases = count(hf[0][i]);
        if releases > 0 {
            hotfix_rows.push(HotfixRow {
                group: group.clone(),
                releases,
                with_hotfix: count(hf[1][i]),
                hotfix_rate: crate::stats::rate(count(hf[1][i]) as usize, releases as usize),
                hotfixes_per_release: n(hf[2][i]) / releases as f64,
                first_hotfix_p50_hours: hf[3][i],
                restore_p50_hours: hf[4][i],
                open: count(hf[5][i]),
            });
        }
        let total: f64 = label_sums.iter().map(|c| n(c[i])).sum();
        let mut labels: Vec<(WaitingOn, f64)> = WaitingOn::ALL
            .iter()
            .zip(&label_sums)
            .map(|(l, c)| (*l, n(c[i])))
            .filter(|(_, h)| *h > 0.0)
            .collect();
        labels.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.index().cmp(&b.0.index())));
        for (rank, (l, h)) in labels.into_iter().enumerate() {
            bottleneck_rows.push(BottleneckRow {
                group: group.clone(),
                rank: rank + 1,
                waiting_on: l.as_str().to_string(),
                hours_per_cycle: h / t.max(1) as f64,
                share: if total > 0.0 { h / total } else { 0.0 },
            });
        }
        idle_rows.push(IdleRow {
            group,
            idle_mean_hours: n(idle[0][i]),
            idle_p50_hours: n(idle[1][i]),
            idle_p90_hours: n(idle[2][i]),
            idle_p99_hours: n(idle[3][i]),
            idle_max_hours: n(idle[4][i]),
            longest_wait_hours: 0.0,
        });
    }
    Ok((
        cycle_rows,
        outcome_rows,
        hotfix_rows,
        bottleneck_rows,
        idle_rows,
        track_counts,
    ))
}

/// Time per state, and per waiting-on label within each state, from `segments`.
fn state_tables(
    segments: LazyFrame,
    tracks: &BTreeMap<Group, u64>,
    order: &Order,
) -> Result<(Vec<StateRow>, Vec<StateBottleneckRow>), ReportError> {
    // One aggregation per platform; sums add up, so the pooled rows are summed here.
    let mut by: Vec<Expr> = cols(&KEYS);
    by.extend(cols(&["state", "waiting_on"]));
    let df = segments.group_by(by).agg([col("hours").sum()]).collect()?;
    let g = groups(&df)?;
    let (state, label, hours) = (
        strs(&df, "state")?,
        strs(&df, "waiting_on")?,
        f64s(&df, "hours")?,
    );
    // (group, state) -> label -> hours
    let mut sums: BTreeMap<(Group, String), BTreeMap<String, f64>> = BTreeMap::new();
    for i in 0..g.len() {
        let all = Group {
            platform: ALL_PLATFORMS.into(),
            ..g[i].clone()
        };
        for group in [g[i].clone(), all] {
            *sums
                .entry((group, state[i].clone()))
                .or_default()
                .entry(label[i].clone())
                .or_default() += hours[i].unwrap_or(0.0);
        }
    }
    let by_state: BTreeMap<(Group, String), Vec<(String, f64)>> = sums
        .into_iter()
        .map(|(k, v)| (k, v.into_iter().collect()))
        .collect();
    let mut group_total: BTreeMap<&Group, f64> = BTreeMap::new();
    for ((g, _), labels) in &by_state {
        *group_total.entry(g).or_default() += labels.iter().map(|l| l.1).sum::<f64>();
    }
    let mut keys: Vec<&(Group, String)> = by_state.keys().collect();
    keys.sort_by_key(|(g, s)| (order.key(g), state_rank(s)));
    let (mut states, mut state_bottlenecks) = (vec![], vec![]);
    for k in keys {
        let (g, s) = k;
        let per = tracks.get(g).copied().unwrap_or(1).max(1) as f64;
        let labels = &by_state[k];
        let in_state: f64 = labels.iter().map(|l| l.1).sum();
        let total = group_total[g];
        states.push(StateRow {
            group: g.clone(),
            state: s.clone(),
            hours_per_cycle: in_state / per,
            share: if total > 0.0 { in_state / total } else { 0.0 },
        });
        let mut ranked = labels.clone();
        ranked.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
        for (rank, (l, h)) in ranked.into_iter().enumerate() {
            state_bottlenecks.push(StateBottleneckRow {
                group: g.clone(),
                state: s.clone(),
                rank: rank + 1,
                waiting_on: l,
                hours_per_cycle: h / per,
                share_of_state: if in_state > 0.0 { h / in_state } else { 0.0 },
            });
        }
    }
    Ok((states, state_bottlenecks))
}

type Reviews = HashMap<Group, (u64, Option<f64>, Option<f64>)>;

/// Store reviews (stretches waiting on `store_review`: count, p50, p90 hours) and the
/// longest single `manual_action` stretch, per group.
fn segment_extremes(segments: LazyFrame) -> Result<(Reviews, HashMap<Group, f64>), ReportError> {
    let reviews_df = per_platform_and_all(
        segments
            .clone()
            .filter(col("waiting_on").eq(lit(WaitingOn::StoreReview.as_str()))),
        &[],
        &[
            ("n", len()),
            ("p50", q(0.5, "hours")),
            ("p90", q(0.9, "hours")),
        ],
    )?;
    let g = groups(&reviews_df)?;
    let (n, p50, p90) = (
        f64s(&reviews_df, "n")?,
        f64s(&reviews_df, "p50")?,
        f64s(&reviews_df, "p90")?,
    );
    let reviews = (0..g.len())
        .map(|i| {
            (
                g[i].clone(),
                (n[i].unwrap_or(0.0).round() as u64, p50[i], p90[i]),
            )
        })
        .collect();
    let idle_df = per_platform_and_all(
        segments.filter(col("waiting_on").eq(lit(WaitingOn::ManualAction.as_str()))),
        &[],
        &[("longest", col("hours").max())],
    )?;
    let g = groups(&idle_df)?;
    let longest = f64s(&idle_df, "longest")?;
    let idle = (0..g.len())
        .map(|i| (g[i].clone(), longest[i].unwrap_or(0.0)))
        .collect();
    Ok((reviews, idle))
}

/// Sorted cycle hours of shipped track-cycles per (scenario, policy, platform) and pooled
/// over platforms, in report order.
fn cycle_distributions(
    cycles: LazyFrame,
    order: &Order,
) -> Result<Vec<(Group, Vec<f64>)>, ReportError> {
    let df = cycles
        .filter(col("outcome").eq(lit("shipped")))
        .select(cols(&["scenario", "policy", "platform", "cycle_hours"]))
        .collect()?;
    let groups = groups(&df)?;
    let h = f64s(&df, "cycle_hours")?;
    let mut by: BTreeMap<Group, Vec<f64>> = BTreeMap::new();
    for (g, h) in groups.into_iter().zip(h) {
        let Some(h) = h else { continue };
        let all = Group {
            platform: ALL_PLATFORMS.into(),
            ..g.clone()
        };
        by.entry(g).or_default().push(h);
        by.entry(all).or_default().push(h);
    }
    Ok(sorted_distributions(by, order))
}

/// The distributions of `by`, each sorted, in report order.
fn sorted_distributions(by: BTreeMap<Group, Vec<f64>>, order: &Order) -> Vec<(Group, Vec<f64>)> {
    let mut out: Vec<(Group, Vec<f64>)> = by
        .into_iter()
        .map(|(g, mut v)| {
            v.sort_by(f64::total_cmp);
            (g, v)
        })
        .collect();
    out.sort_by_key(|(g, _)| order.key(g));
    out
}

/// Shipped track-cycles of `policy`: track keys and cycle hours as `name`.
fn shipped_of(cycles: LazyFrame, policy: &str, name: &str) -> LazyFrame {
    let mut sel = cols(&TRACK);
    sel.push(col("cycle_hours").alias(name));
    sel.push(assumed_hours().alias(format!("{name}_assumed")));
    sel.push(from_a_record().alias(format!("{name}_from_a_record")));
    cycles
        .filter(
            col("policy")
                .eq(lit(policy))
                .and(col("outcome").eq(lit("shipped"))),
        )
        .select(sel)
}

/// The labels whose time a family's evidence decides (`bug_fix` is the blockers'), as
/// (label, family); `bake`, `manual_action` and `robot_poll` are the rules' and the policy's.
fn label_families() -> Vec<(WaitingOn, Family)> {
    Family::ALL
        .into_iter()
        .flat_map(|f| f.gates().iter().map(move |g| (WaitingOn::for_gate(g), f)))
        .collect()
}

/// A track's hours on labels whose evidence it lacks: decided by drawn or absent families,
/// and `unknown`.
fn assumed_hours() -> Expr {
    label_families().into_iter().fold(
        col(hours_column(WaitingOn::Unknown).as_str()),
        |acc, (l, f)| {
            acc + when(col(evidence_column(f).as_str()).eq(lit("recorded")))
                .then(lit(0.0))
                .otherwise(col(hours_column(l).as_str()))
        },
    )
}

/// Whether a track's world has a family drawn from the scenario.
fn any_drawn() -> Expr {
    Family::ALL.into_iter().fold(lit(false), |acc, f| {
        acc.or(col(evidence_column(f).as_str()).eq(lit("drawn")))
    })
}

/// Whether a track's world comes from a record: some family recorded or absent (a replay),
/// rather than every family drawn (a simulation).
fn from_a_record() -> Expr {
    Family::ALL.into_iter().fold(lit(false), |acc, f| {
        acc.or(col(evidence_column(f).as_str()).neq(lit("drawn")))
    })
}

/// Track-cycles shipped under both policies, with both cycle times, in track order.
fn pairs(cycles: LazyFrame, baseline: &str, other: &str) -> LazyFrame {
    shipped_of(cycles.clone(), baseline, "base_hours")
        .join(
            shipped_of(cycles, other, "other_hours"),
            cols(&TRACK),
            cols(&TRACK),
            JoinArgs::new(JoinType::Inner),
        )
        .sort(TRACK, SortMultipleOptions::default())
}

type Savings = (Vec<SavingRow>, Vec<(Group, Vec<f64>)>);

fn paired_savings(
    df: &DataFrame,
    baseline: &str,
    other: &str,
    order: &Order,
) -> Result<Savings, ReportError> {
    let (s, f) = (strs(df, "scenario")?, strs(df, "platform")?);
    let (seed, version) = (i64s(df, "seed")?, i64s(df, "version")?);
    let (b, o) = (f64s(df, "base_hours")?, f64s(df, "other_hours")?);
    let (ba, oa) = (
        f64s(df, "base_hours_assumed")?,
        f64s(df, "other_hours_assumed")?,
    );
    let (base_record, other_record) = (
        i64s(df, "base_hours_from_a_record")?,
        i64s(df, "other_hours_from_a_record")?,
    );
    // The bootstrap's independent unit: the seed, or the version when there is one seed
    // (a replayed log: one recorded season, whose weeks are the units).
    let one_seed = seed.iter().flatten().all(|s| Some(*s) == seed[0]);
    let unit = if one_seed { &version } else { &seed };
    // (scenario, platform) -> unit -> differences
    let mut by: BTreeMap<(String, String), BTreeMap<i64, Vec<f64>>> = BTreeMap::new();
    // (scenario, platform) -> (sum of the assumed parts, any recorded evidence)
    let mut assumed: BTreeMap<(String, String), (f64, bool)> = BTreeMap::new();
    for i in 0..s.len() {
        let (Some(b), Some(o), Some(unit)) = (b[i], o[i], unit[i]) else {
            continue;
        };
        let d = b - o;
        let a = ba[i].unwrap_or(0.0) - oa[i].unwrap_or(0.0);
        for platform in [f[i].as_str(), ALL_PLATFORMS] {
            let key = (s[i].clone(), platform.to_string());
            let e = assumed.entry(key.clone()).or_default();
            e.0 += a;
            e.1 |= base_record[i].unwrap_or(0) != 0 || other_record[i].unwrap_or(0) != 0;
            by.entry(key).or_default().entry(unit).or_default().push(d);
        }
    }
    let mut rows = vec![];
    let mut dists = BTreeMap::new();
    for ((scenario, platform), by_unit) in by {
        let all: Vec<f64> = by_unit.values().flatten().copied().collect();
        let clusters: Vec<(f64, usize)> = by_unit
            .values()
            .map(|v| (v.iter().sum(), v.len()))
            .collect();
        let ci = stats::bootstrap_mean_ci95(&clusters, &format!("{scenario}/{other}/{platform}"));
        let mean = stats::mean(&all);
        let split = match (assumed.get(&(scenario.clone(), platform.clone())), mean) {
            (Some((sum, true)), Some(mean)) => {
                let a = sum / all.len() as f64;
                (Some(mean - a), Some(a))
            }
            _ => (None, None),
        };
        rows.push(SavingRow {
            scenario: scenario.clone(),
            baseline: baseline.to_string(),
            policy: other.to_string(),
            platform: platform.clone(),
            pairs: all.len() as u64,
            saving_mean_hours: mean,
            saving_p50_hours: stats::quantile(&all, 0.5),
            saving_p90_hours: stats::quantile(&all, 0.9),
            saving_ci95_low_hours: ci.map(|c| c.0),
            saving_ci95_high_hours: ci.map(|c| c.1),
            saving_recorded_hours: split.0,
            saving_assumed_hours: split.1,
        });
        let group = Group {
            scenario,
            policy: other.to_string(),
            platform,
        };
        dists.insert(group, all);
    }
    rows.sort_by_key(|r| {
        order.key(&Group {
            scenario: r.scenario.clone(),
            policy: r.policy.clone(),
            platform: r.platform.clone(),
        })
    });
    Ok((rows, sorted_distributions(dists, order)))
}

/// Hours each policy step waited once its gates held, per track and step.
fn step_waits(transitions: LazyFrame, policy: &str, name: &str) -> LazyFrame {
    let mut by = cols(&TRACK);
    by.extend(cols(&["from_state", "to_state"]));
    transitions
        .filter(
            col("policy")
                .eq(lit(policy))
                .and(col("wait_minutes").is_not_null()),
        )
        .group_by(by)
        .agg([(col("wait_minutes").sum() / lit(60.0)).alias(name)])
}

/// The saving per transition: `base_waits` and `other_waits` are [`step_waits`] of the
/// baseline and the other policy; `paired` the track-cycles shipped under both.
fn step_saving_rows(
    base_waits: LazyFrame,
    other_waits: LazyFrame,
    paired: DataFrame,
    n_pairs: &HashMap<(String, String), u64>,
    baseline: &str,
    other: &str,
    order: &Order,
) -> Result<Vec<StepSavingRow>, ReportError> {
    let mut on = cols(&TRACK);
    on.extend(cols(&["from_state", "to_state"]));
    let joined = base_waits
        .join(
            other_waits,
            on.clone(),
            on,
            JoinArgs::new(JoinType::Full).with_coalesce(JoinCoalesce::CoalesceColumns),
        )
        .with_columns([
            col("base_h").fill_null(lit(0.0)),
            col("other_h").fill_null(lit(0.0)),
        ])
        .join(
            paired.lazy().select(cols(&TRACK)),
            cols(&TRACK),
            cols(&TRACK),
            JoinArgs::new(JoinType::Inner),
        )
        .with_column(lit(other).alias("policy"));
    let df = per_platform_and_all(
        joined,
        &["from_state", "to_state"],
        &[
            ("base", col("base_h").sum()),
            ("other", col("other_h").sum()),
        ],
    )?;
    let g = groups(&df)?;
    let (from, to) = (strs(&df, "from_state")?, strs(&df, "to_state")?);
    let (base, oth) = (f64s(&df, "base")?, f64s(&df, "other")?);
    let mut rows: Vec<StepSavingRow> = (0..g.len())
        .map(|i| {
            let key = (g[i].scenario.clone(), g[i].platform.clone());
            let n = n_pairs.get(&key).copied().unwrap_or(1).max(1) as f64;
            let (b, o) = (base[i].unwrap_or(0.0) / n, oth[i].unwrap_or(0.0) / n);
            StepSavingRow {
                scenario: g[i].scenario.clone(),
                baseline: baseline.to_string(),
                policy: other.to_string(),
                platform: g[i].platform.clone(),
                from_state: from[i].clone(),
                to_state: to[i].clone(),
                baseline_wait_hours: b,
                policy_wait_hours: o,
                saving_hours: b - o,
            }
        })
        .collect();
    rows.sort_by_key(|r| {
        (
            order.key(&Group {
                scenario: r.scenario.clone(),
                policy: r.policy.clone(),
                platform: r.platform.clone(),
            }),
            state_rank(&r.from_state),
            state_rank(&r.to_state),
        )
    });
    Ok(rows)
}

/// The states of every track of one version of one seed, for the timeline chart.
fn timeline(
    runs: &[RunDir],
    opts: &Options,
    order: &Order,
) -> Result<Option<Timeline>, ReportError> {
    let Some(first) = runs.first() else {
        return Ok(None);
    };
    let seed = opts.timeline_seed.unwrap_or(first.manifest.first_seed);
    let run = runs
        .iter()
        .find(|r| (r.manifest.first_seed..r.manifest.first_seed + r.manifest.seeds).contains(&seed))
        .unwrap_or(first);
    let files: Vec<std::path::PathBuf> = run
        .manifest
        .policies
        .iter()
        .filter(|p| opts.policies.is_empty() || opts.policies.contains(p))
        .filter(|p| run.has_seed(seed) && run.is_complete_part(&part_id(run, p, seed)))
        .map(|p| run.part_file("segments", p, seed))
        .collect();
    let df = crate::analysis::scan::read_run_files(
        run,
        &files,
        &[
            "seed",
            "version",
            "version_label",
            "policy",
            "platform",
            "state",
            "start",
            "end",
        ],
    )?
    .lazy()
    .filter(col("seed").eq(lit(seed as i64)))
    .collect()?;
    let (versions, labels) = (i64s(&df, "version")?, strs(&df, "version_label")?);
    let chosen = match &opts.timeline_version {
        Some(label) => labels.iter().position(|l| l == label).ok_or_else(|| {
            let mut known: Vec<(i64, &str)> = versions
                .iter()
                .zip(&labels)
                .map(|(v, l)| (v.unwrap_or_default(), l.as_str()))
                .collect();
            known.sort();
            known.dedup();
            let names: Vec<&str> = known.iter().map(|(_, l)| *l).collect();
            ReportError::Argument(format!(
                "--timeline-version {label}: seed {seed} has no such version (it has {})",
                crate::text::list_some(&names, 8)
            ))
        })?,
        None => match (0..df.height()).min_by_key(|&i| versions[i]) {
            Some(i) => i,
            None => return Ok(None),
        },
    };
    let (version, version_label) = (versions[chosen].unwrap_or_default(), labels[chosen].clone());
    let df = df
        .lazy()
        .filter(col("version").eq(lit(version)))
        .collect()?;
    let version = u32::try_from(version).unwrap_or_default();
    let (policy, platform, state) = (
        strs(&df, "policy")?,
        strs(&df, "platform")?,
        strs(&df, "state")?,
    );
    let (start, end) = (f64s(&df, "start")?, f64s(&df, "end")?);
    let cut = start.iter().flatten().fold(f64::INFINITY, |a, b| a.min(*b));
    let mut rows: BTreeMap<(String, String), Vec<Span>> = BTreeMap::new();
    let mut idx: Vec<usize> = (0..df.height()).collect();
    idx.sort_by(|&a, &b| start[a].unwrap_or(0.0).total_cmp(&start[b].unwrap_or(0.0)));
    for i in idx {
        let (s, e) = (start[i].unwrap_or(cut), end[i].unwrap_or(cut));
        let spans = rows
            .entry((platform[i].clone(), policy[i].clone()))
            .or_default();
        let (s_h, e_h) = ((s - cut) / 3.6e6, (e - cut) / 3.6e6);
        match spans.last_mut() {
            Some(last) if last.state == state[i] && (last.end_hours - s_h).abs() < 1e-9 => {
                last.end_hours = e_h
            }
            _ => spans.push(Span {
                start_hours: s_h,
                end_hours: e_h,
                state: state[i].clone(),
            }),
        }
    }
    let mut rows: Vec<TimelineRow> = rows
        .into_iter()
        .map(|((platform, policy), spans)| TimelineRow {
            policy,
            platform,
            spans,
        })
        .collect();
    rows.sort_by_key(|r| {
        let k = order.key(&Group {
            scenario: run.scenario.name.clone(),
            policy: r.policy.clone(),
            platform: r.platform.clone(),
        });
        (k.2, k.1)
    });
    let last = end.iter().flatten().fold(cut, |a, b| a.max(*b));
    let squad = &run.scenario.release_squad;
    let (days, off_hours) = match (
        jiff::Timestamp::from_millisecond(cut as i64),
        jiff::Timestamp::from_millisecond(last as i64),
    ) {
        (Ok(a), Ok(b)) => squad_hours(squad, a, b),
        _ => (vec![], vec![]),
    };
    let branch_cut = jiff::Timestamp::from_millisecond(cut as i64)
        .map(|t| t.to_string())
        .unwrap_or_default();
    Ok(Some(Timeline {
        scenario: run.scenario.name.clone(),
        seed,
        version,
        version_label,
        branch_cut,
        rows,
        time_zone: squad.time_zone().iana_name().unwrap_or("UTC").to_string(),
        days,
        off_hours,
    }))
}

/// The squad's local days and off-hours from `cut` to `end`, in hours since `cut`: the
/// gaps between its working intervals (nights, weekends, holidays).
fn squad_hours(squad: &Calendar, cut: Timestamp, end: Timestamp) -> (Vec<Day>, Vec<OffHours>) {
    let hours = |t: Timestamp| t.duration_since(cut).as_secs_f64() / 3600.0;
    let mut days = vec![];
    let mut date = squad.local_date(cut);
    while squad.at(date, jiff::civil::Time::MIN) < end {
        days.push(Day {
            start_hours: hours(squad.at(date, jiff::civil::Time::MIN)),
            date: date.to_string(),
            weekday: date.strftime("%a").to_string(),
            working: squad.is_working_day(date),
        });
        match date.tomorrow() {
            Ok(d) => date = d,
            Err(_) => break,
        }
    }
    let mut off = vec![];
    let mut from = cut;
    for (s, e) in squad.working_intervals(cut, end) {
        if s > from {
            off.push(OffHours {
                start_hours: hours(from),
                end_hours: hours(s),
            });
        }
        from = e;
    }
    if end > from {
        off.push(OffHours {
            start_hours: hours(from),
            end_hours: hours(end),
        });
    }
    (days, off)
}

/// The manifest id of the part holding `seed` under `policy`.
fn part_id(run: &RunDir, policy: &str, seed: u64) -> String {
    let file = run.part_file("segments", policy, seed);
    let stem = file
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_default();
    format!("policy={policy}/{stem}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bootstrap_interval_brackets_the_mean_and_is_reproducible() {
        let clusters: Vec<(f64, usize)> = (0..50)
            .map(|i| (f64::from(i % 7) * 3.0 + 10.0, 3))
            .collect();
        let n: usize = clusters.iter().map(|c| c.1).sum();
        let mean = clusters.iter().map(|c| c.0).sum::<f64>() / n as f64;
        let (lo, hi) = stats::bootstrap_mean_ci95(&clusters, "x").unwrap();
        assert!(lo < mean && mean < hi, "{lo} < {mean} < {hi}");
        assert_eq!(stats::bootstrap_mean_ci95(&clusters, "x"), Some((lo, hi)));
        // Close to the cluster-robust t interval.
        let (tlo, thi) = stats::clustered_mean_ci95(&clusters).unwrap();
        assert!(((hi - lo) / (thi - tlo) - 1.0).abs() < 0.2);
        assert_eq!(stats::bootstrap_mean_ci95(&clusters[..1], "x"), None);
    }
}
