//! A key found however it is stored: encoded (base64, nested, wrapped; hex;
//! UTF-16), glued into bytecode, archived (zip and what is built on it, tar,
//! gzip, nested) — with the inputs built at test time by the crates that
//! write those formats, the real binary run over them, and the report
//! saying where the key really is without ever holding it in any form.

use std::io::{Cursor, Write};

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use serde_json::Value;

use crate::util::*;

fn zip_of(files: &[(&str, &[u8])]) -> Vec<u8> {
    let mut zip = zip::ZipWriter::new(Cursor::new(Vec::new()));
    for (name, data) in files {
        zip.start_file(*name, zip::write::SimpleFileOptions::default())
            .unwrap();
        zip.write_all(data).unwrap();
    }
    zip.finish().unwrap().into_inner()
}

fn gzip(data: &[u8]) -> Vec<u8> {
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    gz.write_all(data).unwrap();
    gz.finish().unwrap()
}

fn tar_of(files: &[(&str, &[u8])]) -> Vec<u8> {
    let mut tar = tar::Builder::new(Vec::new());
    for (name, data) in files {
        let mut header = tar::Header::new_ustar();
        header.set_size(data.len() as u64);
        header.set_mode(0o644);
        header.set_cksum();
        tar.append_data(&mut header, name, *data).unwrap();
    }
    tar.into_inner().unwrap()
}

/// (rule, path, encoding, line, column) of a finding.
type Row = (String, String, Vec<String>, Option<u64>, Option<u64>);

/// The rows of a report's findings, in report order.
fn rows(report: &Value) -> Vec<Row> {
    report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            let encoding = f["encoding"].as_array().map_or_else(Vec::new, |steps| {
                steps
                    .iter()
                    .map(|s| s.as_str().unwrap().to_string())
                    .collect()
            });
            (
                f["rule"].as_str().unwrap().to_string(),
                f["path"].as_str().unwrap().to_string(),
                encoding,
                f["line"].as_u64(),
                f["column"].as_u64(),
            )
        })
        .collect()
}

fn row(rule: &str, path: &str, encoding: &[&str], line: u64, column: u64) -> Row {
    let encoding = encoding.iter().map(|s| s.to_string()).collect();
    (rule.into(), path.into(), encoding, Some(line), Some(column))
}

const API: &str = "anthropic-api-key";

