//! `guide build` on a small fixture site: files, URLs, taxonomies, escaping, typography,
//! table of contents, highlighting, feeds and aliases.

mod common;

use common::{main_of, TestSite};

#[test]
fn build_writes_every_page_with_pretty_urls() {
    let site = TestSite::new("basic");
    let run = site.build();
    assert!(
        run.stderr.contains("4 pages, 2 sections, 8 termes"),
        "{}",
        run.stderr
    );
    let files = site.output_files();
    for expected in [
        "index.html",
        "a-propos/index.html",
        "projets/index.html",
        "projets/fiche-a/index.html",
        "projets/fiche-bundle/index.html",
        "projets/fiche-bundle/schema.svg",
        "themes/index.html",
        "themes/qvct/index.html",
        "themes/dialogue-social/index.html",
        "themes/partage-valeur/index.html",
        "maturite/index.html",
        "maturite/emergence/index.html",
        "mots-cles/temps-partiel/index.html",
        "sitemap.xml",
        "atom.xml",
        "robots.txt",
        "404.html",
        "highlight.css",
        "style.css",
        "lisez-moi.txt",
        "ancienne-page/index.html",
    ] {
        assert!(
            files.contains(&expected.to_string()),
            "missing {expected} in {files:?}"
        );
    }
}

#[test]
fn terms_resolve_by_title_or_slug_and_list_their_pages_in_order() {
    let site = TestSite::new("basic");
    site.build();
    // "Dialogue social" was written as a title, "qvct" as a slug.
    let dialogue = site.output("themes/dialogue-social/index.html");
    assert!(dialogue.contains("/projets/fiche-a/"), "{dialogue}");
    // qvct: fiche-b (2024-05) before fiche-a (2024-03): same weight, newest first.
    let qvct = site.output("themes/qvct/index.html");
    let b = qvct.find("fiche-b").unwrap();
    let a = qvct.find("fiche-a").unwrap();
    assert!(b < a, "{qvct}");
    // An ordered taxonomy keeps the declared order, with counts, even for empty terms.
    let maturite = main_of(&site.output("maturite/index.html")).to_string();
    let order: Vec<usize> = ["Émergence", "Premiers outils", "Nouvelles pratiques"]
        .iter()
        .map(|t| {
            maturite
                .find(t)
                .unwrap_or_else(|| panic!("{t} in {maturite}"))
        })
        .collect();
    assert!(order.windows(2).all(|w| w[0] < w[1]), "{maturite}");
    assert!(maturite.contains("Émergence</a> (1)"), "{maturite}");
    // Undeclared taxonomy: terms come from pages, sorted by title.
    let mots = main_of(&site.output("mots-cles/index.html")).to_string();
    assert!(
        mots.find("Accords").unwrap() < mots.find("Temps partiel").unwrap(),
        "{mots}"
    );
}

#[test]
fn front_matter_values_are_escaped_in_html_and_xml() {
    let site = TestSite::new("basic");
    site.build();
    let page = site.output("projets/fiche-a/index.html");
    assert!(!page.contains("<script>alert(1)"), "{page}");
    assert!(page.contains("&lt;script&gt;alert(1)"), "{page}");
    let atom = site.output("atom.xml");
    assert!(
        atom.contains("Fiche A &lt;script&gt;alert(1)&lt;/script&gt; &amp; «\u{202F}co\u{202F}»"),
        "{atom}"
    );
}

#[test]
fn text_gets_french_typography_but_code_does_not() {
    let site = TestSite::new("basic");
    site.build();
    let page = site.output("projets/fiche-a/index.html");
    assert!(page.contains("Pourquoi\u{202F}?"), "{page}");
    assert!(page.contains("«\u{202F}le travail\u{202F}»"), "{page}");
    assert!(page.contains("compte\u{202F}:"), "{page}");
    assert!(page.contains("20\u{202F}%"), "{page}");
    assert!(page.contains("<code>code ? non</code>"), "{page}");
}

