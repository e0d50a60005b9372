//! `anthropic-browser-access`: code that calls the Anthropic API straight
//! from a browser, which guarantees that a key ships in the bundle: the
//! SDK's `dangerouslyAllowBrowser: true`, or the header
//! `anthropic-dangerous-direct-browser-access` a hand-written `fetch` sends.
//!
//! Kept off the hot path: one more `memmem` pass per blob, for `angerous`
//! (both spellings hold it, in either case of their first letter); each hit
//! costs a few byte comparisons. Pure: bytes in, [`Signal`]s out; whether a
//! path is one where the rule applies is [`applies_to`].

use std::sync::LazyLock;

use memchr::memmem;

use crate::core::rules::RuleId;
use crate::core::scanner::{LineCounter, line_has_allow_marker};

/// A finding without a secret at a position of the scanned bytes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Signal {
    pub rule: RuleId,
    /// Byte offset of the first byte of what was matched.
    pub offset: usize,
    /// 1-based line number.
    pub line: u64,
    /// 1-based column, in bytes.
    pub column: u64,
}

const OPTION: &[u8] = b"dangerouslyAllowBrowser";
const HEADER_BEFORE: &[u8] = b"anthropic-";
const HEADER_AFTER: &[u8] = b"dangerous-direct-browser-access";
/// Text of the error the SDK throws in a browser without the option: a file
/// that holds it is (or bundles) the SDK itself, which mentions both the
/// option and the header whether or not anyone sets them.
const SDK_MARKER: &[u8] = b"browser-like environment";
/// Spaces allowed around `:`/`=`: bounded, so that a match stays shorter
/// than what the streaming reader keeps between windows.
const MAX_SPACES: usize = 16;

static FINDER: LazyLock<memmem::Finder<'static>> =
    LazyLock::new(|| memmem::Finder::new(b"angerous"));

/// Every browser access in `bytes`, in order, except on lines marked
/// `antleak:allow` and in the SDK's own code.
pub fn find(bytes: &[u8]) -> Vec<Signal> {
    let mut found = Vec::new();
    let mut lines = LineCounter::default();
    let mut last = 0;
    for hit in FINDER.find_iter(bytes) {
        let Some(start) = hit.checked_sub(1) else {
            continue;
        };
        let offset = if bytes[start..].starts_with(OPTION) && sets_true(&bytes[start..]) {
            start
        } else if let Some(header) = header_at(bytes, start) {
            header
        } else {
            continue;
        };
        if offset < last {
            continue;
        }
        last = offset;
        let (line_start, line) = lines.locate(bytes, offset);
        if line_has_allow_marker(bytes, line_start) {
            continue;
        }
        found.push(Signal {
            rule: RuleId::AnthropicBrowserAccess,
            offset,
            line,
            column: (offset - line_start + 1) as u64,
        });
    }
    if !found.is_empty() && memmem::find(bytes, SDK_MARKER).is_some() {
        found.clear();
    }
    found
}

/// `dangerouslyAllowBrowser` (at `hay[0]`) set to true: an optional closing
/// quote, `:` or `=` (not `==`), an optional `{` (a JSX prop), then `true`,
/// or `!0` as minifiers write it.
fn sets_true(hay: &[u8]) -> bool {
    let mut i = OPTION.len();
    if matches!(hay.get(i), Some(b'"' | b'\'' | b'`')) {
        i += 1;
    }
    i = skip_spaces(hay, i);
    match hay.get(i) {
        Some(b':') => i += 1,
        Some(b'=') if hay.get(i + 1) != Some(&b'=') => i += 1,
        _ => return false,
    }
    i = skip_spaces(hay, i);
    if hay.get(i) == Some(&b'{') {
        i = skip_spaces(hay, i + 1);
    }
    let value = &hay[i.min(hay.len())..];
    let rest = match (value.strip_prefix(b"true"), value.strip_prefix(b"!0")) {
        (Some(rest), _) | (None, Some(rest)) => rest,
        (None, None) => return false,
    };
    !rest
        .first()
        .is_some_and(|&b| b.is_ascii_alphanumeric() || b == b'_')
}

fn skip_spaces(hay: &[u8], mut i: usize) -> usize {
    let limit = i + MAX_SPACES;
    while i < limit && matches!(hay.get(i), Some(b' ' | b'\t')) {
        i += 1;
    }
    i
}

