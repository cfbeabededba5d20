//! The read-only context every renderer shares, built once per render.
//!
//! Steps of [`Shared::new`]:
//! 1. each page's summary (as listings show it), serialised once; a partial render leaves the
//!    pages it does not show blank, so that 10 000 pages cost nothing;
//! 2. the taxonomies with their terms and counts, and the menu;
//! 3. the template variables every page has (`config`, `root`, `taxonomies`, `menu`,
//!    `build_date`);
//! 4. each shown page's card, rendered once by the theme's `card.html`.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use indexmap::IndexMap;
use rayon::prelude::*;
use tera::Tera;

use super::{
    run_length, summary_html, tera_message, Cards, ConfigContext, Link, PageSummary, RenderInput,
    SectionRef, TaxonomyContext, TermContext, TermRef, CARD_TEMPLATE,
};
use crate::deps::Input;
use crate::diagnostic::Diagnostic;
use crate::ids::{PageId, SectionId};
use crate::plan::OutputId;

/// What every renderer reads.
pub(super) struct Shared<'a> {
    pub(super) tera: &'a Tera,
    pub(super) input: &'a RenderInput<'a>,
    /// The base path of `base_url`, e.g. `/guide/`.
    pub(super) base: String,
    /// Scheme and host of `base_url`.
    origin: String,
    /// Each page's summary (blank for pages a partial render does not show).
    pub(super) summaries: Vec<PageSummary<'a>>,
    /// Each page's summary as a template value and how many listings of the render have yet
    /// to show it ([`Shared::listed`]).
    summary_values: Vec<std::sync::Mutex<Listed>>,
    /// The taxonomies, as templates see them.
    pub(super) taxonomies: Vec<TaxonomyContext<'a>>,
    /// The variables every template has.
    pub(super) common: tera::Context,
    /// The templates that may show a term's page count.
    pub(super) count_readers: crate::theme::counts::CountReaders,
    /// Whether the theme's cards may show a term's page count: then every output that shows a
    /// card does.
    pub(super) cards_show_counts: bool,
    /// The theme's templates folder, for messages.
    pub(super) templates_dir: PathBuf,
    /// Each page's position in its section's order, for its neighbours.
    pub(super) positions: Vec<usize>,
}

/// A page's summary as a template value, while listings still show it.
#[derive(Debug, Default)]
pub(super) struct Listed {
    value: Option<serde_json::Value>,
    /// How many listings of the render have yet to show it.
    uses: u32,
}

/// Each page's position in its section's order, computed once rather than searched per page
/// (a section of 10 000 pages made that quadratic).
fn positions_in_sections(input: &RenderInput<'_>) -> Vec<usize> {
    let mut positions = vec![0; input.site.pages.len()];
    for order in input.order {
        for (i, &p) in order.iter().enumerate() {
            positions[p.index()] = i;
        }
    }
    positions
}

impl<'a> Shared<'a> {
    /// Builds the shared context; `shown` limits the summaries to those pages.
    pub(super) fn new(
        tera: &'a Tera,
        input: &'a RenderInput<'a>,
        shown: Option<&BTreeSet<PageId>>,
    ) -> Result<Self, Vec<Diagnostic>> {
        let mut shared = Self::bare(tera, input);
        shared.summaries = shared.page_summaries(shown);
        shared.taxonomies = shared.taxonomy_contexts();
        shared.common = shared.common_context();
        if tera.get_template(CARD_TEMPLATE).is_ok() {
            shared.cards_show_counts = shared.count_readers.may_read(CARD_TEMPLATE);
            shared.add_cards(shown)?;
        }
        shared.summary_values = (shared.summaries.iter())
            .map(|_| Default::default())
            .collect();
        Ok(shared)
    }

    /// The shared context of the search records of the pages `wanted` names: their summaries
    /// only, without cards, taxonomies nor common variables (`build` with its cache makes the
    /// records before the rest of its render: [`crate::render::search_records`]).
    pub(super) fn for_records(
        tera: &'a Tera,
        input: &'a RenderInput<'a>,
        wanted: &BTreeSet<PageId>,
    ) -> Self {
        let mut shared = Self::bare(tera, input);
        shared.summaries = shared.page_summaries(Some(wanted));
        shared
    }

    /// The context before any summary, taxonomy, common variable or card is made.
    fn bare(tera: &'a Tera, input: &'a RenderInput<'a>) -> Self {
        let config = input.config;
        Self {
            tera,
            input,
            base: config.base_path(),
            origin: config.origin(),
            summaries: Vec::new(),
            summary_values: Vec::new(),
            taxonomies: Vec::new(),
            common: tera::Context::new(),
            count_readers: crate::theme::counts::CountReaders::of(tera),
            cards_show_counts: false,
            templates_dir: Path::new("themes").join(&config.theme).join("templates"),
            positions: positions_in_sections(input),
        }
    }

