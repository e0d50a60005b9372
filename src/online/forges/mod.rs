//! The repositories of an organisation: `history --github-org ORG`,
//! `--github-user USER` (GitHub's REST API) and `--gitlab-group GROUP`
//! (GitLab's, subgroups included), listed page by page ([`http`]).
//!
//! What the API answers is not trusted. A repository whose name is not
//! `owner/name` made of safe characters, or whose clone URL is not `https`
//! (plain `http` only to a loopback host; `file` only when the API itself
//! is on loopback, as in tests), or fails [`RemoteUrl::parse`] (`-…`,
//! `ext::`), is refused: reported back as not scanned, never given to git.
//!
//! Tokens (`GITHUB_TOKEN`, `GITLAB_TOKEN`) go to the API's base URL only,
//! and to git only for clone URLs on the API's own host (`github.com` for
//! `api.github.com`), as an `http.<origin>/.extraHeader` setting in git's
//! environment ([`crate::sources::clone`]), never on a command line or in
//! any output.

pub mod http;

use std::time::Duration;

use serde_json::Value;

use crate::core::remote_url::{self, RemoteUrl, Scheme};
use crate::online::base_url::BaseUrl;
use crate::sources::clone::GitConfig;
use http::Http;

pub const GITHUB_API: &str = "https://api.github.com";
pub const GITLAB_API: &str = "https://gitlab.com/api/v4";
pub const GITHUB_TOKEN_ENV: &str = "GITHUB_TOKEN";
pub const GITLAB_TOKEN_ENV: &str = "GITLAB_TOKEN";

/// Whose repositories.
#[derive(Clone, Debug)]
pub enum Owner {
    GithubOrg(String),
    GithubUser(String),
    GitlabGroup(String),
}

impl Owner {
    /// As the option that names it: `--github-org ORG`.
    pub fn describe(&self) -> String {
        match self {
            Owner::GithubOrg(o) => format!("--github-org {o}"),
            Owner::GithubUser(u) => format!("--github-user {u}"),
            Owner::GitlabGroup(g) => format!("--gitlab-group {g}"),
        }
    }
}

pub struct Options {
    pub github_api: BaseUrl,
    pub gitlab_api: BaseUrl,
    pub github_token: Option<String>,
    pub gitlab_token: Option<String>,
    pub include_forks: bool,
    pub include_archived: bool,
    pub timeout: Duration,
}

/// A repository to clone: its full name (`org/app`, the shard key and what
/// messages call it), its clone URL and the git settings that carry the
/// token.
pub struct ForgeRepo {
    pub name: String,
    pub url: RemoteUrl,
    pub git_config: GitConfig,
}

#[derive(Default)]
pub struct Listing {
    pub repos: Vec<ForgeRepo>,
    /// Refused repositories: `(name as the API gave it, the name shown, why)`.
    pub refused: Vec<(String, String, String)>,
}

