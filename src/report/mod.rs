//! Renders a [`Report`] as human text, JSON or SARIF. The only code that
//! writes to stdout or to `--output`.
//!
//! Files (`--output`, `--write-baseline`) are written to a temporary file in
//! the same directory and renamed into place, so an interrupted scan never
//! leaves half a report.

pub mod human;
pub mod json;
pub mod sarif;

use std::io::{self, Write};
use std::path::Path;

use anyhow::{Context, Result};

use crate::finding::Report;

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
            let stdout = io::stdout();
            let mut out = io::BufWriter::new(stdout.lock());
            render(report, style, &mut out)?;
            out.flush()?;
            Ok(())
        }
        Some(path) => write_file(path, |out| render(report, style, out)),
    }
}

/// Writes a baseline: the JSON report without timings (and, as always,
/// without secrets), so regenerating it on two branches gives the same
/// bytes, hence no merge conflict, and `--baseline` reads it back.
pub fn write_baseline(report: &Report, path: &Path) -> Result<()> {
    write_file(path, |out| json::write_baseline(report, out))
}

pub(crate) fn write_file(
    path: &Path,
    render: impl FnOnce(&mut dyn Write) -> io::Result<()>,
) -> Result<()> {
    let dir = match path.parent() {
        Some(dir) if !dir.as_os_str().is_empty() => dir,
        _ => Path::new("."),
    };
    let mut file = tempfile::NamedTempFile::new_in(dir)
        .with_context(|| format!("{}: cannot create output file", path.display()))?;
    let mut out = io::BufWriter::new(file.as_file_mut());
    render(&mut out)
        .and_then(|()| out.flush())
        .with_context(|| format!("{}: cannot write output", path.display()))?;
    drop(out);
    file.persist(path)
        .with_context(|| format!("{}: cannot write output", path.display()))?;
    Ok(())
}

fn render(report: &Report, style: Style, out: &mut dyn Write) -> io::Result<()> {
    match style.format {
        Format::Human => human::write(report, style, out),
        Format::Json => json::write(report, style, out),
        // SARIF has no way to show secrets: it ignores --show-secrets.
        Format::Sarif => sarif::write(report, out),
    }
}
