//! Where bytes come from: a working tree (`scan`), the git index (`staged`)
//! or every blob in a repository's history (`history`).
//!
//! Sources turn what they read into [`Finding`]s with the pure scanner and
//! return them; they never print (beyond `warn!`) and never decide exit codes.
//! A per-file problem is a warning plus a count in [`Stats`]; only a problem
//! that makes the whole scan impossible is an `Err`.

pub mod clone;
pub mod history;
pub mod repos;
pub mod staged;
pub mod worktree;

use std::io;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

use crate::core::browser_access::{self, Signal};
use crate::core::coverage::Coverage;
use crate::core::detect::{self, Detection, Found, Limits, Unexpanded};
use crate::core::finding::{Finding, Location, Provenance};
use crate::core::rules::{self, DotenvKind, RuleId, Severity};
use crate::core::{claude_files, exposure};

/// Counters shared by the worker threads of a scan, what it could not
/// scan ([`Coverage`]), and the limits every blob is detected under.
#[derive(Debug, Default)]
pub struct Stats {
    pub files: AtomicU64,
    pub blobs: AtomicU64,
    pub bytes: AtomicU64,
    /// Items recorded as not scanned (warned about once each).
    pub unreadable: AtomicU64,
    /// Files that disappeared between listing and reading: not a failure,
    /// there was nothing left to scan.
    pub vanished: AtomicU64,
    /// Findings dropped by `.antleak.toml` allow rules, and by the baseline.
    pub suppressed_allow: AtomicU64,
    pub suppressed_baseline: AtomicU64,
    pub coverage: Coverage,
    pub limits: Limits,
}

impl Stats {
    pub fn with_limits(limits: Limits) -> Stats {
        Stats {
            limits,
            ..Stats::default()
        }
    }

    /// Records what limits kept from being expanded in the blob at `path`:
    /// each archive (or encoded text) a limit stopped is an unscanned item,
    /// warned about once, and the setting that raises the limit the fix.
    pub fn unexpanded(&self, path: &str, unexpanded: &[Unexpanded]) {
        for u in unexpanded {
            let at = member_path(path, &u.member);
            let reason = format!("{} reached", u.limit);
            if self
                .coverage
                .record("archives", &format!("{at} ({})", u.limit), &reason)
            {
                let times = if u.count > 1 {
                    format!(", {} times", u.count)
                } else {
                    String::new()
                };
                crate::warn!("{at}: {}{times} ({reason})", u.detail);
            }
            self.coverage
                .add_fix(format!("raise {} in [limits] of .antleak.toml", u.limit));
        }
    }

    pub fn add(counter: &AtomicU64, n: u64) {
        counter.fetch_add(n, Ordering::Relaxed);
    }

    /// The one path for every input that could not be scanned: `item` (of
    /// kind `what`, plural) for `reason`, with `detail` in the warning.
    /// Warned about and counted once however often it is met; it makes the
    /// scan incomplete.
    pub fn not_scanned(
        &self,
        what: &str,
        item: &str,
        reason: &str,
        detail: impl std::fmt::Display,
    ) {
        if self.coverage.record(what, item, reason) {
            Stats::add(&self.unreadable, 1);
            crate::warn!("{item}: {detail}");
        }
    }

    /// Something the scan doubts but that scanned all the same (git could not
    /// tell whether a file is ignored): warned about and counted once, but
    /// nothing was left unscanned.
    pub fn doubt(&self, item: &str, detail: impl std::fmt::Display) {
        if self.coverage.note(item) {
            Stats::add(&self.unreadable, 1);
            crate::warn!("{item}: {detail}");
        }
    }

    /// A git object that could not be read.
    pub fn git_object(&self, what: &str, item: &str, err: &git2::Error) {
        let reason = match err.code() {
            git2::ErrorCode::NotFound => "missing from the object database",
            _ => "corrupt or unreadable",
        };
        self.not_scanned(what, item, reason, err.message());
    }

    /// A file that could not be read; one that vanished meanwhile is only
    /// counted.
    pub fn io(&self, what: &str, item: &str, err: &io::Error) {
        if err.kind() == io::ErrorKind::NotFound {
            Stats::add(&self.vanished, 1);
            return;
        }
        self.not_scanned(what, item, io_reason(err), err);
    }

