//! The outputs a theme template renders one by one: pages, sections, taxonomy lists, term
//! pages and the 404 page. One small renderer per kind fills the template's variables
//! (`docs/templates.md`); [`render`] runs them in parallel.

use std::path::PathBuf;

use rayon::prelude::*;

use super::shared::Shared;
use super::{
    page_template, run_length, section_template, summary_html, tera_message, Link, PageContext,
    SectionContext, SubsectionContext,
};
use crate::deps::Input;
use crate::diagnostic::Diagnostic;
use crate::plan::{OutputId, PageId, SectionId, TaxonomyId, TermId};

/// What a renderer decided: the template, the output path, the source for messages, and the
/// inputs it put into the template's context.
struct Target {
    template: String,
    path: String,
    origin: PathBuf,
    reads: Vec<Input>,
}

/// A rendered file and what it read.
pub(super) type Rendered = (super::OutputFile, Vec<Input>);

/// The keys a renderer inserts, removed before the context serves the next output.
const KEYS: [&str; 7] = [
    "current_kind",
    "page",
    "section",
    "term",
    "breadcrumbs",
    "current_url",
    "current_permalink",
];

/// Checks that the templates the selected pages and sections name exist.
pub(super) fn check_templates(
    tera: &tera::Tera,
    input: &super::RenderInput<'_>,
    ids: &[OutputId],
) -> Vec<Diagnostic> {
    let (site, config) = (input.site, input.config);
    let mut diagnostics = Vec::new();
    for &id in ids {
        match id {
            OutputId::Page(p) => {
                let page = &site.pages[p.index()];
                if let Some(name) = page_template(page, site, config) {
                    super::check_template(tera, &name, &page.display_path, &mut diagnostics);
                }
            }
            OutputId::Section(s) => {
                let section = &site.sections[s.index()];
                if let Some(name) = section_template(section, config) {
                    let origin = &section.index.display_path;
                    super::check_template(tera, &name, origin, &mut diagnostics);
                }
            }
            _ => {}
        }
    }
    diagnostics
}

/// Renders the templated outputs among `ids`, in parallel. Each worker renders a run of
/// outputs in one context: the common part (`taxonomies` holds every term) is cloned once per
/// run, and a taxonomy inserted once per run of its pages, so that a term page costs in
/// proportion to its own pages, not to the number of terms.
pub(super) fn render(
    shared: &Shared<'_>,
    ids: &[OutputId],
) -> Vec<Result<Rendered, Box<Diagnostic>>> {
    let ids: Vec<OutputId> = ids.iter().copied().filter(|id| id.is_templated()).collect();
    ids.par_iter()
        .with_min_len(run_length(ids.len()))
        .map_init(
            || (shared.common.clone(), None),
            |(context, shown_taxonomy): &mut (tera::Context, Option<TaxonomyId>), &id| {
                let taxonomy = match id {
                    OutputId::TaxonomyList(t) => Some(t),
                    OutputId::Term(term) => Some(term.taxonomy),
                    _ => None,
                };
                if taxonomy != *shown_taxonomy {
                    match taxonomy {
                        Some(t) => context.insert("taxonomy", &shared.taxonomies[t.index()]),
                        None => drop(context.remove("taxonomy")),
                    }
                    *shown_taxonomy = taxonomy;
                }
                let result = render_one(shared, context, id);
                give_back(shared, context, id);
                for key in KEYS {
                    context.remove(key);
                }
                result
            },
        )
        .collect()
}

fn render_one(
    shared: &Shared<'_>,
    context: &mut tera::Context,
    id: OutputId,
) -> Result<Rendered, Box<Diagnostic>> {
    let mut target = match id {
        OutputId::Page(p) => page(shared, context, p),
        OutputId::Section(s) => section(shared, context, s),
        OutputId::TaxonomyList(t) => taxonomy_list(shared, context, t),
        OutputId::Term(term) => term_page(shared, context, term),
        _ => not_found(shared, context),
    };
    if shared.cards_show_counts || shared.count_readers.may_read(&target.template) {
        target.reads.push(Input::Counts);
    }
    // Rendered straight into bytes: `Tera::render` would check the whole page is UTF-8.
    let mut html = Vec::new();
    match shared.tera.render_to(&target.template, context, &mut html) {
        Ok(()) if matches!(id, OutputId::Page(p) if shared.input.site.pages[p.index()].meta.draft) => Ok((
            shared.file(target.path, with_draft_banner(html), target.origin),
            target.reads,
        )),
        Ok(()) => Ok((
            shared.file(target.path, html, target.origin),
            target.reads,
        )),
        Err(e) => Err(Box::new(
            Diagnostic::error(format!(
                "le gabarit « {} » a échoué en rendant {} : {}",
                target.template,
                target.origin.display(),
                tera_message(&e)
            ))
            .in_file(shared.templates_dir.join(&target.template))
            .with_hint(
                "vérifiez les variables utilisées par le gabarit (docs/templates.md les décrit toutes)",
            ),
        )),
    }
}

