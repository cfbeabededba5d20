//! The rendered bodies' HTML, in a file of its own beside the cache
//! (`.guide-cache/<name>.bodies`): the tens of megabytes of a large site are read in one piece
//! and shared by the bodies ([`Html::shared`]), instead of being decoded string by string, and
//! a build appends only the bodies it rendered instead of writing them all again.
//!
//! The file is a header (a magic line and the file's id) followed by the bodies' HTML, one
//! after the other. The cache names the file's id and the length it uses; a body is a range of
//! that length. Bytes beyond it (appended by a build that was stopped before it wrote the
//! cache) are ignored, then overwritten. When less than half of the file is still used, the
//! next build writes a new one, under a new id, through a temporary file.

use std::collections::HashMap;
use std::io::{Seek, Write};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use serde::{Deserialize, Serialize};

use super::{StoredBodies, StoredBody};
use crate::cards::Cards;
use crate::markdown::{Html, Rendered};

const MAGIC: &[u8] = b"guide-bodies\n";
const HEADER: usize = MAGIC.len() + 8;

/// The bodies file a cache uses: its id and the length of its text.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct BodiesFile {
    id: u64,
    len: u64,
}

/// The bodies file of the cache at `cache`.
fn path_of(cache: &Path) -> PathBuf {
    cache.with_extension("bodies")
}

/// The bodies file of the cache at `cache` as it was read, before the cache says which file
/// and which length it uses ([`Unchecked::text`]): read while the cache is decoded.
pub(super) struct Unchecked {
    header: [u8; HEADER],
    bytes: Vec<u8>,
}

/// Reads the bodies file of the cache at `cache`; `None` when it is missing or too short.
pub(super) fn read(cache: &Path) -> Option<Unchecked> {
    use std::io::Read;
    let mut reader = std::fs::File::open(path_of(cache)).ok()?;
    let mut header = [0u8; HEADER];
    reader.read_exact(&mut header).ok()?;
    // Read in place: the text is tens of megabytes on a large site.
    let mut bytes = Vec::new();
    reader.read_to_end(&mut bytes).ok()?;
    Some(Unchecked { header, bytes })
}

impl Unchecked {
    /// The text of the bodies file `file`; `None` when this is another file or is shorter
    /// than the cache says.
    pub(super) fn text(self, file: BodiesFile) -> Option<Arc<String>> {
        let Self { header, mut bytes } = self;
        if header[..MAGIC.len()] != *MAGIC || header[MAGIC.len()..] != file.id.to_le_bytes() {
            return None;
        }
        let len = usize::try_from(file.len).ok()?;
        if bytes.len() < len {
            return None;
        }
        // Bytes beyond are those of a build stopped before it wrote the cache.
        bytes.truncate(len);
        simdutf8::basic::from_utf8(&bytes).ok()?;
        // SAFETY: simdutf8 has just checked that `bytes` are UTF-8 (the standard library's
        // check took half as long as reading the file).
        Some(Arc::new(unsafe { String::from_utf8_unchecked(bytes) }))
    }
}

/// The body `stored` with its HTML taken from `text`; `None` when its range is not in it.
pub(super) fn rendered(stored: StoredBody, text: &Arc<String>) -> Option<Rendered> {
    let (start, len) = stored.html;
    let start = usize::try_from(start).ok()?;
    let end = start.checked_add(usize::try_from(len).ok()?)?;
    let html = Html::shared(text, start..end)?;
    Some(Rendered {
        html,
        summary: stored.summary,
        toc: stored.toc,
        word_count: stored.word_count,
        diagnostics: stored.diagnostics.into_iter().map(Into::into).collect(),
    })
}

