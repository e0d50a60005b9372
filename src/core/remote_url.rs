//! A repository named by URL (`history --repo URL`, or a `clone_url` an API
//! returned), checked before git ever sees it, and split into what may be
//! shown and passed on argv (the URL without credentials) and the
//! credentials (which travel only in git's environment configuration).
//!
//! Refused: a text starting with `-` (git would read it as an option, e.g.
//! `--upload-pack=…`), remote-helper transports (`ext::sh -c …` runs a
//! command; `fd::`), schemes other than https, http, ssh, git and file,
//! control characters and spaces, a password in an ssh URL. Plain `http` is
//! accepted here; whoever sends a token decides whether it may go in clear
//! ([`RemoteUrl::is_plain_http_off_loopback`]).

/// How git will reach the repository.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Scheme {
    Https,
    Http,
    Ssh,
    Git,
    File,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RemoteUrl {
    /// Without credentials: what antleak prints, logs, reports as `root`
    /// and gives git on argv.
    pub url: String,
    pub scheme: Scheme,
    pub host: String,
    /// `user:password@` of an http(s) URL, removed from [`url`](Self::url).
    pub credentials: Option<(String, String)>,
}

/// Whether `text` is written as a URL (`scheme://…`, a remote-helper
/// `transport::…`, or scp-like `user@host:path`) rather than a path.
pub fn looks_like_url(text: &str) -> bool {
    if text.contains("://") || text.starts_with('-') {
        return true;
    }
    if let Some((transport, _)) = text.split_once("::") {
        return !transport.contains('/');
    }
    scp_like(text).is_some()
}

/// `[user@]host:path` with no `/` before the `:`, as git reads it.
fn scp_like(text: &str) -> Option<(&str, &str)> {
    let (authority, path) = text.split_once(':')?;
    if authority.is_empty()
        || authority.contains('/')
        || path.is_empty()
        || !authority.contains('@')
    {
        return None;
    }
    Some((authority, path))
}

impl RemoteUrl {
    pub fn parse(text: &str) -> Result<RemoteUrl, String> {
        let shown = || crate::core::redact::redact(&strip_userinfo(text));
        if text.starts_with('-') {
            return Err(format!(
                "{}: a repository URL must not start with '-'",
                shown()
            ));
        }
        if let Some((transport, _)) = text.split_once("::")
            && !transport.contains('/')
        {
            return Err(format!(
                "{}: the `{transport}::` transport is refused (remote helpers such as ext:: run \
                 commands); use https, ssh, git or file URLs",
                shown()
            ));
        }
        if text.chars().any(|c| c.is_control() || c.is_whitespace()) {
            return Err(format!(
                "{}: control characters or spaces in a repository URL",
                shown()
            ));
        }
        let Some((scheme, rest)) = text.split_once("://") else {
            return match scp_like(text) {
                Some((authority, _)) => Ok(RemoteUrl {
                    url: text.to_string(),
                    scheme: Scheme::Ssh,
                    host: authority.rsplit('@').next().unwrap_or_default().to_string(),
                    credentials: None,
                }),
                None => Err(format!(
                    "{}: expected SCHEME://HOST/PATH or user@host:path",
                    shown()
                )),
            };
        };
        let scheme = match scheme.to_ascii_lowercase().as_str() {
            "https" => Scheme::Https,
            "http" => Scheme::Http,
            "ssh" | "git+ssh" | "ssh+git" => Scheme::Ssh,
            "git" => Scheme::Git,
            "file" => Scheme::File,
            other => {
                return Err(format!(
                    "{}: the scheme `{other}` is refused; use https, ssh, git or file",
                    shown()
                ));
            }
        };
        let (authority, path) = rest.split_at(rest.find('/').unwrap_or(rest.len()));
        let (userinfo, host_port) = match authority.rsplit_once('@') {
            Some((userinfo, host)) => (Some(userinfo), host),
            None => (None, authority),
        };
        let host = host_of(host_port);
        if host.is_empty() && scheme != Scheme::File {
            return Err(format!("{}: no host", shown()));
        }
        if scheme == Scheme::File && !(host.is_empty() || host.eq_ignore_ascii_case("localhost")) {
            return Err(format!(
                "{}: a file URL names no host (file:///path)",
                shown()
            ));
        }
        let mut credentials = None;
        let authority = match (userinfo, scheme) {
            (None, _) => authority.to_string(),
            (Some(userinfo), Scheme::Https | Scheme::Http) => {
                let (user, password) = userinfo.split_once(':').unwrap_or((userinfo, ""));
                credentials = Some((user.to_string(), password.to_string()));
                host_port.to_string()
            }
            (Some(userinfo), Scheme::Ssh) if !userinfo.contains(':') => authority.to_string(),
            (Some(_), _) => {
                return Err(format!(
                    "{}: credentials in this URL are refused (use an ssh key, or https)",
                    shown()
                ));
            }
        };
        let scheme_text = scheme_name(scheme, text);
        Ok(RemoteUrl {
            url: format!("{scheme_text}://{authority}{path}"),
            scheme,
            host: host.to_string(),
            credentials,
        })
    }

