//! `conductor import github-releases FILE.json`: the releases a GitHub repository publishes,
//! as `gh api --paginate repos/OWNER/NAME/releases` prints them (one JSON array per page,
//! the pages one after another; a single array works too). Each release's `tag_name` goes
//! through the convention's tag patterns to find its version (docs/import.md, "GitHub
//! Releases"):
//!
//! | release | event, at `published_at` |
//! | --- | --- |
//! | `draft: true` | none (not published) |
//! | `prerelease: true`, or a tag the candidate pattern matches | `build_finished`, ref = the tag (after the release: a point release's build) |
//! | the version's first other release, by `published_at` | `rollout` 100, ref = the tag |
//! | its later ones | `point_release`, ref = the tag |
//!
//! Releases hold no cut: a version's start comes from git (merge the two). `published_at` is
//! when the release page went public, not a store's release: the same bias as a tag.

use std::collections::BTreeMap;
use std::path::Path;

use serde::Deserialize;

use super::convention::{Convention, TagRole};
use super::{Event, Findings, ImportError, Imported, Moment};
use crate::model::{Kind, compare_labels};

/// One release of the API's array (other fields are ignored).
#[derive(Debug, Deserialize)]
struct Release {
    tag_name: String,
    #[serde(default)]
    draft: bool,
    #[serde(default)]
    prerelease: bool,
    published_at: Option<String>,
}

/// Reads the releases at `path` by `convention`.
pub fn import(path: &Path, convention: &Convention) -> Result<Imported, ImportError> {
    let bad = |reason: String| ImportError::Input {
        file: path.to_path_buf(),
        reason,
    };
    let bytes = std::fs::read(path).map_err(|e| bad(format!("cannot read the releases: {e}")))?;
    let mut releases = Vec::new();
    for (page, value) in serde_json::Deserializer::from_slice(&bytes)
        .into_iter::<serde_json::Value>()
        .enumerate()
    {
        let value = value.map_err(|e| bad(format!("not JSON: {e}")))?;
        let serde_json::Value::Array(items) = value else {
            return Err(bad(format!(
                "page {}: expected a JSON array of releases (what `gh api --paginate \
                 repos/OWNER/NAME/releases` prints)",
                page + 1
            )));
        };
        for item in items {
            let n = releases.len() + 1;
            let r: Release =
                serde_json::from_value(item).map_err(|e| bad(format!("release {n}: {e}")))?;
            releases.push((n, r));
        }
    }

    let mut notes = Findings::default();
    let (mut drafts, mut unmatched) = (Vec::new(), Vec::new());
    // Per version: (published, tag, is a candidate).
    let mut versions: BTreeMap<String, Vec<(Moment, String, bool)>> = BTreeMap::new();
    for (n, r) in releases {
        if r.draft {
            drafts.push(r.tag_name);
            continue;
        }
        let Some(text) = r.published_at.as_deref() else {
            return Err(bad(format!(
                "release {n} (tag {}): published_at is missing or null but the release is no draft",
                r.tag_name
            )));
        };
        let at = Moment::parse_rfc3339(text).ok_or_else(|| {
            bad(format!(
                "release {n} (tag {}): published_at = {text:?}: not an RFC 3339 time with an offset",
                r.tag_name
            ))
        })?;
        let Some((version, role)) = convention.tag(&r.tag_name) else {
            unmatched.push(r.tag_name);
            continue;
        };
        let candidate = r.prerelease || role == TagRole::Candidate;
        versions
            .entry(version)
            .or_default()
            .push((at, r.tag_name, candidate));
    }

    let mut tracks: Vec<Vec<Event>> = Vec::new();
    for (version, mut list) in versions {
        list.sort_by(|a, b| (a.0.at, &a.1).cmp(&(b.0.at, &b.1)));
        let mut first = true;
        let mut track = Vec::new();
        for (at, tag, candidate) in list {
            let (kind, value) = if candidate {
                // After the release: a point release's build, a hotfix's row.
                (Kind::BuildFinished, None)
            } else if std::mem::take(&mut first) {
                (Kind::Rollout, Some(100.0))
            } else {
                (Kind::PointRelease, None)
            };
            track.push(Event {
                at,
                version: version.clone(),
                platform: convention.platform.clone(),
                kind,
                reference: Some(tag),
                value,
            });
        }
        if !track.is_empty() {
            tracks.push(track);
        }
    }
    tracks.sort_by(|a, b| {
        a[0].at
            .at
            .cmp(&b[0].at.at)
            .then_with(|| compare_labels(&a[0].version, &b[0].version))
    });
    let released = tracks
        .iter()
        .filter(|t| t.iter().any(|e| e.kind == Kind::Rollout))
        .count();
    notes.notes.push(format!(
        "versions: {} ({released} released); releases hold no cut, so each version's start \
         comes from a merge with git",
        tracks.len()
    ));
    unmatched.sort_unstable();
    drafts.sort_unstable();
    notes.note_items(
        "releases whose tag matches no pattern, left out",
        &unmatched,
    );
    notes.note_items("drafts, left out", &drafts);
    Ok(Imported {
        source: path.display().to_string(),
        events: tracks.into_iter().flatten().collect(),
        findings: notes,
    })
}
