//! Where bytes come from: a working tree (`scan`), the git index (`staged`)
//! or every blob in a repository's history (`history`).
//!
//! Sources turn what they read into [`Finding`]s with the pure scanner and
//! return them; they never print (beyond `warn!`) and never decide exit codes.
//! A per-file problem is a warning plus a count in [`Stats`]; only a problem
//! that makes the whole scan impossible is an `Err`.

pub mod history;
pub mod repos;
pub mod staged;
pub mod worktree;

use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};

use crate::core::browser_access::{self, Signal};
use crate::core::detect::{self, Detection, Found, Limits, Unexpanded};
use crate::core::finding::{Finding, Provenance, Unscanned};
use crate::core::rules::{self, DotenvKind, RuleId, Severity};
use crate::core::sync::lock;
use crate::core::{claude_files, exposure};

/// Counters shared by the worker threads of a scan, and the limits every
/// blob is detected under.
#[derive(Debug, Default)]
pub struct Stats {
    pub files: AtomicU64,
    pub blobs: AtomicU64,
    pub bytes: AtomicU64,
    pub unreadable: AtomicU64,
    /// What limits kept from being expanded, one entry per limit.
    pub unscanned: Mutex<Vec<Unscanned>>,
    pub limits: Limits,
}

impl Stats {
    pub fn with_limits(limits: Limits) -> Stats {
        Stats {
            limits,
            ..Stats::default()
        }
    }

    /// Counts what limits kept from being expanded in the blob at `path`.
    pub fn unexpanded(&self, path: &str, unexpanded: &[Unexpanded]) {
        let mut unscanned = lock(&self.unscanned);
        for u in unexpanded {
            let reason = format!(
                "{} (raise {} in [limits] of .antleak.toml)",
                u.limit, u.limit
            );
            match unscanned.iter_mut().find(|s| s.reason == reason) {
                Some(s) => s.count += u.count,
                None => unscanned.push(Unscanned {
                    what: format!("{}: {}", member_path(path, &u.member), u.detail),
                    reason,
                    count: u.count,
                }),
            }
        }
    }

    /// The unscanned entries, in a stable order.
    pub fn unscanned(&self) -> Vec<Unscanned> {
        let mut all = lock(&self.unscanned).clone();
        all.sort_by(|a, b| a.reason.cmp(&b.reason));
        all
    }

    pub fn add(counter: &AtomicU64, n: u64) {
        counter.fetch_add(n, Ordering::Relaxed);
    }

    /// Warns about an input that could not be read and counts it.
    pub fn unreadable(&self, what: &str, err: impl std::fmt::Display) {
        Stats::add(&self.unreadable, 1);
        crate::warn!("{what}: {err}");
    }

    /// A directory walker's entry, or `None` once one it could not read has
    /// been warned about and counted.
    pub fn walked(
        &self,
        entry: Result<ignore::DirEntry, ignore::Error>,
    ) -> Option<ignore::DirEntry> {
        entry.map_err(|err| self.unreadable("walking", err)).ok()
    }
}

/// The `root` a finding under `root` carries (a scanned path or a
/// repository): the root as the user gave it, and only when several were
/// scanned, so that paths stay unambiguous.
pub fn root_label(roots: &[PathBuf], root: &Path) -> Option<String> {
    (roots.len() > 1).then(|| root.to_string_lossy().into_owned())
}

/// Reads one git blob straight from the object database and scans it,
/// counting it in `stats`; a blob that cannot be read is a warning naming it
/// (and the path it was found at) and a count, and yields no match.
pub fn scan_git_blob(
    repo: &git2::Repository,
    blob: git2::Oid,
    path: &str,
    stats: &Stats,
) -> Detection {
    let read = repo
        .odb()
        .and_then(|odb| Ok(detect::detect(odb.read(blob)?.data(), &stats.limits)));
    match read {
        Ok(detection) => {
            Stats::add(&stats.blobs, 1);
            Stats::add(&stats.bytes, detection.bytes);
            stats.unexpanded(path, &detection.unexpanded);
            detection
        }
        Err(err) => {
            stats.unreadable(&format!("blob {blob} ({path})"), err.message());
            Detection::default()
        }
    }
}

/// The findings for one blob or file: one per credential match, plus the
/// whole-file finding (a `.env`, a Claude Code personal file: see
/// [`file_rules`]) when `dotenv_rule` says the file itself is a problem.
pub fn findings_for(
    path: &str,
    provenance: &Provenance,
    matches: Vec<Found>,
    dotenv_rule: Option<RuleId>,
) -> Vec<Finding> {
    let holds_credential = !matches.is_empty();
    let mut findings: Vec<Finding> = matches
        .into_iter()
        .map(|m| credential_finding(path, provenance.clone(), m))
        .collect();
    if let Some(rule) = dotenv_rule {
        findings.push(dotenv_finding(
            path,
            provenance.clone(),
            rule,
            holds_credential,
        ));
    }
    findings
}

