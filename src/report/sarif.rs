//! SARIF 2.1.0 for GitHub code scanning and other SARIF consumers, built
//! with the `serde-sarif` types.
//!
//! One run; one rule descriptor per antleak rule, whose help carries the
//! recovery checklist; `partialFingerprints` carry the credential's SHA-256
//! so code scanning keeps one alert per key across runs and line moves. This
//! module never reads the raw secret: there is no `--show-secrets` in SARIF.
//!
//! Columns are 1-based byte offsets, as in the JSON report; they equal SARIF's
//! default (UTF-16 code units) on ASCII lines, which is where keys sit.

use std::collections::BTreeMap;
use std::io::{self, Write};

use serde_json::json;
use serde_sarif::sarif::{
    ArtifactLocation, Invocation, Location, LogicalLocation, Message, MultiformatMessageString,
    Notification, PhysicalLocation, PropertyBag, Region, ReportingDescriptor,
    Result as SarifResult, ResultLevel, Run, Sarif, Tool, ToolComponent,
};
use sha2::{Digest, Sha256};

use super::{Command, Report};
use crate::core::finding::{Finding, Location as Held, Provenance};
use crate::core::remediation;
use crate::core::rules::{RuleId, Severity};
use crate::core::verdict;

const SCHEMA: &str = "https://json.schemastore.org/sarif-2.1.0.json";
/// Key of the fingerprint in `partialFingerprints`; versioned so a change of
/// scheme cannot be mistaken for the old one.
pub const FINGERPRINT_KEY: &str = "antleak/credential-sha256/v1";

pub fn write(report: &Report, out: &mut dyn Write) -> io::Result<()> {
    let driver = ToolComponent::builder()
        .name("antleak")
        .version(env!("CARGO_PKG_VERSION"))
        .rules(
            RuleId::ALL
                .iter()
                .map(|&rule| descriptor(rule))
                .collect::<Vec<_>>(),
        )
        .build();
    let results: Vec<SarifResult> = report.findings.iter().map(|f| result(f, report)).collect();
    // An incomplete scan is not a successful execution, whatever it found:
    // code scanning must not read "no alerts" as "no leaks".
    let summary = &report.summary;
    let mut invocation = Invocation::builder()
        .execution_successful(summary.complete)
        .build();
    if !summary.complete {
        let text = crate::core::coverage::closing_line(&summary.unscanned, &summary.fixes);
        invocation.tool_execution_notifications = Some(vec![
            Notification::builder()
                .message(Message::builder().text(text).build())
                .level(json!("error"))
                .build(),
        ]);
    }
    let mut run = Run::builder()
        .tool(Tool::builder().driver(driver).build())
        .invocations(vec![invocation])
        .results(results)
        .build();
    if let Some(base) = &report.uri_base {
        let mut dir = base.dir.to_string_lossy().replace('\\', "/");
        if !dir.ends_with('/') {
            dir.push('/');
        }
        let root = ArtifactLocation::builder()
            .uri(format!("file://{}", percent_encode_path(&dir)))
            .build();
        run.original_uri_base_ids = Some(BTreeMap::from([(URI_BASE_ID.to_string(), root)]));
    }
    let sarif = Sarif::builder()
        .schema(SCHEMA)
        .version(json!("2.1.0"))
        .runs(vec![run])
        .build();
    serde_json::to_writer_pretty(&mut *out, &sarif)?;
    writeln!(out)
}

fn descriptor(rule: RuleId) -> ReportingDescriptor {
    let steps = remediation::checklist(rule);
    let text = steps
        .iter()
        .enumerate()
        .map(|(i, step)| format!("{}. {step}", i + 1))
        .collect::<Vec<_>>()
        .join("\n");
    let markdown = format!("**What to do now**\n\n{text}");
    let mut properties = BTreeMap::new();
    properties.insert(
        "security-severity".to_string(),
        json!(security_severity(rule.base_severity())),
    );
    ReportingDescriptor::builder()
        .id(rule.as_str())
        // SARIF wants `name` readable and distinct from the opaque `id`.
        .name(pascal_case(rule.as_str()))
        .short_description(
            MultiformatMessageString::builder()
                .text(rule.description())
                .build(),
        )
        .help(
            MultiformatMessageString::builder()
                .text(text)
                .markdown(markdown)
                .build(),
        )
        .properties(
            PropertyBag::builder()
                .tags(vec!["security".to_string(), "secret".to_string()])
                .additional_properties(properties)
                .build(),
        )
        .build()
}

