//! The server-side gate: `antleak hook install --pre-receive` in a bare
//! repository, then real `git push`es from a clone, so the hook runs as a git
//! server runs it (the pushed objects in git's quarantine directory, the ref
//! updates on stdin). Refused pushes leave the server's refs where they were.

use std::path::Path;

use crate::util::*;

/// `PATH` with the directory of the antleak under test first.
fn path_with_antleak() -> String {
    let bin = Path::new(env!("CARGO_BIN_EXE_antleak")).parent().unwrap();
    let rest = std::env::var("PATH").unwrap_or_default();
    format!("{}:{rest}", bin.display())
}

/// A bare `server.git` with antleak's pre-receive hook, and a `client`
/// whose one clean commit on `main` the server already has.
fn server_and_client() -> Sandbox {
    let sb = Sandbox::new();
    sb.git(&["init", "-q", "--bare", "-b", "main", "server.git"]);
    sb.git(&["init", "-q", "-b", "main", "client"]);
    sb.git_in("client", &["remote", "add", "origin", "../server.git"]);
    sb.write("client/README.md", "hello\n");
    commit_in(&sb, "init");
    push(&sb, &["origin", "main"]).assert_code(0);
    install(&sb);
    sb
}

fn install(sb: &Sandbox) {
    let run = sb.antleak(&["hook", "install", "--pre-receive", "--repo", "server.git"]);
    run.assert_code(0);
    assert!(
        run.stdout.contains("installed the pre-receive hook"),
        "{}",
        run.stdout
    );
}

fn commit_in(sb: &Sandbox, message: &str) -> String {
    sb.git_in("client", &["add", "-A"]);
    sb.git_in("client", &["commit", "-q", "--allow-empty", "-m", message]);
    sb.git_in("client", &["rev-parse", "HEAD"])
        .trim()
        .to_string()
}

/// `git push <args>` from the client, with antleak on PATH for the hook.
fn push(sb: &Sandbox, args: &[&str]) -> Run {
    let mut all = vec!["push"];
    all.extend_from_slice(args);
    let mut cmd = sb.git_command(&sb.path("client"), &all);
    cmd.env("PATH", path_with_antleak());
    Run::from(cmd.output().expect("git runs"))
}

/// Where the server's `reference` points, or `None` when it does not exist.
fn server_ref(sb: &Sandbox, reference: &str) -> Option<String> {
    let out = sb
        .git_command(
            &sb.path("server.git"),
            &["rev-parse", "-q", "--verify", reference],
        )
        .output()
        .unwrap();
    out.status
        .success()
        .then(|| String::from_utf8_lossy(&out.stdout).trim().to_string())
}

fn assert_refused(run: &Run, key: &str) {
    assert_ne!(run.code, 0, "the push went through:\n{}", run.stderr);
    run.assert_hides(key);
    for expected in [
        "remote: antleak: push refused",
        "pre-receive hook declined",
        "Rotate",
    ] {
        assert!(
            run.stderr.contains(expected),
            "no {expected:?} in:\n{}",
            run.stderr
        );
    }
}

#[test]
fn a_push_that_adds_a_key_is_refused_and_the_ref_does_not_move() {
    let sb = server_and_client();
    let before = server_ref(&sb, "refs/heads/main");
    let key = fake_key("api03", 141);
    sb.write("client/app.py", format!("KEY = \"{key}\"\n"));
    commit_in(&sb, "leak");
    let run = push(&sb, &["origin", "main"]);
    assert_refused(&run, &key);
    assert!(run.stderr.contains("app.py:1:8"), "{}", run.stderr);
    // HEAD is what main would be after the push, not what the server had.
    assert!(run.stderr.contains("still in HEAD"), "{}", run.stderr);
    assert_eq!(server_ref(&sb, "refs/heads/main"), before);
}

