//! The full-text search index, built with Pagefind's Rust API during `guide build`.
//!
//! Steps:
//! 1. one record per page (not the home nor listings, which repeat pages): its title, summary
//!    and the text of its body, taken from the HTML the Markdown stage already produced;
//! 2. metadata for result lists (title, summary, date, terms, rank on ordered scales) and one
//!    filter per taxonomy;
//! 3. Pagefind builds a chunked index with French stemming and accent folding, returned as
//!    files under `pagefind/` that the `output` stage writes with the rest of the site.

mod parts;

use std::borrow::Cow;
use std::collections::{BTreeMap, HashMap};
use std::path::PathBuf;

use crate::files::OutputFile;

pub use parts::{build_part, Layout, PARTS_FILE, PART_SIZE};

/// The folder of the index in the output.
pub const BUNDLE_DIR: &str = "pagefind";

/// The file, in the index's folder, of the words the index holds (for the search page's
/// suggestions when a search finds nothing): ours, not Pagefind's.
pub const LEXICON_FILE: &str = "guide-lexique.json";

/// The metadata field of a record that holds the other names of its terms (slugs, synonyms):
/// indexed by Pagefind like every field, never shown.
pub const OTHER_NAMES_META: &str = "autres_noms";

/// Words of the French elisions (`l’`, `d’`, `qu’`…), written before an apostrophe.
const ELIDED: [&str; 14] = [
    "l", "d", "j", "m", "n", "s", "t", "c", "qu", "jusqu", "lorsqu", "puisqu", "quoiqu", "presqu",
];

/// The separator put after the apostrophe of an elision in the indexed text: a word joiner
/// (invisible, not a space for Pagefind) and a space, which Pagefind splits words on. The
/// search page removes it from excerpts.
pub const ELISION_MARK: &str = "\u{2060} ";

/// French words too common to search for or highlight: the search page drops them from a
/// query (where they would match every page) and the suggestions leave them out.
pub const STOP_WORDS: [&str; 62] = [
    "a", "à", "au", "aux", "avec", "c", "ce", "ces", "cet", "cette", "d", "dans", "de", "des",
    "du", "elle", "elles", "en", "et", "eux", "il", "ils", "j", "je", "l", "la", "le", "les",
    "leur", "leurs", "lui", "m", "ma", "mais", "me", "mes", "n", "ne", "nos", "notre", "nous",
    "on", "ou", "où", "par", "pour", "qu", "que", "qui", "s", "sa", "se", "ses", "son", "sur", "t",
    "un", "une", "vos", "votre", "vous", "y",
];

/// `text` with every French elision split after its apostrophe (`l’innovation` →
/// `l’` + [`ELISION_MARK`] + `innovation`), so that Pagefind indexes the word itself: it takes
/// a straight apostrophe as a compound's separator, but not the typographic one, and it
/// would index `linnovation` either way. Words like `aujourd’hui` are left whole.
pub fn split_elisions(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + text.len() / 16);
    for piece in text.split_inclusive(char::is_whitespace) {
        let start = piece.find(char::is_alphanumeric).unwrap_or(piece.len());
        let word = &piece[start..];
        let elision = word.find(['’', '\'']).filter(|&apostrophe| {
            let before = word[..apostrophe].to_lowercase();
            let after = word[apostrophe..].chars().nth(1);
            ELIDED.contains(&before.as_str()) && after.is_some_and(char::is_alphabetic)
        });
        match elision {
            Some(apostrophe) => {
                let cut = start
                    + apostrophe
                    + word[apostrophe..].chars().next().map_or(0, char::len_utf8);
                out.push_str(&piece[..cut]);
                out.push_str(ELISION_MARK);
                out.push_str(&piece[cut..]);
            }
            None => out.push_str(piece),
        }
    }
    out
}

/// The words of some records, for suggestions: each word (folded as Pagefind folds it) with
/// the number of pages that have it and how often each spelling is written, and the other
/// names of terms with the first page (by source path, and place in it) that has each. A part
/// of the index keeps its own ([`Lexicon::of`]); [`lexicon_file`] adds them up.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Lexicon {
    words: BTreeMap<String, (u32, BTreeMap<String, u32>)>,
    names: BTreeMap<String, (String, u32)>,
}

