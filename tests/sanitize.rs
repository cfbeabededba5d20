//! What an author writes never becomes script: dangerous URL schemes are refused at their line
//! (in bodies and in `summary`), and author-written attributes are checked before they reach
//! any output (HTML pages, Atom, open data, search records).

mod common;

use common::TestSite;

/// The front matter of a valid case study of the `basic` fixture (9 lines, then `---`).
fn front(summary: Option<&str>) -> String {
    let summary = summary
        .map(|s| format!("summary: {s}\n"))
        .unwrap_or_default();
    format!(
        "---\ntitle: Vecteurs\n{summary}date: 2024-06-01\nthemes: [qvct]\nmaturite: emergence\nentreprise:\n  nom: V\n  effectif: 5\nillustratif: true\n---\n"
    )
}

fn escape_mode(site: &TestSite) {
    let config = std::fs::read_to_string(site.path("guide.yaml")).unwrap();
    site.write(
        "guide.yaml",
        &format!("{config}markdown:\n  raw_html: escape\n"),
    );
}

/// Every body vector, one per paragraph.
const BODY_VECTORS: [&str; 12] = [
    "[lien](javascript:alert(1))",
    "![image](javascript:alert(1))",
    "<javascript:alert(1)>",
    "[vb](vbscript:msgbox(1))",
    "[données](data:text/html;base64,PHNjcmlwdD4=)",
    "![svg](data:image/svg+xml;base64,PHN2Zz4=)",
    "[entité](jav&#x09;ascript:alert(1))",
    "[espace]( JaVaScript:alert(1))",
    "[pourcent](java%09script:alert(1))",
    "[tabulation](<java\tscript:alert(1)>)",
    "[deux-points](javascript&colon;alert(1))",
    "[référence][x]",
];

/// The body: the vectors, a harmless `data:` image, then the reference definition. Returns
/// the body and the 1-based line of each vector, then the lines of the image and definition.
fn vector_body() -> (String, Vec<usize>, usize, usize) {
    let first = front(None).lines().count() + 1;
    let mut body = String::new();
    let mut lines = Vec::new();
    for (i, vector) in BODY_VECTORS.iter().enumerate() {
        lines.push(first + 2 * i);
        body.push_str(vector);
        body.push_str("\n\n");
    }
    let image_line = first + 2 * BODY_VECTORS.len();
    body.push_str("![point](data:image/png;base64,iVBORw0KGgo=)\n\n");
    body.push_str("[x]: javascript:alert(1)\n");
    (body, lines, image_line, image_line + 2)
}

fn error_lines(stderr: &str, file: &str) -> Vec<usize> {
    stderr
        .lines()
        .filter_map(|l| l.strip_prefix("erreur : "))
        .filter_map(|l| l.strip_prefix(file))
        .filter_map(|l| l.strip_prefix(':'))
        .filter_map(|l| l.split(':').next())
        .filter_map(|n| n.parse().ok())
        .collect()
}

const HINT: &str = "un lien doit commencer par https://, /, @/ ou être un chemin relatif";

fn assert_vectors_refused(site: &TestSite) {
    let (body, lines, image_line, definition_line) = vector_body();
    site.write(
        "content/projets/vecteurs.md",
        &format!("{}{body}", front(None)),
    );
    let run = site.run(&["build"]);
    assert_eq!(run.status, 1, "{}", run.stderr);
    assert!(run.stderr.contains(HINT), "{}", run.stderr);
    let found = error_lines(&run.stderr, "content/projets/vecteurs.md");
    for (vector, line) in BODY_VECTORS.iter().zip(&lines) {
        if vector.starts_with("[référence]") {
            continue;
        }
        assert!(
            found.contains(line),
            "no error at line {line} for {vector:?}:\n{}",
            run.stderr
        );
    }
    assert!(
        found.contains(&definition_line),
        "no error at the reference definition (line {definition_line}):\n{}",
        run.stderr
    );
    assert!(
        !found.contains(&image_line),
        "a data:image/png image is refused:\n{}",
        run.stderr
    );
    assert_eq!(
        found.len(),
        BODY_VECTORS.len(),
        "one error per vector:\n{}",
        run.stderr
    );
}

#[test]
fn dangerous_urls_in_a_body_are_refused_at_their_line_in_the_trusted_mode() {
    assert_vectors_refused(&TestSite::new("basic"));
}

#[test]
fn dangerous_urls_in_a_body_are_refused_at_their_line_in_escape_mode() {
    let site = TestSite::new("basic");
    escape_mode(&site);
    assert_vectors_refused(&site);
}

#[test]
fn dangerous_urls_in_a_summary_are_refused_at_the_summary_line() {
    let site = TestSite::new("basic");
    let summaries = [
        "\"Voir [ceci](javascript:alert(1)).\"",
        "\"Voir <javascript:alert(1)>.\"",
        "\"Voir ![ceci](vbscript:x).\"",
        "\"Voir [ceci][x].\\n\\n[x]: data:text/html,x\"",
    ];
    for (i, summary) in summaries.iter().enumerate() {
        site.write(
            &format!("content/projets/resume-{i}.md"),
            &format!("{}Corps.\n", front(Some(summary))),
        );
    }
    let run = site.run(&["build"]);
    assert_eq!(run.status, 1, "{}", run.stderr);
    for i in 0..summaries.len() {
        let file = format!("content/projets/resume-{i}.md");
        assert_eq!(
            error_lines(&run.stderr, &file),
            vec![3],
            "{file} (summary at line 3):\n{}",
            run.stderr
        );
    }
    assert!(run.stderr.contains(HINT), "{}", run.stderr);
}

