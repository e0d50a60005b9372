//! The [`Report`] of a scan, and its rendering as human text, JSON or SARIF:
//! the only code that writes a scan's results to stdout or to `--output`.
//!
//! Regular files (`--output`, `--write-baseline`) are written to a temporary
//! file in the same directory and renamed into place, so an interrupted scan
//! never leaves half a report. Anything else (`/dev/null`, `/dev/stdout`, a
//! FIFO) is written in place: renaming over it would replace the device with
//! a regular file, which for `/dev/null` as root breaks the whole machine.

pub mod human;
pub mod json;
pub mod sarif;
pub mod saved;

use std::collections::HashMap;
use std::fs;
use std::io::{self, Write};
use std::os::unix::fs::FileTypeExt;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};

use crate::core::finding::Finding;
use crate::core::remediation::Plan;

/// The command whose scan a report shows: decides its wording.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Command {
    Scan,
    Staged,
    History,
}

impl Command {
    pub fn as_str(self) -> &'static str {
        match self {
            Command::Scan => "scan",
            Command::Staged => "staged",
            Command::History => "history",
        }
    }
}

/// Counts that describe how much was scanned.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Summary {
    pub findings: u64,
    pub files_scanned: u64,
    pub blobs_scanned: u64,
    pub bytes_scanned: u64,
    pub unreadable: u64,
    pub elapsed_ms: u64,
    /// History only: the repository is a shallow clone, so older commits were
    /// not there to scan.
    pub shallow: Option<bool>,
    /// Everything asked for was scanned (`unscanned` is empty).
    pub complete: bool,
    /// What could not be scanned, by kind and cause.
    pub unscanned: Vec<crate::core::coverage::Unscanned>,
    /// How to scan what was missed, as the sources suggested.
    pub fixes: Vec<String>,
    /// Files that disappeared while the scan ran.
    pub vanished: u64,
    /// Findings dropped by allow rules and by the baseline.
    pub suppressed_allow: u64,
    pub suppressed_baseline: u64,
}

/// Everything a report writer needs.
#[derive(Debug)]
pub struct Report {
    pub command: Command,
    pub findings: Vec<Finding>,
    pub remediation: Plan,
    pub summary: Summary,
    pub uri_base: Option<UriBase>,
}

/// Where the files of a report are, for consumers that resolve paths from
/// the repository root (SARIF's `originalUriBaseIds`): the repository root
/// (or the scanned directory outside a repository), and for each scanned
/// root, by the `root` its findings carry, the path from there to it.
#[derive(Debug)]
pub struct UriBase {
    pub dir: PathBuf,
    pub prefixes: HashMap<Option<String>, String>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    Human,
    Json,
    Sarif,
}

/// How a report is rendered.
#[derive(Clone, Copy, Debug)]
pub struct Style {
    pub format: Format,
    pub show_secrets: bool,
    pub quiet: bool,
}

/// Writes the report to `output`, or to stdout when `None`.
pub fn write(report: &Report, style: Style, output: Option<&Path>) -> Result<()> {
    match output {
        None => {
            if !stdout_is_open() {
                bail!("stdout is closed: the report has nowhere to go (use --output FILE)");
            }
            let stdout = io::stdout();
            let mut out = io::BufWriter::new(stdout.lock());
            render(report, style, &mut out)
                .and_then(|()| out.flush())
                .context("stdout: cannot write the report")
        }
        Some(path) => write_file(path, |out| render(report, style, out)),
    }
}

/// Whether stdout was open when antleak started. Rust's runtime reopens a
/// closed descriptor 1 (`antleak scan >&-`) on `/dev/null` before `main`,
/// so the report would vanish and the exit code say it had been read. That
/// descriptor is recognisable: `/dev/null` opened read-write, where a shell's
/// `>/dev/null` opens it write-only.
pub fn stdout_is_open() -> bool {
    use std::os::unix::fs::MetadataExt;
    // SAFETY: F_GETFL only reads the descriptor's flags.
    let flags = unsafe { libc::fcntl(1, libc::F_GETFL) };
    if flags == -1 {
        return false;
    }
    if flags & libc::O_ACCMODE != libc::O_RDWR {
        return true;
    }
    // SAFETY: borrowed for the duration of this call only; 1 is open.
    let fd = unsafe { std::os::fd::BorrowedFd::borrow_raw(1) };
    let Ok(owned) = fd.try_clone_to_owned() else {
        return false;
    };
    let stdout = fs::File::from(owned).metadata();
    let null = fs::metadata("/dev/null");
    !matches!((stdout, null), (Ok(a), Ok(b)) if a.file_type().is_char_device() && a.rdev() == b.rdev())
}

