//! The report for people: one block per leaked credential (the key as the
//! Console lists it, every place it was found, then its recovery checklist),
//! one block per `.env` file, and a one-line summary.
//!
//! File names come from the scanned tree and may be hostile: control
//! characters are escaped so a name cannot forge or corrupt lines.

use std::io::{self, Write};

use colored::{ColoredString, Colorize};

use std::collections::{HashMap, HashSet};

use super::{Command, Report, Style};
use crate::core::finding::{Finding, Location, Provenance};
use crate::core::forms::Step;
use crate::core::rules::{RuleId, Severity};
use crate::core::verdict;
use crate::messages::escape_control;

pub fn write(report: &Report, style: Style, out: &mut dyn Write) -> io::Result<()> {
    let plan = &report.remediation;
    if report.findings.is_empty() {
        if !report.summary.complete {
            // Never ✓ about what was not looked at.
            writeln!(
                out,
                "{} no Anthropic credential and no exposed .env file found in what could be \
                 read, but the scan is incomplete.",
                "✗".red().bold()
            )?;
            writeln!(out, "{}", summary_line(report))?;
            writeln!(out, "{}", closing(report))?;
        } else if !style.quiet {
            writeln!(
                out,
                "{} no Anthropic credential and no exposed .env file found.",
                "✓".green().bold()
            )?;
            writeln!(out, "{}", summary_line(report))?;
        }
        return Ok(());
    }
    writeln!(out, "{}", headline(report).bold())?;
    // Grouped once: a file can hold tens of thousands of keys.
    let mut by_fingerprint: HashMap<&str, Vec<&Finding>> = HashMap::new();
    let mut by_file: HashMap<(&str, RuleId), Vec<&Finding>> = HashMap::new();
    for f in &report.findings {
        match f.fingerprint() {
            Some(fingerprint) => by_fingerprint.entry(fingerprint).or_default().push(f),
            None => by_file.entry((&f.path, f.rule)).or_default().push(f),
        }
    }
    for entry in &plan.credentials {
        let found = by_fingerprint
            .remove(entry.fingerprint.as_str())
            .unwrap_or_default();
        let worst = found
            .iter()
            .map(|f| f.severity)
            .max()
            .unwrap_or(Severity::High);
        let worst = verdict::shown_entry_severity(entry, worst);
        writeln!(out)?;
        writeln!(
            out,
            "{}  {}  {}",
            severity(worst),
            entry.secret_redacted.bold(),
            entry.rule.as_str().dimmed()
        )?;
        if let Some(exposure) = found.iter().find_map(|f| f.exposure.as_ref()) {
            let line = format!(
                "EXPOSED TO BROWSERS: anyone who loads the page can read it ({}). Rotate it even \
                 if the repository is private.",
                escape_control(&exposure.short())
            );
            writeln!(out, "  {}", line.red().bold())?;
        }
        if let Some(verification) = &entry.verification {
            let line = verification.describe();
            let line = if verification.is_live() {
                line.red().bold()
            } else {
                line.normal()
            };
            writeln!(out, "  {line}")?;
        }
        let shown_secret = found.first().and_then(|f| f.secret.as_ref());
        if let (true, Some(secret)) = (style.show_secrets, shown_secret) {
            writeln!(out, "  secret: {}", secret.expose())?;
        }
        writeln!(out, "  fingerprint {}", entry.fingerprint.dimmed())?;
        writeln!(out, "  found at:")?;
        for f in &found {
            writeln!(out, "    {}", location(f))?;
        }
        if let Some(date) = &entry.first_leaked {
            if report.summary.shallow == Some(true) {
                writeln!(
                    out,
                    "  exposed since at least {} (first commit this shallow clone holds with it)",
                    date.bold()
                )?;
            } else {
                writeln!(
                    out,
                    "  exposed since {} (first commit that held it)",
                    date.bold()
                )?;
            }
        }
        write_steps(out, &entry.steps)?;
    }
    for entry in &plan.dotenv_files {
        let found = by_file
            .remove(&(entry.path.as_str(), entry.rule))
            .unwrap_or_default();
        let worst = found
            .iter()
            .map(|f| f.severity)
            .max()
            .unwrap_or(Severity::Medium);
        writeln!(out)?;
        writeln!(
            out,
            "{}  {}  {}",
            severity(worst),
            escape_control(&entry.path).bold(),
            format!(
                "{} ({})",
                dotenv_description(report, entry.rule, &found),
                entry.rule.as_str()
            )
            .dimmed()
        )?;
        // A whole file is named by its header; a line (browser access) or a
        // commit needs its own.
        for f in found
            .iter()
            .filter(|f| f.commit().is_some() || f.line.is_some())
        {
            writeln!(out, "    {}", location(f))?;
        }
        write_steps(out, &entry.steps)?;
    }
    if report.command == Command::Staged {
        write_staged_footer(out, report)?;
    }
    writeln!(out)?;
    writeln!(out, "{}", summary_line(report))?;
    if !report.summary.complete {
        writeln!(out, "{}", closing(report))?;
    }
    Ok(())
}

