//! `antleak hook install`: puts the pre-commit hook (`hooks/pre-commit`), or
//! with `--pre-receive` the server-side hook (`hooks/pre-receive`), both
//! embedded in the binary, where git will run it.
//!
//! Where: `--hooks-dir DIR` when given (GitLab's `custom_hooks`, a server's
//! global hooks directory); else `core.hooksPath` when it is set (a relative
//! value is relative to the work tree, where git runs hooks; `~/` is
//! expanded), otherwise `hooks/` in the common git directory, which linked
//! worktrees share and which is the bare repository's own `hooks/`.
//!
//! What is already there decides what happens, and a hook someone else wrote
//! is never lost: nothing there → install; antleak's hook → nothing to do, or
//! an update to this version (so re-running leaves one antleak hook); another
//! hook → it is renamed `<hook>.antleak-chained` and antleak's hook runs it
//! first, stopping the commit or push if it fails — unless `--force`, which
//! replaces it.
//!
//! A directory husky manages is left alone (unless `--force`): husky
//! rewrites it on every `npm install`, and its dispatcher picks the hook to
//! run from its own file name, so a renamed husky hook silently runs nothing.
//! The user is told to add `antleak staged` to their husky hook instead.

use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};
use git2::{ErrorCode, Repository};

/// Which hook: each script finds `antleak` on `PATH` and fails with a clear
/// message when it is not there.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    /// Client side: `antleak staged` before each commit.
    PreCommit,
    /// Server side: `antleak hook pre-receive` before a push updates a ref.
    PreReceive,
}

impl Kind {
    /// The hook's file name, as git looks for it.
    pub fn name(self) -> &'static str {
        match self {
            Kind::PreCommit => "pre-commit",
            Kind::PreReceive => "pre-receive",
        }
    }

    fn script(self) -> &'static str {
        match self {
            Kind::PreCommit => include_str!("../hooks/pre-commit"),
            Kind::PreReceive => include_str!("../hooks/pre-receive"),
        }
    }

    /// Present in every version of antleak's hook, and only in antleak's hook.
    fn marker(self) -> &'static str {
        match self {
            Kind::PreCommit => "# antleak pre-commit hook",
            Kind::PreReceive => "# antleak pre-receive hook",
        }
    }

    /// The name a foreign hook is moved to; antleak's hook runs it.
    fn chained(self) -> String {
        format!("{}.antleak-chained", self.name())
    }
}

/// Installs the hook `kind` into the hooks directory `dir` (see
/// [`hooks_dir`]) and returns one line saying what was done.
pub fn install(dir: &Path, kind: Kind, force: bool) -> Result<String> {
    std::fs::create_dir_all(dir).with_context(|| format!("{}: creating", dir.display()))?;
    let name = kind.name();
    let script = kind.script();
    let hook = dir.join(name);
    let shown = hook.display();
    let existing = existing(&hook)?;
    if !force && kind == Kind::PreCommit && managed_by_husky(dir, existing.as_deref()) {
        bail!(
            "{}: husky manages these hooks and would drop or bypass antleak's: add the line \
             `antleak staged` to your husky pre-commit hook (.husky/pre-commit) instead",
            dir.display()
        );
    }
    let Some(existing) = existing else {
        write_hook(&hook, script)?;
        return Ok(format!("antleak: installed the {name} hook at {shown}"));
    };
    if existing == script {
        return Ok(format!(
            "antleak: the {name} hook at {shown} is already antleak's; nothing to do"
        ));
    }
    if existing.contains(kind.marker()) {
        write_hook(&hook, script)?;
        return Ok(format!("antleak: updated the {name} hook at {shown}"));
    }
    if force {
        write_hook(&hook, script)?;
        return Ok(format!(
            "antleak: replaced the existing {name} hook at {shown} (--force)"
        ));
    }
    let chained = dir.join(kind.chained());
    if std::fs::symlink_metadata(&chained).is_ok() {
        bail!(
            "{shown}: another hook is installed and {} exists already; move one of them aside, \
             or pass --force to replace {shown}",
            chained.display()
        );
    }
    std::fs::rename(&hook, &chained)
        .with_context(|| format!("{shown}: moving it to {}", chained.display()))?;
    write_hook(&hook, script)?;
    Ok(format!(
        "antleak: installed the {name} hook at {shown}; the hook that was there is now {} and \
         runs first",
        chained.display()
    ))
}

/// husky 5 and later point `core.hooksPath` into `.husky/`; husky 4 wrote
/// hooks that say "husky" into `.git/hooks`.
fn managed_by_husky(dir: &Path, existing: Option<&str>) -> bool {
    dir.components().any(|c| c.as_os_str() == ".husky")
        || existing.is_some_and(|text| text.contains("husky"))
}

/// The directory git runs the hooks of `repo` from.
pub fn hooks_dir(repo: &Repository) -> Result<PathBuf> {
    let config = repo
        .config()
        .with_context(|| format!("{}: reading git config", repo.path().display()))?;
    match config.get_path("core.hooksPath") {
        Ok(path) if path.is_absolute() => Ok(path),
        // Relative to where git runs hooks: the work tree, or the git
        // directory of a bare repository.
        Ok(path) => Ok(repo.workdir().unwrap_or(repo.path()).join(path)),
        Err(err) if err.code() == ErrorCode::NotFound => Ok(repo.commondir().join("hooks")),
        Err(err) => Err(err).context("core.hooksPath"),
    }
}

/// The current hook's text (lossy: only the marker matters), or `None` when
/// there is none. A dangling symlink counts as a hook: it is someone's.
fn existing(hook: &Path) -> Result<Option<String>> {
    if std::fs::symlink_metadata(hook).is_err() {
        return Ok(None);
    }
    match std::fs::read(hook) {
        Ok(bytes) => Ok(Some(String::from_utf8_lossy(&bytes).into_owned())),
        Err(err) if err.kind() == std::io::ErrorKind::NotFound => Ok(Some(String::new())),
        Err(err) => Err(err).with_context(|| format!("{}: reading", hook.display())),
    }
}

/// Writes the script beside the hook and renames it into place, so git never
/// runs a half-written hook.
fn write_hook(hook: &Path, script: &str) -> Result<()> {
    let temporary = hook.with_extension("antleak-new");
    std::fs::write(&temporary, script)
        .with_context(|| format!("{}: writing", temporary.display()))?;
    make_executable(&temporary)?;
    std::fs::rename(&temporary, hook).with_context(|| format!("{}: writing", hook.display()))
}

#[cfg(unix)]
fn make_executable(path: &Path) -> Result<()> {
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o755))
        .with_context(|| format!("{}: making it executable", path.display()))
}

/// Git for Windows runs hooks through its own sh: no executable bit needed.
#[cfg(not(unix))]
fn make_executable(_path: &Path) -> Result<()> {
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_script_carries_its_marker_and_runs_antleak() {
        for (kind, runs) in [
            (Kind::PreCommit, "exec antleak staged"),
            (Kind::PreReceive, "antleak hook pre-receive"),
        ] {
            let script = kind.script();
            assert!(script.starts_with("#!/bin/sh\n"));
            assert!(script.contains(kind.marker()));
            assert!(script.contains(&kind.chained()));
            assert!(script.contains(runs), "{kind:?}");
        }
    }
}
