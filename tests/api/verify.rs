//! `--verify`: one free call per distinct key, statuses live / invalid /
//! unknown, retries, timeouts, and where keys may and may not be sent.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use serde_json::json;

use super::*;

/// A fake API that knows `live` keys (200) and refuses the rest (401).
fn api_knowing(live: Vec<String>) -> FakeApi {
    FakeApi::start(move |req| {
        let key = req.header("x-api-key").unwrap_or_default();
        if live.iter().any(|k| k == key) {
            Reply::json(200, json!({"data": [], "has_more": false}))
        } else {
            Reply::error(401, "authentication_error")
        }
    })
}

#[test]
fn live_invalid_and_unknown_each_key_checked_once() {
    let sb = Sandbox::new();
    let live = fake_key("api03", 601);
    let dead = fake_key("api03", 602);
    let flaky = fake_key("api03", 603);
    let admin = fake_key("admin01", 604);
    let oauth = fake_key("ort01", 605);
    let session = fake_key("sid01", 606);
    sb.write("a.py", format!("A = '{live}'\nB = '{dead}'\n"));
    sb.write("b.py", format!("A = '{live}'\nC = '{flaky}'\n"));
    sb.write("ops/admin.sh", format!("export K={admin}\n"));
    sb.write("tokens.txt", format!("{oauth}\n{session}\n"));
    let (live2, admin2, flaky2) = (live.clone(), admin.clone(), flaky.clone());
    let api = FakeApi::start(move |req| {
        let key = req.header("x-api-key").unwrap_or_default();
        match req.path() {
            "/v1/models" if key == live2 => Reply::json(200, json!({"data": []})),
            "/v1/models" if key == flaky2 => Reply::error(500, "api_error"),
            "/v1/organizations/me" if key == admin2 => Reply::json(
                200,
                json!({"id": "org_1", "type": "organization", "name": "Acme"}),
            ),
            _ => Reply::error(401, "authentication_error"),
        }
    });
    let run = antleak_env(
        &sb,
        &[
            "scan",
            "--verify",
            "--api-base-url",
            &api.url,
            "--format",
            "json",
        ],
        &[],
    );
    // Verification never changes the exit code.
    run.assert_code(1);
    for key in [&live, &dead, &flaky, &admin, &oauth, &session] {
        run.assert_hides(key);
    }
    let report = run.json();
    let status = |key: &str| entry(&report, key)["verification"]["status"].clone();
    assert_eq!(status(&live), "live");
    assert_eq!(status(&admin), "live");
    assert_eq!(status(&dead), "invalid");
    assert_eq!(status(&flaky), "unknown");
    let reason = entry(&report, &flaky)["verification"]["reason"]
        .as_str()
        .unwrap();
    assert!(
        reason.contains("HTTP 500") && reason.contains("4 tries"),
        "{reason}"
    );
    for token in [&oauth, &session] {
        let v = &entry(&report, token)["verification"];
        assert_eq!(v["status"], "not_checked");
        assert!(v["checked_at"].is_null());
        assert!(v["reason"].as_str().unwrap().contains("never sent"), "{v}");
    }
    let checked_at = entry(&report, &live)["verification"]["checked_at"]
        .as_str()
        .unwrap();
    assert!(
        checked_at.ends_with('Z') && checked_at.len() == 20,
        "{checked_at}"
    );
    // Live keys come first, and are critical wherever they were found.
    let order: Vec<&str> = report["remediation"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["verification"]["status"].as_str().unwrap())
        .collect();
    assert_eq!(&order[..2], ["live", "live"], "{order:?}");
    let live_shown = redacted(&live);
    for f in report["findings"].as_array().unwrap() {
        if f["secret_redacted"] == live_shown.as_str() {
            assert_eq!(f["severity"], "critical");
        }
    }
    // Once per distinct key (the live one is in two files), GET only, with
    // the documented headers; the 500 was retried; tokens never left.
    let sent = |key: &str| {
        api.requests()
            .iter()
            .filter(|r| r.header("x-api-key") == Some(key))
            .count()
    };
    assert_eq!(sent(&live), 1);
    assert_eq!(sent(&dead), 1);
    assert_eq!(sent(&flaky), 4);
    assert_eq!(api.to("/v1/organizations/me").len(), 1);
    assert_eq!(sent(&admin), 1);
    assert_eq!(sent(&oauth) + sent(&session), 0);
    for r in api.requests() {
        assert_eq!(r.method, "GET");
        assert_eq!(r.header("anthropic-version"), Some("2023-06-01"));
        assert!(r.body.is_empty());
    }
}