    /// A directory walker's entry, or `None` once one it could not read has
    /// been recorded.
    pub fn walked(
        &self,
        entry: Result<ignore::DirEntry, ignore::Error>,
    ) -> Option<ignore::DirEntry> {
        match entry {
            Ok(entry) => Some(entry),
            Err(err) => {
                match err.io_error() {
                    Some(io) if io.kind() == io::ErrorKind::NotFound => {
                        Stats::add(&self.vanished, 1);
                    }
                    Some(io) => {
                        self.not_scanned("directories", &err.to_string(), io_reason(io), &err)
                    }
                    // Not an I/O failure (a bad glob in an ignore file):
                    // nothing was left unread.
                    None => self.doubt(&err.to_string(), "nothing was skipped for it"),
                }
                None
            }
        }
    }
}

/// The cause of an I/O failure, short enough to group by.
pub fn io_reason(err: &io::Error) -> &'static str {
    match err.kind() {
        io::ErrorKind::PermissionDenied => "permission denied",
        io::ErrorKind::InvalidFilename => "path too long to open",
        _ if err.raw_os_error() == Some(36) => "path too long to open",
        _ => "unreadable",
    }
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
            stats.git_object("blobs", &format!("blob {blob} ({path})"), &err);
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
        location: Location::File,
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
            location: Location::File,
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

/// Opens the repository that holds `dir` the way git would, honouring
/// `GIT_WORK_TREE`, `GIT_INDEX_FILE` (which git sets for the hooks of `git
/// commit -a` and `git commit <path>`: the index being committed is then a
/// temporary one), `GIT_OBJECT_DIRECTORY` and
/// `GIT_ALTERNATE_OBJECT_DIRECTORIES`. Without `dir` (no `--repo`),
/// `GIT_DIR` names the repository, else it is the one holding the current
/// directory.
pub fn open_repo(dir: Option<&Path>) -> anyhow::Result<git2::Repository> {
    let opened = match dir {
        Some(dir) => git2::Repository::open_ext(
            dir,
            git2::RepositoryOpenFlags::FROM_ENV,
            std::iter::empty::<&std::ffi::OsStr>(),
        ),
        None => git2::Repository::open_from_env(),
    };
    let shown = match (dir, std::env::var_os("GIT_DIR")) {
        (Some(dir), _) => dir.to_path_buf(),
        (None, Some(git_dir)) => PathBuf::from(git_dir),
        (None, None) => PathBuf::from("."),
    };
    opened
        .and_then(with_env_work_tree)
        .map_err(|err| match unsupported_format(&err) {
            Some(why) => anyhow::anyhow!("{}: {why}", shown.display()),
            None => anyhow::anyhow!(
                "{}: not a git repository ({})",
                shown.display(),
                err.message()
            ),
        })
}

/// The repository holding `dir` for `scan`, or `None` outside any: as
/// [`open_repo`], with `GIT_DIR` (when set) naming it, as it does for git.
pub fn discover(dir: &Path) -> anyhow::Result<Option<git2::Repository>> {
    let opened = if std::env::var_os("GIT_DIR").is_some() {
        git2::Repository::open_from_env()
    } else {
        git2::Repository::open_ext(
            dir,
            git2::RepositoryOpenFlags::FROM_ENV,
            std::iter::empty::<&std::ffi::OsStr>(),
        )
    };
    match opened.and_then(with_env_work_tree) {
        Ok(repo) => Ok(Some(repo)),
        Err(err) if err.code() == git2::ErrorCode::NotFound => Ok(None),
        Err(err) => Err(match unsupported_format(&err) {
            Some(why) => anyhow::anyhow!("{}: {why}", dir.display()),
            None => anyhow::anyhow!(
                "{}: opening git repository: {}",
                dir.display(),
                err.message()
            ),
        }),
    }
}

/// `GIT_WORK_TREE` gives a bare repository a work tree, as git does (the
/// "dotfiles" setup: `git --git-dir ~/.dotfiles --work-tree ~`); libgit2
/// applies it to non-bare repositories only.
fn with_env_work_tree(repo: git2::Repository) -> Result<git2::Repository, git2::Error> {
    if repo.is_bare()
        && let Some(dir) = std::env::var_os("GIT_WORK_TREE").filter(|d| !d.is_empty())
    {
        repo.set_workdir(Path::new(&dir), false)?;
    }
    Ok(repo)
}

