//! Reader features produced by `guide build`: the search index and page, the printed
//! edition, and the open data (JSON and CSV).

mod common;

use std::path::Path;

use common::TestSite;

#[test]
fn the_search_index_and_page_are_built_unless_disabled() {
    let site = TestSite::new("basic");
    site.build();
    let files = site.output_files();
    assert!(
        files.contains(&"pagefind/pagefind.js".to_string()),
        "{files:?}"
    );
    assert!(
        files.iter().any(|f| f.starts_with("pagefind/wasm.fr")),
        "French stemming bundle: {files:?}"
    );
    let page = site.output("recherche/index.html");
    assert!(page.contains("data-bundle=\"/essai/pagefind/\""), "{page}");
    assert!(page.contains("themes\u{202F}: Thèmes"), "{page}");

    let run = site.run(&["build", "--no-search"]);
    assert_eq!(run.status, 0, "{}", run.stderr);
    assert!(!site.path("public/pagefind").exists());
}

#[test]
fn the_printed_edition_has_the_intro_then_each_case_study_once_by_theme() {
    let site = TestSite::new("basic");
    site.build();
    let page = site.output("guide-complet/index.html");
    assert!(page.contains("<p class=\"nombre\">3 fiches</p>"), "{page}");
    let intro = page
        .find("<section class=\"intro\"><h2>À propos</h2>")
        .expect("intro");
    let qvct = page.find("id=\"qvct\"").expect("chapter qvct");
    let partage = page
        .find("id=\"partage-valeur\"")
        .expect("chapter partage-valeur");
    assert!(
        intro < qvct && qvct < partage,
        "intro, then chapters in declared order"
    );
    // Fiche A has qvct first, so it is printed once, in the qvct chapter.
    assert_eq!(page.matches("<h3>Fiche A").count(), 1, "{page}");
    assert!(
        !page.contains("id=\"dialogue-social\""),
        "a chapter whose pages are all printed elsewhere is left out"
    );
}

#[test]
fn open_data_lists_every_case_study_in_json_and_csv() {
    let site = TestSite::new("basic");
    site.build();
    let json: serde_json::Value = serde_json::from_str(&site.output("projets.json")).unwrap();
    assert_eq!(json["nombre"], 3);
    let first = &json["projets"][0];
    assert_eq!(first["url"], "https://example.org/essai/projets/fiche-a/");
    assert_eq!(first["champs"]["entreprise"]["effectif"], 45);
    assert_eq!(first["taxonomies"]["themes"][1]["slug"], "dialogue-social");
    assert_eq!(
        first["resume"], "Un résumé avec du gras & des <b>chevrons</b>.",
        "raw HTML in a summary is text"
    );

    let csv = site.output("projets.csv");
    let lines: Vec<&str> = csv.split("\r\n").filter(|l| !l.is_empty()).collect();
    assert_eq!(lines.len(), 4, "header and three rows: {csv}");
    assert!(lines[0].starts_with("url,titre,resume,date,mise_a_jour,edition,themes,maturite,mots-cles,entreprise.nom,entreprise.effectif"), "{}", lines[0]);
    assert!(
        lines[1].contains(",Qualité de vie et des conditions de travail ; Dialogue social,"),
        "{}",
        lines[1]
    );
}

#[test]
fn pdf_prints_the_edition_with_chromium() {
    if guide::cmd::pdf::find_chromium().is_none() {
        let message = "Chromium is not installed (apt-get install chromium)";
        common::missing_tool(message);
        return;
    }
    let site = TestSite::new("basic");
    let run = site.run(&["pdf"]);
    assert_eq!(run.status, 0, "{}", run.stderr);
    assert!(
        run.stderr.contains("sommaire sans numéros de page"),
        "a theme without data-cible is printed once: {}",
        run.stderr
    );
    let pdf = std::fs::read(site.path("public/guide-complet.pdf")).unwrap();
    assert!(pdf.starts_with(b"%PDF"));
    assert!(pdf.len() > 5_000, "a real document, not an empty page");
    // The PDF is guide's own: the next build replaces the output without asking for --force.
    site.build();
}