impl Lexicon {
    /// The words of `records`, each with its page's source path: words of three letters or
    /// more but the stop words; names are the other names of terms (synonyms, slugs) and their
    /// titles as written.
    pub fn of<'a>(records: impl IntoIterator<Item = (&'a str, &'a SearchRecord)>) -> Self {
        let mut names: BTreeMap<String, (String, u32)> = BTreeMap::new();
        let mut words = Words::default();
        for (number, (page, record)) in (1..).zip(records) {
            let mut place = 0;
            let mut named = Vec::new();
            for (key, value) in &record.meta {
                if key == OTHER_NAMES_META || key.starts_with("tax_") {
                    named.push(value.as_str());
                    for name in value.split(" · ") {
                        let here = (page, place);
                        let first = (names.entry(name.to_string()))
                            .or_insert_with(|| (page.to_string(), place));
                        if (first.0.as_str(), first.1) > here {
                            *first = (page.to_string(), place);
                        }
                        place += 1;
                    }
                }
            }
            let text = std::iter::once(record.content.as_str()).chain(named);
            for raw in text.flat_map(str::split_whitespace) {
                words.add(raw, number);
            }
        }
        Self {
            words: words.into_sorted(),
            names,
        }
    }

    /// Adds the words of `other`.
    fn add(&mut self, other: &Self) {
        for (key, (pages, spellings)) in &other.words {
            let entry = self.words.entry(key.clone()).or_default();
            entry.0 += pages;
            for (spelling, count) in spellings {
                *entry.1.entry(spelling.clone()).or_default() += count;
            }
        }
        for (name, first) in &other.names {
            let entry = self
                .names
                .entry(name.clone())
                .or_insert_with(|| first.clone());
            if *first < *entry {
                *entry = first.clone();
            }
        }
    }
}

/// The words of [`Lexicon::of`] while they are counted, by folded word. A hash map: a part
/// of the index holds half a million words.
#[derive(Default)]
struct Words(HashMap<String, Counted, xxhash_rust::xxh3::Xxh3DefaultBuilder>);

/// A folded word of [`Words`].
#[derive(Default)]
struct Counted {
    /// How many pages have it.
    pages: u32,
    /// The last page that had it (numbered from 1), not to count a page twice.
    last_page: u32,
    /// Each spelling and how often it is written (a word has one or two).
    spellings: Vec<(String, u32)>,
}

impl Words {
    /// Counts `raw` (a piece of text between spaces) for page `number`, unless it is not a
    /// word the lexicon keeps.
    fn add(&mut self, raw: &str, number: u32) {
        if raw.contains('\u{2060}') {
            // An elided article (`l’`, `d’`…): see [`ELISION_MARK`].
            return;
        }
        let word = raw.trim_matches(|c: char| !c.is_alphanumeric());
        let word: Cow<str> = if word
            .bytes()
            .any(|b| b.is_ascii_uppercase() || !b.is_ascii())
        {
            Cow::Owned(word.to_lowercase())
        } else {
            Cow::Borrowed(word)
        };
        if word.chars().nth(2).is_none()
            || !word.chars().all(|c| c.is_alphabetic() || c == '-')
            || STOP_WORDS.contains(&&*word)
        {
            return;
        }
        let key = fold(&word);
        let entry = match self.0.get_mut(&*key) {
            Some(entry) => entry,
            None => self.0.entry(key.into_owned()).or_default(),
        };
        if entry.last_page != number {
            entry.pages += 1;
            entry.last_page = number;
        }
        match (entry.spellings.iter_mut()).find(|(spelling, _)| *spelling == *word) {
            Some((_, count)) => *count += 1,
            None => entry.spellings.push((word.into_owned(), 1)),
        }
    }

    fn into_sorted(self) -> BTreeMap<String, (u32, BTreeMap<String, u32>)> {
        (self.0.into_iter())
            .map(|(key, counted)| {
                (
                    key,
                    (counted.pages, counted.spellings.into_iter().collect()),
                )
            })
            .collect()
    }
}

/// The index's file of the words of `parts` ([`LEXICON_FILE`]): `{"mots": [[word, pages]…],
/// "termes": […]}`, each word in its most frequent spelling, most frequent words first;
/// `termes` in the order of the source paths of the first pages that have them.
pub fn lexicon_file<'a>(parts: impl IntoIterator<Item = &'a Lexicon>) -> OutputFile {
    let mut all = Lexicon::default();
    parts.into_iter().for_each(|part| all.add(part));
    let mut words: Vec<(String, u32)> = all
        .words
        .into_values()
        .map(|(count, spellings)| {
            let spelling = spellings
                .into_iter()
                .max_by(|a, b| a.1.cmp(&b.1).then(b.0.cmp(&a.0)))
                .map(|(s, _)| s)
                .unwrap_or_default();
            (spelling, count)
        })
        .collect();
    words.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
    let mut names: Vec<(String, (String, u32))> = all.names.into_iter().collect();
    names.sort_by(|a, b| a.1.cmp(&b.1));
    let names: Vec<String> = names.into_iter().map(|(name, _)| name).collect();
    OutputFile {
        path: format!("{BUNDLE_DIR}/{LEXICON_FILE}"),
        contents: serde_json::json!({ "mots": words, "termes": names })
            .to_string()
            .into_bytes(),
        origin: PathBuf::from(BUNDLE_DIR),
    }
}

