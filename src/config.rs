//! `.antleak.toml` and the settings every command runs with.
//!
//! The file is small on purpose: paths (globs) and fingerprints that are
//! allowed. Unknown keys are an error that names the file and the key, so a
//! typo cannot silently turn an allow-list off.
//!
//! It also holds `[prices."<model>"]` for `antleak audit`'s cost estimate,
//! and `[limits]` for how far archives and encodings are expanded (a limit
//! reached is reported, never silent, so a hostile file cannot hide a key).
//! Nothing in it decides where antleak sends anything: the file may come
//! from the repository being scanned, and a hostile one must not be able to
//! redirect keys (see `online::base_url`).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result};
use serde::Deserialize;

use crate::core::detect::Limits;
use crate::core::filters::Allow;

/// The default config file name, looked up at the repository root.
pub const CONFIG_FILE: &str = ".antleak.toml";

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct ConfigFile {
    #[serde(default)]
    allow: AllowSection,
    #[serde(default)]
    prices: BTreeMap<String, PriceEntry>,
    #[serde(default)]
    limits: LimitsSection,
}

/// `[limits]`: each key a field of [`Limits`], the default where absent.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct LimitsSection {
    max_depth: Option<u32>,
    max_archive_members: Option<u64>,
    max_inflated_bytes: Option<u64>,
    max_archive_bytes: Option<u64>,
}

/// The `[limits]` of the config file (`explicit`, else
/// `<root>/.antleak.toml` if it exists); the defaults for what it omits.
pub fn load_limits(explicit: Option<&Path>, root: Option<&Path>) -> Result<Limits> {
    let path: PathBuf = match (explicit, root) {
        (Some(path), _) => path.to_path_buf(),
        (None, Some(root)) => root.join(CONFIG_FILE),
        (None, None) => return Ok(Limits::default()),
    };
    let section = match Files::Disk.read(&path, explicit.is_some())? {
        Some(text) => {
            parse_file(&text)
                .with_context(|| format!("{}", path.display()))?
                .limits
        }
        None => LimitsSection::default(),
    };
    let d = Limits::default();
    Ok(Limits {
        max_depth: section.max_depth.unwrap_or(d.max_depth),
        max_archive_members: section.max_archive_members.unwrap_or(d.max_archive_members),
        max_inflated_bytes: section.max_inflated_bytes.unwrap_or(d.max_inflated_bytes),
        max_archive_bytes: section.max_archive_bytes.unwrap_or(d.max_archive_bytes),
        ..d
    })
}

/// `[prices."<model>"]`: list prices in USD per million tokens, for the
/// estimate of `antleak audit`. Cache prices default to the usual multiples
/// of the input price (read 0.1×, 5-minute write 1.25×, 1-hour write 2×).
#[derive(Clone, Debug, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PriceEntry {
    pub input_per_mtok: f64,
    pub output_per_mtok: f64,
    pub cache_read_per_mtok: Option<f64>,
    pub cache_write_5m_per_mtok: Option<f64>,
    pub cache_write_1h_per_mtok: Option<f64>,
}

/// The `[prices]` of the config file (`explicit`, else `<root>/.antleak.toml`
/// if it exists), keyed by model name or model-name prefix.
pub fn load_prices(
    explicit: Option<&Path>,
    root: Option<&Path>,
) -> Result<BTreeMap<String, PriceEntry>> {
    let path: PathBuf = match (explicit, root) {
        (Some(path), _) => path.to_path_buf(),
        (None, Some(root)) => root.join(CONFIG_FILE),
        (None, None) => return Ok(BTreeMap::new()),
    };
    match Files::Disk.read(&path, explicit.is_some())? {
        Some(text) => Ok(parse_file(&text)
            .with_context(|| format!("{}", path.display()))?
            .prices),
        None => Ok(BTreeMap::new()),
    }
}

