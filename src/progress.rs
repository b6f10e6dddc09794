//! Progress of long work on standard error: an indicatif bar on a terminal; elsewhere (CI
//! logs, `2> file`) a plain line every few seconds, so that a nine-minute run is not nine
//! silent minutes:
//!
//! ```text
//! data/runs/baseline: 24 of 75 parts (32%), 9 481 032 rows, 1.7 M rows/s, 11 s left
//! ```
//!
//! The interval of those lines is [`DEFAULT_INTERVAL`], or `CONDUCTOR_PROGRESS_INTERVAL`
//! seconds (a decimal number; tests set it small). Nothing is printed after the work ends:
//! the command's own one-line confirmation says what was done. Output errors (a closed
//! stream) are ignored: progress never fails the work.

use std::fmt::Display;
use std::io::{self, IsTerminal, Write};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Condvar, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

/// Seconds between two plain progress lines, unless `CONDUCTOR_PROGRESS_INTERVAL` says.
pub const DEFAULT_INTERVAL: f64 = 5.0;

/// The environment variable setting the interval of plain progress lines, in seconds.
pub const INTERVAL_VAR: &str = "CONDUCTOR_PROGRESS_INTERVAL";

/// What is being counted.
#[derive(Debug, Clone)]
pub struct Job {
    /// Starts every line: the output directory, or the scenario being run.
    pub label: String,
    /// Units of work in all.
    pub total: u64,
    /// What one unit is called, plural: `parts`, `runs`.
    pub unit: &'static str,
    /// Whether rows written are counted and shown.
    pub rows: bool,
}

/// A running progress report; stops (and clears its bar) when dropped.
pub struct Progress {
    shared: Arc<Shared>,
    bar: Option<ProgressBar>,
    ticker: Option<JoinHandle<()>>,
}

struct Shared {
    job: Job,
    start: Instant,
    done: AtomicU64,
    rows: AtomicU64,
    stopped: Mutex<bool>,
    wake: Condvar,
}

impl Progress {
    /// Starts reporting `job` on standard error; `visible == false` (`--quiet`) reports
    /// nothing. A bar when standard error is a terminal, plain lines otherwise.
    pub fn start(job: Job, visible: bool) -> Progress {
        let interval = visible.then(interval);
        let terminal = io::stderr().is_terminal();
        let shared = Arc::new(Shared {
            job,
            start: Instant::now(),
            done: AtomicU64::new(0),
            rows: AtomicU64::new(0),
            stopped: Mutex::new(false),
            wake: Condvar::new(),
        });
        let mut progress = Progress {
            shared: Arc::clone(&shared),
            bar: None,
            ticker: None,
        };
        match interval {
            None => {}
            Some(_) if terminal => progress.bar = Some(bar(&shared.job)),
            Some(every) => {
                // A thread rather than a check on each unit done: a unit may take longer
                // than the interval, and the log should still show the work is alive.
                progress.ticker = std::thread::Builder::new()
                    .name("progress".into())
                    .spawn(move || shared.tick(every))
                    .ok();
            }
        }
        progress
    }

    /// Records `units` more done and `rows` more written.
    pub fn inc(&self, units: u64, rows: u64) {
        self.shared.done.fetch_add(units, Ordering::Relaxed);
        let rows = self.shared.rows.fetch_add(rows, Ordering::Relaxed) + rows;
        if let Some(bar) = &self.bar {
            bar.inc(units);
            if self.shared.job.rows {
                bar.set_message(format!("{} rows", grouped(rows)));
            }
        }
    }
}

impl Drop for Progress {
    fn drop(&mut self) {
        if let Some(bar) = &self.bar {
            bar.finish_and_clear();
        }
        *self
            .shared
            .stopped
            .lock()
            .unwrap_or_else(|e| e.into_inner()) = true;
        self.shared.wake.notify_all();
        if let Some(ticker) = self.ticker.take() {
            let _ = ticker.join();
        }
    }
}

impl Shared {
    /// Prints a line every `every` until stopped.
    fn tick(&self, every: Duration) {
        let mut stopped = self.stopped.lock().unwrap_or_else(|e| e.into_inner());
        loop {
            let (guard, _) = self
                .wake
                .wait_timeout_while(stopped, every, |s| !*s)
                .unwrap_or_else(|e| e.into_inner());
            stopped = guard;
            if *stopped {
                return;
            }
            let _ = writeln!(io::stderr().lock(), "{}", self.line());
        }
    }

    /// The plain line: label, units done of total, rows, rate, time left.
    fn line(&self) -> String {
        let job = &self.job;
        let done = self.done.load(Ordering::Relaxed);
        let rows = self.rows.load(Ordering::Relaxed);
        let secs = self.start.elapsed().as_secs_f64();
        line(job, done, rows, secs)
    }
}

/// One plain progress line for `done` units and `rows` rows after `secs` seconds.
fn line(job: &Job, done: u64, rows: u64, secs: f64) -> String {
    let percent = if job.total == 0 {
        100.0
    } else {
        100.0 * done as f64 / job.total as f64
    };
    let mut s = format!(
        "{}: {} of {} {} ({percent:.0}%)",
        job.label, done, job.total, job.unit
    );
    if job.rows {
        s.push_str(&format!(", {} rows", grouped(rows)));
    }
    if done == 0 || secs <= 0.0 {
        s.push_str(&format!(", {} so far", duration(secs)));
        return s;
    }
    if job.rows {
        s.push_str(&format!(", {} rows/s", rate(rows as f64 / secs)));
    } else {
        s.push_str(&format!(", {} {}/s", rate(done as f64 / secs), job.unit));
    }
    let left = secs / done as f64 * job.total.saturating_sub(done) as f64;
    s.push_str(&format!(", {} left", duration(left)));
    s
}

