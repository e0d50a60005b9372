//! `--format sarif`: the SARIF 2.1.0 contract GitHub code scanning relies on.

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
    let sarif = run.json();
    assert_eq!(sarif["version"], "2.1.0");
    assert_eq!(sarif["runs"].as_array().unwrap().len(), 1);
    let run0 = &sarif["runs"][0];
    let rules = run0["tool"]["driver"]["rules"].as_array().unwrap();
    let admin_rule = rules
        .iter()
        .find(|r| r["id"] == "anthropic-admin-key")
        .unwrap();
    let help = admin_rule["help"]["text"].as_str().unwrap();
    assert!(
        help.starts_with("1. Revoke") && help.contains("5. Audit"),
        "{help}"
    );
    assert_eq!(admin_rule["properties"]["security-severity"], "9.5");

    let results = run0["results"].as_array().unwrap();
    let ids: Vec<&str> = results
        .iter()
        .map(|r| r["ruleId"].as_str().unwrap())
        .collect();
    assert_eq!(ids, vec!["dotenv-committed", "anthropic-admin-key"]);
    let key_result = &results[1];
    assert_eq!(key_result["level"], "error");
    let location = &key_result["locations"][0]["physicalLocation"];
    assert_eq!(location["artifactLocation"]["uri"], "src/config.py");
    assert_eq!(location["region"]["startLine"], 2);
    assert_eq!(location["region"]["startColumn"], 10);
    let fingerprint = key_result["partialFingerprints"]["antleak/credential-sha256/v1"]
        .as_str()
        .unwrap();
    assert_eq!(fingerprint, key_result["properties"]["fingerprint"]);
    assert_eq!(fingerprint.len(), 64);
    let dotenv_region = &results[0]["locations"][0]["physicalLocation"]["region"];
    assert_eq!(dotenv_region["startLine"], 1);
    assert!(dotenv_region.get("startColumn").is_none());
    assert_eq!(admin_rule["name"], "AnthropicAdminKey");
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
