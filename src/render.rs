//! Rendering: Tera templates over plain context structs, and the generated files.
//!
//! Steps:
//! 1. load the theme's templates once (a syntax error names the template and line);
//! 2. serialise each page's summary once, then build the context of every page, section,
//!    taxonomy and term page (see `docs/templates.md`);
//! 3. render them in parallel (rayon) into [`OutputFile`]s, with `sitemap.xml`, `atom.xml`,
//!    `robots.txt`, alias redirects and `highlight.css`.
//!
//! Nothing here touches the disk but reading templates; the `output` stage writes.

mod generated;
mod reader;
mod shared;
mod templated;

use std::collections::{BTreeSet, HashMap};
use std::path::Path;

use indexmap::IndexMap;
use serde::Serialize;
use serde_json::{Map, Value};
use tera::Tera;

use crate::config::SiteConfig;
use crate::content::{Page, Site};
use crate::diagnostic::{Diagnostic, Diagnostics};
use crate::markdown::{Rendered, TocEntry};
use crate::plan::{OutputId, PageId, SectionId};
use crate::taxonomy::{compare_pages, Classification};

pub use crate::files::{CopyFile, OutputFile};
pub use reader::search_record_inputs;

/// Where a render puts each page as soon as it is typeset (`build`: the staging folder), so
/// that a build does not hold every rendered page until the end. A page the sink takes is
/// returned without its bytes; one it refuses keeps them, to be written (and its error
/// reported) with the other files.
pub trait FileSink: Sync + std::fmt::Debug {
    /// Stores `contents` at `path`, relative with `/` separators.
    fn put(&self, path: &str, contents: &[u8]) -> Result<(), Box<Diagnostic>>;
}

/// The optional template of a page's card in listings.
pub const CARD_TEMPLATE: &str = "card.html";

/// Templates every theme must have.
pub const REQUIRED_TEMPLATES: [&str; 7] = [
    "base.html",
    "index.html",
    "section.html",
    "page.html",
    "taxonomy_list.html",
    "taxonomy_term.html",
    "404.html",
];

/// `config` in templates.
#[derive(Debug, Serialize)]
struct ConfigContext<'a> {
    title: &'a str,
    description: &'a str,
    language: &'a str,
    base_url: &'a str,
    extra: &'a Map<String, Value>,
    feed_url: Option<String>,
    /// The current edition (`name`, `date`, `version`), if `guide.yaml` declares one.
    edition: Option<&'a crate::config::EditionConfig>,
    /// The open data page's URL (`reader.open_data.page`), if there is one.
    open_data_url: Option<String>,
    /// The published PDF of the printed edition, if the build publishes one.
    pdf: Option<crate::edition_pdf::PdfContext>,
}

/// A title and a URL.
#[derive(Debug, Clone, Serialize)]
pub struct Link {
    /// Shown text.
    pub title: String,
    /// URL path.
    pub url: String,
}

#[derive(Debug, Clone, Serialize)]
struct SectionRef {
    title: String,
    url: String,
    name: String,
}

#[derive(Debug, Clone, Serialize)]
struct TermRef {
    slug: String,
    title: String,
    url: String,
    rank: usize,
    total: usize,
}

/// A page as listings show it.
#[derive(Debug, Clone, Serialize)]
struct PageSummary<'a> {
    title: &'a str,
    url: String,
    permalink: String,
    /// Its own `date`, only when known (no day is made up from the edition).
    date: Option<&'a str>,
    updated: Option<&'a str>,
    /// The edition it was published in: its `edition`, or else the current one.
    edition: Option<&'a str>,
    summary: String,
    weight: i64,
    section: &'a str,
    taxonomies: IndexMap<&'a str, Vec<TermRef>>,
    fields: &'a Map<String, Value>,
    extra: &'a Map<String, Value>,
    /// The page's card, rendered once by the theme's `card.html` (see `docs/templates.md`).
    #[serde(skip_serializing_if = "Option::is_none")]
    card: Option<Cards>,
}

pub use crate::cards::Cards;

#[derive(Debug, Serialize)]
struct PageContext<'a> {
    #[serde(flatten)]
    summary: &'a PageSummary<'a>,
    content: &'a str,
    toc: &'a [TocEntry],
    word_count: usize,
    reading_time: usize,
    previous: Option<&'a PageSummary<'a>>,
    next: Option<&'a PageSummary<'a>>,
    related: Vec<&'a PageSummary<'a>>,
    source: String,
}

