//! Remote repositories (`history --repo URL`): a mirror clone made with the
//! git CLI, which has the transports, credential helpers and ssh setup the
//! user already uses (libgit2 here is built without any network support).
//!
//! git is run as `git clone --mirror --quiet -- URL DIR` (or, for a mirror
//! kept under `--clone-dir`, `git -C DIR fetch --prune --quiet origin`),
//! with the URL already checked by [`RemoteUrl::parse`] and stripped of
//! credentials. Credentials and tokens reach git only through its
//! environment configuration (`GIT_CONFIG_COUNT`, `GIT_CONFIG_KEY_n`,
//! `GIT_CONFIG_VALUE_n`: an `http.extraHeader`), never argv, where any user
//! of the machine can read them. `GIT_TERMINAL_PROMPT=0`: a repository that
//! wants a password fails instead of waiting for one; `GIT_ALLOW_PROTOCOL`
//! limits git to the transports antleak accepts, so no remote helper runs
//! even from a redirect. ssh runs as the user's git configures it (for
//! unattended runs, `BatchMode=yes` in `~/.ssh/config` or `core.sshCommand`).

use std::path::Path;
use std::process::{Command, Stdio};

use crate::core::remote_url::RemoteUrl;

/// The transports git may use.
const ALLOWED_PROTOCOLS: &str = "https:http:ssh:git:file";

/// `git` settings passed through the environment: `(key, value)`.
pub type GitConfig = Vec<(String, String)>;

/// Brings a mirror of `url` into `dir`: a fresh clone when `dir` does not
/// exist, else a fetch into the mirror already there (which must be of the
/// same URL). The error is one line: git's own reason, or why antleak did
/// not ask.
pub fn mirror(url: &RemoteUrl, dir: &Path, config: &GitConfig) -> Result<(), String> {
    let mut config = config.clone();
    if let Some(header) = url.basic_authorization() {
        config.push((
            "http.extraHeader".into(),
            format!("Authorization: {header}"),
        ));
    }
    if dir.exists() {
        let origin = git(dir, &config)
            .args(["config", "--get", "remote.origin.url"])
            .output()
            .map_err(|err| format!("cannot run git: {err}"))?;
        let origin = String::from_utf8_lossy(&origin.stdout).trim().to_string();
        if origin != url.url {
            return Err(format!(
                "{} holds a mirror of another URL ({origin}); remove it or choose another \
                 --clone-dir",
                dir.display()
            ));
        }
        let mut fetch = git(dir, &config);
        fetch.args(["fetch", "--prune", "--quiet", "origin"]);
        return run(fetch);
    }
    let mut clone = git(Path::new("."), &config);
    clone
        .args(["clone", "--mirror", "--quiet", "--"])
        .arg(&url.url)
        .arg(dir);
    run(clone)
}

fn git(cwd: &Path, config: &GitConfig) -> Command {
    let mut cmd = Command::new("git");
    cmd.current_dir(cwd)
        .env("GIT_TERMINAL_PROMPT", "0")
        .env("GIT_ALLOW_PROTOCOL", ALLOWED_PROTOCOLS)
        .env("GIT_PROTOCOL_FROM_USER", "0")
        .stdin(Stdio::null());
    // After the settings the user's environment already passes.
    let base: usize = std::env::var("GIT_CONFIG_COUNT")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(0);
    for (i, (key, value)) in config.iter().enumerate() {
        cmd.env(format!("GIT_CONFIG_KEY_{}", base + i), key)
            .env(format!("GIT_CONFIG_VALUE_{}", base + i), value);
    }
    if !config.is_empty() {
        cmd.env("GIT_CONFIG_COUNT", (base + config.len()).to_string());
    }
    cmd
}

/// Runs git; its error is its first `fatal:` (or `error:`) line.
fn run(mut cmd: Command) -> Result<(), String> {
    let out = cmd
        .stdout(Stdio::null())
        .output()
        .map_err(|err| format!("cannot run git: {err}"))?;
    if out.status.success() {
        return Ok(());
    }
    let stderr = String::from_utf8_lossy(&out.stderr);
    let mut lines = stderr.lines().map(str::trim).filter(|l| !l.is_empty());
    let reason = lines
        .clone()
        .find(|l| l.starts_with("fatal:") || l.starts_with("error:"))
        .or_else(|| lines.next_back())
        .unwrap_or("git failed without saying why");
    Err(reason
        .trim_start_matches("fatal: ")
        .trim_start_matches("error: ")
        .to_string())
}
