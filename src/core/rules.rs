//! What counts as an Anthropic credential, and what counts as a `.env` file.
//!
//! Pure: bytes and names in, verdicts out. The scanner finds candidates (every
//! `sk-ant-<word><digits>-<body>`); [`classify`] decides which rule, if any, a
//! candidate falls under, and rejects documentation placeholders. Each rule's
//! true and false positives sit in the tests at the bottom of this file.

use serde::Serialize;

/// Rule ids as reports name them ([`RuleId::as_str`], the one spelling).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum RuleId {
    AnthropicAdminKey,
    AnthropicApiKey,
    AnthropicOauthToken,
    AnthropicSessionKey,
    AnthropicKeyUnknownFormat,
    DotenvCommitted,
    DotenvUnignored,
    ClaudeLocalFileCommitted,
    ClaudeLocalFileUnignored,
    AnthropicBrowserAccess,
}

impl RuleId {
    pub const ALL: [RuleId; 10] = [
        RuleId::AnthropicAdminKey,
        RuleId::AnthropicApiKey,
        RuleId::AnthropicOauthToken,
        RuleId::AnthropicSessionKey,
        RuleId::AnthropicKeyUnknownFormat,
        RuleId::DotenvCommitted,
        RuleId::DotenvUnignored,
        RuleId::ClaudeLocalFileCommitted,
        RuleId::ClaudeLocalFileUnignored,
        RuleId::AnthropicBrowserAccess,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            RuleId::AnthropicAdminKey => "anthropic-admin-key",
            RuleId::AnthropicApiKey => "anthropic-api-key",
            RuleId::AnthropicOauthToken => "anthropic-oauth-token",
            RuleId::AnthropicSessionKey => "anthropic-session-key",
            RuleId::AnthropicKeyUnknownFormat => "anthropic-key-unknown-format",
            RuleId::DotenvCommitted => "dotenv-committed",
            RuleId::DotenvUnignored => "dotenv-unignored",
            RuleId::ClaudeLocalFileCommitted => "claude-local-file-committed",
            RuleId::ClaudeLocalFileUnignored => "claude-local-file-unignored",
            RuleId::AnthropicBrowserAccess => "anthropic-browser-access",
        }
    }

    /// The rule a report names `id`.
    pub fn from_id(id: &str) -> Option<RuleId> {
        RuleId::ALL.into_iter().find(|rule| rule.as_str() == id)
    }

    /// One line for humans (and SARIF's short description).
    pub fn description(self) -> &'static str {
        match self {
            RuleId::AnthropicAdminKey => "Anthropic Admin API key (sk-ant-admin01-…)",
            RuleId::AnthropicApiKey => "Anthropic API key (sk-ant-api03-…)",
            RuleId::AnthropicOauthToken => {
                "Anthropic OAuth token (sk-ant-oat01-… / sk-ant-ort01-…)"
            }
            RuleId::AnthropicSessionKey => "claude.ai session key (sk-ant-sid01-…)",
            RuleId::AnthropicKeyUnknownFormat => {
                "Anthropic credential of an unknown format (sk-ant-…)"
            }
            RuleId::DotenvCommitted => ".env file tracked by git",
            RuleId::DotenvUnignored => ".env file that .gitignore does not ignore",
            RuleId::ClaudeLocalFileCommitted => "Claude Code personal file tracked by git",
            RuleId::ClaudeLocalFileUnignored => {
                "Claude Code personal file that .gitignore does not ignore"
            }
            RuleId::AnthropicBrowserAccess => {
                "code that calls the Anthropic API from a browser (the key ships to every visitor)"
            }
        }
    }

    /// The severity a finding of this rule has before context raises it
    /// (a committed `.env` that holds a credential is high, not medium).
    pub fn base_severity(self) -> Severity {
        match self {
            RuleId::AnthropicAdminKey => Severity::Critical,
            RuleId::AnthropicApiKey | RuleId::AnthropicOauthToken | RuleId::AnthropicSessionKey => {
                Severity::High
            }
            RuleId::AnthropicKeyUnknownFormat
            | RuleId::DotenvCommitted
            | RuleId::ClaudeLocalFileCommitted
            | RuleId::AnthropicBrowserAccess => Severity::Medium,
            RuleId::DotenvUnignored | RuleId::ClaudeLocalFileUnignored => Severity::Low,
        }
    }

    pub fn is_credential(self) -> bool {
        !matches!(
            self,
            RuleId::DotenvCommitted
                | RuleId::DotenvUnignored
                | RuleId::ClaudeLocalFileCommitted
                | RuleId::ClaudeLocalFileUnignored
                | RuleId::AnthropicBrowserAccess
        )
    }

    /// A whole file git tracks (or is about to): high when it holds a
    /// credential.
    pub fn is_committed_file(self) -> bool {
        matches!(
            self,
            RuleId::DotenvCommitted | RuleId::ClaudeLocalFileCommitted
        )
    }
}

