//! Taxonomies: resolving the terms pages name, and listing the pages of each term.
//!
//! Steps:
//! 1. build each taxonomy's terms from its declared vocabulary (or from the pages, when none
//!    is declared);
//! 2. resolve each page's terms by slug or by title to one term; an undeclared term, a second
//!    term in a `single` taxonomy, too many terms or a missing required one is a diagnostic;
//! 3. list each term's pages (weight, then date newest first, then title).

use std::collections::HashMap;

use crate::config::{SiteConfig, TaxonomyConfig};
use crate::content::{Page, RawTerm, Site};
use crate::diagnostic::{closest, Diagnostic};
use crate::ids::PageId;
use crate::slug::slugify;

/// A term with its pages.
#[derive(Debug, Clone)]
pub struct Term {
    /// URL segment.
    pub slug: String,
    /// Title shown to readers.
    pub title: String,
    /// One sentence.
    pub description: String,
    /// Its pages, in display order.
    pub pages: Vec<PageId>,
}

/// A taxonomy with its terms.
#[derive(Debug, Clone)]
pub struct Taxonomy {
    /// Front-matter key and URL segment.
    pub name: String,
    /// Terms in display order.
    pub terms: Vec<Term>,
}

/// Every taxonomy, and each page's terms.
#[derive(Debug, Clone, Default)]
pub struct Classification {
    /// In the order of `guide.yaml`.
    pub taxonomies: Vec<Taxonomy>,
    /// Per page (same index as `Site::pages`): taxonomy index → term indices.
    pub page_terms: Vec<Vec<Vec<usize>>>,
}

/// Orders pages: weight, then date (newest first), then title.
pub fn compare_pages(a: &Page, b: &Page) -> std::cmp::Ordering {
    a.meta
        .weight
        .cmp(&b.meta.weight)
        .then_with(|| b.meta.date.cmp(&a.meta.date))
        .then_with(|| slugify(&a.meta.title).cmp(&slugify(&b.meta.title)))
        .then_with(|| a.source.cmp(&b.source))
}

/// How many pages name each term, per taxonomy, by the slug of what they write (a slug or a
/// title), before terms are resolved: with the declared terms, the term addresses a link may
/// take. `serve` keeps it and counts the pages that come and go.
#[derive(Debug, Clone, Default)]
pub struct NamedTerms {
    counts: Vec<HashMap<String, usize>>,
}

impl NamedTerms {
    /// The terms every page of `site` names.
    pub fn of(site: &Site, config: &SiteConfig) -> Self {
        let mut named = Self {
            counts: vec![HashMap::new(); config.taxonomies.len()],
        };
        // Pages name the same few terms: each written form is made a slug once.
        let mut slugs: HashMap<&str, String> = HashMap::new();
        for page in &site.pages {
            for (t, taxonomy) in config.taxonomies.iter().enumerate() {
                for raw in page.meta.terms.get(&taxonomy.name).into_iter().flatten() {
                    let slug = slugs
                        .entry(&raw.value)
                        .or_insert_with(|| slugify(&raw.value));
                    *named.counts[t].entry(slug.clone()).or_default() += 1;
                }
            }
        }
        named
    }

    /// Counts the terms `page` names once more (`Count::Add`) or once less.
    pub fn count(&mut self, page: &Page, config: &SiteConfig, count: Count) {
        for (t, taxonomy) in config.taxonomies.iter().enumerate() {
            for raw in page.meta.terms.get(&taxonomy.name).into_iter().flatten() {
                let slug = slugify(&raw.value);
                let n = self.counts[t].entry(slug.clone()).or_default();
                match count {
                    Count::Add => *n += 1,
                    Count::Remove => *n = n.saturating_sub(1),
                }
                if *n == 0 {
                    self.counts[t].remove(&slug);
                }
            }
        }
    }

