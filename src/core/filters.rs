//! What is left of a scan's findings once the user's allow-list
//! (`.antleak.toml`) and baseline (`--baseline`) have spoken, in report
//! order. Shared by every command that scans, so a finding allowed for
//! `history` is allowed for `revoke` too. Reading those files is the
//! caller's business (`config`, `report::saved`): this is only the matching.

use std::collections::{HashMap, HashSet};

use anyhow::{Context, Result};
use globset::{GlobBuilder, GlobSet, GlobSetBuilder};

use crate::core::finding::Finding;

/// What `.antleak.toml` allows: paths (globs, written from the directory
/// that holds the file) and credential fingerprints.
#[derive(Debug, Default)]
pub struct Allow {
    paths: Option<GlobSet>,
    fingerprints: HashSet<String>,
    /// The path patterns that match every path: they allow everything.
    pub matching_everything: Vec<String>,
}

/// Paths of every shape (top level, nested, hidden, `.env`): a glob that
/// matches them all allows everything.
const EVERY_PATH: &[&str] = &[
    "a",
    "app.py",
    ".env",
    "src/a/b/c.rs",
    "x/.env.local",
    "deploy/prod.env",
];

/// A scan's findings once the filters have spoken.
#[derive(Debug, Default)]
pub struct Filtered {
    /// What the report shows, in report order.
    pub kept: Vec<Finding>,
    /// What the baseline already knew.
    pub baselined: Vec<Finding>,
    pub suppressed: Suppressed,
}

/// Counts of findings dropped, by what dropped them.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Suppressed {
    pub allow: u64,
    pub baseline: u64,
}

impl Allow {
    pub fn new(paths: &[String], fingerprints: &[String]) -> Result<Allow> {
        let mut matching_everything = Vec::new();
        let paths = if paths.is_empty() {
            None
        } else {
            let mut builder = GlobSetBuilder::new();
            for pattern in paths {
                // gitignore's semantics: `*` and `?` never cross a `/`
                // (`docs/*` is the files of `docs/`, not everything below
                // it); `**` does.
                let glob = GlobBuilder::new(pattern)
                    .literal_separator(true)
                    .build()
                    .with_context(|| format!("allow.paths: `{pattern}`"))?;
                let matcher = glob.compile_matcher();
                if EVERY_PATH.iter().all(|path| matcher.is_match(path)) {
                    matching_everything.push(pattern.clone());
                }
                builder.add(glob);
            }
            Some(builder.build()?)
        };
        let fingerprints = fingerprints
            .iter()
            .map(|f| f.trim().to_ascii_lowercase())
            .collect();
        Ok(Allow {
            paths,
            fingerprints,
            matching_everything,
        })
    }

    /// `path`: the finding's path relative to the directory that holds the
    /// config, where its globs are written from.
    pub fn allows(&self, finding: &Finding, path: &str) -> bool {
        let path_allowed = self.paths.as_ref().is_some_and(|set| set.is_match(path));
        let fingerprint_allowed = finding
            .fingerprint()
            .is_some_and(|f| self.fingerprints.contains(f));
        path_allowed || fingerprint_allowed
    }
}

/// The findings of an earlier report, known and accepted. Credentials match
/// on rule and fingerprint, `.env` files on rule and path; line numbers
/// never count, so code that moves does not resurface a finding and another
/// key on the same line is not hidden.
#[derive(Debug, Default)]
pub struct Baseline {
    /// `(rule, fingerprint)` for credentials, `(rule, path)` for `.env` files.
    known: HashSet<(String, String)>,
}

impl Baseline {
    /// `(rule id, fingerprint or, for a file finding, path)` pairs.
    pub fn new(known: impl IntoIterator<Item = (String, String)>) -> Baseline {
        Baseline {
            known: known.into_iter().collect(),
        }
    }

    pub fn contains(&self, finding: &Finding) -> bool {
        let identity = finding.fingerprint().unwrap_or(&finding.path);
        self.known
            .contains(&(finding.rule.as_str().to_string(), identity.to_string()))
    }
}

pub struct Filters {
    allow: Allow,
    baseline: Option<Baseline>,
    /// For `scan`, whose paths are relative to each directory scanned: the
    /// path from the config's directory to that directory (`svc/`), by the
    /// finding's `root`.
    prefixes: HashMap<Option<String>, String>,
}

impl Filters {
    pub fn new(allow: Allow, baseline: Option<Baseline>) -> Filters {
        Filters {
            allow,
            baseline,
            prefixes: HashMap::new(),
        }
    }

    /// Sets where each scanned root lies below the config's directory.
    pub fn with_prefixes(self, prefixes: HashMap<Option<String>, String>) -> Filters {
        Filters { prefixes, ..self }
    }

    /// Drops allowed and baselined findings, sorts the rest, and says what
    /// each dropped (allow rules first: a finding both drop counts as
    /// allowed). The baselined findings are kept aside: a baseline written
    /// by this scan must still hold them.
    pub fn split(&self, findings: Vec<Finding>) -> Filtered {
        let mut filtered = Filtered::default();
        for f in findings {
            let path = match self.prefixes.get(&f.root) {
                Some(prefix) => format!("{prefix}{}", f.path),
                None => f.path.clone(),
            };
            if self.allow.allows(&f, &path) {
                filtered.suppressed.allow += 1;
            } else if self.baseline.as_ref().is_some_and(|b| b.contains(&f)) {
                filtered.suppressed.baseline += 1;
                filtered.baselined.push(f);
            } else {
                filtered.kept.push(f);
            }
        }
        filtered
            .kept
            .sort_by(|a, b| a.sort_key().cmp(&b.sort_key()));
        filtered
    }

    /// How many findings the baseline knows, by identity.
    pub fn baseline_len(&self) -> usize {
        self.baseline.as_ref().map_or(0, |b| b.known.len())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn star_does_not_cross_a_slash_and_match_all_patterns_are_named() {
        let allow = Allow::new(&["docs/*".to_string(), "**".to_string()], &[]).unwrap();
        assert_eq!(allow.matching_everything, vec!["**".to_string()]);
        let allow = Allow::new(&["docs/*".to_string(), "{**,x}".to_string()], &[]).unwrap();
        assert!(allow.matching_everything.is_empty());
        let set = allow.paths.unwrap();
        assert!(set.is_match("docs/a.py"));
        assert!(!set.is_match("docs/a/b/real.py"));
    }

    #[test]
    fn bad_globs_are_errors_that_name_the_pattern() {
        let err = Allow::new(&["a[".to_string()], &[]).unwrap_err();
        assert!(format!("{err:#}").contains("a["), "{err:#}");
    }
}