/// The text of a PDF (`pdftotext`, from poppler-utils), of one page or all (pages separated by
/// form feeds); `None` when pdftotext is missing.
fn pdftotext(pdf: &Path, page: Option<u32>) -> Option<String> {
    let mut command = std::process::Command::new("pdftotext");
    if let Some(n) = page {
        command.args(["-f", &n.to_string(), "-l", &n.to_string()]);
    }
    let output = command.arg(pdf).arg("-").output().ok()?;
    assert!(
        output.status.success(),
        "pdftotext failed on {}",
        pdf.display()
    );
    Some(String::from_utf8_lossy(&output.stdout).into_owned())
}

/// Text with every run of spaces (no-break ones included) and line breaks made one space.
fn words(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// The text of a bit of HTML: tags dropped, the entities Tera writes decoded.
fn html_text(html: &str) -> String {
    let mut text = String::new();
    let mut in_tag = false;
    for c in html.chars() {
        match c {
            '<' => in_tag = true,
            '>' => in_tag = false,
            _ if !in_tag => text.push(c),
            _ => {}
        }
    }
    text.replace("&nbsp;", "\u{a0}")
        .replace("&#x27;", "'")
        .replace("&quot;", "\"")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&amp;", "&")
}

/// The entries of the printed table of contents: (target id, title as printed).
fn toc_entries(html: &str) -> Vec<(String, String)> {
    let nav = &html[html
        .find("<nav class=\"edition-sommaire\"")
        .expect("the table of contents")..];
    let nav = &nav[..nav.find("</nav>").unwrap()];
    nav.split("<span class=\"edition-sommaire__intitule\">")
        .skip(1)
        .map(|entry| {
            let (title, rest) = entry
                .split_once("<span class=\"edition-sommaire__page\" data-cible=\"")
                .expect("each entry has its page number element");
            let id = rest.split('"').next().unwrap();
            let title = title.strip_suffix("</span>").unwrap_or(title);
            (id.to_string(), words(&html_text(title)))
        })
        .collect()
}

#[test]
fn the_printed_table_of_contents_gives_the_page_of_each_case_study() {
    if guide::cmd::pdf::find_chromium().is_none() {
        common::missing_tool("Chromium is not installed (apt-get install chromium)");
        return;
    }
    if std::process::Command::new("pdftotext")
        .arg("-v")
        .output()
        .is_err()
    {
        common::missing_tool("pdftotext is not installed (apt-get install poppler-utils)");
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("public");
    let output = assert_cmd::Command::cargo_bin("guide")
        .unwrap()
        .args(["pdf", "--root", env!("CARGO_MANIFEST_DIR"), "--output"])
        .arg(&out)
        .env("NO_COLOR", "1")
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "guide pdf failed:\n{stderr}");
    assert!(stderr.contains("sommaire numéroté en"), "{stderr}");
    let pdf = out.join("guide-innovation-sociale.pdf");
    let leftovers: Vec<_> = std::fs::read_dir(out.join("guide-complet"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|name| name != "index.html")
        .collect();
    assert!(leftovers.is_empty(), "temporary copies left: {leftovers:?}");

    let html = std::fs::read_to_string(out.join("guide-complet/index.html")).unwrap();
    let entries = toc_entries(&html);
    assert!(entries.len() > 10, "{entries:?}");
    assert!(
        entries
            .iter()
            .all(|(id, _)| html.contains(&format!("data-cible=\"{id}\"></span>"))),
        "the public page keeps its page number elements empty"
    );
    assert!(
        entries
            .iter()
            .all(|(id, _)| html.contains(&format!(" id=\"{id}\""))),
        "each data-cible is an id of the page: {entries:?}"
    );

    // The numbers, as printed after each title of the table of contents.
    let document = pdftotext(&pdf, None).unwrap();
    let pages: Vec<&str> = document.split('\u{c}').collect();
    let toc_page = pages
        .iter()
        .position(|p| p.contains("Sommaire"))
        .expect("a page titled Sommaire");
    let toc = words(&pages[toc_page..].join(" "));
    let mut from = 0;
    let mut numbers = Vec::new();
    for (id, title) in &entries {
        let at = from
            + toc[from..]
                .find(title.as_str())
                .unwrap_or_else(|| panic!("« {title} » is not in the printed TOC:\n{toc}"));
        let after = toc[at + title.len()..].trim_start_matches([' ', '.', '\u{a0}']);
        let digits: String = after.chars().take_while(char::is_ascii_digit).collect();
        let number: u32 = digits.parse().unwrap_or_else(|_| {
            let next: String = after.chars().take(40).collect();
            panic!("no page number after « {title} »: {next}")
        });
        assert!(
            (toc_page as u32 + 2..=pages.len() as u32).contains(&number),
            "#{id}: page {number} is not after the table of contents"
        );
        numbers.push(number);
        from = at + title.len();
    }
    assert!(
        numbers.windows(2).all(|w| w[0] <= w[1]),
        "pages in reading order: {numbers:?}"
    );

    // Each entry's title is on the page its number gives.
    let mut case_studies = 0;
    for ((id, title), number) in entries.iter().zip(&numbers) {
        let heading = match title.split_once(" : ") {
            Some((_, chapter)) if id.starts_with("chapitre-") => chapter,
            _ => title.as_str(),
        };
        let page = words(&pdftotext(&pdf, Some(*number)).unwrap());
        assert!(
            page.contains(heading),
            "#{id}: « {heading} » is not on page {number}:\n{page}"
        );
        case_studies += usize::from(id.starts_with("projets-"));
    }
    assert!(
        case_studies >= 11,
        "every case study is checked: {entries:?}"
    );
}

#[test]
fn pdf_fails_in_french_when_a_toc_entry_targets_nothing_printed() {
    if guide::cmd::pdf::find_chromium().is_none() {
        common::missing_tool("Chromium is not installed (apt-get install chromium)");
        return;
    }
    let site = TestSite::new("basic");
    site.write(
        "themes/plain/templates/guide_complet.html",
        r##"{% extends "base.html" %}
{% block main %}<h1>{{ config.title }}</h1>
<nav><ol><li><a href="#intro">Introduction</a> <span data-cible="intro"></span></li>
<li><a href="#absente">Absente</a> <span data-cible="absente"></span></li></ol></nav>
<section id="intro"><h2>Introduction</h2></section>{% endblock %}"##,
    );
    let run = site.run(&["pdf"]);
    assert_eq!(run.status, 1, "{}", run.stderr);
    assert!(
        run.stderr
            .contains("le sommaire renvoie à des éléments absents du PDF : « #absente »"),
        "{}",
        run.stderr
    );
    assert!(!site.path("public/guide-complet.pdf").exists());
    let files = site.output_files();
    assert!(
        !files
            .iter()
            .any(|f| f.contains(".partiel") || f.contains("sommaire-numerote")),
        "no partial PDF nor temporary copy left: {files:?}"
    );
}

#[test]
fn pdf_without_chromium_says_how_to_install_it() {
    let site = TestSite::new("basic");
    let output = assert_cmd::Command::cargo_bin("guide")
        .unwrap()
        .args(["pdf", "--root"])
        .arg(site.root())
        .env("PATH", "")
        .env("GUIDE_CHROMIUM", "/nonexistent/chromium")
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(1));
    assert!(
        stderr.contains("Chromium (ou Chrome) est introuvable"),
        "{stderr}"
    );
    assert!(stderr.contains("apt-get install chromium"), "{stderr}");
    assert!(
        !site.path("public").exists(),
        "nothing is built when the PDF cannot be made"
    );
}

/// Runs `guide pdf` on this repository's guide into a temporary folder; returns the folder
/// (kept alive by the guard) and the output's path. Chromium is required.
fn print_the_guide() -> Option<(tempfile::TempDir, std::path::PathBuf)> {
    if guide::cmd::pdf::find_chromium().is_none() {
        common::missing_tool("Chromium is not installed (apt-get install chromium)");
        return None;
    }
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("public");
    let output = assert_cmd::Command::cargo_bin("guide")
        .unwrap()
        .args(["pdf", "--root", env!("CARGO_MANIFEST_DIR"), "--output"])
        .arg(&out)
        .env("NO_COLOR", "1")
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "guide pdf failed:\n{stderr}");
    Some((dir, out))
}