/// Writes the HTML of `bodies` and `cards` for the cache at `cache`: appended to the file
/// read by this build (`read`: its text and its [`BodiesFile`]), or to a new file when there is
/// none or most of it is no longer used. Returns them as stored and the file they are in.
pub(super) fn write(
    cache: &Path,
    read: Option<(&Arc<String>, BodiesFile)>,
    bodies: HashMap<PathBuf, (u64, Rendered)>,
    cards: HashMap<PathBuf, (u64, Cards)>,
) -> std::io::Result<StoredBodies> {
    let texts = (bodies.values().map(|(_, rendered)| &rendered.html))
        .chain(cards.values().flat_map(|(_, card)| [&card.h2, &card.h3]));
    let still_used: usize = texts
        .filter_map(|html| read.and_then(|(text, _)| html.range_in(text)))
        .map(|range| range.len())
        .sum();
    let append = read.filter(|(text, _)| still_used * 2 >= text.len());
    let mut placer = Placer {
        read: append.map(|(text, _)| text),
        len: append.map_or(0, |(text, _)| text.len()),
        added: Vec::new(),
    };
    let bodies = (bodies.into_iter())
        .map(|(path, (key, rendered))| {
            let range = placer.place(&rendered.html);
            (path, (key, StoredBody::new(rendered, range)))
        })
        .collect();
    let cards = (cards.into_iter())
        .map(|(path, (key, card))| {
            let (h2, h3) = (placer.place(&card.h2), placer.place(&card.h3));
            (path, StoredCard::new(key, h2, h3))
        })
        .collect();
    let len = placer.len as u64;
    let file = match append {
        Some((text, file)) => {
            append_to(&path_of(cache), text.len(), &placer.added)?;
            BodiesFile { id: file.id, len }
        }
        None => BodiesFile {
            id: write_new(&path_of(cache), &placer.added)?,
            len,
        },
    };
    Ok(StoredBodies {
        bodies,
        cards,
        file,
    })
}

/// Gives each HTML its range in the file: where it already is in the text read, else after
/// what is there, to be written.
struct Placer<'a> {
    read: Option<&'a Arc<String>>,
    len: usize,
    added: Vec<u8>,
}

impl Placer<'_> {
    fn place(&mut self, html: &Html) -> std::ops::Range<usize> {
        if let Some(range) = self.read.and_then(|text| html.range_in(text)) {
            return range;
        }
        self.added.extend_from_slice(html.as_bytes());
        self.len += html.len();
        self.len - html.len()..self.len
    }
}

/// A card as stored.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(super) struct StoredCard {
    /// The key it was rendered under.
    key: u64,
    /// Start and length of each HTML in the file's text.
    h2: (u64, u64),
    h3: (u64, u64),
}

impl StoredCard {
    fn new(key: u64, h2: std::ops::Range<usize>, h3: std::ops::Range<usize>) -> Self {
        let span = |r: std::ops::Range<usize>| (r.start as u64, r.len() as u64);
        Self {
            key,
            h2: span(h2),
            h3: span(h3),
        }
    }

    /// Its key and the card, with its HTML taken from `text`; `None` when a range is not in it.
    pub(super) fn card(&self, text: &Arc<String>) -> Option<(u64, Cards)> {
        let html = |(start, len): (u64, u64)| {
            let start = usize::try_from(start).ok()?;
            Html::shared(text, start..start.checked_add(usize::try_from(len).ok()?)?)
        };
        Some((
            self.key,
            Cards {
                h2: html(self.h2)?,
                h3: html(self.h3)?,
            },
        ))
    }
}

/// Writes `added` after the first `used` bytes of text of the file at `path` (what lies
/// beyond them is no body of the cache).
fn append_to(path: &Path, used: usize, added: &[u8]) -> std::io::Result<()> {
    let mut file = std::fs::OpenOptions::new().write(true).open(path)?;
    let end = (HEADER + used) as u64;
    file.set_len(end)?;
    file.seek(std::io::SeekFrom::Start(end))?;
    file.write_all(added)
}

