//! The JSON report of the SPEC (`schema_version` 1): one object, written at
//! the end of the scan. These wire structs are separate from the domain types
//! so the contract is visible in one place; fields that do not apply are
//! omitted rather than `null` (a dotenv finding has no `line`).

use std::io::{self, Write};

use serde::Serialize;

use super::{Report, Style, Summary};
use crate::core::finding::{Finding, Location, Source};
use crate::core::forms::Step;
use crate::core::rules::{RuleId, Severity};
use crate::core::verdict::{self, Verification};

pub const SCHEMA_VERSION: u32 = 1;

#[derive(Serialize)]
struct JsonReport<'a> {
    schema_version: u32,
    tool: Tool,
    command: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    root: Option<&'a str>,
    findings: Vec<JsonFinding<'a>>,
    remediation: Vec<JsonRemediation<'a>>,
    dotenv_remediation: Vec<JsonDotenvRemediation<'a>>,
    summary: JsonSummary,
}

#[derive(Serialize)]
struct Tool {
    name: &'static str,
    version: &'static str,
}

#[derive(Serialize)]
struct JsonFinding<'a> {
    rule: RuleId,
    severity: Severity,
    source: Source,
    #[serde(skip_serializing_if = "Option::is_none")]
    root: Option<&'a str>,
    /// Absent for a commit message or an identity, which no file holds.
    #[serde(skip_serializing_if = "Option::is_none")]
    path: Option<&'a str>,
    /// Absent for a file (the default): where in git's metadata the key is.
    #[serde(skip_serializing_if = "is_file")]
    location: Location,
    /// Absent for a plain key.
    #[serde(skip_serializing_if = "<[Step]>::is_empty")]
    encoding: &'a [Step],
    #[serde(skip_serializing_if = "Option::is_none")]
    line: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    column: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    secret_redacted: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    fingerprint: Option<&'a str>,
    /// Only with `--show-secrets`.
    #[serde(skip_serializing_if = "Option::is_none")]
    secret: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    commit: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    author: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    date: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    still_in_head: Option<bool>,
    /// `"browser"`: the key ships to every visitor of a site.
    #[serde(skip_serializing_if = "Option::is_none")]
    exposure: Option<&'static str>,
}

#[derive(Serialize)]
struct JsonRemediation<'a> {
    fingerprint: &'a str,
    secret_redacted: &'a str,
    rule: RuleId,
    /// `null` when the date is unknown (working tree, staged).
    first_leaked: Option<&'a str>,
    steps: &'a [String],
    /// Only with `--verify`; never in a baseline, which must not change
    /// from run to run.
    #[serde(skip_serializing_if = "Option::is_none")]
    verification: Option<&'a Verification>,
    /// History of a shallow clone (or grafts) scanned with
    /// `--allow-shallow`: the key may have been committed before
    /// `first_leaked`, in commits the clone does not hold.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    first_leaked_is_lower_bound: bool,
    /// `scan`: found only in files git neither tracks nor ignores.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    at_risk: bool,
}

#[derive(Serialize)]
struct JsonDotenvRemediation<'a> {
    path: &'a str,
    rule: RuleId,
    steps: &'a [String],
}

#[derive(Serialize)]
struct JsonSummary {
    findings: u64,
    files_scanned: u64,
    blobs_scanned: u64,
    bytes_scanned: u64,
    unreadable: u64,
    elapsed_ms: u64,
    #[serde(skip_serializing_if = "Option::is_none")]
    shallow: Option<bool>,
    complete: bool,
    unscanned: Vec<crate::core::coverage::Unscanned>,
    vanished: u64,
    suppressed: Suppressed,
}

#[derive(Serialize)]
struct Suppressed {
    allow: u64,
    baseline: u64,
}

pub fn write(report: &Report, style: Style, out: &mut dyn Write) -> io::Result<()> {
    let wire = wire(report, style.show_secrets, &report.summary, true);
    serde_json::to_writer_pretty(&mut *out, &wire)?;
    writeln!(out)
}

/// The report with no secret and a summary that counts only findings (scan
/// sizes and timings are zero): byte-for-byte the same whenever the findings
/// are, however the rest of the tree changed.
pub fn write_baseline(report: &Report, out: &mut dyn Write) -> io::Result<()> {
    let summary = Summary {
        findings: report.summary.findings,
        complete: true,
        ..Summary::default()
    };
    serde_json::to_writer_pretty(&mut *out, &wire(report, false, &summary, false))?;
    writeln!(out)
}

/// `verified`: show `--verify`'s verdicts (and the severity a live key
/// takes); off for baselines.
fn wire<'a>(
    report: &'a Report,
    show_secrets: bool,
    summary: &'a Summary,
    verified: bool,
) -> JsonReport<'a> {
    JsonReport {
        schema_version: SCHEMA_VERSION,
        tool: Tool {
            name: "antleak",
            version: env!("CARGO_PKG_VERSION"),
        },
        command: report.command.as_str(),
        root: report.root.as_deref(),
        findings: report
            .findings
            .iter()
            .map(|f| {
                let mut wire = finding(f, show_secrets);
                if verified {
                    wire.severity = verdict::shown_severity(&report.remediation, f);
                }
                wire
            })
            .collect(),
        remediation: report
            .remediation
            .credentials
            .iter()
            .map(|r| JsonRemediation {
                fingerprint: &r.fingerprint,
                secret_redacted: &r.secret_redacted,
                rule: r.rule,
                first_leaked: r.first_leaked.as_deref(),
                steps: &r.steps,
                verification: r.verification.as_ref().filter(|_| verified),
                first_leaked_is_lower_bound: r.first_leaked.is_some()
                    && summary.shallow == Some(true),
                at_risk: r.at_risk,
            })
            .collect(),
        dotenv_remediation: report
            .remediation
            .dotenv_files
            .iter()
            .map(|r| JsonDotenvRemediation {
                path: &r.path,
                rule: r.rule,
                steps: &r.steps,
            })
            .collect(),
        summary: JsonSummary {
            findings: summary.findings,
            files_scanned: summary.files_scanned,
            blobs_scanned: summary.blobs_scanned,
            bytes_scanned: summary.bytes_scanned,
            unreadable: summary.unreadable,
            elapsed_ms: summary.elapsed_ms,
            shallow: summary.shallow,
            complete: summary.complete,
            unscanned: summary.unscanned.clone(),
            vanished: summary.vanished,
            suppressed: Suppressed {
                allow: summary.suppressed_allow,
                baseline: summary.suppressed_baseline,
            },
        },
    }
}

fn is_file(location: &Location) -> bool {
    *location == Location::File
}

fn finding(f: &Finding, show_secrets: bool) -> JsonFinding<'_> {
    JsonFinding {
        rule: f.rule,
        severity: f.severity,
        source: f.source(),
        root: f.root.as_deref(),
        path: (!f.path.is_empty()).then_some(f.path.as_str()),
        location: f.location,
        encoding: &f.encoding,
        line: f.line,
        column: f.column,
        secret_redacted: f.secret.as_ref().map(|s| s.redacted()),
        fingerprint: f.fingerprint(),
        secret: f
            .secret
            .as_ref()
            .filter(|_| show_secrets)
            .map(|s| s.expose()),
        commit: f.commit().map(|c| c.id.as_str()),
        author: f.commit().map(|c| c.author.as_str()),
        date: f.commit().map(|c| c.date.as_str()),
        still_in_head: f.provenance.in_head(),
        exposure: f.exposure.as_ref().map(|e| e.as_str()),
    }
}
