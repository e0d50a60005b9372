//! `antleak history`: every blob reachable from every ref, each scanned once,
//! each finding placed at the earliest commit that brought it to its path.
//!
//! The scan runs in four phases, one module each.
//!
//! 1. **Commits** (`commits.rs`). Every commit reachable from a ref
//!    (branches, tags — an annotated tag peels to its commit —,
//!    remote-tracking refs, notes, `refs/stash`), from `HEAD` (a detached one
//!    too), from every entry of the `refs/stash` reflog, where older stashes
//!    live once a newer one is pushed, and from every entry of the reflogs of
//!    remote-tracking refs, where a commit force-pushed away lives on. They are ordered parents first
//!    (Kahn's algorithm, the oldest commit first among those ready), so the
//!    first commit that shows a blob at a path is the one that introduced it
//!    there. With `--range A..B` the commits are those of the range, and for
//!    a push ([`Only::Introduced`]) those its new tips bring that no ref
//!    had before, in the same parents-first order.
//! 2. **Introductions** (`introductions.rs`). Each commit is compared with its
//!    first parent by walking both trees side by side and descending only
//!    into subtrees whose id changed: no blob is loaded and no diff is
//!    computed. Each (blob, path) pair is recorded once, with the first commit
//!    that showed it. Merges are compared with their first parent: what a
//!    merge brings from the merged branch was recorded earlier, at the
//!    branch's own commits, so only a merge resolution — content that neither
//!    parent had — is attributed to the merge itself. An exact rename (a blob
//!    leaves one path and arrives at another in the same commit) keeps the
//!    commit that first introduced the blob at its old path: moving a key does
//!    not leak it again.
//! 3. **Scan** (`workers.rs`). Each distinct blob is read and scanned once, in
//!    parallel, with one `git2::Repository` per worker thread (a repository
//!    handle is `Send` but not `Sync`).
//! 4. **Placement** (`place.rs`). Each blob's matches fan out to every path it
//!    appeared at. A credential at a path is reported once, with the earliest
//!    commit that brought it there (line and column are those in that
//!    commit's blob): a key that stays in a file edited twenty times is one
//!    problem with a start date, not twenty. A `.env`-style path ever added by
//!    a commit is one `dotenv-committed` finding with the commit that first
//!    added it, even when a later commit deleted it.
//!
//! Gitlinks (submodules) are not entered. A ref of a blob or a tree is
//! scanned too, each blob no commit introduced reported at the ref's name
//! (`refs/tags/t`, `refs/tags/t:dir/file`). A missing or corrupt object is
//! a warning naming the object, counted as not scanned, and the scan goes
//! on, incomplete. So is history cut off: a shallow clone, or grafts
//! (`info/grafts`) hiding parents, unless `--allow-shallow` accepts it.

mod commits;
mod interner;
mod introductions;
mod metadata;
mod place;
mod workers;

use anyhow::Result;
use git2::{ObjectType, Oid, Repository, TreeWalkMode, TreeWalkResult};

use super::{Stats, findings_for, is_dotenv_path};
use crate::core::finding::{Finding, Provenance};
use crate::core::rules::RuleId;

use introductions::Introductions;
use workers::Workers;

pub struct Options {
    pub threads: usize,
    /// Only the blobs introduced by some commits (`None`: all history).
    pub only: Option<Only>,
    /// `--allow-shallow`: a shallow clone's history, as far as it goes, is
    /// the whole audit asked for.
    pub allow_shallow: bool,
}

/// The commits a partial history scan compares with their parents.
#[derive(Clone, Debug)]
pub enum Only {
    /// `--range A..B`: the commits of B that A lacks.
    Range(String),
    /// A push (`hook pre-receive`): the commits reachable from `tips` that
    /// no commit of `hide` (the refs before the push) reaches: `git
    /// rev-list TIPS --not HIDE`. `head`, the tip that stands for HEAD
    /// (`still_in_head`, browser access), is the one that the ref HEAD
    /// names will have after the push.
    Introduced {
        tips: Vec<Oid>,
        hide: Vec<Oid>,
        head: Oid,
    },
}

