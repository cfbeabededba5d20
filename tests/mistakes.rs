//! Mistakes editors make that used to pass in silence: each gets a French message with its
//! file, line and fix (issue 14, part 3), and the JSON output editors' tools read (part 4).

mod common;

use common::TestSite;

/// The valid front matter of a case study of the `basic` fixture, without its closing line.
const CASE_STUDY: &str = "---\ntitle: Fiche essai\nthemes: [qvct]\nmaturite: emergence\nentreprise: { nom: Entreprise E, effectif: 8 }\nillustratif: true\n";

fn case_study(body: &str) -> String {
    format!("{CASE_STUDY}---\n{body}")
}

/// The `basic` fixture whose case studies have fixed headings.
fn site_with_headings() -> TestSite {
    let site = TestSite::new("basic");
    let config = std::fs::read_to_string(site.path("guide.yaml")).unwrap();
    site.write(
        "guide.yaml",
        &config.replacen(
            "    page_template: projet.html\n",
            "    page_template: projet.html\n    headings: [L'entreprise, Le contexte, Les résultats]\n",
            1,
        ),
    );
    site
}

#[test]
fn untouched_placeholders_warn_in_check_and_fail_the_build() {
    let site = TestSite::new("basic");
    let run = site.run(&["new", "projets", "Essai"]);
    assert_eq!(run.status, 0, "{}", run.stderr);
    let path = "content/projets/essai.md";
    let text = std::fs::read_to_string(site.path(path)).unwrap();
    site.write(path, &text.replace("draft: true\n", ""));
    let check = site.run(&["check"]);
    assert_eq!(check.status, 0, "{}", check.stderr);
    assert!(
        check
            .stderr
            .contains("avertissement : content/projets/essai.md:"),
        "{}",
        check.stderr
    );
    assert!(
        check
            .stderr
            .contains("« À compléter » n'a pas été remplacé"),
        "{}",
        check.stderr
    );
    let build = site.run(&["build"]);
    assert_eq!(build.status, 1, "{}", build.stderr);
    assert!(
        build.stderr.contains("erreur : content/projets/essai.md:"),
        "{}",
        build.stderr
    );
    assert!(
        build.stderr.contains("remettez « draft: true »"),
        "{}",
        build.stderr
    );
    // Still a draft: nothing to say.
    site.write(path, &text);
    let check = site.run(&["check"]);
    assert!(!check.stderr.contains("À compléter"), "{}", check.stderr);
}

#[test]
fn renamed_missing_or_misplaced_fixed_headings_are_warned() {
    let site = site_with_headings();
    site.write(
        "content/projets/essai.md",
        &case_study(
            "## L'entreprise\n\nTexte.\n\n## Les résultat\n\nTexte.\n\n## Le contexte\n\nTexte.\n",
        ),
    );
    let run = site.run(&["check"]);
    assert_eq!(run.status, 0, "{}", run.stderr);
    assert!(
        run.stderr.contains("avertissement : content/projets/essai.md:12:1\n  intertitre « Les résultat » au lieu de « Les résultats »"),
        "{}",
        run.stderr
    );
    assert!(
        run.stderr.contains(
            "intertitre « Le contexte » hors de son ordre : il vient avant « Les résultats »"
        ),
        "{}",
        run.stderr
    );
    site.write(
        "content/projets/essai.md",
        &case_study("## L'entreprise\n\nTexte.\n\n## Les résultats\n\nTexte.\n"),
    );
    let run = site.run(&["check"]);
    assert!(
        run.stderr.contains("intertitre manquant : « Le contexte »"),
        "{}",
        run.stderr
    );
}

#[test]
fn two_pages_with_the_same_title_are_warned() {
    let site = TestSite::new("basic");
    site.write(
        "content/projets/fiche-c.md",
        &case_study("Texte.\n").replace("Fiche essai", "Fiche B"),
    );
    let run = site.run(&["check"]);
    assert_eq!(run.status, 0, "{}", run.stderr);
    assert!(
        run.stderr.contains("avertissement : content/projets/fiche-c.md:2:1\n  deux pages portent le même titre « Fiche B » (aussi content/projets/fiche-b.md)"),
        "{}",
        run.stderr
    );
}

