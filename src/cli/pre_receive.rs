//! `antleak hook pre-receive`: the server-side gate. git runs it (through
//! `hooks/pre-receive`) after a push has uploaded its objects and before any
//! ref moves; a non-zero exit refuses the whole push, and everything printed
//! reaches the pusher as `remote:` lines.
//!
//! What is scanned is what the push brings: the commits reachable from the
//! new tips that no ref reached before the push (`git rev-list NEW --not
//! --all`, with the old tips added: for an update, `old..new`). So a branch
//! made of commits the server already has, plus one clean commit, costs one
//! commit; a deletion costs nothing. The pushed objects are still in git's
//! quarantine directory: git names it in `GIT_OBJECT_DIRECTORY` (and the
//! repository's own objects in `GIT_ALTERNATE_OBJECT_DIRECTORIES`), which
//! [`sources::open_repo`] and every worker's handle honour.
//!
//! `.antleak.toml` and `--baseline` are read from the server's disk (the
//! bare repository's directory), never from the push: a pusher cannot
//! allow-list the key they push.

use std::io::Read;
use std::path::Path;
use std::time::Instant;

use anyhow::{Context, Result};
use git2::Oid;

use super::args::ReportArgs;
use super::commands::{Found, Scanned, report_scan};
use super::settings::Settings;
use crate::config::Files;
use crate::core::push::{self, RefUpdate};
use crate::exit::Outcome;
use crate::messages::sanitize;
use crate::report::{Command, Format};
use crate::sources::{self, Stats, history};

/// More ref updates than any push makes: stdin is not read without bound.
const MAX_INPUT: u64 = 64 << 20;

pub fn run(settings: &Settings, repo: Option<&Path>) -> Result<Outcome> {
    let started = Instant::now();
    let updates = read_updates().context("pre-receive: the push cannot be checked")?;
    let pushed: Vec<&RefUpdate> = updates.iter().filter(|u| !u.is_deletion()).collect();
    if pushed.is_empty() {
        // Deletions only: nothing arrives.
        return Ok(Outcome::Clean);
    }
    let repo = sources::open_repo(repo)?;
    let tips = pushed
        .iter()
        .map(|u| object_id(&u.new))
        .collect::<Result<Vec<_>>>()?;
    let mut hide = existing_tips(&repo)?;
    hide.extend(
        pushed
            .iter()
            .filter(|u| !u.is_creation())
            .map(|u| object_id(&u.old))
            .collect::<Result<Vec<_>>>()?,
    );
    // After the push, HEAD is the new tip of the branch it names when the
    // push updates that branch; otherwise the first pushed tip stands for it.
    let head_branch = repo
        .find_reference("HEAD")
        .ok()
        .and_then(|h| h.symbolic_target().ok().flatten().map(str::to_string));
    let head = pushed
        .iter()
        .position(|u| Some(&u.name) == head_branch.as_ref())
        .map_or(tips[0], |i| tips[i]);
    let stats = Stats::default();
    let filters = settings
        .filters
        .load(sources::repo_root(&repo).as_deref(), &Files::Disk)?;
    let options = history::Options {
        threads: settings.threads,
        only: Some(history::Only::Introduced { tips, hide, head }),
        allow_shallow: false,
    };
    let scanned = history::scan(&repo, &options, &stats)
        .context("pre-receive: the push cannot be checked")?;
    let found = Found::filtered(&filters, scanned.findings, &stats);
    let report = ReportArgs {
        format: Format::Human,
        output: None,
        write_baseline: None,
        show_secrets: false,
    };
    let scanned = Scanned {
        command: Command::History,
        found,
        shallow: Some(scanned.shallow),
        uri_base: None,
        root: None,
    };
    let outcome = report_scan(settings, &report, scanned, &stats, started, None)?;
    let refs: Vec<String> = pushed.iter().map(|u| sanitize(&u.name)).collect();
    match outcome {
        Outcome::Clean => {}
        Outcome::Findings => eprintln!(
            "antleak: push refused: the commits pushed to {} add the credentials or files \
             listed above.\n\
             antleak:   1. Rotate each key now, as its runbook above says: it has left your \
             machine.\n\
             antleak:   2. Take it out of the commits (`git rebase -i`, or `git filter-repo \
             --replace-text` for older ones) and load it from the environment instead.\n\
             antleak:   3. Then `git push` again.",
            refs.join(", ")
        ),
        Outcome::Incomplete => eprintln!(
            "antleak: push refused: the commits pushed to {} could not all be read (see \
             above), so they were not checked; push again, or ask the server's administrator",
            refs.join(", ")
        ),
    }
    Ok(outcome)
}

/// The ref updates git writes on stdin.
fn read_updates() -> Result<Vec<RefUpdate>> {
    let mut text = String::new();
    std::io::stdin()
        .take(MAX_INPUT)
        .read_to_string(&mut text)
        .context("reading the ref updates on stdin")?;
    push::parse_updates(&text).map_err(|why| anyhow::anyhow!("stdin {why}"))
}

fn object_id(hex: &str) -> Result<Oid> {
    Oid::from_str(hex).with_context(|| format!("object id {hex}"))
}

/// What every ref points at before the push: the commits it already has.
fn existing_tips(repo: &git2::Repository) -> Result<Vec<Oid>> {
    let references = repo
        .references()
        .with_context(|| format!("{}: reading refs", repo.path().display()))?;
    Ok(references
        .filter_map(Result::ok)
        .filter_map(|r| r.resolve().ok().and_then(|r| r.target()))
        .collect())
}
