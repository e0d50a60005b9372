//! Finding every git repository under a folder, for audits of many
//! repositories at once (`antleak history --repos-under DIR`).
//!
//! A directory is a repository when it has a `.git` entry (work tree) or is
//! itself a git directory (bare: `HEAD`, `objects/`, `refs/`). The walk does
//! not descend into a repository it found (its submodules and vendored
//! checkouts belong to it), follows no symlinks and ignores no files: an
//! audit looks everywhere. A submodule's history lives in its
//! superproject's `.git/modules/<name>`, not in the superproject's: each of
//! those git directories is a repository of its own. A folder with no
//! repository at all is an error: an audit of nothing is not clean.

use std::path::{Path, PathBuf};
use std::sync::{Mutex, PoisonError};

use anyhow::{Context, Result};
use ignore::{WalkBuilder, WalkState};

use super::Stats;
use crate::core::sync::lock;

/// Repositories under `dir`, sorted by path.
pub fn find_under(dir: &Path, stats: &Stats) -> Result<Vec<PathBuf>> {
    std::fs::metadata(dir)
        .with_context(|| format!("--repos-under {}", dir.display()))?
        .is_dir()
        .then_some(())
        .with_context(|| format!("--repos-under {}: not a directory", dir.display()))?;
    let found = Mutex::new(Vec::new());
    WalkBuilder::new(dir)
        .standard_filters(false)
        .follow_links(false)
        .build_parallel()
        .run(|| {
            let found = &found;
            Box::new(move |entry| {
                let Some(entry) = stats.walked(entry) else {
                    return WalkState::Continue;
                };
                if !entry.file_type().is_some_and(|t| t.is_dir()) {
                    return WalkState::Continue;
                }
                if is_repository(entry.path()) {
                    lock(found).push(entry.path().to_path_buf());
                    return WalkState::Skip;
                }
                WalkState::Continue
            })
        });
    let mut repos = found.into_inner().unwrap_or_else(PoisonError::into_inner);
    let mut modules = Vec::new();
    for repo in &repos {
        submodule_git_dirs(&repo.join(".git/modules"), &mut modules);
    }
    repos.extend(modules);
    repos.sort();
    if repos.is_empty() {
        anyhow::bail!(
            "--repos-under {}: no git repository there (nothing to audit)",
            dir.display()
        );
    }
    Ok(repos)
}

/// The git directories under `modules` (nested submodules keep theirs in
/// `modules/<name>/modules/`).
fn submodule_git_dirs(modules: &Path, found: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(modules) else {
        return;
    };
    let mut dirs: Vec<PathBuf> = entries
        .filter_map(Result::ok)
        .filter(|e| e.file_type().is_ok_and(|t| t.is_dir()))
        .map(|e| e.path())
        .collect();
    dirs.sort();
    for dir in dirs {
        if is_repository(&dir) {
            submodule_git_dirs(&dir.join("modules"), found);
            found.push(dir);
        } else {
            // A submodule named `a/b` lives in `modules/a/b`.
            submodule_git_dirs(&dir, found);
        }
    }
}

fn is_repository(dir: &Path) -> bool {
    dir.join(".git").exists()
        || (dir.join("HEAD").is_file() && dir.join("objects").is_dir() && dir.join("refs").is_dir())
}
