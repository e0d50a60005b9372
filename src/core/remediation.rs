//! Turns findings into the owner's recovery checklist. Pure.
//!
//! The runbook's order is fixed: (1) revoke in the Console, (2) generate a
//! replacement, (3) update the `.env` of every server, (4) restart, (5) audit
//! usage from the first exposure until the revocation. Each step is written
//! for one credential: which key (redacted as the Console lists it), where to
//! click, which variable to change, and which dates to audit.

use std::collections::{BTreeMap, HashMap};

use crate::core::claude_files::{self, ClaudeFile};
use crate::core::exposure::Exposure;
use crate::core::finding::{Finding, Location, Provenance, Source};
use crate::core::quote::shell_quote;
use crate::core::rules::{RuleId, Severity};
use crate::core::verdict::Verification;

/// The recovery plan for one distinct credential (one fingerprint).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Remediation {
    pub fingerprint: String,
    pub secret_redacted: String,
    pub rule: RuleId,
    /// History only: the earliest commit date that exposed the credential.
    pub first_leaked: Option<String>,
    pub steps: Vec<String>,
    /// Set by `--verify` (see [`Plan::record_verdicts`]).
    pub verification: Option<Verification>,
    /// `scan` only: every place it was found is a file git neither tracks
    /// nor ignores. It has not left the machine through git: it is at risk
    /// (one `git add` away), not leaked.
    pub at_risk: bool,
}

/// The clean-up for one whole-file or secretless finding: a `.env`-style
/// file or a Claude Code personal file that git tracks or could track, or a
/// file with `anthropic-browser-access` code (JSON: `dotenv_remediation`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DotenvRemediation {
    pub path: String,
    pub rule: RuleId,
    pub steps: Vec<String>,
}

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Plan {
    pub credentials: Vec<Remediation>,
    pub dotenv_files: Vec<DotenvRemediation>,
    /// Fingerprint → index in `credentials`: writers look a credential up
    /// once per finding, and a file can hold tens of thousands.
    by_fingerprint: HashMap<String, usize>,
}

impl Plan {
    /// The entry of the credential with this fingerprint.
    pub fn credential(&self, fingerprint: &str) -> Option<&Remediation> {
        self.by_fingerprint
            .get(fingerprint)
            .map(|&i| &self.credentials[i])
    }

    /// Records `--verify`'s verdicts (by index in `credentials`) and lists
    /// live credentials first, the rest in the order they had.
    pub fn record_verdicts(&mut self, verdicts: Vec<(usize, Verification)>) {
        for (i, verdict) in verdicts {
            self.credentials[i].verification = Some(verdict);
        }
        // Stable: among live keys, and among the others, the order stays.
        self.credentials
            .sort_by_key(|r| !r.verification.as_ref().is_some_and(Verification::is_live));
        self.index();
    }

    fn index(&mut self) {
        self.by_fingerprint = (self.credentials.iter().enumerate())
            .map(|(i, r)| (r.fingerprint.clone(), i))
            .collect();
    }
}

/// One plan entry per distinct credential, most severe first, then by when
/// it leaked; one per `.env` file.
/// How much of the history a plan's dates come from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum History {
    /// All of it (or no history at all: a working tree, the index).
    Whole,
    /// A shallow clone or grafts cut it: a key's first commit found may not
    /// be its first commit, and the audit must reach further back.
    Cut,
}

