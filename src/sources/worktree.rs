//! `antleak scan`: files under one or more paths, in parallel.
//!
//! The `ignore` crate's walker honours `.gitignore` (nested), `.ignore`,
//! `.git/info/exclude` and the global git excludes; hidden files are scanned
//! (`.env` is hidden), `.git/` is never entered, symlinks are not followed and
//! only regular files are opened (a FIFO would block, a device never ends).
//!
//! Git adds two facts the walker cannot know. A file that git tracks although
//! `.gitignore` now matches it (committed before the ignore line was added) is
//! never yielded by the walker, yet its content is in the repository: after
//! the walk, every tracked file the walker did not yield is scanned too. And a
//! yielded `.env` file is `dotenv-committed` when git tracks it, or
//! `dotenv-unignored` when git would let someone `git add` it (Claude Code's
//! personal files likewise: `claude-local-file-committed`/`-unignored`).
//!
//! A directory the user names although `.gitignore` ignores it (`antleak scan
//! dist/` after a build) is scanned whole, its own ignored folders included:
//! the ignore files decide what to skip inside a tree the user did not name,
//! not the tree the user asked for. The walker alone scans a directory named
//! although ignored (`dist/`), but not one whose contents are (`dist/*`), nor
//! the folders inside it that ignore rules name (`assets/`).
//!
//! A directory whose `.gitignore` or `.ignore` is beyond [`MAX_IGNORE_FILE`]
//! is walked without ignore rules, with a warning: the `ignore` crate turns
//! every line into a regular expression, and a hostile 6 MB `.gitignore`
//! took gigabytes and seconds. Skipping it errs toward scanning more.

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, PoisonError};

use anyhow::{Context, Result, bail};
use ignore::{WalkBuilder, WalkState};

use super::{Stats, file_rules, findings_for, member_dotenv_findings, signal_findings};
use crate::core::detect;
use crate::core::exposure::{self, Exposure};
use crate::core::finding::{Finding, Provenance};
use crate::core::rules::{RuleId, Severity};
use crate::core::sync::lock;

pub struct Options {
    pub threads: usize,
    /// `--no-ignore`: scan every file, whatever the ignore files say.
    pub no_ignore: bool,
}

/// Scans every root and returns its findings. Paths in findings are relative
/// to their root; with several roots each finding also names its root.
pub fn scan(roots: &[PathBuf], options: &Options, stats: &Stats) -> Result<Vec<Finding>> {
    let mut findings = Vec::new();
    for root in roots {
        let metadata = std::fs::metadata(root).with_context(|| format!("{}", root.display()))?;
        if !metadata.is_dir() && !metadata.is_file() {
            bail!("{}: not a file or directory", root.display());
        }
        refuse_git_dir(root)?;
        let mut found = scan_root(root, metadata.is_dir(), options, stats)?;
        if let Some(label) = root_label(roots, root, metadata.is_dir()) {
            found.iter_mut().for_each(|f| f.root = Some(label.clone()));
        }
        findings.append(&mut found);
    }
    Ok(findings)
}

/// The `root` of a scanned root's findings: the directory their paths are
/// relative to, as the user wrote it, so that `root/path` opens the file from
/// where the command ran (`scan src` reports `src` + `app/k.py`). Absent
/// when that is the current directory and the only root.
pub fn root_label(roots: &[PathBuf], root: &Path, is_dir: bool) -> Option<String> {
    let base = base_dir(root, is_dir);
    let text = base
        .to_string_lossy()
        .replace(std::path::MAIN_SEPARATOR, "/");
    let text = text.trim_end_matches('/');
    let text = text.strip_prefix("./").unwrap_or(text);
    let text = if text.is_empty() { "." } else { text };
    (roots.len() > 1 || text != ".").then(|| text.to_string())
}

/// The directory a root's findings are relative to: the root itself, or for
/// a file given as a root, its directory (so it is reported by its name).
pub fn base_dir(root: &Path, is_dir: bool) -> PathBuf {
    if is_dir {
        return root.to_path_buf();
    }
    // `scan .env` has the parent "": the current directory.
    match root.parent() {
        Some(dir) if !dir.as_os_str().is_empty() => dir.to_path_buf(),
        _ => PathBuf::from("."),
    }
}

