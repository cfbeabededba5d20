//! The reader features of `guide.yaml` (`reader`): the search page and the records of its
//! index, the printed edition, the open data files. One renderer each.

use std::collections::BTreeMap;
use std::path::PathBuf;

use rayon::prelude::*;

use super::shared::Shared;
use super::{date_fr, summary_html, tera_message, OutputFile, PageContext};
use crate::diagnostic::Diagnostic;
use crate::plan::{feature_path, OutputId, PageId, SectionId, TaxonomyId};

/// Renders a feature's page with its template: a missing template or a failure is an error.
fn render_feature(
    shared: &Shared<'_>,
    kind: &str,
    template: &str,
    path: &str,
    mut context: tera::Context,
) -> Result<OutputFile, Box<Diagnostic>> {
    let origin = shared.templates_dir.join(template);
    if shared.tera.get_template(template).is_err() {
        return Err(Box::new(
            Diagnostic::error(format!("gabarit obligatoire absent : « {template} »"))
                .in_file(&origin)
                .with_hint("la section « reader » de guide.yaml demande ce gabarit ; ajoutez-le au thème ou retirez l'option"),
        ));
    }
    shared.locate(
        &mut context,
        kind,
        path,
        &shared.breadcrumbs(SectionId::HOME),
    );
    match shared.tera.render(template, &context) {
        Ok(html) => Ok(shared.file(crate::plan::html_path(path), html.into_bytes(), origin)),
        Err(e) => Err(Box::new(
            Diagnostic::error(format!(
                "le gabarit « {template} » a échoué : {}",
                tera_message(&e)
            ))
            .in_file(&origin)
            .with_hint(
                "vérifiez les variables utilisées par le gabarit (docs/templates.md les décrit toutes)",
            ),
        )),
    }
}

/// The search page (`recherche.html`), when `reader.search` is set.
pub(super) fn search_page(shared: &Shared<'_>) -> Option<Result<OutputFile, Box<Diagnostic>>> {
    let config = shared.input.config;
    let search_path = config.reader.search.as_ref()?;
    let mut context = shared.common.clone();
    let filters: Vec<serde_json::Value> = config
        .taxonomies
        .iter()
        .map(|t| serde_json::json!({"name": t.name, "title": t.title}))
        .collect();
    let bundle_url = shared.url(&format!("{}/", crate::search::BUNDLE_DIR));
    context.insert(
        "search",
        &serde_json::json!({
            "bundle_url": bundle_url,
            "filters": filters,
            "lexicon_url": format!("{bundle_url}{}", crate::search::LEXICON_FILE),
            "stop_words": crate::search::STOP_WORDS.as_slice(),
        }),
    );
    Some(render_feature(
        shared,
        "search",
        "recherche.html",
        &feature_path(search_path),
        context,
    ))
}

/// The record for the search index of every page `wanted` names, in page order.
pub(super) fn search_records(shared: &Shared<'_>, wanted: &[bool]) -> super::Records {
    use rayon::prelude::*;
    let pages: Vec<PageId> = (shared.input.site.page_ids())
        .filter(|p| wanted.get(p.index()) == Some(&true))
        .collect();
    (pages.into_par_iter())
        .map(|p| (p, search_record(shared, p)))
        .collect()
}

/// What the search record of page `p` is made from (`search_record`): the page as listings
/// show it (title, address, date, weight, summary, terms with their ranks), its body, and its
/// section as listings show it (its title). The settings (`guide.yaml`: the terms' synonyms,
/// the language) are the cache's.
pub fn search_record_inputs(site: &crate::content::Site, p: PageId) -> [crate::deps::Input; 3] {
    let page = site.page(p);
    let section = &site.sections[page.section.index()].index.display_path;
    [
        crate::deps::Input::Meta(page.display_path.clone()),
        crate::deps::Input::Body(page.display_path.clone()),
        crate::deps::Input::Meta(section.clone()),
    ]
}

