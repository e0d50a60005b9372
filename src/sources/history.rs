//! `antleak history`: every blob reachable from every ref, each scanned once,
//! each finding placed at the earliest commit that brought it to its path.
//!
//! The scan runs in three phases.
//!
//! 1. **Commits.** Every commit reachable from a ref (branches, tags — an
//!    annotated tag peels to its commit —, remote-tracking refs, notes,
//!    `refs/stash`), from `HEAD` (a detached one too) and from every entry of
//!    the `refs/stash` reflog, where older stashes live once a newer one is
//!    pushed. They are ordered parents first (Kahn's algorithm, the oldest
//!    commit first among those ready), so the first commit that shows a blob at
//!    a path is the one that introduced it there. With `--range A..B` the
//!    commits are those of the range, in the same parents-first order.
//! 2. **Introductions.** Each commit is compared with its first parent by
//!    walking both trees side by side and descending only into subtrees whose
//!    id changed: no blob is loaded and no diff is computed. Each (blob, path)
//!    pair is recorded once, with the first commit that showed it. Merges are
//!    compared with their first parent: what a merge brings from the merged
//!    branch was recorded earlier, at the branch's own commits, so only a
//!    merge resolution — content that neither parent had — is attributed to
//!    the merge itself. An exact rename (a blob leaves one path and arrives at
//!    another in the same commit) keeps the commit that first introduced the
//!    blob at its old path: moving a key does not leak it again.
//! 3. **Scan.** Each distinct blob is read and scanned once, in parallel, with
//!    one `git2::Repository` per worker thread (a repository handle is `Send`
//!    but not `Sync`). Its matches then fan out to every path it appeared at.
//!
//! A credential at a path is reported once, with the earliest commit that
//! brought it there (line and column are those in that commit's blob): a key
//! that stays in a file edited twenty times is one problem with a start date,
//! not twenty. A `.env`-style path ever added by a commit is one
//! `dotenv-committed` finding with the commit that first added it, even when
//! a later commit deleted it.
//!
//! Gitlinks (submodules) are not entered. A missing or corrupt object is a
//! warning naming the object, counted as unreadable, and the scan goes on.

use std::borrow::Borrow;
use std::cmp::{Ordering, Reverse};
use std::collections::{BTreeMap, BinaryHeap, HashMap, HashSet};
use std::hash::{BuildHasher, Hash, RandomState};
use std::sync::{Mutex, PoisonError};

use anyhow::{Context, Result, anyhow};
use git2::{ErrorCode, Oid, Repository, Sort, Tree, TreeEntry, TreeWalkMode, TreeWalkResult};
use hashbrown::HashTable;
use rayon::prelude::*;

use super::{Stats, findings_for, is_dotenv_path, scan_git_blob};
use crate::finding::{CommitInfo, Finding, Secret, Source};
use crate::rules::RuleId;
use crate::scanner::Match;

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
            Some(range) => commits_in_range(&walker, range)?,
            None => all_commits(&walker, stats)?,
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
    let findings = place(repo, &commits, &introductions, matches, &workers, stats)?;
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

/// Every commit reachable from a ref, `HEAD` or the stash reflog, parents
/// before children.
fn all_commits(repo: &Repository, stats: &Stats) -> Result<Vec<Oid>> {
    let tips = tips(repo, stats)?;
    Ok(Graph::load(repo, tips, stats).parents_first())
}

