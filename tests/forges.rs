//! Organisation audits (`--github-org`, `--github-user`, `--gitlab-group`)
//! against loopback stand-ins of GitHub's and GitLab's APIs that list
//! repositories built at test time (`file://` clone URLs) over two pages,
//! with a rate limit on the way, plus hostile entries; and `--shard I/N`.

use std::collections::BTreeSet;
use std::sync::atomic::{AtomicBool, Ordering};

use serde_json::{Value, json};

use crate::api::{FakeApi, Reply, antleak_env};
use crate::util::*;

const TOKEN: &str = "ghp_test-token-never-shown-7c1d";

/// Repositories `r0`…`r6`, each with a key of its own in app.py: their
/// `file://` URLs and keys. r5 is listed as a fork, r6 as archived.
fn repositories(sb: &Sandbox) -> Vec<(String, String)> {
    (0..7)
        .map(|i| {
            let dir = format!("r{i}");
            let key = fake_key("api03", 170 + i);
            sb.git(&["init", "-q", "-b", "main", &dir]);
            sb.write(&format!("{dir}/app.py"), format!("KEY = \"{key}\"\n"));
            sb.git_in(&dir, &["add", "-A"]);
            sb.git_in(&dir, &["commit", "-q", "-m", "leak"]);
            (format!("file://{}", sb.path(&dir).display()), key)
        })
        .collect()
}

fn github_repo(i: usize, url: &str) -> Value {
    json!({"full_name": format!("acme/r{i}"), "clone_url": url, "fork": i == 5, "archived": i == 6})
}

/// GitHub's `GET /orgs/acme/repos` in two pages (the second rate-limited
/// once), with hostile entries on page 2; `/orgs/locked/repos` is a 401.
fn github(repos: &[(String, String)], marker: &str) -> FakeApi {
    let page1: Vec<Value> = (0..3).map(|i| github_repo(i, &repos[i].0)).collect();
    let mut page2: Vec<Value> = (3..7).map(|i| github_repo(i, &repos[i].0)).collect();
    page2.extend([
        json!({"full_name": "acme/opt", "clone_url": format!("--upload-pack=touch {marker}")}),
        json!({"full_name": "acme/ext", "clone_url": format!("ext::sh -c touch% {marker}")}),
        json!({"full_name": "acme/../../etc", "clone_url": repos[0].0}),
        json!({"full_name": "acme/clear", "clone_url": "http://10.0.0.1/acme/clear.git"}),
    ]);
    let limited = AtomicBool::new(false);
    FakeApi::start(move |req| {
        if req.header("authorization") != Some(&format!("Bearer {TOKEN}")) {
            return Reply::json(401, json!({"message": "Bad credentials"}));
        }
        match (req.path(), req.param("page").as_deref()) {
            ("/orgs/acme/repos", None) => {
                let next = format!(
                    "<http://{}/orgs/acme/repos?per_page=100&type=all&page=2>; rel=\"next\"",
                    req.header("host").unwrap()
                );
                Reply::json(200, json!(page1)).with_header("link", &next)
            }
            ("/orgs/acme/repos", Some("2")) => {
                if !limited.swap(true, Ordering::SeqCst) {
                    let reset = std::time::SystemTime::now()
                        .duration_since(std::time::UNIX_EPOCH)
                        .unwrap()
                        .as_secs();
                    return Reply::json(403, json!({"message": "API rate limit exceeded"}))
                        .with_header("x-ratelimit-remaining", "0")
                        .with_header("x-ratelimit-reset", &reset.to_string());
                }
                Reply::json(200, json!(page2))
            }
            _ => Reply::json(404, json!({"message": "Not Found"})),
        }
    })
}

fn audit(sb: &Sandbox, api: &FakeApi, extra: &[&str]) -> Run {
    let mut args = vec![
        "history",
        "--github-org",
        "acme",
        "--github-api-url",
        &api.url,
    ];
    args.extend_from_slice(extra);
    antleak_env(sb, &args, &[("GITHUB_TOKEN", TOKEN)])
}

fn roots(report: &Value) -> BTreeSet<String> {
    report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            f["root"]
                .as_str()
                .unwrap_or_else(|| report["root"].as_str().unwrap())
                .to_string()
        })
        .collect()
}

#[test]
fn an_organisation_is_audited_repository_by_repository_and_hostile_entries_are_refused() {
    let sb = Sandbox::new();
    let repos = repositories(&sb);
    let marker = sb.path("pwned");
    let api = github(&repos, marker.to_str().unwrap());
    let run = audit(&sb, &api, &["--format", "json"]);
    run.assert_code(1);
    let report = run.json();
    // r0…r4 once each; the fork and the archived repository are left out.
    let expected: BTreeSet<String> = repos[..5].iter().map(|(url, _)| url.clone()).collect();
    assert_eq!(roots(&report), expected);
    assert_eq!(report["findings"].as_array().unwrap().len(), 5);
    // The four hostile entries: refused, named, never run.
    assert!(!marker.exists());
    let refused: u64 = report["summary"]["unscanned"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|u| u["what"] == "repositories")
        .map(|u| u["count"].as_u64().unwrap())
        .sum();
    assert_eq!(refused, 4, "{}", run.stderr);
    assert_eq!(report["summary"]["complete"], false);
    // The rate limit was waited out; the token went to the API on every
    // request, and nowhere in the output.
    assert!(run.stderr.contains("rate limited"), "{}", run.stderr);
    let requests = api.to("/orgs/acme/repos");
    assert_eq!(requests.len(), 3);
    assert!(
        requests
            .iter()
            .all(|r| r.header("authorization") == Some(&format!("Bearer {TOKEN}")))
    );
    assert!(!format!("{}{}", run.stdout, run.stderr).contains(TOKEN));
    for (_, key) in &repos {
        run.assert_hides(key);
    }

    let all = audit(
        &sb,
        &api,
        &["--format", "json", "--include-forks", "--include-archived"],
    );
    all.assert_code(1);
    assert_eq!(all.json()["findings"].as_array().unwrap().len(), 7);
}

