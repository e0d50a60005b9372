//! GET requests to a forge's API (GitHub, GitLab), the way listing
//! repositories needs them: the token in one header and only to the API's
//! own base URL (a `Link` to anywhere else is refused, so a hostile answer
//! cannot send the token on), no redirects, a timeout per call, and waits
//! on rate limits (`Retry-After`, or `X-RateLimit-Reset` once
//! `X-RateLimit-Remaining` is 0) on 403 and 429. Errors name the URL and
//! the status, never the token.

use std::time::Duration;

use crate::online::base_url::BaseUrl;

/// The longest rate-limit wait antleak sits through; a longer one fails
/// the listing, saying when to try again.
const MAX_WAIT: Duration = Duration::from_secs(900);
/// Tries of one page (the first and those after rate-limit waits).
const TRIES: u32 = 5;
const BODY_LIMIT: u64 = 64 * 1024 * 1024;

pub struct Http {
    agent: ureq::Agent,
    base: BaseUrl,
    /// `(header, value)` carrying the token.
    auth: Option<(&'static str, String)>,
    timeout: Duration,
}

/// One page of an answer.
pub struct Page {
    pub status: u16,
    pub body: String,
    /// `Link: <…>; rel="next"` (GitHub).
    pub next_link: Option<String>,
    /// `X-Next-Page` (GitLab).
    pub next_page: Option<String>,
}

impl Http {
    pub fn new(base: BaseUrl, auth: Option<(&'static str, String)>, timeout: Duration) -> Http {
        Http {
            agent: crate::online::client::agent(&base),
            base,
            auth,
            timeout,
        }
    }

    pub fn base(&self) -> &BaseUrl {
        &self.base
    }

    /// Whether `url` is under the API's base URL (so the token may go there).
    pub fn is_under_base(&self, url: &str) -> bool {
        url.strip_prefix(self.base.as_str())
            .is_some_and(|rest| rest.is_empty() || rest.starts_with(['/', '?']))
    }

    /// GETs `url` (under the base URL), waiting out rate limits.
    pub fn get(&self, url: &str, accept: &str) -> Result<Page, String> {
        if !self.is_under_base(url) {
            return Err(format!(
                "the API sent antleak to {}, outside {}; refused (the token goes only to the API)",
                crate::messages::sanitize(url),
                self.base
            ));
        }
        let mut tries = 0;
        loop {
            tries += 1;
            let mut request = self
                .agent
                .get(url)
                .header("accept", accept)
                .config()
                .timeout_global(Some(self.timeout))
                .build();
            if let Some((name, value)) = &self.auth {
                request = request.header(*name, value);
            }
            let mut response = request
                .call()
                .map_err(|err| format!("{}: {err}", shown(url)))?;
            let status = response.status().as_u16();
            let header = |name: &str| {
                response
                    .headers()
                    .get(name)
                    .and_then(|v| v.to_str().ok())
                    .map(str::to_string)
            };
            let wait = rate_limit_wait(
                status,
                header("retry-after").as_deref(),
                header("x-ratelimit-remaining").as_deref(),
                header("x-ratelimit-reset").as_deref(),
            );
            let next_link = header("link").as_deref().and_then(next_link);
            let next_page = header("x-next-page").filter(|p| !p.trim().is_empty());
            let body = response
                .body_mut()
                .with_config()
                .limit(BODY_LIMIT)
                .read_to_string()
                .map_err(|err| format!("{}: {err}", shown(url)))?;
            match wait {
                Some(wait) if wait > MAX_WAIT => {
                    return Err(format!(
                        "{}: rate limited for {} s more; try again later",
                        shown(url),
                        wait.as_secs()
                    ));
                }
                Some(wait) if tries < TRIES => {
                    crate::messages::print_note(format_args!(
                        "{}: rate limited (HTTP {status}); waiting {} s",
                        shown(url),
                        wait.as_secs_f64().ceil()
                    ));
                    std::thread::sleep(wait);
                }
                _ => {
                    return Ok(Page {
                        status,
                        body,
                        next_link,
                        next_page,
                    });
                }
            }
        }
    }
}

/// A URL for messages: sanitised, without its query.
pub fn shown(url: &str) -> String {
    crate::messages::sanitize(url.split('?').next().unwrap_or(url))
}

/// How long a 403 or 429 asks to wait, if it is a rate limit.
fn rate_limit_wait(
    status: u16,
    retry_after: Option<&str>,
    remaining: Option<&str>,
    reset: Option<&str>,
) -> Option<Duration> {
    if status != 403 && status != 429 {
        return None;
    }
    if let Some(seconds) = retry_after.and_then(|v| v.trim().parse::<u64>().ok()) {
        return Some(Duration::from_secs(seconds));
    }
    let exhausted = remaining.is_some_and(|r| r.trim() == "0") || status == 429;
    let reset = reset.and_then(|v| v.trim().parse::<u64>().ok())?;
    if !exhausted {
        return None;
    }
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    Some(Duration::from_secs(reset.saturating_sub(now) + 1))
}

/// The `rel="next"` target of a `Link` header.
fn next_link(link: &str) -> Option<String> {
    link.split(',').find_map(|part| {
        let (target, params) = part.split_once(';')?;
        let is_next = params
            .split(';')
            .any(|p| p.trim().eq_ignore_ascii_case("rel=\"next\""));
        let target = target.trim().strip_prefix('<')?.strip_suffix('>')?;
        is_next.then(|| target.to_string())
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn link_headers_give_the_next_page() {
        let link = r#"<https://api.github.com/orgs/o/repos?page=2>; rel="next", <https://api.github.com/orgs/o/repos?page=9>; rel="last""#;
        assert_eq!(
            next_link(link).unwrap(),
            "https://api.github.com/orgs/o/repos?page=2"
        );
        assert_eq!(next_link(r#"<https://x/1>; rel="prev""#), None);
    }

    #[test]
    fn only_rate_limits_wait() {
        assert_eq!(
            rate_limit_wait(403, Some("3"), None, None),
            Some(Duration::from_secs(3))
        );
        assert_eq!(
            rate_limit_wait(403, None, Some("1"), Some("9999999999")),
            None
        );
        assert!(rate_limit_wait(403, None, Some("0"), Some("1")).is_some());
        assert_eq!(rate_limit_wait(401, Some("3"), None, None), None);
    }

    #[test]
    fn the_token_goes_only_under_the_base_url() {
        let http = Http::new(
            BaseUrl::parse("https://api.github.com", "test").unwrap(),
            None,
            Duration::from_secs(1),
        );
        assert!(http.is_under_base("https://api.github.com/orgs/o/repos?page=2"));
        assert!(!http.is_under_base("https://api.github.com.evil.example/orgs"));
        assert!(!http.is_under_base("http://api.github.com/orgs"));
    }
}