#[test]
fn headings_get_unique_ids_and_the_toc_links_to_them() {
    let site = TestSite::new("basic");
    site.build();
    let page = site.output("projets/fiche-a/index.html");
    assert!(page.contains("<h2 id=\"le-contexte\">"), "{page}");
    assert!(page.contains("<h2 id=\"le-contexte-1\">"), "{page}");
    assert!(page.contains("<h3 id=\"detail\">"), "{page}");
    assert!(page.contains("<nav class=\"toc\"><a href=\"#le-contexte\">Le contexte</a><a href=\"#detail\">Détail</a><a href=\"#le-contexte-1\">"), "{page}");
}

#[test]
fn fenced_code_is_highlighted_with_a_generated_stylesheet() {
    let site = TestSite::new("basic");
    site.build();
    let page = site.output("projets/fiche-a/index.html");
    assert!(
        page.contains("<span class=\"hl-storage hl-type hl-function hl-rust\">fn</span>"),
        "{page}"
    );
    assert!(!page.contains("style=\""), "no inline styles");
    assert!(site.output("highlight.css").contains(".hl-storage"));
}

#[test]
fn internal_links_and_bundle_images_resolve_under_the_base_path() {
    let site = TestSite::new("basic");
    site.build();
    let about = site.output("a-propos/index.html");
    assert!(
        about.contains("href=\"/essai/projets/fiche-a/#le-contexte\""),
        "{about}"
    );
    let bundle = site.output("projets/fiche-bundle/index.html");
    assert!(
        bundle.contains("src=\"/essai/projets/fiche-bundle/schema.svg\""),
        "{bundle}"
    );
}

#[test]
fn schema_fields_and_french_dates_reach_templates() {
    let site = TestSite::new("basic");
    site.build();
    let page = site.output("projets/fiche-a/index.html");
    assert!(
        page.contains("<p class=\"entreprise\">Entreprise A (45)</p>"),
        "{page}"
    );
    assert!(
        page.contains("<p class=\"date\">1er mars 2024</p>"),
        "{page}"
    );
    assert!(
        page.contains("<strong>du gras</strong>"),
        "summary is Markdown: {page}"
    );
}

fn parse_xml(text: &str) -> Vec<(String, String)> {
    // (element name, text) pairs; panics on malformed XML.
    let doc = roxmltree::Document::parse(text).expect("well-formed XML");
    doc.descendants()
        .filter(|n| n.is_element())
        .filter_map(|n| {
            n.text()
                .filter(|t| !t.trim().is_empty())
                .map(|t| (n.tag_name().name().to_string(), t.to_string()))
        })
        .collect()
}

#[test]
fn sitemap_and_atom_are_well_formed_xml_with_absolute_urls() {
    let site = TestSite::new("basic");
    site.build();
    let sitemap = parse_xml(&site.output("sitemap.xml"));
    let locs: Vec<&str> = sitemap
        .iter()
        .filter(|(n, _)| n == "loc")
        .map(|(_, t)| t.as_str())
        .collect();
    assert!(
        locs.contains(&"https://example.org/essai/projets/fiche-a/"),
        "{locs:?}"
    );
    assert!(
        locs.contains(&"https://example.org/essai/themes/qvct/"),
        "{locs:?}"
    );
    assert!(locs
        .iter()
        .all(|l| l.starts_with("https://example.org/essai/")));
    let atom = parse_xml(&site.output("atom.xml"));
    let titles: Vec<&str> = atom
        .iter()
        .filter(|(n, _)| n == "title")
        .map(|(_, t)| t.as_str())
        .collect();
    // Feed title, then entries newest first.
    assert_eq!(
        titles,
        [
            "Site d\u{2019}essai",
            "Fiche B",
            "Fiche A <script>alert(1)</script> & «\u{202F}co\u{202F}»",
            "Fiche en dossier"
        ]
    );
    assert!(site
        .output("robots.txt")
        .contains("Sitemap: https://example.org/essai/sitemap.xml"));
}

#[test]
fn aliases_redirect_to_the_page() {
    let site = TestSite::new("basic");
    site.build();
    let redirect = site.output("ancienne-page/index.html");
    assert!(
        redirect.contains("<meta http-equiv=\"refresh\" content=\"0; url=/essai/a-propos/\">"),
        "{redirect}"
    );
    assert!(redirect.contains("<html lang=\"fr\">"));
}

