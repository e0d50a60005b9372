//! `antleak scan`: detection in real files, ignore rules, `.env` files,
//! output options and exit codes.

use std::os::unix::ffi::OsStrExt;

use crate::contract;
use crate::util::*;

fn scan_json(sb: &Sandbox, args: &[&str]) -> (Run, serde_json::Value) {
    let mut all = vec!["scan", "--format", "json"];
    all.extend_from_slice(args);
    let run = sb.antleak(&all);
    let report = run.json();
    (run, report)
}

#[test]
fn finds_a_hardcoded_key_and_exits_1() {
    let sb = Sandbox::new();
    let key = fake_key("api03", 1);
    sb.write(
        "app.py",
        format!("import anthropic\nclient = anthropic.Anthropic(api_key=\"{key}\")\n"),
    );
    let (run, _) = scan_json(&sb, &[]);
    run.assert_code(1).assert_hides(&key);
    let report = run.report();
    assert_eq!(report.schema_version, 1);
    assert_eq!(report.tool.name, "antleak");
    assert_eq!(report.command, contract::Command::Scan);
    let [finding] = &report.findings[..] else {
        panic!("one finding expected: {report:#?}")
    };
    assert_eq!(finding.rule, "anthropic-api-key");
    assert_eq!(finding.path.as_deref(), Some("app.py"));
    assert_eq!((finding.line, finding.column), (Some(2), Some(39)));
    assert_eq!(finding.severity, contract::Severity::High);
    assert_eq!(finding.source, contract::Source::Worktree);
    assert!(finding.secret.is_none() && finding.commit.is_none());
    let redacted = format!("{}…{}", &key[..16], &key[key.len() - 4..]);
    assert_eq!(finding.secret_redacted.as_deref(), Some(redacted.as_str()));
    assert_eq!(
        finding.fingerprint.as_deref(),
        Some(sha256_hex(&key).as_str())
    );
    let remediation = &report.remediation[0];
    assert_eq!(Some(&remediation.fingerprint), finding.fingerprint.as_ref());
    assert_eq!(remediation.steps.len(), 5);
    assert!(remediation.first_leaked.is_none());
    assert_eq!(report.summary.findings, 1);
    assert_eq!(report.summary.files_scanned, 1);
}

#[test]
fn every_rule_is_reported_with_its_severity() {
    let sb = Sandbox::new();
    let cases = [
        ("admin01", "anthropic-admin-key", "critical"),
        ("api03", "anthropic-api-key", "high"),
        ("oat01", "anthropic-oauth-token", "high"),
        ("ort01", "anthropic-oauth-token", "high"),
        ("sid01", "anthropic-session-key", "high"),
        ("api07", "anthropic-key-unknown-format", "medium"),
    ];
    let text: String = cases
        .iter()
        .enumerate()
        .map(|(i, (kind, _, _))| format!("k{i} = '{}'\n", fake_key(kind, i as u64)))
        .collect();
    sb.write("keys.txt", &text);
    let (run, report) = scan_json(&sb, &[]);
    run.assert_code(1);
    let findings = report["findings"].as_array().unwrap();
    assert_eq!(findings.len(), cases.len());
    for (i, (_, rule, severity)) in cases.iter().enumerate() {
        assert_eq!(findings[i]["rule"], *rule);
        assert_eq!(findings[i]["severity"], *severity);
        assert_eq!(findings[i]["line"], i as u64 + 1);
    }
    for (i, (kind, _, _)) in cases.iter().enumerate() {
        run.assert_hides(&fake_key(kind, i as u64));
    }
}