/// The name under which `originalUriBaseIds` holds the repository root.
const URI_BASE_ID: &str = "SRCROOT";

fn result(finding: &Finding, report: &Report) -> SarifResult {
    let plan = &report.remediation;
    let verification = verdict::of(plan, finding);
    let mut region = Region::builder().build();
    region.start_line = finding.line.map(|l| l as i64);
    region.start_column = finding.column.map(|c| c as i64);
    region.end_column = finding
        .column
        .zip(finding.secret.as_ref())
        .map(|(c, s)| (c + s.byte_len() as u64) as i64);
    let (uri, from_root) = uri(finding, report);
    let mut artifact = ArtifactLocation::builder().uri(uri).build();
    if from_root {
        artifact.uri_base_id = Some(URI_BASE_ID.to_string());
    }
    let mut physical = PhysicalLocation::builder()
        .artifact_location(artifact)
        .build();
    if finding.line.is_none() {
        // A whole-file finding (`.env`): code scanning wants a region, and
        // the file's first line is where a reader starts.
        region.start_line = Some(1);
    }
    physical.region = Some(region);
    let location = match finding.location {
        Held::File => Location::builder().physical_location(physical).build(),
        // No file holds a commit message or a ref name: a logical location
        // names it (`commit 1a2b3c4d5e6f`, `refs/heads/x`); the message and
        // the `location` property say what it is.
        held => {
            let name = match (held, finding.commit()) {
                (Held::CommitMessage | Held::Identity, Some(c)) => {
                    format!("commit {}", &c.id[..c.id.len().min(12)])
                }
                _ => finding.path.clone(),
            };
            let logical = LogicalLocation::builder().name(name).build();
            Location::builder().logical_locations(vec![logical]).build()
        }
    };
    let (fingerprint, what) = match &finding.secret {
        Some(secret) => (
            secret.fingerprint().to_string(),
            format!("{} {}", finding.rule.description(), secret.redacted()),
        ),
        None => (
            hex::encode(Sha256::digest(format!(
                "{}\0{}",
                finding.rule, finding.path
            ))),
            finding.rule.description().to_string(),
        ),
    };
    let since = finding
        .commit()
        .map(|c| {
            format!(
                ", exposed since {} (commit {})",
                c.date,
                &c.id[..c.id.len().min(12)]
            )
        })
        .unwrap_or_default();
    let live = match verification {
        Some(v) if v.is_live() => "LIVE (the API accepts it): ",
        _ => "",
    };
    let exposed = match &finding.exposure {
        Some(exposure) => format!(
            "EXPOSED TO BROWSERS (ships to every visitor of the site: {}; rotate it even if the \
             repository is private, and move the API call to a server route): ",
            exposure.reason()
        ),
        None => String::new(),
    };
    let stored = match (&finding.member[..], &finding.encoding[..]) {
        ([], []) => String::new(),
        (member, encoding) => format!(
            " (in {}{})",
            if member.is_empty() {
                "the file".to_string()
            } else {
                format!("member {}", member.join("!"))
            },
            if encoding.is_empty() {
                String::new()
            } else {
                let steps: Vec<&str> = encoding.iter().map(|s| s.as_str()).collect();
                format!(", stored as {}", steps.join(" > "))
            }
        ),
    };
    let held = match finding.location {
        Held::File => String::new(),
        held => format!(
            " in {} (no commit removes it: rotate the key)",
            held.describe()
        ),
    };
    let message = format!(
        "{live}{exposed}{what}{held}{stored}{since}. See the rule help for the recovery checklist: revoke, \
         regenerate, update .env, restart, audit usage."
    );
    let mut partial = BTreeMap::new();
    partial.insert(FINGERPRINT_KEY.to_string(), fingerprint);
    SarifResult::builder()
        .rule_id(finding.rule.as_str())
        .level(level(verdict::shown_severity(plan, finding)))
        .message(Message::builder().text(message).build())
        .locations(vec![location])
        .partial_fingerprints(partial)
        .properties(
            PropertyBag::builder()
                .additional_properties(properties(finding, plan))
                .build(),
        )
        .build()
}

