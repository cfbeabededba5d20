//! French typography: no-break spaces, French quotation marks and curly apostrophes, applied
//! once, where French text reaches a reader.
//!
//! Every HTML page the build writes goes through [`typeset_html`] as its last step
//! (`render::shared::Shared::file`), whatever put the text there: a Markdown body, a table of
//! contents, a field of the front matter, a label of the theme. Summaries are typeset when
//! they are made, so the feed, the search records and the open data carry the same text as
//! the pages. Plain text (a title read from front matter) goes through [`french`]. Both
//! apply the same rules, to runs of text that cross inline elements (`*important*!`,
//! `«*mot*»`, `` `x`? `` are spaced as plain text is) and stop at block elements.
//!
//! The rules:
//! 1. a straight apostrophe becomes `’`, English curly quotes become `« »`;
//! 2. before `;`, `:`, `!`, `?` and `%` a written space becomes a narrow no-break space
//!    (U+202F); before `!` and `?` one is inserted after a word when the sign ends the word
//!    (`Pourquoi?`, not `bim!bop` nor `[foo!]`); never before `;` and `:` (`x = 1;`,
//!    `10:30`);
//! 3. inside `« »` the spaces are narrow no-break ones, inserted when missing;
//! 4. in numbers and amounts, the spaces between groups of digits, before `€ $ £` and between
//!    a currency and `HT`/`TTC` do not break (`1 000 € HT`).
//!
//! Nothing changes in what is not French prose: markup and attributes; `code`, `kbd`,
//! `samp`, `pre`, `script`, `style`, `textarea`, `svg` and `math`; elements whose `lang` is
//! not French (and their content); URLs, e-mail addresses, `mailto:` links written in the
//! text; character references written as text (`&MadeUpEntity;`); emoticons (`;-)`).
//! Such text still counts as the neighbour of prose: `` `x`? `` is spaced.
//!
//! The rules are idempotent: typesetting typeset text changes nothing.

use std::ops::Range;

/// Narrow no-break space.
pub const NNBSP: char = '\u{202F}';

/// No-break space.
pub const NBSP: char = '\u{A0}';

/// One character of a run: what it is, where it is in the source, whether it may change.
#[derive(Debug, Clone)]
struct Glyph {
    c: char,
    /// Where its source starts, and its length in bytes (a reference such as `&#39;` is
    /// longer than the character).
    start: usize,
    len: u8,
    editable: bool,
}

/// What typesetting does to one character.
#[derive(Debug, Clone, Copy, Default)]
struct Edit {
    /// Insert a narrow no-break space before it.
    before: bool,
    /// Write this instead.
    replace: Option<char>,
    /// Insert a narrow no-break space after it.
    after: bool,
}

/// A space a sign may have been typed after (a line break of the source counts: it shows
/// as a space).
fn is_space(c: char) -> bool {
    matches!(c, ' ' | '\n' | '\t' | NBSP)
}

/// Whether `rest` starts with `HT` or `TTC` as a word.
fn tax_after(rest: &[char]) -> bool {
    [&['H', 'T'][..], &['T', 'T', 'C'][..]]
        .iter()
        .any(|t| rest.starts_with(t) && !rest.get(t.len()).is_some_and(|c| c.is_alphanumeric()))
}

/// A character a sign may follow directly: `mot!`, `»?`. Not a digit nor a bracket, which
/// end code more often than prose (`x = 33!`, `f(x)?`).
fn ends_a_word(c: char) -> bool {
    c.is_alphabetic() || matches!(c, '»' | '’')
}

/// A character that may follow a sign for it to end a word: `bim!bop` and `[foo!]` are not
/// sentences.
fn may_follow_a_sign(c: Option<char>) -> bool {
    match c {
        None => true,
        Some(c) => {
            c.is_whitespace()
                || matches!(
                    c,
                    '!' | '?' | ';' | ':' | '.' | ',' | ')' | '»' | '”' | '’' | '"' | '\'' | '…'
                )
        }
    }
}

