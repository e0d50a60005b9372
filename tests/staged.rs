//! `antleak staged`: what `git commit` would record — the staged blob, not
//! the working file; only what differs from HEAD; `GIT_INDEX_FILE`; `.env`
//! files; gitlinks; and the human message that stops a commit.

use std::process::Command;

use crate::contract;
use crate::util::*;

fn staged_json(sb: &Sandbox) -> Run {
    sb.antleak(&["staged", "--format", "json"])
}

#[test]
fn a_staged_key_stops_the_commit_with_place_fix_and_escape_hatches() {
    let sb = Sandbox::repo_with_readme();
    let key = fake_key("api03", 21);
    sb.write("app.py", format!("import os\nKEY = \"{key}\"\n"));
    sb.git(&["add", "app.py"]);

    let run = sb.antleak(&["staged", "--color", "never"]);
    run.assert_code(1).assert_hides(&key);
    for expected in [
        "app.py:2:8",
        "only staged, not committed",
        "3. If it was shared: Revoke",
        "Nothing has reached history yet",
        "antleak:allow",
        "git commit --no-verify",
    ] {
        assert!(
            run.stdout.contains(expected),
            "missing {expected:?} in:\n{}",
            run.stdout
        );
    }
}

#[test]
fn json_findings_come_from_the_index_without_commit_fields() {
    let sb = Sandbox::repo_with_readme();
    let key = fake_key("admin01", 22);
    sb.write(
        "ops/rotate.sh",
        format!("export ANTHROPIC_ADMIN_KEY={key}\n"),
    );
    sb.git(&["add", "ops/rotate.sh"]);

    let run = staged_json(&sb);
    run.assert_code(1).assert_hides(&key);
    let report = run.report();
    assert_eq!(report.command, contract::Command::Staged);
    let [finding] = &report.findings[..] else {
        panic!("one finding expected: {report:#?}")
    };
    assert_eq!(finding.rule, "anthropic-admin-key");
    assert_eq!(finding.path.as_deref(), Some("ops/rotate.sh"));
    assert_eq!(finding.line, Some(1));
    assert_eq!(finding.source, contract::Source::Staged);
    assert!(finding.commit.is_none() && finding.author.is_none() && finding.date.is_none());
    // Not in HEAD: this commit would be the leak.
    assert_eq!(finding.still_in_head, Some(false));
    assert_eq!(report.remediation[0].first_leaked, None);
}

#[test]
fn a_key_or_env_file_head_already_holds_is_a_leak_to_rotate_not_only_staged() {
    // The hook installed in a repository that leaked long ago: editing the
    // file that holds the old key stages it again.
    let sb = Sandbox::repo_with_readme();
    let old = fake_key("api03", 27);
    let new = fake_key("api03", 28);
    sb.write("app.py", format!("KEY = \"{old}\"\nx = 1\n"));
    sb.write(".env", "DEBUG=1\n");
    sb.commit("legacy", DATE);
    sb.write(
        "app.py",
        format!("KEY = \"{old}\"\nx = 2\nNEW = \"{new}\"\n"),
    );
    sb.write(".env", "DEBUG=0\n");
    sb.git(&["add", "app.py", ".env"]);

    let run = staged_json(&sb);
    run.assert_code(1).assert_hides(&old);
    run.assert_hides(&new);
    let report = run.json();
    let in_head = |line: u64| {
        report["findings"]
            .as_array()
            .unwrap()
            .iter()
            .find(|f| f["line"] == line)
            .unwrap()["still_in_head"]
            .clone()
    };
    assert_eq!((in_head(1), in_head(3)), (true.into(), false.into()));
    let env = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["path"] == ".env")
        .unwrap();
    assert_eq!(env["still_in_head"], true);
    let steps = |key: &str| -> String {
        let fingerprint = sha256_hex(key);
        report["remediation"]
            .as_array()
            .unwrap()
            .iter()
            .find(|r| r["fingerprint"] == fingerprint.as_str())
            .unwrap()["steps"]
            .to_string()
    };
    assert!(steps(&old).contains("already committed"), "{}", steps(&old));
    assert!(!steps(&old).contains("only staged"), "{}", steps(&old));
    assert!(steps(&new).contains("only staged"), "{}", steps(&new));
    let env_steps = report["dotenv_remediation"][0]["steps"].to_string();
    assert!(env_steps.contains("Stop tracking it"), "{env_steps}");

    let human = sb.antleak(&["staged", "--color", "never"]).stdout;
    for expected in [
        "app.py:1:8  (already committed: HEAD holds it)",
        ".env file already committed",
        "Some of this is in HEAD already",
    ] {
        assert!(
            human.contains(expected),
            "missing {expected:?} in:\n{human}"
        );
    }
    assert!(!human.contains("Nothing has reached history"), "{human}");
}

#[test]
fn the_staged_version_is_scanned_not_the_working_file() {
    let sb = Sandbox::repo_with_readme();
    let key = fake_key("api03", 23);
    // Staged with the key, then fixed on disk but not re-staged: the commit
    // would still record the key.
    sb.write("app.py", format!("KEY = \"{key}\"\n"));
    sb.git(&["add", "app.py"]);
    sb.write("app.py", "KEY = os.environ[\"ANTHROPIC_API_KEY\"]\n");
    let run = staged_json(&sb);
    run.assert_code(1).assert_hides(&key);
    assert_eq!(
        rules_paths_lines(&run.json()),
        vec![("anthropic-api-key".into(), "app.py".into(), Some(1))]
    );

    // The other way round: a clean version staged, the key only on disk.
    sb.write("app.py", "KEY = None\n");
    sb.git(&["add", "app.py"]);
    sb.write("app.py", format!("KEY = \"{key}\"\n"));
    staged_json(&sb).assert_code(0).assert_hides(&key);
}