/// The commits every history walk starts from.
fn tips(repo: &Repository, stats: &Stats) -> Result<Vec<Oid>> {
    let mut tips = Vec::new();
    let references = repo
        .references()
        .with_context(|| format!("{}: reading refs", repo.path().display()))?;
    for reference in references {
        let reference = match reference {
            Ok(reference) => reference,
            Err(err) => {
                stats.unreadable("a ref", err.message());
                continue;
            }
        };
        match reference.peel_to_commit() {
            Ok(commit) => tips.push(commit.id()),
            // A tag of a tree or a blob: no commit, no history behind it.
            Err(err) if err.code() == ErrorCode::Peel => {}
            Err(err) => stats.unreadable(
                &format!("ref {}", String::from_utf8_lossy(reference.name_bytes())),
                err.message(),
            ),
        }
    }
    match repo.head().and_then(|head| head.peel_to_commit()) {
        Ok(commit) => tips.push(commit.id()),
        // An empty repository: nothing to walk.
        Err(err) if matches!(err.code(), ErrorCode::UnbornBranch | ErrorCode::NotFound) => {}
        Err(err) => stats.unreadable("HEAD", err.message()),
    }
    // `refs/stash` names the newest stash only; `git stash list` reads the
    // older ones from its reflog.
    if let Ok(reflog) = repo.reflog("refs/stash") {
        tips.extend(reflog.iter().map(|entry| entry.id_new()));
    }
    Ok(tips)
}

/// The commits of `A..B`, parents first. A range git cannot resolve is fatal
/// and the error names it.
fn commits_in_range(repo: &Repository, range: &str) -> Result<Vec<Oid>> {
    let fail = |err: git2::Error| anyhow!("--range {range}: {}", err.message());
    let mut walk = repo.revwalk().map_err(fail)?;
    walk.set_sorting(Sort::TOPOLOGICAL | Sort::REVERSE)
        .map_err(fail)?;
    walk.push_range(range).map_err(fail)?;
    walk.collect::<Result<Vec<_>, _>>().map_err(fail)
}

/// The commit graph reachable from the tips. Walked by hand rather than with
/// a `Revwalk` so that one missing commit is a warning, not the end of the
/// scan.
struct Graph {
    ids: Vec<Oid>,
    times: Vec<i64>,
    parents: Vec<Vec<Oid>>,
    index: HashMap<Oid, usize>,
}

impl Graph {
    fn load(repo: &Repository, tips: Vec<Oid>, stats: &Stats) -> Graph {
        let mut graph = Graph {
            ids: Vec::new(),
            times: Vec::new(),
            parents: Vec::new(),
            index: HashMap::new(),
        };
        let mut visited = HashSet::new();
        let mut pending = tips;
        while let Some(id) = pending.pop() {
            if !visited.insert(id) {
                continue;
            }
            let commit = match repo.find_commit(id) {
                Ok(commit) => commit,
                Err(err) => {
                    stats.unreadable(&format!("commit {id}"), err.message());
                    continue;
                }
            };
            // A shallow clone's boundary commits have no parents here:
            // libgit2 applies the `shallow` file as grafts.
            let parents: Vec<Oid> = commit.parent_ids().collect();
            pending.extend(parents.iter().filter(|p| !visited.contains(*p)));
            graph.index.insert(id, graph.ids.len());
            graph.ids.push(id);
            graph.times.push(commit.time().seconds());
            graph.parents.push(parents);
        }
        graph
    }

    /// Kahn's topological sort: a commit comes once all its (readable)
    /// parents have; among the commits ready, the oldest first.
    fn parents_first(self) -> Vec<Oid> {
        let count = self.ids.len();
        let mut waiting = vec![0usize; count];
        let mut children = vec![Vec::new(); count];
        for (child, parents) in self.parents.iter().enumerate() {
            for parent in parents.iter().filter_map(|p| self.index.get(p)) {
                waiting[child] += 1;
                children[*parent].push(child);
            }
        }
        let mut ready: BinaryHeap<Reverse<(i64, usize)>> = (0..count)
            .filter(|&i| waiting[i] == 0)
            .map(|i| Reverse((self.times[i], i)))
            .collect();
        let mut order = Vec::with_capacity(count);
        while let Some(Reverse((_, i))) = ready.pop() {
            order.push(self.ids[i]);
            for &child in &children[i] {
                waiting[child] -= 1;
                if waiting[child] == 0 {
                    ready.push(Reverse((self.times[child], child)));
                }
            }
        }
        order
    }
}

