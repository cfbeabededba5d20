//! The build pipeline, from the site folder to the output folder.
//!
//! Steps (each a module, plain data between them):
//! 1. `config`: read `guide.yaml`;
//! 2. `content`: load and check `content/`;
//! 3. `markdown`: render every body (parallel), resolving links;
//! 4. `taxonomy`: resolve terms;
//! 5. `render`: templates and generated files (parallel);
//! 6. check that no two files share a URL;
//! 7. `output`: write atomically — only when no error was found, and only for `build`.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use rayon::prelude::*;

mod index;

use crate::content::DraftMode;
use crate::diagnostic::{Diagnostic, Diagnostics};
use crate::markdown::{LinkContext, MarkdownSource, Rendered};

/// What to do with the result.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OutputMode {
    /// Write the output folder.
    Write,
    /// Check only; write nothing.
    CheckOnly,
    /// Keep the files in memory, in [`BuildReport::rendered`] (for `serve`).
    Memory,
}

/// Whether `build` uses its cache ([`crate::cache`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum CacheMode {
    /// Reuse what the cache proves unchanged, and keep a cache for the next build.
    Use,
    /// `--no-cache`: render everything (the cache is still written for the next build).
    Ignore,
}

/// Whether the search index is built.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SearchMode {
    /// Build it (when `reader.search` is set).
    Build,
    /// Skip it (`--no-search`, `serve`).
    Skip,
}

/// The options of one build.
#[derive(Debug, Clone)]
pub struct BuildOptions {
    /// The site folder.
    pub root: PathBuf,
    /// The output folder (default `root/public`).
    pub output: Option<PathBuf>,
    /// Overrides `base_url` of `guide.yaml`.
    pub base_url: Option<String>,
    /// Whether drafts are published.
    pub drafts: DraftMode,
    /// Write or check.
    pub mode: OutputMode,
    /// `--force`: replace an output folder that holds files `guide` did not write.
    pub force: bool,
    /// Whether to build the search index.
    pub search: SearchMode,
    /// Whether `build` uses its cache.
    pub cache: CacheMode,
}

/// What a build did.
#[derive(Debug, Default)]
pub struct BuildReport {
    /// Every problem found, sorted.
    pub diagnostics: Vec<Diagnostic>,
    /// Number of pages (not sections).
    pub pages: usize,
    /// Number of sections, the home included.
    pub sections: usize,
    /// Number of taxonomy terms.
    pub terms: usize,
    /// Number of files written.
    pub files: usize,
    /// Wall time.
    pub elapsed: Duration,
    /// Where the site was written.
    pub output: PathBuf,
    /// In [`OutputMode::Memory`], the files of a successful build.
    pub rendered: Option<(Vec<crate::render::OutputFile>, Vec<crate::render::CopyFile>)>,
    /// How many bodies were rendered (not taken from the cache).
    pub bodies_rendered: usize,
    /// In [`OutputMode::Memory`], what a good build keeps for `serve`'s change path.
    pub prepared: Option<Box<Prepared>>,
    /// How many files were taken from the last output ([`crate::cache`]).
    pub files_reused: usize,
    /// Information for the user that is not a problem of the site (the cache ignored…).
    pub notes: Vec<String>,
}

/// The state of a good build that `serve` keeps: the loaded and rendered site, and what each
/// output read ([`crate::deps`]), so that saved pages are read alone and only the outputs
/// they reach are rendered again ([`crate::incremental`]).
pub struct Prepared {
    pub(crate) config: crate::config::SiteConfig,
    pub(crate) tera: tera::Tera,
    pub(crate) site: crate::content::Site,
    pub(crate) classification: crate::taxonomy::Classification,
    pub(crate) page_bodies: Vec<Rendered>,
    pub(crate) section_bodies: Vec<Rendered>,
    pub(crate) order: Vec<Vec<crate::plan::PageId>>,
    pub(crate) related: Vec<Vec<crate::plan::PageId>>,
    pub(crate) pages_by_source: HashMap<String, String>,
    pub(crate) assets: HashMap<String, String>,
    pub(crate) site_paths: std::collections::HashSet<String>,
    /// The terms the pages name, for [`address_problems`] and the term addresses.
    pub(crate) named_terms: crate::taxonomy::NamedTerms,
    pub(crate) base_path: String,
    pub(crate) build_date: String,
    /// What each output read when it was last rendered ([`crate::deps`]).
    pub(crate) deps: crate::deps::Graph,
    /// [`crate::deps::body_hash`] of each page's body.
    pub(crate) page_body_hashes: Vec<u64>,
    /// [`crate::deps::own_hash`] of each page.
    pub(crate) page_own_hashes: Vec<u64>,
}

impl Prepared {
    /// Keeps what each output read, with the fingerprints of the current state.
    pub fn record(&mut self, reads: Vec<(String, Vec<crate::deps::Input>)>) {
        let mut deps = std::mem::take(&mut self.deps);
        deps.record(
            &mut crate::deps::Fingerprints::new(self.deps_state()),
            reads,
        );
        self.deps = deps;
    }

    pub(crate) fn deps_state(&self) -> crate::deps::State<'_> {
        crate::deps::State {
            site: &self.site,
            section_bodies: &self.section_bodies,
            classification: &self.classification,
            order: &self.order,
            related: &self.related,
            page_body_hashes: &self.page_body_hashes,
            page_own_hashes: &self.page_own_hashes,
        }
    }

    /// Fingerprints every page's body and own facets (once, after a full build).
    pub(crate) fn hash_pages(&mut self) {
        (self.page_body_hashes, self.page_own_hashes) =
            crate::deps::page_hashes(&self.site, &self.page_bodies);
    }
}

impl std::fmt::Debug for Prepared {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Prepared")
            .field("pages", &self.site.pages.len())
            .field("sections", &self.site.sections.len())
            .finish_non_exhaustive()
    }
}

