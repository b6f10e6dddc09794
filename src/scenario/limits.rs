//! The bounds of every value a user can give: scenario keys, command-line arguments and
//! event-log fields, in one place (docs/model.md lists each under its key, §9 "Bounds").
//!
//! Why bounds at all: every value here ends up in arithmetic on instants (jiff panics on an
//! instant past the year 9999), in an allocation (a Poisson mean of 1e12 asks for terabytes),
//! in a loop count, or in a file path. Each bound is far outside what a release train needs
//! and small enough that the worst case still finishes: with them, nothing a user writes
//! reaches a panic, an abort or an unbounded wait. The command-line value parsers
//! (`src/cli/bounds.rs`), scenario validation and the event-log reader all read these
//! constants.

use jiff::civil::{Date, date};

/// Most versions per season (`season.weeks`, `--weeks`): ten years of a weekly train.
pub const MAX_WEEKS: u32 = 520;

/// Longest cadence between branch cuts, in weeks (`season.cadence_weeks`).
pub const MAX_CADENCE_WEEKS: u32 = 8;

/// Most seeds one run holds (`--seeds`, the seed span of a replayed log): a sweep's seeds
/// are all kept in memory for the summary.
pub const MAX_SEEDS: u64 = 100_000;

/// The largest seed: the datasets store seeds as signed 64-bit integers (`seed` is Int64,
/// for Spark, Trino and Java), so `first_seed + seeds - 1` may not pass it.
pub const MAX_SEED: u64 = i64::MAX as u64;

/// Most worker threads (`--threads`; 0 = one per core).
pub const MAX_THREADS: usize = 256;

/// Most shards a run is split into (`--shard k/n`).
pub const MAX_SHARDS: u32 = 10_000;

/// The largest version number an event log may name (nine digits).
pub const MAX_VERSION: u32 = 999_999_999;

/// Most platforms (tracks per version) in a scenario.
pub const MAX_PLATFORMS: usize = 64;

/// Most policies in a scenario.
pub const MAX_POLICIES: usize = 64;

/// Most teams that may sign off (`world.signoff.teams`); the snapshot columns hold up to
/// 32767 (Int16).
pub const MAX_TEAMS: i64 = 1000;

/// Largest Poisson mean of blockers per track (`world.blockers.mean_count`).
pub const MAX_BLOCKERS_MEAN: f64 = 1000.0;

/// Largest Poisson mean of severe defects per version (`world.defects.mean_count`): each
/// is a handful of events, so this bounds a track's events as the blockers' bound does.
pub const MAX_DEFECTS_MEAN: f64 = 100.0;

/// Most stages in a rollout plan (Play's console allows any percentages; twenty steps is
/// more than any team takes).
pub const MAX_ROLLOUT_STAGES: usize = 20;

/// Largest parameter of a distribution in hours, and `thresholds.bake_hours`: one year.
pub const MAX_HOURS: f64 = 8760.0;

/// Largest parameter of a distribution in minutes: one year.
pub const MAX_MINUTES: f64 = 525_600.0;

/// Largest parameter of a distribution in percent (crash rates), and
/// `thresholds.crash_rate_max_percent`.
pub const MAX_PERCENT: f64 = 100.0;

/// Largest lognormal sigma (e^4 is a factor of 55 per standard deviation).
pub const MAX_SIGMA: f64 = 4.0;

/// Smallest and largest gamma shape.
pub const GAMMA_SHAPE: (f64, f64) = (0.01, 1000.0);

pub use crate::dist::MAX_DRAW_HOURS;

/// Most characters of a name that becomes part of a path (scenario, policy, platform).
pub const MAX_NAME_LEN: usize = 64;

/// Most characters of a scenario's description.
pub const MAX_DESCRIPTION_LEN: usize = 10_000;

/// Most holidays per calendar.
pub const MAX_HOLIDAYS: usize = 10_000;

/// Earliest date a scenario or event log may name.
pub const FIRST_DATE: Date = date(1970, 1, 1);

/// Latest date a scenario or event log may name.
pub const LAST_DATE: Date = date(2200, 12, 31);

/// A logged track's events lie within this many days of its branch cut (a release lives
/// days or weeks; the bound keeps the working-time arithmetic over a log quick).
pub const MAX_TRACK_DAYS: i64 = 366;

/// Seasons run this many cadences past their extra cut before they end: a track still
/// live then is `open` (docs/model.md, §6).
pub const SEASON_GRACE_CADENCES: i64 = 4;

/// Most track-cycles a summary (`simulate` without `--out`, `check` of a scenario) holds in
/// memory at once, about 650 bytes each: 5,000,000 is 20,000 seeds of the baseline's three
/// policies and 78 tracks. A run directory (`--out`) has no such limit: it is written part
/// by part.
pub const MAX_SUMMARY_TRACKS: u64 = 5_000_000;

