//! The layout is part of the design: the pure core stays pure, and the
//! top-level modules form layers in which each uses only those below it.
//! These tests read the source, so a change that breaks either fails here
//! instead of slowly blurring the boundaries.

use std::path::{Path, PathBuf};

/// Bottom first, as `src/lib.rs` lists and explains them. A module may use
/// itself and those before it, never one after it.
const LAYERS: &[&str] = &[
    "core", "messages", "exit", "config", "sources", "report", "online", "hook", "cli",
];

/// What no file of the pure core may name: I/O, git, the network, the
/// terminal, printing, or any module above it.
const FORBIDDEN_IN_CORE: &[&str] = &[
    "std::fs",
    "std::net",
    "std::process",
    "git2",
    "ureq",
    "ignore::",
    "colored",
    "indicatif",
    "println!",
    "eprintln!",
    "print!",
    "eprint!",
    "warn!",
    "stdout",
    "stderr",
];

fn src() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("src")
}

fn rust_files(dir: &Path) -> Vec<PathBuf> {
    let mut files = Vec::new();
    let mut pending = vec![dir.to_path_buf()];
    while let Some(dir) = pending.pop() {
        for entry in std::fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                pending.push(path);
            } else if path.extension().is_some_and(|e| e == "rs") {
                files.push(path);
            }
        }
    }
    files.sort();
    files
}

/// The code of a file without its comments, so prose may name anything.
fn code(text: &str) -> String {
    text.lines()
        .map(|line| &line[..comment_start(line).unwrap_or(line.len())])
        .collect::<Vec<_>>()
        .join("\n")
}

/// Where a `//` comment starts on `line`, outside string literals (a URL
/// in a string is code).
fn comment_start(line: &str) -> Option<usize> {
    let bytes = line.as_bytes();
    let mut in_string = false;
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'\\' if in_string => i += 1,
            b'"' => in_string = !in_string,
            b'/' if !in_string && bytes.get(i + 1) == Some(&b'/') => return Some(i),
            _ => {}
        }
        i += 1;
    }
    None
}

/// The top-level modules `text` refers to through `crate::`.
fn crate_references(text: &str) -> Vec<String> {
    let mut found = Vec::new();
    let mut rest = text;
    while let Some(i) = rest.find("crate::") {
        rest = &rest[i + "crate::".len()..];
        if let Some(group) = rest.strip_prefix('{') {
            // `use crate::{a, b::c};`
            let end = group.find('}').unwrap_or(group.len());
            for item in group[..end].split(',') {
                let name = item.trim().split("::").next().unwrap_or("");
                found.push(name.to_string());
            }
        } else {
            let name: String = rest
                .chars()
                .take_while(|c| c.is_alphanumeric() || *c == '_')
                .collect();
            // `crate::warn!` is the macro `messages` exports at the root.
            found.push(if name == "warn" {
                "messages".into()
            } else {
                name
            });
        }
    }
    found.retain(|name| !name.is_empty());
    found
}

/// The layer a file of `src/` belongs to.
fn layer_of(file: &Path) -> Option<&'static str> {
    let rel = file.strip_prefix(src()).ok()?;
    let first = rel.components().next()?.as_os_str().to_str()?;
    let name = first.strip_suffix(".rs").unwrap_or(first);
    LAYERS.iter().copied().find(|layer| *layer == name)
}

fn violations() -> Vec<String> {
    let mut problems = Vec::new();
    for file in rust_files(&src()) {
        let Some(layer) = layer_of(&file) else {
            continue;
        };
        let text = code(&std::fs::read_to_string(&file).unwrap());
        let rank = LAYERS.iter().position(|l| *l == layer).unwrap();
        for used in crate_references(&text) {
            match LAYERS.iter().position(|l| *l == used) {
                Some(used_rank) if used_rank > rank => problems.push(format!(
                    "{}: `{layer}` uses `{used}`, a layer above it",
                    file.display()
                )),
                _ => {}
            }
        }
        if layer == "core" {
            for name in FORBIDDEN_IN_CORE {
                if text.contains(name) {
                    problems.push(format!("{}: the pure core names `{name}`", file.display()));
                }
            }
        }
    }
    problems
}

#[test]
fn the_core_is_pure_and_every_layer_uses_only_those_below() {
    let problems = violations();
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

#[test]
fn every_top_level_module_has_a_layer() {
    let lib = std::fs::read_to_string(src().join("lib.rs")).unwrap();
    let mut declared: Vec<&str> = lib
        .lines()
        .filter_map(|l| l.strip_prefix("pub mod "))
        .map(|l| l.trim_end_matches(';'))
        .collect();
    let mut layers = LAYERS.to_vec();
    declared.sort();
    layers.sort();
    assert_eq!(declared, layers, "every module of src/lib.rs is in LAYERS");
}

#[test]
fn the_checks_see_what_they_look_for() {
    // The reference scanner itself: a check that finds nothing proves nothing.
    let sample = "use crate::{core::finding, online::verify};\nuse crate::report::Format;\n\
                  crate::warn!(\"x\");\nlet a = \"http://x\"; // crate::cli";
    assert_eq!(
        crate_references(&code(sample)),
        vec!["core", "online", "report", "messages"]
    );
    assert!(code("let x = 1; // std::fs").find("std::fs").is_none());
}
