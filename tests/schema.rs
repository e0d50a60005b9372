//! docs/report.schema.json, the JSON Schema (draft 2020-12) of the JSON
//! report: every JSON report a test parses (`Run::json`) is validated
//! against it, and these tests check that the schema rejects what the
//! contract forbids.

use std::sync::OnceLock;

use serde_json::Value;

use crate::util::{Sandbox, fake_key};

fn validator() -> &'static jsonschema::Validator {
    static VALIDATOR: OnceLock<jsonschema::Validator> = OnceLock::new();
    VALIDATOR.get_or_init(|| {
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/report.schema.json");
        let text = std::fs::read_to_string(&path).expect("docs/report.schema.json");
        let schema: Value = serde_json::from_str(&text).expect("the schema is JSON");
        jsonschema::options()
            .with_draft(jsonschema::Draft::Draft202012)
            .should_validate_formats(true)
            .build(&schema)
            .unwrap_or_else(|e| panic!("docs/report.schema.json is not a valid schema: {e}"))
    })
}

/// The schema's complaints about `json`, one line each (empty: valid).
pub fn schema_errors(json: &Value) -> Vec<String> {
    validator()
        .iter_errors(json)
        .map(|e| format!("{e} (at {})", e.instance_path()))
        .collect()
}

/// Panics, listing every violation, unless `json` is a report that matches
/// docs/report.schema.json. SARIF logs (`--format sarif`) are not antleak
/// reports: tests/sarif.rs validates them against the SARIF schema.
pub fn assert_report_matches_schema(json: &Value) {
    if json.get("runs").is_some() && json.get("version").is_some() {
        return;
    }
    let errors = schema_errors(json);
    assert!(
        errors.is_empty(),
        "the report does not match docs/report.schema.json:\n  {}\nreport: {json:#}",
        errors.join("\n  ")
    );
}

/// A real history report with a credential and a .env file, parsed without
/// the schema check (the tests below mutate it).
fn history_report() -> Value {
    let sb = Sandbox::new();
    sb.init();
    sb.write("app.py", format!("K = \"{}\"\n", fake_key("api03", 61)));
    sb.write(".env", "A=1\n");
    sb.commit("leak", crate::util::DATE);
    let run = sb.antleak(&["history", "--format", "json"]);
    run.assert_code(1);
    serde_json::from_str(&run.stdout).unwrap()
}

#[test]
fn a_real_report_matches_and_the_schema_rejects_what_the_contract_forbids() {
    let report = history_report();
    assert_eq!(schema_errors(&report), Vec::<String>::new());
    let credential = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .position(|f| f["rule"] == "anthropic-api-key")
        .expect("a credential finding");
    type Mutation = Box<dyn Fn(&mut Value)>;
    let broken: Vec<(&str, Mutation)> = vec![
        (
            "unknown severity",
            Box::new(|r| r["findings"][0]["severity"] = "urgent".into()),
        ),
        (
            "unknown rule",
            Box::new(|r| r["findings"][0]["rule"] = "aws-key".into()),
        ),
        (
            "unknown source",
            Box::new(|r| r["findings"][0]["source"] = "stdin".into()),
        ),
        (
            "line as text",
            Box::new(move |r| r["findings"][credential]["line"] = "1".into()),
        ),
        (
            "no fingerprint",
            Box::new(move |r| {
                r["findings"][credential]
                    .as_object_mut()
                    .unwrap()
                    .remove("fingerprint");
            }),
        ),
        (
            "short fingerprint",
            Box::new(move |r| r["findings"][credential]["fingerprint"] = "abc".into()),
        ),
        (
            "unknown finding field",
            Box::new(|r| r["findings"][0]["colour"] = "red".into()),
        ),
        (
            "no summary",
            Box::new(|r| {
                r.as_object_mut().unwrap().remove("summary");
            }),
        ),
        (
            "negative count",
            Box::new(|r| r["summary"]["blobs_scanned"] = (-1).into()),
        ),
        (
            "complete as text",
            Box::new(|r| r["summary"]["complete"] = "yes".into()),
        ),
        (
            "unknown location",
            Box::new(|r| r["findings"][0]["location"] = "attic".into()),
        ),
        (
            "encoding not a list",
            Box::new(|r| r["findings"][0]["encoding"] = "base64".into()),
        ),
        (
            "schema_version 2",
            Box::new(|r| r["schema_version"] = 2.into()),
        ),
        (
            "unknown verdict",
            Box::new(|r| {
                r["remediation"][0]["verification"] = serde_json::json!({"status": "maybe"});
            }),
        ),
        (
            "bad date",
            Box::new(move |r| r["findings"][credential]["date"] = "yesterday".into()),
        ),
    ];
    for (what, mutate) in broken {
        let mut bad = report.clone();
        mutate(&mut bad);
        assert!(
            !schema_errors(&bad).is_empty(),
            "the schema accepted a report with {what}"
        );
    }
    // The fields colleagues are adding are optional but typed: well-typed
    // values pass.
    let mut extended = report.clone();
    extended["findings"][credential]["location"] = "file".into();
    extended["findings"][credential]["encoding"] = serde_json::json!(["gzip", "base64"]);
    extended["findings"][credential]["exposure"] = "browser".into();
    extended["summary"]["complete"] = true.into();
    extended["summary"]["unscanned"] =
        serde_json::json!([{"what": "submodule", "reason": "not checked out", "count": 1}]);
    extended["summary"]["vanished"] = 0.into();
    extended["summary"]["suppressed"] = serde_json::json!({"allow": 0, "baseline": 2});
    assert_eq!(schema_errors(&extended), Vec::<String>::new());
}