impl Prepared {
    pub(crate) fn render_input<'a>(
        &'a self,
        root: &'a Path,
        scope: crate::render::Scope<'a>,
    ) -> crate::render::RenderInput<'a> {
        crate::render::RenderInput {
            root,
            config: &self.config,
            site: &self.site,
            classification: &self.classification,
            pages: &self.page_bodies,
            sections: &self.section_bodies,
            build_date: &self.build_date,
            order: &self.order,
            related: &self.related,
            known_cards: None,
            search_records: None,
            records_to: None,
            keep_contents: true,
            sink: None,
            scope,
        }
    }

    pub(crate) fn links(&self) -> LinkContext<'_> {
        LinkContext {
            site_paths: &self.site_paths,
            root: &self.base_path,
            raw_html: self.config.markdown.raw_html,
            pages: &self.pages_by_source,
            assets: &self.assets,
            drafts: None,
        }
    }
}

/// Renders one body and checks its accessibility.
pub(crate) fn render_body(page: &crate::content::Page, links: &LinkContext<'_>) -> Rendered {
    let mut rendered = crate::markdown::render(
        &MarkdownSource {
            body: &page.body,
            body_line: page.body_line,
            source: &page.source,
            display_path: &page.display_path,
            draft: page.meta.draft,
        },
        links,
    );
    rendered.diagnostics.extend(crate::lint::check_body(
        &page.body,
        page.body_line,
        &page.display_path,
    ));
    rendered
}

/// Rendered bodies kept between builds of `serve`: a body is rendered again only when its
/// text, its path or the set of the site's URLs changed.
#[derive(Debug, Default)]
pub struct MarkdownCache {
    entries: std::sync::Mutex<HashMap<PathBuf, (u64, Rendered)>>,
}

impl MarkdownCache {
    fn from_entries(entries: HashMap<PathBuf, (u64, Rendered)>) -> Self {
        Self {
            entries: std::sync::Mutex::new(entries),
        }
    }

    /// The entries of the site's current pages and sections.
    fn take_current(self, site: &crate::content::Site) -> HashMap<PathBuf, (u64, Rendered)> {
        let mut entries = self.entries.into_inner().unwrap_or_else(|e| e.into_inner());
        let current: std::collections::HashSet<&Path> = site
            .pages
            .iter()
            .chain(site.sections.iter().map(|s| &s.index))
            .map(|page| page.display_path.as_path())
            .collect();
        entries.retain(|path, _| current.contains(path.as_path()));
        entries
    }
}

fn hash_of(parts: &[&[u8]]) -> u64 {
    use std::hash::Hash;
    crate::fingerprint::hash_with(|hasher| parts.iter().for_each(|part| part.hash(hasher)))
}

impl BuildReport {
    /// Whether the build failed.
    pub fn has_errors(&self) -> bool {
        self.diagnostics.iter().any(Diagnostic::is_error)
    }
}

/// Today's date, `YYYY-MM-DD` (UTC).
pub fn today() -> String {
    let secs = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    let days = (secs / 86_400) as i64;
    // Civil date from days since 1970-01-01 (Howard Hinnant's algorithm).
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1_460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!("{year:04}-{month:02}-{day:02}")
}

/// A progress indicator, shown only on a terminal and only when the build is slow.
struct Progress {
    bar: indicatif::ProgressBar,
    started: Instant,
}

impl Progress {
    fn new(total: u64) -> Self {
        let bar = indicatif::ProgressBar::with_draw_target(
            Some(total),
            indicatif::ProgressDrawTarget::hidden(),
        );
        bar.set_style(
            indicatif::ProgressStyle::with_template("{msg} [{bar:30}] {pos}/{len}")
                .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar())
                .progress_chars("=> "),
        );
        bar.set_message("Construction");
        Self {
            bar,
            started: Instant::now(),
        }
    }

    fn tick(&self) {
        self.bar.inc(1);
        if self.bar.is_hidden()
            && self.started.elapsed() > Duration::from_millis(500)
            && std::io::IsTerminal::is_terminal(&std::io::stderr())
        {
            self.bar
                .set_draw_target(indicatif::ProgressDrawTarget::stderr());
        }
    }
}

/// Runs the pipeline.
pub fn run(options: &BuildOptions) -> BuildReport {
    run_cached(options, None)
}

