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

use anyhow::{Context as _, Result};

use super::admin::ApiKey;
use crate::core::finding::Source;
use crate::core::remediation::{Plan, runbook};
use crate::core::rules::RuleId;
use crate::report::saved::SavedReport;

/// One distinct leaked credential.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LeakedKey {
    /// As the report shows it: `sk-ant-api03-R2D…igAA`.
    pub redacted: String,
    pub fingerprint: String,
    pub rule: RuleId,
    /// RFC 3339; `None` when the source cannot tell (a working-tree scan).
    pub first_leaked: Option<String>,
    /// Its recovery runbook, as the report wrote it.
    pub steps: Vec<String>,
}

impl LeakedKey {
    /// The credentials of a fresh scan's plan.
    pub fn from_plan(plan: &Plan) -> Vec<LeakedKey> {
        plan.credentials
            .iter()
            .map(|r| LeakedKey {
                redacted: r.secret_redacted.clone(),
                fingerprint: r.fingerprint.clone(),
                rule: r.rule,
                first_leaked: r.first_leaked.clone(),
                steps: r.steps.clone(),
            })
            .collect()
    }

    /// The credentials of a saved report (`--report FILE`).
    pub fn from_report(path: &Path) -> Result<Vec<LeakedKey>> {
        let text = std::fs::read_to_string(path)
            .with_context(|| format!("{}: cannot read report", path.display()))?;
        SavedReport::parse(&text, path)?
            .remediation
            .into_iter()
            .map(|r| {
                let rule = RuleId::from_id(&r.rule)
                    .with_context(|| format!("{}: unknown rule {:?}", path.display(), r.rule))?;
                Ok(LeakedKey {
                    redacted: r.secret_redacted,
                    fingerprint: r.fingerprint,
                    rule,
                    first_leaked: r.first_leaked,
                    steps: r.steps,
                })
            })
            .collect()
    }

    /// The runbook steps that come after revoking it.
    pub fn next_steps(&self) -> &[String] {
        self.steps.get(1..).unwrap_or_default()
    }

    /// The runbook's revoke step, for a credential the Admin API cannot
    /// deactivate.
    pub fn revoke_by_hand(&self) -> String {
        match self.steps.first() {
            Some(step) => step.clone(),
            None => runbook(self.rule, &self.redacted, None, false, Source::History).remove(0),
        }
    }
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
    use crate::core::finding::Secret;

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
            steps: Vec::new(),
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
