//! Each blob's matches placed at every path it appeared at, with the
//! earliest commit that brought them there, and whether HEAD still holds them.
//!
//! Browser access (`anthropic-browser-access`) is code, not a secret: it is
//! reported only where HEAD's tree still holds it, at the lines of HEAD's
//! blob, with the earliest commit that brought browser access to that path.
//! Code removed long ago asks nothing of the reader (any key it shipped with
//! is reported as a key), while code still in HEAD ships with every build;
//! so `history` in CI, and `history --range` on a pull request that adds it,
//! report it as `scan` and `staged` do.

use std::collections::hash_map::Entry;
use std::collections::{BTreeMap, HashMap, HashSet};

use anyhow::{Context, Result};
use git2::{ErrorCode, Oid, Repository, TreeWalkMode, TreeWalkResult};

use super::introductions::{Introductions, Kind, join};
use super::workers::{Matches, Workers};
use crate::core::browser_access;
use crate::core::detect::Found as Match;
use crate::core::finding::{CommitInfo, Finding, Provenance, Secret};
use crate::core::rules::RuleId;
use crate::sources::{
    Stats, credential_finding, dotenv_finding, file_rules, is_dotenv_path, member_path,
    signal_findings,
};

/// What is reported at one path: credential matches with the position of
/// the commit that brought each there, and the position of the commit that
/// first added the path when it is a `.env` file.
#[derive(Default)]
struct AtPath {
    placed: Vec<(Match, u32)>,
    dotenv: Option<(u32, RuleId)>,
    /// Browser access: the earliest commit that brought it here.
    signals: Option<u32>,
}

/// Fans the matches of each blob out to the paths it appeared at, keeping for
/// each (path, credential) and each `.env` path the earliest commit.
pub(super) fn place(
    repo: &Repository,
    head: Option<Oid>,
    commits: &[Oid],
    introductions: &Introductions,
    matches: Matches,
    workers: &Workers,
    stats: &Stats,
) -> Result<Vec<Finding>> {
    let dotenv: HashMap<u32, RuleId> = (0u32..)
        .zip(introductions.paths.items())
        .filter_map(|(id, path)| Some((id, file_rules(path)?.0)))
        .collect();
    // (path, secret) → (position of the earliest commit, blob it was in).
    let mut earliest: HashMap<(u32, &Secret), (u32, u32)> = HashMap::new();
    let mut dotenv_first: HashMap<u32, u32> = HashMap::new();
    let mut signals_first: HashMap<u32, u32> = HashMap::new();
    // (path, `.env` member of the archive there) → (earliest position, blob).
    let mut members_first: BTreeMap<(u32, &[String]), (u32, u32)> = BTreeMap::new();
    for (blob, path, position) in introductions.pairs() {
        let found = matches.get(&blob);
        let members = found.into_iter().flat_map(|d| &d.members);
        for member in members.filter(|m| m.last().is_some_and(|n| is_dotenv_path(n))) {
            let slot = members_first
                .entry((path, member))
                .or_insert((position, blob));
            *slot = (*slot).min((position, blob));
        }
        for m in found.into_iter().flat_map(|d| &d.matches) {
            let slot = earliest
                .entry((path, &m.secret))
                .or_insert((position, blob));
            *slot = (*slot).min((position, blob));
        }
        if found.is_some_and(|d| !d.signals.is_empty())
            && browser_access::applies_to(introductions.paths.item(path))
        {
            let slot = signals_first.entry(path).or_insert(position);
            *slot = (*slot).min(position);
        }
        if dotenv.contains_key(&path) {
            let slot = dotenv_first.entry(path).or_insert(position);
            *slot = (*slot).min(position);
        }
    }
    let mut by_path: BTreeMap<u32, AtPath> = BTreeMap::new();
    for ((path, secret), (position, blob)) in earliest {
        let placed = &mut by_path.entry(path).or_default().placed;
        for m in matches[&blob]
            .matches
            .iter()
            .filter(|m| &m.secret == secret)
        {
            placed.push((m.clone(), position));
        }
    }
    for (path, position) in dotenv_first {
        by_path.entry(path).or_default().dotenv = Some((position, dotenv[&path]));
    }
    for (path, position) in signals_first {
        by_path.entry(path).or_default().signals = Some(position);
    }
    if by_path.is_empty() && members_first.is_empty() {
        return Ok(Vec::new());
    }
    let need_secrets = by_path.values().any(|at| !at.placed.is_empty());
    let head = Head::load(
        repo,
        head,
        introductions,
        &matches,
        need_secrets,
        workers,
        stats,
    );
    let mut commit_info: HashMap<Oid, CommitInfo> = HashMap::new();
    let mut findings = Vec::new();
    let mut commit_at = |position: u32| -> Result<CommitInfo> {
        let id = commits[position as usize];
        Ok(match commit_info.entry(id) {
            Entry::Occupied(slot) => slot.get().clone(),
            Entry::Vacant(slot) => slot.insert(describe(repo, id)?).clone(),
        })
    };
    for (
        path,
        AtPath {
            mut placed,
            dotenv,
            signals,
        },
    ) in by_path
    {
        placed.sort_by_key(|(m, _)| (m.line, m.column));
        let path = introductions.paths.item(path);
        let holds_credential = !placed.is_empty();
        for (m, position) in placed {
            let provenance = Provenance::History {
                commit: commit_at(position)?,
                still_in_head: head.secrets.contains(&m.secret),
            };
            findings.push(credential_finding(path, provenance, m));
        }
        if let Some((position, rule)) = dotenv {
            let provenance = Provenance::History {
                commit: commit_at(position)?,
                still_in_head: head.paths.contains(&**path),
            };
            findings.push(dotenv_finding(path, provenance, rule, holds_credential));
        }
        let in_head = head.signal_blobs.get(&**path).and_then(|b| matches.get(b));
        if let (Some(position), Some(found)) = (signals, in_head) {
            let provenance = Provenance::History {
                commit: commit_at(position)?,
                still_in_head: true,
            };
            findings.extend(signal_findings(path, &provenance, found.signals.clone()));
        }
    }
    // A `.env` inside an archive that history holds: committed with it.
    for ((path, member), (position, blob)) in members_first {
        let path = introductions.paths.item(path);
        let provenance = Provenance::History {
            commit: commit_at(position)?,
            still_in_head: head.paths.contains(&**path),
        };
        let holds = matches[&blob].matches.iter().any(|m| m.member == member);
        let mut finding = dotenv_finding(path, provenance, RuleId::DotenvCommitted, holds);
        finding.path = member_path(path, member);
        finding.member = member.to_vec();
        findings.push(finding);
    }
    Ok(findings)
}

