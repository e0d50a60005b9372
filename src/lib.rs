//! antleak finds Anthropic credentials (`sk-ant-…`) and exposed `.env` files
//! in working trees, staged changes and whole git histories, and turns each
//! finding into the owner's recovery checklist.
//!
//! # Data model
//!
//! - **Blob**: a sequence of bytes to scan: a file of a working tree, a staged
//!   blob, or a blob of git history (scanned once however many commits hold it).
//! - **Match** ([`scanner::Match`]): a credential at a line and column of a blob,
//!   found by the pure [`scanner`] under the [`rules`].
//! - **Finding** ([`finding::Finding`]): a match (or a `.env` file) placed at a
//!   path, with its provenance: the command that found it and, for history, the
//!   earliest commit that introduced it.
//! - **Remediation** ([`remediation::Remediation`]): the runbook for one distinct
//!   credential (by fingerprint, the SHA-256 of the secret): revoke, regenerate,
//!   update `.env`, restart, audit usage since it first leaked.
//! - **Report** ([`finding::Report`]): findings, remediation and summary, rendered
//!   by [`report`] as human text or JSON.
//!
//! # Layout
//!
//! `rules`, `scanner` and `remediation` are pure: bytes or findings in, values
//! out. `sources` do the I/O (files, index, history) and never print. `report`
//! is the only writer of stdout for scans. `cli` owns the exit code.
//! [`anthropic`] is the only code that uses the network, and only when the
//! user asks (`--verify`, `revoke`, `audit`).

pub mod anthropic;
pub mod baseline;
pub mod cli;
pub mod config;
pub mod filters;
pub mod finding;
pub mod forms;
pub mod hook;
pub mod messages;
pub mod progress;
pub mod remediation;
pub mod report;
pub mod rules;
pub mod scanner;
pub mod sources;
#[cfg(test)]
mod test_keys;
