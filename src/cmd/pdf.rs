//! `guide pdf`: builds the site, then prints the printed edition to PDF with headless Chromium.
//!
//! Chromium does not support CSS `target-counter()`, so the page numbers of the table of
//! contents are found by printing twice:
//!
//! 1. write beside the page a temporary copy whose links to other pages of the site point
//!    inside the document or to `base_url`, never to the local print server
//!    ([`crate::print_copy::print_links`]), and print it; its table of contents has an empty
//!    element `data-cible="ID"` per entry, whose width the print style sheet reserves;
//! 2. read in that PDF on which page each `ID` lands ([`crate::pdf_pages`]: Chromium writes a
//!    named destination per link target);
//! 3. write the copy again with the numbers in its `data-cible` elements, print it, and read
//!    the pages again: if a number moved, print once more (at most [`MAX_PASSES`] prints in
//!    all), else the PDF is done;
//! 4. replace the outline Chromium made from every heading by one bookmark per entry of the
//!    table of contents, nested as it is (parts, then the case studies of each chapter);
//! 5. rename the finished PDF into place.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::process::Command;

use crate::diagnostic::Diagnostic;
use crate::pipeline::BuildOptions;

/// Finds a Chromium or Chrome executable: `GUIDE_CHROMIUM`, then the usual names on `PATH`.
pub fn find_chromium() -> Option<PathBuf> {
    if let Some(path) = std::env::var_os("GUIDE_CHROMIUM") {
        return Some(PathBuf::from(path)).filter(|p| p.is_file());
    }
    let path = std::env::var_os("PATH")?;
    [
        "chromium",
        "chromium-browser",
        "google-chrome",
        "google-chrome-stable",
    ]
    .iter()
    .flat_map(|name| std::env::split_paths(&path).map(move |dir| dir.join(name)))
    .find(|candidate| candidate.is_file())
}

/// Runs the command; returns the exit status.
pub fn run(options: &BuildOptions) -> i32 {
    let mut diagnostics = crate::diagnostic::Diagnostics::new();
    let Some(config) = crate::config::load(&options.root, &mut diagnostics) else {
        super::print_diagnostics(&diagnostics, super::Format::Human);
        return 1;
    };
    let Some(print) = config.reader.print.clone() else {
        return super::fail(
            Diagnostic::error("ce site n'a pas d'édition imprimable")
                .in_file(crate::config::CONFIG_FILE)
                .with_hint("ajoutez reader.print dans guide.yaml (voir docs/templates.md)"),
        );
    };
    let Some(chromium) = find_chromium() else {
        return super::fail(Diagnostic::error("Chromium (ou Chrome) est introuvable : il sert à imprimer le guide en PDF").with_hint(
            "installez-le (Debian, Ubuntu : sudo apt-get install chromium ; macOS, Windows : installez Google Chrome), ou indiquez son chemin dans la variable GUIDE_CHROMIUM",
        ));
    };
    // What the PDF is printed from: a later build publishes it while this is unchanged.
    let fingerprint = crate::edition_pdf::inputs_fingerprint(
        &options.root,
        &config.theme,
        options.base_url.as_deref(),
        options.drafts == crate::content::DraftMode::Include,
    );
    let status = super::build::run(options, super::Format::Human);
    if status != 0 {
        return status;
    }
    let output = options
        .output
        .clone()
        .unwrap_or_else(|| options.root.join("public"));
    let base = match crate::serve::serve_folder(output.clone()) {
        Ok(base) => base,
        Err(e) => {
            return super::fail(Diagnostic::error(format!(
                "impossible de servir le site pour l'imprimer : {e}"
            )))
        }
    };
    let profile = match tempfile_dir() {
        Ok(dir) => dir,
        Err(e) => {
            return super::fail(Diagnostic::error(format!(
                "impossible de créer un dossier temporaire : {e}"
            )))
        }
    };
    let target = output.join(&print.pdf);
    let partial = output.join(format!(".{}.partiel", print.pdf));
    let printer = Printer {
        chromium,
        profile: profile.clone(),
    };
    let page = print.page.trim_matches('/');
    // The PDF and the temporary files are written into the output: the next build must know
    // they are `guide`'s, not the user's.
    let partial_name = format!(".{}.partiel", print.pdf);
    let numbered = format!("{page}/{}", numbered_copy_name());
    let claimed = [print.pdf.as_str(), partial_name.as_str(), numbered.as_str()];
    if let Err(e) = crate::output::ownership::claim(&output, &claimed) {
        return super::fail(Diagnostic::error(e.to_string()));
    }
    let base_url = options
        .base_url
        .clone()
        .unwrap_or_else(|| config.base_url.clone());
    let base_url = if base_url.ends_with('/') {
        base_url
    } else {
        format!("{base_url}/")
    };
    let edition = Edition {
        base: &base,
        page,
        dir: &output.join(page),
        base_url: &base_url,
    };
    let result = print_with_page_numbers(&printer, &edition, &partial);
    let _ = std::fs::remove_dir_all(&profile);
    match result {
        Ok(report) => match std::fs::rename(&partial, &target) {
            Ok(()) => {
                eprintln!("PDF écrit : {} ({report})", target.display());
                publish(options, &output, &target, fingerprint)
            }
            Err(e) => {
                let _ = std::fs::remove_file(&partial);
                super::fail(Diagnostic::error(format!(
                    "impossible d'écrire {} : {e}",
                    target.display()
                )))
            }
        },
        Err(d) => {
            let _ = std::fs::remove_file(&partial);
            super::fail(*d)
        }
    }
}

