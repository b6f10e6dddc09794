//! `--format table`: where the log came from, one aligned row per quantity (its fit, the
//! parameters with their intervals, the goodness of fit), the family choice by AIC, and how
//! to read the p-values and censoring.

use std::fmt::Write;
use std::io;

use super::{Printout, Source, family, goodness, num, parameters};
use crate::fit::{Fit, Outcome};
use crate::text::Render;

/// Aligned plain text.
pub struct Table;

impl Render<Printout<'_>> for Table {
    type Error = io::Error;

    fn render(&self, printout: &Printout, out: &mut dyn io::Write) -> io::Result<()> {
        out.write_all(table(printout.fit, printout.source).as_bytes())
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