    /// Each taxonomy's term slugs, once each: the declared ones, then those pages name.
    pub fn slugs(&self, config: &SiteConfig) -> Vec<Vec<String>> {
        (config.taxonomies.iter().zip(&self.counts))
            .map(|(taxonomy, counts)| {
                let declared = taxonomy.terms.iter().flatten().map(|t| t.slug.clone());
                let mut slugs: Vec<String> = declared.collect();
                let mut named: Vec<&String> =
                    counts.keys().filter(|slug| !slugs.contains(slug)).collect();
                named.sort_unstable();
                slugs.extend(named.into_iter().cloned());
                slugs
            })
            .collect()
    }
}

/// Whether a page is counted in or out.
#[derive(Debug, Clone, Copy)]
pub enum Count {
    /// A page comes.
    Add,
    /// A page goes.
    Remove,
}

impl Classification {
    /// The same terms once pages came, went or moved in the list of pages: `to[p]` is the new
    /// index of page `p` (`None`: gone); the `len - …` new pages have no terms yet (each term
    /// keeps its pages in the same order, so [`reclassify`] can then place the new ones).
    pub fn renumbered(&self, to: &[Option<PageId>], len: usize) -> Self {
        let mut page_terms = vec![vec![Vec::new(); self.taxonomies.len()]; len];
        for (p, terms) in self.page_terms.iter().enumerate() {
            if let Some(q) = to[p] {
                page_terms[q.index()].clone_from(terms);
            }
        }
        let renumber = |term: &Term| Term {
            slug: term.slug.clone(),
            title: term.title.clone(),
            description: term.description.clone(),
            pages: (term.pages.iter()).filter_map(|&p| to[p.index()]).collect(),
        };
        let taxonomies = (self.taxonomies.iter())
            .map(|taxonomy| Taxonomy {
                name: taxonomy.name.clone(),
                terms: taxonomy.terms.iter().map(renumber).collect(),
            })
            .collect();
        Self {
            taxonomies,
            page_terms,
        }
    }
}

/// Moves page `p` to its place in the page lists of its terms, after a change of its weight,
/// date or title (its terms unchanged): what [`classify`] would give, without classifying
/// every page again.
pub fn reposition(classification: &mut Classification, site: &Site, p: PageId) {
    for (t, terms) in classification.page_terms[p.index()].iter().enumerate() {
        for &i in terms {
            let pages = &mut classification.taxonomies[t].terms[i].pages;
            pages.retain(|&q| q != p);
            insert_in_order(pages, site, p);
        }
    }
}

/// Inserts page `p` into a term's `pages`, at its place in [`compare_pages`]'s order.
fn insert_in_order(pages: &mut Vec<PageId>, site: &Site, p: PageId) {
    let at = pages.partition_point(|&q| {
        compare_pages(site.page(q), site.page(p)) == std::cmp::Ordering::Less
    });
    pages.insert(at, p);
}

/// Classifies `pages` again in `classification` (the current one, given away), after a save
/// that changed their terms or moved them, when every taxonomy declares its vocabulary (then
/// no term comes or goes: each saved page leaves the lists of its old terms and takes its
/// place in those of its new ones, as [`classify`] would put it). Returns the saved pages'
/// diagnostics, or `None` when a taxonomy's vocabulary comes from the pages: then only
/// [`classify`] can tell.
pub fn reclassify(
    classification: Classification,
    site: &Site,
    config: &SiteConfig,
    pages: &[PageId],
) -> Option<(Classification, Vec<Diagnostic>)> {
    if config.taxonomies.iter().any(|t| t.terms.is_none()) {
        return None;
    }
    Some(place_again(classification, site, config, pages))
}