/// What an incomplete scan did not look at, and how to fix it.
fn closing(report: &Report) -> String {
    let s = &report.summary;
    escape_control(&crate::core::coverage::closing_line(&s.unscanned, &s.fixes))
        .red()
        .bold()
        .to_string()
}

/// Whether HEAD holds any of these already (`staged` only): then the leak
/// happened before this commit.
fn already_committed(found: &[&Finding]) -> bool {
    found
        .iter()
        .any(|f| f.provenance == Provenance::Staged { in_head: true })
}

/// The pre-commit hook's way out: what was stopped, and the deliberate
/// escapes that apply to what was found.
fn write_staged_footer(out: &mut dyn Write, report: &Report) -> io::Result<()> {
    let found: Vec<&Finding> = report.findings.iter().collect();
    writeln!(out)?;
    writeln!(
        out,
        "{}",
        if already_committed(&found) {
            "Some of this is in HEAD already, so it has leaked: follow those checklists in full. \
             Then fix the staged files, `git add` them and commit again."
        } else {
            "Nothing has reached history yet: fix the staged files, `git add` them and commit \
             again."
        }
    )?;
    if found.iter().any(|f| f.secret.is_some()) {
        writeln!(
            out,
            "  A key that is not one (a test fixture)? Add `antleak:allow` to its line, in a \
             comment (or its fingerprint under [allow] fingerprints in .antleak.toml, for a file \
             that has no comments, like JSON), and stage it again."
        )?;
    }
    if found
        .iter()
        .any(|f| matches!(f.rule, RuleId::DotenvCommitted | RuleId::DotenvUnignored))
    {
        writeln!(
            out,
            "  A .env file meant to be committed holds no values: name it .env.example (templates \
             are not findings), or list its path under [allow] paths in .antleak.toml."
        )?;
    }
    writeln!(
        out,
        "  To commit anyway, deliberately: `git commit --no-verify` skips this check."
    )
}

fn headline(report: &Report) -> String {
    let plan = &report.remediation;
    let keys = plan.credentials.len();
    let count = |rules: &[RuleId]| {
        (plan.dotenv_files.iter())
            .filter(|f| rules.contains(&f.rule))
            .count()
    };
    let files = count(&[RuleId::DotenvCommitted, RuleId::DotenvUnignored]);
    let claude = count(&[
        RuleId::ClaudeLocalFileCommitted,
        RuleId::ClaudeLocalFileUnignored,
    ]);
    let browser_code = count(&[RuleId::AnthropicBrowserAccess]);
    let mut parts = Vec::new();
    let at_risk = plan.credentials.iter().filter(|c| c.at_risk).count();
    let keys = keys - at_risk;
    if at_risk > 0 {
        parts.push(format!(
            "{at_risk} credential{} at risk (in files git does not track yet)",
            plural(at_risk)
        ));
    }
    if keys > 0 {
        let live = plan
            .credentials
            .iter()
            .filter(|c| c.verification.as_ref().is_some_and(|v| v.is_live()))
            .count();
        let exposed: HashSet<&str> = (report.findings.iter())
            .filter(|f| f.exposure.is_some())
            .filter_map(|f| f.fingerprint())
            .collect();
        let mut part = format!("{keys} leaked credential{}", plural(keys));
        if !exposed.is_empty() {
            part.push_str(&format!(
                ", {} of them SHIPPED TO BROWSERS (readable by anyone who loads the page: \
                 rotate even if the repository is private)",
                exposed.len()
            ));
        }
        if live > 0 {
            part.push_str(&format!(", {live} of them LIVE (listed first: revoke now)"));
        }
        parts.push(part);
    }
    if files > 0 {
        parts.push(format!("{files} exposed .env file{}", plural(files)));
    }
    if claude > 0 {
        parts.push(format!(
            "{claude} exposed Claude Code personal file{}",
            plural(claude)
        ));
    }
    if browser_code > 0 {
        parts.push(format!(
            "{browser_code} file{} calling the Anthropic API from the browser",
            plural(browser_code)
        ));
    }
    let what = match parts.split_last() {
        Some((last, rest)) if !rest.is_empty() => format!("{} and {last}", rest.join(", ")),
        _ => parts.join(""),
    };
    match report.command {
        Command::Staged => format!("antleak: this commit holds {what}; it has been stopped."),
        _ => format!("antleak: {what}."),
    }
}

/// A `.env` caught by the hook is usually not tracked yet (it is about to
/// be), and one found in history may no longer be.
fn dotenv_description(report: &Report, rule: RuleId, found: &[&Finding]) -> &'static str {
    match (report.command, rule) {
        (Command::Staged, RuleId::DotenvCommitted) if already_committed(found) => {
            ".env file already committed (HEAD tracks it)"
        }
        (Command::Staged, RuleId::DotenvCommitted) => ".env file staged for commit",
        (Command::History, RuleId::DotenvCommitted) => ".env file committed to history",
        (Command::Staged, RuleId::ClaudeLocalFileCommitted) if already_committed(found) => {
            "Claude Code personal file already committed (HEAD tracks it)"
        }
        (Command::Staged, RuleId::ClaudeLocalFileCommitted) => {
            "Claude Code personal file staged for commit"
        }
        (Command::History, RuleId::ClaudeLocalFileCommitted) => {
            "Claude Code personal file committed to history"
        }
        _ => rule.description(),
    }
}

