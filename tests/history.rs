//! `antleak history`: every ref kind, remote-tracking reflogs, provenance (earliest commit, author,
//! date, still_in_head), merges, renames, bare/shallow/empty repositories,
//! submodules, `--range`, and objects that cannot be read.

use std::collections::BTreeSet;

use serde_json::Value;

use crate::contract;
use crate::util::*;

fn history(sb: &Sandbox, args: &[&str]) -> Run {
    let mut all = vec!["history", "--format", "json"];
    all.extend_from_slice(args);
    sb.antleak(&all)
}

fn credential_findings(report: &Value) -> Vec<&Value> {
    report["findings"]
        .as_array()
        .expect("findings array")
        .iter()
        .filter(|f| f["fingerprint"].is_string())
        .collect()
}

fn paths(findings: &[&Value]) -> BTreeSet<String> {
    findings
        .iter()
        .map(|f| f["path"].as_str().unwrap().to_string())
        .collect()
}

/// Commits `file` on a throwaway branch, points a ref at that commit with
/// `keep` (whose last argument receives the commit id), and deletes the
/// branch: the commit is then reachable only through that ref.
fn commit_reachable_only_via(sb: &Sandbox, file: &str, key: &str, keep: &[&str]) {
    sb.git(&["checkout", "-q", "-b", "throwaway"]);
    sb.write(file, format!("key = \"{key}\"\n"));
    let commit = sb.commit(file, DATE);
    sb.git(&["checkout", "-q", "main"]);
    let mut args = keep.to_vec();
    args.push(&commit);
    sb.git(&args);
    sb.git(&["branch", "-q", "-D", "throwaway"]);
}

#[test]
fn every_ref_kind_is_scanned() {
    let sb = Sandbox::repo_with_readme();
    let keys: Vec<String> = (0..7).map(|i| fake_key("api03", 100 + i)).collect();
    commit_reachable_only_via(&sb, "branch.py", &keys[0], &["branch", "feature"]);
    commit_reachable_only_via(&sb, "light.py", &keys[1], &["tag", "light"]);
    commit_reachable_only_via(
        &sb,
        "annotated.py",
        &keys[2],
        &["tag", "-a", "v1", "-m", "v1"],
    );
    commit_reachable_only_via(
        &sb,
        "remote.py",
        &keys[3],
        &["update-ref", "refs/remotes/origin/x"],
    );
    // Two stashes: after the second, the first lives only in the reflog of
    // refs/stash.
    sb.write("README.md", format!("{}\n", keys[4]));
    sb.git(&["stash", "-q"]);
    sb.write("README.md", format!("{}\n", keys[5]));
    sb.git(&["stash", "-q"]);
    assert_eq!(sb.git(&["stash", "list"]).lines().count(), 2);
    // A detached HEAD with a commit no branch holds.
    sb.git(&["checkout", "-q", "--detach"]);
    sb.write("detached.py", &keys[6]);
    sb.commit("detached", DATE);

    let run = history(&sb, &[]);
    run.assert_code(1);
    keys.iter().for_each(|key| run.assert_hides(key));
    let report = run.json();
    assert_eq!(
        report["remediation"].as_array().unwrap().len(),
        7,
        "{report:#}"
    );
    let found = credential_findings(&report);
    assert_eq!(
        paths(&found),
        [
            "README.md",
            "annotated.py",
            "branch.py",
            "detached.py",
            "light.py",
            "remote.py"
        ]
        .map(String::from)
        .into(),
    );
    assert_eq!(found.iter().filter(|f| f["path"] == "README.md").count(), 2);
}

#[test]
fn a_commit_force_pushed_away_is_found_but_one_that_never_left_is_not() {
    let sb = Sandbox::repo_with_readme();
    let server = sb.root.parent().unwrap().join("server.git");
    let server = server.to_str().unwrap();
    sb.git(&["init", "-q", "--bare", server]);
    sb.git(&["remote", "add", "origin", server]);
    sb.git(&["push", "-q", "-u", "origin", "main"]);
    // Pushed, then "deleted" by rewriting the branch and force-pushing: no
    // ref holds it, but the server had it and so has every earlier clone.
    let published = fake_key("api03", 140);
    sb.write("leaked.py", format!("KEY = '{published}'\n"));
    let pushed = sb.commit("add key", "2024-04-01T00:00:00Z");
    sb.git(&["push", "-q", "origin", "main"]);
    sb.git(&["reset", "-q", "--hard", "HEAD~1"]);
    sb.git(&["push", "-q", "-f", "origin", "main"]);
    // Committed and reset before any push: it never left this machine, so
    // it is not a leak (the local reflogs that still hold it are not read).
    let local = fake_key("api03", 141);
    sb.write("local.py", format!("KEY = '{local}'\n"));
    sb.commit("oops", "2024-04-02T00:00:00Z");
    sb.git(&["reset", "-q", "--hard", "HEAD~1"]);

    let run = history(&sb, &[]);
    run.assert_code(1).assert_hides(&published);
    let report = run.json();
    let found = credential_findings(&report);
    assert_eq!(
        paths(&found),
        ["leaked.py".to_string()].into(),
        "{report:#}"
    );
    assert_eq!(found[0]["commit"], pushed.as_str());
    assert_eq!(found[0]["date"], "2024-04-01T00:00:00Z");
    assert_eq!(found[0]["still_in_head"], false);
}