/// Which (blob, path) pairs the commits introduced, and which commit first
/// did. Blobs and paths are numbered so the pair set stays compact on big
/// histories: most blobs only ever appear at one path, so each blob keeps its
/// first (path, commit) itself and only the other paths go in a map.
#[derive(Default)]
struct Introductions {
    blobs: Interner<Oid>,
    /// For each blob: its first path and the position (in the commit order)
    /// of the commit that introduced it there.
    first: Vec<(u32, u32)>,
    /// (blob, path) → position of the introducing commit, for the paths of
    /// a blob other than its first.
    more: HashMap<(u32, u32), u32>,
    paths: Interner<Box<str>>,
}

/// What one commit changed against its first parent.
#[derive(Default)]
struct Change {
    /// Blobs at paths where the parent had something else (or nothing).
    added: Vec<(Oid, String)>,
    /// Blobs the parent had at paths where this commit has something else.
    removed: HashMap<Oid, String>,
}

impl Introductions {
    fn add_commit(
        &mut self,
        repo: &Repository,
        position: u32,
        id: Oid,
        in_range: bool,
        stats: &Stats,
    ) {
        let commit = match repo.find_commit(id) {
            Ok(commit) => commit,
            Err(err) => return stats.unreadable(&format!("commit {id}"), err.message()),
        };
        let Some(tree) = load_tree(repo, commit.tree_id(), &format!("commit {id}"), stats) else {
            return;
        };
        let parent_tree = match commit.parent_id(0) {
            Ok(parent) => match repo.find_commit(parent) {
                Ok(commit) => load_tree(repo, commit.tree_id(), &format!("commit {parent}"), stats),
                // Compared with nothing, the commit introduces its whole tree:
                // better a finding attributed too late than a missed one.
                Err(err) => {
                    stats.unreadable(&format!("commit {parent}"), err.message());
                    None
                }
            },
            Err(_) => None,
        };
        let mut change = Change::default();
        compare(repo, parent_tree.as_ref(), &tree, "", &mut change, stats);
        for (blob, path) in change.added {
            self.record(blob, path, position, &change.removed, in_range);
        }
    }

    /// The commit that introduced `blob` at `path`, if any did.
    fn first_at(&self, blob: u32, path: u32) -> Option<u32> {
        match self.first[blob as usize] {
            (first_path, position) if first_path == path => Some(position),
            _ => self.more.get(&(blob, path)).copied(),
        }
    }

    fn record(
        &mut self,
        blob: Oid,
        path: String,
        position: u32,
        removed: &HashMap<Oid, String>,
        in_range: bool,
    ) {
        let known_blob = self.blobs.get(&blob);
        let path_id = match self.paths.get(path.as_str()) {
            Some(id) => id,
            None => self.paths.insert(path.into_boxed_str()),
        };
        if known_blob.is_some_and(|b| self.first_at(b, path_id).is_some()) {
            return;
        }
        let introduced_by = match removed.get(&blob) {
            // A rename keeps the commit that introduced the blob at its old
            // path.
            Some(old_path) => {
                let old = known_blob.zip(self.paths.get(old_path.as_str()));
                match old.and_then(|(b, p)| self.first_at(b, p)) {
                    Some(first) => first,
                    // Moved from where it was before the range: the range
                    // introduced nothing.
                    None if in_range => return,
                    None => position,
                }
            }
            None => position,
        };
        match known_blob {
            Some(b) => {
                self.more.insert((b, path_id), introduced_by);
            }
            None => {
                self.blobs.insert(blob);
                self.first.push((path_id, introduced_by));
            }
        }
    }

    /// A blob and its first path (for warnings).
    fn blob(&self, blob: u32) -> (Oid, &str) {
        let path = self.first[blob as usize].0;
        (*self.blobs.item(blob), self.paths.item(path))
    }

