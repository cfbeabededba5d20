//! Editions (issue 16 §1): `guide.yaml` declares the current edition; a page without a known
//! `date` carries its edition, and the feed dates it by the edition; a bad edition date is a
//! French error at its line; a page changed after its edition says « Mis à jour le … ».

mod common;

use std::path::Path;

use common::TestSite;

const EDITION: &str = "edition:\n  name: Automne 2017\n  date: 2017-10-02\n  version: \"1.0\"\n";

/// The basic fixture with an edition declared and `date:` taken off fiche B.
fn site_with_edition() -> TestSite {
    let site = TestSite::new("basic");
    let config = std::fs::read_to_string(site.path("guide.yaml")).unwrap();
    site.write("guide.yaml", &format!("{config}{EDITION}"));
    let fiche = std::fs::read_to_string(site.path("content/projets/fiche-b.md")).unwrap();
    site.write(
        "content/projets/fiche-b.md",
        &fiche.replace("date: 2024-05-10\n", ""),
    );
    site
}

/// The `<entry>` of the feed whose link ends with `path`.
fn entry<'a>(atom: &'a str, path: &str) -> &'a str {
    atom.split("<entry>")
        .find(|e| e.contains(&format!("{path}\"/>")))
        .unwrap_or_else(|| panic!("no entry for {path} in\n{atom}"))
}

#[test]
fn the_feed_dates_a_page_without_a_date_by_its_edition() {
    let site = site_with_edition();
    site.build();
    let atom = site.output("atom.xml");
    let b = entry(&atom, "/projets/fiche-b/");
    assert!(b.contains("<updated>2017-10-02T00:00:00Z</updated>"), "{b}");
    assert!(
        b.contains("<published>2017-10-02T00:00:00Z</published>"),
        "{b}"
    );
    // A known date stays the page's own.
    let a = entry(&atom, "/projets/fiche-a/");
    assert!(
        a.contains("<published>2024-03-01T00:00:00Z</published>"),
        "{a}"
    );
}

#[test]
fn a_bad_edition_date_is_a_french_error_at_its_line() {
    let site = TestSite::new("basic");
    let config = std::fs::read_to_string(site.path("guide.yaml")).unwrap();
    let text = format!("{config}{}", EDITION.replace("2017-10-02", "2017-13-02"));
    let line = text
        .lines()
        .position(|l| l.trim_start().starts_with("date: 2017-13-02"))
        .unwrap()
        + 1;
    site.write("guide.yaml", &text);
    let run = site.run(&["check"]);
    assert_eq!(run.status, 1, "{}", run.stderr);
    assert!(
        run.stderr.contains(&format!("erreur : guide.yaml:{line}")),
        "{}",
        run.stderr
    );
    assert!(run.stderr.contains("date de l'édition"), "{}", run.stderr);
    assert!(run.stderr.contains("AAAA-MM-JJ"), "{}", run.stderr);
}

#[test]
fn an_edition_without_a_name_is_refused() {
    let site = TestSite::new("basic");
    let config = std::fs::read_to_string(site.path("guide.yaml")).unwrap();
    site.write(
        "guide.yaml",
        &format!("{config}edition:\n  name: \"\"\n  date: 2017-10-02\n"),
    );
    let run = site.run(&["check"]);
    assert_eq!(run.status, 1, "{}", run.stderr);
    assert!(run.stderr.contains("nom de l'édition"), "{}", run.stderr);
}

#[test]
fn a_page_may_name_its_edition_and_a_bad_one_is_an_error_at_its_line() {
    let site = site_with_edition();
    let fiche = std::fs::read_to_string(site.path("content/projets/fiche-b.md")).unwrap();
    site.write(
        "content/projets/fiche-b.md",
        &fiche.replacen("---\n", "---\nedition: [Automne 2017]\n", 1),
    );
    let run = site.run(&["check"]);
    assert_eq!(run.status, 1, "{}", run.stderr);
    assert!(
        run.stderr.contains("erreur : content/projets/fiche-b.md:2"),
        "{}",
        run.stderr
    );
    site.write(
        "content/projets/fiche-b.md",
        &fiche.replacen("---\n", "---\nedition: Automne 2017\n", 1),
    );
    site.build();
}

