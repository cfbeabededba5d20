//! What loading each Markdown file found, kept by `guide build`'s cache ([`crate::cache`]) so
//! that the next build takes a file whose text has not changed without parsing its front
//! matter again (that parse was a third of a build's time after a one-page edit).
//!
//! An entry is used only when the file's text, its section and whether it is a section's
//! `_index.md` are those it was made from, and the local image its front matter names is
//! still there, or still missing. The rest of what loading a file depends on (`guide.yaml`,
//! the generator) is in the cache's settings: a cache made under others is not read.
//!
//! Each entry is kept encoded (postcard): the cache reads and writes its bytes as they are,
//! a build decodes the entries of the files it takes (in parallel, while it loads them) and
//! encodes only those of the files it parsed. At 10 000 pages, encoding every entry again and
//! decoding them all in one thread took a tenth of a build after a one-page edit.

use std::collections::HashMap;
use std::hash::Hash;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use super::{Page, PageMeta, CONTENT_DIR};
use crate::diagnostic::{Diagnostic, Kept};
use crate::ids::SectionId;

/// What loading each Markdown file found, by its path relative to `content/`.
#[derive(Debug, Default, Clone, Serialize, Deserialize)]
pub struct LoadMemo {
    files: HashMap<PathBuf, Entry>,
}

/// What loading one file found, encoded, with the [`key`] of what it was made from.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(super) struct Entry {
    key: u64,
    /// A [`Loaded`], encoded.
    #[serde(with = "serde_bytes")]
    loaded: Vec<u8>,
}

/// What loading one file found.
#[derive(Debug, Serialize, Deserialize)]
pub(super) struct Loaded {
    meta: PageMeta,
    path: String,
    body_line: usize,
    front_matter_hash: u64,
    unread_keys: Vec<String>,
    diagnostics: Vec<Kept>,
    /// The page's own warnings (`content::own_warnings`).
    own: Vec<Kept>,
    /// The local image of the front matter, and whether it was found.
    image: Option<(PathBuf, bool)>,
}

/// What a file's loading depends on, besides the settings: its text, its section's folder
/// and whether it is a section's `_index.md`.
pub(super) fn key(text: &str, section_name: &str, is_index: bool) -> u64 {
    crate::fingerprint::hash_with(|hasher| (text, section_name, is_index).hash(hasher))
}

impl LoadMemo {
    /// The entry of the file at `relative`, if there is one.
    pub(super) fn get(&self, relative: &Path) -> Option<&Entry> {
        self.files.get(relative)
    }

    /// Keeps what loading the file at `relative` found.
    pub(super) fn insert(&mut self, relative: PathBuf, loaded: Entry) {
        self.files.insert(relative, loaded);
    }

    /// How many files it holds.
    pub fn len(&self) -> usize {
        self.files.len()
    }

    /// Whether it holds none.
    pub fn is_empty(&self) -> bool {
        self.files.is_empty()
    }
}

impl Entry {
    /// What loading gave: `page`, the file's `diagnostics` and the page's `own` warnings, from
    /// text with `key`;
    /// `image` as [`Loaded::image`]. `None` if it cannot be encoded.
    pub(super) fn of(
        key: u64,
        page: &Page,
        (diagnostics, own): (&[Diagnostic], &[Diagnostic]),
        image: Option<(PathBuf, bool)>,
    ) -> Option<Self> {
        let loaded = Loaded {
            meta: page.meta.clone(),
            path: page.path.clone(),
            body_line: page.body_line,
            front_matter_hash: page.front_matter_hash,
            unread_keys: page.unread_keys.clone(),
            diagnostics: diagnostics.iter().cloned().map(Kept::from).collect(),
            own: own.iter().cloned().map(Kept::from).collect(),
            image,
        };
        let loaded = postcard::to_stdvec(&loaded).ok()?;
        Some(Self { key, loaded })
    }

    /// The page of `relative` in `section` and its diagnostics, when this entry was made from
    /// text with `key` and its image is as it was; `body` is the file's body.
    pub(super) fn page(
        &self,
        key: u64,
        content: &Path,
        relative: &Path,
        section: SectionId,
        body: &str,
    ) -> Option<(Page, Vec<Diagnostic>, Vec<Diagnostic>)> {
        if self.key != key {
            return None;
        }
        let loaded: Loaded = postcard::from_bytes(&self.loaded).ok()?;
        let image_as_it_was = (loaded.image.as_ref())
            .is_none_or(|(target, found)| content.join(target).is_file() == *found);
        if !image_as_it_was {
            return None;
        }
        let is_bundle = relative.file_name().is_some_and(|n| n == "index.md");
        let page = Page {
            source: relative.to_path_buf(),
            display_path: Path::new(CONTENT_DIR).join(relative),
            section,
            meta: loaded.meta,
            body: body.to_string(),
            body_line: loaded.body_line,
            path: loaded.path,
            bundle_dir: is_bundle.then(|| relative.parent().unwrap_or(Path::new("")).to_path_buf()),
            front_matter_hash: loaded.front_matter_hash,
            unread_keys: loaded.unread_keys,
        };
        let diagnostics = loaded
            .diagnostics
            .into_iter()
            .map(Diagnostic::from)
            .collect();
        let own = loaded.own.into_iter().map(Diagnostic::from).collect();
        Some((page, diagnostics, own))
    }
}
