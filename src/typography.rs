//! French typography for text: no-break spaces and French quotation marks.
//!
//! Applied to the text events of Markdown only (never to code, raw HTML, URLs or attributes):
//! - a narrow no-break space (U+202F) before `;`, `!`, `?` and `%`, replacing a space or
//!   inserted after a letter; before `:` only when a space was written (so `10:30` and
//!   `https:` stay as they are);
//! - `« »` with narrow no-break spaces inside; English curly quotes (from smart punctuation)
//!   become French ones.

/// Narrow no-break space.
pub const NNBSP: char = '\u{202F}';

/// Applies the French rules to one run of text.
pub fn french(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 8);
    let chars: Vec<char> = text
        .chars()
        .map(|c| match c {
            '\u{201C}' => '«',
            '\u{201D}' => '»',
            other => other,
        })
        .collect();
    for (i, &c) in chars.iter().enumerate() {
        match c {
            ';' | '!' | '?' | ':' | '%' | '»' => {
                match out.chars().last() {
                    Some(' ') | Some('\u{a0}') => {
                        out.pop();
                        out.push(NNBSP);
                    }
                    // After a word, a French writer puts the space in: insert it, except
                    // before `:` and `%`, where no space means a time, a URL or a code.
                    Some(p)
                        if c != ':'
                            && c != '%'
                            && (p.is_alphanumeric() || p == '»' || p == ')') =>
                    {
                        out.push(NNBSP)
                    }
                    _ => {}
                }
                out.push(c);
            }
            '«' => {
                out.push(c);
                match chars.get(i + 1) {
                    Some(' ') | Some('\u{a0}') | Some(&NNBSP) | None => {}
                    Some(_) => out.push(NNBSP),
                }
            }
            ' ' | '\u{a0}' if out.ends_with('«') => out.push(NNBSP),
            other => out.push(other),
        }
    }
    out
}

/// French typography for a title written in front matter: straight apostrophes become `’`
/// (Markdown text gets this from smart punctuation), then [`french`].
pub fn title(text: &str) -> String {
    french(&text.replace('\'', "\u{2019}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn show(s: &str) -> String {
        s.replace(NNBSP, "_")
    }

    #[test]
    fn spaces_before_high_punctuation_become_narrow_no_break() {
        assert_eq!(
            show(&french("Pourquoi ? Parce que ; enfin !")),
            "Pourquoi_? Parce que_; enfin_!"
        );
        assert_eq!(show(&french("Pourquoi?")), "Pourquoi_?");
        assert_eq!(show(&french("Note : ceci")), "Note_: ceci");
        assert_eq!(show(&french("20 % des coûts")), "20_% des coûts");
    }

    #[test]
    fn colons_without_a_space_are_left_alone() {
        assert_eq!(
            french("à 10:30, voir https://x.org"),
            "à 10:30, voir https://x.org"
        );
    }

    #[test]
    fn quotes_become_french_with_inner_spaces() {
        assert_eq!(show(&french("« bonjour »")), "«_bonjour_»");
        assert_eq!(show(&french("«bonjour»")), "«_bonjour_»");
        assert_eq!(show(&french("\u{201C}bonjour\u{201D}")), "«_bonjour_»");
    }

    #[test]
    fn titles_get_curly_apostrophes_and_no_break_spaces() {
        assert_eq!(
            show(&title("L'accord : « QVT »")),
            "L\u{2019}accord_: «_QVT_»"
        );
    }

    #[test]
    fn typography_is_idempotent() {
        let once = french("« Quoi ? » dit-il : 20 %");
        assert_eq!(french(&once), once);
    }
}
