//! Markdown to HTML, with what the guide needs beyond CommonMark.
//!
//! Steps, over pulldown-cmark's events:
//! 1. parse with tables, footnotes, strikethrough, task lists, smart punctuation and heading
//!    attributes;
//! 2. give every heading a unique French slug id and collect the table of contents;
//! 3. refuse URLs that run code (`javascript:`…, see [`crate::sanitize`]) and drop heading
//!    attributes the site does not allow; resolve internal links (`@/projets/fiche.md`,
//!    relative `.md` links) to URLs and check relative links to files, which become absolute
//!    URLs;
//! 4. highlight fenced code with syntect (CSS classes), up to [`crate::highlight::LIMIT`]
//!    bytes a block;
//! 5. give footnotes ids of their own (`note-…`), unique on the page;
//! 6. cut the summary at `<!-- more -->`.
//!
//! French typography is not applied here but to the whole page, once
//! ([`crate::typography::typeset_html`]), so that it sees text across inline elements and
//! every text of the page, whatever put it there.

use std::collections::HashMap;
use std::path::{Component, Path};

use pulldown_cmark::{
    CodeBlockKind, CowStr, Event, HeadingLevel, LinkType, Options, Parser, Tag, TagEnd,
};
use serde::Serialize;

use crate::diagnostic::{closest, Diagnostic};
use crate::sanitize::{self, percent_decode, HeadingAttributes, UrlUse};
use crate::slug::{slugify, UniqueIds};

/// The line that ends a page's summary.
pub const MORE_MARKER: &str = "<!-- more -->";

/// An entry of a page's table of contents.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, serde::Deserialize)]
pub struct TocEntry {
    /// 2 to 6 (1 for a `#` heading).
    pub level: u8,
    /// The heading's id.
    pub id: String,
    /// The heading's text.
    pub title: String,
    /// Headings one level down.
    pub children: Vec<TocEntry>,
}

/// What the Markdown stage needs to know about the site.
#[derive(Debug)]
pub struct LinkContext<'a> {
    /// Source path (relative to `content/`, `/` separators) of every page and section → URL.
    pub pages: &'a HashMap<String, String>,
    /// Source path of every other file of `content/` → URL.
    pub assets: &'a HashMap<String, String>,
    /// Every path the output will have, relative to the site root (`projets/fiche/`,
    /// `themes/`, `atom.xml`…), to check links written as `/chemin/`.
    pub site_paths: &'a std::collections::HashSet<String>,
    /// The base path of the site (`/` or `/guide/`), prefixed to `/chemin/` links.
    pub root: &'a str,
    /// What to do with raw HTML written in Markdown.
    pub raw_html: crate::config::RawHtmlMode,
    /// Source paths (relative to `content/`) of draft pages, published or not, and whether
    /// a published page may link to them. `check` refuses such a link, since `build`
    /// without `--drafts` leaves the draft out; `serve` and `build --drafts` accept it.
    pub drafts: Option<(&'a std::collections::HashSet<String>, DraftLinks)>,
}

/// Whether a published page may link to a draft.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DraftLinks {
    /// The drafts are published too (`build --drafts`, `serve`).
    Accept,
    /// The drafts will be left out (`check`, `build`).
    Refuse,
}

/// The page being rendered.
#[derive(Debug)]
pub struct MarkdownSource<'a> {
    /// The Markdown.
    pub body: &'a str,
    /// 1-based line of the file where `body` starts.
    pub body_line: usize,
    /// Path relative to `content/`.
    pub source: &'a Path,
    /// Path for messages.
    pub display_path: &'a Path,
    /// Whether the page is a draft (it may link to other drafts).
    pub draft: bool,
}

/// A rendered body's HTML: its own text, or a part of a text shared with others (the build
/// cache reads every stored body in one piece: [`crate::cache`]).
#[derive(Debug, Clone)]
pub struct Html(HtmlText);

#[derive(Debug, Clone)]
enum HtmlText {
    Own(String),
    Shared(std::sync::Arc<String>, std::ops::Range<usize>),
}

impl Html {
    /// The part `range` of `text`; `None` unless `range` lies within it at character boundaries.
    pub fn shared(text: &std::sync::Arc<String>, range: std::ops::Range<usize>) -> Option<Self> {
        text.get(range.clone())?;
        Some(Self(HtmlText::Shared(std::sync::Arc::clone(text), range)))
    }

    /// The HTML.
    pub fn as_str(&self) -> &str {
        match &self.0 {
            HtmlText::Own(text) => text,
            HtmlText::Shared(text, range) => &text[range.clone()],
        }
    }

    /// Where it lies in `text`, if it is a part of that very text.
    pub fn range_in(&self, text: &std::sync::Arc<String>) -> Option<std::ops::Range<usize>> {
        match &self.0 {
            HtmlText::Shared(shared, range) if std::sync::Arc::ptr_eq(shared, text) => {
                Some(range.clone())
            }
            _ => None,
        }
    }
}

impl Default for Html {
    fn default() -> Self {
        Self(HtmlText::Own(String::new()))
    }
}

impl From<String> for Html {
    fn from(text: String) -> Self {
        Self(HtmlText::Own(text))
    }
}

impl std::ops::Deref for Html {
    type Target = str;

    fn deref(&self) -> &str {
        self.as_str()
    }
}

impl std::fmt::Display for Html {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

impl serde::Serialize for Html {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.as_str())
    }
}

/// A rendered body.
#[derive(Debug, Clone, Default)]
pub struct Rendered {
    /// The HTML.
    pub html: Html,
    /// The HTML before `<!-- more -->`, if the marker is present.
    pub summary: Option<String>,
    /// The table of contents (nested).
    pub toc: Vec<TocEntry>,
    /// Number of words of text.
    pub word_count: usize,
    /// Broken links and other problems.
    pub diagnostics: Vec<Diagnostic>,
}

fn options() -> Options {
    Options::ENABLE_TABLES
        | Options::ENABLE_FOOTNOTES
        | Options::ENABLE_STRIKETHROUGH
        | Options::ENABLE_TASKLISTS
        | Options::ENABLE_SMART_PUNCTUATION
        | Options::ENABLE_HEADING_ATTRIBUTES
}