fn search_record(shared: &Shared<'_>, p: PageId) -> crate::search::SearchRecord {
    let (site, config) = (shared.input.site, shared.input.config);
    let page = site.page(p);
    let summary = &shared.summaries[p.index()];
    let summary_text = crate::search::plain_text(&summary.summary);
    let mut meta = BTreeMap::new();
    meta.insert("title".to_string(), page.meta.title.clone());
    meta.insert("summary".to_string(), summary_text.clone());
    meta.insert(
        "section".to_string(),
        site.sections[page.section.index()].index.meta.title.clone(),
    );
    if let Some(date) = &page.meta.date {
        meta.insert("date".to_string(), date_fr(date));
    }
    let mut filters = BTreeMap::new();
    // The other names of the page's terms (slugs, synonyms of guide.yaml), searchable but not
    // shown: Pagefind indexes every metadata field.
    let mut other_names: Vec<&str> = Vec::new();
    for (tc, terms) in config.taxonomies.iter().zip(summary.taxonomies.values()) {
        if terms.is_empty() {
            continue;
        }
        for term in terms {
            other_names.push(&term.slug);
            let declared = tc.terms.iter().flatten().find(|d| d.slug == term.slug);
            other_names.extend(
                declared
                    .into_iter()
                    .flat_map(|d| d.synonyms.iter().map(String::as_str)),
            );
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
    if !other_names.is_empty() {
        meta.insert(
            crate::search::OTHER_NAMES_META.to_string(),
            other_names.join(" · "),
        );
    }
    let mut sort = BTreeMap::new();
    sort.insert(
        "weight".to_string(),
        format!("{:012}", page.meta.weight.saturating_add(1 << 38)),
    );
    if let Some(date) = &page.meta.date {
        sort.insert("date".to_string(), date.clone());
    }
    let html = &shared.input.pages[p.index()].html;
    let body = if crate::typography::is_french(&shared.input.config.language) {
        crate::search::plain_text(&crate::typography::typeset_html(html))
    } else {
        crate::search::plain_text(html)
    };
    crate::search::SearchRecord {
        url: summary.url.clone(),
        content: crate::search::split_elisions(&format!(
            "{}. {summary_text} {body}",
            page.meta.title
        )),
        meta,
        filters,
        sort,
    }
}

/// A page whole, as the printed edition shows it.
fn full_page<'s>(shared: &'s Shared<'_>, p: PageId) -> PageContext<'s> {
    let rendered = &shared.input.pages[p.index()];
    PageContext {
        summary: &shared.summaries[p.index()],
        content: &rendered.html,
        toc: &rendered.toc,
        word_count: rendered.word_count,
        reading_time: rendered.word_count.div_ceil(200).max(1),
        previous: None,
        next: None,
        related: Vec::new(),
        source: crate::markdown::link_key(&shared.input.site.pages[p.index()].source),
    }
}

/// The printed edition (`guide_complet.html`): the home, the intro pages, then each case study
/// in its first term's chapter. Returns the file (if it could be rendered) and the problems.
pub(super) fn print_edition(shared: &Shared<'_>) -> (Option<OutputFile>, Vec<Diagnostic>) {
    let input = shared.input;
    let Some(print) = &input.config.reader.print else {
        return (None, Vec::new());
    };
    let (intro, mut problems) = print_intro(shared, &print.intro);
    let chapter_taxonomy = input
        .config
        .taxonomies
        .iter()
        .position(|t| t.name == print.chapters)
        .map(TaxonomyId::from);
    let section_index = input
        .site
        .sections
        .iter()
        .position(|s| s.name == print.section)
        .map(SectionId::from);
    let (Some(t), Some(s)) = (chapter_taxonomy, section_index) else {
        problems.push(
            Diagnostic::error(format!("édition imprimable : la section « {} » ou la taxonomie « {} » n'existe pas", print.section, print.chapters))
                .in_file(crate::config::CONFIG_FILE)
                .with_hint("reader.print.section nomme un dossier de content/, reader.print.chapters une taxonomie de guide.yaml"),
        );
        return (None, problems);
    };
    let (chapters, count) = print_chapters(shared, t, s);
    let home = &input.site.sections[0];
    let mut context = shared.common.clone();
    let printed_bodies = std::iter::once(input.sections[0].html.as_str())
        .chain(intro.iter().map(|p| p.content))
        .chain(chapters.iter().flat_map(|c| {
            c["pages"]
                .as_array()
                .into_iter()
                .flatten()
                .filter_map(|p| p["content"].as_str())
        }));
    context.insert(
        "highlighted_code",
        &printed_bodies
            .into_iter()
            .any(crate::highlight::is_highlighted),
    );
    context.insert(
        "edition",
        &serde_json::json!({
            "home": { "title": home.index.meta.title, "content": input.sections[0].html, "summary": summary_html(&home.index, &input.sections[0], &input.config.language) },
            "intro": intro,
            "chapters": chapters,
            "count": count,
        }),
    );
    match render_feature(
        shared,
        "edition",
        "guide_complet.html",
        &feature_path(&print.page),
        context,
    ) {
        Ok(file) => (Some(file), problems),
        Err(d) => {
            problems.push(*d);
            (None, problems)
        }
    }
}

/// The intro pages of the printed edition, named by their paths under `content/`.
fn print_intro<'s>(
    shared: &'s Shared<'_>,
    sources: &[String],
) -> (Vec<PageContext<'s>>, Vec<Diagnostic>) {
    let pages = &shared.input.site.pages;
    let mut problems = Vec::new();
    let intro = sources
        .iter()
        .filter_map(|source| {
            let wanted = source.trim_start_matches('/');
            let found = pages
                .iter()
                .position(|pg| crate::markdown::link_key(&pg.source) == wanted);
            if found.is_none() {
                problems.push(
                    Diagnostic::error(format!(
                        "page introuvable pour l'édition imprimable : « {source} »"
                    ))
                    .in_file(crate::config::CONFIG_FILE)
                    .with_hint("indiquez le chemin depuis content/, par exemple dispositif.md"),
                );
            }
            found.map(|p| full_page(shared, p.into()))
        })
        .collect();
    (intro, problems)
}

/// Each page of section `s` in its first term's chapter of taxonomy `t`, in the section's
/// order (one pass); chapters without pages are left out. Returns them and the page count.
fn print_chapters(
    shared: &Shared<'_>,
    t: TaxonomyId,
    s: SectionId,
) -> (Vec<serde_json::Value>, usize) {
    let input = shared.input;
    let taxonomy = &shared.taxonomies[t.index()];
    let mut by_term: Vec<Vec<PageId>> = vec![Vec::new(); taxonomy.terms.len()];
    for &p in &input.order[s.index()] {
        if let Some(&i) = input.classification.page_terms[p.index()][t.index()].first() {
            by_term[i].push(p);
        }
    }
    let mut chapters = Vec::new();
    let mut count = 0;
    for (term, pages) in taxonomy.terms.iter().zip(by_term) {
        if pages.is_empty() {
            continue;
        }
        let pages: Vec<PageContext<'_>> = pages.into_iter().map(|p| full_page(shared, p)).collect();
        count += pages.len();
        chapters.push(serde_json::json!({ "term": term, "pages": pages }));
    }
    (chapters, count)
}

/// The open data of `reader.open_data`: the JSON, the two CSV files, the Table Schema, the
/// Data Package descriptor, and the page that presents them when `page` is set.
pub(super) fn open_data(
    shared: &Shared<'_>,
) -> Vec<(OutputId, Result<OutputFile, Box<Diagnostic>>)> {
    use crate::opendata::{self, DataFile, Dialect};
    let (site, config) = (shared.input.site, shared.input.config);
    let Some(open) = &config.reader.open_data else {
        return Vec::new();
    };
    let ids: Vec<PageId> = site
        .page_ids()
        .filter(|&p| site.section(site.page(p).section).name == open.section)
        .collect();
    let pages: Vec<opendata::DataPage> =
        ids.into_par_iter().map(|p| data_page(shared, p)).collect();
    let schema = config
        .section(&open.section)
        .map(|s| s.schema.clone())
        .unwrap_or_default();
    let columns = opendata::columns(&config.taxonomies, &schema, &pages);
    let origin = PathBuf::from(crate::config::CONFIG_FILE);
    let file = |path: String, contents: String| OutputFile {
        path,
        contents: contents.into_bytes(),
        origin: origin.clone(),
    };
    let name = &open.name;
    // Tens of megabytes each on a large site: written side by side.
    let (json, (csv, excel)) = rayon::join(
        || opendata::to_json(&pages, &open.licence),
        || {
            rayon::join(
                || opendata::to_csv(&pages, &columns, Dialect::Standard),
                || opendata::to_csv(&pages, &columns, Dialect::Excel),
            )
        },
    );
    let json = file(format!("{name}.json"), json);
    let csv = file(format!("{name}.csv"), csv);
    let excel = file(format!("{name}-excel.csv"), excel);
    let schema_file = file(
        format!("{name}.schema.json"),
        opendata::table_schema(&columns, &open.licence),
    );
    let described = |f: &OutputFile, title: &str, format: &str| DataFile {
        path: f.path.clone(),
        title: title.to_string(),
        format: format.to_string(),
        bytes: f.contents.len(),
    };
    let files = vec![
        described(
            &csv,
            "Tableau CSV standard (UTF-8, virgule), décrit par son schéma",
            "csv",
        ),
        described(
            &excel,
            "Tableau pour Excel ou LibreOffice (UTF-8 avec BOM, point-virgule)",
            "csv",
        ),
        described(&json, "Catalogue complet en JSON", "json"),
    ];
    let package = file(
        "datapackage.json".into(),
        opendata::data_package(name, &config.title, &open.licence, &files),
    );
    let mut out = Vec::new();
    if let Some(page) = &open.page {
        let mut context = shared.common.clone();
        let mut listed: Vec<serde_json::Value> = files
            .iter()
            .map(|f| {
                serde_json::json!({
                    "url": shared.url(&f.path),
                    "path": f.path,
                    "title": f.title,
                    "format": f.format,
                    "size": super::size_fr(f.bytes),
                })
            })
            .collect();
        // A reader with a spreadsheet is the most common: the Excel file first.
        listed.swap(0, 1);
        for f in [&schema_file, &package] {
            let title = if f.path == "datapackage.json" {
                "Description du jeu de données (Data Package : fichiers, schéma, licence)"
            } else {
                "Schéma du tableau CSV (Table Schema : colonnes, types, descriptions)"
            };
            listed.push(serde_json::json!({
                "url": shared.url(&f.path),
                "path": f.path,
                "title": title,
                "format": "json",
                "size": super::size_fr(f.contents.len()),
            }));
        }
        let type_fr = |kind: opendata::ColumnType| match kind {
            opendata::ColumnType::String => "texte",
            opendata::ColumnType::Integer => "nombre entier",
            opendata::ColumnType::Number => "nombre",
            opendata::ColumnType::Boolean => "booléen (true ou false)",
            opendata::ColumnType::Date => "date (AAAA-MM-JJ)",
        };
        let columns: Vec<serde_json::Value> = columns
            .iter()
            .map(|c| {
                serde_json::json!({
                    "name": c.name,
                    "type": type_fr(c.kind),
                    "description": c.description,
                })
            })
            .collect();
        context.insert(
            "open_data",
            &serde_json::json!({
                "licence": open.licence,
                "files": listed,
                "columns": columns,
                "count": pages.len(),
            }),
        );
        out.push((
            OutputId::OpenDataPage,
            render_feature(
                shared,
                "open_data",
                "donnees_ouvertes.html",
                &feature_path(page),
                context,
            ),
        ));
    }
    out.extend([
        (OutputId::OpenDataJson, Ok(json)),
        (OutputId::OpenDataCsv, Ok(csv)),
        (OutputId::OpenDataExcel, Ok(excel)),
        (OutputId::OpenDataSchema, Ok(schema_file)),
        (OutputId::DataPackage, Ok(package)),
    ]);
    out
}

fn data_page(shared: &Shared<'_>, p: PageId) -> crate::opendata::DataPage {
    let page = shared.input.site.page(p);
    let summary = &shared.summaries[p.index()];
    crate::opendata::DataPage {
        url: summary.permalink.clone(),
        title: page.meta.title.clone(),
        summary: crate::search::plain_text(&summary.summary),
        date: page.meta.date.clone(),
        updated: page.meta.updated.clone(),
        edition: page
            .meta
            .edition_of(shared.input.config)
            .map(str::to_string),
        taxonomies: summary
            .taxonomies
            .iter()
            .map(|(name, terms)| {
                let terms = terms
                    .iter()
                    .map(|t| (t.slug.clone(), t.title.clone()))
                    .collect();
                (name.to_string(), terms)
            })
            .collect(),
        fields: page.meta.fields.clone(),
    }
}
