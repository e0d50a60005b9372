//! `antleak staged`: the blobs `git commit` would record. (In progress.)

use anyhow::{Result, bail};

use super::Stats;
use crate::finding::Finding;

pub fn scan(_repo: &git2::Repository, _stats: &Stats) -> Result<Vec<Finding>> {
    bail!("antleak staged is not implemented yet")
}
