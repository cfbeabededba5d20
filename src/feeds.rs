//! Generated files that are not templates: `sitemap.xml`, `atom.xml`, `robots.txt` and the
//! redirect pages of aliases. Every value is escaped for XML or HTML here.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use crate::config::SiteConfig;
use crate::content::Site;
use crate::files::OutputFile;

/// What the feeds need of a page.
#[derive(Debug, Clone)]
pub struct FeedPage {
    /// Title.
    pub title: String,
    /// Absolute URL.
    pub permalink: String,
    /// The day it was published, `YYYY-MM-DD`, when known: its `date`, or its edition's.
    pub date: Option<String>,
    /// `YYYY-MM-DD`.
    pub updated: Option<String>,
    /// HTML summary.
    pub summary: String,
    /// Section name.
    pub section: String,
    /// Its terms, as (taxonomy name, term slug, term title), in config order.
    pub categories: Vec<(String, String, String)>,
}

/// Every output path that no alias may take, with what makes it (the end of a French
/// sentence): the generated files of the plan (sitemap, feed, robots.txt, 404 page,
/// highlighting stylesheet, open data, search and printed pages), the search bundle folder and
/// the files copied from the theme's and the site's `static/` folders.
pub fn reserved_paths(
    root: &Path,
    config: &SiteConfig,
    plan: &crate::plan::Plan,
) -> HashMap<String, &'static str> {
    let mut reserved: HashMap<String, &'static str> = plan
        .items
        .iter()
        .filter_map(|item| Some((item.path.clone(), item.id.generated_file()?)))
        .collect();
    if config.reader.search.is_some() {
        reserved.insert(
            crate::search::BUNDLE_DIR.into(),
            "le dossier de l'index de recherche",
        );
    }
    for (path, from_theme) in static_files(root, config) {
        let what = if from_theme {
            "un fichier du thème (static/)"
        } else {
            "un fichier copié depuis static/"
        };
        reserved.insert(path, what);
    }
    reserved
}

/// The files copied from the theme's `static/` (`true`) and the site's `static/` (`false`),
/// by their output path.
pub fn static_files(root: &Path, config: &SiteConfig) -> Vec<(String, bool)> {
    let theme = root.join("themes").join(&config.theme).join("static");
    let mut files = Vec::new();
    for (dir, from_theme) in [(theme, true), (root.join("static"), false)] {
        let walker = walkdir::WalkDir::new(&dir).follow_links(false).into_iter();
        for entry in walker.flatten().filter(|e| e.file_type().is_file()) {
            if let Ok(relative) = entry.path().strip_prefix(&dir) {
                files.push((crate::markdown::link_key(relative), from_theme));
            }
        }
    }
    files
}

/// Escapes text for XML and HTML content and attributes.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '&' => out.push_str("&amp;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c if (c as u32) < 0x20 && c != '\n' && c != '\t' && c != '\r' => {}
            other => out.push(other),
        }
    }
    out
}

