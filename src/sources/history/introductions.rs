//! Phase 2: which (blob, path) pairs each commit introduced, found by
//! comparing its tree with its first parent's.

use std::cmp::Ordering;
use std::collections::HashMap;

use git2::{Oid, Repository, Tree, TreeEntry};

use super::interner::Interner;
use crate::sources::Stats;

/// Which (blob, path) pairs the commits introduced, and which commit first
/// did. Blobs and paths are numbered so the pair set stays compact on big
/// histories: most blobs only ever appear at one path, so each blob keeps its
/// first (path, commit) itself and only the other paths go in a map.
#[derive(Default)]
pub(super) struct Introductions {
    pub(super) blobs: Interner<Oid>,
    /// For each blob: its first path and the position (in the commit order)
    /// of the commit that introduced it there.
    first: Vec<(u32, u32)>,
    /// (blob, path) → position of the introducing commit, for the paths of
    /// a blob other than its first.
    more: HashMap<(u32, u32), u32>,
    pub(super) paths: Interner<Box<str>>,
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
    pub(super) fn add_commit(
        &mut self,
        repo: &Repository,
        position: u32,
        id: Oid,
        in_range: bool,
        stats: &Stats,
    ) {
        let commit = match repo.find_commit(id) {
            Ok(commit) => commit,
            Err(err) => return stats.git_object("commits", &format!("commit {id}"), &err),
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
                    stats.git_object("commits", &format!("commit {parent}"), &err);
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
    pub(super) fn blob(&self, blob: u32) -> (Oid, &str) {
        let path = self.first[blob as usize].0;
        (*self.blobs.item(blob), self.paths.item(path))
    }

    /// Every (blob, path, position of the introducing commit).
    pub(super) fn pairs(&self) -> impl Iterator<Item = (u32, u32, u32)> + '_ {
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
pub(super) enum Kind {
    Tree,
    /// Regular and executable files; symlinks too (their target is a blob).
    Blob,
    /// Gitlinks: a commit of another repository, not entered.
    Other,
}

impl Kind {
    /// From a normalised mode (`TreeEntry::filemode`).
    pub(super) fn of(mode: i32) -> Kind {
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
            stats.not_scanned(
                "trees",
                &format!("tree {id}"),
                match err.code() {
                    git2::ErrorCode::NotFound => "missing from the object database",
                    _ => "corrupt or unreadable",
                },
                format_args!("{} (at {what})", err.message()),
            );
            None
        }
    }
}

/// `prefix/name`, lossily decoded (paths in reports are text).
pub(super) fn join(prefix: &str, name: &[u8]) -> String {
    let name = String::from_utf8_lossy(name);
    if prefix.is_empty() {
        name.into_owned()
    } else {
        format!("{prefix}/{name}")
    }
}