fn parse_file(text: &str) -> Result<ConfigFile> {
    toml::from_str(text).map_err(|err| {
        // toml's message spans several lines with a source excerpt; the
        // first line says what is wrong, which is what fits on one line.
        anyhow::anyhow!("{}", err.message().lines().next().unwrap_or("invalid TOML"))
    })
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct AllowSection {
    #[serde(default)]
    paths: Vec<String>,
    #[serde(default)]
    fingerprints: Vec<String>,
}

/// What `explicit` allows if given (it must exist), else
/// `<root>/.antleak.toml` if it exists, else nothing.
pub fn load_allow(explicit: Option<&Path>, root: Option<&Path>, files: &Files) -> Result<Allow> {
    let path: PathBuf = match (explicit, root) {
        (Some(path), _) => path.to_path_buf(),
        (None, Some(root)) => root.join(CONFIG_FILE),
        (None, None) => return Ok(Allow::default()),
    };
    match files.read(&path, explicit.is_some())? {
        Some(text) => parse_allow(&text).with_context(|| format!("{}", path.display())),
        None => Ok(Allow::default()),
    }
}

pub fn parse_allow(text: &str) -> Result<Allow> {
    let file = parse_file(text)?;
    let allow = Allow::new(&file.allow.paths, &file.allow.fingerprints)?;
    for pattern in &allow.matching_everything {
        crate::warn!(
            "allow.paths: `{}` matches every path: nothing will ever be reported",
            crate::messages::escape_control(pattern)
        );
    }
    Ok(allow)
}

/// A config file or baseline is read only as a regular file of at most
/// this size: a symlink to `/dev/zero` or `/dev/stdin` in a scanned
/// repository must not eat memory or hang.
pub const MAX_CONFIG_FILE: u64 = 1 << 20;
/// Baselines list every accepted finding: more room.
pub const MAX_BASELINE_FILE: u64 = 64 << 20;

/// Reads the files that decide what is allowed: `.antleak.toml` and the
/// baseline.
///
/// For `history --range A..B` they are read as of the range's base commit
/// `A`, for every file inside the repository: otherwise a pull request could
/// allow-list its own leak by adding an allow rule or a baseline entry in the
/// same commits. Files outside the repository (chosen by whoever runs CI) are
/// read from disk.
pub enum Files<'r> {
    Disk,
    AsOf {
        repo: &'r git2::Repository,
        tree: git2::Tree<'r>,
        /// The work tree, to place paths inside the repository.
        workdir: Option<PathBuf>,
    },
}

