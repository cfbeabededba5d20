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
    let (status, report) = run_node_tests(&files, &out, &[]);
    assert!(
        status.success(),
        "the browser tests failed ({status}):\n{report}"
    );
    eprintln!("{report}");
}

/// Runs the test `files` with Node's test runner (and `patterns`: `--test-name-pattern`s)
/// against the site in `public`; its status and what it printed.
fn run_node_tests(
    files: &[PathBuf],
    public: &Path,
    patterns: &[&str],
) -> (std::process::ExitStatus, String) {
    let output = Command::new("node")
        .args(["--test", "--test-reporter=spec", "--test-timeout=240000"])
        .args(patterns.iter().map(|p| format!("--test-name-pattern={p}")))
        .args(files)
        .current_dir(repo())
        .env("GUIDE_PUBLIC", public)
        .output()
        .unwrap();
    let report = String::from_utf8_lossy(&output.stdout).into_owned()
        + &String::from_utf8_lossy(&output.stderr);
    (output.status, report)
}

/// The search page on an index in parts (`output.search_part_size`, for big sites): the
/// guide built with parts of four pages, and the search tests run against it: the parts are
/// merged (results of every part, filter counts added up). The download budget of a cold
/// search is the one-part index's (tests/browser/recherche-filtres.test.mjs): not run here,
/// each part adds its own small files.
#[test]
fn search_merges_the_parts_of_an_index_in_parts() {
    let missing = common::missing_browser_tools(&["playwright-core"]);
    if !missing.is_empty() {
        let message = format!("the browser tests need {}", missing.join(", "));
        common::missing_tool(&message);
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("guide");
    for folder in ["content", "themes"] {
        common::copy_dir(&repo().join(folder), &root.join(folder));
    }
    let config = std::fs::read_to_string(repo().join("guide.yaml")).unwrap();
    assert!(
        !config.contains("\noutput:"),
        "guide.yaml has an output: key"
    );
    std::fs::write(
        root.join("guide.yaml"),
        format!("{config}\noutput:\n  search_part_size: 4\n"),
    )
    .unwrap();
    let out = dir.path().join("public");
    let built = Command::new(env!("CARGO_BIN_EXE_guide"))
        .args(["build", "--root"])
        .arg(&root)
        .arg("--output")
        .arg(&out)
        .output()
        .unwrap();
    assert!(
        built.status.success(),
        "{}",
        String::from_utf8_lossy(&built.stderr)
    );
    let parts: Vec<String> =
        serde_json::from_slice(&std::fs::read(out.join("pagefind/guide-parties.json")).unwrap())
            .unwrap();
    assert!(parts.len() >= 3, "{parts:?}");

    let files: Vec<PathBuf> = test_files()
        .into_iter()
        .filter(|f| f.to_string_lossy().contains("/recherche"))
        .collect();
    assert_eq!(files.len(), 3, "{files:?}");
    // Every test but « a cold search downloads… »: a name matching any pattern runs.
    let patterns = [
        "filter counts",
        "ticking filters",
        "elision",
        "hyphenated",
        "synonyms",
        "stop words",
        "misspelling",
        "single letter",
        "accent",
        "stemming",
    ];
    let (status, report) = run_node_tests(&files, &out, &patterns);
    assert!(
        status.success(),
        "the search tests failed on an index in parts ({status}):\n{report}"
    );
    // Node skips the tests the pattern leaves out: the others must have run.
    let passed: usize = (report.lines())
        .find_map(|line| line.trim().strip_prefix("ℹ pass "))
        .and_then(|n| n.trim().parse().ok())
        .unwrap_or(0);
    assert!(passed >= 10, "{passed} search tests passed:\n{report}");
}