/// Places a diagnostic at the byte range `range` of the body.
pub(crate) fn locate_in_body(
    d: Diagnostic,
    body: &str,
    range: &std::ops::Range<usize>,
    body_line: usize,
) -> Diagnostic {
    let start = range.start.min(body.len());
    let before = &body.as_bytes()[..start];
    let line = body_line + before.iter().filter(|b| **b == b'\n').count();
    let line_start = before
        .iter()
        .rposition(|b| *b == b'\n')
        .map_or(0, |i| i + 1);
    let column = body
        .get(line_start..start)
        .map_or(1, |s| s.chars().count() + 1);
    let end = body[start..]
        .find('\n')
        .map_or(body.len(), |i| start + i)
        .min(range.end.max(start));
    let span = body.get(start..end).map_or(1, |s| s.chars().count());
    d.at(line, column, span)
}

/// Normalises `base_dir/relative` inside `content/`; `None` when it climbs out.
fn join_inside(base_dir: &Path, relative: &str) -> Option<String> {
    let mut parts: Vec<String> = base_dir
        .components()
        .filter_map(|c| match c {
            Component::Normal(s) => Some(s.to_string_lossy().into_owned()),
            _ => None,
        })
        .collect();
    for segment in relative.split('/') {
        match segment {
            "" | "." => {}
            ".." => {
                parts.pop()?;
            }
            other => parts.push(other.to_string()),
        }
    }
    Some(parts.join("/"))
}

enum LinkOutcome {
    Keep,
    Rewrite(String),
    Error(String, String),
}

fn resolve_link(dest: &str, is_image: bool, source: &Path, ctx: &LinkContext<'_>) -> LinkOutcome {
    // What follows the path (`?q=qvct#liste`) is kept as written after the resolved path.
    let (path_part, suffix) = match dest.find(['?', '#']) {
        Some(i) => (&dest[..i], &dest[i..]),
        None => (dest, ""),
    };
    if let Some(target) = path_part.strip_prefix("@/") {
        return match ctx.pages.get(target) {
            Some(url) => LinkOutcome::Rewrite(format!("{url}{suffix}")),
            None => {
                let hint = closest(target, ctx.pages.keys().map(String::as_str))
                    .map(|best| format!("vouliez-vous dire « @/{best} » ?"))
                    .unwrap_or_else(|| {
                        "le chemin part du dossier content/, par exemple @/projets/fiche.md".into()
                    });
                LinkOutcome::Error(format!("lien vers une page inexistante : « {dest} »"), hint)
            }
        };
    }
    let has_scheme = path_part.split_once(':').is_some_and(|(scheme, _)| {
        !scheme.is_empty()
            && scheme
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || "+-.".contains(c))
    });
    if let Some(absolute) = path_part.strip_prefix('/').filter(|p| !p.starts_with('/')) {
        let decoded = percent_decode(absolute);
        let key = decoded.strip_suffix("index.html").unwrap_or(&decoded);
        let known = ctx.site_paths.contains(key)
            || (!key.is_empty()
                && !key.ends_with('/')
                && ctx.site_paths.contains(&format!("{key}/")));
        if known || key.is_empty() {
            let key = if known && !ctx.site_paths.contains(key) {
                format!("{key}/")
            } else {
                key.to_string()
            };
            return LinkOutcome::Rewrite(format!("{}{key}{suffix}", ctx.root));
        }
        return LinkOutcome::Error(
            format!("lien vers une adresse inexistante du site : « {dest} »"),
            closest(key, ctx.site_paths.iter().map(String::as_str))
                .map(|best| format!("vouliez-vous dire « /{best} » ?"))
                .unwrap_or_else(|| {
                    "pour une page du site, écrivez plutôt [texte](@/chemin/de/la-page.md)".into()
                }),
        );
    }
    if has_scheme || path_part.is_empty() || path_part.starts_with('/') {
        return LinkOutcome::Keep;
    }
    if path_part.to_ascii_lowercase().starts_with("www.") {
        return LinkOutcome::Error(
            format!("adresse web sans « https:// » : « {dest} »"),
            format!("écrivez l'adresse complète : [texte](https://{dest}) ; sans « https:// », le lien est pris pour un fichier du site"),
        );
    }
    let base_dir = source.parent().unwrap_or(Path::new(""));
    let decoded = percent_decode(path_part);
    let Some(target) = join_inside(base_dir, &decoded) else {
        return LinkOutcome::Error(
            format!("le lien « {dest} » sort du dossier content/"),
            "placez le fichier dans content/, à côté de la page".into(),
        );
    };
    if target.ends_with(".md") {
        return match ctx.pages.get(&target) {
            Some(url) => LinkOutcome::Rewrite(format!("{url}{suffix}")),
            None => LinkOutcome::Error(
                format!("lien vers une page inexistante : « {dest} »"),
                "vérifiez le nom du fichier, ou écrivez le lien depuis content/ : @/section/fiche.md".into(),
            ),
        };
    }
    let last = decoded.rsplit('/').next().unwrap_or("");
    if !is_image && !last.contains('.') {
        // A relative URL such as `../autre-page/`: not a file to check.
        return LinkOutcome::Keep;
    }
    match ctx.assets.get(&target) {
        Some(url) => LinkOutcome::Rewrite(format!("{url}{suffix}")),
        None => {
            let what = if is_image {
                "image introuvable"
            } else {
                "fichier introuvable"
            };
            LinkOutcome::Error(
                format!("{what} : « {dest} » (cherché en content/{target})"),
                "vérifiez le nom du fichier (majuscules, accents, extension) et qu'il est bien à côté de la page".into(),
            )
        }
    }
}

fn nest(flat: Vec<TocEntry>) -> Vec<TocEntry> {
    let mut root: Vec<TocEntry> = Vec::new();
    for entry in flat {
        insert(&mut root, entry);
    }
    root
}

