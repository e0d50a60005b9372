//! The command line: parse, resolve settings, run one command, and turn its
//! outcome into the exit code (0 clean, 1 findings, 2 cannot scan).
//!
//! - [`args`]: what clap parses; [`online_args`]: the options of the
//!   commands that call Anthropic's API.
//! - [`settings`]: the resolved global options.
//! - [`commands`]: one function per command.
//!
//! Fatal errors travel up as `anyhow::Error` and are printed here, once, as a
//! single line `antleak: error: …`.

mod args;
mod commands;
mod online_args;
mod progress;
mod settings;

use std::process::ExitCode;

use anyhow::Result;
use clap::{CommandFactory, Parser};

pub use args::Cli;
use args::{Command, HookAction};
use settings::Settings;

use crate::exit::{EXIT_ERROR, Outcome};
use crate::{hook, messages, sources};

pub fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(err) => return usage_error(err),
    };
    match run(cli) {
        Ok(outcome) => outcome.into(),
        // Completions or the man page piped into a pager that quit early.
        Err(err) if is_broken_pipe(&err) => ExitCode::SUCCESS,
        Err(err) => {
            messages::print_error(&format!("{err:#}"));
            ExitCode::from(EXIT_ERROR)
        }
    }
}

/// `--help` and `--version` print as clap renders them; a usage error is one
/// line, like every other error.
fn usage_error(err: clap::Error) -> ExitCode {
    use clap::error::ErrorKind;
    if matches!(
        err.kind(),
        ErrorKind::DisplayHelp | ErrorKind::DisplayVersion
    ) || err.kind() == ErrorKind::DisplayHelpOnMissingArgumentOrSubcommand
    {
        let _ = err.print();
        return if err.kind() == ErrorKind::DisplayHelpOnMissingArgumentOrSubcommand {
            ExitCode::from(EXIT_ERROR)
        } else {
            ExitCode::SUCCESS
        };
    }
    let rendered = err.render().to_string();
    let first = rendered.lines().next().unwrap_or("invalid arguments");
    let first = first.strip_prefix("error: ").unwrap_or(first);
    messages::print_error(&format!("{first} (see antleak --help)"));
    ExitCode::from(EXIT_ERROR)
}

pub(crate) fn is_broken_pipe(err: &anyhow::Error) -> bool {
    err.chain().any(|cause| {
        cause
            .downcast_ref::<std::io::Error>()
            .is_some_and(|e| e.kind() == std::io::ErrorKind::BrokenPipe)
    })
}

fn run(cli: Cli) -> Result<Outcome> {
    let settings = Settings::resolve(cli.global)?;
    match cli.command {
        Command::Scan {
            paths,
            no_ignore,
            verify,
        } => commands::scan(&settings, &paths, no_ignore, &verify),
        Command::Staged { repo } => commands::staged(&settings, repo.as_deref()),
        Command::History {
            repo,
            repos_under,
            range,
            verify,
        } => commands::history(
            &settings,
            repo,
            repos_under.as_deref(),
            range.as_deref(),
            &verify,
        ),
        Command::Revoke(args) => commands::revoke(&settings, &args),
        Command::Audit(args) => commands::audit(&settings, &args),
        Command::Hook {
            action: HookAction::Install { repo, force },
        } => {
            let repo = sources::open_repo(repo.as_deref())?;
            let message = hook::install(&repo, force)?;
            if !settings.quiet {
                println!("{message}");
            }
            Ok(Outcome::Clean)
        }
        Command::Completions { shell } => {
            // Rendered into memory: clap_complete panics on a failed write,
            // and `antleak completions bash | head` must exit quietly.
            let mut script = Vec::new();
            clap_complete::generate(shell, &mut Cli::command(), "antleak", &mut script);
            std::io::Write::write_all(&mut std::io::stdout(), &script)?;
            Ok(Outcome::Clean)
        }
        Command::Man => {
            clap_mangen::Man::new(Cli::command()).render(&mut std::io::stdout())?;
            Ok(Outcome::Clean)
        }
    }
}