#[test]
fn placeholders_and_decoys_are_quiet_and_exit_0() {
    let sb = Sandbox::new();
    let api = ["sk", "ant", "api03-"].join("-");
    let real_shape_body = &fake_key("api03", 9)["sk-ant-api03-".len()..];
    let decoys = [
        format!("{api}..."),
        format!("{api}<your_key>"),
        format!("{}xxxxxxxx", ["sk", "ant", ""].join("-")),
        format!("{api}REPLACE_WITH_KEY"),
        format!("ANTHROPIC_API_KEY={api}your-actual-key"),
        format!("{api}{}AA", "X".repeat(93)),
        format!("{api}{}AA", &"abcDEF123_-".repeat(9)[..93]),
        // wrong suffix, too short, too long (96 characters ending in AA: a
        // full-shape key followed by any byte would be a key, by the SPEC)
        format!("{api}{}AB", &real_shape_body[..93]),
        format!("{api}{}", &real_shape_body[10..]),
        format!("{api}{}QAA", &real_shape_body[..93]),
        format!(
            "{}{}AA",
            ["sk", "ant", "admin01-"].join("-"),
            "0".repeat(93)
        ),
    ];
    sb.write("README.md", decoys.join("\n"));
    let (run, report) = scan_json(&sb, &[]);
    run.assert_code(0);
    assert_eq!(report["findings"].as_array().unwrap().len(), 0);
    assert_eq!(report["summary"]["files_scanned"], 1);
}

#[test]
fn keys_glued_to_bytes_in_json_minified_bundles_crlf_and_bom() {
    let sb = Sandbox::new();
    let keys: Vec<String> = (20..26).map(|i| fake_key("api03", i)).collect();
    sb.write("a.json", format!("{{\"k\":\"{}\\n\",\"z\":1}}", keys[0]));
    sb.write(
        "bundle.min.js",
        format!("var a=1;x9{}}},f({})", keys[1], keys[2]),
    );
    sb.write("win.env.txt", format!("first\r\nKEY={}\r\n", keys[3]));
    sb.write("bom.txt", format!("\u{feff}{}", keys[4]));
    sb.write("tail.txt", format!("a\nb <k>{}</k>", keys[5]));
    let (run, report) = scan_json(&sb, &[]);
    run.assert_code(1);
    let got: Vec<(String, u64, u64)> = places(&report);
    assert_eq!(
        got,
        vec![
            ("a.json".into(), 1, 7),
            ("bom.txt".into(), 1, 4),
            ("bundle.min.js".into(), 1, 11),
            ("bundle.min.js".into(), 1, 11 + 108 + 4),
            ("tail.txt".into(), 2, 6),
            ("win.env.txt".into(), 2, 5),
        ]
    );
}

#[test]
fn allow_marker_on_the_line_suppresses_it() {
    let sb = Sandbox::new();
    let allowed = fake_key("api03", 30);
    let reported = fake_key("api03", 31);
    sb.write(
        "test_fixtures.py",
        format!("A = '{allowed}'  # antleak:allow\nB = '{reported}'\n"),
    );
    let (run, report) = scan_json(&sb, &[]);
    run.assert_code(1);
    assert_eq!(
        rules_paths_lines(&report),
        vec![(
            "anthropic-api-key".into(),
            "test_fixtures.py".into(),
            Some(2)
        )]
    );
}

#[test]
fn binary_files_and_a_key_near_the_end_of_a_30_mb_file() {
    let sb = Sandbox::new();
    let key_bin = fake_key("admin01", 40);
    let key_big = fake_key("api03", 41);
    let mut binary = vec![0u8, 159, 146, 150, 0, 0, 7];
    binary.extend_from_slice(key_bin.as_bytes());
    binary.extend_from_slice(&[0, 0, 255]);
    sb.write("cache/module.pyc", &binary);
    let mut big = "filler line of text that is not a secret at all\n".repeat(30_000_000 / 49);
    let lines = big.matches('\n').count() as u64;
    big.push_str(&format!("key={key_big}\n"));
    sb.write("dump.sql", &big);
    let (run, report) = scan_json(&sb, &[]);
    run.assert_code(1);
    assert_eq!(
        rules_paths_lines(&report),
        vec![
            (
                "anthropic-admin-key".into(),
                "cache/module.pyc".into(),
                Some(1)
            ),
            (
                "anthropic-api-key".into(),
                "dump.sql".into(),
                Some(lines + 1)
            ),
        ]
    );
    assert_eq!(report["findings"][1]["column"], 5);
}

