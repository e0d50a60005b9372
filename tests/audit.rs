//! Audits of many repositories at once: one report, each finding naming its
//! repository.

use crate::util::*;

fn repo_with_key(sb: &Sandbox, dir: &str, seed: u64) -> String {
    let key = fake_key("api03", seed);
    std::fs::create_dir_all(sb.path(dir)).unwrap();
    sb.git_in(dir, &["init", "-q", "-b", "main"]);
    sb.write(&format!("{dir}/app.py"), format!("K = '{key}'\n"));
    sb.git_in(dir, &["add", "-A"]);
    sb.git_in(dir, &["commit", "-q", "-m", "add"]);
    key
}

#[test]
fn two_repositories_in_one_report() {
    let sb = Sandbox::new();
    let a = repo_with_key(&sb, "alpha", 1);
    let b = repo_with_key(&sb, "beta", 2);
    let run = sb.antleak(&[
        "history", "--repo", "alpha", "--repo", "beta", "--format", "json",
    ]);
    run.assert_code(1);
    run.assert_hides(&a);
    run.assert_hides(&b);
    let report = run.json();
    let got: Vec<(&str, &str)> = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| (f["root"].as_str().unwrap(), f["path"].as_str().unwrap()))
        .collect();
    assert_eq!(got, vec![("alpha", "app.py"), ("beta", "app.py")]);
    assert_eq!(report["remediation"].as_array().unwrap().len(), 2);
}

#[test]
fn every_repository_under_a_folder_including_bare_ones() {
    let sb = Sandbox::new();
    repo_with_key(&sb, "team/one", 3);
    repo_with_key(&sb, "team/nested/two", 4);
    sb.git_in(
        "",
        &["clone", "-q", "--bare", "team/one", "mirrors/one.git"],
    );
    sb.write("team/not-a-repo/readme.txt", "hi\n");
    let run = sb.antleak(&["history", "--repos-under", "team", "--repos-under", "x"]);
    run.assert_code(2);
    let run = sb.antleak(&["history", "--repos-under", ".", "--format", "json"]);
    run.assert_code(1);
    let roots: Vec<String> = run.json()["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["root"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(
        roots,
        vec!["./mirrors/one.git", "./team/nested/two", "./team/one"]
    );
    let run = sb.antleak(&["history", "--repos-under", "missing"]);
    run.assert_code(2);
    assert!(run.stderr.contains("missing"), "{}", run.stderr);
}