/// Takes `pages` out of their terms' lists in `classification` and puts them in those of
/// their terms as they are now written.
fn place_again(
    mut classification: Classification,
    site: &Site,
    config: &SiteConfig,
    pages: &[PageId],
) -> (Classification, Vec<Diagnostic>) {
    let mut diagnostics = Vec::new();
    for (t, taxonomy) in config.taxonomies.iter().enumerate() {
        let mut table = TermTable::declared(taxonomy);
        for &p in pages {
            let resolved =
                classify_page(site.page(p), site, taxonomy, &mut table, &mut diagnostics);
            let terms = &mut classification.taxonomies[t].terms;
            for &i in &classification.page_terms[p.index()][t] {
                terms[i].pages.retain(|&q| q != p);
            }
            for &i in &resolved {
                insert_in_order(&mut terms[i].pages, site, p);
            }
            classification.page_terms[p.index()][t] = resolved;
        }
    }
    (classification, diagnostics)
}

/// A page's place in a term's list: weight, date (newest first), slug of the title, source.
type PageKey<'a> = (
    i64,
    std::cmp::Reverse<Option<&'a str>>,
    String,
    &'a std::path::PathBuf,
);

/// Resolves every page's terms, reporting every problem to `diagnostics`.
pub fn classify(
    site: &Site,
    config: &SiteConfig,
    diagnostics: &mut crate::diagnostic::Diagnostics,
) -> Classification {
    let (classification, found) = resolve_terms(site, config);
    diagnostics.extend(found);
    classification
}

fn resolve_terms(site: &Site, config: &SiteConfig) -> (Classification, Vec<Diagnostic>) {
    use rayon::prelude::*;
    let keys = page_keys(site);
    // Each taxonomy on a core of its own: they share nothing.
    let classified: Vec<(Taxonomy, Vec<Vec<usize>>, Vec<Diagnostic>)> = (config.taxonomies)
        .par_iter()
        .map(|taxonomy| classify_taxonomy(site, taxonomy, &keys))
        .collect();
    let mut result = Classification {
        taxonomies: Vec::new(),
        page_terms: vec![Vec::with_capacity(config.taxonomies.len()); site.pages.len()],
    };
    let mut diagnostics = Vec::new();
    for (taxonomy, page_terms, found) in classified {
        result.taxonomies.push(taxonomy);
        for (page, terms) in result.page_terms.iter_mut().zip(page_terms) {
            page.push(terms);
        }
        diagnostics.extend(found);
    }
    (result, diagnostics)
}

/// The terms of `taxonomy` with their pages, the terms of each page (by index) and the
/// diagnostics.
fn classify_taxonomy(
    site: &Site,
    taxonomy: &TaxonomyConfig,
    keys: &[PageKey<'_>],
) -> (Taxonomy, Vec<Vec<usize>>, Vec<Diagnostic>) {
    let mut diagnostics = Vec::new();
    let mut table = TermTable::declared(taxonomy);
    let mut page_terms = Vec::with_capacity(site.pages.len());
    for (p, page) in site.pages.iter().enumerate() {
        let resolved = classify_page(page, site, taxonomy, &mut table, &mut diagnostics);
        for &i in &resolved {
            table.terms[i].pages.push(PageId::from(p));
        }
        page_terms.push(resolved);
    }
    let mut terms = table.terms;
    for term in &mut terms {
        term.pages
            .sort_by(|&a, &b| keys[a.index()].cmp(&keys[b.index()]));
    }
    if !table.declared && !taxonomy.ordered {
        terms = sort_terms_by_title(terms, &mut page_terms);
    }
    let taxonomy = Taxonomy {
        name: taxonomy.name.clone(),
        terms,
    };
    (taxonomy, page_terms, diagnostics)
}

/// Each page's sort key: its title is made a slug once here, not at each comparison.
fn page_keys(site: &Site) -> Vec<PageKey<'_>> {
    site.pages
        .iter()
        .map(|page| {
            (
                page.meta.weight,
                std::cmp::Reverse(page.meta.date.as_deref()),
                slugify(&page.meta.title),
                &page.source,
            )
        })
        .collect()
}

