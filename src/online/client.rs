//! One HTTP exchange with the API, the way every caller in [`super`] wants
//! it: the key in `x-api-key`, a timeout per call, retries with exponential
//! backoff and jitter on 429 and 5xx (the statuses that say "try later"), an
//! optional deadline for the whole job, no redirects, and errors that can
//! never carry a key.
//!
//! HTTP statuses are returned, not turned into errors: what a 401 means
//! depends on the caller (a dead leaked key for `--verify`, a bad admin key
//! for `revoke`). Only a failure to get any answer is a [`Failure`].

use std::hash::{BuildHasher, Hasher};
use std::time::{Duration, Instant};

use super::base_url::BaseUrl;

/// Retries after the first try, on 429 and 5xx.
const RETRIES: u32 = 3;
/// The first backoff; it doubles on each retry, with jitter.
const BACKOFF_BASE: Duration = Duration::from_millis(250);
/// A `Retry-After` longer than this is not waited for.
const RETRY_AFTER_CAP: Duration = Duration::from_secs(30);
/// Responses are small JSON documents; anything bigger is not the API.
const BODY_LIMIT: u64 = 16 * 1024 * 1024;

#[derive(Clone, Debug)]
pub struct Policy {
    /// For each try.
    pub timeout: Duration,
    /// For everything this client does; `None` for no limit.
    pub deadline: Option<Instant>,
}

/// An answer from the server, after retries.
#[derive(Debug)]
pub struct Response {
    pub status: u16,
    pub body: String,
    /// How many requests it took (1 without retries).
    pub tries: u32,
}

/// No answer at all.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Failure {
    Timeout(Duration),
    Deadline,
    Network(String),
}

impl std::fmt::Display for Failure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Failure::Timeout(t) => write!(f, "timed out after {:.1} s", t.as_secs_f64()),
            Failure::Deadline => f.write_str("the total deadline was reached"),
            Failure::Network(why) => write!(f, "network error: {why}"),
        }
    }
}

/// The HTTP agent of every API antleak talks to (Anthropic's, the forges').
pub fn agent(base: &BaseUrl) -> ureq::Agent {
    let mut config = ureq::Agent::config_builder()
        // Statuses are answers the callers interpret, not errors.
        .http_status_as_error(false)
        // A redirect would resend the key or token somewhere else: never.
        .max_redirects(0)
        .max_redirects_will_error(false)
        .user_agent(concat!("antleak/", env!("CARGO_PKG_VERSION")));
    if base.is_loopback() {
        // A proxy from the environment must not see loopback traffic.
        config = config.proxy(None);
    }
    config.build().into()
}

pub struct Client {
    agent: ureq::Agent,
    base: BaseUrl,
    policy: Policy,
}

impl Client {
    pub fn new(base: BaseUrl, policy: Policy) -> Client {
        Client {
            agent: agent(&base),
            base,
            policy,
        }
    }

    pub fn base(&self) -> &BaseUrl {
        &self.base
    }

    pub fn get(&self, path: &str, query: &[(&str, &str)], key: &str) -> Result<Response, Failure> {
        self.send(path, query, key, None)
    }

    pub fn post_json(
        &self,
        path: &str,
        body: &serde_json::Value,
        key: &str,
    ) -> Result<Response, Failure> {
        self.send(path, &[], key, Some(body.to_string()))
    }

    fn send(
        &self,
        path: &str,
        query: &[(&str, &str)],
        key: &str,
        body: Option<String>,
    ) -> Result<Response, Failure> {
        let url = self.base.join(path);
        let mut tries = 0;
        loop {
            let timeout = self.time_left(self.policy.timeout)?;
            tries += 1;
            let (status, retry_after, text) =
                self.once(&url, query, key, body.as_deref(), timeout)?;
            let retryable = status == 429 || (500..600).contains(&status);
            if !retryable || tries > RETRIES {
                return Ok(Response {
                    status,
                    body: text,
                    tries,
                });
            }
            let wait = retry_after.unwrap_or_else(|| backoff(tries));
            // Not enough time left to wait and try again: this answer stands.
            match self.policy.deadline {
                Some(deadline) if Instant::now() + wait >= deadline => {
                    return Ok(Response {
                        status,
                        body: text,
                        tries,
                    });
                }
                _ => std::thread::sleep(wait),
            }
        }
    }

