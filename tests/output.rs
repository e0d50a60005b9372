//! What people read, snapshotted (insta): the human report of each command
//! and every `--help`. A wording change shows up as a `.snap` diff to review
//! like code (`cargo insta review`, or `INSTA_UPDATE=always cargo test`).
//! Exit code, stdout and stderr are snapshotted together; the sandbox's
//! temporary path and timings are filtered out.

use crate::util::*;

fn snapshot_of(sb: &Sandbox, run: &Run) -> String {
    let root = sb.root.to_string_lossy().into_owned();
    let text = format!(
        "exit code: {}\n--- stdout\n{}--- stderr\n{}",
        run.code, run.stdout, run.stderr
    );
    text.replace(&root, "[ROOT]")
}

macro_rules! assert_output_snapshot {
    ($name:expr, $text:expr) => {
        insta::with_settings!({
            filters => vec![(r"\d+\.\d\d s\b", "[TIME] s")],
            prepend_module_to_snapshot => false,
        }, {
            insta::assert_snapshot!($name, $text);
        });
    };
}

/// A repository that leaked: a committed `.env` with an API key, an admin
/// key committed and later deleted, and a key in an untracked file.
fn leaky_repo() -> Sandbox {
    let sb = Sandbox::new();
    sb.init();
    sb.write("README.md", "# app\n");
    sb.write(
        ".env",
        format!("ANTHROPIC_API_KEY={}\n", fake_key("api03", 1)),
    );
    sb.write(
        "ops/admin.sh",
        format!("export ANTHROPIC_ADMIN_KEY={}\n", fake_key("admin01", 2)),
    );
    sb.commit("first", "2024-03-05T10:11:12Z");
    std::fs::remove_file(sb.path("ops/admin.sh")).unwrap();
    sb.commit("remove the admin key", "2024-04-01T00:00:00Z");
    sb.write(
        "src/client.py",
        format!("KEY = \"{}\"\n", fake_key("api03", 3)),
    );
    sb
}

#[test]
fn scan_human_report() {
    let sb = leaky_repo();
    let run = sb.antleak(&["scan", "--color", "never"]);
    run.assert_code(1);
    assert_output_snapshot!("scan_human_report", snapshot_of(&sb, &run));
}

#[test]
fn history_human_report() {
    let sb = leaky_repo();
    let run = sb.antleak(&["history", "--color", "never"]);
    run.assert_code(1);
    assert_output_snapshot!("history_human_report", snapshot_of(&sb, &run));
}

#[test]
fn staged_human_report() {
    let sb = Sandbox::repo_with_readme();
    sb.write(
        "deploy/.env.production",
        format!("ANTHROPIC_API_KEY={}\n", fake_key("api03", 4)),
    );
    sb.git(&["add", "-A"]);
    let run = sb.antleak(&["staged", "--color", "never"]);
    run.assert_code(1);
    assert_output_snapshot!("staged_human_report", snapshot_of(&sb, &run));
}

/// A key in a Next.js public variable leads the report: critical, first,
/// with what it means and the fix; a server-side key follows.
#[test]
fn browser_exposed_human_report() {
    let sb = Sandbox::new();
    sb.write(
        "server/key.py",
        format!("KEY = \"{}\"\n", fake_key("admin01", 5)),
    );
    sb.write(
        "web/.env.local",
        format!("NEXT_PUBLIC_ANTHROPIC_API_KEY={}\n", fake_key("api03", 6)),
    );
    let run = sb.antleak(&["scan", "--color", "never"]);
    run.assert_code(1);
    assert_output_snapshot!("browser_exposed_human_report", snapshot_of(&sb, &run));
}

#[test]
fn clean_scan_human_report() {
    let sb = Sandbox::repo_with_readme();
    let run = sb.antleak(&["scan", "--color", "never"]);
    run.assert_code(0);
    assert_output_snapshot!("clean_scan_human_report", snapshot_of(&sb, &run));
}

#[test]
fn help_of_every_command() {
    let sb = Sandbox::new();
    let commands: &[&[&str]] = &[
        &[],
        &["scan"],
        &["staged"],
        &["history"],
        &["revoke"],
        &["audit"],
        &["hook", "install"],
        &["completions"],
        &["man"],
    ];
    for command in commands {
        let mut args = command.to_vec();
        args.push("--help");
        let run = sb.antleak(&args);
        run.assert_code(0);
        let name = format!("help_{}", command.join("_"));
        assert_output_snapshot!(name.trim_end_matches('_'), snapshot_of(&sb, &run));
    }
}
