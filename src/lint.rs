//! Warnings about what editors write: accessibility of the content itself, and a few habits.
//!
//! The theme cannot fix what a body says, and the publisher must meet RGAA 4.1, so `check` and
//! `build` warn (without failing) about:
//! 1. a `#` heading (the page title is already the `h1`) or a skipped heading level (RGAA 9.1);
//! 2. a link whose text says nothing out of context, or a bare URL (RGAA 6.1);
//! 3. a table whose header row is empty (RGAA 5.6);
//! 4. a passage marked in another language with an empty or malformed `lang` (RGAA 8.7);
//! 5. an external link in `http://` (not encrypted);
//! 6. text pasted from Word: lines starting with `•` (a list that is not one), lines of
//!    tab-separated cells (a table that is not one);
//! 7. the section's fixed headings (`headings` in `guide.yaml`) renamed, missing or out of
//!    order ([`check_headings`]).
//!
//! A link or image whose path has spaces (`![…](Photo été.jpg)`), which Markdown shows as
//! text, is an error with the corrected Markdown.
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

/// The lines of a body outside fenced and indented code, with their 0-based index.
fn prose_lines(body: &str) -> impl Iterator<Item = (usize, &str)> {
    let mut fence: Option<&str> = None;
    body.lines().enumerate().filter_map(move |(i, line)| {
        let line = line.trim_end_matches('\r');
        let trimmed = line.trim_start();
        for marker in ["```", "~~~"] {
            if trimmed.starts_with(marker) {
                match fence {
                    Some(open) if open == marker => fence = None,
                    None => fence = Some(marker),
                    Some(_) => {}
                }
                return None;
            }
        }
        if fence.is_some() || line.starts_with('\t') || line.starts_with("    ") {
            return None;
        }
        Some((i, line))
    })
}

/// Bullets Word writes for its lists.
const WORD_BULLETS: [char; 6] = ['•', '◦', '▪', '·', '\u{f0b7}', '–'];

/// A diagnostic at a line of the body, column `column` (1-based), `len` characters long.
fn at_body_line(
    d: Diagnostic,
    display_path: &Path,
    body_line: usize,
    index: usize,
    column: usize,
    len: usize,
) -> Diagnostic {
    d.in_file(display_path).at(body_line + index, column, len)
}

/// Text pasted from Word, and links or images whose path has spaces.
fn check_lines(body: &str, body_line: usize, display_path: &Path) -> Vec<Diagnostic> {
    let mut out = Vec::new();
    // Most bodies have none of these: one fast search each instead of a walk of every line.
    if !body.contains('\t')
        && !body.contains("](")
        && !WORD_BULLETS.iter().any(|c| body.contains(*c))
    {
        return out;
    }
    let mut previous_bullet = false;
    let mut previous_tabs = false;
    for (i, line) in prose_lines(body) {
        let trimmed = line.trim_start();
        let indent = line.chars().count() - trimmed.chars().count();
        let bullet = trimmed.chars().next().filter(|c| {
            WORD_BULLETS.contains(c)
                && (*c != '–' && *c != '·' || trimmed.chars().nth(1) == Some(' '))
        });
        if let (Some(bullet), false) = (bullet, previous_bullet) {
            let text = trimmed[bullet.len_utf8()..].trim().replace('\t', " ");
            out.push(at_body_line(
                Diagnostic::warning(format!(
                    "ligne qui commence par « {bullet} » : ce n'est pas une liste, elle s'affichera comme un seul paragraphe"
                ))
                .with_hint(format!(
                    "remplacez « {bullet} » par un tiret et une espace au début de chaque ligne : « - {text} », et laissez une ligne vide avant la liste"
                )),
                display_path,
                body_line,
                i,
                indent + 1,
                1,
            ));
        }
        previous_bullet = bullet.is_some();
        let tabs = bullet.is_none() && trimmed.contains('\t');
        if tabs && !previous_tabs {
            let cells: Vec<&str> = trimmed.split('\t').map(str::trim).collect();
            let row = format!("| {} |", cells.join(" | "));
            let rule = format!("|{}", "---|".repeat(cells.len()));
            out.push(at_body_line(
                Diagnostic::warning(
                    "ligne séparée par des tabulations : ce n'est pas un tableau, les colonnes seront collées",
                )
                .with_hint(format!(
                    "écrivez un tableau Markdown, une ligne par rangée : {row} puis {rule} sous la première"
                )),
                display_path,
                body_line,
                i,
                indent + 1,
                trimmed.chars().count(),
            ));
        }
        previous_tabs = tabs;
        out.extend(spaced_paths(line, i, body_line, display_path));
    }
    out
}

