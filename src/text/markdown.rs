//! GitHub-flavoured Markdown: a document of sections as `##` headings, notes and tables.

use std::fmt::Write;

use super::Section;

/// A table cell: `|` escaped.
pub fn cell(s: &str) -> String {
    s.replace('|', "\\|")
}

/// A `# title`, the preamble as a list, then each section as a `##` heading, its note and
/// its table.
pub fn document(title: &str, preamble: &[String], sections: &[Section]) -> String {
    let mut s = format!("# {title}\n\n");
    for line in preamble {
        let _ = writeln!(s, "- {}", cell(line));
    }
    for sec in sections {
        let _ = write!(s, "\n## {}\n\n{}\n\n", sec.title, sec.note);
        let _ = writeln!(
            s,
            "| {} |",
            sec.header
                .iter()
                .map(|h| cell(h))
                .collect::<Vec<_>>()
                .join(" | ")
        );
        let align: Vec<&str> = (0..sec.header.len())
            .map(|c| if c < sec.numeric_from { "---" } else { "---:" })
            .collect();
        let _ = writeln!(s, "| {} |", align.join(" | "));
        for r in &sec.rows {
            let _ = writeln!(
                s,
                "| {} |",
                r.iter().map(|c| cell(c)).collect::<Vec<_>>().join(" | ")
            );
        }
    }
    s
}