/// This repository's guide, copied, so a test may change a page.
fn repo_guide() -> tempfile::TempDir {
    let repo = Path::new(env!("CARGO_MANIFEST_DIR"));
    let dir = tempfile::tempdir().unwrap();
    for folder in ["content", "themes", "static"] {
        if repo.join(folder).is_dir() {
            common::copy_dir(&repo.join(folder), &dir.path().join(folder));
        }
    }
    std::fs::copy(repo.join("guide.yaml"), dir.path().join("guide.yaml")).unwrap();
    dir
}

#[test]
fn a_case_study_changed_after_its_edition_says_so() {
    let dir = repo_guide();
    let page = dir
        .path()
        .join("content/projets/entreprise-a-accord-temps-de-travail.md");
    let text = std::fs::read_to_string(&page).unwrap();
    std::fs::write(
        &page,
        text.replacen("---\n", "---\nupdated: 2018-03-05\n", 1),
    )
    .unwrap();
    let out = dir.path().join("public");
    let output = assert_cmd::Command::cargo_bin("guide")
        .unwrap()
        .args(["build", "--root"])
        .arg(dir.path())
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let html = std::fs::read_to_string(
        out.join("projets/entreprise-a-accord-temps-de-travail/index.html"),
    )
    .unwrap();
    let main = common::main_of(&html);
    let meta = &main[main.find("entete-page__meta").expect("no meta line")..];
    let meta = &meta[..meta.find("</p>").unwrap()];
    assert!(meta.contains("Édition Automne 2017"), "{meta}");
    assert!(
        meta.contains("Mis à jour le <time datetime=\"2018-03-05\">5 mars 2018</time>"),
        "{meta}"
    );
    // An unchanged case study says nothing of an update.
    let other =
        std::fs::read_to_string(out.join("projets/entreprise-b-parts-sci/index.html")).unwrap();
    assert!(!other.contains("Mis à jour"), "entreprise-b");
}

#[test]
fn open_data_gives_each_case_study_s_edition_and_only_known_dates() {
    let site = site_with_edition();
    site.build();
    let json: serde_json::Value = serde_json::from_str(&site.output("projets.json")).unwrap();
    let b = json["projets"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["titre"] == "Fiche B")
        .unwrap();
    assert_eq!(b["edition"], "Automne 2017", "{b}");
    assert!(b["date"].is_null(), "{b}");
    let csv = site.output("projets.csv");
    let header: Vec<&str> = csv.lines().next().unwrap().split(',').collect();
    let column = header
        .iter()
        .position(|h| *h == "edition")
        .expect("no edition column");
    let row = csv.lines().find(|l| l.contains("Fiche B")).unwrap();
    assert_eq!(row.split(',').nth(column), Some("Automne 2017"), "{row}");
}

#[test]
fn an_update_before_the_page_was_published_is_a_warning_at_its_line() {
    let site = site_with_edition();
    let fiche = std::fs::read_to_string(site.path("content/projets/fiche-b.md")).unwrap();
    // Fiche B has no date: it was published with the edition, on 2017-10-02.
    site.write(
        "content/projets/fiche-b.md",
        &fiche.replacen("---\n", "---\nupdated: 2017-09-01\n", 1),
    );
    let run = site.run(&["check"]);
    assert_eq!(run.status, 0, "{}", run.stderr);
    assert!(
        run.stderr
            .contains("avertissement : content/projets/fiche-b.md:2:10"),
        "{}",
        run.stderr
    );
    assert!(run.stderr.contains("précède"), "{}", run.stderr);
    // After the edition, it is what `updated` is for: no warning.
    site.write(
        "content/projets/fiche-b.md",
        &fiche.replacen("---\n", "---\nupdated: 2018-03-05\n", 1),
    );
    let run = site.run(&["check"]);
    assert!(!run.stderr.contains("précède"), "{}", run.stderr);
}
