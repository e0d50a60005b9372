//! The one detection entry point: bytes (or a reader) in, matches out.
//!
//! Every source — working-tree files, staged blobs, history blobs — and
//! every fuzz target calls [`detect`] or [`detect_reader`] and nothing
//! else, so a new form of storage (a decoding, an archive) is taught here
//! once and every command finds it. Both run [`forms`](crate::core::forms):
//! a key plain, encoded (base64, hex, UTF-16) or archived (gzip, zip, tar),
//! nested, under [`Limits`]; and browser access on the blob's own text.
//!
//! Reading in bounded windows belongs here too, not to each source: memory
//! stays bounded whatever the size of the input, and how windows overlap is
//! a property of what the detectors can match.

pub use crate::core::forms::{Detection, Found, Limits, Step, Unexpanded, detect, detect_reader};
