//! `antleak audit`: tokens by day and model since the leak, every page of
//! the usage report, estimated cost with built-in and overridden prices.

use serde_json::json;

use super::*;

const LEAK_DATE: &str = "2024-03-05T10:11:12Z";

/// Two pages: the leak day (Sonnet, a million tokens each way) and the next
/// day (Haiku, and a model without a price).
fn usage_pages() -> Vec<serde_json::Value> {
    vec![
        json!([
            {"starting_at": "2024-03-05T00:00:00Z", "ending_at": "2024-03-06T00:00:00Z", "results": [
                {"model": "claude-sonnet-4-5-20250929", "uncached_input_tokens": 1_000_000,
                 "cache_read_input_tokens": 0, "cache_creation": {"ephemeral_5m_input_tokens": 0,
                 "ephemeral_1h_input_tokens": 0}, "output_tokens": 1_000_000, "server_tool_use": null}
            ]}
        ]),
        json!([
            {"starting_at": "2024-03-06T00:00:00Z", "ending_at": "2024-03-07T00:00:00Z", "results": [
                {"model": "claude-haiku-4-5", "uncached_input_tokens": 2_000_000, "cache_read_input_tokens": 0,
                 "cache_creation": null, "output_tokens": 0},
                {"model": "mystery-1", "uncached_input_tokens": 10, "output_tokens": 10}
            ]},
            {"starting_at": "2024-03-07T00:00:00Z", "ending_at": "2024-03-08T00:00:00Z", "results": []}
        ]),
    ]
}

fn setup(sb: &Sandbox, usage: Vec<serde_json::Value>) -> (String, String, FakeApi) {
    sb.init();
    let leaked = fake_key("api03", 801);
    sb.write("settings.py", format!("K = '{leaked}'\n"));
    sb.commit("add settings", LEAK_DATE);
    let admin = fake_key("admin01", 800);
    let keys = vec![
        org_key("apikey_other", "other", &hint(&fake_key("api03", 802))),
        org_key("apikey_leaked", "prod backend", &hint(&leaked)),
    ];
    let api = admin_api(&admin, keys, 1, usage);
    (leaked, admin, api)
}

#[test]
fn tokens_by_day_and_model_since_the_leak_with_every_page() {
    let sb = Sandbox::new();
    let (leaked, admin, api) = setup(&sb, usage_pages());
    let run = antleak_env(
        &sb,
        &["audit", "--api-base-url", &api.url],
        &[("ANTHROPIC_ADMIN_KEY", &admin)],
    );
    // Usage after the leak: something for the owner to look at.
    run.assert_code(1);
    run.assert_hides(&leaked);
    run.assert_hides(&admin);
    let out = &run.stdout;
    let line = |needle: &str| {
        out.lines()
            .find(|l| l.contains(needle))
            .unwrap_or_else(|| panic!("{needle:?} missing:\n{out}"))
            .to_string()
    };
    assert!(line("matches apikey_leaked").contains("prod backend"));
    assert!(line("first leaked").contains("usage since 2024-03-05"));
    let sonnet = line("claude-sonnet-4-5-20250929");
    assert!(sonnet.starts_with("    2024-03-05"), "{sonnet}");
    assert!(
        sonnet.contains("18.00") && sonnet.ends_with("leak day"),
        "{sonnet}"
    );
    let haiku = line("claude-haiku-4-5");
    assert!(
        haiku.contains("2.00") && haiku.ends_with("after the leak"),
        "{haiku}"
    );
    assert!(line("mystery-1").contains('?'));
    assert!(line("estimated cost").contains("$20.00"), "{out}");
    assert!(line("estimated cost").contains("mystery-1"), "{out}");
    assert!(
        !out.contains("2024-03-07"),
        "empty days are not rows:\n{out}"
    );

    // The documented query, then the second page by next_page.
    let calls = api.to("/v1/organizations/usage_report/messages");
    assert_eq!(calls.len(), 2);
    let first = &calls[0];
    assert_eq!(
        first.param("starting_at").as_deref(),
        Some("2024-03-05T00:00:00Z")
    );
    assert_eq!(
        first.param("api_key_ids[]").as_deref(),
        Some("apikey_leaked")
    );
    assert_eq!(first.param("group_by[]").as_deref(), Some("model"));
    assert_eq!(first.param("bucket_width").as_deref(), Some("1d"));
    assert_eq!(first.param("page"), None);
    assert_eq!(calls[1].param("page").as_deref(), Some("page_1"));
    assert_eq!(
        calls[1].param("api_key_ids[]").as_deref(),
        Some("apikey_leaked")
    );
    // The key list was paged too (one key per page here).
    assert_eq!(api.to("/v1/organizations/api_keys").len(), 2);
}

#[test]
fn prices_from_the_config_and_json_output() {
    let sb = Sandbox::new();
    let (_, admin, api) = setup(&sb, usage_pages());
    sb.write(
        ".antleak.toml",
        "[prices.\"claude-sonnet-4-5\"]\ninput_per_mtok = 2.0\noutput_per_mtok = 10.0\n\n\
         [prices.\"mystery\"]\ninput_per_mtok = 1000000.0\noutput_per_mtok = 0.0\n",
    );
    let run = antleak_env(
        &sb,
        &["audit", "--api-base-url", &api.url, "--format", "json"],
        &[("ANTHROPIC_ADMIN_KEY", &admin)],
    );
    run.assert_code(1);
    let report = run.json();
    assert_eq!(report["command"], "audit");
    let key = &report["keys"][0];
    assert_eq!(key["result"], "audited");
    assert_eq!(key["api_key_ids"], json!(["apikey_leaked"]));
    assert_eq!(key["first_leaked"], LEAK_DATE);
    let days: Vec<(String, String, f64)> = key["days"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| {
            (
                d["date"].as_str().unwrap().to_string(),
                d["mark"].as_str().unwrap().to_string(),
                d["estimated_cost_usd"].as_f64().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        days,
        vec![
            ("2024-03-05".into(), "leak_day".into(), 12.0),
            ("2024-03-06".into(), "after_leak".into(), 2.0),
            ("2024-03-06".into(), "after_leak".into(), 10.0),
        ]
    );
    assert_eq!(key["estimated_cost_usd"], 24.0);
}

#[test]
fn no_usage_since_the_leak_is_clean_and_since_overrides_the_start() {
    let sb = Sandbox::new();
    let (_, admin, api) = setup(&sb, vec![json!([])]);
    let run = antleak_env(
        &sb,
        &["audit", "--api-base-url", &api.url, "--since", "2024-01-31"],
        &[("ANTHROPIC_ADMIN_KEY", &admin)],
    );
    run.assert_code(0);
    assert!(run.stdout.contains("none."), "{}", run.stdout);
    let calls = api.to("/v1/organizations/usage_report/messages");
    assert_eq!(
        calls[0].param("starting_at").as_deref(),
        Some("2024-01-31T00:00:00Z")
    );
    let bad = antleak_env(
        &sb,
        &["audit", "--api-base-url", &api.url, "--since", "last week"],
        &[("ANTHROPIC_ADMIN_KEY", &admin)],
    );
    bad.assert_code(2);
}