/// The banner a draft shows (in `serve`'s preview and in `build --drafts`), whatever the
/// theme: at the top of `<main>`, or of `<body>` without one.
const DRAFT_BANNER: &str = "<p class=\"guide-brouillon\" role=\"note\" style=\"margin:0 0 1rem;padding:.6rem 1rem;border:2px dashed #8a4b00;background:#fff4e0;color:#3d2100;font-weight:bold\">Brouillon : cette page a « draft: true » dans son en-tête, elle ne sera pas publiée par « guide build ».</p>";

fn with_draft_banner(html: Vec<u8>) -> Vec<u8> {
    let text = match String::from_utf8(html) {
        Ok(text) => text,
        Err(e) => return e.into_bytes(),
    };
    let open = ["<main", "<body"].iter().find_map(|tag| {
        let at = text.find(tag)?;
        text[at..].find('>').map(|end| at + end + 1)
    });
    match open {
        Some(at) => format!("{}{DRAFT_BANNER}{}", &text[..at], &text[at..]).into_bytes(),
        None => format!("{DRAFT_BANNER}{text}").into_bytes(),
    }
}

fn page(shared: &Shared<'_>, context: &mut tera::Context, p: PageId) -> Target {
    let input = shared.input;
    let (p, page) = (p.index(), &input.site.pages[p.index()]);
    let summaries = &shared.summaries;
    let order = &input.order[page.section.index()];
    let position = shared.positions[p];
    let rendered = &input.pages[p];
    let ctx = PageContext {
        summary: &summaries[p],
        content: &rendered.html,
        toc: &rendered.toc,
        word_count: rendered.word_count,
        reading_time: rendered.word_count.div_ceil(200).max(1),
        previous: position
            .checked_sub(1)
            .map(|i| &summaries[order[i].index()]),
        next: order.get(position + 1).map(|&i| &summaries[i.index()]),
        related: (input.related[p].iter())
            .map(|&i| &summaries[i.index()])
            .collect(),
        source: crate::markdown::link_key(&page.source),
    };
    context.insert("page", &ctx);
    context.insert(
        "highlighted_code",
        &crate::highlight::is_highlighted(&rendered.html),
    );
    context.insert("section", &shared.section_ref(page.section));
    shared.locate(
        context,
        "page",
        &page.path,
        &shared.breadcrumbs(page.section),
    );
    let mut reads = vec![
        Input::Common,
        Input::Meta(page.display_path.clone()),
        Input::Body(page.display_path.clone()),
        Input::Neighbours(page.display_path.clone()),
        Input::Related(page.display_path.clone()),
    ];
    let shown = [
        position.checked_sub(1).map(|i| order[i]),
        order.get(position + 1).copied(),
    ];
    reads.extend(
        shown
            .into_iter()
            .flatten()
            .chain(input.related[p].iter().copied())
            .map(|q| shared.meta_of_page(q)),
    );
    reads.extend(shared.meta_of_trail(page.section));
    Target {
        template: page_template(page, input.site, input.config)
            .unwrap_or_else(|| "page.html".into()),
        path: crate::plan::html_path(&page.path),
        origin: page.display_path.clone(),
        reads,
    }
}

fn section(shared: &Shared<'_>, context: &mut tera::Context, s: SectionId) -> Target {
    let input = shared.input;
    let section = input.site.section(s);
    let listed = |s: SectionId| shared.listed(input.order[s.index()].iter().copied());
    let subsections: Vec<SubsectionContext> = (input.site.subsections(s))
        .map(|i| {
            let r = shared.section_ref(i);
            SubsectionContext {
                title: r.title,
                url: r.url,
                name: r.name,
            }
        })
        .collect();
    let rendered = &input.sections[s.index()];
    let ctx = SectionContext {
        title: &section.index.meta.title,
        url: shared.url(&section.index.path),
        permalink: shared.permalink(&section.index.path),
        name: &section.name,
        content: &rendered.html,
        summary: summary_html(&section.index, rendered, &input.config.language),
        toc: &rendered.toc,
        extra: &section.index.meta.extra,
        subsections,
    };
    // The pages go in as values already made (see `Shared::listed`).
    let mut value = serde_json::to_value(&ctx).unwrap_or_default();
    value["pages"] = listed(s);
    for (n, i) in (0..).zip(input.site.subsections(s)) {
        value["subsections"][n]["pages"] = listed(i);
    }
    insert_value(context, "section", value);
    context.insert(
        "highlighted_code",
        &crate::highlight::is_highlighted(&rendered.html),
    );
    let mut trail = shared.breadcrumbs(s);
    trail.pop();
    shared.locate(context, "section", &section.index.path, &trail);
    let default = if s == SectionId::HOME {
        "index.html"
    } else {
        "section.html"
    };
    let mut reads = vec![
        Input::Common,
        Input::Body(section.index.display_path.clone()),
    ];
    reads.extend(shared.meta_of_trail(s));
    for listed in std::iter::once(s).chain(input.site.subsections(s)) {
        reads.push(Input::Order(listed));
        reads.push(shared.meta_of_section(listed));
        reads.extend(
            input.order[listed.index()]
                .iter()
                .map(|&q| shared.meta_of_page(q)),
        );
    }
    Target {
        template: section_template(section, input.config).unwrap_or_else(|| default.into()),
        path: crate::plan::html_path(&section.index.path),
        origin: section.index.display_path.clone(),
        reads,
    }
}

