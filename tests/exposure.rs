//! Where Claude keys really leak: keys that ship to the browser (public
//! framework variables, built bundles), code that calls the API from the
//! browser (`anthropic-browser-access`), and Claude Code's personal files
//! (`claude-local-file-committed`, `claude-local-file-unignored`), in `scan`,
//! `staged` (through a real `git commit` with the hook) and `history`.

use std::path::Path;

use serde_json::Value;

use crate::contract::{self, Severity};
use crate::util::*;

fn scan_report(sb: &Sandbox, args: &[&str]) -> (Run, contract::Report) {
    let mut all = vec!["scan", "--format", "json"];
    all.extend_from_slice(args);
    let run = sb.antleak(&all);
    let report = run.report();
    (run, report)
}

/// (rule, path, severity, exposure) of every finding.
type Row = (String, String, Severity, Option<String>);

fn summary(report: &contract::Report) -> Vec<Row> {
    report
        .findings
        .iter()
        .map(|f| {
            (
                f.rule.clone(),
                f.path.clone().unwrap_or_default(),
                f.severity,
                f.exposure.clone(),
            )
        })
        .collect()
}

fn browser(rule: &str, path: &str) -> Row {
    (
        rule.into(),
        path.into(),
        Severity::Critical,
        Some("browser".into()),
    )
}

#[test]
fn a_key_in_each_frameworks_public_variable_ships_to_the_browser() {
    let sb = Sandbox::new();
    let k = |seed| fake_key("api03", seed);
    // One prefix each, in a .env, config files, a CI workflow and code.
    let files = [
        (
            "web/.env.local",
            format!("NEXT_PUBLIC_ANTHROPIC_API_KEY={}\n", k(1)),
        ),
        (
            ".github/workflows/deploy.yml",
            format!("env:\n  VITE_ANTHROPIC_KEY: \"{}\"\n", k(2)),
        ),
        (
            "src/client.js",
            format!(
                "const key = process.env.REACT_APP_CLAUDE || \"{}\";\n",
                k(3)
            ),
        ),
        (
            "app.json",
            format!("{{\"EXPO_PUBLIC_ANTHROPIC\": \"{}\"}}\n", k(4)),
        ),
        (
            "nuxt.config.ts",
            format!("export NUXT_PUBLIC_CLAUDE_KEY='{}'\n", k(5)),
        ),
        ("svelte/.env", format!("PUBLIC_ANTHROPIC_KEY={}\n", k(6))),
        (
            "gatsby-config.js",
            format!("  GATSBY_ANTHROPIC_KEY: `{}`,\n", k(7)),
        ),
    ];
    for (path, text) in &files {
        sb.write(path, text);
    }
    let (run, report) = scan_report(&sb, &[]);
    run.assert_code(1);
    for seed in 1..=7 {
        run.assert_hides(&k(seed));
    }
    let mut got = summary(&report);
    got.sort();
    let mut expected: Vec<_> = files
        .iter()
        .map(|(path, _)| browser("anthropic-api-key", path))
        .collect();
    expected.sort();
    assert_eq!(got, expected);
    // Each runbook says it first, and names the variable to remove.
    assert_eq!(report.remediation.len(), 7);
    for entry in &report.remediation {
        assert!(
            entry.steps[0].contains("ships to every visitor of the site")
                && entry.steps[0].contains("even if the repository is private"),
            "{:?}",
            entry.steps
        );
        assert!(entry.steps[1].contains("server route"), "{:?}", entry.steps);
    }
    let next = report
        .remediation
        .iter()
        .find(|r| r.steps[0].contains("NEXT_PUBLIC_ANTHROPIC_API_KEY"))
        .expect("the runbook names the variable");
    assert!(next.steps[1].contains("remove NEXT_PUBLIC_ANTHROPIC_API_KEY"));
}