#[derive(Debug, Serialize)]
struct SectionContext<'a> {
    title: &'a str,
    url: String,
    permalink: String,
    name: &'a str,
    content: &'a str,
    summary: String,
    toc: &'a [TocEntry],
    extra: &'a Map<String, Value>,
    subsections: Vec<SubsectionContext>,
}

/// A subsection as its parent's page shows it: with its pages (added to its value, as those of
/// a section: `Shared::listed`), so that the home can show the first case studies.
#[derive(Debug, Serialize)]
struct SubsectionContext {
    title: String,
    url: String,
    name: String,
}

#[derive(Debug, Clone, Serialize)]
struct TermContext<'a> {
    slug: &'a str,
    title: &'a str,
    description: &'a str,
    url: String,
    rank: usize,
    count: usize,
}

#[derive(Debug, Clone, Serialize)]
struct TaxonomyContext<'a> {
    name: &'a str,
    title: &'a str,
    description: &'a str,
    url: String,
    single: bool,
    ordered: bool,
    terms: Vec<TermContext<'a>>,
}

/// Everything the render stage needs.
#[derive(Debug)]
pub struct RenderInput<'a> {
    /// Site root (to find the theme).
    pub root: &'a Path,
    /// The config.
    pub config: &'a SiteConfig,
    /// The content.
    pub site: &'a Site,
    /// Pages' terms.
    pub classification: &'a Classification,
    /// Rendered bodies of `site.pages`.
    pub pages: &'a [Rendered],
    /// Rendered bodies of `site.sections`.
    pub sections: &'a [Rendered],
    /// Today, `YYYY-MM-DD`.
    pub build_date: &'a str,
    /// Pages of each section, in the section's order (from [`section_order`]).
    pub order: &'a [Vec<PageId>],
    /// Related pages of each page (from [`related_pages`]).
    pub related: &'a [Vec<PageId>],
    /// Cards an earlier build rendered, by page, for the pages whose card would be the same
    /// (`build` with its cache: [`crate::warm`]); the others are rendered.
    pub known_cards: Option<&'a [Option<Cards>]>,
    /// The pages whose search records to prepare, by page index (`build` with its cache
    /// makes those of the parts of the index it builds again); `None`: no records.
    pub search_records: Option<&'a [bool]>,
    /// Where to send the search records as soon as they are made, before the pages render
    /// (`build` indexes them meanwhile); without it they are in [`RenderOutput`].
    pub records_to: Option<&'a std::sync::mpsc::Sender<Records>>,
    /// Whether to keep the rendered bytes: `check` renders every template to find its errors,
    /// then drops the result (the files keep their paths, for the duplicate check).
    pub keep_contents: bool,
    /// Where pages go as soon as they are rendered; without it they are in [`RenderOutput`].
    pub sink: Option<&'a dyn FileSink>,
    /// What to render.
    pub scope: Scope<'a>,
}