pub fn plan(findings: &[Finding], history: History) -> Plan {
    let mut by_fingerprint: BTreeMap<&str, Vec<&Finding>> = BTreeMap::new();
    let mut dotenv_files: BTreeMap<(&str, RuleId), &Finding> = BTreeMap::new();
    for finding in findings {
        match finding.fingerprint() {
            Some(fingerprint) => by_fingerprint.entry(fingerprint).or_default().push(finding),
            None => {
                dotenv_files
                    .entry((&finding.path, finding.rule))
                    .or_insert(finding);
            }
        }
    }
    // Most severe first (a key shipped to browsers is critical), then a
    // browser-exposed key before another critical one, then by leak date.
    let mut credentials: Vec<(Severity, bool, Remediation)> = by_fingerprint
        .into_iter()
        .map(|(fingerprint, found)| {
            let worst = found.iter().map(|f| f.severity).max();
            let exposed = found.iter().any(|f| f.exposure.is_some());
            let entry = credential_plan(fingerprint.to_string(), &found, history);
            (worst.unwrap_or(entry.rule.base_severity()), exposed, entry)
        })
        .collect();
    credentials.sort_by(|(sa, ea, a), (sb, eb, b)| {
        (sb, eb, &a.first_leaked, &a.fingerprint).cmp(&(sa, ea, &b.first_leaked, &b.fingerprint))
    });
    let credentials = credentials.into_iter().map(|(_, _, r)| r).collect();
    let dotenv_files = dotenv_files
        .into_values()
        .map(|f| DotenvRemediation {
            path: f.path.clone(),
            rule: f.rule,
            steps: file_steps(
                f.rule,
                f.source(),
                &f.path,
                f.severity >= Severity::High,
                f.provenance.in_head() != Some(false),
            ),
        })
        .collect();
    let mut plan = Plan {
        credentials,
        dotenv_files,
        by_fingerprint: HashMap::new(),
    };
    plan.index();
    plan
}

fn credential_plan(fingerprint: String, found: &[&Finding], history: History) -> Remediation {
    let first = found[0];
    let secret = first
        .secret
        .as_ref()
        .map(|s| s.redacted())
        .unwrap_or_default();
    let first_leaked = found
        .iter()
        .filter_map(|f| f.commit().map(|c| c.date.clone()))
        .min();
    // A key that is only staged has not reached history; anything else has
    // been exposed to whoever can read the tree or the repository. The hook
    // also sees keys that HEAD already holds, when their file is edited.
    let staged = found.iter().all(|f| f.source() == Source::Staged);
    let only_staged = staged
        && found
            .iter()
            .all(|f| f.provenance == Provenance::Staged { in_head: false });
    let at_risk = found.iter().all(|f| f.provenance == Provenance::Untracked);
    let mut steps = Vec::new();
    // Shipping to the browser comes first: it changes what "private" means.
    let exposure = found.iter().find_map(|f| f.exposure.as_ref());
    if let Some(exposure) = exposure {
        steps.extend(browser_steps(exposure, &secret, only_staged));
    }
    // A key shipped to browsers has left the machine, tracked or not.
    let at_risk = at_risk && exposure.is_none();
    if at_risk {
        // The file to ignore is the archive, not a member inside it.
        let mut paths: Vec<&str> = found.iter().map(|f| f.outer_path()).collect();
        paths.dedup();
        let quoted: Vec<String> = paths.iter().map(|p| shell_quote(p)).collect();
        steps.push(format!(
            "{secret} is in {} that git does not track: it has not left this machine through \
             git, but one `git add` would commit it. Keep it out: `printf '%s\\n' {} >> \
             .gitignore`, or move the key to a .env that .gitignore lists.",
            if paths.len() == 1 { "a file" } else { "files" },
            quoted.join(" ")
        ));
        steps.push(format!(
            "Read {var} from the environment instead of keeping the key next to the code.",
            var = env_var(first.rule)
        ));
    }
    // A message or a name cannot be edited away: say so before the runbook.
    if let Some(f) = found.iter().find(|f| f.location != Location::File) {
        let commit = f
            .commit()
            .map(|c| format!(" (commit {})", &c.id[..c.id.len().min(12)]))
            .unwrap_or_default();
        steps.push(format!(
            "{secret} is in {}{commit}: no later commit removes it, every clone and fork keeps \
             it, and rewriting history would need every one of them re-made. Rotating the key \
             is the fix.",
            f.location.describe()
        ));
    }
    if staged && !only_staged {
        steps.push(format!(
            "{secret} is already committed (HEAD holds it), so it has leaked to everyone who \
             can read this repository: rotate it now, whatever happens to this commit."
        ));
    }
    if only_staged {
        steps.push(format!(
            "{secret} is only staged, not committed: nothing to rotate unless it was also shared \
             elsewhere (chat, tickets, another repository)."
        ));
        steps.push(format!(
            "Take it out of the code: put {var}=<key> in a .env file that git ignores \
             (`git check-ignore -v .env` says whether it does), read {var} from the environment, \
             then `git add` the file again.",
            var = env_var(first.rule)
        ));
    }
    // A committed key's exposure date is unknown here, as in a working tree.
    let source = match first.source() {
        Source::Staged if !only_staged => Source::Worktree,
        source => source,
    };
    let lower_bound = history == History::Cut && first_leaked.is_some();
    let runbook = runbook(
        first.rule,
        &secret,
        first_leaked.as_deref(),
        lower_bound,
        source,
    );
    if only_staged || at_risk {
        // The runbook applies only if the key got out some other way.
        steps.extend(
            runbook
                .into_iter()
                .map(|step| format!("If it was shared: {step}")),
        );
    } else {
        steps.extend(runbook);
    }
    if let Some(config) = found.iter().find(|f| claude_files::is_mcp_config(&f.path)) {
        steps.push(mcp_step(&config.path, first.rule));
    }
    Remediation {
        fingerprint,
        secret_redacted: secret,
        rule: first.rule,
        first_leaked,
        steps,
        verification: None,
        at_risk,
    }
}

