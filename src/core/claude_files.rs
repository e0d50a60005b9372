//! Claude Code's personal files, which must never reach git: its local
//! settings (`.claude/settings.local.json`: personal permissions, `env`
//! values such as `ANTHROPIC_API_KEY`, MCP tokens) and its stored login
//! (`.claude/.credentials.json`: the OAuth tokens of a claude.ai account).
//! Claude Code itself writes both, and git-ignores only the first, and
//! only where it created the file itself. Pure: a path in, a verdict out.

/// Which of Claude Code's personal files a path is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ClaudeFile {
    /// `.claude/settings.local.json`.
    SettingsLocal,
    /// `.claude/.credentials.json`.
    Credentials,
}

/// The Claude Code personal file a `/`-separated path names, at any depth
/// (`.claude/settings.local.json`, `apps/web/.claude/.credentials.json`).
pub fn of_path(path: &str) -> Option<ClaudeFile> {
    let mut parts = path.rsplit('/');
    let name = parts.next()?;
    if parts.next()? != ".claude" {
        return None;
    }
    match name {
        "settings.local.json" => Some(ClaudeFile::SettingsLocal),
        ".credentials.json" => Some(ClaudeFile::Credentials),
        _ => None,
    }
}

/// Whether a credential at `path` sits in an MCP configuration, which
/// should reference an environment variable instead of holding the key.
pub fn is_mcp_config(path: &str) -> bool {
    let name = path.rsplit('/').next().unwrap_or(path);
    matches!(name, ".mcp.json" | "claude_desktop_config.json")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn personal_files_at_any_depth_and_nothing_else() {
        assert_eq!(
            of_path(".claude/settings.local.json"),
            Some(ClaudeFile::SettingsLocal)
        );
        assert_eq!(
            of_path("apps/web/.claude/.credentials.json"),
            Some(ClaudeFile::Credentials)
        );
        for path in [
            ".claude/settings.json",
            "settings.local.json",
            "claude/settings.local.json",
            ".claude/agents/settings.local.json",
            ".credentials.json",
        ] {
            assert_eq!(of_path(path), None, "{path}");
        }
    }
}