/// `[texte](mon fichier.pdf)` and `![…](Photo été.jpg)`: Markdown ends a path at a space, so
/// these show as text. An error with the Markdown that works.
fn spaced_paths(
    line: &str,
    index: usize,
    body_line: usize,
    display_path: &Path,
) -> Vec<Diagnostic> {
    let mut out = Vec::new();
    let mut from = 0;
    while let Some(found) = line[from..].find("](") {
        let open = from + found + 2;
        from = open;
        let Some(close) = line[open..].find(')') else {
            break;
        };
        // Spaces around the path are allowed (`[t]( fichier.pdf )`): only a space inside it
        // breaks the link.
        let dest = line[open..open + close].trim();
        let Some((_, after_space)) = dest.split_once(' ') else {
            continue;
        };
        if dest.starts_with('<')
            || after_space.trim_start().starts_with(['"', '\'', '('])
            || dest.trim().is_empty()
            || dest.contains("://")
        {
            continue;
        }
        // The `[` that opens the text, and the `!` of an image.
        let text_end = open - 2;
        let mut depth = 0usize;
        let mut start = None;
        for (at, c) in line[..text_end].char_indices().rev() {
            match c {
                ']' => depth += 1,
                '[' if depth == 0 => {
                    start = Some(at);
                    break;
                }
                '[' => depth -= 1,
                _ => {}
            }
        }
        let Some(start) = start else { continue };
        let image = line[..start].ends_with('!');
        let start = if image { start - 1 } else { start };
        let written = &line[start..open + close + 1];
        let fixed = format!("{}<{dest}>)", &line[start..open]);
        let what = if image { "l'image" } else { "le lien" };
        out.push(
            Diagnostic::error(format!(
                "chemin avec des espaces : « {dest} » ne s'affiche pas, Markdown montre {what} comme du texte"
            ))
            .in_file(display_path)
            .at(
                body_line + index,
                line[..start].chars().count() + 1,
                written.chars().count(),
            )
            .with_hint(format!(
                "mettez le chemin entre chevrons : {fixed}, ou renommez le fichier sans espace (par exemple « {} »)",
                crate::slug::slugify(dest.rsplit_once('.').map_or(dest, |(stem, _)| stem))
                    + dest.rsplit_once('.').map_or(String::new(), |(_, ext)| format!(".{ext}")).as_str()
            )),
        );
    }
    out
}

/// Checks the `##` headings of a body against the section's fixed headings: each renamed,
/// missing or out of order one gets a warning that names the expected heading.
pub fn check_headings(
    body: &str,
    body_line: usize,
    display_path: &Path,
    expected: &[String],
) -> Vec<Diagnostic> {
    if expected.is_empty() {
        return Vec::new();
    }
    let fold = |text: &str| text.trim().replace('’', "'").to_lowercase();
    let expected_folded: Vec<String> = expected.iter().map(|h| fold(h)).collect();
    let found: Vec<(usize, &str)> = prose_lines(body)
        .filter_map(|(i, line)| {
            let text = line.strip_prefix("## ")?;
            Some((i, text.trim().trim_end_matches('#').trim()))
        })
        .collect();
    let exact: Vec<Option<usize>> = found
        .iter()
        .map(|(_, text)| expected_folded.iter().position(|e| *e == fold(text)))
        .collect();
    let mut out = Vec::new();
    let heading_place = |d: Diagnostic, index: usize, text: &str| {
        at_body_line(
            d,
            display_path,
            body_line,
            index,
            1,
            text.chars().count() + 3,
        )
    };
    // Renamed: not an expected heading, but close to one that is not there.
    let mut matched = exact.clone();
    for (k, (index, text)) in found.iter().enumerate() {
        if exact[k].is_some() {
            continue;
        }
        let absent: Vec<&str> = expected
            .iter()
            .enumerate()
            .filter(|(e, _)| !exact.contains(&Some(*e)))
            .map(|(_, h)| h.as_str())
            .collect();
        if let Some(best) = crate::diagnostic::closest(text, absent.iter().copied()) {
            let e = expected.iter().position(|h| h == best);
            matched[k] = e;
            out.push(heading_place(
                Diagnostic::warning(format!("intertitre « {text} » au lieu de « {best} »"))
                    .with_hint(format!(
                        "écrivez « ## {best} » : toutes les pages de la section suivent les mêmes intertitres"
                    )),
                *index,
                text,
            ));
        }
    }
    // Out of order: after a heading that should follow it.
    let mut furthest: Option<usize> = None;
    for (k, (index, text)) in found.iter().enumerate() {
        let Some(e) = matched[k] else { continue };
        match furthest {
            Some(f) if e < f => out.push(heading_place(
                Diagnostic::warning(format!(
                    "intertitre « {text} » hors de son ordre : il vient avant « {} »",
                    expected[f]
                ))
                .with_hint(format!(
                    "déplacez cette partie : l'ordre des intertitres est {}",
                    expected
                        .iter()
                        .map(|h| format!("« {h} »"))
                        .collect::<Vec<_>>()
                        .join(", ")
                )),
                *index,
                text,
            )),
            _ => furthest = Some(e),
        }
    }
    // Missing: placed before the next expected heading that is there, or at the body's end.
    for (e, heading) in expected.iter().enumerate() {
        if matched.contains(&Some(e)) {
            continue;
        }
        let next = found
            .iter()
            .zip(&matched)
            .find(|(_, m)| m.is_some_and(|m| m > e))
            .map(|((index, _), _)| *index);
        let line = next.unwrap_or_else(|| body.lines().count().saturating_sub(1));
        let previous = expected[..e].last();
        let place = match (previous, expected.get(e + 1)) {
            (Some(p), Some(n)) => format!(" entre « ## {p} » et « ## {n} »"),
            (None, Some(n)) => format!(" avant « ## {n} »"),
            (Some(p), None) => format!(" après « ## {p} »"),
            (None, None) => String::new(),
        };
        out.push(at_body_line(
            Diagnostic::warning(format!("intertitre manquant : « {heading} »"))
                .with_hint(format!(
                    "ajoutez « ## {heading} »{place} : toutes les pages de la section suivent les mêmes intertitres"
                )),
            display_path,
            body_line,
            line,
            1,
            3,
        ));
    }
    out
}

