//! The command line: parse, resolve settings, run one command, and turn its
//! outcome into the exit code (0 clean, 1 findings, 2 cannot scan).
//!
//! - [`args`]: what clap parses; [`online_args`]: the options of the
//!   commands that call Anthropic's API.
//! - [`settings`]: the resolved global options.
//! - [`commands`]: one function per command; [`pre_receive`]: the
//!   server-side gate.
//!
//! Fatal errors travel up as `anyhow::Error` and are printed here, once, as a
//! single line `antleak: error: …`.

mod args;
mod commands;
mod online_args;
mod pre_receive;
mod progress;
mod settings;
mod targets;

use std::process::ExitCode;

use anyhow::{Context, Result};
use clap::{CommandFactory, Parser};

pub use args::Cli;
use args::{Command, HookAction};
use settings::{Settings, apply_global};

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
    let args: Vec<String> = std::env::args().collect();
    messages::print_error(&one_line(&err.render().to_string(), &args));
    ExitCode::from(EXIT_ERROR)
}

/// clap's usage error on one line, keeping what helps fix it: the
/// possible values, the "did you mean" tip, and which `--help` to read.
/// `args`: the command line, to name the subcommand whose help to read when
/// clap's message does not (a bad value).
fn one_line(rendered: &str, args: &[String]) -> String {
    let mut lines = rendered.lines().map(str::trim);
    let first = lines.next().unwrap_or("invalid arguments");
    let mut line = first.strip_prefix("error: ").unwrap_or(first).to_string();
    let subcommand = args.iter().skip(1).find(|arg| {
        Cli::command()
            .get_subcommands()
            .any(|c| c.get_name() == arg.as_str())
    });
    let mut command = match subcommand {
        Some(name) => format!("antleak {name}"),
        None => "antleak".to_string(),
    };
    for rest in lines {
        if rest.starts_with("[possible values:") {
            line = format!("{line} {rest}");
        } else if let Some(tip) = rest.strip_prefix("tip: ") {
            line = format!("{line}; {tip}");
        } else if let Some(usage) = rest.strip_prefix("Usage: ") {
            command = usage
                .split_whitespace()
                .take_while(|word| !word.starts_with(['[', '<', '-']))
                .collect::<Vec<_>>()
                .join(" ");
        }
    }
    format!("{line} (see {command} --help)")
}

pub(crate) fn is_broken_pipe(err: &anyhow::Error) -> bool {
    err.chain().any(|cause| {
        cause
            .downcast_ref::<std::io::Error>()
            .is_some_and(|e| e.kind() == std::io::ErrorKind::BrokenPipe)
    })
}

fn run(cli: Cli) -> Result<Outcome> {
    let global = &cli.global;
    sources::trust_repositories();
    match cli.command {
        Command::Scan {
            paths,
            no_ignore,
            report,
            filters,
            threads,
            verify,
        } => {
            let settings =
                Settings::new(global, report.output.as_deref(), Some(&threads), &filters)?;
            commands::scan(&settings, &report, &paths, no_ignore, &verify)
        }
        Command::Staged {
            repo,
            report,
            filters,
        } => {
            let settings = Settings::new(global, report.output.as_deref(), None, &filters)?;
            commands::staged(&settings, &report, repo.as_deref())
        }
        Command::History {
            targets,
            range,
            allow_shallow,
            report,
            filters,
            threads,
            verify,
        } => {
            let settings =
                Settings::new(global, report.output.as_deref(), Some(&threads), &filters)?;
            commands::history(
                &settings,
                &report,
                &targets,
                range.as_deref(),
                allow_shallow,
                &verify,
            )
        }
        Command::Merge { reports, output } => {
            apply_global(global, output.as_deref());
            commands::merge(&reports, output.as_deref())
        }
        Command::Revoke(args) => {
            let settings = Settings::new(global, None, Some(&args.threads), &args.filters)?;
            commands::revoke(&settings, &args)
        }
        Command::Audit(args) => {
            let settings = Settings::new(
                global,
                args.output.as_deref(),
                Some(&args.threads),
                &args.filters,
            )?;
            commands::audit(&settings, &args)
        }
        Command::Hook {
            action:
                HookAction::Install {
                    repo,
                    hooks_dir,
                    pre_receive,
                    force,
                },
        } => {
            let quiet = apply_global(global, None);
            let dir = match hooks_dir {
                Some(dir) => dir,
                None => hook::hooks_dir(&sources::open_repo(repo.as_deref())?)?,
            };
            let kind = if pre_receive {
                hook::Kind::PreReceive
            } else {
                hook::Kind::PreCommit
            };
            let message = hook::install(&dir, kind, force)?;
            if !quiet {
                println!("{message}");
            }
            Ok(Outcome::Clean)
        }
        Command::Hook {
            action:
                HookAction::PreReceive {
                    repo,
                    filters,
                    threads,
                },
        } => {
            let settings = Settings {
                quiet: apply_global(global, None),
                threads: threads.resolve()?,
                filters: &filters,
            };
            pre_receive::run(&settings, repo.as_deref())
        }
        Command::Completions { shell } => {
            // Rendered into memory: clap_complete panics on a failed write,
            // and `antleak completions bash | head` must exit quietly.
            let mut script = Vec::new();
            clap_complete::generate(shell, &mut Cli::command(), "antleak", &mut script);
            std::io::Write::write_all(&mut std::io::stdout(), &script)?;
            Ok(Outcome::Clean)
        }
        Command::Man { command } => {
            man_page(command.as_deref())?.render(&mut std::io::stdout())?;
            Ok(Outcome::Clean)
        }
    }
}

/// antleak(1), or the page of one command, antleak-COMMAND(1), which the
/// main page's list of commands refers to.
fn man_page(command: Option<&str>) -> Result<clap_mangen::Man> {
    let cli = Cli::command();
    let Some(name) = command else {
        return Ok(clap_mangen::Man::new(cli));
    };
    let names: Vec<String> = cli
        .get_subcommands()
        .map(|c| c.get_name().to_string())
        .collect();
    let sub = cli
        .find_subcommand(name)
        .filter(|_| name != "help")
        .with_context(|| format!("man {name}: no such command (one of: {})", names.join(", ")))?
        .clone()
        .name(format!("antleak-{name}"));
    Ok(clap_mangen::Man::new(sub))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn error_of(args: &[&str]) -> String {
        let owned: Vec<String> = args.iter().map(|a| a.to_string()).collect();
        one_line(
            &Cli::try_parse_from(args).unwrap_err().render().to_string(),
            &owned,
        )
    }

    #[test]
    fn usage_errors_keep_clap_suggestions_on_one_line() {
        let typo = error_of(&["antleak", "scan", "--formt", "json"]);
        assert!(
            typo.contains("'--format'") && typo.ends_with("(see antleak scan --help)"),
            "{typo}"
        );
        let command = error_of(&["antleak", "histroy"]);
        assert!(command.contains("'history'"), "{command}");
        let value = error_of(&["antleak", "scan", "--format", "jsn"]);
        assert!(
            value.contains("human, json, sarif") && value.contains("'json'"),
            "{value}"
        );
        assert!(!value.contains('\n'));
        assert!(value.ends_with("(see antleak scan --help)"), "{value}");
    }
}
