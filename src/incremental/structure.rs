//! The change path when pages come, go or move (`serve`): a new page, a deleted one, a
//! renamed one (both in one batch of saves), a page whose address or aliases changed.
//!
//! The pages are put where a build loads them (in the order of their source paths) without
//! reading the other pages again; what is indexed by page (bodies, fingerprints, terms, the
//! sections' order, related pages) follows, and the site's link tables are derived again.
//! Bodies that may link to a page that went or moved (their text names its file or its last
//! address) are rendered again, so that a link left broken is reported as a build would. Every
//! input of every output is then a candidate ([`crate::deps`]), and the outputs the plan
//! gained are stale, those it lost removed. On an error, everything is put back as it was.

use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};

use super::Update;
use crate::content::Page;
use crate::deps::Input;
use crate::diagnostic::{Diagnostic, Diagnostics};
use crate::ids::{SectionId, TaxonomyId};
use crate::markdown::Rendered;
use crate::pipeline::Prepared;
use crate::plan::{OutputId, PageId};

/// What a change did to the list of pages, to undo it.
#[derive(Default)]
struct Undo {
    /// Pages replaced by their saved version: the index then, the old page.
    edited: Vec<(PageId, Page)>,
    /// Pages taken out: the index then, the page, its body and fingerprints.
    removed: Vec<(PageId, Page, Rendered, u64, u64)>,
    /// Where the new pages went (ascending).
    inserted: Vec<PageId>,
    /// The terms the pages named.
    named_terms: crate::taxonomy::NamedTerms,
}

/// The saved files sorted out.
#[derive(Default)]
struct Saves {
    edited: Vec<(PageId, Page)>,
    deleted: Vec<PageId>,
    added: Vec<Page>,
}

impl Prepared {
    /// The change path for pages that come, go or move; `None` when the change needs a full
    /// build (a bundle's `index.md`, a file outside the sections, a section's body naming a
    /// page that went or moved).
    pub(super) fn update_structure(
        &mut self,
        root: &Path,
        changed: &HashSet<PathBuf>,
    ) -> Option<Update> {
        let mut update = Update::default();
        let saves = self.sort_saves(root, changed, &mut update.diagnostics)?;
        if update.diagnostics.has_errors() {
            return Some(update);
        }
        let named = self.names_that_went(&saves);
        if self
            .site
            .sections
            .iter()
            .any(|s| mentions(&s.index.body, &named))
        {
            return None;
        }
        let touched: Vec<PathBuf> = saves
            .edited
            .iter()
            .map(|(_, page)| page.display_path.clone())
            .chain(saves.added.iter().map(|page| page.display_path.clone()))
            .collect();
        let gone: Vec<PathBuf> = saves
            .deleted
            .iter()
            .map(|&p| self.site.page(p).display_path.clone())
            .collect();
        let before_len = self.site.pages.len();
        let undo = self.move_pages(saves);
        let before = self.derived();
        let moved = Moved::new(before_len, &undo, self.site.pages.len());
        let change = Move {
            undo,
            before,
            moved,
        };
        let reached = match self.derive_again(root, &touched, &named, &change, &mut update) {
            Some(reached) => reached,
            None => {
                self.restore(change.undo, change.before);
                return Some(update);
            }
        };
        let candidates = self.candidates_after_move(&reached, &gone);
        self.mark_stale(candidates, true, &mut update);
        // What the site was is no longer needed: freeing 10 000 pages' worth of tables takes
        // milliseconds the reload need not wait for.
        std::thread::spawn(move || drop(change));
        let now: Vec<OutputId> = touched
            .iter()
            .filter_map(|path| self.page_index(path))
            .map(OutputId::Page)
            .collect();
        update.files = self.render_ids(root, &now, &mut update.diagnostics);
        update.needs_full_build = update.diagnostics.has_errors();
        for file in &update.files {
            update.stale.remove(&file.path);
        }
        Some(update)
    }

    fn page_index(&self, display_path: &Path) -> Option<PageId> {
        self.site
            .pages
            .iter()
            .position(|page| page.display_path == display_path)
            .map(PageId::from)
    }

