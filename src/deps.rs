//! What each output read while it was rendered, and whether it is still up to date.
//!
//! Record, do not predict: each renderer lists the inputs it put into its template context
//! ([`Input`]: a page's listing facets, its body, its neighbours, a section's order, a term's
//! pages, the common variables…). [`Graph`] keeps, for each output, its inputs and, for each
//! input, its readers and its fingerprint ([`Fingerprints`]). After a change, the inputs that
//! may have changed are fingerprinted again; the readers of those that did are stale, and so is
//! any output that was never rendered.
//!
//! Over-approximations, where exactness would cost more than it saves:
//! - `Common` (the menu, the taxonomies and their terms) is read by every templated output,
//!   since every page may show them; `Counts` (each term's page count) by the outputs whose
//!   template may show one (`theme::counts`: a static reading of the templates, which says
//!   yes when unsure) and by every output that is not a page, a section or the 404 page;
//! - a page's card is part of its `Meta`;
//! - sections, the config, templates and static files change only through a full build, which
//!   renders everything: their fingerprints here only cover what a page save can change.

use std::collections::HashMap;
use std::hash::{Hash, Hasher};
use std::path::PathBuf;

use crate::content::Site;
use crate::fingerprint::hash_with;
use crate::ids::{PageId, SectionId, TaxonomyId};
use crate::markdown::Rendered;
use crate::taxonomy::Classification;

/// One thing an output reads.
///
/// Compared, hashed and ordered by the bytes of its path (the loader makes each file's path
/// once, so equal paths have equal bytes): hashing a path component by component was a fifth
/// of the change path's time on 10 000 pages.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub enum Input {
    /// The variables every template has: the menu, the taxonomies and their terms (without
    /// the terms' page counts).
    Common,
    /// The page count of every term, which the variable `taxonomies` holds too.
    Counts,
    /// How a page or section shows in listings (title, address, date, summary, terms, fields,
    /// card), by its path for messages.
    Meta(PathBuf),
    /// A page's or section's rendered body, by its path for messages.
    Body(PathBuf),
    /// The order of the pages of a section.
    Order(SectionId),
    /// A page's previous and next pages in its section's order, by its path for messages.
    Neighbours(PathBuf),
    /// The related pages of a page, by its path for messages.
    Related(PathBuf),
    /// The pages of a term: its taxonomy and its slug.
    Term(TaxonomyId, String),
    /// The list of every page, in order.
    Pages,
}

impl Input {
    /// What identifies the input: its kind, its path's bytes, its number and its slug.
    fn key(&self) -> (u8, &[u8], usize, &str) {
        fn path(kind: u8, path: &std::path::Path) -> (u8, &[u8], usize, &str) {
            (kind, bytes(path), 0, "")
        }
        match self {
            Self::Common => (0, &[], 0, ""),
            Self::Meta(p) => path(1, p),
            Self::Body(p) => path(2, p),
            Self::Order(s) => (3, &[], s.index(), ""),
            Self::Neighbours(p) => path(4, p),
            Self::Related(p) => path(5, p),
            Self::Term(t, slug) => (6, &[], t.index(), slug),
            Self::Pages => (7, &[], 0, ""),
            Self::Counts => (8, &[], 0, ""),
        }
    }
}

/// A path's bytes, as inputs are compared.
fn bytes(path: &std::path::Path) -> &[u8] {
    path.as_os_str().as_encoded_bytes()
}

impl PartialEq for Input {
    fn eq(&self, other: &Self) -> bool {
        self.key() == other.key()
    }
}

impl Eq for Input {}

impl Hash for Input {
    fn hash<H: Hasher>(&self, state: &mut H) {
        self.key().hash(state);
    }
}

impl PartialOrd for Input {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for Input {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        self.key().cmp(&other.key())
    }
}

/// Who read what: each output's inputs, each input's readers, and each input's fingerprint
/// when it was last read or last found changed.
///
/// An input found changed gets its new fingerprint at once; its readers are reported stale,
/// and the caller keeps them stale until they are rendered again (`serve` renders them on
/// request), so that a later change compares against the latest state.
#[derive(Debug, Default)]
pub struct Graph {
    inputs: HashMap<String, Vec<Input>>,
    readers: HashMap<Input, std::collections::HashSet<String>>,
    known: HashMap<Input, u64>,
}