/// A git directory holds compressed objects, in which `scan` can see
/// nothing: scanning it would say "clean" about what it could not read.
fn refuse_git_dir(root: &Path) -> Result<()> {
    let Ok(full) = root.canonicalize() else {
        return Ok(());
    };
    let is_git_dir = |dir: &Path| {
        dir.file_name().is_some_and(|n| n == ".git")
            || (dir.join("HEAD").is_file()
                && dir.join("objects").is_dir()
                && dir.join("refs").is_dir())
    };
    let Some(git_dir) = full.ancestors().find(|dir| is_git_dir(dir)) else {
        return Ok(());
    };
    let repo = match git_dir.file_name() {
        Some(name) if name == ".git" => git_dir.parent().unwrap_or(git_dir),
        _ => git_dir,
    };
    bail!(
        "{}: inside a git directory, whose objects are compressed: `scan` would find nothing \
         there; `antleak history --repo {}` reads them",
        root.display(),
        crate::core::quote::shell_quote(&repo.display().to_string())
    )
}

/// An ignore file beyond this size is not read (see the module doc).
pub const MAX_IGNORE_FILE: u64 = 1 << 20;

/// The ignore files of `dir` too big to read, warned about once each.
fn oversized_ignore_files(dir: &Path) -> Vec<PathBuf> {
    [".gitignore", ".ignore"]
        .iter()
        .map(|name| dir.join(name))
        .filter(|path| std::fs::metadata(path).is_ok_and(|m| m.len() > MAX_IGNORE_FILE))
        .inspect(|path| {
            crate::warn!(
                "{}: larger than {} MiB, not read: the files it would ignore are scanned",
                path.display(),
                MAX_IGNORE_FILE >> 20
            )
        })
        .collect()
}

fn scan_root(root: &Path, is_dir: bool, options: &Options, stats: &Stats) -> Result<Vec<Finding>> {
    let base = base_dir(root, is_dir);
    let repo = GitContext::open(&base)?;
    // A directory named although ignored is scanned whole (module docs).
    let named_ignored = is_dir && repo.as_ref().is_some_and(|r| r.ignores_contents(stats));
    let context = PathContext::new(repo.as_ref(), &base);
    let found = Mutex::new(Vec::new());
    let visit = |entry: ignore::DirEntry, buf: &mut Vec<u8>| {
        // Regular files only: no directories, symlinks, FIFOs, sockets
        // or devices.
        if !entry.file_type().is_some_and(|t| t.is_file()) {
            return;
        }
        let rel = relative(&base, entry.path());
        let tracked = repo.as_ref().is_some_and(|r| r.mark_seen(&rel));
        let dotenv_rule = match (file_rules(&context.path(&rel)), &repo) {
            (Some((committed, _)), Some(_)) if tracked => Some(committed),
            (Some((_, unignored)), Some(r)) if !r.is_ignored(&rel, stats) => Some(unignored),
            _ => None,
        };
        // The rule of a `.env` inside this file, if it is an archive.
        let member_rule = || match &repo {
            Some(_) if tracked => Some(RuleId::DotenvCommitted),
            Some(r) if !r.is_ignored(&rel, stats) => Some(RuleId::DotenvUnignored),
            _ => None,
        };
        let rules = (dotenv_rule, member_rule);
        let mut result = scan_file(entry.path(), &rel, &context, rules, buf, stats);
        // In a work tree, whether git has the file: a key in a file it
        // does not track has not left this machine through git.
        if repo.is_some() && !tracked {
            result
                .iter_mut()
                .for_each(|f| f.provenance = Provenance::Untracked);
        }
        if !result.is_empty() {
            lock(&found).append(&mut result);
        }
    };
    let no_ignore = options.no_ignore || named_ignored;
    // The ignore files of the root and of the directories above it, which
    // the walker reads too.
    let above_too_big = is_dir
        && !no_ignore
        && base
            .canonicalize()
            .ok()
            .and_then(|full| {
                let top = repo.as_ref().map(|r| r.workdir.clone());
                full.ancestors()
                    .take_while(|dir| top.as_ref().is_none_or(|t| dir.starts_with(t)))
                    .find(|dir| !oversized_ignore_files(dir).is_empty())
                    .map(Path::to_path_buf)
            })
            .is_some();
    let mut pending = vec![(root.to_path_buf(), no_ignore || above_too_big)];
    while let Some((dir, no_ignore)) = pending.pop() {
        let deferred = Arc::new(Mutex::new(Vec::new()));
        walker(&dir, options.threads, no_ignore, &deferred).run(|| {
            let mut buf = Vec::new();
            let visit = &visit;
            Box::new(move |entry| {
                if let Some(entry) = stats.walked(entry) {
                    visit(entry, &mut buf);
                }
                WalkState::Continue
            })
        });
        let deferred = std::mem::take(&mut *lock(&deferred));
        pending.extend(deferred.into_iter().map(|d| (d, true)));
    }
    let mut findings = found.into_inner().unwrap_or_else(PoisonError::into_inner);
    // A file given as a root was scanned whatever the ignore files say; the
    // other tracked files of its directory were not asked for.
    if let (true, Some(repo)) = (is_dir, &repo) {
        let mut buf = Vec::new();
        for rel in repo.unseen_tracked_files() {
            let path = base.join(&rel);
            // Only files present in the work tree: a tracked file deleted from
            // disk has nothing to read here (`history` sees it).
            if std::fs::symlink_metadata(&path).is_ok_and(|m| m.is_file()) {
                let rule = file_rules(&context.path(&rel)).map(|(committed, _)| committed);
                let rules = (rule, || Some(RuleId::DotenvCommitted));
                findings.extend(scan_file(&path, &rel, &context, rules, &mut buf, stats));
            }
        }
    }
    Ok(findings)
}