/// Stores the PDF for the builds of `output` ([`crate::edition_pdf`]) and builds once more, so
/// that the site links it (the printed edition and every page's footer, with its size).
fn publish(options: &BuildOptions, output: &Path, pdf: &Path, fingerprint: u64) -> i32 {
    let stored = std::fs::read(pdf).and_then(|bytes| {
        let pages = crate::pdf_pages::page_count(&bytes).unwrap_or(0);
        crate::edition_pdf::store(output, &bytes, fingerprint, pages)
    });
    if let Err(e) = stored {
        return super::fail(Diagnostic::error(format!(
            "impossible de garder le PDF pour les prochaines constructions ({}) : {e}",
            crate::edition_pdf::stored_path(output).display()
        )));
    }
    eprintln!("Publication du PDF avec le site :");
    super::build::run(options, super::Format::Human)
}

/// The temporary copy of the edition with the page numbers filled in, beside the edition.
fn numbered_copy_name() -> String {
    format!(".sommaire-numerote-{}.html", std::process::id())
}

/// How many times the edition may be printed in all: once to find the pages, then until the
/// numbers written in the table of contents are those of the PDF they are printed in.
pub const MAX_PASSES: u32 = 3;

/// The printed edition: where it is served and where it is on disk.
struct Edition<'a> {
    /// The print server's address, ending with `/`.
    base: &'a str,
    /// The edition's folder, `guide-complet`.
    page: &'a str,
    /// Its folder in the output.
    dir: &'a Path,
    /// The published site's address, ending with `/`.
    base_url: &'a str,
}

/// Prints a copy of the edition whose links do not point to the print server to `partial`;
/// when its table of contents asks for page numbers (`data-cible`), prints it again with the
/// numbers read from the previous PDF, until they no longer move; then writes the outline.
/// Returns what to tell the user.
fn print_with_page_numbers(
    printer: &Printer,
    edition: &Edition<'_>,
    partial: &Path,
) -> Result<String, Box<Diagnostic>> {
    let index = edition.dir.join("index.html");
    let html = std::fs::read_to_string(&index)
        .map_err(|e| Diagnostic::error(format!("impossible de lire {} : {e}", index.display())))?;
    let printable = crate::print_copy::print_links(&html, edition.base_url, edition.page);
    let copy = TemporaryFile(edition.dir.join(numbered_copy_name()));
    let copy_url = format!("{}{}/{}", edition.base, edition.page, numbered_copy_name());
    let write_copy = |html: &str| {
        std::fs::write(&copy.0, html).map_err(|e| {
            Box::new(Diagnostic::error(format!(
                "impossible d'écrire {} : {e}",
                copy.0.display()
            )))
        })
    };
    write_copy(&printable)?;
    let first = printer.print(&copy_url, partial)?;
    let targets = page_targets(&html);
    if targets.is_empty() {
        return Ok(format!(
            "{}, sommaire sans numéros de page",
            pages_fr(page_count(&first)?)
        ));
    }
    let mut pages = target_pages(&first, &targets)?;
    let mut moved = None;
    for pass in 2..=MAX_PASSES {
        write_copy(&with_page_numbers(&printable, &pages))?;
        let pdf = printer.print(&copy_url, partial)?;
        let printed = target_pages(&pdf, &targets)?;
        moved = targets.iter().find_map(|t| {
            let (before, now) = (pages.get(t)?, printed.get(t)?);
            (before != now).then(|| (t.clone(), *before, *now))
        });
        if moved.is_none() {
            let bookmarks = write_outline(&html, &pdf, partial)?;
            return Ok(format!(
                "{}, sommaire numéroté en {pass} impressions, {bookmarks} signet{}",
                pages_fr(page_count(&pdf)?),
                if bookmarks > 1 { "s" } else { "" }
            ));
        }
        pages = printed;
    }
    let detail = moved.map_or_else(String::new, |(id, before, now)| {
        format!(" : « #{id} » passe de la page {before} à la page {now}")
    });
    Err(Box::new(Diagnostic::error(format!(
        "les numéros de page du sommaire changent encore après {MAX_PASSES} impressions{detail}"
    ))
    .with_hint(
        "écrire les numéros déplace le texte qui suit : réservez-leur une largeur fixe à l'impression (.edition-sommaire__page, voir docs/templates.md)",
    )))
}