/// What a render produces: the whole site, or some outputs of its plan (`serve`).
#[derive(Debug, Clone, Copy)]
pub enum Scope<'a> {
    /// Every file, and the copies.
    All,
    /// These outputs only.
    Items(&'a [OutputId]),
    /// These outputs and the copies (`build` with a cache: the other files are reused).
    Warm(&'a [OutputId]),
}

/// Search records, each with its page.
pub type Records = Vec<(PageId, crate::search::SearchRecord)>;

/// What the render stage produced.
#[derive(Debug, Default)]
pub struct RenderOutput {
    /// Files to write.
    pub files: Vec<OutputFile>,
    /// Files to copy.
    pub copies: Vec<CopyFile>,
    /// The pages to index for search.
    pub search_records: Records,
    /// What each rendered file read (by output path), for [`crate::deps`].
    pub reads: Vec<(String, Vec<crate::deps::Input>)>,
    /// The cards of the pages shown, rendered or known.
    pub cards: Vec<(PageId, Cards)>,
}

impl RenderOutput {
    /// Adds a rendered file and what it read.
    fn push(&mut self, file: OutputFile, reads: Vec<crate::deps::Input>) {
        self.reads.push((file.path.clone(), reads));
        self.files.push(file);
    }

    /// Adds what `other` holds after what this one holds.
    fn append(&mut self, mut other: Self) {
        self.files.append(&mut other.files);
        self.copies.append(&mut other.copies);
        self.search_records.append(&mut other.search_records);
        self.reads.append(&mut other.reads);
        self.cards.append(&mut other.cards);
    }
}

/// A file's size as readers read it: « 850 octets », « 19,2 Ko », « 1,4 Mo ».
pub fn size_fr(bytes: usize) -> String {
    let fr = |value: f64, unit: &str| format!("{value:.1}\u{a0}{unit}").replace('.', ",");
    match bytes {
        0..=1023 => format!("{bytes}\u{a0}octets"),
        1024..=1_048_575 => fr(bytes as f64 / 1024.0, "Ko"),
        _ => fr(bytes as f64 / 1_048_576.0, "Mo"),
    }
}

const MONTHS: [&str; 12] = [
    "janvier",
    "février",
    "mars",
    "avril",
    "mai",
    "juin",
    "juillet",
    "août",
    "septembre",
    "octobre",
    "novembre",
    "décembre",
];

/// `2024-03-01` → `1er mars 2024`; anything else is returned unchanged.
pub fn date_fr(date: &str) -> String {
    if !crate::config::is_date(date) {
        return date.to_string();
    }
    let year = &date[0..4];
    let month: usize = date[5..7].parse().unwrap_or(1);
    let day: u32 = date[8..10].parse().unwrap_or(1);
    let day = if day == 1 {
        "1er".to_string()
    } else {
        day.to_string()
    };
    format!("{day} {} {year}", MONTHS[month.clamp(1, 12) - 1])
}

fn date_fr_filter(value: &Value, _: &HashMap<String, Value>) -> tera::Result<Value> {
    match value {
        Value::String(s) => Ok(Value::String(date_fr(s))),
        Value::Null => Ok(Value::String(String::new())),
        other => Err(tera::Error::msg(format!(
            "date_fr attend une date AAAA-MM-JJ, pas {other}"
        ))),
    }
}

/// Flattens a Tera error and its causes into one message.
fn tera_message(error: &tera::Error) -> String {
    let mut parts = vec![error.to_string()];
    let mut source = std::error::Error::source(error);
    while let Some(cause) = source {
        parts.push(cause.to_string());
        source = cause.source();
    }
    // A refusal of the theme guard says all there is to say: Tera's wrappers would only add
    // English around it.
    if let Some(own) = parts.iter().rfind(|p| crate::theme::is_guard_message(p)) {
        return own.clone();
    }
    parts.join(" : ")
}

/// Finds " --> L:C" in a Tera parse error.
fn tera_line(message: &str) -> Option<(usize, usize)> {
    let at = message.find("--> ")?;
    let rest = &message[at + 4..];
    let mut numbers = rest
        .split(|c: char| !c.is_ascii_digit())
        .filter(|s| !s.is_empty());
    let line = numbers.next()?.parse().ok()?;
    let column = numbers.next()?.parse().ok()?;
    Some((line, column))
}

/// Loads the theme's templates.
pub fn load_templates(root: &Path, config: &SiteConfig) -> Result<Tera, Vec<Diagnostic>> {
    if let Some(d) = crate::theme::check_theme_name(root, &config.theme) {
        return Err(vec![d]);
    }
    let theme_dir = root.join("themes").join(&config.theme);
    let templates_dir = theme_dir.join("templates");
    let display_dir = Path::new("themes").join(&config.theme).join("templates");
    if !templates_dir.is_dir() {
        return Err(vec![Diagnostic::error(format!(
            "le thème « {} » est introuvable",
            config.theme
        ))
        .in_file(&display_dir)
        .with_hint(
            "vérifiez la clé « theme » de guide.yaml : elle nomme un dossier de themes/",
        )]);
    }
    let mut tera = Tera::default();
    let mut diagnostics = Vec::new();
    let mut files = Vec::new();
    for entry in walkdir::WalkDir::new(&templates_dir)
        .follow_links(false)
        .sort_by_file_name()
    {
        let Ok(entry) = entry else { continue };
        if !entry.file_type().is_file() {
            continue;
        }
        let relative = entry
            .path()
            .strip_prefix(&templates_dir)
            .unwrap_or(entry.path());
        let name = crate::markdown::link_key(relative);
        match crate::fs::read_to_string(entry.path()) {
            Ok(text) => files.push((name, text)),
            Err(e) => diagnostics
                .push(Diagnostic::error(e.to_string()).in_file(display_dir.join(relative))),
        }
    }
    // Parse each template alone first, to name the one with a syntax error.
    let mut parsed = Vec::new();
    for (name, text) in &files {
        match tera::Template::new(name, None, text) {
            Ok(template) => parsed.push(crate::theme::ParsedTemplate { template, text }),
            Err(e) => {
                let message = tera_message(&e);
                let mut d = Diagnostic::error(format!("erreur de syntaxe dans le gabarit « {name} » : {}", message.lines().last().unwrap_or(&message).trim()))
                .in_file(display_dir.join(name))
                .with_hint("vérifiez que chaque {% … %} et {{ … }} est bien fermé et que chaque bloc a son {% end… %}");
                if let Some((line, column)) = tera_line(&message) {
                    d = d.at(line, column, 1).with_source(text);
                }
                diagnostics.push(d);
            }
        }
    }
    diagnostics.extend(crate::theme::check_templates(&parsed, &display_dir));
    if !diagnostics.is_empty() {
        return Err(diagnostics);
    }
    if let Err(e) = tera.add_raw_templates(files.iter().map(|(n, t)| (n.as_str(), t.as_str()))) {
        return Err(vec![Diagnostic::error(format!(
            "gabarits invalides : {}",
            tera_message(&e)
        ))
        .in_file(&display_dir)
        .with_hint(
            "un gabarit hérite peut-être d'un gabarit absent ({% extends \"…\" %})",
        )]);
    }
    for required in REQUIRED_TEMPLATES {
        if tera.get_template(required).is_err() {
            diagnostics.push(
                Diagnostic::error(format!("gabarit obligatoire absent : « {required} »"))
                    .in_file(display_dir.join(required))
                    .with_hint("chaque thème doit fournir base.html, index.html, section.html, page.html, taxonomy_list.html, taxonomy_term.html et 404.html"),
            );
        }
    }
    if !diagnostics.is_empty() {
        return Err(diagnostics);
    }
    tera.autoescape_on(vec![".html", ".xml"]);
    // Tera's default also escapes `/`, which makes every URL unreadable in the HTML source.
    tera.set_escape_fn(crate::feeds::escape);
    tera.register_filter("date_fr", date_fr_filter);
    crate::theme::guard(&mut tera);
    Ok(tera)
}

fn check_template(tera: &Tera, name: &str, origin: &Path, diagnostics: &mut Vec<Diagnostic>) {
    if tera.get_template(name).is_err() {
        diagnostics.push(
            Diagnostic::error(format!("gabarit introuvable : « {name} »"))
                .in_file(origin)
                .with_hint("le gabarit doit exister dans themes/<thème>/templates/"),
        );
    }
}

/// Whether the template of every page and section exists (a render reports those missing
/// among what it renders, and then renders nothing).
pub fn templates_exist(tera: &Tera, input: &RenderInput<'_>) -> bool {
    let ids: Vec<OutputId> = (input.site.page_ids().map(OutputId::Page))
        .chain(input.site.section_ids().map(OutputId::Section))
        .collect();
    templated::check_templates(tera, input, &ids).is_empty()
}

/// The search records of the pages `input.search_records` names, made apart from the render
/// of the pages (`build` with its cache makes them while it finds what to render again, so
/// that the index parts they are for, what such a build waits for last, start sooner).
pub fn search_records(tera: &Tera, input: &RenderInput<'_>) -> Records {
    let Some(wanted) = input.search_records else {
        return Vec::new();
    };
    let pages: BTreeSet<PageId> = (wanted.iter().enumerate())
        .filter(|(_, &wanted)| wanted)
        .map(|(p, _)| PageId::from(p))
        .collect();
    let shared = shared::Shared::for_records(tera, input, &pages);
    reader::search_records(&shared, wanted)
}

/// Renders what `input.scope` asks for: builds the plan of the site's outputs, selects the
/// scope's items, builds the shared context once, then runs one renderer per kind of output.
/// Problems go to `diagnostics`.
pub fn render_site(
    tera: &Tera,
    input: &RenderInput<'_>,
    diagnostics: &mut Diagnostics,
) -> RenderOutput {
    let plan = crate::plan::Plan::classified(input.site, input.config, input.classification);
    let ids = select(&plan, input);
    let shown = shown_pages(input, &ids);
    let mut output = RenderOutput::default();
    let mut shared = match shared::Shared::new(tera, input, shown.as_ref()) {
        Ok(shared) => shared,
        Err(problems) => {
            diagnostics.extend(problems);
            return output;
        }
    };
    let problems = templated::check_templates(tera, input, &ids);
    if !problems.is_empty() {
        diagnostics.extend(problems);
        return output;
    }
    // The records first: the index is what a build after a one-page edit waits for last.
    if let Some(wanted) = input.search_records {
        let records = reader::search_records(&shared, wanted);
        match input.records_to {
            // A closed channel means the build no longer wants an index.
            Some(to) => drop(to.send(records)),
            None => output.search_records = records,
        }
    }
    shared.prepare_listings(&ids);
    output.cards = shared.cards();
    // The rest (open data, feeds…) beside the templated outputs: a few large listings leave
    // a core idle, which the open data files fill.
    let (templated, (rest, problems)) = rayon::join(
        || templated::render(&shared, &ids),
        || {
            let mut rest = RenderOutput::default();
            let mut problems = Diagnostics::new();
            render_the_rest(&shared, &ids, &mut rest, &mut problems);
            (rest, problems)
        },
    );
    for result in templated {
        match result {
            Ok((file, reads)) => output.push(file, reads),
            Err(d) => diagnostics.push(*d),
        }
    }
    output.append(rest);
    diagnostics.extend(problems.into_vec());
    output
}

/// The outputs that are not rendered one per template: reader features, generated files,
/// redirects and copies.
fn render_the_rest(
    shared: &shared::Shared<'_>,
    ids: &[OutputId],
    output: &mut RenderOutput,
    diagnostics: &mut Diagnostics,
) {
    use crate::deps::Input;
    let site = shared.input.site;
    let every_page = || {
        std::iter::once(Input::Pages).chain(
            site.pages
                .iter()
                .map(|page| Input::Meta(page.display_path.clone())),
        )
    };
    if ids.contains(&OutputId::SearchPage) {
        match reader::search_page(shared) {
            Some(Ok(file)) => output.push(
                file,
                [Input::Common, Input::Counts]
                    .into_iter()
                    .chain(shared.meta_of_trail(SectionId::HOME))
                    .collect(),
            ),
            Some(Err(d)) => diagnostics.push(*d),
            None => {}
        }
    }
    if ids.contains(&OutputId::PrintEdition) {
        let (file, problems) = reader::print_edition(shared);
        diagnostics.extend(problems);
        if let Some(file) = file {
            let bodies = site
                .pages
                .iter()
                .map(|page| &page.display_path)
                .chain(std::iter::once(&site.sections[0].index.display_path))
                .map(|path| Input::Body(path.clone()));
            let orders = site.section_ids().map(Input::Order);
            let reads = every_page()
                .chain(bodies)
                .chain(orders)
                .chain([
                    Input::Common,
                    Input::Counts,
                    shared.meta_of_section(SectionId::HOME),
                ])
                .collect();
            output.push(file, reads);
        }
    }
    let open_data = [
        OutputId::OpenDataJson,
        OutputId::OpenDataCsv,
        OutputId::OpenDataExcel,
        OutputId::OpenDataSchema,
        OutputId::DataPackage,
        OutputId::OpenDataPage,
    ];
    if open_data.iter().any(|id| ids.contains(id)) {
        for (id, file) in reader::open_data(shared) {
            match file {
                Ok(file) if ids.contains(&id) => {
                    let mut reads: Vec<Input> = every_page().collect();
                    if id == OutputId::OpenDataPage {
                        reads.extend([
                            Input::Common,
                            Input::Counts,
                            shared.meta_of_section(SectionId::HOME),
                        ]);
                    }
                    output.push(file, reads);
                }
                Ok(_) => {}
                Err(d) => diagnostics.push(*d),
            }
        }
    }
    for file in generated::feeds(shared, ids) {
        let sections = site.section_ids().map(|s| shared.meta_of_section(s));
        let reads = every_page()
            .chain(sections)
            .chain([Input::Common, Input::Counts])
            .collect();
        output.push(file, reads);
    }
    for &id in ids {
        if let OutputId::Redirect(p, alias) = id {
            if let Some(file) = generated::redirect(shared, p, alias) {
                output.push(file, vec![shared.meta_of_page(p)]);
            }
        }
    }
    if ids.contains(&OutputId::HighlightCss) {
        output.push(generated::highlight_css(), Vec::new());
    }
    if matches!(shared.input.scope, Scope::All | Scope::Warm(_)) {
        let (mut copies, problems) = generated::copies(shared);
        if let Some(pdf) =
            (shared.input.config.reader.print.as_ref()).and_then(|print| print.published.as_ref())
        {
            copies.push(CopyFile {
                from: pdf.from.clone(),
                to: pdf.to.clone(),
            });
        }
        output.copies = copies;
        diagnostics.extend(problems);
    }
}

/// The pages whose summaries a render of `ids` shows: for pages alone, each page, its
/// neighbours and related pages; `None` (every page) as soon as a listing is rendered.
fn shown_pages(input: &RenderInput<'_>, ids: &[OutputId]) -> Option<BTreeSet<PageId>> {
    if matches!(input.scope, Scope::All) || shows_every_page(ids) {
        return None;
    }
    let mut shown: BTreeSet<PageId> = (input.search_records.into_iter().flatten().enumerate())
        .filter(|(_, &wanted)| wanted)
        .map(|(p, _)| PageId::from(p))
        .collect();
    for &id in ids {
        let OutputId::Page(p) = id else {
            continue;
        };
        shown.insert(p);
        shown.extend(neighbours(
            p,
            &input.order[input.site.pages[p.index()].section.index()],
        ));
        shown.extend(input.related[p.index()].iter().copied());
    }
    Some(shown)
}

/// Whether rendering `ids` shows every page (in a listing, the feed, the search page…), and
/// so needs every page's summary and card; pages show only themselves, their neighbours and
/// their related pages.
pub fn shows_every_page(ids: &[OutputId]) -> bool {
    ids.iter().any(|id| {
        !matches!(
            id,
            OutputId::Page(_) | OutputId::HighlightCss | OutputId::Robots | OutputId::Redirect(..)
        )
    })
}

/// The outputs of the plan that `input.scope` asks for, in render order.
fn select(plan: &crate::plan::Plan, input: &RenderInput<'_>) -> Vec<OutputId> {
    match input.scope {
        Scope::All => plan.select(|_| true),
        Scope::Items(ids) | Scope::Warm(ids) => {
            let wanted: std::collections::HashSet<OutputId> = ids.iter().copied().collect();
            plan.select(|id| wanted.contains(&id))
        }
    }
}

/// The smallest run of items one rayon worker renders with one context: about eight runs per
/// thread, so that the common context is cloned a bounded number of times whatever the number
/// of files, while the work stays balanced.
fn run_length(items: usize) -> usize {
    items.div_ceil(rayon::current_num_threads() * 8).max(1)
}

/// A page's summary as HTML, typeset on a French site: the feed, the search records and the
/// open data show it as the pages do.
fn summary_html(page: &Page, rendered: &Rendered, language: &str) -> String {
    let html = match (&page.meta.summary, &rendered.summary) {
        (Some(text), _) => crate::markdown::render_inline(text),
        (None, Some(html)) => html.clone(),
        (None, None) => String::new(),
    };
    if crate::typography::is_french(language) {
        crate::typography::typeset_html(&html)
    } else {
        html
    }
}

fn page_template(page: &Page, site: &Site, config: &SiteConfig) -> Option<String> {
    page.meta.template.clone().or_else(|| {
        config
            .section(&site.sections[page.section.index()].name)
            .and_then(|s| s.page_template.clone())
    })
}

fn section_template(section: &crate::content::Section, config: &SiteConfig) -> Option<String> {
    section.index.meta.template.clone().or_else(|| {
        config
            .section(&section.name)
            .and_then(|s| s.template.clone())
    })
}

/// The pages of each section, in the section's order (`sort_by` of `guide.yaml`).
pub fn section_order(site: &Site, config: &SiteConfig) -> Vec<Vec<PageId>> {
    let mut section_pages: Vec<Vec<PageId>> = vec![Vec::new(); site.sections.len()];
    for (p, page) in site.pages.iter().enumerate() {
        section_pages[page.section.index()].push(PageId::from(p));
    }
    for (s, pages) in site.section_ids().zip(section_pages.iter_mut()) {
        if sort_mode(site, config, s) == crate::config::SortMode::Title {
            // The same order as `compare_in_section`, with each slug computed once.
            let title = |p: PageId| crate::slug::slugify(&site.pages[p.index()].meta.title);
            pages.sort_by_cached_key(|&p| (title(p), p));
        } else {
            let compare = compare_in_section(site, config, s);
            pages.sort_by(|&a, &b| compare(a, b));
        }
    }
    section_pages
}

fn sort_mode(site: &Site, config: &SiteConfig, s: SectionId) -> crate::config::SortMode {
    config
        .section(&site.section(s).name)
        .map(|c| c.sort_by)
        .unwrap_or_default()
}

/// How two pages of section `s` compare in its order: a total order (ties go by file or index).
fn compare_in_section<'a>(
    site: &'a Site,
    config: &SiteConfig,
    s: SectionId,
) -> impl Fn(PageId, PageId) -> std::cmp::Ordering + 'a {
    let mode = sort_mode(site, config, s);
    move |a, b| {
        let (x, y) = (&site.pages[a.index()], &site.pages[b.index()]);
        match mode {
            crate::config::SortMode::Title => crate::slug::slugify(&x.meta.title)
                .cmp(&crate::slug::slugify(&y.meta.title))
                .then(a.cmp(&b)),
            crate::config::SortMode::Date => y
                .meta
                .date
                .cmp(&x.meta.date)
                .then_with(|| compare_pages(x, y)),
            crate::config::SortMode::Weight => compare_pages(x, y),
        }
    }
}