/// Id, author and date of a commit already read during the walk.
pub(super) fn describe(repo: &Repository, id: Oid) -> Result<CommitInfo> {
    let commit = repo
        .find_commit(id)
        .with_context(|| format!("reading commit {id}"))?;
    Ok(commit_info(&commit))
}

/// Id, author (`Name <email>`) and author date of a commit.
pub(super) fn commit_info(commit: &git2::Commit<'_>) -> CommitInfo {
    let author = commit.author();
    CommitInfo {
        id: commit.id().to_string(),
        author: String::from_utf8_lossy(&identity(&author)).into_owned(),
        date: crate::core::time::rfc3339_utc(author.when().seconds()),
    }
}

/// `Name <email>`, as git prints an identity (bytes: either may not be UTF-8).
pub(super) fn identity(signature: &git2::Signature<'_>) -> Vec<u8> {
    let mut text = signature.name_bytes().to_vec();
    text.extend_from_slice(b" <");
    text.extend_from_slice(signature.email_bytes());
    text.push(b'>');
    text
}

/// What `HEAD`'s tree still holds: its paths and the credentials in its
/// blobs (see [`super::scan`] for what `still_in_head` means).
#[derive(Default)]
struct Head {
    paths: HashSet<String>,
    secrets: HashSet<Secret>,
    /// Paths whose blob in HEAD holds browser access, with that blob's number.
    signal_blobs: HashMap<String, u32>,
}

impl Head {
    /// `head`: the commit that stands for HEAD (a push's tip), else HEAD.
    fn load(
        repo: &Repository,
        head_commit: Option<Oid>,
        introductions: &Introductions,
        matches: &Matches,
        need_secrets: bool,
        workers: &Workers,
        stats: &Stats,
    ) -> Head {
        let mut head = Head::default();
        let tree = match head_commit.map_or_else(
            || repo.head().and_then(|h| h.peel_to_tree()),
            |id| repo.find_object(id, None).and_then(|o| o.peel_to_tree()),
        ) {
            Ok(tree) => tree,
            // No HEAD (an empty branch checked out): nothing is in it.
            Err(err) if matches!(err.code(), ErrorCode::UnbornBranch | ErrorCode::NotFound) => {
                return head;
            }
            Err(err) => {
                // Named as the ref walk named it, so it is counted once.
                let name = repo
                    .find_reference("HEAD")
                    .ok()
                    .and_then(|h| h.symbolic_target().ok().flatten().map(str::to_string))
                    .map_or("HEAD".to_string(), |n| format!("ref {n}"));
                stats.not_scanned(
                    "refs",
                    &name,
                    "point at an unreadable object",
                    err.message(),
                );
                return head;
            }
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
            stats.git_object("trees", &format!("HEAD tree {}", tree.id()), &err);
        }
        for (blob, path) in &blobs {
            if let Some(b) = introductions.blobs.get(blob)
                && matches.get(&b).is_some_and(|d| !d.signals.is_empty())
            {
                head.signal_blobs.insert(path.clone(), b);
            }
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
                        .flat_map(|d| &d.matches)
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
            head.secrets
                .extend(found.matches.into_iter().map(|m| m.secret));
        }
        Stats::add(&stats.unreadable, lookup.unreadable.into_inner());
        head
    }
}
