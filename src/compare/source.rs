//! The sides of a comparison: a scenario (simulated here) or a run directory (read), each
//! under one policy or several, resolved into the arms to pair.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use super::{ArmInfo, CompareError, Options};
use crate::analysis::safety::{TrackSafety, safety_samples};
use crate::analysis::scan::read_table;
use crate::analysis::{f64s, i64s, strs};
use crate::dataset::RunDir;
use crate::engine::Detail;
use crate::model::WaitingOn;
use crate::progress::{Job, Progress};
use crate::scenario::Scenario;
use crate::sweep::Sweep;

/// Seeds a scenario side runs when nothing else says (as `simulate`).
pub const DEFAULT_SEEDS: u64 = 200;

/// A side as given on the command line: `PATH` or `PATH:POLICY`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SideSpec {
    /// A scenario file (`.toml`) or a run directory.
    pub path: PathBuf,
    /// The one policy of this side, if named.
    pub policy: Option<String>,
}

impl SideSpec {
    /// Parses `PATH` or `PATH:POLICY`. A string that names an existing file or directory
    /// as a whole is a path, even if it holds a colon.
    pub fn parse(text: &str) -> SideSpec {
        if Path::new(text).exists() {
            return SideSpec {
                path: text.into(),
                policy: None,
            };
        }
        match text.rsplit_once(':') {
            Some((path, policy)) if !path.is_empty() && !policy.is_empty() => SideSpec {
                path: path.into(),
                policy: Some(policy.to_string()),
            },
            _ => SideSpec {
                path: text.into(),
                policy: None,
            },
        }
    }
}

/// An opened side.
#[derive(Debug)]
pub enum Side {
    /// A scenario, simulated here.
    Scenario(Box<Scenario>),
    /// A run directory, read.
    Run(Box<RunDir>),
}

impl Side {
    /// Opens `path`: a directory is a run, anything else a scenario file.
    pub fn open(path: &Path) -> Result<Side, CompareError> {
        if path.is_dir() {
            return Ok(Side::Run(Box::new(RunDir::open(path)?)));
        }
        if !path.exists() {
            return Err(CompareError::Side(format!(
                "{}: no such scenario file or run directory",
                path.display()
            )));
        }
        Ok(Side::Scenario(Box::new(Scenario::load(path)?)))
    }

    fn scenario(&self) -> &Scenario {
        match self {
            Side::Scenario(s) => s,
            Side::Run(r) => &r.scenario,
        }
    }

    fn policies(&self) -> Vec<String> {
        match self {
            Side::Scenario(s) => s.policies.iter().map(|p| p.name.clone()).collect(),
            Side::Run(r) => r.manifest.policies.clone(),
        }
    }

    fn check_policy(&self, path: &Path, policy: &str) -> Result<(), CompareError> {
        let known = self.policies();
        if known.iter().any(|p| p == policy) {
            return Ok(());
        }
        Err(CompareError::Side(format!(
            "{}: no policy {policy:?} (it has: {})",
            path.display(),
            known.join(", ")
        )))
    }
}

/// One track-cycle, as a comparison sees it.
#[derive(Debug, Clone, PartialEq)]
pub struct Cycle {
    /// The seed.
    pub seed: u64,
    /// The version.
    pub version: u32,
    /// The platform.
    pub platform: String,
    /// Whether it reached 100%.
    pub shipped: bool,
    /// Whether it was still in progress when the record (or season) ended.
    pub open: bool,
    /// Branch cut → 100% hours, when shipped.
    pub cycle_hours: Option<f64>,
    /// Hours per waiting-on label, indexed by [`WaitingOn::index`].
    pub waiting_hours: [f64; WaitingOn::COUNT],
    /// Its defects, hotfixes and time to restore (what the `cycles` row holds).
    pub safety: TrackSafety,
}

/// One arm: a side under one policy, with its track-cycles.
#[derive(Debug, Clone)]
pub struct Arm {
    /// What the arm is.
    pub info: ArmInfo,
    /// Its platforms, in scenario order.
    pub platforms: Vec<String>,
    /// Its track-cycles.
    pub cycles: Vec<Cycle>,
}

/// An arm before it is loaded: a side (its index) under a policy.
type ArmKey = (usize, String);

/// Seeds and versions a scenario side simulates.
#[derive(Debug, Clone, Copy)]
struct Plan {
    first_seed: u64,
    seeds: u64,
    weeks: Option<u32>,
    progress: bool,
}

