//! Bad input and hostile trees: every path either scans or fails with one
//! line naming the culprit (exit 2); nothing panics, hangs, or grows memory
//! with the size of a file.

use std::io::{Seek, SeekFrom, Write};
use std::process::Command;

use crate::util::*;

/// Runs antleak under a virtual-memory limit of `kib` KiB (`ulimit -v`).
fn antleak_limited(sb: &Sandbox, kib: u64, args: &str) -> Run {
    let script = format!(
        "ulimit -v {kib} && exec '{}' {args}",
        env!("CARGO_BIN_EXE_antleak")
    );
    Run::from(
        Command::new("sh")
            .args(["-c", &script])
            .current_dir(&sb.root)
            .env("HOME", &sb.home)
            .output()
            .unwrap(),
    )
}

#[test]
fn a_2_gb_file_and_a_100_mb_line_scan_in_bounded_memory() {
    let sb = Sandbox::new();
    let deep = fake_key("api03", 1);
    let wide = fake_key("admin01", 2);
    // Sparse: 2 GiB of zeros on disk costs nothing, but must all be read.
    let mut file = std::fs::File::create(sb.path("disk.img")).unwrap();
    let offset = (2u64 << 30) - 500;
    file.seek(SeekFrom::Start(offset)).unwrap();
    file.write_all(deep.as_bytes()).unwrap();
    file.set_len(2u64 << 30).unwrap();
    let mut line = vec![b'x'; 100_000_000];
    line.extend_from_slice(b" ");
    line.extend_from_slice(wide.as_bytes());
    line.extend_from_slice(b"\nend\n");
    sb.write("bundle.min.js", &line);
    // 400 MB of address space: far less than either file.
    let run = antleak_limited(&sb, 400_000, "scan . -j 2 --format json");
    run.assert_code(1);
    let report = run.json();
    let found: Vec<(String, u64, u64)> = places(&report);
    assert_eq!(
        found,
        vec![
            ("bundle.min.js".to_string(), 1, 100_000_002),
            ("disk.img".to_string(), 1, offset + 1),
        ]
    );
    assert_eq!(
        report["summary"]["bytes_scanned"],
        (2u64 << 30) + line.len() as u64
    );
}

#[test]
fn symlink_loops_sockets_and_devices_never_block_or_fail() {
    let sb = Sandbox::new();
    sb.write("dir/a.txt", "plain\n");
    std::os::unix::fs::symlink("loop", sb.path("loop")).unwrap();
    std::os::unix::fs::symlink("..", sb.path("dir/up")).unwrap();
    let _socket = std::os::unix::net::UnixListener::bind(sb.path("dir/app.sock")).unwrap();
    let run = sb.antleak(&["scan", "--format", "json"]);
    run.assert_code(0);
    assert_eq!(run.json()["summary"]["files_scanned"], 1);
    assert!(run.stderr.is_empty(), "{}", run.stderr);
    // A device given by name is refused, not read forever.
    let run = sb.antleak(&["scan", "/dev/zero"]);
    run.assert_code(2);
    assert_eq!(run.stderr.lines().count(), 1);
    assert!(run.stderr.contains("/dev/zero"), "{}", run.stderr);
}

#[test]
fn an_unreadable_directory_is_a_warning_and_a_count() {
    use std::os::unix::fs::PermissionsExt;
    let sb = Sandbox::new();
    let key = fake_key("api03", 3);
    sb.write("private/keys.txt", &key);
    sb.write("public/app.py", &key);
    std::fs::set_permissions(sb.path("private"), std::fs::Permissions::from_mode(0o000)).unwrap();
    let run = sb.antleak_unprivileged(&["scan", "--format", "json"]);
    std::fs::set_permissions(sb.path("private"), std::fs::Permissions::from_mode(0o755)).unwrap();
    run.assert_code(1);
    let report = run.json();
    assert_eq!(report["summary"]["unreadable"], 1);
    assert_eq!(rules_paths_lines(&report).len(), 1);
    assert!(run.stderr.contains("private"), "{}", run.stderr);
    // The warning, then the closing line: found something, but incomplete.
    assert_eq!(run.stderr.lines().count(), 2, "{}", run.stderr);
    assert_eq!(report["summary"]["complete"], false);
}