#[test]
fn text_pasted_from_word_is_warned_with_the_markdown_to_write() {
    let site = TestSite::new("basic");
    site.write(
        "content/projets/essai.md",
        &case_study("Les étapes :\n\n• un diagnostic\n• un plan\n\nAvant\tAprès\n12\t8\n"),
    );
    let run = site.run(&["check"]);
    assert_eq!(run.status, 0, "{}", run.stderr);
    assert!(
        run.stderr.contains("avertissement : content/projets/essai.md:10:1\n  ligne qui commence par « • » : ce n'est pas une liste"),
        "{}",
        run.stderr
    );
    assert!(run.stderr.contains("« - un diagnostic »"), "{}", run.stderr);
    assert!(
        run.stderr.contains("avertissement : content/projets/essai.md:13:1\n  ligne séparée par des tabulations : ce n'est pas un tableau"),
        "{}",
        run.stderr
    );
    assert!(run.stderr.contains("| Avant | Après |"), "{}", run.stderr);
}

#[test]
fn an_image_path_with_spaces_gets_the_fix() {
    let site = TestSite::new("basic");
    site.write(
        "content/projets/essai.md",
        &case_study("Voici ![La photo de l'atelier](Photo été.jpg) en été.\n"),
    );
    let run = site.run(&["check"]);
    assert_eq!(run.status, 1, "{}", run.stderr);
    assert!(
        run.stderr.contains("erreur : content/projets/essai.md:8:7\n  chemin avec des espaces : « Photo été.jpg » ne s'affiche pas"),
        "{}",
        run.stderr
    );
    assert!(
        run.stderr
            .contains("![La photo de l'atelier](<Photo été.jpg>)"),
        "{}",
        run.stderr
    );
    // The fix works, accents and spaces included.
    site.write("content/projets/Photo été.jpg", "jpeg");
    site.write(
        "content/projets/essai.md",
        &case_study("Voici ![La photo de l'atelier](<Photo été.jpg>) en été.\n"),
    );
    let run = site.build();
    assert!(
        !run.stderr.contains("chemin avec des espaces"),
        "{}",
        run.stderr
    );
    assert!(site
        .output("projets/essai/index.html")
        .contains("src=\"/essai/projets/Photo%20%C3%A9t%C3%A9.jpg\""));
}

#[test]
fn the_front_matter_image_follows_the_rules_of_body_images() {
    let site = TestSite::new("basic");
    site.write(
        "content/projets/essai.md",
        &format!("{CASE_STUDY}image:\n  src: atelier.jpg\n  alt: \"\"\n---\nTexte.\n"),
    );
    let run = site.run(&["check"]);
    assert_eq!(run.status, 1, "{}", run.stderr);
    assert!(
        run.stderr.contains(
            "erreur : content/projets/essai.md:8:8\n  image introuvable : « atelier.jpg »"
        ),
        "{}",
        run.stderr
    );
    assert!(
        run.stderr
            .contains("erreur : content/projets/essai.md:9:8\n  image sans texte alternatif"),
        "{}",
        run.stderr
    );
}

#[test]
fn check_and_build_agree_on_a_link_to_a_draft() {
    let site = TestSite::new("basic");
    site.write(
        "content/projets/brouillon.md",
        &format!("{CASE_STUDY}draft: true\n---\nPas fini.\n"),
    );
    site.write(
        "content/projets/essai.md",
        &case_study("Voir [la fiche en cours](@/projets/brouillon.md).\n"),
    );
    for command in ["check", "build"] {
        let run = site.run(&[command]);
        assert_eq!(run.status, 1, "{command}: {}", run.stderr);
        assert!(
            run.stderr.contains("erreur : content/projets/essai.md:8:6\n  lien vers un brouillon : « @/projets/brouillon.md »"),
            "{command}: {}",
            run.stderr
        );
    }
    let run = site.run(&["build", "--drafts"]);
    assert_eq!(run.status, 0, "{}", run.stderr);
    // A draft, when shown (preview, build --drafts), says so; a published page does not.
    assert!(site
        .output("projets/brouillon/index.html")
        .contains("class=\"guide-brouillon\" role=\"note\""));
    assert!(!site
        .output("projets/essai/index.html")
        .contains("guide-brouillon"));
}

