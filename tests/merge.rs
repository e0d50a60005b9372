//! `antleak merge`: JSON reports of separate runs (shards, one per
//! repository) combined into the report one run over all of them writes,
//! with the exit code that report calls for.

use std::collections::BTreeSet;

use serde_json::Value;

use crate::util::*;

/// Two repositories under the sandbox, `a` and `b`: `a` leaks key 1 in
/// 2023 and key 2; `b` leaks key 1 again (in 2021: its earliest leak) and a
/// `.env` file.
fn two_repositories(sb: &Sandbox) -> (String, String) {
    let (one, two) = (fake_key("api03", 151), fake_key("api03", 152));
    for dir in ["a", "b"] {
        sb.git(&["init", "-q", "-b", "main", dir]);
    }
    sb.write("a/app.py", format!("KEY = \"{one}\"\nOTHER = \"{two}\"\n"));
    commit(sb, "a", "2023-06-01T00:00:00Z");
    sb.write("b/old.py", format!("KEY = \"{one}\"\n"));
    sb.write("b/.env", "DATABASE_URL=postgres://db/app\n");
    commit(sb, "b", "2021-02-03T00:00:00Z");
    (one, two)
}

fn commit(sb: &Sandbox, dir: &str, date: &str) {
    sb.git_in(dir, &["add", "-A"]);
    let mut cmd = sb.git_command(&sb.path(dir), &["commit", "-q", "-m", "c"]);
    cmd.env("GIT_AUTHOR_DATE", date)
        .env("GIT_COMMITTER_DATE", date);
    assert!(cmd.output().unwrap().status.success());
}

/// Findings without what differs between runs, as a set.
fn finding_set(report: &Value) -> BTreeSet<String> {
    report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f.to_string())
        .collect()
}

fn remediation_set(report: &Value) -> BTreeSet<String> {
    report["remediation"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r.to_string())
        .collect()
}

#[test]
fn merging_two_reports_equals_one_run_over_both_repositories() {
    let sb = Sandbox::new();
    let (one, _) = two_repositories(&sb);
    let both = sb.antleak(&["history", "--repo", "a", "--repo", "b", "--format", "json"]);
    both.assert_code(1);
    let both = both.json();
    for dir in ["a", "b"] {
        let run = sb.antleak(&[
            "history",
            "--repo",
            dir,
            "--format",
            "json",
            "-o",
            &format!("{dir}.json"),
        ]);
        run.assert_code(1);
    }
    let merged = sb.antleak(&["merge", "a.json", "b.json"]);
    merged.assert_code(1);
    merged.assert_hides(&one);
    let merged = merged.json();
    assert_eq!(finding_set(&merged), finding_set(&both));
    assert_eq!(remediation_set(&merged), remediation_set(&both));
    // Key 1 leaked in both: one runbook, from b's earlier leak.
    let fingerprint = sha256_hex(&one);
    let entries: Vec<&Value> = merged["remediation"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["fingerprint"] == fingerprint.as_str())
        .collect();
    assert_eq!(entries.len(), 1);
    assert!(
        entries[0]["first_leaked"]
            .as_str()
            .unwrap()
            .starts_with("2021-02-03")
    );
    assert_eq!(merged["dotenv_remediation"], both["dotenv_remediation"]);
    for field in ["findings", "blobs_scanned", "bytes_scanned"] {
        assert_eq!(merged["summary"][field], both["summary"][field], "{field}");
    }
    assert_eq!(merged["summary"]["complete"], true);
    // -o writes the same report to a file.
    sb.antleak(&["merge", "b.json", "a.json", "-o", "merged.json"])
        .assert_code(1);
    let written: Value =
        serde_json::from_str(&std::fs::read_to_string(sb.path("merged.json")).unwrap()).unwrap();
    assert_eq!(finding_set(&written), finding_set(&both));
}

#[test]
fn the_exit_code_is_the_merged_reports() {
    let sb = Sandbox::new();
    for dir in ["c", "d"] {
        sb.git(&["init", "-q", "-b", "main", dir]);
        sb.write(&format!("{dir}/README.md"), "clean\n");
        commit(&sb, dir, DATE);
        sb.antleak(&[
            "history",
            "--repo",
            dir,
            "--format",
            "json",
            "-o",
            &format!("{dir}.json"),
        ])
        .assert_code(0);
    }
    let clean = sb.antleak(&["merge", "c.json", "d.json"]);
    clean.assert_code(0);
    assert_eq!(clean.json()["findings"].as_array().unwrap().len(), 0);
    // A report of one named repository says which, for merge to name it.
    let c: Value =
        serde_json::from_str(&std::fs::read_to_string(sb.path("c.json")).unwrap()).unwrap();
    assert_eq!(c["root"], "c");
    // An incomplete input makes the merged report incomplete: exit 2, and
    // the closing line says what was not scanned.
    let mut incomplete: Value =
        serde_json::from_str(&std::fs::read_to_string(sb.path("d.json")).unwrap()).unwrap();
    incomplete["summary"]["complete"] = Value::Bool(false);
    incomplete["summary"]["unscanned"] =
        serde_json::json!([{"what": "repositories", "reason": "clone failed", "count": 1}]);
    std::fs::write(sb.path("e.json"), incomplete.to_string()).unwrap();
    let run = sb.antleak(&["merge", "c.json", "e.json"]);
    run.assert_code(2);
    assert!(
        run.stderr.contains("1 repository (clone failed)"),
        "{}",
        run.stderr
    );
    let report = run.json();
    assert_eq!(report["summary"]["complete"], false);
    assert_eq!(report["summary"]["unscanned"][0]["count"], 1);
}

#[test]
fn what_is_not_an_antleak_report_of_this_schema_is_exit_2_naming_the_file() {
    let sb = Sandbox::new();
    sb.git(&["init", "-q", "-b", "main", "c"]);
    sb.antleak(&["history", "--repo", "c", "--format", "json", "-o", "c.json"])
        .assert_code(0);
    let good: Value =
        serde_json::from_str(&std::fs::read_to_string(sb.path("c.json")).unwrap()).unwrap();
    let mut newer = good.clone();
    newer["schema_version"] = 2.into();
    let mut other_tool = good.clone();
    other_tool["tool"]["name"] = "gitleaks".into();
    let mut scan = good.clone();
    scan["command"] = "scan".into();
    sb.write("newer.json", newer.to_string())
        .write("other.json", other_tool.to_string())
        .write("scan.json", scan.to_string())
        .write("notjson.json", "[1, 2");
    for (file, says) in [
        ("newer.json", "schema_version"),
        ("other.json", "gitleaks"),
        ("notjson.json", "not an antleak JSON report"),
        ("missing.json", "cannot read report"),
        ("scan.json", "one command"),
    ] {
        let run = sb.antleak(&["merge", "c.json", file]);
        run.assert_code(2);
        assert_eq!(run.stderr.lines().count(), 1, "{}", run.stderr);
        assert!(
            run.stderr.contains(file) && run.stderr.contains(says),
            "{file}: {}",
            run.stderr
        );
    }
    sb.antleak(&["merge"]).assert_code(2);
}
