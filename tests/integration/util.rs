//! Small helpers shared by the topic modules.

use assert_cmd::Command;

/// The `conductor` binary, with colour off.
pub fn conductor() -> Command {
    let mut cmd = Command::cargo_bin("conductor").expect("the conductor binary is built");
    cmd.env("NO_COLOR", "1");
    cmd
}

/// The built-in baseline with one TOML line replaced (`from` must occur exactly once).
pub fn baseline_with(from: &str, to: &str) -> String {
    let text = conductor::scenario::BASELINE_TOML;
    assert_eq!(
        text.matches(from).count(),
        1,
        "{from:?} must occur once in the baseline"
    );
    text.replacen(from, to, 1)
}

/// A parsed XML element: name, attributes (entities decoded), child elements and its text
/// (entities decoded, whitespace between tags dropped).
#[derive(Debug)]
pub struct Element {
    pub name: String,
    pub attrs: Vec<(String, String)>,
    pub children: Vec<Element>,
    pub text: String,
}

impl Element {
    /// The attribute `key`, if present.
    pub fn attr(&self, key: &str) -> Option<&str> {
        self.attrs
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
    }

    /// The attribute `key`; panics when absent.
    pub fn get(&self, key: &str) -> &str {
        self.attr(key)
            .unwrap_or_else(|| panic!("<{}> has no {key}", self.name))
    }

    /// The children named `name`.
    pub fn all(&self, name: &str) -> Vec<&Element> {
        self.children.iter().filter(|c| c.name == name).collect()
    }

    /// This element and every descendant.
    pub fn walk(&self) -> Vec<&Element> {
        let mut out = vec![self];
        for c in &self.children {
            out.extend(c.walk());
        }
        out
    }
}

/// The XML `text` as a tree, through quick-xml: elements, attributes (entities decoded),
/// text (entities and character references decoded, whitespace between tags dropped). It
/// panics on anything malformed (unbalanced or crossed tags, an unknown entity, a raw `<`,
/// duplicate or unquoted attributes, text outside or more than one root element), which is
/// the point.
pub fn parse_xml(text: &str) -> Element {
    use quick_xml::events::{BytesStart, Event};
    use quick_xml::{Reader, XmlVersion};

    fn element(start: &BytesStart) -> Element {
        let attrs = start
            .attributes()
            .map(|a| {
                let a = a.unwrap_or_else(|e| panic!("bad attribute in <{}>: {e}", &**start));
                assert!(
                    !a.value.contains('<'),
                    "raw < in an attribute of <{}>",
                    &**start
                );
                let value = a
                    .normalized_value(XmlVersion::Implicit1_0)
                    .unwrap_or_else(|e| panic!("bad attribute value: {e}"));
                (a.key.as_ref().to_string(), value.into_owned())
            })
            .collect();
        Element {
            name: start.name().as_ref().to_string(),
            attrs,
            children: vec![],
            text: String::new(),
        }
    }
    let mut reader = Reader::from_str(text);
    let mut stack = vec![Element {
        name: "#document".into(),
        attrs: vec![],
        children: vec![],
        text: String::new(),
    }];
    // Text between two tags comes in pieces (an entity is an event of its own); it is kept
    // when the whole run is more than whitespace.
    let mut run = String::new();
    loop {
        let event = reader
            .read_event()
            .unwrap_or_else(|e| panic!("malformed XML at byte {}: {e}", reader.error_position()));
        match &event {
            Event::Text(t) => {
                run.push_str(&t.xml10_content());
                continue;
            }
            Event::CData(t) => {
                run.push_str(&t.xml10_content());
                continue;
            }
            Event::GeneralRef(r) => {
                match r.resolve_char_ref() {
                    Ok(Some(c)) => run.push(c),
                    Ok(None) => run.push_str(
                        quick_xml::escape::resolve_predefined_entity(r)
                            .unwrap_or_else(|| panic!("unknown entity &{};", &**r)),
                    ),
                    Err(e) => panic!("bad character reference &{};: {e}", &**r),
                }
                continue;
            }
            _ => {}
        }
        if !run.trim().is_empty() {
            stack.last_mut().unwrap().text.push_str(&run);
        }
        run.clear();
        match event {
            Event::Start(start) => stack.push(element(&start)),
            Event::Empty(start) => stack.last_mut().unwrap().children.push(element(&start)),
            Event::End(end) => {
                let done = stack.pop().unwrap();
                assert_eq!(done.name, end.name().as_ref(), "mismatched close tag");
                stack
                    .last_mut()
                    .expect("a closing tag without an opening one")
                    .children
                    .push(done);
            }
            Event::Eof => break,
            // The declaration, comments, processing instructions, a doctype.
            _ => {}
        }
    }
    assert_eq!(stack.len(), 1, "unclosed elements");
    let mut doc = stack.pop().unwrap();
    assert!(doc.text.is_empty(), "text outside the root element");
    assert_eq!(doc.children.len(), 1, "one root element");
    doc.children.pop().unwrap()
}

#[test]
fn parse_xml_is_strict() {
    let root = parse_xml(
        "<?xml version=\"1.0\"?>\n<!-- c -->\n<a k='1 &amp; 2'>\n  <b x=\"&lt;&#65;&#x42;\"/>t &gt; u<c>in</c>\n</a>\n",
    );
    assert_eq!((root.name.as_str(), root.get("k")), ("a", "1 & 2"));
    assert_eq!(root.children[0].get("x"), "<AB");
    assert_eq!(root.text, "t > u");
    assert_eq!(root.all("c")[0].text, "in");
    for bad in [
        "<a><b></a></b>",
        "<a>",
        "</a>",
        "<a/><b/>",
        "<a>&nbsp;</a>",
        "<a x=1/>",
        "<a x='1' x='2'/>",
        "<a x='<'/>",
        "<a>1 < 2</a>",
        "text<a/>",
        "<a/>text",
    ] {
        let failed = std::panic::catch_unwind(|| parse_xml(bad)).is_err();
        assert!(failed, "{bad:?} parsed");
    }
}

/// Every `cycles` row of `policy` in run directory `dir`, as one batch (parts in file order).
pub fn read_cycles(dir: &std::path::Path, policy: &str) -> arrow_array::RecordBatch {
    let part = format!("policy={policy}");
    let mut batches = Vec::new();
    for (path, _) in crate::dataset::files(dir) {
        let cycles = path.starts_with("cycles") && path.extension().is_some_and(|e| e == "parquet");
        if cycles && path.components().any(|c| c.as_os_str() == part.as_str()) {
            let reader = conductor::dataset::read::open_parquet(&dir.join(&path))
                .unwrap()
                .build()
                .unwrap();
            batches.extend(reader.map(|b| b.unwrap()));
        }
    }
    assert!(
        !batches.is_empty(),
        "no cycles of {policy} in {}",
        dir.display()
    );
    arrow_select::concat::concat_batches(&batches[0].schema(), &batches).unwrap()
}

/// The built-in baseline's history under `manual`, `seeds` seasons, as `simulate --event-log`
/// writes it, at `dir/log.csv`.
pub fn manual_history(dir: &std::path::Path, seeds: u64) -> std::path::PathBuf {
    let log = dir.join("log.csv");
    conductor()
        .args([
            "simulate",
            "--seeds",
            &seeds.to_string(),
            "--policy",
            "manual",
        ])
        .args(["--quiet", "--event-log"])
        .arg(&log)
        .assert()
        .success();
    log
}
