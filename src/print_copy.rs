//! The copy of the printed edition that `guide pdf` gives Chromium, and what the PDF's outline
//! is made of.
//!
//! Chromium prints the page from a temporary local server, so a link to another page of the
//! site (`/dispositif/`, root-relative) would point to that server in the PDF. Before printing,
//! [`print_links`] rewrites the `href` of every `<a>`:
//!
//! 1. a link to a page printed in the edition (an element of the edition has the slug of the
//!    page's URL as its id, as `guide_complet.html` writes `id="{{ p.url | slugify }}"`) points
//!    to that element, `#id` (or to `#id-fragment` when the page prefixed its heading ids so);
//! 2. a link to the edition itself keeps its fragment;
//! 3. any other link of the site (root-relative or relative) points to the published site,
//!    `base_url`;
//! 4. fragments, absolute URLs and other schemes (`mailto:`…) are left as they are.
//!
//! [`toc_outline`] reads the entries of the table of contents (`data-cible`) with their depth
//! in its nested lists: the bookmarks `guide pdf` writes into the PDF.

use std::collections::HashSet;

/// One entry of the printed table of contents.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TocEntry {
    /// 0 for the outer list, 1 for a list inside it…
    pub depth: usize,
    /// The id its link targets (its `data-cible`).
    pub id: String,
    /// Its text, whitespace collapsed.
    pub title: String,
}

/// The edition's HTML with its links rewritten for the PDF (see the module's doc).
/// `base_url` ends with `/`; `page` is the edition's folder (`guide-complet`).
pub fn print_links(html: &str, base_url: &str, page: &str) -> String {
    let root = base_path(base_url);
    let ids = element_ids(html);
    let page_path = format!("{root}{}/", page.trim_matches('/'));
    let mut out = String::with_capacity(html.len() + html.len() / 16);
    let mut rest = html;
    while let Some(at) = find_anchor(rest) {
        let Some(tag_end) = rest[at..].find('>').map(|i| at + i) else {
            break;
        };
        let tag = &rest[at..tag_end];
        match tag.find(" href=\"").map(|i| i + " href=\"".len()) {
            Some(value) if tag[value..].contains('"') => {
                let value_end = value + tag[value..].find('"').unwrap_or(0);
                out.push_str(&rest[..at + value]);
                let href = &tag[value..value_end];
                out.push_str(&print_href(href, base_url, &root, &page_path, &ids));
                rest = &rest[at + value_end..];
            }
            _ => {
                out.push_str(&rest[..tag_end]);
                rest = &rest[tag_end..];
            }
        }
    }
    out.push_str(rest);
    out
}

/// The start of the next `<a` start tag.
fn find_anchor(html: &str) -> Option<usize> {
    let mut from = 0;
    while let Some(i) = html[from..].find("<a") {
        let at = from + i;
        if html[at + 2..].starts_with([' ', '\n', '\t', '\r']) {
            return Some(at);
        }
        from = at + 2;
    }
    None
}

/// The URL path of `base_url`, starting and ending with `/`.
fn base_path(base_url: &str) -> String {
    let after_scheme = base_url.split_once("://").map_or(base_url, |(_, r)| r);
    let path = after_scheme.find('/').map_or("", |i| &after_scheme[i..]);
    let trimmed = path.trim_matches('/');
    if trimmed.is_empty() {
        "/".into()
    } else {
        format!("/{trimmed}/")
    }
}

/// Every `id="…"` value of the page.
fn element_ids(html: &str) -> HashSet<&str> {
    html.match_indices(" id=\"")
        .filter_map(|(at, m)| {
            let value = &html[at + m.len()..];
            value.find('"').map(|end| &value[..end])
        })
        .collect()
}

