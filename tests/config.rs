//! `.antleak.toml` allow-lists and `--baseline`: what is accepted stays quiet,
//! anything new is reported, and a bad file is exit 2 naming it.

use crate::util::*;

#[test]
fn allowed_paths_and_fingerprints_are_not_reported() {
    let sb = Sandbox::new();
    sb.init();
    let doc_key = fake_key("api03", 1);
    let known = fake_key("api03", 2);
    let fresh = fake_key("api03", 3);
    sb.write("docs/examples/quickstart.md", &doc_key);
    sb.write("tests/fixture.py", &known);
    sb.write("app.py", &fresh);
    let fingerprint =
        sb.antleak(&["scan", "tests", "--format", "json"]).json()["findings"][0]["fingerprint"]
            .as_str()
            .unwrap()
            .to_string();
    sb.write(
        ".antleak.toml",
        format!("[allow]\npaths = [\"docs/examples/**\"]\nfingerprints = [\"{fingerprint}\"]\n"),
    );
    let run = sb.antleak(&["scan", "--format", "json"]);
    run.assert_code(1);
    assert_eq!(
        rules_paths_lines(&run.json()),
        vec![("anthropic-api-key".into(), "app.py".into(), Some(1))]
    );
    // --config points elsewhere: the repository's file no longer applies.
    sb.write("empty.toml", "");
    let run = sb.antleak(&["scan", "--format", "json", "--config", "empty.toml"]);
    assert_eq!(run.json()["findings"].as_array().unwrap().len(), 3);
}

#[test]
fn allowed_path_globs_mean_the_same_whichever_directory_is_scanned() {
    let sb = Sandbox::new();
    sb.init();
    let example = fake_key("api03", 4);
    let real = fake_key("api03", 5);
    sb.write("docs/example.md", &example);
    sb.write("svc/docs/real.py", &real);
    sb.write(".antleak.toml", "[allow]\npaths = [\"docs/**\"]\n");
    let reported = |dir: &str, args: &[&str]| -> Vec<String> {
        let mut all = vec!["scan", "--format", "json"];
        all.extend_from_slice(args);
        let run = sb.antleak_in(dir, &all);
        let report = run.json();
        report["findings"]
            .as_array()
            .unwrap()
            .iter()
            .map(|f| f["path"].as_str().unwrap().to_string())
            .collect()
    };
    // The globs are written from the repository root, where the file is.
    assert_eq!(reported(".", &[]), ["svc/docs/real.py"]);
    assert_eq!(reported(".", &["svc"]), ["docs/real.py"]);
    assert_eq!(reported("svc", &[]), ["docs/real.py"]);
    assert_eq!(reported(".", &["docs"]), Vec::<String>::new());
    assert_eq!(reported(".", &["docs/example.md"]), Vec::<String>::new());
    // A bare file name in a subdirectory still finds the repository's file.
    assert_eq!(reported("docs", &["example.md"]), Vec::<String>::new());
    // Several roots: paths are relative to each (here svc/docs).
    assert_eq!(reported("svc", &["docs", "../docs"]), ["real.py"]);
}

#[test]
fn config_errors_are_exit_2_naming_the_file_and_the_key() {
    let sb = Sandbox::new();
    sb.init();
    sb.write(".antleak.toml", "[allow]\npath = [\"docs/**\"]\n");
    let run = sb.antleak(&["scan"]);
    run.assert_code(2);
    assert_eq!(run.stderr.lines().count(), 1, "{}", run.stderr);
    assert!(
        run.stderr.contains(".antleak.toml") && run.stderr.contains("`path`"),
        "{}",
        run.stderr
    );

    sb.write(".antleak.toml", "[allow\n");
    let run = sb.antleak(&["scan"]);
    run.assert_code(2);
    assert_eq!(run.stderr.lines().count(), 1, "{}", run.stderr);
    assert!(run.stderr.contains(".antleak.toml"));

    let run = sb.antleak(&["scan", "--config", "missing.toml"]);
    run.assert_code(2);
    assert!(run.stderr.contains("missing.toml"));
}

#[test]
fn baseline_round_trip_ignores_moved_keys_but_not_a_new_key_on_the_same_line() {
    let sb = Sandbox::new();
    let old = fake_key("api03", 10);
    sb.write("settings.py", format!("KEY = '{old}'\n"));
    sb.write(".env.production", "A=1\n");
    let run = sb.antleak(&["scan", "--format", "json", "--output", "baseline.json"]);
    run.assert_code(1);
    let baseline = std::fs::read_to_string(sb.path("baseline.json")).unwrap();
    assert_hidden(&baseline, &old);

    // The same key moved down and to another file: still known.
    sb.write("settings.py", format!("# header\n\n\nKEY = '{old}'\n"));
    sb.write("other.py", format!("K = '{old}'\n"));
    let run = sb.antleak(&["scan", "--baseline", "baseline.json", "--format", "json"]);
    run.assert_code(0);

    // A different key on the very line the old one was on: new.
    let new = fake_key("api03", 11);
    sb.write("settings.py", format!("# header\n\n\nKEY = '{new}'\n"));
    let run = sb.antleak(&["scan", "--baseline", "baseline.json", "--format", "json"]);
    run.assert_code(1);
    assert_eq!(
        rules_paths_lines(&run.json()),
        vec![("anthropic-api-key".into(), "settings.py".into(), Some(4))]
    );
}

