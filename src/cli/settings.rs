//! What a run needs, resolved once from the global options: threads,
//! colour, quietness, where the report goes, and the filters a scan applies.

use std::io::IsTerminal;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result};

use super::args::{ColorChoice, GlobalArgs};
use crate::config::{self, Files};
use crate::core::filters::{Baseline, Filters};
use crate::messages;
use crate::report::saved::SavedReport;
use crate::report::{Format, Style};

pub struct Settings {
    pub format: Format,
    pub output: Option<PathBuf>,
    pub config: Option<PathBuf>,
    pub baseline: Option<PathBuf>,
    pub write_baseline: Option<PathBuf>,
    pub show_secrets: bool,
    pub threads: usize,
    pub quiet: bool,
}

impl Settings {
    /// Resolves the options, and sets the process-wide switches they stand
    /// for (quiet warnings, colour).
    pub fn resolve(global: GlobalArgs) -> Result<Settings> {
        messages::set_quiet(global.quiet);
        colored::control::set_override(use_color(global.color, global.output.as_deref()));
        let threads = match global.threads {
            Some(0) => anyhow::bail!("--threads: must be at least 1"),
            Some(n) => n,
            None => std::thread::available_parallelism().map_or(1, |n| n.get()),
        };
        Ok(Settings {
            format: global.format,
            output: global.output,
            config: global.config,
            baseline: global.baseline,
            write_baseline: global.write_baseline,
            show_secrets: global.show_secrets,
            threads,
            quiet: global.quiet,
        })
    }

    pub fn style(&self) -> Style {
        Style {
            format: self.format,
            show_secrets: self.show_secrets,
            quiet: self.quiet,
        }
    }

    /// The allow-list (`--config`, else `.antleak.toml` under `config_root`)
    /// and the baseline (`--baseline`), both read through `files` (as of the
    /// range's base for `history --range`).
    pub fn filters(&self, config_root: Option<&Path>, files: &Files) -> Result<Filters> {
        let allow = config::load_allow(self.config.as_deref(), config_root, files)?;
        let baseline = match &self.baseline {
            None => None,
            Some(path) => Some(
                match files
                    .read(path, true)
                    .with_context(|| format!("{}: cannot read baseline", path.display()))?
                {
                    // Added inside the range: it cannot hide what the range adds.
                    None => Baseline::default(),
                    Some(text) => {
                        Baseline::new(SavedReport::parse(&text, path)?.baseline_entries())
                    }
                },
            ),
        };
        Ok(Filters::new(allow, baseline))
    }
}

/// Colour only for a terminal, unless forced; never into a file unless
/// `--color always`.
fn use_color(choice: ColorChoice, output: Option<&Path>) -> bool {
    match choice {
        ColorChoice::Always => true,
        ColorChoice::Never => false,
        ColorChoice::Auto => {
            output.is_none()
                && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
                && std::io::stdout().is_terminal()
        }
    }
}
