//! The command line itself: help, completions, man page, usage errors.

use crate::util::*;

#[test]
fn completions_and_man_page_come_from_the_clap_definitions() {
    let sb = Sandbox::new();
    for shell in ["bash", "zsh", "fish", "elvish", "powershell"] {
        let run = sb.antleak(&["completions", shell]);
        run.assert_code(0);
        assert!(
            run.stdout.contains("history") && run.stdout.contains("baseline"),
            "{shell}"
        );
    }
    let run = sb.antleak(&["man"]);
    run.assert_code(0);
    assert!(run.stdout.starts_with(".ie") || run.stdout.contains(".TH antleak 1"));
    assert!(run.stdout.contains("staged"));
}

#[test]
fn usage_errors_are_one_line_exit_2_and_help_is_exit_0() {
    let sb = Sandbox::new();
    for args in [
        &["scan", "--bogus"][..],
        &["frobnicate"],
        &["history", "--threads", "x"],
        &["scan", "-j", "0"],
    ] {
        let run = sb.antleak(args);
        run.assert_code(2);
        assert_eq!(run.stderr.lines().count(), 1, "{args:?}: {}", run.stderr);
        assert!(run.stderr.starts_with("antleak: error: "), "{}", run.stderr);
    }
    let run = sb.antleak(&["--help"]);
    run.assert_code(0);
    assert!(run.stdout.contains("Exit codes"));
    sb.antleak(&["--version"]).assert_code(0);
}

#[test]
fn a_missing_baseline_is_named_once_in_one_line() {
    let sb = Sandbox::new();
    sb.write("a.txt", "x\n");
    let run = sb.antleak(&["scan", "a.txt", "--baseline", "nope.json"]);
    run.assert_code(2);
    assert_eq!(run.stderr.lines().count(), 1, "{}", run.stderr);
    assert_eq!(run.stderr.matches("nope.json").count(), 1, "{}", run.stderr);
    assert!(
        run.stderr.contains("cannot read baseline"),
        "{}",
        run.stderr
    );
}

#[test]
fn every_command_the_man_page_refers_to_has_a_page_of_its_own() {
    let sb = Sandbox::new();
    let main = sb.antleak(&["man"]);
    main.assert_code(0);
    for (command, option) in [
        ("scan", "no\\-ignore"),
        ("history", "range"),
        ("history", "repo"),
    ] {
        assert!(
            main.stdout.contains(&format!("antleak\\-{command}(1)")),
            "{command}"
        );
        let page = sb.antleak(&["man", command]);
        page.assert_code(0);
        assert!(
            page.stdout.contains(&format!(".TH antleak-{command} 1")),
            "{}",
            page.stdout
        );
        assert!(
            page.stdout.contains(option),
            "{option} missing from antleak-{command}(1)"
        );
    }
    let unknown = sb.antleak(&["man", "nope"]);
    unknown.assert_code(2);
    assert!(
        unknown.stderr.contains("no such command"),
        "{}",
        unknown.stderr
    );
}
