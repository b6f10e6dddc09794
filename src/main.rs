//! The `conductor` binary: parse, run, print the error chain, pick the exit code.

use std::io::Write;
use std::process::ExitCode;

use conductor::cli::{self, CliError, Stdout, eprint_line};

fn main() -> ExitCode {
    let mut out = Stdout::lock();
    let result = cli::run(std::env::args_os(), &mut out).and_then(|()| Ok(out.flush()?));
    let Err(e) = result else {
        return ExitCode::SUCCESS;
    };
    match e.downcast_ref::<CliError>() {
        Some(CliError::Usage(clap_err)) => {
            let _ = clap_err.print();
            return ExitCode::from(clap_err.exit_code().clamp(0, 255) as u8);
        }
        // The verdict stands even when the reader of the table has gone.
        Some(CliError::Regression(what)) => {
            eprint_line(format_args!("check failed: {what}"));
            return ExitCode::from(1);
        }
        None => {}
    }
    // A closed pipe (`conductor simulate | head`) is not a failure: the reader has all it
    // wanted, and nothing more is said.
    if out.closed() {
        return ExitCode::SUCCESS;
    }
    eprint_line(format_args!("error: {e:#}"));
    ExitCode::from(2)
}