    /// Every (blob, path, position of the introducing commit).
    fn pairs(&self) -> impl Iterator<Item = (u32, u32, u32)> + '_ {
        let first = (0u32..)
            .zip(&self.first)
            .map(|(blob, &(path, position))| (blob, path, position));
        let more = self
            .more
            .iter()
            .map(|(&(blob, path), &position)| (blob, path, position));
        first.chain(more)
    }
}

/// Distinct values numbered in order of arrival, with a lookup from value to
/// number. The lookup is a `hashbrown::HashTable` of numbers (hashed through
/// the items they name), 4 bytes a slot plus a control byte, rather than a
/// `HashMap<K, u32>` that would hold every key a second time: on a history of
/// a million blobs that is about 10 MB instead of about 50.
struct Interner<K> {
    items: Vec<K>,
    numbers: HashTable<u32>,
    hasher: RandomState,
}

impl<K> Default for Interner<K> {
    fn default() -> Self {
        Interner {
            items: Vec::new(),
            numbers: HashTable::new(),
            hasher: RandomState::new(),
        }
    }
}

impl<K: Hash + Eq> Interner<K> {
    fn len(&self) -> usize {
        self.items.len()
    }

    fn item(&self, number: u32) -> &K {
        &self.items[number as usize]
    }

    fn get<Q>(&self, key: &Q) -> Option<u32>
    where
        K: Borrow<Q>,
        Q: Hash + Eq + ?Sized,
    {
        let hash = self.hasher.hash_one(key);
        self.numbers
            .find(hash, |&n| self.items[n as usize].borrow() == key)
            .copied()
    }

    /// Adds a value that [`get`](Self::get) did not find; returns its number.
    fn insert(&mut self, key: K) -> u32 {
        let number = self.items.len() as u32;
        let (items, hasher) = (&self.items, &self.hasher);
        self.numbers
            .insert_unique(hasher.hash_one(&key), number, |&n| {
                hasher.hash_one(&items[n as usize])
            });
        self.items.push(key);
        number
    }
}

/// Compares two trees, descending only into subtrees whose id differs.
///
/// Both entry lists are in git's tree order, so one merge pass pairs them up
/// without a name lookup per entry (the lookups were a fifth of the walk).
fn compare(
    repo: &Repository,
    old: Option<&Tree<'_>>,
    new: &Tree<'_>,
    prefix: &str,
    change: &mut Change,
    stats: &Stats,
) {
    let mut olds = old.into_iter().flat_map(|tree| tree.iter()).peekable();
    let mut news = new.iter().peekable();
    loop {
        let order = match (olds.peek(), news.peek()) {
            (None, None) => return,
            (Some(_), None) => Ordering::Less,
            (None, Some(_)) => Ordering::Greater,
            (Some(o), Some(n)) => tree_order(o, n),
        };
        match order {
            Ordering::Less => {
                if let Some(o) = olds.next() {
                    let path = join(prefix, o.name_bytes());
                    removed_blobs(repo, Kind::of(o.filemode()), o.id(), &path, change, stats);
                }
            }
            Ordering::Greater => {
                if let Some(n) = news.next() {
                    added(repo, None, &n, prefix, change, stats);
                }
            }
            Ordering::Equal => {
                if let (Some(o), Some(n)) = (olds.next(), news.next())
                    && (o.id() != n.id() || o.filemode() != n.filemode())
                {
                    added(repo, Some(&o), &n, prefix, change, stats);
                }
            }
        }
    }
}

