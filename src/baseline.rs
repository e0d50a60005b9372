//! `--baseline FILE`: an earlier antleak JSON report whose findings are known
//! and accepted. Credentials match on rule and fingerprint, `.env` files on
//! rule and path; line numbers never count, so code that moves does not
//! resurface a finding and another key on the same line is not hidden.

use std::collections::HashSet;
use std::path::Path;

use anyhow::{Context, Result, bail};

use crate::config::Files;
use serde::Deserialize;

use crate::finding::Finding;

#[derive(Deserialize)]
struct ReportFile {
    schema_version: u32,
    tool: Tool,
    findings: Vec<BaselineFinding>,
}

#[derive(Deserialize)]
struct Tool {
    name: String,
}

#[derive(Deserialize)]
struct BaselineFinding {
    rule: String,
    path: String,
    fingerprint: Option<String>,
}

#[derive(Debug, Default)]
pub struct Baseline {
    /// `(rule, fingerprint)` for credentials, `(rule, path)` for `.env` files.
    known: HashSet<(String, String)>,
}

impl Baseline {
    /// Reads and checks the baseline; with `history --range`, as of the
    /// range's base (see [`Files`]). A baseline added inside the range is
    /// empty.
    pub fn load(path: &Path, files: &Files) -> Result<Baseline> {
        let Some(text) = files
            .read_bounded(path, true, crate::config::MAX_BASELINE_FILE)
            .with_context(|| format!("{}: cannot read baseline", path.display()))?
        else {
            return Ok(Baseline::default());
        };
        let report: ReportFile = serde_json::from_str(&text).map_err(|err| {
            anyhow::anyhow!("{}: not an antleak JSON report ({err})", path.display())
        })?;
        if report.tool.name != "antleak" || report.schema_version != 1 {
            bail!(
                "{}: not an antleak JSON report of schema_version 1 (tool {:?}, schema_version {})",
                path.display(),
                report.tool.name,
                report.schema_version
            );
        }
        let known = report
            .findings
            .into_iter()
            .map(|f| (f.rule, f.fingerprint.unwrap_or(f.path)))
            .collect();
        Ok(Baseline { known })
    }

    pub fn contains(&self, finding: &Finding) -> bool {
        let identity = match &finding.secret {
            Some(secret) => secret.fingerprint(),
            None => finding.path.clone(),
        };
        self.known
            .contains(&(finding.rule.as_str().to_string(), identity))
    }
}
