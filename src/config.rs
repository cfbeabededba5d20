//! `guide.yaml`: the site's configuration, read into typed structs.
//!
//! Steps:
//! 1. parse the file with serde (unknown keys are errors, with the closest known key);
//! 2. check what serde cannot: taxonomy names and term slugs, schema consistency;
//! 3. return the config and every diagnostic found.
//!
//! Everything specific to one guide (taxonomies, vocabularies, fields) lives here, not in code.

use std::path::Path;

use indexmap::IndexMap;
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::diagnostic::{closest, Diagnostic};
use crate::yaml;

/// The name of the configuration file at the site root.
pub const CONFIG_FILE: &str = "guide.yaml";

/// Front-matter keys every page may use.
pub const COMMON_KEYS: [&str; 11] = [
    "title", "date", "updated", "edition", "summary", "draft", "weight", "slug", "aliases",
    "template", "extra",
];

/// Whether `text` is a valid calendar date `YYYY-MM-DD`.
pub fn is_date(text: &str) -> bool {
    let bytes = text.as_bytes();
    if bytes.len() != 10 || bytes[4] != b'-' || bytes[7] != b'-' {
        return false;
    }
    let number = |range: std::ops::Range<usize>| text[range].parse::<u32>().ok();
    let (Some(year), Some(month), Some(day)) = (number(0..4), number(5..7), number(8..10)) else {
        return false;
    };
    if !text[0..4].bytes().all(|b| b.is_ascii_digit()) {
        return false;
    }
    let leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
    let days = match month {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if leap => 29,
        2 => 28,
        _ => return false,
    };
    (1..=days).contains(&day)
}

/// The PDF a build publishes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PublishedPdf {
    /// The stored PDF.
    pub from: std::path::PathBuf,
    /// Its path in the output (`reader.print.pdf`).
    pub to: String,
    /// Its size in bytes.
    pub bytes: u64,
    /// Its number of pages.
    pub pages: u32,
}

/// The URL path of the published media folder: `static/images` → `/images`; `None` when the
/// folder is not a plain relative folder inside `static/`.
pub fn public_folder(media_folder: &str) -> Option<String> {
    let rest = media_folder.trim_end_matches('/').strip_prefix("static/")?;
    let plain = !rest.is_empty()
        && rest.split('/').all(|segment| {
            !segment.is_empty()
                && segment != "."
                && segment != ".."
                && !segment.contains(['\\', ':', '\0'])
        });
    plain.then(|| format!("/{rest}"))
}

/// The whole of `guide.yaml`.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct SiteConfig {
    /// The site's title.
    pub title: String,
    /// One sentence describing the site.
    #[serde(default)]
    pub description: String,
    /// The absolute URL the site is published at, e.g. `https://example.org/guide/`.
    pub base_url: String,
    /// The language of the content (`lang` of every page).
    #[serde(default = "default_language")]
    pub language: String,
    /// The theme: a folder under `themes/`.
    #[serde(default = "default_theme")]
    pub theme: String,
    /// The current edition of the publication, if any.
    #[serde(default)]
    pub edition: Option<EditionConfig>,
    /// The Atom feed, if any.
    #[serde(default)]
    pub feed: Option<FeedConfig>,
    /// The taxonomies, in display order.
    #[serde(default)]
    pub taxonomies: Vec<TaxonomyConfig>,
    /// Settings per section, keyed by the section's folder (relative to `content/`).
    #[serde(default)]
    pub sections: IndexMap<String, SectionConfig>,
    /// How Markdown is turned into HTML.
    #[serde(default)]
    pub markdown: MarkdownConfig,
    /// Reader features: search page, printed edition, open data.
    #[serde(default)]
    pub reader: ReaderConfig,
    /// The output folder: what a build keeps there.
    #[serde(default)]
    pub output: OutputConfig,
    /// The web form (Decap CMS) that `guide serve` offers at `/admin/` ([`crate::cms`]).
    #[serde(default)]
    pub cms: CmsConfig,
    /// Free values for templates.
    #[serde(default)]
    pub extra: serde_json::Map<String, Value>,
}

/// The web form generated from the schemas ([`crate::cms`]): where uploaded images go, the
/// team's Git host, the collections' names.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct CmsConfig {
    /// The folder, relative to the site, where images added with the form are written; it
    /// must be inside `static/` (published at the same path without `static/`).
    #[serde(default = "default_media_folder")]
    pub media_folder: String,
    /// The team's Git host, as Decap CMS's `backend` settings (`name`, `repo`, `branch`…).
    /// When set, `guide build` also writes the form into the output's `admin/`.
    #[serde(default)]
    pub backend: Option<serde_json::Map<String, Value>>,
    /// With a Git host: entries go through draft → review → publish (Decap's editorial
    /// workflow) rather than straight to the branch.
    #[serde(default = "default_true")]
    pub editorial_workflow: bool,
    /// Names of the collections shown in the form, per section (default: the section's name).
    #[serde(default)]
    pub sections: IndexMap<String, CmsSectionConfig>,
}