#[test]
fn gitignore_nested_ignore_files_exclude_and_global_excludes_are_honoured() {
    let sb = Sandbox::new();
    sb.init();
    let k = |i: u64| fake_key("api03", 50 + i);
    sb.write(".gitignore", "/build/\n");
    sb.write("build/out.js", k(0));
    sb.write("src/.gitignore", "generated.py\n");
    sb.write("src/generated.py", k(1));
    sb.write(".ignore", "vendor/\n");
    sb.write("vendor/lib.js", k(2));
    sb.write(".git/info/exclude", "scratch.txt\n");
    sb.write("scratch.txt", k(3));
    // The global excludes file at its default place ($XDG_CONFIG_HOME/git/ignore).
    std::fs::create_dir_all(sb.home.join(".config/git")).unwrap();
    std::fs::write(sb.home.join(".config/git/ignore"), "*.local-notes\n").unwrap();
    sb.write("me.local-notes", k(4));
    sb.write("src/main.py", k(5));
    // Inside .git: never scanned, even with --no-ignore.
    sb.write(".git/secret-in-git-dir", k(6));
    let (run, report) = scan_json(&sb, &[]);
    run.assert_code(1);
    assert_eq!(
        rules_paths_lines(&report),
        vec![("anthropic-api-key".into(), "src/main.py".into(), Some(1))]
    );
    let (run, report) = scan_json(&sb, &["--no-ignore"]);
    run.assert_code(1);
    let paths: Vec<String> = rules_paths_lines(&report)
        .into_iter()
        .map(|(_, p, _)| p)
        .collect();
    assert_eq!(
        paths,
        vec![
            "build/out.js",
            "me.local-notes",
            "scratch.txt",
            "src/generated.py",
            "src/main.py",
            "vendor/lib.js"
        ]
    );
}

#[test]
fn dotenv_files_tracked_untracked_ignored_and_templates() {
    let sb = Sandbox::new();
    sb.init();
    let key = fake_key("api03", 60);
    sb.write(".gitignore", ".env.local\nconfig/.env\n");
    sb.write(".env", format!("ANTHROPIC_API_KEY={key}\n"));
    sb.write("deploy/prod.env", "DATABASE_URL=postgres://localhost/db\n");
    sb.write(".env.example", "ANTHROPIC_API_KEY=\n");
    sb.write("example.env", "ANTHROPIC_API_KEY=\n");
    sb.write("config/.env", "A=1\n");
    sb.git(&[
        "add",
        ".gitignore",
        ".env",
        "deploy/prod.env",
        ".env.example",
        "example.env",
    ]);
    // Tracked although .gitignore now matches it: committed before the rule.
    sb.git(&["add", "-f", "config/.env"]);
    sb.commit("initial", "2024-01-01T00:00:00Z");
    sb.write(".env.local", "SECRET=1\n"); // ignored: no finding
    sb.write("services/api/.env.staging", "A=1\n"); // untracked, not ignored
    let (run, report) = scan_json(&sb, &[]);
    run.assert_code(1).assert_hides(&key);
    let got: Vec<(String, String, String)> = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            (
                f["rule"].as_str().unwrap().into(),
                f["path"].as_str().unwrap().into(),
                f["severity"].as_str().unwrap().into(),
            )
        })
        .collect();
    let expect = |r: &str, p: &str, s: &str| (r.to_string(), p.to_string(), s.to_string());
    assert_eq!(
        got,
        vec![
            expect("dotenv-committed", ".env", "high"),
            expect("anthropic-api-key", ".env", "high"),
            expect("dotenv-committed", "config/.env", "medium"),
            expect("dotenv-committed", "deploy/prod.env", "medium"),
            expect("dotenv-unignored", "services/api/.env.staging", "low"),
        ]
    );
    for f in report["findings"].as_array().unwrap() {
        if f["rule"].as_str().unwrap().starts_with("dotenv") {
            assert!(f.get("line").is_none() && f.get("column").is_none());
        }
    }
    let dotenv_steps = &report["dotenv_remediation"];
    assert_eq!(dotenv_steps.as_array().unwrap().len(), 4);
    assert!(
        dotenv_steps[0]["steps"][0]
            .as_str()
            .unwrap()
            .contains("git rm --cached .env")
    );
    // A file named as the root, even a bare relative name, gets the same
    // verdict as in a directory scan.
    for root in [".env", "./.env"] {
        let (_, one) = scan_json(&sb, &[root]);
        assert_eq!(
            rules_paths_lines(&one)[0],
            ("dotenv-committed".into(), ".env".into(), None),
            "scan {root}"
        );
    }
}

