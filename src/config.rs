//! `.antleak.toml` and the settings every command runs with.
//!
//! The file is small on purpose: paths (globs) and fingerprints that are
//! allowed. Unknown keys are an error that names the file and the key, so a
//! typo cannot silently turn an allow-list off.

use std::collections::HashSet;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result};
use globset::{Glob, GlobSet, GlobSetBuilder};
use serde::Deserialize;

use crate::finding::Finding;

/// The default config file name, looked up at the repository root.
pub const CONFIG_FILE: &str = ".antleak.toml";

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct ConfigFile {
    #[serde(default)]
    allow: AllowSection,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct AllowSection {
    #[serde(default)]
    paths: Vec<String>,
    #[serde(default)]
    fingerprints: Vec<String>,
}

/// What `.antleak.toml` allows.
#[derive(Debug, Default)]
pub struct Allow {
    paths: Option<GlobSet>,
    fingerprints: HashSet<String>,
}

impl Allow {
    /// Reads `explicit` if given (it must exist), else `<root>/.antleak.toml`
    /// if it exists, else allows nothing.
    pub fn load(explicit: Option<&Path>, root: Option<&Path>) -> Result<Allow> {
        let path: PathBuf = match (explicit, root) {
            (Some(path), _) => path.to_path_buf(),
            (None, Some(root)) if root.join(CONFIG_FILE).is_file() => root.join(CONFIG_FILE),
            _ => return Ok(Allow::default()),
        };
        let text = std::fs::read_to_string(&path)
            .with_context(|| format!("{}: cannot read config", path.display()))?;
        Allow::parse(&text).with_context(|| format!("{}", path.display()))
    }

    pub fn parse(text: &str) -> Result<Allow> {
        let file: ConfigFile = toml::from_str(text).map_err(|err| {
            // toml's message spans several lines with a source excerpt; the
            // first line says what is wrong, which is what fits on one line.
            anyhow::anyhow!("{}", err.message().lines().next().unwrap_or("invalid TOML"))
        })?;
        let paths = if file.allow.paths.is_empty() {
            None
        } else {
            let mut builder = GlobSetBuilder::new();
            for pattern in &file.allow.paths {
                builder
                    .add(Glob::new(pattern).with_context(|| format!("allow.paths: `{pattern}`"))?);
            }
            Some(builder.build()?)
        };
        let fingerprints = file
            .allow
            .fingerprints
            .iter()
            .map(|f| f.trim().to_ascii_lowercase())
            .collect();
        Ok(Allow {
            paths,
            fingerprints,
        })
    }

    pub fn allows(&self, finding: &Finding) -> bool {
        let path_allowed = self
            .paths
            .as_ref()
            .is_some_and(|set| set.is_match(&finding.path));
        let fingerprint_allowed = finding
            .secret
            .as_ref()
            .is_some_and(|s| self.fingerprints.contains(&s.fingerprint()));
        path_allowed || fingerprint_allowed
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unknown_keys_are_errors_that_name_the_key() {
        let err = Allow::parse("[allow]\npathz = []\n").unwrap_err();
        assert!(format!("{err:#}").contains("pathz"), "{err:#}");
        let err = Allow::parse("[alow]\n").unwrap_err();
        assert!(format!("{err:#}").contains("alow"), "{err:#}");
    }

    #[test]
    fn bad_globs_are_errors() {
        assert!(Allow::parse("[allow]\npaths = [\"a[\"]\n").is_err());
    }
}
