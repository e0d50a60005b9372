//! `history --repo URL`: remote repositories mirror-cloned with the git CLI
//! (`file://` URLs of repositories built at test time, and a loopback HTTP
//! stand-in that records what git sent), scanned, and removed — or kept
//! under `--clone-dir` and fetched into on the next run.

use std::io::{BufRead, BufReader, Write};
use std::net::TcpListener;
use std::path::Path;

use crate::util::*;

/// A repository `dir` under the sandbox whose history holds `key` in
/// app.py; returns its `file://` URL.
fn source_with_key(sb: &Sandbox, dir: &str, key: &str) -> String {
    sb.git(&["init", "-q", "-b", "main", dir]);
    sb.write(&format!("{dir}/app.py"), format!("KEY = \"{key}\"\n"));
    sb.git_in(dir, &["add", "-A"]);
    sb.git_in(dir, &["commit", "-q", "-m", "leak"]);
    format!("file://{}", sb.path(dir).display())
}

fn clones_left(tmp: &Path) -> Vec<String> {
    std::fs::read_dir(tmp)
        .unwrap()
        .filter_map(|e| e.ok())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n.starts_with("antleak-clones-"))
        .collect()
}

#[test]
fn a_url_is_mirrored_scanned_and_removed() {
    let sb = Sandbox::new();
    let key = fake_key("api03", 161);
    let url = source_with_key(&sb, "src", &key);
    let tmp = sb.path("tmp");
    std::fs::create_dir_all(&tmp).unwrap();
    let run = sb.antleak_env(
        "",
        &["history", "--repo", &url, "--format", "json"],
        &[("TMPDIR", &tmp)],
    );
    run.assert_code(1);
    run.assert_hides(&key);
    let report = run.json();
    assert_eq!(report["root"], url.as_str());
    assert_eq!(report["findings"][0]["path"], "app.py");
    assert_eq!(
        report["findings"][0]["fingerprint"],
        sha256_hex(&key).as_str()
    );
    assert!(clones_left(&tmp).is_empty(), "{:?}", clones_left(&tmp));
}

#[test]
fn a_url_that_cannot_be_cloned_is_unscanned_and_the_others_go_on() {
    let sb = Sandbox::new();
    let key = fake_key("api03", 162);
    let good = source_with_key(&sb, "src", &key);
    let bad = format!("file://{}", sb.path("nowhere").display());
    let run = sb.antleak(&[
        "history", "--repo", &good, "--repo", &bad, "--format", "json",
    ]);
    run.assert_code(1);
    let report = run.json();
    assert_eq!(report["findings"][0]["root"], good.as_str());
    assert_eq!(report["summary"]["complete"], false);
    let unscanned = &report["summary"]["unscanned"][0];
    assert_eq!(unscanned["what"], "repositories");
    assert_eq!(unscanned["count"], 1);
    assert!(run.stderr.contains(&bad), "{}", run.stderr);
    // Nothing found but one repository missing: incomplete, exit 2.
    sb.git(&["init", "-q", "-b", "main", "clean"]);
    sb.git_in("clean", &["commit", "-q", "--allow-empty", "-m", "empty"]);
    let clean = format!("file://{}", sb.path("clean").display());
    let run = sb.antleak(&["history", "--repo", &clean, "--repo", &bad]);
    run.assert_code(2);
    assert!(
        run.stderr.contains("1 repository (could not be cloned"),
        "{}",
        run.stderr
    );
}

#[test]
fn clone_dir_keeps_the_mirror_and_the_next_run_fetches_into_it() {
    let sb = Sandbox::new();
    sb.git(&["init", "-q", "-b", "main", "src"]);
    sb.write("src/README.md", "hello\n");
    sb.git_in("src", &["add", "-A"]);
    sb.git_in("src", &["commit", "-q", "-m", "init"]);
    let url = format!("file://{}", sb.path("src").display());
    sb.antleak(&["history", "--repo", &url, "--clone-dir", "mirrors", "-q"])
        .assert_code(0);
    let mirrors: Vec<_> = std::fs::read_dir(sb.path("mirrors")).unwrap().collect();
    assert_eq!(mirrors.len(), 1);
    let key = fake_key("api03", 163);
    sb.write("src/app.py", format!("KEY = \"{key}\"\n"));
    sb.git_in("src", &["add", "-A"]);
    sb.git_in("src", &["commit", "-q", "-m", "leak"]);
    // The second run fetches the new commit into the same mirror.
    let run = sb.antleak(&[
        "history",
        "--repo",
        &url,
        "--clone-dir",
        "mirrors",
        "--format",
        "json",
    ]);
    run.assert_code(1);
    assert_eq!(run.json()["findings"][0]["path"], "app.py");
    assert_eq!(std::fs::read_dir(sb.path("mirrors")).unwrap().count(), 1);
}

#[test]
fn hostile_urls_are_refused_before_git_sees_them() {
    let sb = Sandbox::new();
    let marker = sb.path("pwned");
    for url in [
        format!("--upload-pack=touch {}", marker.display()),
        format!("ext::sh -c touch% {}", marker.display()),
        "ext::sh".to_string(),
        "ftp://example.com/x.git".to_string(),
    ] {
        let run = sb.antleak(&["history", &format!("--repo={url}")]);
        run.assert_code(2);
        assert_eq!(run.stderr.lines().count(), 1, "{url}: {}", run.stderr);
        assert!(!marker.exists(), "{url} ran a command");
    }
}

#[test]
fn credentials_in_a_url_go_to_git_as_a_header_never_in_output() {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let seen = std::thread::spawn(move || {
        let (stream, _) = listener.accept().unwrap();
        let mut reader = BufReader::new(stream.try_clone().unwrap());
        let mut head = Vec::new();
        loop {
            let mut line = String::new();
            if reader.read_line(&mut line).unwrap() == 0 || line == "\r\n" {
                break;
            }
            head.push(line.trim_end().to_string());
        }
        let mut stream = stream;
        let _ = stream
            .write_all(b"HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\nConnection: close\r\n\r\n");
        head
    });
    let sb = Sandbox::new();
    let password = "pw-that-must-not-show-9f3c";
    let url = format!("http://ci:{password}@127.0.0.1:{port}/org/app.git");
    let run = sb.antleak(&["history", "--repo", &url, "--format", "json"]);
    run.assert_code(2);
    let output = format!("{}{}", run.stdout, run.stderr);
    assert!(!output.contains(password), "{output}");
    assert!(
        output.contains(&format!("http://127.0.0.1:{port}/org/app.git")),
        "{output}"
    );
    let head = seen.join().unwrap();
    assert!(
        head[0].starts_with("GET /org/app.git/info/refs"),
        "{head:?}"
    );
    let expected = format!(
        "Basic {}",
        antleak::core::remote_url::base64(format!("ci:{password}").as_bytes())
    );
    assert!(
        head.iter()
            .any(|h| h.eq_ignore_ascii_case(&format!("authorization: {expected}"))),
        "{head:?}"
    );
}