#[test]
fn shards_are_disjoint_cover_everything_and_merge_into_the_whole_run() {
    let sb = Sandbox::new();
    let repos = repositories(&sb);
    let api = github(&repos, sb.path("pwned").to_str().unwrap());
    let whole = audit(
        &sb,
        &api,
        &["--format", "json", "--include-forks", "--include-archived"],
    );
    whole.assert_code(1);
    let whole = whole.json();
    let mut union = BTreeSet::new();
    let mut files = Vec::new();
    for i in 1..=3 {
        let file = format!("shard-{i}.json");
        let shard = format!("{i}/3");
        let run = audit(
            &sb,
            &api,
            &[
                "--format",
                "json",
                "--include-forks",
                "--include-archived",
                "--shard",
                &shard,
                "-o",
                &file,
            ],
        );
        assert!([0, 1, 2].contains(&run.code), "{}", run.stderr);
        let report: Value =
            serde_json::from_str(&std::fs::read_to_string(sb.path(&file)).unwrap()).unwrap();
        for root in roots(&report) {
            assert!(union.insert(root.clone()), "{root} is in two shards");
        }
        files.push(file);
    }
    assert_eq!(union, roots(&whole));
    let mut args = vec!["merge"];
    args.extend(files.iter().map(String::as_str));
    let merged = sb.antleak(&args);
    merged.assert_code(1);
    let merged = merged.json();
    let set = |r: &Value| -> BTreeSet<String> {
        r["findings"]
            .as_array()
            .unwrap()
            .iter()
            .map(|f| f.to_string())
            .collect()
    };
    assert_eq!(set(&merged), set(&whole));
    assert_eq!(merged["remediation"].as_array().unwrap().len(), 7);
    assert_eq!(
        merged["summary"]["unscanned"],
        whole["summary"]["unscanned"]
    );
    let bad = audit(&sb, &api, &["--shard", "4/3"]);
    bad.assert_code(2);
    assert_eq!(bad.stderr.lines().count(), 1, "{}", bad.stderr);
}

#[test]
fn a_refused_token_is_exit_2_naming_the_status_never_the_token() {
    let sb = Sandbox::new();
    let api = FakeApi::start(|_| Reply::json(401, json!({"message": "Bad credentials"})));
    let run = antleak_env(
        &sb,
        &[
            "history",
            "--github-org",
            "acme",
            "--github-api-url",
            &api.url,
        ],
        &[("GITHUB_TOKEN", "ghp_wrong-token-3b9a")],
    );
    run.assert_code(2);
    assert!(
        run.stderr.contains("HTTP 401") && run.stderr.contains("GITHUB_TOKEN"),
        "{}",
        run.stderr
    );
    assert!(
        !run.stderr.contains("ghp_wrong-token-3b9a"),
        "{}",
        run.stderr
    );
    // An API base URL in clear off loopback is refused before any request.
    let clear = antleak_env(
        &sb,
        &[
            "history",
            "--github-org",
            "acme",
            "--github-api-url",
            "http://10.0.0.1",
        ],
        &[("GITHUB_TOKEN", TOKEN)],
    );
    clear.assert_code(2);
    assert!(
        clear.stderr.contains("--github-api-url"),
        "{}",
        clear.stderr
    );
}

#[test]
fn a_gitlab_group_is_listed_with_its_subgroups_page_by_page() {
    let sb = Sandbox::new();
    let repos = repositories(&sb);
    let project = |i: usize| json!({"path_with_namespace": format!("team/sub/r{i}"), "http_url_to_repo": repos[i].0, "archived": false});
    let pages = [vec![project(0), project(1)], vec![project(2)]];
    let api = FakeApi::start(move |req| {
        if req.header("private-token") != Some(TOKEN) {
            return Reply::json(401, json!({"message": "401 Unauthorized"}));
        }
        if req.path() != "/groups/team%2Fsub/projects"
            || req.param("include_subgroups").as_deref() != Some("true")
        {
            return Reply::json(404, json!({"message": "404 Group Not Found"}));
        }
        let page: usize = req.param("page").unwrap().parse().unwrap();
        let reply = Reply::json(200, json!(pages[page - 1]));
        if page == 1 {
            reply.with_header("x-next-page", "2")
        } else {
            reply.with_header("x-next-page", "")
        }
    });
    let run = antleak_env(
        &sb,
        &[
            "history",
            "--gitlab-group",
            "team/sub",
            "--gitlab-api-url",
            &api.url,
            "--format",
            "json",
        ],
        &[("GITLAB_TOKEN", TOKEN)],
    );
    run.assert_code(1);
    let expected: BTreeSet<String> = repos[..3].iter().map(|(url, _)| url.clone()).collect();
    assert_eq!(roots(&run.json()), expected);
    assert_eq!(api.requests().len(), 2);
    assert!(!format!("{}{}", run.stdout, run.stderr).contains(TOKEN));
}