impl Default for CmsConfig {
    fn default() -> Self {
        Self {
            media_folder: default_media_folder(),
            backend: None,
            editorial_workflow: true,
            sections: IndexMap::new(),
        }
    }
}

fn default_media_folder() -> String {
    "static/images".into()
}

fn default_true() -> bool {
    true
}

/// How the form names one section's collection.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct CmsSectionConfig {
    /// The collection's name, plural (« Fiches projet »).
    #[serde(default)]
    pub label: Option<String>,
    /// One entry (« fiche projet »).
    #[serde(default)]
    pub label_singular: Option<String>,
}

/// The current edition of the publication: pages without a known `date` carry it, and the
/// feed dates them by it.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct EditionConfig {
    /// Its name, shown to readers, e.g. `Automne 2017`.
    pub name: String,
    /// Its date of publication, `YYYY-MM-DD`.
    pub date: String,
    /// Its version, e.g. `1.0` (a number is read as its text).
    #[serde(default, deserialize_with = "text_or_number")]
    pub version: Option<String>,
}

/// A text, or a number written without quotes (`version: 1.0`), as text.
fn text_or_number<'de, D: serde::Deserializer<'de>>(
    deserializer: D,
) -> Result<Option<String>, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum TextOrNumber {
        Text(String),
        Integer(i64),
        Float(f64),
    }
    Ok(Some(match TextOrNumber::deserialize(deserializer)? {
        TextOrNumber::Text(s) => s,
        TextOrNumber::Integer(n) => n.to_string(),
        TextOrNumber::Float(n) => format!("{n:?}"),
    }))
}

/// The output folder.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct OutputConfig {
    /// Paths of the output (files or folders, relative) that a build carries over from the old
    /// output instead of deleting, e.g. `CNAME`, `.well-known/`. `.git` always is.
    #[serde(default)]
    pub keep: Vec<String>,
    /// About how many pages each part of the search index holds (`search_part_size`): a build
    /// after an edit makes again the parts whose pages changed, and the search page merges
    /// the parts. `None`: [`crate::search::PART_SIZE`].
    #[serde(default)]
    pub search_part_size: Option<usize>,
}

/// How Markdown is turned into HTML.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct MarkdownConfig {
    /// Raw HTML in Markdown: kept (editors are trusted) or escaped (shown as text).
    #[serde(default)]
    pub raw_html: RawHtmlMode,
}

/// What happens to raw HTML written in Markdown.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum RawHtmlMode {
    /// Kept as written: editors are trusted.
    #[default]
    Allow,
    /// Escaped: shown as text, never interpreted.
    Escape,
}

/// Reader features, each optional.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct ReaderConfig {
    /// URL path of the search page (template `recherche.html`); the index is built with it.
    #[serde(default)]
    pub search: Option<String>,
    /// The printed edition.
    #[serde(default)]
    pub print: Option<PrintConfig>,
    /// The open data export.
    #[serde(default)]
    pub open_data: Option<OpenDataConfig>,
}

/// The printed edition: one HTML document (template `guide_complet.html`).
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct PrintConfig {
    /// Its URL path.
    pub page: String,
    /// Pages (paths under `content/`) printed before the case studies.
    #[serde(default)]
    pub intro: Vec<String>,
    /// The section of the case studies.
    pub section: String,
    /// The taxonomy whose terms, in order, make the chapters.
    pub chapters: String,
    /// The file `guide pdf` writes in the output folder.
    #[serde(default = "default_pdf")]
    pub pdf: String,
    /// The PDF a build publishes (not read from `guide.yaml`: found by the build).
    #[serde(skip)]
    pub published: Option<PublishedPdf>,
}

fn default_pdf() -> String {
    "guide-complet.pdf".into()
}

/// The open data export: `/<name>.json`, `/<name>.csv`, `/<name>-excel.csv`,
/// `/<name>.schema.json` and `/datapackage.json`, under a licence.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct OpenDataConfig {
    /// The section exported.
    pub section: String,
    /// The files' base name.
    pub name: String,
    /// The URL path of the page that presents the files (template `donnees_ouvertes.html`);
    /// no page without it.
    #[serde(default)]
    pub page: Option<String>,
    /// The licence of the data; default: Etalab's Licence Ouverte 2.0.
    #[serde(default)]
    pub licence: LicenceConfig,
}

/// The licence of the open data.
#[derive(Debug, Clone, Deserialize, Serialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct LicenceConfig {
    /// Its name, as readers read it.
    pub name: String,
    /// The address of its text.
    pub url: String,
    /// Its identifier (SPDX or Open Definition), for `datapackage.json`.
    pub id: String,
}

