//! The guide of this repository: it builds without error, with no warning but the values ARACT
//! must still supply, every case study appears on its taxonomy pages, every page is valid HTML
//! (W3C Nu HTML Checker) and its text follows French typography.

mod common;

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;

use guide::content::DraftMode;

fn repo() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// The repository's guide, built once for this test binary (in Cargo's temporary folder for
/// tests, replaced at each run): (unused, output, stderr).
fn build_guide() -> ((), PathBuf, String) {
    static BUILT: OnceLock<(PathBuf, String)> = OnceLock::new();
    let (out, stderr) = BUILT.get_or_init(|| {
        let out = Path::new(env!("CARGO_TARGET_TMPDIR")).join("guide-du-depot");
        let stderr = common::build_repo_guide_into(&out);
        (out, stderr)
    });
    ((), out.clone(), stderr.clone())
}

#[test]
fn the_guide_builds_without_errors_or_warnings_but_the_values_to_supply() {
    let (_dir, out, stderr) = build_guide();
    let warnings = stderr.matches("avertissement :").count();
    let placeholders = stderr.matches("valeur encore à fournir").count();
    assert_eq!(warnings, placeholders, "{stderr}");
    assert!(!stderr.contains("erreur :"), "{stderr}");
    // What a reader sees never says what is missing in the team's words.
    for page in [
        "index.html",
        "dispositif/index.html",
        "candidater/index.html",
    ] {
        let html = std::fs::read_to_string(out.join(page)).unwrap();
        assert!(!html.to_lowercase().contains("compléter"), "{page}");
    }
    for page in [
        "index.html",
        "innovation-sociale/index.html",
        "dispositif/index.html",
        "accessibilite/index.html",
        "themes/qvct/index.html",
        "maturite/index.html",
    ] {
        assert!(out.join(page).is_file(), "missing {page}");
    }
}

#[test]
fn every_case_study_appears_on_each_of_its_term_pages() {
    let (_dir, out, _) = build_guide();
    let mut diagnostics = guide::diagnostic::Diagnostics::new();
    let config = guide::config::load(repo(), &mut diagnostics).unwrap();
    let site = guide::content::load(repo(), &config, DraftMode::Exclude, &mut diagnostics);
    let classification = guide::taxonomy::classify(&site, &config, &mut diagnostics);
    assert!(!diagnostics.has_errors(), "{diagnostics:?}");
    let projets: Vec<usize> = (0..site.pages.len())
        .filter(|&p| site.sections[site.pages[p].section.index()].name == "projets")
        .collect();
    assert!(
        projets.len() >= 8,
        "the guide has at least 8 case studies, found {}",
        projets.len()
    );
    for &p in &projets {
        let page = &site.pages[p];
        let url = format!("{}{}", config.base_path(), page.path);
        for name in ["themes", "maturite"] {
            let t = config
                .taxonomies
                .iter()
                .position(|t| t.name == name)
                .unwrap();
            let terms = &classification.page_terms[p][t];
            assert!(!terms.is_empty(), "{} has no {name}", page.source.display());
            for &term in terms {
                let slug = &classification.taxonomies[t].terms[term].slug;
                let html =
                    std::fs::read_to_string(out.join(name).join(slug).join("index.html")).unwrap();
                assert!(
                    html.contains(&format!("href=\"{url}\"")),
                    "{} missing from /{name}/{slug}/",
                    page.source.display()
                );
            }
        }
    }
}

#[test]
fn every_page_of_the_guide_is_valid_html() {
    let jar = repo().join("tests/tools/node_modules/vnu-jar/build/dist/vnu.jar");
    let java = Command::new("java")
        .arg("-version")
        .output()
        .is_ok_and(|o| o.status.success());
    if !jar.is_file() || !java {
        let message = "the W3C Nu HTML Checker is not installed: run `npm install --prefix tests/tools` (Java 17 needed)";
        common::missing_tool(message);
        return;
    }
    let (_dir, out, _) = build_guide();
    let output = Command::new("java")
        .arg("-jar")
        .arg(&jar)
        .args(["--skip-non-html", "--errors-only", "--format", "text"])
        .arg(&out)
        .output()
        .unwrap();
    let report = String::from_utf8_lossy(&output.stderr).into_owned()
        + &String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success(),
        "the Nu checker found errors:\n{report}"
    );
}

