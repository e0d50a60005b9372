//! The Admin API calls `revoke` and `audit` make, with the admin key from
//! `ANTHROPIC_ADMIN_KEY`, and the wire types of their answers.
//!
//! Every list is read to its last page. Unknown fields in answers are
//! ignored (the API grows); identifiers that go back into a URL path are
//! checked first, so a server cannot steer a later request elsewhere. Error
//! messages name the call and the status, never the key.

use anyhow::{Context as _, Result, anyhow, bail};
use serde::Deserialize;

use super::base_url::BaseUrl;
use super::client::{Client, Policy, Response};
use crate::core::finding::Secret;

/// Pages are bounded, so a server that always says `has_more` cannot keep
/// antleak busy forever.
const MAX_PAGES: usize = 10_000;

/// An organization's API key, as `GET /v1/organizations/api_keys` lists it.
#[derive(Clone, Debug, Deserialize)]
pub struct ApiKey {
    pub id: String,
    #[serde(default)]
    pub name: Option<String>,
    /// `sk-ant-api03-R2D...igAA`: all the Console keeps of the secret.
    #[serde(default)]
    pub partial_key_hint: Option<String>,
    /// `active`, `inactive` or `archived`.
    #[serde(default)]
    pub status: Option<String>,
    /// `None` for the default workspace.
    #[serde(default)]
    pub workspace_id: Option<String>,
    #[serde(default)]
    pub created_by: Option<Actor>,
    #[serde(default)]
    pub created_at: Option<String>,
}

#[derive(Clone, Debug, Deserialize)]
pub struct Actor {
    pub id: String,
    #[serde(rename = "type", default)]
    pub kind: Option<String>,
}

impl ApiKey {
    pub fn status(&self) -> &str {
        self.status.as_deref().unwrap_or("unknown")
    }

    /// `apikey_01… "name" · workspace … · created by … (user) · active`,
    /// with whatever the server sent escaped.
    pub fn describe(&self) -> String {
        let esc = crate::messages::escape_control;
        let name = self.name.as_deref().map(esc).unwrap_or_default();
        let workspace = match &self.workspace_id {
            Some(id) => format!("workspace {}", esc(id)),
            None => "default workspace".to_string(),
        };
        let creator = match &self.created_by {
            Some(actor) => format!(
                "created by {}{}",
                esc(&actor.id),
                actor
                    .kind
                    .as_deref()
                    .map(|k| format!(" ({})", esc(k)))
                    .unwrap_or_default()
            ),
            None => "creator unknown".to_string(),
        };
        format!(
            "{} \"{name}\" · {workspace} · {creator} · {}",
            esc(&self.id),
            esc(self.status())
        )
    }
}

#[derive(Deserialize)]
struct KeyPage {
    data: Vec<ApiKey>,
    #[serde(default)]
    has_more: bool,
    #[serde(default)]
    last_id: Option<String>,
}

/// One day (or other bucket) of `GET /v1/organizations/usage_report/messages`.
#[derive(Clone, Debug, Deserialize)]
pub struct UsageBucket {
    pub starting_at: String,
    #[serde(default)]
    pub results: Vec<UsageResult>,
}

#[derive(Clone, Debug, Default, Deserialize)]
#[serde(default)]
pub struct UsageResult {
    pub model: Option<String>,
    pub uncached_input_tokens: u64,
    pub cache_read_input_tokens: u64,
    /// `null` or absent when nothing was written to the cache.
    pub cache_creation: Option<CacheCreation>,
    pub output_tokens: u64,
}

#[derive(Clone, Debug, Default, Deserialize)]
#[serde(default)]
pub struct CacheCreation {
    pub ephemeral_5m_input_tokens: u64,
    pub ephemeral_1h_input_tokens: u64,
}

#[derive(Deserialize)]
struct UsagePage {
    data: Vec<UsageBucket>,
    #[serde(default)]
    has_more: bool,
    #[serde(default)]
    next_page: Option<String>,
}

/// The Admin API, authenticated with the admin key.
pub struct Admin {
    client: Client,
    key: Secret,
}

impl Admin {
    /// Reads the admin key from `ANTHROPIC_ADMIN_KEY`; fails before any
    /// network use when it is missing or is not an admin key.
    pub fn from_env(base: BaseUrl, timeout: std::time::Duration) -> Result<Admin> {
        let var = super::ADMIN_KEY_ENV;
        let key = std::env::var(var).unwrap_or_default();
        let key = key.trim();
        if key.is_empty() {
            bail!(
                "{var} is not set: create an admin key in the Console (Settings → Admin Keys) \
                 and export it as {var}; it is never taken from a flag, to keep it out of shell \
                 history"
            );
        }
        let key = Secret::new(key.to_string());
        if !key.expose().starts_with("sk-ant-admin") {
            bail!(
                "{var}: {} is not an admin key (sk-ant-admin01-…); the Admin API needs one",
                key.redacted()
            );
        }
        Ok(Admin {
            client: Client::new(
                base,
                Policy {
                    timeout,
                    deadline: None,
                },
            ),
            key,
        })
    }

    pub fn key(&self) -> &Secret {
        &self.key
    }

    pub fn base(&self) -> &BaseUrl {
        self.client.base()
    }