/// A credential at `path`: critical when it ships to the browser (see
/// [`exposure::of`]), whatever its rule says.
pub fn credential_finding(path: &str, provenance: Provenance, m: Found) -> Finding {
    let path = member_path(path, &m.member);
    let exposure = exposure::of(&path, m.public_variable.as_deref());
    let severity = match exposure {
        Some(_) => Severity::Critical,
        None => m.rule.base_severity(),
    };
    Finding {
        rule: m.rule,
        severity,
        provenance,
        path,
        root: None,
        line: Some(m.line),
        column: Some(m.column),
        secret: Some(m.secret),
        exposure,
        encoding: m.encoding,
        member: m.member,
    }
}

/// The `anthropic-browser-access` findings of a blob at `path`: none where
/// the rule does not apply ([`browser_access::applies_to`]).
pub fn signal_findings(path: &str, provenance: &Provenance, signals: Vec<Signal>) -> Vec<Finding> {
    if signals.is_empty() || !browser_access::applies_to(path) {
        return Vec::new();
    }
    signals
        .into_iter()
        .map(|s| Finding {
            rule: s.rule,
            severity: s.rule.base_severity(),
            provenance: provenance.clone(),
            path: path.to_string(),
            root: None,
            line: Some(s.line),
            column: Some(s.column),
            secret: None,
            exposure: None,
            encoding: Vec::new(),
            member: Vec::new(),
        })
        .collect()
}

/// The whole-file rules of a path, `(committed, unignored)`: a `.env`-style
/// file, or one of Claude Code's personal files.
/// A member of an archive at `path`, as reports name it: `outer!member`,
/// nested as `a.zip!b.jar!c.properties`.
pub fn member_path(path: &str, member: &[String]) -> String {
    std::iter::once(path)
        .chain(member.iter().map(String::as_str))
        .collect::<Vec<_>>()
        .join("!")
}

/// A `.env` finding for each `.env` member of the archive at `path`, of
/// `rule` (the rule a `.env` at the archive's own place would have): high
/// when that member holds a credential of `matches`.
pub fn member_dotenv_findings(
    path: &str,
    provenance: &Provenance,
    detection: &Detection,
    rule: impl FnOnce() -> Option<RuleId>,
) -> Vec<Finding> {
    let dotenvs: Vec<&Vec<String>> = (detection.members.iter())
        .filter(|m| m.last().is_some_and(|name| is_dotenv_path(name)))
        .collect();
    let Some(rule) = (!dotenvs.is_empty()).then(rule).flatten() else {
        return Vec::new();
    };
    dotenvs
        .into_iter()
        .map(|member| {
            let holds = detection.matches.iter().any(|m| &m.member == member);
            let mut finding = dotenv_finding(path, provenance.clone(), rule, holds);
            finding.path = member_path(path, member);
            finding.member = member.clone();
            finding
        })
        .collect()
}

pub fn file_rules(path: &str) -> Option<(RuleId, RuleId)> {
    if is_dotenv_path(path) {
        Some((RuleId::DotenvCommitted, RuleId::DotenvUnignored))
    } else if claude_files::of_path(path).is_some() {
        Some((
            RuleId::ClaudeLocalFileCommitted,
            RuleId::ClaudeLocalFileUnignored,
        ))
    } else {
        None
    }
}

/// A whole file that git tracks (or could): a `.env`-style file or a Claude
/// Code personal file; high when a committed one holds a credential.
pub fn dotenv_finding(
    path: &str,
    provenance: Provenance,
    rule: RuleId,
    holds_credential: bool,
) -> Finding {
    let severity = if rule.is_committed_file() && holds_credential {
        Severity::High
    } else {
        rule.base_severity()
    };
    Finding::dotenv_file(rule, severity, provenance, path.to_string())
}

/// Whether the last component of a `/`-separated path names a `.env` file
/// that holds settings (templates are not).
pub fn is_dotenv_path(path: &str) -> bool {
    let name = path.rsplit('/').next().unwrap_or(path);
    rules::dotenv_kind(name) == Some(DotenvKind::Secrets)
}

/// Opens the repository that holds `dir` (default: the current directory,
/// or `GIT_DIR`), the way git would: honouring `GIT_INDEX_FILE`, which git
/// sets for the hooks of `git commit -a` and `git commit <path>` because the
/// index being committed is then a temporary one.
pub fn open_repo(dir: Option<&Path>) -> anyhow::Result<git2::Repository> {
    let opened = match dir {
        Some(dir) => git2::Repository::open_ext(
            dir,
            git2::RepositoryOpenFlags::FROM_ENV,
            std::iter::empty::<&std::ffi::OsStr>(),
        ),
        None => git2::Repository::open_from_env(),
    };
    let dir = dir.unwrap_or(Path::new("."));
    opened.map_err(|err| {
        anyhow::anyhow!(
            "{}: not a git repository ({})",
            dir.display(),
            err.message()
        )
    })
}

/// Where a repository's `.antleak.toml` lives: its work tree, or the git
/// directory of a bare repository.
pub fn repo_root(repo: &git2::Repository) -> Option<PathBuf> {
    Some(repo.workdir().unwrap_or(repo.path()).to_path_buf())
}
