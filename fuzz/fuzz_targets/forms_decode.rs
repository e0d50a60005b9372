//! `forms::detect` on arbitrary bytes, with small limits so that a slow
//! expansion shows up as a timeout: it must not panic, every plain finding in
//! the blob itself must sit where it says, and the streaming entry point
//! (one window for inputs this small) must agree with the whole-blob one.
#![no_main]

use antleak::core::forms::{self, Limits};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let limits = Limits {
        max_inflated_bytes: 64 << 20,
        ..Limits::default()
    };
    let whole = forms::detect(data, &limits);
    for f in &whole.matches {
        assert!(f.line >= 1 && f.column >= 1);
        if f.member.is_empty() && f.encoding.is_empty() {
            let at = f.offset as usize;
            let secret = f.secret.expose().as_bytes();
            assert_eq!(&data[at..at + secret.len()], secret);
        }
    }
    let streamed = forms::detect_reader(data, &limits, &mut Vec::new()).unwrap();
    assert_eq!(whole, streamed);
});
