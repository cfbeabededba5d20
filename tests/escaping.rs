//! Hostile front-matter values reach HTML, XML, JSON and CSV escaped for each context.

mod common;

use common::TestSite;

const HOSTILE: &str = "<script>alert(\"x\")</script> ]]> & 'q' \"dq\"";

fn hostile_site() -> TestSite {
    let site = TestSite::new("basic");
    let yaml_string = HOSTILE.replace('\\', "\\\\").replace('"', "\\\"");
    site.write(
        "content/projets/hostile.md",
        &format!(
            "---\ntitle: \"{yaml_string}\"\ndate: 2024-06-01\nsummary: \"{yaml_string}\"\nthemes: [qvct]\nmaturite: emergence\nmots-cles: [\"{yaml_string}\"]\nentreprise:\n  nom: \"{yaml_string}\"\n  effectif: 5\nillustratif: true\n---\nCorps.\n"
        ),
    );
    site
}

#[test]
fn hostile_values_are_escaped_in_every_output() {
    let site = hostile_site();
    site.build();
    for file in site.output_files().iter().filter(|f| f.ends_with(".html")) {
        let html = site.output(file);
        assert!(
            !html.contains("<script>alert"),
            "unescaped script in {file}"
        );
    }
    let page = site.output("projets/hostile/index.html");
    assert!(
        page.contains("&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;"),
        "{page}"
    );
    // XML: Atom and sitemap parse, and the title comes back intact.
    let atom = site.output("atom.xml");
    let doc = roxmltree::Document::parse(&atom).expect("Atom is well-formed");
    let titles: Vec<&str> = doc
        .descendants()
        .filter(|n| n.has_tag_name("title"))
        .filter_map(|n| n.text())
        .collect();
    assert!(
        titles
            .iter()
            .any(|t| t.contains("<script>alert(\"x\")</script> ]]> &")),
        "{titles:?}"
    );
    roxmltree::Document::parse(&site.output("sitemap.xml")).expect("sitemap is well-formed");
    // JSON keeps the exact string.
    let json: serde_json::Value = serde_json::from_str(&site.output("projets.json")).unwrap();
    let item = json["projets"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["url"].as_str().unwrap().ends_with("/hostile/"))
        .unwrap();
    assert_eq!(item["champs"]["entreprise"]["nom"], HOSTILE);
    // CSV: the field is quoted, its quotes doubled.
    let csv = site.output("projets.csv");
    assert!(
        csv.contains("\"<script>alert(\"\"x\"\")</script> ]]> & 'q' \"\"dq\"\"\""),
        "{csv}"
    );
    // A term made of hostile text gets a clean slug URL and an escaped title.
    let terms = site.output("mots-cles/index.html");
    assert!(
        terms.contains("href=\"/essai/mots-cles/script-alert-x-script-q-dq/\""),
        "{terms}"
    );
}