/// The result's path, and whether it is relative to the repository root
/// (`SRCROOT`): so it is whenever the report knows where the root is,
/// whatever directory was scanned; otherwise the finding's root is prepended.
/// A finding in an archive member points at the archive (the file a
/// repository holds); its properties name the member.
fn uri(finding: &Finding, report: &Report) -> (String, bool) {
    let path = finding.outer_path();
    let joined = || match &finding.root {
        Some(root) => format!("{}/{}", root.trim_end_matches('/'), path),
        None => path.to_string(),
    };
    match (&report.uri_base, report.command) {
        (Some(base), Command::Scan) => match base.prefixes.get(&finding.root) {
            Some(prefix) => (format!("{prefix}{path}"), true),
            None => (joined(), false),
        },
        // One repository: its paths are already relative to its root.
        (Some(_), _) => (path.to_string(), true),
        (None, _) => (joined(), false),
    }
}

/// A file system path as the path of a `file://` URI: what is not
/// unreserved or `/` is percent-encoded.
fn percent_encode_path(path: &str) -> String {
    path.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' | b'/' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

fn properties(finding: &Finding, plan: &remediation::Plan) -> BTreeMap<String, serde_json::Value> {
    let mut props = BTreeMap::new();
    props.insert(
        "severity".to_string(),
        json!(verdict::shown_severity(plan, finding)),
    );
    if let Some(verification) = verdict::of(plan, finding) {
        props.insert("verification".to_string(), json!(verification));
    }
    props.insert("source".to_string(), json!(finding.source()));
    if finding.location != Held::File {
        props.insert("location".to_string(), json!(finding.location));
    }
    if !finding.member.is_empty() {
        props.insert("member".to_string(), json!(finding.member.join("!")));
    }
    if !finding.encoding.is_empty() {
        props.insert("encoding".to_string(), json!(finding.encoding));
    }
    if let Some(exposure) = &finding.exposure {
        props.insert("exposure".to_string(), json!(exposure.as_str()));
    }
    if let Some(secret) = &finding.secret {
        props.insert("secret_redacted".to_string(), json!(secret.redacted()));
        props.insert("fingerprint".to_string(), json!(secret.fingerprint()));
    }
    if let Provenance::History {
        commit,
        still_in_head,
    } = &finding.provenance
    {
        props.insert("commit".to_string(), json!(commit.id));
        props.insert("author".to_string(), json!(commit.author));
        props.insert("date".to_string(), json!(commit.date));
        props.insert("still_in_head".to_string(), json!(still_in_head));
    }
    if let Provenance::Staged { in_head } = finding.provenance {
        props.insert("still_in_head".to_string(), json!(in_head));
    }
    props
}

fn pascal_case(id: &str) -> String {
    id.split('-')
        .map(|word| word[..1].to_ascii_uppercase() + &word[1..])
        .collect()
}

fn level(severity: Severity) -> ResultLevel {
    match severity {
        Severity::Critical | Severity::High => ResultLevel::Error,
        Severity::Medium => ResultLevel::Warning,
        Severity::Low => ResultLevel::Note,
    }
}

/// GitHub maps this score to its own severity labels (9.0+ critical,
/// 7.0+ high, 4.0+ medium, below: low).
fn security_severity(severity: Severity) -> &'static str {
    match severity {
        Severity::Critical => "9.5",
        Severity::High => "8.0",
        Severity::Medium => "5.5",
        Severity::Low => "3.0",
    }
}