fn bar(job: &Job) -> ProgressBar {
    let bar = ProgressBar::with_draw_target(Some(job.total), ProgressDrawTarget::stderr());
    let template = format!(
        "{{spinner}} [{{elapsed_precise}}] {{bar:40}} {{pos}}/{{len}} {} ({{eta}} left) {{msg}}",
        job.unit
    );
    if let Ok(style) = ProgressStyle::with_template(&template) {
        bar.set_style(style);
    }
    bar
}

/// The interval of plain lines: `CONDUCTOR_PROGRESS_INTERVAL` seconds if it is a positive
/// number (at least 10 ms), else [`DEFAULT_INTERVAL`] (and a warning if it was set).
fn interval() -> Duration {
    let (every, warning) = interval_from(std::env::var(INTERVAL_VAR).ok().as_deref());
    if let Some(warning) = warning {
        let _ = writeln!(io::stderr().lock(), "{warning}");
    }
    every
}

/// The interval `value` (the variable's text, if set) asks for, and a warning if it is not
/// a positive number of seconds.
fn interval_from(value: Option<&str>) -> (Duration, Option<String>) {
    let secs = match value.map(|v| v.trim().parse::<f64>()) {
        None => DEFAULT_INTERVAL,
        Some(Ok(s)) if s.is_finite() && s > 0.0 => s.max(0.01),
        Some(_) => {
            let warning = format!(
                "warning: {INTERVAL_VAR}={:?} is not a number of seconds > 0; progress every {DEFAULT_INTERVAL} s",
                value.unwrap_or_default()
            );
            return (Duration::from_secs_f64(DEFAULT_INTERVAL), Some(warning));
        }
    };
    (Duration::from_secs_f64(secs), None)
}

/// `n` in groups of three digits: `9 481 032`.
fn grouped(n: u64) -> String {
    crate::text::number::grouped(n, ' ')
}

/// A rate with a metric prefix: `830`, `12.4 k`, `1.7 M`.
fn rate(per_sec: f64) -> String {
    if per_sec >= 1e6 {
        format!("{:.1} M", per_sec / 1e6)
    } else if per_sec >= 1e4 {
        format!("{:.1} k", per_sec / 1e3)
    } else if per_sec >= 10.0 {
        format!("{per_sec:.0}")
    } else {
        format!("{per_sec:.1}")
    }
}

/// A duration as a person says it: `7 s`, `3 min 05 s`, `1 h 12 min`.
fn duration(secs: f64) -> impl Display {
    let s = secs.round().max(0.0) as u64;
    if s < 60 {
        format!("{s} s")
    } else if s < 3600 {
        format!("{} min {:02} s", s / 60, s % 60)
    } else {
        format!("{} h {:02} min", s / 3600, s % 3600 / 60)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn job(rows: bool) -> Job {
        Job {
            label: "data/runs/baseline".into(),
            total: 75,
            unit: "parts",
            rows,
        }
    }

    #[test]
    fn a_line_says_done_of_total_rows_rate_and_time_left() {
        assert_eq!(
            line(&job(true), 25, 9_481_032, 20.0),
            "data/runs/baseline: 25 of 75 parts (33%), 9 481 032 rows, 474.1 k rows/s, 40 s left"
        );
        assert_eq!(
            line(&job(false), 30, 0, 3.0),
            "data/runs/baseline: 30 of 75 parts (40%), 10 parts/s, 5 s left"
        );
    }

    #[test]
    fn before_the_first_unit_a_line_says_how_long_so_far() {
        assert_eq!(
            line(&job(true), 0, 0, 65.0),
            "data/runs/baseline: 0 of 75 parts (0%), 0 rows, 1 min 05 s so far"
        );
    }

    #[test]
    fn the_interval_is_five_seconds_unless_the_variable_says() {
        let secs = |v| interval_from(v).0.as_secs_f64();
        assert_eq!(secs(None), 5.0);
        assert_eq!(secs(Some("0.25")), 0.25);
        assert_eq!(secs(Some(" 30 ")), 30.0);
        assert_eq!(secs(Some("0")), 5.0);
        assert_eq!(secs(Some("1e-9")), 0.01);
        assert!(interval_from(Some("soon")).1.unwrap().contains("\"soon\""));
        assert!(interval_from(Some("-1")).1.is_some());
        assert!(interval_from(Some("NaN")).1.is_some());
        assert!(interval_from(Some("2")).1.is_none());
    }

    #[test]
    fn numbers_read_as_people_say_them() {
        assert_eq!(grouped(0), "0");
        assert_eq!(grouped(999), "999");
        assert_eq!(grouped(1000), "1 000");
        assert_eq!(grouped(31_464_946), "31 464 946");
        assert_eq!(rate(2.345), "2.3");
        assert_eq!(rate(1_700_000.0), "1.7 M");
        assert_eq!(duration(4000.0).to_string(), "1 h 06 min");
    }
}
