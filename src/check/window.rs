//! Which recorded track-cycles `check` judges: a window of the history (`--last N`,
//! `--since DATE`, `--until DATE`), and the window as the output and a baseline record it.
//!
//! Versions are ordered by their cut (a version's cut is its earliest platform's); `--last
//! N` keeps the N latest versions of each seed (history) with every platform's track-cycle
//! of them, `--since` and `--until` keep the track-cycles cut at or after, and before, an
//! instant. Together, the dates apply first and `--last` then counts the versions left.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;

use jiff::Timestamp;
use jiff::tz::TimeZone;

/// What the command line asked for; all `None` selects every track-cycle.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct WindowSpec {
    /// `--last N`: the N latest versions of each seed, by their cut.
    pub last: Option<u32>,
    /// `--since`: track-cycles cut at or after this instant.
    pub since: Option<Timestamp>,
    /// `--until`: track-cycles cut before this instant.
    pub until: Option<Timestamp>,
}

impl WindowSpec {
    /// True when nothing narrows the history.
    pub fn is_all(&self) -> bool {
        *self == WindowSpec::default()
    }

    /// The selection in words, as the output and a baseline record it: `all`, or e.g.
    /// `last 10 versions since 2026-02-01T00:00:00Z`.
    pub fn describe(&self) -> String {
        if self.is_all() {
            return "all".into();
        }
        let mut parts = Vec::new();
        if let Some(n) = self.last {
            parts.push(format!("last {n} version{}", if n == 1 { "" } else { "s" }));
        }
        if let Some(t) = self.since {
            parts.push(format!("since {t}"));
        }
        if let Some(t) = self.until {
            parts.push(format!("until {t}"));
        }
        parts.join(" ")
    }
}

/// The track-cycles a check judged (or a baseline was recorded from): how they were chosen,
/// how many versions, and their span.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Window {
    /// How they were chosen ([`WindowSpec::describe`]).
    pub selection: String,
    /// Versions in the window, summed over seeds (one history: its versions).
    pub versions: usize,
    /// The lowest version number in it.
    pub first_version: u32,
    /// The highest.
    pub last_version: u32,
    /// The earliest cut of a track-cycle in it.
    pub first_cut: Timestamp,
    /// The latest.
    pub last_cut: Timestamp,
}

impl Window {
    /// One line for people: `last 10 versions: 415–424, cut 2026-02-13 to 2026-04-17 (UTC)`.
    pub fn describe(&self) -> String {
        let day = |t: Timestamp| t.strftime("%Y-%m-%d").to_string();
        let versions = if self.first_version == self.last_version {
            format!("version {}", self.first_version)
        } else {
            format!(
                "{} versions {}–{}",
                self.versions, self.first_version, self.last_version
            )
        };
        format!(
            "{}: {versions}, cut {} to {} (UTC)",
            self.selection,
            day(self.first_cut),
            day(self.last_cut)
        )
    }

    /// The window as a baseline's `[window]` table (TOML lines).
    pub fn toml(&self) -> String {
        let mut s = String::new();
        let _ = writeln!(
            s,
            "\n# The recorded track-cycles these values come from (conductor check reads it to"
        );
        let _ = writeln!(
            s,
            "# show beside the window it checks; it selects nothing)."
        );
        let _ = writeln!(s, "[window]");
        let _ = writeln!(s, "selection = {:?}", self.selection);
        let _ = writeln!(s, "versions = {}", self.versions);
        let _ = writeln!(s, "first_version = {}", self.first_version);
        let _ = writeln!(s, "last_version = {}", self.last_version);
        let _ = writeln!(s, "first_cut = \"{}\"", self.first_cut);
        let _ = writeln!(s, "last_cut = \"{}\"", self.last_cut);
        s
    }
}

/// One recorded track-cycle, as the window sees it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Cut {
    /// Its seed (history).
    pub seed: u64,
    /// Its version.
    pub version: u32,
    /// Its branch cut (or recorded start).
    pub at: Timestamp,
}

/// Which of `cuts` lie in the window `spec` asks for (a mask in `cuts`' order), and the
/// window they make; `None` when none does.
pub fn select(spec: &WindowSpec, cuts: &[Cut]) -> (Vec<bool>, Option<Window>) {
    let dated =
        |c: &Cut| spec.since.is_none_or(|s| c.at >= s) && spec.until.is_none_or(|u| c.at < u);
    let mut keep: Vec<bool> = cuts.iter().map(dated).collect();
    if let Some(n) = spec.last {
        // Each seed's versions by their cut (the earliest of their track-cycles still in).
        let mut cut_of: BTreeMap<(u64, u32), Timestamp> = BTreeMap::new();
        for (c, _) in cuts.iter().zip(&keep).filter(|(_, k)| **k) {
            let e = cut_of.entry((c.seed, c.version)).or_insert(c.at);
            *e = (*e).min(c.at);
        }
        let mut by_seed: BTreeMap<u64, Vec<(Timestamp, u32)>> = BTreeMap::new();
        for ((seed, version), at) in &cut_of {
            by_seed.entry(*seed).or_default().push((*at, *version));
        }
        let mut latest: BTreeSet<(u64, u32)> = BTreeSet::new();
        for (seed, mut versions) in by_seed {
            versions.sort();
            let skip = versions.len().saturating_sub(n as usize);
            latest.extend(versions[skip..].iter().map(|(_, v)| (seed, *v)));
        }
        for (c, k) in cuts.iter().zip(keep.iter_mut()) {
            *k = *k && latest.contains(&(c.seed, c.version));
        }
    }
    let kept: Vec<&Cut> = cuts
        .iter()
        .zip(&keep)
        .filter(|(_, k)| **k)
        .map(|(c, _)| c)
        .collect();
    let window = (!kept.is_empty()).then(|| {
        let versions: BTreeSet<(u64, u32)> = kept.iter().map(|c| (c.seed, c.version)).collect();
        Window {
            selection: spec.describe(),
            versions: versions.len(),
            first_version: kept.iter().map(|c| c.version).min().unwrap_or(0),
            last_version: kept.iter().map(|c| c.version).max().unwrap_or(0),
            first_cut: kept
                .iter()
                .map(|c| c.at)
                .min()
                .unwrap_or(Timestamp::UNIX_EPOCH),
            last_cut: kept
                .iter()
                .map(|c| c.at)
                .max()
                .unwrap_or(Timestamp::UNIX_EPOCH),
        }
    });
    (keep, window)
}

