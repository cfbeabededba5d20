//! Hostile or mistaken themes: a template that includes itself, a macro that never stops
//! calling itself, a call to `get_env`, a `theme:` outside `themes/`. Each one is a French
//! diagnostic naming the template (or guide.yaml's line) and exit status 1, never a crash.

mod common;

use common::TestSite;

const TEMPLATES: &str = "themes/plain/templates";

/// The basic site whose `page.html` renders `main` in its main block.
fn site_with_page_main(main: &str) -> TestSite {
    site_with_page("", main)
}

/// The basic site whose `page.html` has `head` after its `extends` and renders `main`.
fn site_with_page(head: &str, main: &str) -> TestSite {
    let site = TestSite::new("basic");
    site.write(
        &format!("{TEMPLATES}/page.html"),
        &format!(
            "{{% extends \"base.html\" %}}{head}\n{{% block title %}}{{{{ page.title }}}}{{% endblock %}}\n{{% block main %}}{main}{{% endblock %}}\n"
        ),
    );
    site
}

#[test]
fn a_template_that_includes_itself_fails_the_build_naming_it() {
    let site = site_with_page_main("{% include \"boucle.html\" %}");
    site.write(
        &format!("{TEMPLATES}/boucle.html"),
        "<p>Encore</p>\n{% include \"boucle.html\" %}\n",
    );
    let run = site.run(&["build"]);
    assert_eq!(run.status, 1, "{}", run.stderr);
    assert!(
        run.stderr
            .contains("le gabarit « boucle.html » s'inclut lui-même"),
        "{}",
        run.stderr
    );
    assert!(
        run.stderr.contains("themes/plain/templates/boucle.html:2"),
        "{}",
        run.stderr
    );
}

#[test]
fn an_include_cycle_through_two_templates_names_the_chain() {
    let site = site_with_page_main("{% include \"a.html\" %}");
    site.write(&format!("{TEMPLATES}/a.html"), "{% include \"b.html\" %}");
    site.write(
        &format!("{TEMPLATES}/b.html"),
        "<p>b</p>\n{% if true %}{% include \"a.html\" %}{% endif %}",
    );
    let run = site.run(&["check"]);
    assert_eq!(run.status, 1, "{}", run.stderr);
    assert!(
        run.stderr.contains("a.html → b.html → a.html"),
        "{}",
        run.stderr
    );
}

#[test]
fn a_parent_that_includes_its_child_is_a_cycle() {
    let site = site_with_page_main("<p>page</p>");
    site.write(
        &format!("{TEMPLATES}/base.html"),
        "<!DOCTYPE html><html lang=\"fr\"><head><title>x</title></head><body><main>{% block main %}{% endblock %}</main>{% include \"page.html\" %}</body></html>",
    );
    let run = site.run(&["build"]);
    assert_eq!(run.status, 1, "{}", run.stderr);
    assert!(
        run.stderr.contains("base.html → page.html → base.html")
            || run.stderr.contains("page.html → base.html → page.html"),
        "{}",
        run.stderr
    );
}

#[test]
fn a_macro_that_never_stops_calling_itself_fails_the_build_naming_it() {
    let site = site_with_page("{% import \"macros.html\" as m %}", "{{ m::boucle(n=1) }}");
    site.write(
        &format!("{TEMPLATES}/macros.html"),
        "{% macro boucle(n) %}<span>{{ n }}</span>{{ self::boucle(n=n+1) }}{% endmacro boucle %}",
    );
    let run = site.run(&["build"]);
    assert_eq!(run.status, 1, "{}", run.stderr);
    assert!(
        run.stderr.contains(
            "la macro « boucle » du gabarit « macros.html » s'appelle elle-même sans fin"
        ),
        "{}",
        run.stderr
    );
}

#[test]
fn a_recursive_macro_that_ends_still_renders() {
    let site = site_with_page("{% import \"macros.html\" as m %}", "{{ m::compte(n=1) }}");
    site.write(
        &format!("{TEMPLATES}/macros.html"),
        "{% macro compte(n) %}[{{ n }}]{% if n < 30 %}{{ self::compte(n=n+1) }}{% endif %}{% endmacro compte %}",
    );
    site.build();
    let page = site.output("a-propos/index.html");
    assert!(page.contains("[1][2]"), "{page}");
    assert!(page.contains("[30]"), "{page}");
}