fn write_steps(out: &mut dyn Write, steps: &[String]) -> io::Result<()> {
    writeln!(out, "  {}", "what to do now:".bold())?;
    // Steps quote file names from the scanned tree: escaped like every
    // other line, so a name cannot forge a step.
    for (i, step) in steps.iter().enumerate() {
        writeln!(out, "    {}. {}", i + 1, escape_control(step))?;
    }
    Ok(())
}

fn location(f: &Finding) -> String {
    let mut place = String::new();
    if let Some(root) = &f.root {
        place.push_str(&escape_control(root));
        // A scanned directory joins its paths into one that opens from where
        // the command ran; a repository names what its paths are inside of.
        place.push_str(
            if matches!(f.provenance, Provenance::Worktree | Provenance::Untracked) {
                "/"
            } else {
                ": "
            },
        );
    }
    place.push_str(&encoded_in(f));
    place.push_str(&metadata_place(f));
    match (f.line, f.column, f.location) {
        (Some(line), Some(column), Location::File) => place.push_str(&format!(":{line}:{column}")),
        (Some(line), _, _) => place.push_str(&format!(", line {line}")),
        _ => {}
    }
    if let Some(exposure) = &f.exposure {
        place.push_str(&format!("  ({})", escape_control(&exposure.short())));
    }
    match &f.provenance {
        Provenance::Staged { in_head: true } => {
            place.push_str("  (already committed: HEAD holds it)")
        }
        Provenance::History {
            commit,
            still_in_head,
        } => place.push_str(&format!(
            "  (commit {} on {} by {}{})",
            &commit.id[..commit.id.len().min(12)],
            commit.date,
            escape_control(&commit.author),
            match (f.location, still_in_head) {
                (Location::File, true) => ", still in HEAD",
                (Location::File, false) => ", no longer in HEAD",
                (_, true) => ", in HEAD's history",
                (_, false) => ", not in HEAD's history",
            }
        )),
        _ => {}
    }
    place
}

/// The place itself: a path, or which piece of git metadata holds the key.
fn metadata_place(f: &Finding) -> String {
    let path = escape_control(&f.path);
    match f.location {
        Location::File => path,
        Location::CommitMessage => "commit message".to_string(),
        Location::TagMessage => format!("message of tag {path}"),
        Location::Identity => "author or committer identity".to_string(),
        Location::RefName => format!("name of ref {path}"),
        Location::PathName => format!("name of file {path}"),
    }
}

/// How the key is stored, before the place (`base64-encoded in `); members
/// of archives are in the path already.
fn encoded_in(f: &Finding) -> String {
    let steps: Vec<&str> = f
        .encoding
        .iter()
        .filter(|s| !matches!(s, Step::Zip | Step::Tar))
        .map(|s| s.as_str())
        .collect();
    match &steps[..] {
        [] => String::new(),
        [one] => format!("{one}-encoded in "),
        many => format!("encoded ({}) in ", many.join(", then ")),
    }
}

fn severity(severity: Severity) -> ColoredString {
    let label = format!("{:<8}", severity.as_str().to_uppercase());
    match severity {
        Severity::Critical => label.on_red().white().bold(),
        Severity::High => label.red().bold(),
        Severity::Medium => label.yellow().bold(),
        Severity::Low => label.cyan(),
    }
}

fn summary_line(report: &Report) -> String {
    let s = &report.summary;
    // One count, named for what the command reads: a history blob is one
    // version of a file.
    let count = s.files_scanned + s.blobs_scanned;
    let what = match report.command {
        Command::Scan => "file",
        Command::Staged => "staged file",
        Command::History => "file version",
    };
    let scanned = format!("{count} {what}{}", plural(count as usize));
    let mut line = format!(
        "{} finding{} · {scanned} · {:.1} MB · {:.2} s",
        s.findings,
        plural(s.findings as usize),
        s.bytes_scanned as f64 / 1e6,
        s.elapsed_ms as f64 / 1e3
    );
    if s.unreadable > 0 {
        line.push_str(&format!(" · {} unreadable (see warnings)", s.unreadable));
    }
    if s.shallow == Some(true) {
        line.push_str(" · shallow clone: older history was not scanned");
    }
    let suppressed = s.suppressed_allow + s.suppressed_baseline;
    if suppressed > 0 {
        line.push_str(&format!(
            " · {} allowed by .antleak.toml, {} in the baseline",
            s.suppressed_allow, s.suppressed_baseline
        ));
    }
    if s.vanished > 0 {
        line.push_str(&format!(" · {} vanished while scanning", s.vanished));
    }
    line.dimmed().to_string()
}

fn plural(n: usize) -> &'static str {
    if n == 1 { "" } else { "s" }
}
