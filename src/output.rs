//! Writing the site: into a temporary folder beside the output, swapped in only when every
//! file was written. A failed build leaves the last good output as it was.
//!
//! Steps:
//! 1. clean leftovers of interrupted builds (`.public.tmp-*`), and put back an old output
//!    left aside by a build killed in the middle of the swap;
//! 2. write every file and copy every asset into `.public.tmp-<pid>`, in parallel;
//! 3. rename the old output aside, rename the new one in, remove the old one.
//!
//! This is the only stage that writes to the output folder.

use std::path::{Component, Path, PathBuf};

use rayon::prelude::*;

use crate::diagnostic::Diagnostic;
use crate::render::{CopyFile, OutputFile};

fn sibling(output: &Path, kind: &str) -> PathBuf {
    let name = output
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "public".into());
    let parent = output.parent().unwrap_or(Path::new("."));
    parent.join(format!(".{name}.{kind}-{}", std::process::id()))
}

fn leftovers(output: &Path, kind: &str) -> Vec<PathBuf> {
    let name = output
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let parent = match output.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    };
    let prefix = format!(".{name}.{kind}-");
    let Ok(entries) = std::fs::read_dir(parent) else {
        return Vec::new();
    };
    let mut found: Vec<PathBuf> = entries
        .flatten()
        .filter(|e| e.file_name().to_string_lossy().starts_with(&prefix))
        .map(|e| e.path())
        .collect();
    found.sort();
    found
}

/// Whether `path` (relative, `/` separators) stays inside the output folder.
pub fn is_safe_relative(path: &str) -> bool {
    !path.is_empty()
        && !path.starts_with('/')
        && !path.contains('\\')
        && Path::new(path)
            .components()
            .all(|c| matches!(c, Component::Normal(_)))
}

fn fs_error(e: crate::fs::FsError) -> Diagnostic {
    let hint = match e.source.kind() {
        std::io::ErrorKind::PermissionDenied | std::io::ErrorKind::ReadOnlyFilesystem => {
            "vérifiez que le dossier de sortie est accessible en écriture, ou choisissez-en un autre avec --output"
        }
        std::io::ErrorKind::StorageFull => "libérez de la place sur le disque puis relancez la construction",
        _ => "le site précédent est resté en place ; corrigez le problème puis relancez",
    };
    Diagnostic::error(e.to_string()).with_hint(hint)
}

/// Writes `files` and `copies` as the new content of `output`.
pub fn write_site(
    output: &Path,
    files: Vec<OutputFile>,
    copies: Vec<CopyFile>,
) -> Result<(), Vec<Diagnostic>> {
    let staging = Staging::begin(output)?;
    staging.write(files, copies)?;
    staging.commit()
}

/// A new output being written aside, in several batches (the pages, then the search index,
/// so that the pages' bytes are freed before the index is built). Dropped without
/// [`Staging::commit`], it is removed and the last good output stays as it was.
#[derive(Debug)]
pub struct Staging {
    output: PathBuf,
    tmp: PathBuf,
    committed: bool,
}

impl Staging {
    /// Recovers from interrupted builds and creates the folder aside.
    pub fn begin(output: &Path) -> Result<Self, Vec<Diagnostic>> {
        // 1. Recover from interrupted builds.
        if !output.exists() {
            if let Some(old) = leftovers(output, "old").pop() {
                let _ = std::fs::rename(&old, output);
            }
        }
        for stale in leftovers(output, "tmp")
            .into_iter()
            .chain(leftovers(output, "old"))
        {
            let _ = crate::fs::remove_dir_all(&stale);
        }
        if let Some(not_a_folder) = output.ancestors().find(|a| a.exists() && !a.is_dir()) {
            return Err(vec![Diagnostic::error(format!(
                "impossible de construire le site dans « {} » : « {} » n'est pas un dossier mais un fichier",
                output.display(),
                not_a_folder.display()
            ))
            .with_hint("choisissez un autre dossier de sortie avec --output, ou renommez ce fichier")]);
        }
        if let Some(parent) = output.parent().filter(|p| !p.as_os_str().is_empty()) {
            crate::fs::create_dir_all(parent).map_err(|e| vec![fs_error(e)])?;
        }
        // 2. The new site is written aside.
        let tmp = sibling(output, "tmp");
        crate::fs::create_dir_all(&tmp).map_err(|e| vec![fs_error(e)])?;
        Ok(Self {
            output: output.to_path_buf(),
            tmp,
            committed: false,
        })
    }

    /// Writes a batch of files and copies, in parallel; each file's bytes are freed once
    /// written.
    pub fn write(
        &self,
        files: Vec<OutputFile>,
        copies: Vec<CopyFile>,
    ) -> Result<(), Vec<Diagnostic>> {
        write_all(&self.tmp, files, copies)
    }