impl Default for LicenceConfig {
    fn default() -> Self {
        Self {
            name: "Licence Ouverte / Open Licence version 2.0".into(),
            url: "https://www.etalab.gouv.fr/licence-ouverte-open-licence/".into(),
            id: "etalab-2.0".into(),
        }
    }
}

fn default_language() -> String {
    "fr".into()
}

fn default_theme() -> String {
    "default".into()
}

/// The Atom feed.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct FeedConfig {
    /// The section whose pages are the feed's entries.
    pub section: String,
    /// How many entries, newest first.
    #[serde(default = "default_feed_limit")]
    pub limit: usize,
    /// The taxonomies whose terms each entry carries as `<category>`; default: all.
    #[serde(default)]
    pub categories: Option<Vec<String>>,
}

fn default_feed_limit() -> usize {
    20
}

/// A taxonomy: a way of classifying pages (themes, maturity level…).
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct TaxonomyConfig {
    /// Front-matter key and URL segment.
    pub name: String,
    /// Title shown to readers.
    pub title: String,
    /// One sentence shown on the taxonomy's page.
    #[serde(default)]
    pub description: String,
    /// At most one term per page.
    #[serde(default)]
    pub single: bool,
    /// The declared order is a scale.
    #[serde(default)]
    pub ordered: bool,
    /// Sections whose pages must have at least one term.
    #[serde(default)]
    pub required_in: Vec<String>,
    /// At most this many terms per page.
    #[serde(default)]
    pub max_terms: Option<usize>,
    /// The declared vocabulary; when present, other terms are errors.
    #[serde(default)]
    pub terms: Option<Vec<TermConfig>>,
}

/// A declared term.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct TermConfig {
    /// URL segment; stable once published.
    pub slug: String,
    /// Title shown to readers.
    pub title: String,
    /// One sentence shown on the term's page.
    #[serde(default)]
    pub description: String,
    /// Other words readers search for this term (acronyms, older names): the search index
    /// gives every page of the term for them, as for its title and slug.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub synonyms: Vec<String>,
}

/// How a section's pages are ordered.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum SortMode {
    /// By weight, then date (newest first), then title.
    #[default]
    Weight,
    /// By date, newest first, then title.
    Date,
    /// By title.
    Title,
}

/// Settings of one section.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct SectionConfig {
    /// Template of the section page.
    #[serde(default)]
    pub template: Option<String>,
    /// Template of its pages.
    #[serde(default)]
    pub page_template: Option<String>,
    /// Order of its pages.
    #[serde(default)]
    pub sort_by: SortMode,
    /// The `##` headings a new page of the section starts with (`guide new`).
    #[serde(default)]
    pub headings: Vec<String>,
    /// The fields its pages may or must have, beside the common keys and taxonomies.
    #[serde(default)]
    pub schema: IndexMap<String, FieldConfig>,
}

/// The type of a schema field.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum FieldType {
    /// Text.
    String,
    /// Whole number.
    Integer,
    /// Number.
    Float,
    /// `true` or `false`.
    Boolean,
    /// `YYYY-MM-DD`.
    Date,
    /// `http(s)://…` or `/path`.
    Url,
    /// One of `allowed`.
    Enum,
    /// A list of `items`.
    List,
    /// A map of `fields`.
    Map,
}

impl FieldType {
    /// The type's name in French, for messages.
    pub fn french(self) -> &'static str {
        match self {
            FieldType::String => "un texte",
            FieldType::Integer => "un nombre entier",
            FieldType::Float => "un nombre",
            FieldType::Boolean => "true ou false",
            FieldType::Date => "une date AAAA-MM-JJ",
            FieldType::Url => "une adresse (https://… ou /chemin)",
            FieldType::Enum => "une des valeurs permises",
            FieldType::List => "une liste",
            FieldType::Map => "un ensemble de champs",
        }
    }
}

/// One field of a section's schema.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct FieldConfig {
    /// Its type.
    #[serde(rename = "type")]
    pub kind: FieldType,
    /// Whether a page must have it.
    #[serde(default)]
    pub required: bool,
    /// Its name in the web form, in French (default: the key, capitalised).
    #[serde(default)]
    pub label: Option<String>,
    /// What it is for, in French (shown by `guide new` and the handbook).
    #[serde(default)]
    pub description: String,
    /// The values it may take.
    #[serde(default)]
    pub allowed: Option<Vec<Value>>,
    /// Lower bound (value for numbers, length for texts and lists).
    #[serde(default)]
    pub min: Option<f64>,
    /// Upper bound (value for numbers, length for texts and lists).
    #[serde(default)]
    pub max: Option<f64>,
    /// For a list: the type of its items.
    #[serde(default)]
    pub items: Option<Box<FieldConfig>>,
    /// For a map: its fields.
    #[serde(default)]
    pub fields: Option<IndexMap<String, FieldConfig>>,
}