/// Resolves the sides into (base, other) arm pairs and reads or simulates each arm once.
pub fn load(specs: &[SideSpec], opts: &Options) -> Result<Vec<(Arm, Arm)>, CompareError> {
    let sides: Vec<Side> = specs
        .iter()
        .map(|s| Side::open(&s.path))
        .collect::<Result<_, _>>()?;
    for (spec, side) in specs.iter().zip(&sides) {
        if let Some(p) = &spec.policy {
            side.check_policy(&spec.path, p)?;
        }
    }
    for p in &opts.policies {
        if !sides.iter().any(|s| s.policies().contains(p)) {
            return Err(CompareError::Side(format!(
                "--policy {p:?}: no side has such a policy"
            )));
        }
    }
    let wanted = |p: &String| opts.policies.is_empty() || opts.policies.contains(p);
    // (side, policy) of each arm pair.
    let pairs: Vec<(ArmKey, ArmKey)> = match (specs, sides.as_slice()) {
        ([spec], [side]) => {
            let all: Vec<String> = match &spec.policy {
                Some(p) => vec![p.clone()],
                None => side.policies().into_iter().filter(wanted).collect(),
            };
            let base = match &opts.baseline {
                Some(b) => {
                    side.check_policy(&spec.path, b)?;
                    b.clone()
                }
                None => all.first().cloned().unwrap_or_default(),
            };
            let others: Vec<String> = all.into_iter().filter(|p| *p != base).collect();
            if others.is_empty() {
                return Err(CompareError::Side(format!(
                    "{}: one side with one policy leaves nothing to compare; name a second \
                     side (`conductor compare A B`) or a second policy (`A:manual A:robot`)",
                    spec.path.display()
                )));
            }
            others
                .into_iter()
                .map(|o| ((0, base.clone()), (0, o)))
                .collect()
        }
        ([a, b], [sa, sb]) => {
            if opts.baseline.is_some() {
                return Err(CompareError::Side(
                    "--baseline picks a policy of one side; with two sides the first is the \
                     baseline"
                        .into(),
                ));
            }
            match (&a.policy, &b.policy) {
                (Some(pa), Some(pb)) => vec![((0, pa.clone()), (1, pb.clone()))],
                (Some(p), None) => {
                    sb.check_policy(&b.path, p)?;
                    vec![((0, p.clone()), (1, p.clone()))]
                }
                (None, Some(p)) => {
                    sa.check_policy(&a.path, p)?;
                    vec![((0, p.clone()), (1, p.clone()))]
                }
                (None, None) => {
                    let theirs = sb.policies();
                    let common: Vec<String> = sa
                        .policies()
                        .into_iter()
                        .filter(|p| theirs.contains(p) && wanted(p))
                        .collect();
                    if common.is_empty() {
                        return Err(CompareError::Side(format!(
                            "{} ({}) and {} ({}) share no policy{}; name one per side \
                             (`A:manual B:robot`)",
                            a.path.display(),
                            sa.policies().join(", "),
                            b.path.display(),
                            theirs.join(", "),
                            if opts.policies.is_empty() {
                                ""
                            } else {
                                " among --policy"
                            }
                        )));
                    }
                    common
                        .into_iter()
                        .map(|p| ((0, p.clone()), (1, p)))
                        .collect()
                }
            }
        }
        _ => {
            return Err(CompareError::Side(format!(
                "compare takes one or two sides, not {}",
                specs.len()
            )));
        }
    };

    // Scenario sides run on a run side's seeds when there is one, so that they pair.
    let run_plan = sides.iter().find_map(|s| match s {
        Side::Run(r) => Some(Plan {
            first_seed: r.manifest.first_seed,
            seeds: r.manifest.seeds,
            weeks: Some(r.manifest.weeks),
            progress: false,
        }),
        Side::Scenario(_) => None,
    });
    let plan = Plan {
        first_seed: opts
            .first_seed
            .or(run_plan.map(|p| p.first_seed))
            .unwrap_or(1),
        seeds: opts
            .seeds
            .or(run_plan.map(|p| p.seeds))
            .unwrap_or(DEFAULT_SEEDS),
        weeks: opts.weeks.or(run_plan.and_then(|p| p.weeks)),
        progress: opts.progress,
    };
    if plan.seeds == 0 {
        return Err(CompareError::Side(
            "--seeds 0: run at least one seed".into(),
        ));
    }
    if let Some(why) = crate::scenario::limits::seed_range_problem(plan.first_seed, plan.seeds) {
        return Err(CompareError::Side(format!(
            "seeds {} to {} ({} seeds): {why}",
            plan.first_seed,
            plan.first_seed.saturating_add(plan.seeds - 1),
            plan.seeds
        )));
    }

    // Every arm once, each side's policies simulated together.
    let mut needed: BTreeMap<usize, Vec<String>> = BTreeMap::new();
    for ((sa, pa), (sb, pb)) in &pairs {
        for (s, p) in [(sa, pa), (sb, pb)] {
            let list = needed.entry(*s).or_default();
            if !list.contains(p) {
                list.push(p.clone());
            }
        }
    }
    let mut arms: BTreeMap<(usize, String), Vec<Cycle>> = BTreeMap::new();
    for (s, policies) in &needed {
        for (policy, cycles) in cycles_of(&sides[*s], policies, plan)? {
            arms.insert((*s, policy), cycles);
        }
    }
    let labels = labels(specs, &sides, &pairs);
    pairs
        .iter()
        .zip(labels)
        .map(|((a, b), (la, lb))| {
            let arm = |(s, p): &(usize, String), label: String| Arm {
                info: info(
                    &specs[*s],
                    &sides[*s],
                    p,
                    label,
                    plan,
                    &arms[&(*s, p.clone())],
                ),
                platforms: sides[*s]
                    .scenario()
                    .platforms
                    .iter()
                    .map(|p| p.name.clone())
                    .collect(),
                cycles: arms[&(*s, p.clone())].clone(),
            };
            Ok((arm(a, la), arm(b, lb)))
        })
        .collect()
}