impl Only {
    /// How warnings name it.
    fn describe(&self) -> String {
        match self {
            Only::Range(range) => format!("--range {range}"),
            Only::Introduced { .. } => "the pushed commits".to_string(),
        }
    }
}

pub struct Scanned {
    pub findings: Vec<Finding>,
    /// The repository is a shallow clone (or grafts cut its history):
    /// commits beyond its boundary were not there to scan, and dates of
    /// first exposure are lower bounds.
    pub shallow: bool,
}

/// Scans the history of `repo` (see the module documentation).
///
/// Every finding carries `commit` (the earliest commit that brought it to its
/// path; its author and author date — usually the earlier of git's two
/// dates, and a rebase does not move it, so the audit window errs on the wide
/// side) and `still_in_head`:
///
/// - for a credential, whether the same credential (same fingerprint) is in
///   some blob of `HEAD`'s tree, at any path: if so it is still exposed in
///   the current tree, not only in old commits;
/// - for a `.env` file, whether `HEAD`'s tree still has a file at that path.
///
/// Both are `false` when `HEAD` is unborn.
pub fn scan(repo: &Repository, options: &Options, stats: &Stats) -> Result<Scanned> {
    bound_libgit2_memory();
    let grafts = has_grafts(repo);
    let shallow = repo.is_shallow() || grafts;
    let shown = repo.workdir().unwrap_or(repo.path()).display().to_string();
    let unreadable_before = stats.unreadable.load(std::sync::atomic::Ordering::Relaxed);
    // The commit and tree walk gets a handle of its own: the commits and
    // trees libgit2 caches for it are freed with it, before the blobs are
    // read.
    let (commits, tagged, introductions) = {
        let walker = super::reopen(repo)?;
        let (commits, tagged) = match &options.only {
            Some(Only::Range(range)) => (commits::in_range(&walker, range)?, Vec::new()),
            Some(Only::Introduced { tips, hide, .. }) => {
                (commits::introduced(&walker, tips, hide)?, Vec::new())
            }
            None => commits::all(&walker, stats)?,
        };
        let mut introductions = Introductions::default();
        for (position, &id) in commits.iter().enumerate() {
            introductions.add_commit(&walker, position as u32, id, options.only.is_some(), stats);
        }
        (commits, tagged, introductions)
    };
    if shallow {
        truncated_history(repo, &shown, grafts, &commits, options, stats);
    }
    let workers = Workers::new(repo, options.threads)?;
    let matches = workers.scan(
        introductions.blobs.len(),
        |blob| introductions.blob(blob as u32),
        stats,
    );
    let head = match &options.only {
        Some(Only::Introduced { head, .. }) => Some(*head),
        _ => None,
    };
    let mut findings = place::place(
        repo,
        head,
        &commits,
        &introductions,
        matches,
        &workers,
        stats,
    )?;
    findings.extend(scan_tagged(repo, &tagged, &introductions, &workers, stats));
    findings.extend(metadata::scan(
        repo,
        &commits,
        &introductions,
        options.only.is_some(),
        stats,
    ));
    if stats.unreadable.load(std::sync::atomic::Ordering::Relaxed) > unreadable_before
        && let Some(fix) = partial_clone_fix(repo, &shown)
    {
        stats.coverage.add_fix(fix);
    }
    Ok(Scanned { findings, shallow })
}

/// Whether `info/grafts` rewrites parents (libgit2 applies it, as git does).
fn has_grafts(repo: &Repository) -> bool {
    std::fs::metadata(repo.path().join("info/grafts")).is_ok_and(|m| m.is_file() && m.len() > 0)
}