impl Serialize for RuleId {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.as_str())
    }
}

impl std::fmt::Display for RuleId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Low,
    Medium,
    High,
    Critical,
}

impl Severity {
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Low => "low",
            Severity::Medium => "medium",
            Severity::High => "high",
            Severity::Critical => "critical",
        }
    }
}

/// Characters a key body is made of.
pub fn is_key_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'-' || b == b'_'
}

/// Length of the body of a full-shape API or admin key: 93 characters + `AA`.
pub const FULL_SHAPE_BODY_LEN: usize = 95;
/// Shortest body that the OAuth, session and unknown-format rules consider a
/// credential: anything shorter is a truncated example, not a secret.
const MIN_TOKEN_BODY_LEN: usize = 40;

/// Decides the rule for a candidate `sk-ant-<kind>-<body>`, where `kind` is a
/// lowercase word followed by digits (`api03`) and `body` is the whole run of
/// key characters that followed. `None` means: not a credential.
pub fn classify(kind: &[u8], body: &[u8]) -> Option<RuleId> {
    let rule = match kind {
        b"admin01" => RuleId::AnthropicAdminKey,
        b"api03" => RuleId::AnthropicApiKey,
        b"oat01" | b"ort01" => RuleId::AnthropicOauthToken,
        b"sid01" => RuleId::AnthropicSessionKey,
        _ => RuleId::AnthropicKeyUnknownFormat,
    };
    let shape_ok = match rule {
        // The documented shape is exact: a body of any other length, or one not
        // ending in `AA`, is a truncated or made-up example.
        RuleId::AnthropicAdminKey | RuleId::AnthropicApiKey => {
            body.len() == FULL_SHAPE_BODY_LEN && body.ends_with(b"AA")
        }
        _ => body.len() >= MIN_TOKEN_BODY_LEN,
    };
    (shape_ok && !is_placeholder(body)).then_some(rule)
}

/// The rule of `sk-ant-<kind>-<body>` if it is a full-shape API or admin key
/// (`body` exactly [`FULL_SHAPE_BODY_LEN`] long, ending in `AA`, not a
/// placeholder), whatever follows it.
pub fn classify_full_shape(kind: &[u8], body: &[u8]) -> Option<RuleId> {
    match kind {
        b"api03" | b"admin01" if body.len() == FULL_SHAPE_BODY_LEN => classify(kind, body),
        _ => None,
    }
}

/// Words that mark a body as written by a person for documentation, matched
/// in lower, UPPER or Title case only. Each is six or more characters: with
/// shorter words or any mix of case, a random key contains one often enough
/// (about once in 30,000 keys for five letters) to hide a real leak.
const PLACEHOLDER_WORDS: &[&str] = &[
    "xxxxxx",
    "your_key",
    "your-key",
    "yourkey",
    "your_api",
    "your-api",
    "yourapi",
    "example",
    "replace",
    "placeholder",
    "redacted",
    "insert",
    "actual",
    "secret",
    "changeme",
];

/// Whether a body is a documentation placeholder rather than random key
/// material: a placeholder word, very few distinct characters (`XXXX…`,
/// `abcabc…`), a short repeating period, or a run of consecutive characters
/// (`ABCDEFG…`). A real key body (random over 64 symbols) has about 48
/// distinct characters and none of these patterns.
pub fn is_placeholder(body: &[u8]) -> bool {
    let has_word = PLACEHOLDER_WORDS.iter().any(|word| {
        let title = word[..1].to_ascii_uppercase() + &word[1..];
        [word.to_string(), word.to_ascii_uppercase(), title]
            .iter()
            .any(|form| memchr::memmem::find(body, form.as_bytes()).is_some())
    });
    if has_word {
        return true;
    }
    let mut seen = [false; 256];
    body.iter().for_each(|&b| seen[b as usize] = true);
    let distinct = seen.iter().filter(|&&s| s).count();
    if distinct < 12 {
        return true;
    }
    // Ignore the last two characters: a made-up body padded to the full
    // shape still ends in the required `AA`.
    let core = &body[..body.len().saturating_sub(2)];
    let periodic =
        (1..=16).any(|p| p < core.len() && (p..core.len()).all(|i| core[i] == core[i - p]));
    if periodic {
        return true;
    }
    let ascending = body
        .windows(2)
        .filter(|w| w[1] == w[0].wrapping_add(1))
        .count();
    ascending * 4 > body.len()
}

/// What kind of `.env`-style file a basename denotes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DotenvKind {
    /// `.env`, `.env.production`, `prod.env`: holds real settings.
    Secrets,
    /// `.env.example`, `example.env`: a template meant to be committed.
    Template,
}

const TEMPLATE_WORDS: &[&str] = &["example", "sample", "template", "dist", "defaults"];

