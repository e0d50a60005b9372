//! The values that flow from the sources to the reports: a [`Secret`] that
//! can only be shown redacted, where a blob came from ([`Provenance`]), and
//! the [`Finding`] that places a credential or a `.env` file.
//!
//! Nothing here performs I/O. The raw bytes of a secret leave this module only
//! through [`Secret::expose`], which the JSON and human writers call when the
//! user passed `--show-secrets`.

use std::fmt;

use sha2::{Digest, Sha256};

use crate::core::exposure::Exposure;
use crate::core::forms::Step;
use crate::core::rules::{RuleId, Severity};

/// A credential found in some bytes. `Debug` and `Display` print the redacted
/// form, so a stray `{:?}` in a log or a panic message cannot leak it.
///
/// The fingerprint is computed once, here: reports, baselines and allow
/// rules all key on it, many times per credential.
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Secret {
    value: String,
    fingerprint: String,
}

impl Secret {
    /// Keys are ASCII by construction (the rules only accept `[A-Za-z0-9_-]`).
    pub fn new(value: String) -> Secret {
        let fingerprint = hex::encode(Sha256::digest(value.as_bytes()));
        Secret { value, fingerprint }
    }

    /// Lowercase hex SHA-256 of the exact secret bytes: the identity of a
    /// credential in reports, baselines and allow-lists.
    pub fn fingerprint(&self) -> &str {
        &self.fingerprint
    }

    /// The key the way the Anthropic Console lists it: the prefix up to and
    /// including the version dash, the first three characters of the body,
    /// an ellipsis and the last four characters (`sk-ant-api03-R2D…igAA`).
    pub fn redacted(&self) -> String {
        let value = &self.value;
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
        self.value.len()
    }

    /// The full secret. Only the report writers call this, and only when the
    /// user passed `--show-secrets`; and `--verify`, which sends it to the API.
    pub fn expose(&self) -> &str {
        &self.value
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

/// Which command produced a finding, as reports name it (`source`).
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

/// Where the bytes of a finding came from; decides the wording of the
/// recovery steps (a staged key has not leaked yet, a committed one has).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Provenance {
    /// A file of a working tree (`scan`).
    Worktree,
    /// A file of a git work tree that git neither tracks nor ignores
    /// (`scan`): it has not left the machine through git; one `git add`
    /// away, it is at risk rather than leaked.
    Untracked,
    /// A blob of the git index (`staged`); `in_head`: HEAD already holds the
    /// same credential (or tracks the same `.env` file), so it leaked before
    /// this commit.
    Staged { in_head: bool },
    /// A blob of history (`history`), placed at the earliest commit that
    /// brought it to its path; `still_in_head`: HEAD's tree still holds it.
    History {
        commit: CommitInfo,
        still_in_head: bool,
    },
    /// A blob of history that no commit introduced, published by a ref of a
    /// blob or a tree (`history`, path `refs/tags/t` or `refs/tags/t:file`).
    Tagged,
}

impl Provenance {
    pub fn source(&self) -> Source {
        match self {
            Provenance::Worktree | Provenance::Untracked => Source::Worktree,
            Provenance::Staged { .. } => Source::Staged,
            Provenance::History { .. } | Provenance::Tagged => Source::History,
        }
    }

    pub fn commit(&self) -> Option<&CommitInfo> {
        match self {
            Provenance::History { commit, .. } => Some(commit),
            _ => None,
        }
    }

    /// Whether HEAD holds it (`staged` and `history`); `None` for a working tree.
    pub fn in_head(&self) -> Option<bool> {
        match self {
            Provenance::Worktree | Provenance::Untracked | Provenance::Tagged => None,
            Provenance::Staged { in_head } => Some(*in_head),
            Provenance::History { still_in_head, .. } => Some(*still_in_head),
        }
    }
}

/// One reportable problem at one place: a credential, a whole file (a `.env`,
/// a Claude Code personal file), or a line without a secret
/// (`anthropic-browser-access`).
#[derive(Clone, Debug)]
pub struct Finding {
    pub rule: RuleId,
    pub severity: Severity,
    pub provenance: Provenance,
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
    /// The decoding steps from the stored bytes to the key, outermost first
    /// (archive steps included); empty for a plain key.
    pub encoding: Vec<Step>,
    /// The archive member path, outermost first, when the finding is inside
    /// an archive; `path` then ends with it (`outer!a.jar!x.properties`).
    pub member: Vec<String>,
    /// Credentials only: the key ships to the browser (a public variable, a
    /// bundle); such a finding is critical.
    pub exposure: Option<Exposure>,
    /// What held the key: a file, or a piece of git metadata (history).
    pub location: Location,
}

/// Where in a repository a credential sits: in a file, or in git metadata,
/// which no commit can remove (a commit message stays in every clone).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Location {
    #[default]
    File,
    /// The message of a commit (`commit` names it).
    CommitMessage,
    /// The message of an annotated tag (`path` names the tag).
    TagMessage,
    /// The author, committer or tagger of a commit or tag.
    Identity,
    /// The name of a ref (`path` holds it).
    RefName,
    /// The name of a file (`path` is that file).
    PathName,
}

impl Location {
    /// What a person reads: "the message of a commit".
    pub fn describe(self) -> &'static str {
        match self {
            Location::File => "a file",
            Location::CommitMessage => "a commit message",
            Location::TagMessage => "an annotated tag's message",
            Location::Identity => "an author or committer identity",
            Location::RefName => "a ref name",
            Location::PathName => "a file name",
        }
    }
}

impl Finding {
    /// A whole-file finding about a `.env` file: no line, no secret.
    pub fn dotenv_file(
        rule: RuleId,
        severity: Severity,
        provenance: Provenance,
        path: String,
    ) -> Finding {
        Finding {
            rule,
            severity,
            provenance,
            path,
            root: None,
            line: None,
            column: None,
            secret: None,
            encoding: Vec::new(),
            member: Vec::new(),
            exposure: None,
            location: Location::File,
        }
    }

    /// The file that holds the finding: `path` without its archive members.
    pub fn outer_path(&self) -> &str {
        let members: usize = self.member.iter().map(|m| m.len() + 1).sum();
        &self.path[..self.path.len().saturating_sub(members)]
    }

    pub fn source(&self) -> Source {
        self.provenance.source()
    }

    pub fn commit(&self) -> Option<&CommitInfo> {
        self.provenance.commit()
    }

    pub fn fingerprint(&self) -> Option<&str> {
        self.secret.as_ref().map(Secret::fingerprint)
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
            self.commit().map(|c| &c.date),
        )
    }
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