/// Handles an entry of the new tree that the old tree had differently
/// (`before`) or not at all.
fn added(
    repo: &Repository,
    before: Option<&TreeEntry<'_>>,
    entry: &TreeEntry<'_>,
    prefix: &str,
    change: &mut Change,
    stats: &Stats,
) {
    let path = join(prefix, entry.name_bytes());
    let kind = Kind::of(entry.filemode());
    let before_kind = before.map(|b| Kind::of(b.filemode()));
    if let Some(b) = before.filter(|_| before_kind != Some(kind) || kind == Kind::Blob) {
        removed_blobs(repo, Kind::of(b.filemode()), b.id(), &path, change, stats);
    }
    match kind {
        Kind::Tree => {
            let Some(subtree) = load_tree(repo, entry.id(), &path, stats) else {
                return;
            };
            let old_subtree = before
                .filter(|_| before_kind == Some(Kind::Tree))
                .and_then(|b| load_tree(repo, b.id(), &path, stats));
            compare(repo, old_subtree.as_ref(), &subtree, &path, change, stats);
        }
        Kind::Blob => change.added.push((entry.id(), path)),
        Kind::Other => {}
    }
}

/// Git's order of tree entries: by name bytes, a subtree's name read as if
/// it ended in `/`.
fn tree_order(a: &TreeEntry<'_>, b: &TreeEntry<'_>) -> Ordering {
    let (a_name, b_name) = (a.name_bytes(), b.name_bytes());
    let common = a_name.len().min(b_name.len());
    let next = |entry: &TreeEntry<'_>, name: &[u8]| match name.get(common) {
        Some(&byte) => byte,
        None if Kind::of(entry.filemode()) == Kind::Tree => b'/',
        None => 0,
    };
    a_name[..common]
        .cmp(&b_name[..common])
        .then_with(|| next(a, a_name).cmp(&next(b, b_name)))
}

/// Records as removed the blob at `path`, or every blob under it.
fn removed_blobs(
    repo: &Repository,
    kind: Kind,
    id: Oid,
    path: &str,
    change: &mut Change,
    stats: &Stats,
) {
    match kind {
        Kind::Blob => {
            change.removed.entry(id).or_insert_with(|| path.to_string());
        }
        Kind::Tree => {
            let Some(tree) = load_tree(repo, id, path, stats) else {
                return;
            };
            for entry in tree.iter() {
                let sub = join(path, entry.name_bytes());
                removed_blobs(
                    repo,
                    Kind::of(entry.filemode()),
                    entry.id(),
                    &sub,
                    change,
                    stats,
                );
            }
        }
        Kind::Other => {}
    }
}

/// What a tree entry is, as far as scanning goes.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Kind {
    Tree,
    /// Regular and executable files; symlinks too (their target is a blob).
    Blob,
    /// Gitlinks: a commit of another repository, not entered.
    Other,
}

impl Kind {
    /// From a normalised mode (`TreeEntry::filemode`).
    fn of(mode: i32) -> Kind {
        match mode {
            0o040000 => Kind::Tree,
            // Regular, group-writable (old git), executable, symlink.
            0o100644 | 0o100664 | 0o100755 | 0o120000 => Kind::Blob,
            _ => Kind::Other,
        }
    }
}

fn load_tree<'r>(repo: &'r Repository, id: Oid, what: &str, stats: &Stats) -> Option<Tree<'r>> {
    match repo.find_tree(id) {
        Ok(tree) => Some(tree),
        Err(err) => {
            stats.unreadable(&format!("tree {id} ({what})"), err.message());
            None
        }
    }
}

/// `prefix/name`, lossily decoded (paths in reports are text).
fn join(prefix: &str, name: &[u8]) -> String {
    let name = String::from_utf8_lossy(name);
    if prefix.is_empty() {
        name.into_owned()
    } else {
        format!("{prefix}/{name}")
    }
}

/// A thread pool with one repository handle per worker.
struct Workers {
    pool: rayon::ThreadPool,
    repos: Vec<Mutex<Repository>>,
}

impl Workers {
    fn new(repo: &Repository, threads: usize) -> Result<Workers> {
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .build()
            .context("starting worker threads")?;
        let git_dir = repo.path();
        let repos = (0..threads)
            .map(|_| {
                Repository::open(git_dir)
                    .map(Mutex::new)
                    .with_context(|| format!("{}: opening repository", git_dir.display()))
            })
            .collect::<Result<_>>()?;
        Ok(Workers { pool, repos })
    }

