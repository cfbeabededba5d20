//! Bad input: every error of a run is listed once, in French, with file:line and a hint; the
//! exit status is 1; the last good output is left untouched; nothing panics.

mod common;

use common::TestSite;

/// A site with one of each content error.
fn broken_site() -> TestSite {
    let site = TestSite::new("basic");
    site.write(
        "content/yaml.md",
        "---\ntitle: Mauvais YAML\nsummary: [pas fermé\n---\nCorps.\n",
    );
    site.write("content/sans-titre.md", "---\nweight: 3\n---\nCorps.\n");
    site.write(
        "content/mauvais-type.md",
        "---\ntitle: Type\nweight: beaucoup\n---\nCorps.\n",
    );
    site.write(
        "content/cle-inconnue.md",
        "---\ntitle: Clé\ntitel: Oups\n---\nCorps.\n",
    );
    site.write(
        "content/projets/terme.md",
        "---\ntitle: Terme\nthemes: [qvct, dialogue-socal]\nmaturite: [emergence, premiers-outils]\nentreprise:\n  nom: X\n  effectif: 500\nillustratif: oui\nacteurs: [direction, CSF]\n---\nVoir [la fiche](@/projets/fiche-z.md) et ![photo](absente.jpg).\n",
    );
    site.write("content/projets/doublon.md", "---\ntitle: Doublon\nslug: fiche-b\nthemes: [qvct]\nentreprise: { nom: Y, effectif: 3 }\nillustratif: true\n---\n");
    site
}

#[test]
fn every_error_is_reported_once_with_its_location_and_a_hint() {
    let site = broken_site();
    let run = site.run(&["build"]);
    assert_eq!(run.status, 1, "{}", run.stderr);
    insta::assert_snapshot!("broken_site_diagnostics", run.stderr);
}

#[test]
fn a_failed_build_leaves_the_last_good_output_untouched() {
    let site = TestSite::new("basic");
    site.build();
    let before = site.output_files();
    let page_before = site.output("projets/fiche-a/index.html");
    site.write(
        "content/projets/fiche-a.md",
        "---\ntitle: Fiche A modifiée\nthemes: [inconnu]\n---\nNouveau corps.\n",
    );
    site.write("content/nouvelle.md", "---\ntitle: Nouvelle\n---\n");
    let run = site.run(&["build"]);
    assert_eq!(run.status, 1);
    assert!(run.stderr.contains("n'a pas été modifié"), "{}", run.stderr);
    assert_eq!(site.output_files(), before);
    assert_eq!(site.output("projets/fiche-a/index.html"), page_before);
    // No temporary folder left beside the output.
    let leftovers: Vec<_> = std::fs::read_dir(site.root())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.starts_with(".public"))
        .collect();
    assert!(leftovers.is_empty(), "{leftovers:?}");
}

#[test]
fn a_template_error_names_the_template_and_line() {
    let site = TestSite::new("basic");
    site.write(
        "themes/plain/templates/page.html",
        "{% extends \"base.html\" %}\n{% block main %}\n{{ page.title \n{% endblock %}\n",
    );
    let run = site.run(&["build"]);
    assert_eq!(run.status, 1);
    assert!(
        run.stderr
            .contains("erreur : themes/plain/templates/page.html:4:1"),
        "{}",
        run.stderr
    );
    assert!(
        run.stderr
            .contains("erreur de syntaxe dans le gabarit « page.html »"),
        "{}",
        run.stderr
    );
}

#[test]
fn a_template_using_an_unknown_variable_fails_with_the_page_named() {
    let site = TestSite::new("basic");
    site.write(
        "themes/plain/templates/page.html",
        "{% extends \"base.html\" %}\n{% block main %}{{ page.inexistant.champ }}{% endblock %}\n",
    );
    let run = site.run(&["build"]);
    assert_eq!(run.status, 1);
    assert!(
        run.stderr
            .contains("le gabarit « page.html » a échoué en rendant content/a-propos.md"),
        "{}",
        run.stderr
    );
}

#[test]
fn a_missing_config_is_explained() {
    let site = TestSite::new("basic");
    site.remove("guide.yaml");
    let run = site.run(&["build"]);
    assert_eq!(run.status, 1);
    assert!(run.stderr.contains("guide.yaml"), "{}", run.stderr);
    assert!(run.stderr.contains("--root"), "{}", run.stderr);
}