/// Runs the pipeline, reusing rendered bodies from `cache` when they cannot have changed.
pub fn run_cached(options: &BuildOptions, cache: Option<&MarkdownCache>) -> BuildReport {
    let started = Instant::now();

    crate::timings::mark("start");
    let mut report = BuildReport {
        output: options
            .output
            .clone()
            .unwrap_or_else(|| options.root.join("public")),
        ..BuildReport::default()
    };
    let mut diagnostics = Diagnostics::new();
    let Some(config) = load_config(options, &mut diagnostics) else {
        report.diagnostics = diagnostics.into_sorted();
        report.elapsed = started.elapsed();
        return report;
    };
    let target = prepare_target(options, &config, &report.output, &mut diagnostics);
    crate::timings::mark("config and target");
    let mut warm = open_cache(options, &target, &report.output, &mut report.notes);
    let stored_bodies = warm
        .as_mut()
        .map(|w| MarkdownCache::from_entries(w.take_bodies()));
    crate::timings::mark("cache loaded");
    let cache = cache.or(stored_bodies.as_ref());
    // The staging folder is taken and the templates parsed while the content loads.
    let (begun, templates, (site, named_terms, plan)) = std::thread::scope(|scope| {
        let begun = scope.spawn(|| begin_staging(target));
        let templates = scope.spawn(|| crate::render::load_templates(&options.root, &config));
        let content = load_content(options, &config, warm.as_mut(), &mut diagnostics);
        (joined(begun), joined(templates), content)
    });
    crate::timings::mark("content loaded, staging begun");
    // `check` sees drafts but refuses links to them, as the build without --drafts will.
    let draft_links =
        if options.mode == OutputMode::CheckOnly || options.drafts == DraftMode::Exclude {
            crate::markdown::DraftLinks::Refuse
        } else {
            crate::markdown::DraftLinks::Accept
        };
    let links = Links::new(&options.root, &site, &config, &plan, draft_links);
    crate::timings::mark("links");
    let progress = Progress::new((site.pages.len() + site.sections.len()) as u64);
    let bodies = render_bodies(&site, &links, cache, &progress);
    crate::timings::mark("bodies");
    for rendered in bodies.pages.iter().chain(&bodies.sections) {
        diagnostics.extend(rendered.diagnostics.iter().cloned());
    }
    let classification = crate::taxonomy::classify(&site, &config, &mut diagnostics);
    diagnostics.extend(page_warnings(
        &options.root,
        &site,
        &config,
        &classification,
    ));
    crate::timings::mark("classified, page warnings");
    report.pages = site.pages.len();
    report.sections = site.sections.len();
    report.terms = classification
        .taxonomies
        .iter()
        .map(|t| t.terms.len())
        .sum();
    let tera = templates.map_err(|e| diagnostics.extend(e)).ok();
    let order = crate::render::section_order(&site, &config);
    let related = crate::render::related_pages(&order, &classification);
    let build_date = today();
    let mut bodies = bodies;
    let mut rendered = RenderedSite::default();
    let staging = staging_for(begun, &mut diagnostics);
    // With a cache, the fingerprints of this build's state: what the last output can give.
    let hashes = (warm.as_ref()).map(|_| crate::deps::page_hashes(&site, &bodies.pages));
    let mut fingerprints = hashes.as_ref().map(|hashes| {
        let sections = bodies.sections.as_slice();
        fingerprints_of(&site, sections, &classification, &order, &related, hashes)
    });
    crate::timings::mark("fingerprints");
    // The index goes with the search page: a site without one has none.
    let indexed = options.search == SearchMode::Build && options.mode != OutputMode::CheckOnly;
    let search = (indexed && config.reader.search.is_some()).then(|| {
        let cached = warm.as_ref().zip(fingerprints.as_mut());
        index::SearchPlan::new(&site, &config, cached, &report.output)
    });
    let wanted = search.as_ref().map(|plan| plan.wanted.clone());
    crate::timings::mark("search plan");
    // A build that writes indexes the records while the pages render (see [`index::Indexer`]).
    let overlap = options.mode == OutputMode::Write && search.is_some();
    let staging = std::thread::scope(|scope| {
        let (records_to, records_from) = std::sync::mpsc::channel();
        let (indexer, search) = match search {
            Some(plan) if overlap => {
                let language = config.language.clone();
                let indexer = index::start_indexer(scope, records_from, plan, language);
                (Some(indexer), None)
            }
            search => (None, search),
        };
        if let Some(tera) = tera.as_ref().filter(|_| !diagnostics.has_errors()) {
            let input = crate::render::RenderInput {
                root: &options.root,
                config: &config,
                site: &site,
                classification: &classification,
                pages: &bodies.pages,
                sections: &bodies.sections,
                build_date: &build_date,
                order: &order,
                related: &related,
                known_cards: None,
                search_records: wanted.as_deref(),
                records_to: overlap.then_some(&records_to),
                keep_contents: options.mode != OutputMode::CheckOnly,
                sink: staging.as_ref().map(|s| s as &dyn crate::render::FileSink),
                scope: crate::render::Scope::All,
            };
            rendered = match (warm.as_mut(), fingerprints.as_mut()) {
                (Some(warm), Some(fingerprints)) => render_warm(
                    tera,
                    &input,
                    warm,
                    fingerprints,
                    &report.output,
                    &mut diagnostics,
                ),
                _ => render_all(tera, &input, &mut diagnostics),
            };
        }
        // Records not sent by now never will be: the indexer stops waiting.
        drop(records_to);
        crate::timings::mark("rendered");
        report.files_reused = warm.as_ref().map_or(0, |w| w.reused_count());
        if options.mode == OutputMode::Write && !diagnostics.has_errors() {
            // The team's web form (admin/), when guide.yaml names a Git host.
            rendered.files.extend(crate::cms::published_files(&config));
        }
        write_and_index(
            options,
            staging,
            &config.language,
            &mut rendered,
            &mut bodies.pages,
            warm.as_mut(),
            (indexer, search),
            &mut diagnostics,
            &mut report,
        )
    });
    crate::timings::mark("written and indexed");
    progress.bar.finish_and_clear();
    add_source_lines(&options.root, diagnostics.as_mut_slice());
    report.diagnostics = diagnostics.into_sorted();
    report.bodies_rendered = bodies.fresh;
    if !report.has_errors() && options.mode == OutputMode::Memory {
        report.rendered = Some((
            std::mem::take(&mut rendered.files),
            std::mem::take(&mut rendered.copies),
        ));
        if let Some(tera) = tera {
            let mut prepared = Prepared {
                base_path: config.base_path(),
                config,
                tera,
                site,
                classification,
                page_bodies: bodies.pages,
                section_bodies: bodies.sections,
                order,
                related,
                pages_by_source: links.pages_by_source,
                assets: links.assets,
                site_paths: links.site_paths,
                named_terms,
                build_date,
                deps: crate::deps::Graph::default(),
                page_body_hashes: Vec::new(),
                page_own_hashes: Vec::new(),
            };
            prepared.hash_pages();
            prepared.record(std::mem::take(&mut rendered.reads));
            report.prepared = Some(Box::new(prepared));
        }
        report.elapsed = started.elapsed();
        return report;
    }
    if let Some(staging) = staging {
        commit(staging, &mut report);
        crate::timings::mark("committed");
        if let (Some(warm), Some(bodies)) = (warm.filter(|_| !report.has_errors()), stored_bodies) {
            report
                .notes
                .extend(warm.save(&report.output, bodies.take_current(&site)));
            crate::timings::mark("cache saved");
        }
    }
    report.elapsed = started.elapsed();
    report
}