/// The text a reader sees on a page: no script, style, code or preformatted text, no markup
/// (so no attribute), character references read; an inline element joins its neighbours,
/// any other tag is a line break.
fn visible_text(html: &str) -> String {
    let mut html = html.to_string();
    for element in ["script", "style", "code", "pre", "kbd", "samp", "svg"] {
        let (open, close) = (format!("<{element}"), format!("</{element}>"));
        while let Some(start) = html.find(&open) {
            let end = html[start..]
                .find(&close)
                .map_or(html.len(), |e| start + e + close.len());
            html.replace_range(start..end, " ");
        }
    }
    let inline = [
        "a", "em", "strong", "span", "abbr", "b", "i", "sup", "sub", "small", "time", "mark",
    ];
    let mut text = String::with_capacity(html.len());
    let mut rest = html.as_str();
    while let Some(start) = rest.find('<') {
        text.push_str(&rest[..start]);
        let end = rest[start..]
            .find('>')
            .map_or(rest.len(), |e| start + e + 1);
        let name: String = rest[start + 1..end]
            .trim_start_matches('/')
            .chars()
            .take_while(char::is_ascii_alphanumeric)
            .collect();
        if !inline.contains(&name.as_str()) {
            text.push('\n');
        }
        rest = &rest[end..];
    }
    text.push_str(rest);
    text.replace("&#39;", "'")
        .replace("&#x27;", "'")
        .replace("&apos;", "'")
        .replace("&nbsp;", "\u{a0}")
        .replace("&quot;", "\"")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&amp;", "&")
}

/// The typographic faults of a page's text: a breaking space before `; : ! ? »` or after `«`,
/// a straight apostrophe, a breaking space inside a number or an amount. URLs and e-mail
/// addresses written in the text are not prose and are skipped.
fn typographic_faults(text: &str) -> Vec<String> {
    let mut faults = Vec::new();
    for line in text.lines() {
        let words: Vec<&str> = line
            .split(' ')
            .filter(|w| !(w.contains("://") || w.contains('@') || w.starts_with("www.")))
            .collect();
        let line = words.join(" ");
        let chars: Vec<char> = line.chars().collect();
        for (i, &c) in chars.iter().enumerate() {
            let next = chars.get(i + 1).copied();
            let prev = i.checked_sub(1).map(|p| chars[p]);
            let fault = match c {
                ' ' => {
                    matches!(next, Some(';' | ':' | '!' | '?' | '»'))
                        || prev == Some('«')
                        || (prev.is_some_and(|p| p.is_ascii_digit())
                            && (chars.get(i + 1..i + 4).is_some_and(|d| {
                                d.iter().all(char::is_ascii_digit)
                                    && !chars.get(i + 4).is_some_and(char::is_ascii_digit)
                            }) || next == Some('€')))
                }
                '\'' => true,
                _ => false,
            };
            if fault {
                let from = i.saturating_sub(30);
                let to = (i + 30).min(chars.len());
                faults.push(chars[from..to].iter().collect::<String>());
            }
        }
    }
    faults
}

#[test]
fn every_page_of_the_guide_follows_french_typography() {
    let (_dir, out, _) = build_guide();
    let mut pages = Vec::new();
    let mut stack = vec![out.clone()];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                stack.push(path);
            } else if path.extension().is_some_and(|e| e == "html") {
                pages.push(path);
            }
        }
    }
    assert!(pages.len() > 20, "the guide has its pages");
    let mut report = Vec::new();
    for page in &pages {
        let html = std::fs::read_to_string(page).unwrap();
        for fault in typographic_faults(&visible_text(&html)) {
            report.push(format!(
                "{}: {fault:?}",
                page.strip_prefix(&out).unwrap().display()
            ));
        }
    }
    assert!(
        report.is_empty(),
        "{} typographic faults (a breaking space before ; : ! ? », after «, in a number, or a straight apostrophe):\n{}",
        report.len(),
        report.iter().take(60).cloned().collect::<Vec<_>>().join("\n")
    );
}

#[test]
fn the_text_checker_finds_the_faults_it_looks_for() {
    let text = visible_text(
        "<p>Pourquoi ? L&#39;essentiel, <a href=\"https://x.org/?a=1\">lien</a> « mot » 1 000 € <code>a ? b</code> https://x.org/?q=1;y</p>",
    );
    assert_eq!(typographic_faults(&text).len(), 6, "{text}");
}

/// A save that changes a case study's terms must not render the whole guide again: the
/// guide's theme shows counts on its listings and facets, never on a case study, a page or a card.
#[test]
fn the_guides_case_studies_and_cards_do_not_read_term_counts_its_listings_do() {
    let mut diagnostics = guide::diagnostic::Diagnostics::new();
    let config = guide::config::load(repo(), &mut diagnostics).unwrap();
    let tera = guide::render::load_templates(repo(), &config).unwrap();
    let readers = guide::theme::counts::CountReaders::of(&tera);
    for template in ["projet.html", "page.html", "card.html", "404.html"] {
        assert!(!readers.may_read(template), "{template} reads counts");
    }
    for template in [
        "taxonomy_list.html",
        "taxonomy_term.html",
        "section.html",
        "index.html",
    ] {
        assert!(readers.may_read(template), "{template} shows counts");
    }
}
