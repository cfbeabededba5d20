//! The Atom feed as a feed reader sees it: each entry's themes as categories.

mod common;

use common::TestSite;

/// A `<category>`: (term, scheme, label).
type Category = (String, String, String);

/// The `<category>` elements of each entry: (entry title, its categories).
fn categories(atom: &str) -> Vec<(String, Vec<Category>)> {
    let doc = roxmltree::Document::parse(atom).unwrap();
    doc.descendants()
        .filter(|n| n.has_tag_name("entry"))
        .map(|entry| {
            let title = entry
                .children()
                .find(|n| n.has_tag_name("title"))
                .and_then(|n| n.text())
                .unwrap_or_default()
                .to_string();
            let found = entry
                .children()
                .filter(|n| n.has_tag_name("category"))
                .map(|c| {
                    let attr = |name| c.attribute(name).unwrap_or_default().to_string();
                    (attr("term"), attr("scheme"), attr("label"))
                })
                .collect();
            (title, found)
        })
        .collect()
}

#[test]
fn atom_entries_carry_their_terms_as_categories() {
    let site = TestSite::new("basic");
    site.build();
    let entries = categories(&site.output("atom.xml"));
    let (_, fiche_a) = entries
        .iter()
        .find(|(title, _)| title.starts_with("Fiche A"))
        .expect("Fiche A in the feed");
    assert!(
        fiche_a.contains(&(
            "qvct".to_string(),
            "https://example.org/essai/themes/".to_string(),
            "Qualité de vie et des conditions de travail".to_string()
        )),
        "{fiche_a:?}"
    );
    assert!(
        fiche_a
            .iter()
            .any(|(term, scheme, _)| term == "dialogue-social"
                && scheme == "https://example.org/essai/themes/"),
        "{fiche_a:?}"
    );
}

#[test]
fn feed_categories_names_the_taxonomies_the_feed_shows() {
    let site = TestSite::new("basic");
    let config = std::fs::read_to_string(site.path("guide.yaml")).unwrap();
    site.write(
        "guide.yaml",
        &config.replace(
            "feed:\n  section: projets\n",
            "feed:\n  section: projets\n  categories: [maturite]\n",
        ),
    );
    site.build();
    let entries = categories(&site.output("atom.xml"));
    let schemes: Vec<&str> = entries
        .iter()
        .flat_map(|(_, c)| c.iter().map(|(_, scheme, _)| scheme.as_str()))
        .collect();
    assert!(!schemes.is_empty());
    assert!(
        schemes
            .iter()
            .all(|s| *s == "https://example.org/essai/maturite/"),
        "{schemes:?}"
    );
}
