//! TOML errors as people read them: toml's own layout (the position, the line, a caret under
//! the offending span, the message), on its own lines, with long lines cut around the span
//! so that an unclosed string on a 100 kB line is not echoed whole.

/// The widest source line shown, in characters; a longer one keeps its start and a window
/// around the caret, with `…` where it was cut.
pub const MAX_SOURCE_LINE: usize = 120;

/// The widest message line shown, in characters (a message may quote a long value).
pub const MAX_MESSAGE_LINE: usize = 300;

/// How much of a cut line's start is kept before the window around the caret.
const HEAD: usize = 32;

/// `err`, raised while parsing `text`, as lines to print after the file name:
///
/// ```text
/// TOML parse error at line 43, column 9
///    |
/// 43 | teams = "twelve"
///    |         ^^^^^^^^
/// invalid type: string "twelve", expected i64
/// ```
pub fn describe(err: &toml::de::Error, text: &str) -> String {
    let Some(snippet) = err.span().and_then(|span| snippet(text, span)) else {
        return cap_lines(err.to_string().trim_end(), MAX_MESSAGE_LINE);
    };
    format!(
        "{snippet}\n{}",
        cap_lines(err.message().trim_end(), MAX_MESSAGE_LINE)
    )
}

/// The position line, the source line (cut to [`MAX_SOURCE_LINE`]) and the caret line of the
/// span starting at byte `span.start`; `None` if the span is not in `text`.
fn snippet(text: &str, span: std::ops::Range<usize>) -> Option<String> {
    let start = span.start;
    if start > text.len() || !text.is_char_boundary(start) {
        return None;
    }
    let line_start = text[..start].rfind('\n').map_or(0, |i| i + 1);
    let line_end = text[start..].find('\n').map_or(text.len(), |i| start + i);
    let line: Vec<char> = text[line_start..line_end]
        .trim_end_matches('\r')
        .chars()
        .collect();
    let line_no = text[..line_start].matches('\n').count() + 1;
    let column = text[line_start..start].chars().count();
    let end = span.end.clamp(start, line_end);
    let width = text.get(start..end).map_or(1, |s| s.chars().count()).max(1);

    // What of the line is shown: all of it; or its start, when the caret is near it; or its
    // first HEAD characters (the key, usually) and a window around the caret.
    let mut shown: String;
    let (caret_at, to);
    if line.len() <= MAX_SOURCE_LINE {
        shown = line.iter().collect();
        (caret_at, to) = (column, line.len());
    } else if column + 10 < MAX_SOURCE_LINE {
        shown = line[..MAX_SOURCE_LINE].iter().collect();
        (caret_at, to) = (column, MAX_SOURCE_LINE);
    } else {
        let window = MAX_SOURCE_LINE - HEAD - 1;
        let from = column
            .saturating_sub(window * 2 / 3)
            .min(line.len() - window)
            .max(HEAD);
        shown = line[..HEAD].iter().collect();
        shown.push('…');
        to = (from + window).min(line.len());
        shown.extend(&line[from..to]);
        caret_at = HEAD + 1 + column - from;
    }
    if to < line.len() {
        shown.push('…');
    }
    let carets = width.min(to.saturating_sub(column)).max(1);

    let gutter = " ".repeat(line_no.to_string().len());
    Some(format!(
        "TOML parse error at line {line_no}, column {}\n{gutter} |\n{line_no} | {shown}\n{gutter} | {}{}",
        column + 1,
        " ".repeat(caret_at),
        "^".repeat(carets)
    ))
}

/// `text` with every line longer than `max` characters cut to `max` and an ellipsis.
fn cap_lines(text: &str, max: usize) -> String {
    text.lines()
        .map(|l| match l.char_indices().nth(max) {
            Some((cut, _)) => format!("{}…", &l[..cut]),
            None => l.to_string(),
        })
        .collect::<Vec<_>>()
        .join("\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn error(text: &str) -> String {
        let err = toml::from_str::<toml::Table>(text).unwrap_err();
        describe(&err, text)
    }

    #[test]
    fn keeps_toml_layout_on_its_lines() {
        let text = "a = 1\nb = \"x\n";
        assert_eq!(
            error(text),
            "TOML parse error at line 2, column 7\n  |\n2 | b = \"x\n  |       ^\ninvalid basic string, expected `\"`"
        );
    }

    #[test]
    fn a_long_line_is_cut_around_the_caret() {
        let text = format!("a = 1\nb = \"{}", "x".repeat(100_000));
        let shown = error(&text);
        assert!(shown.len() < 600, "{} bytes:\n{shown}", shown.len());
        let lines: Vec<&str> = shown.lines().collect();
        // The key stays in sight; the caret is at the line's end, where the string should
        // have closed.
        assert!(lines[2].starts_with("2 | b = \"xxx"), "{shown}");
        assert!(lines[2].contains("x…x"), "{shown}");
        assert!(lines[2].chars().count() <= MAX_SOURCE_LINE + 4, "{shown}");
        assert_eq!(
            lines[3].find('^'),
            Some(lines[2].chars().count()),
            "{shown}"
        );
    }

    #[test]
    fn a_caret_far_into_a_long_line_stays_under_its_span() {
        let text = format!("a = [{}?, 2, 3]", "1, ".repeat(5_000));
        let shown = error(&text);
        let lines: Vec<&str> = shown.lines().collect();
        let source = lines[2];
        let caret = lines[3].find('^').unwrap();
        assert!(source.starts_with("1 | a = [1, 1,"), "{shown}");
        assert!(source.ends_with("2, 3]"), "{shown}");
        // The caret line and the source line share the `1 | ` gutter; the caret points at `?`.
        assert_eq!(source.chars().nth(caret), Some('?'), "{shown}");
    }

    #[test]
    fn long_message_lines_are_capped() {
        assert_eq!(cap_lines("abcdef\nab", 3), "abc…\nab");
    }
}