/// Names for each arm: what differs between the two (the scenario, the policy, or both),
/// or the path when nothing else does.
fn labels(specs: &[SideSpec], sides: &[Side], pairs: &[(ArmKey, ArmKey)]) -> Vec<(String, String)> {
    pairs
        .iter()
        .map(|((sa, pa), (sb, pb))| {
            let (na, nb) = (&sides[*sa].scenario().name, &sides[*sb].scenario().name);
            if sa == sb || na == nb {
                if pa != pb {
                    return (pa.clone(), pb.clone());
                }
                let path = |s: usize| specs[s].path.display().to_string();
                return (path(*sa), path(*sb));
            }
            if pa == pb {
                (na.clone(), nb.clone())
            } else {
                (format!("{na}/{pa}"), format!("{nb}/{pb}"))
            }
        })
        .collect()
}

fn info(
    spec: &SideSpec,
    side: &Side,
    policy: &str,
    label: String,
    plan: Plan,
    cycles: &[Cycle],
) -> ArmInfo {
    let (kind, first_seed, seeds, weeks) = match side {
        Side::Scenario(s) => (
            "scenario",
            plan.first_seed,
            plan.seeds,
            plan.weeks.unwrap_or(s.season.weeks),
        ),
        Side::Run(r) => (
            "run",
            r.manifest.first_seed,
            r.manifest.seeds,
            r.manifest.weeks,
        ),
    };
    let (rests_on, assumed) = match side {
        Side::Run(r) if r.manifest.event_log.is_some() => {
            let assumed: Vec<&str> = r
                .manifest
                .families_assumed(policy)
                .into_iter()
                .map(|f| f.as_str())
                .collect();
            if assumed.is_empty() {
                ("record", String::new())
            } else {
                ("record + scenario", assumed.join(" "))
            }
        }
        Side::Run(_) => ("scenario", String::new()),
        Side::Scenario(_) => ("scenario", String::new()),
    };
    ArmInfo {
        rests_on,
        assumed,
        label,
        source: spec.path.display().to_string(),
        kind,
        scenario: side.scenario().name.clone(),
        policy: policy.to_string(),
        first_seed,
        seeds,
        weeks,
        tracks: cycles.len() as u64,
    }
}

