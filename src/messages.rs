//! Warnings on stderr: the one place non-fatal problems are told to the user.
//!
//! Fatal errors travel as `anyhow::Error` up to `cli::main`; everything a scan
//! survives (an unreadable file, a missing object) goes through [`warn!`],
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

/// Prints `antleak: warning: …` on stderr unless `--quiet`. Control
/// characters are escaped so a hostile file name cannot forge output lines.
pub fn print_warning(message: std::fmt::Arguments<'_>) {
    if !is_quiet() {
        eprintln!("antleak: warning: {}", escape_control(&message.to_string()));
    }
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
    fn escapes_control_characters_only() {
        assert_eq!(
            super::escape_control("a\nb\t\u{1b}[31mé"),
            "a\\nb\\t\\u{1b}[31mé"
        );
    }
}
