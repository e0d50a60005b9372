//! Reads back a JSON report antleak wrote: the one parser of saved reports,
//! for `--baseline` (its findings) and for `revoke`/`audit --report` (its
//! remediation entries). Only what those need is read; the report holds no
//! secret, only fingerprints and redacted forms.

use std::path::Path;

use anyhow::{Result, bail};
use serde::Deserialize;

use super::json::SCHEMA_VERSION;

#[derive(Debug, Deserialize)]
pub struct SavedReport {
    schema_version: u32,
    tool: Tool,
    #[serde(default)]
    pub findings: Vec<SavedFinding>,
    #[serde(default)]
    pub remediation: Vec<SavedRemediation>,
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
        let report: SavedReport = serde_json::from_str(text).map_err(|err| {
            anyhow::anyhow!("{}: not an antleak JSON report ({err})", path.display())
        })?;
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
