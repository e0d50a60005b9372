//! Properties of the pure scanner, checked on generated inputs: a key put
//! anywhere in random bytes is found at the right line and column,
//! placeholders never match, and no input makes the scanner panic.

use antleak::core::rules::RuleId;
use antleak::core::scanner;
use proptest::prelude::*;

use crate::util::{ALPHABET, fake_key};

/// Random bytes biased towards what trips scanners: newlines, CR, key
/// characters, and the `sk-ant-` prefix itself.
fn noisy_bytes(max: usize) -> impl Strategy<Value = Vec<u8>> {
    prop::collection::vec(
        prop_oneof![
            4 => any::<u8>(),
            2 => Just(b'\n'),
            1 => Just(b'\r'),
            2 => prop::sample::select(ALPHABET.to_vec()),
            1 => Just(b'-'),
        ],
        0..max,
    )
}

proptest! {
    #![proptest_config(ProptestConfig {
        cases: 2_000,
        // Failures are printed with their minimal input; nothing to persist.
        failure_persistence: None,
        ..ProptestConfig::default()
    })]

    #[test]
    fn a_key_inserted_anywhere_is_found_at_its_line_and_column(
        before in noisy_bytes(400),
        after in noisy_bytes(400),
        seed in any::<u64>(),
        admin in any::<bool>(),
    ) {
        let key = fake_key(if admin { "admin01" } else { "api03" }, seed);
        // Whatever precedes the key does not matter; what follows must not
        // be a key character (the SPEC's end of a full-shape key).
        let mut bytes = before.clone();
        bytes.extend_from_slice(key.as_bytes());
        bytes.push(b'"');
        bytes.extend_from_slice(&after);
        let found = scanner::scan(&bytes);
        let ours: Vec<_> = found.iter().filter(|m| m.secret.expose() == key).collect();
        prop_assert_eq!(ours.len(), 1);
        let expected_line = 1 + before.iter().filter(|&&b| b == b'\n').count() as u64;
        let line_start = before.iter().rposition(|&b| b == b'\n').map_or(0, |i| i + 1);
        prop_assert_eq!(ours[0].line, expected_line);
        prop_assert_eq!(ours[0].column, (before.len() - line_start + 1) as u64);
        let rule = if admin { RuleId::AnthropicAdminKey } else { RuleId::AnthropicApiKey };
        prop_assert_eq!(ours[0].rule, rule);
    }

    #[test]
    fn placeholders_never_match(
        filler in prop::sample::select(ALPHABET.to_vec()),
        period in prop::collection::vec(prop::sample::select(ALPHABET.to_vec()), 1..=16),
        word in prop::sample::select(vec!["your_key", "EXAMPLE", "Replace", "xxxxxx", "REDACTED"]),
        at in 0usize..80,
        seed in any::<u64>(),
    ) {
        let prefix = ["sk", "ant", "api03-"].join("-");
        let one_char: String = std::iter::repeat_n(filler as char, 93).collect();
        let periodic: String = period.iter().cycle().take(93).map(|&b| b as char).collect();
        let mut with_word = fake_key("api03", seed)[prefix.len()..prefix.len() + 93].to_string();
        with_word.replace_range(at..at + word.len(), word);
        for body in [one_char, periodic, with_word] {
            let text = format!("key = \"{prefix}{body}AA\"\n");
            prop_assert!(scanner::scan(text.as_bytes()).is_empty(), "{}", text);
        }
    }

    #[test]
    fn the_scanner_never_panics(bytes in noisy_bytes(4_000), prefixes in prop::collection::vec(0usize..4_000, 0..8)) {
        let mut bytes = bytes;
        for at in prefixes {
            let at = at.min(bytes.len());
            bytes.splice(at..at, b"sk-ant-api03-".iter().copied());
        }
        for m in scanner::scan(&bytes) {
            prop_assert!(m.offset < bytes.len());
            prop_assert!(m.line >= 1 && m.column >= 1);
        }
    }
}
