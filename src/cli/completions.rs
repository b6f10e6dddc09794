//! `conductor completions SHELL`: a completion script for the shell, on standard output.

use std::io::Write;

use clap::{Args, CommandFactory};
use clap_complete::Shell;

use super::Cli;

/// Arguments of `conductor completions`.
#[derive(Debug, Args)]
#[command(after_help = "\
Examples:
  conductor completions bash > ~/.local/share/bash-completion/completions/conductor
  conductor completions zsh > ~/.zfunc/_conductor    # with fpath+=~/.zfunc before compinit
  conductor completions fish > ~/.config/fish/completions/conductor.fish")]
pub struct CompletionsArgs {
    /// The shell to complete in.
    #[arg(value_enum)]
    shell: Shell,
}

/// Runs the command.
pub fn execute(args: CompletionsArgs, out: &mut dyn Write) -> anyhow::Result<()> {
    // clap_complete panics on a failed write; it writes into memory, and a closed pipe is
    // then an ordinary error the binary treats as success.
    let mut script = Vec::new();
    clap_complete::generate(args.shell, &mut Cli::command(), "conductor", &mut script);
    out.write_all(&script)?;
    Ok(())
}
