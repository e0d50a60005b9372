//! `--shard I/N`: one of N disjoint parts of an audit, so N machines (a CI
//! matrix, a Kubernetes Indexed Job) share the repositories of an
//! organisation and `antleak merge` puts their reports back together.
//!
//! A repository belongs to shard `1 + (h mod N)`, where `h` is the first 8
//! bytes of the SHA-256 of its name (the forge's full name, `org/app`, or
//! the `--repo` value as given): the same on every machine and in every
//! version, whatever order the API lists repositories in, and a repository
//! added to the organisation moves no other.

use sha2::{Digest, Sha256};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Shard {
    /// 1-based.
    pub index: u64,
    pub count: u64,
}

impl Shard {
    pub fn parse(text: &str) -> Result<Shard, String> {
        let bad = || format!("--shard {text}: expected I/N with 1 <= I <= N (e.g. 2/4)");
        let (i, n) = text.trim().split_once('/').ok_or_else(bad)?;
        let (index, count): (u64, u64) = (
            i.trim().parse().map_err(|_| bad())?,
            n.trim().parse().map_err(|_| bad())?,
        );
        if count == 0 || index == 0 || index > count {
            return Err(bad());
        }
        Ok(Shard { index, count })
    }

    /// Whether the repository named `name` is this shard's.
    pub fn holds(&self, name: &str) -> bool {
        let digest = Sha256::digest(name.as_bytes());
        let mut first = [0u8; 8];
        first.copy_from_slice(&digest[..8]);
        u64::from_be_bytes(first) % self.count + 1 == self.index
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shards_are_disjoint_and_cover_everything() {
        let names: Vec<String> = (0..200).map(|i| format!("org/repo-{i}")).collect();
        let shards: Vec<Shard> = (1..=3)
            .map(|i| Shard::parse(&format!("{i}/3")).unwrap())
            .collect();
        for name in &names {
            assert_eq!(shards.iter().filter(|s| s.holds(name)).count(), 1, "{name}");
        }
        assert!(
            shards
                .iter()
                .all(|s| names.iter().filter(|n| s.holds(n)).count() > 40)
        );
        for bad in ["0/3", "4/3", "1/0", "x", "1/", "-1/3"] {
            assert!(Shard::parse(bad).is_err(), "{bad}");
        }
    }
}