/// Writes a baseline: the JSON report without timings (and, as always,
/// without secrets), so regenerating it on two branches gives the same
/// bytes, hence no merge conflict, and `--baseline` reads it back.
pub fn write_baseline(report: &Report, path: &Path) -> Result<()> {
    write_file(path, |out| {
        redacting(true, out, |text| json::write_baseline(report, text))
    })
}

pub(crate) fn write_file(
    path: &Path,
    render: impl FnOnce(&mut dyn Write) -> io::Result<()>,
) -> Result<()> {
    match fs::metadata(path) {
        Ok(meta) if !meta.is_file() => write_in_place(path, render),
        // Through a symlink: replace the file it points at, keep the link.
        Ok(_) => {
            let target = fs::canonicalize(path)
                .with_context(|| format!("{}: cannot resolve output path", path.display()))?;
            write_atomically(&target, path, render)
        }
        Err(err) if err.kind() == io::ErrorKind::NotFound => write_atomically(path, path, render),
        Err(err) => Err(err).with_context(|| format!("{}: cannot write output", path.display())),
    }
}

fn write_atomically(
    target: &Path,
    shown: &Path,
    render: impl FnOnce(&mut dyn Write) -> io::Result<()>,
) -> Result<()> {
    let dir = match target.parent() {
        Some(dir) if !dir.as_os_str().is_empty() => dir,
        _ => Path::new("."),
    };
    if !dir.is_dir() {
        bail!("{}: no such directory: {}", shown.display(), dir.display());
    }
    // The error names the kind only: the temporary file's name means nothing
    // to the user.
    let mut file = temporary_beside(target, dir)
        .map_err(|err| io::Error::from(err.kind()))
        .with_context(|| format!("{}: cannot create output file", shown.display()))?;
    let mut out = io::BufWriter::new(file.as_file_mut());
    render(&mut out)
        .and_then(|()| out.flush())
        .with_context(|| format!("{}: cannot write output", shown.display()))?;
    drop(out);
    file.persist(target)
        .with_context(|| format!("{}: cannot write output", shown.display()))?;
    Ok(())
}

/// A temporary file in `dir` that will replace `target`, with the mode the
/// replaced file had, or for a new file the mode the umask gives (reports
/// hold no secret; tempfile's private 0600 would surprise whoever reads the
/// report next, a CI artifact upload among them).
fn temporary_beside(target: &Path, dir: &Path) -> io::Result<tempfile::NamedTempFile> {
    let mut builder = tempfile::Builder::new();
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = match fs::metadata(target) {
            Ok(meta) => meta.permissions().mode() & 0o7777,
            // open(2) applies the umask to this.
            Err(_) => 0o666,
        };
        builder.permissions(fs::Permissions::from_mode(mode));
    }
    let file = builder.tempfile_in(dir)?;
    #[cfg(unix)]
    if let Ok(meta) = fs::metadata(target) {
        // The umask applied at creation too; the old file's mode wins.
        fs::set_permissions(file.path(), meta.permissions())?;
    }
    Ok(file)
}

fn write_in_place(
    path: &Path,
    render: impl FnOnce(&mut dyn Write) -> io::Result<()>,
) -> Result<()> {
    let file = fs::OpenOptions::new()
        .write(true)
        .open(path)
        .with_context(|| format!("{}: cannot open output", path.display()))?;
    let mut out = io::BufWriter::new(file);
    render(&mut out)
        .and_then(|()| out.flush())
        .with_context(|| format!("{}: cannot write output", path.display()))
}

fn render(report: &Report, style: Style, out: &mut dyn Write) -> io::Result<()> {
    // SARIF has no way to show secrets: it ignores --show-secrets.
    let redact = !style.show_secrets || style.format == Format::Sarif;
    redacting(redact, out, |text| match style.format {
        Format::Human => human::write(report, style, text),
        Format::Json => json::write(report, style, text),
        Format::Sarif => sarif::write(report, text),
    })
}

/// Runs a writer, then (when `redact`) redacts any credential in what it
/// wrote. The writers print secrets only in their redacted form, but a key
/// can also sit where no report field expects one — in a file name, a
/// commit author — and those are printed as they are.
fn redacting(
    redact: bool,
    out: &mut dyn Write,
    write: impl FnOnce(&mut dyn Write) -> io::Result<()>,
) -> io::Result<()> {
    if !redact {
        return write(out);
    }
    let mut text = Vec::new();
    write(&mut text)?;
    let text = String::from_utf8(text).map_err(io::Error::other)?;
    out.write_all(crate::core::redact::redact(&text).as_bytes())
}