#[test]
fn a_clean_push_is_accepted_without_a_word_from_the_hook() {
    let sb = server_and_client();
    sb.write("client/app.py", "KEY = None\n");
    let tip = commit_in(&sb, "clean");
    let run = push(&sb, &["-q", "origin", "main"]);
    run.assert_code(0);
    assert!(!run.stderr.contains("antleak"), "{}", run.stderr);
    assert_eq!(server_ref(&sb, "refs/heads/main"), Some(tip));
}

#[test]
fn a_new_branch_of_commits_the_server_has_plus_a_clean_one_is_accepted() {
    // The server's main already holds a key (pushed before the gate
    // existed): a new branch from there brings one clean commit, and only
    // that commit is the push's to answer for.
    let sb = Sandbox::new();
    sb.git(&["init", "-q", "--bare", "-b", "main", "server.git"]);
    sb.git(&["init", "-q", "-b", "main", "client"]);
    sb.git_in("client", &["remote", "add", "origin", "../server.git"]);
    let key = fake_key("api03", 142);
    sb.write("client/old.py", format!("KEY = \"{key}\"\n"));
    commit_in(&sb, "old leak");
    push(&sb, &["origin", "main"]).assert_code(0);
    install(&sb);
    sb.git_in("client", &["checkout", "-q", "-b", "feature"]);
    sb.write("client/new.py", "print('clean')\n");
    let tip = commit_in(&sb, "clean feature");
    let run = push(&sb, &["-q", "origin", "feature"]);
    run.assert_code(0);
    assert_eq!(server_ref(&sb, "refs/heads/feature"), Some(tip));
    // A new branch with a key of its own is still refused.
    sb.git_in("client", &["checkout", "-q", "-b", "other", "main"]);
    let second = fake_key("api03", 143);
    sb.write("client/other.py", format!("KEY = \"{second}\"\n"));
    commit_in(&sb, "new leak");
    assert_refused(&push(&sb, &["origin", "other"]), &second);
    assert_eq!(server_ref(&sb, "refs/heads/other"), None);
    // Deleting the branch that holds the old key brings nothing: accepted.
    push(&sb, &["-q", "origin", ":feature"]).assert_code(0);
    assert_eq!(server_ref(&sb, "refs/heads/feature"), None);
}

#[test]
fn a_key_only_in_an_older_commit_of_the_pushed_range_is_refused() {
    let sb = server_and_client();
    let before = server_ref(&sb, "refs/heads/main");
    let key = fake_key("api03", 144);
    sb.write("client/app.py", format!("KEY = \"{key}\"\n"));
    commit_in(&sb, "leak");
    sb.write(
        "client/app.py",
        "import os\nKEY = os.environ['ANTHROPIC_API_KEY']\n",
    );
    commit_in(&sb, "remove the key again");
    let run = push(&sb, &["origin", "main"]);
    assert_refused(&run, &key);
    assert!(run.stderr.contains("no longer in HEAD"), "{}", run.stderr);
    assert_eq!(server_ref(&sb, "refs/heads/main"), before);
}

#[test]
fn a_hook_that_was_there_is_chained_and_sees_the_same_updates() {
    let sb = server_and_client();
    let hooks = sb.path("server.git/hooks");
    std::fs::rename(hooks.join("pre-receive"), sb.path("antleak-hook")).unwrap();
    std::fs::write(
        hooks.join("pre-receive"),
        "#!/bin/sh\ncat > \"$GIT_DIR/foreign-saw\"\n",
    )
    .unwrap();
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(
        hooks.join("pre-receive"),
        std::fs::Permissions::from_mode(0o755),
    )
    .unwrap();
    let run = sb.antleak(&["hook", "install", "--pre-receive", "--repo", "server.git"]);
    run.assert_code(0);
    assert!(
        run.stdout.contains("pre-receive.antleak-chained"),
        "{}",
        run.stdout
    );
    let key = fake_key("api03", 145);
    sb.write("client/app.py", format!("KEY = \"{key}\"\n"));
    let tip = commit_in(&sb, "leak");
    assert_refused(&push(&sb, &["origin", "main"]), &key);
    let saw = std::fs::read_to_string(sb.path("server.git/foreign-saw")).unwrap();
    assert!(saw.contains(&format!("{tip} refs/heads/main")), "{saw}");
}

