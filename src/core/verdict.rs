//! Verdicts of `--verify` on credentials, and how they change what a report
//! shows: a live key is critical and listed first. Core data, like the plan
//! they are attached to; `online::verify` only makes the calls that produce
//! them.

use serde::Serialize;

use crate::core::finding::Finding;
use crate::core::remediation::{Plan, Remediation};
use crate::core::rules::Severity;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    /// The API accepted the key (200).
    Live,
    /// The API refused it (401/403): revoked, deactivated or never valid.
    Invalid,
    /// No verdict: rate limited, server error, timeout, network.
    Unknown,
    /// Deliberately not sent (OAuth and session tokens, unknown formats).
    NotChecked,
}

impl Status {
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Live => "live",
            Status::Invalid => "invalid",
            Status::Unknown => "unknown",
            Status::NotChecked => "not_checked",
        }
    }
}

/// The verdict on one credential.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Verification {
    pub status: Status,
    /// RFC 3339 UTC; `None` when nothing was sent.
    pub checked_at: Option<String>,
    pub reason: Option<String>,
}

impl Verification {
    pub fn is_live(&self) -> bool {
        self.status == Status::Live
    }

    /// One line for the human report.
    pub fn describe(&self) -> String {
        let what = match self.status {
            Status::Live => "LIVE: the API accepts this key, revoke it first",
            Status::Invalid => {
                "invalid: the API refuses this key (revoked, deactivated or never valid)"
            }
            Status::Unknown => "unknown",
            Status::NotChecked => "not checked",
        };
        let mut line = format!("verification: {what}");
        if let Some(reason) = &self.reason
            && self.status != Status::Invalid
        {
            line.push_str(&format!(" ({reason})"));
        }
        if let Some(at) = &self.checked_at {
            line.push_str(&format!(", checked {at}"));
        }
        line
    }
}

/// The verdict recorded for `finding`'s credential, if any.
pub fn of<'p>(plan: &'p Plan, finding: &Finding) -> Option<&'p Verification> {
    plan.credential(finding.fingerprint()?)?
        .verification
        .as_ref()
}

/// The severity to show for a finding: critical for a live key, whatever
/// its rule says.
pub fn shown_severity(plan: &Plan, finding: &Finding) -> Severity {
    match of(plan, finding) {
        Some(v) if v.is_live() => Severity::Critical,
        _ => finding.severity,
    }
}

/// The severity to show for a credential's block.
pub fn shown_entry_severity(entry: &Remediation, worst_found: Severity) -> Severity {
    match &entry.verification {
        Some(v) if v.is_live() => Severity::Critical,
        _ => worst_found,
    }
}
