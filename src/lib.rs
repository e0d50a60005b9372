//! antleak finds Anthropic credentials (`sk-ant-…`) and exposed `.env` files
//! in working trees, staged changes and whole git histories, and turns each
//! finding into the owner's recovery checklist.
//!
//! # Data model
//!
//! - **Blob**: a sequence of bytes to scan: a file of a working tree, a staged
//!   blob, or a blob of git history (scanned once however many commits hold it).
//! - **Detection** ([`core::detect`]): the one entry point every source calls:
//!   a blob's bytes (or a reader over them) in, [`core::scanner::Match`]es out
//!   (a credential at a line and column, under the [`core::rules`]).
//! - **Provenance** ([`core::finding::Provenance`]): where a blob came from: a
//!   working-tree file, a staged entry (and whether HEAD holds it already), or
//!   a history blob placed at the earliest commit that brought it to its path.
//! - **Finding** ([`core::finding::Finding`]): a match (or a `.env` file) at a
//!   path, with its provenance.
//! - **Remediation** ([`core::remediation::Plan`]): the runbook for each
//!   distinct credential (by fingerprint, the SHA-256 of the secret): revoke,
//!   regenerate, update `.env`, restart, audit usage since it first leaked.
//! - **Report** ([`report::Report`]): findings, plan and summary, rendered as
//!   human text, JSON or SARIF.
//!
//! # Layout
//!
//! The modules form layers; each uses only those listed before it:
//!
//! 1. [`core`]: pure (no file system, git, network or terminal).
//! 2. [`messages`]: warnings and errors on stderr, sanitised; [`exit`]: the
//!    exit codes.
//! 3. [`config`]: `.antleak.toml`, read from disk or from a commit.
//! 4. [`sources`]: working tree, index, history → findings; never print.
//! 5. [`report`]: renders a report; reads a saved one back.
//! 6. [`online`]: the only code that calls an HTTP API, and only when the
//!    user asks (`--verify`, `revoke`, `audit`, `history --github-org` and
//!    the like). (git itself fetches `history --repo URL`, through
//!    [`sources::clone`].)
//! 7. [`hook`]: installs the pre-commit and pre-receive hooks.
//! 8. [`cli`]: parses arguments, resolves settings, runs one command and
//!    owns the exit code.

pub mod cli;
pub mod config;
pub mod core;
pub mod exit;
pub mod hook;
pub mod messages;
pub mod online;
pub mod report;
pub mod sources;