#[test]
fn tracked_files_inside_ignored_directories_are_still_scanned() {
    let sb = Sandbox::new();
    sb.init();
    let key = fake_key("api03", 61);
    sb.write("generated/settings.py", format!("KEY = '{key}'\n"));
    sb.git(&["add", "generated/settings.py"]);
    sb.commit("add", "2024-01-01T00:00:00Z");
    sb.write(".gitignore", "generated/\n");
    let (run, report) = scan_json(&sb, &[]);
    run.assert_code(1);
    assert_eq!(
        rules_paths_lines(&report),
        vec![(
            "anthropic-api-key".into(),
            "generated/settings.py".into(),
            Some(1)
        )]
    );
}

#[test]
fn non_ascii_and_non_utf8_file_names() {
    let sb = Sandbox::new();
    let key = fake_key("api03", 70);
    sb.write("données/clé.txt", &key);
    let raw_name = std::ffi::OsStr::from_bytes(b"latin1-\xe9t\xe9.txt");
    std::fs::write(sb.root.join(raw_name), &key).unwrap();
    let (run, report) = scan_json(&sb, &[]);
    run.assert_code(1);
    let paths: Vec<String> = rules_paths_lines(&report)
        .into_iter()
        .map(|(_, p, _)| p)
        .collect();
    assert_eq!(
        paths,
        vec!["donn\u{e9}es/cl\u{e9}.txt", "latin1-\u{fffd}t\u{fffd}.txt"]
    );
}

#[test]
fn symlinks_are_not_followed_and_special_files_are_not_opened() {
    let sb = Sandbox::new();
    let outside = Sandbox::new();
    outside.write("secret.txt", fake_key("api03", 80));
    std::os::unix::fs::symlink(outside.path("secret.txt"), sb.path("link.txt")).unwrap();
    std::os::unix::fs::symlink(outside.root.clone(), sb.path("linkdir")).unwrap();
    let fifo = sb.path("pipe");
    let made = std::process::Command::new("mkfifo")
        .arg(&fifo)
        .status()
        .unwrap();
    assert!(made.success());
    sb.write("ok.txt", "nothing here\n");
    let (run, report) = scan_json(&sb, &[]);
    run.assert_code(0);
    assert_eq!(report["summary"]["files_scanned"], 1);
}

#[test]
fn several_roots_and_a_file_root() {
    let sb = Sandbox::new();
    let a = fake_key("api03", 90);
    let b = fake_key("api03", 91);
    sb.write("one/x.py", &a);
    sb.write("two/y.py", &b);
    let (run, report) = scan_json(&sb, &["one", "two/y.py"]);
    run.assert_code(1);
    let roots: Vec<(&str, &str)> = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| (f["root"].as_str().unwrap(), f["path"].as_str().unwrap()))
        .collect();
    // root/path opens the file from where the command ran.
    assert_eq!(roots, vec![("one", "x.py"), ("two", "y.py")]);
}

