//! Phase 5: git metadata. A key pasted into a commit message, an annotated
//! tag's message, an author or committer identity, a ref name or a file's
//! name is published with the history like any file, and no later commit
//! removes it: every clone keeps it.
//!
//! Each piece of text goes through the same detection entry point as a blob
//! (so encoded keys are found, placeholders stay quiet and `antleak:allow`
//! on a message line is honoured), and each finding names the commit that
//! holds it. With `--range`, only the commits of the range are read (their
//! messages, identities and the paths they introduced): ref names and tags
//! belong to the whole repository.

use std::collections::HashMap;

use git2::{Oid, Repository};

use super::introductions::Introductions;
use super::place::{commit_info, describe, identity};
use crate::core::detect::{self, Found};
use crate::core::finding::{CommitInfo, Finding, Location, Provenance};
use crate::core::time::rfc3339_utc;
use crate::sources::Stats;

/// The metadata findings of `commits` (and, outside a range, of every ref).
pub(super) fn scan(
    repo: &Repository,
    commits: &[Oid],
    introductions: &Introductions,
    in_range: bool,
    stats: &Stats,
) -> Vec<Finding> {
    let mut found = Vec::new();
    let head = head_commit(repo);
    for &id in commits {
        let commit = match repo.find_commit(id) {
            Ok(commit) => commit,
            // The walk already warned about and counted it.
            Err(_) => continue,
        };
        let info = || commit_info(&commit);
        let texts = [
            (Location::CommitMessage, commit.message_raw_bytes().to_vec()),
            (Location::Identity, identity(&commit.author())),
            (Location::Identity, identity(&commit.committer())),
        ];
        for (location, text) in texts {
            for m in detect_in(&text, stats) {
                let provenance = history(info(), in_head(repo, head, id));
                found.push(finding(m, location, String::new(), provenance));
            }
        }
    }
    found.extend(paths(repo, commits, introductions, head, stats));
    if !in_range {
        found.extend(refs(repo, head, stats));
    }
    dedup_identities(found)
}

/// Keys in the names of files: each path once, at the first commit that
/// brought something to it.
fn paths(
    repo: &Repository,
    commits: &[Oid],
    introductions: &Introductions,
    head: Option<Oid>,
    stats: &Stats,
) -> Vec<Finding> {
    let mut first: HashMap<u32, u32> = HashMap::new();
    for (_, path, position) in introductions.pairs() {
        let slot = first.entry(path).or_insert(position);
        *slot = (*slot).min(position);
    }
    let mut found = Vec::new();
    for (path, position) in first {
        let name = introductions.paths.item(path);
        for m in detect_in(name.as_bytes(), stats) {
            let id = commits[position as usize];
            let Ok(info) = describe(repo, id) else {
                continue;
            };
            let provenance = history(info, in_head(repo, head, id));
            found.push(finding(m, Location::PathName, name.to_string(), provenance));
        }
    }
    found
}

/// Keys in ref names, and in the messages and taggers of annotated tags.
fn refs(repo: &Repository, head: Option<Oid>, stats: &Stats) -> Vec<Finding> {
    let mut found = Vec::new();
    let references = match repo.references() {
        Ok(references) => references,
        Err(err) => {
            stats.git_object("refs", "the ref list", &err);
            return found;
        }
    };
    for reference in references.flatten() {
        let name = String::from_utf8_lossy(reference.name_bytes()).into_owned();
        let Some(target) = reference.target() else {
            continue;
        };
        let commit = reference.peel_to_commit().ok();
        let info = commit.as_ref().map(commit_info);
        let provenance = |info: Option<CommitInfo>| match info {
            Some(info) => {
                let id = commit.as_ref().map_or(target, |c| c.id());
                history(info, in_head(repo, head, id))
            }
            // A ref of a blob or a tree: no commit to name.
            None => Provenance::Tagged,
        };
        for m in detect_in(name.as_bytes(), stats) {
            found.push(finding(
                m,
                Location::RefName,
                name.clone(),
                provenance(info.clone()),
            ));
        }
        let Ok(tag) = repo.find_tag(target) else {
            continue;
        };
        let mut texts = vec![(
            Location::TagMessage,
            tag.message_bytes().unwrap_or_default().to_vec(),
        )];
        if let Some(tagger) = tag.tagger() {
            texts.push((Location::Identity, identity(&tagger)));
        }
        for (location, text) in texts {
            for m in detect_in(&text, stats) {
                // A tag's own date says when its message was published.
                let info = info.clone().map(|mut info| {
                    if let Some(tagger) = tag.tagger() {
                        info.date = rfc3339_utc(tagger.when().seconds());
                    }
                    info
                });
                found.push(finding(m, location, name.clone(), provenance(info)));
            }
        }
    }
    found
}

/// The same identity signs many commits: one finding per (key, location),
/// at its earliest commit, is what the owner needs.
fn dedup_identities(found: Vec<Finding>) -> Vec<Finding> {
    let mut earliest: HashMap<(String, String), Finding> = HashMap::new();
    let mut rest = Vec::new();
    for f in found {
        if f.location != Location::Identity {
            rest.push(f);
            continue;
        }
        let key = (
            f.fingerprint().unwrap_or_default().to_string(),
            f.path.clone(),
        );
        match earliest.get(&key) {
            Some(kept) if kept.commit().map(|c| &c.date) <= f.commit().map(|c| &c.date) => {}
            _ => {
                earliest.insert(key, f);
            }
        }
    }
    rest.extend(earliest.into_values());
    rest
}

fn detect_in(text: &[u8], stats: &Stats) -> Vec<Found> {
    detect::detect(text, &stats.limits).matches
}

fn finding(m: Found, location: Location, path: String, provenance: Provenance) -> Finding {
    let mut finding = crate::sources::credential_finding(&path, provenance, m);
    finding.location = location;
    // A line and column of a message or a name point nowhere a person can
    // open; the commit (or the ref) says where it is.
    if location != Location::CommitMessage && location != Location::TagMessage {
        finding.line = None;
        finding.column = None;
    }
    finding
}

fn history(commit: CommitInfo, still_in_head: bool) -> Provenance {
    Provenance::History {
        commit,
        still_in_head,
    }
}

fn head_commit(repo: &Repository) -> Option<Oid> {
    repo.head().ok()?.peel_to_commit().ok().map(|c| c.id())
}

/// Whether HEAD's history holds the commit: its message is then part of
/// what the current branch publishes. Only the wording depends on it (every
/// metadata finding is reported), so a graph libgit2 cannot walk reads as
/// "not in HEAD", the cautious side of "still in HEAD, rotate now".
fn in_head(repo: &Repository, head: Option<Oid>, id: Oid) -> bool {
    head.is_some_and(|head| head == id || repo.graph_descendant_of(head, id).unwrap_or(false))
}