/// Most track-cycles `simulate --event-log` holds in memory with their histories (a few
/// kilobytes each) before writing the log.
pub const MAX_LOG_TRACKS: u64 = 1_000_000;

/// Most snapshot rows one part file may hold: a part is built in memory before it is
/// written (about 40 bytes a row), so this bounds a writer's memory per worker. The
/// baseline's parts hold about 750 000.
pub const MAX_PART_SNAPSHOT_ROWS: usize = 25_000_000;

/// Why `seeds × policies × weeks × platforms` track-cycles do not fit the `max` held in
/// memory at once, or `None` when they do.
pub fn in_memory_problem(
    seeds: u64,
    policies: usize,
    weeks: u32,
    platforms: usize,
    max: u64,
) -> Option<String> {
    let n = u128::from(seeds) * policies as u128 * u128::from(weeks) * platforms as u128;
    (n > u128::from(max)).then(|| {
        format!(
            "{seeds} seeds x {policies} policies x {weeks} versions x {platforms} platforms = {n} track-cycles, more than it holds in memory ({max}); run fewer seeds, or write a run directory with --out (part by part, in bounded memory) and read it with `conductor report`"
        )
    })
}

/// Why a name cannot become part of a path, or `None` when it can: 1 to
/// [`MAX_NAME_LEN`] characters from `A–Z a–z 0–9 _ . -`, not starting with `.` (no hidden
/// files, no `..`), so `policy=NAME/` and `data/runs/NAME/` stay one folder inside the run.
pub fn name_problem(name: &str) -> Option<String> {
    if name.is_empty() {
        return Some("a name cannot be empty".into());
    }
    if name.chars().count() > MAX_NAME_LEN {
        return Some(format!("a name has at most {MAX_NAME_LEN} characters"));
    }
    if name.starts_with('.') {
        return Some("a name cannot start with '.'".into());
    }
    if !name
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | '-'))
    {
        return Some("a name uses only letters A-Z and a-z, digits, '_', '.' and '-'".into());
    }
    None
}

/// `text` turned into a safe name (see [`name_problem`]): other characters become `_`, a
/// leading `.` becomes `_`, and it is cut to [`MAX_NAME_LEN`] characters; empty gives `log`.
pub fn safe_name(text: &str) -> String {
    let mut s: String = text
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | '-') {
                c
            } else {
                '_'
            }
        })
        .take(MAX_NAME_LEN)
        .collect();
    if s.starts_with('.') {
        s.replace_range(..1, "_");
    }
    if s.is_empty() { "log".into() } else { s }
}

/// Why `first_seed .. first_seed + seeds` is not a run's seed range, or `None` when it is:
/// 1 to [`MAX_SEEDS`] seeds, the last at most [`MAX_SEED`].
pub fn seed_range_problem(first_seed: u64, seeds: u64) -> Option<String> {
    if seeds == 0 {
        return Some("run at least one seed".into());
    }
    if seeds > MAX_SEEDS {
        return Some(format!("a run holds at most {MAX_SEEDS} seeds"));
    }
    match first_seed.checked_add(seeds - 1) {
        Some(last) if last <= MAX_SEED => None,
        _ => Some(format!(
            "the last seed, first seed + seeds - 1, may be at most {MAX_SEED} (seeds are stored as signed 64-bit integers)"
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_that_could_leave_a_folder_are_refused() {
        for bad in [
            "",
            ".",
            "..",
            ".hidden",
            "x/../../../escape",
            "a\\b",
            "a b",
            "naïve",
            &"x".repeat(65),
        ] {
            assert!(name_problem(bad).is_some(), "{bad:?}");
        }
        for ok in ["manual", "robot-except-100", "v1.2_beta", &"x".repeat(64)] {
            assert_eq!(name_problem(ok), None, "{ok:?}");
        }
        assert_eq!(safe_name("../x y"), "_._x_y");
        assert_eq!(safe_name(""), "log");
        assert_eq!(name_problem(&safe_name("..")), None);
    }

    #[test]
    fn seed_ranges_stay_inside_signed_64_bits() {
        assert_eq!(seed_range_problem(1, 200), None);
        assert_eq!(seed_range_problem(MAX_SEED, 1), None);
        assert!(seed_range_problem(MAX_SEED, 2).is_some());
        assert!(seed_range_problem(u64::MAX, 1).is_some());
        assert!(seed_range_problem(1, 0).is_some());
        assert!(seed_range_problem(1, MAX_SEEDS + 1).is_some());
    }
}
