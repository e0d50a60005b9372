//! `antleak history`: every blob reachable from every ref. (In progress.)

use anyhow::{Result, bail};

use super::Stats;
use crate::finding::Finding;

pub struct Options {
    pub threads: usize,
    pub range: Option<String>,
}

pub struct Scanned {
    pub findings: Vec<Finding>,
    pub shallow: bool,
}

pub fn scan(_repo: &git2::Repository, _options: &Options, _stats: &Stats) -> Result<Scanned> {
    bail!("antleak history is not implemented yet")
}
