//! How a team's repository and exports show its releases: a [`Convention`], from a preset
//! ([`Preset`], shipped as the mapping files in `src/import/presets/`) or a mapping file the
//! user writes (TOML, every key documented in docs/import.md), which may start from a preset
//! (`preset = "…"`) and change some keys.
//!
//! Two stages, as scenarios: [`RawMapping`] mirrors the file (unknown keys are errors naming
//! the key), [`Convention::from_raw`] compiles the patterns and checks them (an error names
//! the key and the value).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use regex::Regex;
use serde::Deserialize;

use super::ImportError;
use crate::model::Kind;
use crate::scenario::toml_error;

/// A shipped convention.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Preset {
    /// `release/X.Y` branches, `X.Y-rc-N` tags, release `X.Y`, points `X.Y.Z` (WooCommerce
    /// Android).
    ReleaseBranches,
    /// `releases_vN.0.0` branches, `vN.0.0-beta.K` / `vN.0bK` / `-rc.K` tags, releases
    /// `vN.x.y` (Firefox for Android, Fenix).
    ReleasesV,
    /// Tags on the main line: `vX.Y.Z-rc.N`, release `vX.Y.0`, points `vX.Y.Z`.
    Trunk,
}

impl Preset {
    /// Every preset, in the order docs/import.md presents them.
    pub const ALL: [Preset; 3] = [Preset::ReleaseBranches, Preset::ReleasesV, Preset::Trunk];

    /// Its name (`--preset NAME`, `preset = "NAME"`).
    pub fn name(self) -> &'static str {
        match self {
            Preset::ReleaseBranches => "release-branches",
            Preset::ReleasesV => "releases-v",
            Preset::Trunk => "trunk",
        }
    }

    /// The preset called `name`.
    pub fn parse(name: &str) -> Option<Preset> {
        Preset::ALL.into_iter().find(|p| p.name() == name)
    }

    /// The preset as a mapping file (what `conductor import preset NAME` prints).
    pub fn toml(self) -> &'static str {
        match self {
            Preset::ReleaseBranches => include_str!("presets/release-branches.toml"),
            Preset::ReleasesV => include_str!("presets/releases-v.toml"),
            Preset::Trunk => include_str!("presets/trunk.toml"),
        }
    }

    fn raw(self) -> RawMapping {
        match toml::from_str(self.toml()) {
            Ok(raw) => raw,
            // The presets are compiled in and covered by tests: a build defect.
            Err(e) => unreachable!("preset {} is invalid: {e}", self.name()),
        }
    }
}

/// A mapping file as written (docs/import.md, "The mapping file").
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawMapping {
    preset: Option<String>,
    platform: Option<String>,
    main: Option<String>,
    start: Option<String>,
    cut: Option<String>,
    branch: Option<String>,
    candidate: Option<String>,
    release: Option<String>,
    bump: Option<String>,
    automation: Option<RawAutomation>,
    csv: Option<RawColumns>,
}

/// `[automation]`.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawAutomation {
    subjects: Option<Vec<String>>,
    authors: Option<Vec<String>>,
}

/// `[csv]`: a release dashboard's CSV export, column by column.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawColumns {
    ts: Option<String>,
    version: Option<String>,
    kind: Option<String>,
    platform: Option<String>,
    #[serde(rename = "ref")]
    reference: Option<String>,
    value: Option<String>,
    time_zone: Option<String>,
    kinds: Option<BTreeMap<String, String>>,
}

/// How a cycle's start is recorded.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Start {
    /// `branch_cut`: the release branch leaves the main line.
    BranchCut,
    /// `cycle_started`: the first release-candidate tag, or an earlier version bump.
    CycleStarted,
}

/// Which commit dates a branch cut.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Cut {
    /// The main-line commit the branch starts from (a lower bound of the cut).
    ForkPoint,
    /// The branch's first commit of its own (an upper bound), or the fork point without one.
    FirstCommit,
}