#[test]
fn hostile_file_names_cannot_forge_human_output_and_stay_exact_in_json() {
    let sb = Sandbox::new();
    let key = fake_key("api03", 4);
    let name = "evil\n\u{1b}[31mCRITICAL fake.py\tx";
    sb.write(name, &key);
    let run = sb.antleak(&["scan", "--color", "never"]);
    run.assert_code(1);
    assert!(!run.stdout.contains('\u{1b}'), "{:?}", run.stdout);
    assert!(
        run.stdout
            .contains("evil\\n\\u{1b}[31mCRITICAL fake.py\\tx:1:1"),
        "{}",
        run.stdout
    );
    assert!(
        !run.stdout
            .lines()
            .any(|l| l.starts_with("\u{1b}[31mCRITICAL"))
    );
    let run = sb.antleak(&["scan", "--format", "json"]);
    assert_eq!(run.json()["findings"][0]["path"], name);
}

#[test]
fn a_closed_pipe_ends_quietly() {
    let sb = Sandbox::new();
    for i in 0..300 {
        sb.write(&format!("src/m{i}.py"), fake_key("api03", 100 + i));
    }
    let script = format!(
        "'{}' scan --color never | head -1; echo \"status=${{PIPESTATUS[0]}}\"",
        env!("CARGO_BIN_EXE_antleak")
    );
    let out = Command::new("bash")
        .args(["-c", &script])
        .current_dir(&sb.root)
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stdout.ends_with("status=1\n"), "{stdout}");
    assert!(stderr.is_empty(), "{stderr}");
}

#[test]
fn git_commands_outside_a_repository_are_one_line_errors() {
    let sb = Sandbox::new();
    sb.write("file.txt", "x\n");
    for args in [
        &["history"][..],
        &["staged"],
        &["hook", "install"],
        &["history", "--repo", "file.txt"],
        &["history", "--repos-under", "file.txt"],
        &["staged", "--repo", "nowhere"],
    ] {
        let run = sb.antleak(args);
        run.assert_code(2);
        assert_eq!(run.stderr.lines().count(), 1, "{args:?}: {}", run.stderr);
        assert!(
            run.stderr.starts_with("antleak: error: "),
            "{args:?}: {}",
            run.stderr
        );
    }
}

#[test]
fn output_into_a_directory_or_missing_directory_is_exit_2_and_writes_nothing() {
    let sb = Sandbox::new();
    sb.write("a.txt", "x\n");
    std::fs::create_dir(sb.path("out")).unwrap();
    for target in ["out", "missing/report.json"] {
        let run = sb.antleak(&["scan", "--format", "json", "--output", target]);
        run.assert_code(2);
        assert_eq!(run.stderr.lines().count(), 1, "{}", run.stderr);
        assert!(run.stderr.contains(target), "{}", run.stderr);
    }
    assert_eq!(std::fs::read_dir(sb.path("out")).unwrap().count(), 0);
}

/// Peak resident memory (KiB) of one antleak run, from the kernel's own
/// accounting of that child (`wait4`), so parallel tests do not mix in.
fn peak_rss_kib(sb: &Sandbox, args: &[&str]) -> (i32, i64) {
    use std::os::unix::process::ExitStatusExt;
    // Reaped by the wait4 below, which std's Child cannot see.
    #[allow(clippy::zombie_processes)]
    let child = Command::new(env!("CARGO_BIN_EXE_antleak"))
        .args(args)
        .current_dir(&sb.root)
        .env("HOME", &sb.home)
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let mut status = 0;
    // SAFETY: plain syscall on our own child; the structs are zeroed C data.
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    let pid = unsafe { libc::wait4(child.id() as i32, &mut status, 0, &mut usage) };
    assert_eq!(pid, child.id() as i32);
    let code = std::process::ExitStatus::from_raw(status)
        .code()
        .unwrap_or(-1);
    (code, usage.ru_maxrss)
}