/// The terms of one taxonomy being built, with an index to find them by slug.
struct TermTable {
    /// Whether `guide.yaml` declares the vocabulary (else terms come from the pages).
    declared: bool,
    /// The terms so far.
    terms: Vec<Term>,
    /// Slug, and slug of the title, → term index.
    index: HashMap<String, usize>,
}

impl TermTable {
    /// The declared terms of `taxonomy` (none when it declares no vocabulary).
    fn declared(taxonomy: &TaxonomyConfig) -> Self {
        let terms: Vec<Term> = taxonomy
            .terms
            .iter()
            .flatten()
            .map(|term| Term {
                slug: term.slug.clone(),
                title: term.title.clone(),
                description: term.description.clone(),
                pages: Vec::new(),
            })
            .collect();
        let mut index: HashMap<String, usize> = HashMap::new();
        for (i, term) in terms.iter().enumerate() {
            index.insert(term.slug.clone(), i);
            index.entry(slugify(&term.title)).or_insert(i);
        }
        Self {
            declared: taxonomy.terms.is_some(),
            terms,
            index,
        }
    }

    /// The index of the term `raw` names, added when the vocabulary is open; a diagnostic
    /// at `raw` when it names none.
    fn resolve(
        &mut self,
        raw: &RawTerm,
        taxonomy: &TaxonomyConfig,
        page: &Page,
        diagnostics: &mut Vec<Diagnostic>,
    ) -> Option<usize> {
        let slug = slugify(&raw.value);
        if let Some(&i) = self.index.get(&slug) {
            return Some(i);
        }
        let at_term = |message: String, len: usize, hint: String| {
            Diagnostic::error(message)
                .in_file(&page.display_path)
                .at(raw.line, raw.column, len)
                .with_hint(hint)
        };
        let len = raw.value.chars().count();
        if self.declared {
            diagnostics.push(at_term(
                format!(
                    "terme non déclaré dans « {} » : « {} »",
                    taxonomy.name, raw.value
                ),
                len,
                self.undeclared_hint(&raw.value),
            ));
            None
        } else if crate::content::is_windows_reserved(&slug) {
            diagnostics.push(at_term(
                format!(
                    "terme refusé dans « {} » : « {} » donnerait une adresse que Windows réserve",
                    taxonomy.name, raw.value
                ),
                len,
                "choisissez un autre mot pour ce terme".into(),
            ));
            None
        } else if slug.is_empty() {
            diagnostics.push(at_term(
                format!("terme vide dans « {} »", taxonomy.name),
                1,
                "écrivez un terme fait de lettres ou de chiffres".into(),
            ));
            None
        } else {
            self.terms.push(Term {
                slug: slug.clone(),
                title: raw.value.clone(),
                description: String::new(),
                pages: Vec::new(),
            });
            self.index.insert(slug, self.terms.len() - 1);
            Some(self.terms.len() - 1)
        }
    }