const BASE_URL: &str = "https://guide-innovation-sociale.example.org/";

#[test]
fn the_pdf_links_point_inside_it_or_to_the_published_site_never_to_the_print_server() {
    let Some((_dir, out)) = print_the_guide() else {
        return;
    };
    let pdf = std::fs::read(out.join("guide-innovation-sociale.pdf")).unwrap();
    let links = guide::pdf_pages::links(&pdf).unwrap();
    let destinations = guide::pdf_pages::destination_pages(&pdf).unwrap();
    use guide::pdf_pages::LinkTarget;
    let local = |uri: &str| {
        let host = uri
            .split_once("://")
            .map_or("", |(_, rest)| rest)
            .split(['/', '?', '#'])
            .next()
            .unwrap_or("");
        host.starts_with("127.") || host.starts_with("localhost") || host.starts_with("[::1]")
    };
    let (mut inside, mut site, mut external, mut server) = (0, 0, 0, Vec::new());
    for link in &links {
        match &link.target {
            LinkTarget::Named(name) => {
                assert!(
                    destinations.contains_key(name),
                    "page {}: the link to « #{name} » has no destination in the PDF",
                    link.page
                );
                inside += 1;
            }
            LinkTarget::Page(_) => inside += 1,
            LinkTarget::Uri(uri) if local(uri) => server.push(uri.clone()),
            LinkTarget::Uri(uri) if uri.starts_with(BASE_URL) => site += 1,
            LinkTarget::Uri(_) => external += 1,
            LinkTarget::Other => panic!("page {}: a link that goes nowhere", link.page),
        }
    }
    eprintln!(
        "{} links: {inside} inside the PDF, {site} to {BASE_URL}, {external} external, {} to the print server",
        links.len(),
        server.len()
    );
    assert!(
        server.is_empty(),
        "{} of {} links point to the temporary print server: {server:?}",
        server.len(),
        links.len()
    );
    assert!(
        inside > 20,
        "the table of contents and cross references: {inside}"
    );
    // The case studies' intro pages are printed: links to them stay in the document.
    assert!(
        !links
            .iter()
            .any(|l| l.target == LinkTarget::Uri(format!("{BASE_URL}dispositif/"))),
        "the intro page « dispositif » is in the PDF: its links go to it"
    );
}