    /// Reads the saved files: pages edited, deleted or new.
    fn sort_saves(
        &self,
        root: &Path,
        changed: &HashSet<PathBuf>,
        diagnostics: &mut Diagnostics,
    ) -> Option<Saves> {
        let mut saves = Saves::default();
        for relative in changed {
            let known = self.page_index(relative);
            let exists = root.join(relative).is_file();
            let (page, found) = match (known, exists) {
                (Some(p), true) => {
                    let (page, found) =
                        crate::content::reload_page(root, &self.config, &self.site, p);
                    (page.map(|page| (Some(p), page)), found)
                }
                (Some(p), false) => {
                    saves.deleted.push(p);
                    continue;
                }
                (None, true) => {
                    let (page, found) =
                        crate::content::load_new_page(root, &self.config, &self.site, relative)?;
                    (page.map(|page| (None, page)), found)
                }
                (None, false) => continue,
            };
            diagnostics.extend(found);
            match page {
                Some((Some(p), page)) => saves.edited.push((p, page)),
                Some((None, page)) => saves.added.push(page),
                None => {}
            }
        }
        Some(saves)
    }

    /// The file names and last address segments of the pages that go or move: a body naming
    /// one may link to it.
    fn names_that_went(&self, saves: &Saves) -> Vec<String> {
        let moved = saves
            .edited
            .iter()
            .filter(|(p, page)| {
                let old = self.site.page(*p);
                page.path != old.path || page.meta.aliases != old.meta.aliases
            })
            .map(|(p, _)| *p);
        let mut names = Vec::new();
        for p in saves.deleted.iter().copied().chain(moved) {
            let page = self.site.page(p);
            names.extend(
                page.source
                    .file_stem()
                    .map(|s| s.to_string_lossy().into_owned()),
            );
            names.extend(
                page.path
                    .trim_end_matches('/')
                    .rsplit('/')
                    .next()
                    .filter(|s| !s.is_empty())
                    .map(str::to_string),
            );
        }
        names.sort();
        names.dedup();
        names
    }

    /// Puts the saved pages in place, takes the deleted ones out and inserts the new ones where
    /// a build would load them (bodies and fingerprints follow, to be rendered again).
    fn move_pages(&mut self, saves: Saves) -> Undo {
        use crate::taxonomy::Count;
        let mut undo = Undo {
            named_terms: self.named_terms.clone(),
            ..Undo::default()
        };
        let config = &self.config;
        let leaving = (saves.edited.iter().map(|(p, _)| *p)).chain(saves.deleted.iter().copied());
        for p in leaving {
            (self.named_terms).count(self.site.page(p), config, Count::Remove);
        }
        let coming = saves
            .edited
            .iter()
            .map(|(_, page)| page)
            .chain(&saves.added);
        for page in coming {
            self.named_terms.count(page, config, Count::Add);
        }
        for (p, page) in saves.edited {
            let old = std::mem::replace(&mut self.site.pages[p.index()], page);
            undo.edited.push((p, old));
        }
        let mut deleted = saves.deleted;
        deleted.sort_unstable();
        for &p in deleted.iter().rev() {
            let i = p.index();
            undo.removed.push((
                p,
                self.site.pages.remove(i),
                self.page_bodies.remove(i),
                self.page_body_hashes.remove(i),
                self.page_own_hashes.remove(i),
            ));
        }
        undo.removed.reverse();
        let mut added = saves.added;
        added.sort_by(|a, b| a.source.cmp(&b.source));
        for page in added {
            let at = self.site.pages.partition_point(|p| p.source < page.source);
            self.site.pages.insert(at, page);
            self.page_bodies.insert(at, Rendered::default());
            self.page_body_hashes.insert(at, 0);
            self.page_own_hashes.insert(at, 0);
            let at = PageId::from(at);
            for earlier in &mut undo.inserted {
                if *earlier >= at {
                    earlier.0 += 1;
                }
            }
            undo.inserted.push(at);
        }
        undo.inserted.sort_unstable();
        undo
    }