fn print_href(
    href: &str,
    base_url: &str,
    root: &str,
    page_path: &str,
    ids: &HashSet<&str>,
) -> String {
    if href.is_empty() || href.starts_with('#') || href.starts_with("//") || has_scheme(href) {
        return href.to_string();
    }
    let absolute = if href.starts_with('/') {
        normalize(href)
    } else {
        normalize(&format!("{page_path}{href}"))
    };
    let (path, fragment) = match absolute.split_once('#') {
        Some((path, fragment)) => (path, Some(fragment)),
        None => (absolute.as_str(), None),
    };
    let (path, query) = match path.split_once('?') {
        Some((path, query)) => (path, Some(query)),
        None => (path, None),
    };
    if query.is_none() {
        if path == page_path || format!("{path}/") == page_path {
            if let Some(fragment) = fragment.filter(|f| ids.contains(f)) {
                return format!("#{fragment}");
            }
        }
        let id = crate::slug::slugify(path);
        if !id.is_empty() && ids.contains(id.as_str()) && path.ends_with('/') {
            return match fragment.map(|f| format!("{id}-{f}")) {
                Some(inner) if ids.contains(inner.as_str()) => format!("#{inner}"),
                _ => format!("#{id}"),
            };
        }
    }
    match absolute.strip_prefix(root) {
        Some(inside) => format!("{base_url}{inside}"),
        // A path outside the site's base path: on the same host as the site.
        None => {
            let origin_end = base_url.len() - root.len() + 1;
            format!(
                "{}{}",
                &base_url[..origin_end.min(base_url.len())],
                &absolute[1..]
            )
        }
    }
}

/// Whether the reference starts with a URL scheme (`https:`, `mailto:`…).
fn has_scheme(href: &str) -> bool {
    match href.find(':') {
        Some(colon) => {
            let scheme = &href[..colon];
            !scheme.is_empty()
                && scheme.starts_with(|c: char| c.is_ascii_alphabetic())
                && scheme
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.'))
        }
        None => false,
    }
}

/// Removes the `.` and `..` segments of an absolute path (query and fragment kept).
fn normalize(path: &str) -> String {
    let end = path.find(['?', '#']).unwrap_or(path.len());
    let (path, tail) = path.split_at(end);
    let mut segments: Vec<&str> = Vec::new();
    let parts: Vec<&str> = path.split('/').collect();
    for (i, segment) in parts.iter().enumerate() {
        match *segment {
            "." => {}
            ".." => {
                segments.pop();
            }
            "" if i != 0 && i != parts.len() - 1 => {}
            s => segments.push(s),
        }
    }
    let mut out = segments.join("/");
    if !out.starts_with('/') {
        out.insert(0, '/');
    }
    if (path.ends_with("/.") || path.ends_with("/..")) && !out.ends_with('/') {
        out.push('/');
    }
    out + tail
}

/// The entries of the table of contents: each element `data-cible="ID"`, with the text of the
/// link it is in and its depth in the nested lists around it.
pub fn toc_outline(html: &str) -> Vec<TocEntry> {
    const TARGET: &str = " data-cible=\"";
    let mut entries: Vec<TocEntry> = Vec::new();
    let mut depth: isize = 0;
    let mut base_depth: Option<isize> = None;
    let mut scanned = 0;
    for (at, _) in html.match_indices(TARGET) {
        let between = &html[scanned..at];
        depth += count_tags(between, "<ol") + count_tags(between, "<ul")
            - count_tags(between, "</ol>")
            - count_tags(between, "</ul>");
        scanned = at;
        let value = &html[at + TARGET.len()..];
        let Some(id) = value.find('"').map(|end| &value[..end]) else {
            continue;
        };
        if id.is_empty() || entries.iter().any(|e| e.id == id) {
            continue;
        }
        let link_start = html[..at].rfind("<a ").unwrap_or(at);
        let element_start = html[..at].rfind('<').unwrap_or(at);
        let title = collapse(&text_of(&html[link_start..element_start]));
        let base = *base_depth.get_or_insert(depth);
        entries.push(TocEntry {
            depth: usize::try_from(depth - base).unwrap_or(0),
            id: id.to_string(),
            title,
        });
    }
    entries
}

fn count_tags(html: &str, tag: &str) -> isize {
    let count = html
        .match_indices(tag)
        .filter(|(at, m)| {
            tag.ends_with('>') || html[at + m.len()..].starts_with([' ', '>', '\n', '\t'])
        })
        .count();
    isize::try_from(count).unwrap_or(0)
}

