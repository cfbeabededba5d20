//! The command line itself: help, version and usage errors.

mod common;

use assert_cmd::Command;

fn guide(args: &[&str]) -> (i32, String, String) {
    let output = Command::cargo_bin("guide")
        .unwrap()
        .args(args)
        .output()
        .unwrap();
    (
        output.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&output.stdout).into_owned(),
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
}

#[test]
fn help_lists_the_commands_in_french() {
    let (status, stdout, _) = guide(&["--help"]);
    assert_eq!(status, 0);
    insta::assert_snapshot!("help", stdout);
}

#[test]
fn build_help_lists_its_options() {
    let (status, stdout, _) = guide(&["build", "--help"]);
    assert_eq!(status, 0);
    for option in [
        "--root",
        "--output",
        "--base-url",
        "--drafts",
        "--no-search",
        "--force",
    ] {
        assert!(stdout.contains(option), "{option} missing:\n{stdout}");
    }
    assert!(
        stdout.contains("sont supprimés"),
        "--force says what it deletes:\n{stdout}"
    );
}

#[test]
fn version_prints_the_crate_version() {
    let (status, stdout, _) = guide(&["--version"]);
    assert_eq!(status, 0);
    assert_eq!(
        stdout.trim(),
        format!("guide {}", env!("CARGO_PKG_VERSION"))
    );
}

#[test]
fn root_is_accepted_before_or_after_the_command() {
    let site = common::TestSite::new("basic");
    let root = site.root().to_str().unwrap().to_string();
    let (before, _, e1) = guide(&["--root", &root, "check"]);
    let (after, _, e2) = guide(&["check", "--root", &root]);
    assert_eq!((before, after), (0, 0), "{e1}{e2}");
}