impl SiteConfig {
    /// The taxonomy called `name`.
    pub fn taxonomy(&self, name: &str) -> Option<&TaxonomyConfig> {
        self.taxonomies.iter().find(|t| t.name == name)
    }

    /// The settings of section `name`, or the defaults.
    pub fn section(&self, name: &str) -> Option<&SectionConfig> {
        self.sections.get(name)
    }

    /// The URL path the site lives under, always starting and ending with `/`.
    pub fn base_path(&self) -> String {
        let without_scheme = self
            .base_url
            .split_once("://")
            .map_or(self.base_url.as_str(), |(_, rest)| rest);
        let path = without_scheme
            .find('/')
            .map_or("", |i| &without_scheme[i..]);
        let trimmed = path.trim_matches('/');
        if trimmed.is_empty() {
            "/".into()
        } else {
            format!("/{trimmed}/")
        }
    }

    /// The scheme and host of `base_url`, without a trailing slash.
    pub fn origin(&self) -> String {
        let (scheme, rest) = self
            .base_url
            .split_once("://")
            .unwrap_or(("https", &self.base_url));
        let host = rest.split('/').next().unwrap_or(rest);
        format!("{scheme}://{host}")
    }
}

/// What is wrong with a `base_url`: the end of a French sentence that starts with the value,
/// and how to fix it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UrlProblem {
    /// E.g. "contient une ancre (« # »)".
    pub what: &'static str,
    /// How to fix it.
    pub hint: &'static str,
}

const EXAMPLE_URL: &str =
    "écrivez l'adresse complète du site, par exemple https://guide.example.org/";

/// Checks a `base_url`: an absolute `http` or `https` URL with a host, without query, fragment
/// or credentials, with a port from 1 to 65535 if any. Returns what is wrong, if anything.
pub fn base_url_problem(value: &str) -> Option<UrlProblem> {
    let problem = |what, hint| Some(UrlProblem { what, hint });
    let Some((scheme, rest)) = value.split_once("://") else {
        return problem("n'est pas une adresse absolue", EXAMPLE_URL);
    };
    if !scheme.eq_ignore_ascii_case("http") && !scheme.eq_ignore_ascii_case("https") {
        return problem("n'est pas une adresse http ou https", EXAMPLE_URL);
    }
    if value.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return problem(
            "contient une espace ou un caractère invisible",
            "retirez-le ; dans un chemin, une espace s'écrit %20",
        );
    }
    if value.contains('?') {
        return problem(
            "contient une requête (« ? »)",
            "retirez la partie qui commence par « ? » : l'adresse du site n'en a pas",
        );
    }
    if value.contains('#') {
        return problem(
            "contient une ancre (« # »)",
            "retirez la partie qui commence par « # » : l'adresse du site n'en a pas",
        );
    }
    let authority = rest.split('/').next().unwrap_or_default();
    if authority.contains('@') {
        return problem(
            "contient un identifiant ou un mot de passe (« …@ »)",
            "retirez la partie qui finit par « @ » : elle serait publiée dans chaque page",
        );
    }
    let Some((host, port)) = split_host_port(authority) else {
        return problem("a un nom de domaine invalide", EXAMPLE_URL);
    };
    if host.is_empty() {
        return problem("n'a pas de nom de domaine", EXAMPLE_URL);
    }
    if !is_host(host) {
        return problem("a un nom de domaine invalide", EXAMPLE_URL);
    }
    if port.is_some_and(|p| p.parse::<u16>().map_or(true, |p| p == 0)) {
        return problem(
            "a un port invalide",
            "un port est un nombre de 1 à 65535, par exemple https://guide.example.org:8443/",
        );
    }
    None
}

/// `host[:port]` or `[v6][:port]` into the host and the port's text; `None` when malformed.
fn split_host_port(authority: &str) -> Option<(&str, Option<&str>)> {
    if let Some(bracketed) = authority.strip_prefix('[') {
        let (v6, after) = bracketed.split_once(']')?;
        v6.parse::<std::net::Ipv6Addr>().ok()?;
        return match after {
            "" => Some((v6, None)),
            _ => Some((v6, Some(after.strip_prefix(':')?))),
        };
    }
    Some(match authority.split_once(':') {
        Some((host, port)) => (host, Some(port)),
        None => (authority, None),
    })
}

/// A domain name (letters of any script, digits, `-`, dot-separated non-empty labels) or an
/// IP address.
fn is_host(host: &str) -> bool {
    host.parse::<std::net::Ipv6Addr>().is_ok()
        || host.trim_end_matches('.').split('.').all(|label| {
            !label.is_empty()
                && !label.starts_with('-')
                && label.chars().all(|c| c.is_alphanumeric() || c == '-')
        })
}

