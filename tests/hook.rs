//! `antleak hook install` and the installed hook run by real `git commit`s:
//! `git commit -a` (a temporary index), `core.hooksPath`, chaining to and
//! replacing a foreign hook, leaving husky's alone, idempotence, a missing
//! binary, and the pre-commit framework's `.pre-commit-hooks.yaml`.

use std::path::{Path, PathBuf};

use crate::util::*;

/// `PATH` with the directory of the antleak under test first.
fn path_with_antleak() -> String {
    let bin = Path::new(env!("CARGO_BIN_EXE_antleak")).parent().unwrap();
    let rest = std::env::var("PATH").unwrap_or_default();
    format!("{}:{rest}", bin.display())
}

/// Runs `git commit -q <args>` with `path` as `PATH`, so hooks run for real.
fn commit_with_path(sb: &Sandbox, args: &[&str], path: &str) -> Run {
    let mut all = vec!["commit", "-q"];
    all.extend_from_slice(args);
    let mut cmd = sb.git_command(&sb.root, &all);
    cmd.env("PATH", path);
    Run::from(cmd.output().expect("git runs"))
}

fn commit_through_hook(sb: &Sandbox, args: &[&str]) -> Run {
    commit_with_path(sb, args, &path_with_antleak())
}

/// A repository with a committed, clean `app.py`.
fn repo() -> Sandbox {
    let sb = Sandbox::new();
    sb.init().write("app.py", "KEY = None\n");
    sb.commit("init", DATE);
    sb
}

fn head(sb: &Sandbox) -> String {
    sb.git(&["rev-parse", "HEAD"]).trim().to_string()
}

fn hooks(sb: &Sandbox) -> PathBuf {
    sb.path(".git/hooks")
}

fn write_foreign_hook(dir: &Path) {
    std::fs::create_dir_all(dir).unwrap();
    let hook = dir.join("pre-commit");
    std::fs::write(
        &hook,
        "#!/bin/sh\necho 'foreign hook ran' >&2\nexit \"${FOREIGN_EXIT:-0}\"\n",
    )
    .unwrap();
    make_executable(&hook);
}

#[cfg(unix)]
fn make_executable(path: &Path) {
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o755)).unwrap();
}

#[test]
fn the_installed_hook_stops_git_commit_a_and_lets_a_clean_commit_through() {
    let sb = repo();
    let install = sb.antleak(&["hook", "install"]);
    install.assert_code(0);
    assert_eq!(install.stdout.lines().count(), 1, "{}", install.stdout);
    assert!(install.stdout.contains("installed"), "{}", install.stdout);

    let key = fake_key("api03", 31);
    sb.write("app.py", format!("import os\nKEY = \"{key}\"\n"));
    let before = head(&sb);
    // Nothing is staged in .git/index: the key is only in the temporary index
    // that `git commit -a` hands the hook through GIT_INDEX_FILE.
    assert_eq!(sb.git(&["diff", "--cached", "--name-only"]), "");
    let blocked = commit_through_hook(&sb, &["-a", "-m", "leak"]);
    assert_ne!(
        blocked.code, 0,
        "the commit went through:\n{}",
        blocked.stderr
    );
    blocked.assert_hides(&key);
    let output = format!("{}{}", blocked.stdout, blocked.stderr);
    for expected in ["app.py:2:8", "git commit --no-verify", "antleak:allow"] {
        assert!(
            output.contains(expected),
            "missing {expected:?} in:\n{output}"
        );
    }
    assert_eq!(head(&sb), before);

    sb.write(
        "app.py",
        "import os\nKEY = os.environ[\"ANTHROPIC_API_KEY\"]\n",
    );
    let clean = commit_through_hook(&sb, &["-a", "-m", "clean"]);
    clean.assert_code(0);
    // A clean commit goes through without a word from the hook.
    assert_eq!(format!("{}{}", clean.stdout, clean.stderr), "");
    assert_ne!(head(&sb), before);
}

#[test]
fn a_staged_env_file_gets_advice_that_works_for_a_file() {
    let sb = repo();
    sb.antleak(&["hook", "install"]).assert_code(0);
    sb.write("deploy/.env", "DATABASE_URL=postgres://db/app\n");
    sb.git(&["add", "deploy/.env"]);
    let blocked = commit_through_hook(&sb, &["-m", "add env"]);
    assert_ne!(blocked.code, 0, "the commit went through");
    let output = format!("{}{}", blocked.stdout, blocked.stderr);
    assert!(output.contains("git rm --cached"), "{output}");
    assert!(output.contains(".env.example"), "{output}");
    // `antleak:allow` on a line cannot make a whole file acceptable.
    assert!(!output.contains("antleak:allow"), "{output}");
}

