//! Reader features produced by `guide build`: the search index and page, the printed
//! edition, and the open data (JSON and CSV).

mod common;

use common::TestSite;

#[test]
fn the_search_index_and_page_are_built_unless_disabled() {
    let site = TestSite::new("basic");
    site.build();
    let files = site.output_files();
    assert!(
        files.contains(&"pagefind/pagefind.js".to_string()),
        "{files:?}"
    );
    assert!(
        files.iter().any(|f| f.starts_with("pagefind/wasm.fr")),
        "French stemming bundle: {files:?}"
    );
    let page = site.output("recherche/index.html");
    assert!(page.contains("data-bundle=\"/essai/pagefind/\""), "{page}");
    assert!(page.contains("themes : Thèmes"), "{page}");

    let run = site.run(&["build", "--no-search"]);
    assert_eq!(run.status, 0, "{}", run.stderr);
    assert!(!site.path("public/pagefind").exists());
}

#[test]
fn the_printed_edition_has_the_intro_then_each_case_study_once_by_theme() {
    let site = TestSite::new("basic");
    site.build();
    let page = site.output("guide-complet/index.html");
    assert!(page.contains("<p class=\"nombre\">3 fiches</p>"), "{page}");
    let intro = page
        .find("<section class=\"intro\"><h2>À propos</h2>")
        .expect("intro");
    let qvct = page.find("id=\"qvct\"").expect("chapter qvct");
    let partage = page
        .find("id=\"partage-valeur\"")
        .expect("chapter partage-valeur");
    assert!(
        intro < qvct && qvct < partage,
        "intro, then chapters in declared order"
    );
    // Fiche A has qvct first, so it is printed once, in the qvct chapter.
    assert_eq!(page.matches("<h3>Fiche A").count(), 1, "{page}");
    assert!(
        !page.contains("id=\"dialogue-social\""),
        "a chapter whose pages are all printed elsewhere is left out"
    );
}

#[test]
fn open_data_lists_every_case_study_in_json_and_csv() {
    let site = TestSite::new("basic");
    site.build();
    let json: serde_json::Value = serde_json::from_str(&site.output("projets.json")).unwrap();
    assert_eq!(json["nombre"], 3);
    let first = &json["projets"][0];
    assert_eq!(first["url"], "https://example.org/essai/projets/fiche-a/");
    assert_eq!(first["champs"]["entreprise"]["effectif"], 45);
    assert_eq!(first["taxonomies"]["themes"][1]["slug"], "dialogue-social");
    assert_eq!(
        first["resume"], "Un résumé avec du gras & des <b>chevrons</b>.",
        "raw HTML in a summary is text"
    );

    let csv = site.output("projets.csv");
    let lines: Vec<&str> = csv.split("\r\n").filter(|l| !l.is_empty()).collect();
    assert_eq!(lines.len(), 4, "header and three rows: {csv}");
    assert!(lines[0].starts_with("url,titre,resume,date,mise_a_jour,themes,maturite,mots-cles,entreprise.nom,entreprise.effectif"), "{}", lines[0]);
    assert!(
        lines[1].contains(",Qualité de vie et des conditions de travail ; Dialogue social,"),
        "{}",
        lines[1]
    );
}

#[test]
fn pdf_prints_the_edition_with_chromium() {
    if guide::cmd::pdf::find_chromium().is_none() {
        let message = "Chromium is not installed (apt-get install chromium)";
        common::missing_tool(message);
        return;
    }
    let site = TestSite::new("basic");
    let run = site.run(&["pdf"]);
    assert_eq!(run.status, 0, "{}", run.stderr);
    let pdf = std::fs::read(site.path("public/guide-complet.pdf")).unwrap();
    assert!(pdf.starts_with(b"%PDF"));
    assert!(pdf.len() > 5_000, "a real document, not an empty page");
}

#[test]
fn pdf_without_chromium_says_how_to_install_it() {
    let site = TestSite::new("basic");
    let output = assert_cmd::Command::cargo_bin("guide")
        .unwrap()
        .args(["pdf", "--root"])
        .arg(site.root())
        .env("PATH", "")
        .env("GUIDE_CHROMIUM", "/nonexistent/chromium")
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(1));
    assert!(
        stderr.contains("Chromium (ou Chrome) est introuvable"),
        "{stderr}"
    );
    assert!(stderr.contains("apt-get install chromium"), "{stderr}");
    assert!(
        !site.path("public").exists(),
        "nothing is built when the PDF cannot be made"
    );
}
