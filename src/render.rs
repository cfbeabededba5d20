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

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use indexmap::IndexMap;
use rayon::prelude::*;
use serde::Serialize;
use serde_json::{Map, Value};
use tera::Tera;

use crate::config::SiteConfig;
use crate::content::{Page, Site};
use crate::diagnostic::Diagnostic;
use crate::markdown::{Rendered, TocEntry};
use crate::taxonomy::{compare_pages, Classification};

/// A file to write, relative to the output folder.
#[derive(Debug, Clone)]
pub struct OutputFile {
    /// Relative path with `/` separators, e.g. `projets/fiche/index.html`.
    pub path: String,
    /// Its bytes.
    pub contents: Vec<u8>,
    /// The source that produced it, for duplicate-URL messages.
    pub origin: PathBuf,
}

/// A file to copy as is.
#[derive(Debug, Clone)]
pub struct CopyFile {
    /// Absolute source path.
    pub from: PathBuf,
    /// Relative destination with `/` separators.
    pub to: String,
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
    date: Option<&'a str>,
    updated: Option<&'a str>,
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

/// A page's card HTML, for a listing whose card titles are `h2` or `h3`.
#[derive(Debug, Clone, Serialize)]
struct Cards {
    h2: String,
    h3: String,
}

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
    pages: Vec<&'a PageSummary<'a>>,
    subsections: Vec<SubsectionContext<'a>>,
}

/// A subsection as its parent's page shows it: with its pages, so that the home can show the
/// first case studies.
#[derive(Debug, Serialize)]
struct SubsectionContext<'a> {
    title: String,
    url: String,
    name: String,
    pages: Vec<&'a PageSummary<'a>>,
}

#[derive(Debug, Clone, Serialize)]
struct TermContext<'a> {
    slug: &'a str,
    title: &'a str,
    description: &'a str,
    url: String,
    rank: usize,
    count: usize,
    #[serde(skip_serializing_if = "Option::is_none")]
    pages: Option<Vec<&'a PageSummary<'a>>>,
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
    pub order: &'a [Vec<usize>],
    /// Related pages of each page (from [`related_pages`]).
    pub related: &'a [Vec<usize>],
    /// Whether to prepare the records of the search index.
    pub search_records: bool,
    /// Whether to keep the rendered bytes: `check` renders every template to find its errors,
    /// then drops the result (the files keep their paths, for the duplicate check).
    pub keep_contents: bool,
    /// What to render.
    pub scope: Scope<'a>,
}

/// What a render produces: the whole site, or part of it for `serve`.
#[derive(Debug, Clone, Copy)]
pub enum Scope<'a> {
    /// Every file.
    All,
    /// These pages (by path for messages) and nothing else; with `with_listings`, also their
    /// neighbours, the pages that show them as related, and every listing.
    Pages {
        /// The pages whose source changed.
        only: &'a std::collections::HashSet<PathBuf>,
        /// Whether their front matter changed (listings show it).
        with_listings: bool,
    },
    /// The printed edition only (`reader.print`).
    PrintEdition,
    /// Every file that lists pages: sections, taxonomies, terms, the printed edition, the
    /// open data, the feed and the sitemap (`serve`, after a front-matter change).
    Listings,
}

