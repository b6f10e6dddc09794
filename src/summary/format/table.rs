//! `--format table`: the summary as aligned plain-text tables (each fits 100 columns): per
//! platform and policy, the cycle-time figures; the hours waited on each label; the savings
//! against `manual`. The first two columns are keys (left-aligned), the rest numbers.

use std::io;

use crate::model::WaitingOn;
use crate::summary::Summary;
use crate::text::Render;
use crate::text::number::{opt_hours, percent, plural};
use crate::text::table::aligned;

/// Plain-text tables.
pub struct Table;

impl Render<Summary> for Table {
    type Error = io::Error;

    fn render(&self, summary: &Summary, out: &mut dyn io::Write) -> io::Result<()> {
        writeln!(
            out,
            "scenario {}: {} x {} per policy ({}); hours, branch cut -> 100%\n",
            summary.scenario,
            plural(summary.seeds, "seed", "seeds"),
            plural(u64::from(summary.weeks), "version", "versions"),
            seed_span(summary.first_seed, summary.seeds),
        )?;
        let mut t = vec![
            [
                "platform",
                "policy",
                "tracks",
                "shipped",
                "p50",
                "p85",
                "p95",
                "mean",
                "blockers",
                "max weekday idle",
            ]
            .map(String::from)
            .to_vec(),
        ];
        // Track-cycles still in progress are shown only when there are any (a replayed
        // log's last releases); a simulated season settles every one.
        let any_open = summary.rows.iter().any(|r| r.open > 0);
        if any_open {
            t[0].insert(4, "open".into());
        }
        for r in &summary.rows {
            let mut row = vec![
                r.platform.clone(),
                r.policy.clone(),
                r.tracks.to_string(),
                r.success_rate
                    .map_or("–".into(), |s| format!("{:.1}%", s * 100.0)),
                opt_hours(r.cycle_p50_hours, 1),
                opt_hours(r.cycle_p85_hours, 1),
                opt_hours(r.cycle_p95_hours, 1),
                opt_hours(r.cycle_mean_hours, 1),
                format!("{:.2}", r.blockers_per_release),
                opt_hours(r.longest_weekday_manual_wait_hours, 1),
            ];
            if any_open {
                row.insert(4, r.open.to_string());
            }
            t.push(row);
        }
        out.write_all(aligned(&t, 2).as_bytes())?;

        writeln!(out, "\nmean hours per shipped release waiting on:\n")?;
        let labels: Vec<WaitingOn> = WaitingOn::ALL
            .into_iter()
            .filter(|l| {
                summary
                    .rows
                    .iter()
                    .any(|r| r.waiting_hours.get(l.as_str()).is_some_and(|h| *h >= 0.005))
            })
            .collect();
        let mut header = vec!["platform".to_string(), "policy".to_string()];
        header.extend(labels.iter().map(|l| l.as_str().to_string()));
        let mut t = vec![header];
        for r in &summary.rows {
            let mut line = vec![r.platform.clone(), r.policy.clone()];
            line.extend(labels.iter().map(|l| {
                if r.shipped == 0 {
                    return "–".to_string();
                }
                opt_hours(r.waiting_hours.get(l.as_str()).copied(), 2)
            }));
            t.push(line);
        }
        out.write_all(aligned(&t, 2).as_bytes())?;

        if !summary.savings.is_empty() {
            writeln!(
                out,
                "\nhours saved against manual, paired on (seed, version, platform):\n"
            )?;
            let mut t = vec![
                [
                    "policy", "platform", "pairs", "mean", "95% CI", "p50", "p90",
                ]
                .map(String::from)
                .to_vec(),
            ];
            for s in &summary.savings {
                let ci = match (s.saving_ci95_low_hours, s.saving_ci95_high_hours) {
                    (Some(lo), Some(hi)) => {
                        format!("[{}, {}]", opt_hours(Some(lo), 2), opt_hours(Some(hi), 2))
                    }
                    _ => "–".into(),
                };
                t.push(vec![
                    s.policy.clone(),
                    s.platform.clone(),
                    s.pairs.to_string(),
                    opt_hours(s.saving_mean_hours, 2),
                    ci,
                    opt_hours(s.saving_p50_hours, 2),
                    opt_hours(s.saving_p90_hours, 2),
                ]);
            }
            out.write_all(aligned(&t, 2).as_bytes())?;
        }
        safety(summary, out)
    }
}

/// The safety table: per platform and policy, per release that reached users. Every figure rests on
/// the scenario's defect model, and the heading says so; a figure without data is `–`.
fn safety(summary: &Summary, out: &mut dyn io::Write) -> io::Result<()> {
    if summary.safety.is_empty() {
        return Ok(());
    }
    writeln!(
        out,
        "\nsafety per release that reached users (assumed: the figures rest on the scenario's\n\
         [world.defects] and the rollout's incidents):\n"
    )?;
    let mut t = vec![
        [
            "platform",
            "policy",
            "defects",
            "escaped",
            "exposure h",
            "hotfixes",
            "change fail",
            "restore p50 h",
        ]
        .map(String::from)
        .to_vec(),
    ];
    for r in &summary.safety {
        t.push(vec![
            r.platform.clone(),
            r.policy.clone(),
            opt_hours(r.figures.defects_per_release, 2),
            opt_hours(r.figures.escaped_per_release, 2),
            opt_hours(r.figures.user_exposure_hours, 2),
            opt_hours(r.figures.hotfixes_per_release, 2),
            r.figures.change_failure_rate.map_or("–".into(), percent),
            opt_hours(r.figures.restore_p50_hours, 1),
        ]);
    }
    out.write_all(aligned(&t, 2).as_bytes())?;
    writeln!(
        out,
        "\nescaped: past the rollout's first stage; exposure: share of users holding a build \
         with a severe\ndefect x hours (share-of-users hours); change fail: share of the releases \
         with an escaped\ndefect; restore p50: median hours from its report to the \
         hotfix."
    )
}

/// `seeds 1-200` (or `seed 7`).
fn seed_span(first: u64, n: u64) -> String {
    if n == 1 {
        format!("seed {first}")
    } else {
        format!(
            "seeds {first}-{}",
            first.saturating_add(n.saturating_sub(1))
        )
    }
}