/// Swaps the new output in, unless the build failed: then the new output is removed and the
/// last good one stays.
fn commit(staging: crate::output::Staging, report: &mut BuildReport) {
    let committed = if report.has_errors() {
        Err(Vec::new())
    } else {
        staging.commit()
    };
    if let Err(errors) = committed {
        report.files = 0;
        report.files_reused = 0;
        report.diagnostics.extend(errors);
    }
}

/// For `build` into a usable output folder: its cache, unless `--no-cache`, with a note when
/// one exists but cannot be used.
fn open_cache(
    options: &BuildOptions,
    target: &Option<Result<crate::output::Target, Vec<Diagnostic>>>,
    output: &Path,
    notes: &mut Vec<String>,
) -> Option<crate::warm::Warm> {
    if !matches!(target, Some(Ok(_))) {
        return None;
    }
    let config = std::fs::read(options.root.join(crate::config::CONFIG_FILE)).ok()?;
    let settings = crate::cache::settings_key(
        &config,
        &format!("{:?}", (&options.base_url, options.drafts, options.search)),
    );
    let (warm, note) = match options.cache {
        CacheMode::Use => crate::warm::Warm::load(output, settings),
        CacheMode::Ignore => (crate::warm::Warm::empty(output, settings), None),
    };
    notes.extend(note);
    Some(warm)
}

/// The fingerprints of a build's state ([`crate::deps`]): its site, sections' bodies and
/// classification, each section's order, each page's related pages, and the pages' body and
/// own hashes (`deps::page_hashes`).
fn fingerprints_of<'a>(
    site: &'a crate::content::Site,
    sections: &'a [Rendered],
    classification: &'a crate::taxonomy::Classification,
    order: &'a [Vec<crate::ids::PageId>],
    related: &'a [Vec<crate::ids::PageId>],
    (body, own): &'a (Vec<u64>, Vec<u64>),
) -> crate::deps::Fingerprints<'a> {
    crate::deps::Fingerprints::new(crate::deps::State {
        site,
        section_bodies: sections,
        classification,
        order,
        related,
        page_body_hashes: body,
        page_own_hashes: own,
    })
}

/// Renders what the last output cannot give as it is ([`crate::warm`]), and records what the
/// rendered files read for the next build.
fn render_warm(
    tera: &tera::Tera,
    input: &crate::render::RenderInput<'_>,
    warm: &mut crate::warm::Warm,
    fingerprints: &mut crate::deps::Fingerprints<'_>,
    output: &Path,
    diagnostics: &mut Diagnostics,
) -> RenderedSite {
    let plan = crate::plan::Plan::classified(input.site, input.config, input.classification);
    let published_pdf = input
        .config
        .reader
        .print
        .as_ref()
        .and_then(|print| print.published.as_ref())
        .map(|pdf| pdf.from.as_path());
    let outputs_key = crate::cache::outputs_key(
        input.root,
        &input.config.theme,
        input.site,
        input.build_date,
        published_pdf,
    );
    // The records of the index parts built again are made beside the rest of the render:
    // those parts are what this build waits for last. Not when a template is missing: the
    // render reports it and the build fails, with no index to wait for.
    let early = (input.records_to)
        .filter(|_| input.search_records.is_some() && crate::render::templates_exist(tera, input));
    std::thread::scope(|scope| {
        if let Some(to) = early {
            // A closed channel means the build no longer wants an index.
            scope.spawn(move || drop(to.send(crate::render::search_records(tera, input))));
        }
        let ids = warm.to_render(outputs_key, &plan, fingerprints, output);
        crate::timings::mark("warm: to render");
        let input = crate::render::RenderInput {
            search_records: input.search_records.filter(|_| early.is_none()),
            records_to: input.records_to.filter(|_| early.is_none()),
            ..*input
        };
        render_again(
            tera,
            &input,
            warm,
            fingerprints,
            (&ids, outputs_key),
            diagnostics,
        )
    })
}

/// Renders `ids`, what the last output cannot give (`outputs_key`: [`crate::cache::outputs_key`]),
/// with the cards an earlier build rendered that are still right, and records what the
/// rendered files read.
fn render_again(
    tera: &tera::Tera,
    input: &crate::render::RenderInput<'_>,
    warm: &mut crate::warm::Warm,
    fingerprints: &mut crate::deps::Fingerprints<'_>,
    (ids, outputs_key): (&[crate::plan::OutputId], u64),
    diagnostics: &mut Diagnostics,
) -> RenderedSite {
    // Cards are kept when every page shows: the key of each page's card costs a fingerprint
    // of every page, more than the few cards a page shows.
    let card_keys: Vec<u64> = if crate::render::shows_every_page(ids) {
        let common = fingerprints.of(&crate::deps::Input::Common);
        let readers = crate::theme::counts::CountReaders::of(tera);
        let counts = (readers.may_read(crate::render::CARD_TEMPLATE))
            .then(|| fingerprints.of(&crate::deps::Input::Counts));
        (input.site.pages.iter())
            .map(|page| {
                let meta = fingerprints.of(&crate::deps::Input::Meta(page.display_path.clone()));
                crate::warm::card_key(meta, common, counts, outputs_key)
            })
            .collect()
    } else {
        Vec::new()
    };
    let known = warm.known_cards(input.site, &card_keys);
    crate::timings::mark("warm: card keys");
    let mut rendered = render_all(
        tera,
        &crate::render::RenderInput {
            scope: crate::render::Scope::Warm(ids),
            known_cards: (!card_keys.is_empty()).then_some(known.as_slice()),
            ..*input
        },
        diagnostics,
    );
    warm.record(fingerprints, &rendered.reads);
    crate::timings::mark("warm: rendered and recorded");
    let shown = std::mem::take(&mut rendered.cards);
    warm.keep_cards(input.site, &card_keys, known, shown);
    rendered
}