/// The text of a bit of HTML: tags dropped, the usual entities decoded.
fn text_of(html: &str) -> String {
    let mut text = String::new();
    let mut in_tag = false;
    for c in html.chars() {
        match c {
            '<' => in_tag = true,
            '>' => in_tag = false,
            _ if !in_tag => text.push(c),
            _ => {}
        }
    }
    text.replace("&nbsp;", "\u{a0}")
        .replace("&#x27;", "'")
        .replace("&#39;", "'")
        .replace("&quot;", "\"")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&amp;", "&")
}

/// Runs of ASCII whitespace made one space, ends trimmed (no-break spaces kept).
fn collapse(text: &str) -> String {
    text.split_ascii_whitespace().collect::<Vec<_>>().join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    const BASE: &str = "https://exemple.org/guide/";

    fn printed(href: &str) -> String {
        let html = format!(
            r##"<section id="guide-dispositif"><h3 id="guide-dispositif-cout">Coût</h3></section><p id="haut"></p><a class="x" href="{href}">lien</a>"##
        );
        let out = print_links(&html, BASE, "guide-complet");
        let at = out.find("href=\"").unwrap() + 6;
        out[at..at + out[at..].find('"').unwrap()].to_string()
    }

    #[test]
    fn a_link_to_a_printed_page_points_inside_the_document() {
        assert_eq!(printed("/guide/dispositif/"), "#guide-dispositif");
        assert_eq!(printed("/guide/dispositif/#cout"), "#guide-dispositif-cout");
        assert_eq!(printed("/guide/dispositif/#absent"), "#guide-dispositif");
        assert_eq!(printed("/guide/guide-complet/#haut"), "#haut");
    }

    #[test]
    fn a_link_to_another_page_of_the_site_points_to_the_published_site() {
        assert_eq!(printed("/guide/maturite/"), format!("{BASE}maturite/"));
        assert_eq!(
            printed("/guide/maturite/#autodiagnostic"),
            format!("{BASE}maturite/#autodiagnostic")
        );
        assert_eq!(printed("/guide/"), BASE);
        assert_eq!(printed("../projets/"), format!("{BASE}projets/"));
        assert_eq!(
            printed("/guide/dispositif/?q=1"),
            format!("{BASE}dispositif/?q=1")
        );
        assert_eq!(printed("/ailleurs/"), "https://exemple.org/ailleurs/");
    }

    #[test]
    fn fragments_absolute_urls_and_other_schemes_are_left_as_they_are() {
        for href in [
            "#haut",
            "https://autre.org/x",
            "mailto:a@b.fr",
            "tel:+33100000000",
            "//cdn.org/x",
        ] {
            assert_eq!(printed(href), href);
        }
        let html = r#"<link rel="stylesheet" href="/guide/css/style.css"><abbr title="x">A</abbr><a>sans lien</a>"#;
        assert_eq!(print_links(html, BASE, "guide-complet"), html);
    }

    #[test]
    fn the_toc_entries_keep_their_nesting_and_text() {
        let html = r##"<nav><ol><li><a href="#a"><span>Intro &amp; plus</span><span data-cible="a"></span></a></li>
<li><a href="#chapitre-b"><span>Chapitre 1&nbsp;: B</span><span data-cible="chapitre-b"></span></a>
<ol><li><a href="#c"><span>Fiche
 C</span><span data-cible="c"></span></a></li></ol></li>
<li><a href="#chapitre-d"><span>D</span><span data-cible="chapitre-d"></span></a></li></ol></nav>"##;
        let entries = toc_outline(html);
        let got: Vec<(usize, &str, &str)> = entries
            .iter()
            .map(|e| (e.depth, e.id.as_str(), e.title.as_str()))
            .collect();
        assert_eq!(
            got,
            [
                (0, "a", "Intro & plus"),
                (0, "chapitre-b", "Chapitre 1\u{a0}: B"),
                (1, "c", "Fiche C"),
                (0, "chapitre-d", "D"),
            ]
        );
    }
}