impl Graph {
    /// Records what each output read (by output path), replacing what it read before.
    pub fn record(
        &mut self,
        fingerprints: &mut Fingerprints<'_>,
        reads: Vec<(String, Vec<Input>)>,
    ) {
        for (path, inputs) in reads {
            self.forget(&path);
            for input in &inputs {
                let value = fingerprints.of(input);
                self.known.insert(input.clone(), value);
                self.readers
                    .entry(input.clone())
                    .or_default()
                    .insert(path.clone());
            }
            self.inputs.insert(path, inputs);
        }
    }

    /// Forgets an output (one the site no longer has, or before recording it again).
    pub fn forget(&mut self, path: &str) {
        for input in self.inputs.remove(path).into_iter().flatten() {
            if let Some(readers) = self.readers.get_mut(&input) {
                readers.remove(path);
            }
        }
    }

    /// Whether the output at `path` was ever recorded.
    pub fn has(&self, path: &str) -> bool {
        self.inputs.contains_key(path)
    }

    /// The recorded output paths.
    pub fn paths(&self) -> impl Iterator<Item = &String> {
        self.inputs.keys()
    }

    /// Of `candidates`, the inputs whose fingerprint changed get their new one; returns the
    /// outputs that read any of them.
    pub fn readers_of_changed(
        &mut self,
        fingerprints: &mut Fingerprints<'_>,
        candidates: impl IntoIterator<Item = Input>,
    ) -> std::collections::HashSet<String> {
        let mut stale = std::collections::HashSet::new();
        for input in candidates {
            let value = fingerprints.of(&input);
            if self.known.get(&input) == Some(&value) {
                continue;
            }
            if let Some(readers) = self.readers.get(&input) {
                stale.extend(readers.iter().cloned());
            }
            self.known.insert(input, value);
        }
        stale
    }
}

/// What the fingerprints are computed from: the loaded and rendered site.
#[derive(Debug, Clone, Copy)]
pub struct State<'a> {
    /// The content.
    pub site: &'a Site,
    /// Rendered bodies of the sections.
    pub section_bodies: &'a [Rendered],
    /// The terms of every page.
    pub classification: &'a Classification,
    /// Each section's pages in order.
    pub order: &'a [Vec<PageId>],
    /// Each page's related pages.
    pub related: &'a [Vec<PageId>],
    /// [`body_hash`] of each page's body, computed once per rendered body.
    pub page_body_hashes: &'a [u64],
    /// [`own_hash`] of each page, computed once per loaded page.
    pub page_own_hashes: &'a [u64],
}

/// The fingerprints of the inputs of one state, computed when asked, once each.
pub struct Fingerprints<'a> {
    state: State<'a>,
    /// Each page's index by the bytes of its path (see [`Input`]).
    pages: HashMap<&'a [u8], PageId>,
    sections: HashMap<&'a [u8], SectionId>,
    known: HashMap<Input, u64>,
    positions: std::sync::OnceLock<HashMap<PageId, usize>>,
}

/// The fingerprint of a rendered body.
pub fn body_hash(rendered: &Rendered) -> u64 {
    hash_with(|h| {
        rendered.html.as_str().hash(h);
        rendered.summary.hash(h);
        rendered.word_count.hash(h);
        serde_json::to_string(&rendered.toc)
            .unwrap_or_default()
            .hash(h);
    })
}

/// [`body_hash`] and [`own_hash`] of every page.
pub fn page_hashes(site: &Site, bodies: &[Rendered]) -> (Vec<u64>, Vec<u64>) {
    use rayon::prelude::*;
    let body = bodies.par_iter().map(body_hash).collect();
    let own = site
        .pages
        .iter()
        .zip(bodies)
        .map(|(page, body)| own_hash(page, body))
        .collect();
    (body, own)
}

