//! `--format table`: plain-text tables for a terminal.

use std::fmt::Write;

use super::{Render, describe_runs, sections};
use crate::report::{Report, ReportError};

/// Plain-text tables.
pub struct Table;

impl Render for Table {
    fn render(&self, report: &Report) -> Result<String, ReportError> {
        let mut s = String::new();
        for line in describe_runs(report) {
            let _ = writeln!(s, "{line}");
        }
        for sec in sections(report) {
            let _ = write!(s, "\n{}\n{}\n\n", sec.title, wrap(&sec.note, 92));
            let mut rows = vec![sec.header.clone()];
            rows.extend(sec.rows.iter().cloned());
            s.push_str(&aligned(&rows, sec.numeric_from));
        }
        Ok(s)
    }
}

/// Word-wraps `text` at `width` characters.
fn wrap(text: &str, width: usize) -> String {
    let mut out = String::new();
    let mut line = 0;
    for word in text.split_whitespace() {
        let w = word.chars().count();
        if line > 0 && line + 1 + w > width {
            out.push('\n');
            line = 0;
        } else if line > 0 {
            out.push(' ');
            line += 1;
        }
        out.push_str(word);
        line += w;
    }
    out
}

/// Renders `rows` (the first one a header, underlined) as aligned columns: columns before
/// `numeric_from` left-aligned, the rest right-aligned.
pub fn aligned(rows: &[Vec<String>], numeric_from: usize) -> String {
    aligned_with(rows, |c| c >= numeric_from)
}

/// Renders `rows` (the first one a header, underlined) as aligned columns, column `c`
/// right-aligned when `right(c)`.
pub fn aligned_with(rows: &[Vec<String>], right: impl Fn(usize) -> bool) -> String {
    let cols = rows.iter().map(Vec::len).max().unwrap_or(0);
    let widths: Vec<usize> = (0..cols)
        .map(|c| {
            rows.iter()
                .filter_map(|r| r.get(c))
                .map(|s| s.chars().count())
                .max()
                .unwrap_or(0)
        })
        .collect();
    let mut out = String::new();
    for (i, r) in rows.iter().enumerate() {
        let mut line = String::new();
        for (c, cell) in r.iter().enumerate() {
            if c > 0 {
                line.push_str("  ");
            }
            if right(c) {
                let _ = write!(line, "{cell:>w$}", w = widths[c]);
            } else {
                let _ = write!(line, "{cell:<w$}", w = widths[c]);
            }
        }
        out.push_str(line.trim_end());
        out.push('\n');
        if i == 0 {
            out.push_str(&"-".repeat(widths.iter().sum::<usize>() + 2 * cols.saturating_sub(1)));
            out.push('\n');
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wraps_at_word_boundaries() {
        assert_eq!(wrap("aa bb cc", 5), "aa bb\ncc");
        assert_eq!(wrap("", 5), "");
    }

    #[test]
    fn aligns_text_left_and_numbers_right() {
        let rows = vec![
            vec!["name".to_string(), "n".to_string()],
            vec!["a".to_string(), "10".to_string()],
        ];
        assert_eq!(aligned(&rows, 1), "name   n\n--------\na     10\n");
    }
}
