//! `--format sarif`: the SARIF 2.1.0 contract GitHub code scanning relies on.

use crate::contract::sarif;
use crate::util::*;

#[test]
fn sarif_carries_rules_with_help_locations_and_fingerprints_but_no_secret() {
    let sb = Sandbox::new();
    sb.init();
    let key = fake_key("admin01", 1);
    sb.write("src/config.py", format!("\nADMIN = \"{key}\"\n"));
    sb.write(".env", "DB=1\n");
    sb.git(&["add", "-A"]);
    let run = sb.antleak(&["scan", "--format", "sarif", "--show-secrets"]);
    run.assert_code(1).assert_hides(&key);
    let sarif = sarif::decode(&run.stdout);
    assert_eq!(sarif.version, "2.1.0");
    let [run0] = &sarif.runs[..] else {
        panic!("one run expected")
    };
    assert_eq!(run0.tool.driver.name, "antleak");
    let admin_rule = run0
        .tool
        .driver
        .rules
        .iter()
        .find(|r| r.id == "anthropic-admin-key")
        .unwrap();
    let help = &admin_rule.help.text;
    assert!(
        help.starts_with("1. Revoke") && help.contains("5. Audit"),
        "{help}"
    );
    assert_eq!(admin_rule.properties.security_severity, "9.5");
    assert_eq!(admin_rule.name, "AnthropicAdminKey");

    let ids: Vec<&str> = run0.results.iter().map(|r| r.rule_id.as_str()).collect();
    assert_eq!(ids, vec!["dotenv-committed", "anthropic-admin-key"]);
    let key_result = &run0.results[1];
    assert_eq!(key_result.level, "error");
    let location = &key_result.locations[0].physical_location;
    assert_eq!(location.artifact_location.uri, "src/config.py");
    assert_eq!(
        (location.region.start_line, location.region.start_column),
        (2, Some(10))
    );
    assert_eq!(location.region.end_column, Some(10 + key.len() as u64));
    let fingerprint = &key_result.partial_fingerprints["antleak/credential-sha256/v1"];
    assert_eq!(fingerprint, &sha256_hex(&key));
    assert_eq!(key_result.properties["fingerprint"], fingerprint.as_str());
    assert!(!key_result.message.text.contains(&key[20..50]));
    let dotenv_region = &run0.results[0].locations[0].physical_location.region;
    assert_eq!(
        (dotenv_region.start_line, dotenv_region.start_column),
        (1, None)
    );
}

#[test]
fn the_same_key_keeps_its_fingerprint_when_it_moves() {
    let sb = Sandbox::new();
    let key = fake_key("api03", 2);
    sb.write("a.py", format!("K = '{key}'\n"));
    let before = sb.antleak(&["scan", "--format", "sarif"]).json();
    sb.write("a.py", format!("# moved\n\n\nK = '{key}'\n"));
    let after = sb.antleak(&["scan", "--format", "sarif"]).json();
    let fp = |s: &serde_json::Value| s["runs"][0]["results"][0]["partialFingerprints"].clone();
    assert_eq!(fp(&before), fp(&after));
    assert_eq!(
        after["runs"][0]["results"][0]["locations"][0]["physicalLocation"]["region"]["startLine"],
        4
    );
}

/// Validates against the SARIF 2.1.0 schema and Microsoft's SARIF rules with
/// the SARIF Multitool (npm `@microsoft/sarif-multitool`), which `.ci/run`
/// installs and names in `SARIF_MULTITOOL`. Without it, this test says so
/// and checks nothing more than the structural tests above.
#[test]
fn sarif_validates_against_the_schema_with_the_sarif_multitool() {
    let Some(multitool) = std::env::var_os("SARIF_MULTITOOL") else {
        crate::skip::missing_tool(
            "SARIF_MULTITOOL is not set: no SARIF schema validation (.ci/run installs the npm \
             package @microsoft/sarif-multitool and sets it)",
        );
        return;
    };
    let sb = Sandbox::new();
    sb.init();
    sb.write("config.py", format!("K = '{}'\n", fake_key("api03", 3)));
    sb.write(".env", "A=1\n");
    sb.git(&["add", "-A"]);
    sb.antleak(&["scan", "--format", "sarif", "--output", "out.sarif"])
        .assert_code(1);
    let out = std::process::Command::new(multitool)
        .args(["validate", "out.sarif", "--output", "validation.sarif"])
        .current_dir(&sb.root)
        .output()
        .expect("the SARIF Multitool runs");
    let log = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{log}");
    assert!(!log.contains(": error "), "{log}");
    // informationUri (SARIF2005) would need a project homepage, and a
    // whole-file finding has no end position (SARIF2017): the only ones allowed.
    for line in log.lines().filter(|l| l.contains(": warning ")) {
        assert!(
            line.contains("SARIF2005") || line.contains("SARIF2017"),
            "{line}"
        );
    }
}