/// Lowercase without diacritics, as Pagefind folds words (for the lexicon's keys).
fn fold(word: &str) -> Cow<'_, str> {
    if word.is_ascii() {
        return Cow::Borrowed(word);
    }
    Cow::Owned(
        word.chars()
            .map(|c| match c {
                'à' | 'â' | 'ä' => 'a',
                'é' | 'è' | 'ê' | 'ë' => 'e',
                'î' | 'ï' => 'i',
                'ô' | 'ö' => 'o',
                'ù' | 'û' | 'ü' => 'u',
                'ç' => 'c',
                'ÿ' => 'y',
                c => c,
            })
            .collect(),
    )
}

/// One searchable page.
#[derive(Debug, Clone, Hash)]
pub struct SearchRecord {
    /// Its URL path (with the base path).
    pub url: String,
    /// Plain text to index (title, summary, body).
    pub content: String,
    /// Shown in results.
    pub meta: BTreeMap<String, String>,
    /// Filter name → values.
    pub filters: BTreeMap<String, Vec<String>>,
    /// Sort keys.
    pub sort: BTreeMap<String, String>,
}

/// The text of an HTML fragment: tags dropped (with a space for block ends), common entities
/// decoded.
pub fn plain_text(html: &str) -> String {
    const BLOCKS: [&str; 18] = [
        "p",
        "h1",
        "h2",
        "h3",
        "h4",
        "h5",
        "h6",
        "li",
        "td",
        "th",
        "tr",
        "br",
        "div",
        "pre",
        "blockquote",
        "ul",
        "ol",
        "table",
    ];
    let mut out = String::with_capacity(html.len());
    let mut tag: Option<String> = None;
    for c in html.chars() {
        match (&mut tag, c) {
            (None, '<') => tag = Some(String::new()),
            (Some(name), '>') => {
                let name = name
                    .trim_start_matches('/')
                    .split(|c: char| c.is_whitespace() || c == '/')
                    .next()
                    .unwrap_or("")
                    .to_ascii_lowercase();
                if BLOCKS.contains(&name.as_str()) && !out.ends_with(' ') {
                    out.push(' ');
                }
                tag = None;
            }
            (Some(name), c) => name.push(c),
            (None, c) => out.push(c),
        }
    }
    let decoded = out
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&#39;", "'")
        .replace("&#x27;", "'")
        .replace("&nbsp;", "\u{a0}")
        .replace("&amp;", "&");
    decoded.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// The files Pagefind makes for `records`, relative to the index's folder.
fn pagefind_files(
    records: Vec<SearchRecord>,
    language: &str,
) -> Result<Vec<(String, Vec<u8>)>, String> {
    let fail = |e: anyhow::Error| format!("l'index de recherche n'a pas pu être construit : {e}");
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| format!("l'index de recherche n'a pas pu être construit : {e}"))?;
    runtime.block_on(async {
        let options = pagefind::options::PagefindServiceConfig::builder()
            .keep_index_url(true)
            .force_language(language.to_string())
            .build();
        let mut index = pagefind::api::PagefindIndex::new(Some(options)).map_err(fail)?;
        for record in records {
            index
                .add_custom_record(
                    record.url,
                    record.content,
                    language.to_string(),
                    Some(record.meta),
                    Some(record.filters),
                    Some(record.sort),
                )
                .await
                .map_err(fail)?;
        }
        let files = index.get_files().await.map_err(fail)?;
        Ok(files
            .into_iter()
            .map(|file| {
                // Pagefind names files under its bundle folder; keep what follows it.
                let components: Vec<String> = file
                    .filename
                    .components()
                    .map(|c| c.as_os_str().to_string_lossy().into_owned())
                    .collect();
                let start = components
                    .iter()
                    .rposition(|c| c == BUNDLE_DIR)
                    .map_or(0, |i| i + 1);
                (components[start..].join("/"), file.contents)
            })
            .collect())
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_text_drops_tags_and_decodes_entities() {
        assert_eq!(
            plain_text("<h2 id=\"a\">Titre</h2><p>A &amp; B&nbsp;: <em>oui</em></p>"),
            "Titre A & B : oui"
        );
        assert_eq!(
            plain_text("<p>du <strong>gras</strong>.</p><p>Suite</p>"),
            "du gras. Suite"
        );
    }

    #[test]
    fn elisions_are_split_after_their_apostrophe() {
        let mark = ELISION_MARK;
        assert_eq!(
            split_elisions("L’innovation d'appui-conseil, qu’elle « l’Aract »"),
            format!("L’{mark}innovation d'{mark}appui-conseil, qu’{mark}elle « l’{mark}Aract »")
        );
        // Not an elision: a word that ends with an apostrophe, or aujourd’hui.
        assert_eq!(split_elisions("aujourd’hui l’ 2017"), "aujourd’hui l’ 2017");
        assert_eq!(split_elisions("jusqu’à"), format!("jusqu’{mark}à"));
    }

    fn lexicon_json(parts: &[Lexicon]) -> serde_json::Value {
        serde_json::from_slice(&lexicon_file(parts).contents).unwrap()
    }

    fn record(url: &str, content: &str, names: &str) -> SearchRecord {
        SearchRecord {
            url: url.into(),
            content: split_elisions(content),
            meta: BTreeMap::from([(OTHER_NAMES_META.to_string(), names.to_string())]),
            filters: BTreeMap::new(),
            sort: BTreeMap::new(),
        }
    }

    #[test]
    fn the_lexicon_counts_pages_per_word_without_stop_words_nor_elided_articles() {
        let records = [
            record(
                "/a/",
                "L’innovation de l’entreprise, innovation.",
                "qvct · QVT",
            ),
            record("/b/", "Une Innovation", "qvct · QVT"),
        ];
        let value = lexicon_json(&[Lexicon::of([("a.md", &records[0]), ("b.md", &records[1])])]);
        let words = value["mots"].as_array().unwrap();
        assert_eq!(words[0], serde_json::json!(["innovation", 2]), "{value}");
        assert!(
            words.iter().all(|w| w[0] != "de" && w[0] != "l’"),
            "{value}"
        );
        assert!(words.iter().any(|w| w[0] == "qvt"), "{value}");
        assert_eq!(
            value["termes"],
            serde_json::json!(["qvct", "QVT"]),
            "{value}"
        );
    }

    #[test]
    fn the_lexicon_of_parts_is_the_lexicon_of_the_whole() {
        let records = [
            record(
                "/a/",
                "Le télétravail, la qualité du travail",
                "dialogue-social · Dialogue social",
            ),
            record("/b/", "Télétravail et travail", "qvct · QVT"),
            record("/c/", "La Qualité et le TRAVAIL", "qvct · dialogue-social"),
        ];
        let paths = ["a.md", "b.md", "c.md"];
        let numbered = || paths.into_iter().zip(records.iter());
        let whole = lexicon_json(&[Lexicon::of(numbered())]);
        let odd = Lexicon::of(numbered().filter(|(p, _)| *p == "b.md"));
        let even = Lexicon::of(numbered().filter(|(p, _)| *p != "b.md"));
        assert_eq!(lexicon_json(&[odd.clone(), even.clone()]), whole);
        assert_eq!(lexicon_json(&[even, odd]), whole);
        assert_eq!(
            whole["termes"],
            serde_json::json!(["dialogue-social", "Dialogue social", "qvct", "QVT"]),
            "{whole}"
        );
    }

    #[test]
    fn a_part_other_than_the_main_one_keeps_its_index_only() {
        let record = SearchRecord {
            url: "/projets/a/".into(),
            content: "La négociation de l'accord sur le temps de travail".into(),
            meta: BTreeMap::from([("title".to_string(), "Accord".to_string())]),
            filters: BTreeMap::from([("themes".to_string(), vec!["Dialogue social".to_string()])]),
            sort: BTreeMap::new(),
        };
        let main = build_part(vec![record.clone()], "fr", "pagefind/", true).unwrap();
        let paths: Vec<&str> = main.iter().map(|f| f.path.as_str()).collect();
        assert!(paths.contains(&"pagefind/pagefind.js"), "{paths:?}");
        assert!(paths.contains(&"pagefind/pagefind-entry.json"), "{paths:?}");
        assert!(
            paths.iter().any(|p| p.starts_with("pagefind/wasm.fr")),
            "{paths:?}"
        );
        assert!(
            paths.iter().all(|p| crate::output::is_safe_relative(p)),
            "{paths:?}"
        );
        let other = build_part(vec![record], "fr", "pagefind/part-3/", false).unwrap();
        let paths: Vec<&str> = other.iter().map(|f| f.path.as_str()).collect();
        assert!(
            paths.contains(&"pagefind/part-3/pagefind-entry.json"),
            "{paths:?}"
        );
        assert!(
            paths
                .iter()
                .any(|p| p.starts_with("pagefind/part-3/fragment/")),
            "{paths:?}"
        );
        assert!(paths.iter().any(|p| p.ends_with(".pf_meta")), "{paths:?}");
        assert!(
            paths
                .iter()
                .all(|p| !p.ends_with(".js") && !p.contains("wasm")),
            "{paths:?}"
        );
    }
}