fn insert(siblings: &mut Vec<TocEntry>, entry: TocEntry) {
    if let Some(last) = siblings.last_mut() {
        if entry.level > last.level {
            insert(&mut last.children, entry);
            return;
        }
    }
    siblings.push(entry);
}

/// A link or image destination, resolved; a broken one is reported at its place in the body.
fn rewrite<'e>(
    dest: CowStr<'e>,
    is_image: bool,
    range: &std::ops::Range<usize>,
    page: &MarkdownSource<'_>,
    ctx: &LinkContext<'_>,
    out: &mut Vec<Diagnostic>,
) -> CowStr<'e> {
    let mut outcome = resolve_link(&dest, is_image, page.source, ctx);
    if let Some((drafts, mode)) = ctx.drafts {
        let to_draft = page_target(&dest, page.source).is_some_and(|t| drafts.contains(&t));
        let refused = match &outcome {
            LinkOutcome::Error(..) => to_draft,
            LinkOutcome::Rewrite(_) => to_draft && mode == DraftLinks::Refuse && !page.draft,
            LinkOutcome::Keep => false,
        };
        if refused {
            outcome = LinkOutcome::Error(
                format!("lien vers un brouillon : « {dest} »"),
                "la page liée a « draft: true » et ne sera pas publiée : retirez le lien, ou publiez-la en retirant « draft: true » (guide build --drafts publie aussi les brouillons)".into(),
            );
        }
    }
    match outcome {
        LinkOutcome::Keep => dest,
        LinkOutcome::Rewrite(url) => url.into(),
        LinkOutcome::Error(message, hint) => {
            let d = Diagnostic::error(message)
                .in_file(page.display_path)
                .with_hint(hint);
            out.push(locate_in_body(d, page.body, range, page.body_line));
            dest
        }
    }
}

/// The source path (relative to `content/`) of the page a link points to, if it names one.
fn page_target(dest: &str, source: &Path) -> Option<String> {
    let path = dest.split(['?', '#']).next().unwrap_or("");
    if let Some(target) = path.strip_prefix("@/") {
        return Some(target.to_string());
    }
    if !path.ends_with(".md") || path.contains(':') || path.starts_with('/') {
        return None;
    }
    join_inside(
        source.parent().unwrap_or(Path::new("")),
        &percent_decode(path),
    )
}

/// What a refused URL becomes in the output.
const REFUSED_URL: &str = "#";

/// The reference definitions of a body (`[x]: https://…`): where each is, by label, and
/// which were reported.
struct Definitions {
    spans: HashMap<String, std::ops::Range<usize>>,
    reported: std::collections::HashSet<usize>,
}

/// A reference label as CommonMark matches it: case and runs of whitespace do not count.
fn label_key(label: &str) -> String {
    label
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .to_lowercase()
}

impl Definitions {
    /// Reads the definitions and reports every one whose URL is refused even for an image,
    /// used or not.
    fn check(
        all: &pulldown_cmark::RefDefs<'_>,
        page: &MarkdownSource<'_>,
        out: &mut Vec<Diagnostic>,
    ) -> Self {
        let mut definitions = Self {
            spans: HashMap::new(),
            reported: std::collections::HashSet::new(),
        };
        for (label, def) in all.iter() {
            definitions.spans.insert(label_key(label), def.span.clone());
            if let Some(message) = sanitize::refused_url(&def.dest, UrlUse::Image) {
                definitions.reported.insert(def.span.start);
                out.push(url_error(message, page, &def.span));
            }
        }
        definitions
    }

    /// Where the definition of `label` is, the first time it must be reported.
    fn report_once(&mut self, label: &str) -> Option<std::ops::Range<usize>> {
        let span = self.spans.get(&label_key(label))?.clone();
        self.reported.insert(span.start).then_some(span)
    }
}

fn url_error(
    message: String,
    page: &MarkdownSource<'_>,
    range: &std::ops::Range<usize>,
) -> Diagnostic {
    let d = Diagnostic::error(message)
        .in_file(page.display_path)
        .with_hint(sanitize::URL_HINT);
    locate_in_body(d, page.body, range, page.body_line)
}

/// A link or image written through a reference (`[texte][x]`, `[x]`).
fn is_reference(link_type: LinkType) -> bool {
    matches!(
        link_type,
        LinkType::Reference
            | LinkType::ReferenceUnknown
            | LinkType::Collapsed
            | LinkType::CollapsedUnknown
            | LinkType::Shortcut
            | LinkType::ShortcutUnknown
    )
}

/// A link or image being read, with where it is.
struct Destination<'p, 'e> {
    url: CowStr<'e>,
    usage: UrlUse,
    link_type: LinkType,
    label: &'p str,
    range: &'p std::ops::Range<usize>,
}

/// `Some("#")` when the URL is refused, reported at its place (or at its reference
/// definition, once); `None` when it may go on.
fn refuse<'e>(
    dest: &Destination<'_, '_>,
    page: &MarkdownSource<'_>,
    definitions: &mut Definitions,
    out: &mut Vec<Diagnostic>,
) -> Option<CowStr<'e>> {
    let message = sanitize::refused_url(&dest.url, dest.usage)?;
    let at = if is_reference(dest.link_type) {
        definitions.report_once(dest.label)
    } else {
        Some(dest.range.clone())
    };
    if let Some(at) = at {
        out.push(url_error(message, page, &at));
    }
    Some(REFUSED_URL.into())
}

/// A heading being read: its start tag's parts, its inner events and its text.
struct HeadingBuffer<'a> {
    level: HeadingLevel,
    attributes: HeadingAttributes<'a>,
    inner: Vec<Event<'a>>,
    text: String,
}

/// A fenced or indented code block being read.
struct CodeBuffer {
    language: Option<String>,
    text: String,
    start: std::ops::Range<usize>,
}