/// A tree holding one key in every form, each file with its expected row.
fn every_form(sb: &Sandbox) -> (Vec<String>, Vec<Row>) {
    let keys: Vec<String> = (0..12).map(|i| fake_key("api03", 7000 + i)).collect();
    let b64 = |s: &str| STANDARD.encode(s);
    sb.write(
        "k8s/secret.yaml",
        format!(
            "apiVersion: v1\nkind: Secret\ndata:\n  ANTHROPIC_API_KEY: {}\n",
            b64(&keys[0])
        ),
    );
    let auth = b64(&format!("ci-bot:{}", keys[1]));
    sb.write(
        "docker/config.json",
        format!("{{\n  \"auths\": {{\n    \"ghcr.io\": {{\"auth\": \"{auth}\"}}\n  }}\n}}\n"),
    );
    let nested = format!(
        "{{\"auths\":{{\"ghcr.io\":{{\"auth\":\"{}\"}}}}}}",
        b64(&format!("ci-bot:{}", keys[2]))
    );
    sb.write(
        "k8s/pull.yaml",
        format!(
            "kind: Secret\ntype: kubernetes.io/dockerconfigjson\ndata:\n  .dockerconfigjson: {}\n",
            b64(&nested)
        ),
    );
    // A whole .env piped through `base64` (wrapped at 76) in a YAML block.
    let env = b64(&format!("DEBUG=1\nANTHROPIC_API_KEY={}\n", keys[3]));
    let wrapped: String = env
        .as_bytes()
        .chunks(76)
        .map(|c| format!("    {}\n", std::str::from_utf8(c).unwrap()))
        .collect();
    sb.write("deploy/values.yaml", format!("env: |\n{wrapped}"));
    // PowerShell's `>`: UTF-16LE with a BOM.
    let ps: Vec<u8> = [0xff, 0xfe]
        .into_iter()
        .chain(
            format!("KEY={}\r\n", keys[4])
                .encode_utf16()
                .flat_map(u16::to_le_bytes),
        )
        .collect();
    sb.write("out/env.txt", ps);
    sb.write("blob.hex", format!("{}\n", hex::encode(&keys[5])));
    // A .pyc: the string followed directly by a marshal type byte.
    for (name, next) in [("a.pyc", b'N'), ("b.pyc", b')')] {
        let mut pyc = vec![0xa7, 0x0d, 0x0d, 0x0a, 0, 0, 0, 0, 0xe3, b'Z', 108];
        pyc.extend_from_slice(keys[6].as_bytes());
        pyc.push(next);
        sb.write(&format!("__pycache__/{name}"), pyc);
    }
    let props = format!("# app\napi.key={}\n", keys[7]);
    let jar = zip_of(&[("config/app.properties", props.as_bytes())]);
    sb.write("lib/app.jar", &jar);
    let inner = zip_of(&[(
        "config/app.properties",
        format!("# app\napi.key={}\n", keys[8]).as_bytes(),
    )]);
    sb.write("site.war", zip_of(&[("WEB-INF/lib/app.jar", &inner)]));
    let tgz = gzip(&tar_of(&[(
        "app/.env",
        format!("# env\nANTHROPIC_API_KEY={}\n", keys[9]).as_bytes(),
    )]));
    sb.write("bundle.tar.gz", tgz);
    let expected = vec![
        row(API, "__pycache__/a.pyc", &[], 2, 8),
        row(API, "__pycache__/b.pyc", &[], 2, 8),
        row(API, "blob.hex", &["hex"], 1, 1),
        row(API, "bundle.tar.gz!app/.env", &["gzip", "tar"], 2, 19),
        // The key's first byte is byte 26 of the .env: character 26/3*4 + 2.
        row(API, "deploy/values.yaml", &["base64"], 2, 4 + 34 + 1),
        // After `ci-bot:` (byte 7): character 9 of the `auth` value, which
        // starts at column 26.
        row(API, "docker/config.json", &["base64"], 3, 26 + 9),
        row(API, "k8s/pull.yaml", &["base64", "base64"], 4, 0),
        row(API, "k8s/secret.yaml", &["base64"], 4, 22),
        row(API, "lib/app.jar!config/app.properties", &["zip"], 2, 9),
        row(API, "out/env.txt", &["utf-16le"], 1, 11),
        row(
            API,
            "site.war!WEB-INF/lib/app.jar!config/app.properties",
            &["zip", "zip"],
            2,
            9,
        ),
    ];
    (keys, expected)
}

#[test]
fn scan_finds_a_key_in_every_form_and_says_where_it_really_is() {
    let sb = Sandbox::new();
    let (keys, expected) = every_form(&sb);
    let run = sb.antleak(&["scan", "--format", "json"]);
    run.assert_code(1);
    let report = run.json();
    let mut got = rows(&report);
    // The nested docker config's column depends on where the inner base64
    // sits in the outer: checked apart.
    let pull = got.iter_mut().find(|r| r.1 == "k8s/pull.yaml").unwrap();
    assert!(pull.4.unwrap() > 23, "{pull:?}");
    pull.4 = Some(0);
    assert_eq!(got, expected);
    // One distinct key each: the two .pyc hold the same.
    assert_eq!(report["remediation"].as_array().unwrap().len(), 10);
    for key in &keys {
        run.assert_hides(key);
    }
    let human = sb.antleak(&["scan", "--color", "never"]);
    assert!(
        human
            .stdout
            .contains("base64-encoded in k8s/secret.yaml:4:22"),
        "{}",
        human.stdout
    );
    assert!(
        human
            .stdout
            .contains("encoded (base64, then base64) in k8s/pull.yaml:4:")
    );
    assert!(
        human
            .stdout
            .contains("  site.war!WEB-INF/lib/app.jar!config/app.properties:2:9")
    );
    for key in &keys {
        human.assert_hides(key);
    }
}