/// A validated convention: what the importers read a history with.
#[derive(Debug, Clone)]
pub struct Convention {
    /// The preset or file it came from, for messages (`preset release-branches`, a path).
    pub name: String,
    /// The platform of every event (lower case).
    pub platform: String,
    /// The main line's branch name; `None`: the repository's default branch.
    pub main: Option<String>,
    /// How a cycle starts.
    pub start: Start,
    /// Which commit dates a branch cut.
    pub cut: Cut,
    /// Release branches.
    pub branch: Option<Regex>,
    /// Release-candidate (beta) tags.
    pub candidate: Option<Regex>,
    /// Release and point-release tags.
    pub release: Option<Regex>,
    /// Main-line commit subjects that start a version.
    pub bump: Option<Regex>,
    /// Commits that are not fixes.
    pub automation: Automation,
    /// A dashboard export's columns, when the mapping has `[csv]`.
    pub columns: Option<Columns>,
}

/// Commits that are not fixes, by subject or author.
#[derive(Debug, Clone, Default)]
pub struct Automation {
    /// Patterns on the subject line.
    pub subjects: Vec<Regex>,
    /// Patterns on `Name <email>`.
    pub authors: Vec<Regex>,
}

impl Automation {
    /// Whether a commit by `author` (`Name <email>`) with `subject` is automation.
    pub fn matches(&self, author: &str, subject: &str) -> bool {
        self.subjects.iter().any(|r| r.is_match(subject))
            || self.authors.iter().any(|r| r.is_match(author))
    }
}

/// `[csv]`, validated: which column holds what, and what the kind column's values mean.
#[derive(Debug, Clone)]
pub struct Columns {
    /// The time column.
    pub ts: String,
    /// The version column (its text is the label).
    pub version: String,
    /// The column naming what happened.
    pub kind: String,
    /// The platform column, if any.
    pub platform: Option<String>,
    /// The reference column, if any.
    pub reference: Option<String>,
    /// The value column, if any.
    pub value: Option<String>,
    /// The zone of times written without an offset; `None`: such a time is an error.
    pub time_zone: Option<jiff::tz::TimeZone>,
    /// The kind column's values (trimmed) → what they mean: a kind and, optionally, a fixed
    /// value (`"rollout 100"`).
    pub kinds: BTreeMap<String, (Kind, Option<f64>)>,
}

/// The tag patterns' order of precedence: a tag matching the candidate pattern is a
/// candidate even if the release pattern matches it too.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum TagRole {
    /// A release candidate or beta.
    Candidate,
    /// A release or point release.
    Release,
}

impl Convention {
    /// The preset `preset`, on `platform` when given.
    pub fn preset(preset: Preset) -> Convention {
        let name = format!("preset {}", preset.name());
        match Convention::from_raw(preset.raw(), &name) {
            Ok(c) => c,
            Err(e) => unreachable!("preset {} does not validate: {e}", preset.name()),
        }
    }

    /// Reads the mapping file at `path`.
    pub fn load(path: &Path) -> Result<Convention, ImportError> {
        let input = |reason: String| ImportError::Input {
            file: path.to_path_buf(),
            reason,
        };
        let text = std::fs::read_to_string(path)
            .map_err(|e| input(format!("cannot read the mapping file: {e}")))?;
        let raw: RawMapping =
            toml::from_str(&text).map_err(|e| input(toml_error::describe(&e, &text)))?;
        Convention::from_raw(raw, &path.display().to_string())
    }

