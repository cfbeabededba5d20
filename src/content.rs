//! Loading `content/`: pages and sections with their front matter, checked.
//!
//! Steps:
//! 1. walk `content/` (symbolic links are never followed; hidden and editor backup files are
//!    skipped); folders with an `_index.md` are sections;
//! 2. read and split each file, parse its front matter, check the common keys, the taxonomy
//!    keys and the section's schema — in parallel, collecting every diagnostic;
//! 3. compute each page's URL path and return the [`Site`].

use std::collections::HashMap;
use std::path::{Component, Path, PathBuf};

use rayon::prelude::*;
use serde_json::{Map, Value};
use walkdir::WalkDir;

use crate::config::SiteConfig;
use crate::diagnostic::{closest, Diagnostic};
use crate::frontmatter;
use crate::ids::{PageId, SectionId};
use crate::schema::{self, Reporter};
use crate::slug::{is_slug, slugify};
use crate::yaml::{self, PathStep};

mod memo;
pub use memo::LoadMemo;

/// The folder of content files under the site root.
pub const CONTENT_DIR: &str = "content";

/// A term as written in a page's front matter, with where it was written.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub struct RawTerm {
    /// The text written (a slug or a title).
    pub value: String,
    /// 1-based line in the file.
    pub line: usize,
    /// 1-based column in the line.
    pub column: usize,
}

/// Where a value is written in a file: 1-based line and column, length in characters.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Serialize, serde::Deserialize)]
pub struct Place {
    /// 1-based line.
    pub line: usize,
    /// 1-based column.
    pub column: usize,
    /// Length in characters (at least 1).
    pub len: usize,
}

/// The front matter of a page or section, checked.
#[derive(Debug, Clone, Default, serde::Serialize, serde::Deserialize)]
pub struct PageMeta {
    /// `title`.
    pub title: String,
    /// `date`, `YYYY-MM-DD`.
    pub date: Option<String>,
    /// `updated`, `YYYY-MM-DD`: the page changed after it was published.
    pub updated: Option<String>,
    /// `edition`: the name of the edition the page was published in, when it is not the
    /// current one (see [`PageMeta::edition_of`]).
    pub edition: Option<String>,
    /// `summary`, Markdown.
    pub summary: Option<String>,
    /// `draft`.
    pub draft: bool,
    /// `weight`.
    pub weight: i64,
    /// `slug`.
    pub slug: Option<String>,
    /// `aliases`: old URL paths that redirect here.
    pub aliases: Vec<String>,
    /// Where each of `aliases` is written in the file (same order).
    pub alias_places: Vec<Place>,
    /// `template`.
    pub template: Option<String>,
    /// `extra`.
    #[serde(with = "json_text")]
    pub extra: Map<String, Value>,
    /// Terms per taxonomy name, as written.
    pub terms: HashMap<String, Vec<RawTerm>>,
    /// The section schema's fields, as written.
    #[serde(with = "json_text")]
    pub fields: Map<String, Value>,
}

/// Values of the front matter as JSON text, for the build cache: its format (postcard) can
/// only read data whose shape it knows.
mod json_text {
    use serde::de::Error as _;
    use serde::ser::Error as _;
    use serde::{Deserialize, Deserializer, Serializer};
    use serde_json::{Map, Value};

    pub(super) fn serialize<S: Serializer>(
        map: &Map<String, Value>,
        s: S,
    ) -> Result<S::Ok, S::Error> {
        s.serialize_str(&serde_json::to_string(map).map_err(S::Error::custom)?)
    }

    pub(super) fn deserialize<'de, D: Deserializer<'de>>(
        d: D,
    ) -> Result<Map<String, Value>, D::Error> {
        serde_json::from_str(&String::deserialize(d)?).map_err(D::Error::custom)
    }
}

/// A Markdown file: a page, or a section's `_index.md`.
#[derive(Debug, Clone)]
pub struct Page {
    /// Path relative to `content/`, e.g. `projets/fiche.md`.
    pub source: PathBuf,
    /// Path relative to the site root, for messages, e.g. `content/projets/fiche.md`.
    pub display_path: PathBuf,
    /// The section it belongs to (its own section for an `_index.md`).
    pub section: SectionId,
    /// Its front matter.
    pub meta: PageMeta,
    /// The Markdown body.
    pub body: String,
    /// 1-based line of the file where the body starts.
    pub body_line: usize,
    /// The URL path relative to the site root: `projets/fiche/`, or `` for the home.
    pub path: String,
    /// For `name/index.md` pages: the folder holding the page and its files, relative to
    /// `content/`.
    pub bundle_dir: Option<PathBuf>,
    /// A hash of the front matter's text: when it is unchanged, only the body changed.
    pub front_matter_hash: u64,
    /// Keys whose lines were set aside after a YAML syntax error (already reported): later
    /// stages do not call them missing.
    pub unread_keys: Vec<String>,
}

/// A folder with an `_index.md`.
#[derive(Debug, Clone)]
pub struct Section {
    /// The folder relative to `content/` with `/` separators: `projets`, or `` for the home.
    pub name: String,
    /// The `_index.md`, read as a page.
    pub index: Page,
    /// The enclosing section, except for the home.
    pub parent: Option<SectionId>,
}

/// A file of `content/` that is not Markdown (an image, a PDF…).
#[derive(Debug, Clone)]
pub struct Asset {
    /// Path relative to `content/`.
    pub source: PathBuf,
    /// Where it is written, relative to the output root.
    pub output: String,
}

/// Everything read from `content/`.
#[derive(Debug, Clone, Default)]
pub struct Site {
    /// Pages (not sections), drafts excluded unless asked for.
    pub pages: Vec<Page>,
    /// Sections; index 0 is the home.
    pub sections: Vec<Section>,
    /// Other files, copied to the output.
    pub assets: Vec<Asset>,
    /// Source paths (as links name them) of the drafts left out of the site.
    pub drafts_left_out: Vec<String>,
}

impl Site {
    /// Page `p`.
    pub fn page(&self, p: PageId) -> &Page {
        &self.pages[p.index()]
    }

    /// Section `s`.
    pub fn section(&self, s: SectionId) -> &Section {
        &self.sections[s.index()]
    }

    /// The ids of the pages, in order.
    pub fn page_ids(&self) -> impl Iterator<Item = PageId> {
        (0..self.pages.len()).map(PageId::from)
    }

    /// The ids of the sections, the home first.
    pub fn section_ids(&self) -> impl Iterator<Item = SectionId> {
        (0..self.sections.len()).map(SectionId::from)
    }

    /// The sections whose parent is `s`.
    pub fn subsections(&self, s: SectionId) -> impl Iterator<Item = SectionId> + '_ {
        self.section_ids()
            .filter(move |&i| self.section(i).parent == Some(s))
    }
}

/// Whether drafts are part of the site.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DraftMode {
    /// Drafts are checked but not published.
    Exclude,
    /// Drafts are published.
    Include,
}

fn is_skipped_name(name: &str) -> bool {
    name.starts_with('.')
        || name.starts_with('#')
        || name.ends_with('~')
        || name.ends_with(".swp")
        || name.ends_with(".tmp")
}

fn to_slash(path: &Path) -> String {
    path.components()
        .filter_map(|c| match c {
            Component::Normal(s) => Some(s.to_string_lossy().into_owned()),
            _ => None,
        })
        .collect::<Vec<_>>()
        .join("/")
}

