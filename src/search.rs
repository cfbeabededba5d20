//! The full-text search index, built with Pagefind's Rust API during `guide build`.
//!
//! Steps:
//! 1. one record per page (not the home nor listings, which repeat pages): its title, summary
//!    and the text of its body, taken from the HTML the Markdown stage already produced;
//! 2. metadata for result lists (title, summary, date, terms, rank on ordered scales) and one
//!    filter per taxonomy;
//! 3. Pagefind builds a chunked index with French stemming and accent folding, returned as
//!    files under `pagefind/` that the `output` stage writes with the rest of the site.

use std::collections::BTreeMap;
use std::path::PathBuf;

use crate::render::OutputFile;

/// The folder of the index in the output.
pub const BUNDLE_DIR: &str = "pagefind";

/// One searchable page.
#[derive(Debug, Clone, Hash)]
pub struct SearchRecord {
    /// Its URL path (with the base path).
    pub url: String,
    /// Plain text to index (title, summary, body).
    pub content: String,
    /// Shown in results.
    pub meta: BTreeMap<String, String>,
    /// Filter name → values.
    pub filters: BTreeMap<String, Vec<String>>,
    /// Sort keys.
    pub sort: BTreeMap<String, String>,
}

/// The text of an HTML fragment: tags dropped (with a space for block ends), common entities
/// decoded.
pub fn plain_text(html: &str) -> String {
    const BLOCKS: [&str; 18] = [
        "p",
        "h1",
        "h2",
        "h3",
        "h4",
        "h5",
        "h6",
        "li",
        "td",
        "th",
        "tr",
        "br",
        "div",
        "pre",
        "blockquote",
        "ul",
        "ol",
        "table",
    ];
    let mut out = String::with_capacity(html.len());
    let mut tag: Option<String> = None;
    for c in html.chars() {
        match (&mut tag, c) {
            (None, '<') => tag = Some(String::new()),
            (Some(name), '>') => {
                let name = name
                    .trim_start_matches('/')
                    .split(|c: char| c.is_whitespace() || c == '/')
                    .next()
                    .unwrap_or("")
                    .to_ascii_lowercase();
                if BLOCKS.contains(&name.as_str()) && !out.ends_with(' ') {
                    out.push(' ');
                }
                tag = None;
            }
            (Some(name), c) => name.push(c),
            (None, c) => out.push(c),
        }
    }
    let decoded = out
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&#39;", "'")
        .replace("&#x27;", "'")
        .replace("&nbsp;", "\u{a0}")
        .replace("&amp;", "&");
    decoded.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// Builds the index; returns its files, relative to the output root.
pub fn build_index(records: Vec<SearchRecord>, language: &str) -> Result<Vec<OutputFile>, String> {
    let fail = |e: anyhow::Error| format!("l'index de recherche n'a pas pu être construit : {e}");
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| format!("l'index de recherche n'a pas pu être construit : {e}"))?;
    runtime.block_on(async {
        let options = pagefind::options::PagefindServiceConfig::builder()
            .keep_index_url(true)
            .force_language(language.to_string())
            .build();
        let mut index = pagefind::api::PagefindIndex::new(Some(options)).map_err(fail)?;
        for record in records {
            index
                .add_custom_record(
                    record.url,
                    record.content,
                    language.to_string(),
                    Some(record.meta),
                    Some(record.filters),
                    Some(record.sort),
                )
                .await
                .map_err(fail)?;
        }
        let files = index.get_files().await.map_err(fail)?;
        Ok(files
            .into_iter()
            .map(|file| {
                // Pagefind names files under its bundle folder; keep what follows it.
                let components: Vec<String> = file
                    .filename
                    .components()
                    .map(|c| c.as_os_str().to_string_lossy().into_owned())
                    .collect();
                let start = components
                    .iter()
                    .rposition(|c| c == BUNDLE_DIR)
                    .map_or(0, |i| i + 1);
                let relative = components[start..].join("/");
                OutputFile {
                    path: format!("{BUNDLE_DIR}/{relative}"),
                    contents: file.contents,
                    origin: PathBuf::from(BUNDLE_DIR),
                }
            })
            .collect())
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_text_drops_tags_and_decodes_entities() {
        assert_eq!(
            plain_text("<h2 id=\"a\">Titre</h2><p>A &amp; B&nbsp;: <em>oui</em></p>"),
            "Titre A & B : oui"
        );
        assert_eq!(
            plain_text("<p>du <strong>gras</strong>.</p><p>Suite</p>"),
            "du gras. Suite"
        );
    }

    #[test]
    fn the_index_is_written_under_the_bundle_folder() {
        let record = SearchRecord {
            url: "/projets/a/".into(),
            content: "La négociation de l'accord sur le temps de travail".into(),
            meta: BTreeMap::from([("title".to_string(), "Accord".to_string())]),
            filters: BTreeMap::from([("themes".to_string(), vec!["Dialogue social".to_string()])]),
            sort: BTreeMap::new(),
        };
        let files = build_index(vec![record], "fr").unwrap();
        let paths: Vec<&str> = files.iter().map(|f| f.path.as_str()).collect();
        assert!(paths.contains(&"pagefind/pagefind.js"), "{paths:?}");
        assert!(
            paths.iter().any(|p| p.starts_with("pagefind/wasm.fr")),
            "{paths:?}"
        );
        assert!(
            paths.iter().all(|p| crate::output::is_safe_relative(p)),
            "{paths:?}"
        );
    }
}