impl CodeBuffer {
    /// The block's HTML; a warning when it is too long to highlight.
    fn finish(self, page: &MarkdownSource<'_>, out: &mut Vec<Diagnostic>) -> String {
        let language = self.language.as_deref();
        if crate::highlight::too_long_to_highlight(&self.text, language) {
            let d = Diagnostic::warning(format!(
                "bloc de code trop long pour la coloration syntaxique ({}, la limite est de {}) : il est affiché sans couleurs",
                size_fr(self.text.len()),
                size_fr(crate::highlight::LIMIT)
            ))
            .in_file(page.display_path)
            .with_hint("découpez-le en blocs plus courts, ou joignez le code en fichier : [le code complet](code.txt)");
            out.push(locate_in_body(d, page.body, &self.start, page.body_line));
        }
        crate::highlight::code_block(&self.text, language)
    }
}

/// A size for an editor: `128 Ko`, `6,1 Mo` (1 Ko = 1 024 octets).
fn size_fr(bytes: usize) -> String {
    let kilo = bytes.div_ceil(1024);
    if kilo < 1024 {
        format!("{kilo} Ko")
    } else {
        format!("{:.1} Mo", bytes as f64 / (1024.0 * 1024.0)).replace('.', ",")
    }
}

/// The attributes of a heading that `mode` allows; a warning at the heading for the others.
fn checked_attributes<'a>(
    mut attributes: HeadingAttributes<'a>,
    mode: crate::config::RawHtmlMode,
    range: &std::ops::Range<usize>,
    page: &MarkdownSource<'_>,
    out: &mut Vec<Diagnostic>,
) -> HeadingAttributes<'a> {
    let dropped = attributes.filter(mode);
    if !dropped.is_empty() {
        let (message, hint) = sanitize::dropped_attributes_message(&dropped, mode);
        let d = Diagnostic::warning(message)
            .in_file(page.display_path)
            .with_hint(hint);
        out.push(locate_in_body(d, page.body, range, page.body_line));
    }
    attributes
}

/// Renders one body.
pub fn render(page: &MarkdownSource<'_>, ctx: &LinkContext<'_>) -> Rendered {
    let mut rendered = Rendered::default();
    let parser = Parser::new_ext(page.body, options());
    let definitions = Definitions::check(
        parser.reference_definitions(),
        page,
        &mut rendered.diagnostics,
    );
    let mut body = BodyRenderer {
        page,
        ctx,
        definitions,
        rendered,
        ids: UniqueIds::default(),
        flat_toc: Vec::new(),
        events: Vec::new(),
        more_at: None,
        heading: None,
        code: None,
        image: None,
    };
    for (event, range) in merge_text(parser.into_offset_iter()) {
        body.feed(event, &range);
    }
    body.finish()
}

/// A body being rendered: the events kept so far, the heading, code block or image being
/// read, and what is learnt on the way (ids, table of contents, diagnostics).
struct BodyRenderer<'r, 'e, 'c> {
    page: &'r MarkdownSource<'e>,
    ctx: &'r LinkContext<'c>,
    definitions: Definitions,
    rendered: Rendered,
    ids: UniqueIds,
    flat_toc: Vec<TocEntry>,
    events: Vec<Event<'e>>,
    /// Where `<!-- more -->` cuts `events`, the first time it is met outside a heading.
    more_at: Option<usize>,
    heading: Option<HeadingBuffer<'e>>,
    code: Option<CodeBuffer>,
    /// An image being read: where it starts, and its alternative text so far.
    image: Option<(std::ops::Range<usize>, String)>,
}

impl<'e> BodyRenderer<'_, 'e, '_> {
    /// Takes one event of the parser (text runs merged), at `range` in the body.
    fn feed(&mut self, event: Event<'e>, range: &std::ops::Range<usize>) {
        if self.code.is_some() {
            self.code_event(event);
        } else if let Some(event) = self.checked(event, range) {
            self.place(event, range);
        }
    }

    /// An event inside a code block: text is buffered, the end highlights the block.
    fn code_event(&mut self, event: Event<'e>) {
        match event {
            Event::Text(t) => {
                if let Some(block) = self.code.as_mut() {
                    block.text.push_str(&t);
                }
            }
            Event::End(TagEnd::CodeBlock) => {
                if let Some(block) = self.code.take() {
                    let html = block.finish(self.page, &mut self.rendered.diagnostics);
                    self.events.push(Event::Html(html.into()));
                }
            }
            _ => {}
        }
    }

    /// The event with its URL checked and resolved, raw HTML escaped as configured, words
    /// counted; `None` for what is not kept as is (a code block's start, the more marker).
    fn checked(&mut self, event: Event<'e>, range: &std::ops::Range<usize>) -> Option<Event<'e>> {
        let event = match event {
            Event::Start(Tag::CodeBlock(kind)) => {
                self.start_code(kind, range);
                return None;
            }
            Event::Start(Tag::Link {
                link_type,
                dest_url,
                title,
                id,
            }) => {
                let dest_url = self.url(false, link_type, dest_url, &id, range);
                Event::Start(Tag::Link {
                    link_type,
                    dest_url,
                    title,
                    id,
                })
            }
            Event::Start(Tag::Image {
                link_type,
                dest_url,
                title,
                id,
            }) => {
                let dest_url = self.url(true, link_type, dest_url, &id, range);
                self.image = Some((range.clone(), String::new()));
                Event::Start(Tag::Image {
                    link_type,
                    dest_url,
                    title,
                    id,
                })
            }
            Event::End(TagEnd::Image) => {
                self.check_alternative_text();
                Event::End(TagEnd::Image)
            }
            Event::Text(text) => {
                self.read_text(&text);
                Event::Text(text)
            }
            Event::Html(html) | Event::InlineHtml(html) if html.trim() == MORE_MARKER => {
                if self.more_at.is_none() && self.heading.is_none() {
                    self.more_at = Some(self.events.len());
                }
                return None;
            }
            Event::Html(html) | Event::InlineHtml(html)
                if self.ctx.raw_html == crate::config::RawHtmlMode::Escape =>
            {
                Event::Text(html)
            }
            other => other,
        };
        Some(event)
    }

    /// Starts buffering a code block, with the language its fence names.
    fn start_code(&mut self, kind: CodeBlockKind<'_>, range: &std::ops::Range<usize>) {
        let language = match kind {
            CodeBlockKind::Fenced(info) => info.split_whitespace().next().map(str::to_string),
            CodeBlockKind::Indented => None,
        };
        self.code = Some(CodeBuffer {
            language,
            text: String::new(),
            start: range.clone(),
        });
    }

    /// The URL a link or image is written with: `#` when refused, kept for an autolink,
    /// else resolved (a broken one reported).
    fn url(
        &mut self,
        is_image: bool,
        link_type: LinkType,
        url: CowStr<'e>,
        label: &str,
        range: &std::ops::Range<usize>,
    ) -> CowStr<'e> {
        let autolink = !is_image && matches!(link_type, LinkType::Autolink | LinkType::Email);
        let dest = Destination {
            url,
            usage: if is_image {
                UrlUse::Image
            } else {
                UrlUse::Link
            },
            link_type,
            label,
            range,
        };
        let out = &mut self.rendered.diagnostics;
        match refuse(&dest, self.page, &mut self.definitions, out) {
            Some(refused) => refused,
            None if autolink => dest.url,
            None => rewrite(dest.url, is_image, range, self.page, self.ctx, out),
        }
    }