/// What a key that ships to the browser needs first: that anyone can read
/// it, and the fix (a server route). `only_staged`: not committed yet, so
/// maybe never built either.
fn browser_steps(exposure: &Exposure, secret: &str, only_staged: bool) -> Vec<String> {
    let reason = exposure.reason();
    let first = if only_staged {
        format!(
            "{secret} would ship to every visitor of the site: {reason}, so once built, anyone who \
             loads the page can read it. If a build with it was ever deployed, rotate it (steps \
             below) even if the repository is private."
        )
    } else {
        format!(
            "{secret} ships to every visitor of the site: {reason}, so anyone who loads the page \
             can read it. Rotate it (steps below) even if the repository is private."
        )
    };
    let variable = match exposure {
        Exposure::PublicVariable(name) => format!("remove {name}"),
        Exposure::Bundle => "remove the public variable that put it in the bundle".to_string(),
    };
    vec![
        first,
        format!(
            "Fix the code: move the API call to a server route (an API route, server action or \
             backend) that holds the key in its own environment as ANTHROPIC_API_KEY, and \
             {variable} from .env files, CI and the hosting settings; rebuild and redeploy so that \
             no bundle served holds the key."
        ),
    ]
}

/// A key in an MCP configuration: the replacement goes in the environment.
/// Claude Code expands `${VAR}` and `${VAR:-default}` in the `command`,
/// `args`, `env`, `url` and `headers` of `.mcp.json` (Claude Code docs,
/// "MCP" → "Environment variable expansion in .mcp.json").
fn mcp_step(path: &str, rule: RuleId) -> String {
    let var = match rule {
        RuleId::AnthropicAdminKey => "ANTHROPIC_ADMIN_KEY",
        _ => "ANTHROPIC_API_KEY",
    };
    format!(
        "Keep the new key out of {path}: set {var} in your environment and reference it \
         (`\"env\": {{\"{var}\": \"${{{var}}}\"}}`, which Claude Code expands in .mcp.json); \
         a claude_desktop_config.json belongs in your user folder, never in a repository."
    )
}

/// The five runbook steps for one credential, in the runbook's order.
/// `lower_bound`: `first_leaked` is the oldest date the scanned history
/// shows, and the key may be older.
pub fn runbook(
    rule: RuleId,
    secret: &str,
    first_leaked: Option<&str>,
    lower_bound: bool,
    source: Source,
) -> Vec<String> {
    vec![
        revoke_step(rule, secret),
        regenerate_step(rule, "the same workspace"),
        format!(
            "Update {var} in the .env of every server and CI secret store that used {secret}.",
            var = env_var(rule)
        ),
        "Restart the applications on those servers so they load the new key; the old one must \
         now fail with 401."
            .to_string(),
        audit_step(rule, secret, first_leaked, lower_bound, source),
    ]
}

/// The checklist for a rule in general, not one finding: SARIF rule help.
pub fn checklist(rule: RuleId) -> Vec<String> {
    if rule.is_credential() {
        runbook(rule, "the key", None, false, Source::History)
    } else {
        file_steps(rule, Source::History, "<file>", true, true)
    }
}