/// The URL path of a content folder: each component slugified, `/` after each.
fn folder_url(dir: &Path) -> String {
    let mut out = String::new();
    for component in dir.components() {
        if let Component::Normal(s) = component {
            let slug = slugify(&s.to_string_lossy());
            if !slug.is_empty() {
                out.push_str(&slug);
                out.push('/');
            }
        }
    }
    out
}

/// The files of `content/`, relative to it, in walking order.
struct ContentFiles {
    /// `.md` files.
    markdown: Vec<PathBuf>,
    /// Every other file (images, PDFs…).
    other: Vec<PathBuf>,
}

/// Loads and checks every file of `root/content`, reporting every problem to `diagnostics`.
pub fn load(
    root: &Path,
    config: &SiteConfig,
    drafts: DraftMode,
    diagnostics: &mut crate::diagnostic::Diagnostics,
) -> Site {
    let (site, found, _) = load_and_check(root, config, drafts, &LoadMemo::default());
    diagnostics.extend(found);
    site
}

/// [`load`], taking from `memo` what it kept of the files that have not changed since; with
/// what to keep for the next build ([`crate::warm`]).
pub fn load_reusing(
    root: &Path,
    config: &SiteConfig,
    drafts: DraftMode,
    memo: &LoadMemo,
    diagnostics: &mut crate::diagnostic::Diagnostics,
) -> (Site, LoadMemo) {
    let (site, found, memo) = load_and_check(root, config, drafts, memo);
    diagnostics.extend(found);
    (site, memo)
}

fn load_and_check(
    root: &Path,
    config: &SiteConfig,
    drafts: DraftMode,
    memo: &LoadMemo,
) -> (Site, Vec<Diagnostic>, LoadMemo) {
    let content = root.join(CONTENT_DIR);
    let mut diagnostics = Vec::new();
    if !content.is_dir() {
        diagnostics.push(
            Diagnostic::error("le dossier « content » est introuvable")
                .in_file(CONTENT_DIR)
                .with_hint("créez content/_index.md (la page d'accueil) ou indiquez le dossier du site avec --root"),
        );
        return (Site::default(), diagnostics, LoadMemo::default());
    }
    let files = walk_content(root, &content, &mut diagnostics);
    let section_dirs = section_dirs(&files.markdown);
    let bundle_dirs: Vec<PathBuf> = files
        .markdown
        .iter()
        .filter(|p| p.file_name().is_some_and(|n| n == "index.md"))
        .map(|p| p.parent().unwrap_or(Path::new("")).to_path_buf())
        .collect();
    let mut loaded = load_files(&content, &files.markdown, &section_dirs, config, memo);
    let mut kept = LoadMemo::default();
    for file in &mut loaded {
        if let Some(entry) = file.kept.take() {
            kept.insert(file.relative.clone(), entry);
        }
    }
    let mut site = Site::default();
    let section_pages = sort_loaded(loaded, drafts, &section_dirs, &mut site, &mut diagnostics);
    site.sections = sections(&section_dirs, section_pages, config);
    site.assets = assets(files.other, &bundle_dirs, &site.pages);
    (site, diagnostics, kept)
}

/// Walks `content/` (links not followed, skipped names left out): its Markdown and other
/// files; a diagnostic for each folder that cannot be read and each file set aside.
fn walk_content(root: &Path, content: &Path, diagnostics: &mut Vec<Diagnostic>) -> ContentFiles {
    let mut files = ContentFiles {
        markdown: Vec::new(),
        other: Vec::new(),
    };
    let walker = WalkDir::new(content)
        .follow_links(false)
        .sort_by_file_name()
        .into_iter()
        .filter_entry(|e| e.depth() == 0 || !is_skipped_name(&e.file_name().to_string_lossy()));
    for entry in walker {
        let entry = match entry {
            Ok(entry) => entry,
            Err(e) => {
                diagnostics.push(walk_error(root, &e));
                continue;
            }
        };
        let relative = entry
            .path()
            .strip_prefix(content)
            .unwrap_or(entry.path())
            .to_path_buf();
        if let Some(d) = set_aside(&entry, &relative) {
            diagnostics.push(d);
            continue;
        }
        if !entry.file_type().is_file() {
            continue;
        }
        let name = relative
            .file_name()
            .map(|n| n.to_string_lossy().to_lowercase())
            .unwrap_or_default();
        if relative.extension().is_some_and(|e| e == "md") {
            files.markdown.push(relative);
        } else if name.ends_with(".md.txt") {
            diagnostics.push(md_txt_warning(&relative));
        } else {
            files.other.push(relative);
        }
    }
    files
}

/// The error for a folder of `content/` that cannot be walked.
fn walk_error(root: &Path, e: &walkdir::Error) -> Diagnostic {
    let path = e
        .path()
        .map(|p| p.strip_prefix(root).unwrap_or(p).to_path_buf());
    let message = match e.io_error() {
        Some(io) => crate::fs::describe_io_error(io),
        None => "boucle de liens symboliques".into(),
    };
    let mut d = Diagnostic::error(format!("impossible de parcourir ce dossier : {message}"));
    if let Some(path) = path {
        d = d.in_file(path);
    }
    d.with_hint("vérifiez les droits de lecture du dossier")
}

/// A warning when `entry` is a symbolic link or a special file, which are not read.
fn set_aside(entry: &walkdir::DirEntry, relative: &Path) -> Option<Diagnostic> {
    if entry.path_is_symlink() {
        return Some(
            Diagnostic::warning("lien symbolique ignoré : le générateur ne suit pas les liens")
                .in_file(Path::new(CONTENT_DIR).join(relative))
                .with_hint("copiez le fichier dans content/ au lieu d'y faire un lien"),
        );
    }
    if crate::fs::is_special(entry.file_type()) {
        return Some(
            Diagnostic::warning(format!("fichier ignoré : {}", crate::fs::SPECIAL_FILE))
                .in_file(Path::new(CONTENT_DIR).join(relative))
                .with_hint("supprimez-le, ou remplacez-le par un fichier ordinaire"),
        );
    }
    None
}

/// The warning for a `fiche.md.txt`: Windows hides known extensions, so "fiche.md" saved by
/// Notepad is "fiche.md.txt".
fn md_txt_warning(relative: &Path) -> Diagnostic {
    let written = relative
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let wanted = &written[..written.len() - ".txt".len()];
    Diagnostic::warning("fichier ignoré : son nom finit par « .md.txt », il n'est donc pas lu comme une page")
        .in_file(Path::new(CONTENT_DIR).join(relative))
        .with_hint(format!("renommez-le « {wanted} » (Windows cache souvent la fin « .txt » : dans l'Explorateur, cochez Affichage > Extensions de noms de fichiers)"))
}

/// The section folders: those with an `_index.md`, and the home, which always exists;
/// shallowest first, then by name.
fn section_dirs(markdown: &[PathBuf]) -> Vec<PathBuf> {
    let mut section_dirs: Vec<PathBuf> = markdown
        .iter()
        .filter(|p| p.file_name().is_some_and(|n| n == "_index.md"))
        .map(|p| p.parent().unwrap_or(Path::new("")).to_path_buf())
        .collect();
    if !section_dirs.iter().any(|d| d.as_os_str().is_empty()) {
        section_dirs.insert(0, PathBuf::new());
    }
    section_dirs.sort_by_key(|d| (d.components().count(), d.clone()));
    section_dirs
}

