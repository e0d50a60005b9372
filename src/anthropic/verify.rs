//! `--verify`: asks the API whether each distinct leaked key still works.
//!
//! Each credential is checked once, whatever the number of places it was
//! found, with a call that is free and spends no tokens: `GET /v1/models`
//! for API keys, `GET /v1/organizations/me` for admin keys. OAuth and
//! session tokens are never sent: the only ways to check them have side
//! effects (refreshing a token rotates it; a session check is a login).
//!
//! The result changes how a credential is shown (a live key is critical and
//! listed first), never what was found: findings, exit codes and baselines
//! stay as the scan left them.

use std::collections::BTreeMap;
use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use serde::Serialize;

use super::base_url::BaseUrl;
use super::client::{Client, Failure, Policy, Response};
use crate::finding::{Finding, Secret};
use crate::remediation::{Plan, Remediation};
use crate::rules::{RuleId, Severity};

/// Checks in flight at once: enough to be quick, few enough not to trip
/// the rate limit on the first burst.
const CONCURRENCY: usize = 4;

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

#[derive(Clone, Debug)]
pub struct Options {
    pub base: BaseUrl,
    pub timeout: Duration,
    /// For all the checks together.
    pub deadline: Duration,
}

/// Verifies every credential of the plan and records the verdicts in it:
/// live credentials first, the rest in the order they had.
pub fn run(options: &Options, findings: &[Finding], plan: &mut Plan) {
    let secrets: BTreeMap<String, &Secret> = findings
        .iter()
        .filter_map(|f| f.secret.as_ref())
        .map(|s| (s.fingerprint(), s))
        .collect();
    let jobs: Vec<(usize, RuleId, &Secret)> = plan
        .credentials
        .iter()
        .enumerate()
        .filter_map(|(i, r)| secrets.get(&r.fingerprint).map(|s| (i, r.rule, *s)))
        .collect();
    let sent = jobs
        .iter()
        .filter(|(_, rule, _)| endpoint(*rule).is_some())
        .count();
    if sent > 0 && !crate::messages::is_quiet() {
        eprintln!(
            "antleak: verifying {sent} key{} against {}",
            if sent == 1 { "" } else { "s" },
            options.base
        );
    }
    let client = Client::new(
        options.base.clone(),
        Policy {
            timeout: options.timeout,
            deadline: Some(Instant::now() + options.deadline),
        },
    );
    let verdicts = check_all(&client, &jobs);
    for (i, verdict) in verdicts {
        plan.credentials[i].verification = Some(verdict);
    }
    // Stable: among live keys, and among the others, the plan's order stays.
    plan.credentials
        .sort_by_key(|r| !r.verification.as_ref().is_some_and(Verification::is_live));
}

/// Runs the checks on a few threads; returns (plan index, verdict).
fn check_all(client: &Client, jobs: &[(usize, RuleId, &Secret)]) -> Vec<(usize, Verification)> {
    let next = AtomicUsize::new(0);
    let done = Mutex::new(Vec::with_capacity(jobs.len()));
    std::thread::scope(|scope| {
        for _ in 0..CONCURRENCY.min(jobs.len()) {
            scope.spawn(|| {
                while let Some(&(i, rule, secret)) = jobs.get(next.fetch_add(1, Ordering::Relaxed))
                {
                    let verdict = check(client, rule, secret);
                    done.lock()
                        .unwrap_or_else(|e| e.into_inner())
                        .push((i, verdict));
                }
            });
        }
    });
    done.into_inner().unwrap_or_else(|e| e.into_inner())
}

/// The free, side-effect-free endpoint that tells whether a key of this
/// kind works; `None` for kinds that must not be sent.
fn endpoint(rule: RuleId) -> Option<&'static str> {
    match rule {
        RuleId::AnthropicApiKey => Some("/v1/models"),
        RuleId::AnthropicAdminKey => Some("/v1/organizations/me"),
        _ => None,
    }
}