    /// Takes what is derived from the pages (all of it is derived again), to put it back on an
    /// error.
    fn derived(&mut self) -> Derived {
        Derived {
            classification: std::mem::take(&mut self.classification),
            order: std::mem::take(&mut self.order),
            related: std::mem::take(&mut self.related),
            pages_by_source: std::mem::take(&mut self.pages_by_source),
            assets: std::mem::take(&mut self.assets),
            site_paths: std::mem::take(&mut self.site_paths),
        }
    }

    /// The link tables, the touched bodies and the bodies that may link to what went, the
    /// terms, the order and the related pages, from the pages as they now are and what was
    /// derived `before` (renumbered by `moved`); what that reached, or `None` on an error (in
    /// `update`).
    fn derive_again(
        &mut self,
        root: &Path,
        touched: &[PathBuf],
        named: &[String],
        change: &Move,
        update: &mut Update,
    ) -> Option<Reached> {
        let (before, moved, undo) = (&change.before, &change.moved, &change.undo);
        let touched: HashSet<&Path> = touched.iter().map(PathBuf::as_path).collect();
        let pages: Vec<PageId> = (self.site.page_ids())
            .filter(|&p| touched.contains(self.site.page(p).display_path.as_path()))
            .collect();
        // The checks of the addresses and the terms do not depend on each other.
        let (problems, classification) = rayon::join(
            || crate::pipeline::address_problems(root, &self.site, &self.config, &self.named_terms),
            || self.classified_after_move(&before.classification, moved, &pages),
        );
        update.diagnostics.extend(problems);
        self.patch_tables(before, undo, &pages);
        let to_render: Vec<PageId> = (self.site.page_ids())
            .filter(|&p| pages.contains(&p) || mentions(&self.site.page(p).body, named))
            .collect();
        let links = self.links();
        let bodies: Vec<(PageId, Rendered)> = to_render
            .iter()
            .map(|&p| (p, crate::pipeline::render_body(self.site.page(p), &links)))
            .collect();
        for (_, body) in &bodies {
            update.diagnostics.extend(body.diagnostics.iter().cloned());
        }
        update.bodies = bodies.len();
        update.diagnostics.extend(classification.1);
        crate::pipeline::add_source_lines(root, update.diagnostics.as_mut_slice());
        update.diagnostics.sort();
        if update.diagnostics.has_errors() {
            return None;
        }
        for (p, body) in bodies {
            let i = p.index();
            self.page_body_hashes[i] = crate::deps::body_hash(&body);
            self.page_own_hashes[i] = crate::deps::own_hash(self.site.page(p), &body);
            self.page_bodies[i] = body;
        }
        self.classification = classification.0;
        self.order = (before.order.iter())
            .map(|order| moved.kept(order, &pages))
            .collect();
        for &p in &pages {
            crate::render::reposition(&self.site, &self.config, &mut self.order, p);
        }
        self.related = crate::render::related_pages(&self.order, &self.classification);
        Some(self.reached(before, moved, pages, to_render))
    }

    /// The link tables after a move, from those `before`: the pages that went or moved
    /// (`undo`) leave them, those that came or moved (`pages`) join them, with their aliases
    /// and the terms only they name or no longer name. In a site without errors each address
    /// has one source (`address_problems` checks that beside), so what a page leaves is its
    /// own; with an error, everything is put back as it was.
    fn patch_tables(&mut self, before: &Derived, undo: &Undo, pages: &[PageId]) {
        let root = self.config.base_path();
        let mut by_source = before.pages_by_source.clone();
        let mut addresses = before.site_paths.clone();
        let left =
            (undo.edited.iter().map(|(_, page)| page)).chain(undo.removed.iter().map(|r| &r.1));
        for page in left {
            by_source.remove(&crate::markdown::link_key(&page.source));
            for address in page_addresses(page) {
                addresses.remove(&address);
            }
        }
        let terms = |named: &crate::taxonomy::NamedTerms| -> HashSet<String> {
            let slugs = named.slugs(&self.config).into_iter();
            (self.config.taxonomies.iter().zip(slugs))
                .flat_map(|(taxonomy, slugs)| {
                    slugs.into_iter().map(move |slug| {
                        address_of(crate::plan::html_path(&format!(
                            "{}/{slug}/",
                            taxonomy.name
                        )))
                    })
                })
                .collect()
        };
        let (was, now) = (terms(&undo.named_terms), terms(&self.named_terms));
        for address in was.difference(&now) {
            addresses.remove(address);
        }
        addresses.extend(now.difference(&was).cloned());
        for &p in pages {
            let page = self.site.page(p);
            let url = format!("{root}{}", page.path);
            by_source.insert(crate::markdown::link_key(&page.source), url);
            addresses.extend(page_addresses(page));
        }
        self.pages_by_source = by_source;
        self.site_paths = addresses;
        self.assets.clone_from(&before.assets);
    }

