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

/// Describes an I/O error in French; the system's own (English) text appears only in a
/// parenthesis, for the kinds that have no French description here.
pub fn describe_io_error(error: &io::Error) -> String {
    use io::ErrorKind::*;
    if error
        .get_ref()
        .is_some_and(|inner| inner.is::<NotRegularFile>())
    {
        return NotRegularFile.to_string();
    }
    let text = match error.kind() {
        NotFound => "fichier ou dossier introuvable",
        PermissionDenied => "permission refusée",
        AlreadyExists => "existe déjà",
        InvalidData => "contenu invalide (le fichier n'est pas en UTF-8 ?)",
        StorageFull => "disque plein",
        ReadOnlyFilesystem => "système de fichiers en lecture seule",
        IsADirectory => "c'est un dossier, pas un fichier",
        NotADirectory => "un élément du chemin est un fichier, pas un dossier",
        DirectoryNotEmpty => "le dossier n'est pas vide",
        FileTooLarge => "fichier trop gros",
        InvalidFilename => "nom de fichier invalide ou trop long",
        TooManyLinks => "trop de liens vers ce fichier",
        CrossesDevices => "impossible de déplacer d'un disque à un autre",
        ResourceBusy | ExecutableFileBusy => "fichier occupé par un autre programme",
        Interrupted => "opération interrompue",
        OutOfMemory => "mémoire insuffisante",
        TimedOut => "délai dépassé",
        UnexpectedEof => "fin de fichier inattendue",
        Unsupported => "opération que ce système ne permet pas",
        StaleNetworkFileHandle => "fichier réseau devenu inaccessible",
        WouldBlock => "ressource momentanément indisponible",
        InvalidInput => "demande invalide pour ce fichier",
        BrokenPipe => "communication interrompue",
        _ => return format!("erreur du système ({error})"),
    };
    text.into()
}

/// The error of a read of something that is not a regular file: a named pipe (FIFO), a device
/// or a socket, whose read could block forever or never end.
#[derive(Debug)]
struct NotRegularFile;

impl std::fmt::Display for NotRegularFile {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("ce n'est pas un fichier ordinaire (tube nommé, périphérique ou socket)")
    }
}

impl std::error::Error for NotRegularFile {}

/// Opens a regular file for reading, with its size. A named pipe is opened without waiting
/// for a writer (`O_NONBLOCK`), then refused like a device or a folder: a read never blocks.
fn open_regular(path: &Path) -> io::Result<(std::fs::File, u64)> {
    let mut options = std::fs::OpenOptions::new();
    options.read(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.custom_flags(libc::O_NONBLOCK);
    }
    let file = options.open(path)?;
    let meta = file.metadata()?;
    if meta.is_dir() {
        return Err(io::ErrorKind::IsADirectory.into());
    }
    if !meta.is_file() {
        return Err(io::Error::other(NotRegularFile));
    }
    Ok((file, meta.len()))
}

/// `file` as a reader that reads to its end without asking the system for its size and
/// position again (a `File`'s own `read_to_end` does: two calls more for each of the ten
/// thousand files a large site reads, whose size `open_regular` has just given).
fn unsized_reader(file: std::fs::File) -> io::Take<std::fs::File> {
    io::Read::take(file, u64::MAX)
}

/// Whether a file of type `kind` (read without following links) is neither a regular file,
/// nor a folder, nor a link: a named pipe, a device or a socket.
pub fn is_special(kind: std::fs::FileType) -> bool {
    !kind.is_file() && !kind.is_dir() && !kind.is_symlink()
}

/// What [`is_special`] files are, for a warning.
pub const SPECIAL_FILE: &str =
    "ce n'est pas un fichier ordinaire (tube nommé, périphérique ou socket)";

fn wrap<T>(action: &'static str, path: &Path, result: io::Result<T>) -> Result<T, FsError> {
    result.map_err(|source| FsError {
        action,
        path: path.to_path_buf(),
        source,
    })
}

/// Reads a whole regular file as bytes.
pub fn read(path: &Path) -> Result<Vec<u8>, FsError> {
    let read = |path| -> io::Result<Vec<u8>> {
        let (file, size) = open_regular(path)?;
        let mut bytes = Vec::with_capacity(usize::try_from(size).unwrap_or(0));
        io::Read::read_to_end(&mut unsized_reader(file), &mut bytes)?;
        Ok(bytes)
    };
    wrap("lire", path, read(path))
}

/// Reads a whole regular file as UTF-8 text.
pub fn read_to_string(path: &Path) -> Result<String, FsError> {
    let read = |path| -> io::Result<String> {
        let (file, size) = open_regular(path)?;
        let mut text = String::with_capacity(usize::try_from(size).unwrap_or(0));
        io::Read::read_to_string(&mut unsized_reader(file), &mut text)?;
        Ok(text)
    };
    wrap("lire", path, read(path))
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_operating_system_error_is_described_in_french() {
        // Linux error numbers 1 to 133: each description is one of ours, in French; the
        // system's English text may only follow in a parenthesis.
        for code in 1..=133 {
            let error = io::Error::from_raw_os_error(code);
            let text = describe_io_error(&error);
            let english = error.to_string();
            let before_parenthesis = text.split(" (").next().unwrap_or_default();
            assert!(
                !before_parenthesis.contains(english.split(" (os error").next().unwrap()),
                "code {code}: {text}"
            );
            assert!(!text.starts_with(char::is_uppercase), "code {code}: {text}");
        }
    }

    #[test]
    fn reading_a_folder_or_a_fifo_says_what_it_is_and_does_not_block() {
        let dir = tempfile::tempdir().unwrap();
        let error = read_to_string(dir.path()).unwrap_err().to_string();
        assert!(error.contains("est un dossier"), "{error}");
        let fifo = dir.path().join("tube");
        let c_path = std::ffi::CString::new(fifo.as_os_str().as_encoded_bytes()).unwrap();
        // SAFETY: a valid NUL-terminated path; mkfifo only creates a file.
        assert_eq!(unsafe { libc::mkfifo(c_path.as_ptr(), 0o644) }, 0);
        let error = read(&fifo).unwrap_err().to_string();
        assert!(error.contains("n'est pas un fichier ordinaire"), "{error}");
        assert!(error.contains("tube"), "{error}");
    }
}