    /// Validates `raw` (named `name` in errors): a `preset` key fills the keys it leaves out.
    pub fn from_raw(raw: RawMapping, name: &str) -> Result<Convention, ImportError> {
        let bad = |key: &str, value: &str, why: String| ImportError::Input {
            file: PathBuf::from(name),
            reason: format!("{key} = {value:?}: {why}"),
        };
        let base = match &raw.preset {
            None => RawMapping::default(),
            Some(p) => Preset::parse(p)
                .ok_or_else(|| {
                    bad(
                        "preset",
                        p,
                        format!("no such preset (presets: {})", preset_names()),
                    )
                })?
                .raw(),
        };
        let pick = |mine: &Option<String>, theirs: &Option<String>| -> Option<String> {
            mine.clone()
                .or_else(|| theirs.clone())
                .filter(|s| !s.is_empty())
        };
        let platform = pick(&raw.platform, &base.platform).unwrap_or_else(|| "android".into());
        if platform.trim().is_empty() || platform.chars().any(char::is_whitespace) {
            return Err(bad(
                "platform",
                &platform,
                "a platform name holds no spaces".into(),
            ));
        }
        let start = match pick(&raw.start, &base.start).as_deref() {
            None | Some("branch_cut") => Start::BranchCut,
            Some("cycle_started") => Start::CycleStarted,
            Some(other) => {
                return Err(bad(
                    "start",
                    other,
                    "expected \"branch_cut\" or \"cycle_started\"".into(),
                ));
            }
        };
        let cut = match pick(&raw.cut, &base.cut).as_deref() {
            None | Some("fork_point") => Cut::ForkPoint,
            Some("first_commit") => Cut::FirstCommit,
            Some(other) => {
                return Err(bad(
                    "cut",
                    other,
                    "expected \"fork_point\" or \"first_commit\"".into(),
                ));
            }
        };
        let pattern = |key: &str, mine: &Option<String>, theirs: &Option<String>| {
            pick(mine, theirs)
                .map(|text| {
                    let re = Regex::new(&text)
                        .map_err(|e| bad(key, &text, format!("not a regular expression: {}", one_line(&e))))?;
                    if !re.capture_names().any(|n| n == Some("version")) {
                        return Err(bad(
                            key,
                            &text,
                            "the pattern has no named group `version` ((?P<version>…)): it says which version a name belongs to".into(),
                        ));
                    }
                    Ok(re)
                })
                .transpose()
        };
        let branch = pattern("branch", &raw.branch, &base.branch)?;
        let candidate = pattern("candidate", &raw.candidate, &base.candidate)?;
        let release = pattern("release", &raw.release, &base.release)?;
        let bump = pattern("bump", &raw.bump, &base.bump)?;
        let automation = {
            let (mine, theirs) = (
                raw.automation.unwrap_or_default(),
                base.automation.unwrap_or_default(),
            );
            let list = |key: &str, mine: Option<Vec<String>>, theirs: Option<Vec<String>>| {
                mine.or(theirs)
                    .unwrap_or_default()
                    .iter()
                    .map(|text| {
                        Regex::new(text).map_err(|e| {
                            bad(
                                key,
                                text,
                                format!("not a regular expression: {}", one_line(&e)),
                            )
                        })
                    })
                    .collect::<Result<Vec<_>, _>>()
            };
            Automation {
                subjects: list("automation.subjects", mine.subjects, theirs.subjects)?,
                authors: list("automation.authors", mine.authors, theirs.authors)?,
            }
        };
        let columns = raw.csv.map(|c| columns(c, &bad)).transpose()?;
        Ok(Convention {
            name: name.to_string(),
            platform: platform.to_lowercase(),
            main: pick(&raw.main, &base.main),
            start,
            cut,
            branch,
            candidate,
            release,
            bump,
            automation,
            columns,
        })
    }

    /// The version a tag belongs to and its role, if a tag pattern matches it (the candidate
    /// pattern first).
    pub fn tag(&self, name: &str) -> Option<(String, TagRole)> {
        [
            (&self.candidate, TagRole::Candidate),
            (&self.release, TagRole::Release),
        ]
        .into_iter()
        .find_map(|(re, role)| Some((version_of(re.as_ref()?, name)?, role)))
    }

    /// The version a release branch (its short name, `release/20.7`) belongs to.
    pub fn branch(&self, name: &str) -> Option<String> {
        version_of(self.branch.as_ref()?, name)
    }

    /// The version a main-line commit's subject bumps to.
    pub fn bump(&self, subject: &str) -> Option<String> {
        version_of(self.bump.as_ref()?, subject)
    }

    /// The patterns, for messages: `branch '…', candidate '…', release '…'`.
    pub fn describe(&self) -> String {
        [
            ("branch", &self.branch),
            ("candidate", &self.candidate),
            ("release", &self.release),
            ("bump", &self.bump),
        ]
        .into_iter()
        .filter_map(|(k, re)| Some(format!("{k} '{}'", re.as_ref()?.as_str())))
        .collect::<Vec<_>>()
        .join(", ")
    }
}

/// The `version` group `re` captures in `text`, if it matches and the capture is a version
/// label (not empty, no spaces, at most 64 characters: docs/formats.md).
fn version_of(re: &Regex, text: &str) -> Option<String> {
    let v = re.captures(text)?.name("version")?.as_str();
    crate::model::label_error(v)
        .is_none()
        .then(|| v.to_string())
}

fn preset_names() -> String {
    Preset::ALL.map(Preset::name).join(", ")
}