/// The steps for a whole-file or secretless finding, by rule.
fn file_steps(
    rule: RuleId,
    source: Source,
    path: &str,
    holds_credential: bool,
    tracked: bool,
) -> Vec<String> {
    match rule {
        RuleId::AnthropicBrowserAccess => browser_access_steps(path),
        RuleId::ClaudeLocalFileCommitted | RuleId::ClaudeLocalFileUnignored => {
            claude_file_steps(rule, source, path, tracked)
        }
        _ => dotenv_steps(rule, source, path, holds_credential, tracked),
    }
}

fn browser_access_steps(path: &str) -> Vec<String> {
    vec![
        format!(
            "{path} calls the Anthropic API from the browser, so the key it uses ships to every \
             visitor of the site: anyone who loads the page can read it and spend on your \
             account."
        ),
        "Move those calls to a backend (an API route, server action or server) that holds the key \
         in its environment, and have the page call that route; then rotate the key the browser \
         code used (Console → Settings → API Keys)."
            .to_string(),
        "If it is deliberate (each user pastes their own key, which never leaves their browser), \
         mark the line with a comment holding `antleak:allow`."
            .to_string(),
    ]
}

/// Claude Code's personal files, as `.env` files are handled, plus what to
/// rotate: for `.credentials.json`, the account's OAuth login.
fn claude_file_steps(rule: RuleId, source: Source, path: &str, tracked: bool) -> Vec<String> {
    let credentials = claude_files::of_path(path) == Some(ClaudeFile::Credentials);
    let ignore = format!("`echo '{path}' >> .gitignore`");
    if rule == RuleId::ClaudeLocalFileUnignored {
        return vec![format!(
            "Add {path} to .gitignore before it is committed: {ignore}; it is Claude Code's \
             personal file, never meant to be shared."
        )];
    }
    let mut steps = match (source, tracked) {
        (Source::Staged, false) => vec![
            format!("Unstage it, keeping the file on disk: `git rm --cached {path}`."),
            format!("Add it to .gitignore so it cannot be staged again: {ignore}."),
        ],
        (_, true) => vec![
            format!(
                "Stop tracking it, keeping the file on disk: `git rm --cached {path}` and commit."
            ),
            format!("Add it to .gitignore: {ignore}."),
        ],
        (_, false) => vec![format!(
            "It is no longer in HEAD, but every clone still has its old versions; make sure \
             .gitignore lists it: `git check-ignore -v {path}`."
        )],
    };
    let leaked = source != Source::Staged || tracked;
    steps.push(match (credentials, leaked) {
        (true, true) => "It holds the OAuth login of a claude.ai account: sign out where it was \
                         issued (`claude /logout`), sign in again, and remove the old session from \
                         the connected apps of the claude.ai account settings."
            .to_string(),
        (true, false) => "It holds your claude.ai login: nothing to rotate unless it was also \
                          shared elsewhere; if it was, `claude /logout` and sign in again."
            .to_string(),
        (false, true) => "Rotate whatever it held (an `env` ANTHROPIC_API_KEY or \
                          ANTHROPIC_AUTH_TOKEN, MCP server tokens, an apiKeyHelper's secrets): its \
                          old versions stay in history. Shared settings go in \
                          .claude/settings.json, without secrets."
            .to_string(),
        (false, false) => "Shared settings go in .claude/settings.json, without secrets; this one \
                           stays personal."
            .to_string(),
    });
    steps
}

fn revoke_step(rule: RuleId, secret: &str) -> String {
    match rule {
        RuleId::AnthropicAdminKey => format!(
            "Revoke {secret} now: Console → Settings → Admin Keys, find the key listed as \
             {secret}, Delete. An admin key manages the whole organization: do this first."
        ),
        RuleId::AnthropicOauthToken => format!(
            "Revoke {secret} now: sign out of Claude Code where it was issued (`claude /logout`) \
             and remove the connected app from your claude.ai account settings."
        ),
        RuleId::AnthropicSessionKey => format!(
            "Invalidate {secret} now: on claude.ai, Settings → Account → log out of all devices; \
             a session key is a login cookie, valid until the session ends."
        ),
        _ => format!(
            "Revoke {secret} now: Console (console.anthropic.com) → Settings → API Keys, find the \
             key listed as {secret}, Revoke."
        ),
    }
}