#[test]
fn a_dotenv_inside_a_committed_archive_is_a_dotenv_finding_at_its_member_path() {
    let sb = Sandbox::repo_with_readme();
    let key = fake_key("api03", 7100);
    let env = format!("ANTHROPIC_API_KEY={key}\n");
    sb.write(
        "release.tgz",
        gzip(&tar_of(&[
            ("srv/.env", env.as_bytes()),
            ("srv/app.py", b"print(1)\n"),
        ])),
    );
    sb.commit("release", DATE);
    let run = sb.antleak(&["scan", "--format", "json"]);
    run.assert_code(1);
    let found: Vec<(String, String, Option<u64>)> = rules_paths_lines(&run.json());
    assert_eq!(
        found,
        vec![
            (
                "dotenv-committed".into(),
                "release.tgz!srv/.env".into(),
                None
            ),
            (API.into(), "release.tgz!srv/.env".into(), Some(1)),
        ]
    );
    run.assert_hides(&key);
}

#[test]
fn history_finds_encoded_and_archived_keys_in_old_commits() {
    let sb = Sandbox::repo_with_readme();
    let (a, b) = (fake_key("admin01", 7200), fake_key("api03", 7201));
    sb.write(
        "k8s/secret.yaml",
        format!("data:\n  ADMIN: {}\n", STANDARD.encode(&a)),
    );
    sb.write(
        "dist/app.whl",
        zip_of(&[("app/settings.py", format!("KEY = \"{b}\"\n").as_bytes())]),
    );
    let env = format!("ANTHROPIC_API_KEY={b}\n");
    sb.write(
        "ops/secrets.tgz",
        gzip(&tar_of(&[("srv/.env", env.as_bytes())])),
    );
    sb.commit("deploy", "2024-04-01T00:00:00Z");
    sb.git(&["rm", "-q", "-r", "k8s", "dist", "ops"]);
    sb.commit("remove", "2024-04-02T00:00:00Z");
    let run = sb.antleak(&["history", "--format", "json", "-o", "report.json"]);
    run.assert_code(1);
    let text = std::fs::read_to_string(sb.path("report.json")).unwrap();
    let report: Value = serde_json::from_str(&text).unwrap();
    assert_eq!(
        rows(&report),
        vec![
            row(API, "dist/app.whl!app/settings.py", &["zip"], 1, 8),
            row("anthropic-admin-key", "k8s/secret.yaml", &["base64"], 2, 10),
            (
                "dotenv-committed".into(),
                "ops/secrets.tgz!srv/.env".into(),
                vec![],
                None,
                None
            ),
            row(API, "ops/secrets.tgz!srv/.env", &["gzip", "tar"], 1, 19),
        ]
    );
    let dotenv = &report["findings"].as_array().unwrap()[2];
    assert_eq!(
        (&dotenv["rule"], &dotenv["path"], &dotenv["severity"]),
        (
            &Value::from("dotenv-committed"),
            &Value::from("ops/secrets.tgz!srv/.env"),
            &Value::from("high")
        )
    );
    for key in [&a, &b] {
        run.assert_hides(key);
        assert_hidden(&text, key);
    }
}

#[test]
fn placeholders_stay_quiet_encoded_and_archived() {
    let sb = Sandbox::new();
    let fake = format!("sk-ant-api03-{}AA", "X".repeat(93));
    let docs = format!("export ANTHROPIC_API_KEY={fake}\n# or sk-ant-api03-...\n");
    sb.write(
        "k8s/example.yaml",
        format!("data:\n  KEY: {}\n", STANDARD.encode(&docs)),
    );
    sb.write(
        "docs.zip",
        zip_of(&[
            ("README.md", docs.as_bytes()),
            ("guide/setup.md", docs.as_bytes()),
        ]),
    );
    let run = sb.antleak(&["scan", "--format", "json"]);
    run.assert_code(0);
    assert_eq!(rows(&run.json()), vec![]);
}