/// Lists the repositories of `owner`; the error is one line (the URL and
/// the HTTP status, or the network failure).
pub fn list(owner: &Owner, options: &Options) -> Result<Listing, String> {
    let (name, github) = match owner {
        Owner::GithubOrg(n) | Owner::GithubUser(n) => (n, true),
        Owner::GitlabGroup(n) => (n, false),
    };
    let allowed = |c: char| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.');
    let valid = if github {
        !name.is_empty() && name.chars().all(allowed)
    } else {
        name.split('/')
            .all(|part| !part.is_empty() && part.chars().all(allowed))
    };
    if !valid || name.starts_with(['-', '.']) || name.contains("..") {
        return Err(format!("{}: not a valid name", owner.describe()));
    }
    let (base, token, token_env) = if github {
        (&options.github_api, &options.github_token, GITHUB_TOKEN_ENV)
    } else {
        (&options.gitlab_api, &options.gitlab_token, GITLAB_TOKEN_ENV)
    };
    let auth = token.as_ref().map(|t| {
        if github {
            ("authorization", format!("Bearer {t}"))
        } else {
            ("private-token", t.clone())
        }
    });
    let client = Http::new(base.clone(), auth, options.timeout);
    let mut listing = Listing::default();
    let mut url = match owner {
        Owner::GithubOrg(o) => base.join(&format!("/orgs/{o}/repos?per_page=100&type=all")),
        Owner::GithubUser(u) => base.join(&format!("/users/{u}/repos?per_page=100&type=owner")),
        Owner::GitlabGroup(g) => gitlab_page(base, g, "1", options.include_archived),
    };
    let accept = if github {
        "application/vnd.github+json"
    } else {
        "application/json"
    };
    for _ in 0..10_000 {
        let page = client.get(&url, accept)?;
        if page.status != 200 {
            return Err(status_error(
                &url,
                page.status,
                &page.body,
                token.is_some(),
                token_env,
            ));
        }
        let items: Vec<Value> = serde_json::from_str(&page.body)
            .map_err(|err| format!("{}: not a list of repositories ({err})", http::shown(&url)))?;
        for item in &items {
            match repository(item, github, base, token.as_deref(), options) {
                Ok(Some(repo)) => listing.repos.push(repo),
                Ok(None) => {}
                Err(refusal) => listing.refused.push(refusal),
            }
        }
        url = match (github, page.next_link, page.next_page) {
            (true, Some(next), _) => next,
            (false, _, Some(next)) if next.chars().all(|c| c.is_ascii_digit()) => {
                gitlab_page(base, name, &next, options.include_archived)
            }
            _ => return Ok(listing),
        };
    }
    Err(format!("{}: more than 10000 pages", owner.describe()))
}

fn gitlab_page(base: &BaseUrl, group: &str, page: &str, include_archived: bool) -> String {
    let archived = if include_archived {
        ""
    } else {
        "&archived=false"
    };
    base.join(&format!(
        "/groups/{}/projects?include_subgroups=true&per_page=100&page={page}{archived}",
        group.replace('/', "%2F")
    ))
}

fn status_error(url: &str, status: u16, body: &str, has_token: bool, env: &str) -> String {
    let message = serde_json::from_str::<Value>(body)
        .ok()
        .and_then(|v| v["message"].as_str().map(str::to_string))
        .map(|m| {
            let mut m = crate::messages::sanitize(&m);
            m.truncate(m.char_indices().nth(200).map_or(m.len(), |(i, _)| i));
            format!(" ({m})")
        })
        .unwrap_or_default();
    let hint = match (status, has_token) {
        (401, true) => format!(": {env} was refused"),
        (401, false) => format!(": set {env}"),
        (403, _) => format!(": {env} lacks access, or a rate limit with no reset time"),
        (404, false) => format!(": not found (private? set {env})"),
        (404, true) => format!(": not found, or not visible with {env}"),
        _ => String::new(),
    };
    format!("{}: HTTP {status}{hint}{message}", http::shown(url))
}

/// One repository of a listing: `Ok(None)` when filtered out (a fork, an
/// archived repository), `Err` when refused.
fn repository(
    item: &Value,
    github: bool,
    base: &BaseUrl,
    token: Option<&str>,
    options: &Options,
) -> Result<Option<ForgeRepo>, (String, String, String)> {
    let (name_field, url_field) = if github {
        ("full_name", "clone_url")
    } else {
        ("path_with_namespace", "http_url_to_repo")
    };
    let raw_name = item[name_field].as_str().unwrap_or_default();
    let shown = crate::messages::sanitize(raw_name);
    let refuse = |why: &str| {
        Err((
            raw_name.to_string(),
            format!("repository {shown:?}"),
            why.to_string(),
        ))
    };
    if !safe_full_name(raw_name) {
        return refuse("refused: not a safe owner/name");
    }
    let fork = if github {
        item["fork"].as_bool().unwrap_or(false)
    } else {
        item.get("forked_from_project")
            .is_some_and(|v| !v.is_null())
    };
    let archived = item["archived"].as_bool().unwrap_or(false);
    if (fork && !options.include_forks) || (archived && !options.include_archived) {
        return Ok(None);
    }
    let Some(text) = item[url_field].as_str() else {
        return refuse("refused: no clone URL");
    };
    let url = match RemoteUrl::parse(text) {
        Ok(url) => url,
        Err(_) => return refuse("refused: an unsafe clone URL"),
    };
    let api_host = host_of(base.as_str());
    let acceptable = match url.scheme {
        Scheme::Https => true,
        Scheme::Http => !url.is_plain_http_off_loopback(),
        Scheme::File => base.is_loopback(),
        Scheme::Ssh | Scheme::Git => false,
    };
    if !acceptable {
        return refuse("refused: the clone URL must be https");
    }
    if url.credentials.is_some() {
        return refuse("refused: credentials in the clone URL");
    }
    let mut git_config = GitConfig::new();
    let same_host = url.host.eq_ignore_ascii_case(&api_host)
        || api_host.eq_ignore_ascii_case(&format!("api.{}", url.host));
    if let Some(token) = token
        && same_host
        && matches!(url.scheme, Scheme::Https | Scheme::Http)
    {
        let user = if github { "x-access-token" } else { "oauth2" };
        let origin = url.url.split('/').take(3).collect::<Vec<_>>().join("/");
        git_config.push((
            format!("http.{origin}/.extraHeader"),
            format!(
                "Authorization: Basic {}",
                remote_url::base64(format!("{user}:{token}").as_bytes())
            ),
        ));
    }
    Ok(Some(ForgeRepo {
        name: raw_name.to_string(),
        url,
        git_config,
    }))
}