/// The index in `section_dirs` of the section `dir` belongs to: the nearest enclosing one.
fn section_of_dir(section_dirs: &[PathBuf], dir: &Path) -> usize {
    let mut dir = dir.to_path_buf();
    loop {
        if let Some(i) = section_dirs.iter().position(|d| *d == dir) {
            return i;
        }
        if !dir.pop() {
            return 0;
        }
    }
}

/// A Markdown file read and checked: its path relative to `content/`, the page (none when
/// it could not be read) and its diagnostics.
/// One Markdown file as loaded.
struct LoadedFile {
    /// Its path relative to `content/`.
    relative: PathBuf,
    page: Option<Page>,
    diagnostics: Vec<Diagnostic>,
    /// The page's own warnings, reported when the site publishes it.
    own: Vec<Diagnostic>,
    /// What to keep of it for the next build.
    kept: Option<memo::Entry>,
}

/// Reads and checks every Markdown file, in parallel, each in its section.
fn load_files(
    content: &Path,
    markdown: &[PathBuf],
    section_dirs: &[PathBuf],
    config: &SiteConfig,
    memo: &LoadMemo,
) -> Vec<LoadedFile> {
    markdown
        .par_iter()
        .map(|relative| {
            let is_index = relative.file_name().is_some_and(|n| n == "_index.md");
            let dir = relative.parent().unwrap_or(Path::new(""));
            let section = if is_index {
                section_of_dir(section_dirs, dir)
            } else if relative.file_name().is_some_and(|n| n == "index.md") {
                section_of_dir(section_dirs, dir.parent().unwrap_or(Path::new("")))
            } else {
                section_of_dir(section_dirs, dir)
            };
            let section_name = to_slash(&section_dirs[section]);
            let file = (
                relative.as_path(),
                section.into(),
                section_name.as_str(),
                is_index,
            );
            let (page, diagnostics, own, kept) = load_kept(content, file, config, memo);
            LoadedFile {
                relative: relative.clone(),
                page,
                diagnostics,
                own,
                kept,
            }
        })
        .collect()
}

/// Puts each loaded file in its place: pages in `site.pages` (drafts left out unless
/// asked for), diagnostics after `diagnostics`; returns each section's `_index.md` page.
fn sort_loaded(
    loaded: Vec<LoadedFile>,
    drafts: DraftMode,
    section_dirs: &[PathBuf],
    site: &mut Site,
    diagnostics: &mut Vec<Diagnostic>,
) -> Vec<Option<Page>> {
    let mut section_pages: Vec<Option<Page>> = vec![None; section_dirs.len()];
    for LoadedFile {
        relative,
        page,
        diagnostics: mut diags,
        own,
        ..
    } in loaded
    {
        if drafts == DraftMode::Exclude {
            // Published as is: an untouched placeholder would reach readers.
            for d in diags
                .iter_mut()
                .filter(|d| d.message == PLACEHOLDER_MESSAGE)
            {
                d.severity = crate::diagnostic::Severity::Error;
            }
        }
        diagnostics.extend(diags);
        let Some(page) = page else { continue };
        if relative.file_name().is_some_and(|n| n == "_index.md") {
            let section = page.section.index();
            section_pages[section] = Some(page);
        } else if page.meta.draft && drafts == DraftMode::Exclude {
            site.drafts_left_out
                .push(crate::markdown::link_key(&page.source));
        } else {
            diagnostics.extend(own);
            site.pages.push(page);
        }
    }
    section_pages
}

/// The sections, from their folders and their `_index.md` pages (an empty one, titled
/// after the folder or the site, when a folder has none).
fn sections(
    section_dirs: &[PathBuf],
    mut section_pages: Vec<Option<Page>>,
    config: &SiteConfig,
) -> Vec<Section> {
    let mut sections = Vec::new();
    for (i, dir) in section_dirs.iter().enumerate() {
        let name = to_slash(dir);
        let index = section_pages[i].take().unwrap_or_else(|| Page {
            source: dir.join("_index.md"),
            display_path: Path::new(CONTENT_DIR).join(dir).join("_index.md"),
            section: SectionId::from(i),
            meta: PageMeta {
                title: if i == 0 {
                    config.title.clone()
                } else {
                    name.clone()
                },
                ..PageMeta::default()
            },
            body: String::new(),
            body_line: 1,
            path: folder_url(dir),
            bundle_dir: None,
            front_matter_hash: 0,
            unread_keys: Vec::new(),
        });
        let parent = if i == 0 {
            None
        } else {
            Some(SectionId::from(section_of_dir(
                section_dirs,
                dir.parent().unwrap_or(Path::new("")),
            )))
        };
        sections.push(Section {
            name,
            index,
            parent,
        });
    }
    sections
}

/// The files of `content/` that are not Markdown, each with its output path: beside its
/// page for a file inside a page bundle, in its folder's URL otherwise.
fn assets(other: Vec<PathBuf>, bundle_dirs: &[PathBuf], pages: &[Page]) -> Vec<Asset> {
    let mut assets = Vec::new();
    for relative in other {
        let dir = relative.parent().unwrap_or(Path::new(""));
        let bundle = bundle_dirs
            .iter()
            .filter(|b| dir.starts_with(b))
            .max_by_key(|b| b.components().count());
        let output = match bundle {
            Some(b) => {
                let page_path = pages
                    .iter()
                    .find(|p| p.bundle_dir.as_deref() == Some(b.as_path()))
                    .map(|p| p.path.clone())
                    .unwrap_or_else(|| folder_url(b));
                let rest = relative.strip_prefix(b).unwrap_or(&relative);
                format!("{page_path}{}", to_slash(rest))
            }
            None => format!(
                "{}{}",
                folder_url(dir),
                relative
                    .file_name()
                    .map(|n| n.to_string_lossy().into_owned())
                    .unwrap_or_default()
            ),
        };
        assets.push(Asset {
            source: relative,
            output,
        });
    }
    assets
}

/// Reads and checks page `p` of `site` again (`serve`, after a save), with the same section.
pub fn reload_page(
    root: &Path,
    config: &SiteConfig,
    site: &Site,
    p: PageId,
) -> (Option<Page>, Vec<Diagnostic>) {
    let page = site.page(p);
    load_file(
        &root.join(CONTENT_DIR),
        &page.source,
        page.section,
        &site.sections[page.section.index()].name,
        false,
        config,
    )
}

/// Reads and checks a page that is not part of `site` yet (`serve`, after a file was added):
/// `display_path` is `content/…/page.md`. `None` when it is not a plain page of an existing
/// section (a section's `_index.md`, a bundle's `index.md`, a file outside `content/`).
pub fn load_new_page(
    root: &Path,
    config: &SiteConfig,
    site: &Site,
    display_path: &Path,
) -> Option<(Option<Page>, Vec<Diagnostic>)> {
    let relative = display_path.strip_prefix(CONTENT_DIR).ok()?;
    let name = relative.file_name()?;
    if name == "_index.md" || name == "index.md" || relative.extension()? != "md" {
        return None;
    }
    let section_dirs: Vec<&Path> = site
        .sections
        .iter()
        .map(|s| s.index.source.parent().unwrap_or(Path::new("")))
        .collect();
    let section = relative
        .ancestors()
        .skip(1)
        .find_map(|dir| section_dirs.iter().position(|d| *d == dir))?;
    Some(load_file(
        &root.join(CONTENT_DIR),
        relative,
        section.into(),
        &site.sections[section].name,
        false,
        config,
    ))
}

