//! The values that flow from the sources to the report: a [`Secret`] that can
//! only be shown redacted, the [`Finding`] it belongs to, and the [`Report`]
//! that the writers in `report/` render.
//!
//! Nothing here performs I/O. The raw bytes of a secret leave this module only
//! through [`Secret::expose`], which the JSON and human writers call when the
//! user passed `--show-secrets`.

use std::fmt;

use sha2::{Digest, Sha256};

use crate::rules::{RuleId, Severity};

/// A credential found in some bytes. `Debug` and `Display` print the redacted
/// form, so a stray `{:?}` in a log or a panic message cannot leak it.
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Secret(String);

impl Secret {
    /// Keys are ASCII by construction (the rules only accept `[A-Za-z0-9_-]`).
    pub fn new(value: String) -> Secret {
        Secret(value)
    }

    /// Lowercase hex SHA-256 of the exact secret bytes: the identity of a
    /// credential in reports, baselines and allow-lists.
    pub fn fingerprint(&self) -> String {
        hex::encode(Sha256::digest(self.0.as_bytes()))
    }

    /// The key the way the Anthropic Console lists it: the prefix up to and
    /// including the version dash, the first three characters of the body,
    /// an ellipsis and the last four characters (`sk-ant-api03-R2D…igAA`).
    pub fn redacted(&self) -> String {
        let value = &self.0;
        let body_start = value
            .match_indices('-')
            .nth(2)
            .map(|(i, _)| i + 1)
            .unwrap_or(value.len());
        let body = &value[body_start..];
        if body.len() < 12 {
            // Too short to show any of it without giving most of it away.
            return format!("{}…", &value[..body_start]);
        }
        format!(
            "{}{}…{}",
            &value[..body_start],
            &body[..3],
            &body[body.len() - 4..]
        )
    }

    /// Length in bytes, for end columns; reveals nothing of the value.
    pub fn byte_len(&self) -> usize {
        self.0.len()
    }

    /// The full secret. Only the report writers call this, and only when the
    /// user passed `--show-secrets`.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Secret({})", self.redacted())
    }
}

impl fmt::Display for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.redacted())
    }
}

/// Which command produced a finding; decides the wording of the recovery steps.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Source {
    /// `antleak scan`: files in a working tree.
    Worktree,
    /// `antleak staged`: blobs in the git index, not yet committed.
    Staged,
    /// `antleak history`: blobs reachable from any ref.
    History,
}

/// The commit that first brought a blob to a path.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CommitInfo {
    pub id: String,
    /// `Name <email>`.
    pub author: String,
    /// RFC 3339, UTC (`2024-03-05T10:11:12Z`).
    pub date: String,
}

/// One reportable problem at one place.
#[derive(Clone, Debug)]
pub struct Finding {
    pub rule: RuleId,
    pub severity: Severity,
    pub source: Source,
    /// `/`-separated, relative to the scanned root (repo root for git sources).
    pub path: String,
    /// The scanned path or repository the path is relative to, as the user
    /// gave it (or as `--repos-under` found it); set only when several were
    /// scanned in one run, so that paths stay unambiguous.
    pub root: Option<String>,
    /// 1-based; `None` for whole-file findings (`.env` files).
    pub line: Option<u64>,
    /// 1-based, counted in bytes.
    pub column: Option<u64>,
    /// Set for credential findings, `None` for `.env` file findings.
    pub secret: Option<Secret>,
    /// Set for history findings.
    pub commit: Option<CommitInfo>,
    /// History only: whether the credential can still be found at HEAD.
    pub still_in_head: Option<bool>,
}

impl Finding {
    /// A whole-file finding about a `.env` file: no line, no secret; a
    /// history source fills in the commit afterwards.
    pub fn dotenv_file(rule: RuleId, severity: Severity, source: Source, path: String) -> Finding {
        Finding {
            rule,
            severity,
            source,
            path,
            root: None,
            line: None,
            column: None,
            secret: None,
            commit: None,
            still_in_head: None,
        }
    }

    /// The order of every report: by place first, so output is deterministic
    /// whatever order the parallel workers finished in.
    pub fn sort_key(&self) -> impl Ord + '_ {
        (
            &self.root,
            &self.path,
            self.line,
            self.column,
            self.rule,
            self.commit.as_ref().map(|c| &c.date),
        )
    }
}

/// Counts that describe how much was scanned.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Summary {
    pub findings: u64,
    pub files_scanned: u64,
    pub blobs_scanned: u64,
    pub bytes_scanned: u64,
    pub unreadable: u64,
    pub elapsed_ms: u64,
    /// History only: the repository is a shallow clone, so older commits were
    /// not there to scan.
    pub shallow: Option<bool>,
    /// Everything asked for was scanned (`unscanned` is empty).
    pub complete: bool,
    /// What could not be scanned, by kind and cause.
    pub unscanned: Vec<crate::coverage::Unscanned>,
    /// How to scan what was missed, as the sources suggested.
    pub fixes: Vec<String>,
    /// Files that disappeared while the scan ran.
    pub vanished: u64,
    /// Findings dropped by allow rules and by the baseline.
    pub suppressed_allow: u64,
    pub suppressed_baseline: u64,
}

/// Everything a report writer needs.
#[derive(Debug)]
pub struct Report {
    pub command: &'static str,
    pub findings: Vec<Finding>,
    pub remediation: crate::remediation::Plan,
    pub summary: Summary,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(prefix: &str) -> Secret {
        let body: String = ('A'..='Z')
            .chain('a'..='z')
            .chain('0'..='9')
            .cycle()
            .take(93)
            .collect();
        Secret::new(format!("{prefix}{body}AA"))
    }

    #[test]
    fn redaction_keeps_prefix_three_first_and_four_last_characters() {
        let secret = key(&["sk", "ant", "api03-"].join("-"));
        assert_eq!(secret.redacted(), "sk-ant-api03-ABC…deAA");
        let admin = key(&["sk", "ant", "admin01-"].join("-"));
        assert_eq!(admin.redacted(), "sk-ant-admin01-ABC…deAA");
    }

    #[test]
    fn debug_and_display_never_show_the_secret() {
        let secret = key(&["sk", "ant", "api03-"].join("-"));
        let shown = format!("{secret:?} {secret}");
        assert!(!shown.contains(&secret.expose()[20..50]), "{shown}");
    }

    #[test]
    fn fingerprint_is_lowercase_sha256_hex() {
        let secret = Secret::new("abc".to_string());
        assert_eq!(
            secret.fingerprint(),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
    }
}
