//! `antleak revoke`: hint matching against every page of the
//! organization's keys, deactivation and read-back, and every case where it
//! must not act.

use super::*;

const LEAK_DATE: &str = "2024-03-05T10:11:12Z";

/// A repository whose history holds `keys`; returns the admin key to use.
fn leaky_repo(sb: &Sandbox, keys: &[&str]) -> String {
    sb.init();
    let lines: Vec<String> = keys.iter().map(|k| format!("K = '{k}'")).collect();
    sb.write("settings.py", lines.join("\n") + "\n");
    sb.commit("add settings", LEAK_DATE);
    fake_key("admin01", 700)
}

/// `antleak revoke --yes` against `api`, with `admin` as the admin key.
fn revoke_yes(sb: &Sandbox, api: &FakeApi, admin: &str) -> Run {
    antleak_env(
        sb,
        &["revoke", "--yes", "--api-base-url", &api.url],
        &[("ANTHROPIC_ADMIN_KEY", admin)],
    )
}

/// Four unrelated keys around the leaked one, two per page: the match is
/// on the last page.
fn org_with(leaked: &str) -> Vec<serde_json::Value> {
    let mut keys: Vec<_> = (0..4)
        .map(|i| {
            org_key(
                &format!("apikey_{i}"),
                &format!("other {i}"),
                &hint(&fake_key("api03", 710 + i)),
            )
        })
        .collect();
    keys.push(org_key("apikey_leaked", "prod backend", &hint(leaked)));
    keys
}

#[test]
fn the_one_matching_key_is_deactivated_and_read_back() {
    let sb = Sandbox::new();
    let leaked = fake_key("api03", 701);
    let admin = leaky_repo(&sb, &[&leaked]);
    let api = admin_api(&admin, org_with(&leaked), 2, vec![]);
    let run = revoke_yes(&sb, &api, &admin);
    run.assert_code(0);
    run.assert_hides(&leaked);
    run.assert_hides(&admin);
    let out = &run.stdout;
    for expected in [
        "apikey_leaked \"prod backend\"",
        "workspace wrkspc_prod",
        "created by user_ada (user)",
        "first leaked 2024-03-05T10:11:12Z",
        "deactivated; read back: inactive",
        "Create Key, in workspace wrkspc_prod",
        "ANTHROPIC_API_KEY",
        "Restart",
        "antleak audit",
        "1 deactivated, 0 already inactive, 0 left to do",
    ] {
        assert!(out.contains(expected), "{expected:?} missing:\n{out}");
    }
    // Every page was read, then one POST and one read-back, in that order.
    let calls: Vec<(String, String)> = api
        .requests()
        .iter()
        .map(|r| (r.method.clone(), r.target.clone()))
        .collect();
    let list = "/v1/organizations/api_keys";
    let one = "/v1/organizations/api_keys/apikey_leaked";
    assert_eq!(
        calls,
        vec![
            ("GET".into(), format!("{list}?limit=100")),
            ("GET".into(), format!("{list}?limit=100&after_id=apikey_1")),
            ("GET".into(), format!("{list}?limit=100&after_id=apikey_3")),
            ("POST".into(), one.into()),
            ("GET".into(), one.into()),
        ]
    );
    let post = &api.to(one)[0];
    let body: serde_json::Value = serde_json::from_str(&post.body).unwrap();
    assert_eq!(body, serde_json::json!({"status": "inactive"}));
    assert_eq!(post.header("anthropic-version"), Some("2023-06-01"));
    // The leaked key itself never left the machine.
    assert!(
        api.requests()
            .iter()
            .all(|r| r.header("x-api-key") == Some(admin.as_str()))
    );
    // Run again: nothing left to do.
    let again = revoke_yes(&sb, &api, &admin);
    again.assert_code(0);
    assert!(
        again.stdout.contains("already inactive"),
        "{}",
        again.stdout
    );
}

