//! `--junit`: JUnit XML, as read by GitHub Actions test reporters, GitLab CI
//! (`artifacts:reports:junit`), Jenkins and Azure Pipelines: one suite, one test case per
//! result (class `conductor.check.{policy}.{platform}`, name the metric), a failure per
//! failed limit and a skip per result without data. No timestamp, so output is
//! reproducible.

use std::fmt::Write as _;
use std::io;

use quick_xml::events::Event;

use super::{Counts, NONE, ci, limit, margin, percent};
use crate::check::{CheckResult, Outcome, Status, fmt};
use crate::text::Render;
use crate::text::xml::{self, tag};

/// JUnit XML.
pub struct Junit;

impl Render<Outcome> for Junit {
    type Error = io::Error;

    fn render(&self, outcome: &Outcome, out: &mut dyn io::Write) -> io::Result<()> {
        let c = Counts::of(outcome);
        let (tests, failures, skipped) = (
            c.total.to_string(),
            c.failed.to_string(),
            c.no_data.to_string(),
        );
        let counts = [
            ("tests", tests.as_str()),
            ("failures", &failures),
            ("errors", "0"),
            ("skipped", &skipped),
            ("time", "0"),
        ];
        let mut w = xml::start(out)?;
        let suites = tag(
            "testsuites",
            &[&[("name", "conductor check")], &counts[..]].concat(),
        );
        w.write_event(Event::Start(suites.borrow()))?;
        let name = format!("conductor check: {}", outcome.input);
        let suite = tag(
            "testsuite",
            &[&[("name", name.as_str())], &counts[..]].concat(),
        );
        w.write_event(Event::Start(suite.borrow()))?;
        let properties = tag("properties", &[]);
        w.write_event(Event::Start(properties.borrow()))?;
        let mut properties_list = vec![
            ("input", outcome.input.clone()),
            ("kind", outcome.kind.as_str().to_string()),
            ("baseline", outcome.baseline.clone()),
            ("confidence", outcome.confidence.to_string()),
            ("seeds", outcome.seeds.to_string()),
            ("track_cycles", outcome.track_cycles.to_string()),
            ("open_excluded", outcome.open_excluded.to_string()),
        ];
        if let Some(w) = &outcome.window {
            properties_list.push(("window", w.describe()));
        }
        if let Some(w) = &outcome.baseline_window {
            properties_list.push(("baseline_window", w.describe()));
        }
        for (name, value) in properties_list {
            w.write_event(Event::Empty(tag(
                "property",
                &[("name", name), ("value", &value)],
            )))?;
        }
        w.write_event(Event::End(properties.to_end()))?;
        for r in &outcome.results {
            let class = format!("conductor.check.{}.{}", r.policy, r.platform);
            let case = tag(
                "testcase",
                &[
                    ("classname", &class),
                    ("name", r.metric.name()),
                    ("time", "0"),
                ],
            );
            if r.status == Status::Pass {
                w.write_event(Event::Empty(case))?;
                continue;
            }
            w.write_event(Event::Start(case.borrow()))?;
            if r.status == Status::NoData {
                w.write_event(Event::Empty(tag("skipped", &[("message", "no data")])))?;
            } else {
                let message = r.message(outcome.confidence);
                let failure = tag("failure", &[("message", &message), ("type", "regression")]);
                w.write_event(Event::Start(failure.borrow()))?;
                w.write_event(Event::Text(xml::text(&details(r, outcome.confidence))))?;
                w.write_event(Event::End(failure.to_end()))?;
            }
            w.write_event(Event::End(case.to_end()))?;
        }
        w.write_event(Event::End(suite.to_end()))?;
        w.write_event(Event::End(suites.to_end()))?;
        xml::end(w)
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

#[cfg(test)]
mod tests {
    use crate::check::format::tests::*;

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
