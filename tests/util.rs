//! Test helpers: keys generated at run time (no key literal is ever in the
//! source), trees and git repositories built in a fresh temporary directory
//! with pinned identities and dates, and the real antleak binary run with an
//! isolated git configuration.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use serde_json::Value;

/// The commit date of fixtures that do not care about dates.
pub const DATE: &str = "2024-03-05T10:11:12Z";

/// Keys of the documented shape, `sk-ant-<kind>-` + 93 characters + `AA`,
/// deterministic in a seed: the crate's own generator, shared with its unit
/// tests, so there is one.
pub use antleak::core::test_keys::{ALPHABET, fake_key};

/// A fresh directory with its own HOME, so no global git config or excludes
/// of the machine change what a test sees.
pub struct Sandbox {
    _temp: tempfile::TempDir,
    pub root: PathBuf,
    pub home: PathBuf,
}

impl Sandbox {
    pub fn new() -> Sandbox {
        let temp = tempfile::tempdir().expect("temp dir");
        let root = temp.path().join("work");
        let home = temp.path().join("home");
        std::fs::create_dir_all(&root).unwrap();
        std::fs::create_dir_all(&home).unwrap();
        Sandbox {
            _temp: temp,
            root,
            home,
        }
    }

    pub fn path(&self, rel: &str) -> PathBuf {
        self.root.join(rel)
    }