#[test]
fn a_key_in_each_bundle_layout_ships_to_the_browser() {
    let sb = Sandbox::new();
    let paths = [
        ".next/static/chunks/pages/index-3f2a.js",
        "dist/assets/index-8e1c.js",
        "build/static/js/main.4a5b.js",
        "out/_next/static/chunks/app.js",
        ".output/public/_nuxt/entry.js",
        "public/vendors~main.chunk.js",
        "public/js/app.bundle.js",
    ];
    for (seed, path) in (10..).zip(paths) {
        // Minified: the key glued to other code, under no variable name.
        sb.write(
            path,
            format!("!function(){{var e=\"{}\";}}();", fake_key("api03", seed)),
        );
    }
    let (run, report) = scan_report(&sb, &[]);
    run.assert_code(1);
    let mut got = summary(&report);
    got.sort();
    let mut expected: Vec<_> = paths
        .iter()
        .map(|p| browser("anthropic-api-key", p))
        .collect();
    expected.sort();
    assert_eq!(got, expected);
    assert!(report.remediation[0].steps[0].contains("built browser bundle"));
}

#[test]
fn a_server_side_key_is_not_browser_exposed() {
    let sb = Sandbox::new();
    sb.write(
        "server/.env",
        format!("ANTHROPIC_API_KEY={}\n", fake_key("api03", 20)),
    );
    sb.write(
        "server/app.js",
        format!(
            "const url = process.env.PUBLIC_URL;{}const k = \"{}\";\n",
            " ".repeat(70),
            fake_key("api03", 21)
        ),
    );
    sb.write(
        ".next/server/app/page.js",
        format!("k=\"{}\"", fake_key("api03", 22)),
    );
    let (run, report) = scan_report(&sb, &[]);
    run.assert_code(1);
    let got = summary(&report);
    assert_eq!(got.len(), 3, "{got:?}");
    for (rule, path, severity, exposure) in got {
        assert_eq!(
            (rule.as_str(), severity, exposure),
            ("anthropic-api-key", Severity::High, None),
            "{path}"
        );
    }
    assert!(
        report
            .remediation
            .iter()
            .all(|r| r.steps[0].starts_with("Revoke")),
        "{:?}",
        report.remediation
    );
}

#[test]
fn scan_of_a_named_build_directory_that_gitignore_lists() {
    let sb = Sandbox::new();
    sb.init();
    // `dist/*` ignores what dist holds, not dist itself: the walker alone
    // skipped every file; and a folder ignored inside it (`assets/`) too.
    sb.write(".gitignore", "dist/*\nassets/\n");
    sb.write("src/main.js", "console.log(1)\n");
    sb.commit("init", DATE);
    let key = fake_key("api03", 30);
    sb.write("dist/assets/index-1a2b.js", format!("var k=\"{key}\";"));
    // `scan .` honours .gitignore: the build output is not asked for.
    let (run, report) = scan_report(&sb, &[]);
    run.assert_code(0);
    assert!(report.findings.is_empty());
    for root in ["dist/", "dist"] {
        let (run, report) = scan_report(&sb, &[root]);
        run.assert_code(1).assert_hides(&key);
        assert_eq!(
            summary(&report),
            vec![browser("anthropic-api-key", "assets/index-1a2b.js")],
            "{root}"
        );
    }
}

