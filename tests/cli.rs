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

/// `guide` with no command where there is no site: French explanation, usage status, no clap
/// error in English.
#[test]
fn no_command_outside_a_site_explains_what_to_do() {
    let empty = tempfile::tempdir().unwrap();
    let output = Command::cargo_bin("guide")
        .unwrap()
        .current_dir(empty.path())
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("guide.yaml"), "{stderr}");
    assert!(stderr.contains("double-cliquez"), "{stderr}");
    assert!(stderr.contains("guide serve"), "{stderr}");
    assert!(!stderr.contains("error:"), "{stderr}");
}

/// `guide` with no command inside a site, as a double-click starts it: the preview starts and
/// the browser is asked to open it (here a fake `xdg-open` on the PATH writes down the address).
#[cfg(target_os = "linux")]
#[test]
fn no_command_in_a_site_starts_the_preview_and_opens_the_browser() {
    use std::io::{Read, Write};
    use std::os::unix::fs::PermissionsExt;
    use std::time::{Duration, Instant};

    let site = common::TestSite::new("basic");
    let bin = tempfile::tempdir().unwrap();
    let opened = bin.path().join("opened.txt");
    let launcher = bin.path().join("xdg-open");
    std::fs::write(
        &launcher,
        format!("#!/bin/sh\necho \"$1\" > '{}'\n", opened.display()),
    )
    .unwrap();
    std::fs::set_permissions(&launcher, std::fs::Permissions::from_mode(0o755)).unwrap();
    let path = format!(
        "{}:{}",
        bin.path().display(),
        std::env::var("PATH").unwrap_or_default()
    );
    let mut child = std::process::Command::new(assert_cmd::cargo::cargo_bin("guide"))
        .current_dir(site.root())
        .env("PATH", path)
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(120);
    let url = loop {
        let written = std::fs::read_to_string(&opened).unwrap_or_default();
        if written.ends_with('\n') {
            break written.trim().to_owned();
        }
        if Instant::now() > deadline || child.try_wait().unwrap().is_some() {
            let _ = child.kill();
            panic!("the browser was never asked to open the preview");
        }
        std::thread::sleep(Duration::from_millis(50));
    };
    let address = url
        .strip_prefix("http://")
        .and_then(|rest| rest.strip_suffix('/'))
        .unwrap_or_else(|| panic!("not a preview address: {url}"))
        .to_owned();
    let mut stream = std::net::TcpStream::connect(&address).unwrap();
    write!(
        stream,
        "GET / HTTP/1.1\r\nHost: {address}\r\nConnection: close\r\n\r\n"
    )
    .unwrap();
    let mut response = String::new();
    stream.read_to_string(&mut response).unwrap();
    let _ = child.kill();
    let _ = child.wait();
    assert!(response.starts_with("HTTP/1.1 200"), "{response}");
    assert!(response.contains("<html"), "{response}");
}

/// `GUIDE_TIMINGS` (for measuring) prints each phase of a build; without it, nothing.
#[test]
fn build_phases_are_timed_only_when_asked() {
    let site = common::TestSite::new("basic");
    let build = |timed: bool| {
        let mut command = Command::cargo_bin("guide").unwrap();
        command.arg("build").arg("--root").arg(site.root());
        command.env_remove("GUIDE_TIMINGS");
        if timed {
            command.env("GUIDE_TIMINGS", "1");
        }
        let output = command.output().unwrap();
        assert!(output.status.success());
        String::from_utf8_lossy(&output.stderr).into_owned()
    };
    let quiet = build(false);
    assert!(!quiet.contains("[timings]"), "{quiet}");
    let timed = build(true);
    for phase in [
        "content loaded, staging begun",
        "written and indexed",
        "committed",
        "cache saved",
    ] {
        assert!(
            timed.contains(&format!("[timings] {phase}: ")),
            "{phase}: {timed}"
        );
    }
}

/// A page naming a template the theme lacks fails the build at once: the search index is not
/// built for a build that will not be written (it was, after the records were made before the
/// render: seconds of work on a large site before the error showed).
#[test]
fn a_missing_template_fails_the_build_before_the_search_index_is_built() {
    let site = common::TestSite::new("basic");
    let page = std::fs::read_to_string(site.path("content/projets/fiche-b.md")).unwrap();
    site.write(
        "content/projets/fiche-b.md",
        &page.replacen(
            "title: Fiche B\n",
            "title: Fiche B\ntemplate: absent.html\n",
            1,
        ),
    );
    let output = Command::cargo_bin("guide")
        .unwrap()
        .arg("build")
        .arg("--root")
        .arg(site.root())
        .env("GUIDE_TIMINGS", "1")
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(1), "{stderr}");
    assert!(
        stderr.contains("gabarit introuvable : « absent.html »"),
        "{stderr}"
    );
    assert!(stderr.contains("[timings] rendered: "), "{stderr}");
    assert!(!stderr.contains("[timings] search index built"), "{stderr}");
}
