//! The build cache: what `guide build` keeps beside its output so that the next build renders
//! only what changed ([`crate::pipeline`] uses it; `--no-cache` ignores it).
//!
//! One file, `.guide-cache/<output folder's name>.bin` beside the output folder, safe to
//! delete (the folder also keeps the output before the current one, `<name>.prev`: see
//! `output::previous`). It holds:
//! - the rendered bodies, each with the key it was rendered under (its text, path, first line
//!   and the site's link targets); their HTML is in a second file, `<name>.bodies`
//!   (`cache/bodies.rs`);
//! - what loading each Markdown file found ([`crate::content::LoadMemo`]);
//! - for every written file, what it read ([`crate::deps::Input`]) with each input's
//!   fingerprint, and the file's size and modification time once written;
//! - the search index's parts, each with its files, its words and a key of what its records
//!   were made from.
//!
//! The file starts with a header: the generator's version, the executable and the build's
//! settings (`guide.yaml`'s bytes, `--base-url`, `--drafts`, `--no-search`). A cache from
//! another version or other settings, or one that cannot be read whole, is ignored with a
//! note, never trusted. A written file is reused only if it is still in the output as the
//! last build left it (same size and modification time): a file edited by hand is rendered
//! again.

use std::collections::HashMap;
use std::hash::Hash;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::deps::Input;
use crate::fingerprint::hash_with;
pub use bodies::BodiesFile;

mod bodies;
use crate::markdown::{Rendered, TocEntry};

/// Changes whenever the layout of [`Stored`] does, or what one of its fingerprints covers.
const FORMAT: u32 = 10;
const MAGIC: &str = "guide-cache";
/// The folder of cache files, beside the output folder.
pub const DIR: &str = ".guide-cache";

/// Where the cache of the output folder `output` lives.
pub fn path_for(output: &Path) -> PathBuf {
    beside(output, "bin")
}

/// `.guide-cache/<output folder's name>.<extension>` beside the output folder.
pub fn beside(output: &Path, extension: &str) -> PathBuf {
    let name = output
        .file_name()
        .map_or_else(|| "public".into(), |n| n.to_string_lossy().into_owned());
    output
        .parent()
        .unwrap_or(Path::new("."))
        .join(DIR)
        .join(format!("{name}.{extension}"))
}

/// A file's size, modification time and identity (device and inode, on Unix): a reused file
/// must still have them all.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Stamp {
    pub(crate) len: u64,
    pub(crate) modified_ns: u128,
    /// Device and inode; `(0, 0)` where the system has none.
    file: (u64, u64),
}

impl Stamp {
    /// The stamp of the file at `path`, if it is a plain file.
    pub fn of(path: &Path) -> Option<Self> {
        let meta = std::fs::symlink_metadata(path).ok()?;
        if !meta.is_file() {
            return None;
        }
        let modified = meta.modified().ok()?;
        let modified_ns = modified
            .duration_since(std::time::UNIX_EPOCH)
            .ok()?
            .as_nanos();
        #[cfg(unix)]
        let file = {
            use std::os::unix::fs::MetadataExt;
            (meta.dev(), meta.ino())
        };
        #[cfg(not(unix))]
        let file = (0, 0);
        Some(Self {
            len: meta.len(),
            modified_ns,
            file,
        })
    }

    /// Whether both stamps are of one file (a hard link is the file it links to); never
    /// where the system tells no identity.
    pub fn same_file(&self, other: &Self) -> bool {
        self.file == other.file && self.file != (0, 0)
    }
}

/// What the written files read. After a build every input has one fingerprint, whichever
/// file read it (a file is reused only when its inputs kept theirs, and the others were read
/// in this build's state): each input is stored once, and files name their inputs by index.
/// On 10 000 pages that is a fifth of the size of a list of inputs per file.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct StoredOutputs {
    /// Every input some file read, with its fingerprint.
    pub inputs: Vec<(Input, u64)>,
    /// Every written file, by its path in the output.
    pub files: HashMap<String, StoredOutput>,
}

/// A written file: what it read, and its stamp in the output.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct StoredOutput {
    /// The inputs it read, as indices in [`StoredOutputs::inputs`].
    pub inputs: Vec<u32>,
    /// The file as written.
    pub stamp: Stamp,
}

