//! The JSON report's contract as typed structs (ripgrep's `tests/json.rs`
//! way): every JSON report a test reads is decoded into them, with unknown
//! fields refused, so a renamed, retyped or stray field fails the suite.
//! The rules of presence (no `line` for a `.env` finding, commit fields
//! only from `history`, `secret` only with `--show-secrets`) are checked in
//! [`check`], for every report.

// A field no test reads still does its job: decoding fails if it is missing,
// mistyped or renamed.
#![allow(dead_code)]

use serde::Deserialize;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Report {
    pub schema_version: u32,
    pub tool: Tool,
    pub command: Command,
    pub findings: Vec<Finding>,
    pub remediation: Vec<Remediation>,
    pub dotenv_remediation: Vec<DotenvRemediation>,
    pub summary: Summary,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Tool {
    pub name: String,
    pub version: String,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Command {
    Scan,
    Staged,
    History,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Source {
    Worktree,
    Staged,
    History,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Low,
    Medium,
    High,
    Critical,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Finding {
    pub rule: String,
    pub severity: Severity,
    pub source: Source,
    pub root: Option<String>,
    pub path: Option<String>,
    pub location: Option<String>,
    pub encoding: Option<Vec<String>>,
    pub line: Option<u64>,
    pub column: Option<u64>,
    pub secret_redacted: Option<String>,
    pub fingerprint: Option<String>,
    pub secret: Option<String>,
    pub commit: Option<String>,
    pub author: Option<String>,
    pub date: Option<String>,
    pub still_in_head: Option<bool>,
    pub exposure: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Remediation {
    pub fingerprint: String,
    pub secret_redacted: String,
    pub rule: String,
    pub first_leaked: Option<String>,
    pub steps: Vec<String>,
    pub verification: Option<Verification>,
    /// Present (true) only for history scanned with `--allow-shallow`.
    pub first_leaked_is_lower_bound: Option<bool>,
    /// Present (true) only for a `scan` key found only in untracked files.
    pub at_risk: Option<bool>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Verification {
    pub status: String,
    pub checked_at: Option<String>,
    pub reason: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DotenvRemediation {
    pub path: String,
    pub rule: String,
    pub steps: Vec<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Summary {
    pub findings: u64,
    pub files_scanned: u64,
    pub blobs_scanned: u64,
    pub bytes_scanned: u64,
    pub unreadable: u64,
    pub elapsed_ms: u64,
    pub shallow: Option<bool>,
    pub complete: Option<bool>,
    pub unscanned: Option<Vec<Unscanned>>,
    pub vanished: Option<u64>,
    pub suppressed: Option<Suppressed>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Unscanned {
    pub what: String,
    pub reason: String,
    pub count: u64,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Suppressed {
    pub allow: u64,
    pub baseline: u64,
}

/// Decodes a report and checks the rules of presence the contract states.
pub fn check(value: &serde_json::Value) -> Report {
    let report: Report = serde_json::from_value(value.clone())
        .unwrap_or_else(|e| panic!("the report breaks the JSON contract: {e}\n{value:#}"));
    assert_eq!(report.schema_version, 1);
    assert_eq!(report.tool.name, "antleak");
    assert_eq!(report.summary.findings, report.findings.len() as u64);
    for f in &report.findings {
        let is_credential = f.rule.starts_with("anthropic-") && f.secret_redacted.is_some();
        if f.rule.starts_with("dotenv-") {
            assert!(f.line.is_none() && f.column.is_none(), "{f:?}");
            assert!(
                f.fingerprint.is_none() && f.secret_redacted.is_none(),
                "{f:?}"
            );
        }
        if is_credential {
            let fingerprint = f.fingerprint.as_deref().unwrap_or("");
            assert!(
                fingerprint.len() == 64 && fingerprint.bytes().all(|b| b.is_ascii_hexdigit()),
                "{f:?}"
            );
        }
        // History findings name their commit, except a blob only a ref of
        // a blob or a tree publishes (reported at the ref, `refs/…`).
        let tagged = f.path.as_deref().is_some_and(|p| p.starts_with("refs/"));
        let history = f.source == Source::History && !(tagged && f.commit.is_none());
        assert_eq!(f.commit.is_some(), history, "{f:?}");
        assert_eq!(f.date.is_some(), history, "{f:?}");
        assert_eq!(f.author.is_some(), history, "{f:?}");
        if f.source == Source::Worktree {
            assert!(f.still_in_head.is_none(), "{f:?}");
        }
    }
    for r in &report.remediation {
        assert!(!r.steps.is_empty(), "{r:?}");
    }
    report
}

/// The part of SARIF 2.1.0 that GitHub code scanning reads from antleak.
pub mod sarif {
    use std::collections::BTreeMap;

    use serde::Deserialize;

    #[derive(Debug, Deserialize)]
    pub struct Log {
        pub version: String,
        pub runs: Vec<Run>,
    }

    #[derive(Debug, Deserialize)]
    pub struct Run {
        pub tool: Tool,
        pub results: Vec<Result>,
    }

    #[derive(Debug, Deserialize)]
    pub struct Tool {
        pub driver: Driver,
    }

    #[derive(Debug, Deserialize)]
    pub struct Driver {
        pub name: String,
        pub rules: Vec<Rule>,
    }

    #[derive(Debug, Deserialize)]
    pub struct Rule {
        pub id: String,
        pub name: String,
        pub help: Text,
        pub properties: RuleProperties,
    }

    #[derive(Debug, Deserialize)]
    pub struct RuleProperties {
        #[serde(rename = "security-severity")]
        pub security_severity: String,
    }

    #[derive(Debug, Deserialize)]
    pub struct Text {
        pub text: String,
    }

    #[derive(Debug, Deserialize)]
    #[serde(rename_all = "camelCase")]
    pub struct Result {
        pub rule_id: String,
        pub level: String,
        pub message: Text,
        pub locations: Vec<Location>,
        pub partial_fingerprints: BTreeMap<String, String>,
        pub properties: BTreeMap<String, serde_json::Value>,
    }

    #[derive(Debug, Deserialize)]
    #[serde(rename_all = "camelCase")]
    pub struct Location {
        pub physical_location: PhysicalLocation,
    }

    #[derive(Debug, Deserialize)]
    #[serde(rename_all = "camelCase")]
    pub struct PhysicalLocation {
        pub artifact_location: ArtifactLocation,
        pub region: Region,
    }

    #[derive(Debug, Deserialize)]
    pub struct ArtifactLocation {
        pub uri: String,
    }

    #[derive(Debug, Deserialize)]
    #[serde(rename_all = "camelCase")]
    pub struct Region {
        pub start_line: u64,
        pub start_column: Option<u64>,
        pub end_column: Option<u64>,
    }

    pub fn decode(text: &str) -> Log {
        serde_json::from_str(text).unwrap_or_else(|e| panic!("not antleak's SARIF ({e}):\n{text}"))
    }
}
