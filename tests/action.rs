//! The GitHub Action (action.yml): its logic, scripts/github-action.sh, run
//! here as GitHub Actions would run it, against a repository built at test
//! time and a simulated event payload.

use std::path::Path;

use serde_json::{Value, json};

use crate::util::{DATE, Run, Sandbox, fake_key, sha256_hex};

/// A repository where `old` was committed before the pull request's base
/// and `new` is added by the pull request's one commit; returns
/// (sandbox, base sha, head sha).
fn repo_with_pull_request(old: &str, new: Option<&str>) -> (Sandbox, String, String) {
    let sb = Sandbox::new();
    sb.init().write("README.md", "hello\n");
    sb.commit("init", DATE);
    sb.write("old.py", format!("KEY = \"{old}\"\n"));
    sb.commit("old key", "2024-03-06T10:00:00Z");
    sb.write("old.py", "KEY = os.environ[\"ANTHROPIC_API_KEY\"]\n");
    let base = sb.commit("remove the old key", "2024-03-07T10:00:00Z");
    sb.git(&["checkout", "-q", "-b", "feature"]);
    match new {
        Some(key) => sb.write("new.py", format!("TOKEN = \"{key}\"\n")),
        None => sb.write("new.py", "print('no key here')\n"),
    };
    let head = sb.commit("feature", "2024-03-08T10:00:00Z");
    (sb, base, head)
}

/// Runs `github-action.sh scan` in the sandbox with a GitHub-like
/// environment: the event name and payload, GITHUB_WORKSPACE, GITHUB_OUTPUT,
/// and the antleak under test first on PATH.
fn run_action(sb: &Sandbox, event_name: &str, payload: &Value) -> Run {
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("scripts/github-action.sh");
    let event = sb.home.join("event.json");
    std::fs::write(&event, payload.to_string()).unwrap();
    let bin = Path::new(env!("CARGO_BIN_EXE_antleak")).parent().unwrap();
    let path = format!(
        "{}:{}",
        bin.display(),
        std::env::var("PATH").unwrap_or_default()
    );
    // The sandbox's isolated git environment (HOME, no system config).
    let isolated = sb.git_command(&sb.root, &[]);
    let mut cmd = std::process::Command::new("bash");
    for (key, value) in isolated.get_envs() {
        match value {
            Some(value) => cmd.env(key, value),
            None => cmd.env_remove(key),
        };
    }
    cmd.arg(script)
        .arg("scan")
        .current_dir(&sb.root)
        .env("PATH", path)
        .env("GITHUB_ACTIONS", "true")
        .env("GITHUB_EVENT_NAME", event_name)
        .env("GITHUB_EVENT_PATH", &event)
        .env("GITHUB_WORKSPACE", &sb.root)
        .env("GITHUB_OUTPUT", sb.home.join("github_output"))
        .env("INPUT_SARIF_FILE", sb.home.join("antleak.sarif"));
    Run::from(cmd.output().expect("bash runs"))
}

fn sarif(sb: &Sandbox) -> Value {
    let text = std::fs::read_to_string(sb.home.join("antleak.sarif")).expect("SARIF written");
    serde_json::from_str(&text).expect("SARIF is JSON")
}

/// The credential fingerprints of a SARIF log's results.
fn fingerprints(log: &Value) -> Vec<String> {
    log["runs"][0]["results"]
        .as_array()
        .expect("results")
        .iter()
        .filter_map(|r| r["partialFingerprints"]["antleak/credential-sha256/v1"].as_str())
        .map(str::to_string)
        .collect()
}

fn github_output(sb: &Sandbox) -> String {
    std::fs::read_to_string(sb.home.join("github_output")).unwrap_or_default()
}

fn pull_request(base: &str, head: &str) -> Value {
    json!({
        "action": "synchronize",
        "number": 7,
        "pull_request": { "base": { "sha": base, "ref": "main" }, "head": { "sha": head, "ref": "feature" } }
    })
}

#[test]
fn on_a_pull_request_the_key_it_adds_fails_with_sarif_and_older_history_is_not_scanned() {
    let (old, new) = (fake_key("api03", 71), fake_key("api03", 72));
    let (sb, base, head) = repo_with_pull_request(&old, Some(&new));
    let run = run_action(&sb, "pull_request", &pull_request(&base, &head));
    run.assert_code(1);
    run.assert_hides(&new);
    run.assert_hides(&old);
    assert!(
        run.stderr.contains(&format!("{base}..{head}")),
        "{}",
        run.stderr
    );
    // The runbook is in the log, the alerts in the SARIF.
    assert!(run.stdout.contains("new.py"), "{}", run.stdout);
    let log = sarif(&sb);
    assert_eq!(log["version"], "2.1.0");
    assert_eq!(fingerprints(&log), vec![sha256_hex(&new)]);
    let out = github_output(&sb);
    assert!(out.contains(&format!("range={base}..{head}\n")), "{out}");
    assert!(out.contains("exit-code=1\n"), "{out}");
}

#[test]
fn a_clean_pull_request_passes_even_when_older_history_holds_a_key() {
    let old = fake_key("api03", 73);
    let (sb, base, head) = repo_with_pull_request(&old, None);
    let run = run_action(&sb, "pull_request", &pull_request(&base, &head));
    run.assert_code(0);
    let log = sarif(&sb);
    assert_eq!(log["runs"][0]["results"].as_array().map(Vec::len), Some(0));
    assert!(github_output(&sb).contains("exit-code=0\n"));
}

#[test]
fn on_a_push_the_full_history_is_scanned() {
    let old = fake_key("api03", 74);
    let (sb, _base, head) = repo_with_pull_request(&old, None);
    let push = json!({ "ref": "refs/heads/feature", "after": head });
    let run = run_action(&sb, "push", &push);
    run.assert_code(1);
    run.assert_hides(&old);
    assert!(run.stderr.contains("full history"), "{}", run.stderr);
    assert_eq!(fingerprints(&sarif(&sb)), vec![sha256_hex(&old)]);
    assert!(github_output(&sb).contains("range=\n"));
}

#[test]
fn a_pull_request_whose_base_is_not_in_the_clone_is_an_error_not_a_pass() {
    let (sb, _base, head) = repo_with_pull_request(&fake_key("api03", 75), None);
    let missing = "0123456789abcdef0123456789abcdef01234567";
    let run = run_action(&sb, "pull_request", &pull_request(missing, &head));
    run.assert_code(2);
    assert!(run.stderr.contains("fetch-depth: 0"), "{}", run.stderr);
}
