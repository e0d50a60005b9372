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

use anyhow::{Context, Result};
use git2::{Delta, DiffOptions, ErrorCode, FileMode, Oid, Repository, Tree};

use super::{Stats, findings_for, is_dotenv_path, scan_git_blob};
use crate::finding::{Finding, Source};
use crate::rules::RuleId;

pub fn scan(repo: &Repository, stats: &Stats) -> Result<Vec<Finding>> {
    let head = head_tree(repo)?;
    let index = repo
        .index()
        .with_context(|| format!("{}: reading the git index", repo.path().display()))?;
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
        findings.extend(scan_blob(repo, file.id(), &path, stats));
    }
    Ok(findings)
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

fn scan_blob(repo: &Repository, id: Oid, path: &str, stats: &Stats) -> Vec<Finding> {
    let dotenv_rule = is_dotenv_path(path).then_some(RuleId::DotenvCommitted);
    // An unreadable blob has no matches, but staging a .env file is a
    // finding whatever its content.
    let matches = scan_git_blob(repo, id, path, stats);
    findings_for(path, Source::Staged, matches, dotenv_rule)
}