#[test]
fn paths_open_from_where_the_command_ran_and_sarif_resolves_from_the_repository_root() {
    let sb = Sandbox::new();
    sb.init();
    let key = fake_key("api03", 92);
    sb.write("src/app/k.py", format!("K = '{key}'\n"));
    sb.write("README.md", "x\n");
    sb.git(&["add", "-A"]);
    let report = sb.antleak(&["scan", "src", "--format", "json"]).report();
    let [f] = &report.findings[..] else {
        panic!("{report:#?}")
    };
    assert_eq!(
        (f.root.as_deref(), f.path.as_deref()),
        (Some("src"), Some("app/k.py"))
    );
    let human = sb.antleak(&["scan", "src", "--color", "never"]);
    assert!(
        human.stdout.contains("    src/app/k.py:1:6"),
        "{}",
        human.stdout
    );

    // From a subdirectory, SARIF still names the file from the repository
    // root, and says where that root is.
    for (dir, arg) in [("", "src"), ("src", "."), ("src/app", "k.py")] {
        let run = sb.antleak_in(dir, &["scan", arg, "--format", "sarif"]);
        run.assert_code(1);
        let sarif: serde_json::Value = serde_json::from_str(&run.stdout).unwrap();
        let run0 = &sarif["runs"][0];
        let artifact = &run0["results"][0]["locations"][0]["physicalLocation"]["artifactLocation"];
        assert_eq!(artifact["uri"], "src/app/k.py", "from {dir:?}");
        assert_eq!(artifact["uriBaseId"], "SRCROOT");
        let root = run0["originalUriBaseIds"]["SRCROOT"]["uri"]
            .as_str()
            .unwrap();
        let expected = format!("file://{}/", sb.root.canonicalize().unwrap().display());
        assert_eq!(root, expected);
    }
}

#[test]
fn human_report_groups_locations_under_the_redacted_key_with_the_checklist() {
    let sb = Sandbox::new();
    let key = fake_key("api03", 100);
    sb.write("a.py", format!("K='{key}'\n"));
    sb.write("b/c.js", format!("\n\nconst k = \"{key}\";\n"));
    let run = sb.antleak(&["scan", "--color", "never"]);
    run.assert_code(1).assert_hides(&key);
    let redacted = format!("{}…{}", &key[..16], &key[key.len() - 4..]);
    let out = &run.stdout;
    // The header, then steps 1 (twice), 3 and 5 name the key.
    assert_eq!(out.matches(&redacted).count(), 5, "{out}");
    let header = out.find(&redacted).unwrap();
    let a = out.find("a.py:1:4").expect(out);
    let c = out.find("b/c.js:3:12").expect(out);
    let revoke = out.find("1. Revoke").expect(out);
    let audit = out.find("5. Audit").expect(out);
    assert!(header < a && a < c && c < revoke && revoke < audit, "{out}");
    assert!(out.contains("Settings → API Keys"));
    assert!(out.contains("antleak history"));
    assert!(!out.contains('\u{1b}'), "no colour with --color never");
    assert!(
        out.trim_end()
            .lines()
            .last()
            .unwrap()
            .starts_with("2 findings · 2 files")
    );
}

#[test]
fn show_secrets_is_the_only_way_to_see_a_key() {
    let sb = Sandbox::new();
    let key = fake_key("api03", 110);
    sb.write("a.py", &key);
    let run = sb.antleak(&["scan", "--format", "json", "--show-secrets"]);
    assert_eq!(run.json()["findings"][0]["secret"], key.as_str());
    let run = sb.antleak(&["scan", "--show-secrets", "--color", "never"]);
    assert!(run.stdout.contains(&key));
}

