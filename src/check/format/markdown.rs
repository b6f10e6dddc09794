//! `--markdown`: a job summary for GitHub (`$GITHUB_STEP_SUMMARY`) or GitLab: a heading with
//! the verdict, one sentence, a table with failures first, and each failure explained.

use std::fmt::Write;
use std::io;

use super::{Counts, cells, failures, judged, percent};
use crate::check::{CheckResult, InputKind, Outcome, Status};
use crate::text::Render;
use crate::text::number::plural;

/// The Markdown job summary.
pub struct Markdown;

impl Render<Outcome> for Markdown {
    type Error = io::Error;

    fn render(&self, outcome: &Outcome, out: &mut dyn io::Write) -> io::Result<()> {
        let c = Counts::of(outcome);
        let mark = if outcome.failed() { "❌" } else { "✅" };
        let mut s = format!("## {mark} conductor check: {}\n\n", md(&outcome.input));
        let evidence = match outcome.kind {
            InputKind::EventLog => "values as recorded".to_string(),
            InputKind::Scenario | InputKind::RunDir => format!(
                "{} confidence intervals over {}",
                percent(outcome.confidence),
                plural(outcome.seeds, "seed", "seeds")
            ),
        };
        let _ = writeln!(
            s,
            "{} from {} checked against the {} ({}): {} failed, {} without data; {}.\n",
            plural(c.total as u64, "limit", "limits"),
            md(&outcome.baseline),
            md(outcome.kind.as_str()),
            if outcome.kind == InputKind::EventLog {
                "replayed as it happened"
            } else {
                "simulated"
            },
            c.failed,
            c.no_data,
            evidence
        );
        let _ = writeln!(s, "{}.\n", md(&judged(outcome).join("; ")));
        s.push_str("| status | metric | policy | platform | value | CI | limit | margin |\n");
        s.push_str("| --- | --- | --- | --- | ---: | ---: | --- | --- |\n");
        // Failures first; otherwise the baseline's order (a stable sort keeps it).
        let mut rows: Vec<&CheckResult> = outcome.results.iter().collect();
        rows.sort_by_key(|r| r.status != Status::Fail);
        for r in rows {
            let emoji = match r.status {
                Status::Pass => "✅ pass",
                Status::Fail => "❌ FAIL",
                Status::NoData => "⚪ no data",
            };
            let row: Vec<String> = cells(r, emoji).iter().map(|c| md(c)).collect();
            let _ = writeln!(s, "| {} |", row.join(" | "));
        }
        let failed: Vec<&CheckResult> = failures(outcome).collect();
        if !failed.is_empty() {
            s.push_str("\n**Failed**\n\n");
            for r in failed {
                let _ = writeln!(s, "- {}", md(&r.message(outcome.confidence)));
            }
        }
        out.write_all(s.as_bytes())
    }
}

/// `text` safe inside a Markdown table cell or sentence: one line, pipes and the
/// characters that start emphasis, code, links, HTML or entities backslash-escaped. An
/// underscore inside a word (`cycle_p85_hours`) cannot start emphasis in CommonMark, so it
/// stays as it is and the raw summary stays readable.
fn md(text: &str) -> String {
    let chars: Vec<char> = text.chars().collect();
    let mut out = String::with_capacity(text.len());
    let word = |j: Option<usize>| {
        j.and_then(|j| chars.get(j))
            .is_some_and(|c| c.is_alphanumeric())
    };
    for (i, &c) in chars.iter().enumerate() {
        match c {
            '_' if word(i.checked_sub(1)) && word(Some(i + 1)) => out.push(c),
            '\\' | '|' | '`' | '*' | '_' | '[' | ']' | '<' | '>' | '&' | '~' => {
                out.push('\\');
                out.push(c);
            }
            '\n' | '\r' | '\t' => out.push(' '),
            c if c.is_control() => out.push('\u{fffd}'),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::check::format::tests::*;

    #[test]
    fn markdown_has_a_row_per_result_failures_first() {
        let m = markdown(&plain());
        assert!(
            m.starts_with("## ❌ conductor check: scenarios/baseline.toml\n"),
            "{m}"
        );
        assert!(
            m.contains("3 limits from scenarios/baseline.check.toml"),
            "{m}"
        );
        assert!(m.contains("1 failed, 1 without data; 95% confidence intervals over 200 seeds."));
        assert!(m.contains("15000 track-cycles judged (shipped or cancelled); 12 still open"));
        let rows: Vec<&str> = m.lines().filter(|l| l.starts_with("| ")).skip(2).collect();
        assert_eq!(rows.len(), 3, "{m}");
        assert!(rows[0].starts_with("| ❌ FAIL | cycle_p85_hours |"), "{m}");
        assert!(rows[1].starts_with("| ✅ pass | cycle_p50_hours |"), "{m}");
        assert!(
            rows[2].starts_with("| ⚪ no data | cycle_p95_hours |"),
            "{m}"
        );
        let bullets: Vec<&str> = m.lines().filter(|l| l.starts_with("- ")).collect();
        assert_eq!(bullets.len(), 1);
        assert!(bullets[0].contains("by 8.0 h"), "{m}");
        let mut ok = plain();
        ok.results.retain(|r| r.status != Status::Fail);
        assert!(markdown(&ok).starts_with("## ✅ "));
    }

    #[test]
    fn markdown_escapes_pipes_and_markup() {
        let o = outcome("a|b", "x|y", "<ios>");
        let m = markdown(&o);
        assert!(m.starts_with("## ❌ conductor check: a\\|b\n"), "{m}");
        let rows: Vec<&str> = m.lines().filter(|l| l.starts_with("| ")).collect();
        for row in &rows {
            // Eight cells: nine unescaped pipes.
            let unescaped = row
                .match_indices('|')
                .filter(|(i, _)| !row[..*i].ends_with('\\'));
            assert_eq!(unescaped.count(), 9, "{row}");
        }
        assert!(rows[2].contains("x\\|y | \\<ios\\>"), "{m}");
    }

    #[test]
    fn markdown_escapes_underscores_only_where_they_could_emphasise() {
        assert_eq!(md("cycle_p85_hours"), "cycle_p85_hours");
        assert_eq!(md("_ios_ *x* `y`"), "\\_ios\\_ \\*x\\* \\`y\\`");
        assert_eq!(md("a\nb"), "a b");
    }
}