/// `workspace`: where the replacement goes (`the same workspace`, or the
/// one `revoke` read from the Admin API).
pub fn regenerate_step(rule: RuleId, workspace: &str) -> String {
    match rule {
        RuleId::AnthropicAdminKey => {
            "Create a replacement admin key (Settings → Admin Keys → Create Key) only if you \
             still need one."
                .to_string()
        }
        RuleId::AnthropicOauthToken | RuleId::AnthropicSessionKey => {
            "Sign in again to get a new token; never copy it into files git can see.".to_string()
        }
        _ => format!("Generate a replacement: Settings → API Keys → Create Key, in {workspace}."),
    }
}

fn env_var(rule: RuleId) -> &'static str {
    match rule {
        RuleId::AnthropicAdminKey => "ANTHROPIC_ADMIN_KEY",
        RuleId::AnthropicOauthToken => "CLAUDE_CODE_OAUTH_TOKEN",
        _ => "ANTHROPIC_API_KEY (or ANTHROPIC_AUTH_TOKEN)",
    }
}

fn audit_step(
    rule: RuleId,
    secret: &str,
    first_leaked: Option<&str>,
    lower_bound: bool,
    source: Source,
) -> String {
    let what = match rule {
        RuleId::AnthropicAdminKey => {
            "the organization's activity (keys, members and workspaces created or changed)"
        }
        RuleId::AnthropicOauthToken | RuleId::AnthropicSessionKey => {
            "recent conversations and sessions of the account"
        }
        _ => "Console → Usage, filtered to this key,",
    };
    match (first_leaked, source) {
        (Some(date), _) if lower_bound => format!(
            "Audit {what} from before {date} until the revocation: that is the oldest commit this \
             clone holds with {secret}, and the history before it was not scanned, so it may \
             have leaked earlier (`git fetch --unshallow` and a new scan tell the real date)."
        ),
        (Some(date), _) => format!(
            "Audit {what} from {date} (first committed) until the revocation: calls you do not \
             recognise were made by someone else with {secret}."
        ),
        (None, Source::Staged) => {
            format!("Audit {what} from the day {secret} was shared until the revocation.")
        }
        (None, Source::History) => format!(
            "Audit {what} from the date of the first commit that exposed {secret} until the \
             revocation: calls you do not recognise were made by someone else."
        ),
        (None, Source::Worktree) => format!(
            "Audit {what} from the day {secret} was first exposed until the revocation; this scan \
             cannot tell that day: run `antleak history` in the repository to find the \
             commit that first exposed it."
        ),
    }
}