#[test]
fn the_pdf_has_an_outline_of_parts_and_case_studies_and_stays_tagged_titled_and_french() {
    let Some((_dir, out)) = print_the_guide() else {
        return;
    };
    let pdf = std::fs::read(out.join("guide-innovation-sociale.pdf")).unwrap();
    let html = std::fs::read_to_string(out.join("guide-complet/index.html")).unwrap();
    let outline = guide::pdf_pages::outline(&pdf).unwrap();
    let destinations = guide::pdf_pages::destination_pages(&pdf).unwrap();
    eprintln!("outline: {} items", outline.len());
    let entries = toc_entries(&html);
    assert!(entries.len() > 10, "{entries:?}");
    for (id, title) in &entries {
        let item = outline
            .iter()
            .find(|o| words(&o.title) == *title)
            .unwrap_or_else(|| panic!("« {title} » is not in the outline: {outline:#?}"));
        assert_eq!(
            item.page,
            destinations.get(id).copied(),
            "the bookmark « {title} » opens the page of #{id}"
        );
    }
    // Parts at the top, each case study under its chapter, and nothing finer (the sections
    // of each case study are the same seven headings: they would bury the case studies).
    let chapter = outline
        .iter()
        .position(|o| o.title.starts_with("Chapitre 1"))
        .expect("chapter 1 in the outline");
    assert_eq!(outline[chapter].depth, 0, "{outline:#?}");
    assert_eq!(outline[chapter + 1].depth, 1, "{outline:#?}");
    assert!(outline.iter().all(|o| o.depth <= 1), "{outline:#?}");
    assert!(
        !outline.iter().any(|o| o.title == "Le contexte"),
        "{outline:#?}"
    );

    // Tagged, in French, titled, fonts embedded.
    let document = lopdf::Document::load_mem(&pdf).unwrap();
    let catalog = document.catalog().unwrap();
    let marked = catalog
        .get(b"MarkInfo")
        .and_then(|m| document.dereference(m))
        .and_then(|(_, m)| m.as_dict())
        .and_then(|m| m.get(b"Marked"))
        .and_then(lopdf::Object::as_bool);
    assert_eq!(marked.ok(), Some(true), "tagged PDF");
    assert!(catalog.get(b"StructTreeRoot").is_ok(), "structure tree");
    assert_eq!(
        catalog.get(b"Lang").and_then(lopdf::Object::as_str).ok(),
        Some(&b"fr"[..])
    );
    let info = document
        .trailer
        .get(b"Info")
        .and_then(|i| document.dereference(i))
        .and_then(|(_, i)| i.as_dict())
        .unwrap();
    let title = info.get(b"Title").and_then(lopdf::Object::as_str).unwrap();
    assert!(!title.is_empty());
    let mut descriptors = 0;
    for object in document.objects.values() {
        let Ok(dict) = object.as_dict() else { continue };
        if dict.get(b"Type").and_then(lopdf::Object::as_name).ok() == Some(b"FontDescriptor") {
            descriptors += 1;
            assert!(
                [&b"FontFile"[..], b"FontFile2", b"FontFile3"]
                    .iter()
                    .any(|k| dict.get(k).is_ok()),
                "a font is not embedded: {dict:?}"
            );
        }
    }
    assert!(descriptors > 0);
}

