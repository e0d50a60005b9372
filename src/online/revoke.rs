//! `antleak revoke`: deactivates leaked API keys through the Admin API.
//!
//! For each leaked key: find the organization key whose `partial_key_hint`
//! is its redacted form, act only when exactly one matches (zero or several
//! are reported, never guessed), show its name, workspace and creator, ask
//! (or take `--yes`), deactivate it, then read it back to confirm, and print
//! the rest of the runbook for that key.
//!
//! What leaves the machine: the admin key (`ANTHROPIC_ADMIN_KEY`), in the
//! header of the Admin API calls. The leaked keys never do: they are matched
//! locally against the hints the API lists.
//!
//! Unlike the scan commands, this one writes as it goes rather than one
//! report at the end: each step is shown before the next question is asked,
//! and what was done stays on screen if a later call fails.

use std::io::{BufRead, IsTerminal, Write};
use std::time::Duration;

use anyhow::{Result, bail};

use super::admin::{Admin, ApiKey};
use super::base_url::BaseUrl;
use super::leaked::{self, Found, LeakedKey};
use crate::core::remediation::regenerate_step;
use crate::core::rules::RuleId;
use crate::exit::Outcome;

/// How `revoke` runs.
pub struct Options {
    /// Deactivate without asking.
    pub yes: bool,
    /// Show the plan, change nothing.
    pub dry_run: bool,
    pub base: BaseUrl,
    pub timeout: Duration,
}

/// `leaked` reads the leaked keys (a saved report, or a history scan); it
/// is called once the command knows it can run, so a script that forgot
/// `--yes` fails before a long scan.
pub fn run(args: &Options, leaked: impl FnOnce() -> Result<Vec<LeakedKey>>) -> Result<Outcome> {
    let interactive = !args.yes && !args.dry_run;
    // Checked before anything is read or sent: a script must say --yes.
    if interactive && !std::io::stdin().is_terminal() {
        bail!(
            "revoke: standard input is not a terminal, so no confirmation can be asked: pass \
             --yes to deactivate the matching keys, or --dry-run to see the plan"
        );
    }
    let admin = Admin::from_env(args.base.clone(), args.timeout)?;
    let leaked = leaked()?;
    if leaked.is_empty() {
        println!("antleak: no leaked credential found: nothing to revoke.");
        return Ok(Outcome::Clean);
    }
    if leaked
        .iter()
        .any(|k| k.fingerprint == admin.key().fingerprint())
    {
        crate::warn!(
            "{} (ANTHROPIC_ADMIN_KEY) is itself among the leaked keys: delete it in the Console \
             (Settings → Admin Keys) once this is done",
            admin.key().redacted()
        );
    }
    let org_keys = if leaked.iter().any(|k| leaked::is_org_api_key(k.rule)) {
        admin.list_api_keys()?
    } else {
        Vec::new()
    };
    println!(
        "antleak revoke: {} leaked credential{}; {} API key{} in the organization at {}.{}",
        leaked.len(),
        plural(leaked.len()),
        org_keys.len(),
        plural(org_keys.len()),
        admin.base(),
        if args.dry_run {
            " Dry run: nothing will be changed."
        } else {
            ""
        }
    );
    let mut tally = Tally::default();
    for key in &leaked {
        println!();
        println!(
            "{}  {}{}",
            key.redacted,
            key.rule,
            key.first_leaked
                .as_deref()
                .map(|d| format!("  (first leaked {d})"))
                .unwrap_or_default()
        );
        revoke_one(&admin, args, interactive, key, &org_keys, &mut tally)?;
    }
    println!();
    println!(
        "{} deactivated, {} already inactive, {} left to do{}.",
        tally.deactivated,
        tally.already,
        tally.left,
        if tally.left > 0 { " (see above)" } else { "" }
    );
    Ok(if tally.left == 0 {
        Outcome::Clean
    } else {
        Outcome::Findings
    })
}

#[derive(Default)]
struct Tally {
    deactivated: usize,
    already: usize,
    left: usize,
}