/// Moves page `p` to its place in its section's `order` after its front matter changed (the
/// other pages keep theirs): what [`section_order`] would give, without sorting every page.
pub fn reposition(site: &Site, config: &SiteConfig, order: &mut [Vec<PageId>], p: PageId) {
    let s = site.page(p).section;
    let compare = compare_in_section(site, config, s);
    let pages = &mut order[s.index()];
    if let Some(at) = pages.iter().position(|&q| q == p) {
        pages.remove(at);
    }
    let at = pages.partition_point(|&q| compare(q, p) == std::cmp::Ordering::Less);
    pages.insert(at, p);
}

/// The page before and the page after `p` in its section's `order`.
pub(crate) fn neighbours(p: PageId, order: &[PageId]) -> impl Iterator<Item = PageId> + '_ {
    let position = order.iter().position(|&x| x == p);
    let before = position.and_then(|i| i.checked_sub(1)).map(|i| order[i]);
    let after = position.and_then(|i| order.get(i + 1)).copied();
    before.into_iter().chain(after)
}

/// How many related pages a page shows.
const RELATED: usize = 3;

/// For each page, up to 3 pages of the same section sharing the most terms of the first
/// taxonomy (ties: the section's order). Pages with the same terms share one ranking, made
/// from the first pages of each set of terms rather than from every page of the section.
pub fn related_pages(order: &[Vec<PageId>], classification: &Classification) -> Vec<Vec<PageId>> {
    let sets = TermSets::new(classification);
    let mut related = vec![Vec::new(); classification.page_terms.len()];
    for section in order {
        let groups = Groups::of(section, &sets);
        for (g, group) in groups.0.iter().enumerate() {
            let best = groups.ranking(g, &sets);
            for &p in &group.pages {
                related[p.index()] = best
                    .iter()
                    .copied()
                    .filter(|&q| q != p)
                    .take(RELATED)
                    .collect();
            }
        }
    }
    related
}