/// Writes into `partial` the PDF with one bookmark per entry of the table of contents;
/// returns how many.
fn write_outline(html: &str, pdf: &[u8], partial: &Path) -> Result<usize, Box<Diagnostic>> {
    let bookmarks: Vec<crate::pdf_pages::Bookmark> = crate::print_copy::toc_outline(html)
        .into_iter()
        .map(|entry| crate::pdf_pages::Bookmark {
            depth: entry.depth,
            title: entry.title,
            destination: entry.id,
        })
        .collect();
    let (bytes, count) = crate::pdf_pages::with_outline(pdf, &bookmarks)
        .map_err(|e| Box::new(Diagnostic::error(format!("signets du PDF : {e}"))))?;
    std::fs::write(partial, bytes).map_err(|e| {
        Box::new(Diagnostic::error(format!(
            "impossible d'écrire {} : {e}",
            partial.display()
        )))
    })?;
    Ok(count)
}

/// The ids the table of contents asks the page numbers of: the values of its `data-cible`
/// attributes, in order, each once.
pub fn page_targets(html: &str) -> Vec<String> {
    let mut targets: Vec<String> = Vec::new();
    for (at, _) in html.match_indices(TARGET_ATTRIBUTE) {
        let rest = &html[at + TARGET_ATTRIBUTE.len()..];
        if let Some(end) = rest.find('"') {
            let id = &rest[..end];
            if !id.is_empty() && !targets.iter().any(|t| t == id) {
                targets.push(id.to_string());
            }
        }
    }
    targets
}

const TARGET_ATTRIBUTE: &str = " data-cible=\"";

/// The page HTML with each element `data-cible="ID"` holding the page of `ID` instead of what
/// it held. Only a `span` with text only is filled (docs/templates.md asks for an empty one);
/// any other element, or an id without a page, is left as it is.
pub fn with_page_numbers(html: &str, pages: &HashMap<String, u32>) -> String {
    let mut out = String::with_capacity(html.len() + 8 * pages.len());
    let mut rest = html;
    while let Some(at) = rest.find(TARGET_ATTRIBUTE) {
        let value = at + TARGET_ATTRIBUTE.len();
        let (Some(value_end), Some(tag_end)) = (
            rest[value..].find('"').map(|i| value + i),
            rest[value..].find('>').map(|i| value + i + 1),
        ) else {
            break;
        };
        out.push_str(&rest[..tag_end]);
        let page = pages.get(&rest[value..value_end]);
        let content_end = rest[tag_end..].find('<').map(|i| tag_end + i);
        match (page, content_end) {
            (Some(page), Some(end)) if rest[end..].starts_with("</span>") => {
                out.push_str(&page.to_string());
                rest = &rest[end..];
            }
            _ => rest = &rest[tag_end..],
        }
    }
    out.push_str(rest);
    out
}

/// The page of each target in a printed PDF; every target must have one.
fn target_pages(pdf: &[u8], targets: &[String]) -> Result<HashMap<String, u32>, Box<Diagnostic>> {
    let all = crate::pdf_pages::destination_pages(pdf).map_err(|e| {
        Diagnostic::error(format!(
            "impossible de trouver les numéros de page du sommaire : {e}"
        ))
    })?;
    let missing: Vec<String> = targets
        .iter()
        .filter(|t| !all.contains_key(*t))
        .map(|t| format!("« #{t} »"))
        .collect();
    if !missing.is_empty() {
        return Err(Box::new(Diagnostic::error(format!(
            "le sommaire renvoie à des éléments absents du PDF : {}",
            missing.join(", ")
        ))
        .with_hint("chaque data-cible doit être l'id d'un élément imprimé de la page, visé par le lien de son entrée (voir docs/templates.md)")));
    }
    Ok(targets
        .iter()
        .filter_map(|t| Some((t.clone(), *all.get(t)?)))
        .collect())
}

