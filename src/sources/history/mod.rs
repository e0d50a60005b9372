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
//!    there. With `--range A..B` the commits are those of the range, in the
//!    same parents-first order.
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
//! Gitlinks (submodules) are not entered. A missing or corrupt object is a
//! warning naming the object, counted as unreadable, and the scan goes on.

mod commits;
mod interner;
mod introductions;
mod place;
mod workers;

use anyhow::{Context, Result};
use git2::Repository;

use super::Stats;
use crate::core::finding::Finding;
use introductions::Introductions;
use workers::Workers;

pub struct Options {
    pub threads: usize,
    /// `--range A..B`: only the blobs introduced by the commits in the range.
    pub range: Option<String>,
}

pub struct Scanned {
    pub findings: Vec<Finding>,
    /// The repository is a shallow clone: commits beyond its boundary were
    /// not there to scan.
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
    let shallow = repo.is_shallow();
    if shallow {
        crate::warn!(
            "{}: shallow clone: commits before its boundary are not in the repository and were \
             not scanned (`git fetch --unshallow`, then scan again, for a full audit)",
            repo.path().display()
        );
    }
    // The commit and tree walk gets a handle of its own: the commits and
    // trees libgit2 caches for it are freed with it, before the blobs are
    // read.
    let (commits, introductions) = {
        let walker = Repository::open(repo.path())
            .with_context(|| format!("{}: opening repository", repo.path().display()))?;
        let commits = match &options.range {
            Some(range) => commits::in_range(&walker, range)?,
            None => commits::all(&walker, stats)?,
        };
        let mut introductions = Introductions::default();
        for (position, &id) in commits.iter().enumerate() {
            introductions.add_commit(&walker, position as u32, id, options.range.is_some(), stats);
        }
        (commits, introductions)
    };
    let workers = Workers::new(repo, options.threads)?;
    let matches = workers.scan(
        introductions.blobs.len(),
        |blob| introductions.blob(blob as u32),
        stats,
    );
    let findings = place::place(repo, &commits, &introductions, matches, &workers, stats)?;
    Ok(Scanned { findings, shallow })
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