/// Checks one body and returns its warnings.
pub fn check_body(body: &str, body_line: usize, display_path: &Path) -> Vec<Diagnostic> {
    let mut out = check_lines(body, body_line, display_path);
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
    fn fixed_headings_renamed_missing_or_out_of_order_name_the_expected_one() {
        let expected: Vec<String> = ["L'entreprise", "Le contexte", "Les résultats"]
            .iter()
            .map(|s| s.to_string())
            .collect();
        let m = |body: &str| -> Vec<String> {
            check_headings(body, 1, Path::new("a.md"), &expected)
                .into_iter()
                .map(|d| d.message)
                .collect()
        };
        assert!(
            m("## L’entreprise\n\n## Le contexte\n\n## Autre\n\n## Les résultats\n").is_empty()
        );
        assert_eq!(
            m("## L'entreprise\n\n## Contexte\n\n## Les résultats\n"),
            vec!["intertitre « Contexte » au lieu de « Le contexte »"]
        );
        assert_eq!(
            m("## L'entreprise\n\n## Les résultats\n"),
            vec!["intertitre manquant : « Le contexte »"]
        );
        assert_eq!(
            m("## Le contexte\n\n## L'entreprise\n\n## Les résultats\n"),
            vec!["intertitre « L'entreprise » hors de son ordre : il vient avant « Le contexte »"]
        );
        // Code is not prose.
        assert!(m(
            "```\n## L'entreprise\n```\n## L'entreprise\n## Le contexte\n## Les résultats\n"
        )
        .is_empty());
    }

    #[test]
    fn word_pastes_and_spaced_paths_are_found_outside_code() {
        assert_eq!(messages("• un\n• deux\n").len(), 1);
        assert_eq!(messages("a\tb\nc\td\n").len(), 1);
        assert!(messages("```\n• un\na\tb\n```\n").is_empty());
        assert_eq!(messages("![Photo](Photo été.jpg)").len(), 1);
        assert!(messages("![Photo](<Photo été.jpg>)").is_empty());
        assert!(messages("[Le guide]( guide.pdf )").is_empty());
        assert!(messages("[Le guide]( /guide(1).pdf)").is_empty());
        assert!(messages("[Le site de l'Aract](https://x.org \"Aract\")").is_empty());
        assert!(messages("- une vraie liste\n– une incise sans liste").len() == 1);
    }

    #[test]
    fn warnings_point_at_their_line() {
        let d = check_body("Texte.\n\n[ici](https://x.org)\n", 5, Path::new("a.md"));
        assert_eq!((d[0].line, d[0].column), (Some(7), Some(1)));
    }
}