#[test]
fn finding_names_the_earliest_commit_with_author_date_and_still_in_head() {
    let sb = Sandbox::new();
    sb.init();
    let kept = fake_key("api03", 1);
    let removed = fake_key("admin01", 2);
    sb.write("config.py", format!("KEY = \"{kept}\"\n"));
    sb.write("old.py", format!("ADMIN = \"{removed}\"\n"));
    let first = sb.commit_as(
        "add config",
        "2024-01-02T03:04:05Z",
        ("Zoë Ñandú", "zoe@example.com"),
    );
    // The key stays in config.py while the file changes around it: still one
    // finding, dated by the first commit.
    for (i, date) in ["2024-02-01T00:00:00Z", "2024-02-02T00:00:00Z"]
        .iter()
        .enumerate()
    {
        sb.write("config.py", format!("# v{i}\nKEY = \"{kept}\"\n"));
        sb.commit("edit config", date);
    }
    std::fs::remove_file(sb.path("old.py")).unwrap();
    sb.commit("remove old.py", "2024-03-01T00:00:00Z");

    let run = history(&sb, &[]);
    run.assert_code(1).assert_hides(&kept);
    run.assert_hides(&removed);
    let report = run.report();
    assert_eq!(report.command, contract::Command::History);
    let found: Vec<&contract::Finding> = report
        .findings
        .iter()
        .filter(|f| f.fingerprint.is_some())
        .collect();
    assert_eq!(found.len(), 2, "{report:#?}");
    for f in &found {
        assert_eq!(f.source, contract::Source::History);
        assert_eq!(f.commit.as_deref(), Some(first.as_str()));
        assert_eq!(f.author.as_deref(), Some("Zoë Ñandú <zoe@example.com>"));
        assert_eq!(f.date.as_deref(), Some("2024-01-02T03:04:05Z"));
    }
    let at = |path: &str| {
        found
            .iter()
            .find(|f| f.path.as_deref() == Some(path))
            .unwrap()
    };
    assert_eq!(
        (at("config.py").line, at("config.py").still_in_head),
        (Some(1), Some(true))
    );
    assert_eq!(at("old.py").still_in_head, Some(false));
    assert_eq!(at("old.py").rule, "anthropic-admin-key");
    assert_eq!(at("old.py").severity, contract::Severity::Critical);
    for entry in &report.remediation {
        assert_eq!(entry.first_leaked.as_deref(), Some("2024-01-02T03:04:05Z"));
    }
}

