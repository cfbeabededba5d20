//! `serve`'s change path: from saved files to the outputs they reach, by recorded
//! dependencies ([`crate::deps`]).
//!
//! Steps of [`Prepared::update_pages`] (saved pages that keep their address and aliases):
//! 1. read and check the saved files alone, render their bodies;
//! 2. with no error, put them in place and derive the rest again from the loaded site: the
//!    terms (classification), the sections' order, the related pages;
//! 3. compare the fingerprints of every output's recorded inputs with the new state: an output
//!    whose inputs changed, or that the plan now has and never rendered, is stale; one the plan
//!    no longer has is removed;
//! 4. render the saved pages' own outputs at once; each other stale output is rendered when
//!    it is asked for ([`Prepared::render_outputs`]).
//!
//! Pages that come, go or move take `incremental/structure.rs`'s path. Anything else (a section, the config,
//! a template, a static file) takes a full build, which records every output's inputs afresh
//! ([`Prepared::record`]). Errors leave the state as it was.

use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};

use crate::deps::{Fingerprints, Input};
use crate::diagnostic::{Diagnostic, Diagnostics};
use crate::ids::TaxonomyId;
use crate::pipeline::Prepared;
use crate::plan::{OutputId, PageId, Plan, SectionId};
use crate::render::OutputFile;

mod structure;

/// What a save changed in the loaded site.
#[derive(Debug)]
struct Changes {
    /// The saved pages.
    pages: Vec<PageId>,
    /// Whether the classification was made again (terms or their pages' order may differ).
    reclassified: bool,
    /// Whether a taxonomy's terms changed (one came or went): every page's terms may then
    /// show differently (a term's index, the number of terms), and the plan has other term
    /// pages (it depends on the terms alone).
    vocabulary: bool,
    /// The terms the saved or moved pages are in, before and after: the only terms whose
    /// pages changed when the vocabulary did not.
    touched: Vec<(TaxonomyId, String)>,
    /// The sections whose order changed, with the pages whose place changed.
    orders: Vec<(SectionId, Vec<PageId>)>,
    /// The pages whose related pages changed.
    related: Vec<PageId>,
}

/// The pages whose place differs between two orders of a section, with the pages beside
/// them (the only ones whose neighbours can have changed).
fn moved_in(before: &[PageId], after: &[PageId]) -> Vec<PageId> {
    let mut moved = Vec::new();
    for (i, (&a, &b)) in before.iter().zip(after).enumerate() {
        if a != b {
            moved.push(b);
            moved.extend(i.checked_sub(1).map(|j| after[j]));
            moved.extend(after.get(i + 1).copied());
        }
    }
    moved.sort_unstable();
    moved.dedup();
    moved
}

/// A page's terms as written, per taxonomy.
fn terms_as_written(page: &crate::content::Page) -> Vec<(&String, Vec<&String>)> {
    let mut terms: Vec<(&String, Vec<&String>)> = page
        .meta
        .terms
        .iter()
        .map(|(name, raw)| (name, raw.iter().map(|r| &r.value).collect()))
        .collect();
    terms.sort();
    terms
}

/// The terms (taxonomy, slug) of `pages` in `classification`.
fn terms_of<'a>(
    classification: &crate::taxonomy::Classification,
    pages: impl Iterator<Item = &'a PageId>,
) -> Vec<(TaxonomyId, String)> {
    let mut terms = Vec::new();
    for &p in pages {
        for (t, indices) in classification.page_terms[p.index()].iter().enumerate() {
            let taxonomy = &classification.taxonomies[t];
            let id = TaxonomyId::from(t);
            terms.extend(
                indices
                    .iter()
                    .map(|&i| (id, taxonomy.terms[i].slug.clone())),
            );
        }
    }
    terms
}

/// A taxonomy's terms: slug and title, in order.
fn names(taxonomy: &crate::taxonomy::Taxonomy) -> Vec<(&str, &str)> {
    let terms = taxonomy.terms.iter();
    terms
        .map(|term| (term.slug.as_str(), term.title.as_str()))
        .collect()
}

/// Whether two classifications have the same terms (slug and title, in the same order).
fn same_vocabulary(
    a: &crate::taxonomy::Classification,
    b: &crate::taxonomy::Classification,
) -> bool {
    a.taxonomies.len() == b.taxonomies.len()
        && (a.taxonomies.iter())
            .zip(&b.taxonomies)
            .all(|(x, y)| names(x) == names(y))
}

/// What a save changed in the outputs.
#[derive(Debug, Default)]
pub struct Update {
    /// Problems found (with an error, nothing changed).
    pub diagnostics: Diagnostics,
    /// The saved pages' outputs, rendered at once.
    pub files: Vec<OutputFile>,
    /// Output paths out of date, to render when asked for.
    pub stale: HashSet<String>,
    /// Output paths the site no longer has.
    pub removed: Vec<String>,
    /// How many bodies were rendered.
    pub bodies: usize,
    /// The loaded site changed, but rendering failed: the recorded state no longer matches
    /// what is served, so the next change must take a full build.
    pub needs_full_build: bool,
}

