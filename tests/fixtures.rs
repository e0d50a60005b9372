//! fixtures/: static, non-secret inputs. The placeholder documents stay
//! quiet; the templates, once a run-time key is spliced in, do not.

use std::path::{Path, PathBuf};

use crate::util::{Sandbox, fake_key, sha256_hex};

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures")
}

#[test]
fn scanning_fixtures_finds_nothing_and_exits_0() {
    let dir = fixtures();
    let placeholders = std::fs::read_to_string(dir.join("placeholders/README-example.md")).unwrap();
    // The documents really hold key-like placeholders for the scanner to refuse.
    assert!(
        placeholders.matches("sk-ant-").count() >= 5,
        "{placeholders}"
    );
    let sb = Sandbox::new();
    let run = sb.antleak(&["scan", dir.to_str().unwrap(), "--format", "json"]);
    run.assert_code(0);
    let report = run.json();
    assert_eq!(
        report["findings"].as_array().map(Vec::len),
        Some(0),
        "{report:#}"
    );
    let scanned = report["summary"]["files_scanned"].as_u64().unwrap();
    assert!(scanned >= 3, "only {scanned} files scanned: {report:#}");
}

#[test]
fn a_template_with_a_run_time_key_in_its_slot_is_a_finding() {
    let template = std::fs::read_to_string(fixtures().join("templates/settings.py.tmpl")).unwrap();
    assert!(template.contains("{{ANTHROPIC_API_KEY}}"));
    let key = fake_key("api03", 91);
    let sb = Sandbox::new();
    sb.write(
        "settings.py",
        template.replace("{{ANTHROPIC_API_KEY}}", &key),
    );
    let run = sb.antleak(&["scan", "--format", "json"]);
    run.assert_code(1);
    run.assert_hides(&key);
    let report = run.json();
    let finding = &report["findings"][0];
    assert_eq!(finding["path"], "settings.py");
    assert_eq!(finding["line"], 5);
    assert_eq!(finding["fingerprint"], sha256_hex(&key).as_str());
}
