//! Taxonomies: resolving the terms pages name, and listing the pages of each term.
//!
//! Steps:
//! 1. build each taxonomy's terms from its declared vocabulary (or from the pages, when none
//!    is declared);
//! 2. resolve each page's terms by slug or by title to one term; an undeclared term, a second
//!    term in a `single` taxonomy, too many terms or a missing required one is a diagnostic;
//! 3. list each term's pages (weight, then date newest first, then title).

use std::collections::HashMap;

use crate::config::SiteConfig;
use crate::content::{Page, Site};
use crate::diagnostic::{closest, Diagnostic};
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
    /// Indices into `Site::pages`, in display order.
    pub pages: Vec<usize>,
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

/// Moves page `p` to its place in the page lists of its terms, after a change of its weight,
/// date or title (its terms unchanged): what [`classify`] would give, without classifying
/// every page again.
pub fn reposition(classification: &mut Classification, site: &Site, p: usize) {
    for (t, terms) in classification.page_terms[p].iter().enumerate() {
        for &i in terms {
            let pages = &mut classification.taxonomies[t].terms[i].pages;
            pages.retain(|&q| q != p);
            let at = pages.partition_point(|&q| {
                compare_pages(&site.pages[q], &site.pages[p]) == std::cmp::Ordering::Less
            });
            pages.insert(at, p);
        }
    }
}

/// Resolves every page's terms.
pub fn classify(site: &Site, config: &SiteConfig) -> (Classification, Vec<Diagnostic>) {
    let mut diagnostics = Vec::new();
    // Pages sort by weight, date (newest first), title, source: each page's title is made a
    // slug once here, not at each comparison.
    let keys: Vec<_> = site
        .pages
        .iter()
        .map(|page| {
            (
                page.meta.weight,
                std::cmp::Reverse(page.meta.date.as_deref()),
                slugify(&page.meta.title),
                &page.source,
            )
        })
        .collect();
    let mut result = Classification {
        taxonomies: Vec::new(),
        page_terms: vec![vec![Vec::new(); config.taxonomies.len()]; site.pages.len()],
    };
    for (t, taxonomy) in config.taxonomies.iter().enumerate() {
        let declared = taxonomy.terms.is_some();
        let mut terms: Vec<Term> = taxonomy
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
        // slug, and slug of the title, → term index.
        let mut index: HashMap<String, usize> = HashMap::new();
        for (i, term) in terms.iter().enumerate() {
            index.insert(term.slug.clone(), i);
            index.entry(slugify(&term.title)).or_insert(i);
        }
        for (p, page) in site.pages.iter().enumerate() {
            let section_name = &site.sections[page.section].name;
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
                diagnostics.push(
                    Diagnostic::error(format!(
                        "la taxonomie « {} » est obligatoire dans la section « {section_name} »",
                        taxonomy.name
                    ))
                    .in_file(&page.display_path)
                    .at(1, 1, 3)
                    .with_hint(hint),
                );
            }
            let mut resolved: Vec<usize> = Vec::new();
            for raw in raw_terms {
                let slug = slugify(&raw.value);
                let term = match index.get(&slug) {
                    Some(&i) => Some(i),
                    None if declared => {
                        let candidates = terms
                            .iter()
                            .flat_map(|t| [t.slug.as_str(), t.title.as_str()]);
                        let hint = match closest(&raw.value, candidates) {
                            Some(best) => {
                                let best_slug = terms
                                    .iter()
                                    .find(|t| t.slug == best || t.title == best)
                                    .map_or(best, |t| t.slug.as_str());
                                format!("vouliez-vous dire « {best_slug} » ?")
                            }
                            None => format!(
                                "termes déclarés dans guide.yaml : {}",
                                terms
                                    .iter()
                                    .map(|t| t.slug.as_str())
                                    .collect::<Vec<_>>()
                                    .join(", ")
                            ),
                        };
                        diagnostics.push(
                            Diagnostic::error(format!(
                                "terme non déclaré dans « {} » : « {} »",
                                taxonomy.name, raw.value
                            ))
                            .in_file(&page.display_path)
                            .at(raw.line, raw.column, raw.value.chars().count())
                            .with_hint(hint),
                        );
                        None
                    }
                    None if crate::content::is_windows_reserved(&slug) => {
                        diagnostics.push(
                            Diagnostic::error(format!("terme refusé dans « {} » : « {} » donnerait une adresse que Windows réserve", taxonomy.name, raw.value))
                                .in_file(&page.display_path)
                                .at(raw.line, raw.column, raw.value.chars().count())
                                .with_hint("choisissez un autre mot pour ce terme"),
                        );
                        None
                    }
                    None if slug.is_empty() => {
                        diagnostics.push(
                            Diagnostic::error(format!("terme vide dans « {} »", taxonomy.name))
                                .in_file(&page.display_path)
                                .at(raw.line, raw.column, 1)
                                .with_hint("écrivez un terme fait de lettres ou de chiffres"),
                        );
                        None
                    }
                    None => {
                        terms.push(Term {
                            slug: slug.clone(),
                            title: raw.value.clone(),
                            description: String::new(),
                            pages: Vec::new(),
                        });
                        index.insert(slug, terms.len() - 1);
                        Some(terms.len() - 1)
                    }
                };
                if let Some(i) = term {
                    if !resolved.contains(&i) {
                        resolved.push(i);
                    }
                }
            }
            if taxonomy.single && raw_terms.len() > 1 {
                let second = &raw_terms[1];
                diagnostics.push(
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
            } else if let Some(max) = taxonomy.max_terms {
                if raw_terms.len() > max {
                    let extra = &raw_terms[max];
                    diagnostics.push(
                        Diagnostic::error(format!(
                            "« {} » admet au plus {max} termes par page, {} sont indiqués",
                            taxonomy.name,
                            raw_terms.len()
                        ))
                        .in_file(&page.display_path)
                        .at(extra.line, extra.column, extra.value.chars().count())
                        .with_hint("gardez les termes les plus importants pour ce projet"),
                    );
                }
            }
            for &i in &resolved {
                terms[i].pages.push(p);
            }
            result.page_terms[p][t] = resolved;
        }
        for term in &mut terms {
            term.pages.sort_by(|&a, &b| keys[a].cmp(&keys[b]));
        }
        if !declared && !taxonomy.ordered {
            // Reorder by title, and remap the pages' term indices.
            let mut order: Vec<usize> = (0..terms.len()).collect();
            order.sort_by(|&a, &b| slugify(&terms[a].title).cmp(&slugify(&terms[b].title)));
            let mut new_index = vec![0; terms.len()];
            for (new, &old) in order.iter().enumerate() {
                new_index[old] = new;
            }
            for page_terms in &mut result.page_terms {
                for i in &mut page_terms[t] {
                    *i = new_index[*i];
                }
            }
            let mut slots: Vec<Option<Term>> = terms.into_iter().map(Some).collect();
            terms = order
                .iter()
                .map(|&old| slots[old].take().expect("each term moves once"))
                .collect();
        }
        result.taxonomies.push(Taxonomy {
            name: taxonomy.name.clone(),
            terms,
        });
    }
    (result, diagnostics)
}
