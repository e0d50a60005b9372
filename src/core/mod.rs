//! The pure core: rules, the one detection entry point, the values that
//! flow to the reports, the recovery plan and the filters.
//!
//! Nothing in here touches the file system, git, the network or the
//! terminal (`tests/architecture.rs` enforces it): bytes, findings and text
//! in, plain values out. That is what the unit tests, the property tests and
//! the fuzz targets exercise, and what every source and report builds on.

pub mod browser_access;
pub mod claude_files;
pub mod coverage;
pub mod detect;
pub mod exposure;
pub mod filters;
pub mod finding;
pub mod forms;
pub mod push;
pub mod quote;
pub mod range;
pub mod redact;
pub mod remediation;
pub mod remote_url;
pub mod rules;
pub mod scanner;
pub mod shard;
pub mod sync;
#[doc(hidden)]
pub mod test_keys;
pub mod time;
pub mod verdict;
