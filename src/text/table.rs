//! Plain-text tables for a terminal: aligned columns that fit 100 columns (a wider table is
//! split into blocks that repeat its key columns), word-wrapped prose, and a document of
//! sections.

use std::fmt::Write;

use super::Section;

/// Preamble lines, then each section: its title, its note wrapped, its aligned table.
pub fn document(preamble: &[String], sections: &[Section]) -> String {
    let mut s = String::new();
    for line in preamble {
        let _ = writeln!(s, "{}", wrap(line, WIDTH));
    }
    for sec in sections {
        let _ = write!(s, "\n{}\n{}\n\n", sec.title, wrap(&sec.note, WIDTH));
        let mut rows = vec![sec.header.clone()];
        rows.extend(sec.rows.iter().cloned());
        s.push_str(&aligned(&rows, sec.numeric_from));
    }
    s
}

/// The width prose is wrapped at: a 100-column terminal with room to spare.
pub const WIDTH: usize = 92;

/// Word-wraps `text` at `width` characters.
pub fn wrap(text: &str, width: usize) -> String {
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

/// Tables wider than this many columns are split (see [`aligned_with`]).
pub const MAX_WIDTH: usize = 100;

/// Renders `rows` (the first one a header, underlined) as aligned columns, column `c`
/// right-aligned when `right(c)`. A table wider than [`MAX_WIDTH`] is split into blocks
/// that each fit, every block repeating the leading left-aligned (key) columns.
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
    let span = |cs: &[usize]| -> usize {
        cs.iter().map(|&c| widths[c]).sum::<usize>() + 2 * cs.len().saturating_sub(1)
    };
    let all: Vec<usize> = (0..cols).collect();
    let keys = (0..cols)
        .take_while(|&c| !right(c))
        .count()
        .clamp(1, cols.max(1));
    if span(&all) <= MAX_WIDTH || cols <= keys {
        return block(rows, &all, &widths, &right);
    }
    // Greedy: as many value columns per block as fit beside the keys (at least one).
    let key_cols: Vec<usize> = (0..keys).collect();
    let mut blocks: Vec<Vec<usize>> = vec![];
    let mut current = key_cols.clone();
    for c in keys..cols {
        let mut wider = current.clone();
        wider.push(c);
        if span(&wider) > MAX_WIDTH && current.len() > keys {
            blocks.push(std::mem::replace(&mut current, key_cols.clone()));
            current.push(c);
        } else {
            current = wider;
        }
    }
    blocks.push(current);
    blocks
        .iter()
        .map(|b| block(rows, b, &widths, &right))
        .collect::<Vec<_>>()
        .join("\n")
}

/// The columns `cs` of `rows`, aligned.
fn block(
    rows: &[Vec<String>],
    cs: &[usize],
    widths: &[usize],
    right: &impl Fn(usize) -> bool,
) -> String {
    let mut out = String::new();
    for (i, r) in rows.iter().enumerate() {
        let mut line = String::new();
        for (k, &c) in cs.iter().enumerate() {
            let cell = r.get(c).map_or("", String::as_str);
            if k > 0 {
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
            let total =
                cs.iter().map(|&c| widths[c]).sum::<usize>() + 2 * cs.len().saturating_sub(1);
            out.push_str(&"-".repeat(total));
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

    #[test]
    fn a_table_wider_than_100_columns_is_split_with_its_keys_repeated() {
        let header: Vec<String> = std::iter::once("key".to_string())
            .chain((0..12).map(|i| format!("value-{i:02}")))
            .collect();
        let row: Vec<String> = std::iter::once("row".to_string())
            .chain((0..12).map(|i| format!("{}", 1000 * i)))
            .collect();
        let text = aligned(&[header, row], 1);
        assert!(
            text.lines().all(|l| l.chars().count() <= MAX_WIDTH),
            "{text}"
        );
        let blocks: Vec<&str> = text.split("\n\n").collect();
        assert_eq!(blocks.len(), 2, "{text}");
        assert!(blocks.iter().all(|b| b.starts_with("key")), "{text}");
        for i in 0..12 {
            assert_eq!(text.matches(&format!("value-{i:02}")).count(), 1);
        }
    }
}
