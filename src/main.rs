//! The `conductor` binary: parse, run, print the error chain, pick the exit code.

use std::io::{self, ErrorKind, Write};
use std::process::ExitCode;

use conductor::cli::{self, CliError};

fn main() -> ExitCode {
    let stdout = io::stdout();
    let mut out = stdout.lock();
    let result = cli::run(std::env::args_os(), &mut out).and_then(|()| Ok(out.flush()?));
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            let _ = out.flush();
            match e.downcast_ref::<CliError>() {
                Some(CliError::Usage(clap_err)) => {
                    let _ = clap_err.print();
                    return ExitCode::from(clap_err.exit_code().clamp(0, 255) as u8);
                }
                Some(CliError::Regression(what)) => {
                    eprintln!("check failed: {what}");
                    return ExitCode::from(1);
                }
                None => {}
            }
            // A closed pipe (`conductor simulate | head`) is not a failure.
            if e.chain().any(|c| {
                c.downcast_ref::<io::Error>()
                    .is_some_and(|io| io.kind() == ErrorKind::BrokenPipe)
            }) {
                return ExitCode::SUCCESS;
            }
            eprintln!("error: {e:#}");
            ExitCode::from(2)
        }
    }
}