/// The walker of one root. With ignore rules on, a directory with an
/// oversized ignore file is not entered but added to `deferred`, to be
/// walked without ignore rules.
fn walker(
    root: &Path,
    threads: usize,
    no_ignore: bool,
    deferred: &Arc<Mutex<Vec<PathBuf>>>,
) -> ignore::WalkParallel {
    let mut builder = WalkBuilder::new(root);
    let deferred = Arc::clone(deferred);
    builder
        .standard_filters(!no_ignore)
        .hidden(false)
        .follow_links(false)
        .threads(threads)
        .filter_entry(move |entry| {
            // Match the name, not the type: in linked worktrees and
            // submodules `.git` is a file.
            if entry.file_name() == ".git" {
                return false;
            }
            if !no_ignore
                && entry.depth() > 0
                && entry.file_type().is_some_and(|t| t.is_dir())
                && !oversized_ignore_files(entry.path()).is_empty()
            {
                lock(&deferred).push(entry.path().to_path_buf());
                return false;
            }
            true
        });
    builder.build_parallel()
}

/// Where the files of a root sit, for the rules that read a path: from the
/// work tree's root in a repository (`dist/` + `assets/app.js`, so that
/// `scan dist/` still knows a Vite bundle), else from the file system root.
struct PathContext {
    prefix: String,
}

impl PathContext {
    fn new(repo: Option<&GitContext>, base: &Path) -> PathContext {
        let prefix = match repo {
            Some(repo) => repo.prefix.clone(),
            None => match base.canonicalize() {
                Ok(dir) => format!("{}/", relative(Path::new(""), &dir).trim_end_matches('/')),
                Err(_) => String::new(),
            },
        };
        PathContext { prefix }
    }

    fn path(&self, rel: &str) -> String {
        format!("{}{rel}", self.prefix)
    }
}

fn scan_file(
    path: &Path,
    rel: &str,
    context: &PathContext,
    // The file's own whole-file rule, and the rule of a `.env` member of it.
    (dotenv_rule, member_rule): (Option<RuleId>, impl FnOnce() -> Option<RuleId>),
    buf: &mut Vec<u8>,
    stats: &Stats,
) -> Vec<Finding> {
    let scanned =
        std::fs::File::open(path).and_then(|file| detect::detect_reader(file, &stats.limits, buf));
    match scanned {
        Ok(detection) => {
            Stats::add(&stats.files, 1);
            Stats::add(&stats.bytes, detection.bytes);
            stats.unexpanded(rel, &detection.unexpanded);
            let provenance = Provenance::Worktree;
            let members = member_dotenv_findings(rel, &provenance, &detection, member_rule);
            let mut findings = findings_for(rel, &provenance, detection.matches, dotenv_rule);
            findings.extend(members);
            let has_key = findings.iter().any(|f| f.secret.is_some());
            if has_key || !detection.signals.is_empty() {
                let full = context.path(rel);
                if has_key && exposure::is_bundle_path(&full) {
                    for f in findings.iter_mut().filter(|f| f.secret.is_some()) {
                        f.exposure.get_or_insert(Exposure::Bundle);
                        f.severity = Severity::Critical;
                    }
                }
                if crate::core::browser_access::applies_to(&full) {
                    findings.extend(signal_findings(rel, &provenance, detection.signals));
                }
            }
            findings
        }
        Err(err) => {
            stats.io("files", &path.display().to_string(), &err);
            // The file cannot be read, but git's view of it still holds.
            findings_for(rel, &Provenance::Worktree, Vec::new(), dotenv_rule)
        }
    }
}

