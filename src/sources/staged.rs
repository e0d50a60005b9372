//! `antleak staged`: exactly what `git commit` would record — the index blobs
//! that differ from `HEAD`'s tree (everything staged, when `HEAD` is unborn).
//!
//! Only the index and the object database are read, never the working tree:
//! with partial staging the staged blob is what gets committed, not the file
//! on disk, and a pre-commit hook must stay fast (one staged file in a
//! 5,000-file repository: a few milliseconds). The index is the one git is
//! about to commit: for `git commit -a` and `git commit <path>` git points
//! `GIT_INDEX_FILE` at a temporary index, which [`super::open_repo`] honours.
//!
//! A staged deletion records no content and is not scanned; gitlinks
//! (submodules) are commits of another repository and are skipped. A staged
//! `.env`-style file is `dotenv-committed` before it is even committed.
//!
//! A hook installed in a repository that already leaked sees old keys again
//! whenever their file is edited: those findings carry `still_in_head`, so
//! the report says they are committed already and must be rotated.

use std::collections::HashSet;

use anyhow::{Context, Result};
use git2::{Delta, DiffOptions, ErrorCode, FileMode, Oid, Repository, Tree};

use super::{
    Stats, file_rules, findings_for, member_dotenv_findings, scan_git_blob, signal_findings,
};
use crate::core::finding::{Finding, Provenance, Secret};
use crate::core::rules::RuleId;

pub fn scan(repo: &Repository, stats: &Stats) -> Result<Vec<Finding>> {
    let head = head_tree(repo)?;
    let index = super::read_index(repo)?;
    let mut options = DiffOptions::new();
    // Only ids and paths are needed; the blobs are read once, below.
    options.skip_binary_check(true);
    let diff = repo
        .diff_tree_to_index(head.as_ref(), Some(&index), Some(&mut options))
        .with_context(|| format!("{}: comparing the index with HEAD", repo.path().display()))?;
    let mut findings = Vec::new();
    for delta in diff.deltas() {
        // Deleted: nothing recorded. Conflicted: `git commit` refuses
        // unmerged entries, so nothing would be recorded either.
        if !matches!(
            delta.status(),
            Delta::Added | Delta::Modified | Delta::Renamed | Delta::Copied | Delta::Typechange
        ) {
            continue;
        }
        let file = delta.new_file();
        if file.mode() == FileMode::Commit {
            continue;
        }
        let path = String::from_utf8_lossy(file.path_bytes().unwrap_or_default()).into_owned();
        let in_head = delta.old_file();
        let in_head = (!in_head.id().is_zero()).then(|| in_head.id());
        findings.extend(scan_blob(repo, file.id(), in_head, &path, stats));
    }
    // A key staged at a new path may be committed already elsewhere (a file
    // copied or moved): then it has leaked, and "only staged, nothing to
    // rotate" would be wrong. Looked up only when such a key is staged, so a
    // clean commit pays nothing.
    let unexplained =
        |f: &Finding| f.secret.is_some() && f.provenance == Provenance::Staged { in_head: false };
    if let Some(tree) = &head
        && findings.iter().any(unexplained)
    {
        let committed = secrets_in(repo, tree, stats);
        for finding in findings.iter_mut().filter(|f| unexplained(f)) {
            if finding
                .secret
                .as_ref()
                .is_some_and(|s| committed.contains(s))
            {
                finding.provenance = Provenance::Staged { in_head: true };
            }
        }
    }
    Ok(findings)
}

/// Every credential in the blobs of `tree` (looked up, not counted as
/// scanned; a blob that cannot be read still counts as unreadable).
fn secrets_in(repo: &Repository, tree: &Tree<'_>, stats: &Stats) -> HashSet<Secret> {
    let lookup = Stats::with_limits(stats.limits.clone());
    let mut secrets = HashSet::new();
    let walked = tree.walk(git2::TreeWalkMode::PreOrder, |dir, entry| {
        if entry.kind() == Some(git2::ObjectType::Blob) {
            let path = format!("{dir}{}", String::from_utf8_lossy(entry.name_bytes()));
            let found = scan_git_blob(repo, entry.id(), &path, &lookup);
            secrets.extend(found.matches.into_iter().map(|m| m.secret));
        }
        git2::TreeWalkResult::Ok
    });
    if let Err(err) = walked {
        stats.git_object("tree", "HEAD's tree", &err);
    }
    Stats::add(&stats.unreadable, lookup.unreadable.into_inner());
    secrets
}

/// `HEAD`'s tree, or `None` before the first commit.
fn head_tree(repo: &Repository) -> Result<Option<Tree<'_>>> {
    match repo.head() {
        Ok(head) => head
            .peel_to_tree()
            .map(Some)
            .with_context(|| format!("{}: reading HEAD's tree", repo.path().display())),
        Err(err) if matches!(err.code(), ErrorCode::UnbornBranch | ErrorCode::NotFound) => Ok(None),
        Err(err) => Err(err).with_context(|| format!("{}: reading HEAD", repo.path().display())),
    }
}

/// Scans the staged blob `id`. `in_head` is the blob HEAD has where it came
/// from (same path, or the rename's source): a credential already in it, or
/// a `.env` file HEAD already tracks, has reached history before this commit,
/// and `still_in_head` says so, because the advice differs (rotate now, not
/// "nothing to rotate").
fn scan_blob(
    repo: &Repository,
    id: Oid,
    in_head: Option<Oid>,
    path: &str,
    stats: &Stats,
) -> Vec<Finding> {
    let dotenv_rule = file_rules(path).map(|(committed, _)| committed);
    // An unreadable blob has no matches, but staging a .env file is a
    // finding whatever its content.
    let detection = scan_git_blob(repo, id, path, stats);
    let (mut committed, mut signal_in_head) = (HashSet::<Secret>::new(), false);
    if let Some(old) = in_head
        && !(detection.matches.is_empty() && detection.signals.is_empty())
    {
        // Looked up, not staged: it does not count as scanned, but a blob
        // that cannot be read still does.
        let lookup = Stats::with_limits(stats.limits.clone());
        let old = scan_git_blob(repo, old, path, &lookup);
        Stats::add(&stats.unreadable, lookup.unreadable.into_inner());
        committed = old.matches.into_iter().map(|m| m.secret).collect();
        signal_in_head = !old.signals.is_empty();
    }
    let provenance = Provenance::Staged { in_head: false };
    let committed_rule = || Some(RuleId::DotenvCommitted);
    let members = member_dotenv_findings(path, &provenance, &detection, committed_rule);
    let mut findings = findings_for(path, &provenance, detection.matches, dotenv_rule);
    findings.extend(members);
    findings.extend(signal_findings(path, &provenance, detection.signals));
    for finding in &mut findings {
        let in_head = match &finding.secret {
            Some(secret) => committed.contains(secret),
            None if finding.rule == RuleId::AnthropicBrowserAccess => signal_in_head,
            None => in_head.is_some(),
        };
        finding.provenance = Provenance::Staged { in_head };
    }
    findings
}
