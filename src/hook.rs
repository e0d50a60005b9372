//! `antleak hook install`. (In progress.)

use anyhow::{Result, bail};

pub fn install(_repo: &git2::Repository, _force: bool) -> Result<String> {
    bail!("antleak hook install is not implemented yet")
}
