//! Secret hygiene across the whole command set: on a repository full of
//! keys (plain, encoded and archived), no 32-character piece of any key, nor
//! of its base64, hex or UTF-16 forms, appears in any byte antleak writes
//! (stdout, stderr, report files, baselines, hook output, errors) unless
//! `--show-secrets` asked for it.

use std::path::Path;

use crate::util::*;

#[test]
fn no_command_ever_writes_a_key_without_show_secrets() {
    let sb = Sandbox::new();
    sb.init();
    let kinds = [
        "api03", "admin01", "oat01", "ort01", "sid01", "api09", "api03", "api03", "api03",
    ];
    let keys: Vec<String> = kinds
        .iter()
        .enumerate()
        .map(|(i, k)| fake_key(k, 900 + i as u64))
        .collect();
    // In history only (deleted later), at HEAD, in a committed .env, staged,
    // and in a malformed config file whose parse error could quote it; and
    // where no report field expects one: a file name, a commit author.
    sb.write("old.py", format!("K = '{}'\n", keys[0]));
    sb.commit_as(
        "old",
        "2023-01-01T00:00:00Z",
        (&keys[7], "someone@example.com"),
    );
    sb.write(&format!("deploy/{}.env", keys[6]), "DEBUG=1\n");
    std::fs::remove_file(sb.path("old.py")).unwrap();
    sb.write(
        ".env",
        format!("ANTHROPIC_API_KEY={}\nADMIN={}\n", keys[0], keys[1]),
    );
    sb.write(
        "src/app.js",
        format!("const t = \"{}\";\nconst r = \"{}\";\n", keys[2], keys[3]),
    );
    {
        use base64::Engine;
        let encoded = base64::engine::general_purpose::STANDARD.encode(&keys[8]);
        sb.write("k8s/secret.yaml", format!("data:\n  KEY: {encoded}\n"));
    }
    sb.commit("head", DATE);
    sb.write("cookie.txt", &keys[4]);
    sb.write("notes.md", &keys[5]);
    sb.git(&["add", "cookie.txt", "notes.md"]);

    let mut outputs: Vec<(String, String)> = Vec::new();
    let mut run = |args: &[&str]| {
        let r = sb.antleak(args);
        assert!(
            r.code == 0 || r.code == 1 || r.code == 2,
            "{args:?}: {}",
            r.stderr
        );
        outputs.push((format!("{args:?}"), format!("{}{}", r.stdout, r.stderr)));
    };
    for format in ["human", "json", "sarif"] {
        run(&["scan", "--format", format]);
        run(&["staged", "--format", format]);
        run(&["history", "--format", format]);
    }
    run(&[
        "history",
        "--format",
        "json",
        "-o",
        "report.json",
        "--write-baseline",
        "baseline.json",
    ]);
    run(&[
        "scan",
        "--format",
        "sarif",
        "--show-secrets",
        "-o",
        "report.sarif",
    ]);
    run(&["history", "--baseline", "baseline.json"]);
    run(&["history", "--range", &format!("{}..HEAD", keys[0])]);
    run(&["scan", "--baseline", "cookie.txt"]);
    sb.write("bad.toml", format!("[allow]\nfingerprints = {}\n", keys[1]));
    run(&["scan", "--config", "bad.toml"]);
    sb.write("bad2.toml", format!("[allow]\n{} = 1\n", keys[2]));
    run(&["scan", "--config", "bad2.toml"]);
    run(&["hook", "install"]);

    // The hook's own output, through a real `git commit`.
    let bin = Path::new(env!("CARGO_BIN_EXE_antleak")).parent().unwrap();
    let path = format!(
        "{}:{}",
        bin.display(),
        std::env::var("PATH").unwrap_or_default()
    );
    let mut commit = sb.git_command(&sb.root, &["commit", "-q", "-m", "leak"]);
    commit.env("PATH", path);
    let hook = Run::from(commit.output().unwrap());
    assert_eq!(
        hook.code, 1,
        "the hook must stop this commit: {}",
        hook.stderr
    );
    outputs.push((
        "git commit".into(),
        format!("{}{}", hook.stdout, hook.stderr),
    ));

    for file in ["report.json", "baseline.json", "report.sarif"] {
        let text = std::fs::read_to_string(sb.path(file)).unwrap();
        outputs.push((file.into(), text));
    }
    for (what, text) in &outputs {
        for key in &keys {
            for piece in secret_pieces(key) {
                assert!(
                    !text.contains(&piece),
                    "{what} leaked a piece of a key:\n{text}"
                );
            }
        }
    }
    // And the control: --show-secrets really shows them.
    let shown = sb.antleak(&["scan", "--format", "json", "--show-secrets"]);
    assert!(keys[1..7].iter().all(|k| shown.stdout.contains(k.as_str())));
}
