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
use std::sync::atomic::{AtomicU64, Ordering};

use crate::core::detect;
use crate::core::finding::{Finding, Provenance};
use crate::core::rules::{self, DotenvKind, RuleId, Severity};
use crate::core::scanner::Match;

/// Counters shared by the worker threads of a scan.
#[derive(Debug, Default)]
pub struct Stats {
    pub files: AtomicU64,
    pub blobs: AtomicU64,
    pub bytes: AtomicU64,
    pub unreadable: AtomicU64,
}

impl Stats {
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
) -> Vec<Match> {
    let read = repo
        .odb()
        .and_then(|odb| Ok(detect::detect(odb.read(blob)?.data())));
    match read {
        Ok(detection) => {
            Stats::add(&stats.blobs, 1);
            Stats::add(&stats.bytes, detection.bytes);
            detection.matches
        }
        Err(err) => {
            stats.unreadable(&format!("blob {blob} ({path})"), err.message());
            Vec::new()
        }
    }
}

/// The findings for one blob or file: one per credential match, plus the
/// `.env` finding when `dotenv_rule` says the file itself is a problem.
pub fn findings_for(
    path: &str,
    provenance: &Provenance,
    matches: Vec<Match>,
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

pub fn credential_finding(path: &str, provenance: Provenance, m: Match) -> Finding {
    Finding {
        rule: m.rule,
        severity: m.rule.base_severity(),
        provenance,
        path: path.to_string(),
        root: None,
        line: Some(m.line),
        column: Some(m.column),
        secret: Some(m.secret),
    }
}

/// A `.env`-style file that git tracks (or could): high when it holds a
/// credential.
pub fn dotenv_finding(
    path: &str,
    provenance: Provenance,
    rule: RuleId,
    holds_credential: bool,
) -> Finding {
    let severity = if rule == RuleId::DotenvCommitted && holds_credential {
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