#[test]
fn a_limit_reached_makes_the_scan_incomplete_and_names_the_setting() {
    let sb = Sandbox::new();
    // 64 MiB of zeros in a zip of a few dozen KB, against a 1 MiB budget.
    let mut zip = zip::ZipWriter::new(Cursor::new(Vec::new()));
    zip.start_file("zeros.bin", zip::write::SimpleFileOptions::default())
        .unwrap();
    let chunk = vec![0u8; 1 << 20];
    for _ in 0..64 {
        zip.write_all(&chunk).unwrap();
    }
    sb.write("bomb.zip", zip.finish().unwrap().into_inner());
    sb.write(".antleak.toml", "[limits]\nmax_inflated_bytes = 1048576\n");
    let run = sb.antleak(&["scan", "--format", "json"]);
    run.assert_code(2);
    let report = run.json();
    assert_eq!(report["summary"]["complete"], false);
    let unscanned = &report["summary"]["unscanned"][0];
    assert_eq!(unscanned["what"], "archives");
    assert_eq!(unscanned["reason"], "max_inflated_bytes reached");
    assert_eq!(unscanned["count"], 1);
    // The warning names the member; the closing line, the setting to raise.
    assert!(run.stderr.contains("bomb.zip!zeros.bin"), "{}", run.stderr);
    assert!(
        run.stderr.contains("raise max_inflated_bytes in [limits]"),
        "{}",
        run.stderr
    );
    let sarif: Value =
        serde_json::from_str(&sb.antleak(&["scan", "--format", "sarif"]).stdout).unwrap();
    let invocation = &sarif["runs"][0]["invocations"][0];
    assert_eq!(invocation["executionSuccessful"], false);
    let note = invocation["toolExecutionNotifications"][0]["message"]["text"]
        .as_str()
        .unwrap();
    assert!(note.contains("max_inflated_bytes"), "{note}");
    // With a key elsewhere, findings decide the exit code.
    sb.write("app.py", fake_key("api03", 7300));
    sb.antleak(&["scan", "--format", "json"]).assert_code(1);
    // The default budget expands it: complete, clean.
    std::fs::remove_file(sb.path(".antleak.toml")).unwrap();
    std::fs::remove_file(sb.path("app.py")).unwrap();
    let run = sb.antleak(&["scan", "--format", "json"]);
    run.assert_code(0);
    let summary = &run.json()["summary"];
    assert_eq!(
        (&summary["complete"], &summary["unscanned"]),
        (&Value::Bool(true), &serde_json::json!([]))
    );
    // A misspelt limit is an error naming it.
    sb.write(".antleak.toml", "[limits]\nmax_inflated = 1\n");
    let run = sb.antleak(&["scan"]);
    run.assert_code(2);
    assert!(run.stderr.contains("max_inflated"), "{}", run.stderr);
}

#[test]
fn sarif_points_at_the_outer_file_and_says_member_and_encoding() {
    let sb = Sandbox::new();
    let key = fake_key("api03", 7400);
    let inner = STANDARD.encode(format!("KEY={key}\n"));
    sb.write(
        "lib/app.jar",
        zip_of(&[("conf/k.yaml", format!("k: {inner}\n").as_bytes())]),
    );
    let run = sb.antleak(&["scan", "--format", "sarif"]);
    run.assert_code(1);
    let sarif: Value = serde_json::from_str(&run.stdout).unwrap();
    let result = &sarif["runs"][0]["results"][0];
    let location = &result["locations"][0]["physicalLocation"];
    assert_eq!(location["artifactLocation"]["uri"], "lib/app.jar");
    assert_eq!(result["properties"]["member"], "conf/k.yaml");
    assert_eq!(
        result["properties"]["encoding"],
        serde_json::json!(["zip", "base64"])
    );
    let message = result["message"]["text"].as_str().unwrap();
    assert!(
        message.contains("member conf/k.yaml") && message.contains("zip > base64"),
        "{message}"
    );
    run.assert_hides(&key);
}