/// `owner/name` (GitLab: `group/sub/name`): components of letters, digits,
/// `-`, `_` and `.`, none of them `.`, `..` or starting with `-` or `.`.
fn safe_full_name(name: &str) -> bool {
    let parts: Vec<&str> = name.split('/').collect();
    parts.len() >= 2
        && parts.iter().all(|p| {
            !p.is_empty()
                && !p.starts_with(['-', '.'])
                && p.chars()
                    .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
        })
}

fn host_of(url: &str) -> String {
    let rest = url.split_once("://").map_or(url, |(_, r)| r);
    let authority = rest.split('/').next().unwrap_or_default();
    authority.split(':').next().unwrap_or_default().to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn options(base: &str) -> (BaseUrl, Options) {
        let base = BaseUrl::parse(base, "test").unwrap();
        let options = Options {
            github_api: base.clone(),
            gitlab_api: base.clone(),
            github_token: None,
            gitlab_token: None,
            include_forks: false,
            include_archived: false,
            timeout: Duration::from_secs(1),
        };
        (base, options)
    }

    #[test]
    fn the_token_reaches_git_only_for_the_apis_own_host() {
        let (base, options) = options("https://api.github.com");
        let item = |url: &str| serde_json::json!({"full_name": "acme/app", "clone_url": url});
        let repo = repository(
            &item("https://github.com/acme/app.git"),
            true,
            &base,
            Some("T"),
            &options,
        )
        .unwrap()
        .unwrap();
        assert_eq!(repo.git_config.len(), 1);
        assert_eq!(repo.git_config[0].0, "http.https://github.com/.extraHeader");
        assert_eq!(
            repo.git_config[0].1,
            format!(
                "Authorization: Basic {}",
                remote_url::base64(b"x-access-token:T")
            )
        );
        let elsewhere = repository(
            &item("https://evil.example/acme/app.git"),
            true,
            &base,
            Some("T"),
            &options,
        )
        .unwrap()
        .unwrap();
        assert!(elsewhere.git_config.is_empty());
        for hostile in [
            "--upload-pack=x",
            "ext::sh -c x",
            "http://github.com/acme/app.git",
            "ssh://git@github.com/acme/app.git",
            "file:///etc",
            "https://u:p@github.com/acme/app.git",
        ] {
            assert!(
                repository(&item(hostile), true, &base, Some("T"), &options).is_err(),
                "{hostile}"
            );
        }
    }

    #[test]
    fn names_with_traversal_or_options_are_unsafe() {
        assert!(safe_full_name("org/app"));
        assert!(safe_full_name("group/sub/app.js"));
        for bad in [
            "app",
            "org/../etc",
            "org/-x",
            "../x",
            "org/a b",
            "org//x",
            "org/.git",
        ] {
            assert!(!safe_full_name(bad), "{bad}");
        }
    }
}
