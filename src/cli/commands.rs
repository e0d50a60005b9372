//! One function per command. The scan commands share one ending
//! ([`report_scan`]): plan, verify if asked, write the report and the
//! baseline, and say whether anything was found. `revoke` and `audit` take
//! their keys from [`history_findings`], the same history scan as
//! `antleak history`, with the same filters.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::atomic::Ordering;
use std::time::Instant;

use anyhow::Result;

use super::args::{ReportArgs, TargetArgs};
use super::online_args::{AuditArgs, LeakedArgs, RevokeArgs, VerifyArgs};
use super::progress::with_progress;
use super::settings::Settings;
use super::targets::Target;
use crate::config::{self, Files};
use crate::core::detect::Limits;
use crate::core::filters::Filters;
use crate::core::finding::Finding;
use crate::core::remediation::{self, History, Plan};
use crate::exit::Outcome;
use crate::online::leaked::LeakedKey;
use crate::online::{revoke, usage, verify};
use crate::report::saved::SavedReport;
use crate::report::{self, Command, Report, Summary, UriBase};
use crate::sources::{self, Stats, history, staged, worktree};

/// What a scan command found, before it is planned and reported.
pub(super) struct Scanned {
    pub(super) command: Command,
    pub(super) found: Found,
    /// History only: whether a repository was a shallow clone.
    pub(super) shallow: Option<bool>,
    /// Where SARIF's relative paths resolve from.
    pub(super) uri_base: Option<UriBase>,
    /// The one repository named on the command line (the JSON report's `root`).
    pub(super) root: Option<String>,
}

pub fn scan(
    settings: &Settings,
    report: &ReportArgs,
    paths: &[PathBuf],
    no_ignore: bool,
    verify: &VerifyArgs,
) -> Result<Outcome> {
    let started = Instant::now();
    let verify = verify.options()?;
    let config_root = scan_config_root(paths)?;
    let config = settings.filters.config.as_deref();
    let stats = Stats::with_limits(config::load_limits(config, config_root.as_deref())?);
    let prefixes = scan_prefixes(paths, config_root.as_deref());
    let filters = settings
        .filters
        .load(config_root.as_deref(), &Files::Disk)?
        .with_prefixes(prefixes.clone());
    let options = worktree::Options {
        threads: settings.threads,
        no_ignore,
    };
    let found = with_progress(&stats, !settings.quiet, || {
        worktree::scan(paths, &options, &stats)
    })?;
    let scanned = Scanned {
        command: Command::Scan,
        found: Found::filtered(&filters, found, &stats),
        shallow: None,
        uri_base: config_root
            .and_then(|dir| dir.canonicalize().ok())
            .map(|dir| UriBase { dir, prefixes }),
        root: None,
    };
    report_scan(settings, report, scanned, &stats, started, verify.as_ref())
}

pub fn staged(settings: &Settings, report: &ReportArgs, repo: Option<&Path>) -> Result<Outcome> {
    let started = Instant::now();
    let repo = sources::open_repo(repo)?;
    let root = sources::repo_root(&repo);
    let config = settings.filters.config.as_deref();
    let stats = Stats::with_limits(config::load_limits(config, root.as_deref())?);
    let filters = (settings.filters).load(root.as_deref(), &Files::Disk)?;
    let found = staged::scan(&repo, &stats)?;
    let scanned = Scanned {
        command: Command::Staged,
        found: Found::filtered(&filters, found, &stats),
        shallow: None,
        uri_base: repo_uri_base(&repo),
        root: None,
    };
    report_scan(settings, report, scanned, &stats, started, None)
}

pub fn history(
    settings: &Settings,
    report: &ReportArgs,
    targets: &TargetArgs,
    range: Option<&str>,
    allow_shallow: bool,
    verify: &VerifyArgs,
) -> Result<Outcome> {
    let started = Instant::now();
    let verify = verify.options()?;
    // One set of limits for the run: the explicit config, else the first
    // local repository's (an error opening it is reported when it is
    // scanned); with no repository named, the current one's.
    let named = !targets.repo.is_empty()
        || targets.repos_under.is_some()
        || !targets.github_org.is_empty()
        || !targets.github_user.is_empty()
        || !targets.gitlab_group.is_empty();
    let first = (targets.repo.first().cloned()).or_else(|| (!named).then(|| ".".into()));
    let first = first.and_then(|dir| sources::open_repo(Some(&dir)).ok());
    let root = first.as_ref().and_then(sources::repo_root);
    let config = settings.filters.config.as_deref();
    let limits = Limits {
        inline_allow: range.is_none(),
        ..config::load_limits(config, root.as_deref())?
    };
    let stats = Stats::with_limits(limits);
    let resolved = super::targets::resolve(targets, settings.quiet, &stats)?;
    let repos = &resolved.targets;
    let (found, shallow) = history_findings(settings, repos, range, allow_shallow, &stats)?;
    // One repository: paths are relative to its root. Several: each finding
    // carries its repository as `root`, and URIs are written with it.
    let uri_base = match &repos[..] {
        [one] if !one.remote => repo_uri_base(&sources::open_repo(one.dir.as_deref())?),
        _ => None,
    };
    let scanned = Scanned {
        command: Command::History,
        found,
        shallow: Some(shallow),
        uri_base,
        root: resolved.root.clone(),
    };
    report_scan(settings, report, scanned, &stats, started, verify.as_ref())
}

