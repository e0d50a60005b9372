//! Where bytes come from: a working tree (`scan`), the git index (`staged`)
//! or every blob in a repository's history (`history`).
//!
//! Sources turn what they read into [`Finding`]s with the pure scanner and
//! return them; they never print (beyond `warn!`) and never decide exit codes.
//! A per-file problem is a warning plus a count in [`Stats`]; only a problem
//! that makes the whole scan impossible is an `Err`.

pub mod history;
pub mod repos;
pub mod staged;
pub mod worktree;

use std::io::{self, Read};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

use crate::finding::{Finding, Source};
use crate::rules::{self, DotenvKind, RuleId, Severity};
use crate::scanner::{self, Match};

/// Counters shared by the worker threads of a scan.
#[derive(Debug, Default)]
pub struct Stats {
    pub files: AtomicU64,
    pub blobs: AtomicU64,
    pub bytes: AtomicU64,
    pub unreadable: AtomicU64,
}

impl Stats {
    pub fn add(counter: &AtomicU64, n: u64) {
        counter.fetch_add(n, Ordering::Relaxed);
    }

    /// Warns about an input that could not be read and counts it.
    pub fn unreadable(&self, what: &str, err: impl std::fmt::Display) {
        Stats::add(&self.unreadable, 1);
        crate::warn!("{what}: {err}");
    }

    /// A directory walker's entry, or `None` once one it could not read has
    /// been warned about and counted.
    pub fn walked(
        &self,
        entry: Result<ignore::DirEntry, ignore::Error>,
    ) -> Option<ignore::DirEntry> {
        entry.map_err(|err| self.unreadable("walking", err)).ok()
    }
}

/// The `root` a finding under `root` carries (a scanned path or a
/// repository): the root as the user gave it, and only when several were
/// scanned, so that paths stay unambiguous.
pub fn root_label(roots: &[PathBuf], root: &Path) -> Option<String> {
    (roots.len() > 1).then(|| root.to_string_lossy().into_owned())
}

/// Reads at most this much of a file at a time, so memory stays bounded
/// whatever the size of the file.
const WINDOW: usize = 8 << 20;

/// Scans everything `reader` yields, a window at a time, and returns the
/// matches with line and column relative to the whole input, plus the number
/// of bytes read. `buf` is reused between calls by the same worker thread.
pub fn scan_reader(mut reader: impl Read, buf: &mut Vec<u8>) -> io::Result<(Vec<Match>, u64)> {
    let mut matches = Vec::new();
    let mut total = 0u64;
    // Newlines before buf[0], and how far into its line buf[0] sits (windows
    // start mid-line only for lines longer than a window).
    let mut lines_before = 0u64;
    let mut column_before = 0u64;
    buf.clear();
    loop {
        let wanted = (WINDOW - buf.len()) as u64;
        let read = (&mut reader).take(wanted).read_to_end(buf)? as u64;
        total += read;
        let at_end = read < wanted;
        // Scan up to the last newline (no key spans one); with no newline,
        // keep back enough bytes that a key starting in the window ends in it.
        let settled = if at_end {
            buf.len()
        } else {
            match memchr::memrchr(b'\n', buf) {
                Some(i) => i + 1,
                None => buf.len().saturating_sub(scanner::MAX_CANDIDATE_LEN),
            }
        };
        for mut m in scanner::scan(buf) {
            if m.offset >= settled {
                break;
            }
            if m.line == 1 {
                m.column += column_before;
            }
            m.line += lines_before;
            matches.push(m);
        }
        if at_end {
            return Ok((matches, total));
        }
        let done = &buf[..settled];
        lines_before += memchr::memchr_iter(b'\n', done).count() as u64;
        column_before = match memchr::memrchr(b'\n', done) {
            Some(i) => (settled - i - 1) as u64,
            None => column_before + settled as u64,
        };
        buf.drain(..settled);
    }
}

/// Reads one git blob straight from the object database and scans it,
/// counting it in `stats`; a blob that cannot be read is a warning naming it
/// (and the path it was found at) and a count, and yields no match.
pub fn scan_git_blob(
    repo: &git2::Repository,
    blob: git2::Oid,
    path: &str,
    stats: &Stats,
) -> Vec<Match> {
    let read = repo.odb().and_then(|odb| {
        let object = odb.read(blob)?;
        Ok((scanner::scan(object.data()), object.len() as u64))
    });
    match read {
        Ok((matches, bytes)) => {
            Stats::add(&stats.blobs, 1);
            Stats::add(&stats.bytes, bytes);
            matches
        }
        Err(err) => {
            stats.unreadable(&format!("blob {blob} ({path})"), err.message());
            Vec::new()
        }
    }
}