impl Prepared {
    /// The plan of the current state.
    fn plan(&self) -> Plan {
        Plan::classified(&self.site, &self.config, &self.classification)
    }

    /// The change path for saved pages (paths for messages, e.g. `content/projets/a.md`):
    /// pages edited in place here, pages that come, go or move in `incremental/structure.rs`. `None` when
    /// the change needs a full build.
    pub fn update_pages(&mut self, root: &Path, changed: &HashSet<PathBuf>) -> Option<Update> {
        let mut update = Update::default();
        let mut pages = Vec::new();
        for relative in changed {
            let known = self
                .site
                .pages
                .iter()
                .position(|page| page.display_path == *relative)
                .map(PageId::from);
            let Some(p) = known.filter(|_| root.join(relative).is_file()) else {
                return self.update_structure(root, changed);
            };
            let (page, diagnostics) =
                crate::content::reload_page(root, &self.config, &self.site, p);
            update.diagnostics.extend(diagnostics);
            let Some(page) = page else { continue };
            let old = self.site.page(p);
            if page.path != old.path || page.meta.aliases != old.meta.aliases {
                return self.update_structure(root, changed);
            }
            pages.push((p, page));
        }
        if update.diagnostics.has_errors() {
            return Some(update);
        }
        update.bodies = pages.len();
        let saved: Vec<PageId> = pages.iter().map(|(p, _)| *p).collect();
        let Some(changes) = self.put_in_place(root, pages, &mut update.diagnostics) else {
            return Some(update);
        };
        self.find_stale(&changes, &mut update);
        let now: Vec<OutputId> = saved.iter().map(|&p| OutputId::Page(p)).collect();
        update.files = self.render_ids(root, &now, &mut update.diagnostics);
        update.needs_full_build = update.diagnostics.has_errors();
        for file in &update.files {
            update.stale.remove(&file.path);
        }
        Some(update)
    }

    /// Renders the saved pages' bodies, puts them in place and derives the terms, the order
    /// and the related pages again; on an error, leaves everything as it was (`None`).
    fn put_in_place(
        &mut self,
        root: &Path,
        pages: Vec<(PageId, crate::content::Page)>,
        diagnostics: &mut Diagnostics,
    ) -> Option<Changes> {
        let links = self.links();
        let rendered: Vec<_> = pages
            .into_iter()
            .map(|(p, page)| {
                let body = crate::pipeline::render_body(&page, &links);
                (p, page, body)
            })
            .collect();
        for (_, _, body) in &rendered {
            diagnostics.extend(body.diagnostics.iter().cloned());
        }
        let mut previous = Vec::new();
        let (mut same_terms, mut moved) = (true, Vec::new());
        for (p, page, body) in rendered {
            let old = self.site.page(p);
            same_terms &= terms_as_written(&page) == terms_as_written(old);
            // Term pages list their pages by weight, date and title.
            if (page.meta.weight, &page.meta.date, &page.meta.title)
                != (old.meta.weight, &old.meta.date, &old.meta.title)
            {
                moved.push(p);
            }
            let old_page = std::mem::replace(&mut self.site.pages[p.index()], page);
            let old_body = std::mem::replace(&mut self.page_bodies[p.index()], body);
            previous.push((p, old_page, old_body));
        }
        // The same terms, written the same way, resolve as before.
        let saved: Vec<PageId> = previous.iter().map(|(p, _, _)| *p).collect();
        let classification = (!same_terms).then(|| self.classified_again(&saved, diagnostics));
        crate::pipeline::add_source_lines(root, diagnostics.as_mut_slice());
        diagnostics.sort();
        if diagnostics.has_errors() {
            for (p, page, body) in previous {
                self.site.pages[p.index()] = page;
                self.page_bodies[p.index()] = body;
            }
            return None;
        }
        let order_before = self.order.clone();
        for (p, _, _) in &previous {
            crate::render::reposition(&self.site, &self.config, &mut self.order, *p);
            let q = p.index();
            self.page_body_hashes[q] = crate::deps::body_hash(&self.page_bodies[q]);
            self.page_own_hashes[q] =
                crate::deps::own_hash(&self.site.pages[q], &self.page_bodies[q]);
        }
        let mut touched = terms_of(&self.classification, saved.iter().chain(&moved));
        if let Some(classification) = &classification {
            touched.extend(terms_of(classification, saved.iter().chain(&moved)));
        }
        touched.sort_unstable();
        touched.dedup();
        let mut changes = Changes {
            pages: saved,
            reclassified: classification.is_some() || !moved.is_empty(),
            vocabulary: classification
                .as_ref()
                .is_some_and(|c| !same_vocabulary(c, &self.classification)),
            touched,
            orders: (0..self.order.len())
                .filter(|&s| self.order[s] != order_before[s])
                .map(|s| (s.into(), moved_in(&order_before[s], &self.order[s])))
                .collect(),
            related: Vec::new(),
        };
        // Related pages follow the terms, then the order.
        if let Some(classification) = classification {
            self.classification = classification;
        } else {
            for &p in &moved {
                crate::taxonomy::reposition(&mut self.classification, &self.site, p);
            }
            if changes.orders.is_empty() {
                return Some(changes);
            }
        }
        let related = crate::render::related_pages(&self.order, &self.classification);
        changes.related = (0..related.len())
            .filter(|&p| related[p] != self.related[p])
            .map(PageId::from)
            .collect();
        self.related = related;
        Some(changes)
    }