/// What the scans of a command found, filtered: the findings to report,
/// and what the baseline already knew, which a baseline this run writes
/// must keep.
#[derive(Default)]
pub(super) struct Found {
    findings: Vec<Finding>,
    baselined: Vec<Finding>,
    /// How many findings the baselines read knew, by identity.
    baseline_known: usize,
}

impl Found {
    pub(super) fn filtered(filters: &Filters, found: Vec<Finding>, stats: &Stats) -> Found {
        let mut all = Found::default();
        all.add(filters, found, stats, None);
        all
    }

    /// Drops what the allow-list and the baseline accept, counting it;
    /// `root` labels the findings of one of several repositories.
    fn add(&mut self, filters: &Filters, found: Vec<Finding>, stats: &Stats, root: Option<String>) {
        let mut filtered = filters.split(found);
        Stats::add(&stats.suppressed_allow, filtered.suppressed.allow);
        Stats::add(&stats.suppressed_baseline, filtered.suppressed.baseline);
        for f in filtered.kept.iter_mut().chain(&mut filtered.baselined) {
            if root.is_some() {
                f.root.clone_from(&root);
            }
        }
        self.findings.append(&mut filtered.kept);
        self.baselined.append(&mut filtered.baselined);
        // Every repository of a run reads the same --baseline.
        self.baseline_known = self.baseline_known.max(filters.baseline_len());
        self.findings
            .sort_by(|a, b| a.sort_key().cmp(&b.sort_key()));
    }
}

/// The filtered findings of the history of each target (a target without
/// a directory: the repository git would use, `GIT_DIR` or the current one;
/// `range`: only what its commits introduced), and whether any was a
/// shallow clone.
fn history_findings(
    settings: &Settings,
    targets: &[Target],
    range: Option<&str>,
    allow_shallow: bool,
    stats: &Stats,
) -> Result<(Found, bool)> {
    if range.is_some() && targets.len() > 1 {
        anyhow::bail!("--range: applies to one repository, not {}", targets.len());
    }
    let mut found = Found::default();
    let mut shallow = false;
    for target in targets {
        let repo = sources::open_repo(target.dir.as_deref())?;
        let files = match range {
            Some(range) => Files::as_of_range_base(&repo, range)?,
            None => Files::Disk,
        };
        let root = sources::repo_root(&repo);
        let filters = settings.filters.load(root.as_deref(), &files)?;
        let options = history::Options {
            threads: settings.threads,
            only: range.map(|r| history::Only::Range(r.to_string())),
            allow_shallow,
        };
        let scanned = with_progress(stats, !settings.quiet, || {
            history::scan(&repo, &options, stats)
        })?;
        shallow |= scanned.shallow;
        found.add(&filters, scanned.findings, stats, target.label.clone());
    }
    Ok((found, shallow))
}

