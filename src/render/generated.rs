//! Outputs that no theme template renders: the sitemap, the feed and `robots.txt`
//! ([`crate::feeds`]), alias redirects, `highlight.css`, and the files copied as they are.

use std::path::{Path, PathBuf};

use super::shared::Shared;
use super::{CopyFile, OutputFile};
use crate::diagnostic::Diagnostic;
use crate::plan::{OutputId, PageId};

/// `sitemap.xml`, `atom.xml` and `robots.txt`, those of them that `ids` selects.
pub(super) fn feeds(shared: &Shared<'_>, ids: &[OutputId]) -> Vec<OutputFile> {
    let wanted = |id| ids.contains(&id);
    if !(wanted(OutputId::Sitemap) || wanted(OutputId::Feed) || wanted(OutputId::Robots)) {
        return Vec::new();
    }
    let input = shared.input;
    let pages: Vec<crate::feeds::FeedPage> = input
        .site
        .pages
        .iter()
        .zip(&shared.summaries)
        .map(|(page, summary)| crate::feeds::FeedPage {
            title: page.meta.title.clone(),
            permalink: summary.permalink.clone(),
            date: page.meta.published(input.config).map(str::to_string),
            updated: page.meta.updated.clone(),
            summary: summary.summary.clone(),
            section: summary.section.to_string(),
            categories: summary
                .taxonomies
                .iter()
                .flat_map(|(name, terms)| {
                    terms
                        .iter()
                        .map(|t| (name.to_string(), t.slug.clone(), t.title.clone()))
                })
                .collect(),
        })
        .collect();
    crate::feeds::generate(
        input.config,
        input.site,
        &pages,
        &generated_urls(shared),
        input.build_date,
    )
}

/// The URLs of the pages the sitemap lists besides pages and sections: taxonomy lists, term
/// pages, the search page, the printed edition and the open data page.
fn generated_urls(shared: &Shared<'_>) -> Vec<String> {
    let reader = &shared.input.config.reader;
    let taxonomies = shared.taxonomies.iter().flat_map(|t| {
        std::iter::once(t.url.clone()).chain(t.terms.iter().map(|term| term.url.clone()))
    });
    let features = [
        reader.search.as_deref(),
        reader.print.as_ref().map(|print| print.page.as_str()),
        reader
            .open_data
            .as_ref()
            .and_then(|open| open.page.as_deref()),
    ];
    taxonomies
        .chain(
            features
                .into_iter()
                .flatten()
                .map(|page| shared.url(&crate::plan::feature_path(page))),
        )
        .collect()
}

/// The redirect page of alias `alias` of page `p`.
pub(super) fn redirect(shared: &Shared<'_>, p: PageId, alias: u32) -> Option<OutputFile> {
    let page = &shared.input.site.pages[p.index()];
    let written = page.meta.aliases.get(alias as usize)?;
    let target = shared.url(&page.path);
    Some(OutputFile {
        path: crate::content::alias_output(written),
        contents: super::shared::typeset_page(
            crate::feeds::redirect_page(&target, &page.meta.title, &shared.input.config.language)
                .into_bytes(),
            &shared.input.config.language,
        ),
        origin: page.display_path.clone(),
    })
}

/// The syntax highlighting stylesheet.
pub(super) fn highlight_css() -> OutputFile {
    OutputFile {
        path: "highlight.css".into(),
        contents: crate::highlight::stylesheet().into_bytes(),
        origin: PathBuf::from("highlight.css"),
    }
}

/// The theme's and the site's static files, and the files beside pages in `content/`.
pub(super) fn copies(shared: &Shared<'_>) -> (Vec<CopyFile>, Vec<Diagnostic>) {
    let (root, config) = (shared.input.root, shared.input.config);
    let mut copies = Vec::new();
    let mut diagnostics = Vec::new();
    let theme_static = root.join("themes").join(&config.theme).join("static");
    for dir in [theme_static, root.join("static")] {
        collect_copies(&dir, &mut copies, &mut diagnostics);
    }
    for asset in &shared.input.site.assets {
        copies.push(CopyFile {
            from: root.join(crate::content::CONTENT_DIR).join(&asset.source),
            to: asset.output.clone(),
        });
    }
    (copies, diagnostics)
}

fn collect_copies(dir: &Path, copies: &mut Vec<CopyFile>, diagnostics: &mut Vec<Diagnostic>) {
    if !dir.is_dir() {
        return;
    }
    for entry in walkdir::WalkDir::new(dir)
        .follow_links(false)
        .sort_by_file_name()
    {
        match entry {
            Ok(entry) if entry.file_type().is_file() => {
                let relative = entry.path().strip_prefix(dir).unwrap_or(entry.path());
                copies.push(CopyFile {
                    from: entry.path().to_path_buf(),
                    to: crate::markdown::link_key(relative),
                });
            }
            Ok(_) => {}
            Err(e) => diagnostics.push(Diagnostic::error(format!(
                "impossible de parcourir « {} » : {}",
                e.path().unwrap_or(dir).display(),
                e.io_error().map_or(
                    "boucle de liens symboliques".into(),
                    crate::fs::describe_io_error
                )
            ))),
        }
    }
}