/// Places diagnostics about one file at lines of its front matter.
struct FileReporter<'a> {
    display_path: &'a Path,
    text: &'a str,
    yaml: &'a str,
    yaml_line: usize,
    diagnostics: Vec<Diagnostic>,
}

impl FileReporter<'_> {
    /// Where the value at `path` is written in the file.
    fn value_place(&self, path: &[PathStep]) -> Place {
        match yaml::locate(self.yaml, path) {
            Some(loc) => Place {
                line: loc.line + self.yaml_line - 1,
                column: loc.value_column,
                len: loc.value_len,
            },
            None => Place {
                line: self.yaml_line.saturating_sub(1).max(1),
                column: 1,
                len: 3,
            },
        }
    }

    fn place(
        &self,
        path: &[PathStep],
        message: String,
        hint: Option<String>,
        on_value: bool,
    ) -> Diagnostic {
        let mut d = Diagnostic::error(message).in_file(self.display_path);
        match yaml::locate(self.yaml, path) {
            Some(loc) => {
                let line = loc.line + self.yaml_line - 1;
                d = if on_value {
                    d.at(line, loc.value_column, loc.value_len)
                } else {
                    d.at(line, loc.column, loc.len)
                };
            }
            None => d = d.at(self.yaml_line.saturating_sub(1).max(1), 1, 3),
        }
        if let Some(hint) = hint {
            d = d.with_hint(hint);
        }
        d.with_source(self.text)
    }

    fn warning_at_value(&mut self, key: &str, message: String, hint: impl Into<String>) {
        let mut d = self.place(
            &[PathStep::Key(key.into())],
            message,
            Some(hint.into()),
            true,
        );
        d.severity = crate::diagnostic::Severity::Warning;
        self.diagnostics.push(d);
    }

    fn error_at_value(&mut self, key: &str, message: String, hint: impl Into<String>) {
        let d = self.place(
            &[PathStep::Key(key.into())],
            message,
            Some(hint.into()),
            true,
        );
        self.diagnostics.push(d);
    }
}

impl Reporter for FileReporter<'_> {
    fn at_key(&mut self, path: &[PathStep], message: String, hint: Option<String>) {
        let d = self.place(path, message, hint, false);
        self.diagnostics.push(d);
    }

    fn at_value(&mut self, path: &[PathStep], message: String, hint: Option<String>) {
        let d = self.place(path, message, hint, true);
        self.diagnostics.push(d);
    }
}

/// A Markdown file to load: its path relative to `content/`, its section (and the section's
/// folder), and whether it is the section's `_index.md`.
type FileAt<'a> = (&'a Path, SectionId, &'a str, bool);

/// Reads and checks one Markdown file of section `section` (`section_name`); `None` when
/// it cannot be read, split or parsed into fields.
fn load_file(
    content: &Path,
    relative: &Path,
    section: SectionId,
    section_name: &str,
    is_index: bool,
    config: &SiteConfig,
) -> (Option<Page>, Vec<Diagnostic>) {
    let file = (relative, section, section_name, is_index);
    match with_text(content, relative, |text| {
        parse_file(content, file, config, text)
    }) {
        Ok(parsed) => (parsed.page, parsed.diagnostics),
        Err(d) => (None, vec![*d]),
    }
}

/// [`load_file`], with what `memo` kept of the file when it has not changed; and what to
/// keep of it for the next build.
fn load_kept(content: &Path, file: FileAt<'_>, config: &SiteConfig, memo: &LoadMemo) -> Loaded {
    let (relative, section, section_name, is_index) = file;
    let kept_or_parsed = |text: &str| {
        let key = memo::key(text, section_name, is_index);
        let body = frontmatter::split(text).map(|split| split.body);
        if let (Some(kept), Ok(body)) = (memo.get(relative), body) {
            if let Some((page, diagnostics, own)) = kept.page(key, content, relative, section, body)
            {
                return (Some(page), diagnostics, own, Some(kept.clone()));
            }
        }
        let parsed = parse_file(content, file, config, text);
        let own = (parsed.page.as_ref())
            .filter(|_| !is_index)
            .map(|page| own_warnings(page, section_name, config))
            .unwrap_or_default();
        let kept = (parsed.page.as_ref()).and_then(|page| {
            let found = (parsed.diagnostics.as_slice(), own.as_slice());
            memo::Entry::of(key, page, found, parsed.image.clone())
        });
        (parsed.page, parsed.diagnostics, own, kept)
    };
    (with_text(content, relative, kept_or_parsed))
        .unwrap_or_else(|d| (None, vec![*d], Vec::new(), None))
}

/// What [`load_kept`] found: the page, the file's diagnostics, the page's own warnings
/// ([`own_warnings`]) and what to keep of it for the next build.
type Loaded = (
    Option<Page>,
    Vec<Diagnostic>,
    Vec<Diagnostic>,
    Option<memo::Entry>,
);

/// The warnings about a page's own text: a case study without summary, a very long title,
/// its headings. Kept with what loading the file found ([`memo`]); reported for the pages
/// the site publishes.
fn own_warnings(page: &Page, section_name: &str, config: &SiteConfig) -> Vec<Diagnostic> {
    let mut out = Vec::new();
    let section_config = config.section(section_name);
    let has_schema = section_config.is_some_and(|s| !s.schema.is_empty());
    if has_schema
        && page.meta.summary.is_none()
        && !page.body.contains(crate::markdown::MORE_MARKER)
    {
        out.push(
            Diagnostic::warning(
                "fiche sans résumé : les listes et la recherche n'afficheront que son titre",
            )
            .in_file(&page.display_path)
            .at(1, 1, 3)
            .with_hint(
                "ajoutez « summary: » avec une ou deux phrases qui disent l'essentiel du projet",
            ),
        );
    }
    let length = page.meta.title.chars().count();
    if length > crate::lint::MAX_TITLE_CHARS {
        out.push(
            Diagnostic::warning(format!("titre très long ({length} caractères)"))
                .in_file(&page.display_path)
                .at(2, 1, 5)
                .with_hint(format!(
                    "visez moins de {} caractères ; les détails iront dans le résumé",
                    crate::lint::MAX_TITLE_CHARS
                )),
        );
    }
    if let Some(section_config) = section_config {
        out.extend(crate::lint::check_headings(
            &page.body,
            page.body_line,
            &page.display_path,
            &section_config.headings,
        ));
    }
    out
}

/// What `then` gives of the text of the Markdown file at `relative`; the error when it cannot
/// be read or is not UTF-8.
fn with_text<T>(
    content: &Path,
    relative: &Path,
    then: impl FnOnce(&str) -> T,
) -> Result<T, Box<Diagnostic>> {
    let display_path = Path::new(CONTENT_DIR).join(relative);
    let bytes = read_bytes(&content.join(relative), &display_path)?;
    Ok(then(as_text(&bytes, &display_path)?))
}

