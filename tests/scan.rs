//! `antleak scan`: detection in real files, ignore rules, .env files, exit codes.

use crate::util::*;

#[test]
fn finds_a_hardcoded_key_and_exits_1() {
    let sb = Sandbox::new();
    let key = fake_key("api03", 1);
    sb.write("app.py", format!("import anthropic\nclient = anthropic.Anthropic(api_key=\"{key}\")\n"));
    let run = sb.antleak(&["scan", "--format", "json"]);
    run.assert_code(1).assert_hides(&key);
    let report = run.json();
    assert_eq!(report["schema_version"], 1);
    assert_eq!(rules_paths_lines(&report), vec![("anthropic-api-key".into(), "app.py".into(), Some(2))]);
    assert_eq!(report["findings"][0]["column"], 41);
}