#[test]
fn output_file_color_and_quiet() {
    let sb = Sandbox::new();
    let key = fake_key("api03", 120);
    sb.write("src/a.py", &key);
    let run = sb.antleak_in(
        "src",
        &["scan", "--format", "json", "--output", "../report.json"],
    );
    run.assert_code(1);
    assert!(run.stdout.is_empty());
    let written = std::fs::read_to_string(sb.path("report.json")).unwrap();
    assert_hidden(&written, &key);
    let report: serde_json::Value = serde_json::from_str(&written).unwrap();
    assert_eq!(report["findings"][0]["path"], "a.py");

    let run = sb.antleak(&["scan", "--color", "always"]);
    assert!(run.stdout.contains('\u{1b}'));
    let mut cmd = std::process::Command::new(env!("CARGO_BIN_EXE_antleak"));
    cmd.current_dir(&sb.root)
        .args(["scan"])
        .env("NO_COLOR", "1");
    let run = Run::from(cmd.output().unwrap());
    assert!(!run.stdout.contains('\u{1b}'));

    std::fs::remove_file(sb.path("src/a.py")).unwrap();
    let run = sb.antleak(&["scan", "--quiet"]);
    run.assert_code(0);
    assert!(run.stdout.is_empty() && run.stderr.is_empty());
}

#[test]
fn output_to_a_fifo_or_through_a_symlink_keeps_what_is_there() {
    use std::os::unix::fs::{FileTypeExt, OpenOptionsExt};
    let sb = Sandbox::new();
    let key = fake_key("api03", 121);
    sb.write("src/a.py", &key);

    // `-o /dev/null` and `-o /dev/stdout` are written in place: renaming a
    // temporary file over them would turn the device into a regular file.
    let fifo = sb.path("fifo");
    let c_path = std::ffi::CString::new(fifo.as_os_str().as_bytes()).unwrap();
    assert_eq!(unsafe { libc::mkfifo(c_path.as_ptr(), 0o600) }, 0);
    let reader = {
        let fifo = fifo.clone();
        std::thread::spawn(move || std::fs::read_to_string(fifo).unwrap())
    };
    let run = sb.antleak(&["scan", "src", "--format", "json", "-o", "fifo"]);
    let file_type = std::fs::symlink_metadata(&fifo).unwrap().file_type();
    assert!(file_type.is_fifo(), "the FIFO was replaced: {file_type:?}");
    // Lets the reader see end-of-file even if antleak never opened the FIFO.
    let _ = std::fs::OpenOptions::new()
        .write(true)
        .custom_flags(libc::O_NONBLOCK)
        .open(&fifo);
    run.assert_code(1);
    let through_fifo: serde_json::Value = serde_json::from_str(&reader.join().unwrap()).unwrap();
    assert_eq!(through_fifo["findings"][0]["path"], "a.py");

    // A symlinked report path stays a symlink; the file it names is replaced.
    sb.write("reports/latest.json", "old");
    std::os::unix::fs::symlink("reports/latest.json", sb.path("link.json")).unwrap();
    sb.antleak(&["scan", "src", "--format", "json", "-o", "link.json"])
        .assert_code(1);
    assert!(
        std::fs::symlink_metadata(sb.path("link.json"))
            .unwrap()
            .file_type()
            .is_symlink()
    );
    let written = std::fs::read_to_string(sb.path("reports/latest.json")).unwrap();
    assert_hidden(&written, &key);
    assert!(written.contains("\"a.py\""), "{written}");

    // A directory is an error naming it, not a panic.
    let run = sb.antleak(&["scan", "src", "-o", "reports"]);
    run.assert_code(2);
    assert!(
        run.stderr.starts_with("antleak: error: reports"),
        "{}",
        run.stderr
    );
}

#[test]
fn missing_path_is_exit_2_with_one_line_naming_it() {
    let sb = Sandbox::new();
    let run = sb.antleak(&["scan", "no/such/dir"]);
    run.assert_code(2);
    assert_eq!(run.stderr.lines().count(), 1, "{}", run.stderr);
    assert!(
        run.stderr.starts_with("antleak: error: no/such/dir"),
        "{}",
        run.stderr
    );
    let run = sb.antleak(&["scan", "--format", "xml"]);
    run.assert_code(2);
    assert_eq!(run.stderr.lines().count(), 1, "{}", run.stderr);
    assert!(run.stderr.contains("xml"));
    let run = sb.antleak(&["scan", "--output", "missing-dir/report.json"]);
    run.assert_code(2);
    assert!(
        run.stderr.contains("missing-dir/report.json"),
        "{}",
        run.stderr
    );
}