#[test]
fn dotenv_files_ever_added_are_reported_even_after_deletion() {
    let sb = Sandbox::new();
    sb.init();
    let key = fake_key("api03", 3);
    sb.write(".env", "DATABASE_URL=postgres://localhost/app\n");
    sb.write(
        "deploy/.env.production",
        format!("ANTHROPIC_API_KEY={key}\n"),
    );
    sb.write(".env.example", "ANTHROPIC_API_KEY=\n");
    let added = sb.commit("add env files", "2024-01-01T00:00:00Z");
    std::fs::remove_file(sb.path(".env")).unwrap();
    sb.commit("remove .env", "2024-01-02T00:00:00Z");

    let run = history(&sb, &[]);
    run.assert_code(1).assert_hides(&key);
    let report = run.json();
    let dotenv: Vec<&Value> = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["rule"] == "dotenv-committed")
        .collect();
    let summary: Vec<(&str, &str, bool)> = dotenv
        .iter()
        .map(|f| {
            assert_eq!(f["commit"], added.as_str());
            assert!(f.get("line").is_none());
            (
                f["path"].as_str().unwrap(),
                f["severity"].as_str().unwrap(),
                f["still_in_head"].as_bool().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        summary,
        vec![
            (".env", "medium", false),
            ("deploy/.env.production", "high", true)
        ]
    );
    // The deleted .env needs no `git rm --cached` any more; the tracked one does.
    let steps: Vec<String> = report["dotenv_remediation"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["steps"][0].as_str().unwrap().to_string())
        .collect();
    assert!(steps[0].starts_with("It is no longer in HEAD"), "{steps:?}");
    assert!(
        steps[1].contains("git rm --cached deploy/.env.production"),
        "{steps:?}"
    );
    let human = sb.antleak(&["history", "--color", "never"]);
    assert!(
        human.stdout.contains(".env file committed to history"),
        "{}",
        human.stdout
    );
}

#[test]
fn merges_attribute_branch_content_to_the_branch_and_resolutions_to_the_merge() {
    let sb = Sandbox::repo_with_readme();
    let on_branch = fake_key("api03", 4);
    let in_merge = fake_key("api03", 5);
    sb.git(&["checkout", "-q", "-b", "feature"]);
    sb.write("feature.py", format!("K = \"{on_branch}\"\n"));
    let branch_commit = sb.commit("feature", "2024-01-02T00:00:00Z");
    sb.git(&["checkout", "-q", "main"]);
    sb.write("main.txt", "main moves on\n");
    sb.commit("main", "2024-01-03T00:00:00Z");
    sb.git(&["merge", "-q", "--no-ff", "--no-commit", "feature"]);
    // Content neither parent had, written while resolving the merge.
    sb.write("resolved.py", format!("K = \"{in_merge}\"\n"));
    let merge = sb.commit("merge feature", "2024-01-04T00:00:00Z");
    assert_eq!(
        sb.git(&["rev-list", "--parents", "-n1", "HEAD"])
            .split_whitespace()
            .count(),
        3
    );

    let run = history(&sb, &[]);
    run.assert_code(1).assert_hides(&on_branch);
    run.assert_hides(&in_merge);
    let report = run.json();
    let commits: Vec<(&str, &str)> = credential_findings(&report)
        .iter()
        .map(|f| (f["path"].as_str().unwrap(), f["commit"].as_str().unwrap()))
        .collect();
    assert_eq!(
        commits,
        vec![
            ("feature.py", branch_commit.as_str()),
            ("resolved.py", merge.as_str())
        ]
    );
}

#[test]
fn renames_keep_the_original_introducing_commit() {
    let sb = Sandbox::new();
    sb.init();
    let key = fake_key("api03", 6);
    sb.write("src/a.py", format!("K = \"{key}\"\n"));
    let first = sb.commit("add", "2024-01-01T00:00:00Z");
    sb.git(&["mv", "src", "lib"]);
    sb.commit("rename directory", "2024-01-02T00:00:00Z");
    sb.git(&["mv", "lib/a.py", "lib/b.py"]);
    sb.commit("rename file", "2024-01-03T00:00:00Z");

    let run = history(&sb, &[]);
    run.assert_code(1).assert_hides(&key);
    let report = run.json();
    let found = credential_findings(&report);
    assert_eq!(
        paths(&found),
        ["lib/a.py", "lib/b.py", "src/a.py"]
            .map(String::from)
            .into()
    );
    assert!(
        found.iter().all(|f| f["commit"] == first.as_str()),
        "{report:#}"
    );
    assert_eq!(
        report["remediation"][0]["first_leaked"],
        "2024-01-01T00:00:00Z"
    );
}

#[test]
fn bare_repositories_are_scanned() {
    let sb = Sandbox::new();
    sb.init();
    let key = fake_key("api03", 7);
    sb.write("app.py", &key);
    sb.commit("add", DATE);
    sb.git(&["clone", "-q", "--bare", ".", "../bare.git"]);

    let run = history(&sb, &["--repo", "../bare.git"]);
    run.assert_code(1).assert_hides(&key);
    let report = run.json();
    assert_eq!(
        rules_paths_lines(&report),
        vec![("anthropic-api-key".into(), "app.py".into(), Some(1))]
    );
    assert_eq!(report["findings"][0]["still_in_head"], true);
}

#[test]
fn shallow_clones_are_scanned_as_far_as_they_go_with_a_warning() {
    let sb = Sandbox::new();
    sb.init();
    let old = fake_key("api03", 8);
    let new = fake_key("api03", 9);
    sb.write("old.py", &old);
    sb.commit("old", "2024-01-01T00:00:00Z");
    std::fs::remove_file(sb.path("old.py")).unwrap();
    sb.write("new.py", &new);
    sb.commit("new", "2024-01-02T00:00:00Z");
    let url = format!("file://{}", sb.root.display());
    sb.git(&["clone", "-q", "--depth", "1", &url, "../shallow"]);

    let run = history(&sb, &["--repo", "../shallow"]);
    run.assert_code(1).assert_hides(&new);
    run.assert_hides(&old);
    assert!(run.stderr.contains("shallow"), "{}", run.stderr);
    let report = run.json();
    assert_eq!(report["summary"]["shallow"], true);
    assert_eq!(
        paths(&credential_findings(&report)),
        ["new.py".to_string()].into()
    );
}

#[test]
fn submodules_are_not_entered() {
    let sb = Sandbox::repo_with_readme();
    let (_sub, key) = sb.add_submodule_with_key("vendor/sub", 10);
    sb.commit("add submodule", DATE);

    let run = history(&sb, &[]);
    run.assert_code(0).assert_hides(&key);
    let report = run.json();
    assert_eq!(report["summary"]["unreadable"], 0);
    assert!(run.stderr.is_empty(), "{}", run.stderr);
}

#[test]
fn an_empty_repository_is_clean() {
    let sb = Sandbox::new();
    sb.init();
    let run = history(&sb, &[]);
    run.assert_code(0);
    let report = run.json();
    assert_eq!(report["findings"], serde_json::json!([]));
    assert_eq!(report["summary"]["blobs_scanned"], 0);
    assert!(run.stderr.is_empty(), "{}", run.stderr);
}

#[test]
fn range_limits_the_scan_to_blobs_the_range_introduced() {
    let sb = Sandbox::repo_with_readme();
    let before = fake_key("api03", 11);
    let inside = fake_key("api03", 12);
    sb.write("before.py", &before);
    let c1 = sb.commit("before", "2024-01-01T00:00:00Z");
    sb.write("notes.txt", "nothing here\n");
    let c2 = sb.commit("notes", "2024-01-02T00:00:00Z");
    sb.write("inside.py", &inside);
    let c3 = sb.commit("inside", "2024-01-03T00:00:00Z");

    let run = history(&sb, &["--range", &format!("{c1}..{c3}")]);
    run.assert_code(1).assert_hides(&inside);
    run.assert_hides(&before);
    let report = run.json();
    let found = credential_findings(&report);
    assert_eq!(paths(&found), ["inside.py".to_string()].into());
    assert_eq!(found[0]["commit"], c3.as_str());
    assert_eq!(found[0]["still_in_head"], true);
    assert_eq!(report["summary"]["blobs_scanned"], 2);

    // before.py is still in the tree, but no commit of the range added it.
    history(&sb, &["--range", &format!("{c1}..{c2}")]).assert_code(0);
}

#[test]
fn a_bad_range_is_one_error_line_naming_it() {
    let sb = Sandbox::repo_with_readme();
    let run = history(&sb, &["--range", "no-such-rev..HEAD"]);
    run.assert_code(2);
    assert_eq!(run.stderr.lines().count(), 1, "{}", run.stderr);
    assert!(run.stderr.contains("no-such-rev..HEAD"), "{}", run.stderr);
}

#[test]
fn a_missing_object_is_a_warning_and_the_scan_goes_on() {
    let sb = Sandbox::new();
    sb.init();
    let key = fake_key("api03", 13);
    sb.write("lost.txt", "this blob will go missing\n");
    sb.write("app.py", &key);
    sb.commit("add", DATE);
    let blob = sb.git(&["rev-parse", "HEAD:lost.txt"]).trim().to_string();
    std::fs::remove_file(sb.path(&format!(".git/objects/{}/{}", &blob[..2], &blob[2..]))).unwrap();

    let run = history(&sb, &[]);
    run.assert_code(1).assert_hides(&key);
    assert!(run.stderr.contains(&blob), "{}", run.stderr);
    let report = run.json();
    assert_eq!(report["summary"]["unreadable"], 1);
    assert_eq!(
        paths(&credential_findings(&report)),
        ["app.py".to_string()].into()
    );
}

#[test]
fn human_output_names_commit_and_first_leak() {
    let sb = Sandbox::new();
    sb.init();
    let key = fake_key("api03", 14);
    sb.write("app.py", &key);
    let commit = sb.commit("add", "2024-01-02T03:04:05Z");
    let run = sb.antleak(&["history", "--color", "never"]);
    run.assert_code(1).assert_hides(&key);
    assert!(run.stdout.contains(&commit[..12]), "{}", run.stdout);
    assert!(
        run.stdout.contains("exposed since 2024-01-02T03:04:05Z"),
        "{}",
        run.stdout
    );
}

#[test]
fn a_range_ignores_the_allow_markers_its_own_commits_add() {
    let sb = Sandbox::repo_with_readme();
    let base = sb.git(&["rev-parse", "HEAD"]).trim().to_string();
    let key = fake_key("api03", 350);
    sb.write("sneaky.py", format!("k = \"{key}\"  # antleak:allow\n"));
    sb.commit("sneaky", "2024-08-01T00:00:00Z");
    // The whole history honours the marker: whoever wrote it owns the line.
    history(&sb, &[]).assert_code(0);
    // A pull request's check does not: the marker comes from the change
    // under review.
    let run = history(&sb, &["--range", &format!("{base}..HEAD")]);
    run.assert_code(1).assert_hides(&key);
    assert_eq!(run.report().findings[0].path.as_deref(), Some("sneaky.py"));
}