fn check(client: &Client, rule: RuleId, secret: &Secret) -> Verification {
    let Some(path) = endpoint(rule) else {
        let reason = match rule {
            RuleId::AnthropicOauthToken | RuleId::AnthropicSessionKey => {
                "never sent: checking OAuth and session tokens has side effects (a refresh \
                 rotates the token, a session check is a login)"
            }
            _ => "never sent: no side-effect-free check is known for this key format",
        };
        return Verification {
            status: Status::NotChecked,
            checked_at: None,
            reason: Some(reason.to_string()),
        };
    };
    let answer = client.get(path, &[], secret.expose());
    verdict(answer, super::now_rfc3339())
}

/// Reads an answer as a verdict. Pure, for the tests.
fn verdict(answer: Result<Response, Failure>, checked_at: String) -> Verification {
    let (status, reason) = match answer {
        Ok(Response { status: 200, .. }) => (Status::Live, None),
        Ok(Response {
            status: status @ (401 | 403),
            body,
            ..
        }) => (
            Status::Invalid,
            Some(with_api_message(format!("HTTP {status}"), &body)),
        ),
        Ok(Response {
            status,
            body,
            tries,
        }) => {
            let what = match status {
                429 => "rate limited (HTTP 429)".to_string(),
                500..=599 => format!("server error (HTTP {status})"),
                _ => format!("unexpected answer (HTTP {status})"),
            };
            let tries = if tries > 1 {
                format!(" after {tries} tries")
            } else {
                String::new()
            };
            (
                Status::Unknown,
                Some(with_api_message(format!("{what}{tries}"), &body)),
            )
        }
        Err(failure) => (Status::Unknown, Some(failure.to_string())),
    };
    Verification {
        status,
        checked_at: Some(checked_at),
        reason,
    }
}

fn with_api_message(what: String, body: &str) -> String {
    match super::client::error_message(body) {
        Some(message) => format!("{what}: {message}"),
        None => what,
    }
}

/// The verdict recorded for `finding`'s credential, if any.
pub fn of<'p>(plan: &'p Plan, finding: &Finding) -> Option<&'p Verification> {
    let fingerprint = finding.secret.as_ref()?.fingerprint();
    plan.credentials
        .iter()
        .find(|r| r.fingerprint == fingerprint)?
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

#[cfg(test)]
mod tests {
    use super::*;

    fn answer(status: u16, tries: u32) -> Result<Response, Failure> {
        Ok(Response {
            status,
            body: r#"{"type":"error","error":{"type":"x","message":"nope"}}"#.into(),
            tries,
        })
    }

    #[test]
    fn statuses_map_to_verdicts() {
        let at = || "2026-01-01T00:00:00Z".to_string();
        assert_eq!(verdict(answer(200, 1), at()).status, Status::Live);
        let invalid = verdict(answer(401, 1), at());
        assert_eq!(invalid.status, Status::Invalid);
        assert_eq!(invalid.reason.as_deref(), Some("HTTP 401: nope"));
        assert_eq!(verdict(answer(403, 1), at()).status, Status::Invalid);
        let limited = verdict(answer(429, 4), at());
        assert_eq!(limited.status, Status::Unknown);
        assert_eq!(
            limited.reason.as_deref(),
            Some("rate limited (HTTP 429) after 4 tries: nope")
        );
        assert_eq!(verdict(answer(503, 4), at()).status, Status::Unknown);
        let timeout = verdict(Err(Failure::Timeout(Duration::from_millis(500))), at());
        assert_eq!(timeout.reason.as_deref(), Some("timed out after 0.5 s"));
    }

    #[test]
    fn only_api_and_admin_keys_are_ever_sent() {
        for rule in RuleId::ALL {
            let sent = endpoint(rule).is_some();
            assert_eq!(
                sent,
                matches!(rule, RuleId::AnthropicApiKey | RuleId::AnthropicAdminKey),
                "{rule}"
            );
        }
    }
}