/// The characters typesetting changes or spaces (rule 1 and 2, 3): the only ones whose
/// being editable matters, besides spaces, which are never part of a token.
fn is_sign(c: char) -> bool {
    matches!(
        c,
        '\'' | '\u{201C}' | '\u{201D}' | ';' | '!' | '?' | ':' | '%' | '«' | '»'
    )
}

/// Whether typesetting may change anything in a run that holds `c`: a sign (rules 1 to 3), a
/// digit or a currency (rule 4). Most runs of a page (menu items, card titles, short labels)
/// have none.
fn may_change(c: char) -> bool {
    is_sign(c) || c.is_ascii_digit() || matches!(c, '€' | '$' | '£')
}

/// Marks as not editable the tokens of a run that are not prose: URLs, e-mail addresses,
/// character references written as text, emoticons. A token without a sign is left as it
/// is: nothing in it could change.
fn protect_non_prose(glyphs: &mut [Glyph]) {
    let mut start = 0;
    while start < glyphs.len() {
        if glyphs[start].c.is_whitespace() {
            start += 1;
            continue;
        }
        let end = glyphs[start..]
            .iter()
            .position(|g| g.c.is_whitespace())
            .map_or(glyphs.len(), |n| start + n);
        if !glyphs[start..end].iter().any(|g| is_sign(g.c)) {
            start = end;
            continue;
        }
        let token: String = glyphs[start..end].iter().map(|g| g.c).collect();
        let reference_like = token.starts_with('&') && token.contains(';');
        if reference_like || is_url_like(&token) || is_emoticon(&token) {
            for g in &mut glyphs[start..end] {
                g.editable = false;
            }
        } else {
            for range in references(&token) {
                for g in &mut glyphs[start + range.start..start + range.end] {
                    g.editable = false;
                }
            }
        }
        start = end;
    }
}

fn is_url_like(token: &str) -> bool {
    let lower = token
        .trim_start_matches(['(', '[', '<', '«', '"', '\u{201C}'])
        .to_lowercase();
    lower.contains("://")
        || lower.starts_with("www.")
        || lower.starts_with("mailto:")
        || lower.starts_with("tel:")
        || lower
            .split_once('@')
            .is_some_and(|(user, domain)| !user.is_empty() && domain.contains('.'))
}

/// `;-)`, `:)`, `:-(`, `;D`…
fn is_emoticon(token: &str) -> bool {
    let mut chars = token.chars().peekable();
    if !matches!(chars.next(), Some(':' | ';')) {
        return false;
    }
    if matches!(chars.peek(), Some('-' | '\'')) {
        chars.next();
    }
    let mut mouth = 0;
    for c in chars {
        if !matches!(
            c,
            ')' | '(' | 'D' | 'P' | 'p' | 'O' | 'o' | '/' | '|' | '*' | ']' | '['
        ) {
            return false;
        }
        mouth += 1;
    }
    mouth > 0
}

/// The char ranges of `&name;` and `&#123;` written as text in a token.
fn references(token: &str) -> Vec<Range<usize>> {
    let chars: Vec<char> = token.chars().collect();
    let mut out = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        if chars[i] == '&' {
            let mut j = i + 1;
            if chars.get(j) == Some(&'#') {
                j += 1;
            }
            let name_start = j;
            while chars.get(j).is_some_and(char::is_ascii_alphanumeric) {
                j += 1;
            }
            if j > name_start && chars.get(j) == Some(&';') {
                out.push(i..j + 1);
                i = j + 1;
                continue;
            }
        }
        i += 1;
    }
    out
}

