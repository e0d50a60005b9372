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
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Mutex, PoisonError};
use std::time::{Duration, Instant};

use super::base_url::BaseUrl;
use super::client::{Client, Failure, Policy, Response};
use crate::core::finding::{Finding, Secret};
use crate::core::remediation::Plan;
use crate::core::rules::RuleId;
use crate::core::sync::lock;
use crate::core::verdict::{Status, Verification};

/// Checks in flight at once: enough to be quick, few enough not to trip
/// the rate limit on the first burst.
const CONCURRENCY: usize = 4;

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
    let secrets: BTreeMap<&str, &Secret> = findings
        .iter()
        .filter_map(|f| f.secret.as_ref())
        .map(|s| (s.fingerprint(), s))
        .collect();
    let jobs: Vec<(usize, RuleId, &Secret)> = plan
        .credentials
        .iter()
        .enumerate()
        .filter_map(|(i, r)| secrets.get(r.fingerprint.as_str()).map(|s| (i, r.rule, *s)))
        .collect();
    let sent = jobs
        .iter()
        .filter(|(_, rule, _)| endpoint(*rule).is_some())
        .count();
    if sent > 0 {
        crate::messages::print_note(format_args!(
            "verifying {sent} key{} against {}",
            if sent == 1 { "" } else { "s" },
            options.base
        ));
    }
    let client = Client::new(
        options.base.clone(),
        Policy {
            timeout: options.timeout,
            deadline: Some(Instant::now() + options.deadline),
        },
    );
    plan.record_verdicts(check_all(&client, &jobs));
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
                    lock(&done).push((i, verdict));
                }
            });
        }
    });
    done.into_inner().unwrap_or_else(PoisonError::into_inner)
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
