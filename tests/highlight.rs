//! The highlighting stylesheet (`highlight.css`, about 16 KB) is loaded only by the pages that
//! show highlighted code.

mod common;

/// The HTML pages of an output folder that link `highlight.css`, and how many pages in all.
fn pages_linking_the_stylesheet(out: &std::path::Path) -> (Vec<String>, usize) {
    let mut linking = Vec::new();
    let mut pages = 0;
    for entry in walkdir::WalkDir::new(out) {
        let entry = entry.unwrap();
        if entry.path().extension().is_some_and(|e| e == "html") {
            pages += 1;
            let html = std::fs::read_to_string(entry.path()).unwrap();
            if html.contains("highlight.css") {
                linking.push(
                    entry
                        .path()
                        .strip_prefix(out)
                        .unwrap()
                        .display()
                        .to_string(),
                );
            }
        }
    }
    (linking, pages)
}

#[test]
fn pages_without_code_do_not_load_the_highlighting_stylesheet() {
    let (_dir, out, _) = common::build_repo_guide();
    let (linking, pages) = pages_linking_the_stylesheet(&out);
    eprintln!("{} of {pages} pages load highlight.css", linking.len());
    assert!(pages > 30);
    assert!(linking.is_empty(), "the guide has no code: {linking:?}");
    assert!(out.join("highlight.css").exists(), "still published");
}

#[test]
fn a_page_with_highlighted_code_and_the_printed_edition_holding_it_load_the_stylesheet() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("site");
    let repo = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    for folder in ["content", "themes"] {
        common::copy_dir(&repo.join(folder), &root.join(folder));
    }
    std::fs::copy(repo.join("guide.yaml"), root.join("guide.yaml")).unwrap();
    let page = root.join("content/dispositif.md");
    let text = std::fs::read_to_string(&page).unwrap();
    std::fs::write(
        &page,
        format!("{text}\n\n```yaml\nentreprise:\n  nom: Exemple\n```\n\n```\nsans langue\n```\n"),
    )
    .unwrap();
    let out = dir.path().join("public");
    let status = assert_cmd::Command::cargo_bin("guide")
        .unwrap()
        .args(["build", "--no-search", "--root"])
        .arg(&root)
        .arg("--output")
        .arg(&out)
        .output()
        .unwrap();
    assert!(
        status.status.success(),
        "{}",
        String::from_utf8_lossy(&status.stderr)
    );
    let (mut linking, _) = pages_linking_the_stylesheet(&out);
    linking.sort();
    assert_eq!(
        linking,
        ["dispositif/index.html", "guide-complet/index.html"],
        "the page with code, and the printed edition that prints it"
    );
}