/// `guide.yaml`, with `--base-url` applied; `None` (with the errors) when it cannot be used.
fn load_config(
    options: &BuildOptions,
    diagnostics: &mut Diagnostics,
) -> Option<crate::config::SiteConfig> {
    let mut config = crate::config::load(&options.root, diagnostics)?;
    if let Some(base_url) = &options.base_url {
        diagnostics.extend(crate::config::override_base_url(&mut config, base_url));
    }
    if diagnostics.has_errors() {
        return None;
    }
    if options.mode != OutputMode::CheckOnly {
        let output = options
            .output
            .clone()
            .unwrap_or_else(|| options.root.join("public"));
        // Only a site with a printed edition has a published PDF (the fingerprint walks
        // every content file).
        if let Some(print) = config.reader.print.as_mut() {
            let fingerprint = crate::edition_pdf::inputs_fingerprint(
                &options.root,
                &config.theme,
                options.base_url.as_deref(),
                options.drafts == DraftMode::Include,
            );
            let (published, warning) =
                crate::edition_pdf::published(&output, &print.pdf, fingerprint);
            print.published = published;
            diagnostics.extend(warning);
        }
    }
    Some(config)
}

/// For `build`: the output folder, checked and locked before anything is rendered.
fn prepare_target(
    options: &BuildOptions,
    config: &crate::config::SiteConfig,
    output: &Path,
    diagnostics: &mut Diagnostics,
) -> Option<Result<crate::output::Target, Vec<Diagnostic>>> {
    if options.mode != OutputMode::Write {
        return None;
    }
    let prepared = crate::output::Target::prepare(
        output,
        crate::output::OutputOptions {
            site_root: &options.root,
            keep: &config.output.keep,
            force: options.force,
        },
    );
    Some(prepared.map(|(target, warnings)| {
        diagnostics.extend(warnings);
        target
    }))
}

/// The content, checked (unique addresses, aliases on free addresses), the terms its pages
/// name and the plan of its outputs before terms are resolved (for links and aliases).
fn load_content(
    options: &BuildOptions,
    config: &crate::config::SiteConfig,
    warm: Option<&mut crate::warm::Warm>,
    diagnostics: &mut Diagnostics,
) -> (
    crate::content::Site,
    crate::taxonomy::NamedTerms,
    crate::plan::Plan,
) {
    let site = match warm {
        Some(warm) => {
            let memo = warm.take_loads();
            let (site, memo) = crate::content::load_reusing(
                &options.root,
                config,
                options.drafts,
                &memo,
                diagnostics,
            );
            warm.set_loads(memo);
            site
        }
        None => crate::content::load(&options.root, config, options.drafts, diagnostics),
    };
    diagnostics.extend(check_unique_urls(&site, config));
    let named = crate::taxonomy::NamedTerms::of(&site, config);
    let plan = crate::plan::Plan::new(&site, config, &named.slugs(config));
    diagnostics.extend(crate::content::check_alias_targets(
        &site,
        &crate::feeds::reserved_paths(&options.root, config, &plan),
    ));
    (site, named, plan)
}

/// The problems of a site's addresses, as [`run`] finds them: two pages at one URL, an alias
/// on a generated path. For `serve`'s change path when pages come or go (which updates the
/// link tables itself); `named` holds the terms the pages name.
pub(crate) fn address_problems(
    root: &Path,
    site: &crate::content::Site,
    config: &crate::config::SiteConfig,
    named: &crate::taxonomy::NamedTerms,
) -> Vec<Diagnostic> {
    let mut diagnostics = check_unique_urls(site, config);
    let plan = crate::plan::Plan::new(site, config, &named.slugs(config));
    diagnostics.extend(crate::content::check_alias_targets(
        site,
        &crate::feeds::reserved_paths(root, config, &plan),
    ));
    diagnostics
}

/// The link tables of a site: each page's and asset's URL, every address a link may take.
struct Links {
    root: String,
    raw_html: crate::config::RawHtmlMode,
    pages_by_source: HashMap<String, String>,
    assets: HashMap<String, String>,
    site_paths: std::collections::HashSet<String>,
    /// Draft pages (published or left out) and whether a published page may link to one.
    drafts: std::collections::HashSet<String>,
    draft_links: crate::markdown::DraftLinks,
}

impl Links {
    fn new(
        site_root: &Path,
        site: &crate::content::Site,
        config: &crate::config::SiteConfig,
        plan: &crate::plan::Plan,
        draft_links: crate::markdown::DraftLinks,
    ) -> Self {
        let root = config.base_path();
        let drafts: std::collections::HashSet<String> = site
            .pages
            .iter()
            .filter(|p| p.meta.draft)
            .map(|p| crate::markdown::link_key(&p.source))
            .chain(site.drafts_left_out.iter().cloned())
            .collect();
        let pages_by_source: HashMap<String, String> = site
            .pages
            .iter()
            .chain(site.sections.iter().map(|s| &s.index))
            .map(|page| {
                let url = format!("{root}{}", page.path);
                (crate::markdown::link_key(&page.source), url)
            })
            .collect();
        let assets: HashMap<String, String> = site
            .assets
            .iter()
            .map(|a| {
                let url = format!("{root}{}", a.output);
                (crate::markdown::link_key(&a.source), url)
            })
            .collect();
        let site_paths = site_paths(site_root, plan, config, &pages_by_source, &assets);
        Self {
            raw_html: config.markdown.raw_html,
            root,
            pages_by_source,
            assets,
            site_paths,
            drafts,
            draft_links,
        }
    }

    /// A hash of every table: a body is rendered again when it changes.
    fn hash(&self) -> u64 {
        let mut keys: Vec<&str> = (self.pages_by_source.iter())
            .chain(self.assets.iter())
            .flat_map(|(k, v)| [k.as_str(), v.as_str()])
            .chain(self.site_paths.iter().map(String::as_str))
            .chain(self.drafts.iter().map(String::as_str))
            .collect();
        keys.sort_unstable();
        let refuse = self.draft_links == crate::markdown::DraftLinks::Refuse;
        hash_of(&[keys.join("\n").as_bytes(), &[u8::from(refuse)]])
    }