#[test]
fn memory_does_not_grow_with_the_number_of_files() {
    let make = |n: usize| {
        let sb = Sandbox::new();
        for i in 0..n {
            // About 1.5 KB each: 30 MB in all, so keeping contents would show.
            sb.write(
                &format!("d{:03}/f{i:06}.txt", i / 1000),
                format!("line {i:08}\n").repeat(100),
            );
        }
        sb.write("d000/key.py", fake_key("api03", 5));
        sb
    };
    let small = make(2_000);
    let large = make(20_000);
    let args = [
        "scan",
        ".",
        "-j",
        "2",
        "--format",
        "json",
        "-o",
        "report.json",
    ];
    let (code_small, rss_small) = peak_rss_kib(&small, &args);
    let (code_large, rss_large) = peak_rss_kib(&large, &args);
    assert_eq!((code_small, code_large), (1, 1));
    // Ten times the files may cost a few MB of walker state, not ten times
    // the memory: nothing per file is kept but findings.
    assert!(
        rss_large < rss_small + 8 * 1024,
        "2k files: {rss_small} KiB, 20k files: {rss_large} KiB"
    );
}

#[test]
fn ctrl_c_mid_scan_leaves_no_output_file_behind() {
    let sb = Sandbox::new();
    std::fs::create_dir(sb.path("tree")).unwrap();
    let file = std::fs::File::create(sb.path("tree/disk.img")).unwrap();
    // A sparse 4 GiB file: seconds of reading, no disk space.
    file.set_len(4u64 << 30).unwrap();
    std::fs::create_dir(sb.path("out")).unwrap();
    let mut child = Command::new(env!("CARGO_BIN_EXE_antleak"))
        .args([
            "scan",
            "tree",
            "--format",
            "json",
            "--output",
            "out/report.json",
        ])
        .current_dir(&sb.root)
        .spawn()
        .unwrap();
    std::thread::sleep(std::time::Duration::from_millis(300));
    // SAFETY: signalling our own child process.
    assert_eq!(unsafe { libc::kill(child.id() as i32, libc::SIGINT) }, 0);
    let status = child.wait().unwrap();
    assert!(!status.success(), "the scan should have been interrupted");
    let left: Vec<_> = std::fs::read_dir(sb.path("out"))
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert!(left.is_empty(), "{left:?}");
}

#[test]
fn a_corrupt_object_and_a_broken_ref_are_warnings_and_the_history_scan_goes_on() {
    let sb = Sandbox::new();
    sb.init();
    let key = fake_key("api03", 6);
    sb.write("garbled.txt", "this blob will be corrupted\n");
    sb.write("app.py", &key);
    sb.commit("add", DATE);
    let blob = sb
        .git(&["rev-parse", "HEAD:garbled.txt"])
        .trim()
        .to_string();
    let object = sb.path(&format!(".git/objects/{}/{}", &blob[..2], &blob[2..]));
    // git writes objects read-only.
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(&object, std::fs::Permissions::from_mode(0o644)).unwrap();
    std::fs::write(&object, b"\x78\x9c not zlib at all").unwrap();
    // A ref to a commit that does not exist, and a ref file with garbage.
    sb.write(".git/refs/heads/dangling", format!("{}\n", "1".repeat(40)));
    sb.write(".git/refs/tags/garbage", "not a sha\n");

    let run = sb.antleak(&["history", "--format", "json"]);
    run.assert_code(1).assert_hides(&key);
    assert!(run.stderr.contains(&blob), "{}", run.stderr);
    assert!(
        run.stderr
            .lines()
            .all(|l| l.starts_with("antleak: warning: ")),
        "{}",
        run.stderr
    );
    let report = run.json();
    assert_eq!(
        rules_paths_lines(&report),
        vec![("anthropic-api-key".into(), "app.py".into(), Some(1))]
    );
    assert!(report["summary"]["unreadable"].as_u64().unwrap() >= 1);
}