/// What a page's listing facets hold besides its terms: its front matter, address, section and
/// the summary taken from its body.
pub fn own_hash(page: &crate::content::Page, rendered: &Rendered) -> u64 {
    hash_with(|h| {
        page.front_matter_hash.hash(h);
        page.path.hash(h);
        page.section.hash(h);
        rendered.summary.hash(h);
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
            .map(|(p, page)| (bytes(&page.display_path), PageId::from(p)))
            .collect();
        let sections = state
            .site
            .sections
            .iter()
            .enumerate()
            .map(|(s, section)| (bytes(&section.index.display_path), SectionId::from(s)))
            .collect();
        Self {
            state,
            pages,
            sections,
            known: HashMap::new(),
            positions: std::sync::OnceLock::new(),
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

    fn compute(&self, input: &Input) -> u64 {
        const GONE: u64 = 0x9e37_79b9_7f4a_7c15;
        let state = self.state;
        match input {
            Input::Common => self.common(),
            Input::Counts => hash_with(|h| {
                for taxonomy in &state.classification.taxonomies {
                    taxonomy.terms.len().hash(h);
                    taxonomy
                        .terms
                        .iter()
                        .for_each(|term| term.pages.len().hash(h));
                }
            }),
            Input::Meta(path) => {
                match (self.pages.get(bytes(path)), self.sections.get(bytes(path))) {
                    (Some(&p), _) => self.page_meta(p),
                    (None, Some(&s)) => self.section_meta(s),
                    _ => GONE,
                }
            }
            Input::Body(path) => {
                match (self.pages.get(bytes(path)), self.sections.get(bytes(path))) {
                    (Some(&p), _) => state.page_body_hashes[p.index()],
                    (None, Some(&s)) => body_hash(&state.section_bodies[s.index()]),
                    _ => GONE,
                }
            }
            Input::Order(s) => state.order.get(s.index()).map_or(GONE, |order| {
                hash_with(|h| order.iter().for_each(|&p| self.source(p).hash(h)))
            }),
            Input::Neighbours(path) => self
                .pages
                .get(bytes(path))
                .map_or(GONE, |&p| self.neighbours(p)),
            Input::Related(path) => self.pages.get(bytes(path)).map_or(GONE, |&p| {
                hash_with(|h| {
                    state.related[p.index()]
                        .iter()
                        .for_each(|&q| self.source(q).hash(h))
                })
            }),
            Input::Term(t, slug) => state
                .classification
                .taxonomies
                .get(t.index())
                .and_then(|taxonomy| taxonomy.terms.iter().find(|term| term.slug == *slug))
                .map_or(GONE, |term| {
                    hash_with(|h| (term.pages.iter()).for_each(|&p| self.source(p).hash(h)))
                }),
            Input::Pages => hash_with(|h| {
                state.site.page_ids().for_each(|p| self.source(p).hash(h));
            }),
        }
    }

    /// The sources of the pages before and after `p` in its section's order.
    fn neighbours(&self, p: PageId) -> u64 {
        let state = self.state;
        let order = &state.order[state.site.page(p).section.index()];
        let position = self.positions().get(&p).copied();
        hash_with(|h| {
            if let Some(i) = position {
                let before = i.checked_sub(1).map(|j| self.source(order[j]));
                let after = order.get(i + 1).map(|&q| self.source(q));
                (before, after).hash(h);
            }
        })
    }

    /// Each page's position in its section's order, computed once.
    fn positions(&self) -> &HashMap<PageId, usize> {
        self.positions.get_or_init(|| {
            self.state
                .order
                .iter()
                .flat_map(|order| order.iter().enumerate().map(|(i, &p)| (p, i)))
                .collect()
        })
    }

    /// Page `p`'s path, as bytes (see [`Input`]).
    fn source(&self, p: PageId) -> &[u8] {
        bytes(&self.state.site.page(p).display_path)
    }

    /// A page as listings show it: its own part ([`own_hash`]) and its terms (with their
    /// ranks and the size of their taxonomies).
    fn page_meta(&self, p: PageId) -> u64 {
        let classification = self.state.classification;
        hash_with(|h| {
            self.state.page_own_hashes[p.index()].hash(h);
            for (t, terms) in classification.page_terms[p.index()].iter().enumerate() {
                let taxonomy = &classification.taxonomies[t];
                taxonomy.terms.len().hash(h);
                for &i in terms {
                    (i, &taxonomy.terms[i].slug, &taxonomy.terms[i].title).hash(h);
                }
            }
        })
    }

    fn section_meta(&self, s: SectionId) -> u64 {
        let section = self.state.site.section(s);
        hash_with(|h| {
            section.index.front_matter_hash.hash(h);
            section.index.path.hash(h);
            section.parent.hash(h);
        })
    }

    /// The menu (the home's pages) and every term (its page count is [`Input::Counts`]).
    fn common(&self) -> u64 {
        let state = self.state;
        hash_with(|h| {
            for &p in state.order.first().into_iter().flatten() {
                let page = &state.site.pages[p.index()];
                (&page.meta.title, &page.path, page.meta.weight).hash(h);
            }
            for taxonomy in &state.classification.taxonomies {
                for term in &taxonomy.terms {
                    (&term.slug, &term.title).hash(h);
                }
            }
        })
    }
}