    /// Makes, on every core, the template value of each page the listings among `ids` show,
    /// and counts how many of them show it (see [`Shared::listed`]).
    pub(super) fn prepare_listings(&mut self, ids: &[OutputId]) {
        let mut uses = vec![0u32; self.summaries.len()];
        for pages in ids.iter().flat_map(|&id| self.listings_of(id)) {
            pages.iter().for_each(|p| uses[p.index()] += 1);
        }
        let summaries = &self.summaries;
        self.summary_values = (uses.into_par_iter().enumerate())
            .map(|(p, uses)| {
                let value =
                    (uses > 0).then(|| serde_json::to_value(&summaries[p]).unwrap_or_default());
                std::sync::Mutex::new(Listed { value, uses })
            })
            .collect();
    }

    /// The lists of pages the listing `id` shows, as its renderer lists them: a section's own
    /// pages then each subsection's, a term's pages; none for other outputs.
    pub(super) fn listings_of(&self, id: OutputId) -> Vec<&'a [PageId]> {
        let input = self.input;
        match id {
            OutputId::Section(s) => std::iter::once(s)
                .chain(input.site.subsections(s))
                .map(|listed| input.order[listed.index()].as_slice())
                .collect(),
            OutputId::Term(term) => {
                let taxonomy = &input.classification.taxonomies[term.taxonomy.index()];
                vec![taxonomy.terms[term.index as usize].pages.as_slice()]
            }
            _ => Vec::new(),
        }
    }

    /// `pages` as a listing gives them to its template: a list of their summaries, each made a
    /// template value once per render ([`Shared::prepare_listings`]) and taken by the listing
    /// that shows it, which gives it back once rendered ([`Shared::give_back`]) for the next
    /// one; a listing that finds it taken (by a listing rendering on another core) makes its
    /// own. (A site of 10 000 pages lists each page in several listings: copying those values
    /// was most of a listing's cost.)
    pub(super) fn listed(&self, pages: impl Iterator<Item = PageId>) -> serde_json::Value {
        let value = |p: PageId| {
            let mut listed =
                (self.summary_values[p.index()].lock()).unwrap_or_else(|e| e.into_inner());
            listed.uses = listed.uses.saturating_sub(1);
            let taken = listed.value.take();
            drop(listed);
            taken.unwrap_or_else(|| {
                serde_json::to_value(&self.summaries[p.index()]).unwrap_or_default()
            })
        };
        serde_json::Value::Array(pages.map(value).collect())
    }

    /// Gives back the values of `pages` a listing has shown (`list`, as [`Shared::listed`]
    /// made it: templates do not change their context), for the listings yet to show them.
    pub(super) fn give_back(&self, pages: &[PageId], list: serde_json::Value) {
        let serde_json::Value::Array(values) = list else {
            return;
        };
        for (p, value) in pages.iter().zip(values) {
            let mut listed =
                (self.summary_values[p.index()].lock()).unwrap_or_else(|e| e.into_inner());
            if listed.uses > 0 && listed.value.is_none() {
                listed.value = Some(value);
            }
        }
    }

    /// The URL path of an output path relative to the site (`projets/a/` → `/guide/projets/a/`).
    pub(super) fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    /// The absolute URL of an output path relative to the site.
    pub(super) fn permalink(&self, path: &str) -> String {
        format!("{}{}{path}", self.origin, self.base)
    }

    fn page_summaries(&self, shown: Option<&BTreeSet<PageId>>) -> Vec<PageSummary<'a>> {
        let input = self.input;
        input
            .site
            .pages
            .iter()
            .enumerate()
            .map(|(p, page)| {
                if shown.is_some_and(|shown| !shown.contains(&PageId::from(p))) {
                    return PageSummary::blank(page);
                }
                PageSummary {
                    title: &page.meta.title,
                    url: self.url(&page.path),
                    permalink: self.permalink(&page.path),
                    date: page.meta.date.as_deref(),
                    updated: page.meta.updated.as_deref(),
                    edition: page.meta.edition_of(input.config),
                    summary: summary_html(page, &input.pages[p], &input.config.language),
                    weight: page.meta.weight,
                    section: &input.site.sections[page.section.index()].name,
                    taxonomies: self.term_refs(PageId::from(p)),
                    fields: &page.meta.fields,
                    extra: &page.meta.extra,
                    card: None,
                }
            })
            .collect()
    }

    /// The terms of page `p`, per taxonomy.
    fn term_refs(&self, p: PageId) -> IndexMap<&'a str, Vec<TermRef>> {
        let classification = self.input.classification;
        let mut taxonomies = IndexMap::new();
        for (t, taxonomy) in classification.taxonomies.iter().enumerate() {
            let refs: Vec<TermRef> = classification.page_terms[p.index()][t]
                .iter()
                .map(|&i| {
                    let term = &taxonomy.terms[i];
                    TermRef {
                        slug: term.slug.clone(),
                        title: term.title.clone(),
                        url: self.url(&format!("{}/{}/", taxonomy.name, term.slug)),
                        rank: i + 1,
                        total: taxonomy.terms.len(),
                    }
                })
                .collect();
            taxonomies.insert(taxonomy.name.as_str(), refs);
        }
        taxonomies
    }

    fn taxonomy_contexts(&self) -> Vec<TaxonomyContext<'a>> {
        let input = self.input;
        input
            .config
            .taxonomies
            .iter()
            .zip(&input.classification.taxonomies)
            .map(|(tc, taxonomy)| TaxonomyContext {
                name: &tc.name,
                title: &tc.title,
                description: &tc.description,
                url: self.url(&format!("{}/", tc.name)),
                single: tc.single,
                ordered: tc.ordered,
                terms: taxonomy
                    .terms
                    .iter()
                    .enumerate()
                    .map(|(i, term)| TermContext {
                        slug: &term.slug,
                        title: &term.title,
                        description: &term.description,
                        url: self.url(&format!("{}/{}/", tc.name, term.slug)),
                        rank: i + 1,
                        count: term.pages.len(),
                    })
                    .collect(),
            })
            .collect()
    }

    /// The home's subsections and pages, by weight then title.
    fn menu(&self) -> Vec<Link> {
        let site = self.input.site;
        let mut menu: Vec<(i64, String, Link)> = Vec::new();
        for section in site
            .sections
            .iter()
            .skip(1)
            .filter(|s| s.parent == Some(SectionId::HOME))
        {
            menu.push((
                section.index.meta.weight,
                section.index.meta.title.clone(),
                Link {
                    title: section.index.meta.title.clone(),
                    url: self.url(&section.index.path),
                },
            ));
        }
        for &p in &self.input.order[0] {
            let page = &site.pages[p.index()];
            menu.push((
                page.meta.weight,
                page.meta.title.clone(),
                Link {
                    title: page.meta.title.clone(),
                    url: self.url(&page.path),
                },
            ));
        }
        menu.sort_by(|a, b| {
            a.0.cmp(&b.0)
                .then_with(|| crate::slug::slugify(&a.1).cmp(&crate::slug::slugify(&b.1)))
        });
        menu.into_iter().map(|(_, _, link)| link).collect()
    }

    fn common_context(&self) -> tera::Context {
        let config = self.input.config;
        let mut common = tera::Context::new();
        common.insert(
            "config",
            &ConfigContext {
                title: &config.title,
                description: &config.description,
                language: &config.language,
                base_url: &config.base_url,
                extra: &config.extra,
                feed_url: config.feed.as_ref().map(|_| self.url("atom.xml")),
                edition: config.edition.as_ref(),
                open_data_url: config
                    .reader
                    .open_data
                    .as_ref()
                    .and_then(|open| open.page.as_deref())
                    .map(|page| self.url(&crate::plan::feature_path(page))),
                pdf: config
                    .reader
                    .print
                    .as_ref()
                    .and_then(|print| print.published.as_ref())
                    .map(|pdf| crate::edition_pdf::PdfContext {
                        url: self.url(&pdf.to),
                        size: super::size_fr(usize::try_from(pdf.bytes).unwrap_or(usize::MAX)),
                        pages: pdf.pages,
                    }),
            },
        );
        common.insert("root", &self.base);
        common.insert("taxonomies", &self.taxonomies);
        common.insert("menu", &self.menu());
        common.insert("build_date", self.input.build_date);
        // Whether the page shows highlighted code (and so loads highlight.css): false but for
        // pages and sections whose body has some, and a printed edition that prints one.
        common.insert("highlighted_code", &false);
        common
    }

    /// Listings show the same page many times (its section, each of its terms, related
    /// pages): the theme's `card.html` renders each page's card once instead.
    fn add_cards(&mut self, shown: Option<&BTreeSet<PageId>>) -> Result<(), Vec<Diagnostic>> {
        let (tera, common, known) = (self.tera, &self.common, self.input.known_cards);
        let cards: Vec<Result<Option<Cards>, tera::Error>> = self
            .summaries
            .par_iter()
            .enumerate()
            .with_min_len(run_length(self.summaries.len()))
            .map_init(
                || common.clone(),
                |context, (p, summary)| {
                    if shown.is_some_and(|shown| !shown.contains(&PageId::from(p))) {
                        return Ok(None);
                    }
                    if let Some(Some(card)) = known.and_then(|known| known.get(p)) {
                        return Ok(Some(card.clone()));
                    }
                    context.insert("p", summary);
                    context.insert("h", &2);
                    let h2 = tera.render(CARD_TEMPLATE, context)?.trim_end().to_string();
                    context.insert("h", &3);
                    let h3 = tera.render(CARD_TEMPLATE, context)?.trim_end().to_string();
                    Ok(Some(Cards {
                        h2: h2.into(),
                        h3: h3.into(),
                    }))
                },
            )
            .collect();
        for (summary, card) in self.summaries.iter_mut().zip(cards) {
            match card {
                Ok(card) => summary.card = card,
                Err(e) => {
                    return Err(vec![Diagnostic::error(format!(
                        "le gabarit « {CARD_TEMPLATE} » a échoué pour « {} » : {}",
                        summary.title,
                        tera_message(&e)
                    ))
                    .in_file(self.templates_dir.join(CARD_TEMPLATE))]);
                }
            }
        }
        Ok(())
    }

    /// The cards of the pages shown, by page.
    pub(super) fn cards(&self) -> Vec<(PageId, Cards)> {
        (self.summaries.iter().enumerate())
            .filter_map(|(p, summary)| Some((PageId::from(p), summary.card.clone()?)))
            .collect()
    }

    /// The trail from the home to section `s`, both included.
    pub(super) fn breadcrumbs(&self, mut s: SectionId) -> Vec<Link> {
        let site = self.input.site;
        let mut trail = Vec::new();
        loop {
            let section = site.section(s);
            trail.push(Link {
                title: section.index.meta.title.clone(),
                url: self.url(&section.index.path),
            });
            match section.parent {
                Some(parent) => s = parent,
                None => break,
            }
        }
        trail.reverse();
        trail
    }

    /// Section `s` as a page's `section` variable.
    pub(super) fn section_ref(&self, s: SectionId) -> SectionRef {
        let section = self.input.site.section(s);
        SectionRef {
            title: section.index.meta.title.clone(),
            url: self.url(&section.index.path),
            name: section.name.clone(),
        }
    }

    /// The input of page `p`'s listing facets.
    pub(super) fn meta_of_page(&self, p: PageId) -> Input {
        Input::Meta(self.input.site.pages[p.index()].display_path.clone())
    }

    /// The input of section `s`'s listing facets.
    pub(super) fn meta_of_section(&self, s: SectionId) -> Input {
        Input::Meta(self.input.site.section(s).index.display_path.clone())
    }

    /// The inputs of [`Shared::breadcrumbs`] to section `s`, and of the section itself.
    pub(super) fn meta_of_trail(&self, mut s: SectionId) -> Vec<Input> {
        let mut trail = vec![self.meta_of_section(s)];
        while let Some(parent) = self.input.site.section(s).parent {
            trail.push(self.meta_of_section(parent));
            s = parent;
        }
        trail
    }

    /// `current_kind`, `current_url`, `current_permalink` and `breadcrumbs` of the page at
    /// `path`. The kind lets a template tell outputs apart without testing `x is defined`,
    /// which in Tera copies the whole value it finds (a page with its body, a listing with
    /// every page).
    pub(super) fn locate(
        &self,
        context: &mut tera::Context,
        kind: &str,
        path: &str,
        breadcrumbs: &[Link],
    ) {
        context.insert("current_kind", kind);
        context.insert("breadcrumbs", breadcrumbs);
        context.insert("current_url", &self.url(path));
        context.insert("current_permalink", &self.permalink(path));
    }

    /// A rendered HTML page, typeset ([`crate::typography::typeset_html`]: the one place
    /// where French typography is applied to pages), its bytes dropped when the render only
    /// checks, or given to the [`super::FileSink`] when there is one.
    pub(super) fn file(
        &self,
        path: String,
        contents: Vec<u8>,
        origin: PathBuf,
    ) -> super::OutputFile {
        let contents = if self.input.keep_contents {
            let typeset = typeset_page(contents, &self.input.config.language);
            match self.input.sink {
                Some(sink) if sink.put(&path, &typeset).is_ok() => Vec::new(),
                _ => typeset,
            }
        } else {
            Vec::new()
        };
        super::OutputFile {
            path,
            contents,
            origin,
        }
    }
}

/// A page's bytes, typeset when the site is French; bytes that are not UTF-8 are left as
/// they are.
pub(super) fn typeset_page(contents: Vec<u8>, language: &str) -> Vec<u8> {
    if !crate::typography::is_french(language) {
        return contents;
    }
    match String::from_utf8(contents) {
        Ok(html) => crate::typography::typeset_html(&html).into_bytes(),
        Err(e) => e.into_bytes(),
    }
}
