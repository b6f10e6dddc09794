//! CSV cells (RFC 4180): quoted when they hold a comma, a quote or a line break.

/// `s` as one CSV field.
pub fn field(s: &str) -> String {
    if s.contains([',', '"', '\n']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s.to_string()
    }
}
