//! Syntax highlighting of fenced code with syntect, as CSS classes (no inline styles).
//!
//! The syntax set is loaded once, on first use, so a site without code never pays for it.
//! The matching stylesheet is generated into the output as `highlight.css`.
//!
//! Highlighting costs far more time and memory than the text it colours (about 80 bytes of
//! memory per byte of code): a block longer than [`LIMIT`] is written as escaped plain text,
//! and the Markdown stage warns about it.

use std::sync::OnceLock;

use syntect::highlighting::ThemeSet;
use syntect::html::{css_for_theme_with_class_style, ClassStyle, ClassedHTMLGenerator};
use syntect::parsing::SyntaxSet;
use syntect::util::LinesWithEndings;

const CLASS_STYLE: ClassStyle = ClassStyle::SpacedPrefixed { prefix: "hl-" };

fn syntaxes() -> &'static SyntaxSet {
    static SET: OnceLock<SyntaxSet> = OnceLock::new();
    SET.get_or_init(SyntaxSet::load_defaults_newlines)
}

fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '&' => out.push_str("&amp;"),
            '"' => out.push_str("&quot;"),
            other => out.push(other),
        }
    }
    out
}

/// The longest code block that is highlighted, in bytes (128 KiB).
pub const LIMIT: usize = 128 * 1024;

fn known_language(language: Option<&str>) -> Option<&str> {
    language
        .map(str::trim)
        .filter(|l| !l.is_empty() && syntaxes().find_syntax_by_token(l).is_some())
}

/// Whether a block in a known language is left without colours because of its length.
pub fn too_long_to_highlight(code: &str, language: Option<&str>) -> bool {
    code.len() > LIMIT && known_language(language).is_some()
}

/// The HTML of a code block: `<pre><code>` with highlighting classes when the language is
/// known and the block not longer than [`LIMIT`], escaped plain text otherwise.
pub fn code_block(code: &str, language: Option<&str>) -> String {
    let language = language.map(str::trim).filter(|l| !l.is_empty());
    let lang_class = language
        .map(|l| format!(" class=\"language-{}\"", escape(l)))
        .unwrap_or_default();
    if let Some(lang) = language.filter(|_| code.len() <= LIMIT) {
        let set = syntaxes();
        if let Some(syntax) = set.find_syntax_by_token(lang) {
            let mut generator =
                ClassedHTMLGenerator::new_with_class_style(syntax, set, CLASS_STYLE);
            let mut ok = true;
            for line in LinesWithEndings::from(code) {
                if generator
                    .parse_html_for_line_which_includes_newline(line)
                    .is_err()
                {
                    ok = false;
                    break;
                }
            }
            if ok {
                return format!(
                    "<pre class=\"code\"><code{lang_class}>{}</code></pre>\n",
                    generator.finalize()
                );
            }
        }
    }
    format!(
        "<pre class=\"code\"><code{lang_class}>{}</code></pre>\n",
        escape(code)
    )
}

/// Whether a bit of HTML holds code highlighted by [`code_block`], which needs the
/// stylesheet (plain code blocks do not).
pub fn is_highlighted(html: &str) -> bool {
    html.contains("<span class=\"hl-")
}

/// The stylesheet for the highlighting classes.
pub fn stylesheet() -> String {
    let themes = ThemeSet::load_defaults();
    let theme = &themes.themes["InspiredGitHub"];
    css_for_theme_with_class_style(theme, CLASS_STYLE).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_languages_get_classes_and_unknown_ones_are_escaped() {
        let html = code_block("fn main() {}\n", Some("rust"));
        assert!(html.contains("class=\"hl-"), "{html}");
        assert!(!html.contains("style="), "{html}");
        let html = code_block("<b>\n", Some("nonexistent"));
        assert!(html.contains("&lt;b&gt;"), "{html}");
    }

    #[test]
    fn the_stylesheet_uses_the_same_prefix() {
        assert!(stylesheet().contains(".hl-"));
    }
}