/// Records what a shallow boundary or grafts hid, unless the user accepted
/// it; a `--range` whose base the clone holds lost nothing.
fn truncated_history(
    repo: &Repository,
    shown: &str,
    grafts: bool,
    commits: &[Oid],
    options: &Options,
    stats: &Stats,
) {
    let quoted = crate::core::quote::shell_quote(shown);
    let (reason, fix) = if grafts {
        (
            "info/grafts hides the parents of some commits",
            format!(
                "`git -C {quoted} replace --convert-graft-file` turns the grafts into replace refs, \
                 which antleak scans along with the real history"
            ),
        )
    } else {
        (
            "shallow clone: commits before its boundary are not in the repository",
            format!("`git -C {quoted} fetch --unshallow` fetches them"),
        )
    };
    if let Some(only) = &options.only {
        // A range whose walk met no boundary commit saw all it asked for;
        // one that did may have more commits beyond it.
        let boundary = boundary_commits(repo);
        let crossed = commits.iter().any(|id| boundary.contains(id));
        if crossed && !options.allow_shallow {
            stats.not_scanned(
                "history",
                &format!("{shown}: {}", only.describe()),
                reason,
                format_args!("{reason}, and the range reaches past it"),
            );
            stats.coverage.add_fix(format!(
                "{fix} (or `git -C {quoted} fetch --deepen N` until the range's base is reached), \
                 then scan again; or pass --allow-shallow"
            ));
        }
        return;
    }
    if options.allow_shallow {
        crate::warn!(
            "{shown}: {reason}; scanned as far as it goes (--allow-shallow): first-exposure dates \
             are lower bounds"
        );
        return;
    }
    stats.not_scanned("history", &format!("{shown}: history"), reason, reason);
    stats.coverage.add_fix(format!(
        "{fix}, then scan again; or pass --allow-shallow to audit only what the clone holds"
    ));
}

/// The commits whose parents the repository does not show: the shallow
/// boundary, and the commits `info/grafts` rewrites.
fn boundary_commits(repo: &Repository) -> std::collections::HashSet<Oid> {
    ["shallow", "info/grafts"]
        .iter()
        .filter_map(|file| std::fs::read_to_string(repo.path().join(file)).ok())
        .flat_map(|text| {
            text.lines()
                .filter_map(|line| {
                    line.split_whitespace()
                        .next()
                        .and_then(|id| Oid::from_str(id).ok())
                })
                .collect::<Vec<_>>()
        })
        .collect()
}

/// For a partial clone that left objects out: how to fetch them.
fn partial_clone_fix(repo: &Repository, shown: &str) -> Option<String> {
    let config = repo.config().ok()?;
    let mut remote = config.get_string("extensions.partialclone").ok();
    let mut filter = None;
    if let Ok(mut entries) = config.entries(Some(r"^remote\..*\.(promisor|partialclonefilter)$")) {
        while let Some(Ok(entry)) = entries.next() {
            let (Ok(name), value) = (entry.name(), entry.value().ok()) else {
                continue;
            };
            let Some(rest) = name.strip_prefix("remote.") else {
                continue;
            };
            if let Some(r) = rest.strip_suffix(".promisor") {
                if value.is_some_and(|v| v.eq_ignore_ascii_case("true")) {
                    remote.get_or_insert_with(|| r.to_string());
                }
            } else if let Some(r) = rest.strip_suffix(".partialclonefilter") {
                remote.get_or_insert_with(|| r.to_string());
                filter = value.map(str::to_string);
            }
        }
    }
    let remote = remote?;
    Some(format!(
        "{shown} is a partial clone{} whose remote {remote} holds what is missing: `git -C {} \
         fetch --refetch --no-filter --tags {}` fetches it (tags too: a tag may hold commits no \
         branch has), then scan again",
        filter.map(|f| format!(" (filter {f})")).unwrap_or_default(),
        crate::core::quote::shell_quote(shown),
        crate::core::quote::shell_quote(&remote),
    ))
}

