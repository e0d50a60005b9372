//! Where antleak sends requests: `https://api.anthropic.com`, unless the user
//! says otherwise with `--api-base-url` or `ANTHROPIC_BASE_URL`.
//!
//! This is the one decision that protects the keys `--verify` sends, so it
//! takes exactly two inputs, both under the control of whoever runs antleak:
//! a flag and an environment variable. No file is read here — not
//! `.antleak.toml`, not a `.env` of the scanned tree — because a hostile
//! repository could otherwise name its own server and collect the live keys
//! it contains. Plain `http` is refused except to loopback addresses (a local
//! test server or gateway): anywhere else it would put keys on the wire in
//! clear.

use std::net::IpAddr;

use anyhow::{Result, bail};

pub const DEFAULT: &str = "https://api.anthropic.com";
/// The variable the Anthropic SDKs read too.
pub const ENV: &str = "ANTHROPIC_BASE_URL";

/// A checked base URL, without a trailing `/`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BaseUrl {
    url: String,
    loopback: bool,
}

impl BaseUrl {
    /// The flag wins over the environment, which wins over the default. An
    /// empty variable counts as unset.
    pub fn resolve(flag: Option<&str>, env: Option<&str>) -> Result<BaseUrl> {
        match (flag, env.filter(|v| !v.trim().is_empty())) {
            (Some(url), _) => BaseUrl::parse(url, "--api-base-url"),
            (None, Some(url)) => BaseUrl::parse(url, ENV),
            (None, None) => BaseUrl::parse(DEFAULT, "default"),
        }
    }

    /// [`resolve`](Self::resolve) with this process's `ANTHROPIC_BASE_URL`.
    pub fn from_flag_or_env(flag: Option<&str>) -> Result<BaseUrl> {
        let env = std::env::var(ENV).ok();
        BaseUrl::resolve(flag, env.as_deref())
    }

    fn parse(text: &str, origin: &str) -> Result<BaseUrl> {
        let text = text.trim();
        let (scheme, rest) = match text.split_once("://") {
            Some((scheme, rest)) => (scheme.to_ascii_lowercase(), rest),
            None => bail!("{origin} {text}: expected https://HOST[:PORT][/PATH]"),
        };
        if text.contains(['?', '#', '@', ' ']) || text.chars().any(char::is_control) {
            bail!(
                "{origin} {text}: expected https://HOST[:PORT][/PATH], without credentials, query or fragment"
            );
        }
        let authority = rest.split('/').next().unwrap_or_default();
        let host = host_of(authority);
        if host.is_empty() {
            bail!("{origin} {text}: no host");
        }
        let loopback = is_loopback(host);
        match scheme.as_str() {
            "https" => {}
            "http" if loopback => {}
            "http" => bail!(
                "{origin} {text}: plain http is allowed only to loopback addresses (127.0.0.1, \
                 ::1, localhost); use https, keys must not cross a network in clear"
            ),
            _ => bail!("{origin} {text}: the scheme must be https"),
        }
        Ok(BaseUrl {
            url: format!("{scheme}://{}", rest.trim_end_matches('/')),
            loopback,
        })
    }

    /// `path` starts with `/`.
    pub fn join(&self, path: &str) -> String {
        format!("{}{path}", self.url)
    }

    /// A loopback server: proxies from the environment do not apply.
    pub fn is_loopback(&self) -> bool {
        self.loopback
    }

    pub fn as_str(&self) -> &str {
        &self.url
    }
}

impl std::fmt::Display for BaseUrl {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.url)
    }
}

/// The host of `host[:port]` or `[v6][:port]`.
fn host_of(authority: &str) -> &str {
    if let Some(rest) = authority.strip_prefix('[') {
        return rest.split(']').next().unwrap_or_default();
    }
    authority.split(':').next().unwrap_or_default()
}

fn is_loopback(host: &str) -> bool {
    host.eq_ignore_ascii_case("localhost")
        || host.parse::<IpAddr>().is_ok_and(|ip| ip.is_loopback())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn default_then_env_then_flag() {
        assert_eq!(BaseUrl::resolve(None, None).unwrap().as_str(), DEFAULT);
        assert_eq!(BaseUrl::resolve(None, Some("")).unwrap().as_str(), DEFAULT);
        let env = BaseUrl::resolve(None, Some("https://gw.example.com/anthropic/")).unwrap();
        assert_eq!(
            env.join("/v1/models"),
            "https://gw.example.com/anthropic/v1/models"
        );
        let flag =
            BaseUrl::resolve(Some("http://127.0.0.1:8080"), Some("https://x.example")).unwrap();
        assert_eq!(flag.as_str(), "http://127.0.0.1:8080");
        assert!(flag.is_loopback());
    }

    #[test]
    fn plain_http_only_to_loopback() {
        for ok in [
            "http://127.0.0.1:1",
            "http://localhost",
            "http://[::1]:9",
            "http://127.9.9.9",
        ] {
            assert!(BaseUrl::resolve(Some(ok), None).is_ok(), "{ok}");
        }
        for bad in [
            "http://example.com",
            "http://10.0.0.1",
            "http://127.0.0.1.evil.example",
            "http://localhost.evil.example",
            "ftp://127.0.0.1",
            "api.anthropic.com",
            "https://user:pw@api.anthropic.com",
            "https://api.anthropic.com?x=1",
            "https://",
        ] {
            let err = BaseUrl::resolve(None, Some(bad)).unwrap_err().to_string();
            assert!(err.starts_with(ENV), "{bad}: {err}");
        }
    }
}