/// The edits for one run of text (a block's text, across its inline elements).
fn plan(glyphs: &mut [Glyph]) -> Vec<Edit> {
    protect_non_prose(glyphs);
    let mut edits = vec![Edit::default(); glyphs.len()];
    // 1. Apostrophes and quotes.
    let chars: Vec<char> = glyphs
        .iter()
        .zip(edits.iter_mut())
        .map(|(g, edit)| {
            if !g.editable {
                return g.c;
            }
            let new = match g.c {
                '\'' => '’',
                '\u{201C}' => '«',
                '\u{201D}' => '»',
                other => other,
            };
            if new != g.c {
                edit.replace = Some(new);
            }
            new
        })
        .collect();
    let editable = |i: usize| glyphs[i].editable;
    for i in 0..chars.len() {
        let c = chars[i];
        let prev = i.checked_sub(1).map(|p| chars[p]);
        let next = chars.get(i + 1).copied();
        if editable(i) {
            match c {
                ';' | '!' | '?' | ':' | '%' | '»' => match prev {
                    Some(p) if is_space(p) => {
                        if editable(i - 1) {
                            edits[i - 1].replace = Some(NNBSP);
                        }
                    }
                    Some(NNBSP) | None => {}
                    Some(p) if c == '»' => edits[i].before = p != '«' && !p.is_whitespace(),
                    Some(p) if matches!(c, '!' | '?') => {
                        edits[i].before = ends_a_word(p) && may_follow_a_sign(next);
                    }
                    Some(_) => {}
                },
                '«' => match next {
                    Some(n) if is_space(n) => {
                        if editable(i + 1) {
                            edits[i + 1].replace = Some(NNBSP);
                        }
                    }
                    Some(NNBSP) | None => {}
                    Some(n) => edits[i].after = !n.is_whitespace(),
                },
                _ => {}
            }
        }
        // Numbers and amounts: `1 000 € HT`.
        if is_space(c) && editable(i) && edits[i].replace.is_none() {
            let digit_before = prev.is_some_and(|p| p.is_ascii_digit());
            let group_after = chars.len() >= i + 4
                && chars[i + 1..i + 4].iter().all(char::is_ascii_digit)
                && !chars.get(i + 4).is_some_and(char::is_ascii_digit);
            let currency_after = matches!(next, Some('€' | '$' | '£'));
            if digit_before && (group_after || currency_after) {
                edits[i].replace = Some(NNBSP);
            } else if matches!(prev, Some('€' | '$' | '£')) && tax_after(&chars[i + 1..]) {
                edits[i].replace = Some(NBSP);
            }
        }
    }
    edits
}

/// Typesets plain text (no markup): a title, a label.
pub fn french(text: &str) -> String {
    let mut glyphs: Vec<Glyph> = text
        .char_indices()
        .map(|(i, c)| Glyph {
            c,
            start: i,
            len: c.len_utf8() as u8,
            editable: true,
        })
        .collect();
    let edits = plan(&mut glyphs);
    let mut out = String::with_capacity(text.len() + 8);
    for (g, edit) in glyphs.iter().zip(&edits) {
        write_glyph(&mut out, text, g, edit);
    }
    out
}

/// French typography for a title written in front matter (see [`french`]).
pub fn title(text: &str) -> String {
    french(text)
}

fn write_glyph(out: &mut String, source: &str, g: &Glyph, edit: &Edit) {
    if edit.before {
        out.push(NNBSP);
    }
    match edit.replace {
        Some(c) => out.push(c),
        None => out.push_str(&source[g.start..g.start + usize::from(g.len)]),
    }
    if edit.after {
        out.push(NNBSP);
    }
}

/// Elements inside which text runs on: a sign after one is spaced as after plain text.
const INLINE: &[&str] = &[
    "a", "abbr", "b", "bdi", "bdo", "cite", "code", "data", "del", "dfn", "em", "i", "img",
    "input", "ins", "kbd", "mark", "q", "s", "samp", "small", "span", "strong", "sub", "sup",
    "time", "u", "var", "wbr",
];

/// Elements whose text is never typeset.
const NOT_PROSE: &[&str] = &[
    "code", "kbd", "samp", "pre", "textarea", "svg", "math", "script", "style",
];

/// Elements whose content is raw text, skipped whole.
const RAW_TEXT: &[&str] = &["script", "style", "textarea"];

const VOID: &[&str] = &[
    "area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track",
    "wbr",
];

