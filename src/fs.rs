//! File-system helpers whose errors always name the path involved.
//!
//! Every read or write of the generator goes through here, so that an I/O error reaching the
//! user says which file failed ("impossible de lire `content/a.md` : permission refusée").

use std::io;
use std::path::{Path, PathBuf};

/// An I/O error with the path it happened on.
#[derive(Debug)]
pub struct FsError {
    /// What was being done, in French ("lire", "écrire", "créer le dossier").
    pub action: &'static str,
    /// The path involved.
    pub path: PathBuf,
    /// The underlying error.
    pub source: io::Error,
}

impl std::fmt::Display for FsError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let elided = self.action.starts_with(['a', 'e', 'é', 'i', 'o', 'u']);
        write!(
            f,
            "impossible {}{} « {} » : {}",
            if elided { "d’" } else { "de " },
            self.action,
            self.path.display(),
            describe_io_error(&self.source)
        )
    }
}

impl std::error::Error for FsError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        Some(&self.source)
    }
}

/// Describes an I/O error in French for the common kinds.
pub fn describe_io_error(error: &io::Error) -> String {
    use io::ErrorKind::*;
    match error.kind() {
        NotFound => "fichier ou dossier introuvable".into(),
        PermissionDenied => "permission refusée".into(),
        AlreadyExists => "existe déjà".into(),
        InvalidData => "contenu invalide (le fichier n'est pas en UTF-8 ?)".into(),
        StorageFull => "disque plein".into(),
        ReadOnlyFilesystem => "système de fichiers en lecture seule".into(),
        _ => error.to_string(),
    }
}

fn wrap<T>(action: &'static str, path: &Path, result: io::Result<T>) -> Result<T, FsError> {
    result.map_err(|source| FsError {
        action,
        path: path.to_path_buf(),
        source,
    })
}

/// Reads a whole file as bytes.
pub fn read(path: &Path) -> Result<Vec<u8>, FsError> {
    wrap("lire", path, std::fs::read(path))
}

/// Reads a whole file as UTF-8 text.
pub fn read_to_string(path: &Path) -> Result<String, FsError> {
    wrap("lire", path, std::fs::read_to_string(path))
}

/// Writes a whole file, creating it or truncating it.
pub fn write(path: &Path, contents: &[u8]) -> Result<(), FsError> {
    wrap("écrire", path, std::fs::write(path, contents))
}

/// Creates a folder and its parents.
pub fn create_dir_all(path: &Path) -> Result<(), FsError> {
    wrap("créer le dossier", path, std::fs::create_dir_all(path))
}

/// Removes a folder and everything in it; a folder that does not exist is not an error.
pub fn remove_dir_all(path: &Path) -> Result<(), FsError> {
    match std::fs::remove_dir_all(path) {
        Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(()),
        other => wrap("supprimer", path, other),
    }
}

/// Renames a file or folder.
pub fn rename(from: &Path, to: &Path) -> Result<(), FsError> {
    wrap("renommer", from, std::fs::rename(from, to))
}

/// Copies a file.
pub fn copy(from: &Path, to: &Path) -> Result<(), FsError> {
    wrap("copier", from, std::fs::copy(from, to).map(|_| ()))
}
