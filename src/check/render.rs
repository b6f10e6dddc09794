//! `check` output: the human table, JSON, JUnit XML and a Markdown job summary.
//!
//! All four are pure functions of an [`Outcome`] and deterministic to the byte (no clock,
//! no map iteration), so CI artifacts and snapshot tests never differ between runs.

use std::fmt::Write;

use super::{CheckResult, InputKind, Outcome, Side, Status, fmt};
use crate::text::table::aligned_with;
use crate::text::xml::xml_escape;

/// Shown where a result has no value, interval or margin.
const NONE: &str = "–";

/// The plain-text table for stdout: a header line, one row per result, a closing count and
/// each failure's explanation on a line starting `FAIL `.
pub fn table(outcome: &Outcome) -> String {
    let mut s = format!(
        "conductor check: {} ({}) against {}, {}, {} confidence\n\n",
        outcome.input,
        outcome.kind.as_str(),
        outcome.baseline,
        seeds(outcome.seeds),
        percent(outcome.confidence),
    );
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
        "\n{} {} checked: {} passed, {} failed, {} without data",
        counts.total,
        if counts.total == 1 { "limit" } else { "limits" },
        counts.passed,
        counts.failed,
        counts.no_data
    );
    for r in failures(outcome) {
        let _ = writeln!(s, "FAIL {}", r.message(outcome.confidence));
    }
    s
}

/// JSON for other tools (docs/formats.md, "JSON output"): the input, the counts, and one
/// object per result with the metric's value in its unit (hours, or a 0–1 rate), its
/// interval at `confidence`, the bound and the verdict (`pass`, `fail`, `no_data`).
pub fn json(outcome: &Outcome) -> String {
    use serde_json::json;
    let c = Counts::of(outcome);
    let results: Vec<serde_json::Value> = outcome
        .results
        .iter()
        .map(|r| {
            json!({
                "metric": r.metric.name(),
                "policy": r.policy,
                "platform": r.platform,
                "value": r.value,
                "ci_low": r.ci.map(|c| c.0),
                "ci_high": r.ci.map(|c| c.1),
                "side": match r.side {
                    Side::AtMost => "at_most",
                    Side::AtLeast => "at_least",
                },
                "bound": r.bound,
                "rule": r.rule,
                "status": match r.status {
                    Status::Pass => "pass",
                    Status::Fail => "fail",
                    Status::NoData => "no_data",
                },
                "excess": r.excess,
                "message": r.message(outcome.confidence),
            })
        })
        .collect();
    let v = json!({
        "input": outcome.input,
        "kind": match outcome.kind {
            InputKind::Scenario => "scenario",
            InputKind::RunDir => "run",
            InputKind::EventLog => "event_log",
        },
        "baseline": outcome.baseline,
        "confidence": outcome.confidence,
        "seeds": outcome.seeds,
        "limits": c.total,
        "passed": c.passed,
        "failed": c.failed,
        "no_data": c.no_data,
        "results": results,
    });
    let v = crate::text::json::rounded(&v).unwrap_or(v);
    let mut s = serde_json::to_string_pretty(&v).unwrap_or_default();
    s.push('\n');
    s
}