/// Applies `--base-url`: checks it, then replaces `base_url`; an error names the option.
pub fn override_base_url(config: &mut SiteConfig, value: &str) -> Option<Diagnostic> {
    match base_url_problem(value) {
        Some(problem) => Some(
            Diagnostic::error(format!("--base-url « {value} » {}", problem.what))
                .with_hint(problem.hint),
        ),
        None => {
            config.base_url = value.to_string();
            None
        }
    }
}

/// Reads and checks `guide.yaml` in `root`, reporting every problem to `diagnostics`. Returns
/// the config when it could be parsed.
pub fn load(root: &Path, diagnostics: &mut crate::diagnostic::Diagnostics) -> Option<SiteConfig> {
    let (config, found) = read_and_check(root);
    diagnostics.extend(found);
    config
}

fn read_and_check(root: &Path) -> (Option<SiteConfig>, Vec<Diagnostic>) {
    let path = root.join(CONFIG_FILE);
    let text = match crate::fs::read_to_string(&path) {
        Ok(text) => text,
        Err(e) => {
            let hint = if e.source.kind() == std::io::ErrorKind::NotFound {
                "lancez la commande dans le dossier du site, ou indiquez-le avec --root DOSSIER"
            } else {
                "guide.yaml doit être un fichier texte que vous pouvez lire (docs/configuration.md le décrit)"
            };
            let d = Diagnostic::error(e.to_string())
                .in_file(CONFIG_FILE)
                .with_hint(hint);
            return (None, vec![d]);
        }
    };
    parse(&text)
}

/// Parses and checks the text of `guide.yaml`.
pub fn parse(text: &str) -> (Option<SiteConfig>, Vec<Diagnostic>) {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let config: SiteConfig = match yaml::from_str_raw(text) {
        Ok(config) => config,
        Err((error, raw)) => {
            let mut d = Diagnostic::error(error.message.clone()).in_file(CONFIG_FILE);
            if let (Some(line), Some(column)) = (error.line, error.column) {
                d = d.at(line, column, 1);
            }
            if raw.contains("unknown field `") {
                let unknown = raw
                    .split("unknown field `")
                    .nth(1)
                    .and_then(|r| r.split('`').next())
                    .unwrap_or_default()
                    .to_string();
                let expected = yaml::expected_names(&raw);
                if let Some(best) = closest(&unknown, expected.iter().map(String::as_str)) {
                    d = d.with_hint(format!("vouliez-vous dire « {best} » ?"));
                } else if !expected.is_empty() {
                    d = d.with_hint(format!("clés possibles : {}", expected.join(", ")));
                }
                d.span = unknown.chars().count().max(1);
            }
            return (None, vec![d.with_source(text)]);
        }
    };
    let mut diagnostics = check(&config, text);
    diagnostics.extend(placeholders(&config.extra, text));
    (Some(typeset(config)), diagnostics)
}

/// How a value of `extra` the site's team must still supply begins; the theme shows readers
/// « à venir » instead.
pub const PLACEHOLDER: &str = "À COMPLÉTER";

/// A warning at each value of `extra` that is still a placeholder ([`PLACEHOLDER`]).
fn placeholders(extra: &serde_json::Map<String, Value>, text: &str) -> Vec<Diagnostic> {
    fn walk(value: &Value, path: &mut Vec<yaml::PathStep>, found: &mut Vec<Vec<yaml::PathStep>>) {
        match value {
            Value::String(s) if s.trim_start().starts_with(PLACEHOLDER) => found.push(path.clone()),
            Value::Object(map) => {
                for (key, value) in map {
                    path.push(yaml::PathStep::Key(key.clone()));
                    walk(value, path, found);
                    path.pop();
                }
            }
            Value::Array(items) => {
                for (i, value) in items.iter().enumerate() {
                    path.push(yaml::PathStep::Index(i));
                    walk(value, path, found);
                    path.pop();
                }
            }
            _ => {}
        }
    }
    let mut found = Vec::new();
    let mut path = vec![yaml::PathStep::Key("extra".into())];
    for (key, value) in extra {
        path.push(yaml::PathStep::Key(key.clone()));
        walk(value, &mut path, &mut found);
        path.pop();
    }
    found
        .into_iter()
        .map(|steps| {
            let name: Vec<String> = steps
                .iter()
                .map(|step| match step {
                    yaml::PathStep::Key(key) => key.clone(),
                    yaml::PathStep::Index(i) => i.to_string(),
                })
                .collect();
            let mut d = Diagnostic::warning(format!(
                "valeur encore à fournir : {} (les lecteurs lisent « à venir »)",
                name.join(".")
            ))
            .in_file(CONFIG_FILE)
            .with_hint("remplacez le texte qui commence par « À COMPLÉTER » par la vraie valeur");
            if let Some(at) = yaml::locate(text, &steps) {
                d = d.at(at.line, at.column, at.len);
            }
            d
        })
        .collect()
}

