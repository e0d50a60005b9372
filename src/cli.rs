//! The command line: parse, resolve settings, run one source, filter, report,
//! and turn the outcome into an exit code (0 clean, 1 findings, 2 cannot scan).
//!
//! Fatal errors travel up as `anyhow::Error` and are printed here, once, as a
//! single line `antleak: error: …`.

use std::collections::HashMap;
use std::io::IsTerminal;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::atomic::Ordering;
use std::time::Instant;

use anyhow::Result;
use clap::{Args, Parser, Subcommand, ValueEnum};

use crate::anthropic::args::{AuditArgs, Context, RevokeArgs, VerifyArgs};
use crate::config::Files;
use crate::filters::Filters;
use crate::finding::{Report, Summary};
use crate::progress::with_progress;
use crate::report::{self, Format, Style};
use crate::sources::{self, Stats, history, staged, worktree};
use crate::{anthropic, hook, messages, remediation};

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
    global: GlobalArgs,
    #[command(subcommand)]
    command: Command,
}

#[derive(Args, Debug)]
struct GlobalArgs {
    /// Report format.
    #[arg(long, global = true, value_enum, default_value_t = Format::Human)]
    format: Format,
    /// Write the report to FILE instead of stdout (a regular file is replaced atomically).
    #[arg(long, short = 'o', global = true, value_name = "FILE")]
    output: Option<PathBuf>,
    /// When to use colours (NO_COLOR is honoured in auto mode).
    #[arg(long, global = true, value_enum, default_value_t = ColorChoice::Auto)]
    color: ColorChoice,
    /// Config file [default: .antleak.toml at the repository root].
    #[arg(long, global = true, value_name = "FILE")]
    config: Option<PathBuf>,
    /// An earlier antleak JSON report: its findings are not reported again.
    #[arg(long, global = true, value_name = "FILE")]
    baseline: Option<PathBuf>,
    /// Also write this scan's findings as a baseline to FILE (JSON, no
    /// secrets, no timings: stable across runs, safe to commit).
    #[arg(long, global = true, value_name = "FILE")]
    write_baseline: Option<PathBuf>,
    /// Print full secrets in the report (never in SARIF). Off by default.
    #[arg(long, global = true)]
    show_secrets: bool,
    /// Worker threads [default: number of CPUs].
    #[arg(long, short = 'j', global = true, value_name = "N")]
    threads: Option<usize>,
    /// No warnings, and no output at all when nothing is found.
    #[arg(long, short = 'q', global = true)]
    quiet: bool,
}

