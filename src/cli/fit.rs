//! `conductor fit` (being built).

use std::io::Write;

use clap::Args;

/// Arguments of `conductor fit`.
#[derive(Debug, Args)]
pub struct FitArgs {}

/// Runs the command.
pub fn execute(_args: FitArgs, _out: &mut dyn Write) -> anyhow::Result<()> {
    anyhow::bail!("conductor fit is not built yet")
}
