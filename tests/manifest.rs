//! The package manifest: what `cargo package` and the profiles rely on.

use std::path::Path;

fn read(rel: &str) -> String {
    std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join(rel)).unwrap()
}

/// A `[profile.dev.package.X]` that names no crate of the dependency graph
/// makes cargo warn on every build (and `cargo package`); one that names a
/// crate dropped from the graph would silently stop optimising it.
#[test]
fn every_crate_optimised_in_dev_builds_is_in_the_lock_file() {
    let manifest: toml::Table = toml::from_str(&read("Cargo.toml")).unwrap();
    let lock: toml::Table = toml::from_str(&read("Cargo.lock")).unwrap();
    let locked: Vec<&str> = lock["package"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["name"].as_str().unwrap())
        .collect();
    let optimised = manifest["profile"]["dev"]["package"].as_table().unwrap();
    assert!(optimised.len() > 10, "{optimised:?}");
    for name in optimised.keys() {
        assert!(
            locked.contains(&name.as_str()),
            "{name} is not in Cargo.lock"
        );
    }
}

/// What the packaged crate must carry for its build and tests: the hook
/// script the binary embeds, and the files the tests read.
#[test]
fn the_package_includes_what_the_build_and_the_tests_read() {
    let manifest: toml::Table = toml::from_str(&read("Cargo.toml")).unwrap();
    let include: Vec<&str> = manifest["package"]["include"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap())
        .collect();
    for needed in [
        "/src/**",
        "/hooks/pre-commit",
        "/tests/**",
        "/docs/**",
        "/fixtures/**",
        "/scripts/github-action.sh",
        "/.pre-commit-hooks.yaml",
        "/Cargo.lock",
    ] {
        assert!(include.contains(&needed), "{needed} missing from include");
    }
}
