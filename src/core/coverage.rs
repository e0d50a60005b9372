//! What a scan could not look at: the difference between "nothing found"
//! and "nothing there".
//!
//! Every non-fatal problem of a scan (an unreadable file or directory, a
//! missing object, a ref to nothing, history cut off by a shallow boundary)
//! goes through [`Coverage::record`], once per item: it is warned about
//! once, counted once under its kind (`what`) and cause (`reason`), and makes
//! the scan incomplete. An incomplete scan that found nothing exits 2 with a
//! closing line built by [`closing_line`]: what was not scanned, and the
//! fixes the sources suggested.

use std::collections::HashSet;
use std::sync::Mutex;

/// Inputs of one kind that could not be scanned for one cause.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Unscanned {
    /// Plural noun: `files`, `directories`, `blobs`, `trees`, `commits`,
    /// `refs`, `history`.
    pub what: String,
    pub reason: String,
    pub count: u64,
}

#[derive(Debug, Default)]
pub struct Coverage {
    inner: Mutex<Inner>,
}

#[derive(Debug, Default)]
struct Inner {
    /// Items already recorded (`what` and the item), so that an object met
    /// from two commits is one problem.
    seen: HashSet<(String, String)>,
    unscanned: Vec<Unscanned>,
    fixes: Vec<String>,
}

impl Coverage {
    /// Records that `item` (of kind `what`) was not scanned because of
    /// `reason`; returns false when that item was recorded before.
    pub fn record(&self, what: &str, item: &str, reason: &str) -> bool {
        let mut inner = self.inner.lock().unwrap_or_else(|e| e.into_inner());
        if !inner.seen.insert((what.to_string(), item.to_string())) {
            return false;
        }
        match inner
            .unscanned
            .iter_mut()
            .find(|u| u.what == what && u.reason == reason)
        {
            Some(entry) => entry.count += 1,
            None => inner.unscanned.push(Unscanned {
                what: what.to_string(),
                reason: reason.to_string(),
                count: 1,
            }),
        }
        true
    }

    /// Records a problem that left nothing unscanned; false when `item` was
    /// noted before.
    pub fn note(&self, item: &str) -> bool {
        let mut inner = self.inner.lock().unwrap_or_else(|e| e.into_inner());
        inner.seen.insert(("note".to_string(), item.to_string()))
    }

    /// A way to scan what was missed (a command to run); each said once.
    pub fn add_fix(&self, fix: String) {
        let mut inner = self.inner.lock().unwrap_or_else(|e| e.into_inner());
        if !inner.fixes.contains(&fix) {
            inner.fixes.push(fix);
        }
    }

    pub fn unscanned(&self) -> Vec<Unscanned> {
        let inner = self.inner.lock().unwrap_or_else(|e| e.into_inner());
        inner.unscanned.clone()
    }

    pub fn fixes(&self) -> Vec<String> {
        let inner = self.inner.lock().unwrap_or_else(|e| e.into_inner());
        inner.fixes.clone()
    }

    /// How many items of kind `what` were recorded so far.
    pub fn count(&self, what: &str) -> u64 {
        let inner = self.inner.lock().unwrap_or_else(|e| e.into_inner());
        inner
            .unscanned
            .iter()
            .filter(|u| u.what == what)
            .map(|u| u.count)
            .sum()
    }
}

/// `3 blobs (missing from the object database), 1 directory (permission
/// denied)`.
pub fn describe(unscanned: &[Unscanned]) -> String {
    unscanned
        .iter()
        .map(|u| format!("{} {} ({})", u.count, noun(&u.what, u.count), u.reason))
        .collect::<Vec<_>>()
        .join(", ")
}

/// The line that ends an incomplete scan: what was not scanned and how to
/// scan it.
pub fn closing_line(unscanned: &[Unscanned], fixes: &[String]) -> String {
    let mut line = format!("incomplete scan: not scanned: {}", describe(unscanned));
    if fixes.is_empty() {
        line.push_str("; see the warnings above, fix what they name and scan again");
    } else {
        line.push_str(". To fix: ");
        line.push_str(&fixes.join("; "));
    }
    line
}

fn noun(what: &str, count: u64) -> String {
    if count != 1 {
        return what.to_string();
    }
    if let Some(stem) = what.strip_suffix("ies") {
        format!("{stem}y")
    } else if let Some(stem) = what.strip_suffix('s') {
        stem.to_string()
    } else {
        what.to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_item_is_counted_once_and_grouped_by_kind_and_reason() {
        let coverage = Coverage::default();
        assert!(coverage.record("trees", "t1", "missing"));
        assert!(!coverage.record("trees", "t1", "missing"));
        assert!(coverage.record("trees", "t2", "missing"));
        assert!(coverage.record("directories", "d", "permission denied"));
        let unscanned = coverage.unscanned();
        assert_eq!(
            describe(&unscanned),
            "2 trees (missing), 1 directory (permission denied)"
        );
        assert_eq!(coverage.count("trees"), 2);
    }
}