#[test]
fn rate_limited_then_accepted_is_live() {
    let sb = Sandbox::new();
    let key = fake_key("api03", 611);
    sb.write("app.py", format!("K = '{key}'\n"));
    let calls = AtomicUsize::new(0);
    let api = FakeApi::start(move |_| {
        if calls.fetch_add(1, Ordering::SeqCst) == 0 {
            Reply::error(429, "rate_limit_error").with_header("retry-after", "0")
        } else {
            Reply::json(200, json!({"data": []}))
        }
    });
    let run = antleak_env(
        &sb,
        &["scan", "--verify", "--format", "json"],
        &[("ANTHROPIC_BASE_URL", &api.url)],
    );
    run.assert_code(1);
    run.assert_hides(&key);
    assert_eq!(entry(&run.json(), &key)["verification"]["status"], "live");
    assert_eq!(api.to("/v1/models").len(), 2);
}

#[test]
fn a_slow_api_gives_unknown_after_the_timeout() {
    let sb = Sandbox::new();
    let key = fake_key("api03", 621);
    sb.write("app.py", format!("K = '{key}'\n"));
    let api =
        FakeApi::start(|_| Reply::json(200, json!({"data": []})).after(Duration::from_secs(5)));
    let started = Instant::now();
    let run = antleak_env(
        &sb,
        &[
            "scan",
            "--verify",
            "--api-base-url",
            &api.url,
            "--api-timeout",
            "0.3",
            "--format",
            "json",
        ],
        &[],
    );
    assert!(
        started.elapsed() < Duration::from_secs(4),
        "{:?}",
        started.elapsed()
    );
    run.assert_code(1);
    let report = run.json();
    let v = &entry(&report, &key)["verification"];
    assert_eq!(v["status"], "unknown");
    assert!(v["reason"].as_str().unwrap().contains("timed out"), "{v}");
}

#[test]
fn the_total_deadline_bounds_the_whole_verification() {
    let sb = Sandbox::new();
    let keys: Vec<String> = (0..8).map(|i| fake_key("api03", 630 + i)).collect();
    sb.write("keys.txt", keys.join("\n"));
    let api =
        FakeApi::start(|_| Reply::json(200, json!({"data": []})).after(Duration::from_secs(3)));
    let started = Instant::now();
    let run = antleak_env(
        &sb,
        &[
            "scan",
            "--verify",
            "--api-base-url",
            &api.url,
            "--verify-deadline",
            "0.5",
            "--format",
            "json",
        ],
        &[],
    );
    assert!(
        started.elapsed() < Duration::from_secs(3),
        "{:?}",
        started.elapsed()
    );
    let report = run.json();
    for key in &keys {
        assert_eq!(entry(&report, key)["verification"]["status"], "unknown");
    }
}

#[test]
fn human_report_and_sarif_show_the_verdict() {
    let sb = Sandbox::new();
    let live = fake_key("api03", 641);
    let dead = fake_key("api03", 642);
    sb.write("app.py", format!("A = '{dead}'\nB = '{live}'\n"));
    let api = api_knowing(vec![live.clone()]);
    let args = |format: &'static str| {
        vec![
            "scan",
            "--verify",
            "--api-base-url",
            &api.url,
            "--format",
            format,
            "--color",
            "never",
        ]
    };
    let human = antleak_env(&sb, &args("human"), &[]);
    human.assert_code(1);
    human.assert_hides(&live);
    let first = human.stdout.lines().next().unwrap();
    assert!(first.contains("1 of them LIVE"), "{}", human.stdout);
    // The live key's block comes first and says so under its name.
    let live_at = human.stdout.find(&redacted(&live)).unwrap();
    let dead_at = human.stdout.find(&redacted(&dead)).unwrap();
    assert!(live_at < dead_at, "{}", human.stdout);
    assert!(human.stdout.contains("CRITICAL  ") && human.stdout.contains("verification: LIVE"));
    assert!(
        human.stdout.contains("verification: invalid"),
        "{}",
        human.stdout
    );

    let sarif = antleak_env(&sb, &args("sarif"), &[]);
    sarif.assert_code(1);
    let sarif = sarif.json();
    let results = sarif["runs"][0]["results"].as_array().unwrap();
    let live_result = results
        .iter()
        .find(|r| r["properties"]["secret_redacted"] == redacted(&live).as_str())
        .unwrap();
    assert_eq!(live_result["properties"]["verification"]["status"], "live");
    assert_eq!(live_result["level"], "error");
    assert!(
        live_result["message"]["text"]
            .as_str()
            .unwrap()
            .starts_with("LIVE")
    );
}