    /// The hint for an undeclared term: the closest declared one, or all of them.
    fn undeclared_hint(&self, written: &str) -> String {
        let candidates = self
            .terms
            .iter()
            .flat_map(|t| [t.slug.as_str(), t.title.as_str()]);
        match closest(written, candidates) {
            Some(best) => {
                let best_slug = self
                    .terms
                    .iter()
                    .find(|t| t.slug == best || t.title == best)
                    .map_or(best, |t| t.slug.as_str());
                format!("vouliez-vous dire « {best_slug} » ?")
            }
            None => format!(
                "termes déclarés dans guide.yaml : {}",
                self.terms
                    .iter()
                    .map(|t| t.slug.as_str())
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        }
    }
}

/// The terms of `taxonomy` that `page` names, each once, in the order written; its
/// diagnostics (a missing required taxonomy, unknown terms, too many terms) in that order.
fn classify_page(
    page: &Page,
    site: &Site,
    taxonomy: &TaxonomyConfig,
    table: &mut TermTable,
    diagnostics: &mut Vec<Diagnostic>,
) -> Vec<usize> {
    let section_name = &site.sections[page.section.index()].name;
    let raw_terms = page
        .meta
        .terms
        .get(&taxonomy.name)
        .map(Vec::as_slice)
        .unwrap_or_default();
    if raw_terms.is_empty()
        && taxonomy.required_in.iter().any(|s| s == section_name)
        && !page.unread_keys.contains(&taxonomy.name)
    {
        diagnostics.push(missing_required(taxonomy, page, section_name));
    }
    let mut resolved: Vec<usize> = Vec::new();
    for raw in raw_terms {
        if let Some(i) = table.resolve(raw, taxonomy, page, diagnostics) {
            if !resolved.contains(&i) {
                resolved.push(i);
            }
        }
    }
    diagnostics.extend(too_many_terms(taxonomy, page, raw_terms));
    resolved
}

/// The error for a page without a term of a taxonomy its section requires.
fn missing_required(taxonomy: &TaxonomyConfig, page: &Page, section_name: &str) -> Diagnostic {
    let hint = match &taxonomy.terms {
        Some(declared) => format!(
            "ajoutez « {}: {} » ; termes possibles : {}",
            taxonomy.name,
            declared.first().map(|t| t.slug.as_str()).unwrap_or(""),
            declared
                .iter()
                .map(|t| t.slug.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        ),
        None => format!("ajoutez « {}: [terme] »", taxonomy.name),
    };
    Diagnostic::error(format!(
        "la taxonomie « {} » est obligatoire dans la section « {section_name} »",
        taxonomy.name
    ))
    .in_file(&page.display_path)
    .at(1, 1, 3)
    .with_hint(hint)
}

/// The error for more terms than the taxonomy allows (`single`, `max_terms`), at the first
/// term too many.
fn too_many_terms(
    taxonomy: &TaxonomyConfig,
    page: &Page,
    raw_terms: &[RawTerm],
) -> Option<Diagnostic> {
    if taxonomy.single && raw_terms.len() > 1 {
        let second = &raw_terms[1];
        return Some(
            Diagnostic::error(format!(
                "« {} » n'admet qu'un seul terme par page, {} sont indiqués",
                taxonomy.name,
                raw_terms.len()
            ))
            .in_file(&page.display_path)
            .at(second.line, second.column, second.value.chars().count())
            .with_hint(format!(
                "gardez un seul terme : « {}: {} »",
                taxonomy.name, raw_terms[0].value
            )),
        );
    }
    let max = taxonomy.max_terms?;
    if raw_terms.len() <= max {
        return None;
    }
    let extra = &raw_terms[max];
    Some(
        Diagnostic::error(format!(
            "« {} » admet au plus {max} termes par page, {} sont indiqués",
            taxonomy.name,
            raw_terms.len()
        ))
        .in_file(&page.display_path)
        .at(extra.line, extra.column, extra.value.chars().count())
        .with_hint("gardez les termes les plus importants pour ce projet"),
    )
}

/// `terms` (of taxonomy `t`) ordered by title, and the pages' term indices remapped.
fn sort_terms_by_title(terms: Vec<Term>, page_terms: &mut [Vec<usize>]) -> Vec<Term> {
    let mut order: Vec<usize> = (0..terms.len()).collect();
    order.sort_by(|&a, &b| slugify(&terms[a].title).cmp(&slugify(&terms[b].title)));
    let mut new_index = vec![0; terms.len()];
    for (new, &old) in order.iter().enumerate() {
        new_index[old] = new;
    }
    for i in page_terms.iter_mut().flatten() {
        *i = new_index[*i];
    }
    let mut slots: Vec<Option<Term>> = terms.into_iter().map(Some).collect();
    order
        .iter()
        .map(|&old| slots[old].take().expect("each term moves once"))
        .collect()
}
