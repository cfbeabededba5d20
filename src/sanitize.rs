//! What an author writes never becomes script in a reader's browser.
//!
//! Two doors are watched here, for the Markdown stage (bodies) and for `summary`:
//! 1. URLs of links, images, autolinks and reference definitions: `javascript:`, `vbscript:`
//!    and `data:` are refused (a `data:` image of a raster format excepted), after the
//!    normalisations a browser applies or that could hide the scheme (entities,
//!    percent-escapes, whitespace and control characters, case);
//! 2. heading attributes (`## Titre {#id .classe nom=valeur}`): event handlers (`on…`) and
//!    names a browser would read as something else never pass; in `raw_html: escape` mode
//!    only an `id` and classes made of plain tokens do.

use crate::config::RawHtmlMode;

/// The hint of every refused URL.
pub const URL_HINT: &str =
    "un lien doit commencer par https://, /, @/ ou être un chemin relatif (une image peut aussi être en data:image/png, jpeg, gif ou webp)";

/// What a URL is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UrlUse {
    /// `href` of a link.
    Link,
    /// `src` of an image.
    Image,
}

/// The schemes that run code or show a document of the author's making.
const REFUSED: [&str; 3] = ["javascript", "vbscript", "data"];

/// The `data:` images a browser cannot run script from.
const SAFE_DATA_IMAGES: [&str; 4] = ["image/png", "image/jpeg", "image/gif", "image/webp"];

/// The message for `url` when it must be refused, `None` when it may be written out.
pub fn refused_url(url: &str, usage: UrlUse) -> Option<String> {
    let normalised = normalise(url);
    let (scheme, rest) = normalised.split_once(':')?;
    if !REFUSED.contains(&scheme) {
        return None;
    }
    if scheme == "data" && usage == UrlUse::Image && is_safe_data_image(rest) {
        return None;
    }
    Some(format!(
        "adresse refusée : « {} » (une adresse {scheme}: peut exécuter du code dans le navigateur du lecteur)",
        shorten(url)
    ))
}

fn is_safe_data_image(rest: &str) -> bool {
    let media_type = rest.split([';', ',']).next().unwrap_or("");
    SAFE_DATA_IMAGES.contains(&media_type)
}

/// The URL as a browser may read it: entities and percent-escapes decoded (until nothing
/// changes, a few rounds at most), ASCII whitespace and control characters removed from the
/// scheme part, lowercased. Only its start matters, so only that is kept.
fn normalise(url: &str) -> String {
    const HEAD: usize = 256;
    let mut text: String = url.chars().take(HEAD).collect();
    for _ in 0..4 {
        let decoded = percent_decode(&decode_entities(&text));
        if decoded == text {
            break;
        }
        text = decoded;
    }
    let mut out = String::with_capacity(text.len());
    let mut seen_colon = false;
    for c in text.chars() {
        if c.is_ascii_whitespace() || c.is_ascii_control() {
            continue;
        }
        if matches!(c, '/' | '?' | '#') && !seen_colon {
            // A path, query or fragment comes before any colon: no scheme.
            return String::new();
        }
        seen_colon |= c == ':';
        out.push(c.to_ascii_lowercase());
    }
    out
}

