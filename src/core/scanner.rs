//! Finds credentials in bytes. Pure: no files, no git, no terminal.
//!
//! The hot path is a `memmem` search for the literal `sk-ant-`: bytes without
//! it cost one SIMD pass and nothing else. Each hit is parsed with an anchored
//! regex, so a key glued to whatever precedes it (minified bundles, binaries,
//! JSON) is still found, and two hits never hide each other.

use std::sync::LazyLock;

use memchr::memmem;
use regex::bytes::Regex;

use crate::core::exposure;
use crate::core::finding::Secret;
use crate::core::rules::{self, RuleId};

/// The literal every Anthropic credential starts with.
pub const KEY_PREFIX: &[u8] = b"sk-ant-";

/// A body longer than this is not a credential of any known shape; bounding
/// the regex keeps a pathological line (`sk-ant-a1-aaaa…` for megabytes)
/// linear instead of quadratic.
pub const MAX_BODY_LEN: usize = 256;

/// Longest candidate the scanner can match: prefix, kind, dash, body and the
/// byte after it. Streaming callers overlap their windows by this much.
pub const MAX_CANDIDATE_LEN: usize = 7 + 24 + 1 + MAX_BODY_LEN + 1;

/// Marker that suppresses every finding on its line.
pub const ALLOW_MARKER: &[u8] = b"antleak:allow";

static CANDIDATE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"\Ask-ant-([a-z]{1,16}[0-9]{1,6})-([A-Za-z0-9_-]{0,256})")
        .expect("constant regex compiles")
});

static FINDER: LazyLock<memmem::Finder<'static>> =
    LazyLock::new(|| memmem::Finder::new(KEY_PREFIX));

/// A credential at a position in the scanned bytes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Match {
    pub rule: RuleId,
    /// Byte offset of the `s` of `sk-ant-`.
    pub offset: usize,
    /// 1-based line number.
    pub line: u64,
    /// 1-based column, in bytes.
    pub column: u64,
    pub secret: Secret,
    /// The variable the framework ships to the browser whose value the key
    /// is, when its line names one just before it
    /// ([`exposure::public_variable`]). Computed here, where the line's
    /// bytes are; whether the path is a bundle is decided with the path.
    pub public_variable: Option<String>,
}

/// Every credential in `bytes`, in order of position, except those on a line
/// that contains `antleak:allow`.
pub fn scan(bytes: &[u8]) -> Vec<Match> {
    scan_honouring(bytes, true)
}

/// [`scan`], with `honour_allow` saying whether `antleak:allow` hides keys.
pub fn scan_honouring(bytes: &[u8], honour_allow: bool) -> Vec<Match> {
    let mut matches = Vec::new();
    let mut lines = LineCounter::default();
    // (line start, whether that line carries the allow marker): many keys on
    // one long line must not rescan it each time.
    let mut allowed_line: Option<(usize, bool)> = None;
    for offset in FINDER.find_iter(bytes) {
        let Some((rule, len)) = candidate_at(&bytes[offset..]) else {
            continue;
        };
        let (line_start, line) = lines.locate(bytes, offset);
        let allowed = match allowed_line {
            Some((start, allowed)) if start == line_start => allowed,
            _ => line_has_allow_marker(bytes, line_start),
        };
        allowed_line = Some((line_start, allowed));
        if allowed && honour_allow {
            continue;
        }
        let secret = String::from_utf8_lossy(&bytes[offset..offset + len]).into_owned();
        matches.push(Match {
            rule,
            offset,
            line,
            column: (offset - line_start + 1) as u64,
            secret: Secret::new(secret),
            public_variable: exposure::public_variable(&bytes[line_start..offset]),
        });
    }
    matches
}

/// Parses the candidate that starts at `hay[0]` (which is `sk-ant-`): the rule
/// and the length of the credential, or `None` if it is not one.
fn candidate_at(hay: &[u8]) -> Option<(RuleId, usize)> {
    let caps = CANDIDATE.captures(hay)?;
    let kind = caps.get(1)?.as_bytes();
    let body = caps.get(2)?;
    // A full-shape API or admin key ends at its `AA` whatever byte follows
    // (bytecode, SQLite pages and minified bundles glue the next byte on).
    let full = body.start() + rules::FULL_SHAPE_BODY_LEN;
    if let Some(rule) = rules::classify_full_shape(kind, &hay[body.start()..full.min(body.end())]) {
        return Some((rule, full));
    }
    // The regex stops after MAX_BODY_LEN body bytes; if the run of key
    // characters goes on, the string is longer than any credential.
    if hay.get(body.end()).is_some_and(|&b| rules::is_key_byte(b)) {
        return None;
    }
    let rule = rules::classify(kind, body.as_bytes())?;
    Some((rule, body.end()))
}