/// The pages of a section with the same terms (none: no group), in the section's order.
struct Groups(Vec<Group>);

struct Group {
    /// Every page of the group.
    pages: Vec<PageId>,
    /// The first RELATED + 1 pages, with their place in the section: no other page of the
    /// group can rank before them.
    first: Vec<(usize, PageId)>,
    /// How many terms the group's pages have.
    terms: usize,
}

impl Groups {
    fn of(section: &[PageId], sets: &TermSets) -> Self {
        let mut index: HashMap<&[u64], usize> = HashMap::new();
        let mut groups: Vec<Group> = Vec::new();
        for (place, &p) in section.iter().enumerate() {
            let terms = sets.count(p);
            if terms == 0 {
                continue;
            }
            let g = *index.entry(sets.of(p)).or_insert_with(|| {
                groups.push(Group {
                    pages: Vec::new(),
                    first: Vec::new(),
                    terms,
                });
                groups.len() - 1
            });
            let group = &mut groups[g];
            group.pages.push(p);
            if group.first.len() <= RELATED {
                group.first.push((place, p));
            }
        }
        Self(groups)
    }

    /// The RELATED + 1 pages sharing the most terms with group `g`'s, each number of shared
    /// terms in the section's order.
    fn ranking(&self, g: usize, sets: &TermSets) -> Vec<PageId> {
        let own = &self.0[g];
        let mut by_shared: Vec<Vec<(usize, PageId)>> = vec![Vec::new(); own.terms + 1];
        for other in &self.0 {
            let shared = sets.shared(own.pages[0], other.pages[0]);
            if shared > 0 {
                by_shared[shared].extend(&other.first);
            }
        }
        let mut best = Vec::with_capacity(RELATED + 1);
        for mut level in by_shared.into_iter().rev() {
            level.sort_unstable();
            let room = RELATED + 1 - best.len();
            best.extend(level.iter().take(room).map(|&(_, q)| q));
            if best.len() > RELATED {
                break;
            }
        }
        best
    }
}