    /// Swaps the new output in: in one step where the system allows it, so that the output
    /// folder always exists.
    pub fn commit(mut self) -> Result<(), Vec<Diagnostic>> {
        self.committed = true;
        let (output, tmp) = (self.output.as_path(), self.tmp.as_path());
        if output.is_dir() && exchange(tmp, output).is_ok() {
            let _ = crate::fs::remove_dir_all(tmp);
            return Ok(());
        }
        let old = sibling(output, "old");
        let had_output = output.exists();
        if had_output {
            if let Err(e) = crate::fs::rename(output, &old) {
                let _ = crate::fs::remove_dir_all(tmp);
                return Err(vec![fs_error(e)]);
            }
        }
        if let Err(e) = crate::fs::rename(tmp, output) {
            if had_output {
                let _ = std::fs::rename(&old, output);
            }
            let _ = crate::fs::remove_dir_all(tmp);
            return Err(vec![fs_error(e)]);
        }
        if had_output {
            let _ = crate::fs::remove_dir_all(&old);
        }
        Ok(())
    }
}

impl Drop for Staging {
    fn drop(&mut self) {
        if !self.committed {
            let _ = crate::fs::remove_dir_all(&self.tmp);
        }
    }
}

/// Exchanges two folders atomically (Linux `renameat2` with `RENAME_EXCHANGE`).
#[cfg(target_os = "linux")]
fn exchange(a: &Path, b: &Path) -> std::io::Result<()> {
    use std::ffi::CString;
    use std::os::unix::ffi::OsStrExt;
    let to_c = |p: &Path| CString::new(p.as_os_str().as_bytes()).map_err(std::io::Error::other);
    let (a, b) = (to_c(a)?, to_c(b)?);
    // SAFETY: both are valid NUL-terminated paths that outlive the call; AT_FDCWD resolves
    // them like rename(2) does.
    let result = unsafe {
        libc::renameat2(
            libc::AT_FDCWD,
            a.as_ptr(),
            libc::AT_FDCWD,
            b.as_ptr(),
            libc::RENAME_EXCHANGE,
        )
    };
    if result == 0 {
        Ok(())
    } else {
        Err(std::io::Error::last_os_error())
    }
}

/// Elsewhere: not available, so the two-rename swap is used.
#[cfg(not(target_os = "linux"))]
fn exchange(_: &Path, _: &Path) -> std::io::Result<()> {
    Err(std::io::Error::from(std::io::ErrorKind::Unsupported))
}

fn write_all(
    tmp: &Path,
    files: Vec<OutputFile>,
    copies: Vec<CopyFile>,
) -> Result<(), Vec<Diagnostic>> {
    let mut dirs: Vec<PathBuf> = files
        .iter()
        .map(|f| f.path.as_str())
        .chain(copies.iter().map(|c| c.to.as_str()))
        .filter_map(|p| Path::new(p).parent().map(Path::to_path_buf))
        .collect();
    dirs.sort();
    dirs.dedup();
    for dir in dirs {
        crate::fs::create_dir_all(&tmp.join(dir)).map_err(|e| vec![fs_error(e)])?;
    }
    let errors: Vec<Diagnostic> = files
        .into_par_iter()
        .filter_map(|f| crate::fs::write(&tmp.join(&f.path), &f.contents).err())
        .chain(
            copies
                .into_par_iter()
                .filter_map(|c| crate::fs::copy(&c.from, &tmp.join(&c.to)).err()),
        )
        .map(fs_error)
        .collect();
    if errors.is_empty() {
        return Ok(());
    }
    // A full disk fails every file the same way: show a few, then count the rest.
    const SHOWN: usize = 3;
    let hidden = errors.len().saturating_sub(SHOWN);
    let mut errors: Vec<Diagnostic> = errors.into_iter().take(SHOWN).collect();
    if hidden > 0 {
        errors.push(Diagnostic::error(format!(
            "… et {hidden} autres fichiers n’ont pas pu être écrits"
        )));
    }
    Err(errors)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_plain_relative_paths_are_safe() {
        assert!(is_safe_relative("projets/fiche/index.html"));
        assert!(!is_safe_relative("../x"));
        assert!(!is_safe_relative("/etc/passwd"));
        assert!(!is_safe_relative("a/../../b"));
        assert!(!is_safe_relative("a\\..\\b"));
        assert!(!is_safe_relative(""));
    }

    #[test]
    fn a_second_build_replaces_the_first_and_leaves_no_temporary_folder() {
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("public");
        let file = |p: &str, c: &str| OutputFile {
            path: p.into(),
            contents: c.as_bytes().to_vec(),
            origin: PathBuf::new(),
        };
        write_site(
            &out,
            vec![file("a/index.html", "1"), file("old.html", "x")],
            Vec::new(),
        )
        .unwrap();
        write_site(&out, vec![file("a/index.html", "2")], Vec::new()).unwrap();
        assert_eq!(
            std::fs::read_to_string(out.join("a/index.html")).unwrap(),
            "2"
        );
        assert!(!out.join("old.html").exists());
        let names: Vec<String> = std::fs::read_dir(dir.path())
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        assert_eq!(names, vec!["public".to_string()]);
    }
}