    fn context(&self) -> LinkContext<'_> {
        LinkContext {
            site_paths: &self.site_paths,
            root: &self.root,
            raw_html: self.raw_html,
            pages: &self.pages_by_source,
            assets: &self.assets,
            drafts: Some((&self.drafts, self.draft_links)),
        }
    }
}

/// The rendered bodies of the pages and sections, and how many were not in the cache.
struct Bodies {
    pages: Vec<Rendered>,
    sections: Vec<Rendered>,
    fresh: usize,
}

/// Renders every body (in parallel), taking from `cache` those whose text, path and links
/// are unchanged.
fn render_bodies(
    site: &crate::content::Site,
    links: &Links,
    cache: Option<&MarkdownCache>,
    progress: &Progress,
) -> Bodies {
    let context = links.context();
    let links_hash = links.hash();
    let fresh = std::sync::atomic::AtomicUsize::new(0);
    let body_of = |page: &crate::content::Page| -> Rendered {
        let key = hash_of(&[
            page.body.as_bytes(),
            page.display_path.as_os_str().as_encoded_bytes(),
            &page.body_line.to_le_bytes(),
            &links_hash.to_le_bytes(),
        ]);
        progress.tick();
        if let Some(cache) = cache {
            let entries = cache.entries.lock().unwrap_or_else(|e| e.into_inner());
            if let Some((hash, rendered)) = entries.get(&page.display_path) {
                if *hash == key {
                    return rendered.clone();
                }
            }
        }
        fresh.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let rendered = render_body(page, &context);
        if let Some(cache) = cache {
            let mut entries = cache.entries.lock().unwrap_or_else(|e| e.into_inner());
            entries.insert(page.display_path.clone(), (key, rendered.clone()));
        }
        rendered
    };
    let pages = site.pages.par_iter().map(body_of).collect();
    let sections = site
        .sections
        .par_iter()
        .map(|s| body_of(&s.index))
        .collect();
    Bodies {
        pages,
        sections,
        fresh: fresh.into_inner(),
    }
}

/// What the render stage produced for a whole build.
#[derive(Default)]
struct RenderedSite {
    files: Vec<crate::render::OutputFile>,
    copies: Vec<crate::render::CopyFile>,
    records: crate::render::Records,
    reads: Vec<(String, Vec<crate::deps::Input>)>,
    cards: Vec<(crate::ids::PageId, crate::cards::Cards)>,
}

/// Renders every output, and checks that no two share a path.
fn render_all(
    tera: &tera::Tera,
    input: &crate::render::RenderInput<'_>,
    diagnostics: &mut Diagnostics,
) -> RenderedSite {
    let output = crate::render::render_site(tera, input, diagnostics);
    diagnostics.extend(check_unique_paths(&output.files, &output.copies));
    RenderedSite {
        files: output.files,
        copies: output.copies,
        records: output.search_records,
        reads: output.reads,
        cards: output.cards,
    }
}

/// For `build` into a usable output folder: the staging folder, begun.
fn begin_staging(
    target: Option<Result<crate::output::Target, Vec<Diagnostic>>>,
) -> Option<Result<crate::output::Staging, Vec<Diagnostic>>> {
    Some(target?.and_then(crate::output::Staging::begin))
}

/// The staging folder `begun`, unless the build has errors (then it is given back as it was
/// taken, for the next build).
fn staging_for(
    begun: Option<Result<crate::output::Staging, Vec<Diagnostic>>>,
    diagnostics: &mut Diagnostics,
) -> Option<crate::output::Staging> {
    match begun? {
        Ok(staging) if !diagnostics.has_errors() => Some(staging),
        Ok(staging) => {
            staging.give_back();
            None
        }
        Err(errors) => {
            diagnostics.extend(errors);
            None
        }
    }
}

/// What a scoped thread returned; its panic goes on in the thread that joins it.
fn joined<T>(thread: std::thread::ScopedJoinHandle<'_, T>) -> T {
    thread
        .join()
        .unwrap_or_else(|panic| std::panic::resume_unwind(panic))
}