#[test]
fn zero_or_several_matches_are_reported_and_left_alone() {
    let sb = Sandbox::new();
    let unknown = fake_key("api03", 721);
    let twice = fake_key("api03", 722);
    let admin = leaky_repo(&sb, &[&unknown, &twice]);
    let mut keys = org_with(&twice);
    keys.push(org_key("apikey_twin", "staging", &hint(&twice)));
    let api = admin_api(&admin, keys, 100, vec![]);
    let run = revoke_yes(&sb, &api, &admin);
    run.assert_code(1);
    run.assert_hides(&unknown);
    run.assert_hides(&twice);
    let out = &run.stdout;
    assert!(
        out.contains(&format!(
            "no key of this organization has the hint {}",
            hint(&unknown)
        )),
        "{out}"
    );
    assert!(
        out.contains("2 keys of this organization have the hint"),
        "{out}"
    );
    assert!(
        out.contains("apikey_leaked") && out.contains("apikey_twin"),
        "{out}"
    );
    assert!(
        out.contains("0 deactivated, 0 already inactive, 2 left to do"),
        "{out}"
    );
    assert!(api.requests().iter().all(|r| r.method == "GET"));
}

#[test]
fn dry_run_confirmation_and_admin_key_are_checked_before_acting() {
    let sb = Sandbox::new();
    let leaked = fake_key("api03", 731);
    let admin = leaky_repo(&sb, &[&leaked]);
    let api = admin_api(&admin, org_with(&leaked), 100, vec![]);
    let with_admin = [("ANTHROPIC_ADMIN_KEY", admin.as_str())];

    let dry = antleak_env(
        &sb,
        &["revoke", "--dry-run", "--api-base-url", &api.url],
        &with_admin,
    );
    dry.assert_code(1);
    assert!(
        dry.stdout.contains("would be deactivated (dry run)"),
        "{}",
        dry.stdout
    );
    assert!(api.requests().iter().all(|r| r.method == "GET"));
    let listed = api.requests().len();

    // Not on a terminal and no --yes: refused before any request.
    let unconfirmed = antleak_env(&sb, &["revoke", "--api-base-url", &api.url], &with_admin);
    unconfirmed.assert_code(2);
    assert!(
        unconfirmed.stderr.contains("--yes"),
        "{}",
        unconfirmed.stderr
    );
    // No admin key, or an API key in its place: refused before any request.
    let missing = antleak_env(&sb, &["revoke", "--yes", "--api-base-url", &api.url], &[]);
    missing.assert_code(2);
    assert!(
        missing.stderr.contains("ANTHROPIC_ADMIN_KEY is not set"),
        "{}",
        missing.stderr
    );
    let wrong = antleak_env(
        &sb,
        &["revoke", "--yes", "--api-base-url", &api.url],
        &[("ANTHROPIC_ADMIN_KEY", &leaked)],
    );
    wrong.assert_code(2);
    wrong.assert_hides(&leaked);
    assert_eq!(api.requests().len(), listed);
    // The admin key is never a flag.
    let flag = antleak_env(&sb, &["revoke", "--admin-key", &admin], &[]);
    flag.assert_code(2);
    flag.assert_hides(&admin);
}

#[test]
fn a_saved_report_is_enough_and_holds_no_secret() {
    let sb = Sandbox::new();
    let leaked = fake_key("api03", 741);
    let admin = leaky_repo(&sb, &[&leaked]);
    sb.antleak(&["history", "--format", "json", "-o", "report.json"])
        .assert_code(1);
    let report = std::fs::read_to_string(sb.path("report.json")).unwrap();
    assert_hidden(&report, &leaked);
    // The repository is gone: the report alone finds the key.
    std::fs::remove_dir_all(sb.path(".git")).unwrap();
    std::fs::remove_file(sb.path("settings.py")).unwrap();
    let api = admin_api(&admin, org_with(&leaked), 100, vec![]);
    let run = antleak_env(
        &sb,
        &[
            "revoke",
            "--report",
            "report.json",
            "--yes",
            "--api-base-url",
            &api.url,
        ],
        &[("ANTHROPIC_ADMIN_KEY", &admin)],
    );
    run.assert_code(0);
    assert!(run.stdout.contains("read back: inactive"), "{}", run.stdout);
    assert_eq!(api.to("/v1/organizations/api_keys/apikey_leaked").len(), 2);
}

