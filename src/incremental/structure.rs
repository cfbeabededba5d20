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
use crate::diagnostic::Diagnostic;
use crate::markdown::Rendered;
use crate::pipeline::Prepared;
use crate::plan::OutputId;

/// What a change did to the list of pages, to undo it.
#[derive(Default)]
struct Undo {
    /// Pages replaced by their saved version: the index then, the old page.
    edited: Vec<(usize, Page)>,
    /// Pages taken out: the index then, the page, its body and fingerprints.
    removed: Vec<(usize, Page, Rendered, u64, u64)>,
    /// Where the new pages went (ascending).
    inserted: Vec<usize>,
}

/// The saved files sorted out.
#[derive(Default)]
struct Saves {
    edited: Vec<(usize, Page)>,
    deleted: Vec<usize>,
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
        if update.diagnostics.iter().any(Diagnostic::is_error) {
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
            .map(|&p| self.site.pages[p].display_path.clone())
            .collect();
        let undo = self.move_pages(saves);
        let before = self.derived();
        match self.derive_again(root, &touched, &named, &mut update) {
            Some(()) => {}
            None => {
                self.restore(undo, before);
                return Some(update);
            }
        }
        self.find_all_stale(&gone, &mut update);
        let now: Vec<OutputId> = touched
            .iter()
            .filter_map(|path| self.page_index(path))
            .map(|p| OutputId::Page(p.into()))
            .collect();
        update.files = self.render_ids(root, &now, &mut update.diagnostics);
        update.needs_full_build = update.diagnostics.iter().any(Diagnostic::is_error);
        for file in &update.files {
            update.stale.remove(&file.path);
        }
        Some(update)
    }

    fn page_index(&self, display_path: &Path) -> Option<usize> {
        self.site
            .pages
            .iter()
            .position(|page| page.display_path == display_path)
    }

    /// Reads the saved files: pages edited, deleted or new.
    fn sort_saves(
        &self,
        root: &Path,
        changed: &HashSet<PathBuf>,
        diagnostics: &mut Vec<Diagnostic>,
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
                let old = &self.site.pages[*p];
                page.path != old.path || page.meta.aliases != old.meta.aliases
            })
            .map(|(p, _)| *p);
        let mut names = Vec::new();
        for p in saves.deleted.iter().copied().chain(moved) {
            let page = &self.site.pages[p];
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
        let mut undo = Undo::default();
        for (p, page) in saves.edited {
            let old = std::mem::replace(&mut self.site.pages[p], page);
            undo.edited.push((p, old));
        }
        let mut deleted = saves.deleted;
        deleted.sort_unstable();
        for &p in deleted.iter().rev() {
            undo.removed.push((
                p,
                self.site.pages.remove(p),
                self.page_bodies.remove(p),
                self.page_body_hashes.remove(p),
                self.page_own_hashes.remove(p),
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
            for earlier in &mut undo.inserted {
                if *earlier >= at {
                    *earlier += 1;
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
    /// terms, the order and the related pages, from the pages as they now are; `None` on an
    /// error (in `update`).
    fn derive_again(
        &mut self,
        root: &Path,
        touched: &[PathBuf],
        named: &[String],
        update: &mut Update,
    ) -> Option<()> {
        let tables = crate::pipeline::site_tables(root, &self.site, &self.config);
        update.diagnostics.extend(tables.diagnostics);
        self.pages_by_source = tables.pages_by_source;
        self.assets = tables.assets;
        self.site_paths = tables.site_paths;
        let touched: HashSet<&Path> = touched.iter().map(PathBuf::as_path).collect();
        let to_render: Vec<usize> = (0..self.site.pages.len())
            .filter(|&p| {
                let page = &self.site.pages[p];
                touched.contains(page.display_path.as_path()) || mentions(&page.body, named)
            })
            .collect();
        let links = self.links();
        let bodies: Vec<(usize, Rendered)> = to_render
            .iter()
            .map(|&p| (p, crate::pipeline::render_body(&self.site.pages[p], &links)))
            .collect();
        for (_, body) in &bodies {
            update.diagnostics.extend(body.diagnostics.iter().cloned());
        }
        update.bodies = bodies.len();
        let (classification, terms) = crate::taxonomy::classify(&self.site, &self.config);
        update
            .diagnostics
            .extend(terms.into_iter().filter(Diagnostic::is_error));
        crate::pipeline::add_source_lines(root, &mut update.diagnostics);
        crate::diagnostic::sort(&mut update.diagnostics);
        if update.diagnostics.iter().any(Diagnostic::is_error) {
            return None;
        }
        for (p, body) in bodies {
            self.page_body_hashes[p] = crate::deps::body_hash(&body);
            self.page_own_hashes[p] = crate::deps::own_hash(&self.site.pages[p], &body);
            self.page_bodies[p] = body;
        }
        self.classification = classification;
        self.order = crate::render::section_order(&self.site, &self.config);
        self.related = crate::render::related_pages(&self.order, &self.classification);
        Some(())
    }

    /// Puts the pages and what is derived from them back as they were.
    fn restore(&mut self, undo: Undo, before: Derived) {
        for &at in undo.inserted.iter().rev() {
            self.site.pages.remove(at);
            self.page_bodies.remove(at);
            self.page_body_hashes.remove(at);
            self.page_own_hashes.remove(at);
        }
        for (p, page, body, body_hash, own_hash) in undo.removed {
            self.site.pages.insert(p, page);
            self.page_bodies.insert(p, body);
            self.page_body_hashes.insert(p, body_hash);
            self.page_own_hashes.insert(p, own_hash);
        }
        for (p, page) in undo.edited {
            self.site.pages[p] = page;
        }
        self.classification = before.classification;
        self.order = before.order;
        self.related = before.related;
        self.pages_by_source = before.pages_by_source;
        self.assets = before.assets;
        self.site_paths = before.site_paths;
    }

    /// Every input of every output is a candidate; the outputs the plan no longer has are
    /// removed, those it never rendered are stale.
    fn find_all_stale(&mut self, gone: &[PathBuf], update: &mut Update) {
        let mut candidates = vec![Input::Common, Input::Pages];
        candidates.extend((0..self.order.len()).map(Input::Order));
        let pages = self.site.pages.iter().map(|page| &page.display_path);
        for path in pages.chain(gone) {
            candidates.extend([
                Input::Meta(path.clone()),
                Input::Body(path.clone()),
                Input::Neighbours(path.clone()),
                Input::Related(path.clone()),
            ]);
        }
        for (t, taxonomy) in self.classification.taxonomies.iter().enumerate() {
            let terms = taxonomy.terms.iter();
            candidates.extend(terms.map(|term| Input::Term(t, term.slug.clone())));
        }
        self.mark_stale(candidates, true, update);
    }
}

/// What is derived from the pages, kept to put back.
struct Derived {
    classification: crate::taxonomy::Classification,
    order: Vec<Vec<usize>>,
    related: Vec<Vec<usize>>,
    pages_by_source: HashMap<String, String>,
    assets: HashMap<String, String>,
    site_paths: HashSet<String>,
}

/// Whether `text` names one of `names`.
fn mentions(text: &str, names: &[String]) -> bool {
    names.iter().any(|name| text.contains(name.as_str()))
}