/// For `build`: writes the files the render did not put in the staging folder yet (and links
/// those the cache reuses) while the [`index::Indexer`] finishes the index (or, without one,
/// the index is built from the plan of its parts), then the index. For `check` and `serve`:
/// builds the index alone when asked, in memory. Returns the staging folder, to commit once
/// every error is known; on an error it is dropped, which removes it.
#[allow(clippy::too_many_arguments)]
fn write_and_index(
    options: &BuildOptions,
    staging: Option<crate::output::Staging>,
    language: &str,
    rendered: &mut RenderedSite,
    page_bodies: &mut Vec<Rendered>,
    warm: Option<&mut crate::warm::Warm>,
    (indexer, search): (Option<index::Indexer<'_>>, Option<index::SearchPlan>),
    diagnostics: &mut Diagnostics,
    report: &mut BuildReport,
) -> Option<crate::output::Staging> {
    // Every path written, with the file it comes from (for a clash with the search index).
    let mut written: HashMap<String, PathBuf> = HashMap::new();
    let staging = staging.filter(|_| !diagnostics.has_errors());
    let records = std::mem::take(&mut rendered.records);
    let index_alone =
        |records| search.and_then(|plan| index::index_records(plan, records, language));
    let index = match &staging {
        Some(staging) => {
            written = written_paths(&options.root, rendered);
            let reused = warm
                .as_deref()
                .map(crate::warm::Warm::reused)
                .unwrap_or_default();
            report.files = rendered.files.len() + rendered.copies.len() + reused.len();
            drop(std::mem::take(page_bodies));
            let files = std::mem::take(&mut rendered.files);
            let copies = std::mem::take(&mut rendered.copies);
            // The rest is written while the index is finished, each file freed once written.
            let (wrote, built) = std::thread::scope(|scope| {
                let writer = scope.spawn(move || {
                    staging
                        .write(files, copies)
                        .and_then(|()| staging.reuse(reused))
                });
                let built = match indexer {
                    Some(indexer) => indexer.join().ok().flatten(),
                    None => index_alone(records),
                };
                (writer.join(), built)
            });
            match wrote {
                Ok(Ok(())) => {}
                Ok(Err(errors)) => diagnostics.extend(errors),
                Err(_) => diagnostics.push(Diagnostic::error(
                    "l'écriture du site s'est interrompue (erreur interne)",
                )),
            }
            built
        }
        None if !diagnostics.has_errors() => index_alone(records),
        None => None,
    };
    if let Some(mut index) = index {
        index::note_index(warm, &mut index);
        place_index(
            index,
            staging.as_ref(),
            &written,
            rendered,
            diagnostics,
            report,
        );
    }
    staging
}

/// Puts the search index in the staging folder (`build`: its files built, and those of the
/// last output it reuses) or with the rendered files (`serve`), unless one of its paths is a
/// file of the site's.
fn place_index(
    index: index::Index,
    staging: Option<&crate::output::Staging>,
    written: &HashMap<String, PathBuf>,
    rendered: &mut RenderedSite,
    diagnostics: &mut Diagnostics,
    report: &mut BuildReport,
) {
    let built = match index.built {
        Ok(built) => built,
        Err(message) => {
            diagnostics.push(Diagnostic::error(message));
            return;
        }
    };
    let paths = (built.iter().map(|f| &f.path)).chain(index.reused.iter().map(|(p, _)| p));
    diagnostics.extend(index_clashes(paths, written));
    let Some(staging) = staging else {
        rendered.files.extend(built);
        return;
    };
    if diagnostics.has_errors() {
        return;
    }
    let (count, reused) = (built.len(), index.reused.len());
    // Its files an earlier output has as they are built are kept, not counted as reused:
    // the cache did not prove them unchanged.
    let placed = (staging.write_changed(built)).and_then(|_| staging.reuse(index.reused));
    match placed {
        Ok(()) => {
            report.files += count + reused;
            report.files_reused += reused;
        }
        Err(errors) => diagnostics.extend(errors),
    }
}

/// Every output path of a render, with the file it comes from.
fn written_paths(root: &Path, rendered: &RenderedSite) -> HashMap<String, PathBuf> {
    let files = rendered
        .files
        .iter()
        .map(|f| (f.path.clone(), f.origin.clone()));
    let copies = rendered.copies.iter().map(|c| {
        let from = c.from.strip_prefix(root).unwrap_or(&c.from);
        (c.to.clone(), from.to_path_buf())
    });
    files.chain(copies).collect()
}

/// A file of the site at a path the search index uses: an error at that file.
fn index_clashes<'a>(
    index: impl IntoIterator<Item = &'a String>,
    written: &HashMap<String, PathBuf>,
) -> Vec<Diagnostic> {
    index
        .into_iter()
        .filter_map(|path| Some((path, written.get(path)?)))
        .map(|(path, origin)| {
            Diagnostic::error(format!(
                "ce fichier produit l'adresse /{path}, que l'index de recherche utilise"
            ))
            .in_file(origin)
            .with_hint(format!(
                "le dossier « {} » est réservé à l'index de recherche : renommez le vôtre",
                crate::search::BUNDLE_DIR
            ))
        })
        .collect()
}

/// Every path the output will have, relative to the site root, for checking `/chemin/` links.
fn site_paths(
    root: &Path,
    plan: &crate::plan::Plan,
    config: &crate::config::SiteConfig,
    pages: &HashMap<String, String>,
    assets: &HashMap<String, String>,
) -> std::collections::HashSet<String> {
    let base = config.base_path();
    let mut paths: std::collections::HashSet<String> = pages
        .values()
        .chain(assets.values())
        .map(|url| url.strip_prefix(&base).unwrap_or(url).to_string())
        .collect();
    paths.extend(plan.addresses().map(str::to_string));
    paths.extend(
        crate::feeds::static_files(root, config)
            .into_iter()
            .map(|(path, _)| path),
    );
    paths
}

/// Warnings about whole pages: two with one title, an image over 1 MB, a declared term with
/// no page.
fn page_warnings(
    root: &Path,
    site: &crate::content::Site,
    config: &crate::config::SiteConfig,
    classification: &crate::taxonomy::Classification,
) -> Vec<Diagnostic> {
    // Each page's own warnings come with its loading (`content::own_warnings`).
    let mut out = same_titles(root, site);
    const IMAGE_EXTENSIONS: [&str; 7] = ["jpg", "jpeg", "png", "gif", "webp", "svg", "avif"];
    for asset in &site.assets {
        let is_image = asset.source.extension().is_some_and(|e| {
            IMAGE_EXTENSIONS.contains(&e.to_string_lossy().to_lowercase().as_str())
        });
        let size = std::fs::metadata(root.join(crate::content::CONTENT_DIR).join(&asset.source))
            .map_or(0, |m| m.len());
        if is_image && size > 1_000_000 {
            out.push(
                Diagnostic::warning(format!("image lourde : {:.1} Mo", size as f64 / 1_000_000.0))
                    .in_file(std::path::Path::new(crate::content::CONTENT_DIR).join(&asset.source))
                    .with_hint("réduisez-la sous 1 Mo (1 600 pixels de large suffisent) : les lecteurs sur téléphone vous remercieront"),
            );
        }
    }
    let config_text =
        std::fs::read_to_string(root.join(crate::config::CONFIG_FILE)).unwrap_or_default();
    // The first line of each `slug: x` of guide.yaml, found in one pass.
    let mut slug_lines: HashMap<&str, usize> = HashMap::new();
    for (i, l) in config_text.lines().enumerate() {
        if let Some(slug) = l
            .trim_start()
            .trim_start_matches("- ")
            .trim_start()
            .strip_prefix("slug: ")
        {
            slug_lines.entry(slug).or_insert(i + 1);
        }
    }
    for (taxonomy_config, taxonomy) in config.taxonomies.iter().zip(&classification.taxonomies) {
        if taxonomy_config.terms.is_none() {
            continue;
        }
        for term in taxonomy.terms.iter().filter(|t| t.pages.is_empty()) {
            let line = slug_lines.get(term.slug.as_str()).copied().unwrap_or(1);
            out.push(
                Diagnostic::warning(format!(
                    "le terme « {} » de « {} » n'a aucune page",
                    term.slug, taxonomy.name
                ))
                .in_file(crate::config::CONFIG_FILE)
                .at_line(line)
                .with_hint(
                    "sa page existera, vide : ajoutez une fiche qui l'utilise, ou retirez le terme",
                ),
            );
        }
    }
    out
}