    /// Scans blobs `0..count` (`blob` gives each one's id and a path for
    /// warnings) and returns the matches of those that have any, by number.
    /// The blobs are read in the order given, the order history found them
    /// in, which keeps delta chains warm in libgit2's cache about as well as
    /// pack order does (measured on cargo's history).
    fn scan<'a>(
        &self,
        count: usize,
        blob: impl Fn(usize) -> (Oid, &'a str) + Sync,
        stats: &Stats,
    ) -> Matches {
        self.pool.install(|| {
            (0..count)
                .into_par_iter()
                .filter_map(|number| {
                    // Each pool thread has its own handle, so the lock is
                    // never contended; it only makes the sharing provable.
                    let slot = rayon::current_thread_index().unwrap_or(0) % self.repos.len();
                    let repo = self.repos[slot]
                        .lock()
                        .unwrap_or_else(PoisonError::into_inner);
                    let (id, path) = blob(number);
                    let matches = scan_git_blob(&repo, id, path, stats);
                    (!matches.is_empty()).then_some((number as u32, matches))
                })
                .collect()
        })
    }
}

/// The matches of the blobs that have any, by blob number: most blobs have
/// none, and an entry per blob would be a memory cost per blob.
type Matches = HashMap<u32, Vec<Match>>;

/// What is reported at one path: credential matches with the position of
/// the commit that brought each there, and the position of the commit that
/// first added the path when it is a `.env` file.
#[derive(Default)]
struct AtPath {
    placed: Vec<(Match, u32)>,
    dotenv: Option<u32>,
}

/// Fans the matches of each blob out to the paths it appeared at, keeping for
/// each (path, credential) and each `.env` path the earliest commit.
fn place(
    repo: &Repository,
    commits: &[Oid],
    introductions: &Introductions,
    matches: Matches,
    workers: &Workers,
    stats: &Stats,
) -> Result<Vec<Finding>> {
    let dotenv: HashSet<u32> = (0u32..)
        .zip(&introductions.paths.items)
        .filter(|(_, path)| is_dotenv_path(path))
        .map(|(id, _)| id)
        .collect();
    // (path, secret) → (position of the earliest commit, blob it was in).
    let mut earliest: HashMap<(u32, &Secret), (u32, u32)> = HashMap::new();
    let mut dotenv_first: HashMap<u32, u32> = HashMap::new();
    for (blob, path, position) in introductions.pairs() {
        for m in matches.get(&blob).into_iter().flatten() {
            let slot = earliest
                .entry((path, &m.secret))
                .or_insert((position, blob));
            *slot = (*slot).min((position, blob));
        }
        if dotenv.contains(&path) {
            let slot = dotenv_first.entry(path).or_insert(position);
            *slot = (*slot).min(position);
        }
    }
    let mut by_path: BTreeMap<u32, AtPath> = BTreeMap::new();
    for ((path, secret), (position, blob)) in earliest {
        let placed = &mut by_path.entry(path).or_default().placed;
        for m in matches[&blob].iter().filter(|m| &m.secret == secret) {
            placed.push((m.clone(), position));
        }
    }
    for (path, position) in dotenv_first {
        by_path.entry(path).or_default().dotenv = Some(position);
    }
    if by_path.is_empty() {
        return Ok(Vec::new());
    }
    let need_secrets = by_path.values().any(|at| !at.placed.is_empty());
    let head = Head::load(repo, introductions, &matches, need_secrets, workers, stats);
    let mut commit_info = HashMap::new();
    let mut findings = Vec::new();
    for (path, AtPath { mut placed, dotenv }) in by_path {
        placed.sort_by_key(|(m, _)| (m.line, m.column));
        // findings_for returns one finding per match, in order, then the
        // `.env` finding: the positions line up the same way.
        let positions: Vec<u32> = placed.iter().map(|(_, p)| *p).chain(dotenv).collect();
        let found = findings_for(
            introductions.paths.item(path),
            Source::History,
            placed.into_iter().map(|(m, _)| m).collect(),
            dotenv.map(|_| RuleId::DotenvCommitted),
        );
        for (mut finding, position) in found.into_iter().zip(positions) {
            let id = commits[position as usize];
            if let std::collections::hash_map::Entry::Vacant(slot) = commit_info.entry(id) {
                slot.insert(describe(repo, id)?);
            }
            finding.commit = commit_info.get(&id).cloned();
            finding.still_in_head = Some(head.holds(&finding));
            findings.push(finding);
        }
    }
    Ok(findings)
}

