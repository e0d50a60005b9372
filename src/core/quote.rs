//! Quoting for the commands reports suggest: a path from a scanned tree is
//! pasted into a shell by whoever follows the runbook, so it must stay one
//! word whatever it holds (`$(…)`, quotes, spaces, newlines).

/// `text` quoted for a POSIX shell (with `shlex`). A NUL byte cannot be
/// passed to a command at all; such a text is shown Rust-escaped instead.
pub fn shell_quote(text: &str) -> String {
    match shlex::try_quote(text) {
        Ok(quoted) => quoted.into_owned(),
        Err(_) => format!("{text:?}"),
    }
}

#[cfg(test)]
mod tests {
    use super::shell_quote;

    #[test]
    fn paths_stay_one_inert_word() {
        assert_eq!(shell_quote("deploy/.env"), "deploy/.env");
        assert_eq!(shell_quote("c$(touch x).env"), "'c$(touch x).env'");
        assert_eq!(shell_quote("it's"), "\"it's\"");
    }
}
