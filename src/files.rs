//! The files a build produces, as plain data handed from the stages that make them (`render`,
//! `feeds`, `search`, `cms`) to the one that writes them (`output`). No dependencies.

use std::path::PathBuf;

/// A file to write, relative to the output folder.
#[derive(Debug, Clone)]
pub struct OutputFile {
    /// Relative path with `/` separators, e.g. `projets/fiche/index.html`.
    pub path: String,
    /// Its bytes.
    pub contents: Vec<u8>,
    /// The source that produced it, for duplicate-URL messages.
    pub origin: PathBuf,
}

/// A file to copy as is.
#[derive(Debug, Clone)]
pub struct CopyFile {
    /// Absolute source path.
    pub from: PathBuf,
    /// Relative destination with `/` separators.
    pub to: String,
}
