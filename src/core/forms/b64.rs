//! Decodes the base64 run around a literal hit, across line breaks and
//! indentation (`base64` wraps at 76 columns; YAML block scalars and heredocs
//! indent), in either alphabet, and maps decoded bytes back to the characters
//! that encode them.
//!
//! The hit's phase pins the 4-character grid, so the run decodes correctly
//! even when what precedes it (a stray word, the previous window of a stream)
//! is not part of it; bytes decoded from such garbage are harmless, since the
//! decoded view only goes through the scanner.

use base64::Engine;
use base64::alphabet::STANDARD;
use base64::engine::{DecodePaddingMode, GeneralPurpose, GeneralPurposeConfig};

/// How far before its literal a run is followed: the key's first characters
/// sit at most a few dozen bytes (with a line break) before it.
const BACK: usize = 1024;
/// How far after its literal a run is decoded: enough for a nested document
/// (a docker config with many registries), bounded for one huge line.
const FORWARD: usize = 1 << 20;

/// Standard alphabet (URL-alphabet runs are normalised to it), padding
/// optional, trailing bits allowed: runs are cut at arbitrary ends.
const LENIENT: GeneralPurpose = GeneralPurpose::new(
    &STANDARD,
    GeneralPurposeConfig::new()
        .with_decode_allow_trailing_bits(true)
        .with_decode_padding_mode(DecodePaddingMode::Indifferent),
);

/// The bytes a run decodes to, and how to find where they came from.
pub struct Decoded {
    pub bytes: Vec<u8>,
    /// (index among the run's characters, view offset) of the first character
    /// of each unbroken piece of the run.
    pieces: Vec<(usize, usize)>,
    /// Index of the first character decoded.
    first: usize,
    /// View offset just past the run.
    end: usize,
}

fn is_b64(b: u8) -> bool {
    b.is_ascii_alphanumeric() || matches!(b, b'+' | b'/' | b'-' | b'_')
}

/// Decodes the run that holds the literal at `hit`, which starts at `phase`
/// of a 4-character group. `None` if it decodes to nothing.
pub fn decode_at(view: &[u8], hit: usize, phase: u8) -> Option<Decoded> {
    let (start, end) = (run_start(view, hit), run_end(view, hit));
    let mut chars = Vec::with_capacity(end - start);
    let mut pieces = Vec::new();
    let mut hit_index = 0;
    let mut in_piece = false;
    for (offset, &b) in view.iter().enumerate().take(end).skip(start) {
        if offset == hit {
            hit_index = chars.len();
        }
        in_piece = is_b64(b) && {
            if !in_piece {
                pieces.push((chars.len(), offset));
            }
            chars.push(match b {
                b'-' => b'+',
                b'_' => b'/',
                b => b,
            });
            true
        };
    }
    let first = (hit_index + 4 - phase as usize) % 4;
    let mut body = chars.get(first..)?;
    if body.len() % 4 == 1 {
        body = &body[..body.len() - 1];
    }
    let bytes = LENIENT.decode(body).ok()?;
    (!bytes.is_empty()).then_some(Decoded {
        bytes,
        pieces,
        first,
        end,
    })
}

impl Decoded {
    /// View offset of the first character that carries bits of decoded byte `i`.
    pub fn origin(&self, i: usize) -> usize {
        self.view_offset(self.first + i / 3 * 4 + i % 3)
    }

    fn view_offset(&self, char_index: usize) -> usize {
        let piece = self.pieces.partition_point(|&(c, _)| c <= char_index) - 1;
        let (c, offset) = self.pieces[piece];
        offset + (char_index - c)
    }

    /// View offset just past the run.
    pub fn end(&self) -> usize {
        self.end
    }

    /// Whether a literal at view offset `hit` with `phase` lies in this run
    /// on the same grid, so decoding it again would give these bytes.
    pub fn covers(&self, hit: usize, phase: u8) -> bool {
        let piece = self.pieces.partition_point(|&(_, offset)| offset <= hit);
        if piece == 0 || hit >= self.end {
            return false;
        }
        let (c, offset) = self.pieces[piece - 1];
        let index = c + (hit - offset);
        index >= self.first && (index - self.first) % 4 == phase as usize
    }
}

/// Start of the run: back over base64 characters, and over a line break
/// (and indentation) when the previous line ends with one.
fn run_start(view: &[u8], hit: usize) -> usize {
    let floor = hit.saturating_sub(BACK);
    let mut i = hit;
    loop {
        while i > floor && is_b64(view[i - 1]) {
            i -= 1;
        }
        let mut j = i;
        while j > floor && matches!(view[j - 1], b' ' | b'\t') {
            j -= 1;
        }
        if j > floor && view[j - 1] == b'\n' {
            j -= 1;
            while j > floor && matches!(view[j - 1], b' ' | b'\t' | b'\r') {
                j -= 1;
            }
            if j > floor && is_b64(view[j - 1]) {
                i = j;
                continue;
            }
        }
        return i;
    }
}

/// End of the run: forward over base64 characters, and over a line break
/// (and indentation) when the next line starts with one. `=` ends it.
fn run_end(view: &[u8], hit: usize) -> usize {
    let ceil = view.len().min(hit + FORWARD);
    let mut i = hit;
    loop {
        while i < ceil && is_b64(view[i]) {
            i += 1;
        }
        let mut j = i;
        while j < ceil && matches!(view[j], b' ' | b'\t' | b'\r') {
            j += 1;
        }
        if j < ceil && view[j] == b'\n' {
            j += 1;
            while j < ceil && matches!(view[j], b' ' | b'\t') {
                j += 1;
            }
            if j < ceil && is_b64(view[j]) {
                i = j;
                continue;
            }
        }
        return i;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use base64::engine::general_purpose::{STANDARD as STD, URL_SAFE_NO_PAD};

    fn wrap(text: &str, width: usize, indent: &str) -> String {
        text.as_bytes()
            .chunks(width)
            .map(|c| format!("{indent}{}\n", std::str::from_utf8(c).unwrap()))
            .collect()
    }

    #[test]
    fn decodes_a_wrapped_indented_run_from_any_hit_phase() {
        let plain = b"hello world, this is a fairly long text to wrap around";
        let encoded = STD.encode(plain);
        let view = format!("data: |\n{}other: x\n", wrap(&encoded, 12, "    "));
        // Hit on the 6th character of the 2nd line: index 17, phase 1.
        let hit = view.find(&encoded[17..20]).unwrap();
        let d = decode_at(view.as_bytes(), hit, 1).unwrap();
        assert!(d.bytes.starts_with(&plain[..12]), "{:?}", d.bytes);
        // Byte 12 starts at character 16, the 5th of the second line.
        let second_line = view.find(&encoded[12..16]).unwrap();
        assert_eq!(d.origin(12), second_line + 4);
        assert!(d.covers(hit, 1) && !d.covers(hit, 2));
    }

    #[test]
    fn url_alphabet_unpadded_and_garbage_before_the_grid() {
        let plain = [0xfbu8, 0xff, 0xfe, b'k', b'e', b'y'];
        let encoded = URL_SAFE_NO_PAD.encode(plain);
        assert!(encoded.contains('-') || encoded.contains('_'));
        let view = format!("zz{encoded}");
        let d = decode_at(view.as_bytes(), 2, 0).unwrap();
        assert_eq!(d.bytes, plain);
        assert_eq!(d.origin(0), 2);
    }

    #[test]
    fn nothing_to_decode_is_none() {
        assert!(decode_at(b"abc", 2, 3).is_none());
    }
}
