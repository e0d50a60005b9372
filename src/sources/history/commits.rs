//! Phase 1: the commits to compare, parents before children.

use std::cmp::Reverse;
use std::collections::{BinaryHeap, HashMap, HashSet};

use anyhow::{Context, Result, anyhow};
use git2::{ObjectType, Oid, Repository, Sort};

use crate::sources::Stats;

/// A ref that peels to a blob or a tree rather than a commit: content that
/// no commit may hold, published all the same.
pub(super) struct Tagged {
    pub(super) name: String,
    pub(super) id: Oid,
    pub(super) kind: ObjectType,
}

/// Every commit reachable from a ref, `HEAD`, the stash reflog or the
/// reflog of a remote-tracking ref, parents before children; and the refs
/// of blobs and trees.
pub(super) fn all(repo: &Repository, stats: &Stats) -> Result<(Vec<Oid>, Vec<Tagged>)> {
    let (tips, tagged) = tips(repo, stats)?;
    Ok((Graph::load(repo, tips, stats).parents_first(), tagged))
}

/// The commits every history walk starts from.
fn tips(repo: &Repository, stats: &Stats) -> Result<(Vec<Oid>, Vec<Tagged>)> {
    let mut tips = Vec::new();
    let mut tagged = Vec::new();
    let mut logged = vec!["refs/stash".to_string()];
    let references = repo
        .references()
        .with_context(|| format!("{}: reading refs", repo.path().display()))?;
    for reference in references {
        let reference = match reference {
            Ok(reference) => reference,
            Err(err) => {
                stats.not_scanned(
                    "refs",
                    &format!("a ref ({})", err.message()),
                    "unreadable",
                    err.message(),
                );
                continue;
            }
        };
        if let Ok(name) = reference.name()
            && name.starts_with("refs/remotes/")
        {
            logged.push(name.to_string());
        }
        let name = String::from_utf8_lossy(reference.name_bytes()).into_owned();
        // Peels tags (annotated ones too) down to what they point at.
        match reference.peel(ObjectType::Any) {
            Ok(object) if object.kind() == Some(ObjectType::Commit) => tips.push(object.id()),
            // A tag of a tree or a blob publishes content no commit holds:
            // scanned on its own, reported at the ref's name.
            Ok(object) => match object.kind() {
                Some(kind @ (ObjectType::Blob | ObjectType::Tree)) => tagged.push(Tagged {
                    name,
                    id: object.id(),
                    kind,
                }),
                _ => stats.not_scanned(
                    "refs",
                    &format!("ref {name}"),
                    "points at an object that is not a commit, tree or blob",
                    "not scanned",
                ),
            },
            Err(err) => {
                let target = reference
                    .target()
                    .map(|id| format!("{id}: "))
                    .unwrap_or_default();
                let missing = reference
                    .target()
                    .is_some_and(|id| repo.odb().is_ok_and(|odb| !odb.exists(id)));
                stats.not_scanned(
                    "refs",
                    &format!("ref {name}"),
                    if missing {
                        "point at a missing object"
                    } else {
                        "point at an unreadable object"
                    },
                    format_args!("points at {target}{}", err.message()),
                )
            }
        }
    }
    // A HEAD on a branch was walked (or recorded) with that branch; only a
    // detached one is a tip of its own.
    if repo.head_detached().unwrap_or(false) {
        match repo.head().and_then(|head| head.peel_to_commit()) {
            Ok(commit) => tips.push(commit.id()),
            Err(err) => stats.not_scanned(
                "refs",
                "HEAD",
                "point at an unreadable object",
                err.message(),
            ),
        }
    }
    // `refs/stash` names the newest stash only; `git stash list` reads the
    // older ones from its reflog. A remote-tracking ref's reflog holds every
    // commit the remote had when this clone fetched or pushed: one that was
    // force-pushed away to "delete" a key is in no ref now, but it was
    // published, and every clone made before still has it. Local reflogs are
    // not read: what only they hold (an amended commit, a reset) may never
    // have left this machine, and a leak that did not happen is a false alarm.
    for name in &logged {
        match repo.reflog(name) {
            Ok(reflog) => tips.extend(
                reflog
                    .iter()
                    .map(|entry| entry.id_new())
                    .filter(|id| !id.is_zero()),
            ),
            Err(err) => stats.not_scanned(
                "refs",
                &format!("reflog of {name}"),
                "unreadable reflog",
                err.message(),
            ),
        }
    }
    Ok((tips, tagged))
}

/// The commits of `A..B`, parents first. A range git cannot resolve is fatal
/// and the error names it.
pub(super) fn in_range(repo: &Repository, range: &str) -> Result<Vec<Oid>> {
    let fail = |err: git2::Error| anyhow!("--range {range}: {}", err.message());
    let Some((from, to)) = crate::core::range::split_range(range)? else {
        anyhow::bail!("--range {range}: expected A..B (the commits of B that A lacks)");
    };
    let mut walk = repo.revwalk().map_err(fail)?;
    walk.set_sorting(Sort::TOPOLOGICAL | Sort::REVERSE)
        .map_err(fail)?;
    walk.push_range(range).map_err(fail)?;
    let commits = walk.collect::<Result<Vec<_>, _>>().map_err(fail)?;
    if commits.is_empty() {
        let spec = repo.revparse(range).map_err(fail)?;
        if let (Some(a), Some(b)) = (spec.from(), spec.to())
            && a.id() != b.id()
            && repo.graph_descendant_of(a.id(), b.id()).unwrap_or(false)
        {
            anyhow::bail!(
                "--range {range}: holds no commit, since {to} is an ancestor of {from}; did you \
                 mean {to}..{from}?"
            );
        }
    }
    Ok(commits)
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
                    stats.git_object("commits", &format!("commit {id}"), &err);
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