#[test]
fn drafts_are_published_only_when_asked() {
    let site = TestSite::new("basic");
    site.write(
        "content/brouillon.md",
        "---\ntitle: Brouillon\ndraft: true\n---\nPas prêt.\n",
    );
    site.build();
    assert!(!site.path("public/brouillon/index.html").exists());
    let run = site.run(&["build", "--drafts"]);
    assert_eq!(run.status, 0, "{}", run.stderr);
    assert!(site.path("public/brouillon/index.html").exists());
}

#[test]
fn base_url_can_be_overridden_on_the_command_line() {
    let site = TestSite::new("basic");
    let run = site.run(&["build", "--base-url", "https://guide.example.net/"]);
    assert_eq!(run.status, 0, "{}", run.stderr);
    let page = site.output("a-propos/index.html");
    assert!(
        page.contains("href=\"/projets/fiche-a/#le-contexte\""),
        "{page}"
    );
    assert!(site
        .output("sitemap.xml")
        .contains("https://guide.example.net/projets/fiche-a/"));
}

#[test]
fn check_writes_nothing() {
    let site = TestSite::new("basic");
    let run = site.run(&["check"]);
    assert_eq!(run.status, 0, "{}", run.stderr);
    assert!(run.stderr.contains("Aucune erreur"), "{}", run.stderr);
    assert!(!site.path("public").exists());
}

#[test]
fn a_thousand_pages_with_five_terms_of_their_own_each_get_their_term_pages() {
    let site = TestSite::new("basic");
    site.write("content/notes/_index.md", "---\ntitle: Notes\n---\n");
    for p in 0..1000 {
        let terms: Vec<String> = (0..5).map(|k| format!("mot-{p:04}-{k}")).collect();
        site.write(
            &format!("content/notes/n{p:04}.md"),
            &format!(
                "---\ntitle: Note {p:04}\nmots-cles: [{}]\n---\nUn paragraphe.\n",
                terms.join(", ")
            ),
        );
    }
    let run = site.build();
    assert!(run.stderr.contains("1004 pages"), "{}", run.stderr);
    let listing = site.output("mots-cles/index.html");
    assert!(
        listing.contains("/essai/mots-cles/mot-0999-4/"),
        "{listing}"
    );
    // A term page lists exactly the one page that names it.
    let term = site.output("mots-cles/mot-0500-3/index.html");
    let items: Vec<&str> = term
        .split("<ol class=\"pages\">")
        .nth(1)
        .and_then(|rest| rest.split("</ol>").next())
        .unwrap_or_else(|| panic!("no list of pages:\n{term}"))
        .matches("href=\"")
        .collect();
    assert_eq!(items.len(), 1, "{term}");
    assert!(term.contains("href=\"/essai/notes/n0500/\""), "{term}");
    let term_pages = site
        .output_files()
        .into_iter()
        .filter(|f| f.starts_with("mots-cles/mot-"))
        .count();
    assert_eq!(term_pages, 5000);
}

#[test]
fn links_to_generated_pages_pass_and_the_sitemap_lists_the_reader_pages() {
    let site = TestSite::new("basic");
    site.write(
        "content/liens.md",
        "---\ntitle: Liens\n---\nVoir [la recherche](/recherche/), [le guide complet](/guide-complet/), \
         [les données](/projets.json), [le tableur](/projets.csv) et [le flux](/atom.xml).\n",
    );
    let run = site.run(&["check"]);
    assert_eq!(run.status, 0, "{}", run.stderr);
    site.build();
    let page = site.output("liens/index.html");
    assert!(page.contains("href=\"/essai/recherche/\""), "{page}");
    let sitemap = site.output("sitemap.xml");
    for url in [
        "https://example.org/essai/recherche/",
        "https://example.org/essai/guide-complet/",
    ] {
        assert!(
            sitemap.contains(&format!("<loc>{url}</loc>")),
            "{url}:\n{sitemap}"
        );
    }
}
