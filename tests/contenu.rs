//! The guide's own content (issue 16): every case study ends with the contact and apply block,
//! the self-assessment of /maturite/ works without JavaScript, case studies outside the scheme's
//! region say so, and the legal notice shows no placeholder to readers.

mod common;

use std::path::Path;

fn read(out: &Path, page: &str) -> String {
    std::fs::read_to_string(out.join(page)).unwrap_or_else(|e| panic!("{page}: {e}"))
}

/// The case studies' folders under /projets/.
fn case_studies(out: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(out.join("projets"))
        .unwrap()
        .map(|e| e.unwrap())
        .filter(|e| e.path().join("index.html").is_file())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

#[test]
fn every_case_study_ends_with_the_contact_and_apply_block() {
    let (_dir, out, _) = common::build_repo_guide();
    let names = case_studies(&out);
    assert!(names.len() >= 8, "{names:?}");
    for name in names {
        let page = read(&out, &format!("projets/{name}/index.html"));
        let main = common::main_of(&page);
        let contact = main
            .find("<section class=\"contact\" id=\"contact\"")
            .unwrap_or_else(|| panic!("/projets/{name}/ has no contact block"));
        let block = &main[contact..];
        assert!(
            block.contains("Un projet comme celui-ci"),
            "/projets/{name}/"
        );
        assert!(
            block.contains("href=\"/candidater/\""),
            "/projets/{name}/ does not link to /candidater/"
        );
        assert!(
            block.contains("Aract Auvergne-Rhône-Alpes"),
            "/projets/{name}/"
        );
    }
    for page in [
        "index.html",
        "dispositif/index.html",
        "candidater/index.html",
    ] {
        let html = read(&out, page);
        assert!(
            common::main_of(&html).contains("class=\"contact\""),
            "{page} has no contact block"
        );
    }
}

#[test]
fn the_self_assessment_works_without_javascript() {
    let (_dir, out, _) = common::build_repo_guide();
    let html = read(&out, "maturite/index.html");
    let main = common::main_of(&html);
    let start = main
        .find("id=\"autodiagnostic\"")
        .expect("no self-assessment on /maturite/");
    let ad = &main[start..];
    for forbidden in ["<script", "<form", "<input", "onclick", "<button"] {
        assert!(
            !ad.contains(forbidden),
            "the self-assessment uses {forbidden}"
        );
    }
    let levels = [
        "emergence",
        "premiers-outils",
        "nouvelles-pratiques",
        "innovation-approfondie",
    ];
    for (i, slug) in levels.iter().enumerate() {
        // Each step is reached by a link, and each answer leads to a result on the page.
        assert!(
            ad.contains(&format!("id=\"etape-{}\"", i + 1)),
            "step {}",
            i + 1
        );
        assert!(
            ad.contains(&format!("id=\"resultat-{slug}\"")),
            "result {slug}"
        );
        assert!(
            ad.contains(&format!("href=\"#resultat-{slug}\"")),
            "no answer leads to {slug}"
        );
        if i > 0 {
            assert!(
                ad.contains(&format!("href=\"#etape-{}\"", i + 1)),
                "no answer leads to step {}",
                i + 1
            );
        }
        // Each result leads to the case studies of its level, the scheme and the apply page.
        let result = &ad[ad.find(&format!("id=\"resultat-{slug}\"")).unwrap()..];
        let result = &result[..result[1..]
            .find("id=\"resultat-")
            .map_or(result.len(), |e| e + 1)];
        assert!(
            result.contains(&format!("href=\"/maturite/{slug}/\"")),
            "{slug}: no link to its case studies"
        );
        assert!(
            result.contains("href=\"/dispositif/\""),
            "{slug}: no link to the scheme"
        );
        assert!(
            result.contains("href=\"/candidater/\""),
            "{slug}: no link to the apply page"
        );
        assert!(result.contains("jours"), "{slug}: no appui-conseil formula");
    }
}

#[test]
fn case_studies_outside_the_region_say_they_illustrate_a_practice() {
    let (_dir, out, _) = common::build_repo_guide();
    let mut outside = 0;
    for term in ["grand-est", "autre"] {
        let listing = read(&out, &format!("territoire/{term}/index.html"));
        for name in case_studies(&out) {
            if listing.contains(&format!("href=\"/projets/{name}/\"")) {
                outside += 1;
                let page = read(&out, &format!("projets/{name}/index.html"));
                assert!(
                    page.contains("Une pratique, pas le dispositif"),
                    "/projets/{name}/ is outside the region but does not say so"
                );
            }
        }
    }
    assert!(outside > 0, "no case study outside the region was checked");
}

#[test]
fn readers_never_see_a_placeholder_in_the_legal_notice() {
    let (_dir, out, _) = common::build_repo_guide();
    let html = read(&out, "mentions-legales/index.html").to_lowercase();
    assert!(
        !html.contains("compléter"),
        "the legal notice shows a placeholder"
    );
}

/// The current edition's name, as `guide.yaml` declares it (`edition.name`).
const EDITION: &str = "Automne 2017";

#[test]
fn no_case_study_shows_an_invented_day_and_each_names_its_edition() {
    let (_dir, out, _) = common::build_repo_guide();
    let names = case_studies(&out);
    assert!(names.len() >= 8, "{names:?}");
    for name in &names {
        let page = read(&out, &format!("projets/{name}/index.html"));
        let main = common::main_of(&page);
        // A day of publication is shown only where it is known: none of the guide's is.
        assert!(!main.contains("Publié le"), "/projets/{name}/ shows a day");
        assert!(
            main.contains(&format!("Édition {EDITION}")),
            "/projets/{name}/ does not name its edition"
        );
    }
    // The feed dates them by the edition, never by an invented day.
    let atom = read(&out, "atom.xml");
    let entries = atom.matches("<entry>").count();
    assert_eq!(entries, names.len(), "{atom}");
    let stamp = "2017-10-02T00:00:00Z";
    assert_eq!(
        atom.matches(&format!("<updated>{stamp}</updated>")).count(),
        entries + 1,
        "{atom}"
    );
}

#[test]
fn the_colophon_names_the_edition_and_says_how_to_cite_the_guide() {
    let (_dir, out, _) = common::build_repo_guide();
    let html = read(&out, "colophon/index.html");
    let main = common::main_of(&html);
    for needed in [
        EDITION,
        "2 octobre 2017",
        "Version",
        "Aract Auvergne-Rhône-Alpes",
        "CRESS Auvergne-Rhône-Alpes",
        "Université Grenoble Alpes",
        "Licence",
        "Citer le guide",
    ] {
        assert!(main.contains(needed), "the colophon lacks {needed}");
    }
    // Every page's footer names the edition and links to the colophon; so does the cover of
    // the printed edition.
    for page in ["index.html", "projets/entreprise-b-parts-sci/index.html"] {
        let html = read(&out, page);
        let footer = &html[html.find("<footer").unwrap()..];
        assert!(footer.contains(&format!("Édition {EDITION}")), "{page}");
        assert!(footer.contains("colophon/"), "{page}");
    }
    let print = read(&out, "guide-complet/index.html");
    assert!(
        print.contains(&format!("Édition {EDITION}")),
        "guide-complet"
    );
    assert!(
        !print.contains("version du"),
        "guide-complet dates itself by the build"
    );
}