#[test]
fn only_what_differs_from_head_is_scanned() {
    let sb = Sandbox::new();
    sb.init();
    let key = fake_key("api03", 24);
    sb.write("committed.py", &key);
    sb.commit("an old leak, history's business", DATE);
    sb.write("new.txt", "nothing to see\n");
    sb.git(&["add", "new.txt"]);
    let run = staged_json(&sb);
    run.assert_code(0).assert_hides(&key);
    assert_eq!(run.json()["summary"]["blobs_scanned"], 1);
}

#[test]
fn before_the_first_commit_everything_staged_is_scanned() {
    let sb = Sandbox::new();
    sb.init();
    let key = fake_key("api03", 25);
    sb.write("a.py", &key).write("b.txt", "plain\n");
    sb.git(&["add", "."]);
    let run = staged_json(&sb);
    run.assert_code(1).assert_hides(&key);
    assert_eq!(run.json()["summary"]["blobs_scanned"], 2);
}

#[test]
fn a_staged_deletion_scans_nothing() {
    let sb = Sandbox::new();
    sb.init();
    let key = fake_key("api03", 26);
    sb.write("leak.py", &key);
    sb.commit("leak", DATE);
    sb.git(&["rm", "-q", "leak.py"]);
    let run = staged_json(&sb);
    run.assert_code(0);
    assert_eq!(run.json()["summary"]["blobs_scanned"], 0);
}

#[test]
fn a_staged_env_file_is_a_finding_and_a_template_is_not() {
    let sb = Sandbox::repo_with_readme();
    let key = fake_key("api03", 27);
    sb.write(".env", format!("ANTHROPIC_API_KEY={key}\n"));
    sb.write(".env.example", "ANTHROPIC_API_KEY=\n");
    sb.git(&["add", "-f", ".env", ".env.example"]);
    let run = staged_json(&sb);
    run.assert_code(1).assert_hides(&key);
    let report = run.json();
    assert_eq!(
        rules_paths_lines(&report),
        vec![
            ("dotenv-committed".into(), ".env".into(), None),
            ("anthropic-api-key".into(), ".env".into(), Some(1)),
        ]
    );
    assert_eq!(report["findings"][0]["severity"], "high");
    assert_eq!(report["findings"][0]["source"], "staged");
    let human = sb.antleak(&["staged", "--color", "never"]);
    assert!(
        human.stdout.contains(".env file staged for commit"),
        "{}",
        human.stdout
    );
    assert!(
        human.stdout.contains("git rm --cached .env"),
        "{}",
        human.stdout
    );
}

#[test]
fn a_staged_submodule_is_skipped() {
    let sb = Sandbox::repo_with_readme();
    let (_sub, key) = sb.add_submodule_with_key("vendor/sub", 28);

    let run = staged_json(&sb);
    run.assert_code(0).assert_hides(&key);
    assert!(run.stderr.is_empty(), "{}", run.stderr);
    // .gitmodules is the one blob staged besides the gitlink.
    assert_eq!(run.json()["summary"]["blobs_scanned"], 1);
}

#[test]
fn git_index_file_selects_the_index_being_committed() {
    let sb = Sandbox::repo_with_readme();
    let key = fake_key("api03", 29);
    sb.write("app.py", &key);
    // Staged only in another index, as `git commit -a` does.
    let alternate = sb.root.join(".git/next-index");
    std::fs::copy(sb.root.join(".git/index"), &alternate).unwrap();
    let out = sb
        .git_command(&sb.root, &["add", "app.py"])
        .env("GIT_INDEX_FILE", &alternate)
        .output()
        .unwrap();
    assert!(out.status.success());

    staged_json(&sb).assert_code(0);
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_antleak"));
    cmd.current_dir(&sb.root)
        .args(["staged", "--format", "json"])
        .env("HOME", &sb.home)
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .env("GIT_INDEX_FILE", &alternate);
    let run = Run::from(cmd.output().unwrap());
    run.assert_code(1).assert_hides(&key);
    assert_eq!(
        rules_paths_lines(&run.json()),
        vec![("anthropic-api-key".into(), "app.py".into(), Some(1))]
    );
}

#[test]
fn the_summary_counts_only_the_staged_files() {
    let sb = Sandbox::repo_with_readme();
    let key = fake_key("api03", 29);
    sb.write("legacy.py", format!("K = \"{key}\"\n"));
    sb.commit("legacy", DATE);
    sb.write("legacy.py", format!("K = \"{key}\"\nx = 1\n"));
    sb.git(&["add", "legacy.py"]);
    let report = sb.antleak(&["staged", "--format", "json"]).report();
    // HEAD's version was read to tell whether the key is committed already,
    // but only one file is staged.
    assert_eq!(report.summary.blobs_scanned, 1, "{report:#?}");
}

#[test]
fn a_key_head_holds_at_another_path_is_already_leaked_not_only_staged() {
    let sb = Sandbox::repo_with_readme();
    let key = fake_key("api03", 30);
    sb.write("legacy.py", format!("K = \"{key}\"\n"));
    sb.commit("legacy", DATE);
    // Copied to a new file: the staged blob has no HEAD version of its own.
    sb.write("moved.py", format!("K = \"{key}\"\n"));
    sb.git(&["add", "moved.py"]);
    let run = sb.antleak(&["staged", "--format", "json"]);
    run.assert_code(1).assert_hides(&key);
    let report = run.report();
    assert_eq!(report.findings[0].still_in_head, Some(true), "{report:#?}");
    let steps = report.remediation[0].steps.join("\n");
    assert!(steps.contains("already committed"), "{steps}");
    assert!(!steps.contains("nothing to rotate"), "{steps}");
}
