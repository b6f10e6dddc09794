//! The `conductor` binary: everything lives in the library; `cli::run` parses, runs, prints
//! the error chain and picks the exit code.

use std::process::ExitCode;

use conductor::cli::{self, Stdout};

fn main() -> ExitCode {
    let mut out = Stdout::lock();
    cli::run(std::env::args_os(), &mut out)
}