/// Decodes `%XX` escapes (invalid UTF-8 becomes U+FFFD).
pub(crate) fn percent_decode(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = bytes
            .get(i + 1..i + 3)
            .and_then(|h| std::str::from_utf8(h).ok())
            .and_then(|h| u8::from_str_radix(h, 16).ok());
        match (bytes[i], hex) {
            (b'%', Some(b)) => {
                out.push(b);
                i += 3;
            }
            (b, _) => {
                out.push(b);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// Decodes numeric character references and the named ones that can hide a scheme.
fn decode_entities(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(at) = rest.find('&') {
        out.push_str(&rest[..at]);
        rest = &rest[at..];
        match entity(rest) {
            Some((c, len)) => {
                out.push(c);
                rest = &rest[len..];
            }
            None => {
                out.push('&');
                rest = &rest[1..];
            }
        }
    }
    out.push_str(rest);
    out
}

/// The character of the entity at the start of `text` (which starts with `&`), and its length.
/// Numeric references end at their last digit, as browsers read them; the `;` is optional.
fn entity(text: &str) -> Option<(char, usize)> {
    let body = text.get(1..)?;
    let (digits, radix, skip) =
        if let Some(hex) = body.strip_prefix("#x").or_else(|| body.strip_prefix("#X")) {
            (hex, 16, 3)
        } else if let Some(decimal) = body.strip_prefix('#') {
            (decimal, 10, 2)
        } else {
            (body, 0, 1)
        };
    let len = digits
        .find(|c: char| !c.is_digit(if radix == 0 { 36 } else { radix }))
        .unwrap_or(digits.len());
    let name = &digits[..len];
    let c = match radix {
        0 => match name.to_ascii_lowercase().as_str() {
            "colon" => ':',
            "tab" => '\t',
            "newline" => '\n',
            "amp" => '&',
            "percnt" => '%',
            _ => return None,
        },
        _ => char::from_u32(u32::from_str_radix(name, radix).ok()?)?,
    };
    let end = skip + len;
    let end = if text[end..].starts_with(';') {
        end + 1
    } else {
        end
    };
    Some((c, end))
}

/// The start of a long URL, for messages.
fn shorten(url: &str) -> String {
    const SHOWN: usize = 60;
    let mut shown: String = url
        .chars()
        .take(SHOWN)
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect();
    if url.chars().nth(SHOWN).is_some() {
        shown.push('…');
    }
    shown
}

/// A heading's attributes, as pulldown-cmark gives them.
#[derive(Debug, Default)]
pub struct HeadingAttributes<'a> {
    /// `#id`.
    pub id: Option<pulldown_cmark::CowStr<'a>>,
    /// `.classe`.
    pub classes: Vec<pulldown_cmark::CowStr<'a>>,
    /// `nom=valeur` (or `nom` alone).
    pub attrs: Vec<(
        pulldown_cmark::CowStr<'a>,
        Option<pulldown_cmark::CowStr<'a>>,
    )>,
}

impl HeadingAttributes<'_> {
    /// Keeps what `mode` allows; returns what was dropped, as written (`onclick`, `#id`…).
    pub fn filter(&mut self, mode: RawHtmlMode) -> Vec<String> {
        let mut dropped = Vec::new();
        if mode == RawHtmlMode::Escape {
            if let Some(id) = self.id.take_if(|id| !is_plain_token(id.as_ref())) {
                dropped.push(format!("#{id}"));
            }
            self.classes.retain(|class| {
                let keep = is_plain_token(class);
                if !keep {
                    dropped.push(format!(".{class}"));
                }
                keep
            });
        }
        self.attrs.retain(|(name, _)| {
            let keep = mode == RawHtmlMode::Allow && is_harmless_attribute_name(name);
            if !keep {
                dropped.push(name.to_string());
            }
            keep
        });
        dropped
    }
}

/// Letters, digits, `-` and `_`, at least one.
fn is_plain_token(text: &str) -> bool {
    !text.is_empty()
        && text
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
}

/// A name a browser reads as one attribute (a letter, then letters, digits, `-`, `_`, `.`,
/// `:`), and not an event handler (`on…`, in any case).
fn is_harmless_attribute_name(name: &str) -> bool {
    let mut chars = name.chars();
    chars.next().is_some_and(|c| c.is_ascii_alphabetic())
        && chars.all(|c| c.is_ascii_alphanumeric() || "-_.:".contains(c))
        && !name.get(..2).is_some_and(|p| p.eq_ignore_ascii_case("on"))
}

/// The message and hint of a heading's dropped attributes.
pub fn dropped_attributes_message(dropped: &[String], mode: RawHtmlMode) -> (String, String) {
    let names = dropped
        .iter()
        .map(|d| format!("« {} »", shorten(d)))
        .collect::<Vec<_>>()
        .join(", ");
    let message = if dropped.len() == 1 {
        format!("attribut de titre ignoré : {names}")
    } else {
        format!("attributs de titre ignorés : {names}")
    };
    let hint = match mode {
        RawHtmlMode::Escape => "ce site n'accepte après un titre que {#identifiant .classe}, faits de lettres sans accents, de chiffres, de - et de _",
        RawHtmlMode::Allow => "un attribut d'événement (on…) pourrait exécuter du code : écrivez {#identifiant .classe nom=valeur} sans lui",
    };
    (message, hint.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scripts_are_refused_however_they_are_disguised() {
        for url in [
            "javascript:alert(1)",
            " JaVaScript:alert(1)",
            "java\tscript:alert(1)",
            "jav&#x09;ascript:alert(1)",
            "jav&#9ascript:alert(1)",
            "javascript&colon;alert(1)",
            "java%09script:alert(1)",
            "%6A%61vascript:alert(1)",
            "jav%26%23x09;ascript:alert(1)",
            "\u{1}javascript:alert(1)",
            "vbscript:msgbox(1)",
            "data:text/html;base64,PHNjcmlwdD4=",
            "DATA:text/html,x",
        ] {
            assert!(
                refused_url(url, UrlUse::Link).is_some(),
                "{url:?} is not refused"
            );
        }
    }

    #[test]
    fn ordinary_urls_pass() {
        for url in [
            "https://example.org/javascript:x",
            "/projets/",
            "@/projets/fiche.md",
            "fiche.md#javascript:x",
            "../data:x/",
            "?q=javascript:x",
            "mailto:contact@example.org",
            "tel:+33100000000",
            "Données & chiffres.pdf",
            "",
        ] {
            assert_eq!(refused_url(url, UrlUse::Link), None, "{url:?}");
        }
    }

    #[test]
    fn data_images_pass_for_raster_formats_only() {
        assert_eq!(
            refused_url("data:image/png;base64,iVBO", UrlUse::Image),
            None
        );
        assert_eq!(refused_url("data:image/webp,x", UrlUse::Image), None);
        assert!(refused_url("data:image/svg+xml,<svg>", UrlUse::Image).is_some());
        assert!(refused_url("data:image/png;base64,iVBO", UrlUse::Link).is_some());
        assert!(refused_url("data:text/html,x", UrlUse::Image).is_some());
    }

    #[test]
    fn a_long_url_is_shortened_in_its_message() {
        let url = format!("javascript:{}", "a".repeat(10_000));
        let message = refused_url(&url, UrlUse::Link).unwrap();
        assert!(message.chars().count() < 200, "{message}");
        assert!(message.contains('…'), "{message}");
    }

    fn heading<'a>(id: &'a str, classes: &[&'a str], attrs: &[&'a str]) -> HeadingAttributes<'a> {
        HeadingAttributes {
            id: Some(id.into()),
            classes: classes.iter().map(|c| (*c).into()).collect(),
            attrs: attrs
                .iter()
                .map(|a| ((*a).into(), Some("x".into())))
                .collect(),
        }
    }

    #[test]
    fn escape_mode_keeps_only_plain_ids_and_classes() {
        let mut h = heading("a-b_1", &["ok", "no\"pe"], &["style", "onclick", "lang"]);
        let dropped = h.filter(RawHtmlMode::Escape);
        assert_eq!(h.id.as_deref(), Some("a-b_1"));
        assert_eq!(
            h.classes,
            vec!["ok".into()] as Vec<pulldown_cmark::CowStr<'_>>
        );
        assert!(h.attrs.is_empty());
        assert_eq!(
            dropped,
            ["no\"pe", "style", "onclick", "lang"].map(|d| {
                if d.starts_with('n') {
                    format!(".{d}")
                } else {
                    d.to_string()
                }
            })
        );
        let mut h = heading("x\"y", &[], &[]);
        assert_eq!(h.filter(RawHtmlMode::Escape), vec!["#x\"y".to_string()]);
        assert_eq!(h.id, None);
    }

    #[test]
    fn the_trusted_mode_drops_event_handlers_and_odd_names_only() {
        let mut h = heading(
            "x\"y",
            &["a b"],
            &["lang", "OnClick", "x/onclick", "data-x", "'a"],
        );
        let dropped = h.filter(RawHtmlMode::Allow);
        assert_eq!(dropped, ["OnClick", "x/onclick", "'a"]);
        let kept: Vec<&str> = h.attrs.iter().map(|(n, _)| n.as_ref()).collect();
        assert_eq!(kept, ["lang", "data-x"]);
        assert_eq!(h.id.as_deref(), Some("x\"y"));
    }
}