impl GlobalArgs {
    fn filters(&self, config_root: Option<&Path>, files: &Files) -> Result<Filters> {
        Filters::load(
            self.config.as_deref(),
            self.baseline.as_deref(),
            config_root,
            files,
        )
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
enum ColorChoice {
    Auto,
    Always,
    Never,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Scan files under PATH (default: .), honouring .gitignore; hidden files included.
    Scan {
        /// Files or directories to scan.
        #[arg(value_name = "PATH", default_value = ".")]
        paths: Vec<PathBuf>,
        /// Scan every file, whatever .gitignore, .ignore and git excludes say.
        #[arg(long)]
        no_ignore: bool,
        #[command(flatten)]
        verify: VerifyArgs,
    },
    /// Scan what `git commit` would record: staged blobs that differ from HEAD.
    Staged {
        /// Repository [default: the one containing the current directory].
        #[arg(long, value_name = "DIR")]
        repo: Option<PathBuf>,
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
    /// Print the man page (roff), e.g. `antleak man > /usr/local/share/man/man1/antleak.1`.
    Man,
}

#[derive(Subcommand, Debug)]
enum HookAction {
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

/// What a completed scan found, which decides the exit code.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Outcome {
    Clean,
    Findings,
    /// Nothing found, but something asked for could not be scanned.
    Incomplete,
}

impl From<Outcome> for ExitCode {
    fn from(outcome: Outcome) -> ExitCode {
        match outcome {
            Outcome::Clean => ExitCode::SUCCESS,
            Outcome::Findings => ExitCode::from(1),
            Outcome::Incomplete => ExitCode::from(EXIT_ERROR),
        }
    }
}

/// Exit code for a scan that could not be done.
const EXIT_ERROR: u8 = 2;

pub fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(err) => return usage_error(err),
    };
    if cli.global.output.is_none() && !report::stdout_is_open() {
        messages::print_error("stdout is closed: the report has nowhere to go (use --output FILE)");
        return ExitCode::from(EXIT_ERROR);
    }
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

fn is_broken_pipe(err: &anyhow::Error) -> bool {
    err.chain().any(|cause| {
        cause
            .downcast_ref::<std::io::Error>()
            .is_some_and(|e| e.kind() == std::io::ErrorKind::BrokenPipe)
    })
}

fn run(cli: Cli) -> Result<Outcome> {
    let started = Instant::now();
    let global = cli.global;
    messages::set_quiet(global.quiet);
    sources::trust_repositories();
    colored::control::set_override(use_color(global.color, global.output.as_deref()));
    let threads = match global.threads {
        Some(0) => anyhow::bail!("--threads: must be at least 1"),
        Some(n) => n,
        None => std::thread::available_parallelism().map_or(1, |n| n.get()),
    };
    let stats = Stats::default();
    let context = || Context {
        format: global.format,
        output: global.output.clone(),
        config: global.config.clone(),
        baseline: global.baseline.clone(),
        threads,
        quiet: global.quiet,
    };
    let mut verify = None;
    let (command, findings, shallow) = match cli.command {
        Command::Revoke(args) => return anthropic::revoke::run(&args, &context()),
        Command::Audit(args) => return anthropic::usage::run(&args, &context()),
        Command::Hook {
            action: HookAction::Install { repo, force },
        } => {
            let repo = sources::open_repo(repo.as_deref())?;
            let message = hook::install(&repo, force)?;
            if !global.quiet {
                println!("{message}");
            }
            return Ok(Outcome::Clean);
        }
        Command::Completions { shell } => {
            let mut command = <Cli as clap::CommandFactory>::command();
            // Rendered into memory: clap_complete panics on a failed write,
            // and `antleak completions bash | head` must exit quietly.
            let mut script = Vec::new();
            clap_complete::generate(shell, &mut command, "antleak", &mut script);
            std::io::Write::write_all(&mut std::io::stdout(), &script)?;
            return Ok(Outcome::Clean);
        }
        Command::Man => {
            let command = <Cli as clap::CommandFactory>::command();
            clap_mangen::Man::new(command).render(&mut std::io::stdout())?;
            return Ok(Outcome::Clean);
        }
        Command::Scan {
            paths,
            no_ignore,
            verify: verify_args,
        } => {
            verify = verify_args.options()?;
            let config_root = scan_config_root(&paths);
            let filters = global
                .filters(config_root.as_deref(), &Files::Disk)?
                .with_prefixes(scan_prefixes(&paths, config_root.as_deref()));
            let options = worktree::Options { threads, no_ignore };
            let found = with_progress(&stats, !global.quiet, || {
                worktree::scan(&paths, &options, &stats)
            })?;
            ("scan", filters.apply_counted(found, &stats), None)
        }
        Command::Staged { repo } => {
            let repo = sources::open_repo(repo.as_deref())?;
            let filters = global.filters(sources::repo_root(&repo).as_deref(), &Files::Disk)?;
            let found = staged::scan(&repo, &stats)?;
            ("staged", filters.apply_counted(found, &stats), None)
        }
        Command::History {
            repo,
            repos_under,
            range,
            allow_shallow,
            verify: verify_args,
        } => {
            verify = verify_args.options()?;
            let mut dirs = repo;
            if let Some(folder) = &repos_under {
                dirs.extend(sources::repos::find_under(folder, &stats)?);
            }
            if range.is_some() && dirs.len() > 1 {
                anyhow::bail!("--range: applies to one repository, not {}", dirs.len());
            }
            // No --repo: the repository git would use (GIT_DIR, else the
            // one holding the current directory).
            let targets: Vec<Option<&Path>> = if dirs.is_empty() {
                vec![None]
            } else {
                dirs.iter().map(|d| Some(d.as_path())).collect()
            };
            let mut findings = Vec::new();
            let mut shallow = false;
            for dir in targets {
                let repo = sources::open_repo(dir)?;
                let files = match &range {
                    Some(range) => Files::as_of_range_base(&repo, range)?,
                    None => Files::Disk,
                };
                let root = sources::repo_root(&repo);
                let filters = global.filters(root.as_deref(), &files)?;
                let options = history::Options {
                    threads,
                    range: range.clone(),
                    allow_shallow,
                };
                let scanned = with_progress(&stats, !global.quiet, || {
                    history::scan(&repo, &options, &stats)
                })?;
                shallow |= scanned.shallow;
                let mut found = filters.apply_counted(scanned.findings, &stats);
                if let Some(label) = dir.and_then(|dir| sources::root_label(&dirs, dir)) {
                    found.iter_mut().for_each(|f| f.root = Some(label.clone()));
                }
                findings.append(&mut found);
            }
            findings.sort_by(|a, b| a.sort_key().cmp(&b.sort_key()));
            ("history", findings, Some(shallow))
        }
    };
    let summary = Summary {
        findings: findings.len() as u64,
        files_scanned: stats.files.load(Ordering::Relaxed),
        blobs_scanned: stats.blobs.load(Ordering::Relaxed),
        bytes_scanned: stats.bytes.load(Ordering::Relaxed),
        unreadable: stats.unreadable.load(Ordering::Relaxed),
        elapsed_ms: started.elapsed().as_millis() as u64,
        shallow,
        complete: stats.coverage.unscanned().is_empty(),
        unscanned: stats.coverage.unscanned(),
        fixes: stats.coverage.fixes(),
        vanished: stats.vanished.load(Ordering::Relaxed),
        suppressed_allow: stats.suppressed_allow.load(Ordering::Relaxed),
        suppressed_baseline: stats.suppressed_baseline.load(Ordering::Relaxed),
    };
    let mut plan = remediation::plan(&findings);
    if let Some(options) = &verify {
        anthropic::verify::run(options, &findings, &mut plan);
    }
    let report = Report {
        command,
        remediation: plan,
        findings,
        summary,
    };
    let style = Style {
        format: global.format,
        show_secrets: global.show_secrets,
        quiet: global.quiet,
    };
    // A reader that stopped early (`antleak scan | head`) is not an error,
    // but the exit code still tells whether anything was found.
    if let Err(err) = report::write(&report, style, global.output.as_deref())
        && !is_broken_pipe(&err)
    {
        return Err(err);
    }
    if let Some(path) = &global.write_baseline {
        report::write_baseline(&report, path)?;
    }
    let summary = &report.summary;
    if !summary.complete {
        // On stderr whatever the format, for scripts and CI logs.
        let line = crate::coverage::closing_line(&summary.unscanned, &summary.fixes);
        if report.findings.is_empty() {
            messages::print_error(&line);
            return Ok(Outcome::Incomplete);
        }
        crate::warn!("{line}");
    }
    Ok(if report.findings.is_empty() {
        Outcome::Clean
    } else {
        Outcome::Findings
    })
}

/// Colour only for a terminal, unless forced; never into a file unless
/// `--color always`.
fn use_color(choice: ColorChoice, output: Option<&Path>) -> bool {
    match choice {
        ColorChoice::Always => true,
        ColorChoice::Never => false,
        ColorChoice::Auto => {
            output.is_none()
                && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
                && std::io::stdout().is_terminal()
        }
    }
}

/// Where `scan` looks for `.antleak.toml`: the root of the repository that
/// holds the first path, or that path itself outside a repository.
fn scan_config_root(paths: &[PathBuf]) -> Option<PathBuf> {
    let first = paths.first()?;
    let dir = worktree::base_dir(first, first.is_dir());
    match sources::discover(&dir) {
        Ok(Some(repo)) => repo.workdir().map(Path::to_path_buf),
        _ => Some(dir),
    }
}

/// `scan` reports paths relative to each directory scanned, while the globs
/// of `.antleak.toml` are written from the directory that holds it: for each
/// scanned root (keyed as its findings' `root` names it), the path from there
/// down to it, so `docs/**` means the same whichever directory is scanned.
fn scan_prefixes(paths: &[PathBuf], config_root: Option<&Path>) -> HashMap<Option<String>, String> {
    let Some(config_root) = config_root.and_then(|root| root.canonicalize().ok()) else {
        return HashMap::new();
    };
    paths
        .iter()
        .filter_map(|path| {
            let base = worktree::base_dir(path, path.is_dir())
                .canonicalize()
                .ok()?;
            let below = base.strip_prefix(&config_root).ok()?;
            let prefix: String = below
                .components()
                .map(|c| format!("{}/", c.as_os_str().to_string_lossy()))
                .collect();
            Some((sources::root_label(paths, path), prefix))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn outcomes_map_to_exit_codes() {
        assert_eq!(ExitCode::from(Outcome::Clean), ExitCode::SUCCESS);
        assert_eq!(ExitCode::from(Outcome::Findings), ExitCode::from(1));
    }

    #[test]
    fn cli_definition_is_consistent() {
        use clap::CommandFactory;
        Cli::command().debug_assert();
    }

    #[test]
    fn global_options_work_after_the_subcommand() {
        let cli =
            Cli::try_parse_from(["antleak", "scan", "src", "--format", "json", "-q"]).unwrap();
        assert_eq!(cli.global.format, Format::Json);
        assert!(cli.global.quiet);
        assert!(Cli::try_parse_from(["antleak", "scan", "--format", "xml"]).is_err());
    }
}