/// An open element: its name, whether its text is French, whether it is code.
struct Open<'a> {
    /// As written in the source (compare with `eq_ignore_ascii_case`).
    name: &'a str,
    french: bool,
    code: bool,
    /// Inside a block of code (`pre`…): written straight out, never read as a neighbour.
    opaque: bool,
}

/// Block elements whose content is written out as it is.
const OPAQUE: &[&str] = &["pre", "textarea", "svg", "math"];

/// How far down the open elements an end tag looks for its start tag: a page of unclosed
/// elements costs at most this much per end tag.
const MATCH_DEPTH: usize = 64;

/// Whether `name` is one of `names` (lower case), whatever its case.
fn is_one_of(names: &[&str], name: &str) -> bool {
    names.iter().any(|n| n.eq_ignore_ascii_case(name))
}

/// Where `</name` starts in `text`, whatever its case.
fn find_end_tag(text: &str, name: &str) -> Option<usize> {
    text.match_indices("</").map(|(at, _)| at).find(|&at| {
        text.get(at + 2..at + 2 + name.len())
            .is_some_and(|n| n.eq_ignore_ascii_case(name))
    })
}

/// The current run of text, until a block element ends it: its characters, and where it is
/// in the source. Its characters and the inline markup between them follow each other there,
/// so typesetting it is writing that source with the edits spliced in.
#[derive(Default)]
struct Run {
    /// What the run holds besides markup, in order. Its characters are made glyphs only when
    /// one of them may change ([`may_change`]): most runs cannot.
    pieces: Vec<Piece>,
    span: Option<Range<usize>>,
    may_change: bool,
    /// The glyphs of the run being typeset (kept for the next run, to allocate once).
    glyphs: Vec<Glyph>,
}

/// A piece of a run: text without markup nor reference (by its place in the source), or the
/// character of a reference.
#[derive(Debug)]
enum Piece {
    Text { range: Range<usize>, editable: bool },
    Char(Glyph),
}

impl Edit {
    fn changes(&self) -> bool {
        self.before || self.after || self.replace.is_some()
    }
}

impl Run {
    fn flush(&mut self, html: &str, out: &mut String) {
        let Some(span) = self.span.take() else {
            return;
        };
        // Most runs of a page (menu items, card titles, short labels) cannot change.
        let mut from = span.start;
        if self.may_change {
            self.make_glyphs(html);
            let edits = plan(&mut self.glyphs);
            for (g, edit) in self.glyphs.iter().zip(&edits) {
                if edit.changes() {
                    out.push_str(&html[from..g.start]);
                    write_glyph(out, html, g, edit);
                    from = g.start + usize::from(g.len);
                }
            }
        }
        out.push_str(&html[from..span.end]);
        self.pieces.clear();
        self.may_change = false;
    }

    /// Makes the glyphs of the run's pieces, in order (`html`: the source they are in).
    fn make_glyphs(&mut self, html: &str) {
        self.glyphs.clear();
        for piece in self.pieces.drain(..) {
            match piece {
                Piece::Text { range, editable } => {
                    let start = range.start;
                    self.glyphs
                        .extend(html[range].char_indices().map(|(at, c)| Glyph {
                            c,
                            start: start + at,
                            len: c.len_utf8() as u8,
                            editable,
                        }));
                }
                Piece::Char(glyph) => self.glyphs.push(glyph),
            }
        }
    }

    /// Extends the run's span to `range`, which follows what the run holds.
    fn cover(&mut self, range: Range<usize>) {
        let start = self.span.as_ref().map_or(range.start, |span| span.start);
        self.span = Some(start..range.end);
    }

    /// Inline markup (a tag, a comment): written as it is, between the characters.
    fn push_markup(&mut self, range: Range<usize>) {
        self.cover(range);
    }

