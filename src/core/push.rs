//! What a push asks for, as git hands it to a pre-receive hook: one line
//! `<old-id> <new-id> <ref-name>` per ref it updates, on stdin. Parsed here,
//! purely, so that a malformed line is refused before any git object is read.
//! An all-zero id means "no object": an all-zero old id creates the ref, an
//! all-zero new id deletes it.

/// One ref the push updates.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RefUpdate {
    /// Lowercase hex object ids (SHA-1 or SHA-256 length).
    pub old: String,
    pub new: String,
    pub name: String,
}

impl RefUpdate {
    /// The push deletes the ref: nothing arrives with it.
    pub fn is_deletion(&self) -> bool {
        is_zero(&self.new)
    }

    /// The ref did not exist before the push.
    pub fn is_creation(&self) -> bool {
        is_zero(&self.old)
    }
}

fn is_zero(id: &str) -> bool {
    id.bytes().all(|b| b == b'0')
}

fn is_object_id(id: &str) -> bool {
    matches!(id.len(), 40 | 64)
        && id
            .bytes()
            .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
}

/// Parses the hook's stdin; blank lines are skipped. The error names the
/// first bad line (by number) and never echoes it whole.
pub fn parse_updates(text: &str) -> Result<Vec<RefUpdate>, String> {
    let mut updates = Vec::new();
    for (number, line) in text.lines().enumerate() {
        if line.trim().is_empty() {
            continue;
        }
        let mut fields = line.splitn(3, ' ');
        let (Some(old), Some(new), Some(name)) = (fields.next(), fields.next(), fields.next())
        else {
            return Err(format!(
                "line {}: expected `<old-id> <new-id> <ref-name>` (what git gives a pre-receive hook)",
                number + 1
            ));
        };
        if !is_object_id(old) || !is_object_id(new) || name.is_empty() {
            return Err(format!(
                "line {}: expected two hexadecimal object ids and a ref name",
                number + 1
            ));
        }
        updates.push(RefUpdate {
            old: old.to_string(),
            new: new.to_string(),
            name: name.to_string(),
        });
    }
    Ok(updates)
}

#[cfg(test)]
mod tests {
    use super::*;

    const ZERO: &str = "0000000000000000000000000000000000000000";
    const A: &str = "1111111111111111111111111111111111111111";

    #[test]
    fn updates_creations_and_deletions() {
        let text = format!(
            "{A} {A} refs/heads/main\n\n{ZERO} {A} refs/heads/new\n{A} {ZERO} refs/tags/old\n"
        );
        let updates = parse_updates(&text).unwrap();
        assert_eq!(updates.len(), 3);
        assert!(!updates[0].is_creation() && !updates[0].is_deletion());
        assert!(updates[1].is_creation());
        assert!(updates[2].is_deletion());
        assert_eq!(updates[2].name, "refs/tags/old");
    }

    #[test]
    fn malformed_lines_are_refused_by_number() {
        for bad in [
            "x",
            "--upload-pack=x y z",
            &format!("{A} {A}"),
            &format!("{A} G{} refs/x", &A[1..]),
        ] {
            let err = parse_updates(&format!("{A} {A} refs/heads/ok\n{bad}\n")).unwrap_err();
            assert!(err.starts_with("line 2:"), "{bad}: {err}");
        }
    }
}
