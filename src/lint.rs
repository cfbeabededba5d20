//! Warnings about what editors write: accessibility of the content itself, and a few habits.
//!
//! The theme cannot fix what a body says, and the publisher must meet RGAA 4.1, so `check` and
//! `build` warn (without failing) about:
//! 1. a `#` heading (the page title is already the `h1`) or a skipped heading level (RGAA 9.1);
//! 2. a link whose text says nothing out of context, or a bare URL (RGAA 6.1);
//! 3. a table whose header row is empty (RGAA 5.6);
//! 4. a passage marked in another language with an empty or malformed `lang` (RGAA 8.7);
//! 5. an external link in `http://` (not encrypted).
//!
//! An image without alternative text is an error, raised by the `markdown` stage.

use std::ops::Range;
use std::path::Path;

use pulldown_cmark::{Event, HeadingLevel, LinkType, Parser, Tag, TagEnd};

use crate::diagnostic::Diagnostic;

/// Link texts that say nothing out of context (compared lower-case, without punctuation).
const VAGUE_LINK_TEXTS: [&str; 14] = [
    "ici",
    "cliquez ici",
    "cliquer ici",
    "clic ici",
    "en savoir plus",
    "savoir plus",
    "lire la suite",
    "la suite",
    "plus",
    "lien",
    "ce lien",
    "cette page",
    "voir",
    "voir ici",
];

/// The longest title that does not get a warning, in characters.
pub const MAX_TITLE_CHARS: usize = 120;

fn warn(
    message: String,
    hint: &str,
    display_path: &Path,
    body: &str,
    range: &Range<usize>,
    body_line: usize,
) -> Diagnostic {
    let d = Diagnostic::warning(message)
        .in_file(display_path)
        .with_hint(hint);
    crate::markdown::locate_in_body(d, body, range, body_line)
}

fn normalise(text: &str) -> String {
    text.to_lowercase()
        .chars()
        .map(|c| if c.is_alphanumeric() { c } else { ' ' })
        .collect::<String>()
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
}

/// Whether `value` looks like a language tag (`en`, `de-CH`, `oc`…).
fn is_language_tag(value: &str) -> bool {
    let mut parts = value.split('-');
    let primary = parts.next().unwrap_or("");
    (2..=3).contains(&primary.len())
        && primary.chars().all(|c| c.is_ascii_alphabetic())
        && parts.all(|p| (1..=8).contains(&p.len()) && p.chars().all(|c| c.is_ascii_alphanumeric()))
}

/// The values of `lang="…"` attributes in a piece of raw HTML.
fn lang_values(html: &str) -> Vec<String> {
    let mut values = Vec::new();
    let lower = html.to_lowercase();
    let mut from = 0;
    while let Some(i) = lower[from..].find("lang=") {
        let at = from + i;
        from = at + 5;
        // `xml:lang=` and `hreflang=` are other attributes.
        if at > 0 && !lower.as_bytes()[at - 1].is_ascii_whitespace() {
            continue;
        }
        let rest = &html[at + 5..];
        let value = match rest.chars().next() {
            Some(q @ ('"' | '\'')) => rest[1..].split(q).next().unwrap_or(""),
            _ => rest
                .split(|c: char| c.is_whitespace() || c == '>')
                .next()
                .unwrap_or(""),
        };
        values.push(value.to_string());
    }
    values
}