    fn push_char(&mut self, c: char, start: usize, len: usize, editable: bool) {
        self.cover(start..start + len);
        self.may_change = self.may_change || may_change(c);
        self.pieces.push(Piece::Char(Glyph {
            c,
            start,
            // A reference longer than 255 bytes is not read as one (see `read_reference`).
            len: len as u8,
            editable,
        }));
    }

    /// Text without markup nor reference.
    fn push_text(&mut self, text: &str, start: usize, editable: bool) {
        self.cover(start..start + text.len());
        self.may_change = self.may_change || text.chars().any(may_change);
        self.pieces.push(Piece::Text {
            range: start..start + text.len(),
            editable,
        });
    }
}

/// A tag read at the start of `rest`: its name (lower case), whether it ends an element,
/// its `lang`, whether it closes itself, and its length.
struct TagInfo<'a> {
    /// As written in the source: HTML names are compared without regard to case.
    name: &'a str,
    end: bool,
    lang: Option<String>,
    self_closing: bool,
    len: usize,
}

fn read_tag(rest: &str) -> Option<TagInfo<'_>> {
    let bytes = rest.as_bytes();
    let end = bytes.get(1) == Some(&b'/');
    let name_start = if end { 2 } else { 1 };
    if !bytes.get(name_start).is_some_and(u8::is_ascii_alphabetic) {
        return None;
    }
    let name_len = rest[name_start..]
        .find(|c: char| !(c.is_ascii_alphanumeric() || c == '-' || c == ':'))
        .unwrap_or(rest.len() - name_start);
    let name = &rest[name_start..name_start + name_len];
    // The end of the tag, past quoted attribute values.
    let mut quote: Option<u8> = None;
    let mut i = name_start + name_len;
    let mut lang = None;
    while i < bytes.len() {
        let b = bytes[i];
        match quote {
            Some(q) if b == q => quote = None,
            Some(_) => {}
            None if b == b'"' || b == b'\'' => quote = Some(b),
            None if b == b'>' => {
                let self_closing = bytes[i - 1] == b'/';
                return Some(TagInfo {
                    name,
                    end,
                    lang,
                    self_closing,
                    len: i + 1,
                });
            }
            None if b.is_ascii_whitespace()
                && bytes
                    .get(i + 1..i + 5)
                    .is_some_and(|name| name.eq_ignore_ascii_case(b"lang"))
                && rest[i + 5..].trim_start().starts_with('=') =>
            {
                let value = rest[i + 5..].trim_start()[1..].trim_start();
                let value = match value.chars().next() {
                    Some(q @ ('"' | '\'')) => value[1..].split(q).next().unwrap_or(""),
                    _ => value
                        .split(|c: char| c.is_ascii_whitespace() || c == '>')
                        .next()
                        .unwrap_or(""),
                };
                lang = Some(value.to_string());
            }
            None => {}
        }
        i += 1;
    }
    None
}

/// A character reference at the start of `rest` (`&amp;`, `&#39;`): the character and the
/// reference's length. Only the references that typesetting must read are decoded; others
/// are read as the characters written.
fn read_reference(rest: &str) -> Option<(char, usize)> {
    let limit = rest.char_indices().nth(12).map_or(rest.len(), |(i, _)| i);
    let semi = rest[..limit].find(';')?;
    let name = &rest[1..semi];
    let c = match name {
        "amp" => '&',
        "lt" => '<',
        "gt" => '>',
        "quot" => '"',
        "apos" => '\'',
        "nbsp" => NBSP,
        _ => {
            let number = name.strip_prefix('#')?;
            let code = match number.strip_prefix(['x', 'X']) {
                Some(hex) => u32::from_str_radix(hex, 16).ok()?,
                None => number.parse().ok()?,
            };
            char::from_u32(code)?
        }
    };
    Some((c, semi + 1))
}

/// Whether a `lang` value is French (`fr`, `fr-FR`, `fr-CA`…).
pub fn is_french(lang: &str) -> bool {
    let lang = lang.trim().to_ascii_lowercase();
    lang == "fr" || lang.starts_with("fr-")
}