#[test]
fn a_refused_admin_key_is_one_clear_error() {
    let sb = Sandbox::new();
    let leaked = fake_key("api03", 751);
    let admin = leaky_repo(&sb, &[&leaked]);
    let api = admin_api(&fake_key("admin01", 752), org_with(&leaked), 100, vec![]);
    let run = revoke_yes(&sb, &api, &admin);
    run.assert_code(2);
    run.assert_hides(&admin);
    run.assert_hides(&leaked);
    assert_eq!(run.stderr.lines().count(), 1, "{}", run.stderr);
    assert!(
        run.stderr.contains("ANTHROPIC_ADMIN_KEY refused") && run.stderr.contains("HTTP 401"),
        "{}",
        run.stderr
    );
}

#[test]
fn on_a_terminal_it_asks_and_no_answer_means_no() {
    let sb = Sandbox::new();
    let leaked = fake_key("api03", 761);
    let admin = leaky_repo(&sb, &[&leaked]);
    let api = admin_api(&admin, org_with(&leaked), 100, vec![]);
    // Standard input ends without an answer: the question was asked, the
    // key is left alone.
    let run = sb.antleak_on_tty(
        &["revoke", "--api-base-url", &api.url, "--color", "never"],
        &[("ANTHROPIC_ADMIN_KEY", &admin)],
    );
    run.assert_code(1);
    run.assert_hides(&admin);
    run.assert_hides(&leaked);
    assert!(
        run.stdout
            .contains("Deactivate apikey_leaked \"prod backend\"? [y/N]"),
        "{}",
        run.stdout
    );
    assert!(run.stdout.contains("skipped."), "{}", run.stdout);
    assert!(api.requests().iter().all(|r| r.method == "GET"));
}

#[test]
fn a_key_that_reads_back_active_is_left_to_do_not_counted_done() {
    let sb = Sandbox::new();
    let leaked = fake_key("api03", 740);
    let admin = leaky_repo(&sb, &[&leaked]);
    // An API that accepts the deactivation but does not apply it.
    let stuck = org_key("apikey_stuck", "prod backend", &hint(&leaked));
    let api = {
        let admin = admin.clone();
        FakeApi::start(move |req| {
            if req.header("x-api-key") != Some(admin.as_str()) {
                return Reply::error(401, "authentication_error");
            }
            match req.path() {
                "/v1/organizations/api_keys" => Reply::json(
                    200,
                    serde_json::json!({"data": [stuck], "has_more": false, "last_id": "apikey_stuck"}),
                ),
                "/v1/organizations/api_keys/apikey_stuck" => Reply::json(200, stuck.clone()),
                _ => Reply::error(404, "not_found_error"),
            }
        })
    };
    let run = revoke_yes(&sb, &api, &admin);
    run.assert_code(1);
    run.assert_hides(&leaked);
    let out = &run.stdout;
    assert!(
        out.contains("deactivation sent, but the key reads back as active"),
        "{out}"
    );
    assert!(
        out.contains("0 deactivated, 0 already inactive, 1 left to do"),
        "{out}"
    );
    // The rest of the runbook is not offered for a key that is still live.
    assert!(!out.contains("Restart"), "{out}");
    assert_eq!(api.to("/v1/organizations/api_keys/apikey_stuck").len(), 2);
}

#[test]
fn the_admin_key_among_the_leaked_is_named_and_left_to_the_console() {
    let sb = Sandbox::new();
    let leaked = fake_key("api03", 741);
    let admin = fake_key("admin01", 700);
    leaky_repo(&sb, &[&leaked, &admin]);
    let api = admin_api(&admin, org_with(&leaked), 100, vec![]);
    let run = revoke_yes(&sb, &api, &admin);
    run.assert_code(1);
    run.assert_hides(&leaked);
    run.assert_hides(&admin);
    assert!(
        run.stderr.contains(&format!(
            "{} (ANTHROPIC_ADMIN_KEY) is itself among the leaked keys",
            redacted(&admin)
        )),
        "{}",
        run.stderr
    );
    let out = &run.stdout;
    assert!(out.contains("deactivated; read back: inactive"), "{out}");
    assert!(
        out.contains("the Admin API cannot deactivate admin keys"),
        "{out}"
    );
    assert!(
        out.contains("1 deactivated, 0 already inactive, 1 left to do"),
        "{out}"
    );
}