#[test]
fn history_verifies_too_and_baselines_stay_the_same() {
    let sb = Sandbox::new();
    sb.init();
    let key = fake_key("api03", 651);
    sb.write("app.py", format!("K = '{key}'\n"));
    sb.commit("add", "2024-03-05T10:11:12Z");
    let api = api_knowing(vec![key.clone()]);
    let plain = sb.antleak(&["history", "--write-baseline", "plain.json", "-q"]);
    plain.assert_code(1);
    let run = antleak_env(
        &sb,
        &[
            "history",
            "--verify",
            "--api-base-url",
            &api.url,
            "--format",
            "json",
            "--write-baseline",
            "verified.json",
        ],
        &[],
    );
    run.assert_code(1);
    assert_eq!(entry(&run.json(), &key)["verification"]["status"], "live");
    // A baseline is what was found, not what the API said on one day.
    assert_eq!(
        std::fs::read_to_string(sb.path("plain.json")).unwrap(),
        std::fs::read_to_string(sb.path("verified.json")).unwrap()
    );
}

#[test]
fn nothing_is_sent_without_verify_and_staged_never_verifies() {
    let sb = Sandbox::new();
    sb.init();
    let key = fake_key("api03", 661);
    sb.write("app.py", format!("K = '{key}'\n"));
    sb.commit("add", "2024-03-05T10:11:12Z");
    sb.write("new.py", format!("K = '{}'\n", fake_key("api03", 662)));
    sb.git(&["add", "new.py"]);
    let api = api_knowing(vec![key.clone()]);
    let env = [("ANTHROPIC_BASE_URL", api.url.as_str())];
    for args in [
        &["scan"][..],
        &["history"],
        &["staged"],
        &["scan", "--format", "json"],
    ] {
        antleak_env(&sb, args, &env).assert_code(1);
    }
    let staged = antleak_env(&sb, &["staged", "--verify"], &env);
    staged.assert_code(2);
    assert!(staged.stderr.contains("--verify"), "{}", staged.stderr);
    for stray in [
        &["scan", "--api-base-url", &api.url][..],
        &["history", "--api-timeout", "1"],
        &["scan", "--verify-deadline", "5"],
    ] {
        let run = antleak_env(&sb, stray, &[]);
        run.assert_code(2);
        assert!(
            run.stderr.contains("only used with --verify"),
            "{}",
            run.stderr
        );
    }
    assert!(api.requests().is_empty(), "{:?}", api.requests());
}

#[test]
fn plain_http_only_to_loopback() {
    let sb = Sandbox::new();
    let key = fake_key("api03", 671);
    sb.write("app.py", format!("K = '{key}'\n"));
    let run = antleak_env(
        &sb,
        &[
            "scan",
            "--verify",
            "--api-base-url",
            "http://api.example.com",
        ],
        &[],
    );
    run.assert_code(2);
    assert!(run.stderr.contains("loopback"), "{}", run.stderr);
    assert_eq!(run.stderr.lines().count(), 1, "{}", run.stderr);
    let run = antleak_env(
        &sb,
        &["scan", "--verify"],
        &[("ANTHROPIC_BASE_URL", "http://10.1.2.3:8080")],
    );
    run.assert_code(2);
    assert!(run.stderr.contains("ANTHROPIC_BASE_URL"), "{}", run.stderr);
    run.assert_hides(&key);
}

#[test]
fn a_scanned_repository_cannot_choose_where_keys_go() {
    let sb = Sandbox::new();
    sb.init();
    let key = fake_key("api03", 681);
    let ours = api_knowing(vec![key.clone()]);
    let evil = api_knowing(vec![key.clone()]);
    // The repository names its own server everywhere it could hope to be
    // read: a .env (ANTHROPIC_BASE_URL, as the SDKs read it) and the config.
    sb.write(
        ".env",
        format!("ANTHROPIC_BASE_URL={}\nANTHROPIC_API_KEY={key}\n", evil.url),
    );
    sb.write(
        ".antleak.toml",
        format!("[api]\nbase_url = \"{}\"\n", evil.url),
    );
    sb.commit("hostile", "2024-03-05T10:11:12Z");
    let env = [("ANTHROPIC_BASE_URL", ours.url.as_str())];
    // A config with a destination in it is not a config antleak knows.
    let run = antleak_env(&sb, &["scan", "--verify"], &env);
    run.assert_code(2);
    assert!(run.stderr.contains("api"), "{}", run.stderr);
    // With a config antleak accepts (prices are allowed, and change nothing
    // but an estimate), the keys go to the user's server, never the repo's.
    sb.write(
        ".antleak.toml",
        "[prices.\"claude-sonnet-4-5\"]\ninput_per_mtok = 3.0\noutput_per_mtok = 15.0\n",
    );
    sb.commit("prices", "2024-03-06T10:11:12Z");
    for command in ["scan", "history"] {
        let run = antleak_env(&sb, &[command, "--verify", "--format", "json"], &env);
        run.assert_code(1);
        run.assert_hides(&key);
        assert_eq!(entry(&run.json(), &key)["verification"]["status"], "live");
    }
    assert_eq!(ours.to("/v1/models").len(), 2);
    assert!(evil.requests().is_empty(), "{:?}", evil.requests());
}