/// Whether `text` holds a tag with an event-handler attribute (`<x onclick=`…).
fn event_attribute(text: &str) -> Option<String> {
    let lower = text.to_ascii_lowercase();
    let mut rest = lower.as_str();
    while let Some(start) = rest.find('<') {
        rest = &rest[start + 1..];
        let end = rest.find(['<', '>']).unwrap_or(rest.len());
        let tag = &rest[..end];
        if tag.starts_with(|c: char| c.is_ascii_alphabetic()) {
            let handler = tag
                .split(|c: char| c.is_whitespace() || c == '/' || c == '"' || c == '\'')
                .skip(1)
                .find(|attribute| {
                    attribute.starts_with("on")
                        && attribute[2..].starts_with(|c: char| c.is_ascii_alphabetic())
                        && attribute.contains('=')
                });
            if let Some(handler) = handler {
                return Some(format!("<{tag}> ({handler})"));
            }
        }
    }
    None
}

fn json_strings(value: &serde_json::Value, out: &mut Vec<String>) {
    match value {
        serde_json::Value::String(s) => out.push(s.clone()),
        serde_json::Value::Array(items) => items.iter().for_each(|v| json_strings(v, out)),
        serde_json::Value::Object(map) => {
            for (k, v) in map {
                out.push(k.clone());
                json_strings(v, out);
            }
        }
        _ => {}
    }
}

/// The texts of an output file as a reader of that format sees them: the file itself, the
/// text nodes of XML, the strings of JSON, the JSON of Pagefind's compressed fragments.
fn views(site: &TestSite, file: &str) -> Vec<String> {
    let bytes = std::fs::read(site.path("public").join(file)).unwrap();
    let mut views = Vec::new();
    if file.ends_with(".pf_fragment") {
        json_strings(&common::pagefind_fragment(&bytes), &mut views);
        return views;
    }
    let Ok(text) = String::from_utf8(bytes) else {
        return views;
    };
    if file.ends_with(".xml") {
        let doc = roxmltree::Document::parse(&text).expect("well-formed XML");
        views.extend(doc.descendants().filter_map(|n| n.text()).map(String::from));
    }
    if file.ends_with(".json") {
        let value: serde_json::Value = serde_json::from_str(&text).unwrap();
        json_strings(&value, &mut views);
    }
    views.push(text);
    views
}

#[test]
fn escape_mode_lets_no_author_attribute_but_a_plain_id_or_class_reach_any_output() {
    let site = TestSite::new("basic");
    escape_mode(&site);
    let summary = "\"# Résumé {onclick=alert(1) #r .s}\"";
    let body = "## Titre {#propre .classe onmouseover=alert(1) style=color:red}\n\nTexte.\n\n### Autre {#mauvais\"id .x\"y ONCLICK=alert(2) data-x=1}\n\nFin.\n";
    site.write(
        "content/projets/attributs.md",
        &format!("{}{body}", front(Some(summary))),
    );
    let run = site.build();
    let page = site.output("projets/attributs/index.html");
    assert!(
        page.contains("<h2 id=\"propre\" class=\"classe\">"),
        "{page}"
    );
    assert!(page.contains("<h3 id=\"autre\">"), "{page}");
    assert!(!page.contains("color:red"), "{page}");
    assert!(!page.contains("data-x"), "{page}");
    for line in [12, 16] {
        assert!(
            run.stderr.lines().any(|l| l.starts_with(&format!(
                "avertissement : content/projets/attributs.md:{line}:"
            ))),
            "no warning at line {line}:\n{}",
            run.stderr
        );
    }
    let files = site.output_files();
    for needed in ["atom.xml", "projets.json", "projets.csv"] {
        assert!(files.iter().any(|f| f == needed), "{needed} missing");
    }
    assert!(
        files.iter().any(|f| f.ends_with(".pf_fragment")),
        "no search records"
    );
    let mut checked = 0;
    for file in &files {
        for view in views(&site, file) {
            if let Some(found) = event_attribute(&view) {
                panic!("event-handler attribute in {file}: {found}");
            }
        }
        checked += 1;
    }
    assert!(checked > 10, "{files:?}");
}

#[test]
fn the_trusted_mode_keeps_heading_attributes_but_never_event_handlers() {
    let site = TestSite::new("basic");
    let body =
        "## Titre {#propre .classe onmouseover=alert(1) x/onclick=alert(2) lang=en}\n\nTexte.\n";
    site.write(
        "content/projets/attributs.md",
        &format!("{}{body}", front(None)),
    );
    let run = site.build();
    let page = site.output("projets/attributs/index.html");
    assert!(
        page.contains("<h2 id=\"propre\" class=\"classe\" lang=\"en\">"),
        "{page}"
    );
    assert!(event_attribute(&page).is_none(), "{page}");
    assert!(
        run.stderr
            .lines()
            .any(|l| l.starts_with("avertissement : content/projets/attributs.md:11:")),
        "{}",
        run.stderr
    );
}

#[test]
fn the_event_attribute_detector_finds_what_it_must() {
    assert!(event_attribute("<h2 id=\"a\" onmouseover=\"x\">").is_some());
    assert!(event_attribute("<IMG SRC=x OnError=y>").is_some());
    assert!(event_attribute("<p>onclick=x est un texte</p>").is_none());
    assert!(event_attribute("&lt;b onclick=x&gt;").is_none());
    assert!(event_attribute("<a href=\"/one/\">").is_none());
}
