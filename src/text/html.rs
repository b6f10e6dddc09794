//! HTML for self-contained pages (inline CSS and SVG, no scripts, no network): escaping, the
//! shared style, the start of a page, headline cards, inlined charts and a document of
//! sections as tables.

use std::fmt::Write;

use super::Section;

/// `s` escaped for HTML text and attribute values.
pub fn escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// The style every page shares.
pub const STYLE: &str = "
body { font-family: system-ui, -apple-system, 'Segoe UI', sans-serif; margin: 2em auto; max-width: 1100px; color: #222; line-height: 1.4; padding: 0 1em; }
h1 { margin-bottom: 0.2em; }
.runs { color: #555; font-size: 0.9em; }
.headline { display: flex; flex-wrap: wrap; gap: 1em; margin: 1.5em 0; }
.card { border: 1px solid #ddd; border-radius: 6px; padding: 0.8em 1.2em; min-width: 12em; }
.card .value { font-size: 1.8em; font-weight: 600; }
.card .label { color: #555; font-size: 0.9em; }
.badge { display: inline-block; margin-top: 0.3em; padding: 0.05em 0.5em; border-radius: 4px; background: #fbefb0; color: #5a4a00; font-size: 0.85em; }
table { border-collapse: collapse; margin: 0.5em 0 2em; font-size: 0.9em; }
th, td { border-bottom: 1px solid #e3e3e3; padding: 0.25em 0.7em; }
th { text-align: left; background: #f5f5f5; }
td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; }
.note { color: #444; max-width: 60em; }
figure { margin: 1em 0 2em; }
figcaption { color: #444; font-size: 0.9em; max-width: 60em; }
svg { max-width: 100%; height: auto; }
";

/// Each section as a heading, its note and its table.
pub fn tables(sections: &[Section]) -> String {
    let mut s = String::new();
    for sec in sections {
        let _ = write!(
            s,
            "<h2 id=\"{}\">{}</h2>\n<p class=\"note\">{}</p>\n<table>\n<tr>",
            sec.id,
            escape(&sec.title),
            escape(&sec.note)
        );
        for (c, h) in sec.header.iter().enumerate() {
            let class = if c >= sec.numeric_from {
                " class=\"num\""
            } else {
                ""
            };
            let _ = write!(s, "<th{class}>{}</th>", escape(h));
        }
        s.push_str("</tr>\n");
        for r in &sec.rows {
            s.push_str("<tr>");
            for (c, v) in r.iter().enumerate() {
                let class = if c >= sec.numeric_from {
                    " class=\"num\""
                } else {
                    ""
                };
                let _ = write!(s, "<td{class}>{}</td>", escape(v));
            }
            s.push_str("</tr>\n");
        }
        s.push_str("</table>\n");
    }
    s
}

/// The start of a page: the document head with the shared style, the `<h1>` title and
/// the preamble lines.
pub fn page_start(title: &str, preamble: &[String]) -> String {
    let mut s = String::new();
    let _ = write!(
        s,
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\n<title>{}</title>\n<style>{STYLE}</style></head><body>\n<h1>{}</h1>\n<div class=\"runs\">\n",
        escape(title),
        escape(title)
    );
    for line in preamble {
        let _ = writeln!(s, "<div>{}</div>", escape(line));
    }
    s.push_str("</div>\n");
    s
}

/// A chart inlined as a figure: `<figure id="chart-NAME">`, the SVG without its XML
/// declaration, and its caption.
pub fn figure(name: &str, svg: &str, caption: &str) -> String {
    format!(
        "<figure id=\"chart-{name}\">\n{}\n<figcaption>{}</figcaption></figure>\n",
        svg_body(svg),
        escape(caption)
    )
}

/// A headline card: a large value over its label. Both are HTML already (the label may hold
/// a `<br>`), so the caller escapes what it puts in.
pub fn card(value: &str, label: &str) -> String {
    format!(
        "<div class=\"card\"><div class=\"value\">{value}</div><div class=\"label\">{label}</div></div>\n"
    )
}

/// An SVG document without its XML declaration, for inlining.
fn svg_body(svg: &str) -> &str {
    match svg.find("<svg") {
        Some(i) => &svg[i..],
        None => svg,
    }
}