/// Parses `--since` / `--until`: an RFC 3339 instant with an offset
/// (`2026-03-01T08:00:00+01:00`, `…Z`), or a date (`2026-03-01`), which is midnight at the
/// start of that day in `zone` (the release squad's).
pub fn parse_instant(text: &str, zone: &TimeZone) -> Result<Timestamp, String> {
    if let Ok(t) = text.parse::<Timestamp>() {
        return Ok(t);
    }
    match text.parse::<jiff::civil::Date>() {
        Ok(d) => d
            .to_zoned(zone.clone())
            .map(|z| z.timestamp())
            .map_err(|e| format!("{text:?}: {e}")),
        Err(_) => Err(format!(
            "{text:?}: not a date (2026-03-01) or an instant with an offset \
             (2026-03-01T08:00:00+01:00)"
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(day: i64) -> Timestamp {
        Timestamp::from_second(1_767_945_600 + day * 86_400).unwrap()
    }

    /// Two platforms of versions 10..20, a week apart; version 19's second platform cut a
    /// day later.
    fn history() -> Vec<Cut> {
        (10..20u32)
            .flat_map(|v| {
                let day = i64::from(v - 10) * 7;
                [
                    Cut {
                        seed: 0,
                        version: v,
                        at: at(day),
                    },
                    Cut {
                        seed: 0,
                        version: v,
                        at: at(day + i64::from(v == 19)),
                    },
                ]
            })
            .collect()
    }

    #[test]
    fn last_n_keeps_every_platform_of_the_latest_versions() {
        let cuts = history();
        let spec = WindowSpec {
            last: Some(3),
            ..WindowSpec::default()
        };
        let (keep, window) = select(&spec, &cuts);
        let kept: Vec<u32> = cuts
            .iter()
            .zip(&keep)
            .filter(|(_, k)| **k)
            .map(|(c, _)| c.version)
            .collect();
        assert_eq!(kept, [17, 17, 18, 18, 19, 19]);
        let w = window.unwrap();
        assert_eq!((w.versions, w.first_version, w.last_version), (3, 17, 19));
        assert_eq!((w.first_cut, w.last_cut), (at(49), at(64)));
        assert_eq!(w.selection, "last 3 versions");
        // More than there are: all of them.
        let all = WindowSpec {
            last: Some(50),
            ..WindowSpec::default()
        };
        assert!(select(&all, &cuts).0.iter().all(|k| *k));
    }

    #[test]
    fn dates_apply_before_last() {
        let cuts = history();
        let spec = WindowSpec {
            last: Some(2),
            since: None,
            until: Some(at(63)),
        };
        let (keep, window) = select(&spec, &cuts);
        let kept: BTreeSet<u32> = cuts
            .iter()
            .zip(&keep)
            .filter(|(_, k)| **k)
            .map(|(c, _)| c.version)
            .collect();
        // Version 19 is cut on day 63: not before it.
        assert_eq!(kept, BTreeSet::from([17, 18]));
        assert_eq!(window.unwrap().versions, 2);
        let since = WindowSpec {
            since: Some(at(63)),
            ..WindowSpec::default()
        };
        let (keep, window) = select(&since, &cuts);
        assert_eq!(keep.iter().filter(|k| **k).count(), 2);
        assert_eq!(
            window.unwrap().describe(),
            "since 2026-03-13T08:00:00Z: version 19, cut 2026-03-13 to 2026-03-14 (UTC)"
        );
        let none = WindowSpec {
            since: Some(at(400)),
            ..WindowSpec::default()
        };
        assert_eq!(select(&none, &cuts).1, None);
    }

    #[test]
    fn dates_parse_as_instants_or_the_squads_midnight() {
        let tz = TimeZone::get("Europe/Stockholm").unwrap();
        assert_eq!(
            parse_instant("2026-03-01", &tz).unwrap().to_string(),
            "2026-02-28T23:00:00Z"
        );
        assert_eq!(
            parse_instant("2026-03-01T08:00:00+01:00", &tz)
                .unwrap()
                .to_string(),
            "2026-03-01T07:00:00Z"
        );
        assert!(
            parse_instant("March 1", &tz)
                .unwrap_err()
                .contains("not a date")
        );
    }
}