    /// The classification once pages came, went or moved: `before`'s renumbered, with the
    /// `touched` pages placed in their terms when every vocabulary is declared, else the site
    /// classified afresh; with the errors.
    fn classified_after_move(
        &self,
        before: &crate::taxonomy::Classification,
        moved: &Moved,
        touched: &[PageId],
    ) -> (crate::taxonomy::Classification, Vec<Diagnostic>) {
        let renumbered = before.renumbered(&moved.to, self.site.pages.len());
        let (classification, problems) =
            crate::taxonomy::reclassify(renumbered, &self.site, &self.config, touched)
                .unwrap_or_else(|| {
                    let mut found = crate::diagnostic::Diagnostics::new();
                    let classification =
                        crate::taxonomy::classify(&self.site, &self.config, &mut found);
                    (classification, found.into_vec())
                });
        let errors = problems.into_iter().filter(Diagnostic::is_error).collect();
        (classification, errors)
    }

    /// What the move reached, from what was derived `before` and what is derived now.
    fn reached(
        &self,
        before: &Derived,
        moved: &Moved,
        pages: Vec<PageId>,
        bodies: Vec<PageId>,
    ) -> Reached {
        let mut terms = super::terms_of(&before.classification, moved.left.iter());
        terms.extend(super::terms_of(&self.classification, pages.iter()));
        terms.sort_unstable();
        terms.dedup();
        let mut neighbours = Vec::new();
        for (order, now) in before.order.iter().zip(&self.order) {
            neighbours.extend(moved.new_neighbours(order, now));
        }
        for &p in &pages {
            let order = &self.order[self.site.page(p).section.index()];
            neighbours.extend(crate::render::neighbours(p, order));
        }
        let related = (0..self.related.len()).filter(|&p| {
            let was = moved.from[p].map(|q| moved.list(&before.related[q.index()]));
            was.as_ref() != Some(&self.related[p])
                || self.related[p].iter().any(|q| pages.contains(q))
        });
        Reached {
            vocabulary: !super::same_vocabulary(&before.classification, &self.classification),
            terms,
            neighbours,
            related: related.map(PageId::from).collect(),
            pages,
            bodies,
        }
    }

    /// The inputs a move may have changed: the pages' list, the common variables and the
    /// terms' counts, every section's order, the facets and bodies of the pages that came,
    /// went, moved or were rendered again, the terms they left or joined (every term and every
    /// page's facets when a term came or went), the neighbours and related pages that changed.
    fn candidates_after_move(&self, reached: &Reached, gone: &[PathBuf]) -> Vec<Input> {
        let source = |p: PageId| self.site.page(p).display_path.clone();
        let mut candidates = vec![Input::Common, Input::Counts, Input::Pages];
        candidates.extend((0..self.order.len()).map(|s| Input::Order(SectionId::from(s))));
        let paths = (reached.pages.iter().map(|&p| source(p))).chain(gone.iter().cloned());
        for path in paths {
            candidates.extend([Input::Meta(path.clone()), Input::Body(path)]);
        }
        candidates.extend(reached.bodies.iter().map(|&p| Input::Body(source(p))));
        if reached.vocabulary {
            candidates.extend(self.site.page_ids().map(|p| Input::Meta(source(p))));
            for (t, taxonomy) in self.classification.taxonomies.iter().enumerate() {
                let terms = taxonomy.terms.iter();
                candidates
                    .extend(terms.map(|term| Input::Term(TaxonomyId::from(t), term.slug.clone())));
            }
        } else {
            let terms = reached.terms.iter();
            candidates.extend(terms.map(|(t, slug)| Input::Term(*t, slug.clone())));
        }
        candidates.extend(
            reached
                .neighbours
                .iter()
                .map(|&p| Input::Neighbours(source(p))),
        );
        candidates.extend((reached.related.iter()).map(|&p| Input::Related(source(p))));
        candidates
    }

