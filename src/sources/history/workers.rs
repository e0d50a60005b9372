//! Phase 3: every distinct blob read and scanned once, in parallel.

use std::collections::HashMap;
use std::sync::Mutex;

use anyhow::{Context, Result};
use git2::{Oid, Repository};
use rayon::prelude::*;

use crate::core::detect::Detection;
use crate::core::sync::lock;
use crate::sources::{Stats, is_dotenv_path, scan_git_blob};

/// A thread pool with one repository handle per worker.
pub(super) struct Workers {
    pool: rayon::ThreadPool,
    repos: Vec<Mutex<Repository>>,
}

impl Workers {
    pub(super) fn new(repo: &Repository, threads: usize) -> Result<Workers> {
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .build()
            .context("starting worker threads")?;
        let git_dir = repo.path();
        let repos = (0..threads)
            .map(|_| {
                crate::sources::reopen(repo)
                    .map(Mutex::new)
                    .with_context(|| format!("{}: opening repository", git_dir.display()))
            })
            .collect::<Result<_>>()?;
        Ok(Workers { pool, repos })
    }

    /// Scans blobs `0..count` (`blob` gives each one's id and a path for
    /// warnings) and returns what was found in those that hold anything, by
    /// number.
    /// The blobs are read in the order given, the order history found them
    /// in, which keeps delta chains warm in libgit2's cache about as well as
    /// pack order does (measured on cargo's history).
    pub(super) fn scan<'a>(
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
                    let repo = lock(&self.repos[slot]);
                    let (id, path) = blob(number);
                    let found = scan_git_blob(&repo, id, path, stats);
                    let dotenv_member = (found.members.iter())
                        .any(|m| m.last().is_some_and(|name| is_dotenv_path(name)));
                    let any = !(found.matches.is_empty() && found.signals.is_empty());
                    let any = any || dotenv_member;
                    any.then_some((number as u32, found))
                })
                .collect()
        })
    }
}

/// What detection found in the blobs where it found anything (credentials,
/// browser access, a `.env` member of an archive), by blob number: most blobs have none, and an entry per
/// blob would be a memory cost per blob.
pub(super) type Matches = HashMap<u32, Detection>;
