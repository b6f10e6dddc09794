//! `--format table`: per comparison, hyperfine-style: the question, the one-sentence answer,
//! the arms, then the platform table and where the hours changed; the method once at the end.

use std::fmt::Write;
use std::io;

use super::{arm_line, context, sections};
use crate::compare::{Compare, CompareError};
use crate::text::{Render, table};

/// Plain text.
pub struct Table;

impl Render<Compare> for Table {
    type Error = CompareError;

    fn render(&self, compare: &Compare, out: &mut dyn io::Write) -> Result<(), CompareError> {
        let mut s = String::new();
        for (k, c) in compare.comparisons.iter().enumerate() {
            if k > 0 {
                s.push('\n');
            }
            let _ = writeln!(
                s,
                "{} against {} ({})",
                c.other.label,
                c.base.label,
                context(c)
            );
            for line in table::wrap(&format!("{}.", c.verdict), table::WIDTH - 2).lines() {
                let _ = writeln!(s, "  {line}");
            }
            for (role, arm) in [("base ", &c.base), ("other", &c.other)] {
                let line = arm_line(role, arm);
                for (i, part) in table::wrap(&line, table::WIDTH - 2).lines().enumerate() {
                    let indent = if i == 0 { "  " } else { "        " };
                    let _ = writeln!(s, "{indent}{part}");
                }
            }
            for (i, sec) in sections(c, k + 1).into_iter().enumerate() {
                if sec.rows.is_empty() {
                    continue;
                }
                s.push('\n');
                match i {
                    0 => {}
                    1 => {
                        let _ =
                            writeln!(s, "Where the hours changed, mean per pair, all platforms:");
                    }
                    _ => {
                        for line in table::wrap(&format!("{}:", sec.title), table::WIDTH).lines() {
                            let _ = writeln!(s, "{line}");
                        }
                    }
                }
                let mut rows = vec![sec.header.clone()];
                rows.extend(sec.rows.iter().cloned());
                s.push_str(&table::aligned(&rows, sec.numeric_from));
            }
        }
        let _ = write!(
            s,
            "\n{}\n",
            table::wrap(
                &format!(
                    "Pairs: {}. saved = base − other cycle hours, branch cut to 100%, over \
                     releases that shipped in both; sooner: share of pairs the other arm \
                     shipped sooner; shipped: share of releases reaching 100%. Intervals: \
                     percentile bootstrap of the mean, {} resamples of whole seeds (whole \
                     versions when there is one seed).",
                    compare.pairing, compare.bootstrap_resamples
                ),
                table::WIDTH
            )
        );
        Ok(out.write_all(s.as_bytes())?)
    }
}