/// Whether the line that starts at `line_start` carries [`ALLOW_MARKER`].
pub(crate) fn line_has_allow_marker(bytes: &[u8], line_start: usize) -> bool {
    let line_end =
        memchr::memchr(b'\n', &bytes[line_start..]).map_or(bytes.len(), |i| line_start + i);
    memmem::find(&bytes[line_start..line_end], ALLOW_MARKER).is_some()
}

/// Turns offsets into line numbers, looking at each byte once even when a
/// file holds many matches (offsets arrive in increasing order).
#[derive(Default)]
pub(crate) struct LineCounter {
    counted_to: usize,
    newlines: u64,
    line_start: usize,
}

impl LineCounter {
    /// Start offset of the line holding `offset`, and its 1-based number.
    pub(crate) fn locate(&mut self, bytes: &[u8], offset: usize) -> (usize, u64) {
        let fresh = &bytes[self.counted_to..offset];
        self.newlines += memchr::memchr_iter(b'\n', fresh).count() as u64;
        if let Some(i) = memchr::memrchr(b'\n', fresh) {
            self.line_start = self.counted_to + i + 1;
        }
        self.counted_to = offset;
        (self.line_start, self.newlines + 1)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    use crate::core::test_keys::fake_key as key;

    fn found(text: &str) -> Vec<(RuleId, u64, u64, String)> {
        scan(text.as_bytes())
            .into_iter()
            .map(|m| (m.rule, m.line, m.column, m.secret.expose().to_string()))
            .collect()
    }

    #[test]
    fn finds_keys_wherever_they_sit() {
        let k = key("api03", 1);
        let contexts = [
            k.clone(),
            format!("ANTHROPIC_API_KEY={k}\n"),
            format!("x=\"{k}\","),
            format!("{{\"key\":\"{k}\"}}"),
            format!("call({k})"),
            format!("<key>{k}</key>"),
            format!("?key={k}&x=1"),
            format!("\"{k}\\nnext\""),
            format!("var a=\"abc\";z9{k}"),
            format!("\u{feff}{k}"),
        ];
        for text in contexts {
            let got = found(&text);
            assert_eq!(got.len(), 1, "{text:?}");
            assert_eq!(got[0].3, k, "{text:?}");
        }
    }

    #[test]
    fn line_and_column_count_bytes_through_crlf_and_multibyte_text() {
        let k = key("admin01", 2);
        let text = format!("first\r\nsecond line é\r\n  ü = \"{k}\"\r\n");
        let got = found(&text);
        assert_eq!(got, vec![(RuleId::AnthropicAdminKey, 3, 9, k)]);
    }

    #[test]
    fn two_keys_on_one_line_and_glued_keys() {
        let a = key("api03", 3);
        let b = key("api03", 4);
        let got = found(&format!("{a} {b}"));
        assert_eq!(got.len(), 2);
        assert_eq!((got[1].1, got[1].2), (1, a.len() as u64 + 2));
        // A full-shape key ends at its `AA` whatever follows: both are found,
        // and so is a key followed by a `.pyc` marshal type byte.
        let got = found(&format!("{a}{b}"));
        assert_eq!(got.iter().map(|g| &g.3).collect::<Vec<_>>(), vec![&a, &b]);
        assert_eq!(found(&format!("\u{fa}{a}N")).len(), 1);
        // Other kinds still end where their run of key characters ends.
        let s = key("sid01", 8);
        assert_eq!(found(&format!("{s}x")).len(), 1);
        assert_eq!(found(&format!("{s}x"))[0].3, format!("{s}x"));
    }

    #[test]
    fn allow_marker_suppresses_only_its_line() {
        let a = key("api03", 5);
        let b = key("api03", 6);
        let text = format!("k = \"{a}\"  # antleak:allow\nk2 = \"{b}\"\n");
        let got = found(&text);
        assert_eq!(got.len(), 1);
        assert_eq!(got[0].3, b);
    }

    #[test]
    fn placeholders_from_the_spec_are_not_findings() {
        let texts = [
            "sk-ant-api03-...",
            "sk-ant-api03-<your_key>",
            "sk-ant-xxxxxxxx",
            "sk-ant-api03-REPLACE_WITH_KEY",
            "ANTHROPIC_API_KEY=sk-ant-api03-your-actual-key",
            "sk-ant-",
            "sk-ant-api03",
        ];
        for text in texts {
            assert!(found(text).is_empty(), "{text}");
        }
    }

    #[test]
    fn overlong_runs_stay_linear_and_match_nothing() {
        let text = "sk-ant-a1-".repeat(100_000);
        assert!(found(&text).is_empty());
    }

    #[test]
    fn key_at_end_of_input_without_newline() {
        let k = key("sid01", 7);
        assert_eq!(
            found(&format!("a\nb\n{k}")),
            vec![(RuleId::AnthropicSessionKey, 3, 1, k)]
        );
    }
}
