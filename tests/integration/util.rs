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

/// A strict little XML parser (elements, double- or single-quoted attributes, the five
/// entities and numeric references, a declaration and comments): it panics on anything
/// malformed (unbalanced or crossed tags, a raw `<` or unknown entity, duplicate or unquoted
/// attributes, more than one root), which is the point.
pub fn parse_xml(text: &str) -> Element {
    fn unescape(s: &str) -> String {
        let mut out = String::new();
        let mut rest = s;
        while let Some(i) = rest.find('&') {
            out.push_str(&rest[..i]);
            let end = rest[i..].find(';').expect("unterminated entity") + i;
            let ent = &rest[i + 1..end];
            out.push(match ent {
                "amp" => '&',
                "lt" => '<',
                "gt" => '>',
                "quot" => '"',
                "apos" => '\'',
                n if n.starts_with("#x") => {
                    char::from_u32(u32::from_str_radix(&n[2..], 16).unwrap()).unwrap()
                }
                n if n.starts_with('#') => char::from_u32(n[1..].parse().unwrap()).unwrap(),
                other => panic!("unknown entity &{other};"),
            });
            rest = &rest[end + 1..];
        }
        assert!(!rest.contains('<'), "raw < in {s:?}");
        out.push_str(rest);
        out
    }
    let element = |name: &str, attrs| Element {
        name: name.to_string(),
        attrs,
        children: vec![],
        text: String::new(),
    };
    let mut stack: Vec<Element> = vec![element("#document", vec![])];
    let mut rest = text;
    while let Some(i) = rest.find('<') {
        let text = unescape(&rest[..i]);
        if !text.trim().is_empty() {
            stack.last_mut().unwrap().text.push_str(&text);
        }
        rest = &rest[i..];
        if rest.starts_with("<?") {
            rest = &rest[rest.find("?>").expect("declaration") + 2..];
            continue;
        }
        if rest.starts_with("<!--") {
            rest = &rest[rest.find("-->").expect("comment") + 3..];
            continue;
        }
        let end = rest.find('>').expect("unterminated tag");
        let tag = &rest[1..end];
        rest = &rest[end + 1..];
        if let Some(name) = tag.strip_prefix('/') {
            let done = stack.pop().unwrap();
            assert_eq!(done.name, name.trim(), "mismatched close tag");
            stack
                .last_mut()
                .expect("a closing tag without an opening one")
                .children
                .push(done);
            continue;
        }
        let self_closing = tag.ends_with('/');
        let tag = tag.trim_end_matches('/');
        let (name, mut attrs_text) = tag.split_once(char::is_whitespace).unwrap_or((tag, ""));
        let mut attrs: Vec<(String, String)> = Vec::new();
        loop {
            attrs_text = attrs_text.trim_start();
            if attrs_text.is_empty() {
                break;
            }
            let eq = attrs_text.find('=').expect("attribute without =");
            let key = attrs_text[..eq].trim().to_string();
            let quote = attrs_text[eq + 1..].chars().next().unwrap();
            assert!(quote == '"' || quote == '\'', "unquoted attribute {key}");
            let body = &attrs_text[eq + 2..];
            let close = body.find(quote).expect("unterminated attribute");
            assert!(
                !attrs.iter().any(|(k, _)| *k == key),
                "duplicate attribute {key}"
            );
            attrs.push((key, unescape(&body[..close])));
            attrs_text = &body[close + 1..];
        }
        let el = element(name, attrs);
        if self_closing {
            stack.last_mut().unwrap().children.push(el);
        } else {
            stack.push(el);
        }
    }
    assert!(rest.trim().is_empty(), "text after the root element");
    assert_eq!(stack.len(), 1, "unclosed elements");
    let mut doc = stack.pop().unwrap();
    assert!(doc.text.is_empty(), "text outside the root element");
    assert_eq!(doc.children.len(), 1, "one root element");
    doc.children.pop().unwrap()
}