#[test]
fn browser_access_in_a_client_allowed_in_a_test_and_the_header() {
    let sb = Sandbox::new();
    sb.write(
        "src/App.tsx",
        "import Anthropic from '@anthropic-ai/sdk';\n\
         const client = new Anthropic({\n  apiKey: key,\n  dangerouslyAllowBrowser: true,\n});\n",
    );
    sb.write(
        "src/byok.ts",
        "// each user pastes their own key\n\
         new Anthropic({ apiKey: userKey, dangerouslyAllowBrowser: true }); // antleak:allow\n",
    );
    sb.write(
        "src/__tests__/claude.test.ts",
        "new Anthropic({ apiKey: 'x', dangerouslyAllowBrowser: true });\n",
    );
    sb.write(
        "server/test/client.js",
        "new Anthropic({ dangerouslyAllowBrowser: true })\n",
    );
    sb.write(
        "src/safe.ts",
        "new Anthropic({ dangerouslyAllowBrowser: false });\n",
    );
    sb.write(
        "web/fetch.js",
        "fetch(url, { headers: {\n    'anthropic-dangerous-direct-browser-access': 'true' } })\n",
    );
    sb.write(
        "docs/browser.md",
        "Never write `dangerouslyAllowBrowser: true` in client code.\n",
    );
    let (run, report) = scan_report(&sb, &[]);
    run.assert_code(1);
    let got: Vec<_> = report
        .findings
        .iter()
        .map(|f| {
            (
                f.rule.clone(),
                f.path.clone().unwrap(),
                f.severity,
                f.line,
                f.column,
            )
        })
        .collect();
    let access = |path: &str, line, column| {
        (
            "anthropic-browser-access".to_string(),
            path.to_string(),
            Severity::Medium,
            Some(line),
            Some(column),
        )
    };
    assert_eq!(
        got,
        vec![access("src/App.tsx", 4, 3), access("web/fetch.js", 2, 6)]
    );
    let steps = &report.dotenv_remediation[0].steps;
    assert!(steps.iter().any(|s| s.contains("backend")), "{steps:?}");
    assert!(
        steps.iter().any(|s| s.contains("antleak:allow")),
        "{steps:?}"
    );
    let human = sb.antleak(&["scan", "--color", "never"]);
    assert!(
        human.stdout.contains("src/App.tsx:4:3")
            && human
                .stdout
                .contains("calling the Anthropic API from the browser"),
        "{}",
        human.stdout
    );
}

/// A repository where `.claude/settings.local.json` (with a key in its
/// `env`) and `.claude/.credentials.json` (without one) are tracked.
fn claude_files_committed(key: &str) -> Sandbox {
    let sb = Sandbox::new();
    sb.init();
    sb.write(
        ".claude/settings.local.json",
        format!("{{\"env\": {{\"ANTHROPIC_API_KEY\": \"{key}\"}}}}\n"),
    );
    sb.write(
        "apps/web/.claude/.credentials.json",
        "{\"claudeAiOauth\": {}}\n",
    );
    sb.write(".claude/settings.json", "{\"permissions\": {}}\n");
    sb.commit("add claude settings", "2024-02-01T00:00:00Z");
    sb
}

#[test]
fn scan_reports_claude_code_files_committed_and_unignored() {
    let key = fake_key("api03", 40);
    let sb = claude_files_committed(&key);
    sb.write("svc/.claude/settings.local.json", "{}\n"); // untracked, not ignored
    sb.write(".gitignore", "ignored/\n");
    sb.write("ignored/.claude/.credentials.json", "{}\n");
    let (run, report) = scan_report(&sb, &[]);
    run.assert_code(1).assert_hides(&key);
    let got: Vec<(String, String, Severity)> = summary(&report)
        .into_iter()
        .map(|(rule, path, severity, _)| (rule, path, severity))
        .collect();
    let expect = |r: &str, p: &str, s| (r.to_string(), p.to_string(), s);
    assert_eq!(
        got,
        vec![
            expect(
                "claude-local-file-committed",
                ".claude/settings.local.json",
                Severity::High
            ),
            expect(
                "anthropic-api-key",
                ".claude/settings.local.json",
                Severity::High
            ),
            expect(
                "claude-local-file-committed",
                "apps/web/.claude/.credentials.json",
                Severity::Medium
            ),
            expect(
                "claude-local-file-unignored",
                "svc/.claude/settings.local.json",
                Severity::Low
            ),
        ]
    );
    let steps = |path: &str| {
        report
            .dotenv_remediation
            .iter()
            .find(|r| r.path == path)
            .unwrap()
            .steps
            .join("\n")
    };
    let settings = steps(".claude/settings.local.json");
    assert!(
        settings.contains("git rm --cached .claude/settings.local.json")
            && settings.contains(".gitignore"),
        "{settings}"
    );
    let credentials = steps("apps/web/.claude/.credentials.json");
    assert!(credentials.contains("claude /logout"), "{credentials}");
    assert!(steps("svc/.claude/settings.local.json").contains(".gitignore"));
}

