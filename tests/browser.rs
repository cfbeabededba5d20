//! End-to-end tests of the built guide in headless Chromium: search (Pagefind), facet filters,
//! keyboard use, axe-core and HTML_CodeSniffer (pa11y's WCAG2AA runner) accessibility checks, the
//! phone layout, sharing tags and the pages without JavaScript.
//!
//! The tests themselves are JavaScript (`tests/browser/*.test.mjs`, Node's test runner, driven
//! by playwright-core with Debian's Chromium); this wrapper builds the guide into a temporary
//! folder and runs them against it. They need Node 20 or later, `npm ci --prefix tests/tools`
//! and /usr/bin/chromium: without them the test is skipped, unless GUIDE_REQUIRE_TOOLS is set
//! (CI sets it), where it fails.

mod common;

use std::path::{Path, PathBuf};
use std::process::Command;

fn repo() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// The test files, in a stable order.
fn test_files() -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(repo().join("tests/browser"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| {
            p.file_name()
                .and_then(|n| n.to_str())
                .is_some_and(|n| n.ends_with(".test.mjs"))
        })
        .collect();
    files.sort();
    files
}

#[test]
fn browser_tests_pass_in_headless_chromium() {
    let missing =
        common::missing_browser_tools(&["playwright-core", "axe-core", "html_codesniffer"]);
    if !missing.is_empty() {
        let message = format!("the browser tests need {}", missing.join(", "));
        common::missing_tool(&message);
        return;
    }

    let (_dir, out, _) = common::build_repo_guide();

    let files = test_files();
    assert!(!files.is_empty(), "no tests/browser/*.test.mjs file");
    // Node 20 expands a folder given to --test, later versions take globs: naming the files
    // works with both.
    // The timeout guards against a hang: a file's tests run within it (axe-core visits 14 kinds
    // of page at two widths, about a minute on a busy two-core machine).
    let output = Command::new("node")
        .args(["--test", "--test-reporter=spec", "--test-timeout=240000"])
        .args(&files)
        .current_dir(repo())
        .env("GUIDE_PUBLIC", &out)
        .output()
        .unwrap();
    let report = String::from_utf8_lossy(&output.stdout).into_owned()
        + &String::from_utf8_lossy(&output.stderr);
    assert!(
        output.status.success(),
        "the browser tests failed ({}):\n{report}",
        output.status
    );
    eprintln!("{report}");
}
