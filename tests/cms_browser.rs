//! The web form served by `guide serve` (`/admin/`, Decap CMS), in headless Chromium: a case
//! study created by filling the form is written under `content/projets/`, accepted by
//! `guide check` and shown by the preview (`tests/cms/formulaire.test.mjs`).
//!
//! Needs Node 20 or later, `npm ci --prefix tests/tools` and /usr/bin/chromium: without them
//! the test is skipped, unless GUIDE_REQUIRE_TOOLS is set (CI sets it), where it fails.

mod common;

use std::path::{Path, PathBuf};
use std::process::Command;

fn repo() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// What is missing to run the test, if anything.
fn missing_tools() -> Vec<String> {
    let mut missing = Vec::new();
    let node = Command::new("node").arg("--version").output();
    match node {
        Ok(o) if o.status.success() => {
            let version = String::from_utf8_lossy(&o.stdout).trim().to_owned();
            let major: u32 = version
                .trim_start_matches('v')
                .split('.')
                .next()
                .and_then(|m| m.parse().ok())
                .unwrap_or(0);
            if major < 20 {
                missing.push(format!("Node 20 or later (found {version})"));
            }
        }
        _ => missing.push("node (Node 20 or later)".to_owned()),
    }
    if !repo()
        .join("tests/tools/node_modules/playwright-core/package.json")
        .is_file()
    {
        missing.push("the npm package playwright-core (run `npm ci --prefix tests/tools`)".into());
    }
    let chromium = std::env::var_os("GUIDE_CHROMIUM")
        .map_or_else(|| PathBuf::from("/usr/bin/chromium"), PathBuf::from);
    if !chromium.is_file() {
        missing.push(format!(
            "Chromium at {} (run `apt-get install chromium`)",
            chromium.display()
        ));
    }
    missing
}

#[test]
fn a_case_study_made_with_the_web_form_is_saved_checked_and_previewed() {
    let missing = missing_tools();
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
