//! The fixed literals that announce a key in some form, searched all at once.
//!
//! `sk-ant-` itself; its hex (lower and upper case); the part its UTF-16 LE
//! and BE forms share; and for base64, the substrings that stay fixed whatever
//! surrounds the prefix: for each of the three byte alignments, the first 8
//! stable characters of `sk-ant-`'s encoding, and the last 8 of
//! `sk-ant-api03-`'s and `sk-ant-admin01-`'s (16+ stable characters: a line
//! break anywhere in them leaves one of the two literals whole, so a wrapped
//! full-shape key is announced wherever the wrap falls); and the first 8
//! stable characters of the base64 of each of those `sk-ant-` fragments
//! (base64 of base64: a `.dockerconfigjson` holding `auth`). All are computed
//! at start-up from the base64 crate, never written out.
//!
//! A base64 literal carries its phase: the position of its first character in
//! the 4-character groups, which pins how the run around it decodes.

use std::sync::LazyLock;

use aho_corasick::{AhoCorasick, MatchKind, packed};
use base64::Engine;
use base64::engine::general_purpose::{STANDARD, URL_SAFE};

use crate::core::scanner::KEY_PREFIX;

/// What a hit announces.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Form {
    Plain,
    Hex,
    /// `s\0k\0-\0a\0n\0t\0-`: UTF-16 LE if a zero follows, BE if one precedes.
    Utf16,
    /// Base64 whose literal starts at this position of a 4-character group.
    Base64 {
        phase: u8,
    },
}

/// A literal found at `start` of the searched bytes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Hit {
    pub start: usize,
    pub form: Form,
}

/// Length of a base64 literal: long enough to be rare in text.
const B64_LITERAL_LEN: usize = 8;

struct Searcher {
    forms: Vec<Form>,
    engine: Backend,
}

enum Backend {
    /// Teddy (SIMD) when the CPU has it.
    Packed(packed::Searcher),
    Automaton(AhoCorasick),
}

static SEARCHER: LazyLock<Searcher> = LazyLock::new(|| {
    let (patterns, forms): (Vec<Vec<u8>>, Vec<Form>) = literals().into_iter().unzip();
    let packed = packed::Config::new()
        .match_kind(packed::MatchKind::LeftmostFirst)
        .builder()
        .extend(&patterns)
        .build();
    let engine = match packed {
        Some(searcher) => Backend::Packed(searcher),
        None => Backend::Automaton(
            AhoCorasick::builder()
                .match_kind(MatchKind::LeftmostFirst)
                .build(&patterns)
                .expect("literals build an automaton"),
        ),
    };
    Searcher { forms, engine }
});

/// Every hit in `bytes`, in increasing order, none overlapping; found as
/// they are consumed, so a blob full of hits costs no memory for them.
pub fn hits(bytes: &[u8]) -> Box<dyn Iterator<Item = Hit> + '_> {
    let searcher = &*SEARCHER;
    let hit = |start: usize, pattern: usize| Hit {
        start,
        form: searcher.forms[pattern],
    };
    match &searcher.engine {
        Backend::Packed(s) => Box::new(
            s.find_iter(bytes)
                .map(move |m| hit(m.start(), m.pattern().as_usize())),
        ),
        Backend::Automaton(ac) => Box::new(
            ac.find_iter(bytes)
                .map(move |m| hit(m.start(), m.pattern().as_usize())),
        ),
    }
}

/// The UTF-16 literal's length (without the zero byte on either side).
pub const UTF16_LEN: usize = 2 * KEY_PREFIX.len() - 1;

fn literals() -> Vec<(Vec<u8>, Form)> {
    let mut out: Vec<(Vec<u8>, Form)> = vec![
        (KEY_PREFIX.to_vec(), Form::Plain),
        (hex::encode(KEY_PREFIX).into_bytes(), Form::Hex),
        (hex::encode_upper(KEY_PREFIX).into_bytes(), Form::Hex),
    ];
    let utf16: Vec<u8> = KEY_PREFIX.iter().flat_map(|&b| [b, 0]).collect();
    out.push((utf16[..UTF16_LEN].to_vec(), Form::Utf16));
    let mut b64 = Vec::new();
    for url in [false, true] {
        for align in 0..3 {
            let (head, phase) = stable(KEY_PREFIX, align, url);
            b64.push((head[..B64_LITERAL_LEN].to_vec(), phase));
            for kind in [&b"sk-ant-api03-"[..], b"sk-ant-admin01-"] {
                let (run, phase) = stable(kind, align, url);
                let tail = run.len() - B64_LITERAL_LEN;
                b64.push((run[tail..].to_vec(), (phase + tail as u8) % 4));
            }
            // The same fragment, base64-encoded once more.
            for outer in 0..3 {
                let (run, phase) = stable(&head, outer, url);
                b64.push((run[..B64_LITERAL_LEN].to_vec(), phase));
            }
        }
    }
    for (literal, phase) in b64 {
        if !out.iter().any(|(l, _)| *l == literal) {
            out.push((literal, Form::Base64 { phase }));
        }
    }
    out
}

/// The longest part of the base64 of `text`, preceded by `align` unknown
/// bytes, that does not depend on the bytes around it, and the phase of its
/// first character. Found by encoding with all-zero and all-one surroundings:
/// a character that depends on any surrounding bit differs between the two.
fn stable(text: &[u8], align: usize, url: bool) -> (Vec<u8>, u8) {
    let encode = |fill: u8| {
        let mut bytes = vec![fill; align];
        bytes.extend_from_slice(text);
        bytes.extend(std::iter::repeat_n(fill, 3 + (3 - bytes.len() % 3) % 3));
        let engine = if url { &URL_SAFE } else { &STANDARD };
        engine.encode(&bytes).into_bytes()
    };
    let (zeros, ones) = (encode(0), encode(0xff));
    let mut best = 0..0;
    let mut start = 0;
    for i in 0..=zeros.len() {
        if i == zeros.len() || zeros[i] != ones[i] {
            if i - start > best.len() {
                best = start..i;
            }
            start = i + 1;
        }
    }
    ((zeros[best.clone()]).to_vec(), (best.start % 4) as u8)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_alignment_of_the_prefix_holds_a_literal_at_its_phase() {
        let key = crate::core::test_keys::fake_key("api03", 1);
        for url in [false, true] {
            for pad in 0..3 {
                let text = format!("{}{key}", "x".repeat(pad));
                let engine = if url { &URL_SAFE } else { &STANDARD };
                let encoded = engine.encode(&text);
                let b64: Vec<_> = hits(encoded.as_bytes())
                    .filter_map(|h| match h.form {
                        Form::Base64 { phase } => Some((h.start, phase)),
                        _ => None,
                    })
                    .collect();
                assert!(!b64.is_empty(), "{pad} {url}");
                assert!(b64.iter().all(|&(s, p)| s % 4 == p as usize), "{b64:?}");
            }
        }
    }

    #[test]
    fn literals_fit_the_simd_searcher_and_are_long_enough() {
        let all = literals();
        assert!(all.len() < 64, "{}", all.len());
        assert!(all.iter().all(|(l, _)| l.len() >= 7));
    }

    #[test]
    fn hex_and_utf16_forms_hit() {
        let hex = hex::encode_upper("a sk-ant-x");
        assert_eq!(hits(hex.as_bytes()).next().unwrap().form, Form::Hex);
        let le: Vec<u8> = "sk-ant-".bytes().flat_map(|b| [b, 0]).collect();
        assert_eq!(
            hits(&le).collect::<Vec<_>>(),
            vec![Hit {
                start: 0,
                form: Form::Utf16
            }]
        );
    }
}
