//! The leaked keys `revoke` and `audit` act on, and how each is found among
//! the organization's keys.
//!
//! They come from an earlier antleak JSON report (`--report FILE`) or from a
//! fresh scan of a repository's history (the default: history is what
//! others can read, and it gives each key the date it first leaked). Either
//! way only the redacted form is needed: antleak redacts a key exactly as
//! the Console's `partial_key_hint` shows it (prefix, first three and last
//! four characters of the body), so a report that holds no secret is enough
//! to find the key's id, and no full secret ever has to be stored.

use std::path::Path;

use anyhow::{Context as _, Result, bail};
use serde::Deserialize;

use super::admin::ApiKey;
use super::args::{Context, LeakedArgs};
use crate::config::Files;
use crate::filters::Filters;
use crate::rules::RuleId;
use crate::sources::{self, Stats, history};

/// One distinct leaked credential.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LeakedKey {
    /// As the report shows it: `sk-ant-api03-R2D…igAA`.
    pub redacted: String,
    pub fingerprint: String,
    pub rule: RuleId,
    /// RFC 3339; `None` when the source cannot tell (a working-tree scan).
    pub first_leaked: Option<String>,
}

/// Reads the leaked keys the user pointed at: `--report FILE`, else the
/// history of `--repo` (default: the current repository), with the same
/// allow-list and baseline a `history` scan would apply.
pub fn load(args: &LeakedArgs, context: &Context) -> Result<Vec<LeakedKey>> {
    match &args.report {
        Some(path) => from_report(path),
        None => from_history(args.repo.as_deref(), context),
    }
}

#[derive(Deserialize)]
struct ReportFile {
    schema_version: u32,
    tool: Tool,
    #[serde(default)]
    remediation: Vec<ReportRemediation>,
}

#[derive(Deserialize)]
struct Tool {
    name: String,
}

#[derive(Deserialize)]
struct ReportRemediation {
    fingerprint: String,
    secret_redacted: String,
    rule: String,
    first_leaked: Option<String>,
}

pub fn from_report(path: &Path) -> Result<Vec<LeakedKey>> {
    let text = std::fs::read_to_string(path)
        .with_context(|| format!("{}: cannot read report", path.display()))?;
    let report: ReportFile = serde_json::from_str(&text)
        .map_err(|err| anyhow::anyhow!("{}: not an antleak JSON report ({err})", path.display()))?;
    if report.tool.name != "antleak" || report.schema_version != 1 {
        bail!(
            "{}: not an antleak JSON report of schema_version 1",
            path.display()
        );
    }
    report
        .remediation
        .into_iter()
        .map(|r| {
            let rule = RuleId::ALL
                .into_iter()
                .find(|rule| rule.as_str() == r.rule)
                .with_context(|| format!("{}: unknown rule {:?}", path.display(), r.rule))?;
            Ok(LeakedKey {
                redacted: r.secret_redacted,
                fingerprint: r.fingerprint,
                rule,
                first_leaked: r.first_leaked,
            })
        })
        .collect()
}

fn from_history(repo: Option<&Path>, context: &Context) -> Result<Vec<LeakedKey>> {
    let repo = sources::open_repo(repo)?;
    let root = sources::repo_root(&repo);
    let filters = Filters::load(
        context.config.as_deref(),
        context.baseline.as_deref(),
        root.as_deref(),
        &Files::Disk,
    )?;
    let options = history::Options {
        threads: context.threads,
        range: None,
        // Revoking what a shallow clone shows is still worth doing.
        allow_shallow: true,
    };
    let findings = filters.apply(history::scan(&repo, &options, &Stats::default())?.findings);
    Ok(crate::remediation::plan(&findings)
        .credentials
        .into_iter()
        .map(|r| LeakedKey {
            redacted: r.secret_redacted,
            fingerprint: r.fingerprint,
            rule: r.rule,
            first_leaked: r.first_leaked,
        })
        .collect())
}

/// What the organization's list says about one leaked key.
#[derive(Debug)]
pub enum Found<'k> {
    None,
    One(&'k ApiKey),
    /// The hint is not unique: antleak will not guess which one leaked.
    Several(Vec<&'k ApiKey>),
}

/// The organization's keys whose hint is the leaked key's redacted form.
pub fn find<'k>(leaked: &LeakedKey, keys: &'k [ApiKey]) -> Found<'k> {
    let mut matches: Vec<&ApiKey> = keys
        .iter()
        .filter(|k| {
            k.partial_key_hint
                .as_deref()
                .is_some_and(|hint| same_hint(hint, &leaked.redacted))
        })
        .collect();
    match matches.len() {
        0 => Found::None,
        1 => Found::One(matches.remove(0)),
        _ => Found::Several(matches),
    }
}

/// The Console writes `...` where antleak writes `…`; otherwise the two
/// forms are the same characters, compared exactly.
pub fn same_hint(hint: &str, redacted: &str) -> bool {
    let normal = |s: &str| s.trim().replace('…', "...");
    let (hint, redacted) = (normal(hint), normal(redacted));
    // An empty or elided-only form would match too much.
    redacted.len() > "sk-ant-api03-...".len() && hint == redacted
}

/// Only API keys are listed by the Admin API, so only they can be matched,
/// revoked and audited through it.
pub fn is_org_api_key(rule: RuleId) -> bool {
    rule == RuleId::AnthropicApiKey
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::finding::Secret;

    fn api_key(id: &str, hint: &str) -> ApiKey {
        serde_json::from_value(serde_json::json!({
            "id": id, "partial_key_hint": hint, "status": "active", "type": "api_key"
        }))
        .unwrap()
    }

    #[test]
    fn redaction_and_console_hint_agree() {
        let body: String = "R2D"
            .chars()
            .chain(std::iter::repeat_n('q', 88))
            .chain("igAA".chars())
            .collect();
        let secret = Secret::new(format!("{}api03-{body}", ["sk", "ant", ""].join("-")));
        assert_eq!(secret.redacted(), "sk-ant-api03-R2D…igAA");
        assert!(same_hint("sk-ant-api03-R2D...igAA", &secret.redacted()));
        assert!(same_hint("sk-ant-api03-R2D…igAA", &secret.redacted()));
        assert!(!same_hint("sk-ant-api03-R2D...igAB", &secret.redacted()));
        assert!(!same_hint("sk-ant-api03-r2d...igAA", &secret.redacted()));
        assert!(!same_hint("sk-ant-api03-...", "sk-ant-api03-…"));
    }

    #[test]
    fn zero_one_or_several_matches() {
        let leaked = LeakedKey {
            redacted: "sk-ant-api03-R2D…igAA".into(),
            fingerprint: "f".into(),
            rule: RuleId::AnthropicApiKey,
            first_leaked: None,
        };
        let keys = vec![
            api_key("a", "sk-ant-api03-R2D...igAA"),
            api_key("b", "sk-ant-api03-XYZ...igAA"),
        ];
        assert!(matches!(find(&leaked, &keys), Found::One(k) if k.id == "a"));
        assert!(matches!(find(&leaked, &keys[1..]), Found::None));
        let twice = vec![keys[0].clone(), api_key("c", "sk-ant-api03-R2D...igAA")];
        assert!(matches!(find(&leaked, &twice), Found::Several(v) if v.len() == 2));
    }
}