/// The sitemap, robots.txt and the Atom feed.
pub fn generate(
    config: &SiteConfig,
    site: &Site,
    pages: &[FeedPage],
    listing_urls: &[String],
    build_date: &str,
) -> Vec<OutputFile> {
    let origin = config.origin();
    let root = config.base_path();
    let mut sitemap = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<urlset xmlns=\"http://www.sitemaps.org/schemas/sitemap/0.9\">\n");
    let mut entry = |loc: &str, lastmod: Option<&str>| {
        sitemap.push_str("  <url>\n    <loc>");
        sitemap.push_str(&escape(loc));
        sitemap.push_str("</loc>\n");
        if let Some(date) = lastmod {
            sitemap.push_str(&format!("    <lastmod>{}</lastmod>\n", escape(date)));
        }
        sitemap.push_str("  </url>\n");
    };
    for section in &site.sections {
        entry(
            &format!("{origin}{root}{}", section.index.path),
            section
                .index
                .meta
                .updated
                .as_deref()
                .or(section.index.meta.date.as_deref()),
        );
    }
    for page in pages {
        entry(
            &page.permalink,
            page.updated.as_deref().or(page.date.as_deref()),
        );
    }
    for url in listing_urls {
        entry(&format!("{origin}{url}"), None);
    }
    sitemap.push_str("</urlset>\n");

    let robots = format!("User-agent: *\nAllow: /\n\nSitemap: {origin}{root}sitemap.xml\n");
    let mut files = vec![
        OutputFile {
            path: "sitemap.xml".into(),
            contents: sitemap.into_bytes(),
            origin: PathBuf::from("sitemap.xml"),
        },
        OutputFile {
            path: "robots.txt".into(),
            contents: robots.into_bytes(),
            origin: PathBuf::from("robots.txt"),
        },
    ];
    if let Some(feed) = &config.feed {
        let mut entries: Vec<&FeedPage> =
            pages.iter().filter(|p| p.section == feed.section).collect();
        entries.sort_by(|a, b| b.date.cmp(&a.date).then_with(|| a.title.cmp(&b.title)));
        entries.truncate(feed.limit);
        let stamp = |date: &str| format!("{date}T00:00:00Z");
        let updated = entries
            .iter()
            .filter_map(|p| p.updated.as_deref().or(p.date.as_deref()))
            .max()
            .map_or_else(|| stamp(build_date), stamp);
        let mut atom = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
        atom.push_str(&format!(
            "<feed xmlns=\"http://www.w3.org/2005/Atom\" xml:lang=\"{}\">\n",
            escape(&config.language)
        ));
        atom.push_str(&format!("  <title>{}</title>\n", escape(&config.title)));
        if !config.description.is_empty() {
            atom.push_str(&format!(
                "  <subtitle>{}</subtitle>\n",
                escape(&config.description)
            ));
        }
        atom.push_str(&format!(
            "  <link rel=\"self\" type=\"application/atom+xml\" href=\"{}\"/>\n",
            escape(&format!("{origin}{root}atom.xml"))
        ));
        atom.push_str(&format!(
            "  <link rel=\"alternate\" type=\"text/html\" href=\"{}\"/>\n",
            escape(&format!("{origin}{root}"))
        ));
        atom.push_str(&format!(
            "  <id>{}</id>\n  <updated>{updated}</updated>\n",
            escape(&format!("{origin}{root}"))
        ));
        atom.push_str(&format!(
            "  <author><name>{}</name></author>\n",
            escape(&config.title)
        ));
        for page in entries {
            let date = page
                .updated
                .as_deref()
                .or(page.date.as_deref())
                .map_or_else(|| stamp(build_date), stamp);
            atom.push_str("  <entry>\n");
            atom.push_str(&format!("    <title>{}</title>\n", escape(&page.title)));
            atom.push_str(&format!(
                "    <link rel=\"alternate\" type=\"text/html\" href=\"{}\"/>\n",
                escape(&page.permalink)
            ));
            atom.push_str(&format!("    <id>{}</id>\n", escape(&page.permalink)));
            if let Some(published) = &page.date {
                atom.push_str(&format!(
                    "    <published>{}</published>\n",
                    stamp(published)
                ));
            }
            atom.push_str(&format!("    <updated>{date}</updated>\n"));
            for (taxonomy, slug, title) in &page.categories {
                if feed
                    .categories
                    .as_ref()
                    .is_some_and(|shown| !shown.contains(taxonomy))
                {
                    continue;
                }
                atom.push_str(&format!(
                    "    <category term=\"{}\" scheme=\"{}\" label=\"{}\"/>\n",
                    escape(slug),
                    escape(&format!("{origin}{root}{taxonomy}/")),
                    escape(title)
                ));
            }
            if !page.summary.is_empty() {
                atom.push_str(&format!(
                    "    <summary type=\"html\">{}</summary>\n",
                    escape(&page.summary)
                ));
            }
            atom.push_str("  </entry>\n");
        }
        atom.push_str("</feed>\n");
        files.push(OutputFile {
            path: "atom.xml".into(),
            contents: atom.into_bytes(),
            origin: PathBuf::from("atom.xml"),
        });
    }
    files
}

/// A page that sends the reader to `target`, with and without JavaScript.
pub fn redirect_page(target: &str, title: &str, language: &str) -> String {
    let target = escape(target);
    let title = escape(title);
    format!(
        "<!DOCTYPE html>\n<html lang=\"{}\">\n<head>\n<meta charset=\"utf-8\">\n<title>Page déplacée : {title}</title>\n<link rel=\"canonical\" href=\"{target}\">\n<meta http-equiv=\"refresh\" content=\"0; url={target}\">\n<meta name=\"robots\" content=\"noindex\">\n</head>\n<body>\n<main>\n<h1>Cette page a changé d'adresse</h1>\n<p><a href=\"{target}\">Aller à la page « {title} »</a></p>\n</main>\n</body>\n</html>\n",
        escape(language)
    )
}
