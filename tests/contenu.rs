//! The guide's own content (issue 16): every case study ends with the contact and apply block,
//! the self-assessment of /maturite/ works without JavaScript, case studies outside the scheme's
//! region say so, the legal notice shows no placeholder to readers, and the accessibility
//! statement agrees with the RGAA grid of docs/rgaa/grille.csv.

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
    // The day of the edition is not in the sources: readers get its season, not a day.
    assert!(
        !main.contains("2 octobre 2017"),
        "the colophon shows a day no source gives"
    );
    for needed in [
        EDITION,
        "Automne 2017",
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

/// The RGAA 4.1 audit: docs/rgaa/grille.csv holds the 106 criteria, and the summary table of the
/// accessibility statement (written by scripts/rgaa/tableau.py) has the same counts, theme by
/// theme, as do the figures of its conformity paragraph. Reads files only.
#[test]
fn the_accessibility_statement_matches_the_rgaa_grid() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let grid = std::fs::read_to_string(root.join("docs/rgaa/grille.csv")).unwrap();
    let statuts = ["C", "NC", "NA", "NT"];
    let mut themes: Vec<(String, [usize; 4])> = Vec::new();
    let mut seen = std::collections::BTreeSet::new();
    for (i, line) in grid.lines().enumerate().skip(1) {
        let fields: Vec<&str> = line.split(';').collect();
        assert_eq!(fields.len(), 7, "grille.csv line {}: {line}", i + 1);
        assert!(
            seen.insert(fields[0].to_string()),
            "criterion {} twice",
            fields[0]
        );
        let k = statuts
            .iter()
            .position(|s| *s == fields[3])
            .unwrap_or_else(|| panic!("grille.csv line {}: status {:?}", i + 1, fields[3]));
        assert!(
            fields[3] == "NT" || !fields[6].trim().is_empty(),
            "criterion {} is {} without a justification",
            fields[0],
            fields[3]
        );
        assert!(
            !(fields[3] == "C" || fields[3] == "NC") || !fields[5].trim().is_empty(),
            "criterion {} is {} without saying how it was checked",
            fields[0],
            fields[3]
        );
        match themes.iter_mut().find(|(t, _)| t == fields[1]) {
            Some((_, c)) => c[k] += 1,
            None => {
                let mut c = [0; 4];
                c[k] = 1;
                themes.push((fields[1].to_string(), c));
            }
        }
    }
    assert_eq!(seen.len(), 106, "RGAA 4.1 has 106 criteria");
    assert_eq!(themes.len(), 13, "RGAA 4.1 has 13 themes");

    let page = std::fs::read_to_string(root.join("content/accessibilite.md")).unwrap();
    let start = page.find("<!-- rgaa:debut -->").expect("rgaa:debut marker");
    let end = page.find("<!-- rgaa:fin -->").expect("rgaa:fin marker");
    let block = &page[start..end];
    let mut total = [0; 4];
    for (name, c) in &themes {
        let row = format!("| {name} | {} | {} | {} | {} |", c[0], c[1], c[2], c[3]);
        assert!(
            block.contains(&row),
            "accessibilite.md lacks {row:?}: run scripts/rgaa/tableau.py"
        );
        for k in 0..4 {
            total[k] += c[k];
        }
    }
    let row = format!(
        "| **Total** | **{}** | **{}** | **{}** | **{}** |",
        total[0], total[1], total[2], total[3]
    );
    assert!(
        block.contains(&row),
        "accessibilite.md lacks {row:?}: run scripts/rgaa/tableau.py"
    );
    assert_eq!(
        block.matches("\n| ").count(),
        14 + 1,
        "one header, 13 themes and the total"
    );

    // The conformity paragraph: its figures and its status follow the grid.
    let applicable = total[0] + total[1] + total[3];
    for figure in [
        format!("{applicable} s’appliquent au site"),
        format!("{} d’entre eux ont été testés et sont conformes", total[0]),
        format!("{} n’ont pas été testés", total[3]),
    ] {
        assert!(
            page.contains(&figure),
            "accessibilite.md does not say {figure:?}"
        );
    }
    if total[1] > 0 || total[3] > 0 {
        assert!(
            page.contains("**non conforme**"),
            "NC or untested criteria: the site is non conforme"
        );
        assert!(
            !page.contains("**partiellement conforme**")
                && !page.contains("**totalement conforme**")
        );
    }
}