/// A part of the search index ([`crate::search::Layout`]) as the last build wrote it.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct StoredPart {
    /// What its records were made from (`pipeline`'s part keys).
    pub key: u64,
    /// Each of its files, with its stamp.
    pub files: Vec<(String, Stamp)>,
    /// The words of its records.
    pub lexicon: crate::search::Lexicon,
}

/// A part of the search index the last output can give: its files, with their stamps, and
/// its words.
pub type ReusablePart = (Vec<(String, Stamp)>, crate::search::Lexicon);

impl StoredPart {
    /// The part's files (relative to `output`, with their stamps) and words, when they were
    /// made under the same `key` and the files are still in `output` as they were written.
    pub fn reusable(&self, key: u64, output: &Path) -> Option<ReusablePart> {
        let intact = self
            .files
            .iter()
            .all(|(path, stamp)| Stamp::of(&output.join(path)) == Some(*stamp));
        (self.key == key && intact).then(|| (self.files.clone(), self.lexicon.clone()))
    }
}

/// The rendered bodies as stored, by source path (for messages), with the key each was
/// rendered under; their HTML is in `file`.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct StoredBodies {
    bodies: HashMap<PathBuf, (u64, StoredBody)>,
    /// The pages' cards by source path.
    cards: HashMap<PathBuf, bodies::StoredCard>,
    file: BodiesFile,
}

/// A rendered body as stored: its HTML is a range of the bodies file (`cache/bodies.rs`).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct StoredBody {
    /// Start and length of the HTML in the bodies file's text.
    html: (u64, u64),
    summary: Option<String>,
    toc: Vec<TocEntry>,
    word_count: usize,
    diagnostics: Vec<crate::diagnostic::Kept>,
}

impl StoredBody {
    /// `rendered`, whose HTML is at `range` of the bodies file's text.
    fn new(rendered: Rendered, range: std::ops::Range<usize>) -> Self {
        Self {
            html: (range.start as u64, range.len() as u64),
            summary: rendered.summary,
            toc: rendered.toc,
            word_count: rendered.word_count,
            diagnostics: rendered.diagnostics.into_iter().map(Into::into).collect(),
        }
    }
}

/// What a build keeps for the next one.
#[derive(Debug, Default, Serialize, Deserialize)]
pub struct Stored {
    /// Rendered bodies by source path (for messages), with the key they were rendered under,
    /// and the file of their HTML.
    bodies: StoredBodies,
    /// Its text, once read.
    #[serde(skip)]
    bodies_text: Option<std::sync::Arc<String>>,
    /// [`outputs_key`] when the outputs were written: outputs are reused only under the same.
    pub outputs_key: u64,
    /// What the written files read.
    pub outputs: StoredOutputs,
    /// The search index's parts, by number, when one was built.
    pub index: HashMap<u32, StoredPart>,
    /// What loading each Markdown file found.
    pub loads: crate::content::LoadMemo,
}

#[derive(Debug, Serialize, Deserialize)]
struct Header {
    magic: String,
    format: u32,
    /// The generator's version and settings ([`settings_key`]).
    settings: u64,
}

/// The generator (version and executable) and the settings of a build: a cache made under
/// others is ignored.
pub fn settings_key(config_bytes: &[u8], options: &impl Hash) -> u64 {
    let executable = std::env::current_exe().ok().and_then(|exe| Stamp::of(&exe));
    hash_with(|h| {
        env!("CARGO_PKG_VERSION").hash(h);
        executable.map(|s| (s.len, s.modified_ns)).hash(h);
        config_bytes.hash(h);
        options.hash(h);
    })
}