    /// Writes a file (creating its directories) under the sandbox root.
    pub fn write(&self, rel: &str, contents: impl AsRef<[u8]>) -> &Sandbox {
        let path = self.root.join(rel);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent).unwrap();
        }
        std::fs::write(path, contents).unwrap();
        self
    }

    /// Runs git in `dir` (relative to the root) with pinned identity and dates.
    pub fn git_in(&self, dir: &str, args: &[&str]) -> String {
        let out = self
            .git_command(&self.root.join(dir), args)
            .output()
            .expect("git runs");
        assert!(
            out.status.success(),
            "git {args:?} failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    pub fn git(&self, args: &[&str]) -> String {
        self.git_in("", args)
    }

    pub fn git_command(&self, dir: &Path, args: &[&str]) -> Command {
        let mut cmd = Command::new("git");
        cmd.current_dir(dir).args(args);
        self.isolate(&mut cmd);
        cmd.env("GIT_AUTHOR_NAME", "Ada Lovelace")
            .env("GIT_AUTHOR_EMAIL", "ada@example.com")
            .env("GIT_COMMITTER_NAME", "Ada Lovelace")
            .env("GIT_COMMITTER_EMAIL", "ada@example.com")
            .env("GIT_AUTHOR_DATE", "2024-03-05T10:11:12Z")
            .env("GIT_COMMITTER_DATE", "2024-03-05T10:11:12Z");
        cmd
    }

    /// `git init` with a fixed default branch.
    pub fn init(&self) -> &Sandbox {
        self.git(&["init", "-q", "-b", "main"]);
        self
    }

    /// Stages everything and commits at `date` (RFC 3339) as `author`
    /// (`Name <email>`); returns the commit id.
    pub fn commit_as(&self, message: &str, date: &str, author: (&str, &str)) -> String {
        self.git(&["add", "-A"]);
        let mut cmd = self.git_command(
            &self.root,
            &["commit", "-q", "--allow-empty", "-m", message],
        );
        cmd.env("GIT_AUTHOR_DATE", date)
            .env("GIT_COMMITTER_DATE", date)
            .env("GIT_AUTHOR_NAME", author.0)
            .env("GIT_AUTHOR_EMAIL", author.1);
        let out = cmd.output().unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        self.git(&["rev-parse", "HEAD"]).trim().to_string()
    }

    pub fn commit(&self, message: &str, date: &str) -> String {
        self.commit_as(message, date, ("Ada Lovelace", "ada@example.com"))
    }

    /// A repository with one commit, so there is a `main` to come back to.
    pub fn repo_with_readme() -> Sandbox {
        let sb = Sandbox::new();
        sb.init().write("README.md", "hello\n");
        sb.commit("init", DATE);
        sb
    }

    /// Adds, at `path`, a submodule whose own history holds a key (seeded
    /// by `seed`); returns the submodule's sandbox (keep it alive) and key.
    pub fn add_submodule_with_key(&self, path: &str, seed: u64) -> (Sandbox, String) {
        let sub = Sandbox::new();
        sub.init();
        let key = fake_key("api03", seed);
        sub.write("secret.py", &key);
        sub.commit("sub", DATE);
        let url = sub.root.to_str().unwrap();
        self.git(&[
            "-c",
            "protocol.file.allow=always",
            "submodule",
            "add",
            "-q",
            url,
            path,
        ]);
        (sub, key)
    }

    fn isolate(&self, cmd: &mut Command) {
        cmd.env("HOME", &self.home)
            .env("XDG_CONFIG_HOME", self.home.join(".config"))
            .env("GIT_CONFIG_NOSYSTEM", "1")
            .env_remove("GIT_DIR")
            .env_remove("GIT_INDEX_FILE")
            .env_remove("GIT_WORK_TREE")
            .env_remove("NO_COLOR");
    }

    /// The antleak binary, run in the sandbox root with isolated config.
    pub fn antleak(&self, args: &[&str]) -> Run {
        self.antleak_in("", args)
    }

    /// Runs antleak as an unprivileged user when the tests run as root, so
    /// that file permissions really deny access (root reads everything).
    pub fn antleak_unprivileged(&self, args: &[&str]) -> Run {
        if !is_root() {
            return self.antleak(args);
        }
        use std::os::unix::fs::PermissionsExt;
        let top = self.root.parent().unwrap();
        std::fs::set_permissions(top, std::fs::Permissions::from_mode(0o755)).unwrap();
        let mut cmd = Command::new("setpriv");
        cmd.args(["--reuid=65534", "--regid=65534", "--clear-groups", "--"])
            .arg(env!("CARGO_BIN_EXE_antleak"))
            .args(args)
            .current_dir(&self.root);
        self.isolate(&mut cmd);
        Run::from(cmd.output().expect("setpriv runs"))
    }

    /// Runs antleak with stdout and stderr on a pseudo-terminal (through
    /// util-linux `script`), with extra environment variables; the output of
    /// both streams arrives in `stdout`.
    pub fn antleak_on_tty(&self, args: &[&str], envs: &[(&str, &str)]) -> Run {
        let line = std::iter::once(env!("CARGO_BIN_EXE_antleak"))
            .chain(args.iter().copied())
            .map(|a| format!("'{a}'"))
            .collect::<Vec<_>>()
            .join(" ");
        let mut cmd = Command::new("script");
        cmd.args(["-qec", &line, "/dev/null"])
            .current_dir(&self.root);
        self.isolate(&mut cmd);
        cmd.envs(envs.iter().copied());
        Run::from(cmd.output().expect("script (util-linux) runs"))
    }

    pub fn antleak_in(&self, dir: &str, args: &[&str]) -> Run {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_antleak"));
        cmd.current_dir(self.root.join(dir)).args(args);
        self.isolate(&mut cmd);
        Run::from(cmd.output().expect("antleak runs"))
    }
}

fn is_root() -> bool {
    let out = Command::new("id").arg("-u").output().expect("id runs");
    String::from_utf8_lossy(&out.stdout).trim() == "0"
}

/// The result of one antleak run.
pub struct Run {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

impl From<Output> for Run {
    fn from(out: Output) -> Run {
        Run {
            code: out.status.code().unwrap_or(-1),
            stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
        }
    }
}

impl Run {
    /// The JSON on stdout; a scan report is also held to the contract
    /// ([`crate::contract::check`]).
    pub fn json(&self) -> Value {
        let value: Value = serde_json::from_str(&self.stdout).unwrap_or_else(|e| {
            panic!(
                "not JSON ({e}): {}
stderr: {}",
                self.stdout, self.stderr
            )
        });
        crate::schema::assert_report_matches_schema(&value);
        if ["scan", "staged", "history"].contains(&value["command"].as_str().unwrap_or("")) {
            crate::contract::check(&value);
        }
        value
    }

    /// The scan report on stdout, typed.
    pub fn report(&self) -> crate::contract::Report {
        crate::contract::check(&self.json())
    }