#[test]
fn history_reports_claude_code_files_ever_added() {
    let key = fake_key("oat01", 41);
    let sb = Sandbox::new();
    sb.init();
    sb.write(
        ".claude/.credentials.json",
        format!("{{\"accessToken\": \"{key}\"}}\n"),
    );
    let added = sb.commit("oops", "2024-02-01T00:00:00Z");
    std::fs::remove_file(sb.path(".claude/.credentials.json")).unwrap();
    sb.commit("remove", "2024-02-02T00:00:00Z");
    let run = sb.antleak(&["history", "--format", "json"]);
    run.assert_code(1).assert_hides(&key);
    let report = run.report();
    let file = report
        .findings
        .iter()
        .find(|f| f.rule == "claude-local-file-committed")
        .expect("the file is reported");
    assert_eq!(file.path.as_deref(), Some(".claude/.credentials.json"));
    assert_eq!(file.severity, Severity::High);
    assert_eq!(file.commit.as_deref(), Some(added.as_str()));
    assert_eq!(file.still_in_head, Some(false));
    let steps = report.dotenv_remediation[0].steps.join("\n");
    assert!(
        steps.contains("no longer in HEAD") && steps.contains("claude /logout"),
        "{steps}"
    );
}

/// `PATH` with the directory of the antleak under test first.
fn path_with_antleak() -> String {
    let bin = Path::new(env!("CARGO_BIN_EXE_antleak")).parent().unwrap();
    let rest = std::env::var("PATH").unwrap_or_default();
    format!("{}:{rest}", bin.display())
}

#[test]
fn the_hook_blocks_a_commit_adding_claude_code_settings_local() {
    let sb = Sandbox::repo_with_readme();
    sb.antleak(&["hook", "install"]).assert_code(0);
    sb.write(
        ".claude/settings.local.json",
        "{\"permissions\": {\"allow\": []}}\n",
    );
    sb.git(&["add", ".claude/settings.local.json"]);
    let staged = sb.antleak(&["staged", "--format", "json"]);
    staged.assert_code(1);
    let report = staged.report();
    assert_eq!(
        summary(&report),
        vec![(
            "claude-local-file-committed".into(),
            ".claude/settings.local.json".into(),
            Severity::Medium,
            None
        )]
    );
    assert!(report.dotenv_remediation[0].steps[0].contains("git rm --cached"));
    let before = sb.git(&["rev-parse", "HEAD"]);
    let mut commit = sb.git_command(&sb.root, &["commit", "-q", "-m", "settings"]);
    commit.env("PATH", path_with_antleak());
    let blocked = Run::from(commit.output().unwrap());
    blocked.assert_code(1);
    assert!(
        format!("{}{}", blocked.stdout, blocked.stderr)
            .contains("Claude Code personal file staged for commit"),
        "{}{}",
        blocked.stdout,
        blocked.stderr
    );
    assert_eq!(sb.git(&["rev-parse", "HEAD"]), before);
}