/// Plans, verifies (if asked) and writes the report of a scan.
pub(super) fn report_scan(
    settings: &Settings,
    args: &ReportArgs,
    scanned: Scanned,
    stats: &Stats,
    started: Instant,
    verify: Option<&verify::Options>,
) -> Result<Outcome> {
    let Scanned {
        command,
        found,
        shallow,
        uri_base,
        root,
    } = scanned;
    let Found {
        findings,
        baselined,
        baseline_known,
    } = found;
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
    let mut plan = remediation::plan(&findings, history_of(shallow));
    if let Some(options) = verify {
        verify::run(options, &findings, &mut plan);
    }
    let report = Report {
        command,
        root,
        remediation: plan,
        findings,
        summary,
        uri_base,
    };
    // A reader that stopped early (`antleak scan | head`) is not an error,
    // but the exit code still tells whether anything was found.
    if let Err(err) = report::write(&report, args.style(settings.quiet), args.output.as_deref())
        && !super::is_broken_pipe(&err)
    {
        return Err(err);
    }
    if let Some(path) = &args.write_baseline {
        write_baseline(&report, baselined, baseline_known, path)?;
    }
    let summary = &report.summary;
    if !summary.complete {
        // On stderr whatever the format, for scripts and CI logs.
        let line = crate::core::coverage::closing_line(&summary.unscanned, &summary.fixes);
        if report.findings.is_empty() {
            crate::messages::print_error(&line);
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

/// Whether the history the findings come from is whole: a shallow clone's
/// dates of first exposure are lower bounds.
fn history_of(shallow: Option<bool>) -> History {
    match shallow {
        Some(true) => History::Cut,
        _ => History::Whole,
    }
}

/// Writes the baseline of this run: what it reported plus what the baseline
/// it read already knew and is still there, so refreshing a baseline in
/// place (`--baseline F --write-baseline F`) keeps what it held; says what
/// changed when a baseline was read.
fn write_baseline(
    report: &Report,
    mut baselined: Vec<Finding>,
    baseline_known: usize,
    path: &Path,
) -> Result<()> {
    let still_known = {
        let mut identities: Vec<(_, _)> = baselined
            .iter()
            .map(|f| (f.rule, f.fingerprint().unwrap_or(&f.path)))
            .collect();
        identities.sort();
        identities.dedup();
        identities.len()
    };
    let added = report.findings.len();
    let mut all = report.findings.clone();
    all.append(&mut baselined);
    all.sort_by(|a, b| a.sort_key().cmp(&b.sort_key()));
    let baseline = Report {
        command: report.command,
        root: report.root.clone(),
        remediation: remediation::plan(&all, history_of(report.summary.shallow)),
        summary: Summary {
            findings: all.len() as u64,
            ..Summary::default()
        },
        findings: all,
        uri_base: None,
    };
    report::write_baseline(&baseline, path)?;
    if baseline_known > 0 {
        crate::messages::print_note(format_args!(
            "baseline {}: {still_known} known and still found, {added} new, {} no longer found \
             (dropped)",
            path.display(),
            baseline_known.saturating_sub(still_known)
        ));
    }
    Ok(())
}

/// `antleak merge`: reads each report, merges them (see
/// [`report::merge`]) and writes the result; the exit code is the merged
/// report's.
pub fn merge(paths: &[PathBuf], output: Option<&Path>) -> Result<Outcome> {
    let mut inputs = Vec::new();
    for path in paths {
        let text = Files::Disk
            .read_bounded(path, true, config::MAX_BASELINE_FILE)
            .map_err(|err| {
                anyhow::anyhow!(
                    "{}: cannot read report: {}",
                    path.display(),
                    err.root_cause()
                )
            })?
            .unwrap_or_default();
        inputs.push((path.clone(), SavedReport::parse(&text, path)?));
    }
    let merged = report::merge::merge(inputs)?;
    if let Err(err) = report::write_json(&merged.report, output)
        && !super::is_broken_pipe(&err)
    {
        return Err(err);
    }
    if merged.findings > 0 {
        return Ok(Outcome::Findings);
    }
    if !merged.complete {
        crate::messages::print_error(&crate::core::coverage::closing_line(&merged.unscanned, &[]));
        return Ok(Outcome::Incomplete);
    }
    Ok(Outcome::Clean)
}

pub fn revoke(settings: &Settings, args: &RevokeArgs) -> Result<Outcome> {
    revoke::run(&args.options()?, || leaked_keys(settings, &args.leaked))
}

pub fn audit(settings: &Settings, args: &AuditArgs) -> Result<Outcome> {
    let options = args.options()?;
    usage::run(&options, || {
        let keys = leaked_keys(settings, &args.leaked)?;
        // Prices may come from the scanned repository's .antleak.toml: they
        // change an estimate, never where anything is sent.
        let config_root = match &args.leaked.report {
            Some(_) => None,
            None => sources::repo_root(&sources::open_repo(args.leaked.repo.as_deref())?),
        };
        let prices =
            config::load_prices(settings.filters.config.as_deref(), config_root.as_deref())?;
        Ok((keys, prices))
    })
}

/// The leaked keys `revoke` and `audit` act on: those of `--report FILE`,
/// else of a fresh history scan of `--repo` (default: the current one),
/// with the allow-list and baseline a `history` scan would apply.
fn leaked_keys(settings: &Settings, args: &LeakedArgs) -> Result<Vec<LeakedKey>> {
    if let Some(path) = &args.report {
        return LeakedKey::from_report(path);
    }
    let target = Target {
        dir: args.repo.clone(),
        label: None,
        remote: false,
    };
    // Revoking what a shallow clone shows is still worth doing.
    let (found, shallow) = history_findings(settings, &[target], None, true, &Stats::default())?;
    let plan: Plan = remediation::plan(&found.findings, history_of(Some(shallow)));
    Ok(LeakedKey::from_plan(&plan))
}

/// A repository's findings resolve from its work tree (its git directory,
/// bare).
fn repo_uri_base(repo: &git2::Repository) -> Option<UriBase> {
    let dir = sources::repo_root(repo)?.canonicalize().ok()?;
    Some(UriBase {
        dir,
        prefixes: HashMap::new(),
    })
}

/// Where `scan` looks for `.antleak.toml`: the root of the repository that
/// holds the first path, or that path itself outside a repository. A
/// repository that exists but cannot be opened is an error: which config
/// applies would be a guess.
fn scan_config_root(paths: &[PathBuf]) -> Result<Option<PathBuf>> {
    let Some(first) = paths.first() else {
        return Ok(None);
    };
    let dir = worktree::base_dir(first, first.is_dir());
    Ok(match sources::discover(&dir)? {
        Some(repo) => repo.workdir().map(Path::to_path_buf),
        None => Some(dir),
    })
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
            Some((worktree::root_label(paths, path, path.is_dir()), prefix))
        })
        .collect()
}