#[test]
fn write_baseline_gives_identical_bytes_on_every_run_and_reads_back() {
    let sb = Sandbox::new();
    sb.init();
    let key = fake_key("api03", 12);
    sb.write("a.py", &key);
    sb.write("big.txt", "filler\n".repeat(200_000));
    sb.write(".env", "A=1\n");
    sb.git(&["add", "-A"]);
    sb.antleak(&["scan", "--write-baseline", "one.json", "--show-secrets"])
        .assert_code(1);
    // The tree changes (the first baseline is in it now), the findings do not.
    sb.write("docs/new.md", "more text\n");
    sb.antleak(&["scan", "--write-baseline", "two.json"])
        .assert_code(1);
    let one = std::fs::read_to_string(sb.path("one.json")).unwrap();
    assert_eq!(one, std::fs::read_to_string(sb.path("two.json")).unwrap());
    assert_hidden(&one, &key);
    let summary = &serde_json::from_str::<serde_json::Value>(&one).unwrap()["summary"];
    assert_eq!(
        (summary["findings"].as_u64(), summary["elapsed_ms"].as_u64()),
        (Some(2), Some(0))
    );
    sb.antleak(&["scan", "--baseline", "one.json"])
        .assert_code(0);
}

#[test]
fn a_baseline_that_is_not_an_antleak_report_is_exit_2() {
    let sb = Sandbox::new();
    sb.write("a.py", "x = 1\n");
    sb.write("gitleaks.json", "[{\"RuleID\": \"x\"}]");
    let run = sb.antleak(&["scan", "--baseline", "gitleaks.json"]);
    run.assert_code(2);
    assert_eq!(run.stderr.lines().count(), 1, "{}", run.stderr);
    assert!(
        run.stderr
            .contains("gitleaks.json: not an antleak JSON report"),
        "{}",
        run.stderr
    );
    let run = sb.antleak(&["scan", "--baseline", "nope.json"]);
    run.assert_code(2);
    assert!(run.stderr.contains("nope.json"));
}

#[test]
fn a_range_cannot_allow_list_its_own_leak() {
    let sb = Sandbox::new();
    sb.init();
    let key = fake_key("api03", 20);
    sb.write("README.md", "hello\n");
    let base = sb.commit("base", "2024-01-01T00:00:00Z");
    sb.write("app.py", format!("KEY = '{key}'\n"));
    let fingerprint =
        sb.antleak(&["scan", "--format", "json"]).json()["findings"][0]["fingerprint"]
            .as_str()
            .unwrap()
            .to_string();
    // The same commits that add the key add an allow rule and a baseline.
    sb.write(
        ".antleak.toml",
        format!("[allow]\nfingerprints = [\"{fingerprint}\"]\n"),
    );
    sb.antleak(&[
        "scan",
        "--config",
        "/dev/null",
        "--format",
        "json",
        "-o",
        "baseline.json",
    ]);
    let head = sb.commit("add key, allow it", "2024-02-01T00:00:00Z");
    let range = format!("{base}..{head}");

    let run = sb.antleak(&["history", "--range", &range, "--format", "json"]);
    run.assert_code(1).assert_hides(&key);
    let findings = run.json()["findings"].as_array().unwrap().clone();
    assert!(
        findings
            .iter()
            .any(|f| f["fingerprint"] == fingerprint.as_str())
    );
    let run = sb.antleak(&[
        "history",
        "--range",
        &range,
        "--baseline",
        "baseline.json",
        "--format",
        "json",
    ]);
    run.assert_code(1);
    assert!(
        run.stderr.contains("baseline.json: not in the base commit"),
        "{}",
        run.stderr
    );

    // Without --range (an audit of the whole history) the repository's own
    // allow-list applies.
    sb.antleak(&["history", "--format", "json"]).assert_code(0);
    // And a rule that was already in the base commit applies to the range.
    let later = sb.commit("nothing", "2024-03-01T00:00:00Z");
    sb.write("more.py", format!("AGAIN = '{key}'\n"));
    let last = sb.commit("reuse the allowed key", "2024-04-01T00:00:00Z");
    let run = sb.antleak(&[
        "history",
        "--range",
        &format!("{later}..{last}"),
        "--format",
        "json",
    ]);
    run.assert_code(0);
}

#[test]
fn refreshing_a_baseline_in_place_keeps_what_it_held_adds_the_new_and_drops_the_gone() {
    let sb = Sandbox::new();
    sb.init();
    let old = fake_key("api03", 140);
    let gone = fake_key("api03", 141);
    sb.write("old.py", format!("K = '{old}'\n"));
    sb.write("gone.py", format!("K = '{gone}'\n"));
    sb.git(&["add", "-A"]);
    let args = ["scan", "--baseline", "b.json", "--write-baseline", "b.json"];
    sb.antleak(&["scan", "--write-baseline", "b.json"])
        .assert_code(1);

    let new = fake_key("api03", 142);
    std::fs::remove_file(sb.path("gone.py")).unwrap();
    sb.write("new.py", format!("K = '{new}'\n"));
    let refresh = sb.antleak(&args);
    refresh.assert_code(1);
    assert!(
        refresh
            .stderr
            .contains("b.json: 1 known and still found, 1 new, 1 no longer found"),
        "{}",
        refresh.stderr
    );
    let baseline = std::fs::read_to_string(sb.path("b.json")).unwrap();
    for (key, held) in [(&old, true), (&new, true), (&gone, false)] {
        assert_eq!(baseline.contains(&sha256_hex(key)), held, "{baseline}");
    }
    // Read back, it hides both the old and the new key: nothing resurfaces.
    sb.antleak(&args).assert_code(0);
}
