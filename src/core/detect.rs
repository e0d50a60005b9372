//! The one detection entry point: bytes (or a reader) in, matches out.
//!
//! Every source — working-tree files, staged blobs, history blobs — and
//! every fuzz target calls [`detect`] or [`detect_reader`] and nothing
//! else, so a new form of storage (a decoding, an archive) is taught here
//! once and every command finds it.
//!
//! Reading in bounded windows belongs here too, not to each source: memory
//! stays bounded whatever the size of the input, and how windows overlap is
//! a property of what the detectors can match.

use std::io::{self, Read};

use crate::core::scanner::{self, Match};

/// What detection found in one blob.
#[derive(Debug, Default)]
pub struct Detection {
    /// In order of position.
    pub matches: Vec<Match>,
    /// Bytes read.
    pub bytes: u64,
}

/// Every credential in `bytes`.
pub fn detect(bytes: &[u8]) -> Detection {
    Detection {
        matches: scanner::scan(bytes),
        bytes: bytes.len() as u64,
    }
}

/// Reads at most this much of an input at a time, so memory stays bounded
/// whatever its size.
const WINDOW: usize = 8 << 20;

/// Everything `reader` yields, a window at a time, with line and column
/// relative to the whole input. `buf` is reused between calls by the same
/// worker thread.
pub fn detect_reader(mut reader: impl Read, buf: &mut Vec<u8>) -> io::Result<Detection> {
    let mut matches = Vec::new();
    let mut total = 0u64;
    // Newlines before buf[0], and how far into its line buf[0] sits (windows
    // start mid-line only for lines longer than a window).
    let mut lines_before = 0u64;
    let mut column_before = 0u64;
    buf.clear();
    loop {
        let wanted = (WINDOW - buf.len()) as u64;
        let read = (&mut reader).take(wanted).read_to_end(buf)? as u64;
        total += read;
        let at_end = read < wanted;
        // Scan up to the last newline (no plain key spans one); with no
        // newline, keep back enough bytes that a key starting in the window
        // ends in it.
        let settled = if at_end {
            buf.len()
        } else {
            match memchr::memrchr(b'\n', buf) {
                Some(i) => i + 1,
                None => buf.len().saturating_sub(scanner::MAX_CANDIDATE_LEN),
            }
        };
        for mut m in scanner::scan(buf) {
            if m.offset >= settled {
                break;
            }
            if m.line == 1 {
                m.column += column_before;
            }
            m.line += lines_before;
            matches.push(m);
        }
        if at_end {
            return Ok(Detection {
                matches,
                bytes: total,
            });
        }
        let done = &buf[..settled];
        lines_before += memchr::memchr_iter(b'\n', done).count() as u64;
        column_before = match memchr::memrchr(b'\n', done) {
            Some(i) => (settled - i - 1) as u64,
            None => column_before + settled as u64,
        };
        buf.drain(..settled);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(seed: u64) -> String {
        crate::core::test_keys::fake_key("api03", seed)
    }

    #[test]
    fn windows_keep_lines_columns_and_keys_across_boundaries() {
        let k1 = key(1);
        let k2 = key(2);
        let k3 = key(3);
        // A key right at a window boundary, a key after many lines, and a key
        // on a line far longer than a window.
        let mut data = Vec::new();
        let line = "x".repeat(99) + "\n";
        while data.len() + 50 < WINDOW {
            data.extend_from_slice(line.as_bytes());
        }
        let lines_before_k1 = data.len() / line.len();
        data.extend_from_slice(format!("abc{k1}\n").as_bytes());
        data.extend(std::iter::repeat_n(b'y', WINDOW + 5000));
        data.extend_from_slice(format!(" {k2}\n\n{k3}").as_bytes());
        let mut buf = Vec::new();
        let Detection {
            matches,
            bytes: total,
        } = detect_reader(&data[..], &mut buf).unwrap();
        assert_eq!(total, data.len() as u64);
        let got: Vec<(u64, u64, &str)> = matches
            .iter()
            .map(|m| (m.line, m.column, m.secret.expose()))
            .collect();
        let l1 = lines_before_k1 as u64 + 1;
        assert_eq!(
            got,
            vec![
                (l1, 4, k1.as_str()),
                (l1 + 1, WINDOW as u64 + 5000 + 2, k2.as_str()),
                (l1 + 3, 1, k3.as_str())
            ]
        );
    }
}
