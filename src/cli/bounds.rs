//! The bounds of numeric and name arguments, as clap value parsers, in one place. Each
//! parser names the allowed range in its message (clap prefixes the argument and value:
//! `invalid value '4294967295' for '--weeks <N>': must be a whole number from 1 to 520`).
//! The limits themselves are the library's ([`crate::scenario::limits`]), shared with
//! scenario validation and the event-log reader; docs/model.md lists them.

pub use crate::scenario::limits::{MAX_LOG_TRACKS, MAX_SUMMARY_TRACKS};
use crate::scenario::limits::{
    MAX_SEED, MAX_SEEDS, MAX_THREADS, MAX_WEEKS, in_memory_problem, name_problem,
    seed_range_problem,
};

/// A whole number from `min` to `max`.
fn whole<T>(s: &str, min: T, max: T) -> Result<T, String>
where
    T: std::str::FromStr + PartialOrd + Copy + std::fmt::Display,
{
    s.trim()
        .parse::<T>()
        .ok()
        .filter(|v| *v >= min && *v <= max)
        .ok_or_else(|| format!("must be a whole number from {min} to {max}"))
}

/// `--seeds N`: 1 to [`MAX_SEEDS`].
pub fn seeds(s: &str) -> Result<u64, String> {
    whole(s, 1, MAX_SEEDS)
}

/// `--seed S` (and seeds to look up): 0 to [`MAX_SEED`] (seeds are stored as signed
/// 64-bit integers).
pub fn seed(s: &str) -> Result<u64, String> {
    whole(s, 0, MAX_SEED)
}

/// `--weeks N`: 1 to [`MAX_WEEKS`], the scenario's own `season.weeks` limit.
pub fn weeks(s: &str) -> Result<u32, String> {
    whole(s, 1, MAX_WEEKS)
}

/// `--threads N`: 0 (one per core) to [`MAX_THREADS`].
pub fn threads(s: &str) -> Result<usize, String> {
    whole(s, 0, MAX_THREADS)
}

/// A name that becomes part of a path (`fit --name`): see [`name_problem`].
pub fn name(s: &str) -> Result<String, String> {
    match name_problem(s) {
        None => Ok(s.to_string()),
        Some(why) => Err(why),
    }
}

/// Checks `--seed S --seeds N` together: the last seed, `S + N - 1`, must fit too.
pub fn seed_range(first_seed: u64, seeds: u64) -> anyhow::Result<()> {
    match seed_range_problem(first_seed, seeds) {
        None => Ok(()),
        Some(why) => anyhow::bail!("--seed {first_seed} --seeds {seeds}: {why}"),
    }
}

/// Checks that `what` (a summary, an event log) of `seeds × policies × weeks × platforms`
/// track-cycles fits the `max` that is held in memory at once.
pub fn in_memory(
    what: &str,
    seeds: u64,
    policies: usize,
    weeks: u32,
    platforms: usize,
    max: u64,
) -> anyhow::Result<()> {
    match in_memory_problem(seeds, policies, weeks, platforms, max) {
        None => Ok(()),
        Some(why) => anyhow::bail!("{what}: {why}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parsers_name_the_range() {
        assert_eq!(weeks("26"), Ok(26));
        assert_eq!(
            weeks("4294967295").unwrap_err(),
            "must be a whole number from 1 to 520"
        );
        assert!(weeks("0").is_err());
        assert!(seeds("18446744073709551615").is_err());
        assert_eq!(seed("9223372036854775807"), Ok(MAX_SEED));
        assert!(seed("9223372036854775808").is_err());
        assert!(threads("100000").is_err());
        assert_eq!(threads("0"), Ok(0));
        assert!(name("x/../../../escape").is_err());
        assert!(seed_range(MAX_SEED, 2).is_err());
        assert!(seed_range(MAX_SEED - 1, 2).is_ok());
        assert!(in_memory("x", 100_000, 3, 26, 3, MAX_SUMMARY_TRACKS).is_err());
        assert!(in_memory("x", 200, 3, 26, 3, MAX_SUMMARY_TRACKS).is_ok());
    }
}
