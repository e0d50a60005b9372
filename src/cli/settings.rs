//! What a run needs, resolved once from the options: quietness and colour
//! (process-wide switches), threads, how a report is rendered, and the
//! filters a scan applies.

use std::io::IsTerminal;
use std::path::Path;

use anyhow::Result;

use super::args::{ColorChoice, FilterArgs, GlobalArgs, ReportArgs, ThreadsArgs};
use crate::config::{self, Files};
use crate::core::filters::{Baseline, Filters};
use crate::messages;
use crate::report::Style;
use crate::report::saved::SavedReport;

/// What every scan of a command runs with.
pub struct Settings<'a> {
    pub quiet: bool,
    pub threads: usize,
    pub filters: &'a FilterArgs,
}

impl<'a> Settings<'a> {
    /// Applies the global options (see [`apply_global`]; `output`: where the
    /// report goes) and resolves the threads (`None`: a command that scans
    /// on one thread).
    pub fn new(
        global: &GlobalArgs,
        output: Option<&Path>,
        threads: Option<&ThreadsArgs>,
        filters: &'a FilterArgs,
    ) -> Result<Settings<'a>> {
        Ok(Settings {
            quiet: apply_global(global, output),
            threads: threads.map_or(Ok(1), ThreadsArgs::resolve)?,
            filters,
        })
    }
}

/// Sets the process-wide switches the global options stand for: quiet
/// warnings, and colour (never into `output` unless forced). Returns quiet.
pub fn apply_global(global: &GlobalArgs, output: Option<&Path>) -> bool {
    messages::set_quiet(global.quiet);
    colored::control::set_override(use_color(global.color, output));
    global.quiet
}

impl ThreadsArgs {
    pub fn resolve(&self) -> Result<usize> {
        match self.threads {
            Some(0) => anyhow::bail!("--threads: must be at least 1"),
            Some(n) => Ok(n),
            None => Ok(std::thread::available_parallelism().map_or(1, |n| n.get())),
        }
    }
}

impl ReportArgs {
    pub fn style(&self, quiet: bool) -> Style {
        Style {
            format: self.format,
            show_secrets: self.show_secrets,
            quiet,
        }
    }
}

impl FilterArgs {
    /// The allow-list (`--config`, else `.antleak.toml` under `config_root`)
    /// and the baseline (`--baseline`), both read through `files` (as of the
    /// range's base for `history --range`).
    pub fn load(&self, config_root: Option<&Path>, files: &Files) -> Result<Filters> {
        let allow = config::load_allow(self.config.as_deref(), config_root, files)?;
        let baseline = match &self.baseline {
            None => None,
            Some(path) => {
                let text = files
                    .read_bounded(path, true, config::MAX_BASELINE_FILE)
                    .map_err(|err| {
                        // Named once: the reader's own error names the path too.
                        anyhow::anyhow!(
                            "{}: cannot read baseline: {}",
                            path.display(),
                            err.root_cause()
                        )
                    })?;
                Some(match text {
                    // Added inside the range: it cannot hide what the range adds.
                    None => Baseline::default(),
                    Some(text) => {
                        Baseline::new(SavedReport::parse(&text, path)?.baseline_entries())
                    }
                })
            }
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
