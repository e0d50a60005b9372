//! `--range A..B`, as text: the one shape of range antleak walks.

use anyhow::Result;

/// `A..B` as (A, B); `A...B` (a symmetric difference, which libgit2 cannot
/// walk) and other shapes are errors that say to use `A..B`.
pub fn split_range(range: &str) -> Result<Option<(&str, &str)>> {
    if let Some((from, to)) = range.split_once("...") {
        anyhow::bail!(
            "--range {range}: symmetric ranges (A...B) are not supported; use A..B, the commits \
             of B that A lacks (e.g. {}..{})",
            if from.is_empty() { "HEAD" } else { from },
            if to.is_empty() { "HEAD" } else { to }
        );
    }
    Ok(range
        .split_once("..")
        .filter(|(from, to)| !from.is_empty() && !to.is_empty()))
}

#[cfg(test)]
mod tests {
    use super::split_range;

    #[test]
    fn a_dot_dot_b_splits_and_a_symmetric_range_is_refused() {
        assert_eq!(split_range("a..b").unwrap(), Some(("a", "b")));
        assert_eq!(split_range("a").unwrap(), None);
        let err = split_range("main...HEAD").unwrap_err().to_string();
        assert!(
            err.contains("use A..B") && err.contains("main..HEAD"),
            "{err}"
        );
    }
}
