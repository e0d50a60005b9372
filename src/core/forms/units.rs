//! Decodes the fixed-width forms around a literal hit: hex (two digits a
//! byte, either case) and UTF-16 LE or BE (two bytes a character, of which a
//! key's need only the ASCII ones). The hit pins the grid; decoded byte `i`
//! comes from view offset `start + 2 * i`.

use crate::core::forms::Step;
use crate::core::forms::literals::UTF16_LEN;

/// How far around its literal a run is followed, as for base64.
const BACK: usize = 1024;
const FORWARD: usize = 1 << 20;

/// A decoded run of two-byte units.
pub struct Units {
    pub step: Step,
    pub bytes: Vec<u8>,
    start: usize,
}

impl Units {
    /// View offset of the unit that decoded byte `i` came from.
    pub fn origin(&self, i: usize) -> usize {
        self.start + 2 * i
    }

    /// View offset just past the run.
    pub fn end(&self) -> usize {
        self.origin(self.bytes.len())
    }
}

/// The pairs of `view` on the grid of `hit` that `unit` accepts, around it.
fn run(view: &[u8], hit: usize, unit: impl Fn(&[u8]) -> bool) -> (usize, usize) {
    let mut start = hit;
    while start >= 2 && hit - start < BACK && unit(&view[start - 2..start]) {
        start -= 2;
    }
    let mut end = hit;
    while end + 2 <= view.len() && end - hit < FORWARD && unit(&view[end..end + 2]) {
        end += 2;
    }
    (start, end)
}

/// The hex run holding the literal at `hit`.
pub fn hex_at(view: &[u8], hit: usize) -> Option<Units> {
    let (start, end) = run(view, hit, |u| u.iter().all(u8::is_ascii_hexdigit));
    let bytes = hex::decode(&view[start..end]).ok()?;
    Some(Units {
        step: Step::Hex,
        bytes,
        start,
    })
}

/// The UTF-16 run holding the shared literal at `hit`. Inside text both byte
/// orders fit (a zero on each side), and both decode to the same characters:
/// the hit's parity decides, as a file's characters start at even offsets.
pub fn utf16_at(view: &[u8], hit: usize) -> Option<Units> {
    let le = view.get(hit + UTF16_LEN) == Some(&0);
    let be = hit > 0 && view[hit - 1] == 0;
    if le && (!be || hit.is_multiple_of(2)) {
        let (start, end) = run(view, hit, |u| u[1] == 0);
        let bytes = view[start..end].iter().step_by(2).copied().collect();
        Some(Units {
            step: Step::Utf16Le,
            bytes,
            start,
        })
    } else if be {
        let (start, end) = run(view, hit - 1, |u| u[0] == 0);
        let bytes = view[start + 1..end].iter().step_by(2).copied().collect();
        Some(Units {
            step: Step::Utf16Be,
            bytes,
            start,
        })
    } else {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hex_run_on_the_hit_grid() {
        let view = b"x=A736b2d6Fz";
        let u = hex_at(view, 3).unwrap();
        assert_eq!(u.bytes, b"sk-o");
        assert_eq!((u.origin(0), u.end()), (3, 11));
    }

    #[test]
    fn utf16_le_and_be_with_bom() {
        let text = "a=sk-ant-";
        let le: Vec<u8> = [0xff, 0xfe]
            .into_iter()
            .chain(text.bytes().flat_map(|b| [b, 0]))
            .collect();
        let got = utf16_at(&le, 6).unwrap();
        assert_eq!((got.step, &got.bytes[..]), (Step::Utf16Le, text.as_bytes()));
        assert_eq!(got.origin(2), 6);
        let be: Vec<u8> = [0xfe, 0xff]
            .into_iter()
            .chain(text.bytes().flat_map(|b| [0, b]))
            .collect();
        let got = utf16_at(&be, 7).unwrap();
        assert_eq!((got.step, &got.bytes[..]), (Step::Utf16Be, text.as_bytes()));
        assert_eq!(got.origin(2), 6);
    }
}