    /// Puts the pages and what is derived from them back as they were.
    fn restore(&mut self, undo: Undo, before: Derived) {
        for at in undo.inserted.iter().rev().map(|p| p.index()) {
            self.site.pages.remove(at);
            self.page_bodies.remove(at);
            self.page_body_hashes.remove(at);
            self.page_own_hashes.remove(at);
        }
        for (p, page, body, body_hash, own_hash) in undo.removed {
            let i = p.index();
            self.site.pages.insert(i, page);
            self.page_bodies.insert(i, body);
            self.page_body_hashes.insert(i, body_hash);
            self.page_own_hashes.insert(i, own_hash);
        }
        for (p, page) in undo.edited {
            self.site.pages[p.index()] = page;
        }
        self.classification = before.classification;
        self.order = before.order;
        self.related = before.related;
        self.pages_by_source = before.pages_by_source;
        self.assets = before.assets;
        self.site_paths = before.site_paths;
        self.named_terms = undo.named_terms;
    }
}

/// What is derived from the pages, kept to put back.
struct Derived {
    classification: crate::taxonomy::Classification,
    order: Vec<Vec<PageId>>,
    related: Vec<Vec<PageId>>,
    pages_by_source: HashMap<String, String>,
    assets: HashMap<String, String>,
    site_paths: HashSet<String>,
}

/// A move of pages under way: how to undo it, what was derived before it, where the pages
/// went.
struct Move {
    undo: Undo,
    before: Derived,
    moved: Moved,
}

/// Where the pages of the last state went.
struct Moved {
    /// Each old page's new id (`None`: the page was deleted).
    to: Vec<Option<PageId>>,
    /// Each new page's old id (`None`: a new page).
    from: Vec<Option<PageId>>,
    /// The old ids of the pages edited in place and of the deleted ones.
    left: Vec<PageId>,
}

impl Moved {
    fn new(before: usize, undo: &Undo, now: usize) -> Self {
        let removed: Vec<PageId> = undo.removed.iter().map(|r| r.0).collect();
        let edited: Vec<PageId> = undo.edited.iter().map(|e| e.0).collect();
        Self::from_lists(before, &removed, &undo.inserted, &edited, now)
    }

    /// From the old indices of the `removed` and `edited` pages and the new ones of the
    /// `inserted` pages.
    fn from_lists(
        before: usize,
        removed: &[PageId],
        inserted: &[PageId],
        edited: &[PageId],
        now: usize,
    ) -> Self {
        let removed: HashSet<PageId> = removed.iter().copied().collect();
        let inserted: HashSet<PageId> = inserted.iter().copied().collect();
        let mut slots = (0..now).map(PageId::from).filter(|i| !inserted.contains(i));
        let to: Vec<Option<PageId>> = (0..before)
            .map(|p| {
                (!removed.contains(&PageId::from(p)))
                    .then(|| slots.next())
                    .flatten()
            })
            .collect();
        let mut from = vec![None; now];
        for (p, q) in to.iter().enumerate() {
            if let Some(q) = *q {
                from[q.index()] = Some(PageId::from(p));
            }
        }
        let mut left = edited.to_vec();
        left.extend(removed);
        Self { to, from, left }
    }

    /// Old pages renumbered; a deleted page becomes a number no page has.
    fn list(&self, pages: &[PageId]) -> Vec<PageId> {
        let index = |p: PageId| self.to[p.index()].unwrap_or(PageId(u32::MAX));
        pages.iter().map(|&p| index(p)).collect()
    }

    /// An old order renumbered, without the deleted pages and the `touched` ones (to be put
    /// in their place again).
    fn kept(&self, order: &[PageId], touched: &[PageId]) -> Vec<PageId> {
        (order.iter().filter_map(|&p| self.to[p.index()]))
            .filter(|p| !touched.contains(p))
            .collect()
    }