/// Writes a new bodies file holding `text` at `path` (through a temporary file); returns its
/// id.
fn write_new(path: &Path, text: &[u8]) -> std::io::Result<u64> {
    let id = crate::fingerprint::hash_with(|h| {
        use std::hash::Hash;
        std::time::SystemTime::now().hash(h);
        std::process::id().hash(h);
    });
    let tmp = path.with_extension(format!("bodies-tmp-{}", std::process::id()));
    let written = std::fs::File::create(&tmp).and_then(|mut file| {
        file.write_all(MAGIC)?;
        file.write_all(&id.to_le_bytes())?;
        file.write_all(text)
    });
    let renamed = written.and_then(|()| std::fs::rename(&tmp, path));
    if renamed.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    renamed.map(|()| id)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn body(html: &str) -> Rendered {
        Rendered {
            html: html.to_string().into(),
            ..Rendered::default()
        }
    }

    fn bodies(pages: &[(&str, &str)]) -> HashMap<PathBuf, (u64, Rendered)> {
        pages
            .iter()
            .map(|(path, html)| (PathBuf::from(path), (0, body(html))))
            .collect()
    }

    /// The bodies as the next build reads them.
    fn reread(cache: &Path, stored: StoredBodies) -> (Arc<String>, HashMap<PathBuf, Rendered>) {
        let text = read(cache)
            .and_then(|unchecked| unchecked.text(stored.file))
            .expect("the bodies file is readable");
        let bodies = stored
            .bodies
            .into_iter()
            .map(|(path, (_, body))| (path, rendered(body, &text).expect("in the file")))
            .collect();
        (text, bodies)
    }

    fn file_len(cache: &Path) -> usize {
        std::fs::metadata(path_of(cache)).unwrap().len() as usize
    }

    #[test]
    fn a_build_appends_only_the_bodies_it_rendered_and_ignores_what_a_stopped_build_left() {
        let dir = tempfile::tempdir().unwrap();
        let cache = dir.path().join("public.bin");
        let stored = write(
            &cache,
            None,
            bodies(&[("a.md", "<p>été</p>"), ("b.md", "<p>B</p>")]),
            HashMap::new(),
        )
        .unwrap();
        let first = stored.file;
        let (text, read_back) = reread(&cache, stored);
        assert_eq!(read_back[Path::new("a.md")].html.as_str(), "<p>été</p>");
        let len = file_len(&cache);

        // b.md changed: only its new body is written, after the text the cache uses.
        let mut next: HashMap<PathBuf, (u64, Rendered)> = read_back
            .into_iter()
            .map(|(path, body)| (path, (0, body)))
            .collect();
        next.insert("b.md".into(), (0, body("<p>B modifié</p>")));
        let stored = write(&cache, Some((&text, first)), next, HashMap::new()).unwrap();
        let second = stored.file;
        assert_eq!(file_len(&cache), len + "<p>B modifié</p>".len());
        // The cache of the previous build still reads its bodies.
        assert!(read(&cache)
            .and_then(|unchecked| unchecked.text(first))
            .is_some());

        // A build stopped after appending leaves bytes the cache does not use.
        std::fs::OpenOptions::new()
            .append(true)
            .open(path_of(&cache))
            .unwrap()
            .write_all("<p>laissé par une construction arrêtée</p>".as_bytes())
            .unwrap();
        let (text, read_back) = reread(&cache, stored);
        assert_eq!(
            read_back[Path::new("b.md")].html.as_str(),
            "<p>B modifié</p>"
        );
        let mut next: HashMap<PathBuf, (u64, Rendered)> = read_back
            .into_iter()
            .map(|(path, body)| (path, (0, body)))
            .collect();
        next.insert("c.md".into(), (0, body("<p>C</p>")));
        let stored = write(&cache, Some((&text, second)), next, HashMap::new()).unwrap();
        let (_, read_back) = reread(&cache, stored);
        assert_eq!(read_back[Path::new("c.md")].html.as_str(), "<p>C</p>");
        assert_eq!(file_len(&cache), HEADER + text.len() + "<p>C</p>".len());
    }

    #[test]
    fn a_file_mostly_unused_is_written_anew_and_a_cut_or_other_file_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let cache = dir.path().join("public.bin");
        let big = "<p>long</p>".repeat(100);
        let stored = write(
            &cache,
            None,
            bodies(&[("a.md", &big), ("b.md", "<p>B</p>")]),
            HashMap::new(),
        )
        .unwrap();
        let first = stored.file;
        let (text, read_back) = reread(&cache, stored);

        // a.md is gone: most of the file is no longer used, so a new one is written.
        let next = read_back
            .into_iter()
            .filter(|(path, _)| path != Path::new("a.md"))
            .map(|(path, body)| (path, (0, body)))
            .collect();
        let stored = write(&cache, Some((&text, first)), next, HashMap::new()).unwrap();
        let second = stored.file;
        assert_ne!(second, first);
        assert_eq!(file_len(&cache), HEADER + "<p>B</p>".len());
        assert!(
            read(&cache)
                .and_then(|unchecked| unchecked.text(first))
                .is_none(),
            "the old cache names another file"
        );
        let (_, read_back) = reread(&cache, stored);
        assert_eq!(read_back[Path::new("b.md")].html.as_str(), "<p>B</p>");

        // Cut short: refused.
        let bytes = std::fs::read(path_of(&cache)).unwrap();
        std::fs::write(path_of(&cache), &bytes[..bytes.len() - 1]).unwrap();
        assert!(read(&cache)
            .and_then(|unchecked| unchecked.text(second))
            .is_none());
    }
}
