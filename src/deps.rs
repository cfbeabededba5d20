//! What each output read while it was rendered, and whether it is still up to date.
//!
//! Record, do not predict: each renderer lists the inputs it put into its template context
//! ([`Input`]: a page's listing facets, its body, a section's order, a term's pages, the
//! common variables…). After a build, each input gets a fingerprint ([`Fingerprints`]); the
//! output keeps its inputs with their fingerprints ([`Recorded`]). After a change, an output is
//! stale when one of its inputs now has another fingerprint, or when it was never rendered.
//!
//! Over-approximations, where exactness would cost more than it saves:
//! - `Common` (the menu, the taxonomies with their counts) is read by every templated output,
//!   since every page may show them;
//! - a page's card is part of its `Meta`;
//! - sections, the config, templates and static files change only through a full build, which
//!   renders everything: their fingerprints here only cover what a page save can change.

use std::collections::HashMap;
use std::hash::{Hash, Hasher};
use std::path::PathBuf;

use crate::content::Site;
use crate::markdown::Rendered;
use crate::taxonomy::Classification;

/// One thing an output reads.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Input {
    /// The variables every template has: the menu, the taxonomies and their counts.
    Common,
    /// How a page or section shows in listings (title, address, date, summary, terms, fields,
    /// card), by its path for messages.
    Meta(PathBuf),
    /// A page's or section's rendered body, by its path for messages.
    Body(PathBuf),
    /// The order of the pages of a section, by the section's index.
    Order(usize),
    /// The related pages of a page, by its path for messages.
    Related(PathBuf),
    /// The pages of a term: taxonomy index and term slug.
    Term(usize, String),
    /// The list of every page, in order.
    Pages,
}

/// An output's inputs, with their fingerprints when it was rendered.
pub type Recorded = Vec<(Input, u64)>;

/// What the fingerprints are computed from: the loaded and rendered site.
#[derive(Debug, Clone, Copy)]
pub struct State<'a> {
    /// The content.
    pub site: &'a Site,
    /// Rendered bodies of the pages.
    pub page_bodies: &'a [Rendered],
    /// Rendered bodies of the sections.
    pub section_bodies: &'a [Rendered],
    /// The terms of every page.
    pub classification: &'a Classification,
    /// Each section's pages in order.
    pub order: &'a [Vec<usize>],
    /// Each page's related pages.
    pub related: &'a [Vec<usize>],
}

/// The fingerprints of the inputs of one state, computed when asked, once each.
pub struct Fingerprints<'a> {
    state: State<'a>,
    pages: HashMap<&'a std::path::Path, usize>,
    sections: HashMap<&'a std::path::Path, usize>,
    known: HashMap<Input, u64>,
}

fn hash_all(parts: impl FnOnce(&mut std::collections::hash_map::DefaultHasher)) -> u64 {
    let mut hasher = std::collections::hash_map::DefaultHasher::new();
    parts(&mut hasher);
    hasher.finish()
}

fn hash_body(rendered: &Rendered) -> u64 {
    hash_all(|h| {
        rendered.html.hash(h);
        rendered.summary.hash(h);
        rendered.word_count.hash(h);
        serde_json::to_string(&rendered.toc)
            .unwrap_or_default()
            .hash(h);
    })
}

impl<'a> Fingerprints<'a> {
    /// The fingerprints of `state`.
    pub fn new(state: State<'a>) -> Self {
        let pages = state
            .site
            .pages
            .iter()
            .enumerate()
            .map(|(p, page)| (page.display_path.as_path(), p))
            .collect();
        let sections = state
            .site
            .sections
            .iter()
            .enumerate()
            .map(|(s, section)| (section.index.display_path.as_path(), s))
            .collect();
        Self {
            state,
            pages,
            sections,
            known: HashMap::new(),
        }
    }

    /// The fingerprint of `input`; an input that no longer exists has its own.
    pub fn of(&mut self, input: &Input) -> u64 {
        if let Some(&known) = self.known.get(input) {
            return known;
        }
        let value = self.compute(input);
        self.known.insert(input.clone(), value);
        value
    }