/// Gives the summaries a listing has shown back to [`Shared::listed`].
fn give_back(shared: &Shared<'_>, context: &mut tera::Context, id: OutputId) {
    let key = match id {
        OutputId::Section(_) => "section",
        OutputId::Term(_) => "term",
        _ => return,
    };
    let Some(mut value) = context.remove(key) else {
        return;
    };
    // The first list is the value's `pages`, the others its subsections' (`section`).
    for (n, pages) in shared.listings_of(id).into_iter().enumerate() {
        let list = match n.checked_sub(1) {
            None => value.get_mut("pages"),
            Some(i) => (value.get_mut("subsections"))
                .and_then(|subsections| subsections.get_mut(i))
                .and_then(|subsection| subsection.get_mut("pages")),
        };
        if let Some(list) = list {
            shared.give_back(pages, list.take());
        }
    }
}

/// Puts `value` in `context` as `key` as it is (`Context::insert` would copy it whole).
fn insert_value(context: &mut tera::Context, key: &str, value: serde_json::Value) {
    let entry = serde_json::Map::from_iter([(key.to_string(), value)]);
    if let Ok(entry) = tera::Context::from_value(serde_json::Value::Object(entry)) {
        context.extend(entry);
    }
}

fn taxonomy_list(shared: &Shared<'_>, context: &mut tera::Context, t: TaxonomyId) -> Target {
    let path = format!("{}/", shared.taxonomies[t.index()].name);
    shared.locate(
        context,
        "taxonomy",
        &path,
        &shared.breadcrumbs(SectionId::HOME),
    );
    let mut reads = vec![Input::Common];
    reads.extend(shared.meta_of_trail(SectionId::HOME));
    Target {
        template: "taxonomy_list.html".into(),
        path: crate::plan::html_path(&path),
        origin: PathBuf::from(crate::config::CONFIG_FILE),
        reads,
    }
}

fn term_page(shared: &Shared<'_>, context: &mut tera::Context, id: TermId) -> Target {
    let (t, i) = (id.taxonomy.index(), id.index as usize);
    let taxonomy = &shared.taxonomies[t];
    let term = &taxonomy.terms[i];
    let pages = &shared.input.classification.taxonomies[t].terms[i].pages;
    // Its pages go in as values already made (see `Shared::listed`).
    let mut value = serde_json::to_value(term).unwrap_or_default();
    value["pages"] = shared.listed(pages.iter().copied());
    insert_value(context, "term", value);
    let mut trail = shared.breadcrumbs(SectionId::HOME);
    trail.push(Link {
        title: taxonomy.title.to_string(),
        url: taxonomy.url.clone(),
    });
    let path = format!("{}/{}/", taxonomy.name, term.slug);
    shared.locate(context, "term", &path, &trail);
    let mut reads = vec![
        Input::Common,
        Input::Term(TaxonomyId::from(t), term.slug.to_string()),
    ];
    reads.extend(pages.iter().map(|&q| shared.meta_of_page(q)));
    reads.extend(shared.meta_of_trail(SectionId::HOME));
    Target {
        template: "taxonomy_term.html".into(),
        path: crate::plan::html_path(&path),
        origin: PathBuf::from(crate::config::CONFIG_FILE),
        reads,
    }
}

fn not_found(shared: &Shared<'_>, context: &mut tera::Context) -> Target {
    shared.locate(context, "not_found", "404.html", &[]);
    Target {
        template: "404.html".into(),
        path: "404.html".into(),
        origin: PathBuf::from("404.html"),
        reads: vec![Input::Common],
    }
}
