//! Tests that need a tool this machine may not have (the pre-commit
//! framework, the SARIF Multitool) skip loudly, and never in CI.

/// Call when a test cannot run because `why`: prints `SKIPPED: why` on
/// stderr, so a skip is never mistaken for a pass, and panics instead when the
/// environment variable `CI` is `true` (as `.ci/run` and GitHub Actions set
/// it): there, a missing tool is a broken CI setup, not a reason to skip.
pub fn missing_tool(why: &str) {
    if std::env::var("CI").is_ok_and(|v| v == "true") {
        panic!("CI=true and {why}: install it (.ci/run does) instead of skipping this test");
    }
    // Written to the process's stderr itself, not through `eprintln!`, which
    // the test harness captures and shows only for failed tests.
    use std::io::Write;
    let _ = writeln!(std::io::stderr(), "SKIPPED: {why}");
}
