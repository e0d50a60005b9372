//! What is left of a scan's findings once the user's allow-list
//! (`.antleak.toml`) and baseline (`--baseline`) have spoken, in report
//! order. Shared by every command that scans, so a finding allowed for
//! `history` is allowed for `revoke` too.

use std::path::Path;

use anyhow::Result;

use crate::baseline::Baseline;
use crate::config::{Allow, Files};
use crate::finding::Finding;

pub struct Filters {
    allow: Allow,
    baseline: Option<Baseline>,
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
        Ok(Filters { allow, baseline })
    }

    /// Drops allowed and baselined findings and sorts the rest.
    pub fn apply(&self, mut findings: Vec<Finding>) -> Vec<Finding> {
        findings.retain(|f| {
            !self.allow.allows(f) && !self.baseline.as_ref().is_some_and(|b| b.contains(f))
        });
        findings.sort_by(|a, b| a.sort_key().cmp(&b.sort_key()));
        findings
    }
}