#[test]
fn get_env_is_not_available_to_templates() {
    let site = site_with_page_main("<p>{{ get_env(name=\"HOME\") }}</p>");
    let run = site.run(&["build"]);
    assert_eq!(run.status, 1, "{}", run.stderr);
    assert!(
        run.stderr
            .contains("la fonction get_env n'est pas disponible dans les gabarits"),
        "{}",
        run.stderr
    );
    assert!(
        run.stderr.contains("themes/plain/templates/page.html:3"),
        "{}",
        run.stderr
    );
    assert!(!site.path("public").exists(), "nothing was published");
}

#[test]
fn get_env_inside_a_filter_argument_is_refused_too() {
    let site = TestSite::new("basic");
    site.write(
        &format!("{TEMPLATES}/404.html"),
        "{% extends \"base.html\" %}{% block main %}{{ \"x\" | default(value=get_env(name=\"PATH\", default=\"\")) }}{% endblock %}",
    );
    let run = site.run(&["check"]);
    assert_eq!(run.status, 1, "{}", run.stderr);
    assert!(
        run.stderr.contains("404.html") && run.stderr.contains("get_env"),
        "{}",
        run.stderr
    );
}

#[test]
fn a_theme_outside_themes_is_refused_at_its_line() {
    let site = TestSite::new("basic");
    let config = std::fs::read_to_string(site.path("guide.yaml")).unwrap();
    let absolute = site.path("themes/plain").display().to_string();
    for theme in ["../themes/plain", absolute.as_str(), "plain/../plain"] {
        site.write(
            "guide.yaml",
            &config.replace("theme: plain", &format!("theme: \"{theme}\"")),
        );
        let run = site.run(&["build"]);
        assert_eq!(run.status, 1, "{theme}: {}", run.stderr);
        assert!(
            run.stderr.contains("erreur : guide.yaml:5"),
            "{theme}: {}",
            run.stderr
        );
        assert!(
            run.stderr.contains("doit nommer un dossier de themes/"),
            "{theme}: {}",
            run.stderr
        );
    }
}

#[test]
fn templates_that_import_each_other_fail_the_build_naming_the_chain() {
    let site = site_with_page("{% import \"m1.html\" as m %}", "{{ m::a() }}");
    site.write(
        &format!("{TEMPLATES}/m1.html"),
        "{% import \"m2.html\" as n %}{% macro a() %}a{% endmacro a %}",
    );
    site.write(
        &format!("{TEMPLATES}/m2.html"),
        "{% import \"m1.html\" as n %}{% macro b() %}b{% endmacro b %}",
    );
    let run = site.run(&["build"]);
    assert_eq!(run.status, 1, "{}", run.stderr);
    assert!(
        run.stderr
            .contains("des gabarits s'importent en boucle : m1.html → m2.html → m1.html"),
        "{}",
        run.stderr
    );
}

#[test]
fn every_output_tells_its_kind_to_the_templates() {
    // `current_kind` lets a base template tell outputs apart without `x is defined`, which in
    // Tera copies the whole value it finds (a page with its body, a listing with every page).
    let site = TestSite::new("basic");
    let text = std::fs::read_to_string(site.path("themes/plain/templates/base.html")).unwrap();
    site.write(
        "themes/plain/templates/base.html",
        &text.replace("<main>", "<main data-kind=\"{{ current_kind }}\">"),
    );
    site.write(
        "themes/plain/templates/donnees_ouvertes.html",
        "{% extends \"base.html\" %}{% block main %}{{ open_data.count }}{% endblock %}",
    );
    let config = std::fs::read_to_string(site.path("guide.yaml")).unwrap();
    site.write(
        "guide.yaml",
        &config.replace(
            "    name: projets\n",
            "    name: projets\n    page: donnees-ouvertes\n",
        ),
    );
    site.build();
    let expected = [
        ("index.html", "section"),
        ("projets/index.html", "section"),
        ("projets/fiche-a/index.html", "page"),
        ("a-propos/index.html", "page"),
        ("themes/index.html", "taxonomy"),
        ("themes/qvct/index.html", "term"),
        ("recherche/index.html", "search"),
        ("guide-complet/index.html", "edition"),
        ("donnees-ouvertes/index.html", "open_data"),
        ("404.html", "not_found"),
    ];
    for (path, kind) in expected {
        let html = site.output(path);
        assert!(
            html.contains(&format!("data-kind=\"{kind}\"")),
            "{path} should say {kind}: {}",
            &html[..html.len().min(600)]
        );
    }
}