/// Where the header name starts, when `bytes[start..]` is the
/// `dangerous-…` part of it (header names are case-insensitive).
fn header_at(bytes: &[u8], start: usize) -> Option<usize> {
    let header = start.checked_sub(HEADER_BEFORE.len())?;
    let before = &bytes[header..start];
    let after = bytes.get(start..start + HEADER_AFTER.len())?;
    (before.eq_ignore_ascii_case(HEADER_BEFORE) && after.eq_ignore_ascii_case(HEADER_AFTER))
        .then_some(header)
}

/// Whether the rule applies to a file at `path` (`/`-separated). Not to
/// documentation (`.md`, `.mdx`, `.rst`, `.txt`, `.adoc`: it does not
/// ship), not to `node_modules/` (the SDK's own code names both), and not
/// to test files: a path with a folder `test`, `tests`, `__tests__`,
/// `__mocks__` or `spec`, or a file name holding `.test.` or `.spec.`. A
/// test does not ship to browsers, and tests of server code set the option
/// because a jsdom environment looks like a browser to the SDK.
pub fn applies_to(path: &str) -> bool {
    let name = path.rsplit('/').next().unwrap_or(path);
    let lower = name.to_ascii_lowercase();
    let doc = [".md", ".mdx", ".markdown", ".rst", ".txt", ".adoc"]
        .iter()
        .any(|ext| lower.ends_with(ext));
    let mut folders = path.split('/').rev().skip(1);
    let excluded_folder = folders.any(|folder| {
        matches!(
            folder,
            "node_modules" | "test" | "tests" | "__tests__" | "__mocks__" | "spec"
        )
    });
    let test_name = lower.contains(".test.") || lower.contains(".spec.");
    !(doc || excluded_folder || test_name)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn columns(text: &str) -> Vec<(u64, u64)> {
        find(text.as_bytes())
            .into_iter()
            .map(|s| (s.line, s.column))
            .collect()
    }

    #[test]
    fn the_option_set_to_true_in_any_spelling() {
        for text in [
            "new Anthropic({ apiKey, dangerouslyAllowBrowser: true })",
            "{\"dangerouslyAllowBrowser\": true}",
            "{'dangerouslyAllowBrowser' :\ttrue}",
            "opts.dangerouslyAllowBrowser = true;",
            "<Client dangerouslyAllowBrowser={true} />",
            "new e.default({apiKey:t,dangerouslyAllowBrowser:!0})",
            "x={dangerouslyAllowBrowser:true}",
        ] {
            assert_eq!(find(text.as_bytes()).len(), 1, "{text}");
        }
    }

    #[test]
    fn the_option_not_set_to_true_is_quiet() {
        for text in [
            "dangerouslyAllowBrowser: false",
            "if (o.dangerouslyAllowBrowser === true) {}",
            "dangerouslyAllowBrowser: trueish",
            "{ dangerouslyAllowBrowser }",
            "dangerouslySetInnerHTML={{ __html: x }}",
            "dangerouslyAllowBrowser: true // antleak:allow",
        ] {
            assert!(find(text.as_bytes()).is_empty(), "{text}");
        }
    }

    #[test]
    fn the_header_in_any_case_at_its_own_column() {
        assert_eq!(
            columns("fetch(u, {headers: {\n  'anthropic-dangerous-direct-browser-access': 'true'"),
            vec![(2, 4)]
        );
        assert_eq!(
            columns("Anthropic-Dangerous-Direct-Browser-Access: true"),
            vec![(1, 1)]
        );
        assert!(columns("dangerous-direct-browser-access").is_empty());
    }

    #[test]
    fn the_sdk_itself_is_quiet() {
        let sdk = "throw new Error(\"It looks like you're running in a browser-like environment. \
                   new Anthropic({ apiKey, dangerouslyAllowBrowser: true });\");\n\
                   h = {'anthropic-dangerous-direct-browser-access': 'true'}";
        assert!(find(sdk.as_bytes()).is_empty());
    }

    #[test]
    fn where_the_rule_applies() {
        for path in ["src/App.tsx", "web/lib/claude.js", "dist/assets/index.js"] {
            assert!(applies_to(path), "{path}");
        }
        for path in [
            "README.md",
            "docs/browser.mdx",
            "node_modules/@anthropic-ai/sdk/client.js",
            "server/test/client.js",
            "src/__tests__/claude.ts",
            "src/claude.test.ts",
            "src/claude.spec.js",
            "tests/e2e.js",
        ] {
            assert!(!applies_to(path), "{path}");
        }
    }
}