/// Id, author and date of a commit already read during the walk.
fn describe(repo: &Repository, id: Oid) -> Result<CommitInfo> {
    let commit = repo
        .find_commit(id)
        .with_context(|| format!("reading commit {id}"))?;
    let author = commit.author();
    Ok(CommitInfo {
        id: id.to_string(),
        author: format!(
            "{} <{}>",
            String::from_utf8_lossy(author.name_bytes()),
            String::from_utf8_lossy(author.email_bytes())
        ),
        date: rfc3339_utc(author.when().seconds()),
    })
}

/// `2024-03-05T10:11:12Z`; a timestamp outside years 0–9999 (a forged
/// commit) is shown as raw seconds since the epoch rather than failing.
fn rfc3339_utc(seconds: i64) -> String {
    time::OffsetDateTime::from_unix_timestamp(seconds)
        .ok()
        .and_then(|t| {
            t.format(&time::format_description::well_known::Rfc3339)
                .ok()
        })
        .unwrap_or_else(|| seconds.to_string())
}

/// What `HEAD`'s tree still holds: its paths and the credentials in its
/// blobs (see [`scan`] for what `still_in_head` means).
#[derive(Default)]
struct Head {
    paths: HashSet<String>,
    secrets: HashSet<Secret>,
}

impl Head {
    fn load(
        repo: &Repository,
        introductions: &Introductions,
        matches: &Matches,
        need_secrets: bool,
        workers: &Workers,
        stats: &Stats,
    ) -> Head {
        let mut head = Head::default();
        let tree = match repo.head().and_then(|h| h.peel_to_tree()) {
            Ok(tree) => tree,
            Err(_) => return head,
        };
        let mut blobs = Vec::new();
        let walked = tree.walk(TreeWalkMode::PreOrder, |dir, entry| {
            if Kind::of(entry.filemode()) == Kind::Blob {
                let path = join(dir.trim_end_matches('/'), entry.name_bytes());
                blobs.push((entry.id(), path.clone()));
                head.paths.insert(path);
            }
            TreeWalkResult::Ok
        });
        if let Err(err) = walked {
            stats.unreadable(&format!("HEAD tree {}", tree.id()), err.message());
        }
        if !need_secrets {
            return head;
        }
        // Every blob of HEAD was scanned already, except outside a --range:
        // those are scanned now, once.
        let mut unscanned = Vec::new();
        let mut seen = HashSet::new();
        for (blob, path) in &blobs {
            match introductions.blobs.get(blob) {
                Some(b) => head.secrets.extend(
                    matches
                        .get(&b)
                        .into_iter()
                        .flatten()
                        .map(|m| m.secret.clone()),
                ),
                None if seen.insert(*blob) => unscanned.push((*blob, path.as_str())),
                None => {}
            }
        }
        // Looked up, not part of the range: they do not count as scanned,
        // but a blob that cannot be read still does.
        let lookup = Stats::default();
        for found in workers
            .scan(unscanned.len(), |i| unscanned[i], &lookup)
            .into_values()
        {
            head.secrets.extend(found.into_iter().map(|m| m.secret));
        }
        Stats::add(&stats.unreadable, lookup.unreadable.into_inner());
        head
    }

    fn holds(&self, finding: &Finding) -> bool {
        match &finding.secret {
            Some(secret) => self.secrets.contains(secret),
            None => self.paths.contains(&finding.path),
        }
    }
}