/// A page's terms of the first taxonomy.
fn first_terms(taxonomies: &[Vec<usize>]) -> impl Iterator<Item = usize> + '_ {
    taxonomies.first().into_iter().flatten().copied()
}

/// Each page's terms of the first taxonomy as a set of bits, so that counting the terms two
/// pages share is a few machine words (the terms of a page are distinct).
struct TermSets {
    words: usize,
    bits: Vec<u64>,
}

impl TermSets {
    fn new(classification: &Classification) -> Self {
        let highest = (classification.page_terms.iter())
            .flat_map(|terms| first_terms(terms))
            .max()
            .unwrap_or(0);
        let words = (highest + 1).div_ceil(64);
        let mut bits = vec![0u64; words * classification.page_terms.len()];
        for (p, taxonomies) in classification.page_terms.iter().enumerate() {
            for term in first_terms(taxonomies) {
                bits[p * words + term / 64] |= 1 << (term % 64);
            }
        }
        Self { words, bits }
    }

    fn of(&self, p: PageId) -> &[u64] {
        let p = p.index();
        &self.bits[p * self.words..(p + 1) * self.words]
    }

    /// How many terms page `p` has.
    fn count(&self, p: PageId) -> usize {
        self.of(p).iter().map(|w| w.count_ones() as usize).sum()
    }