    /// Every key of the organization, all pages.
    pub fn list_api_keys(&self) -> Result<Vec<ApiKey>> {
        let path = "/v1/organizations/api_keys";
        let mut keys = Vec::new();
        let mut after: Option<String> = None;
        for _ in 0..MAX_PAGES {
            let mut query = vec![("limit", "100")];
            if let Some(after) = &after {
                query.push(("after_id", after));
            }
            let page: KeyPage = self.get_json(path, &query)?;
            let last = page
                .last_id
                .or_else(|| page.data.last().map(|k| k.id.clone()));
            keys.extend(page.data);
            match (page.has_more, last) {
                (false, _) => return Ok(keys),
                (true, Some(last)) if after.as_deref() != Some(&last) => after = Some(last),
                (true, _) => bail!("GET {path}: has_more without a new last_id; cannot page on"),
            }
        }
        bail!("GET {path}: more than {MAX_PAGES} pages")
    }

    pub fn get_api_key(&self, id: &str) -> Result<ApiKey> {
        self.get_json(&key_path(id)?, &[])
    }

    /// `POST /v1/organizations/api_keys/{id}` with `{"status": "inactive"}`.
    pub fn deactivate(&self, id: &str) -> Result<ApiKey> {
        let path = key_path(id)?;
        let body = serde_json::json!({ "status": "inactive" });
        let answer = self
            .client
            .post_json(&path, &body, self.key.expose())
            .map_err(|failure| anyhow!("POST {path}: {failure}"))?;
        self.parse("POST", &path, answer)
    }

    /// Daily usage by model of one key since `starting_at`, all pages.
    pub fn usage_by_day(&self, api_key_id: &str, starting_at: &str) -> Result<Vec<UsageBucket>> {
        let path = "/v1/organizations/usage_report/messages";
        let mut buckets = Vec::new();
        let mut page_token: Option<String> = None;
        for _ in 0..MAX_PAGES {
            let mut query = vec![
                ("starting_at", starting_at),
                ("api_key_ids[]", api_key_id),
                ("group_by[]", "model"),
                ("bucket_width", "1d"),
                ("limit", "31"),
            ];
            if let Some(token) = &page_token {
                query.push(("page", token));
            }
            let page: UsagePage = self.get_json(path, &query)?;
            buckets.extend(page.data);
            match (page.has_more, page.next_page) {
                (false, _) => return Ok(buckets),
                (true, Some(next)) if page_token.as_deref() != Some(&next) => {
                    page_token = Some(next)
                }
                (true, _) => bail!("GET {path}: has_more without a new next_page; cannot page on"),
            }
        }
        bail!("GET {path}: more than {MAX_PAGES} pages")
    }

    fn get_json<T: serde::de::DeserializeOwned>(
        &self,
        path: &str,
        query: &[(&str, &str)],
    ) -> Result<T> {
        let answer = self
            .client
            .get(path, query, self.key.expose())
            .map_err(|failure| anyhow!("GET {path}: {failure}"))?;
        self.parse("GET", path, answer)
    }

    fn parse<T: serde::de::DeserializeOwned>(
        &self,
        method: &str,
        path: &str,
        answer: Response,
    ) -> Result<T> {
        let message = super::client::error_message(&answer.body)
            .map(|m| format!(": {m}"))
            .unwrap_or_default();
        match answer.status {
            200 => serde_json::from_str(&answer.body)
                .with_context(|| format!("{method} {path}: unexpected answer")),
            401 | 403 => bail!(
                "{method} {path}: {} refused by {} (HTTP {}{message}); is it an admin key of \
                 this organization, still active?",
                super::ADMIN_KEY_ENV,
                self.client.base(),
                answer.status
            ),
            status => bail!(
                "{method} {path}: HTTP {status}{}{message}",
                if answer.tries > 1 {
                    format!(" after {} tries", answer.tries)
                } else {
                    String::new()
                }
            ),
        }
    }
}

/// `/v1/organizations/api_keys/{id}`, for an id made of safe characters
/// only (it comes from the server's answer).
fn key_path(id: &str) -> Result<String> {
    if id.is_empty()
        || !id
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-')
    {
        bail!(
            "the API returned a key id with unexpected characters: {}",
            crate::messages::escape_control(id)
        );
    }
    Ok(format!("/v1/organizations/api_keys/{id}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn key_ids_cannot_leave_their_path() {
        assert_eq!(
            key_path("apikey_01Rj2N8SVvo6BePZj99NhmiT").unwrap(),
            "/v1/organizations/api_keys/apikey_01Rj2N8SVvo6BePZj99NhmiT"
        );
        for bad in ["", "../me", "a/b", "a?b", "a%2f"] {
            assert!(key_path(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn usage_results_read_the_documented_fields() {
        let bucket: UsageBucket = serde_json::from_str(
            r#"{"starting_at":"2025-08-01T00:00:00Z","ending_at":"2025-08-02T00:00:00Z",
                "results":[{"model":"claude-sonnet-4-5","uncached_input_tokens":10,
                "cache_read_input_tokens":2,"cache_creation":{"ephemeral_5m_input_tokens":3,
                "ephemeral_1h_input_tokens":4},"output_tokens":5,"server_tool_use":{}}]}"#,
        )
        .unwrap();
        let r = &bucket.results[0];
        assert_eq!(
            (
                r.uncached_input_tokens,
                r.cache_read_input_tokens,
                r.cache_creation.as_ref().unwrap().ephemeral_5m_input_tokens,
                r.cache_creation.as_ref().unwrap().ephemeral_1h_input_tokens,
                r.output_tokens
            ),
            (10, 2, 3, 4, 5)
        );
    }
}