    /// The pages of an order `now` whose page before or after differs from the `old` order's.
    fn new_neighbours(&self, old: &[PageId], now: &[PageId]) -> Vec<PageId> {
        let old = self.list(old);
        if old == now {
            return Vec::new();
        }
        let beside = |order: &[PageId], i: usize| {
            let before = i.checked_sub(1).map(|j| order[j]);
            (before, order.get(i + 1).copied())
        };
        let was: HashMap<PageId, (Option<PageId>, Option<PageId>)> =
            (0..old.len()).map(|i| (old[i], beside(&old, i))).collect();
        (0..now.len())
            .filter(|&i| was.get(&now[i]) != Some(&beside(now, i)))
            .map(|i| now[i])
            .collect()
    }
}

/// What a move of pages reached (new indices).
struct Reached {
    /// The pages that came or moved.
    pages: Vec<PageId>,
    /// The bodies rendered again (those pages', and those that may link to what went).
    bodies: Vec<PageId>,
    /// Whether a taxonomy's terms changed.
    vocabulary: bool,
    /// The terms the pages that came, went or moved left or joined.
    terms: Vec<(TaxonomyId, String)>,
    /// The pages whose neighbours may have changed.
    neighbours: Vec<PageId>,
    /// The pages whose related pages may have changed.
    related: Vec<PageId>,
}

/// The addresses a page gives links: its own and its aliases' (as the plan has them).
fn page_addresses(page: &Page) -> Vec<String> {
    let aliases = page.meta.aliases.iter();
    let mut addresses = vec![
        page.path.clone(),
        address_of(crate::plan::html_path(&page.path)),
    ];
    addresses.extend(aliases.map(|alias| address_of(crate::content::alias_output(alias))));
    addresses
}

/// The address of an output path, as the plan gives it (`a/index.html` → `a/`).
fn address_of(path: String) -> String {
    crate::plan::PlanItem {
        id: crate::plan::OutputId::NotFound,
        path,
    }
    .address()
    .to_string()
}

/// Whether `text` names one of `names`.
fn mentions(text: &str, names: &[String]) -> bool {
    names.iter().any(|name| text.contains(name.as_str()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ids(pages: &[u32]) -> Vec<PageId> {
        pages.iter().map(|&p| PageId(p)).collect()
    }

    #[test]
    fn pages_that_stay_keep_their_order_when_others_come_and_go() {
        // a b c d e; b and d deleted, two new pages first and fourth: N a c N e.
        let moved = Moved::from_lists(5, &ids(&[1, 3]), &ids(&[0, 3]), &ids(&[2]), 5);
        let some = |p| Some(PageId(p));
        assert_eq!(moved.to, [some(1), None, some(2), None, some(4)]);
        assert_eq!(moved.from, [None, some(0), some(2), None, some(4)]);
        let mut left = moved.left.clone();
        left.sort_unstable();
        assert_eq!(left, ids(&[1, 2, 3]));
        assert_eq!(moved.list(&ids(&[4, 3, 0])), ids(&[4, u32::MAX, 1]));
        // The order without the deleted pages and the page to place again.
        assert_eq!(moved.kept(&ids(&[4, 3, 2, 1, 0]), &ids(&[2])), ids(&[4, 1]));
    }

    #[test]
    fn only_pages_beside_a_change_get_new_neighbours() {
        // a b c d: the last one deleted; b's next page changed, a's did not.
        let moved = Moved::from_lists(4, &ids(&[3]), &[], &[], 3);
        let neighbours = |old: &[u32], now: &[u32]| moved.new_neighbours(&ids(old), &ids(now));
        assert_eq!(neighbours(&[0, 1, 2, 3], &[0, 1, 2]), ids(&[2]));
        // a b c: a new page between a and b.
        let moved = Moved::from_lists(3, &[], &ids(&[1]), &[], 4);
        let neighbours = |old: &[u32], now: &[u32]| moved.new_neighbours(&ids(old), &ids(now));
        assert_eq!(neighbours(&[0, 1, 2], &[0, 1, 2, 3]), ids(&[0, 1, 2]));
        assert!(neighbours(&[0], &[0]).is_empty());
    }
}