/// Checks one body and returns its warnings.
pub fn check_body(body: &str, body_line: usize, display_path: &Path) -> Vec<Diagnostic> {
    let mut out = Vec::new();
    let mut previous_level = 1usize; // the page title is the h1
    let mut link: Option<(Range<usize>, String, String, bool)> = None; // range, dest, text, bare
    let mut table_head: Option<(Range<usize>, String)> = None;
    for (event, range) in Parser::new_ext(body, pulldown_cmark::Options::all()).into_offset_iter() {
        match event {
            Event::Start(Tag::Heading { level, .. }) => {
                let level = level as usize;
                if level == HeadingLevel::H1 as usize {
                    out.push(warn(
                        "titre de niveau 1 (« # ») dans le texte : le titre de la page est déjà le titre de niveau 1".into(),
                        "commencez les intertitres à « ## » (RGAA, critère 9.1 : structure des titres)",
                        display_path,
                        body,
                        &range,
                        body_line,
                    ));
                } else if level > previous_level + 1 {
                    out.push(warn(
                        format!("niveau de titre sauté : un titre de niveau {level} suit un titre de niveau {previous_level}"),
                        &format!("utilisez « {} » ici (RGAA, critère 9.1 : structure des titres)", "#".repeat(previous_level + 1)),
                        display_path,
                        body,
                        &range,
                        body_line,
                    ));
                }
                previous_level = level;
            }
            Event::Start(Tag::Link {
                link_type,
                dest_url,
                ..
            }) => {
                let bare = matches!(link_type, LinkType::Autolink);
                link = Some((range, dest_url.to_string(), String::new(), bare));
            }
            Event::Text(text) | Event::Code(text) => {
                if let Some((_, _, link_text, _)) = link.as_mut() {
                    link_text.push_str(&text);
                }
                if let Some((_, head)) = table_head.as_mut() {
                    head.push_str(&text);
                }
            }
            Event::End(TagEnd::Link) => {
                if let Some((range, dest, text, bare)) = link.take() {
                    let normalised = normalise(&text);
                    let bare = bare
                        || text.trim() == dest
                        || text.trim_start().starts_with("http://")
                        || text.trim_start().starts_with("https://");
                    if bare {
                        out.push(warn(
                            "lien dont le texte est une adresse brute".into(),
                            "écrivez un texte qui dit où mène le lien : [Rapport annuel de l'Aract](https://…) (RGAA, critère 6.1 : liens explicites)",
                            display_path,
                            body,
                            &range,
                            body_line,
                        ));
                    } else if VAGUE_LINK_TEXTS.contains(&normalised.as_str())
                        || normalised.is_empty()
                    {
                        out.push(warn(
                            format!("lien dont le texte ne dit pas où il mène : « {} »", text.trim()),
                            "écrivez un texte compréhensible hors contexte, par exemple [le dispositif d'appui-conseil](@/dispositif.md) (RGAA, critère 6.1 : liens explicites)",
                            display_path,
                            body,
                            &range,
                            body_line,
                        ));
                    }
                    if dest.starts_with("http://") {
                        out.push(warn(
                            format!("lien externe non chiffré : « {dest} »"),
                            "utilisez l'adresse en https:// si le site la propose",
                            display_path,
                            body,
                            &range,
                            body_line,
                        ));
                    }
                }
            }
            Event::Start(Tag::TableHead) => table_head = Some((range, String::new())),
            Event::End(TagEnd::TableHead) => {
                if let Some((range, head)) = table_head.take() {
                    if head.trim().is_empty() {
                        out.push(warn(
                            "tableau sans ligne d'en-tête".into(),
                            "donnez un titre à chaque colonne dans la première ligne du tableau (RGAA, critère 5.6 : en-têtes de tableau)",
                            display_path,
                            body,
                            &range,
                            body_line,
                        ));
                    }
                }
            }
            Event::Html(html) | Event::InlineHtml(html) => {
                for value in lang_values(&html) {
                    if !is_language_tag(&value) {
                        out.push(warn(
                            format!("passage en langue étrangère avec un attribut lang invalide : « {value} »"),
                            "indiquez le code de la langue, par exemple <span lang=\"en\">workshop</span> (RGAA, critère 8.7 : changements de langue)",
                            display_path,
                            body,
                            &range,
                            body_line,
                        ));
                    }
                }
            }
            _ => {}
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn messages(body: &str) -> Vec<String> {
        check_body(body, 1, Path::new("a.md"))
            .into_iter()
            .map(|d| d.message)
            .collect()
    }

    #[test]
    fn heading_problems_are_warned() {
        let m = messages("# Titre\n\n## Bien\n\n#### Trop bas\n");
        assert_eq!(m.len(), 2, "{m:?}");
        assert!(m[0].contains("niveau 1"));
        assert!(m[1].contains("un titre de niveau 4 suit un titre de niveau 2"));
        assert!(messages("## A\n\n### B\n\n## C\n").is_empty());
    }

    #[test]
    fn vague_or_bare_link_texts_are_warned() {
        assert_eq!(messages("[Cliquez ici !](https://x.org)").len(), 1);
        assert_eq!(messages("Voir <https://x.org>").len(), 1);
        assert_eq!(messages("[https://x.org](https://x.org)").len(), 1);
        assert!(messages("[Le rapport 2024 de l'Aract](https://x.org)").is_empty());
        let m = messages("[Le site de la Région](http://x.org)");
        assert_eq!(
            m,
            vec!["lien externe non chiffré : « http://x.org »".to_string()]
        );
    }

    #[test]
    fn an_empty_table_header_is_warned() {
        assert_eq!(messages("|  |  |\n|--|--|\n| a | b |\n").len(), 1);
        assert!(messages("| Avant | Après |\n|--|--|\n| a | b |\n").is_empty());
    }

    #[test]
    fn a_bad_lang_attribute_is_warned() {
        assert_eq!(messages("Un <span lang=\"\">workshop</span>.").len(), 1);
        assert!(messages("Un <span lang=\"en\">workshop</span>.").is_empty());
        assert!(messages("<a hreflang=\"\" href=\"x\">x</a>").is_empty());
    }

    #[test]
    fn warnings_point_at_their_line() {
        let d = check_body("Texte.\n\n[ici](https://x.org)\n", 5, Path::new("a.md"));
        assert_eq!((d[0].line, d[0].column), (Some(7), Some(1)));
    }
}