/// A regex error on one line (regex prints the pattern and a caret on lines of their own).
fn one_line(e: &regex::Error) -> String {
    let text = e.to_string();
    text.lines()
        .rev()
        .find(|l| l.starts_with("error: "))
        .map(|l| l.trim_start_matches("error: ").to_string())
        .unwrap_or_else(|| text.lines().last().unwrap_or_default().to_string())
}

fn columns(
    c: RawColumns,
    bad: &impl Fn(&str, &str, String) -> ImportError,
) -> Result<Columns, ImportError> {
    let required = |key: &str, v: Option<String>| {
        v.filter(|s| !s.is_empty()).ok_or_else(|| {
            bad(
                key,
                "",
                "required: the name of the column that holds it".into(),
            )
        })
    };
    let time_zone = c
        .time_zone
        .map(|z| {
            jiff::tz::TimeZone::get(&z)
                .map_err(|e| bad("csv.time_zone", &z, format!("not a time zone: {e}")))
        })
        .transpose()?;
    let raw_kinds = c.kinds.unwrap_or_default();
    if raw_kinds.is_empty() {
        return Err(bad(
            "csv.kinds",
            "",
            "required: a table from the kind column's values to event kinds, e.g. \"Submitted\" = \"submitted\"".into(),
        ));
    }
    let mut kinds = BTreeMap::new();
    for (label, meaning) in raw_kinds {
        let key = format!("csv.kinds.{label:?}");
        let mut words = meaning.split_whitespace();
        let kind = words.next().and_then(Kind::parse).ok_or_else(|| {
            bad(
                &key,
                &meaning,
                "not an event kind (docs/formats.md, \"Kinds\")".into(),
            )
        })?;
        let value = words
            .next()
            .map(|v| {
                v.parse::<f64>()
                    .ok()
                    .filter(|v| v.is_finite())
                    .ok_or_else(|| bad(&key, &meaning, format!("{v:?} is not a number")))
            })
            .transpose()?;
        if words.next().is_some() {
            return Err(bad(
                &key,
                &meaning,
                "expected a kind and at most one value, e.g. \"rollout 100\"".into(),
            ));
        }
        kinds.insert(label.trim().to_string(), (kind, value));
    }
    Ok(Columns {
        ts: required("csv.ts", c.ts)?,
        version: required("csv.version", c.version)?,
        kind: required("csv.kind", c.kind)?,
        platform: c.platform.filter(|s| !s.is_empty()),
        reference: c.reference.filter(|s| !s.is_empty()),
        value: c.value.filter(|s| !s.is_empty()),
        time_zone,
        kinds,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn mapping(text: &str) -> Result<Convention, String> {
        let raw: RawMapping = toml::from_str(text).map_err(|e| e.to_string())?;
        Convention::from_raw(raw, "m.toml").map_err(|e| e.to_string())
    }

    #[test]
    fn every_preset_validates_and_reads_its_own_names() {
        let woo = Convention::preset(Preset::ReleaseBranches);
        assert_eq!(woo.branch("release/20.7").as_deref(), Some("20.7"));
        assert_eq!(woo.branch("release/20.7-hotfix"), None);
        assert_eq!(
            woo.tag("20.7-rc-2"),
            Some(("20.7".into(), TagRole::Candidate))
        );
        assert_eq!(woo.tag("20.7"), Some(("20.7".into(), TagRole::Release)));
        assert_eq!(woo.tag("20.1.1"), Some(("20.1".into(), TagRole::Release)));
        assert_eq!(woo.tag("20.4-rc-2w"), None);
        assert_eq!(woo.start, Start::BranchCut);

        let fenix = Convention::preset(Preset::ReleasesV);
        assert_eq!(fenix.branch("releases_v104.0.0").as_deref(), Some("104"));
        assert_eq!(fenix.branch("releases/v84.0.0").as_deref(), Some("84"));
        assert_eq!(fenix.branch("releases_v104.0.0_beta"), None);
        for (tag, role) in [
            ("v104.0b1", TagRole::Candidate),
            ("v103.0.0-beta.4", TagRole::Candidate),
            ("v81.1.0-rc.1", TagRole::Candidate),
            ("v104.1.0", TagRole::Release),
        ] {
            assert_eq!(fenix.tag(tag).map(|t| t.1), Some(role), "{tag}");
        }
        assert_eq!(fenix.tag("fennec/nightly/3"), None);

        let trunk = Convention::preset(Preset::Trunk);
        assert!(trunk.branch.is_none());
        assert_eq!(trunk.start, Start::CycleStarted);
        assert_eq!(
            trunk.tag("v2.1.0-rc.1"),
            Some(("2.1".into(), TagRole::Candidate))
        );
        assert_eq!(trunk.tag("v2.1.3"), Some(("2.1".into(), TagRole::Release)));
        assert_eq!(trunk.bump("Bump version to 2.2.0").as_deref(), Some("2.2"));
        assert_eq!(trunk.bump("Bump version to 2.2.1"), None);
        assert!(
            trunk
                .automation
                .matches("Release Bot <r@x>", "Bump version number")
        );
        assert!(trunk.automation.matches("github-actions[bot] <a@x>", "Fix"));
        assert!(
            !trunk
                .automation
                .matches("Ana <ana@x>", "Fix crash on start")
        );
    }

    #[test]
    fn a_mapping_changes_some_keys_of_its_preset() {
        let c = mapping(
            "preset = \"release-branches\"\nplatform = \"iOS\"\nbranch = '^rel-(?P<version>\\d+)$'\n\
             [automation]\nsubjects = ['^chore']\n",
        )
        .unwrap();
        assert_eq!(c.platform, "ios");
        assert_eq!(c.branch("rel-7").as_deref(), Some("7"));
        assert_eq!(c.tag("7.1-rc-1"), Some(("7.1".into(), TagRole::Candidate)));
        assert!(c.automation.matches("x", "chore: deps"));
        assert!(!c.automation.matches("x", "Bump version"));
        // Authors kept from the preset.
        assert!(c.automation.matches("bot[bot] <b@x>", "anything"));
        // An empty pattern removes the preset's.
        let no_bump = mapping("preset = 'trunk'\nbump = ''").unwrap();
        assert!(no_bump.bump.is_none());
    }

    #[test]
    fn bad_mappings_name_the_key_and_value() {
        for (text, says) in [
            ("brnach = 'x'", "unknown field `brnach`"),
            ("preset = 'gitflow'", "preset = \"gitflow\": no such preset"),
            (
                "branch = '^release/(\\d+'",
                "branch = \"^release/(\\\\d+\": not a regular expression",
            ),
            (
                "candidate = '^rc-\\d+$'",
                "candidate = \"^rc-\\\\d+$\": the pattern has no named group `version`",
            ),
            ("start = 'cut'", "start = \"cut\": expected"),
            ("cut = 'merge_base'", "cut = \"merge_base\": expected"),
            (
                "[automation]\nauthors = ['[bot']",
                "automation.authors = \"[bot\": not a regular expression",
            ),
            (
                "[csv]\nts = 'a'\nversion = 'b'\nkind = 'c'\n[csv.kinds]\nDone = 'shipped'",
                "csv.kinds.\"Done\" = \"shipped\": not an event kind",
            ),
            (
                "[csv]\nts = 'a'\nversion = 'b'\nkind = 'c'\n[csv.kinds]\nDone = 'rollout all'",
                "\"all\" is not a number",
            ),
            (
                "[csv]\nversion = 'b'\nkind = 'c'\n[csv.kinds]\nDone = 'submitted'",
                "csv.ts = \"\": required",
            ),
            (
                "[csv]\nts = 'a'\nversion = 'b'\nkind = 'c'\ntime_zone = 'Mars/Olympus'\n[csv.kinds]\nA = 'submitted'",
                "csv.time_zone = \"Mars/Olympus\": not a time zone",
            ),
        ] {
            let err = mapping(text).unwrap_err();
            assert!(err.contains(says), "{text}: {err}");
        }
    }

    #[test]
    fn a_dashboard_mapping_reads_fixed_values() {
        let c = mapping(
            "[csv]\nts = 'When'\nversion = 'Version'\nkind = 'Event'\nvalue = 'Percent'\n\
             [csv.kinds]\n' Released ' = 'rollout 100'\nSubmitted = 'submitted'\n",
        )
        .unwrap();
        let cols = c.columns.unwrap();
        assert_eq!(cols.kinds["Released"], (Kind::Rollout, Some(100.0)));
        assert_eq!(cols.kinds["Submitted"].1, None);
        assert_eq!(cols.value.as_deref(), Some("Percent"));
        assert_eq!(cols.platform, None);
    }
}
