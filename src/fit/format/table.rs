//! `--format table`: where the log came from, one aligned row per quantity (its fit, the
//! parameters with their intervals, the goodness of fit), the family choice by AIC, and how
//! to read the p-values and censoring.

use std::fmt::Write;
use std::io;

use super::{Printout, Source, family, goodness, num, parameters};
use crate::fit::self_check::{self as check, KsMethod, SelfCheck};
use crate::fit::{Fit, Outcome};
use crate::text::Render;

/// Aligned plain text.
pub struct Table;

impl Render<Printout<'_>> for Table {
    type Error = io::Error;

    fn render(&self, printout: &Printout, out: &mut dyn io::Write) -> io::Result<()> {
        let mut s = table(printout.fit, printout.source);
        s.push_str(&self_check(printout.self_check, &printout.source.name));
        out.write_all(s.as_bytes())
    }
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
        crate::fit::mle::Family::ALL
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

/// The self-check section: the log's and the simulation's cycle times side by side per
/// platform and pooled, the verdict and what it rests on.
fn self_check(c: &SelfCheck, name: &str) -> String {
    let mut s = format!(
        "\nself-check: {name} simulated (sim: policy {}, seeds {}-{}, {} versions each) against the \
         log's cycle times (branch cut to 100%, shipped track-cycles)\n\n",
        c.policy,
        c.first_seed,
        c.first_seed + c.seeds - 1,
        c.weeks
    );
    let hours = |v: Option<f64>| v.map_or("-".to_string(), |x| format!("{x:.1} h"));
    let mut rows = vec![
        [
            "platform",
            "log n",
            "sim n",
            "log median",
            "sim median",
            "log p85",
            "sim p85",
            "KS D",
            "KS p",
            "Wasserstein",
        ]
        .map(String::from)
        .to_vec(),
    ];
    for r in &c.comparisons {
        rows.push(vec![
            r.platform.clone(),
            r.log_n.to_string(),
            r.simulated_n.to_string(),
            hours(r.log_median),
            hours(r.simulated_median),
            hours(r.log_p85),
            hours(r.simulated_p85),
            r.ks.map_or("-".into(), |k| format!("{:.3}", k.0)),
            r.ks.map_or("-".into(), |k| check::p_text(k.1)),
            hours(r.wasserstein_hours),
        ]);
    }
    let mut right = vec![false];
    right.extend([true; 9]);
    s.push_str(&aligned(&rows, &right));
    let verdict = match &c.verdict {
        check::Verdict::Pass => "pass".to_string(),
        check::Verdict::Fail(why) => format!("FAIL: {}", why.join("; ")),
        check::Verdict::NotJudged(why) => format!("not judged: {why}"),
    };
    let _ = writeln!(s, "\nverdict: {verdict}");
    let _ = writeln!(s, "rule: {}.", check::VERDICT_RULE);
    let methods: Vec<(&str, KsMethod)> = c
        .comparisons
        .iter()
        .filter_map(|r| r.ks.map(|k| (r.platform.as_str(), k.2)))
        .collect();
    let exact = methods.iter().all(|m| m.1 == KsMethod::Exact);
    let _ = writeln!(
        s,
        "KS p: {}; Wasserstein: the area between the two distribution functions, in hours.",
        if exact {
            "exact (the null distribution of D for these two sample sizes)".to_string()
        } else {
            let asymptotic: Vec<&str> = methods
                .iter()
                .filter(|m| m.1 == KsMethod::Asymptotic)
                .map(|m| m.0)
                .collect();
            format!(
                "exact, but asymptotic (Kolmogorov distribution, Stephens' factor) for {}",
                asymptotic.join(", ")
            )
        }
    );
    let _ = writeln!(
        s,
        "policy {}: {}.\nleft out: the log's {} open and {} cancelled track-cycles, the \
         simulation's {} open and {} cancelled.",
        c.policy,
        c.policy_reason,
        c.log.open,
        c.log.cancelled,
        c.simulated.open,
        c.simulated.cancelled
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