    /// At the end of an image: an error when its alternative text is empty.
    fn check_alternative_text(&mut self) {
        let Some((at, alt)) = self.image.take() else {
            return;
        };
        if alt.trim().is_empty() {
            let d = Diagnostic::error("image sans texte alternatif")
                .in_file(self.page.display_path)
                .with_hint("décrivez l'image entre les crochets : ![Ce que montre l'image](fichier.jpg) (RGAA, critère 1.1)");
            let page = self.page;
            self.rendered
                .diagnostics
                .push(locate_in_body(d, page.body, &at, page.body_line));
        }
    }

    /// Text: part of the alternative text of an image being read; its words counted.
    fn read_text(&mut self, text: &str) {
        if let Some((_, alt)) = self.image.as_mut() {
            alt.push_str(text);
        }
        self.rendered.word_count += text
            .split_whitespace()
            .filter(|w| w.chars().any(char::is_alphanumeric))
            .count();
    }

    /// Keeps a checked event: headings are buffered to compute their id and TOC text.
    fn place(&mut self, event: Event<'e>, range: &std::ops::Range<usize>) {
        match event {
            Event::Start(Tag::Heading {
                level,
                id,
                classes,
                attrs,
            }) => {
                let attributes = checked_attributes(
                    HeadingAttributes { id, classes, attrs },
                    self.ctx.raw_html,
                    range,
                    self.page,
                    &mut self.rendered.diagnostics,
                );
                self.heading = Some(HeadingBuffer {
                    level,
                    attributes,
                    inner: Vec::new(),
                    text: String::new(),
                });
            }
            Event::End(TagEnd::Heading(_)) => self.end_heading(),
            other => match self.heading.as_mut() {
                Some(HeadingBuffer { inner, text, .. }) => {
                    if let Event::Text(t) | Event::Code(t) = &other {
                        text.push_str(t);
                    }
                    inner.push(other);
                }
                None => self.events.push(other),
            },
        }
    }

    /// Writes the heading being read with a unique id (its own, or the slug of its text),
    /// and adds it to the table of contents.
    fn end_heading(&mut self) {
        let Some(HeadingBuffer {
            level,
            attributes: HeadingAttributes { id, classes, attrs },
            inner,
            text,
        }) = self.heading.take()
        else {
            return;
        };
        let title = text.split_whitespace().collect::<Vec<_>>().join(" ");
        let id = match id {
            Some(id) => self.ids.make_unique(&id),
            None => self.ids.make_unique(&slugify(&title)),
        };
        self.flat_toc.push(TocEntry {
            level: level as u8,
            id: id.clone(),
            title,
            children: Vec::new(),
        });
        self.events.push(Event::Start(Tag::Heading {
            level,
            id: Some(id.into()),
            classes,
            attrs,
        }));
        self.events.extend(inner);
        self.events.push(Event::End(TagEnd::Heading(level)));
    }

    /// The HTML, the summary before the more marker, the nested table of contents.
    fn finish(mut self) -> Rendered {
        name_footnotes(&mut self.events, &mut self.ids);
        let mut html = String::with_capacity(self.page.body.len() * 3 / 2);
        if let Some(cut) = self.more_at {
            let mut summary = String::new();
            pulldown_cmark::html::push_html(&mut summary, self.events[..cut].iter().cloned());
            self.rendered.summary = Some(summary);
        }
        pulldown_cmark::html::push_html(&mut html, self.events.into_iter());
        self.rendered.html = html.into();
        self.rendered.toc = nest(self.flat_toc);
        self.rendered
    }
}

/// Gives each footnote an id of its own once every heading has one: `note-` and the slug of
/// its label (`[^ma note]` → `note-ma-note`), made unique on the page, so that `## Note` and
/// `[^note]` do not share an id and no id holds a space.
fn name_footnotes(events: &mut [Event<'_>], ids: &mut UniqueIds) {
    let mut names: HashMap<String, String> = HashMap::new();
    let mut id_of = |label: &str| -> CowStr<'static> {
        names
            .entry(label_key(label))
            .or_insert_with(|| {
                let slug = slugify(label);
                ids.make_unique(&if slug.is_empty() {
                    "note".to_string()
                } else {
                    format!("note-{slug}")
                })
            })
            .clone()
            .into()
    };
    for event in events.iter_mut() {
        match event {
            Event::FootnoteReference(label) => *label = id_of(label),
            Event::Start(Tag::FootnoteDefinition(label)) => *label = id_of(label),
            _ => {}
        }
    }
}

/// A run of consecutive text events being joined: the first borrowed as the parser gave
/// it, the rest appended to one growing buffer (so a run of N events costs O(total length),
/// not O(N × length)).
struct TextRun<'a> {
    first: CowStr<'a>,
    joined: Option<String>,
    start: std::ops::Range<usize>,
}

impl<'a> TextRun<'a> {
    fn push(&mut self, next: &str) {
        let first = &self.first;
        self.joined
            .get_or_insert_with(|| first.to_string())
            .push_str(next);
    }