#[test]
fn an_unreadable_pushed_object_refuses_with_exit_2_saying_why() {
    // A commit whose tree names a blob the repository lacks (git mktree
    // --missing): what a damaged quarantine would hand the hook.
    let sb = Sandbox::new();
    sb.git(&["init", "-q", "--bare", "server.git"]);
    let missing = "1234567890123456789012345678901234567890";
    let mut mktree = sb.git_command(&sb.path("server.git"), &["mktree", "--missing"]);
    mktree
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped());
    let mut child = mktree.spawn().unwrap();
    use std::io::Write;
    writeln!(child.stdin.take().unwrap(), "100644 blob {missing}\tapp.py").unwrap();
    let tree = String::from_utf8(child.wait_with_output().unwrap().stdout).unwrap();
    let commit = sb.git_in("server.git", &["commit-tree", "-m", "damaged", tree.trim()]);
    let zero = "0".repeat(40);
    let run = sb.sh(&format!(
        "cd server.git && echo '{zero} {} refs/heads/main' | GIT_DIR=. \"$ANTLEAK\" hook pre-receive",
        commit.trim()
    ));
    run.assert_code(2);
    assert!(run.stderr.contains("incomplete scan"), "{}", run.stderr);
    assert!(run.stderr.contains("push refused"), "{}", run.stderr);
    assert!(run.stderr.contains(missing), "{}", run.stderr);
}

#[test]
fn bad_input_is_one_line_and_exit_2() {
    let sb = Sandbox::new();
    sb.git(&["init", "-q", "--bare", "server.git"]);
    let run = sb.sh("cd server.git && echo 'not a ref update' | \"$ANTLEAK\" hook pre-receive");
    run.assert_code(2);
    assert_eq!(run.stderr.lines().count(), 1, "{}", run.stderr);
    assert!(run.stderr.contains("stdin line 1"), "{}", run.stderr);
    let zero = "0".repeat(40);
    let unknown = "ab".repeat(20);
    let run = sb.sh(&format!(
        "cd server.git && echo '{zero} {unknown} refs/heads/x' | \"$ANTLEAK\" hook pre-receive"
    ));
    run.assert_code(2);
    assert_eq!(run.stderr.lines().count(), 1, "{}", run.stderr);
    assert!(run.stderr.contains(&unknown), "{}", run.stderr);
}

#[test]
fn hooks_dir_installs_where_a_server_keeps_its_hooks() {
    // As for GitLab's custom_hooks: a directory of its own, which this
    // server finds through core.hooksPath.
    let sb = server_and_client();
    std::fs::remove_file(sb.path("server.git/hooks/pre-receive")).unwrap();
    let dir = sb.path("custom_hooks");
    let run = sb.antleak(&[
        "hook",
        "install",
        "--pre-receive",
        "--hooks-dir",
        dir.to_str().unwrap(),
    ]);
    run.assert_code(0);
    assert!(dir.join("pre-receive").is_file());
    sb.git_in(
        "server.git",
        &["config", "core.hooksPath", dir.to_str().unwrap()],
    );
    let key = fake_key("api03", 146);
    sb.write("client/app.py", format!("KEY = \"{key}\"\n"));
    commit_in(&sb, "leak");
    assert_refused(&push(&sb, &["origin", "main"]), &key);
    let both = sb.antleak(&[
        "hook",
        "install",
        "--hooks-dir",
        "x",
        "--repo",
        "server.git",
    ]);
    both.assert_code(2);
}

#[test]
fn a_key_in_a_pushed_commit_message_is_refused() {
    let sb = server_and_client();
    let before = server_ref(&sb, "refs/heads/main");
    let key = fake_key("api03", 147);
    sb.git_in(
        "client",
        &["commit", "-q", "--allow-empty", "-m", &format!("use {key}")],
    );
    assert_refused(&push(&sb, &["origin", "main"]), &key);
    assert_eq!(server_ref(&sb, "refs/heads/main"), before);
}
