//! The command line as clap parses it: every subcommand and option, with
//! the help text users read. Nothing here decides anything; `settings`
//! resolves these into what a run needs.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

use super::online_args::{AuditArgs, RevokeArgs, VerifyArgs};
use crate::report::Format;

#[derive(Parser, Debug)]
#[command(
    name = "antleak",
    version,
    about = "Find Anthropic credentials and committed .env files in working trees, staged \
             changes and git history, and get the recovery checklist for each.",
    after_help = "Exit codes: 0 everything asked for was scanned and nothing found, 1 findings, \
                  2 the scan could not be done, or was incomplete and found nothing."
)]
pub struct Cli {
    #[command(flatten)]
    pub global: GlobalArgs,
    #[command(subcommand)]
    pub command: Command,
}

/// Options every command takes: they decide how antleak talks, not what it does.
#[derive(Args, Debug)]
pub struct GlobalArgs {
    /// When to use colours (NO_COLOR is honoured in auto mode).
    #[arg(long, global = true, value_enum, default_value_t = ColorChoice::Auto)]
    pub color: ColorChoice,
    /// Nothing on stdout when nothing is found, and no warnings; errors, the
    /// report of a finding and the exit code stay.
    #[arg(long, short = 'q', global = true)]
    pub quiet: bool,
}

/// Where and how a scan's report is written.
#[derive(Args, Debug)]
pub struct ReportArgs {
    /// Report format.
    #[arg(long, value_enum, default_value_t = Format::Human)]
    pub format: Format,
    /// Write the report to FILE instead of stdout (a regular file is replaced atomically).
    #[arg(long, short = 'o', value_name = "FILE")]
    pub output: Option<PathBuf>,
    /// Also write this scan's findings as a baseline to FILE (JSON, no
    /// secrets, no timings: stable across runs, safe to commit). With
    /// --baseline FILE, the same FILE is refreshed: what it held stays.
    #[arg(long, value_name = "FILE")]
    pub write_baseline: Option<PathBuf>,
    /// Print full secrets in the report (never in SARIF). Off by default.
    #[arg(long)]
    pub show_secrets: bool,
}

/// What a scan leaves out: the allow-list and the baseline.
#[derive(Args, Debug)]
pub struct FilterArgs {
    /// Config file [default: .antleak.toml at the repository root].
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// An earlier antleak JSON report: its findings are not reported again.
    #[arg(long, value_name = "FILE")]
    pub baseline: Option<PathBuf>,
}

/// How many threads a parallel scan uses.
#[derive(Args, Debug)]
pub struct ThreadsArgs {
    /// Worker threads [default: number of CPUs].
    #[arg(long, short = 'j', value_name = "N")]
    pub threads: Option<usize>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum ColorChoice {
    Auto,
    Always,
    Never,
}

#[derive(Subcommand, Debug)]
pub enum Command {
    /// Scan files under PATH (default: .), honouring .gitignore; hidden files included.
    Scan {
        /// Files or directories to scan.
        #[arg(value_name = "PATH", default_value = ".")]
        paths: Vec<PathBuf>,
        /// Scan every file, whatever .gitignore, .ignore and git excludes say.
        #[arg(long)]
        no_ignore: bool,
        #[command(flatten)]
        report: ReportArgs,
        #[command(flatten)]
        filters: FilterArgs,
        #[command(flatten)]
        threads: ThreadsArgs,
        #[command(flatten)]
        verify: VerifyArgs,
    },
    /// Scan what `git commit` would record: staged blobs that differ from HEAD.
    Staged {
        /// Repository [default: the one containing the current directory].
        #[arg(long, value_name = "DIR")]
        repo: Option<PathBuf>,
        #[command(flatten)]
        report: ReportArgs,
        #[command(flatten)]
        filters: FilterArgs,
    },
    /// Scan every blob reachable from every ref (branches, tags, remotes, stashes).
    ///
    /// Each distinct blob is scanned once, and each finding names the earliest
    /// commit that brought it to its path: the date the key was first exposed.
    /// Commits force-pushed away are scanned too while the reflog of a
    /// remote-tracking ref holds them: the remote had them, and so does every
    /// clone made before.
    History {
        /// Repository [default: the one containing the current directory];
        /// repeat it to audit several repositories in one report.
        #[arg(long, value_name = "DIR")]
        repo: Vec<PathBuf>,
        /// Audit every git repository found under DIR (work trees and bare).
        #[arg(long, value_name = "DIR", conflicts_with = "range")]
        repos_under: Option<PathBuf>,
        /// Only the blobs introduced by the commits in A..B (a push or pull request).
        #[arg(long, value_name = "A..B")]
        range: Option<String>,
        /// Accept the history of a shallow clone (or one cut by grafts) as far
        /// as it goes; first-exposure dates are then lower bounds.
        #[arg(long)]
        allow_shallow: bool,
        #[command(flatten)]
        report: ReportArgs,
        #[command(flatten)]
        filters: FilterArgs,
        #[command(flatten)]
        threads: ThreadsArgs,
        #[command(flatten)]
        verify: VerifyArgs,
    },
    /// Deactivate leaked API keys through the Admin API (admin key from
    /// ANTHROPIC_ADMIN_KEY), then print the rest of their runbook.
    Revoke(RevokeArgs),
    /// Show what leaked API keys were used for since they leaked: tokens by
    /// day and model, estimated cost (admin key from ANTHROPIC_ADMIN_KEY).
    Audit(AuditArgs),
    /// Manage the git pre-commit hook.
    Hook {
        #[command(subcommand)]
        action: HookAction,
    },
    /// Print a shell completion script (e.g. `antleak completions bash > /etc/bash_completion.d/antleak`).
    Completions {
        #[arg(value_enum)]
        shell: clap_complete::Shell,
    },
    /// Print a man page (roff): antleak(1), or antleak-COMMAND(1), e.g.
    /// `antleak man scan > /usr/local/share/man/man1/antleak-scan.1`.
    Man {
        /// The command whose page to print [default: antleak itself].
        #[arg(value_name = "COMMAND")]
        command: Option<String>,
    },
}

#[derive(Subcommand, Debug)]
pub enum HookAction {
    /// Install the pre-commit hook (honours core.hooksPath; chains to an existing hook).
    Install {
        /// Repository [default: the one containing the current directory].
        #[arg(long, value_name = "DIR")]
        repo: Option<PathBuf>,
        /// Replace an existing hook instead of chaining to it.
        #[arg(long)]
        force: bool,
    },
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cli_definition_is_consistent() {
        use clap::CommandFactory;
        Cli::command().debug_assert();
    }

    #[test]
    fn global_options_work_after_the_subcommand() {
        let cli =
            Cli::try_parse_from(["antleak", "scan", "src", "--format", "json", "-q"]).unwrap();
        assert!(cli.global.quiet);
        assert!(matches!(
            cli.command,
            Command::Scan {
                report: ReportArgs {
                    format: Format::Json,
                    ..
                },
                ..
            }
        ));
        assert!(Cli::try_parse_from(["antleak", "scan", "--format", "xml"]).is_err());
    }

    #[test]
    fn options_a_command_would_not_use_are_refused() {
        for args in [
            &["antleak", "man", "-o", "page.1"][..],
            &["antleak", "completions", "bash", "--format", "json"],
            &["antleak", "hook", "install", "--baseline", "x"],
            &["antleak", "revoke", "--format", "json"],
            &["antleak", "staged", "-j", "2"],
            &["antleak", "audit", "--format", "sarif"],
        ] {
            assert!(Cli::try_parse_from(args).is_err(), "{args:?}");
        }
    }
}