    fn finish(self) -> (Event<'a>, std::ops::Range<usize>) {
        let text = match self.joined {
            Some(joined) => joined.into(),
            None => self.first,
        };
        (Event::Text(text), self.start)
    }
}

/// Joins consecutive text events (smart punctuation splits them at quotes, code blocks
/// at lines), keeping the offset where each run starts.
fn merge_text<'a>(
    events: impl Iterator<Item = (Event<'a>, std::ops::Range<usize>)>,
) -> Vec<(Event<'a>, std::ops::Range<usize>)> {
    let mut out: Vec<(Event<'a>, std::ops::Range<usize>)> = Vec::new();
    let mut run: Option<TextRun<'a>> = None;
    for (event, range) in events {
        match (event, run.as_mut()) {
            (Event::Text(next), Some(current)) => current.push(&next),
            (Event::Text(first), None) => {
                run = Some(TextRun {
                    first,
                    joined: None,
                    start: range,
                })
            }
            (other, _) => {
                out.extend(run.take().map(TextRun::finish));
                out.push((other, range));
            }
        }
    }
    out.extend(run.map(TextRun::finish));
    out
}

/// Renders a one-paragraph Markdown text (a summary) to inline HTML.
///
/// Raw HTML is always shown as text here: a summary travels to listings, feeds and search
/// results, where markup written by hand has no place. For the same reason a heading keeps
/// no attribute (not even an id: a listing shows many summaries), and a refused URL (see
/// [`summary_problems`], which reports it) becomes `#`.
pub fn render_inline(text: &str) -> String {
    let parser = Parser::new_ext(text, options()).map(|event| match event {
        Event::Html(t) | Event::InlineHtml(t) => Event::Text(t),
        Event::Start(Tag::Heading { level, .. }) => Event::Start(Tag::Heading {
            level,
            id: None,
            classes: Vec::new(),
            attrs: Vec::new(),
        }),
        Event::Start(tag) => Event::Start(without_refused_url(tag)),
        other => other,
    });
    let mut html = String::new();
    pulldown_cmark::html::push_html(&mut html, parser);
    let trimmed = html.trim();
    match trimmed
        .strip_prefix("<p>")
        .and_then(|s| s.strip_suffix("</p>"))
    {
        Some(inner) if !inner.contains("<p>") => inner.to_string(),
        _ => trimmed.to_string(),
    }
}

/// A link or image tag whose URL is refused gets `#` instead.
fn without_refused_url(tag: Tag<'_>) -> Tag<'_> {
    match tag {
        Tag::Link {
            link_type,
            dest_url,
            title,
            id,
        } if sanitize::refused_url(&dest_url, UrlUse::Link).is_some() => Tag::Link {
            link_type,
            dest_url: REFUSED_URL.into(),
            title,
            id,
        },
        Tag::Image {
            link_type,
            dest_url,
            title,
            id,
        } if sanitize::refused_url(&dest_url, UrlUse::Image).is_some() => Tag::Image {
            link_type,
            dest_url: REFUSED_URL.into(),
            title,
            id,
        },
        other => other,
    }
}

/// The problems of a summary's Markdown: each refused URL (links, images, autolinks,
/// reference definitions), as (message, hint).
pub fn summary_problems(text: &str) -> Vec<(String, String)> {
    let parser = Parser::new_ext(text, options());
    let mut problems: Vec<String> = parser
        .reference_definitions()
        .iter()
        .filter_map(|(_, def)| sanitize::refused_url(&def.dest, UrlUse::Image))
        .collect();
    for event in parser {
        let refused = match event {
            Event::Start(Tag::Link { dest_url, .. }) => {
                sanitize::refused_url(&dest_url, UrlUse::Link)
            }
            Event::Start(Tag::Image { dest_url, .. }) => {
                sanitize::refused_url(&dest_url, UrlUse::Image)
            }
            _ => None,
        };
        problems.extend(refused);
    }
    // A reference's URL is met at its definition and at each use: say it once.
    problems.sort();
    problems.dedup();
    problems
        .into_iter()
        .map(|message| (message, sanitize::URL_HINT.to_string()))
        .collect()
}

/// The path relative to `content/` with `/` separators, as keys of [`LinkContext`].
pub fn link_key(path: &Path) -> String {
    // Most paths are already in that form: plain names between single slashes.
    if let Some(text) = path.to_str().filter(|_| std::path::MAIN_SEPARATOR == '/') {
        let plain = |name: &str| !name.is_empty() && name != "." && name != "..";
        if text.split('/').all(plain) {
            return text.to_string();
        }
    }
    path.components()
        .filter_map(|c| match c {
            Component::Normal(s) => Some(s.to_string_lossy().into_owned()),
            _ => None,
        })
        .collect::<Vec<_>>()
        .join("/")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_link_key_is_the_names_of_a_path_between_single_slashes() {
        for path in [
            "projets/a.md",
            "/projets/a.md",
            "projets//a.md",
            "./projets/./a.md",
        ] {
            assert_eq!(link_key(Path::new(path)), "projets/a.md", "{path}");
        }
        assert_eq!(link_key(Path::new("projets/")), "projets");
        assert_eq!(link_key(Path::new("a b/é.md")), "a b/é.md");
    }

    fn run(body: &str) -> Rendered {
        let mut pages = HashMap::new();
        pages.insert(
            "projets/fiche.md".to_string(),
            "/projets/fiche/".to_string(),
        );
        let mut assets = HashMap::new();
        assets.insert(
            "projets/photo.jpg".to_string(),
            "/projets/photo.jpg".to_string(),
        );
        let site_paths: std::collections::HashSet<String> =
            ["projets/fiche/", "themes/", "atom.xml"]
                .iter()
                .map(|s| s.to_string())
                .collect();
        let ctx = LinkContext {
            pages: &pages,
            assets: &assets,
            site_paths: &site_paths,
            root: "/guide/",
            raw_html: crate::config::RawHtmlMode::Allow,
            drafts: None,
        };
        render(
            &MarkdownSource {
                body,
                body_line: 5,
                source: Path::new("projets/autre.md"),
                display_path: Path::new("content/projets/autre.md"),
                draft: false,
            },
            &ctx,
        )
    }

    #[test]
    fn headings_get_unique_french_ids_and_a_nested_toc() {
        let r = run("## L'entreprise\n\n### Détails\n\n## L'entreprise\n");
        assert!(r.html.contains("<h2 id=\"l-entreprise\">"), "{}", r.html);
        assert!(r.html.contains("<h3 id=\"details\">"), "{}", r.html);
        assert!(r.html.contains("<h2 id=\"l-entreprise-1\">"), "{}", r.html);
        assert_eq!(r.toc.len(), 2);
        assert_eq!(r.toc[0].children[0].title, "Détails");
        assert_eq!(r.toc[0].title, "L\u{2019}entreprise");
    }

    #[test]
    fn internal_links_resolve_and_broken_ones_are_reported_at_their_line() {
        let r = run("Voir [la fiche](@/projets/fiche.md#contexte).\n\nEt [une autre](@/projets/fichee.md).\n");
        assert!(
            r.html.contains("href=\"/projets/fiche/#contexte\""),
            "{}",
            r.html
        );
        assert_eq!(r.diagnostics.len(), 1);
        assert_eq!(r.diagnostics[0].line, Some(7));
        assert_eq!(
            r.diagnostics[0].hint.as_deref(),
            Some("vouliez-vous dire « @/projets/fiche.md » ?")
        );
    }

    #[test]
    fn absolute_links_are_checked_and_get_the_base_path() {
        let r = run("[Thèmes](/themes/) [flux](/atom.xml) [fiche](/projets/fiche) [perdu](/themse/) [accueil](/)");
        assert!(r.html.contains("href=\"/guide/themes/\""), "{}", r.html);
        assert!(r.html.contains("href=\"/guide/atom.xml\""), "{}", r.html);
        assert!(
            r.html.contains("href=\"/guide/projets/fiche/\""),
            "{}",
            r.html
        );
        assert!(r.html.contains("href=\"/guide/\""), "{}", r.html);
        assert_eq!(r.diagnostics.len(), 1, "{:?}", r.diagnostics);
        assert_eq!(
            r.diagnostics[0].hint.as_deref(),
            Some("vouliez-vous dire « /themes/ » ?")
        );
    }

    #[test]
    fn relative_files_are_checked_and_escapes_refused() {
        let r = run(
            "![Photo](photo.jpg) ![Absente](absente.png) [doc](../../etc/passwd) [md](fiche.md)",
        );
        assert!(r.html.contains("src=\"/projets/photo.jpg\""), "{}", r.html);
        assert!(r.html.contains("href=\"/projets/fiche/\""), "{}", r.html);
        assert_eq!(r.diagnostics.len(), 2, "{:?}", r.diagnostics);
        assert!(r.diagnostics[0].message.contains("image introuvable"));
        assert!(r.diagnostics[1]
            .message
            .contains("sort du dossier content/"));
    }

    #[test]
    fn an_image_without_alternative_text_is_an_error() {
        let r = run("Texte.\n\n![](photo.jpg)\n");
        assert_eq!(r.diagnostics.len(), 1, "{:?}", r.diagnostics);
        assert_eq!(r.diagnostics[0].message, "image sans texte alternatif");
        assert_eq!(
            (r.diagnostics[0].line, r.diagnostics[0].column),
            (Some(7), Some(1))
        );
    }

    #[test]
    fn typography_of_a_body_skips_code_and_urls() {
        let r = run("Pourquoi ? `a ? b` <https://x.org/?q=1>\n\n```\nx ? y\n```\n");
        let html = crate::typography::typeset_html(&r.html);
        assert!(html.contains("Pourquoi\u{202F}?"), "{html}");
        assert!(html.contains("<code>a ? b</code>"), "{html}");
        assert!(html.contains(">https://x.org/?q=1</a>"), "{html}");
        assert!(html.contains("x ? y"), "{html}");
    }

    #[test]
    fn links_with_a_query_are_checked_and_get_the_base_path() {
        let r = run("[a](/themes/?tri=titre#liste) [b](/atom.xml?v=2) [c](@/projets/fiche.md?x=1) [d](/themse/?tri=titre) [e](?page=2)");
        assert!(
            r.html.contains("href=\"/guide/themes/?tri=titre#liste\""),
            "{}",
            r.html
        );
        assert!(
            r.html.contains("href=\"/guide/atom.xml?v=2\""),
            "{}",
            r.html
        );
        assert!(
            r.html.contains("href=\"/projets/fiche/?x=1\""),
            "{}",
            r.html
        );
        assert!(r.html.contains("href=\"?page=2\""), "{}", r.html);
        assert_eq!(r.diagnostics.len(), 1, "{:?}", r.diagnostics);
        assert!(r.diagnostics[0].message.contains("/themse/?tri=titre"));
    }

    #[test]
    fn footnote_ids_are_unique_on_the_page_and_have_no_space() {
        let r = run(
            "## Note\n\nUn[^note], deux[^ma note], trois[^Note].\n\n[^note]: A.\n[^ma note]: B.\n",
        );
        assert!(r.html.contains("<h2 id=\"note\">"), "{}", r.html);
        assert!(r.html.contains("id=\"note-note\""), "{}", r.html);
        assert!(r.html.contains("href=\"#note-note\""), "{}", r.html);
        assert!(r.html.contains("id=\"note-ma-note\""), "{}", r.html);
        assert!(r.html.contains("href=\"#note-ma-note\""), "{}", r.html);
        assert!(!r.html.contains("id=\"ma note\""), "{}", r.html);
        assert_eq!(r.html.matches("id=\"note\"").count(), 1, "{}", r.html);
    }

    #[test]
    fn fenced_code_is_highlighted_with_classes() {
        let r = run("```rust\nfn main() {}\n```\n");
        assert!(r.html.contains("class=\"hl-"), "{}", r.html);
        assert!(!r.html.contains("style="), "{}", r.html);
    }

    #[test]
    fn raw_html_can_be_escaped_by_configuration() {
        let pages = HashMap::new();
        let assets = HashMap::new();
        let site_paths = std::collections::HashSet::new();
        let ctx = LinkContext {
            pages: &pages,
            assets: &assets,
            site_paths: &site_paths,
            root: "/",
            raw_html: crate::config::RawHtmlMode::Escape,
            drafts: None,
        };
        let source = MarkdownSource {
            body: "Texte <script>alert(1)</script>\n\n<div onclick=\"x\">bloc</div>\n",
            body_line: 1,
            source: Path::new("a.md"),
            display_path: Path::new("content/a.md"),
            draft: false,
        };
        let html = render(&source, &ctx).html;
        assert!(!html.contains("<script>"), "{html}");
        assert!(html.contains("&lt;script&gt;"), "{html}");
        assert!(!html.contains("<div onclick"), "{html}");
    }

    #[test]
    fn the_summary_stops_at_the_more_marker() {
        let r = run("Début.\n\n<!-- more -->\n\nSuite.\n");
        assert_eq!(r.summary.as_deref().map(str::trim), Some("<p>Début.</p>"));
        assert!(r.html.contains("Suite."));
    }

    #[test]
    fn a_code_block_over_the_highlighting_limit_is_plain_escaped_text_with_a_warning() {
        let line = "let balise = \"<script>\"; // « commentaire »\n";
        let code = line.repeat(crate::highlight::LIMIT / line.len() + 1);
        let r = run(&format!(
            "Texte.\n\n```rust\n{code}```\n\n```rust\nfn main() {{}}\n```\n"
        ));
        assert!(
            r.html.contains("let balise = &quot;&lt;script&gt;&quot;;"),
            "{}",
            &r.html[..200]
        );
        assert_eq!(r.html.matches("let balise").count(), code.lines().count());
        // The long block has no colours; the short one after it has.
        let long_block_end = r.html.find("</pre>").unwrap();
        assert!(!r.html[..long_block_end].contains("hl-"));
        assert!(
            r.html[long_block_end..].contains("class=\"hl-"),
            "{}",
            &r.html[long_block_end..]
        );
        assert_eq!(r.diagnostics.len(), 1, "{:?}", r.diagnostics);
        let d = &r.diagnostics[0];
        assert!(!d.is_error());
        assert_eq!(
            d.path.as_deref(),
            Some(Path::new("content/projets/autre.md"))
        );
        assert_eq!(d.line, Some(7));
        assert!(d.message.contains("coloration syntaxique"), "{}", d.message);
        assert!(
            d.message.contains("la limite est de 128 Ko"),
            "{}",
            d.message
        );
        assert_eq!(size_fr(6_360_000), "6,1 Mo");
    }

    #[test]
    fn a_long_code_block_in_an_unknown_language_gives_no_warning() {
        let code = "x\n".repeat(crate::highlight::LIMIT);
        let r = run(&format!("```texte-libre\n{code}```\n"));
        assert!(r.diagnostics.is_empty(), "{:?}", r.diagnostics);
    }

    #[test]
    fn a_refused_url_is_reported_at_its_line_and_never_written() {
        let r =
            run("Texte.\n\n[a](javascript:alert(1)) et <vbscript:x>\n\n![i](data:text/html,x)\n");
        let lines: Vec<_> = r.diagnostics.iter().map(|d| d.line).collect();
        assert_eq!(lines, [Some(7), Some(7), Some(9)], "{:?}", r.diagnostics);
        assert!(r.diagnostics.iter().all(Diagnostic::is_error));
        assert!(!r.html.contains("javascript:alert"), "{}", r.html);
        assert!(!r.html.contains("href=\"vbscript"), "{}", r.html);
        assert!(!r.html.contains("data:text"), "{}", r.html);
    }

    #[test]
    fn a_refused_reference_definition_is_reported_once_at_its_line() {
        let r =
            run("[a][x], [b][x] et [x].\n\n[x]: javascript:alert(1)\n[y]: javascript:inutilisé\n");
        let mut lines: Vec<_> = r.diagnostics.iter().map(|d| d.line).collect();
        lines.sort();
        assert_eq!(lines, [Some(7), Some(8)], "{:?}", r.diagnostics);
        assert!(!r.html.contains("javascript:"), "{}", r.html);
    }

    #[test]
    fn a_data_image_of_a_raster_format_is_kept() {
        let r = run("![Point](data:image/png;base64,iVBORw0KGgo=)\n");
        assert!(r.diagnostics.is_empty(), "{:?}", r.diagnostics);
        assert!(
            r.html
                .contains("src=\"data:image/png;base64,iVBORw0KGgo=\""),
            "{}",
            r.html
        );
    }

    #[test]
    fn the_summary_drops_heading_attributes_and_refused_urls() {
        let html = render_inline("# T {#a .b onclick=x}\n\n[l](javascript:x) ![i](vbscript:y)");
        assert!(html.contains("<h1>T</h1>"), "{html}");
        assert!(!html.contains("onclick"), "{html}");
        assert!(!html.contains("script:"), "{html}");
        assert_eq!(
            summary_problems("[l](javascript:x) ![i](vbscript:y) [r][z]\n\n[z]: data:text/html,x")
                .len(),
            3
        );
        assert!(summary_problems("[l](https://example.org) ![i](data:image/gif,x)").is_empty());
    }

    #[test]
    fn merged_text_keeps_every_event_in_order_in_one_run() {
        let events = (0..1000).map(|i| (Event::Text(i.to_string().into()), i..i + 1));
        let merged = merge_text(events.chain([(Event::SoftBreak, 1000..1001)]));
        let expected: String = (0..1000).map(|i| i.to_string()).collect();
        assert_eq!(merged.len(), 2);
        assert_eq!(merged[0], (Event::Text(expected.into()), 0..1));
    }

    #[test]
    fn tables_footnotes_and_task_lists_render() {
        let r =
            run("| a | b |\n|---|---|\n| 1 | 2 |\n\n- [x] fait\n\nNote[^1].\n\n[^1]: La note.\n");
        assert!(r.html.contains("<table>"));
        assert!(r.html.contains("type=\"checkbox\""));
        assert!(r.html.contains("footnote"));
    }
}