impl<'r> Files<'r> {
    /// The files of `history --range A..B`, read as of `A`.
    pub fn as_of_range_base(repo: &'r git2::Repository, range: &str) -> Result<Files<'r>> {
        crate::core::range::split_range(range)?;
        let fail = |err: git2::Error| anyhow::anyhow!("--range {range}: {}", err.message());
        let spec = repo.revparse(range).map_err(fail)?;
        let base = spec
            .from()
            .ok_or_else(|| anyhow::anyhow!("--range {range}: expected A..B"))?;
        Ok(Files::AsOf {
            repo,
            tree: base.peel_to_tree().map_err(fail)?,
            workdir: repo.workdir().map(Path::to_path_buf),
        })
    }

    /// The file's text; `None` when it does not exist and `required` is false.
    pub fn read(&self, path: &Path, required: bool) -> Result<Option<String>> {
        self.read_bounded(path, required, MAX_CONFIG_FILE)
    }

    /// As [`read`](Self::read), refusing anything but a regular file of at
    /// most `limit` bytes.
    pub fn read_bounded(&self, path: &Path, required: bool, limit: u64) -> Result<Option<String>> {
        let too_big = || {
            anyhow::anyhow!(
                "{}: larger than {} KiB, not read as a config file",
                path.display(),
                limit >> 10
            )
        };
        if let Files::AsOf {
            repo,
            tree,
            workdir,
        } = self
            && let Some(rel) = inside(path, workdir.as_deref())
        {
            let Ok(entry) = tree.get_path(&rel) else {
                // Absent at the base: added inside the range, so it cannot
                // allow anything the range adds.
                if required {
                    crate::warn!(
                        "{}: not in the base commit of --range; ignored for this scan",
                        path.display()
                    );
                }
                return Ok(None);
            };
            if entry.filemode() != 0o100644 && entry.filemode() != 0o100755 {
                anyhow::bail!("{}: not a regular file in the base commit", path.display());
            }
            let blob = repo
                .find_blob(entry.id())
                .with_context(|| format!("{}: not a file in the base commit", path.display()))?;
            if blob.size() as u64 > limit {
                return Err(too_big());
            }
            return Ok(Some(String::from_utf8_lossy(blob.content()).into_owned()));
        }
        use std::io::Read;
        use std::os::unix::fs::OpenOptionsExt;
        // Non-blocking, so that opening a FIFO does not wait for a writer;
        // what was opened is then checked, not the name (no race).
        let file = match std::fs::OpenOptions::new()
            .read(true)
            .custom_flags(libc::O_NONBLOCK)
            .open(path)
        {
            Ok(file) => file,
            Err(err) if err.kind() == std::io::ErrorKind::NotFound && !required => return Ok(None),
            Err(err) => {
                return Err(err).with_context(|| format!("{}: cannot read", path.display()));
            }
        };
        let metadata = file
            .metadata()
            .with_context(|| format!("{}: cannot read", path.display()))?;
        if !metadata.is_file() {
            // `--config /dev/null`: the usual way to say "no config".
            if is_dev_null(&metadata) {
                return Ok(Some(String::new()));
            }
            anyhow::bail!("{}: not a regular file", path.display());
        }
        if metadata.len() > limit {
            return Err(too_big());
        }
        let mut bytes = Vec::new();
        file.take(limit + 1)
            .read_to_end(&mut bytes)
            .with_context(|| format!("{}: cannot read", path.display()))?;
        if bytes.len() as u64 > limit {
            return Err(too_big());
        }
        match String::from_utf8(bytes) {
            Ok(text) => Ok(Some(text)),
            Err(_) => anyhow::bail!("{}: not UTF-8 text", path.display()),
        }
    }
}

/// Whether `metadata` is that of `/dev/null` (a character device with its
/// device number), which reads as empty and never blocks.
fn is_dev_null(metadata: &std::fs::Metadata) -> bool {
    use std::os::unix::fs::{FileTypeExt, MetadataExt};
    metadata.file_type().is_char_device()
        && std::fs::metadata("/dev/null").is_ok_and(|null| null.rdev() == metadata.rdev())
}

/// `path` relative to the work tree, if it lies inside it.
fn inside(path: &Path, workdir: Option<&Path>) -> Option<PathBuf> {
    let workdir = workdir?.canonicalize().ok()?;
    let absolute = match path.parent() {
        Some(parent) if !parent.as_os_str().is_empty() => {
            parent.canonicalize().ok()?.join(path.file_name()?)
        }
        _ => std::env::current_dir()
            .ok()?
            .canonicalize()
            .ok()?
            .join(path),
    };
    absolute.strip_prefix(&workdir).ok().map(Path::to_path_buf)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unknown_keys_are_errors_that_name_the_key() {
        let err = parse_allow("[allow]\npathz = []\n").unwrap_err();
        assert!(format!("{err:#}").contains("pathz"), "{err:#}");
        let err = parse_allow("[alow]\n").unwrap_err();
        assert!(format!("{err:#}").contains("alow"), "{err:#}");
    }

    #[test]
    fn prices_are_read_and_checked() {
        let file =
            parse_file("[prices.\"claude-x\"]\ninput_per_mtok = 3.0\noutput_per_mtok = 15\n")
                .unwrap();
        assert_eq!(file.prices["claude-x"].output_per_mtok, 15.0);
        assert!(parse_allow("[prices.m]\ninput_per_mtok = 1.0\n").is_err());
        assert!(
            parse_allow("[prices.m]\ninput_per_mtok = 1\noutput_per_mtok = 1\nurl = 1\n").is_err()
        );
    }

    #[test]
    fn bad_globs_are_errors() {
        assert!(parse_allow("[allow]\npaths = [\"a[\"]\n").is_err());
    }
}