/// French typography on the texts readers see: titles and descriptions.
fn typeset(mut config: SiteConfig) -> SiteConfig {
    use crate::typography::title;
    config.title = title(&config.title);
    config.description = title(&config.description);
    if let Some(edition) = &mut config.edition {
        edition.name = title(edition.name.trim());
    }
    for taxonomy in &mut config.taxonomies {
        taxonomy.title = title(&taxonomy.title);
        taxonomy.description = title(&taxonomy.description);
        for term in taxonomy.terms.iter_mut().flatten() {
            term.title = title(&term.title);
            term.description = title(&term.description);
        }
    }
    config
}

fn check(config: &SiteConfig, text: &str) -> Vec<Diagnostic> {
    let mut out: Vec<Diagnostic> = check_base_url(config, text).into_iter().collect();
    out.extend(check_edition(config, text));
    let mut error_at = |needle: &str, message: String, hint: String| {
        let line = text
            .lines()
            .position(|l| l.contains(needle))
            .map_or(1, |i| i + 1);
        out.push(
            Diagnostic::error(message)
                .in_file(CONFIG_FILE)
                .at_line(line)
                .with_hint(hint)
                .with_source(text),
        );
    };
    if public_folder(&config.cms.media_folder).is_none() {
        error_at(
            "media_folder",
            format!(
                "cms.media_folder « {} » n'est pas un dossier de static/",
                config.cms.media_folder
            ),
            "écrivez un dossier de static/, par exemple « static/images »".into(),
        );
    }
    const RESERVED: [&str; 4] = ["recherche", "guide-complet", "css", "js"];
    let mut names = std::collections::HashSet::new();
    for taxonomy in &config.taxonomies {
        if !crate::slug::is_slug(&taxonomy.name) {
            error_at(
                &format!("name: {}", taxonomy.name),
                format!(
                    "le nom de taxonomie « {} » n'est pas un identifiant d'URL",
                    taxonomy.name
                ),
                format!("écrivez « {} »", crate::slug::slugify(&taxonomy.name)),
            );
        }
        if RESERVED.contains(&taxonomy.name.as_str())
            || COMMON_KEYS.contains(&taxonomy.name.as_str())
        {
            error_at(
                &format!("name: {}", taxonomy.name),
                format!("le nom de taxonomie « {} » est réservé", taxonomy.name),
                "choisissez un autre nom".into(),
            );
        }
        if !names.insert(taxonomy.name.clone()) {
            error_at(
                &format!("name: {}", taxonomy.name),
                format!("la taxonomie « {} » est déclarée deux fois", taxonomy.name),
                "supprimez l'une des deux déclarations".into(),
            );
        }
        let mut slugs = std::collections::HashSet::new();
        for term in taxonomy.terms.iter().flatten() {
            if !crate::slug::is_slug(&term.slug) {
                error_at(
                    &format!("slug: {}", term.slug),
                    format!(
                        "le slug de terme « {} » n'est pas un identifiant d'URL",
                        term.slug
                    ),
                    format!("écrivez « {} »", crate::slug::slugify(&term.slug)),
                );
            }
            if !slugs.insert(term.slug.clone())
                || !slugs.insert(format!("title:{}", crate::slug::slugify(&term.title)))
                    && crate::slug::slugify(&term.title) != term.slug
            {
                error_at(
                    &format!("slug: {}", term.slug),
                    format!(
                        "le terme « {} » de « {} » est déclaré deux fois",
                        term.slug, taxonomy.name
                    ),
                    "chaque terme doit avoir un slug et un titre uniques".into(),
                );
            }
            if term
                .synonyms
                .iter()
                .any(|s| !s.chars().any(char::is_alphanumeric))
            {
                error_at(
                    &format!("slug: {}", term.slug),
                    format!(
                        "un synonyme du terme « {} » de « {} » est vide",
                        term.slug, taxonomy.name
                    ),
                    "écrivez un mot ou un sigle que les lecteurs cherchent, ou retirez-le de « synonyms »".into(),
                );
            }
        }
    }
    for (name, section) in &config.sections {
        for (field_name, field) in &section.schema {
            if COMMON_KEYS.contains(&field_name.as_str()) || names.contains(field_name) {
                error_at(
                    &format!("{field_name}:"),
                    format!("le champ « {field_name} » de la section « {name} » porte le nom d'une clé commune ou d'une taxonomie"),
                    "renommez ce champ".into(),
                );
            }
            check_field(field_name, field, &mut |needle, message, hint| {
                error_at(needle, message, hint)
            });
        }
    }
    out
}