    /// Plain http to a host that is not loopback: a token sent there
    /// crosses the network in clear.
    pub fn is_plain_http_off_loopback(&self) -> bool {
        self.scheme == Scheme::Http && !is_loopback(&self.host)
    }

    /// The value of an `Authorization` header for the credentials, if any.
    pub fn basic_authorization(&self) -> Option<String> {
        let (user, password) = self.credentials.as_ref()?;
        Some(format!(
            "Basic {}",
            base64(format!("{user}:{password}").as_bytes())
        ))
    }
}

fn scheme_name(scheme: Scheme, text: &str) -> &str {
    match scheme {
        Scheme::Https => "https",
        Scheme::Http => "http",
        Scheme::Git => "git",
        Scheme::File => "file",
        Scheme::Ssh => text.split("://").next().unwrap_or("ssh"),
    }
}

/// The URL without `user:password@`, for messages about a URL that was refused.
fn strip_userinfo(text: &str) -> String {
    match text.split_once("://") {
        Some((scheme, rest)) => {
            let end = rest.find('/').unwrap_or(rest.len());
            let authority = &rest[..end];
            let host = authority.rsplit_once('@').map_or(authority, |(_, h)| h);
            format!("{scheme}://{host}{}", &rest[end..])
        }
        None => text.to_string(),
    }
}

fn host_of(authority: &str) -> &str {
    if let Some(rest) = authority.strip_prefix('[') {
        return rest.split(']').next().unwrap_or_default();
    }
    authority.split(':').next().unwrap_or_default()
}

pub fn is_loopback(host: &str) -> bool {
    host.eq_ignore_ascii_case("localhost")
        || host
            .parse::<::core::net::IpAddr>()
            .is_ok_and(|ip| ip.is_loopback())
}

/// Standard base64 with padding.
pub fn base64(bytes: &[u8]) -> String {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for chunk in bytes.chunks(3) {
        let n = chunk.iter().fold(0u32, |n, &b| n << 8 | u32::from(b)) << (8 * (3 - chunk.len()));
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(ALPHABET[(n >> (18 - 6 * i) & 63) as usize] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn credentials_leave_the_url_and_travel_as_a_header() {
        let url = RemoteUrl::parse("https://ci:s3cret@git.example.com:8443/org/app.git").unwrap();
        assert_eq!(url.url, "https://git.example.com:8443/org/app.git");
        assert_eq!(
            url.basic_authorization().unwrap(),
            format!("Basic {}", base64(b"ci:s3cret"))
        );
        assert_eq!(base64(b"ci:s3cret"), "Y2k6czNjcmV0");
        assert_eq!(base64(b"a"), "YQ==");
        let ssh = RemoteUrl::parse("ssh://git@host/org/app.git").unwrap();
        assert_eq!(
            (ssh.url.as_str(), ssh.credentials),
            ("ssh://git@host/org/app.git", None)
        );
        assert_eq!(
            RemoteUrl::parse("git@github.com:org/app.git")
                .unwrap()
                .scheme,
            Scheme::Ssh
        );
        assert_eq!(
            RemoteUrl::parse("file:///srv/app.git").unwrap().url,
            "file:///srv/app.git"
        );
        assert!(
            RemoteUrl::parse("http://10.0.0.1/x")
                .unwrap()
                .is_plain_http_off_loopback()
        );
        assert!(
            !RemoteUrl::parse("http://127.0.0.1:9/x")
                .unwrap()
                .is_plain_http_off_loopback()
        );
    }

    #[test]
    fn hostile_urls_are_refused_without_echoing_a_password() {
        for bad in [
            "--upload-pack=touch /tmp/x",
            "-oProxyCommand=x",
            "ext::sh -c touch% /tmp/pwned",
            "ext::sh",
            "fd::17",
            "ftp://host/x",
            "https:///nohost",
            "file://evil.example/x",
            "ssh://u:pw@host/x",
            "https://host/a b",
            "https://host/a\nb",
        ] {
            let err = RemoteUrl::parse(bad).unwrap_err();
            assert!(!err.contains("pw@"), "{err}");
            assert!(looks_like_url(bad) || bad.contains("://"), "{bad}");
        }
        assert!(!looks_like_url("repos/app"));
        assert!(!looks_like_url("./a:b"));
    }
}