#[test]
fn an_unreadable_file_is_a_warning_and_a_count_and_the_scan_goes_on() {
    use std::os::unix::fs::PermissionsExt;
    let sb = Sandbox::new();
    let key = fake_key("api03", 130);
    sb.write("locked.txt", "nothing\n");
    sb.write("open.py", &key);
    std::fs::set_permissions(
        sb.path("locked.txt"),
        std::fs::Permissions::from_mode(0o000),
    )
    .unwrap();
    let run = sb.antleak_unprivileged(&["scan", "--format", "json"]);
    run.assert_code(1);
    let report = run.json();
    assert_eq!(report["summary"]["unreadable"], 1);
    assert_eq!(report["findings"].as_array().unwrap().len(), 1);
    assert_eq!(report["summary"]["complete"], false);
    // The warning, then the closing line saying the scan is incomplete.
    assert_eq!(run.stderr.lines().count(), 2, "{}", run.stderr);
    assert!(
        run.stderr.contains("locked.txt") && run.stderr.contains("warning"),
        "{}",
        run.stderr
    );
}

#[test]
fn progress_is_drawn_on_a_terminal_only_and_never_with_quiet() {
    let sb = Sandbox::new();
    sb.write("a.txt", "nothing to see\n");
    let now = [("ANTLEAK_PROGRESS_DELAY_MS", "0")];
    let args = ["scan", "--format", "json", "--output", "r.json"];
    let tty = sb.antleak_on_tty(&args, &now);
    assert!(tty.stdout.contains("scanning:"), "{:?}", tty.stdout);
    let quiet = sb.antleak_on_tty(&["scan", "-q", "--format", "json", "-o", "r.json"], &now);
    assert!(!quiet.stdout.contains("scanning:"), "{:?}", quiet.stdout);
    let mut cmd = std::process::Command::new(env!("CARGO_BIN_EXE_antleak"));
    cmd.current_dir(&sb.root).args(args).envs(now);
    let piped = Run::from(cmd.output().unwrap());
    piped.assert_code(0);
    assert!(piped.stderr.is_empty(), "{:?}", piped.stderr);
}

#[test]
fn output_files_keep_the_mode_of_the_file_they_replace_or_the_umask() {
    use std::os::unix::fs::PermissionsExt;
    let sb = Sandbox::new();
    sb.write("a.txt", "nothing here\n");
    let mode = |rel: &str| {
        std::fs::metadata(sb.path(rel))
            .unwrap()
            .permissions()
            .mode()
            & 0o777
    };
    // A new file: what the umask gives (the tests' process keeps the
    // default umask of the machine, 022 here and on CI).
    let umask = {
        let out = std::process::Command::new("sh")
            .args(["-c", "umask"])
            .output()
            .unwrap();
        u32::from_str_radix(String::from_utf8_lossy(&out.stdout).trim(), 8).unwrap()
    };
    sb.antleak(&["scan", "a.txt", "-o", "new.txt"])
        .assert_code(0);
    assert_eq!(mode("new.txt"), 0o666 & !umask);
    sb.write("old.txt", "");
    std::fs::set_permissions(sb.path("old.txt"), std::fs::Permissions::from_mode(0o640)).unwrap();
    sb.antleak(&[
        "scan",
        "a.txt",
        "-o",
        "old.txt",
        "--write-baseline",
        "old.txt",
    ])
    .assert_code(0);
    assert_eq!(mode("old.txt"), 0o640);
}

#[test]
fn an_untracked_file_under_a_scanned_directory_prints_a_path_that_opens() {
    let sb = Sandbox::repo_with_readme();
    let key = fake_key("api03", 93);
    sb.write("src/client.ts", format!("const k = \"{key}\";\n"));
    let run = sb.antleak(&["scan", "src", "--color", "never"]);
    run.assert_code(1).assert_hides(&key);
    assert!(
        run.stdout.contains("    src/client.ts:1:12"),
        "{}",
        run.stdout
    );
}