#[test]
fn wrong_usage_exits_with_status_2() {
    let site = TestSite::new("basic");
    let run = site.run(&["build", "--nimporte-quoi"]);
    assert_eq!(run.status, 2);
    let run = site.run(&["publier"]);
    assert_eq!(run.status, 2);
}

#[test]
fn check_reports_the_same_errors_as_build_and_writes_nothing() {
    let site = broken_site();
    let build = site.run(&["build"]);
    let check = site.run(&["check"]);
    assert_eq!(check.status, 1);
    let diagnostics = |s: &str| {
        s.lines()
            .filter(|l| l.starts_with("erreur"))
            .map(str::to_string)
            .collect::<Vec<_>>()
    };
    assert_eq!(diagnostics(&check.stderr), diagnostics(&build.stderr));
    assert!(!site.path("public").exists());
}

#[test]
fn json_format_prints_one_object_per_diagnostic() {
    let site = broken_site();
    let run = site.run(&["check", "--format", "json"]);
    assert_eq!(run.status, 1);
    let lines: Vec<serde_json::Value> = run
        .stdout
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert!(lines.len() >= 10, "{}", run.stdout);
    let undeclared = lines
        .iter()
        .find(|d| d["message"].as_str().unwrap().contains("dialogue-socal"))
        .unwrap();
    assert_eq!(undeclared["path"], "content/projets/terme.md");
    assert_eq!(undeclared["line"], 3);
    assert_eq!(undeclared["severity"], "error");
    assert_eq!(
        undeclared["hint"],
        "vouliez-vous dire « dialogue-social » ?"
    );
}

#[test]
fn a_bad_base_url_flag_is_refused_naming_the_flag() {
    let site = TestSite::new("basic");
    site.build();
    let before = site.output_files();
    for bad in [
        "https://guide.example.net/?version=2",
        "https://moi:secret@guide.example.net/",
        "https://guide.example.net:70000/",
        "guide.example.net",
    ] {
        let run = site.run(&["build", "--base-url", bad]);
        assert_eq!(run.status, 1, "{bad}: {}", run.stderr);
        assert!(run.stderr.contains("--base-url"), "{bad}: {}", run.stderr);
        assert!(run.stderr.contains(bad), "{bad}: {}", run.stderr);
        assert!(!run.stderr.contains("guide.yaml"), "{bad}: {}", run.stderr);
    }
    assert_eq!(site.output_files(), before);
}

#[test]
fn a_bad_base_url_in_guide_yaml_is_refused_at_its_line() {
    let site = TestSite::new("basic");
    let config = std::fs::read_to_string(site.path("guide.yaml")).unwrap();
    let line = config
        .lines()
        .position(|l| l.starts_with("base_url:"))
        .unwrap()
        + 1;
    site.write(
        "guide.yaml",
        &config.replace(
            "base_url: https://example.org/essai/",
            "base_url: https://example.org/essai/#accueil",
        ),
    );
    let run = site.run(&["check"]);
    assert_eq!(run.status, 1, "{}", run.stderr);
    assert!(
        run.stderr.contains(&format!("erreur : guide.yaml:{line}")),
        "{}",
        run.stderr
    );
    assert!(run.stderr.contains("#accueil"), "{}", run.stderr);
}

#[test]
fn an_alias_landing_on_a_generated_or_static_file_is_refused_at_its_line() {
    let site = TestSite::new("basic");
    let page = std::fs::read_to_string(site.path("content/a-propos.md")).unwrap();
    let line = page
        .lines()
        .position(|l| l.starts_with("aliases:"))
        .unwrap()
        + 1;
    for alias in [
        "/atom.xml",
        "/sitemap.xml",
        "/robots.txt",
        "/404.html",
        "/highlight.css",
        "/projets.json",
        "/projets.csv",
        "/lisez-moi.txt",
        "/style.css",
        "/pagefind/",
    ] {
        site.write(
            "content/a-propos.md",
            &page.replace(
                "aliases: [/ancienne-page/]",
                &format!("aliases: [/ancienne-page/, {alias}]"),
            ),
        );
        let run = site.run(&["check"]);
        assert_eq!(run.status, 1, "{alias}: {}", run.stderr);
        let errors: Vec<&str> = run
            .stderr
            .lines()
            .filter(|l| l.starts_with("erreur"))
            .collect();
        assert_eq!(
            errors,
            [format!("erreur : content/a-propos.md:{line}:28").as_str()],
            "{alias}: {}",
            run.stderr
        );
        assert!(run.stderr.contains(alias), "{alias}: {}", run.stderr);
    }
}