    /// Asserts that no 32-character piece of `secret` is anywhere in the output.
    pub fn assert_hides(&self, secret: &str) {
        assert_hidden(&format!("{}{}", self.stdout, self.stderr), secret);
    }

    pub fn assert_code(&self, code: i32) -> &Run {
        assert_eq!(
            self.code, code,
            "exit code\nstdout:\n{}\nstderr:\n{}",
            self.stdout, self.stderr
        );
        self
    }
}

/// Asserts that `text` holds no 32-character piece of `secret`, nor of its
/// base64 (either alphabet, any alignment), hex (either case) or UTF-16
/// (either byte order) forms: an encoded secret is a leaked secret.
pub fn assert_hidden(text: &str, secret: &str) {
    for piece in secret_pieces(secret) {
        assert!(
            !text.contains(&piece),
            "a piece of a secret (or of an encoded form of it) leaked into output:\n{text}"
        );
    }
}

/// The 32-character pieces [`assert_hidden`] looks for.
pub fn secret_pieces(secret: &str) -> Vec<String> {
    use base64::Engine;
    use base64::engine::general_purpose::{STANDARD, URL_SAFE};
    let windows = |text: &str, step: usize| -> Vec<String> {
        (0..=text.len().saturating_sub(32))
            .step_by(step)
            .map(|i| text[i..(i + 32).min(text.len())].to_string())
            .collect()
    };
    let mut pieces = windows(secret, 1);
    for engine in [&STANDARD, &URL_SAFE] {
        for pad in 0..3 {
            let encoded = engine.encode(format!("{}{secret}", "x".repeat(pad)));
            // Skip the characters that depend on what surrounds the secret.
            let inner = &encoded[4..encoded.len().saturating_sub(4)];
            pieces.extend(windows(inner, 4));
        }
    }
    pieces.extend(windows(&hex::encode(secret), 2));
    pieces.extend(windows(&hex::encode_upper(secret), 2));
    for big_endian in [false, true] {
        let utf16: String = secret
            .chars()
            .flat_map(|c| if big_endian { ['\0', c] } else { [c, '\0'] })
            .collect();
        pieces.extend(windows(&utf16, 2));
    }
    pieces
}

/// A credential's fingerprint as reports carry it: SHA-256, lowercase hex.
pub fn sha256_hex(secret: &str) -> String {
    use sha2::{Digest, Sha256};
    hex::encode(Sha256::digest(secret.as_bytes()))
}

/// The findings of a JSON report as (path, line, column), in order.
pub fn places(report: &Value) -> Vec<(String, u64, u64)> {
    report["findings"]
        .as_array()
        .expect("findings array")
        .iter()
        .map(|f| {
            (
                f["path"].as_str().unwrap().to_string(),
                f["line"].as_u64().unwrap(),
                f["column"].as_u64().unwrap(),
            )
        })
        .collect()
}

/// The findings of a JSON report as (rule, path, line) triples, in order.
pub fn rules_paths_lines(report: &Value) -> Vec<(String, String, Option<u64>)> {
    report["findings"]
        .as_array()
        .expect("findings array")
        .iter()
        .map(|f| {
            (
                f["rule"].as_str().unwrap().to_string(),
                f["path"].as_str().unwrap().to_string(),
                f["line"].as_u64(),
            )
        })
        .collect()
}

impl Sandbox {
    /// Runs antleak in `dir` (relative to the root) with extra environment
    /// variables on top of the isolated configuration.
    pub fn antleak_env(&self, dir: &str, args: &[&str], envs: &[(&str, &Path)]) -> Run {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_antleak"));
        cmd.current_dir(self.root.join(dir)).args(args);
        self.isolate(&mut cmd);
        cmd.envs(envs.iter().map(|(k, v)| (*k, v.as_os_str())));
        Run::from(cmd.output().expect("antleak runs"))
    }

    /// Runs a shell script in the sandbox root (isolated config), with the
    /// antleak binary as `$ANTLEAK`.
    pub fn sh(&self, script: &str) -> Run {
        let mut cmd = Command::new("bash");
        cmd.args(["-c", script])
            .current_dir(&self.root)
            .env("ANTLEAK", env!("CARGO_BIN_EXE_antleak"));
        self.isolate(&mut cmd);
        Run::from(cmd.output().expect("bash runs"))
    }
}
