//! The editor's commands: `guide new` and `guide champs`, and the handbook's field reference.

mod common;

use common::TestSite;

#[test]
fn a_new_page_passes_check_as_it_stands() {
    let site = TestSite::new("basic");
    let run = site.run(&["new", "projets", "Accord « temps de travail » : essai"]);
    assert_eq!(run.status, 0, "{}", run.stderr);
    let text =
        std::fs::read_to_string(site.path("content/projets/accord-temps-de-travail-essai.md"))
            .unwrap();
    assert!(
        text.contains("title: \"Accord « temps de travail » : essai\""),
        "{text}"
    );
    assert!(text.contains("draft: true"));
    assert!(
        text.contains("# obligatoire — un nombre entier — de 1 à 299"),
        "{text}"
    );
    assert!(
        text.contains("valeurs permises : direction, salariés, CSE"),
        "{text}"
    );
    let check = site.run(&["check"]);
    assert_eq!(check.status, 0, "{}", check.stderr);
    // A draft is not published.
    site.build();
    assert!(!site
        .path("public/projets/accord-temps-de-travail-essai/index.html")
        .exists());
}

#[test]
fn new_refuses_to_overwrite_a_file() {
    let site = TestSite::new("basic");
    let before = std::fs::read_to_string(site.path("content/projets/fiche-a.md")).unwrap();
    let run = site.run(&["new", "projets", "Fiche A"]);
    assert_eq!(run.status, 1);
    assert!(run.stderr.contains("existe déjà"), "{}", run.stderr);
    assert_eq!(
        std::fs::read_to_string(site.path("content/projets/fiche-a.md")).unwrap(),
        before
    );
}

#[test]
fn new_rejects_an_unknown_section_and_lists_the_sections() {
    let site = TestSite::new("basic");
    let run = site.run(&["new", "projet", "Titre"]);
    assert_eq!(run.status, 1);
    assert!(
        run.stderr.contains("section inconnue : « projet »"),
        "{}",
        run.stderr
    );
    assert!(
        run.stderr.contains("vouliez-vous dire « projets » ?"),
        "{}",
        run.stderr
    );
}

#[test]
fn new_in_the_guide_writes_the_case_study_headings() {
    let dir = tempfile::tempdir().unwrap();
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    // A copy of the guide's config and content, so the repository is left alone.
    let copy = |from: &str| {
        let status = std::process::Command::new("cp")
            .arg("-r")
            .arg(root.join(from))
            .arg(dir.path())
            .status()
            .unwrap();
        assert!(status.success());
    };
    copy("guide.yaml");
    copy("content");
    copy("themes");
    let output = assert_cmd::Command::cargo_bin("guide")
        .unwrap()
        .args(["new", "projets", "Essai"])
        .arg("--root")
        .arg(dir.path())
        .output()
        .unwrap();
    assert!(output.status.success());
    let text = std::fs::read_to_string(dir.path().join("content/projets/essai.md")).unwrap();
    let headings: Vec<&str> = text.lines().filter(|l| l.starts_with("## ")).collect();
    assert_eq!(
        headings,
        [
            "## L'entreprise",
            "## Le contexte",
            "## L'innovation",
            "## Les acteurs",
            "## Les résultats",
            "## Ce que l'on retient",
            "## L'accompagnement"
        ]
    );
    let check = assert_cmd::Command::cargo_bin("guide")
        .unwrap()
        .arg("check")
        .arg("--root")
        .arg(dir.path())
        .output()
        .unwrap();
    assert!(
        check.status.success(),
        "{}",
        String::from_utf8_lossy(&check.stderr)
    );
}

#[test]
fn the_handbook_field_reference_matches_guide_yaml() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let output = assert_cmd::Command::cargo_bin("guide")
        .unwrap()
        .arg("champs")
        .arg("--root")
        .arg(root)
        .output()
        .unwrap();
    assert!(output.status.success());
    let reference = String::from_utf8(output.stdout).unwrap();
    let handbook = std::fs::read_to_string(root.join("docs/guide-editeur.md")).unwrap();
    let expected = guide::scaffold::splice_reference(&handbook, &reference).unwrap();
    assert!(
        handbook == expected,
        "docs/guide-editeur.md is out of date: run `cargo run -- champs --ecrire docs/guide-editeur.md`"
    );
    assert!(
        reference.contains("`entreprise.effectif` | oui | un nombre entier ; de 1 à 299"),
        "{reference}"
    );
}