/// Another handle on `repo` (for worker threads), opened the same way.
pub fn reopen(repo: &git2::Repository) -> anyhow::Result<git2::Repository> {
    git2::Repository::open_ext(
        repo.path(),
        git2::RepositoryOpenFlags::FROM_ENV,
        std::iter::empty::<&std::ffi::OsStr>(),
    )
    .map_err(|err| {
        anyhow::anyhow!(
            "{}: opening repository: {}",
            repo.path().display(),
            err.message()
        )
    })
}

/// The git index of `repo`, with a sparse index (which libgit2 cannot read)
/// named as such.
pub fn read_index(repo: &git2::Repository) -> anyhow::Result<git2::Index> {
    let shown = repo.workdir().unwrap_or(repo.path()).display().to_string();
    repo.index().map_err(|err| match unsupported_format(&err) {
        Some(why) => anyhow::anyhow!("{shown}: {why}"),
        None => anyhow::anyhow!("{shown}: reading the git index: {}", err.message()),
    })
}

/// What to say about a repository format libgit2 cannot read, and what to
/// do about it, rather than "not a git repository".
fn unsupported_format(err: &git2::Error) -> Option<String> {
    let message = err.message();
    if message.contains("object format") {
        Some(format!(
            "uses {} object ids (extensions.objectFormat), which antleak's git library (libgit2) \
             cannot read: copy the history into a SHA-1 repository (`git init copy && git \
             fast-export --all | git -C copy fast-import`) and scan that",
            message.split('\'').nth(1).unwrap_or("non-SHA-1")
        ))
    } else if message.contains("extensions.refstorage") {
        Some(
            "stores its refs in the reftable format (extensions.refStorage=reftable), which \
             antleak's git library (libgit2) cannot read: mirror it with files refs (`git clone \
             --mirror --ref-format=files REPO copy.git`) and scan that with `antleak history \
             --repo copy.git`"
                .to_string(),
        )
    } else if message.contains("'sdir'") {
        Some(
            "has a sparse index (index.sparse), which antleak's git library (libgit2) cannot \
             read: expand it with `git sparse-checkout init --no-sparse-index`, then run antleak \
             again"
                .to_string(),
        )
    } else if message.contains("unsupported extension name") {
        Some(format!(
            "uses a repository format antleak's git library (libgit2) cannot read ({message})"
        ))
    } else {
        None
    }
}

/// Process-wide settings for reading repositories that are not the user's
/// own, before any is opened.
pub fn trust_repositories() {
    // SAFETY: plain settings of libgit2, made before any thread or
    // repository exists. Turning owner validation off is safe for antleak:
    // git refuses a repository owned by someone else because running git
    // there would run that user's hooks, filters, fsmonitor and
    // core.sshCommand. antleak runs none of them: it reads objects, refs, the
    // index and ignore rules, and writes nothing into the repository (`hook
    // install` writes a hook the user asked for into a repository they
    // named). Docker volumes and CI checkouts owned by another uid are the
    // common case this unblocks.
    unsafe {
        let _ = git2::opts::set_verify_owner_validation(false);
    }
    // A HOME (or XDG_CONFIG_HOME) that cannot be read makes libgit2 fail to
    // open any repository ("failed to stat ~/.gitconfig"): its global
    // config is then left out, with a warning, rather than stopping the scan.
    for (level, dir) in [
        (
            git2::ConfigLevel::Global,
            std::env::var_os("HOME").map(PathBuf::from),
        ),
        (
            git2::ConfigLevel::XDG,
            std::env::var_os("XDG_CONFIG_HOME")
                .map(|d| PathBuf::from(d).join("git"))
                .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".config/git"))),
        ),
    ] {
        let Some(dir) = dir else { continue };
        let probe = match level {
            git2::ConfigLevel::Global => dir.join(".gitconfig"),
            _ => dir.join("config"),
        };
        if let Err(err) = std::fs::metadata(&probe)
            && err.kind() == io::ErrorKind::PermissionDenied
        {
            crate::warn!(
                "{}: cannot be read ({err}); git settings from it are not used",
                probe.display()
            );
            // SAFETY: as above, before any repository is opened.
            unsafe {
                let _ = git2::opts::set_search_path(level, "");
            }
        }
    }
}

/// Where a repository's `.antleak.toml` lives: its work tree, or the git
/// directory of a bare repository.
pub fn repo_root(repo: &git2::Repository) -> Option<PathBuf> {
    Some(repo.workdir().unwrap_or(repo.path()).to_path_buf())
}