    /// How many terms pages `p` and `q` share.
    fn shared(&self, p: PageId, q: PageId) -> usize {
        let pairs = self.of(p).iter().zip(self.of(q));
        pairs.map(|(a, b)| (a & b).count_ones() as usize).sum()
    }
}

impl<'a> PageSummary<'a> {
    /// A summary a partial render never shows: no URL, no terms, nothing serialised.
    fn blank(page: &'a Page) -> Self {
        Self {
            title: &page.meta.title,
            url: String::new(),
            permalink: String::new(),
            date: None,
            updated: None,
            edition: None,
            summary: String::new(),
            weight: 0,
            section: "",
            taxonomies: IndexMap::new(),
            fields: &page.meta.fields,
            extra: &page.meta.extra,
            card: None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn related_pages_are_those_sharing_the_most_terms_then_the_first_in_order() {
        // 200 pages in two sections, 1 to 3 terms out of 6 each (a fixed pseudo-random draw;
        // term numbers 0, 64… 320, one in each word of the sets of bits); the result
        // must equal a plain ranking of every other page of the section.
        let mut seed: u64 = 7;
        let mut next = move |n: u64| {
            seed = seed.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1);
            (seed >> 33) % n
        };
        let page_terms: Vec<Vec<Vec<usize>>> = (0..200)
            .map(|_| {
                let mut terms: Vec<usize> = (0..=next(3)).map(|_| next(6) as usize * 64).collect();
                terms.sort_unstable();
                terms.dedup();
                vec![terms]
            })
            .collect();
        let mut order: Vec<Vec<usize>> = vec![(0..200).filter(|p| p % 3 != 0).collect(), vec![]];
        order[1] = (0..200).filter(|p| p % 3 == 0).rev().collect();
        let classification = Classification {
            taxonomies: Vec::new(),
            page_terms,
        };
        let ids = |pages: &[usize]| pages.iter().map(|&p| PageId::from(p)).collect::<Vec<_>>();
        let related = related_pages(&[ids(&order[0]), ids(&order[1])], &classification);
        for section in &order {
            for &p in section {
                let own = &classification.page_terms[p][0];
                let mut expected: Vec<(usize, usize, usize)> = section
                    .iter()
                    .enumerate()
                    .filter(|&(_, &q)| q != p)
                    .map(|(rank, &q)| {
                        let shared = classification.page_terms[q][0]
                            .iter()
                            .filter(|t| own.contains(t))
                            .count();
                        (shared, rank, q)
                    })
                    .filter(|&(shared, _, _)| shared > 0)
                    .collect();
                expected.sort_by(|a, b| b.0.cmp(&a.0).then(a.1.cmp(&b.1)));
                let expected: Vec<usize> = expected.iter().take(3).map(|e| e.2).collect();
                assert_eq!(related[p], ids(&expected), "page {p}");
            }
        }
        assert!(related.iter().any(|r| r.len() == 3));
    }

    #[test]
    fn french_dates_say_premier_for_the_first() {
        assert_eq!(date_fr("2024-03-01"), "1er mars 2024");
        assert_eq!(date_fr("2017-08-15"), "15 août 2017");
        assert_eq!(date_fr("pas une date"), "pas une date");
    }

    #[test]
    fn tera_parse_errors_give_their_line() {
        assert_eq!(tera_line("Failed to parse\n --> 3:5\n  |"), Some((3, 5)));
    }
}
