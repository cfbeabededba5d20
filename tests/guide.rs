//! The guide of this repository: it builds without error, with no warning but the values ARACT
//! must still supply, every case study appears on its taxonomy pages, and every page is valid
//! HTML (W3C Nu HTML Checker).

mod common;

use std::path::Path;
use std::process::Command;

use guide::content::DraftMode;

fn repo() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// Builds the repository's guide into a temporary folder.
fn build_guide() -> (tempfile::TempDir, std::path::PathBuf, String) {
    common::build_repo_guide()
}

#[test]
fn the_guide_builds_without_errors_or_warnings_but_the_values_to_supply() {
    let (_dir, out, stderr) = build_guide();
    let warnings = stderr.matches("avertissement :").count();
    let placeholders = stderr.matches("valeur encore à fournir").count();
    assert_eq!(warnings, placeholders, "{stderr}");
    assert!(!stderr.contains("erreur :"), "{stderr}");
    // What a reader sees never says what is missing in the team's words.
    for page in [
        "index.html",
        "dispositif/index.html",
        "candidater/index.html",
    ] {
        let html = std::fs::read_to_string(out.join(page)).unwrap();
        assert!(!html.to_lowercase().contains("compléter"), "{page}");
    }
    for page in [
        "index.html",
        "innovation-sociale/index.html",
        "dispositif/index.html",
        "accessibilite/index.html",
        "themes/qvct/index.html",
        "maturite/index.html",
    ] {
        assert!(out.join(page).is_file(), "missing {page}");
    }
}

#[test]
fn every_case_study_appears_on_each_of_its_term_pages() {
    let (_dir, out, _) = build_guide();
    let (config, diagnostics) = guide::config::load(repo());
    assert!(!diagnostics.iter().any(|d| d.is_error()), "{diagnostics:?}");
    let config = config.unwrap();
    let (site, _) = guide::content::load(repo(), &config, DraftMode::Exclude);
    let (classification, _) = guide::taxonomy::classify(&site, &config);
    let projets: Vec<usize> = (0..site.pages.len())
        .filter(|&p| site.sections[site.pages[p].section].name == "projets")
        .collect();
    assert!(
        projets.len() >= 8,
        "the guide has at least 8 case studies, found {}",
        projets.len()
    );
    for &p in &projets {
        let page = &site.pages[p];
        let url = format!("{}{}", config.base_path(), page.path);
        for name in ["themes", "maturite"] {
            let t = config
                .taxonomies
                .iter()
                .position(|t| t.name == name)
                .unwrap();
            let terms = &classification.page_terms[p][t];
            assert!(!terms.is_empty(), "{} has no {name}", page.source.display());
            for &term in terms {
                let slug = &classification.taxonomies[t].terms[term].slug;
                let html =
                    std::fs::read_to_string(out.join(name).join(slug).join("index.html")).unwrap();
                assert!(
                    html.contains(&format!("href=\"{url}\"")),
                    "{} missing from /{name}/{slug}/",
                    page.source.display()
                );
            }
        }
    }
}

#[test]
fn every_page_of_the_guide_is_valid_html() {
    let jar = repo().join("tests/tools/node_modules/vnu-jar/build/dist/vnu.jar");
    let java = Command::new("java")
        .arg("-version")
        .output()
        .is_ok_and(|o| o.status.success());
    if !jar.is_file() || !java {
        let message = "the W3C Nu HTML Checker is not installed: run `npm install --prefix tests/tools` (Java 17 needed)";
        common::missing_tool(message);
        return;
    }
    let (_dir, out, _) = build_guide();
    let output = Command::new("java")
        .arg("-jar")
        .arg(&jar)
        .args(["--skip-non-html", "--errors-only", "--format", "text"])
        .arg(&out)
        .output()
        .unwrap();
    let report = String::from_utf8_lossy(&output.stderr).into_owned()
        + &String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success(),
        "the Nu checker found errors:\n{report}"
    );
}
