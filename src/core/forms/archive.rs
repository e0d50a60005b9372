//! Recognises an archive by its first bytes, whatever its name (a jar, whl,
//! apk or docx is a zip; a `.tgz` a gzip holding a tar), and meters what
//! decompression produces so that a bomb stops at a budget.

use std::cell::Cell;
use std::io::{self, Read};

use flate2::read::MultiGzDecoder;

use super::Step;

/// An archive or compression format.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    Gzip,
    Zip,
    Tar,
}

impl Kind {
    pub fn step(self) -> Step {
        match self {
            Kind::Gzip => Step::Gzip,
            Kind::Zip => Step::Zip,
            Kind::Tar => Step::Tar,
        }
    }
}

/// What `bytes` (the start of a blob or member) is, if an archive: a gzip
/// header that decodes, a zip local header (or the end record of an empty
/// zip), a ustar header whose checksum holds.
pub fn sniff(bytes: &[u8]) -> Option<Kind> {
    if bytes.starts_with(&[0x1f, 0x8b, 0x08]) && MultiGzDecoder::new(bytes).read(&mut [0]).is_ok() {
        return Some(Kind::Gzip);
    }
    if bytes.starts_with(b"PK\x03\x04") || bytes.starts_with(b"PK\x05\x06") {
        return Some(Kind::Zip);
    }
    let header = bytes.get(..512)?;
    if &header[257..262] != b"ustar" {
        return None;
    }
    let mut header = tar::Header::from_byte_slice(header).clone();
    let stored = header.cksum().ok()?;
    header.set_cksum();
    (header.cksum().ok()? == stored).then_some(Kind::Tar)
}

/// A reader of decompressed bytes that stops once `used` reaches `max` (the
/// budget shared by every member of a blob), noting in `cut` that it
/// stopped with bytes left. A decompression error ends the member (what came
/// before it was scanned).
pub struct Metered<'a, R> {
    pub inner: R,
    pub used: &'a Cell<u64>,
    pub max: u64,
    pub cut: &'a Cell<bool>,
}

impl<R: Read> Read for Metered<'_, R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let left = self.max.saturating_sub(self.used.get());
        if left == 0 {
            if matches!(self.inner.read(&mut [0]), Ok(1)) {
                self.cut.set(true);
            }
            return Ok(0);
        }
        let want = buf.len().min(usize::try_from(left).unwrap_or(usize::MAX));
        let n = self.inner.read(&mut buf[..want]).unwrap_or(0);
        self.used.set(self.used.get() + n as u64);
        Ok(n)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    #[test]
    fn sniffs_by_content() {
        let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
        gz.write_all(b"hello").unwrap();
        assert_eq!(sniff(&gz.finish().unwrap()), Some(Kind::Gzip));
        assert_eq!(sniff(&[0x1f, 0x8b, 0x08, 0, 0]), None);
        let mut tar = tar::Builder::new(Vec::new());
        let mut header = tar::Header::new_ustar();
        header.set_size(1);
        header.set_cksum();
        tar.append_data(&mut header, "a", &b"x"[..]).unwrap();
        let tar = tar.into_inner().unwrap();
        assert_eq!(sniff(&tar), Some(Kind::Tar));
        let mut bad = tar.clone();
        bad[0] ^= 1;
        assert_eq!(sniff(&bad), None);
        assert_eq!(sniff(b"PK\x03\x04rest"), Some(Kind::Zip));
        assert_eq!(sniff(b"plain text"), None);
    }

    #[test]
    fn metered_reader_stops_at_the_shared_budget_and_says_so() {
        let used = Cell::new(0);
        let cut = Cell::new(false);
        let mut out = Vec::new();
        let mut r = Metered {
            inner: &[7u8; 100][..],
            used: &used,
            max: 60,
            cut: &cut,
        };
        r.read_to_end(&mut out).unwrap();
        assert_eq!((out.len(), used.get(), cut.get()), (60, 60, true));
    }
}
