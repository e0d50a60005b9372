//! `history` reads git metadata too: commit messages, annotated tag
//! messages, author identities, ref names and file names hold keys that no
//! later commit removes.

use crate::contract::{self, Finding};
use crate::util::*;

fn history_json(sb: &Sandbox, args: &[&str]) -> (Run, contract::Report) {
    let mut all = vec!["history", "--format", "json"];
    all.extend_from_slice(args);
    let run = sb.antleak(&all);
    let report = run.report();
    (run, report)
}

fn at<'r>(report: &'r contract::Report, location: &str) -> Vec<&'r Finding> {
    report
        .findings
        .iter()
        .filter(|f| f.location.as_deref() == Some(location))
        .collect()
}

#[test]
fn keys_in_messages_identities_ref_names_and_file_names_are_found() {
    let sb = Sandbox::repo_with_readme();
    let [message, tag, author, branch, file] =
        [300, 301, 302, 303, 304].map(|seed| fake_key("api03", seed));
    sb.write("a.txt", "1\n");
    let commit = sb.commit(
        &format!("fix the client\n\ntemporary: ANTHROPIC_API_KEY={message}\n"),
        "2024-04-01T00:00:00Z",
    );
    sb.git(&["tag", "-a", "v1", "-m", &format!("release\n\nkey {tag}")]);
    sb.write("b.txt", "2\n");
    sb.commit_as(
        "by a bot",
        "2024-04-02T00:00:00Z",
        (&author, "bot@example.com"),
    );
    sb.git(&["branch", &branch]);
    sb.write(&format!("keys/{file}.txt"), "named after it\n");
    sb.commit("a file named after a key", "2024-04-03T00:00:00Z");

    let (run, report) = history_json(&sb, &[]);
    run.assert_code(1);
    for key in [&message, &tag, &author, &branch, &file] {
        run.assert_hides(key);
    }
    let fingerprints = |location: &str| -> Vec<String> {
        at(&report, location)
            .iter()
            .filter_map(|f| f.fingerprint.clone())
            .collect()
    };
    assert_eq!(fingerprints("commit-message"), vec![sha256_hex(&message)]);
    assert_eq!(fingerprints("tag-message"), vec![sha256_hex(&tag)]);
    assert_eq!(fingerprints("identity"), vec![sha256_hex(&author)]);
    assert_eq!(fingerprints("ref-name"), vec![sha256_hex(&branch)]);
    assert_eq!(fingerprints("path-name"), vec![sha256_hex(&file)]);

    // A message finding names the commit that holds it, the line of the
    // message, and no path: no file holds it.
    let m = at(&report, "commit-message")[0];
    assert_eq!(m.commit.as_deref(), Some(commit.as_str()));
    assert_eq!((m.path.as_deref(), m.line), (None, Some(3)));
    assert_eq!(m.date.as_deref(), Some("2024-04-01T00:00:00Z"));
    assert_eq!(
        at(&report, "tag-message")[0].path.as_deref(),
        Some("refs/tags/v1")
    );

    // The runbook says what removing it involves.
    let entry = (report.remediation.iter())
        .find(|r| r.fingerprint == sha256_hex(&message))
        .unwrap();
    assert!(entry.steps[0].contains("a commit message") && entry.steps[0].contains("Rotating"));
    let human = sb.antleak(&["history", "--color", "never"]);
    assert!(
        human.stdout.contains("commit message, line 3"),
        "{}",
        human.stdout
    );
    human.assert_hides(&message);
}

#[test]
fn a_range_reads_the_messages_of_its_commits_only() {
    let sb = Sandbox::repo_with_readme();
    let old = fake_key("api03", 310);
    let new = fake_key("api03", 311);
    sb.commit(&format!("old {old}"), "2024-05-01T00:00:00Z");
    let base = sb.git(&["rev-parse", "HEAD"]).trim().to_string();
    sb.commit(&format!("new {new}"), "2024-05-02T00:00:00Z");
    let (run, report) = history_json(&sb, &["--range", &format!("{base}..HEAD")]);
    run.assert_code(1);
    let found: Vec<_> = report
        .findings
        .iter()
        .filter_map(|f| f.fingerprint.clone())
        .collect();
    assert_eq!(found, vec![sha256_hex(&new)]);
}

#[test]
fn metadata_findings_obey_allow_rules_the_baseline_and_placeholders() {
    let sb = Sandbox::repo_with_readme();
    let squashed = fake_key("api03", 320);
    let allowed = fake_key("api03", 321);
    let encoded = base64(&format!("token={}", fake_key("api03", 322)));
    sb.commit(
        &format!("squash merge of #12\n\nremoved {squashed}"),
        "2024-06-01T00:00:00Z",
    );
    sb.commit(
        &format!("docs\n\nexample {allowed} antleak:allow"),
        "2024-06-02T00:00:00Z",
    );
    sb.commit(
        "docs: use sk-ant-api03-XXXXXXXX or <your_key>",
        "2024-06-03T00:00:00Z",
    );
    sb.commit(&format!("ci secret {encoded}"), "2024-06-04T00:00:00Z");
    let (_, report) = history_json(&sb, &[]);
    let found: Vec<(String, Option<Vec<String>>)> = report
        .findings
        .iter()
        .map(|f| (f.fingerprint.clone().unwrap(), f.encoding.clone()))
        .collect();
    assert_eq!(
        found.len(),
        2,
        "the squashed key and the base64 one, nothing else: {found:?}"
    );
    assert!(found.contains(&(sha256_hex(&squashed), None)));
    // A squash merge that pasted a key into the message fails CI forever
    // unless it can be accepted like any finding: by fingerprint.
    sb.write(
        ".antleak.toml",
        format!("[allow]\nfingerprints = [\"{}\"]\n", sha256_hex(&squashed)),
    );
    let (_, report) = history_json(&sb, &[]);
    assert_eq!(report.findings.len(), 1, "{report:#?}");
    assert_eq!(
        report.findings[0].encoding.as_deref(),
        Some(&["base64".to_string()][..])
    );
    sb.antleak(&["history", "--write-baseline", "b.json"]);
    sb.antleak(&["history", "--baseline", "b.json"])
        .assert_code(0);
}

#[test]
fn sarif_names_the_commit_of_a_message_with_a_logical_location() {
    let sb = Sandbox::repo_with_readme();
    let key = fake_key("admin01", 330);
    let commit = sb.commit(&format!("oops {key}"), "2024-07-01T00:00:00Z");
    let run = sb.antleak(&["history", "--format", "sarif"]);
    run.assert_code(1).assert_hides(&key);
    let sarif: serde_json::Value = serde_json::from_str(&run.stdout).unwrap();
    let result = &sarif["runs"][0]["results"][0];
    let location = &result["locations"][0];
    assert!(location.get("physicalLocation").is_none(), "{location}");
    assert_eq!(
        location["logicalLocations"][0]["name"],
        format!("commit {}", &commit[..12])
    );
    assert_eq!(result["properties"]["location"], "commit-message");
}

fn base64(text: &str) -> String {
    use std::io::Write;
    let mut child = std::process::Command::new("base64")
        .args(["-w", "0"])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(text.as_bytes())
        .unwrap();
    String::from_utf8(child.wait_with_output().unwrap().stdout).unwrap()
}