#[test]
fn a_page_saved_as_md_txt_is_warned() {
    let site = TestSite::new("basic");
    site.write("content/projets/essai.md.txt", &case_study("Texte.\n"));
    let run = site.run(&["check"]);
    assert_eq!(run.status, 0, "{}", run.stderr);
    assert!(
        run.stderr.contains("avertissement : content/projets/essai.md.txt\n  fichier ignoré : son nom finit par « .md.txt »"),
        "{}",
        run.stderr
    );
    assert!(
        run.stderr.contains("renommez-le « essai.md »"),
        "{}",
        run.stderr
    );
}

#[test]
fn invisible_characters_in_yaml_are_named_at_their_line_and_key() {
    let site = TestSite::new("basic");
    site.write(
        "content/projets/espace.md",
        &format!("{CASE_STUDY}acteurs:\n\u{a0}\u{a0}- direction\n---\nTexte.\n"),
    );
    site.write(
        "content/projets/tabulation.md",
        "---\ntitle: Tab\nthemes: [qvct]\nentreprise:\n\tnom: E\n  effectif: 8\nillustratif: true\n---\n",
    );
    site.write(
        "content/projets/guillemets.md",
        &format!(
            "{}---\n",
            CASE_STUDY.replace("title: Fiche essai", "title: “Accord : essai”")
        ),
    );
    let run = site.run(&["check"]);
    assert_eq!(run.status, 1, "{}", run.stderr);
    assert!(
        run.stderr.contains("erreur : content/projets/espace.md:8:1\n  espace insécable (U+00A0) au début de la ligne de « acteurs »"),
        "{}",
        run.stderr
    );
    assert!(
        run.stderr.contains("erreur : content/projets/tabulation.md:5:1\n  tabulation au début de la ligne de « nom »"),
        "{}",
        run.stderr
    );
    assert!(
        run.stderr.contains("erreur : content/projets/guillemets.md:2:8\n  guillemets courbes « “ » autour de la valeur de « title »"),
        "{}",
        run.stderr
    );
}

#[test]
fn a_missing_space_after_a_colon_blames_its_own_line() {
    let site = TestSite::new("basic");
    site.write(
        "content/projets/essai.md",
        "---\ntitle: Essai\nthemes: [qvct]\nentreprise:\n  nom: E\n  effectif:42\nillustratif: true\n---\n",
    );
    let run = site.run(&["check"]);
    assert_eq!(run.status, 1, "{}", run.stderr);
    assert!(
        run.stderr.contains(
            "erreur : content/projets/essai.md:6:3\n  il manque une espace après « effectif: »"
        ),
        "{}",
        run.stderr
    );
    assert!(run.stderr.contains("effectif: 42"), "{}", run.stderr);
}

#[test]
fn a_duplicated_key_is_named() {
    let site = TestSite::new("basic");
    site.write(
        "content/projets/essai.md",
        &format!("{CASE_STUDY}title: Autre\n---\n"),
    );
    let run = site.run(&["check"]);
    assert_eq!(run.status, 1, "{}", run.stderr);
    assert!(
        run.stderr.contains("erreur : content/projets/essai.md:7:")
            && run.stderr.contains("clé « title » en double"),
        "{}",
        run.stderr
    );
}

#[test]
fn a_yaml_syntax_error_does_not_hide_the_other_errors_of_the_file() {
    let site = TestSite::new("basic");
    site.write(
        "content/projets/essai.md",
        &format!("{CASE_STUDY}acteurs: [direction, CSE\nmots-cles: [a]\n---\n![](absente.jpg)\n"),
    );
    let run = site.run(&["check"]);
    assert_eq!(run.status, 1, "{}", run.stderr);
    assert!(
        run.stderr.contains("erreur : content/projets/essai.md:7:"),
        "{}",
        run.stderr
    );
    assert!(
        run.stderr
            .contains("erreur : content/projets/essai.md:10:1\n  image sans texte alternatif"),
        "{}",
        run.stderr
    );
    assert!(!run.stderr.contains("« title »"), "{}", run.stderr);
    // A key on a line set aside is not reported missing by later stages either.
    site.write(
        "content/projets/essai.md",
        "---\ntitle: T\nthemes: [qvct\nentreprise: { nom: E, effectif: 8 }\nillustratif: true\n---\n",
    );
    let run = site.run(&["check"]);
    assert!(
        run.stderr.contains(
            "erreur : content/projets/essai.md:3:1\n  une liste entre crochets n'est pas fermée"
        ),
        "{}",
        run.stderr
    );
    assert!(!run.stderr.contains("obligatoire"), "{}", run.stderr);
}