#[test]
fn installing_twice_leaves_one_antleak_hook() {
    let sb = repo();
    sb.antleak(&["hook", "install"]).assert_code(0);
    let first = std::fs::read_to_string(hooks(&sb).join("pre-commit")).unwrap();
    let again = sb.antleak(&["hook", "install"]);
    again.assert_code(0);
    assert!(again.stdout.contains("nothing to do"), "{}", again.stdout);
    assert_eq!(
        std::fs::read_to_string(hooks(&sb).join("pre-commit")).unwrap(),
        first
    );
    assert!(!hooks(&sb).join("pre-commit.antleak-chained").exists());
}

#[test]
fn a_foreign_hook_is_chained_runs_first_and_its_failure_stops_the_commit() {
    let sb = repo();
    write_foreign_hook(&hooks(&sb));
    let install = sb.antleak(&["hook", "install"]);
    install.assert_code(0);
    assert!(
        install.stdout.contains("pre-commit.antleak-chained"),
        "{}",
        install.stdout
    );
    let chained = std::fs::read_to_string(hooks(&sb).join("pre-commit.antleak-chained")).unwrap();
    assert!(chained.contains("foreign hook ran"));
    // Installing again neither chains antleak to itself nor loses the hook.
    sb.antleak(&["hook", "install"]).assert_code(0);
    let chained_again =
        std::fs::read_to_string(hooks(&sb).join("pre-commit.antleak-chained")).unwrap();
    assert_eq!(chained_again, chained);

    sb.write("app.py", "KEY = 1\n");
    let passed = commit_through_hook(&sb, &["-a", "-m", "both hooks pass"]);
    passed.assert_code(0);
    assert!(
        passed.stderr.contains("foreign hook ran"),
        "{}",
        passed.stderr
    );

    sb.write("app.py", "KEY = 2\n");
    let before = head(&sb);
    let mut cmd = sb.git_command(&sb.root, &["commit", "-q", "-a", "-m", "foreign fails"]);
    cmd.env("PATH", path_with_antleak())
        .env("FOREIGN_EXIT", "3");
    let failed = Run::from(cmd.output().unwrap());
    assert_ne!(failed.code, 0, "{}", failed.stderr);
    assert!(
        failed.stderr.contains("foreign hook ran"),
        "{}",
        failed.stderr
    );
    assert_eq!(head(&sb), before);
}

#[test]
fn force_replaces_a_foreign_hook() {
    let sb = repo();
    write_foreign_hook(&hooks(&sb));
    let run = sb.antleak(&["hook", "install", "--force"]);
    run.assert_code(0);
    assert!(run.stdout.contains("replaced"), "{}", run.stdout);
    let hook = std::fs::read_to_string(hooks(&sb).join("pre-commit")).unwrap();
    assert!(hook.contains("antleak staged"));
    assert!(!hooks(&sb).join("pre-commit.antleak-chained").exists());
}

#[test]
fn a_husky_managed_hooks_directory_is_left_alone_with_what_to_do_instead() {
    // husky 9: core.hooksPath is .husky/_, whose hooks source a dispatcher
    // that runs .husky/<its own file name>; a renamed one would run nothing.
    let sb = repo();
    sb.git(&["config", "core.hooksPath", ".husky/_"]);
    sb.write(
        ".husky/_/h",
        "n=$(basename \"$0\")\nsh \"$(dirname \"$(dirname \"$0\")\")/$n\"\n",
    );
    sb.write(".husky/_/pre-commit", ". \"$(dirname \"$0\")/h\"\n");
    sb.write(".husky/pre-commit", "npm test\n");
    let run = sb.antleak(&["hook", "install"]);
    run.assert_code(2);
    assert_eq!(run.stderr.lines().count(), 1, "{}", run.stderr);
    assert!(
        run.stderr.contains("husky") && run.stderr.contains("`antleak staged`"),
        "{}",
        run.stderr
    );
    assert_eq!(
        std::fs::read_to_string(sb.path(".husky/_/pre-commit")).unwrap(),
        ". \"$(dirname \"$0\")/h\"\n"
    );
    assert!(!sb.path(".husky/_/pre-commit.antleak-chained").exists());

    // husky 4 wrote its own hooks into .git/hooks.
    let old = repo();
    std::fs::create_dir_all(hooks(&old)).unwrap();
    std::fs::write(
        hooks(&old).join("pre-commit"),
        "#!/bin/sh\n# husky\n. \"$(dirname \"$0\")/husky.sh\"\n",
    )
    .unwrap();
    old.antleak(&["hook", "install"]).assert_code(2);
    assert!(!hooks(&old).join("pre-commit.antleak-chained").exists());
}