/// What the render stage produced.
#[derive(Debug, Default)]
pub struct RenderOutput {
    /// Files to write.
    pub files: Vec<OutputFile>,
    /// Files to copy.
    pub copies: Vec<CopyFile>,
    /// Problems found.
    pub diagnostics: Vec<Diagnostic>,
    /// The pages to index for search.
    pub search_records: Vec<crate::search::SearchRecord>,
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
    if !crate::schema::is_date(date) {
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
    for (name, text) in &files {
        if let Err(e) = tera::Template::new(name, None, text) {
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

/// Renders the whole site.
pub fn render_site(tera: &Tera, input: &RenderInput<'_>) -> RenderOutput {
    let RenderInput {
        config,
        site,
        classification,
        build_date,
        ..
    } = *input;
    let root = config.base_path();
    let origin = config.origin();
    let url = |path: &str| format!("{root}{path}");
    let permalink = |path: &str| format!("{origin}{root}{path}");
    let mut output = RenderOutput::default();

    let section_pages = input.order;
    // Pages a partial render shows: the changed ones, their neighbours and related pages.
    let shown: Option<std::collections::BTreeSet<usize>> = match input.scope {
        Scope::Pages {
            only,
            with_listings: false,
        } => {
            let mut shown = std::collections::BTreeSet::new();
            for (p, page) in site.pages.iter().enumerate() {
                if only.contains(&page.display_path) {
                    shown.insert(p);
                    shown.extend(neighbours(p, &section_pages[page.section]));
                    shown.extend(input.related[p].iter().copied());
                }
            }
            Some(shown)
        }
        _ => None,
    };

    // 1. Summaries of pages, serialised once. A partial render leaves the pages it does not
    // show with a blank summary (never rendered), so that 10 000 pages cost nothing.
    let mut summaries: Vec<PageSummary<'_>> = site
        .pages
        .iter()
        .enumerate()
        .map(|(p, page)| {
            if shown.as_ref().is_some_and(|shown| !shown.contains(&p)) {
                return PageSummary::blank(page);
            }
            let mut taxonomies = IndexMap::new();
            for (t, taxonomy) in classification.taxonomies.iter().enumerate() {
                let refs: Vec<TermRef> = classification.page_terms[p][t]
                    .iter()
                    .map(|&i| {
                        let term = &taxonomy.terms[i];
                        TermRef {
                            slug: term.slug.clone(),
                            title: term.title.clone(),
                            url: url(&format!("{}/{}/", taxonomy.name, term.slug)),
                            rank: i + 1,
                            total: taxonomy.terms.len(),
                        }
                    })
                    .collect();
                taxonomies.insert(taxonomy.name.as_str(), refs);
            }
            PageSummary {
                title: &page.meta.title,
                url: url(&page.path),
                permalink: permalink(&page.path),
                date: page.meta.date.as_deref(),
                updated: page.meta.updated.as_deref(),
                summary: summary_html(page, &input.pages[p]),
                weight: page.meta.weight,
                section: &site.sections[page.section].name,
                taxonomies,
                fields: &page.meta.fields,
                extra: &page.meta.extra,
                card: None,
            }
        })
        .collect();

    // 2. The common context.
    let taxonomies: Vec<TaxonomyContext<'_>> = config
        .taxonomies
        .iter()
        .zip(&classification.taxonomies)
        .map(|(tc, taxonomy)| TaxonomyContext {
            name: &tc.name,
            title: &tc.title,
            description: &tc.description,
            url: url(&format!("{}/", tc.name)),
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
                    url: url(&format!("{}/{}/", tc.name, term.slug)),
                    rank: i + 1,
                    count: term.pages.len(),
                    pages: None,
                })
                .collect(),
        })
        .collect();
    let mut menu: Vec<(i64, String, Link)> = Vec::new();
    for section in site.sections.iter().skip(1).filter(|s| s.parent == Some(0)) {
        menu.push((
            section.index.meta.weight,
            section.index.meta.title.clone(),
            Link {
                title: section.index.meta.title.clone(),
                url: url(&section.index.path),
            },
        ));
    }
    for &p in &section_pages[0] {
        let page = &site.pages[p];
        menu.push((
            page.meta.weight,
            page.meta.title.clone(),
            Link {
                title: page.meta.title.clone(),
                url: url(&page.path),
            },
        ));
    }
    menu.sort_by(|a, b| {
        a.0.cmp(&b.0)
            .then_with(|| crate::slug::slugify(&a.1).cmp(&crate::slug::slugify(&b.1)))
    });
    let menu: Vec<Link> = menu.into_iter().map(|(_, _, link)| link).collect();
    let feed_url = config.feed.as_ref().map(|_| url("atom.xml"));
    let mut common = tera::Context::new();
    common.insert(
        "config",
        &ConfigContext {
            title: &config.title,
            description: &config.description,
            language: &config.language,
            base_url: &config.base_url,
            extra: &config.extra,
            feed_url,
        },
    );
    common.insert("root", &root);
    common.insert("taxonomies", &taxonomies);
    common.insert("menu", &menu);
    common.insert("build_date", build_date);

    // Cards: listings show the same page many times (its section, each of its terms, related
    // pages); the theme's `card.html` renders each page's card once instead.
    if tera.get_template(CARD_TEMPLATE).is_ok() && !matches!(input.scope, Scope::PrintEdition) {
        let cards: Vec<Result<Option<Cards>, tera::Error>> = summaries
            .par_iter()
            .enumerate()
            .with_min_len(run_length(summaries.len()))
            .map_init(
                || common.clone(),
                |context, (p, summary)| {
                    if shown.as_ref().is_some_and(|shown| !shown.contains(&p)) {
                        return Ok(None);
                    }
                    context.insert("p", summary);
                    context.insert("h", &2);
                    let h2 = tera.render(CARD_TEMPLATE, context)?.trim_end().to_string();
                    context.insert("h", &3);
                    let h3 = tera.render(CARD_TEMPLATE, context)?.trim_end().to_string();
                    Ok(Some(Cards { h2, h3 }))
                },
            )
            .collect();
        for (summary, card) in summaries.iter_mut().zip(cards) {
            match card {
                Ok(card) => summary.card = card,
                Err(e) => {
                    output.diagnostics.push(
                        Diagnostic::error(format!(
                            "le gabarit « {CARD_TEMPLATE} » a échoué pour « {} » : {}",
                            summary.title,
                            tera_message(&e)
                        ))
                        .in_file(
                            Path::new("themes")
                                .join(&config.theme)
                                .join("templates")
                                .join(CARD_TEMPLATE),
                        ),
                    );
                    return output;
                }
            }
        }
    }
    let summaries = summaries;

    let breadcrumbs_of_section = |mut s: usize| -> Vec<Link> {
        let mut trail = Vec::new();
        loop {
            let section = &site.sections[s];
            trail.push(Link {
                title: section.index.meta.title.clone(),
                url: url(&section.index.path),
            });
            match section.parent {
                Some(parent) => s = parent,
                None => break,
            }
        }
        trail.reverse();
        trail
    };
    let section_ref = |s: usize| SectionRef {
        title: site.sections[s].index.meta.title.clone(),
        url: url(&site.sections[s].index.path),
        name: site.sections[s].name.clone(),
    };

    // 3. Jobs: each renders one file.
    enum Job {
        Page(usize),
        Section(usize),
        TaxonomyList(usize),
        Term(usize, usize),
        NotFound,
    }
    let mut jobs: Vec<Job> = Vec::new();
    let listings = |jobs: &mut Vec<Job>| {
        jobs.extend((0..site.sections.len()).map(Job::Section));
        for (t, taxonomy) in classification.taxonomies.iter().enumerate() {
            jobs.push(Job::TaxonomyList(t));
            jobs.extend((0..taxonomy.terms.len()).map(|i| Job::Term(t, i)));
        }
    };
    match input.scope {
        Scope::All => {
            jobs.extend((0..site.pages.len()).map(Job::Page));
            listings(&mut jobs);
            jobs.push(Job::NotFound);
        }
        Scope::Pages {
            only,
            with_listings,
        } => {
            let changed: Vec<usize> = (0..site.pages.len())
                .filter(|&p| only.contains(&site.pages[p].display_path))
                .collect();
            let mut pages: std::collections::BTreeSet<usize> = changed.iter().copied().collect();
            if with_listings {
                // Neighbours show the changed page's title; related pages its card.
                for &p in &changed {
                    pages.extend(neighbours(p, &section_pages[site.pages[p].section]));
                }
                for (q, related) in input.related.iter().enumerate() {
                    if related.iter().any(|r| changed.contains(r)) {
                        pages.insert(q);
                    }
                }
                listings(&mut jobs);
            }
            jobs.extend(pages.into_iter().map(Job::Page));
        }
        Scope::Listings => listings(&mut jobs),
        Scope::PrintEdition => {}
    }

    // Templates named by the pages and sections rendered must exist.
    for job in &jobs {
        match *job {
            Job::Page(p) => {
                let page = &site.pages[p];
                if let Some(name) = page_template(page, site, config) {
                    check_template(tera, &name, &page.display_path, &mut output.diagnostics);
                }
            }
            Job::Section(s) => {
                let section = &site.sections[s];
                if let Some(name) = section_template(section, config) {
                    check_template(
                        tera,
                        &name,
                        &section.index.display_path,
                        &mut output.diagnostics,
                    );
                }
            }
            _ => {}
        }
    }
    if !output.diagnostics.is_empty() {
        return output;
    }

    let display_templates = Path::new("themes").join(&config.theme).join("templates");
    // Each page's position in its section's order, for its neighbours.
    let mut position_in_section = vec![0; site.pages.len()];
    for order in section_pages {
        for (i, &p) in order.iter().enumerate() {
            position_in_section[p] = i;
        }
    }
    // Renders one job into `context`, which holds the common part and, for a taxonomy or term
    // page, its taxonomy (see below); the keys it inserts are in `JOB_KEYS`.
    let render_job = |context: &mut tera::Context,
                      job: &Job|
     -> Result<OutputFile, Box<Diagnostic>> {
        let (template, path, origin): (String, String, PathBuf) = match *job {
            Job::Page(p) => {
                let page = &site.pages[p];
                let order = &section_pages[page.section];
                let position = position_in_section[p];
                let previous = position.checked_sub(1).map(|i| &summaries[order[i]]);
                let next = order.get(position + 1).map(|&i| &summaries[i]);
                let rendered = &input.pages[p];
                let ctx = PageContext {
                    summary: &summaries[p],
                    content: &rendered.html,
                    toc: &rendered.toc,
                    word_count: rendered.word_count,
                    reading_time: rendered.word_count.div_ceil(200).max(1),
                    previous,
                    next,
                    related: input.related[p].iter().map(|&i| &summaries[i]).collect(),
                    source: crate::markdown::link_key(&page.source),
                };
                context.insert("page", &ctx);
                context.insert("section", &section_ref(page.section));
                context.insert("breadcrumbs", &breadcrumbs_of_section(page.section));
                context.insert("current_url", &url(&page.path));
                context.insert("current_permalink", &permalink(&page.path));
                let template =
                    page_template(page, site, config).unwrap_or_else(|| "page.html".into());
                (
                    template,
                    format!("{}index.html", page.path),
                    page.display_path.clone(),
                )
            }
            Job::Section(s) => {
                let section = &site.sections[s];
                let rendered = &input.sections[s];
                let subsections: Vec<SubsectionContext<'_>> = site
                    .sections
                    .iter()
                    .enumerate()
                    .filter(|(_, sub)| sub.parent == Some(s))
                    .map(|(i, _)| {
                        let r = section_ref(i);
                        SubsectionContext {
                            title: r.title,
                            url: r.url,
                            name: r.name,
                            pages: section_pages[i].iter().map(|&p| &summaries[p]).collect(),
                        }
                    })
                    .collect();
                let ctx = SectionContext {
                    title: &section.index.meta.title,
                    url: url(&section.index.path),
                    permalink: permalink(&section.index.path),
                    name: &section.name,
                    content: &rendered.html,
                    summary: summary_html(&section.index, rendered),
                    toc: &rendered.toc,
                    extra: &section.index.meta.extra,
                    pages: section_pages[s].iter().map(|&p| &summaries[p]).collect(),
                    subsections,
                };
                context.insert("section", &ctx);
                let mut trail = breadcrumbs_of_section(s);
                trail.pop();
                context.insert("breadcrumbs", &trail);
                context.insert("current_url", &url(&section.index.path));
                context.insert("current_permalink", &permalink(&section.index.path));
                let template = section_template(section, config).unwrap_or_else(|| {
                    if s == 0 {
                        "index.html".into()
                    } else {
                        "section.html".into()
                    }
                });
                (
                    template,
                    format!("{}index.html", section.index.path),
                    section.index.display_path.clone(),
                )
            }
            Job::TaxonomyList(t) => {
                context.insert("breadcrumbs", &breadcrumbs_of_section(0));
                let path = format!("{}/", taxonomies[t].name);
                context.insert("current_url", &url(&path));
                context.insert("current_permalink", &permalink(&path));
                (
                    "taxonomy_list.html".into(),
                    format!("{path}index.html"),
                    PathBuf::from(crate::config::CONFIG_FILE),
                )
            }
            Job::Term(t, i) => {
                let mut term = taxonomies[t].terms[i].clone();
                term.pages = Some(
                    classification.taxonomies[t].terms[i]
                        .pages
                        .iter()
                        .map(|&p| &summaries[p])
                        .collect(),
                );
                context.insert("term", &term);
                let mut trail = breadcrumbs_of_section(0);
                trail.push(Link {
                    title: taxonomies[t].title.to_string(),
                    url: taxonomies[t].url.clone(),
                });
                context.insert("breadcrumbs", &trail);
                let path = format!("{}/{}/", taxonomies[t].name, term.slug);
                context.insert("current_url", &url(&path));
                context.insert("current_permalink", &permalink(&path));
                (
                    "taxonomy_term.html".into(),
                    format!("{path}index.html"),
                    PathBuf::from(crate::config::CONFIG_FILE),
                )
            }
            Job::NotFound => {
                context.insert("breadcrumbs", &Vec::<Link>::new());
                context.insert("current_url", &url("404.html"));
                context.insert("current_permalink", &permalink("404.html"));
                (
                    "404.html".into(),
                    "404.html".into(),
                    PathBuf::from("404.html"),
                )
            }
        };
        // Rendered straight into bytes: `Tera::render` would check the whole page is UTF-8.
        let mut html = Vec::new();
        match tera.render_to(&template, context, &mut html) {
                Ok(()) => Ok(OutputFile { path, contents: if input.keep_contents { html } else { Vec::new() }, origin }),
                Err(e) => Err(Box::new(Diagnostic::error(format!(
                    "le gabarit « {template} » a échoué en rendant {} : {}",
                    origin.display(),
                    tera_message(&e)
                ))
                .in_file(display_templates.join(&template))
                .with_hint("vérifiez les variables utilisées par le gabarit (docs/templates.md les décrit toutes)"))),
            }
    };
    // Each worker renders a run of jobs in one context: the common part (`taxonomies` holds
    // every term) is cloned once per run, and a taxonomy once per run of its pages, so that a
    // term page costs in proportion to its own pages, not to the number of terms.
    let results: Vec<Result<OutputFile, Box<Diagnostic>>> = jobs
        .par_iter()
        .with_min_len(run_length(jobs.len()))
        .map_init(
            || (common.clone(), None),
            |(context, shown_taxonomy): &mut (tera::Context, Option<usize>), job| {
                let taxonomy = match *job {
                    Job::TaxonomyList(t) | Job::Term(t, _) => Some(t),
                    _ => None,
                };
                if taxonomy != *shown_taxonomy {
                    match taxonomy {
                        Some(t) => context.insert("taxonomy", &taxonomies[t]),
                        None => drop(context.remove("taxonomy")),
                    }
                    *shown_taxonomy = taxonomy;
                }
                let result = render_job(context, job);
                for key in JOB_KEYS {
                    context.remove(key);
                }
                result
            },
        )
        .collect();
    for result in results {
        match result {
            Ok(file) => output.files.push(file),
            Err(d) => output.diagnostics.push(*d),
        }
    }

    if matches!(input.scope, Scope::Pages { .. }) {
        return output;
    }

    // Reader features: search page and records, printed edition, open data.
    let render_extra = |template: &str,
                        path: &str,
                        mut context: tera::Context,
                        output: &mut RenderOutput| {
        if tera.get_template(template).is_err() {
            output.diagnostics.push(
                Diagnostic::error(format!("gabarit obligatoire absent : « {template} »"))
                    .in_file(display_templates.join(template))
                    .with_hint("la section « reader » de guide.yaml demande ce gabarit ; ajoutez-le au thème ou retirez l'option"),
            );
            return;
        }
        context.insert("breadcrumbs", &breadcrumbs_of_section(0));
        context.insert("current_url", &url(path));
        context.insert("current_permalink", &permalink(path));
        match tera.render(template, &context) {
            Ok(html) => output.files.push(OutputFile { path: format!("{path}index.html"), contents: if input.keep_contents { html.into_bytes() } else { Vec::new() }, origin: display_templates.join(template) }),
            Err(e) => output.diagnostics.push(
                Diagnostic::error(format!("le gabarit « {template} » a échoué : {}", tera_message(&e)))
                    .in_file(display_templates.join(template))
                    .with_hint("vérifiez les variables utilisées par le gabarit (docs/templates.md les décrit toutes)"),
            ),
        }
    };
    let everything = matches!(input.scope, Scope::All);
    let lists = everything || matches!(input.scope, Scope::Listings);
    if let Some(search_path) = config.reader.search.as_ref().filter(|_| everything) {
        let path = format!("{}/", search_path.trim_matches('/'));
        let mut context = common.clone();
        let filters: Vec<serde_json::Value> = config
            .taxonomies
            .iter()
            .map(|t| serde_json::json!({"name": t.name, "title": t.title}))
            .collect();
        context.insert("search", &serde_json::json!({ "bundle_url": url(&format!("{}/", crate::search::BUNDLE_DIR)), "filters": filters }));
        render_extra("recherche.html", &path, context, &mut output);
        if input.search_records {
            output.search_records = site
                .pages
                .iter()
                .enumerate()
                .map(|(p, page)| {
                    let summary = &summaries[p];
                    let summary_text = crate::search::plain_text(&summary.summary);
                    let mut meta = std::collections::BTreeMap::new();
                    meta.insert("title".to_string(), page.meta.title.clone());
                    meta.insert("summary".to_string(), summary_text.clone());
                    meta.insert(
                        "section".to_string(),
                        site.sections[page.section].index.meta.title.clone(),
                    );
                    if let Some(date) = &page.meta.date {
                        meta.insert("date".to_string(), date_fr(date));
                    }
                    let mut filters = std::collections::BTreeMap::new();
                    for (tc, terms) in config.taxonomies.iter().zip(summary.taxonomies.values()) {
                        if terms.is_empty() {
                            continue;
                        }
                        let titles: Vec<String> = terms.iter().map(|t| t.title.clone()).collect();
                        meta.insert(format!("tax_{}", tc.name), titles.join(" · "));
                        if tc.ordered && tc.single {
                            meta.insert(
                                format!("rank_{}", tc.name),
                                format!("{} sur {}", terms[0].rank, terms[0].total),
                            );
                        }
                        filters.insert(tc.name.clone(), titles);
                    }
                    let mut sort = std::collections::BTreeMap::new();
                    sort.insert(
                        "weight".to_string(),
                        format!("{:012}", page.meta.weight.saturating_add(1 << 38)),
                    );
                    if let Some(date) = &page.meta.date {
                        sort.insert("date".to_string(), date.clone());
                    }
                    let body = crate::search::plain_text(&input.pages[p].html);
                    crate::search::SearchRecord {
                        url: summary.url.clone(),
                        content: format!("{}. {summary_text} {body}", page.meta.title),
                        meta,
                        filters,
                        sort,
                    }
                })
                .collect();
        }
    }
    if let Some(print) = &config.reader.print {
        let path = format!("{}/", print.page.trim_matches('/'));
        let full = |p: usize| PageContext {
            summary: &summaries[p],
            content: &input.pages[p].html,
            toc: &input.pages[p].toc,
            word_count: input.pages[p].word_count,
            reading_time: input.pages[p].word_count.div_ceil(200).max(1),
            previous: None,
            next: None,
            related: Vec::new(),
            source: crate::markdown::link_key(&site.pages[p].source),
        };
        let by_source = |source: &str| {
            site.pages
                .iter()
                .position(|pg| crate::markdown::link_key(&pg.source) == source)
        };
        let mut problems = Vec::new();
        let intro: Vec<PageContext<'_>> = print
            .intro
            .iter()
            .filter_map(|source| {
                let found = by_source(source.trim_start_matches('/'));
                if found.is_none() {
                    problems.push(
                        Diagnostic::error(format!(
                            "page introuvable pour l'édition imprimable : « {source} »"
                        ))
                        .in_file(crate::config::CONFIG_FILE)
                        .with_hint("indiquez le chemin depuis content/, par exemple dispositif.md"),
                    );
                }
                found.map(full)
            })
            .collect();
        output.diagnostics.extend(problems);
        let chapter_taxonomy = config
            .taxonomies
            .iter()
            .position(|t| t.name == print.chapters);
        let section_index = site.sections.iter().position(|s| s.name == print.section);
        match (chapter_taxonomy, section_index) {
            (Some(t), Some(s)) => {
                let mut chapters = Vec::new();
                let mut count = 0;
                // Each page in its first term's chapter, in the section's order: one pass.
                let mut by_term: Vec<Vec<usize>> = vec![Vec::new(); taxonomies[t].terms.len()];
                for &p in &section_pages[s] {
                    if let Some(&i) = classification.page_terms[p][t].first() {
                        by_term[i].push(p);
                    }
                }
                for (term, pages) in taxonomies[t].terms.iter().zip(by_term) {
                    if pages.is_empty() {
                        continue;
                    }
                    let pages: Vec<PageContext<'_>> = pages.into_iter().map(full).collect();
                    count += pages.len();
                    chapters.push(serde_json::json!({ "term": term, "pages": pages }));
                }
                let home = &site.sections[0];
                let mut context = common.clone();
                context.insert(
                    "edition",
                    &serde_json::json!({
                        "home": { "title": home.index.meta.title, "content": input.sections[0].html, "summary": summary_html(&home.index, &input.sections[0]) },
                        "intro": intro,
                        "chapters": chapters,
                        "count": count,
                    }),
                );
                render_extra("guide_complet.html", &path, context, &mut output);
            }
            _ => output.diagnostics.push(
                Diagnostic::error(format!("édition imprimable : la section « {} » ou la taxonomie « {} » n'existe pas", print.section, print.chapters))
                    .in_file(crate::config::CONFIG_FILE)
                    .with_hint("reader.print.section nomme un dossier de content/, reader.print.chapters une taxonomie de guide.yaml"),
            ),
        }
    }
    if !lists {
        return output;
    }
    if let Some(open) = &config.reader.open_data {
        let pages: Vec<crate::opendata::DataPage> = site
            .pages
            .iter()
            .enumerate()
            .filter(|(_, page)| site.sections[page.section].name == open.section)
            .map(|(p, page)| crate::opendata::DataPage {
                url: summaries[p].permalink.clone(),
                title: page.meta.title.clone(),
                summary: crate::search::plain_text(&summaries[p].summary),
                date: page.meta.date.clone(),
                updated: page.meta.updated.clone(),
                taxonomies: summaries[p]
                    .taxonomies
                    .iter()
                    .map(|(name, terms)| {
                        (
                            name.to_string(),
                            terms
                                .iter()
                                .map(|t| (t.slug.clone(), t.title.clone()))
                                .collect(),
                        )
                    })
                    .collect(),
                fields: page.meta.fields.clone(),
            })
            .collect();
        let names: Vec<String> = config.taxonomies.iter().map(|t| t.name.clone()).collect();
        let columns = config
            .section(&open.section)
            .map(|s| crate::opendata::columns(&s.schema))
            .unwrap_or_default();
        let origin = PathBuf::from(crate::config::CONFIG_FILE);
        output.files.push(OutputFile {
            path: format!("{}.json", open.name),
            contents: crate::opendata::to_json(&pages).into_bytes(),
            origin: origin.clone(),
        });
        output.files.push(OutputFile {
            path: format!("{}.csv", open.name),
            contents: crate::opendata::to_csv(&pages, &names, &columns).into_bytes(),
            origin,
        });
    }

    // 4. Generated files.
    output.files.extend(crate::feeds::generate(
        config,
        site,
        &summaries_for_feeds(site, &summaries),
        &classification_urls(&taxonomies),
        build_date,
    ));
    if !everything {
        return output;
    }
    for page in &site.pages {
        for alias in &page.meta.aliases {
            let target = url(&page.path);
            output.files.push(OutputFile {
                path: crate::content::alias_output(alias),
                contents: crate::feeds::redirect_page(&target, &page.meta.title, &config.language)
                    .into_bytes(),
                origin: page.display_path.clone(),
            });
        }
    }
    output.files.push(OutputFile {
        path: "highlight.css".into(),
        contents: crate::highlight::stylesheet().into_bytes(),
        origin: PathBuf::from("highlight.css"),
    });

    // 5. Static files and content assets.
    let theme_static = input.root.join("themes").join(&config.theme).join("static");
    for dir in [theme_static, input.root.join("static")] {
        collect_copies(&dir, &mut output.copies, &mut output.diagnostics);
    }
    for asset in &site.assets {
        output.copies.push(CopyFile {
            from: input
                .root
                .join(crate::content::CONTENT_DIR)
                .join(&asset.source),
            to: asset.output.clone(),
        });
    }
    output
}

/// The context keys a job of `render_site` inserts besides the common ones and `taxonomy`.
const JOB_KEYS: [&str; 6] = [
    "page",
    "section",
    "term",
    "breadcrumbs",
    "current_url",
    "current_permalink",
];

/// The smallest run of items one rayon worker renders with one context: about eight runs per
/// thread, so that the common context is cloned a bounded number of times whatever the number
/// of files, while the work stays balanced.
fn run_length(items: usize) -> usize {
    items.div_ceil(rayon::current_num_threads() * 8).max(1)
}

fn collect_copies(dir: &Path, copies: &mut Vec<CopyFile>, diagnostics: &mut Vec<Diagnostic>) {
    if !dir.is_dir() {
        return;
    }
    for entry in walkdir::WalkDir::new(dir)
        .follow_links(false)
        .sort_by_file_name()
    {
        match entry {
            Ok(entry) if entry.file_type().is_file() => {
                let relative = entry.path().strip_prefix(dir).unwrap_or(entry.path());
                copies.push(CopyFile {
                    from: entry.path().to_path_buf(),
                    to: crate::markdown::link_key(relative),
                });
            }
            Ok(_) => {}
            Err(e) => diagnostics.push(Diagnostic::error(format!(
                "impossible de parcourir « {} » : {}",
                e.path().unwrap_or(dir).display(),
                e.io_error().map_or(
                    "boucle de liens symboliques".into(),
                    crate::fs::describe_io_error
                )
            ))),
        }
    }
}

fn summary_html(page: &Page, rendered: &Rendered) -> String {
    match (&page.meta.summary, &rendered.summary) {
        (Some(text), _) => crate::markdown::render_inline(text),
        (None, Some(html)) => html.clone(),
        (None, None) => String::new(),
    }
}

fn page_template(page: &Page, site: &Site, config: &SiteConfig) -> Option<String> {
    page.meta.template.clone().or_else(|| {
        config
            .section(&site.sections[page.section].name)
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
pub fn section_order(site: &Site, config: &SiteConfig) -> Vec<Vec<usize>> {
    let mut section_pages: Vec<Vec<usize>> = vec![Vec::new(); site.sections.len()];
    for (p, page) in site.pages.iter().enumerate() {
        section_pages[page.section].push(p);
    }
    for (s, pages) in section_pages.iter_mut().enumerate() {
        if sort_mode(site, config, s) == crate::config::SortMode::Title {
            // The same order as `compare_in_section`, with each slug computed once.
            pages.sort_by_cached_key(|&p| (crate::slug::slugify(&site.pages[p].meta.title), p));
        } else {
            let compare = compare_in_section(site, config, s);
            pages.sort_by(|&a, &b| compare(a, b));
        }
    }
    section_pages
}

fn sort_mode(site: &Site, config: &SiteConfig, s: usize) -> crate::config::SortMode {
    config
        .section(&site.sections[s].name)
        .map(|c| c.sort_by)
        .unwrap_or_default()
}

/// How two pages of section `s` compare in its order: a total order (ties go by file or index).
fn compare_in_section<'a>(
    site: &'a Site,
    config: &SiteConfig,
    s: usize,
) -> impl Fn(usize, usize) -> std::cmp::Ordering + 'a {
    let mode = sort_mode(site, config, s);
    move |a, b| {
        let (x, y) = (&site.pages[a], &site.pages[b]);
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
pub fn reposition(site: &Site, config: &SiteConfig, order: &mut [Vec<usize>], p: usize) {
    let s = site.pages[p].section;
    let compare = compare_in_section(site, config, s);
    let pages = &mut order[s];
    if let Some(at) = pages.iter().position(|&q| q == p) {
        pages.remove(at);
    }
    let at = pages.partition_point(|&q| compare(q, p) == std::cmp::Ordering::Less);
    pages.insert(at, p);
}

/// The page before and the page after `p` in its section's `order`.
pub(crate) fn neighbours(p: usize, order: &[usize]) -> impl Iterator<Item = usize> + '_ {
    let position = order.iter().position(|&x| x == p);
    let before = position.and_then(|i| i.checked_sub(1)).map(|i| order[i]);
    let after = position.and_then(|i| order.get(i + 1)).copied();
    before.into_iter().chain(after)
}

/// How many related pages a page shows.
const RELATED: usize = 3;

/// For each page, up to 3 pages of the same section sharing the most terms of the first
/// taxonomy (ties: the section's order). Pages with the same terms share one ranking, which
/// stops reading the section once enough pages share all of them.
pub fn related_pages(order: &[Vec<usize>], classification: &Classification) -> Vec<Vec<usize>> {
    let mut related = vec![Vec::new(); classification.page_terms.len()];
    for section in order {
        // Ranking of the section's pages for each term set: RELATED + 1 best, so that the
        // page itself can be left out.
        let mut rankings: HashMap<&[usize], Vec<usize>> = HashMap::new();
        for &p in section {
            let Some(own) = classification.page_terms[p]
                .first()
                .filter(|t| !t.is_empty())
            else {
                continue;
            };
            let best = rankings.entry(own.as_slice()).or_insert_with(|| {
                // Pages by number of shared terms, each list in the section's order and kept
                // to RELATED + 1; once that many share every term, no later page can rank.
                let top = own.len();
                let mut by_shared: Vec<Vec<usize>> = vec![Vec::new(); top + 1];
                for &q in section {
                    let Some(theirs) = classification.page_terms[q].first() else {
                        continue;
                    };
                    let shared = theirs.iter().filter(|t| own.contains(t)).count().min(top);
                    if shared > 0 && by_shared[shared].len() <= RELATED {
                        by_shared[shared].push(q);
                        if shared == top && by_shared[top].len() > RELATED {
                            break;
                        }
                    }
                }
                by_shared
                    .into_iter()
                    .rev()
                    .flatten()
                    .take(RELATED + 1)
                    .collect()
            });
            related[p] = best
                .iter()
                .copied()
                .filter(|&q| q != p)
                .take(RELATED)
                .collect();
        }
    }
    related
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

fn summaries_for_feeds(site: &Site, summaries: &[PageSummary<'_>]) -> Vec<crate::feeds::FeedPage> {
    site.pages
        .iter()
        .zip(summaries)
        .map(|(page, summary)| crate::feeds::FeedPage {
            title: page.meta.title.clone(),
            permalink: summary.permalink.clone(),
            date: page.meta.date.clone(),
            updated: page.meta.updated.clone(),
            summary: summary.summary.clone(),
            section: summary.section.to_string(),
        })
        .collect()
}

fn classification_urls(taxonomies: &[TaxonomyContext<'_>]) -> Vec<String> {
    taxonomies
        .iter()
        .flat_map(|t| {
            std::iter::once(t.url.clone()).chain(t.terms.iter().map(|term| term.url.clone()))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn related_pages_are_those_sharing_the_most_terms_then_the_first_in_order() {
        // 200 pages in two sections, 1 to 3 terms out of 6 each (a fixed pseudo-random draw);
        // the result must equal a plain ranking of every other page of the section.
        let mut seed: u64 = 7;
        let mut next = move |n: u64| {
            seed = seed.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1);
            (seed >> 33) % n
        };
        let page_terms: Vec<Vec<Vec<usize>>> = (0..200)
            .map(|_| {
                let mut terms: Vec<usize> = (0..=next(3)).map(|_| next(6) as usize).collect();
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
        let related = related_pages(&order, &classification);
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
                assert_eq!(related[p], expected, "page {p}");
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