#[test]
fn the_printed_table_of_contents_numbers_chapters_once() {
    let Some((_dir, out)) = print_the_guide() else {
        return;
    };
    let pdf = out.join("guide-innovation-sociale.pdf");
    let Some(document) = pdftotext(&pdf, None) else {
        common::missing_tool("pdftotext is not installed (apt-get install poppler-utils)");
        return;
    };
    let pages: Vec<&str> = document.split('\u{c}').collect();
    let toc = pages
        .iter()
        .find(|p| p.contains("Sommaire"))
        .expect("a page titled Sommaire");
    for line in toc.lines() {
        let line = line.trim();
        let numbered = line
            .split_once(". ")
            .is_some_and(|(n, _)| !n.is_empty() && n.chars().all(|c| c.is_ascii_digit()));
        assert!(
            !numbered,
            "a list number before a TOC entry (« 4. Chapitre 1 »): « {line} »"
        );
    }
    let chapters: Vec<&str> = toc
        .lines()
        .filter(|l| l.trim_start().starts_with("Chapitre "))
        .collect();
    assert!(chapters.len() >= 8, "{toc}");
    assert!(chapters[0].trim_start().starts_with("Chapitre 1 "), "{toc}");
}

/// A copy of this repository's guide (content, themes, guide.yaml) in a temporary folder.
fn repo_guide_copy() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let repo = Path::new(env!("CARGO_MANIFEST_DIR"));
    for folder in ["content", "themes"] {
        common::copy_dir(&repo.join(folder), &dir.path().join(folder));
    }
    std::fs::copy(repo.join("guide.yaml"), dir.path().join("guide.yaml")).unwrap();
    dir
}