/// Typesets the text of an HTML page or fragment (see the module's documentation).
pub fn typeset_html(html: &str) -> String {
    let mut out = String::with_capacity(html.len() + html.len() / 32);
    let mut run = Run::default();
    let mut open: Vec<Open<'_>> = Vec::new();
    let mut i = 0;
    while i < html.len() {
        let rest = &html[i..];
        let (french, code, opaque) = open
            .last()
            .map_or((true, false, false), |o| (o.french, o.code, o.opaque));
        if rest.starts_with("<!--") {
            let len = rest.find("-->").map_or(rest.len(), |e| e + 3);
            run.push_markup(i..i + len);
            i += len;
            continue;
        }
        if rest.starts_with("<!") || rest.starts_with("<?") {
            // A processing instruction ends at `?>`, CDATA at `]]>`, a declaration at `>`.
            let end = if rest.starts_with("<?") {
                "?>"
            } else if rest.starts_with("<![CDATA[") {
                "]]>"
            } else {
                ">"
            };
            let len = rest.find(end).map_or(rest.len(), |e| e + end.len());
            run.flush(html, &mut out);
            out.push_str(&rest[..len]);
            i += len;
            continue;
        }
        if rest.starts_with('<') {
            if let Some(tag) = read_tag(rest) {
                let inline = is_one_of(INLINE, tag.name);
                if inline && !opaque {
                    run.push_markup(i..i + tag.len);
                } else {
                    run.flush(html, &mut out);
                    out.push_str(&rest[..tag.len]);
                }
                i += tag.len;
                if tag.end {
                    let depth = open.len();
                    if let Some(up) = open
                        .iter()
                        .rev()
                        .take(MATCH_DEPTH)
                        .position(|o| o.name.eq_ignore_ascii_case(tag.name))
                    {
                        open.truncate(depth - up - 1);
                    }
                } else if is_one_of(RAW_TEXT, tag.name) && !tag.self_closing {
                    let len = find_end_tag(&html[i..], tag.name).unwrap_or(html.len() - i);
                    out.push_str(&html[i..i + len]);
                    i += len;
                } else if !tag.self_closing && !is_one_of(VOID, tag.name) {
                    open.push(Open {
                        french: tag.lang.as_deref().map_or(french, is_french),
                        code: code || is_one_of(NOT_PROSE, tag.name),
                        opaque: opaque || is_one_of(OPAQUE, tag.name),
                        name: tag.name,
                    });
                }
                continue;
            }
        }
        if opaque {
            let first = rest.chars().next().map_or(1, char::len_utf8);
            let len = rest[first..].find('<').map_or(rest.len(), |e| e + first);
            out.push_str(&rest[..len]);
            i += len;
            continue;
        }
        let editable = french && !code;
        if rest.starts_with('&') {
            if let Some((c, len)) = read_reference(rest) {
                run.push_char(c, i, len, editable);
                i += len;
                continue;
            }
        }
        // Up to the next tag or reference (the first character may be a `<` or `&` that is
        // neither).
        let first = rest.chars().next().map_or(1, char::len_utf8);
        let len = rest.as_bytes()[first..]
            .iter()
            .position(|b| matches!(b, b'<' | b'&'))
            .map_or(rest.len(), |e| e + first);
        run.push_text(&rest[..len], i, editable);
        i += len;
    }
    run.flush(html, &mut out);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn show(s: &str) -> String {
        s.replace(NNBSP, "_").replace(NBSP, "~")
    }

    #[test]
    fn spaces_before_high_punctuation_become_narrow_no_break() {
        assert_eq!(
            show(&french("Pourquoi ? Parce que ; enfin !")),
            "Pourquoi_? Parce que_; enfin_!"
        );
        assert_eq!(show(&french("Pourquoi?")), "Pourquoi_?");
        assert_eq!(show(&french("Quoi?!")), "Quoi_?!");
        assert_eq!(show(&french("Pourquoi\n? «\nmot")), "Pourquoi_? «_mot");
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
        for text in [
            "« Quoi ? » dit-il : 20 %",
            "<p>C'est <em>important</em>! «<em>mot</em>» 1 000 € HT</p>",
        ] {
            let once = typeset_html(text);
            assert_eq!(typeset_html(&once), once);
        }
    }

    #[test]
    fn what_is_not_prose_keeps_its_punctuation() {
        for text in [
            "&amp;MadeUpEntity; et &amp;#35;",
            "[foo!] bim!bop",
            "https://example.org/page?x=1;y=2",
            "mailto:a@example.org?subject=x;cc=y",
            "a@example.org;b@example.org",
            ";-) :-) ;) :(",
        ] {
            assert_eq!(typeset_html(text), text);
        }
        assert_eq!(
            typeset_html("<code>a ? b</code> <kbd>Ctrl ; x</kbd> <pre>x ? y</pre>"),
            "<code>a ? b</code> <kbd>Ctrl ; x</kbd> <pre>x ? y</pre>"
        );
        assert_eq!(
            show(&typeset_html(
                "<p lang=\"en\">Why? It's <span lang=\"fr\">pourquoi ?</span></p>"
            )),
            "<p lang=\"en\">Why? It's <span lang=\"fr\">pourquoi_?</span></p>"
        );
        assert_eq!(
            typeset_html("<script>if (a ? b : c) {}</script><style>a:hover{}</style>"),
            "<script>if (a ? b : c) {}</script><style>a:hover{}</style>"
        );
        assert_eq!(
            typeset_html("<a href=\"/?q=a ?\" title=\"L'eau ?\">x</a>"),
            "<a href=\"/?q=a ?\" title=\"L'eau ?\">x</a>"
        );
    }

    #[test]
    fn runs_of_text_cross_inline_elements_and_stop_at_blocks() {
        assert_eq!(
            show(&typeset_html(
                "<p><em>important</em>! <a href=\"/\">le site</a>? <code>x</code>? «<em>mot</em>»</p>"
            )),
            "<p><em>important</em>_! <a href=\"/\">le site</a>_? <code>x</code>_? «_<em>mot</em>_»</p>"
        );
        // `!` opening a paragraph is not after a word of the one before.
        assert_eq!(typeset_html("<p>mot</p><p>! x</p>"), "<p>mot</p><p>! x</p>");
    }

    #[test]
    fn apostrophes_written_as_references_become_curly() {
        assert_eq!(
            typeset_html("<h2>L&#39;essentiel</h2> Bureau d'études"),
            "<h2>L’essentiel</h2> Bureau d’études"
        );
    }

    #[test]
    fn code_blocks_and_raw_text_are_written_as_they_are() {
        for html in [
            "<pre class=\"code\"><code>é ? <span class=\"hl-x\">l'a</span> « b »</code></pre>",
            "<pre>«a</pre><textarea>x ?</textarea><svg><text>y ?</text></svg>",
            "<SCRIPT>a ? b</Script><style>x:y</STYLE>",
        ] {
            assert_eq!(typeset_html(html), html);
        }
        assert_eq!(
            show(&typeset_html("<p>< pas une balise ? <2</p>")),
            "<p>< pas une balise_? <2</p>"
        );
        assert_eq!(
            show(&typeset_html(
                "<p title=\"a é\" data-x='\u{e9}' lang=fr-FR>a ? b</p>"
            )),
            "<p title=\"a é\" data-x='\u{e9}' lang=fr-FR>a_? b</p>"
        );
        // Many elements left open: each end tag looks a bounded depth down.
        let open = "<div><span>".repeat(10_000) + &"</b>".repeat(10_000);
        assert_eq!(typeset_html(&open), open);
    }

    #[test]
    fn amounts_and_numbers_do_not_break() {
        assert_eq!(show(&french("1 000 € HT")), "1_000_€~HT");
        assert_eq!(show(&french("12 500 000 salariés")), "12_500_000 salariés");
        assert_eq!(
            show(&french("en 2024, 300 personnes")),
            "en 2024, 300 personnes"
        );
    }
}
