//! XML documents (XES activity logs, JUnit reports): quick-xml writes the structure (tags,
//! nesting, indentation); the escaping of values is conductor's own, because quick-xml's
//! leaves tabs and line breaks raw in attribute values (a parser normalises them to spaces)
//! and passes characters XML 1.0 cannot hold at all (the document is then not well-formed).

use std::io;

use quick_xml::Writer;
use quick_xml::events::attributes::Attribute;
use quick_xml::events::{BytesDecl, BytesStart, BytesText, Event};
use quick_xml::name::QName;

/// `text` escaped for an XML 1.0 attribute value: markup characters and whitespace other
/// than a space as references (so parsers do not normalise them away), and characters
/// XML 1.0 cannot hold at all as U+FFFD.
pub fn xml_escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            '\t' => out.push_str("&#9;"),
            '\n' => out.push_str("&#10;"),
            '\r' => out.push_str("&#13;"),
            '\u{0}'..='\u{1f}' | '\u{fffe}' | '\u{ffff}' => out.push('\u{fffd}'),
            c => out.push(c),
        }
    }
    out
}

/// `text` escaped for XML character data: like [`xml_escape`] but keeping line breaks and
/// tabs as they are, so that multi-line text stays readable in the raw file.
pub fn xml_escape_text(text: &str) -> String {
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

/// A document written to `out`: the UTF-8 declaration, then elements one a line, indented
/// two spaces a level. End it with [`end`].
pub fn start(out: &mut dyn io::Write) -> io::Result<Writer<&mut dyn io::Write>> {
    let mut w = Writer::new_with_indent(out, b' ', 2);
    w.write_event(Event::Decl(BytesDecl::new("1.0", Some("UTF-8"), None)))?;
    Ok(w)
}

/// Ends a document from [`start`] with the line break after its root's end tag.
pub fn end(w: Writer<&mut dyn io::Write>) -> io::Result<()> {
    w.into_inner().write_all(b"\n")
}

/// The start (or empty) tag `name` with `attributes`, in order, each value escaped by
/// [`xml_escape`].
pub fn tag<'a>(name: &'a str, attributes: &[(&str, &str)]) -> BytesStart<'a> {
    let mut tag = BytesStart::new(name);
    for (key, value) in attributes {
        // Already escaped: quick-xml takes raw bytes as they are.
        let value = xml_escape(value);
        tag.push_attribute(Attribute {
            key: QName(key),
            value: value.into(),
        });
    }
    tag
}

/// Character data `text`, escaped by [`xml_escape_text`].
pub fn text(text: &str) -> BytesText<'static> {
    BytesText::from_escaped(xml_escape_text(text))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn xml_escaping_covers_markup_whitespace_and_forbidden_characters() {
        assert_eq!(
            xml_escape(r#"a&b<c>"d"'e'"#),
            "a&amp;b&lt;c&gt;&quot;d&quot;&apos;e&apos;"
        );
        assert_eq!(xml_escape("x\ty\nz\r"), "x&#9;y&#10;z&#13;");
        assert_eq!(xml_escape("bell\u{7}"), "bell\u{fffd}");
        assert_eq!(xml_escape("ünïcode ✓"), "ünïcode ✓");
    }

    #[test]
    fn character_data_keeps_its_line_breaks_and_tabs() {
        assert_eq!(xml_escape_text("a<b\n\tc\r"), "a&lt;b\n\tc&#13;");
    }

    #[test]
    fn a_document_is_indented_two_spaces_and_ends_with_a_line_break() {
        let mut out = Vec::new();
        let mut w = start(&mut out).unwrap();
        w.write_event(Event::Start(tag("root", &[("a", "x\ty")])))
            .unwrap();
        w.write_event(Event::Empty(tag("leaf", &[("k", "<v>")])))
            .unwrap();
        let body = tag("text", &[]);
        w.write_event(Event::Start(body.borrow())).unwrap();
        w.write_event(Event::Text(text("one\ntwo & three")))
            .unwrap();
        w.write_event(Event::End(body.to_end())).unwrap();
        w.write_event(Event::End(quick_xml::events::BytesEnd::new("root")))
            .unwrap();
        end(w).unwrap();
        assert_eq!(
            String::from_utf8(out).unwrap(),
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<root a=\"x&#9;y\">\n  \
             <leaf k=\"&lt;v&gt;\"/>\n  <text>one\ntwo &amp; three</text>\n</root>\n"
        );
    }
}
