//! Warnings on stderr: the one place non-fatal problems are told to the user.
//!
//! Fatal errors travel as `anyhow::Error` up to `cli::main`; everything a scan
//! survives (an unreadable file, a missing object) goes through [`warn!`](crate::warn),
//! which `--quiet` silences. Whoever warns also bumps a counter in
//! `sources::Stats`, so a silenced warning still shows in the summary.

use std::sync::atomic::{AtomicBool, Ordering};

static QUIET: AtomicBool = AtomicBool::new(false);

pub fn set_quiet(quiet: bool) {
    QUIET.store(quiet, Ordering::Relaxed);
}

pub fn is_quiet() -> bool {
    QUIET.load(Ordering::Relaxed)
}

/// Prints `antleak: warning: …` on stderr unless `--quiet`.
pub fn print_warning(message: std::fmt::Arguments<'_>) {
    if !is_quiet() {
        eprintln!("antleak: warning: {}", sanitize(&message.to_string()));
    }
}

/// Prints `antleak: …`, news of what is being done, on stderr unless `--quiet`.
pub fn print_note(message: std::fmt::Arguments<'_>) {
    if !is_quiet() {
        eprintln!("antleak: {}", sanitize(&message.to_string()));
    }
}

/// Prints the one line of a fatal error.
pub fn print_error(message: &str) {
    eprintln!("antleak: error: {}", sanitize(message));
}

/// Makes text from anywhere (error chains, arguments, file names) safe for
/// the terminal: any credential in it is redacted, since a user can paste a
/// key where a path or a range was expected, and control characters are
/// escaped so a hostile name cannot forge lines.
pub fn sanitize(text: &str) -> String {
    escape_control(&crate::core::redact::redact(text))
}

/// Escapes control characters (newlines, tabs, terminal escapes) and leaves
/// every other character, non-ASCII included, as it is.
pub fn escape_control(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        if c.is_control() {
            out.extend(c.escape_default());
        } else {
            out.push(c);
        }
    }
    out
}

#[macro_export]
macro_rules! warn {
    ($($arg:tt)*) => {
        $crate::messages::print_warning(format_args!($($arg)*))
    };
}

#[cfg(test)]
mod tests {
    #[test]
    fn sanitize_redacts_keys_and_escapes_control_characters() {
        let key = crate::core::test_keys::fake_key("api03", 1);
        let text = format!("--range {key}..HEAD: not found\n");
        let expected = format!(
            "--range {}…{}..HEAD: not found\\n",
            &key[..16],
            &key[key.len() - 4..]
        );
        assert_eq!(super::sanitize(&text), expected);
    }

    #[test]
    fn escapes_control_characters_only() {
        assert_eq!(
            super::escape_control("a\nb\t\u{1b}[31mé"),
            "a\\nb\\t\\u{1b}[31mé"
        );
    }
}