/// `tracked`: git tracks the file already (in history and for a staged
/// file: HEAD has it); when it is gone already, what is left to do is the
/// rotation.
fn dotenv_steps(
    rule: RuleId,
    source: Source,
    path: &str,
    holds_credential: bool,
    tracked: bool,
) -> Vec<String> {
    // Pasted into a shell by whoever follows the steps: one inert word.
    let path = &shell_quote(path);
    match (rule, source) {
        (RuleId::DotenvUnignored, _) => vec![format!(
            "Add {path} to .gitignore before it is committed: `printf '%s\\n' {path} >> \
             .gitignore`."
        )],
        (_, Source::Staged) if !tracked => vec![
            format!("Unstage it, keeping the file on disk: `git rm --cached {path}`."),
            format!(
                "Add it to .gitignore so it cannot be staged again: `printf '%s\\n' {path} >> \
                 .gitignore`."
            ),
            "Commit a template instead (.env.example) with the variable names and no values."
                .to_string(),
        ],
        _ => {
            let mut steps = if tracked {
                vec![
                    format!(
                        "Stop tracking it, keeping the file on disk: `git rm --cached {path}` \
                         and commit."
                    ),
                    format!("Add it to .gitignore: `printf '%s\\n' {path} >> .gitignore`."),
                ]
            } else {
                vec![format!(
                    "It is no longer in HEAD, but every clone still has its old versions; make \
                     sure .gitignore lists it: `git check-ignore -v {path}`."
                )]
            };
            steps.push(if holds_credential {
                "Treat every credential that was ever in it as leaked: rotate each one (see the \
                 credential checklists). Removing the file, or even rewriting history, does not \
                 un-leak what clones and forks already have."
                    .to_string()
            } else {
                "Treat every secret that was ever in it as leaked (database passwords, tokens, \
                 other API keys) and rotate them: its old versions stay in history."
                    .to_string()
            });
            steps
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::finding::{CommitInfo, Secret};

    fn key_finding(secret: &str, rule: RuleId, date: Option<&str>) -> Finding {
        Finding {
            rule,
            severity: rule.base_severity(),
            provenance: match date {
                Some(d) => Provenance::History {
                    commit: CommitInfo {
                        id: "0".repeat(40),
                        author: "A <a@example.com>".into(),
                        date: d.into(),
                    },
                    still_in_head: false,
                },
                None => Provenance::Worktree,
            },
            path: "a.py".into(),
            root: None,
            line: Some(1),
            column: Some(1),
            secret: Some(Secret::new(secret.into())),
            encoding: Vec::new(),
            member: Vec::new(),
            exposure: None,
            location: Default::default(),
        }
    }

    #[test]
    fn one_entry_per_credential_with_earliest_date_and_five_steps() {
        let secret = format!("sk-ant-api03-{}AA", "Q7w".repeat(31));
        let findings = vec![
            key_finding(
                &secret,
                RuleId::AnthropicApiKey,
                Some("2024-05-01T00:00:00Z"),
            ),
            key_finding(
                &secret,
                RuleId::AnthropicApiKey,
                Some("2023-01-02T03:04:05Z"),
            ),
        ];
        let plan = plan(&findings, History::Whole);
        assert_eq!(plan.credentials.len(), 1);
        let entry = &plan.credentials[0];
        assert_eq!(entry.first_leaked.as_deref(), Some("2023-01-02T03:04:05Z"));
        assert_eq!(entry.steps.len(), 5);
        assert!(
            entry.steps[0].starts_with("Revoke sk-ant-api03-Q7w…"),
            "{}",
            entry.steps[0]
        );
        assert!(entry.steps[2].contains("ANTHROPIC_API_KEY"));
        assert!(entry.steps[3].starts_with("Restart"));
        assert!(entry.steps[4].contains("from 2023-01-02T03:04:05Z"));
        assert!(entry.steps.iter().all(|s| !s.contains(&secret)));
    }

    #[test]
    fn admin_keys_come_first_and_point_at_the_admin_keys_page() {
        let api = format!("sk-ant-api03-{}AA", "Q7w".repeat(31));
        let admin = format!("sk-ant-admin01-{}AA", "Z8e".repeat(31));
        let plan = plan(
            &[
                key_finding(&api, RuleId::AnthropicApiKey, None),
                key_finding(&admin, RuleId::AnthropicAdminKey, None),
            ],
            History::Whole,
        );
        assert_eq!(plan.credentials[0].rule, RuleId::AnthropicAdminKey);
        assert!(plan.credentials[0].steps[0].contains("Admin Keys"));
        assert!(plan.credentials[1].steps[4].contains("antleak history"));
    }

    #[test]
    fn a_cut_history_makes_the_audit_start_before_the_first_date_found() {
        let secret = format!("sk-ant-api03-{}AA", "Q7w".repeat(31));
        let found = [key_finding(
            &secret,
            RuleId::AnthropicApiKey,
            Some("2024-05-01T00:00:00Z"),
        )];
        let whole = plan(&found, History::Whole);
        assert!(
            whole.credentials[0].steps[4].contains("from 2024-05-01T00:00:00Z (first committed)")
        );
        let cut = plan(&found, History::Cut);
        let audit = &cut.credentials[0].steps[4];
        assert!(
            audit.contains("from before 2024-05-01T00:00:00Z"),
            "{audit}"
        );
        assert!(audit.contains("may have leaked earlier"), "{audit}");
    }

    #[test]
    fn committed_dotenv_gets_its_own_steps() {
        let finding = Finding::dotenv_file(
            RuleId::DotenvCommitted,
            Severity::High,
            Provenance::Worktree,
            "deploy/.env".into(),
        );
        let plan = plan(&[finding], History::Whole);
        assert!(plan.credentials.is_empty());
        let steps = &plan.dotenv_files[0].steps;
        assert!(steps[0].contains("git rm --cached deploy/.env"));
        assert!(steps[1].contains(".gitignore"));
        assert!(steps[2].contains("leaked"));
    }
}
