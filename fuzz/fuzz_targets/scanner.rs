//! The detection entry point on arbitrary bytes: it must not panic, and
//! every plain finding in the blob itself must point inside the input at a
//! place that really holds the secret.
#![no_main]

use antleak::core::detect::{self, Limits};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    for f in detect::detect(data, &Limits::default()).matches {
        assert!(f.line >= 1 && f.column >= 1);
        if f.member.is_empty() && f.encoding.is_empty() {
            let at = f.offset as usize;
            let secret = f.secret.expose().as_bytes();
            assert_eq!(&data[at..at + secret.len()], secret);
        }
    }
});
