//! The one redactor of free text: error chains, API error bodies, file
//! names, commit authors, whole reports before they are written.
//!
//! It is broader than the scanner on purpose: anything shaped like a
//! credential (`sk-ant-<kind>-` and at least 12 key characters) is replaced
//! by its redacted form, placeholders included, because text that is not a
//! finding must never carry one either, and a server echoing a key back
//! need not echo a well-formed one. The redacted form itself (3 characters,
//! an ellipsis, 4 characters) is too short to match again.

use std::sync::LazyLock;

use regex::Regex;

use crate::core::finding::Secret;

static CREDENTIAL_SHAPED: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"sk-ant-[a-z]{1,16}[0-9]{0,6}-[A-Za-z0-9_-]{12,}").expect("constant regex compiles")
});

/// `text` with everything shaped like a credential replaced by its
/// redacted form.
pub fn redact(text: &str) -> String {
    CREDENTIAL_SHAPED
        .replace_all(text, |caps: &regex::Captures| {
            Secret::new(caps[0].to_string()).redacted()
        })
        .into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::test_keys::fake_key;

    #[test]
    fn every_key_in_text_is_redacted_and_the_rest_kept() {
        let a = fake_key("api03", 1);
        let b = fake_key("admin01", 2);
        let text = format!("bad key {a}, then {b}.");
        let got = redact(&text);
        assert!(
            !got.contains(&a[20..60]) && !got.contains(&b[20..60]),
            "{got}"
        );
        assert!(got.starts_with("bad key sk-ant-api03-"), "{got}");
        assert!(got.ends_with(".") && got.contains("…"), "{got}");
    }

    #[test]
    fn redacted_forms_and_short_placeholders_stay_as_they_are() {
        let text = "sk-ant-api03-R2D…igAA and sk-ant-api03-... and sk-ant-api03-<key>";
        assert_eq!(redact(text), text);
    }
}