    /// The classification once the `saved` pages' terms changed: those pages moved in a copy
    /// of the current one when every vocabulary is declared, else the site classified afresh;
    /// its errors go to `diagnostics`.
    fn classified_again(
        &self,
        saved: &[PageId],
        diagnostics: &mut Diagnostics,
    ) -> crate::taxonomy::Classification {
        let (classification, problems) = crate::taxonomy::reclassify(
            self.classification.clone(),
            &self.site,
            &self.config,
            saved,
        )
        .unwrap_or_else(|| {
            let mut found = crate::diagnostic::Diagnostics::new();
            let classification = crate::taxonomy::classify(&self.site, &self.config, &mut found);
            (classification, found.into_vec())
        });
        diagnostics.extend(problems.into_iter().filter(Diagnostic::is_error));
        classification
    }

    /// Marks stale the readers of the inputs a change reached, and the outputs the plan now
    /// has and were never rendered; the outputs the plan no longer has are removed.
    fn find_stale(&mut self, changes: &Changes, update: &mut Update) {
        let candidates = self.candidates(changes);
        // Terms may appear or go: so may their pages.
        self.mark_stale(candidates, changes.vocabulary, update);
    }

    /// Marks stale the readers of those of `candidates` whose fingerprint changed; when
    /// `plan_changed`, also compares the plan with the recorded outputs: the new ones are
    /// stale, the lost ones removed.
    fn mark_stale(&mut self, candidates: Vec<Input>, plan_changed: bool, update: &mut Update) {
        let mut deps = std::mem::take(&mut self.deps);
        let mut fingerprints = Fingerprints::new(self.deps_state());
        update.stale = deps.readers_of_changed(&mut fingerprints, candidates);
        if plan_changed {
            let plan = self.plan();
            let planned: HashSet<&str> = plan.items.iter().map(|i| i.path.as_str()).collect();
            update.removed = deps
                .paths()
                .filter(|path| !planned.contains(path.as_str()))
                .cloned()
                .collect();
            for path in &update.removed {
                deps.forget(path);
                update.stale.remove(path);
            }
            let new = plan.items.iter().filter(|item| !deps.has(&item.path));
            update.stale.extend(new.map(|item| item.path.clone()));
        }
        self.deps = deps;
    }

    /// The inputs a change may have reached: the common variables, the terms' counts, the
    /// saved pages' facets and bodies; with other terms, every page's facets and every term's
    /// pages; the order and the neighbours in a section whose order changed; the related pages
    /// that changed.
    fn candidates(&self, changes: &Changes) -> Vec<Input> {
        let source = |p: PageId| self.site.page(p).display_path.clone();
        let mut candidates = vec![Input::Common, Input::Counts];
        for &p in &changes.pages {
            candidates.push(Input::Meta(source(p)));
            candidates.push(Input::Body(source(p)));
        }
        if changes.vocabulary {
            candidates.extend(self.site.page_ids().map(|p| Input::Meta(source(p))));
            for (t, taxonomy) in self.classification.taxonomies.iter().enumerate() {
                let terms = taxonomy.terms.iter();
                candidates
                    .extend(terms.map(|term| Input::Term(TaxonomyId::from(t), term.slug.clone())));
            }
        } else if changes.reclassified {
            let touched = changes.touched.iter();
            candidates.extend(touched.map(|(t, slug)| Input::Term(*t, slug.clone())));
        }
        for (s, moved) in &changes.orders {
            candidates.push(Input::Order(*s));
            candidates.extend(moved.iter().map(|&p| Input::Neighbours(source(p))));
        }
        candidates.extend((changes.related.iter()).map(|&p| Input::Related(source(p))));
        candidates
    }

    /// Renders the outputs at `paths` (stale ones asked for), and records what they read.
    pub fn render_outputs(
        &mut self,
        root: &Path,
        paths: &HashSet<String>,
    ) -> (Vec<OutputFile>, Vec<Diagnostic>) {
        let plan = self.plan();
        let ids: Vec<OutputId> = plan
            .items
            .iter()
            .filter(|item| paths.contains(&item.path))
            .map(|item| item.id)
            .collect();
        let mut diagnostics = Diagnostics::new();
        let files = self.render_ids(root, &ids, &mut diagnostics);
        (files, diagnostics.into_vec())
    }

    fn render_ids(
        &mut self,
        root: &Path,
        ids: &[OutputId],
        diagnostics: &mut Diagnostics,
    ) -> Vec<OutputFile> {
        if ids.is_empty() {
            return Vec::new();
        }
        let output = crate::render::render_site(
            &self.tera,
            &self.render_input(root, crate::render::Scope::Items(ids)),
            diagnostics,
        );
        let reads: HashMap<String, Vec<Input>> = output.reads.into_iter().collect();
        self.record(reads.into_iter().collect());
        output.files
    }
}