fn revoke_one(
    admin: &Admin,
    args: &Options,
    interactive: bool,
    key: &LeakedKey,
    org_keys: &[ApiKey],
    tally: &mut Tally,
) -> Result<()> {
    if !leaked::is_org_api_key(key.rule) {
        println!(
            "  the Admin API cannot deactivate {}: {}",
            not_deactivatable(key.rule),
            key.revoke_by_hand()
        );
        tally.left += 1;
        return Ok(());
    }
    let hint = key.redacted.replace('…', "...");
    let found = match leaked::find(key, org_keys) {
        Found::None => {
            println!(
                "  no key of this organization has the hint {hint}: it belongs to another \
                 organization, or was deleted. Nothing done; revoke it where it was issued."
            );
            tally.left += 1;
            return Ok(());
        }
        Found::Several(keys) => {
            println!(
                "  {} keys of this organization have the hint {hint}; antleak does not guess \
                 which one leaked:",
                keys.len()
            );
            for k in keys {
                println!("    {}", k.describe());
            }
            println!("  Deactivate the right one in the Console (Settings → API Keys).");
            tally.left += 1;
            return Ok(());
        }
        Found::One(found) => found,
    };
    println!("  matches {}", found.describe());
    if found.status() != "active" {
        println!("  already {}: nothing to deactivate.", found.status());
        tally.already += 1;
        print_next_steps(key, found);
        return Ok(());
    }
    if args.dry_run {
        println!("  would be deactivated (dry run).");
        tally.left += 1;
        return Ok(());
    }
    if interactive && !confirm(found)? {
        println!("  skipped.");
        tally.left += 1;
        return Ok(());
    }
    admin.deactivate(&found.id)?;
    let back = admin.get_api_key(&found.id)?;
    if back.status() == "inactive" {
        println!("  deactivated; read back: inactive ✓");
        tally.deactivated += 1;
        print_next_steps(key, found);
    } else {
        println!(
            "  deactivation sent, but the key reads back as {}: check it in the Console \
             (Settings → API Keys).",
            crate::messages::escape_control(back.status())
        );
        tally.left += 1;
    }
    Ok(())
}

/// The rest of the runbook once the key is inactive: the report's steps,
/// with the replacement made in the workspace the leaked key belonged to.
fn print_next_steps(key: &LeakedKey, found: &ApiKey) {
    let workspace = match &found.workspace_id {
        Some(id) => format!("workspace {}", crate::messages::escape_control(id)),
        None => "the default workspace".to_string(),
    };
    println!("  next:");
    let steps = std::iter::once(regenerate_step(key.rule, &workspace))
        .chain(key.next_steps().iter().skip(1).cloned());
    for (i, step) in steps.enumerate() {
        println!("    {}. {step}", i + 1);
    }
    println!(
        "  `antleak audit` (with the same --repo or --report) shows what the key was used for."
    );
}

/// Which credentials the Admin API cannot deactivate (it lists and
/// deactivates API keys only).
fn not_deactivatable(rule: RuleId) -> &'static str {
    match rule {
        RuleId::AnthropicAdminKey => "admin keys",
        RuleId::AnthropicOauthToken => "OAuth tokens",
        RuleId::AnthropicSessionKey => "claude.ai session keys",
        _ => "keys of an unknown format",
    }
}

fn confirm(key: &ApiKey) -> Result<bool> {
    let mut err = std::io::stderr();
    write!(
        err,
        "  Deactivate {} \"{}\"? [y/N] ",
        crate::messages::escape_control(&key.id),
        crate::messages::escape_control(key.name.as_deref().unwrap_or(""))
    )?;
    err.flush()?;
    let mut answer = String::new();
    std::io::stdin().lock().read_line(&mut answer)?;
    Ok(matches!(
        answer.trim().to_ascii_lowercase().as_str(),
        "y" | "yes"
    ))
}

fn plural(n: usize) -> &'static str {
    if n == 1 { "" } else { "s" }
}