#[test]
fn core_hooks_path_is_honoured_relative_to_the_work_tree() {
    let sb = repo();
    sb.git(&["config", "core.hooksPath", "tools/githooks"]);
    sb.write("src/lib.py", "x = 1\n");
    // Run from a subdirectory, with --repo: the path is still relative to
    // the work tree, not to either directory.
    let run = sb.antleak_in("src", &["hook", "install", "--repo", "."]);
    run.assert_code(0);
    let hook = sb.path("tools/githooks/pre-commit");
    assert!(hook.is_file(), "{}", run.stdout);
    assert!(!hooks(&sb).join("pre-commit").exists());

    let key = fake_key("admin01", 32);
    sb.write("src/lib.py", format!("ADMIN = \"{key}\"\n"));
    sb.git(&["add", "src/lib.py"]);
    let blocked = commit_through_hook(&sb, &["-m", "leak"]);
    assert_ne!(blocked.code, 0, "{}", blocked.stderr);
    blocked.assert_hides(&key);
    assert!(
        blocked.stderr.contains("src/lib.py:1:10"),
        "{}",
        blocked.stderr
    );
}

#[test]
fn the_hook_fails_clearly_when_antleak_is_not_on_path() {
    let sb = repo();
    sb.antleak(&["hook", "install"]).assert_code(0);
    sb.write("app.py", "KEY = 3\n");
    let before = head(&sb);
    // Only git itself, run by its absolute path: no antleak anywhere.
    let git = which("git").expect("git on PATH");
    let mut cmd = std::process::Command::new(git);
    cmd.current_dir(&sb.root)
        .args(["commit", "-q", "-a", "-m", "unchecked"])
        .env("PATH", sb.home.join("empty-bin"))
        .env("HOME", &sb.home)
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .env("GIT_AUTHOR_NAME", "A")
        .env("GIT_AUTHOR_EMAIL", "a@example.com")
        .env("GIT_COMMITTER_NAME", "A")
        .env("GIT_COMMITTER_EMAIL", "a@example.com");
    let run = Run::from(cmd.output().unwrap());
    assert_ne!(run.code, 0, "{}", run.stderr);
    assert!(
        run.stderr.contains("antleak is not on PATH"),
        "{}",
        run.stderr
    );
    assert!(run.stderr.contains("--no-verify"), "{}", run.stderr);
    // The install line the README gives, not a crate name that may not exist.
    assert!(
        run.stderr.contains("cargo install --locked --path ."),
        "{}",
        run.stderr
    );
    assert_eq!(head(&sb), before);
}

#[test]
fn pre_commit_hooks_yaml_runs_antleak_staged_without_file_names() {
    let yaml = std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR")).join(".pre-commit-hooks.yaml"),
    )
    .unwrap();
    for expected in [
        "- id: antleak\n",
        "- id: antleak-system\n",
        "- id: antleak-cargo\n",
        "entry: antleak staged\n",
        "language: python\n",
        "language: rust\n",
        "language: system\n",
        "pass_filenames: false\n",
        "stages: [pre-commit]\n",
    ] {
        assert!(yaml.contains(expected), "missing {expected:?}");
    }
}

#[test]
fn the_pre_commit_framework_runs_the_system_hook() {
    let manifest = Path::new(env!("CARGO_MANIFEST_DIR"));
    if !manifest.join(".git").exists() {
        // A packaged crate (cargo package, crates.io) is no git checkout:
        // pre-commit try-repo needs one, whatever the machine has installed.
        use std::io::Write;
        let _ = writeln!(
            std::io::stderr(),
            "SKIPPED: antleak's sources are not a git checkout (try-repo needs one)"
        );
        return;
    }
    let Some(pre_commit) = which("pre-commit") else {
        crate::skip::missing_tool(
            "the pre-commit framework (pip install pre-commit) is not on PATH",
        );
        return;
    };
    let sb = repo();
    let key = fake_key("api03", 33);
    sb.write("leak.py", format!("KEY = \"{key}\"\n"));
    sb.git(&["add", "leak.py"]);
    let try_repo = || {
        let mut cmd = std::process::Command::new(&pre_commit);
        cmd.current_dir(&sb.root)
            .args(["try-repo", manifest.to_str().unwrap(), "antleak-system"])
            .env("HOME", &sb.home)
            .env("GIT_CONFIG_NOSYSTEM", "1")
            .env("PATH", path_with_antleak());
        Run::from(cmd.output().expect("pre-commit runs"))
    };
    let blocked = try_repo();
    assert_ne!(blocked.code, 0, "{}{}", blocked.stdout, blocked.stderr);
    blocked.assert_hides(&key);
    assert!(blocked.stdout.contains("leak.py:1:8"), "{}", blocked.stdout);

    sb.git(&["rm", "-q", "--cached", "leak.py"]);
    let clean = try_repo();
    assert_eq!(clean.code, 0, "{}{}", clean.stdout, clean.stderr);
}

fn which(program: &str) -> Option<PathBuf> {
    std::env::split_paths(&std::env::var_os("PATH")?)
        .map(|dir| dir.join(program))
        .find(|path| path.is_file())
}
