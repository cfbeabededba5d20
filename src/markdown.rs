//! Markdown to HTML, with what the guide needs beyond CommonMark.
//!
//! Steps, over pulldown-cmark's events:
//! 1. parse with tables, footnotes, strikethrough, task lists, smart punctuation and heading
//!    attributes;
//! 2. give every heading a unique French slug id and collect the table of contents;
//! 3. resolve internal links (`@/projets/fiche.md`, relative `.md` links) to URLs and check
//!    relative links to files, which become absolute URLs;
//! 4. highlight fenced code with syntect (CSS classes);
//! 5. apply French typography to text (never to code, raw HTML or URLs);
//! 6. cut the summary at `<!-- more -->`.

use std::collections::HashMap;
use std::path::{Component, Path};

use pulldown_cmark::{
    CodeBlockKind, CowStr, Event, HeadingLevel, LinkType, Options, Parser, Tag, TagEnd,
};
use serde::Serialize;

use crate::diagnostic::{closest, Diagnostic};
use crate::slug::{slugify, UniqueIds};

/// The line that ends a page's summary.
pub const MORE_MARKER: &str = "<!-- more -->";

/// An entry of a page's table of contents.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
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
}

/// A rendered body.
#[derive(Debug, Clone, Default)]
pub struct Rendered {
    /// The HTML.
    pub html: String,
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

fn percent_decode(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' && i + 3 <= bytes.len() {
            let hex = std::str::from_utf8(&bytes[i + 1..i + 3]).ok();
            if let Some(b) = hex.and_then(|h| u8::from_str_radix(h, 16).ok()) {
                out.push(b);
                i += 3;
                continue;
            }
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

enum LinkOutcome {
    Keep,
    Rewrite(String),
    Error(String, String),
}

fn resolve_link(dest: &str, is_image: bool, source: &Path, ctx: &LinkContext<'_>) -> LinkOutcome {
    let (path_part, fragment) = match dest.find('#') {
        Some(i) => (&dest[..i], &dest[i..]),
        None => (dest, ""),
    };
    if let Some(target) = path_part.strip_prefix("@/") {
        return match ctx.pages.get(target) {
            Some(url) => LinkOutcome::Rewrite(format!("{url}{fragment}")),
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
            return LinkOutcome::Rewrite(format!("{}{key}{fragment}", ctx.root));
        }
        if path_part.contains('?') {
            return LinkOutcome::Keep;
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
    if has_scheme || path_part.is_empty() || path_part.starts_with('/') || path_part.contains('?') {
        return LinkOutcome::Keep;
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
            Some(url) => LinkOutcome::Rewrite(format!("{url}{fragment}")),
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
        Some(url) => LinkOutcome::Rewrite(format!("{url}{fragment}")),
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
    match resolve_link(&dest, is_image, page.source, ctx) {
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

/// A heading being read: its start tag's parts, its inner events and its text.
struct HeadingBuffer<'a> {
    level: HeadingLevel,
    id: Option<CowStr<'a>>,
    classes: Vec<CowStr<'a>>,
    attrs: Vec<(CowStr<'a>, Option<CowStr<'a>>)>,
    inner: Vec<Event<'a>>,
    text: String,
}

/// Renders one body.
pub fn render(page: &MarkdownSource<'_>, ctx: &LinkContext<'_>) -> Rendered {
    let mut rendered = Rendered::default();
    let mut ids = UniqueIds::default();
    let mut flat_toc = Vec::new();
    let mut events: Vec<Event<'_>> = Vec::new();
    let mut more_at: Option<usize> = None;

    let mut heading: Option<HeadingBuffer<'_>> = None;
    let mut code: Option<(Option<String>, String)> = None;
    let mut autolink_depth = 0usize;
    // An image being read: where it starts, and its alternative text so far.
    let mut image: Option<(std::ops::Range<usize>, String)> = None;

    for (event, range) in merge_text(Parser::new_ext(page.body, options()).into_offset_iter()) {
        // Code blocks: buffered, then highlighted.
        if let Some((_, text)) = code.as_mut() {
            match event {
                Event::Text(t) => {
                    text.push_str(&t);
                    continue;
                }
                Event::End(TagEnd::CodeBlock) => {
                    let (lang, text) = code.take().unwrap_or_default();
                    events.push(Event::Html(
                        crate::highlight::code_block(&text, lang.as_deref()).into(),
                    ));
                    continue;
                }
                _ => continue,
            }
        }
        let event = match event {
            Event::Start(Tag::CodeBlock(kind)) => {
                let lang = match kind {
                    CodeBlockKind::Fenced(info) => {
                        info.split_whitespace().next().map(str::to_string)
                    }
                    CodeBlockKind::Indented => None,
                };
                code = Some((lang, String::new()));
                continue;
            }
            Event::Start(Tag::Link {
                link_type,
                dest_url,
                title,
                id,
            }) => {
                let autolink = matches!(link_type, LinkType::Autolink | LinkType::Email);
                if autolink {
                    autolink_depth += 1;
                }
                let dest_url = if autolink {
                    dest_url
                } else {
                    rewrite(
                        dest_url,
                        false,
                        &range,
                        page,
                        ctx,
                        &mut rendered.diagnostics,
                    )
                };
                Event::Start(Tag::Link {
                    link_type,
                    dest_url,
                    title,
                    id,
                })
            }
            Event::End(TagEnd::Link) => {
                autolink_depth = autolink_depth.saturating_sub(1);
                Event::End(TagEnd::Link)
            }
            Event::Start(Tag::Image {
                link_type,
                dest_url,
                title,
                id,
            }) => {
                let dest_url =
                    rewrite(dest_url, true, &range, page, ctx, &mut rendered.diagnostics);
                image = Some((range.clone(), String::new()));
                Event::Start(Tag::Image {
                    link_type,
                    dest_url,
                    title,
                    id,
                })
            }
            Event::End(TagEnd::Image) => {
                if let Some((at, alt)) = image.take() {
                    if alt.trim().is_empty() {
                        let d = Diagnostic::error("image sans texte alternatif")
                            .in_file(page.display_path)
                            .with_hint("décrivez l'image entre les crochets : ![Ce que montre l'image](fichier.jpg) (RGAA, critère 1.1)");
                        rendered.diagnostics.push(locate_in_body(
                            d,
                            page.body,
                            &at,
                            page.body_line,
                        ));
                    }
                }
                Event::End(TagEnd::Image)
            }
            Event::Text(text) => {
                if let Some((_, alt)) = image.as_mut() {
                    alt.push_str(&text);
                }
                rendered.word_count += text
                    .split_whitespace()
                    .filter(|w| w.chars().any(char::is_alphanumeric))
                    .count();
                if autolink_depth > 0 {
                    Event::Text(text)
                } else {
                    Event::Text(crate::typography::french(&text).into())
                }
            }
            Event::Html(html) | Event::InlineHtml(html) if html.trim() == MORE_MARKER => {
                if more_at.is_none() && heading.is_none() {
                    more_at = Some(events.len());
                }
                continue;
            }
            Event::Html(html) | Event::InlineHtml(html)
                if ctx.raw_html == crate::config::RawHtmlMode::Escape =>
            {
                Event::Text(html)
            }
            other => other,
        };
        // Headings: buffered to compute their id and TOC text.
        match event {
            Event::Start(Tag::Heading {
                level,
                id,
                classes,
                attrs,
            }) => {
                heading = Some(HeadingBuffer {
                    level,
                    id,
                    classes,
                    attrs,
                    inner: Vec::new(),
                    text: String::new(),
                });
            }
            Event::End(TagEnd::Heading(_)) => {
                if let Some(HeadingBuffer {
                    level,
                    id,
                    classes,
                    attrs,
                    inner,
                    text,
                }) = heading.take()
                {
                    let title = text.split_whitespace().collect::<Vec<_>>().join(" ");
                    let id = match id {
                        Some(id) => ids.make_unique(&id),
                        None => ids.make_unique(&slugify(&title)),
                    };
                    flat_toc.push(TocEntry {
                        level: level as u8,
                        id: id.clone(),
                        title,
                        children: Vec::new(),
                    });
                    events.push(Event::Start(Tag::Heading {
                        level,
                        id: Some(id.into()),
                        classes,
                        attrs,
                    }));
                    events.extend(inner);
                    events.push(Event::End(TagEnd::Heading(level)));
                }
            }
            other => match heading.as_mut() {
                Some(HeadingBuffer { inner, text, .. }) => {
                    if let Event::Text(t) | Event::Code(t) = &other {
                        text.push_str(t);
                    }
                    inner.push(other);
                }
                None => events.push(other),
            },
        }
    }
    let mut html = String::with_capacity(page.body.len() * 3 / 2);
    if let Some(cut) = more_at {
        let mut summary = String::new();
        pulldown_cmark::html::push_html(&mut summary, events[..cut].iter().cloned());
        rendered.summary = Some(summary);
    }
    pulldown_cmark::html::push_html(&mut html, events.into_iter());
    rendered.html = html;
    rendered.toc = nest(flat_toc);
    rendered
}

/// Joins consecutive text events (smart punctuation splits them at quotes), keeping the
/// offset where each run starts.
fn merge_text<'a>(
    events: impl Iterator<Item = (Event<'a>, std::ops::Range<usize>)>,
) -> Vec<(Event<'a>, std::ops::Range<usize>)> {
    let mut out: Vec<(Event<'a>, std::ops::Range<usize>)> = Vec::new();
    for (event, range) in events {
        if let (Event::Text(next), Some((Event::Text(previous), _))) = (&event, out.last_mut()) {
            let mut joined = previous.to_string();
            joined.push_str(next);
            *previous = joined.into();
            continue;
        }
        out.push((event, range));
    }
    out
}

/// Renders a one-paragraph Markdown text (a summary) to inline HTML, with French typography.
///
/// Raw HTML is always shown as text here: a summary travels to listings, feeds and search
/// results, where markup written by hand has no place.
pub fn render_inline(text: &str) -> String {
    let parser = Parser::new_ext(text, options()).map(|event| match event {
        Event::Text(t) => Event::Text(crate::typography::french(&t).into()),
        Event::Html(t) | Event::InlineHtml(t) => Event::Text(t),
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

/// The path relative to `content/` with `/` separators, as keys of [`LinkContext`].
pub fn link_key(path: &Path) -> String {
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
        };
        render(
            &MarkdownSource {
                body,
                body_line: 5,
                source: Path::new("projets/autre.md"),
                display_path: Path::new("content/projets/autre.md"),
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
    fn typography_skips_code_and_urls() {
        let r = run("Pourquoi ? `a ? b` <https://x.org/?q=1>\n\n```\nx ? y\n```\n");
        assert!(r.html.contains("Pourquoi\u{202F}?"), "{}", r.html);
        assert!(r.html.contains("<code>a ? b</code>"), "{}", r.html);
        assert!(r.html.contains(">https://x.org/?q=1</a>"), "{}", r.html);
        assert!(r.html.contains("x ? y"), "{}", r.html);
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
        };
        let source = MarkdownSource {
            body: "Texte <script>alert(1)</script>\n\n<div onclick=\"x\">bloc</div>\n",
            body_line: 1,
            source: Path::new("a.md"),
            display_path: Path::new("content/a.md"),
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
    fn tables_footnotes_and_task_lists_render() {
        let r =
            run("| a | b |\n|---|---|\n| 1 | 2 |\n\n- [x] fait\n\nNote[^1].\n\n[^1]: La note.\n");
        assert!(r.html.contains("<table>"));
        assert!(r.html.contains("type=\"checkbox\""));
        assert!(r.html.contains("footnote"));
    }
}