/// What checking one file's text gave.
struct Parsed {
    page: Option<Page>,
    diagnostics: Vec<Diagnostic>,
    /// The local image its front matter names, and whether it was found.
    image: Option<(PathBuf, bool)>,
}

impl Parsed {
    fn failed(diagnostics: Vec<Diagnostic>) -> Self {
        Self {
            page: None,
            diagnostics,
            image: None,
        }
    }
}

/// Checks the text of the Markdown file at `relative`.
fn parse_file(content: &Path, file: FileAt<'_>, config: &SiteConfig, text: &str) -> Parsed {
    let (relative, section, section_name, is_index) = file;
    let display_path = Path::new(CONTENT_DIR).join(relative);
    let split = match frontmatter::split(text) {
        Ok(split) => split,
        Err(e) => {
            let d = Diagnostic::error(e.message)
                .in_file(&display_path)
                .at(e.line, 1, 3)
                .with_hint(e.hint)
                .with_source(text);
            return Parsed::failed(vec![d]);
        }
    };
    let mut reporter = FileReporter {
        display_path: &display_path,
        text,
        yaml: split.yaml,
        yaml_line: split.yaml_line,
        diagnostics: Vec::new(),
    };
    let front_matter = yaml::parse_front_matter(split.yaml);
    let mut early = syntax_diagnostics(&front_matter.problems, &reporter);
    let map = match front_matter.value.map(|value| fields_of(value, &reporter)) {
        None => return Parsed::failed(early),
        Some(Err(d)) => {
            early.push(*d);
            return Parsed::failed(early);
        }
        Some(Ok(map)) => map,
    };
    let section_config = if is_index {
        None
    } else {
        config.section(section_name)
    };
    let meta = read_meta(
        &map,
        config,
        section_name,
        section_config,
        is_index,
        &mut reporter,
    );
    let path = url_path(relative, is_index, &meta, &mut reporter);
    let image = check_front_matter_image(&map, content, relative, &mut reporter);
    if !meta.draft && !is_index {
        reporter
            .diagnostics
            .extend(placeholders(text, split.body_line, &display_path));
    }
    forget_skipped_keys(&mut reporter.diagnostics, &front_matter.skipped_keys);
    early.append(&mut reporter.diagnostics);
    let dir = relative.parent().unwrap_or(Path::new(""));
    let is_bundle = relative.file_name().is_some_and(|n| n == "index.md");
    let page = Page {
        source: relative.to_path_buf(),
        display_path: display_path.clone(),
        section,
        meta,
        body: split.body.to_string(),
        body_line: split.body_line,
        path,
        bundle_dir: is_bundle.then(|| dir.to_path_buf()),
        front_matter_hash: split.front_matter_hash(),
        unread_keys: front_matter.skipped_keys.clone(),
    };
    Parsed {
        page: Some(page),
        diagnostics: early,
        image,
    }
}

/// The bytes of the file at `path`; an error when it cannot be read.
fn read_bytes(path: &Path, display_path: &Path) -> Result<Vec<u8>, Box<Diagnostic>> {
    crate::fs::read(path).map_err(|e| {
        Box::new(
            Diagnostic::error(format!(
                "impossible de lire ce fichier : {}",
                crate::fs::describe_io_error(&e.source)
            ))
            .in_file(display_path)
            .with_hint("vérifiez que le fichier existe et que vous avez le droit de le lire"),
        )
    })
}

/// `bytes` as text; an error at the first line that is not UTF-8. (`simdutf8` checks the
/// text of 10 000 pages several times faster than the standard library.)
fn as_text<'a>(bytes: &'a [u8], display_path: &Path) -> Result<&'a str, Box<Diagnostic>> {
    simdutf8::basic::from_utf8(bytes).map_err(|_| {
        let valid_up_to = std::str::from_utf8(bytes)
            .err()
            .map_or(bytes.len(), |e| e.valid_up_to());
        let line = bytes[..valid_up_to].iter().filter(|b| **b == b'\n').count() + 1;
        Box::new(Diagnostic::error("ce fichier n'est pas encodé en UTF-8")
            .in_file(display_path)
            .at_line(line)
            .with_hint("enregistrez-le en UTF-8 depuis votre éditeur (Enregistrer sous… > Encodage : UTF-8)"))
    })
}

/// The front matter's YAML problems, placed at their lines of the file.
fn syntax_diagnostics(problems: &[yaml::Problem], reporter: &FileReporter<'_>) -> Vec<Diagnostic> {
    problems
        .iter()
        .map(|problem| {
            let mut d = Diagnostic::error(problem.message.clone())
                .in_file(reporter.display_path)
                .at(
                    problem.line + reporter.yaml_line - 1,
                    problem.column,
                    problem.len,
                )
                .with_hint(problem.hint.clone().unwrap_or_else(|| "vérifiez l'indentation, les deux-points après chaque clé et les guillemets autour des textes qui contiennent « : » ou « # »".into()))
                .with_source(reporter.text);
            if !problem.error {
                d.severity = crate::diagnostic::Severity::Warning;
            }
            d
        })
        .collect()
}

/// The front matter's fields (none for an empty one); an error when it is not a map.
fn fields_of(
    value: Value,
    reporter: &FileReporter<'_>,
) -> Result<Map<String, Value>, Box<Diagnostic>> {
    match value {
        Value::Object(map) => Ok(map),
        Value::Null => Ok(Map::new()),
        _ => Err(Box::new(
            Diagnostic::error("l'en-tête doit être une suite de champs « clé: valeur »")
                .in_file(reporter.display_path)
                .at(reporter.yaml_line, 1, 1)
                .with_hint(
                    "écrivez par exemple « title: Mon titre » sur la première ligne de l'en-tête",
                )
                .with_source(reporter.text),
        )),
    }
}

/// The URL path of a page: its folder's, then its slug (from `slug`, the file name, or the
/// bundle's folder name); an error when there is no slug or a segment is a name Windows
/// reserves.
fn url_path(
    relative: &Path,
    is_index: bool,
    meta: &PageMeta,
    reporter: &mut FileReporter<'_>,
) -> String {
    let dir = relative.parent().unwrap_or(Path::new(""));
    let is_bundle = relative.file_name().is_some_and(|n| n == "index.md");
    let path = if is_index {
        folder_url(dir)
    } else {
        let (parent, default_slug) = if is_bundle {
            let parent = dir.parent().unwrap_or(Path::new(""));
            let name = dir
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default();
            (parent, slugify(&name))
        } else {
            let stem = relative
                .file_stem()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default();
            (dir, slugify(&stem))
        };
        let slug = meta.slug.clone().unwrap_or(default_slug);
        if slug.is_empty() {
            reporter.diagnostics.push(
                Diagnostic::error("impossible de tirer une adresse du nom de ce fichier")
                    .in_file(reporter.display_path)
                    .with_hint("renommez le fichier avec des lettres ou des chiffres, ou ajoutez « slug: mon-adresse »"),
            );
        }
        format!("{}{slug}/", folder_url(parent))
    };
    if let Some(reserved) = path.split('/').find(|segment| is_windows_reserved(segment)) {
        reporter.diagnostics.push(
            Diagnostic::error(format!("l'adresse /{path} contient « {reserved} », un nom que Windows réserve (CON, NUL, AUX, COM1…)"))
                .in_file(reporter.display_path)
                .with_hint("renommez le fichier ou le dossier, ou donnez à la page un « slug » différent"),
        );
    }
    path
}

