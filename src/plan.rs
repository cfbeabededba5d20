//! The render plan: every file a build produces from templates and generators, as data.
//!
//! Each output has an identity ([`OutputId`]) and a path. The plan is built from the loaded
//! site and the config, so that the render stage, link checking (`/chemin/` links to
//! generated pages) and the sitemap read one list instead of keeping their own. Copied files
//! (`static/`, theme assets, page bundles) are not in it: they are listed where they are read.
//!
//! Steps of [`Plan::new`]: the pages, the sections, each taxonomy's list and term pages, the
//! 404 page, the reader features of `guide.yaml` (search page, printed edition, open data
//! files and page),
//! the feed, the sitemap and `robots.txt`, `highlight.css`, then one redirect per alias.

use crate::config::SiteConfig;
use crate::content::Site;

pub use crate::ids::{PageId, SectionId, TaxonomyId, TermId};

/// The identity of one output file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum OutputId {
    /// A page, `projets/fiche/index.html`.
    Page(PageId),
    /// A section's listing (the home for section 0).
    Section(SectionId),
    /// A taxonomy's list of terms, `themes/index.html`.
    TaxonomyList(TaxonomyId),
    /// A term's list of pages, `themes/qvct/index.html`.
    Term(TermId),
    /// `404.html`.
    NotFound,
    /// The search page (`reader.search`).
    SearchPage,
    /// The printed edition (`reader.print`).
    PrintEdition,
    /// The open data as JSON (`reader.open_data`).
    OpenDataJson,
    /// The open data as CSV.
    OpenDataCsv,
    /// The open data as CSV for a French spreadsheet (BOM, `;`).
    OpenDataExcel,
    /// The Table Schema of the CSV.
    OpenDataSchema,
    /// The Data Package descriptor, `datapackage.json`.
    DataPackage,
    /// The page that presents the open data (`reader.open_data.page`).
    OpenDataPage,
    /// `atom.xml` (`feed`).
    Feed,
    /// `sitemap.xml`.
    Sitemap,
    /// `robots.txt`.
    Robots,
    /// The syntax highlighting stylesheet, `highlight.css`.
    HighlightCss,
    /// The redirect page of a page's alias: the page, and the alias's index in its list.
    Redirect(PageId, u32),
}

impl OutputId {
    /// Whether it lists pages (and so changes when a page's title or terms do).
    pub fn is_listing(self) -> bool {
        matches!(
            self,
            Self::Section(_)
                | Self::TaxonomyList(_)
                | Self::Term(_)
                | Self::PrintEdition
                | Self::OpenDataJson
                | Self::OpenDataCsv
                | Self::OpenDataExcel
                | Self::OpenDataSchema
                | Self::DataPackage
                | Self::OpenDataPage
                | Self::Feed
                | Self::Sitemap
                | Self::Robots
        )
    }

    /// What a generated file is, for a message (the end of a French sentence); `None` for
    /// pages, sections, taxonomy and term pages and redirects, which come from the content.
    pub fn generated_file(self) -> Option<&'static str> {
        match self {
            Self::NotFound | Self::Sitemap | Self::Robots | Self::HighlightCss => {
                Some("un fichier que le générateur produit")
            }
            Self::Feed => Some("le flux Atom du site"),
            Self::OpenDataJson
            | Self::OpenDataCsv
            | Self::OpenDataExcel
            | Self::OpenDataSchema
            | Self::DataPackage => Some("un fichier des données ouvertes"),
            Self::OpenDataPage => Some("la page des données ouvertes"),
            Self::SearchPage => Some("la page de recherche"),
            Self::PrintEdition => Some("l'édition imprimable"),
            _ => None,
        }
    }

    /// Whether it is rendered by a theme template, one file per item.
    pub fn is_templated(self) -> bool {
        matches!(
            self,
            Self::Page(_)
                | Self::Section(_)
                | Self::TaxonomyList(_)
                | Self::Term(_)
                | Self::NotFound
        )
    }
}

/// One planned output.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PlanItem {
    /// What it is.
    pub id: OutputId,
    /// Its path in the output folder, `/` separators, e.g. `projets/fiche/index.html`.
    pub path: String,
}

impl PlanItem {
    /// The path a link uses: `projets/fiche/` for an `index.html`, else the file's path.
    pub fn address(&self) -> &str {
        self.path
            .strip_suffix("index.html")
            .filter(|folder| folder.is_empty() || folder.ends_with('/'))
            .unwrap_or(&self.path)
    }
}

/// Every planned output of a build, in render order.
#[derive(Debug, Clone, Default)]
pub struct Plan {
    /// The outputs.
    pub items: Vec<PlanItem>,
}