/// A `base_url` that is not a publishable site address: an error at its line.
fn check_base_url(config: &SiteConfig, text: &str) -> Option<Diagnostic> {
    let problem = base_url_problem(&config.base_url)?;
    let d = Diagnostic::error(format!("base_url « {} » {}", config.base_url, problem.what))
        .in_file(CONFIG_FILE)
        .with_hint(problem.hint);
    let d = match yaml::locate(text, &[yaml::PathStep::Key("base_url".into())]) {
        Some(at) => d.at(at.line, at.value_column, at.value_len),
        None => d.at_line(1),
    };
    Some(d.with_source(text))
}

/// An edition without a name, or whose date is not a real `YYYY-MM-DD` day: errors at
/// their lines.
fn check_edition(config: &SiteConfig, text: &str) -> Vec<Diagnostic> {
    let Some(edition) = &config.edition else {
        return Vec::new();
    };
    let at = |key: &str, d: Diagnostic| {
        let path = [
            yaml::PathStep::Key("edition".into()),
            yaml::PathStep::Key(key.into()),
        ];
        let d = match yaml::locate(text, &path) {
            Some(at) => d.at(at.line, at.value_column, at.value_len),
            None => d.at_line(1),
        };
        d.in_file(CONFIG_FILE).with_source(text)
    };
    let mut out = Vec::new();
    if edition.name.trim().is_empty() {
        out.push(at(
            "name",
            Diagnostic::error("le nom de l'édition est vide").with_hint(
                "écrivez le nom que lisent les lecteurs, par exemple name: Automne 2017",
            ),
        ));
    }
    if !is_date(&edition.date) {
        out.push(at(
            "date",
            Diagnostic::error(format!(
                "la date de l'édition « {} » n'est pas une date valide",
                edition.date
            ))
            .with_hint(
                "écrivez la date de publication sous la forme AAAA-MM-JJ, par exemple 2017-10-02",
            ),
        ));
    }
    out
}