/// Drops "missing" and "empty" diagnostics about keys set aside after a syntax error: their
/// line is already blamed.
fn forget_skipped_keys(diagnostics: &mut Vec<Diagnostic>, skipped_keys: &[String]) {
    if skipped_keys.is_empty() {
        return;
    }
    diagnostics.retain(|d| {
        !skipped_keys.iter().any(|k| {
            d.message.contains(&format!("« {k} »"))
                && (d.message.contains("manquant") || d.message.contains("est vide"))
        })
    });
}

/// The front matter's `image: { src, alt }` follows the rules of an image in the body: its
/// file must exist beside the page (or at the path written from it), and its alternative text
/// must not be empty (RGAA, criterion 1.1). Addresses (`https://…`, `/…`) are not checked.
/// Returns the file looked for (relative to `content/`) and whether it was found.
fn check_front_matter_image(
    map: &Map<String, Value>,
    content: &Path,
    relative: &Path,
    reporter: &mut FileReporter<'_>,
) -> Option<(PathBuf, bool)> {
    let Some(Value::Object(image)) = map.get("image") else {
        return None;
    };
    let mut checked = None;
    let key = |k: &str| vec![PathStep::Key("image".into()), PathStep::Key(k.into())];
    if let Some(Value::String(src)) = image.get("src") {
        let local = !src.contains("://") && !src.starts_with('/') && !src.trim().is_empty();
        if local && src != PLACEHOLDER {
            let base = relative.parent().unwrap_or(Path::new(""));
            let target = base.join(src.trim());
            let inside = target.components().all(|c| {
                matches!(
                    c,
                    std::path::Component::Normal(_) | std::path::Component::CurDir
                )
            });
            let found = inside && content.join(&target).is_file();
            if inside {
                checked = Some((target.clone(), found));
            }
            if !found {
                reporter.at_value(
                    &key("src"),
                    format!(
                        "image introuvable : « {src} » (cherché en content/{})",
                        to_slash(&target)
                    ),
                    Some("vérifiez le nom du fichier (majuscules, accents, extension) et qu'il est bien à côté de la page".into()),
                );
            }
        }
    }
    let alt = image.get("alt").and_then(Value::as_str).unwrap_or("");
    if alt.trim().is_empty() {
        let path = if image.contains_key("alt") {
            key("alt")
        } else {
            vec![PathStep::Key("image".into())]
        };
        reporter.at_value(
            &path,
            "image sans texte alternatif".into(),
            Some("décrivez ce que montre l'image, par exemple : alt: Trois salariées autour d'une machine (RGAA, critère 1.1)".into()),
        );
    }
    checked
}

/// The placeholder `guide new` writes in every field and under every heading.
pub const PLACEHOLDER: &str = "À compléter";

/// The message of an untouched placeholder: a warning, made an error by a build that does not
/// publish drafts ([`load`]).
const PLACEHOLDER_MESSAGE: &str = "« À compléter » n'a pas été remplacé";

/// Every line of a published page that still holds `guide new`'s placeholder (comments of the
/// front matter aside, where `guide new` shows optional fields).
fn placeholders(text: &str, body_line: usize, display_path: &Path) -> Vec<Diagnostic> {
    let upper = PLACEHOLDER.to_uppercase();
    if !text.contains(PLACEHOLDER) && !text.contains(&upper) {
        return Vec::new();
    }
    text.lines()
        .enumerate()
        .filter(|(i, line)| {
            let in_front_matter = i + 1 < body_line;
            !(in_front_matter && line.trim_start().starts_with('#'))
        })
        .filter_map(|(i, line)| {
            let at = line.find(PLACEHOLDER).or_else(|| line.find(&upper))?;
            Some(
                Diagnostic::warning(PLACEHOLDER_MESSAGE)
                    .in_file(display_path)
                    .at(
                        i + 1,
                        line[..at].chars().count() + 1,
                        PLACEHOLDER.chars().count(),
                    )
                    .with_hint("écrivez le vrai texte à la place, ou remettez « draft: true » dans l'en-tête tant que la page n'est pas prête")
                    .with_source(text),
            )
        })
        .collect()
}