/// Classifies a file name (the basename, not a path). `.env`, `.env.<x>` and
/// `<x>.env` are `.env`-style; if any other dot-separated part is a template
/// word (`.env.example`, `.env.local.sample`, `example.env`) it is a template.
pub fn dotenv_kind(file_name: &str) -> Option<DotenvKind> {
    let is_dotenv = file_name == ".env"
        || file_name.starts_with(".env.")
        || (file_name.ends_with(".env") && file_name.len() > ".env".len());
    if !is_dotenv {
        return None;
    }
    let template = file_name
        .split('.')
        .any(|part| TEMPLATE_WORDS.contains(&part.to_ascii_lowercase().as_str()));
    Some(if template {
        DotenvKind::Template
    } else {
        DotenvKind::Secrets
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn random_body(len: usize, seed: u64) -> Vec<u8> {
        crate::core::test_keys::random_body(len, seed).into_bytes()
    }

    fn full_body(seed: u64) -> Vec<u8> {
        let mut body = random_body(93, seed);
        body.extend_from_slice(b"AA");
        body
    }

    #[test]
    fn true_positives() {
        let cases: &[(&[u8], Vec<u8>, RuleId)] = &[
            (b"api03", full_body(1), RuleId::AnthropicApiKey),
            (b"admin01", full_body(2), RuleId::AnthropicAdminKey),
            (b"oat01", full_body(3), RuleId::AnthropicOauthToken),
            (b"ort01", full_body(4), RuleId::AnthropicOauthToken),
            (b"sid01", full_body(5), RuleId::AnthropicSessionKey),
            (b"api04", full_body(6), RuleId::AnthropicKeyUnknownFormat),
            (
                b"foo01",
                random_body(60, 7),
                RuleId::AnthropicKeyUnknownFormat,
            ),
        ];
        for (kind, body, rule) in cases {
            assert_eq!(
                classify(kind, body),
                Some(*rule),
                "{}",
                String::from_utf8_lossy(kind)
            );
        }
    }

    #[test]
    fn many_random_keys_are_never_taken_for_placeholders() {
        for seed in 0..50_000 {
            assert!(!is_placeholder(&full_body(seed)), "seed {seed}");
        }
    }

    #[test]
    fn false_positives() {
        let mut wrong_suffix = random_body(93, 8);
        wrong_suffix.extend_from_slice(b"AB");
        let repeated_x = [b"X".repeat(93), b"AA".to_vec()].concat();
        let periodic = [b"abcDEF123_-".repeat(9)[..93].to_vec(), b"AA".to_vec()].concat();
        let ascending: Vec<u8> = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"
            .iter()
            .chain(b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789".iter())
            .copied()
            .take(93)
            .chain(*b"AA")
            .collect();
        let with_word = |word: &[u8]| {
            let mut body = random_body(93, 9);
            body[10..10 + word.len()].copy_from_slice(word);
            body.extend_from_slice(b"AA");
            body
        };
        let cases: Vec<(&str, &[u8], Vec<u8>)> = vec![
            ("too short", b"api03", random_body(60, 10)),
            ("one character short", b"api03", full_body(11)[1..].to_vec()),
            (
                "one character long",
                b"api03",
                [b"Z".as_slice(), &full_body(12)].concat(),
            ),
            ("wrong suffix", b"api03", wrong_suffix),
            ("empty body (`...`)", b"api03", Vec::new()),
            ("REPLACE_WITH_KEY", b"api03", b"REPLACE_WITH_KEY".to_vec()),
            ("your-actual-key", b"api03", b"your-actual-key".to_vec()),
            ("one repeated character", b"api03", repeated_x.clone()),
            ("admin placeholder", b"admin01", repeated_x),
            ("short period", b"api03", periodic),
            ("ascending sequence", b"api03", ascending),
            ("your_ in the body", b"api03", with_word(b"your_api_key")),
            ("EXAMPLE in the body", b"api03", with_word(b"EXAMPLE")),
            ("short oauth example", b"oat01", random_body(20, 13)),
            ("short unknown format", b"abc12", random_body(30, 14)),
        ];
        for (name, kind, body) in cases {
            assert_eq!(classify(kind, &body), None, "{name}");
        }
    }

    #[test]
    fn dotenv_names() {
        let secrets = [
            ".env",
            ".env.local",
            ".env.production",
            "prod.env",
            ".env.prod.local",
        ];
        for name in secrets {
            assert_eq!(dotenv_kind(name), Some(DotenvKind::Secrets), "{name}");
        }
        let templates = [
            ".env.example",
            ".env.sample",
            ".env.template",
            ".env.dist",
            ".env.defaults",
            "example.env",
            "sample.env",
            ".env.local.example",
            ".env.EXAMPLE",
        ];
        for name in templates {
            assert_eq!(dotenv_kind(name), Some(DotenvKind::Template), "{name}");
        }
        for name in [
            ".envrc",
            "env",
            ".environment",
            "dotenv.py",
            ".env-file",
            "x.envy",
        ] {
            assert_eq!(dotenv_kind(name), None, "{name}");
        }
    }
}