    /// `wanted`, shortened to what the deadline leaves.
    fn time_left(&self, wanted: Duration) -> Result<Duration, Failure> {
        match self.policy.deadline {
            None => Ok(wanted),
            Some(deadline) => {
                let left = deadline.saturating_duration_since(Instant::now());
                if left.is_zero() {
                    Err(Failure::Deadline)
                } else {
                    Ok(wanted.min(left))
                }
            }
        }
    }

    fn once(
        &self,
        url: &str,
        query: &[(&str, &str)],
        key: &str,
        body: Option<&str>,
        timeout: Duration,
    ) -> Result<(u16, Option<Duration>, String), Failure> {
        let result = match body {
            None => self
                .agent
                .get(url)
                .query_pairs(query.iter().copied())
                .header("x-api-key", key)
                .header("anthropic-version", super::API_VERSION)
                .config()
                .timeout_global(Some(timeout))
                .build()
                .call(),
            Some(body) => self
                .agent
                .post(url)
                .query_pairs(query.iter().copied())
                .header("x-api-key", key)
                .header("anthropic-version", super::API_VERSION)
                .content_type("application/json")
                .config()
                .timeout_global(Some(timeout))
                .build()
                .send(body),
        };
        let mut response = result.map_err(|err| failure(err, timeout))?;
        let status = response.status().as_u16();
        let retry_after = response
            .headers()
            .get("retry-after")
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.trim().parse::<u64>().ok())
            .map(|s| Duration::from_secs(s).min(RETRY_AFTER_CAP));
        let text = response
            .body_mut()
            .with_config()
            .limit(BODY_LIMIT)
            .read_to_string()
            .map_err(|err| failure(err, timeout))?;
        Ok((status, retry_after, text))
    }
}

fn failure(err: ureq::Error, timeout: Duration) -> Failure {
    match err {
        ureq::Error::Timeout(_) => Failure::Timeout(timeout),
        ureq::Error::Io(io)
            if matches!(
                io.kind(),
                std::io::ErrorKind::TimedOut | std::io::ErrorKind::WouldBlock
            ) =>
        {
            Failure::Timeout(timeout)
        }
        // ureq's messages name the failure (refused, DNS, TLS), never a
        // header: the key cannot be in them.
        other => Failure::Network(other.to_string()),
    }
}

/// Exponential backoff with "equal jitter": half of `base · 2^(try-1)`
/// fixed, the other half random, so that parallel workers hitting the same
/// rate limit do not retry in lockstep.
fn backoff(tries: u32) -> Duration {
    let full = BACKOFF_BASE * 2u32.saturating_pow(tries.saturating_sub(1));
    let half = full / 2;
    let random = std::collections::hash_map::RandomState::new()
        .build_hasher()
        .finish();
    half + Duration::from_nanos(random % (half.as_nanos() as u64).max(1))
}

/// The `error.message` of an API error body, control characters escaped and
/// anything shaped like a key redacted (a server may echo what it got), cut
/// to one readable line.
pub fn error_message(body: &str) -> Option<String> {
    let value: serde_json::Value = serde_json::from_str(body).ok()?;
    let message = value.pointer("/error/message")?.as_str()?;
    let mut text = crate::messages::sanitize(message);
    if text.len() > 200 {
        let cut = (0..=200)
            .rev()
            .find(|&i| text.is_char_boundary(i))
            .unwrap_or(0);
        text.truncate(cut);
        text.push('…');
    }
    Some(text)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_with_jitter_inside_the_window() {
        for tries in 1..=4 {
            let full = BACKOFF_BASE * 2u32.pow(tries - 1);
            let wait = backoff(tries);
            assert!(wait >= full / 2 && wait <= full, "{tries}: {wait:?}");
        }
    }

    #[test]
    fn error_messages_never_carry_a_key() {
        let key = format!("{}api03-{}AA", ["sk", "ant", ""].join("-"), "x".repeat(93));
        let body = format!(
            r#"{{"type":"error","error":{{"type":"authentication_error","message":"bad key {key}\n"}}}}"#
        );
        let message = error_message(&body).unwrap();
        assert!(!message.contains(&key[20..60]), "{message}");
        assert!(message.contains("sk-ant-api03-xxx…xxAA"), "{message}");
        assert!(message.ends_with("\\n"), "{message}");
        assert_eq!(error_message("<html>"), None);
    }
}
