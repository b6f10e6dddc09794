//! `--format table`: the plain-text table for stdout: a header line, one row per result, a
//! closing count and each failure's explanation on a line starting `FAIL `.

use std::fmt::Write;
use std::io;

use super::{Counts, cells, failures, judged, percent};
use crate::check::Outcome;
use crate::text::Render;
use crate::text::number::plural;
use crate::text::table::aligned_with;

/// The plain-text table.
pub struct Table;

impl Render<Outcome> for Table {
    type Error = io::Error;

    fn render(&self, outcome: &Outcome, out: &mut dyn io::Write) -> io::Result<()> {
        let mut s = format!(
            "conductor check: {} ({}) against {}, {}, {} confidence\n",
            outcome.input,
            outcome.kind.as_str(),
            outcome.baseline,
            plural(outcome.seeds, "seed", "seeds"),
            percent(outcome.confidence),
        );
        for line in judged(outcome) {
            let _ = writeln!(s, "{line}");
        }
        s.push('\n');
        let header = [
            "status", "metric", "policy", "platform", "value", "CI", "limit", "margin",
        ];
        let mut rows = vec![header.iter().map(|h| h.to_string()).collect::<Vec<_>>()];
        rows.extend(outcome.results.iter().map(|r| cells(r, r.status.as_str())));
        // Numbers (value, CI) right-aligned; the limit and margin carry words and read better
        // left-aligned.
        s.push_str(&aligned_with(&rows, |c| c == 4 || c == 5));
        let counts = Counts::of(outcome);
        let _ = writeln!(
            s,
            "\n{} checked: {} passed, {} failed, {} without data",
            plural(counts.total as u64, "limit", "limits"),
            counts.passed,
            counts.failed,
            counts.no_data
        );
        for r in failures(outcome) {
            let _ = writeln!(s, "FAIL {}", r.message(outcome.confidence));
        }
        out.write_all(s.as_bytes())
    }
}

#[cfg(test)]
mod tests {
    use crate::check::Status;
    use crate::check::format::tests::*;

    #[test]
    fn table_closes_with_counts_and_explains_each_failure() {
        let t = table(&plain());
        let lines: Vec<&str> = t.lines().collect();
        assert_eq!(
            lines[0],
            "conductor check: scenarios/baseline.toml (scenario) against \
             scenarios/baseline.check.toml, 200 seeds, 95% confidence"
        );
        assert_eq!(
            lines[1],
            "15000 track-cycles judged (shipped or cancelled); 12 still open at the end, left out"
        );
        assert!(lines[3].starts_with("status"), "{t}");
        assert!(
            lines.contains(&"3 limits checked: 1 passed, 1 failed, 1 without data"),
            "{t}"
        );
        // Explanations follow the closing line; table rows start `FAIL` too but are padded.
        let fails: Vec<&&str> = lines
            .iter()
            .filter(|l| l.starts_with("FAIL ") && !l.contains("  "))
            .collect();
        assert_eq!(
            fails,
            [
                &"FAIL cycle_p85_hours of manual/all is 141.2 h (95% CI 138.0 h to 144.9 h), \
               over its limit 130.0 h (at most 130) by 8.0 h even at the interval's low end"
            ]
        );
        // The table fits 100 columns: wider, it is split into blocks that repeat the keys.
        let table_lines = lines
            .iter()
            .skip(3)
            .take_while(|l| !l.contains("limits checked"));
        assert!(
            table_lines.into_iter().all(|l| l.chars().count() <= 100),
            "{t}"
        );
        let fail_rows: Vec<&&str> = lines
            .iter()
            .filter(|l| l.starts_with("FAIL ") && l.contains("  "))
            .collect();
        let row = |part: &str| {
            fail_rows
                .iter()
                .any(|l| l.contains("cycle_p85_hours") && l.contains(part))
        };
        assert!(row("138.0–144.9 h"), "{t}");
        assert!(row("≤ 130.0 h (at most 130)"), "{t}");
        assert!(row("+8.0 h over"), "{t}");
        assert!(t.contains("25.1 h to spare"), "{t}");
        let no_data = lines.iter().find(|l| l.starts_with("no data")).unwrap();
        assert!(no_data.contains("cycle_p95_hours"), "{no_data}");
    }

    #[test]
    fn table_without_failures_has_no_fail_lines() {
        let mut o = plain();
        o.results.retain(|r| r.status != Status::Fail);
        let t = table(&o);
        assert!(
            t.contains("2 limits checked: 1 passed, 0 failed, 1 without data"),
            "{t}"
        );
        assert!(!t.lines().any(|l| l.starts_with("FAIL")), "{t}");
    }
}
