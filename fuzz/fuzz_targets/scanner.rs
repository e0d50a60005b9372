//! The detection entry point on arbitrary bytes: it must not panic, and
//! every match must point inside the input at a place that really holds the
//! secret.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    for m in antleak::core::detect::detect(data).matches {
        let secret = m.secret.expose().as_bytes();
        assert_eq!(&data[m.offset..m.offset + secret.len()], secret);
        assert!(m.line >= 1 && m.column >= 1);
    }
});