/// The inputs of every output that page edits do not reach through [`crate::deps`]: the
/// theme's files, the static files, the files of `content/` that are copied (whose paths a
/// reused file could clash with), the sections' own files and the build's date. Outputs are
/// reused only when it is unchanged.
pub fn outputs_key(
    root: &Path,
    theme: &str,
    site: &crate::content::Site,
    date: &str,
    published_pdf: Option<&Path>,
) -> u64 {
    let mut files = Vec::new();
    // The published PDF's size is in every page's footer.
    if let Some(pdf) = published_pdf {
        // Its stamp alone: its path depends on how the output folder is named.
        let stamp = Stamp::of(pdf);
        files.push((PathBuf::new(), stamp.map(|s| (s.len, s.modified_ns))));
    }
    for dir in [root.join("themes").join(theme), root.join("static")] {
        for entry in walkdir::WalkDir::new(&dir)
            .follow_links(false)
            .sort_by_file_name()
            .into_iter()
            .flatten()
        {
            let stamp = Stamp::of(entry.path()).map(|s| (s.len, s.modified_ns));
            // Relative to the site: `--root .` and `--root /chemin/du/site` are one site.
            let path = entry.path().strip_prefix(root).unwrap_or(entry.path());
            files.push((path.to_path_buf(), stamp));
        }
    }
    hash_with(|h| {
        files.hash(h);
        date.hash(h);
        for asset in &site.assets {
            (&asset.source, &asset.output).hash(h);
        }
        for section in &site.sections {
            (
                &section.index.display_path,
                section.index.front_matter_hash,
                &section.index.body,
                section.parent,
            )
                .hash(h);
        }
    })
}

/// Reads the cache at `path` made under `settings`. `Err` holds the note to show when a cache
/// exists but cannot be used; a missing cache is `Ok(None)`.
pub fn load(path: &Path, settings: u64) -> Result<Option<Stored>, String> {
    // The bodies file (the larger) is read while the cache is decoded.
    let (stored, unchecked) = std::thread::scope(|scope| {
        let bodies = scope.spawn(|| bodies::read(path));
        let stored = decode(path, settings);
        (stored, bodies.join().ok().flatten())
    });
    let Some(mut stored) = stored? else {
        return Ok(None);
    };
    if !stored.bodies.bodies.is_empty() || !stored.bodies.cards.is_empty() {
        let text = unchecked
            .and_then(|unchecked| unchecked.text(stored.bodies.file))
            .filter(|text| (stored.bodies.bodies.values()).all(|(_, body)| body.within(text)))
            .filter(|text| (stored.bodies.cards.values()).all(|card| card.card(text).is_some()))
            .ok_or("cache abîmé : construction complète")?;
        stored.bodies_text = Some(text);
    }
    Ok(Some(stored))
}

/// The cache at `path`, decoded, without its bodies' text; `Ok(None)` when there is none.
fn decode(path: &Path, settings: u64) -> Result<Option<Stored>, String> {
    let bytes = match std::fs::read(path) {
        Ok(bytes) => bytes,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(format!("cache illisible ({e}) : construction complète")),
    };
    let (header, rest): (Header, &[u8]) =
        postcard::take_from_bytes(&bytes).map_err(|_| "cache abîmé : construction complète")?;
    if header.magic != MAGIC || header.format != FORMAT {
        return Err("cache d'un autre format : construction complète".into());
    }
    if header.settings != settings {
        return Err(
            "cache d'une autre version de guide ou d'autres réglages : construction complète"
                .into(),
        );
    }
    let stored: Stored =
        postcard::from_bytes(rest).map_err(|_| "cache abîmé : construction complète")?;
    Ok(Some(stored))
}

impl StoredBody {
    /// Whether its HTML lies in `text`, at character boundaries.
    fn within(&self, text: &str) -> bool {
        let (start, len) = self.html;
        let (Ok(start), Ok(len)) = (usize::try_from(start), usize::try_from(len)) else {
            return false;
        };
        start
            .checked_add(len)
            .and_then(|end| text.get(start..end))
            .is_some()
    }
}

impl Stored {
    /// A cache of `bodies` (as [`store_bodies`] wrote them), `outputs` under `outputs_key`,
    /// the search `index` and the load memo `loads`.
    pub fn new(
        bodies: StoredBodies,
        outputs_key: u64,
        outputs: StoredOutputs,
        index: HashMap<u32, StoredPart>,
        loads: crate::content::LoadMemo,
    ) -> Self {
        Self {
            bodies,
            bodies_text: None,
            outputs_key,
            outputs,
            index,
            loads,
        }
    }