    /// `inputs` with their fingerprints.
    pub fn record(&mut self, inputs: Vec<Input>) -> Recorded {
        inputs
            .into_iter()
            .map(|input| {
                let value = self.of(&input);
                (input, value)
            })
            .collect()
    }

    /// Whether any input of `recorded` changed since.
    pub fn changed(&mut self, recorded: &Recorded) -> bool {
        recorded
            .iter()
            .any(|(input, value)| self.of(input) != *value)
    }

    fn compute(&self, input: &Input) -> u64 {
        const GONE: u64 = 0x9e37_79b9_7f4a_7c15;
        let state = self.state;
        match input {
            Input::Common => self.common(),
            Input::Meta(path) => match (
                self.pages.get(path.as_path()),
                self.sections.get(path.as_path()),
            ) {
                (Some(&p), _) => self.page_meta(p),
                (None, Some(&s)) => self.section_meta(s),
                _ => GONE,
            },
            Input::Body(path) => match (
                self.pages.get(path.as_path()),
                self.sections.get(path.as_path()),
            ) {
                (Some(&p), _) => hash_body(&state.page_bodies[p]),
                (None, Some(&s)) => hash_body(&state.section_bodies[s]),
                _ => GONE,
            },
            Input::Order(s) => state.order.get(*s).map_or(GONE, |order| {
                hash_all(|h| order.iter().for_each(|&p| self.source(p).hash(h)))
            }),
            Input::Related(path) => self.pages.get(path.as_path()).map_or(GONE, |&p| {
                hash_all(|h| {
                    state.related[p]
                        .iter()
                        .for_each(|&q| self.source(q).hash(h))
                })
            }),
            Input::Term(t, slug) => state
                .classification
                .taxonomies
                .get(*t)
                .and_then(|taxonomy| taxonomy.terms.iter().find(|term| term.slug == *slug))
                .map_or(GONE, |term| {
                    hash_all(|h| term.pages.iter().for_each(|&p| self.source(p).hash(h)))
                }),
            Input::Pages => hash_all(|h| {
                (0..state.site.pages.len()).for_each(|p| self.source(p).hash(h));
            }),
        }
    }

    fn source(&self, p: usize) -> &std::path::Path {
        &self.state.site.pages[p].display_path
    }

    /// A page as listings show it: its front matter, address, section, summary and terms
    /// (with their ranks and the size of their taxonomies).
    fn page_meta(&self, p: usize) -> u64 {
        let (site, classification) = (self.state.site, self.state.classification);
        let page = &site.pages[p];
        hash_all(|h| {
            page.front_matter_hash.hash(h);
            page.path.hash(h);
            page.section.hash(h);
            self.state.page_bodies[p].summary.hash(h);
            for (t, terms) in classification.page_terms[p].iter().enumerate() {
                let taxonomy = &classification.taxonomies[t];
                taxonomy.terms.len().hash(h);
                for &i in terms {
                    (i, &taxonomy.terms[i].slug, &taxonomy.terms[i].title).hash(h);
                }
            }
        })
    }

    fn section_meta(&self, s: usize) -> u64 {
        let section = &self.state.site.sections[s];
        hash_all(|h| {
            section.index.front_matter_hash.hash(h);
            section.index.path.hash(h);
            section.parent.hash(h);
        })
    }

    /// The menu (the home's pages) and every term with its page count.
    fn common(&self) -> u64 {
        let state = self.state;
        hash_all(|h| {
            for &p in state.order.first().into_iter().flatten() {
                let page = &state.site.pages[p];
                (&page.meta.title, &page.path, page.meta.weight).hash(h);
            }
            for taxonomy in &state.classification.taxonomies {
                for term in &taxonomy.terms {
                    (&term.slug, &term.title, term.pages.len()).hash(h);
                }
            }
        })
    }
}