/// The track-cycles of each of `policies` on `side`.
fn cycles_of(
    side: &Side,
    policies: &[String],
    plan: Plan,
) -> Result<Vec<(String, Vec<Cycle>)>, CompareError> {
    match side {
        Side::Scenario(sc) => {
            let chosen: Vec<&crate::scenario::Policy> =
                policies.iter().filter_map(|p| sc.policy(p)).collect();
            let weeks = plan.weeks.unwrap_or(sc.season.weeks);
            if let Some(why) = crate::scenario::limits::in_memory_problem(
                plan.seeds,
                chosen.len(),
                weeks,
                sc.platforms.len(),
                crate::scenario::limits::MAX_SUMMARY_TRACKS,
            ) {
                return Err(CompareError::Side(format!("scenario {}: {why}", sc.name)));
            }
            let sweep = Sweep {
                scenario: sc,
                policies: chosen,
                first_seed: plan.first_seed,
                seeds: plan.seeds,
                weeks: plan.weeks.unwrap_or(sc.season.weeks),
                detail: Detail::Summary,
            };
            let progress = Progress::start(
                Job {
                    label: format!("scenario {}", sc.name),
                    total: sweep.jobs().len() as u64,
                    unit: "runs",
                    rows: false,
                },
                plan.progress,
            );
            let mut by: BTreeMap<String, Vec<Cycle>> = BTreeMap::new();
            for run in sweep.run_reporting(Some(&progress)) {
                let list = by.entry(run.policy.clone()).or_default();
                for t in &run.tracks {
                    list.push(Cycle {
                        seed: run.seed,
                        version: t.version,
                        platform: sc.platforms[t.platform].name.clone(),
                        shipped: t.cycle_hours().is_some(),
                        open: t.outcome == crate::engine::Outcome::Open,
                        cycle_hours: t.cycle_hours(),
                        waiting_hours: std::array::from_fn(|i| t.waiting_hours(WaitingOn::ALL[i])),
                        safety: TrackSafety::of_result(t),
                    });
                }
            }
            Ok(policies
                .iter()
                .map(|p| (p.clone(), by.remove(p).unwrap_or_default()))
                .collect())
        }
        Side::Run(run) => policies
            .iter()
            .map(|p| Ok((p.clone(), run_cycles(run, p)?)))
            .collect(),
    }
}

/// The track-cycles of `policy` in a run directory's `cycles` table.
fn run_cycles(run: &RunDir, policy: &str) -> Result<Vec<Cycle>, CompareError> {
    let hour_cols: Vec<String> = WaitingOn::ALL
        .iter()
        .map(|l| crate::dataset::tables::hours_column(*l))
        .collect();
    let mut columns = vec!["seed", "version", "platform", "outcome", "cycle_hours"];
    columns.extend(hour_cols.iter().map(String::as_str));
    let df = read_table(
        std::slice::from_ref(run),
        "cycles",
        &columns,
        &[policy.to_string()],
    )?;
    let (seed, version) = (i64s(&df, "seed")?, i64s(&df, "version")?);
    let (platform, outcome) = (strs(&df, "platform")?, strs(&df, "outcome")?);
    let cycle = f64s(&df, "cycle_hours")?;
    let hours: Vec<Vec<Option<f64>>> = hour_cols
        .iter()
        .map(|c| f64s(&df, c))
        .collect::<Result<_, _>>()?;
    // The safety records, read one way for every output (analysis::safety), by key.
    let safety: BTreeMap<(u64, u32, String), TrackSafety> =
        safety_samples(std::slice::from_ref(run), &[policy.to_string()])?
            .into_iter()
            .map(|(_, platform, seed, version, t)| ((seed, version, platform), t))
            .collect();
    Ok((0..df.height())
        .map(|i| Cycle {
            seed: seed[i].and_then(|s| u64::try_from(s).ok()).unwrap_or(0),
            version: version[i].and_then(|v| u32::try_from(v).ok()).unwrap_or(0),
            platform: platform[i].clone(),
            shipped: outcome[i] == "shipped",
            open: outcome[i] == "open",
            cycle_hours: cycle[i],
            waiting_hours: std::array::from_fn(|k| hours[k][i].unwrap_or(0.0)),
            safety: seed[i]
                .and_then(|s| u64::try_from(s).ok())
                .zip(version[i].and_then(|v| u32::try_from(v).ok()))
                .and_then(|(s, v)| safety.get(&(s, v, platform[i].clone())).copied())
                .unwrap_or_default(),
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_side_is_a_path_or_a_path_and_a_policy() {
        assert_eq!(
            SideSpec::parse("scenarios/bake-12h.toml:robot"),
            SideSpec {
                path: "scenarios/bake-12h.toml".into(),
                policy: Some("robot".into())
            }
        );
        assert_eq!(SideSpec::parse("x.toml").policy, None);
        assert_eq!(SideSpec::parse("x.toml:").policy, None);
    }
}
