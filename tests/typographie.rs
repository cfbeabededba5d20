//! French typography where it belongs and only there, and ids and links a page can trust: one
//! build of the `basic` fixture with a page written to stress them
//! (`tests/fixtures/pages/typographie.md`), checked by its HTML and by the W3C Nu checker.

mod common;

use std::collections::HashSet;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;

const NNBSP: char = '\u{202F}';

/// The fixture site with the stress page and a case study, built once for this test binary
/// (in Cargo's temporary folder for tests, replaced at each run).
fn site() -> &'static Path {
    static SITE: OnceLock<PathBuf> = OnceLock::new();
    SITE.get_or_init(|| {
        let root = Path::new(env!("CARGO_TARGET_TMPDIR")).join("typographie-site");
        let _ = std::fs::remove_dir_all(&root);
        let fixtures = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures");
        common::copy_dir(&fixtures.join("basic"), &root);
        std::fs::copy(
            fixtures.join("pages/typographie.md"),
            root.join("content/typographie.md"),
        )
        .unwrap();
        std::fs::write(
            root.join("content/projets/fiche-typo.md"),
            "---\ntitle: Pourquoi ce projet ?\ndate: 2024-05-02\nsummary: Pourquoi ce projet? Pour « voir » *vraiment*!\nthemes: [qvct]\nentreprise:\n  nom: L'atelier\n  effectif: 12\nillustratif: true\n---\n## Pourquoi *ce* dispositif ?\n\nTexte.\n",
        )
        .unwrap();
        let output = assert_cmd::Command::cargo_bin("guide")
            .unwrap()
            .args(["build", "--root"])
            .arg(&root)
            .env("NO_COLOR", "1")
            .output()
            .unwrap();
        assert!(
            output.status.success(),
            "the fixture does not build:\n{}",
            String::from_utf8_lossy(&output.stderr)
        );
        root
    })
}

fn output(relative: &str) -> String {
    let path = site().join("public").join(relative);
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

fn stress_page() -> String {
    common::main_of(&output("typographie/index.html")).to_string()
}

fn show(text: &str) -> String {
    text.replace(NNBSP, "⍽")
}

#[track_caller]
fn assert_has(html: &str, expected: &str) {
    assert!(
        html.contains(expected),
        "expected {:?} in:\n{}",
        show(expected),
        show(html)
    );
}

#[test]
fn typography_leaves_what_is_not_prose_alone() {
    let html = stress_page();
    for expected in [
        "&amp;MadeUpEntity; reste",
        "comme [foo!] et bim!bop.",
        // A colon after a space is French prose; the URL after it is not.
        "dans le texte\u{202F}: https://example.org/page?x=1;y=2 et",
        ">https://example.org/page?x=1;y=2</a>",
        "mailto:redaction@example.org?subject=Salut;cc=toi demain",
        "<code>a;b ? c!</code>",
        "émoticônes ;-) :-) ;) fin",
        "<span lang=\"en\">Really? Yes! \u{201C}Quoted\u{201D} isn\u{2019}t it; fine: ok</span>",
        "en français\u{202F}: vraiment\u{202F}?",
    ] {
        assert_has(&html, expected);
    }
}

#[test]
fn typography_sees_across_inline_elements() {
    let html = stress_page();
    for expected in [
        "C\u{2019}est <em>important</em>\u{202F}!",
        ">le site</a>\u{202F}?",
        "<code>x</code>\u{202F}?",
        "«\u{202F}<em>mot</em>\u{202F}»",
    ] {
        assert_has(&html, expected);
    }
}

#[test]
fn typography_reaches_the_table_of_contents_fields_and_summaries() {
    let page = output("projets/fiche-typo/index.html");
    // The table of contents, the front matter's fields, the summary.
    assert_has(&page, "dispositif\u{202F}?</a>");
    assert_has(&page, "L\u{2019}atelier (12)");
    assert_has(&page, "<em>vraiment</em>\u{202F}!");
    let feed = output("atom.xml");
    assert_has(
        &feed,
        "Pourquoi ce projet\u{202F}? Pour «\u{202F}voir\u{202F}»",
    );
}

/// Every `id="…"` of a page.
fn ids(html: &str) -> Vec<String> {
    html.split(" id=\"")
        .skip(1)
        .map(|rest| rest[..rest.find('"').unwrap()].to_string())
        .collect()
}

#[test]
fn footnote_ids_are_unique_valid_and_reached_by_their_links() {
    let page = output("typographie/index.html");
    let ids = ids(&page);
    let unique: HashSet<&String> = ids.iter().collect();
    assert_eq!(unique.len(), ids.len(), "duplicate ids: {ids:?}");
    for id in &ids {
        assert!(
            !id.is_empty() && !id.contains(char::is_whitespace),
            "invalid id {id:?}"
        );
    }
    let mut fragments = 0;
    for rest in page.split("href=\"#").skip(1) {
        let target = &rest[..rest.find('"').unwrap()];
        assert!(unique.contains(&target.to_string()), "no id {target:?}");
        fragments += 1;
    }
    assert!(
        fragments >= 3,
        "the footnote references link to their notes"
    );
}

#[test]
fn links_with_a_query_string_get_the_base_path() {
    let html = stress_page();
    assert_has(&html, "href=\"/essai/recherche/?q=qvct\"");
    assert_has(&html, "href=\"/essai/themes/?tri=titre#liste\"");
}

#[test]
fn the_stress_page_is_valid_html() {
    let jar = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/tools/node_modules/vnu-jar/build/dist/vnu.jar");
    let java = Command::new("java")
        .arg("-version")
        .output()
        .is_ok_and(|o| o.status.success());
    if !jar.is_file() || !java {
        common::missing_tool("the W3C Nu HTML Checker is not installed: run `npm ci --prefix tests/tools` (Java 17 needed)");
        return;
    }
    let output = Command::new("java")
        .arg("-jar")
        .arg(&jar)
        .args(["--errors-only", "--format", "text"])
        .arg(site().join("public/typographie/index.html"))
        .arg(site().join("public/projets/fiche-typo/index.html"))
        .output()
        .unwrap();
    let report = String::from_utf8_lossy(&output.stderr).into_owned()
        + &String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success(),
        "the Nu checker found errors:\n{report}"
    );
}

#[test]
fn a_site_in_another_language_gets_no_french_typography() {
    let site = common::TestSite::new("basic");
    let config = std::fs::read_to_string(site.path("guide.yaml")).unwrap();
    site.write(
        "guide.yaml",
        &config.replace("language: fr", "language: en"),
    );
    site.write(
        "content/english.md",
        "---\ntitle: \"Why? It's «here»\"\nsummary: \"Really? Yes!\"\n---\nWhy? It's \"quoted\": fine; *really*!\n",
    );
    site.build();
    let page = site.output("english/index.html");
    assert!(!page.contains(NNBSP), "{}", show(&page));
    assert_has(&page, "<h1>Why? It&#39;s «here»</h1>");
    assert_has(
        &page,
        "Why? It\u{2019}s \u{201C}quoted\u{201D}: fine; <em>really</em>!",
    );
}
