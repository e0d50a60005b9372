//! What is left of a scan's findings once the user's allow-list
//! (`.antleak.toml`) and baseline (`--baseline`) have spoken, in report
//! order. Shared by every command that scans, so a finding allowed for
//! `history` is allowed for `revoke` too.

use std::collections::HashMap;
use std::path::Path;

use anyhow::Result;

use crate::baseline::Baseline;
use crate::config::{Allow, Files};
use crate::finding::Finding;
use crate::sources::Stats;

pub struct Filters {
    allow: Allow,
    baseline: Option<Baseline>,
    /// For `scan`, whose paths are relative to each directory scanned: the
    /// path from the config's directory to that directory (`svc/`), by the
    /// finding's `root`.
    prefixes: HashMap<Option<String>, String>,
}

impl Filters {
    /// `config`: `--config`, else `.antleak.toml` under `config_root`;
    /// `baseline`: `--baseline`. Both are read through `files` (as of the
    /// range's base for `history --range`).
    pub fn load(
        config: Option<&Path>,
        baseline: Option<&Path>,
        config_root: Option<&Path>,
        files: &Files,
    ) -> Result<Filters> {
        let allow = Allow::load(config, config_root, files)?;
        let baseline = match baseline {
            Some(path) => Some(Baseline::load(path, files)?),
            None => None,
        };
        Ok(Filters {
            allow,
            baseline,
            prefixes: HashMap::new(),
        })
    }

    /// Sets where each scanned root lies below the config's directory.
    pub fn with_prefixes(self, prefixes: HashMap<Option<String>, String>) -> Filters {
        Filters { prefixes, ..self }
    }

    /// Drops allowed and baselined findings and sorts the rest.
    pub fn apply(&self, findings: Vec<Finding>) -> Vec<Finding> {
        self.apply_counted(findings, &Stats::default())
    }

    /// As [`apply`](Self::apply), counting in `stats` what each dropped
    /// (allow rules first: a finding both allow and baseline drop counts
    /// as allowed).
    pub fn apply_counted(&self, mut findings: Vec<Finding>, stats: &Stats) -> Vec<Finding> {
        findings.retain(|f| {
            let path = match self.prefixes.get(&f.root) {
                Some(prefix) => format!("{prefix}{}", f.path),
                None => f.path.clone(),
            };
            if self.allow.allows(f, &path) {
                Stats::add(&stats.suppressed_allow, 1);
                false
            } else if self.baseline.as_ref().is_some_and(|b| b.contains(f)) {
                Stats::add(&stats.suppressed_baseline, 1);
                false
            } else {
                true
            }
        });
        findings.sort_by(|a, b| a.sort_key().cmp(&b.sort_key()));
        findings
    }
}
