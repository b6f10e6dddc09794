//! Versions: the number a version goes by inside conductor (its place in the train) and the
//! label its team gives it (`8.9`, `8.9.2`, `v104.0.0`, `612`).
//!
//! A simulated season numbers its versions 1, 2, …; their labels are those numbers. A recorded
//! log names its versions by label; when every label is a whole number the numbers are kept
//! (so a log `simulate --event-log` wrote replays with the same numbers and world draws),
//! otherwise the versions are numbered 1, 2, … in the order of their cuts
//! (docs/formats.md, "Event logs").

use std::borrow::Cow;
use std::cmp::Ordering;
use std::collections::BTreeMap;

/// The longest version label accepted.
pub const MAX_LABEL_CHARS: usize = 64;

/// The labels of a run's versions, by number. A number without a label is labelled by itself.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct VersionLabels(BTreeMap<u32, String>);

impl VersionLabels {
    /// Labels from `(number, label)` pairs.
    pub fn new(labels: BTreeMap<u32, String>) -> VersionLabels {
        VersionLabels(labels)
    }

    /// The label of `version`.
    pub fn of(&self, version: u32) -> Cow<'_, str> {
        match self.0.get(&version) {
            Some(l) => Cow::Borrowed(l),
            None => Cow::Owned(version.to_string()),
        }
    }

    /// Whether every label is its own number (a simulated season, or a log of whole numbers).
    pub fn is_numeric(&self) -> bool {
        self.0.iter().all(|(n, l)| *l == n.to_string())
    }

    /// The labelled versions, by number.
    pub fn iter(&self) -> impl Iterator<Item = (u32, &str)> {
        self.0.iter().map(|(n, l)| (*n, l.as_str()))
    }
}

/// Why `text` is not a version label, if it is not one: empty, longer than
/// [`MAX_LABEL_CHARS`], or holding a control character or a space.
pub fn label_error(text: &str) -> Option<String> {
    let chars = text.chars().count();
    if chars == 0 {
        Some("an empty version".into())
    } else if chars > MAX_LABEL_CHARS {
        Some(format!(
            "a version label of {chars} characters (at most {MAX_LABEL_CHARS})"
        ))
    } else if text.chars().any(|c| c.is_control() || c.is_whitespace()) {
        Some(format!(
            "bad version {text:?}: a label holds no spaces or control characters"
        ))
    } else {
        None
    }
}

/// A version as a short name shows it: `v1` for a number, `v8.9` for a label that starts
/// with a digit, a label such as `v104.0.0` or `nightly-3` as it is.
pub fn short_label(label: &str) -> String {
    if label.starts_with(|c: char| c.is_ascii_digit()) {
        format!("v{label}")
    } else {
        label.to_string()
    }
}

/// Orders version labels the way people read them: a leading `v` is ignored, runs of digits
/// compare as numbers (`8.9` < `8.10`), and a label that continues another with a
/// pre-release suffix (`-rc.1`, `-beta`) comes before it (`1.0.0-rc.1` < `1.0.0`), as in
/// SemVer. Labels that compare equal that way are ordered by their text.
pub fn compare_labels(a: &str, b: &str) -> Ordering {
    let (x, y) = (strip_v(a), strip_v(b));
    let (mut i, mut j) = (Chunks(x), Chunks(y));
    loop {
        match (i.next(), j.next()) {
            (None, None) => return a.cmp(b),
            (None, Some(c)) => {
                return if c.starts_with('-') {
                    Ordering::Greater
                } else {
                    Ordering::Less
                };
            }
            (Some(c), None) => {
                return if c.starts_with('-') {
                    Ordering::Less
                } else {
                    Ordering::Greater
                };
            }
            (Some(c), Some(d)) => {
                let o = compare_chunks(c, d);
                if o != Ordering::Equal {
                    return o;
                }
            }
        }
    }
}

fn strip_v(s: &str) -> &str {
    match s.strip_prefix(['v', 'V']) {
        Some(rest) if rest.starts_with(|c: char| c.is_ascii_digit()) => rest,
        _ => s,
    }
}

fn compare_chunks(c: &str, d: &str) -> Ordering {
    let digits = |s: &str| s.bytes().all(|b| b.is_ascii_digit());
    match (digits(c), digits(d)) {
        (true, true) => {
            let (c, d) = (c.trim_start_matches('0'), d.trim_start_matches('0'));
            c.len().cmp(&d.len()).then_with(|| c.cmp(d))
        }
        // A number comes before words (`1.0.0-2` < `1.0.0-rc`).
        (true, false) => Ordering::Less,
        (false, true) => Ordering::Greater,
        (false, false) => c.cmp(d),
    }
}

/// The runs of a label: digits, or anything else.
struct Chunks<'a>(&'a str);

impl<'a> Iterator for Chunks<'a> {
    type Item = &'a str;

    fn next(&mut self) -> Option<&'a str> {
        let first = self.0.chars().next()?;
        let digit = first.is_ascii_digit();
        let end = self
            .0
            .find(|c: char| c.is_ascii_digit() != digit)
            .unwrap_or(self.0.len());
        let (chunk, rest) = self.0.split_at(end);
        self.0 = rest;
        Some(chunk)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sorted(labels: &[&str]) -> Vec<String> {
        let mut v: Vec<String> = labels.iter().map(|s| s.to_string()).collect();
        v.sort_by(|a, b| compare_labels(a, b));
        v
    }

    #[test]
    fn labels_sort_as_versions() {
        assert_eq!(
            sorted(&["8.10", "8.9.2", "8.9", "10.0", "8.9.10", "9"]),
            ["8.9", "8.9.2", "8.9.10", "8.10", "9", "10.0"]
        );
        assert_eq!(
            sorted(&[
                "v104.0.0",
                "v103.2.1",
                "v104.0.0-beta.2",
                "v104.0.0-beta.10"
            ]),
            [
                "v103.2.1",
                "v104.0.0-beta.2",
                "v104.0.0-beta.10",
                "v104.0.0"
            ]
        );
        assert_eq!(sorted(&["612", "7.20", "v7.3"]), ["v7.3", "7.20", "612"]);
        // Equal as versions, different as text: the text decides, so the order is total.
        assert_eq!(sorted(&["v1.2", "1.2", "1.02"]), ["1.02", "1.2", "v1.2"]);
    }

    #[test]
    fn labels_are_bounded_and_printable() {
        assert_eq!(label_error("8.9.2"), None);
        assert!(label_error("").is_some());
        assert!(label_error("8.9 beta").unwrap().contains("no spaces"));
        assert!(
            label_error(&"9".repeat(65))
                .unwrap()
                .contains("65 characters")
        );
        assert_eq!(label_error(&"é".repeat(64)), None);
    }

    #[test]
    fn short_labels_start_with_v_once() {
        assert_eq!(short_label("3"), "v3");
        assert_eq!(short_label("8.9.2"), "v8.9.2");
        assert_eq!(short_label("v104.0.0"), "v104.0.0");
        assert_eq!(short_label("nightly-3"), "nightly-3");
    }

    #[test]
    fn a_number_without_a_label_is_its_own() {
        let labels = VersionLabels::new(BTreeMap::from([(1, "8.9".to_string())]));
        assert_eq!((&*labels.of(1), &*labels.of(2)), ("8.9", "2"));
        assert!(!labels.is_numeric());
        assert!(VersionLabels::new(BTreeMap::from([(3, "3".into())])).is_numeric());
    }
}