/// JUnit XML, as read by GitHub Actions test reporters, GitLab CI
/// (`artifacts:reports:junit`), Jenkins and Azure Pipelines: one suite, one test case per
/// result (class `conductor.check.{policy}.{platform}`, name the metric), a failure per
/// failed limit and a skip per result without data. No timestamp, so output is
/// reproducible.
pub fn junit(outcome: &Outcome) -> String {
    let c = Counts::of(outcome);
    let counts = format!(
        r#"tests="{}" failures="{}" errors="0" skipped="{}" time="0""#,
        c.total, c.failed, c.no_data
    );
    let mut s = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    let _ = writeln!(s, r#"<testsuites name="conductor check" {counts}>"#);
    let _ = writeln!(
        s,
        r#"  <testsuite name="{}" {counts}>"#,
        xml_escape(&format!("conductor check: {}", outcome.input))
    );
    s.push_str("    <properties>\n");
    for (name, value) in [
        ("input", outcome.input.clone()),
        ("kind", outcome.kind.as_str().to_string()),
        ("baseline", outcome.baseline.clone()),
        ("confidence", outcome.confidence.to_string()),
        ("seeds", outcome.seeds.to_string()),
    ] {
        let _ = writeln!(
            s,
            r#"      <property name="{name}" value="{}"/>"#,
            xml_escape(&value)
        );
    }
    s.push_str("    </properties>\n");
    for r in &outcome.results {
        let open = format!(
            r#"    <testcase classname="{}" name="{}" time="0""#,
            xml_escape(&format!("conductor.check.{}.{}", r.policy, r.platform)),
            xml_escape(r.metric.name())
        );
        match r.status {
            Status::Pass => {
                let _ = writeln!(s, "{open}/>");
            }
            Status::NoData => {
                let _ = writeln!(
                    s,
                    "{open}>\n      <skipped message=\"no data\"/>\n    </testcase>"
                );
            }
            Status::Fail => {
                let _ = writeln!(
                    s,
                    "{open}>\n      <failure message=\"{}\" type=\"regression\">{}</failure>\n    </testcase>",
                    xml_escape(&r.message(outcome.confidence)),
                    xml_text(&details(r, outcome.confidence))
                );
            }
        }
    }
    s.push_str("  </testsuite>\n</testsuites>\n");
    s
}

/// A Markdown job summary for GitHub (`$GITHUB_STEP_SUMMARY`) or GitLab: a heading with
/// the verdict, one sentence, a table with failures first, and each failure explained.
pub fn markdown(outcome: &Outcome) -> String {
    let c = Counts::of(outcome);
    let mark = if outcome.failed() { "❌" } else { "✅" };
    let mut s = format!("## {mark} conductor check: {}\n\n", md(&outcome.input));
    let evidence = match outcome.kind {
        InputKind::EventLog => "values as recorded".to_string(),
        InputKind::Scenario | InputKind::RunDir => format!(
            "{} confidence intervals over {}",
            percent(outcome.confidence),
            seeds(outcome.seeds)
        ),
    };
    let _ = writeln!(
        s,
        "{} {} from {} checked against the {} ({}): {} failed, {} without data; {}.\n",
        c.total,
        if c.total == 1 { "limit" } else { "limits" },
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
    s
}

/// Passed, failed and no-data counts.
struct Counts {
    total: usize,
    passed: usize,
    failed: usize,
    no_data: usize,
}

impl Counts {
    fn of(outcome: &Outcome) -> Counts {
        let n = |s: Status| outcome.results.iter().filter(|r| r.status == s).count();
        Counts {
            total: outcome.results.len(),
            passed: n(Status::Pass),
            failed: n(Status::Fail),
            no_data: n(Status::NoData),
        }
    }
}

fn failures(outcome: &Outcome) -> impl Iterator<Item = &CheckResult> {
    outcome.results.iter().filter(|r| r.status == Status::Fail)
}

/// One row of the table and the Markdown: status, metric, policy, platform, value, CI,
/// limit, margin.
fn cells(r: &CheckResult, status: &str) -> Vec<String> {
    let unit = r.metric.unit();
    vec![
        status.to_string(),
        r.metric.name().to_string(),
        r.policy.clone(),
        r.platform.clone(),
        r.value.map_or_else(|| NONE.to_string(), |v| fmt(v, unit)),
        ci(r),
        limit(r),
        margin(r),
    ]
}

fn ci(r: &CheckResult) -> String {
    let unit = r.metric.unit();
    match r.ci {
        // One unit for both ends keeps the column narrow: `138.0–144.9 h`, `91.0–93.5%`.
        Some((lo, hi)) if r.value.is_some() => match unit {
            "%" => format!("{:.1}–{:.1}%", lo * 100.0, hi * 100.0),
            u => format!("{lo:.1}–{hi:.1} {u}"),
        },
        _ => NONE.to_string(),
    }
}

/// The bound with the side it allows and, in parentheses, where it comes from.
fn limit(r: &CheckResult) -> String {
    let side = match r.side {
        Side::AtMost => "≤",
        Side::AtLeast => "≥",
    };
    format!("{side} {} ({})", fmt(r.bound, r.metric.unit()), r.rule)
}

/// How far beyond the bound the evidence is (`+8.0 h over`, `1.5% short`) or how much room
/// is left (`3.1 h to spare`). A passing value that is itself beyond the bound, saved only
/// by its interval reaching back over it, says so instead of claiming room to spare.
fn margin(r: &CheckResult) -> String {
    let unit = r.metric.unit();
    let (Some(v), Some(e)) = (r.value, r.excess) else {
        return NONE.to_string();
    };
    let beyond = match r.side {
        Side::AtMost => v > r.bound,
        Side::AtLeast => v < r.bound,
    };
    if e > 0.0 {
        match r.side {
            Side::AtMost => format!("+{} over", fmt(e, unit)),
            Side::AtLeast => format!("{} short", fmt(e, unit)),
        }
    } else if beyond {
        "beyond, within noise".to_string()
    } else {
        format!("{} to spare", fmt(-e, unit))
    }
}

/// The body of a JUnit `<failure>`: the evidence, one fact a line.
fn details(r: &CheckResult, confidence: f64) -> String {
    let unit = r.metric.unit();
    let mut s = format!(
        "value: {}\n",
        r.value.map_or_else(|| NONE.to_string(), |v| fmt(v, unit))
    );
    if r.ci.is_some() {
        let _ = writeln!(s, "{} CI: {}", percent(confidence), ci(r));
    }
    let _ = writeln!(s, "limit: {}", limit(r));
    let _ = write!(s, "margin: {}", margin(r));
    s
}

/// `text` escaped for XML character data: like [`xml_escape`] but keeping newlines and
/// tabs as they are, so the failure details stay readable in the raw file.
fn xml_text(text: &str) -> String {
    text.split('\n')
        .map(|line| {
            line.split('\t')
                .map(xml_escape)
                .collect::<Vec<_>>()
                .join("\t")
        })
        .collect::<Vec<_>>()
        .join("\n")
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

/// A confidence level as a percentage without needless decimals: `95%`, `99.5%`.
fn percent(level: f64) -> String {
    let p = format!("{:.1}", level * 100.0);
    format!("{}%", p.strip_suffix(".0").unwrap_or(&p))
}

fn seeds(n: u64) -> String {
    if n == 1 {
        "1 seed".to_string()
    } else {
        format!("{n} seeds")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::check::Metric;

    fn result(
        metric: Metric,
        policy: &str,
        platform: &str,
        value: Option<f64>,
        ci: Option<(f64, f64)>,
        status: Status,
        excess: Option<f64>,
    ) -> CheckResult {
        CheckResult {
            metric,
            policy: policy.to_string(),
            platform: platform.to_string(),
            value,
            ci,
            side: Side::AtMost,
            bound: 130.0,
            rule: "at most 130".to_string(),
            status,
            excess,
        }
    }

    /// A pass, a fail with an interval and a result without data, names as given.
    fn outcome(input: &str, policy: &str, platform: &str) -> Outcome {
        Outcome {
            input: input.to_string(),
            kind: InputKind::Scenario,
            baseline: "scenarios/baseline.check.toml".to_string(),
            confidence: 0.95,
            seeds: 200,
            results: vec![
                result(
                    Metric::CycleP50Hours,
                    policy,
                    platform,
                    Some(101.6),
                    Some((98.2, 104.9)),
                    Status::Pass,
                    Some(-25.1),
                ),
                result(
                    Metric::CycleP85Hours,
                    policy,
                    platform,
                    Some(141.2),
                    Some((138.0, 144.9)),
                    Status::Fail,
                    Some(8.0),
                ),
                result(
                    Metric::CycleP95Hours,
                    policy,
                    "desktop",
                    None,
                    None,
                    Status::NoData,
                    None,
                ),
            ],
        }
    }

    fn plain() -> Outcome {
        outcome("scenarios/baseline.toml", "manual", "all")
    }

    const NASTY: &str = r#"a&b<c>"d"'e' &amp; ]]> x"#;

    #[test]
    fn table_closes_with_counts_and_explains_each_failure() {
        let t = table(&plain());
        let lines: Vec<&str> = t.lines().collect();
        assert_eq!(
            lines[0],
            "conductor check: scenarios/baseline.toml (scenario) against \
             scenarios/baseline.check.toml, 200 seeds, 95% confidence"
        );
        assert!(lines[2].starts_with("status"), "{t}");
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
            .skip(2)
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

    #[test]
    fn margin_names_the_side_and_never_claims_room_it_lacks() {
        let mut r = plain().results[0].clone();
        r.side = Side::AtLeast;
        r.metric = Metric::SuccessRate;
        r.bound = 0.95;
        r.value = Some(0.93);
        r.excess = Some(0.015);
        assert_eq!(margin(&r), "1.5% short");
        // Value beyond the bound, but the interval reaches back over it: a pass.
        r.excess = Some(-0.004);
        assert_eq!(margin(&r), "beyond, within noise");
        r.value = Some(0.97);
        r.excess = Some(-0.02);
        assert_eq!(margin(&r), "2.0% to spare");
    }

    #[test]
    fn junit_is_well_formed_with_the_right_counts() {
        let x = junit(&plain());
        let doc = parse_xml(&x).unwrap_or_else(|e| panic!("{e}\n{x}"));
        let suites = &doc[0];
        assert_eq!(suites.name, "testsuites");
        for el in doc
            .iter()
            .filter(|e| e.name == "testsuites" || e.name == "testsuite")
        {
            assert_eq!(el.attr("tests"), Some("3"), "{x}");
            assert_eq!(el.attr("failures"), Some("1"), "{x}");
            assert_eq!(el.attr("errors"), Some("0"), "{x}");
            assert_eq!(el.attr("skipped"), Some("1"), "{x}");
        }
        let cases: Vec<&Element> = doc.iter().filter(|e| e.name == "testcase").collect();
        assert_eq!(cases.len(), 3);
        assert_eq!(
            cases[1].attr("classname"),
            Some("conductor.check.manual.all")
        );
        assert_eq!(cases[1].attr("name"), Some("cycle_p85_hours"));
        let failure = doc.iter().find(|e| e.name == "failure").unwrap();
        assert_eq!(failure.attr("type"), Some("regression"));
        assert!(failure.attr("message").unwrap().contains("by 8.0 h"));
        assert!(
            failure.text.contains("95% CI: 138.0–144.9 h"),
            "{}",
            failure.text
        );
        assert!(
            failure.text.contains("margin: +8.0 h over"),
            "{}",
            failure.text
        );
        let skipped = doc.iter().find(|e| e.name == "skipped").unwrap();
        assert_eq!(skipped.attr("message"), Some("no data"));
        let seeds = doc
            .iter()
            .find(|e| e.attr("name") == Some("seeds"))
            .unwrap();
        assert_eq!(seeds.attr("value"), Some("200"));
        assert!(!x.contains("timestamp"));
        assert_eq!(x, junit(&plain()), "deterministic");
    }

    #[test]
    fn junit_escapes_markup_in_names() {
        let nasty = format!("{NASTY}\u{7}\n\t");
        let o = outcome(&nasty, &nasty, &nasty);
        let x = junit(&o);
        let doc = parse_xml(&x).unwrap_or_else(|e| panic!("{e}\n{x}"));
        let suite = doc.iter().find(|e| e.name == "testsuite").unwrap();
        // The bell cannot be in XML 1.0 at all; everything else comes back as it was.
        let survived = format!("{NASTY}\u{fffd}\n\t");
        assert_eq!(
            suite.attr("name"),
            Some(format!("conductor check: {survived}").as_str())
        );
        let input = doc
            .iter()
            .find(|e| e.attr("name") == Some("input"))
            .unwrap();
        assert_eq!(input.attr("value"), Some(survived.as_str()));
        let case = doc.iter().find(|e| e.name == "testcase").unwrap();
        assert_eq!(
            case.attr("classname"),
            Some(format!("conductor.check.{survived}.{survived}").as_str())
        );
        let failure = doc.iter().find(|e| e.name == "failure").unwrap();
        assert!(failure.attr("message").unwrap().contains(&survived));
    }

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

    #[test]
    fn percent_drops_needless_decimals() {
        assert_eq!(percent(0.95), "95%");
        assert_eq!(percent(0.995), "99.5%");
        assert_eq!(percent(0.9), "90%");
    }

    /// An element of a parsed document, attributes and text unescaped.
    #[derive(Debug)]
    struct Element {
        name: String,
        attrs: Vec<(String, String)>,
        text: String,
    }

    impl Element {
        fn attr(&self, name: &str) -> Option<&str> {
            self.attrs
                .iter()
                .find(|(k, _)| k == name)
                .map(|(_, v)| v.as_str())
        }
    }

    /// A deliberately strict well-formedness check for the XML `junit` writes: the UTF-8
    /// declaration first, one root, balanced tags, unique double-quoted attributes, no raw
    /// `<` or `&` in text or values, only the five predefined entities (and character
    /// references), no characters XML 1.0 forbids. Returns elements in document order.
    fn parse_xml(doc: &str) -> Result<Vec<Element>, String> {
        let decl = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n";
        let mut rest = doc.strip_prefix(decl).ok_or("missing XML declaration")?;
        let mut elements: Vec<Element> = Vec::new();
        let mut open: Vec<usize> = Vec::new();
        let mut roots = 0;
        while !rest.is_empty() {
            if let Some(tag) = rest.strip_prefix('<') {
                let end = tag.find('>').ok_or("unterminated tag")?;
                let body = &tag[..end];
                rest = &tag[end + 1..];
                if let Some(name) = body.strip_prefix('/') {
                    let i = open.pop().ok_or(format!("stray </{name}>"))?;
                    if elements[i].name != name {
                        return Err(format!("</{name}> closes <{}>", elements[i].name));
                    }
                    continue;
                }
                let (body, empty) = match body.strip_suffix('/') {
                    Some(b) => (b, true),
                    None => (body, false),
                };
                let name_end = body.find(char::is_whitespace).unwrap_or(body.len());
                let name = &body[..name_end];
                if !is_name(name) {
                    return Err(format!("bad element name {name:?}"));
                }
                if open.is_empty() {
                    roots += 1;
                    if roots > 1 {
                        return Err("more than one root".into());
                    }
                }
                let attrs = parse_attrs(&body[name_end..])?;
                elements.push(Element {
                    name: name.to_string(),
                    attrs,
                    text: String::new(),
                });
                if !empty {
                    open.push(elements.len() - 1);
                }
            } else {
                let end = rest.find('<').unwrap_or(rest.len());
                let text = unescape(&rest[..end])?;
                rest = &rest[end..];
                match open.last() {
                    Some(&i) => elements[i].text.push_str(&text),
                    None if text.trim().is_empty() => {}
                    None => return Err(format!("text outside the root: {text:?}")),
                }
            }
        }
        if let Some(&i) = open.last() {
            return Err(format!("<{}> never closed", elements[i].name));
        }
        if roots != 1 {
            return Err("no root element".into());
        }
        Ok(elements)
    }

    fn is_name(s: &str) -> bool {
        let mut chars = s.chars();
        chars
            .next()
            .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
            && chars.all(|c| c.is_ascii_alphanumeric() || "_-.:".contains(c))
    }

    fn parse_attrs(mut s: &str) -> Result<Vec<(String, String)>, String> {
        let mut attrs: Vec<(String, String)> = Vec::new();
        loop {
            let trimmed = s.trim_start();
            if trimmed.is_empty() {
                return Ok(attrs);
            }
            if trimmed.len() == s.len() {
                return Err(format!("attributes not separated by whitespace: {s:?}"));
            }
            let eq = trimmed
                .find('=')
                .ok_or(format!("attribute without value: {trimmed:?}"))?;
            let name = &trimmed[..eq];
            if !is_name(name) {
                return Err(format!("bad attribute name {name:?}"));
            }
            let value = trimmed[eq + 1..]
                .strip_prefix('"')
                .ok_or(format!("attribute {name} not double-quoted"))?;
            let close = value
                .find('"')
                .ok_or(format!("attribute {name} unterminated"))?;
            if attrs.iter().any(|(k, _)| k == name) {
                return Err(format!("duplicate attribute {name}"));
            }
            attrs.push((name.to_string(), unescape(&value[..close])?));
            s = &value[close + 1..];
        }
    }

    /// Character data or an attribute value, references resolved.
    fn unescape(raw: &str) -> Result<String, String> {
        let mut out = String::new();
        let mut rest = raw;
        while let Some(i) = rest.find(['&', '<']) {
            out.push_str(&rest[..i]);
            if rest[i..].starts_with('<') {
                return Err(format!("raw '<' in {raw:?}"));
            }
            let end = rest[i..].find(';').ok_or(format!("raw '&' in {raw:?}"))?;
            let entity = &rest[i + 1..i + end];
            let c = match entity {
                "amp" => '&',
                "lt" => '<',
                "gt" => '>',
                "quot" => '"',
                "apos" => '\'',
                _ => {
                    let code = entity
                        .strip_prefix("#x")
                        .map(|h| u32::from_str_radix(h, 16))
                        .or_else(|| entity.strip_prefix('#').map(|d| d.parse::<u32>()))
                        .ok_or(format!("unknown entity &{entity}; in {raw:?}"))?
                        .map_err(|_| format!("bad character reference &{entity};"))?;
                    char::from_u32(code).ok_or(format!("bad character reference &{entity};"))?
                }
            };
            out.push(c);
            rest = &rest[i + end + 1..];
        }
        out.push_str(rest);
        if let Some(c) = out.chars().find(|&c| {
            matches!(c, '\u{0}'..='\u{8}' | '\u{b}' | '\u{c}' | '\u{e}'..='\u{1f}')
                || c == '\u{fffe}'
                || c == '\u{ffff}'
        }) {
            return Err(format!("character {c:?} not allowed in XML 1.0"));
        }
        Ok(out)
    }
}