fn string_of(value: &Value) -> Option<String> {
    match value {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

/// The file a redirect page of `alias` is written to, relative to the output root:
/// `/ancienne/` → `ancienne/index.html`, `/vieux.html` → `vieux.html`.
pub fn alias_output(alias: &str) -> String {
    let trimmed = alias.trim_start_matches('/');
    if trimmed.ends_with(".html") {
        trimmed.to_string()
    } else if trimmed.is_empty() {
        "index.html".into()
    } else {
        format!("{}/index.html", trimmed.trim_end_matches('/'))
    }
}

/// Aliases whose redirect page would land on a file the build generates or copies (`reserved`:
/// output path → what makes it), or inside one: an error at the alias, naming the page.
pub fn check_alias_targets(
    site: &Site,
    reserved: &HashMap<String, &'static str>,
) -> Vec<Diagnostic> {
    let mut diagnostics = Vec::new();
    for page in &site.pages {
        for (alias, place) in page.meta.aliases.iter().zip(&page.meta.alias_places) {
            let output = alias_output(alias);
            let taken = std::iter::successors(Some(output.as_str()), |path| {
                path.rsplit_once('/').map(|(parent, _)| parent)
            })
            .find_map(|path| Some((path, *reserved.get(path)?)));
            if let Some((path, what)) = taken {
                diagnostics.push(
                    Diagnostic::error(format!(
                        "l'alias « {alias} » de cette page prendrait l'adresse /{path}, {what}"
                    ))
                    .in_file(&page.display_path)
                    .at(place.line, place.column, place.len)
                    .with_hint("retirez cet alias, ou écrivez une autre ancienne adresse"),
                );
            }
        }
    }
    diagnostics
}

/// Checks an alias: an absolute URL path that stays inside the site.
pub fn alias_problem(alias: &str) -> Option<&'static str> {
    if !alias.starts_with('/') {
        return Some("un alias doit commencer par « / »");
    }
    if alias.contains('\\')
        || alias.contains("//")
        || alias
            .chars()
            .any(|c| c.is_control() || "<>:\"|?*%".contains(c))
    {
        return Some(
            "un alias ne peut contenir ni « \\ », ni « // », ni les caractères < > : \" | ? * %",
        );
    }
    if alias
        .split('/')
        .any(|segment| segment == ".." || segment == ".")
    {
        return Some("un alias ne peut pas contenir « . » ou « .. »");
    }
    if alias.split('/').any(is_windows_reserved) {
        return Some("un alias ne peut pas contenir un nom réservé par Windows (CON, NUL, COM1…)");
    }
    None
}

/// Whether a path segment is a name Windows reserves.
pub fn is_windows_reserved(segment: &str) -> bool {
    let stem = segment.split('.').next().unwrap_or("").to_ascii_uppercase();
    matches!(stem.as_str(), "CON" | "PRN" | "AUX" | "NUL")
        || (stem.len() == 4
            && (stem.starts_with("COM") || stem.starts_with("LPT"))
            && stem.as_bytes()[3].is_ascii_digit())
}

impl PageMeta {
    /// The name of the edition the page was published in: its `edition`, or else the current
    /// edition of `guide.yaml` (none when the site declares no edition).
    pub fn edition_of<'a>(&'a self, config: &'a SiteConfig) -> Option<&'a str> {
        self.edition
            .as_deref()
            .or(config.edition.as_ref().map(|e| e.name.as_str()))
    }

    /// The day the page was published, when it is known: its `date`, or else the date of its
    /// edition when that is the current edition (the only one whose date `guide.yaml` gives).
    pub fn published<'a>(&'a self, config: &'a SiteConfig) -> Option<&'a str> {
        self.date.as_deref().or_else(|| {
            let current = config.edition.as_ref()?;
            (self.edition_of(config)? == current.name).then_some(current.date.as_str())
        })
    }
}

/// Reads and checks a page's front matter `map`: the common keys, the taxonomies, then the
/// section's schema (or, without one, unknown keys), reporting in that order.
fn read_meta(
    map: &Map<String, Value>,
    config: &SiteConfig,
    section_name: &str,
    section_config: Option<&crate::config::SectionConfig>,
    is_index: bool,
    reporter: &mut FileReporter<'_>,
) -> PageMeta {
    let mut meta = PageMeta {
        title: read_title(map, config, reporter),
        date: read_date(map, "date", reporter),
        updated: read_date(map, "updated", reporter),
        edition: read_edition(map, reporter),
        ..PageMeta::default()
    };
    check_updated(&meta, config, reporter);
    meta.summary = read_summary(map, reporter);
    meta.draft = read_draft(map, reporter);
    meta.weight = read_weight(map, reporter);
    meta.slug = read_slug(map, reporter);
    (meta.aliases, meta.alias_places) = read_aliases(map, reporter);
    meta.template = read_template(map, reporter);
    meta.extra = read_extra(map, reporter);
    meta.terms = read_terms(map, config, reporter);
    let schema = section_config.map(|s| &s.schema);
    let is_known =
        |name: &str| crate::config::COMMON_KEYS.contains(&name) || config.taxonomy(name).is_some();
    match schema {
        Some(schema) if !schema.is_empty() && !is_index => {
            let fields: Map<String, Value> = map
                .iter()
                .filter(|(k, _)| !is_known(k))
                .map(|(k, v)| (k.clone(), v.clone()))
                .collect();
            schema::check_map(&fields, schema, &mut Vec::new(), &|_| false, reporter);
            // Unknown keys have been reported by check_map with the schema's names; the common
            // keys and taxonomies are also valid names, so suggest among all of them.
            meta.fields = fields;
        }
        _ => {
            for name in map.keys().filter(|k| !is_known(k)) {
                report_unknown_key(name, config, section_name, reporter);
            }
        }
    }
    meta
}

/// `title`, trimmed (and set in French typography for a French site); empty when missing
/// or not a text, reported.
fn read_title(
    map: &Map<String, Value>,
    config: &SiteConfig,
    reporter: &mut FileReporter<'_>,
) -> String {
    match map.get("title") {
        Some(Value::String(s)) if !s.trim().is_empty() => {
            if crate::typography::is_french(&config.language) {
                crate::typography::title(s.trim())
            } else {
                s.trim().to_string()
            }
        }
        Some(Value::String(_)) | Some(Value::Null) => {
            reporter.error_at_value(
                "title",
                "le titre est vide".into(),
                "écrivez le titre après « title: »",
            );
            String::new()
        }
        Some(other) => string_of(other).unwrap_or_else(|| {
            reporter.error_at_value(
                "title",
                "le titre doit être un texte".into(),
                "écrivez le titre après « title: », entre guillemets s'il contient « : »",
            );
            String::new()
        }),
        None => {
            reporter.at_key(
                &[],
                "champ obligatoire manquant : « title »".into(),
                Some("ajoutez une ligne « title: Titre de la page » dans l'en-tête".into()),
            );
            String::new()
        }
    }
}

/// The date at `key` (`date` or `updated`), `YYYY-MM-DD`; reported when it is not one.
fn read_date(
    map: &Map<String, Value>,
    key: &str,
    reporter: &mut FileReporter<'_>,
) -> Option<String> {
    let value = map.get(key)?;
    match value.as_str() {
        Some(s) if crate::config::is_date(s) => Some(s.to_string()),
        _ => {
            reporter.error_at_value(
                key,
                format!("« {key} » n'est pas une date valide"),
                "écrivez la date sous la forme AAAA-MM-JJ, par exemple 2024-03-01",
            );
            None
        }
    }
}

/// `edition`, the name of an edition, in title typography; reported when empty.
fn read_edition(map: &Map<String, Value>, reporter: &mut FileReporter<'_>) -> Option<String> {
    let value = map.get("edition")?;
    match string_of(value) {
        Some(s) if !s.trim().is_empty() => Some(crate::typography::title(s.trim())),
        _ => {
            reporter.error_at_value(
                "edition",
                "« edition » doit être le nom d'une édition".into(),
                "écrivez par exemple edition: Automne 2017, ou retirez la ligne : la page est alors de l'édition en cours",
            );
            None
        }
    }
}

/// `updated` says the page changed after it was published: a warning for a day before.
fn check_updated(meta: &PageMeta, config: &SiteConfig, reporter: &mut FileReporter<'_>) {
    if let (Some(updated), Some(published)) = (&meta.updated, meta.published(config)) {
        if updated.as_str() < published {
            let message = format!(
                "« updated » ({updated}) précède la publication de la page ({published}) : les lecteurs liraient « Mis à jour » avant la parution"
            );
            reporter.warning_at_value(
                "updated",
                message,
                "« updated » est le jour d'une modification après la publication : corrigez la date, ou retirez la ligne",
            );
        }
    }
}

/// `summary`, Markdown; a URL that runs code is refused at its line, as in a body, since a
/// summary reaches listings, the feed, the open data and the search index.
fn read_summary(map: &Map<String, Value>, reporter: &mut FileReporter<'_>) -> Option<String> {
    match map.get("summary")? {
        Value::String(s) => {
            for (message, hint) in crate::markdown::summary_problems(s) {
                reporter.error_at_value("summary", message, hint);
            }
            Some(s.clone())
        }
        Value::Null => None,
        _ => {
            reporter.error_at_value(
                "summary",
                "le résumé doit être un texte".into(),
                "écrivez une ou deux phrases après « summary: »",
            );
            None
        }
    }
}

/// `draft`, false unless written `true`; reported when not a boolean.
fn read_draft(map: &Map<String, Value>, reporter: &mut FileReporter<'_>) -> bool {
    let Some(value) = map.get("draft") else {
        return false;
    };
    value.as_bool().unwrap_or_else(|| {
        reporter.error_at_value(
            "draft",
            "« draft » doit valoir true ou false".into(),
            "écrivez draft: true pour un brouillon, draft: false sinon",
        );
        false
    })
}

/// `weight`, 0 when missing; reported when not an integer.
fn read_weight(map: &Map<String, Value>, reporter: &mut FileReporter<'_>) -> i64 {
    let Some(value) = map.get("weight") else {
        return 0;
    };
    value.as_i64().unwrap_or_else(|| {
        reporter.error_at_value(
            "weight",
            "« weight » doit être un nombre entier".into(),
            "écrivez par exemple weight: 10 (les plus petits viennent en premier)",
        );
        0
    })
}

/// `slug`; reported, with a suggestion, when it is not a slug or is a name Windows reserves.
fn read_slug(map: &Map<String, Value>, reporter: &mut FileReporter<'_>) -> Option<String> {
    match map.get("slug")?.as_str() {
        Some(s) if is_slug(s) && !is_windows_reserved(s) => Some(s.to_string()),
        Some(s) => {
            let suggestion = slugify(s);
            let hint = if suggestion.is_empty() || is_windows_reserved(&suggestion) {
                "un slug est fait de lettres minuscules sans accents, de chiffres et de tirets"
                    .to_string()
            } else {
                format!("écrivez « slug: {suggestion} » (lettres minuscules sans accents, chiffres et tirets)")
            };
            reporter.error_at_value("slug", format!("slug invalide : « {s} »"), hint);
            None
        }
        None => {
            reporter.error_at_value(
                "slug",
                "« slug » doit être un texte".into(),
                "écrivez par exemple slug: ma-fiche",
            );
            None
        }
    }
}

/// `aliases` and where each is written; each invalid one reported at its place.
fn read_aliases(
    map: &Map<String, Value>,
    reporter: &mut FileReporter<'_>,
) -> (Vec<String>, Vec<Place>) {
    let mut aliases = Vec::new();
    let mut places = Vec::new();
    let Some(value) = map.get("aliases") else {
        return (aliases, places);
    };
    let Some(items) = value.as_array() else {
        reporter.error_at_value(
            "aliases",
            "« aliases » doit être une liste".into(),
            "écrivez par exemple aliases: [/ancienne-adresse/]",
        );
        return (aliases, places);
    };
    for (i, item) in items.iter().enumerate() {
        let path = [PathStep::Key("aliases".into()), PathStep::Index(i)];
        match item.as_str() {
            Some(alias) => match alias_problem(alias) {
                None => {
                    aliases.push(alias.to_string());
                    places.push(reporter.value_place(&path));
                }
                Some(problem) => reporter.at_value(
                    &path,
                    format!("alias invalide « {alias} » : {problem}"),
                    Some(
                        "écrivez l'ancienne adresse de la page, par exemple /ancienne-adresse/"
                            .into(),
                    ),
                ),
            },
            None => reporter.at_value(&path, "un alias doit être un texte".into(), None),
        }
    }
    (aliases, places)
}

/// `template`, the name of a theme's template; reported when it is not one.
fn read_template(map: &Map<String, Value>, reporter: &mut FileReporter<'_>) -> Option<String> {
    match map.get("template")?.as_str() {
        Some(s) if s.ends_with(".html") && !s.contains("..") && !s.starts_with('/') => {
            Some(s.to_string())
        }
        _ => {
            reporter.error_at_value(
                "template",
                "« template » doit être le nom d'un gabarit du thème".into(),
                "écrivez par exemple template: page.html",
            );
            None
        }
    }
}

/// `extra`, free fields; reported when it is not a map.
fn read_extra(map: &Map<String, Value>, reporter: &mut FileReporter<'_>) -> Map<String, Value> {
    match map.get("extra") {
        Some(Value::Object(extra)) => extra.clone(),
        None | Some(Value::Null) => Map::new(),
        Some(_) => {
            reporter.error_at_value(
                "extra",
                "« extra » doit être un ensemble de champs".into(),
                "écrivez les champs en dessous, en retrait",
            );
            Map::new()
        }
    }
}

/// The terms written for each taxonomy the page names, in the order of `guide.yaml`.
fn read_terms(
    map: &Map<String, Value>,
    config: &SiteConfig,
    reporter: &mut FileReporter<'_>,
) -> HashMap<String, Vec<RawTerm>> {
    let mut terms = HashMap::new();
    for taxonomy in &config.taxonomies {
        if let Some(value) = map.get(&taxonomy.name) {
            let written = read_terms_of(&taxonomy.name, value, reporter);
            terms.insert(taxonomy.name.clone(), written);
        }
    }
    terms
}

/// The terms written at key `name` (one, or a list) with their places; each that is not a
/// text reported.
fn read_terms_of(name: &str, value: &Value, reporter: &mut FileReporter<'_>) -> Vec<RawTerm> {
    let key = PathStep::Key(name.to_string());
    let items: Vec<(Option<usize>, &Value)> = match value {
        Value::Array(items) => items
            .iter()
            .enumerate()
            .map(|(i, v)| (Some(i), v))
            .collect(),
        Value::Null => Vec::new(),
        other => vec![(None, other)],
    };
    let mut terms = Vec::new();
    for (index, item) in items {
        let mut path = vec![key.clone()];
        if let Some(i) = index {
            path.push(PathStep::Index(i));
        }
        let loc = yaml::locate(reporter.yaml, &path);
        let (line, column) = loc.map_or((reporter.yaml_line, 1), |l| {
            (l.line + reporter.yaml_line - 1, l.value_column)
        });
        match string_of(item) {
            Some(value) => terms.push(RawTerm {
                value,
                line,
                column,
            }),
            None => reporter.at_value(
                &path,
                format!("un terme de « {name} » doit être un texte"),
                None,
            ),
        }
    }
    terms
}

/// Reports a key that is neither common, nor a taxonomy, nor in a schema, suggesting the
/// closest known one.
fn report_unknown_key(
    name: &str,
    config: &SiteConfig,
    section_name: &str,
    reporter: &mut FileReporter<'_>,
) {
    let candidates: Vec<&str> = crate::config::COMMON_KEYS
        .iter()
        .copied()
        .chain(config.taxonomies.iter().map(|t| t.name.as_str()))
        .collect();
    let hint = match closest(name, candidates.iter().copied()) {
        Some(best) => {
            format!("vouliez-vous dire « {best} » ? Les champs libres vont sous « extra: »")
        }
        None => "les champs libres vont sous « extra: », en retrait".into(),
    };
    let where_ = if section_name.is_empty() {
        "cette page".to_string()
    } else {
        format!("la section « {section_name} »")
    };
    reporter.at_key(
        &[PathStep::Key(name.to_string())],
        format!("clé inconnue « {name} » : {where_} ne déclare pas ce champ"),
        Some(hint),
    );
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_page_without_a_date_is_published_on_its_edition_s_day_only_if_current() {
        let text = "title: T\nbase_url: https://x.org/\nedition: { name: Automne 2017, date: 2017-10-02 }\n";
        let config = crate::config::parse(text).0.unwrap();
        let mut meta = PageMeta::default();
        assert_eq!(meta.edition_of(&config), Some("Automne 2017"));
        assert_eq!(meta.published(&config), Some("2017-10-02"));
        meta.edition = Some("Printemps 2016".into());
        assert_eq!(meta.published(&config), None);
        meta.date = Some("2016-04-01".into());
        assert_eq!(meta.published(&config), Some("2016-04-01"));
    }

    #[test]
    fn aliases_must_stay_inside_the_site() {
        assert!(alias_problem("/ancienne/").is_none());
        assert!(alias_problem("/../etc").is_some());
        assert!(alias_problem("relative/").is_some());
        assert!(alias_problem("/a\\b").is_some());
        assert!(alias_problem("/con/").is_some());
    }

    #[test]
    fn folder_urls_are_slugified() {
        assert_eq!(
            folder_url(Path::new("Études de cas/2024")),
            "etudes-de-cas/2024/"
        );
        assert_eq!(folder_url(Path::new("")), "");
    }
}
