//! The command-line options of `--verify`, `revoke` and `audit`, and their
//! translation into the options of `online`. The base URL is an option on
//! purpose: the command line and the environment are the only places
//! allowed to say where keys go (see [`crate::online::base_url`]).

use std::path::PathBuf;
use std::time::Duration;

use anyhow::{Result, bail};
use clap::{Args, ValueEnum};

use super::args::{FilterArgs, ThreadsArgs};

use crate::online::base_url::BaseUrl;
use crate::online::{revoke, usage, verify};

/// Where and how patiently to call the API.
#[derive(Args, Debug, Clone)]
pub struct ApiArgs {
    /// API base URL [default: $ANTHROPIC_BASE_URL, else https://api.anthropic.com];
    /// plain http only to loopback addresses. Never read from a config file.
    #[arg(long, value_name = "URL")]
    pub api_base_url: Option<String>,
    /// Timeout of each API call, in seconds [default: 10].
    #[arg(long, value_name = "SECONDS")]
    pub api_timeout: Option<f64>,
}

impl ApiArgs {
    pub fn base_url(&self) -> Result<BaseUrl> {
        BaseUrl::from_flag_or_env(self.api_base_url.as_deref())
    }

    pub fn timeout(&self) -> Result<Duration> {
        seconds("--api-timeout", self.api_timeout.unwrap_or(10.0))
    }

    /// The first option given, for a command that will not use it.
    fn given(&self) -> Option<&'static str> {
        if self.api_base_url.is_some() {
            Some("--api-base-url")
        } else if self.api_timeout.is_some() {
            Some("--api-timeout")
        } else {
            None
        }
    }
}

/// `--verify` and its options, on `scan` and `history` (never `staged`: a
/// pre-commit hook must not depend on the network).
#[derive(Args, Debug, Clone)]
pub struct VerifyArgs {
    /// Ask Anthropic's API whether each API or admin key found still works
    /// (free calls that spend no tokens; OAuth and session tokens are never sent).
    #[arg(long)]
    pub verify: bool,
    /// With --verify: the most time all checks together may take, in
    /// seconds [default: 60].
    #[arg(long, value_name = "SECONDS")]
    pub verify_deadline: Option<f64>,
    #[command(flatten)]
    pub api: ApiArgs,
}

impl VerifyArgs {
    /// `None` without `--verify`. Checked before the scan, so a bad URL
    /// fails fast instead of after a long history walk.
    pub fn options(&self) -> Result<Option<verify::Options>> {
        if !self.verify {
            // Said one thing, would have done another: better stop.
            let stray = self
                .api
                .given()
                .or(self.verify_deadline.map(|_| "--verify-deadline"));
            if let Some(flag) = stray {
                bail!("{flag}: only used with --verify");
            }
            return Ok(None);
        }
        Ok(Some(verify::Options {
            base: self.api.base_url()?,
            timeout: self.api.timeout()?,
            deadline: seconds("--verify-deadline", self.verify_deadline.unwrap_or(60.0))?,
        }))
    }
}

/// Which leaked keys `revoke` and `audit` act on.
#[derive(Args, Debug, Clone)]
pub struct LeakedArgs {
    /// An antleak JSON report (`antleak history --format json --output FILE`)
    /// listing the leaked keys; it holds no secret, only their redacted forms.
    #[arg(long, value_name = "FILE", conflicts_with = "repo")]
    pub report: Option<PathBuf>,
    /// Scan this repository's history for leaked keys [default: the current one].
    #[arg(long, value_name = "DIR")]
    pub repo: Option<PathBuf>,
}

#[derive(Args, Debug)]
pub struct RevokeArgs {
    #[command(flatten)]
    pub leaked: LeakedArgs,
    #[command(flatten)]
    pub filters: FilterArgs,
    #[command(flatten)]
    pub threads: ThreadsArgs,
    /// Deactivate without asking (required when not on a terminal).
    #[arg(long, conflicts_with = "dry_run")]
    pub yes: bool,
    /// Show which organization key each leaked key matches; change nothing.
    #[arg(long)]
    pub dry_run: bool,
    #[command(flatten)]
    pub api: ApiArgs,
}

/// `audit` prints a table or a JSON document, not a scan report.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum AuditFormat {
    Human,
    Json,
}

#[derive(Args, Debug)]
pub struct AuditArgs {
    #[command(flatten)]
    pub leaked: LeakedArgs,
    /// Output format.
    #[arg(long, value_enum, default_value_t = AuditFormat::Human)]
    pub format: AuditFormat,
    /// Write the audit to FILE instead of stdout.
    #[arg(long, short = 'o', value_name = "FILE")]
    pub output: Option<PathBuf>,
    #[command(flatten)]
    pub filters: FilterArgs,
    #[command(flatten)]
    pub threads: ThreadsArgs,
    /// Start the audit on this day (YYYY-MM-DD) instead of each key's first
    /// leak (needed for keys whose leak date is unknown, e.g. from `scan`).
    #[arg(long, value_name = "DATE")]
    pub since: Option<String>,
    #[command(flatten)]
    pub api: ApiArgs,
}

impl RevokeArgs {
    pub fn options(&self) -> Result<revoke::Options> {
        Ok(revoke::Options {
            yes: self.yes,
            dry_run: self.dry_run,
            base: self.api.base_url()?,
            timeout: self.api.timeout()?,
        })
    }
}

impl AuditArgs {
    pub fn options(&self) -> Result<usage::Options> {
        Ok(usage::Options {
            since: self.since.clone(),
            base: self.api.base_url()?,
            timeout: self.api.timeout()?,
            json: self.format == AuditFormat::Json,
            output: self.output.clone(),
        })
    }
}

fn seconds(flag: &str, value: f64) -> Result<Duration> {
    if !(value.is_finite() && value > 0.0 && value <= 86_400.0) {
        bail!("{flag}: expected a number of seconds above 0, got {value}");
    }
    Ok(Duration::from_secs_f64(value))
}