fn run_guide(root: &Path, args: &[&str]) -> (bool, String) {
    let output = assert_cmd::Command::cargo_bin("guide")
        .unwrap()
        .args(args)
        .arg("--root")
        .arg(root)
        .env("NO_COLOR", "1")
        .output()
        .unwrap();
    (
        output.status.success(),
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
}

#[test]
fn the_pdf_of_guide_pdf_is_published_by_later_builds_until_the_content_changes() {
    if guide::cmd::pdf::find_chromium().is_none() {
        common::missing_tool("Chromium is not installed (apt-get install chromium)");
        return;
    }
    let site = repo_guide_copy();
    let root = site.path();
    let (ok, stderr) = run_guide(root, &["pdf"]);
    assert!(ok, "{stderr}");
    let public = root.join("public");
    let pdf = public.join("guide-innovation-sociale.pdf");
    let size = std::fs::metadata(&pdf)
        .expect("the PDF is in the output")
        .len();
    assert!(size > 100_000, "{size}");
    let edition = std::fs::read_to_string(public.join("guide-complet/index.html")).unwrap();
    let home = std::fs::read_to_string(public.join("index.html")).unwrap();
    let ko = format!("{:.1}", size as f64 / 1024.0).replace('.', ",");
    for (name, html) in [("guide-complet", &edition), ("footer", &home)] {
        let at = html
            .find("href=\"/guide-innovation-sociale.pdf\"")
            .unwrap_or_else(|| panic!("{name}: no link to the PDF"));
        let around = &html[at..(at + 300).min(html.len())];
        assert!(
            around.contains(&format!("{ko}\u{a0}Ko")),
            "{name}: {around}"
        );
    }
    assert!(edition.contains(" pages"), "the PDF's page count is given");

    // A later build, with nothing changed, publishes it again; one for another address does
    // not (the PDF's links go to the address it was printed for).
    let (ok, stderr) = run_guide(root, &["build", "--base-url", "https://ailleurs.example/"]);
    assert!(ok, "{stderr}");
    assert!(!pdf.exists(), "printed for another address");
    let (ok, stderr) = run_guide(root, &["build"]);
    assert!(ok, "{stderr}");
    assert_eq!(std::fs::metadata(&pdf).unwrap().len(), size);
    assert!(std::fs::read_to_string(public.join("index.html"))
        .unwrap()
        .contains("guide-innovation-sociale.pdf"));

    // Once the content changes, the PDF is out of date: not published, and the build says so.
    let page = root.join("content/dispositif.md");
    let text = std::fs::read_to_string(&page).unwrap();
    std::fs::write(&page, format!("{text}\nUne phrase de plus.\n")).unwrap();
    let (ok, stderr) = run_guide(root, &["build"]);
    assert!(ok, "{stderr}");
    assert!(!pdf.exists(), "an out-of-date PDF is not published");
    assert!(stderr.contains("guide pdf"), "{stderr}");
    assert!(!std::fs::read_to_string(public.join("index.html"))
        .unwrap()
        .contains("guide-innovation-sociale.pdf"));
}

/// The fragments of the search index (Pagefind's compressed JSON, one per page), by the
/// address a result links to.
fn index_fragments(site: &TestSite) -> std::collections::BTreeMap<String, serde_json::Value> {
    let mut fragments = std::collections::BTreeMap::new();
    for file in site.output_files() {
        if !file.ends_with(".pf_fragment") {
            continue;
        }
        let bytes = std::fs::read(site.path("public").join(&file)).unwrap();
        let fragment = common::pagefind_fragment(&bytes);
        let url = fragment["url"].as_str().unwrap_or_default().to_string();
        fragments.insert(url, fragment);
    }
    fragments
}

#[test]
fn each_page_of_the_search_index_has_its_address_title_and_summary() {
    let site = TestSite::new("basic");
    site.build();
    let fragments = index_fragments(&site);
    let urls: Vec<&String> = fragments.keys().collect();
    assert_eq!(
        urls,
        [
            "/essai/a-propos/",
            "/essai/projets/fiche-a/",
            "/essai/projets/fiche-b/",
            "/essai/projets/fiche-bundle/",
        ],
        "one fragment per page, at its address"
    );
    let bundle = &fragments["/essai/projets/fiche-bundle/"];
    assert_eq!(bundle["meta"]["title"], "Fiche en dossier");
    assert_eq!(bundle["meta"]["section"], "Projets");
    // The summary as plain text: the Markdown's emphasis gone, the tags the editor wrote kept
    // as the text they are on the page (the search page shows them escaped).
    assert_eq!(
        fragments["/essai/projets/fiche-a/"]["meta"]["summary"],
        "Un résumé avec du gras & des <b>chevrons</b>."
    );
}