/// The blobs of refs that point at a blob or a tree, except those some
/// commit introduced (reported with that commit already).
fn scan_tagged(
    repo: &Repository,
    tagged: &[commits::Tagged],
    introductions: &Introductions,
    workers: &Workers,
    stats: &Stats,
) -> Vec<Finding> {
    let mut blobs: Vec<(Oid, String)> = Vec::new();
    let mut seen = std::collections::HashSet::new();
    for tag in tagged {
        match tag.kind {
            ObjectType::Blob => {
                if introductions.blobs.get(&tag.id).is_none() && seen.insert(tag.id) {
                    blobs.push((tag.id, tag.name.clone()));
                }
            }
            _ => {
                let tree = match repo.find_tree(tag.id) {
                    Ok(tree) => tree,
                    Err(err) => {
                        stats.git_object("trees", &format!("tree {} ({})", tag.id, tag.name), &err);
                        continue;
                    }
                };
                let walked = tree.walk(TreeWalkMode::PreOrder, |dir, entry| {
                    if introductions::Kind::of(entry.filemode()) == introductions::Kind::Blob
                        && introductions.blobs.get(&entry.id()).is_none()
                        && seen.insert(entry.id())
                    {
                        let path =
                            introductions::join(dir.trim_end_matches('/'), entry.name_bytes());
                        blobs.push((entry.id(), format!("{}:{path}", tag.name)));
                    }
                    TreeWalkResult::Ok
                });
                if let Err(err) = walked {
                    stats.git_object("trees", &format!("tree under {}", tag.name), &err);
                }
            }
        }
    }
    let mut matches = workers.scan(blobs.len(), |i| (blobs[i].0, blobs[i].1.as_str()), stats);
    let mut findings = Vec::new();
    for (i, (_, path)) in blobs.iter().enumerate() {
        let found = matches
            .remove(&(i as u32))
            .map(|detection| detection.matches)
            .unwrap_or_default();
        let rule = is_dotenv_path(path).then_some(RuleId::DotenvCommitted);
        if found.is_empty() && rule.is_none() {
            continue;
        }
        findings.extend(findings_for(path, &Provenance::Tagged, found, rule));
    }
    findings
}

/// Pack files are read through windows of this size…
const PACK_WINDOW: usize = 32 << 20;
/// …and at most this much of them is mapped at once.
const PACK_MAPPED: usize = 256 << 20;

/// Process-wide settings for a history scan, which reads every object once
/// and keeps none: its peak memory is then the blob index (about 40 bytes a
/// blob) plus a constant, rather than growing with the size of the history.
/// See bench/RESULTS.md for the figures.
fn bound_libgit2_memory() {
    // libgit2 re-hashes every object it reads (with collision-detecting
    // SHA-1) to check it against its id: about 40% of the scan's time on a
    // big history. A scanner needs readable bytes, not proof of identity, and
    // zlib's checksum still catches a damaged object.
    git2::opts::strict_hash_verification(false);
    // SAFETY: integer settings, set before the worker threads start; libgit2
    // reads them under its own locks.
    unsafe {
        // The object cache (256 MB by default, and trees take about three
        // times the size it accounts for) fills with trees and commits that
        // the walk, visiting each commit once, does not ask for again. A
        // commit's parent tree is usually the tree just read, whose pack
        // data libgit2's delta-base cache still holds: without the object
        // cache the walk was no slower on cargo's history.
        let _ = git2::opts::set_cache_max_size(0);
        // libgit2 maps a pack in windows of 1 GB, up to 8 GB, and keeps them:
        // every page read stays resident, so the peak grew with the pack
        // without bound. Windows of 32 MB, 256 MB at most, bound it. A lower
        // limit costs time: blobs are read in history order, not pack
        // order, and with 64 MB on cargo's history (a 105 MB pack) windows
        // were unmapped and mapped again for 2 s of system time.
        let _ = git2::opts::set_mwindow_size(PACK_WINDOW);
        let _ = git2::opts::set_mwindow_mapped_limit(PACK_MAPPED);
    }
}
