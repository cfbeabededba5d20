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
//! 4. render the saved pages' own outputs at once; the other stale outputs are rendered when
//!    they are asked for ([`Prepared::render_outputs`]).
//!
//! Anything else (a new, deleted or moved page, a section, the config, a template, a static
//! file) takes a full build, which records every output's inputs afresh
//! ([`Prepared::record`]). Errors leave the state as it was.

use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};

use crate::deps::{Fingerprints, Input};
use crate::diagnostic::Diagnostic;
use crate::pipeline::Prepared;
use crate::plan::{OutputId, Plan};
use crate::render::OutputFile;

/// What a save changed in the outputs.
#[derive(Debug, Default)]
pub struct Update {
    /// Problems found (with an error, nothing changed).
    pub diagnostics: Vec<Diagnostic>,
    /// The saved pages' outputs, rendered at once.
    pub files: Vec<OutputFile>,
    /// Output paths out of date, to render when asked for.
    pub stale: HashSet<String>,
    /// Output paths the site no longer has.
    pub removed: Vec<String>,
    /// How many bodies were rendered.
    pub bodies: usize,
}

impl Prepared {
    /// Keeps what each output read, with the fingerprints of the current state.
    pub fn record(&mut self, reads: Vec<(String, Vec<Input>)>) {
        let mut fingerprints = Fingerprints::new(self.deps_state());
        let recorded: Vec<(String, crate::deps::Recorded)> = reads
            .into_iter()
            .map(|(path, inputs)| (path, fingerprints.record(inputs)))
            .collect();
        self.recorded.extend(recorded);
    }

    fn deps_state(&self) -> crate::deps::State<'_> {
        crate::deps::State {
            site: &self.site,
            page_bodies: &self.page_bodies,
            section_bodies: &self.section_bodies,
            classification: &self.classification,
            order: &self.order,
            related: &self.related,
        }
    }

    /// The plan of the current state.
    fn plan(&self) -> Plan {
        let terms: Vec<Vec<String>> = self
            .classification
            .taxonomies
            .iter()
            .map(|t| t.terms.iter().map(|term| term.slug.clone()).collect())
            .collect();
        Plan::new(&self.site, &self.config, &terms)
    }

    /// The change path for saved pages (paths for messages, e.g. `content/projets/a.md`).
    /// `None` when the change needs a full build: a file that is not a known page, a page
    /// whose address or aliases changed.
    pub fn update_pages(&mut self, root: &Path, changed: &HashSet<PathBuf>) -> Option<Update> {
        let mut update = Update::default();
        let mut pages = Vec::new();
        for relative in changed {
            let p = self
                .site
                .pages
                .iter()
                .position(|page| page.display_path == *relative)?;
            let (page, diagnostics) =
                crate::content::reload_page(root, &self.config, &self.site, p);
            update.diagnostics.extend(diagnostics);
            let Some(page) = page else { continue };
            let old = &self.site.pages[p];
            if page.path != old.path || page.meta.aliases != old.meta.aliases {
                return None;
            }
            pages.push((p, page));
        }
        if update.diagnostics.iter().any(Diagnostic::is_error) {
            return Some(update);
        }
        update.bodies = pages.len();
        let saved: Vec<usize> = pages.iter().map(|(p, _)| *p).collect();
        if !self.put_in_place(root, pages, &mut update.diagnostics) {
            return Some(update);
        }
        self.find_stale(&mut update);
        let now: Vec<OutputId> = saved.iter().map(|&p| OutputId::Page(p.into())).collect();
        update.files = self.render_ids(root, &now, &mut update.diagnostics);
        for file in &update.files {
            update.stale.remove(&file.path);
        }
        Some(update)
    }

    /// Renders the saved pages' bodies, puts them in place and derives the terms, the order
    /// and the related pages again; on an error, leaves everything as it was.
    fn put_in_place(
        &mut self,
        root: &Path,
        pages: Vec<(usize, crate::content::Page)>,
        diagnostics: &mut Vec<Diagnostic>,
    ) -> bool {
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
        for (p, page, body) in rendered {
            let old_page = std::mem::replace(&mut self.site.pages[p], page);
            let old_body = std::mem::replace(&mut self.page_bodies[p], body);
            previous.push((p, old_page, old_body));
        }
        let (classification, terms) = crate::taxonomy::classify(&self.site, &self.config);
        diagnostics.extend(terms.into_iter().filter(Diagnostic::is_error));
        crate::pipeline::add_source_lines(root, diagnostics);
        crate::diagnostic::sort(diagnostics);
        if diagnostics.iter().any(Diagnostic::is_error) {
            for (p, page, body) in previous {
                self.site.pages[p] = page;
                self.page_bodies[p] = body;
            }
            return false;
        }
        self.classification = classification;
        for (p, _, _) in &previous {
            crate::render::reposition(&self.site, &self.config, &mut self.order, *p);
        }
        self.related = crate::render::related_pages(&self.order, &self.classification);
        true
    }

    /// Marks the outputs whose recorded inputs changed, or that the plan now has and were
    /// never rendered, as stale; the outputs the plan no longer has as removed.
    fn find_stale(&mut self, update: &mut Update) {
        let plan = self.plan();
        let planned: HashSet<&str> = plan.items.iter().map(|i| i.path.as_str()).collect();
        let mut fingerprints = Fingerprints::new(self.deps_state());
        for (path, recorded) in &self.recorded {
            if !planned.contains(path.as_str()) {
                update.removed.push(path.clone());
            } else if fingerprints.changed(recorded) {
                update.stale.insert(path.clone());
            }
        }
        for item in &plan.items {
            if !self.recorded.contains_key(&item.path) {
                update.stale.insert(item.path.clone());
            }
        }
        for path in &update.removed {
            self.recorded.remove(path);
        }
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
        let mut diagnostics = Vec::new();
        let files = self.render_ids(root, &ids, &mut diagnostics);
        (files, diagnostics)
    }

    fn render_ids(
        &mut self,
        root: &Path,
        ids: &[OutputId],
        diagnostics: &mut Vec<Diagnostic>,
    ) -> Vec<OutputFile> {
        if ids.is_empty() {
            return Vec::new();
        }
        let output = crate::render::render_site(
            &self.tera,
            &self.render_input(root, crate::render::Scope::Items(ids)),
        );
        diagnostics.extend(output.diagnostics);
        let reads: HashMap<String, Vec<Input>> = output.reads.into_iter().collect();
        self.record(reads.into_iter().collect());
        output.files
    }
}