#[test]
fn staged_and_history_report_browser_access_while_head_holds_it() {
    let sb = Sandbox::repo_with_readme();
    let code = "new Anthropic({ apiKey, dangerouslyAllowBrowser: true })\n";
    sb.write("src/client.ts", code);
    sb.git(&["add", "-A"]);
    let staged = sb.antleak(&["staged", "--format", "json"]);
    staged.assert_code(1);
    let report = staged.report();
    assert_eq!(report.findings[0].rule, "anthropic-browser-access");
    assert_eq!(report.findings[0].still_in_head, Some(false));
    let added = sb.commit("browser client", "2024-02-01T00:00:00Z");
    sb.write("src/old.ts", code);
    sb.commit("old client", "2024-02-02T00:00:00Z");
    std::fs::remove_file(sb.path("src/old.ts")).unwrap();
    sb.commit("remove old client", "2024-02-03T00:00:00Z");
    let run = sb.antleak(&["history", "--format", "json"]);
    run.assert_code(1);
    let report = run.report();
    let got: Vec<_> = report
        .findings
        .iter()
        .map(|f| {
            (
                f.rule.as_str(),
                f.path.as_deref(),
                f.line,
                f.commit.as_deref(),
                f.still_in_head,
            )
        })
        .collect();
    // src/old.ts is gone from HEAD: not reported.
    assert_eq!(
        got,
        vec![(
            "anthropic-browser-access",
            Some("src/client.ts"),
            Some(1),
            Some(added.as_str()),
            Some(true)
        )]
    );
}

#[test]
fn json_and_sarif_carry_the_exposure() {
    let sb = Sandbox::new();
    let key = fake_key("api03", 50);
    sb.write(".env.production", format!("VITE_ANTHROPIC_KEY={key}\n"));
    sb.write(
        "api/key.py",
        format!("KEY = \"{}\"\n", fake_key("api03", 51)),
    );
    let run = sb.antleak(&["scan", "--format", "json"]);
    let json: Value = run.json();
    let exposures: Vec<(&str, Option<&str>)> = json["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| (f["path"].as_str().unwrap(), f["exposure"].as_str()))
        .collect();
    assert_eq!(
        exposures,
        vec![(".env.production", Some("browser")), ("api/key.py", None)]
    );
    // A browser-exposed key's runbook comes first.
    assert_eq!(json["remediation"][0]["fingerprint"], sha256_hex(&key));

    let run = sb.antleak(&["scan", "--format", "sarif"]);
    run.assert_code(1).assert_hides(&key);
    let sarif = contract::sarif::decode(&run.stdout);
    let results = &sarif.runs[0].results;
    let exposed = results
        .iter()
        .find(|r| r.locations[0].physical_location.artifact_location.uri == ".env.production")
        .unwrap();
    assert_eq!(exposed.properties["exposure"], "browser");
    assert_eq!(exposed.properties["severity"], "critical");
    assert_eq!(exposed.level, "error");
    assert!(
        exposed.message.text.starts_with("EXPOSED TO BROWSERS")
            && exposed.message.text.contains("VITE_ANTHROPIC_KEY"),
        "{}",
        exposed.message.text
    );
    let other = results
        .iter()
        .find(|r| r.locations[0].physical_location.artifact_location.uri == "api/key.py")
        .unwrap();
    assert!(!other.properties.contains_key("exposure"));
    let rules = &sarif.runs[0].tool.driver.rules;
    for (id, severity) in [
        ("claude-local-file-committed", "5.5"),
        ("claude-local-file-unignored", "3.0"),
        ("anthropic-browser-access", "5.5"),
    ] {
        let rule = rules.iter().find(|r| r.id == id).expect(id);
        assert_eq!(rule.properties.security_severity, severity, "{id}");
        assert!(
            rule.help.text.starts_with("1. "),
            "{id}: {}",
            rule.help.text
        );
    }
}

#[test]
fn a_key_in_an_mcp_config_is_told_to_move_to_the_environment() {
    let sb = Sandbox::new();
    let key = fake_key("api03", 60);
    sb.write(
        ".mcp.json",
        format!(
            "{{\"mcpServers\": {{\"claude\": {{\"command\": \"x\", \"env\": \
             {{\"ANTHROPIC_API_KEY\": \"{key}\"}}}}}}}}\n"
        ),
    );
    let (run, report) = scan_report(&sb, &[]);
    run.assert_code(1).assert_hides(&key);
    let steps = &report.remediation[0].steps;
    let last = steps.last().unwrap();
    assert!(
        last.contains(".mcp.json") && last.contains("${ANTHROPIC_API_KEY}"),
        "{steps:?}"
    );
}
