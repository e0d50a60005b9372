//! Finds a credential however it is stored: plain, base64 (standard or URL
//! alphabet, any alignment, padded or not, wrapped across lines, nested), hex,
//! UTF-16 (LE/BE), inside gzip, zip (and every format built on it: jar, whl,
//! apk, docx…) and tar, nested — recognised by content, never by file name.
//!
//! Pure like the [`scanner`](crate::core::scanner): bytes (or a reader) in,
//! [`Detection`] out; no files, git, network or terminal.
//!
//! # Why it stays fast
//!
//! One multi-literal search ([`literals`]) runs over every byte: `sk-ant-`,
//! the fixed substrings every base64 alignment of it contains (and of its
//! base64 once more), its hex and its UTF-16 form. Bytes with none of them cost
//! that one SIMD pass; around a hit, only the run that holds it is decoded and
//! the decoded bytes go through the same scanner and rules (placeholders stay
//! quiet in every form). Archives announce themselves by magic bytes at the
//! start of a blob or member.
//!
//! # Bounded
//!
//! [`Limits`] caps nesting depth, archive members, bytes inflated and the size
//! of an archive read whole. A limit never stops the scan: the blob's other
//! bytes go on, and an [`Unexpanded`] names what was not expanded, which limit
//! stopped it and the setting that raises it.
//!
//! # Where a finding is
//!
//! `member` is the archive member path outermost first (empty: the blob
//! itself); `encoding` the decoding steps outermost first (archive steps
//! included, so a plain key in a jar member is `["zip"]`); `line`/`column`
//! (1-based, bytes) point into the innermost file a person can open — the blob,
//! an archive member or a gzip's content — at the first encoded character that
//! carries the key's first byte. `antleak:allow` on that line suppresses the
//! finding, as it does a plain one.

mod archive;
mod b64;
mod engine;
mod literals;
#[cfg(test)]
mod tests;
mod units;

use std::io::{self, Read};

use serde::Serialize;

use crate::core::browser_access::Signal;
use crate::core::finding::Secret;
use crate::core::rules::RuleId;

/// Resource limits for one blob (or one reader). The defaults find every
/// realistic case; each field's name is also the setting that raises it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Limits {
    /// Decoding steps (archive, compression or text encoding) nested in one
    /// another: `a.zip!b.jar!c.properties` is 2.
    pub max_depth: u32,
    /// Archive members expanded per blob, all archives and levels together.
    pub max_archive_members: u64,
    /// Bytes decompressed per blob, all members and levels together.
    pub max_inflated_bytes: u64,
    /// Largest zip (or tar) read whole into memory when it does not fit in
    /// one window of a stream: a zip needs random access.
    pub max_archive_bytes: u64,
    /// Whether an `antleak:allow` marker hides the keys on its line. Off
    /// for `history --range`: there the markers come from the very changes
    /// under review, and a pull request must not allow-list its own leak.
    pub inline_allow: bool,
}

impl Default for Limits {
    fn default() -> Limits {
        Limits {
            max_depth: 8,
            max_archive_members: 100_000,
            max_inflated_bytes: 512 << 20,
            max_archive_bytes: 64 << 20,
            inline_allow: true,
        }
    }
}

/// One decoding step on the way from the blob to a key.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
pub enum Step {
    #[serde(rename = "base64")]
    Base64,
    #[serde(rename = "hex")]
    Hex,
    #[serde(rename = "utf-16le")]
    Utf16Le,
    #[serde(rename = "utf-16be")]
    Utf16Be,
    #[serde(rename = "gzip")]
    Gzip,
    #[serde(rename = "zip")]
    Zip,
    #[serde(rename = "tar")]
    Tar,
}

impl Step {
    pub fn as_str(self) -> &'static str {
        match self {
            Step::Base64 => "base64",
            Step::Hex => "hex",
            Step::Utf16Le => "utf-16le",
            Step::Utf16Be => "utf-16be",
            Step::Gzip => "gzip",
            Step::Zip => "zip",
            Step::Tar => "tar",
        }
    }
}

/// A credential and where it really is (see the module header).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Found {
    pub rule: RuleId,
    pub secret: Secret,
    pub member: Vec<String>,
    pub encoding: Vec<Step>,
    pub line: u64,
    pub column: u64,
    /// Byte offset of that character in the innermost file.
    pub offset: u64,
    /// The browser-shipped variable whose value the key is, when its line
    /// (in the text the scanner saw) names one ([`Match::public_variable`]).
    ///
    /// [`Match::public_variable`]: crate::core::scanner::Match::public_variable
    pub public_variable: Option<String>,
}

/// Something a limit kept from being expanded: the first member it happened
/// at (empty: the blob itself), the setting that raises the limit, what
/// happened, and how many times that limit stopped an expansion in the blob.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Unexpanded {
    pub member: Vec<String>,
    pub limit: &'static str,
    pub detail: String,
    pub count: u64,
}

/// Everything [`detect`] learnt about one blob.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Detection {
    /// Credentials, in order of member, then position; deterministic for
    /// given bytes.
    pub matches: Vec<Found>,
    /// What the blob's own text shows of browser access (not looked for
    /// inside archives or encodings), in order of position.
    pub signals: Vec<Signal>,
    /// Every file member of every archive expanded, so that callers can flag
    /// a `.env` inside an archive.
    pub members: Vec<Vec<String>>,
    /// One entry per limit that stopped an expansion.
    pub unexpanded: Vec<Unexpanded>,
    /// Bytes of the blob itself (not counting what was inflated).
    pub bytes: u64,
}

/// Every credential in `bytes`, in whatever form.
pub fn detect(bytes: &[u8], limits: &Limits) -> Detection {
    engine::detect(bytes, limits)
}

/// [`detect`] over everything `reader` yields, a bounded window at a time
/// (windows overlap, so a key or a wrapped base64 run across an edge is still
/// found); line and column are relative to the whole input. `buf` is reused
/// between calls by the same worker thread.
pub fn detect_reader(
    reader: impl Read,
    limits: &Limits,
    buf: &mut Vec<u8>,
) -> io::Result<Detection> {
    engine::detect_reader(reader, limits, buf)
}