    /// The stored bodies, by source path, with the key each was rendered under.
    pub fn take_bodies(&mut self) -> HashMap<PathBuf, (u64, Rendered)> {
        let Some(text) = self.bodies_text.clone() else {
            return HashMap::new();
        };
        std::mem::take(&mut self.bodies.bodies)
            .into_iter()
            .filter_map(|(path, (key, body))| Some((path, (key, bodies::rendered(body, &text)?))))
            .collect()
    }

    /// The stored cards, by source path, with the key each was rendered under.
    pub fn take_cards(&mut self) -> HashMap<PathBuf, (u64, crate::cards::Cards)> {
        let Some(text) = self.bodies_text.clone() else {
            return HashMap::new();
        };
        std::mem::take(&mut self.bodies.cards)
            .into_iter()
            .filter_map(|(path, card)| Some((path, card.card(&text)?)))
            .collect()
    }

    /// The bodies file read, with its text, for [`store_bodies`].
    pub fn bodies_read(&self) -> Option<(std::sync::Arc<String>, BodiesFile)> {
        self.bodies_text
            .clone()
            .map(|text| (text, self.bodies.file))
    }
}

/// Writes the HTML of `bodies` and `cards` beside the cache at `path`, appended to the bodies
/// file `read` ([`Stored::bodies_read`]) when most of it is still used; returns them as the
/// cache stores them.
pub fn store_bodies(
    path: &Path,
    read: Option<&(std::sync::Arc<String>, BodiesFile)>,
    bodies: HashMap<PathBuf, (u64, Rendered)>,
    cards: HashMap<PathBuf, (u64, crate::cards::Cards)>,
) -> Result<StoredBodies, String> {
    let dir = path.parent().unwrap_or(Path::new("."));
    std::fs::create_dir_all(dir).map_err(|e| e.to_string())?;
    bodies::write(path, read.map(|(text, file)| (text, *file)), bodies, cards)
        .map_err(|e| e.to_string())
}

/// Writes the cache at `path` (through a temporary file, so that a killed build leaves the
/// previous cache or none, never half of one).
pub fn save(path: &Path, settings: u64, stored: &Stored) -> Result<(), String> {
    let header = Header {
        magic: MAGIC.into(),
        format: FORMAT,
        settings,
    };
    let dir = path.parent().unwrap_or(Path::new("."));
    std::fs::create_dir_all(dir).map_err(|e| e.to_string())?;
    let tmp = dir.join(format!(".tmp-{}", std::process::id()));
    // Streamed to the file: the bodies alone weigh tens of megabytes on a large site.
    let written = std::fs::File::create(&tmp)
        .map_err(|e| e.to_string())
        .and_then(|file| {
            let mut writer = std::io::BufWriter::with_capacity(1 << 20, file);
            postcard::to_io(&header, &mut writer).map_err(|e| e.to_string())?;
            postcard::to_io(stored, &mut writer).map_err(|e| e.to_string())?;
            writer
                .into_inner()
                .map_err(|e| e.error().to_string())
                .map(drop)
        })
        .and_then(|()| std::fs::rename(&tmp, path).map_err(|e| e.to_string()));
    if written.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    written
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_cache_from_other_settings_or_cut_short_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let path = path_for(&dir.path().join("public"));
        let stored = Stored {
            outputs_key: 7,
            ..Stored::default()
        };
        save(&path, 1, &stored).unwrap();
        assert_eq!(load(&path, 1).unwrap().unwrap().outputs_key, 7);
        assert!(load(&path, 2).unwrap_err().contains("autres réglages"));
        let bytes = std::fs::read(&path).unwrap();
        std::fs::write(&path, &bytes[..bytes.len() - 1]).unwrap();
        assert!(load(&path, 1).unwrap_err().contains("abîmé"));
        std::fs::remove_file(&path).unwrap();
        assert!(load(&path, 1).unwrap().is_none());
    }

    #[test]
    fn the_cache_lives_beside_the_output() {
        assert_eq!(
            path_for(Path::new("/site/public")),
            Path::new("/site/.guide-cache/public.bin")
        );
    }
}
