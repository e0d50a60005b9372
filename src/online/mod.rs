//! The opt-in part of antleak that talks to HTTP APIs: Anthropic's for
//! `--verify` on `scan` and `history`, `antleak revoke` and `antleak audit`;
//! GitHub's and GitLab's for listing an organisation's repositories
//! ([`forges`]: `history --github-org`, `--github-user`, `--gitlab-group`).
//!
//! Everything else in antleak works offline. Nothing in this module runs
//! unless the user asked for it on the command line, and each call site says
//! what leaves the machine:
//!
//! - [`verify`]: each distinct API or admin key found, once, to a free
//!   endpoint that spends no tokens (`GET /v1/models`, `GET
//!   /v1/organizations/me`). OAuth and session tokens are never sent.
//! - [`revoke`] and [`usage`] (`antleak audit`): the admin key from
//!   `ANTHROPIC_ADMIN_KEY` only; leaked keys are identified by the hint the
//!   Console already shows, never sent.
//!
//! Where requests go is decided by [`base_url`] from the command line and the
//! environment only, never from a file inside the scanned repository: a
//! hostile repository must not be able to send the keys it holds to its own
//! server.
//!
//! The layers, bottom up: [`base_url`] (where), [`client`] (how: timeouts,
//! retries, redaction of errors), [`admin`] (the Admin API's wire types),
//! [`leaked`] (which keys, from a saved report or a fresh scan's plan, and
//! matching them to the organization's keys), then one module per command;
//! [`forges`] has its own small client, since its token, pagination and rate
//! limits are a forge's, not Anthropic's.
//! None of it scans: the keys come from the caller (`cli`), as a plan.
//! The verdicts `--verify` produces are core data (`core::verdict`).

pub mod admin;
pub mod base_url;
pub mod client;
pub mod forges;
pub mod leaked;
pub mod prices;
pub mod revoke;
pub mod usage;
pub mod verify;

/// The API version every request announces (`anthropic-version`).
pub const API_VERSION: &str = "2023-06-01";

/// The environment variable `revoke` and `audit` read the admin key from:
/// never a flag, so the key stays out of shell history and `ps`.
pub const ADMIN_KEY_ENV: &str = "ANTHROPIC_ADMIN_KEY";

/// Now, as RFC 3339 UTC to the second (`2026-01-02T03:04:05Z`), the format
/// of every date in antleak's reports.
pub fn now_rfc3339() -> String {
    crate::core::time::rfc3339_utc(time::OffsetDateTime::now_utc().unix_timestamp())
}