/// The output path of a page or section whose URL path is `path` (`projets/fiche/`).
pub fn html_path(path: &str) -> String {
    format!("{path}index.html")
}

/// The folder of a reader feature's page (`reader.search`, `reader.print.page`).
pub fn feature_path(page: &str) -> String {
    format!("{}/", page.trim_matches('/'))
}

impl Plan {
    /// The plan of `site`; `terms` holds each taxonomy's term slugs, in order.
    pub fn new(site: &Site, config: &SiteConfig, terms: &[Vec<String>]) -> Self {
        let mut items = Vec::new();
        let mut add = |id: OutputId, path: String| items.push(PlanItem { id, path });
        for (p, page) in site.pages.iter().enumerate() {
            add(OutputId::Page(PageId::from(p)), html_path(&page.path));
        }
        for (s, section) in site.sections.iter().enumerate() {
            add(
                OutputId::Section(SectionId::from(s)),
                html_path(&section.index.path),
            );
        }
        for (t, (taxonomy, slugs)) in config.taxonomies.iter().zip(terms).enumerate() {
            add(
                OutputId::TaxonomyList(TaxonomyId::from(t)),
                html_path(&format!("{}/", taxonomy.name)),
            );
            for (i, slug) in slugs.iter().enumerate() {
                add(
                    OutputId::Term(TermId::new(t, i)),
                    html_path(&format!("{}/{slug}/", taxonomy.name)),
                );
            }
        }
        add(OutputId::NotFound, "404.html".into());
        if let Some(search) = &config.reader.search {
            add(OutputId::SearchPage, html_path(&feature_path(search)));
        }
        if let Some(print) = &config.reader.print {
            add(
                OutputId::PrintEdition,
                html_path(&feature_path(&print.page)),
            );
        }
        if let Some(open) = &config.reader.open_data {
            add(OutputId::OpenDataJson, format!("{}.json", open.name));
            add(OutputId::OpenDataCsv, format!("{}.csv", open.name));
            add(OutputId::OpenDataExcel, format!("{}-excel.csv", open.name));
            add(
                OutputId::OpenDataSchema,
                format!("{}.schema.json", open.name),
            );
            add(OutputId::DataPackage, "datapackage.json".into());
            if let Some(page) = &open.page {
                add(OutputId::OpenDataPage, html_path(&feature_path(page)));
            }
        }
        add(OutputId::Sitemap, "sitemap.xml".into());
        if config.feed.is_some() {
            add(OutputId::Feed, "atom.xml".into());
        }
        add(OutputId::Robots, "robots.txt".into());
        add(OutputId::HighlightCss, "highlight.css".into());
        for (p, page) in site.pages.iter().enumerate() {
            for (a, alias) in page.meta.aliases.iter().enumerate() {
                let index = u32::try_from(a).expect("fewer than 2^32 aliases");
                add(
                    OutputId::Redirect(PageId::from(p), index),
                    crate::content::alias_output(alias),
                );
            }
        }
        Self { items }
    }

    /// The plan of `site` once its terms are classified.
    pub fn classified(
        site: &Site,
        config: &SiteConfig,
        classification: &crate::taxonomy::Classification,
    ) -> Self {
        let terms: Vec<Vec<String>> = classification
            .taxonomies
            .iter()
            .map(|t| t.terms.iter().map(|term| term.slug.clone()).collect())
            .collect();
        Self::new(site, config, &terms)
    }

    /// The addresses links may point to (`projets/fiche/`, `atom.xml`).
    pub fn addresses(&self) -> impl Iterator<Item = &str> {
        self.items.iter().map(PlanItem::address)
    }

    /// The identities, in order, that `keep` selects.
    pub fn select(&self, keep: impl Fn(OutputId) -> bool) -> Vec<OutputId> {
        self.items
            .iter()
            .map(|item| item.id)
            .filter(|&id| keep(id))
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn addresses_are_folders_for_index_files_and_file_paths_otherwise() {
        let item = |path: &str| PlanItem {
            id: OutputId::NotFound,
            path: path.into(),
        };
        assert_eq!(item("projets/a/index.html").address(), "projets/a/");
        assert_eq!(item("index.html").address(), "");
        assert_eq!(item("atom.xml").address(), "atom.xml");
        assert_eq!(item("ancien.html").address(), "ancien.html");
        assert_eq!(item("monindex.html").address(), "monindex.html");
    }

    #[test]
    fn aliases_become_files_or_folders() {
        let alias_path = crate::content::alias_output;
        assert_eq!(alias_path("/ancien/"), "ancien/index.html");
        assert_eq!(alias_path("/ancien"), "ancien/index.html");
        assert_eq!(alias_path("/vieux.html"), "vieux.html");
        assert_eq!(alias_path("/"), "index.html");
    }
}
