//! The PDF of the printed edition, kept between builds so that `guide build` publishes it.
//!
//! Printing needs Chromium and takes seconds, so `guide build` does not print: `guide pdf`
//! prints, then stores the PDF beside the build cache (`.guide-cache/<output>.pdf`) with the
//! fingerprint of what it was printed from (`.guide-cache/<output>.pdf.empreinte`: the
//! fingerprint and the page count). Every later build (`guide pdf` runs one at once):
//!
//! 1. computes the fingerprint of its inputs ([`inputs_fingerprint`]: `guide.yaml`, the files
//!    of `content/`, of the theme and of `static/` by size and modification time,
//!    `--base-url`, `--drafts`);
//! 2. when the stored PDF has that fingerprint, copies it into the output as
//!    `reader.print.pdf` and gives templates `config.pdf` (`url`, `size`, `pages`), for the
//!    link on the printed edition and in the footer;
//! 3. when it has another one, leaves it out, with a warning that says to run `guide pdf`:
//!    a PDF that no longer matches the site is never published.

use std::path::{Path, PathBuf};

use serde::Serialize;

use crate::diagnostic::Diagnostic;

/// What templates get as `config.pdf`.
#[derive(Debug, Clone, Serialize)]
pub struct PdfContext {
    /// Its URL path.
    pub url: String,
    /// Its size in French (« 579,1 Ko »).
    pub size: String,
    /// Its number of pages.
    pub pages: u32,
}

/// Where the PDF of the output folder `output` is stored.
pub fn stored_path(output: &Path) -> PathBuf {
    crate::cache::beside(output, "pdf")
}

fn stamp_path(pdf: &Path) -> PathBuf {
    let mut name = pdf.as_os_str().to_owned();
    name.push(".empreinte");
    PathBuf::from(name)
}

/// The fingerprint of what a build of `root` reads (see the module's doc).
pub fn inputs_fingerprint(root: &Path, theme: &str, base_url: Option<&str>, drafts: bool) -> u64 {
    let mut files = Vec::new();
    for dir in [
        root.join("content"),
        root.join("themes").join(theme),
        root.join("static"),
    ] {
        for entry in walkdir::WalkDir::new(&dir)
            .follow_links(false)
            .sort_by_file_name()
            .into_iter()
            .flatten()
        {
            let stamp = crate::cache::Stamp::of(entry.path());
            files.push((entry.into_path(), stamp.map(|s| (s.len, s.modified_ns))));
        }
    }
    let config = std::fs::read(root.join(crate::config::CONFIG_FILE)).unwrap_or_default();
    crate::fingerprint::hash_with(|h| {
        use std::hash::Hash;
        files.hash(h);
        config.hash(h);
        base_url.hash(h);
        drafts.hash(h);
    })
}

/// Stores `pdf` for the builds of `output` with the fingerprint it was printed under.
pub fn store(output: &Path, pdf: &[u8], fingerprint: u64, pages: u32) -> std::io::Result<()> {
    let path = stored_path(output);
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir)?;
    }
    let partial = path.with_extension("pdf.partiel");
    std::fs::write(&partial, pdf)?;
    std::fs::rename(&partial, &path)?;
    std::fs::write(stamp_path(&path), format!("{fingerprint:016x}\n{pages}\n"))
}

/// The stored PDF of `output` when it matches `fingerprint`; a warning when one is stored but
/// out of date; nothing when none is stored.
pub fn published(
    output: &Path,
    to: &str,
    fingerprint: u64,
) -> (Option<crate::config::PublishedPdf>, Option<Diagnostic>) {
    let from = stored_path(output);
    let Ok(metadata) = std::fs::metadata(&from) else {
        return (None, None);
    };
    let stamp = std::fs::read_to_string(stamp_path(&from)).unwrap_or_default();
    let mut lines = stamp.lines();
    let stored = lines.next().and_then(|l| u64::from_str_radix(l, 16).ok());
    let pages = lines.next().and_then(|l| l.parse().ok()).unwrap_or(0);
    if stored != Some(fingerprint) {
        let warning = Diagnostic::warning(format!(
            "le PDF du guide ({}) date d'avant les dernières modifications du site : il n'est pas publié",
            from.display()
        ))
        .with_hint("relancez « guide pdf » pour l'imprimer à nouveau et le publier avec le site");
        return (None, Some(warning));
    }
    (
        Some(crate::config::PublishedPdf {
            from,
            to: to.to_string(),
            bytes: metadata.len(),
            pages,
        }),
        None,
    )
}
