//! Where the commands' words go: data to standard output, notes (what was written) to
//! standard error. Neither ever panics or fails a command when its reader has gone:
//! `conductor simulate | head` is a success, and so is a closed standard error.

use std::fmt::Display;
use std::io::{self, ErrorKind, Write};
use std::path::Path;

/// Standard output that remembers whether its reader closed the pipe.
///
/// The commands see it as any `Write`; a write to a closed pipe fails with
/// [`ErrorKind::BrokenPipe`] (so the command stops at once), whatever wraps that error on
/// its way up (serde_json, a `BufWriter`, `anyhow` context), and the binary asks
/// [`Stdout::closed`] instead of searching the error chain for it.
pub struct Stdout {
    inner: io::StdoutLock<'static>,
    closed: bool,
}

impl Stdout {
    /// Locks the process's standard output for the whole command.
    pub fn lock() -> Stdout {
        Stdout {
            inner: io::stdout().lock(),
            closed: false,
        }
    }

    /// Whether a write or flush found the pipe closed: what the reader wanted it has.
    pub fn closed(&self) -> bool {
        self.closed
    }

    fn note<T>(&mut self, result: io::Result<T>) -> io::Result<T> {
        if let Err(e) = &result
            && e.kind() == ErrorKind::BrokenPipe
        {
            self.closed = true;
        }
        result
    }
}

impl Write for Stdout {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        if self.closed {
            return Err(ErrorKind::BrokenPipe.into());
        }
        let result = self.inner.write(buf);
        self.note(result)
    }

    fn flush(&mut self) -> io::Result<()> {
        if self.closed {
            return Err(ErrorKind::BrokenPipe.into());
        }
        let result = self.inner.flush();
        self.note(result)
    }
}

/// Says on standard error (`note: …`) when the run directory `dir` is not complete, so the
/// output covers only its complete parts. Nothing when it is complete or cannot be read
/// (the command has read it already and said so).
pub fn note_incomplete(dir: &Path) {
    if let Some(note) = crate::dataset::RunDir::open(dir)
        .ok()
        .and_then(|r| r.completeness_note())
    {
        eprint_line(format_args!("note: {note}"));
    }
}

/// Writes one line to standard error, ignoring a closed stream (`eprintln!` would panic).
pub fn eprint_line(line: impl Display) {
    let _ = writeln!(io::stderr().lock(), "{line}");
}

/// The one-line confirmations on standard error of what a command wrote, and whether to
/// show progress: both off with `--quiet`.
#[derive(Debug, Clone, Copy, Default)]
pub struct Notes {
    /// `--quiet`: no confirmations, no progress.
    pub quiet: bool,
}

impl Notes {
    /// Says that `path` was written and what it holds: `PATH: WHAT`.
    pub fn wrote(&self, path: &Path, what: impl Display) {
        if !self.quiet {
            eprint_line(format_args!("{}: {what}", path.display()));
        }
    }

    /// Whether long work reports its progress on standard error.
    pub fn progress(&self) -> bool {
        !self.quiet
    }
}

/// `n` and `thing`, plural unless `n` is 1: `1 seed`, `13 seeds`.
pub fn count(n: u64, thing: &str) -> String {
    if n == 1 {
        format!("1 {thing}")
    } else {
        format!("{n} {thing}s")
    }
}

/// `n` bytes for people: `812 bytes`, `14.2 kB`, `3.1 MB` (powers of 1000, as `ls -h --si`).
pub fn bytes(n: u64) -> String {
    const UNITS: [&str; 4] = ["kB", "MB", "GB", "TB"];
    if n < 1000 {
        return format!("{n} bytes");
    }
    let mut v = n as f64 / 1000.0;
    let mut unit = 0;
    while v >= 999.95 && unit + 1 < UNITS.len() {
        v /= 1000.0;
        unit += 1;
    }
    format!("{v:.1} {}", UNITS[unit])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_is_singular() {
        assert_eq!(count(1, "seed"), "1 seed");
        assert_eq!(count(0, "seed"), "0 seeds");
        assert_eq!(count(13, "version"), "13 versions");
    }

    #[test]
    fn bytes_read_as_people_say_them() {
        assert_eq!(bytes(0), "0 bytes");
        assert_eq!(bytes(999), "999 bytes");
        assert_eq!(bytes(1000), "1.0 kB");
        assert_eq!(bytes(14_234), "14.2 kB");
        assert_eq!(bytes(999_960), "1.0 MB");
        assert_eq!(bytes(3_100_000_000), "3.1 GB");
    }
}