/// Two pages with the same title (letter case, spaces and typographic apostrophes aside):
/// readers cannot tell them apart in lists and search. A warning on each page after the
/// first, at its `title:` line.
fn same_titles(root: &Path, site: &crate::content::Site) -> Vec<Diagnostic> {
    let fold = |title: &str| {
        title
            .replace('’', "'")
            .to_lowercase()
            .split_whitespace()
            .collect::<Vec<_>>()
            .join(" ")
    };
    let mut first: HashMap<String, &crate::content::Page> = HashMap::new();
    let mut out = Vec::new();
    for page in &site.pages {
        if page.meta.title.trim().is_empty() {
            continue;
        }
        let key = fold(&page.meta.title);
        let Some(earlier) = first.get(&key) else {
            first.insert(key, page);
            continue;
        };
        let text =
            std::fs::read_to_string(root.join(crate::content::CONTENT_DIR).join(&page.source))
                .unwrap_or_default();
        let line = text
            .lines()
            .position(|l| l.starts_with("title:"))
            .map_or(1, |i| i + 1);
        out.push(
            Diagnostic::warning(format!(
                "deux pages portent le même titre « {} » (aussi {})",
                page.meta.title,
                earlier.display_path.display()
            ))
            .in_file(&page.display_path)
            .at(line, 1, 5)
            .with_hint("donnez à chaque page un titre qui la distingue : les lecteurs ne peuvent pas les départager dans les listes ni dans la recherche"),
        );
    }
    out
}

/// Two pages, sections, aliases or taxonomies at one URL: an error naming both sources.
fn check_unique_urls<'a>(
    site: &'a crate::content::Site,
    config: &crate::config::SiteConfig,
) -> Vec<Diagnostic> {
    use std::borrow::Cow;
    let mut seen: HashMap<Cow<'a, str>, &'a Path> = HashMap::new();
    let mut diagnostics = Vec::new();
    let mut claim = |url: Cow<'a, str>, origin: &'a Path, what: &str| {
        if let Some(first) = seen.get(&url) {
            diagnostics.push(
                Diagnostic::error(format!(
                    "deux pages ont la même adresse /{url} : {} et {} ({what})",
                    first.display(),
                    origin.display()
                ))
                .in_file(origin)
                .with_hint(
                    "changez le « slug » de l'une des deux pages, ou renommez l'un des fichiers",
                ),
            );
        } else {
            seen.insert(url, origin);
        }
    };
    for taxonomy in &config.taxonomies {
        claim(
            Cow::Owned(format!("{}/", taxonomy.name)),
            Path::new(crate::config::CONFIG_FILE),
            "taxonomie",
        );
    }
    for section in &site.sections {
        claim(
            Cow::Borrowed(&section.index.path),
            &section.index.display_path,
            "section",
        );
    }
    for page in &site.pages {
        claim(Cow::Borrowed(&page.path), &page.display_path, "page");
    }
    for page in &site.pages {
        for alias in &page.meta.aliases {
            let trimmed = alias.trim_matches('/');
            let url = if trimmed.is_empty() || trimmed.ends_with(".html") {
                trimmed.to_string()
            } else {
                format!("{trimmed}/")
            };
            claim(Cow::Owned(url), &page.display_path, "alias");
        }
    }
    diagnostics
}

/// Two outputs at one path: an error naming both sources.
fn check_unique_paths(
    files: &[crate::render::OutputFile],
    copies: &[crate::render::CopyFile],
) -> Vec<Diagnostic> {
    let mut seen: HashMap<&str, &Path> = HashMap::new();
    let mut diagnostics = Vec::new();
    let all = files
        .iter()
        .map(|f| (f.path.as_str(), f.origin.as_path()))
        .chain(copies.iter().map(|c| (c.to.as_str(), c.from.as_path())));
    for (path, origin) in all {
        if !crate::output::is_safe_relative(path) {
            diagnostics.push(
                Diagnostic::error(format!("chemin de sortie refusé : « {path} »")).in_file(origin),
            );
            continue;
        }
        if let Some(first) = seen.insert(path, origin) {
            let url = path.trim_end_matches("index.html");
            diagnostics.push(
                Diagnostic::error(format!(
                    "deux fichiers produisent la même adresse /{url} : {} et {}",
                    first.display(),
                    origin.display()
                ))
                .in_file(origin)
                .with_hint(
                    "changez le « slug » de l'une des deux pages, ou renommez l'un des fichiers",
                ),
            );
        }
    }
    diagnostics
}

pub(crate) fn add_source_lines(root: &Path, diagnostics: &mut [Diagnostic]) {
    // Each file's lines, split once: a file may have thousands of diagnostics.
    let mut cache: HashMap<PathBuf, Option<Vec<String>>> = HashMap::new();
    for d in diagnostics
        .iter_mut()
        .filter(|d| d.source_line.is_none() && d.line.is_some())
    {
        let (Some(path), Some(line)) = (&d.path, d.line) else {
            continue;
        };
        let lines = cache.entry(path.clone()).or_insert_with(|| {
            let text = std::fs::read_to_string(root.join(path)).ok()?;
            Some(
                text.lines()
                    .map(|l| l.trim_end_matches('\r').to_string())
                    .collect(),
            )
        });
        if let Some(lines) = lines {
            d.source_line = lines.get(line.saturating_sub(1)).cloned();
        }
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn today_is_a_valid_date() {
        assert!(crate::config::is_date(&super::today()));
    }
}