fn page_count(pdf: &[u8]) -> Result<u32, Box<Diagnostic>> {
    crate::pdf_pages::page_count(pdf).map_err(|e| Box::new(Diagnostic::error(e)))
}

fn pages_fr(count: u32) -> String {
    if count > 1 {
        format!("{count} pages")
    } else {
        format!("{count} page")
    }
}

/// Headless Chromium with the flags that work here and its own throwaway profile.
struct Printer {
    chromium: PathBuf,
    profile: PathBuf,
}

impl Printer {
    /// Prints `url` to `to` and returns the PDF's bytes.
    fn print(&self, url: &str, to: &Path) -> Result<Vec<u8>, Box<Diagnostic>> {
        let _ = std::fs::remove_file(to);
        let out = Command::new(&self.chromium)
            .args([
                "--headless",
                "--no-sandbox",
                "--disable-gpu",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--no-first-run",
                "--no-pdf-header-footer",
                // An outline from the headings; replaced by the table of contents' when the
                // theme has one (`data-cible`).
                "--generate-pdf-document-outline",
                "--virtual-time-budget=5000",
            ])
            .arg(format!("--user-data-dir={}", self.profile.display()))
            .arg(format!("--print-to-pdf={}", to.display()))
            .arg(url)
            .output()
            .map_err(|e| {
                Diagnostic::error(format!(
                    "impossible de lancer {} : {e}",
                    self.chromium.display()
                ))
            })?;
        match std::fs::read(to) {
            Ok(bytes) if out.status.success() && bytes.starts_with(b"%PDF") => Ok(bytes),
            _ => Err(Box::new(Diagnostic::error(format!(
                "Chromium n'a pas produit de PDF : {}",
                String::from_utf8_lossy(&out.stderr)
                    .lines()
                    .last()
                    .unwrap_or("raison inconnue")
            )))),
        }
    }
}

/// A file deleted when this goes out of scope, whatever happens in between.
struct TemporaryFile(PathBuf);

impl Drop for TemporaryFile {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.0);
    }
}

fn tempfile_dir() -> std::io::Result<PathBuf> {
    let dir = std::env::temp_dir().join(format!("guide-pdf-{}", std::process::id()));
    std::fs::create_dir_all(&dir)?;
    Ok(dir)
}

#[cfg(test)]
mod tests {
    use super::*;

    const SOMMAIRE: &str = r##"<ol><li><a href="#a"><span class="edition-sommaire__intitule">A</span><span class="edition-sommaire__page" data-cible="a"></span></a></li><li><a href="#chapitre-b"><span class="edition-sommaire__intitule">B</span><span class="edition-sommaire__page" data-cible="chapitre-b"></span></a><ol><li><a href="#a"><span class="edition-sommaire__page" data-cible="a">99</span></a></li></ol></li></ol><p data-cible-x="z">fin</p>"##;

    #[test]
    fn the_targets_are_the_data_cible_values_in_order_each_once() {
        assert_eq!(page_targets(SOMMAIRE), ["a", "chapitre-b"]);
        assert!(page_targets("<p>sans sommaire</p>").is_empty());
    }

    #[test]
    fn each_target_element_receives_its_page_number() {
        let pages = HashMap::from([("a".to_string(), 3), ("chapitre-b".to_string(), 12)]);
        let html = with_page_numbers(SOMMAIRE, &pages);
        assert_eq!(
            html,
            SOMMAIRE
                .replace(r#"data-cible="a"></span>"#, r#"data-cible="a">3</span>"#)
                .replace(
                    r#"data-cible="chapitre-b"></span>"#,
                    r#"data-cible="chapitre-b">12</span>"#
                )
                .replace(r#"data-cible="a">99</span>"#, r#"data-cible="a">3</span>"#)
        );
    }

    #[test]
    fn an_unknown_target_or_an_element_with_children_is_left_as_it_was() {
        let pages = HashMap::from([("a".to_string(), 3)]);
        let html = r#"<span data-cible="inconnu"></span>"#;
        assert_eq!(with_page_numbers(html, &pages), html);
        for left in [
            r#"<span data-cible="a"#,
            r#"<span data-cible="a">"#,
            r#"<div data-cible="a"><p>texte</p></div><span>x</span>"#,
            r#"<span data-cible="a"><b>1</b></span>"#,
        ] {
            assert_eq!(with_page_numbers(left, &pages), left);
        }
    }
}