/// The findings for one blob or file: one per credential match, plus the
/// `.env` finding when `dotenv_rule` says the file itself is a problem.
pub fn findings_for(
    path: &str,
    source: Source,
    matches: Vec<Match>,
    dotenv_rule: Option<RuleId>,
) -> Vec<Finding> {
    let holds_credential = !matches.is_empty();
    let mut findings: Vec<Finding> = matches
        .into_iter()
        .map(|m| Finding {
            rule: m.rule,
            severity: m.rule.base_severity(),
            source,
            path: path.to_string(),
            root: None,
            line: Some(m.line),
            column: Some(m.column),
            secret: Some(m.secret),
            commit: None,
            still_in_head: None,
        })
        .collect();
    if let Some(rule) = dotenv_rule {
        let severity = if rule == RuleId::DotenvCommitted && holds_credential {
            Severity::High
        } else {
            rule.base_severity()
        };
        findings.push(Finding::dotenv_file(
            rule,
            severity,
            source,
            path.to_string(),
        ));
    }
    findings
}

/// Whether the last component of a `/`-separated path names a `.env` file
/// that holds settings (templates are not).
pub fn is_dotenv_path(path: &str) -> bool {
    let name = path.rsplit('/').next().unwrap_or(path);
    rules::dotenv_kind(name) == Some(DotenvKind::Secrets)
}

/// Opens the repository that holds `dir` (default: the current directory,
/// or `GIT_DIR`), the way git would: honouring `GIT_INDEX_FILE`, which git
/// sets for the hooks of `git commit -a` and `git commit <path>` because the
/// index being committed is then a temporary one.
pub fn open_repo(dir: Option<&Path>) -> anyhow::Result<git2::Repository> {
    let opened = match dir {
        Some(dir) => git2::Repository::open_ext(
            dir,
            git2::RepositoryOpenFlags::FROM_ENV,
            std::iter::empty::<&std::ffi::OsStr>(),
        ),
        None => git2::Repository::open_from_env(),
    };
    let dir = dir.unwrap_or(Path::new("."));
    opened.map_err(|err| {
        anyhow::anyhow!(
            "{}: not a git repository ({})",
            dir.display(),
            err.message()
        )
    })
}

/// Where a repository's `.antleak.toml` lives: its work tree, or the git
/// directory of a bare repository.
pub fn repo_root(repo: &git2::Repository) -> Option<PathBuf> {
    Some(repo.workdir().unwrap_or(repo.path()).to_path_buf())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(seed: u64) -> String {
        crate::test_keys::fake_key("api03", seed)
    }

    #[test]
    fn windows_keep_lines_columns_and_keys_across_boundaries() {
        let k1 = key(1);
        let k2 = key(2);
        let k3 = key(3);
        // A key right at a window boundary, a key after many lines, and a key
        // on a line far longer than a window.
        let mut data = Vec::new();
        let line = "x".repeat(99) + "\n";
        while data.len() + 50 < WINDOW {
            data.extend_from_slice(line.as_bytes());
        }
        let lines_before_k1 = data.len() / line.len();
        data.extend_from_slice(format!("abc{k1}\n").as_bytes());
        data.extend(std::iter::repeat_n(b'y', WINDOW + 5000));
        data.extend_from_slice(format!(" {k2}\n\n{k3}").as_bytes());
        let mut buf = Vec::new();
        let (matches, total) = scan_reader(&data[..], &mut buf).unwrap();
        assert_eq!(total, data.len() as u64);
        let got: Vec<(u64, u64, &str)> = matches
            .iter()
            .map(|m| (m.line, m.column, m.secret.expose()))
            .collect();
        let l1 = lines_before_k1 as u64 + 1;
        assert_eq!(
            got,
            vec![
                (l1, 4, k1.as_str()),
                (l1 + 1, WINDOW as u64 + 5000 + 2, k2.as_str()),
                (l1 + 3, 1, k3.as_str())
            ]
        );
    }
}