/// `/`-separated path of `path` relative to `base`.
fn relative(base: &Path, path: &Path) -> String {
    let rel = path.strip_prefix(base).unwrap_or(path);
    let text = rel.to_string_lossy();
    if std::path::MAIN_SEPARATOR == '/' {
        text.into_owned()
    } else {
        text.replace(std::path::MAIN_SEPARATOR, "/")
    }
}

/// What git knows about the files under the scanned directory: which are
/// tracked (the index, restricted to that directory) and which are ignored.
struct GitContext {
    repo: Mutex<git2::Repository>,
    /// The work tree, canonical.
    workdir: PathBuf,
    /// Index paths under the scanned directory, relative to it, sorted.
    tracked: Vec<String>,
    seen: Vec<AtomicBool>,
    /// The scanned directory relative to the work tree (`""` or `"sub/dir/"`).
    prefix: String,
}

impl GitContext {
    /// `None` outside a git work tree. A repository that exists but cannot
    /// be read is fatal: its `.env` verdicts would be wrong.
    fn open(dir: &Path) -> Result<Option<GitContext>> {
        let Some(repo) = super::discover(dir)? else {
            return Ok(None);
        };
        let Some(workdir) = repo.workdir() else {
            return Ok(None);
        };
        let workdir = workdir
            .canonicalize()
            .with_context(|| format!("{}", workdir.display()))?;
        let dir = dir
            .canonicalize()
            .with_context(|| format!("{}", dir.display()))?;
        let Ok(inside) = dir.strip_prefix(&workdir) else {
            return Ok(None);
        };
        let mut prefix = relative(Path::new(""), inside);
        if !prefix.is_empty() {
            prefix.push('/');
        }
        let index = super::read_index(&repo)?;
        let mut tracked: Vec<String> = index
            .iter()
            // Gitlinks (submodules) are directories of another repository.
            .filter(|entry| entry.mode != 0o160000)
            .filter_map(|entry| {
                let path = String::from_utf8_lossy(&entry.path).into_owned();
                path.strip_prefix(&prefix).map(str::to_string)
            })
            .collect();
        tracked.sort_unstable();
        tracked.dedup();
        let seen = tracked.iter().map(|_| AtomicBool::new(false)).collect();
        Ok(Some(GitContext {
            repo: Mutex::new(repo),
            workdir,
            tracked,
            seen,
            prefix,
        }))
    }

    /// Records that the walker yielded `rel`; returns whether git tracks it.
    fn mark_seen(&self, rel: &str) -> bool {
        match self.tracked.binary_search_by(|p| p.as_str().cmp(rel)) {
            Ok(i) => {
                self.seen[i].store(true, Ordering::Relaxed);
                true
            }
            Err(_) => false,
        }
    }

    /// Whether `.gitignore` ignores `rel`; when git cannot tell, it is
    /// warned about and taken as not ignored: a `.env` that might be
    /// committed by accident is reported rather than passed over.
    fn is_ignored(&self, rel: &str, stats: &Stats) -> bool {
        let path = format!("{}{rel}", self.prefix);
        match lock(&self.repo).is_path_ignored(Path::new(&path)) {
            Ok(ignored) => ignored,
            Err(err) => {
                stats.doubt(&format!("{rel}: checking .gitignore"), err.message());
                false
            }
        }
    }

    /// Whether `.gitignore` ignores the scanned directory, or whatever it
    /// holds (`dist/`, `dist/*`, `dist/**`): checked on the directory and on
    /// a name in it that no file needs to have.
    fn ignores_contents(&self, stats: &Stats) -> bool {
        !self.prefix.is_empty()
            && (self.is_ignored("", stats) || self.is_ignored("antleak-probe", stats))
    }

    /// Tracked files the walker never yielded: ignored although tracked.
    fn unseen_tracked_files(&self) -> impl Iterator<Item = String> + '_ {
        self.tracked
            .iter()
            .zip(&self.seen)
            .filter(|(_, seen)| !seen.load(Ordering::Relaxed))
            .map(|(path, _)| path.clone())
    }
}
