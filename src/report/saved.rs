//! Reads back a JSON report antleak wrote: the one parser of saved reports,
//! for `--baseline` (its findings), for `revoke`/`audit --report` (its
//! remediation entries) and for `merge` (everything: the typed fields it
//! combines, and each entry as written, so fields it does not know survive).
//! A baseline holds no secret, only fingerprints and redacted forms.

use std::path::Path;

use anyhow::{Result, bail};
use serde::Deserialize;

use crate::core::coverage::Unscanned;

use super::json::SCHEMA_VERSION;

#[derive(Debug, Deserialize)]
pub struct SavedReport {
    schema_version: u32,
    tool: Tool,
    /// `scan`, `staged`, `history` (or `audit`, which `merge` refuses).
    #[serde(default)]
    pub command: String,
    /// The one repository or path the report's paths are relative to, when
    /// the run named it (`history --repo DIR`).
    #[serde(default)]
    pub root: Option<String>,
    #[serde(default)]
    pub findings: Vec<SavedFinding>,
    #[serde(default)]
    pub remediation: Vec<SavedRemediation>,
    #[serde(default)]
    pub summary: SavedSummary,
    /// The whole report as written.
    #[serde(skip)]
    pub raw: serde_json::Value,
}

/// The counts of a report; those an older antleak did not write are zero
/// (and `complete` is then unknown).
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct SavedSummary {
    pub findings: u64,
    pub files_scanned: u64,
    pub blobs_scanned: u64,
    pub bytes_scanned: u64,
    pub unreadable: u64,
    pub elapsed_ms: u64,
    pub shallow: Option<bool>,
    pub complete: Option<bool>,
    pub unscanned: Vec<Unscanned>,
    pub vanished: u64,
    pub suppressed: SavedSuppressed,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct SavedSuppressed {
    pub allow: u64,
    pub baseline: u64,
}

#[derive(Debug, Deserialize)]
struct Tool {
    name: String,
}

#[derive(Debug, Deserialize)]
pub struct SavedFinding {
    pub rule: String,
    /// Absent for a key in git metadata (a commit message).
    #[serde(default)]
    pub path: String,
    pub fingerprint: Option<String>,
    pub root: Option<String>,
}

#[derive(Debug, Deserialize)]
pub struct SavedRemediation {
    pub fingerprint: String,
    pub secret_redacted: String,
    pub rule: String,
    pub first_leaked: Option<String>,
    #[serde(default)]
    pub steps: Vec<String>,
}

impl SavedReport {
    /// Parses `text`, read from `path` (named in errors).
    pub fn parse(text: &str, path: &Path) -> Result<SavedReport> {
        let not_a_report = |err: serde_json::Error| {
            anyhow::anyhow!("{}: not an antleak JSON report ({err})", path.display())
        };
        let raw: serde_json::Value = serde_json::from_str(text).map_err(not_a_report)?;
        let mut report = SavedReport::deserialize(&raw).map_err(not_a_report)?;
        report.raw = raw;
        if report.tool.name != "antleak" || report.schema_version != SCHEMA_VERSION {
            bail!(
                "{}: not an antleak JSON report of schema_version {SCHEMA_VERSION} (tool {:?}, \
                 schema_version {})",
                path.display(),
                report.tool.name,
                report.schema_version
            );
        }
        Ok(report)
    }

    /// The identities a baseline made of this report knows: `(rule,
    /// fingerprint)` for credentials, `(rule, path)` for `.env` files.
    pub fn baseline_entries(self) -> impl Iterator<Item = (String, String)> {
        self.findings
            .into_iter()
            .map(|f| (f.rule, f.fingerprint.unwrap_or(f.path)))
    }
}
