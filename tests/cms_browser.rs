//! The web form served by `guide serve` (`/admin/`, Decap CMS), in headless Chromium: a case
//! study created by filling the form is written under `content/projets/`, accepted by
//! `guide check` and shown by the preview (`tests/cms/formulaire.test.mjs`).
//!
//! Needs Node 20 or later, `npm ci --prefix tests/tools` and /usr/bin/chromium: without them
//! the test is skipped, unless GUIDE_REQUIRE_TOOLS is set (CI sets it), where it fails.

mod common;

use std::path::Path;
use std::process::Command;

fn repo() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

#[test]
fn a_case_study_made_with_the_web_form_is_saved_checked_and_previewed() {
    let missing = common::missing_browser_tools(&["playwright-core"]);
    if !missing.is_empty() {
        common::missing_tool(&format!(
            "the form's browser test needs {}",
            missing.join(", ")
        ));
        return;
    }
    // A copy of the guide: the test writes into its content/.
    let site = tempfile::tempdir().unwrap();
    for item in ["guide.yaml", "content", "themes", "static"] {
        let from = repo().join(item);
        if from.is_dir() {
            common::copy_dir(&from, &site.path().join(item));
        } else if from.is_file() {
            std::fs::copy(&from, site.path().join(item)).unwrap();
        }
    }
    let output = Command::new("node")
        .args(["--test", "--test-reporter=spec", "--test-timeout=120000"])
        .arg(repo().join("tests/cms/formulaire.test.mjs"))
        .current_dir(repo())
        .env("GUIDE_BIN", env!("CARGO_BIN_EXE_guide"))
        .env("GUIDE_SITE", site.path())
        .output()
        .unwrap();
    let report = String::from_utf8_lossy(&output.stdout).into_owned()
        + &String::from_utf8_lossy(&output.stderr);
    assert!(
        output.status.success(),
        "the form's browser test failed ({}):\n{report}",
        output.status
    );
    eprintln!("{report}");
}