fn check_field(name: &str, field: &FieldConfig, report: &mut dyn FnMut(&str, String, String)) {
    match field.kind {
        FieldType::Enum if field.allowed.as_ref().is_none_or(|a| a.is_empty()) => report(
            &format!("{name}:"),
            format!("le champ « {name} » est de type enum mais n'a pas de valeurs permises"),
            "ajoutez allowed: [valeur1, valeur2]".into(),
        ),
        FieldType::List if field.items.is_none() => report(
            &format!("{name}:"),
            format!("le champ « {name} » est une liste sans type d'éléments"),
            "ajoutez items: { type: string }".into(),
        ),
        FieldType::Map if field.fields.is_none() => report(
            &format!("{name}:"),
            format!("le champ « {name} » est un ensemble sans champs déclarés"),
            "ajoutez fields: { … }".into(),
        ),
        _ => {}
    }
    if let Some(items) = &field.items {
        check_field(name, items, report);
    }
    for (child_name, child) in field.fields.iter().flatten() {
        check_field(child_name, child, report);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_are_checked_against_the_calendar() {
        assert!(is_date("2024-02-29"));
        assert!(!is_date("2023-02-29"));
        assert!(!is_date("2024-13-01"));
        assert!(!is_date("1er mars"));
        assert!(!is_date("+024-01-01"));
    }

    #[test]
    fn the_media_folder_is_published_without_static() {
        assert_eq!(public_folder("static/images").as_deref(), Some("/images"));
        assert_eq!(public_folder("static/a/b/").as_deref(), Some("/a/b"));
        for bad in [
            "images",
            "static/",
            "static/../x",
            "/static/x",
            "static/a\\b",
        ] {
            assert_eq!(public_folder(bad), None, "{bad}");
        }
    }

    #[test]
    fn an_edition_s_version_may_be_a_number_and_its_date_must_be_a_real_day() {
        let ok = "title: T\nbase_url: https://x.org/\nedition:\n  name: Automne 2017\n  date: 2017-10-02\n  version: 1.0\n";
        let (config, diagnostics) = parse(ok);
        assert!(diagnostics.is_empty(), "{diagnostics:?}");
        let edition = config.unwrap().edition.unwrap();
        assert_eq!(edition.version.as_deref(), Some("1.0"));
        let (_, diagnostics) = parse(&ok.replace("2017-10-02", "2017-02-30"));
        assert_eq!(diagnostics.len(), 1);
        assert_eq!(diagnostics[0].line, Some(5));
        assert!(diagnostics[0].message.contains("date de l'édition"));
    }

    #[test]
    fn synonyms_of_a_term_are_read_and_an_empty_one_is_an_error_at_its_term() {
        let text = "title: T\nbase_url: https://x.org/\ntaxonomies:\n  - name: themes\n    title: Thèmes\n    terms:\n      - slug: qvct\n        title: Qualité de vie\n        synonyms: [QVT, qualité de vie au travail]\n";
        let (config, diagnostics) = parse(text);
        assert!(diagnostics.is_empty(), "{diagnostics:?}");
        let config = config.unwrap();
        let term = &config.taxonomies[0].terms.as_ref().unwrap()[0];
        assert_eq!(term.synonyms, ["QVT", "qualité de vie au travail"]);
        let (_, diagnostics) = parse(&text.replace("QVT,", "\"  \","));
        assert_eq!(diagnostics.len(), 1, "{diagnostics:?}");
        assert_eq!(diagnostics[0].line, Some(7));
        assert!(diagnostics[0].message.contains("synonyme"));
    }

    #[test]
    fn an_unknown_key_names_the_closest_known_one() {
        let (config, diagnostics) = parse("title: T\nbase_url: https://x.org/\ntaxonomy: []\n");
        assert!(config.is_none());
        assert_eq!(diagnostics.len(), 1);
        let d = &diagnostics[0];
        assert_eq!(d.line, Some(3));
        assert!(d.message.contains("taxonomy"), "{}", d.message);
        assert_eq!(
            d.hint.as_deref(),
            Some("vouliez-vous dire « taxonomies » ?")
        );
    }

    #[test]
    fn a_value_of_extra_still_to_supply_is_a_warning_at_its_line() {
        let (config, diagnostics) = parse(
            "title: T\nbase_url: https://x.org/\nextra:\n  contact:\n    site: https://x.org/\n    adresse: \"À COMPLÉTER : l'adresse\"\n  liste:\n    - À COMPLÉTER\n",
        );
        assert!(config.is_some());
        let found: Vec<(Option<usize>, &str)> = diagnostics
            .iter()
            .map(|d| (d.line, d.message.as_str()))
            .collect();
        assert_eq!(
            found,
            [
                (
                    Some(6),
                    "valeur encore à fournir : extra.contact.adresse (les lecteurs lisent « à venir »)"
                ),
                (
                    Some(8),
                    "valeur encore à fournir : extra.liste.0 (les lecteurs lisent « à venir »)"
                ),
            ]
        );
        assert!(diagnostics.iter().all(|d| !d.is_error()));
    }

    #[test]
    fn base_path_keeps_a_sub_folder() {
        let (config, _) = parse("title: T\nbase_url: https://x.org/guide\n");
        let config = config.unwrap();
        assert_eq!(config.base_path(), "/guide/");
        assert_eq!(config.origin(), "https://x.org");
        let (config, _) = parse("title: T\nbase_url: https://x.org\n");
        assert_eq!(config.unwrap().base_path(), "/");
    }

    #[test]
    fn a_base_url_without_host_or_with_query_fragment_credentials_or_bad_port_is_refused_at_its_line(
    ) {
        for bad in [
            "guide.example.org",
            "ftp://example.org/",
            "https://",
            "https:///chemin/",
            "https://example.org/?page=1",
            "https://example.org/#haut",
            "https://moi:secret@example.org/",
            "https://moi@example.org/",
            "https://example.org:99999/",
            "https://example.org:0/",
            "https://example.org:8a/",
            "https://exa mple.org/",
            "https://example.org/un chemin/",
        ] {
            let (config, diagnostics) = parse(&format!("title: T\nbase_url: \"{bad}\"\n"));
            assert!(config.is_some(), "{bad}");
            assert_eq!(diagnostics.len(), 1, "{bad}: {diagnostics:?}");
            let d = &diagnostics[0];
            assert!(d.is_error(), "{bad}");
            assert_eq!(d.line, Some(2), "{bad}");
            assert!(d.message.contains("base_url"), "{bad}: {}", d.message);
            assert!(d.hint.is_some(), "{bad}");
        }
        for good in [
            "https://example.org/",
            "http://example.org",
            "https://guide.example.org:8443/guide/",
            "http://localhost:1111/",
            "http://127.0.0.1:8080/",
            "http://[::1]:8080/",
            "HTTPS://Example.org/",
        ] {
            let (_, diagnostics) = parse(&format!("title: T\nbase_url: \"{good}\"\n"));
            assert!(diagnostics.is_empty(), "{good}: {diagnostics:?}");
        }
    }

    #[test]
    fn an_enum_without_values_is_an_error() {
        let text = "title: T\nbase_url: https://x.org/\nsections:\n  projets:\n    schema:\n      forme: { type: enum }\n";
        let (_, diagnostics) = parse(text);
        assert_eq!(diagnostics.len(), 1);
        assert_eq!(diagnostics[0].line, Some(6));
    }
}
