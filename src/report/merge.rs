//! `antleak merge`: several JSON reports (the shards of an organisation
//! audit, one report per repository) made into the one report a single run
//! over all of them would have written.
//!
//! - Findings keep every field they were written with (except `secret`,
//!   which a merged report never carries). Each gets a `root`: its own, else
//!   the report's top-level `root` (the repository a `history --repo` run
//!   named), else the report's file name, so paths stay unambiguous.
//!   Identical findings (the same report given twice) are kept once.
//! - Remediation: one entry per credential (fingerprint) across all inputs:
//!   the entry with the earliest `first_leaked` (a known date before an
//!   unknown one), whose steps name that date.
//! - Summary: counts add up, `complete` is true only if every input was
//!   complete, `shallow` if any was, `unscanned` entries add up by kind and
//!   cause.
//!
//! Inputs must be antleak reports of this `schema_version` and of one
//! command (`scan`, `staged` or `history`); anything else is an error naming
//! the file.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use anyhow::{Result, bail};
use serde_json::{Map, Value, json};

use super::json::SCHEMA_VERSION;
use super::saved::SavedReport;

/// The merged report, ready to write.
pub struct Merged {
    pub report: Value,
    pub findings: usize,
    pub complete: bool,
    /// What was not scanned, for the closing line of an incomplete merge.
    pub unscanned: Vec<crate::core::coverage::Unscanned>,
}

pub fn merge(inputs: Vec<(PathBuf, SavedReport)>) -> Result<Merged> {
    let Some(command) = inputs.first().map(|(_, r)| r.command.clone()) else {
        bail!("merge: no report given");
    };
    let mut findings: Vec<Value> = Vec::new();
    let mut remediation: Vec<Value> = Vec::new();
    let mut by_fingerprint: HashMap<String, usize> = HashMap::new();
    let mut dotenv: Vec<Value> = Vec::new();
    let mut sum = Sums::default();
    for (path, report) in &inputs {
        if !["scan", "staged", "history"].contains(&report.command.as_str()) {
            bail!(
                "{}: a report of `{}`; merge combines scan, staged or history reports",
                path.display(),
                report.command
            );
        }
        if report.command != command {
            bail!(
                "{}: a `{}` report, while {} is a `{command}` report; merge reports of one \
                 command",
                path.display(),
                report.command,
                inputs[0].0.display()
            );
        }
        let root = report.root.clone().unwrap_or_else(|| label(path));
        for finding in array(&report.raw, "findings") {
            let mut finding = finding.clone();
            if let Value::Object(fields) = &mut finding {
                fields.remove("secret");
                if !fields.contains_key("root") {
                    insert_root(fields, &root);
                }
            }
            if !findings.contains(&finding) {
                findings.push(finding);
            }
        }
        for entry in array(&report.raw, "remediation") {
            let Some(fingerprint) = entry["fingerprint"].as_str() else {
                bail!(
                    "{}: a remediation entry without fingerprint",
                    path.display()
                );
            };
            match by_fingerprint.get(fingerprint) {
                None => {
                    by_fingerprint.insert(fingerprint.to_string(), remediation.len());
                    remediation.push(entry.clone());
                }
                Some(&i) if earlier(&entry["first_leaked"], &remediation[i]["first_leaked"]) => {
                    remediation[i] = entry.clone();
                }
                Some(_) => {}
            }
        }
        for entry in array(&report.raw, "dotenv_remediation") {
            if !dotenv.contains(entry) {
                dotenv.push(entry.clone());
            }
        }
        sum.add(report);
    }
    findings.sort_by_key(sort_key);
    let complete = sum.complete;
    let unscanned = sum.unscanned.clone();
    let report = json!({
        "schema_version": SCHEMA_VERSION,
        "tool": {"name": "antleak", "version": env!("CARGO_PKG_VERSION")},
        "command": command,
        "findings": findings,
        "remediation": remediation,
        "dotenv_remediation": dotenv,
        "summary": sum.into_json(findings.len() as u64),
    });
    Ok(Merged {
        findings: findings.len(),
        report,
        complete,
        unscanned,
    })
}

/// A report's file name, for findings that do not say where they are.
fn label(path: &Path) -> String {
    path.file_name()
        .unwrap_or(path.as_os_str())
        .to_string_lossy()
        .into_owned()
}

fn insert_root(fields: &mut Map<String, Value>, root: &str) {
    fields.insert("root".to_string(), Value::String(root.to_string()));
}

fn array<'a>(report: &'a Value, field: &str) -> &'a [Value] {
    report[field].as_array().map_or(&[], Vec::as_slice)
}

/// Whether the date `a` is before `b`; a date is before no date. RFC 3339
/// UTC dates compare as text.
fn earlier(a: &Value, b: &Value) -> bool {
    match (a.as_str(), b.as_str()) {
        (Some(a), Some(b)) => a < b,
        (Some(_), None) => true,
        _ => false,
    }
}

fn sort_key(f: &Value) -> (String, String, u64, u64, String) {
    (
        f["root"].as_str().unwrap_or_default().to_string(),
        f["path"].as_str().unwrap_or_default().to_string(),
        f["line"].as_u64().unwrap_or(0),
        f["column"].as_u64().unwrap_or(0),
        f["rule"].as_str().unwrap_or_default().to_string(),
    )
}

/// The summaries of the inputs, added up.
#[derive(Default)]
struct Sums {
    files_scanned: u64,
    blobs_scanned: u64,
    bytes_scanned: u64,
    unreadable: u64,
    elapsed_ms: u64,
    shallow: Option<bool>,
    complete: bool,
    seen: usize,
    unscanned: Vec<crate::core::coverage::Unscanned>,
    vanished: u64,
    allow: u64,
    baseline: u64,
}

impl Sums {
    fn add(&mut self, report: &SavedReport) {
        let s = &report.summary;
        self.files_scanned += s.files_scanned;
        self.blobs_scanned += s.blobs_scanned;
        self.bytes_scanned += s.bytes_scanned;
        self.unreadable += s.unreadable;
        self.elapsed_ms += s.elapsed_ms;
        if let Some(shallow) = s.shallow {
            self.shallow = Some(self.shallow.unwrap_or(false) || shallow);
        }
        let complete = s.complete.unwrap_or(s.unscanned.is_empty());
        self.complete = complete && (self.seen == 0 || self.complete);
        self.seen += 1;
        for item in &s.unscanned {
            match self
                .unscanned
                .iter_mut()
                .find(|u| u.what == item.what && u.reason == item.reason)
            {
                Some(u) => u.count += item.count,
                None => self.unscanned.push(item.clone()),
            }
        }
        self.vanished += s.vanished;
        self.allow += s.suppressed.allow;
        self.baseline += s.suppressed.baseline;
    }

    fn into_json(self, findings: u64) -> Value {
        let mut summary = json!({
            "findings": findings,
            "files_scanned": self.files_scanned,
            "blobs_scanned": self.blobs_scanned,
            "bytes_scanned": self.bytes_scanned,
            "unreadable": self.unreadable,
            "elapsed_ms": self.elapsed_ms,
            "complete": self.complete,
            "unscanned": self.unscanned,
            "vanished": self.vanished,
            "suppressed": {"allow": self.allow, "baseline": self.baseline},
        });
        if let Some(shallow) = self.shallow {
            summary["shallow"] = Value::Bool(shallow);
        }
        summary
    }
}