#[test]
fn a_web_address_without_scheme_suggests_https() {
    let site = TestSite::new("basic");
    site.write(
        "content/projets/essai.md",
        &case_study("Voir [le site de l'Aract](www.example.org/guide).\n"),
    );
    let run = site.run(&["check"]);
    assert_eq!(run.status, 1, "{}", run.stderr);
    assert!(
        run.stderr.contains("erreur : content/projets/essai.md:8:6\n  adresse web sans « https:// » : « www.example.org/guide »"),
        "{}",
        run.stderr
    );
    assert!(
        run.stderr.contains("(https://www.example.org/guide)"),
        "{}",
        run.stderr
    );
    assert!(!run.stderr.contains("introuvable"), "{}", run.stderr);
}

#[test]
fn command_line_errors_are_in_french_with_the_hint_to_quote_a_title() {
    let site = TestSite::new("basic");
    let run = site.run(&["new", "projets", "Mon", "titre"]);
    assert_eq!(run.status, 2, "{}", run.stderr);
    assert!(
        run.stderr.contains("erreur : argument en trop : « titre »"),
        "{}",
        run.stderr
    );
    assert!(
        run.stderr.contains("guide new projets \"Mon titre\""),
        "{}",
        run.stderr
    );
    let run = site.run(&["biuld"]);
    assert_eq!(run.status, 2);
    assert!(
        run.stderr.contains("commande inconnue : « biuld »") && run.stderr.contains("« build »"),
        "{}",
        run.stderr
    );
    let run = site.run(&["build", "--sortie", "x"]);
    assert!(
        run.stderr.contains("option inconnue : « --sortie »"),
        "{}",
        run.stderr
    );
    assert!(!run.stderr.contains("error:"), "{}", run.stderr);
}

#[test]
fn check_json_gives_a_rule_code_the_end_column_and_the_source_line() {
    let site = TestSite::new("basic");
    site.write(
        "content/projets/essai.md",
        &case_study("Voir [la fiche](@/projets/fiche-z.md).\n"),
    );
    let run = site.run(&["check", "--format", "json"]);
    assert_eq!(run.status, 1, "{}", run.stderr);
    let line = run
        .stdout
        .lines()
        .find(|l| l.contains("fiche-z"))
        .unwrap_or_else(|| panic!("{}", run.stdout));
    let value: serde_json::Value = serde_json::from_str(line).unwrap();
    assert_eq!(value["code"], "lien-page-inexistante", "{line}");
    assert_eq!(value["line"], 8, "{line}");
    assert_eq!(value["column"], 6, "{line}");
    assert_eq!(value["end_column"], 38, "{line}");
    assert_eq!(
        value["source_line"], "Voir [la fiche](@/projets/fiche-z.md).",
        "{line}"
    );
}

#[test]
fn champs_writes_a_json_schema_per_section() {
    let site = TestSite::new("basic");
    let run = site.run(&["champs", "--format", "json-schema"]);
    assert_eq!(run.status, 0, "{}", run.stderr);
    let value: serde_json::Value = serde_json::from_str(&run.stdout).unwrap();
    let projets = &value["projets"];
    assert_eq!(
        projets["$schema"],
        "https://json-schema.org/draft/2020-12/schema"
    );
    let properties = &projets["properties"];
    assert_eq!(properties["title"]["type"], "string");
    assert_eq!(
        properties["entreprise"]["properties"]["effectif"]["maximum"],
        299
    );
    assert_eq!(
        properties["acteurs"]["items"]["enum"],
        serde_json::json!(["direction", "salariés", "CSE"])
    );
    assert!(projets["required"]
        .as_array()
        .unwrap()
        .contains(&serde_json::json!("illustratif")));
    assert_eq!(
        properties["maturite"]["enum"][0], "emergence",
        "{}",
        run.stdout
    );
}
