//! Writing the site: into a temporary folder, swapped in only when every file was written.
//! A failed build leaves the last good output as it was, and a build never deletes what
//! `guide` did not write.
//!
//! Steps:
//! 1. [`Target::prepare`] (before rendering): resolve the output folder, refuse the site's own
//!    folders, lock, and stop when the folder holds files `guide` did not write (unless
//!    `--force`);
//! 2. clean leftovers of interrupted builds (`.public.tmp-*`), and put back an old output left
//!    aside by a build killed in the middle of the swap;
//! 3. write every file and copy every asset into `.public.tmp-<pid>` beside the output (inside
//!    it, for a mount point), in parallel, and the marker listing them ([`ownership::MARKER`]);
//!    that folder is the output before the current one when it was kept (`previous.rs`): its
//!    folders are not created again, what the new output does not write is removed;
//! 4. move the kept paths (`.git`, `output.keep`) from the old output into the new one;
//! 5. swap: exchange the two folders in one step (Linux), or rename the old one aside and the
//!    new one in; for a mount point, move the entries one by one; keep the old one for the next
//!    build (`.guide-cache/<name>.prev`), or remove it (a mount point).
//!
//! This is the only stage that writes to the output folder.

pub mod ownership;
mod previous;
mod target;

use std::collections::HashSet;
use std::path::{Component, Path, PathBuf};
use std::sync::{Mutex, OnceLock};

use rayon::prelude::*;

use crate::cache::Stamp;
use crate::diagnostic::Diagnostic;
use crate::render::{CopyFile, OutputFile};
use previous::Inherited;

pub use target::{resolve, OutputOptions, SwapMode, Target};

/// `.<name>.<kind>-<pid>` beside the output.
fn sibling(output: &Path, kind: &str) -> PathBuf {
    let name = output
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "public".into());
    let parent = output.parent().unwrap_or(Path::new("."));
    parent.join(format!(".{name}.{kind}-{}", std::process::id()))
}

/// Folders `prefix*` in `dir`, sorted.
fn leftovers_in(dir: &Path, prefix: &str) -> Vec<PathBuf> {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return Vec::new();
    };
    let mut found: Vec<PathBuf> = entries
        .flatten()
        .filter(|e| e.file_name().to_string_lossy().starts_with(prefix))
        .map(|e| e.path())
        .collect();
    found.sort();
    found
}

/// Leftovers of `kind` (`tmp`, `old`) of interrupted builds of `output`.
fn leftovers(output: &Path, kind: &str) -> Vec<PathBuf> {
    let name = output
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let parent = match output.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    };
    leftovers_in(parent, &format!(".{name}.{kind}-"))
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

/// How many threads remove, link and write the output's files: those calls wait on the disk
/// more than they use a core (removing a file whose blocks are freed waits on the file
/// system's journal, and on a disk mounted with `discard` on the device too), so more of them
/// run than there are cores. Removing the 20 000 files of an output took 7.3 s on one thread,
/// 4.0 s on two, 3.3 s on eight (ext4 with `discard`).
const IO_THREADS: usize = 8;

/// Runs `work` (which uses rayon's parallel iterators) on the output's threads
/// ([`IO_THREADS`]), or on rayon's where they cannot be started.
fn on_io_threads<R: Send>(work: impl FnOnce() -> R + Send) -> R {
    static POOL: OnceLock<Option<rayon::ThreadPool>> = OnceLock::new();
    let pool = POOL.get_or_init(|| {
        rayon::ThreadPoolBuilder::new()
            .num_threads(IO_THREADS)
            .thread_name(|i| format!("guide-io-{i}"))
            .build()
            .ok()
    });
    match pool {
        Some(pool) => pool.install(work),
        None => work(),
    }
}

/// A new output being written aside, in several batches (the pages, then the search index,
/// so that the pages' bytes are freed before the index is built). Dropped without
/// [`Staging::commit`], it is removed and the last good output stays as it was.
#[derive(Debug)]
pub struct Staging {
    target: Target,
    tmp: PathBuf,
    written: Mutex<Vec<String>>,
    /// The files the render put here one by one ([`crate::render::FileSink`]), listed in the
    /// marker with `written`: their entries in later batches have no bytes.
    streamed: Mutex<HashSet<String>>,
    /// What the staging folder held when it was taken from an earlier output.
    inherited: Inherited,
    /// Where the replaced output is kept for the next build; `None` for a mount point.
    previous: Option<PathBuf>,
    committed: bool,
}

impl Staging {
    /// Recovers from interrupted builds and creates the folder for the new output.
    pub fn begin(target: Target) -> Result<Self, Vec<Diagnostic>> {
        let output = target.path.clone();
        if let Some(not_a_folder) = output.ancestors().find(|a| a.exists() && !a.is_dir()) {
            return Err(vec![Diagnostic::error(format!(
                "impossible de construire le site dans « {} » : « {} » n'est pas un dossier mais un fichier",
                output.display(),
                not_a_folder.display()
            ))
            .with_hint("choisissez un autre dossier de sortie avec --output, ou renommez ce fichier")]);
        }
        let (tmp, previous) = match target.mode {
            SwapMode::Rename => {
                recover_beside(&output);
                if let Some(parent) = output.parent() {
                    crate::fs::create_dir_all(parent).map_err(|e| vec![fs_error(e)])?;
                }
                (sibling(&output, "tmp"), Some(previous::folder_for(&output)))
            }
            SwapMode::InPlace => {
                for stale in leftovers_in(&output, ownership::TMP_PREFIX)
                    .into_iter()
                    .chain(leftovers_in(&output, ownership::OLD_PREFIX))
                {
                    let _ = crate::fs::remove_dir_all(&stale);
                }
                let tmp = output.join(format!("{}{}", ownership::TMP_PREFIX, std::process::id()));
                (tmp, None)
            }
        };
        let inherited = match previous.as_deref().and_then(|p| Inherited::take(p, &tmp)) {
            Some(inherited) => inherited,
            None => {
                crate::fs::create_dir_all(&tmp).map_err(|e| vec![fs_error(e)])?;
                Inherited::default()
            }
        };
        Ok(Self {
            target,
            tmp,
            written: Mutex::new(Vec::new()),
            streamed: Mutex::new(HashSet::new()),
            inherited,
            previous,
            committed: false,
        })
    }

    /// Writes a batch of files and copies, in parallel; each file's bytes are freed once
    /// written. Files already put here by the render are left as they are.
    pub fn write(
        &self,
        mut files: Vec<OutputFile>,
        copies: Vec<CopyFile>,
    ) -> Result<(), Vec<Diagnostic>> {
        if let Ok(streamed) = self.streamed.lock() {
            files.retain(|f| !streamed.contains(&f.path));
        }
        if let Ok(mut written) = self.written.lock() {
            written.extend(files.iter().map(|f| f.path.clone()));
            written.extend(copies.iter().map(|c| c.to.clone()));
        }
        write_all(&self.tmp, &self.inherited, files, copies)
    }

    /// Writes a batch of files, except those an earlier output already has with the same
    /// bytes: kept where the staging folder has them, linked where the current output has
    /// them (a search index part built again differs from the last one in a few of its
    /// hundreds of files; creating hundreds of files in one folder just after removing as
    /// many is slow on ext4). Returns how many were kept or linked.
    pub fn write_changed(&self, files: Vec<OutputFile>) -> Result<usize, Vec<Diagnostic>> {
        let live = self.target.path.as_path();
        let sorted: Vec<(Kept, OutputFile)> = on_io_threads(|| {
            files
                .into_par_iter()
                .map(|file| {
                    let kept = if self.inherited.has_file(&file.path)
                        && same_bytes(&self.tmp.join(&file.path), &file.contents)
                    {
                        Kept::Here
                    } else if same_bytes(&live.join(&file.path), &file.contents) {
                        Stamp::of(&live.join(&file.path)).map_or(Kept::No, Kept::Live)
                    } else {
                        Kept::No
                    };
                    (kept, file)
                })
                .collect()
        });
        let (mut here, mut linked, mut changed) = (Vec::new(), Vec::new(), Vec::new());
        for (kept, file) in sorted {
            match kept {
                Kept::Here => here.push(file.path),
                Kept::Live(stamp) => linked.push((file.path, stamp)),
                Kept::No => changed.push(file),
            }
        }
        let count = here.len() + linked.len();
        if let Ok(mut written) = self.written.lock() {
            written.extend(here);
        }
        self.write(changed, Vec::new())?;
        self.reuse(linked)?;
        Ok(count)
    }

    /// Puts files of the current output into the new one as they are (hard links, or copies
    /// where the system refuses links): `build` reuses those its cache proves unchanged, each
    /// with its stamp in the current output.
    pub fn reuse(&self, files: Vec<(String, Stamp)>) -> Result<(), Vec<Diagnostic>> {
        let from = self.target.path.as_path();
        let errors = on_io_threads(|| {
            // Those the staging folder already has (it was taken from an earlier output, and
            // the file there is a link to the current one) are left.
            let missing: Vec<&String> = files
                .par_iter()
                .filter(|(p, stamp)| {
                    let linked =
                        || Stamp::of(&self.tmp.join(p)).is_some_and(|s| s.same_file(stamp));
                    !(self.inherited.has_file(p) && linked())
                })
                .map(|(p, _)| p)
                .collect();
            create_dirs(
                &self.tmp,
                &self.inherited,
                missing.iter().map(|p| p.as_str()),
            )?;
            let errors: Vec<Diagnostic> = missing
                .par_iter()
                .filter_map(|p| {
                    let (old, new) = (from.join(p), self.tmp.join(p));
                    if std::fs::hard_link(&old, &new).is_ok() {
                        return None;
                    }
                    crate::fs::copy(&old, &new).err()
                })
                .map(fs_error)
                .collect();
            Ok::<_, Vec<Diagnostic>>(errors)
        })?;
        if let Ok(mut written) = self.written.lock() {
            written.extend(files.into_iter().map(|(p, _)| p));
        }
        if errors.is_empty() {
            Ok(())
        } else {
            Err(errors)
        }
    }

    /// Writes the marker, carries the kept paths over and swaps the new output in.
    pub fn commit(mut self) -> Result<(), Vec<Diagnostic>> {
        self.committed = true;
        let mut written =
            std::mem::take(&mut *self.written.lock().unwrap_or_else(|e| e.into_inner()));
        written.extend(std::mem::take(
            &mut *self.streamed.lock().unwrap_or_else(|e| e.into_inner()),
        ));
        on_io_threads(|| {
            (self.inherited).prune(&self.tmp, &written.iter().map(String::as_str).collect())
        });
        self.inherited.make_room(&self.tmp, ownership::MARKER);
        let marker = self.tmp.join(ownership::MARKER);
        let result = crate::fs::write(&marker, ownership::marker_text(written).as_bytes())
            .map_err(|e| vec![fs_error(e)])
            .and_then(|()| self.carry_and_swap());
        if result.is_err() {
            remove_tree(&self.tmp);
        }
        result
    }

    /// Ends a build that will write nothing (its content has errors): the folder taken from
    /// the output before the current one goes back to its place, for the next build.
    pub fn give_back(self) {
        let untouched = self.written.lock().is_ok_and(|w| w.is_empty())
            && self.streamed.lock().is_ok_and(|s| s.is_empty());
        if let (true, Some(previous)) = (untouched, self.previous.as_deref()) {
            if !previous.exists() {
                // Then there is nothing left for `drop` to remove.
                let _ = std::fs::rename(&self.tmp, previous);
            }
        }
    }

    /// Keeps `folder`, the output just replaced, for the next build to start from; removes it
    /// where it cannot be kept. (A failed build's folder is removed: it may have filled the
    /// disk.)
    fn put_aside(&self, folder: &Path) {
        let kept = self.previous.as_deref().is_some_and(|previous| {
            remove_tree(previous);
            previous
                .parent()
                .is_some_and(|p| std::fs::create_dir_all(p).is_ok())
                && std::fs::rename(folder, previous).is_ok()
        });
        if !kept {
            remove_tree(folder);
        }
    }

    fn carry_and_swap(&self) -> Result<(), Vec<Diagnostic>> {
        let output = self.target.path.as_path();
        let kept = kept_entries(output, &self.tmp, &self.target.keep)?;
        move_entries(&kept, output, &self.tmp).map_err(|e| vec![fs_error(e)])?;
        let swapped = match self.target.mode {
            SwapMode::Rename => swap_folders(output, &self.tmp, |old| self.put_aside(old)),
            SwapMode::InPlace => swap_in_place(output, &self.tmp),
        };
        if swapped.is_err() {
            // The old output is in place: give its kept paths back.
            let _ = move_entries(&kept, &self.tmp, output);
        }
        swapped
    }
}

impl crate::render::FileSink for Staging {
    fn put(&self, path: &str, contents: &[u8]) -> Result<(), Box<Diagnostic>> {
        if !is_safe_relative(path) {
            // Refused here and reported by the build's check of output paths.
            return Err(Box::new(Diagnostic::error(format!(
                "chemin de sortie refusé : « {path} »"
            ))));
        }
        let to = self.tmp.join(path);
        let folders_there = self.inherited.make_room(&self.tmp, path);
        let written = match to.parent() {
            Some(folder) if !folders_there => crate::fs::create_dir_all(folder),
            _ => Ok(()),
        }
        .and_then(|()| crate::fs::write(&to, contents));
        written.map_err(|e| Box::new(fs_error(e)))?;
        if let Ok(mut streamed) = self.streamed.lock() {
            streamed.insert(path.to_string());
        }
        Ok(())
    }
}

impl Drop for Staging {
    fn drop(&mut self) {
        if !self.committed {
            remove_tree(&self.tmp);
        }
    }
}

/// Under the build's lock: puts back an output left aside by a build killed in the middle of
/// the swap, and removes the staging folders of interrupted builds.
fn recover_beside(output: &Path) {
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
}

/// The kept paths present in the old output; an error when the new output has one too.
fn kept_entries(
    output: &Path,
    new: &Path,
    keep: &[String],
) -> Result<Vec<String>, Vec<Diagnostic>> {
    let present: Vec<String> = keep
        .iter()
        .filter(|k| output.join(k.as_str()).symlink_metadata().is_ok())
        .cloned()
        .collect();
    let clashes: Vec<Diagnostic> = present
        .iter()
        .filter(|k| new.join(k.as_str()).symlink_metadata().is_ok())
        .map(|k| {
            Diagnostic::error(format!(
                "« {k} » est à garder (output.keep de guide.yaml), mais le site produit aussi ce chemin"
            ))
            .in_file(crate::config::CONFIG_FILE)
            .with_hint("retirez-le de output.keep pour publier la version du site, ou retirez du site le fichier de même chemin")
        })
        .collect();
    if clashes.is_empty() {
        Ok(present)
    } else {
        Err(clashes)
    }
}

/// Moves each relative path from one folder to the other.
fn move_entries(paths: &[String], from: &Path, to: &Path) -> Result<(), crate::fs::FsError> {
    for path in paths {
        let destination = to.join(path);
        if let Some(parent) = destination.parent() {
            crate::fs::create_dir_all(parent)?;
        }
        crate::fs::rename(&from.join(path), &destination)?;
    }
    Ok(())
}

/// Swaps the new output in: in one step where the system allows it, so that the output
/// folder always exists.
fn swap_folders(
    output: &Path,
    tmp: &Path,
    put_aside: impl Fn(&Path),
) -> Result<(), Vec<Diagnostic>> {
    if output.is_dir() && exchange(tmp, output).is_ok() {
        put_aside(tmp);
        return Ok(());
    }
    let old = sibling(output, "old");
    let had_output = output.exists();
    if had_output {
        crate::fs::rename(output, &old).map_err(|e| vec![fs_error(e)])?;
    }
    if let Err(e) = crate::fs::rename(tmp, output) {
        if had_output {
            let _ = std::fs::rename(&old, output);
        }
        return Err(vec![fs_error(e)]);
    }
    if had_output {
        put_aside(&old);
    }
    Ok(())
}

/// A mount point cannot be renamed: its old entries go aside into a hidden folder inside it,
/// the new ones are moved in, then the old ones are removed. Not atomic: a build killed in
/// these few renames leaves a mix, which the next build replaces.
fn swap_in_place(output: &Path, tmp: &Path) -> Result<(), Vec<Diagnostic>> {
    let old = output.join(format!("{}{}", ownership::OLD_PREFIX, std::process::id()));
    crate::fs::create_dir_all(&old).map_err(|e| vec![fs_error(e)])?;
    let names = |dir: &Path| -> Vec<String> {
        std::fs::read_dir(dir)
            .map(|entries| {
                entries
                    .flatten()
                    .map(|e| e.file_name().to_string_lossy().into_owned())
                    .filter(|n| !ownership::is_hidden_folder(n))
                    .collect()
            })
            .unwrap_or_default()
    };
    let previous = names(output);
    let incoming = names(tmp);
    let moved =
        move_entries(&previous, output, &old).and_then(|()| move_entries(&incoming, tmp, output));
    if let Err(e) = moved {
        // Put the old site back as far as possible.
        let _ = move_entries(&names(output), output, tmp);
        let _ = move_entries(&names(&old), &old, output);
        let _ = crate::fs::remove_dir_all(&old);
        return Err(vec![fs_error(e)]);
    }
    remove_tree(&old);
    let _ = crate::fs::remove_dir_all(tmp);
    Ok(())
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

/// Where [`Staging::write_changed`] finds a file's bytes.
enum Kept {
    /// In the staging folder, at its path.
    Here,
    /// In the current output, at its path, with this stamp.
    Live(Stamp),
    No,
}

/// Whether the plain file at `path` holds `contents`.
fn same_bytes(path: &Path, contents: &[u8]) -> bool {
    let plain = std::fs::symlink_metadata(path)
        .is_ok_and(|meta| meta.is_file() && meta.len() == contents.len() as u64);
    plain && std::fs::read(path).is_ok_and(|bytes| bytes == contents)
}

/// Makes room under `root` for the files at `paths` (relative) and creates their folders, in
/// parallel (an output has a folder per page); folders `inherited` from an earlier output are
/// not created again.
fn create_dirs<'a>(
    root: &Path,
    inherited: &Inherited,
    paths: impl Iterator<Item = &'a str>,
) -> Result<(), Vec<Diagnostic>> {
    let paths: Vec<&str> = paths.collect();
    // Every path's room is made before any folder is created.
    let mut dirs: Vec<&str> = paths
        .par_iter()
        .filter(|path| !inherited.make_room(root, path))
        .filter_map(|path| path.rsplit_once('/').map(|(dir, _)| dir))
        .collect();
    dirs.sort_unstable();
    dirs.dedup();
    dirs.par_iter()
        .try_for_each(|dir| crate::fs::create_dir_all(&root.join(dir)))
        .map_err(|e| vec![fs_error(e)])
}

/// Removes a folder and everything in it, the folders of its folders in parallel (an output
/// has thousands of page folders). Symbolic links are removed, never followed.
fn remove_tree(dir: &Path) {
    let children = |dir: &Path| -> Vec<PathBuf> {
        std::fs::read_dir(dir)
            .map(|entries| entries.flatten().map(|e| e.path()).collect())
            .unwrap_or_default()
    };
    let is_folder = |path: &Path| std::fs::symlink_metadata(path).is_ok_and(|m| m.is_dir());
    children(dir)
        .par_iter()
        .filter(|entry| is_folder(entry))
        .for_each(|entry| {
            children(entry)
                .par_iter()
                .filter(|child| is_folder(child))
                .for_each(|child| {
                    let _ = std::fs::remove_dir_all(child);
                });
        });
    let _ = crate::fs::remove_dir_all(dir);
}

fn write_all(
    tmp: &Path,
    inherited: &Inherited,
    files: Vec<OutputFile>,
    copies: Vec<CopyFile>,
) -> Result<(), Vec<Diagnostic>> {
    let errors = on_io_threads(|| {
        let paths =
            (files.iter().map(|f| f.path.as_str())).chain(copies.iter().map(|c| c.to.as_str()));
        create_dirs(tmp, inherited, paths)?;
        Ok::<_, Vec<Diagnostic>>(
            files
                .into_par_iter()
                .filter_map(|f| crate::fs::write(&tmp.join(&f.path), &f.contents).err())
                .chain(
                    copies
                        .into_par_iter()
                        .filter_map(|c| crate::fs::copy(&c.from, &tmp.join(&c.to)).err()),
                )
                .map(fs_error)
                .collect::<Vec<Diagnostic>>(),
        )
    })?;
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

    /// A staging folder for `out`, for a site at `site` with no kept paths.
    fn begin(site: &Path, out: &Path) -> Result<Staging, Vec<Diagnostic>> {
        let options = OutputOptions {
            site_root: site,
            keep: &[],
            force: false,
        };
        let (target, _) = Target::prepare(out, options)?;
        Staging::begin(target)
    }

    /// A file of the render, with its bytes.
    fn file(path: &str, contents: &str) -> OutputFile {
        OutputFile {
            path: path.into(),
            contents: contents.as_bytes().to_vec(),
            origin: PathBuf::new(),
        }
    }

    fn write_site(site: &Path, out: &Path, files: &[(&str, &str)]) -> Result<(), Vec<Diagnostic>> {
        staged(site, out, &[], files)?.commit()
    }

    #[test]
    fn a_page_put_while_rendering_is_not_overwritten_by_its_entry_without_bytes() {
        use crate::render::FileSink;
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("public");
        let staging = begin(&dir.path().join("site"), &out).unwrap();
        staging
            .put("projets/fiche/index.html", b"<p>rendue</p>")
            .unwrap();
        // The render's list still names the page, without its bytes (they are on disk).
        let batch = vec![
            file("projets/fiche/index.html", ""),
            file("sitemap.xml", "<urlset/>"),
        ];
        staging.write(batch, Vec::new()).unwrap();
        staging.commit().unwrap();
        assert_eq!(
            std::fs::read_to_string(out.join("projets/fiche/index.html")).unwrap(),
            "<p>rendue</p>"
        );
        assert_eq!(
            std::fs::read_to_string(out.join("sitemap.xml")).unwrap(),
            "<urlset/>"
        );
        // Listed once in the marker: the next build knows it wrote it.
        let marker = std::fs::read_to_string(out.join(ownership::MARKER)).unwrap();
        assert_eq!(
            marker.matches("projets/fiche/index.html").count(),
            1,
            "{marker}"
        );
    }

    #[test]
    fn a_page_at_an_unsafe_path_is_refused_by_the_sink_and_not_written() {
        use crate::render::FileSink;
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("public");
        let staging = begin(&dir.path().join("site"), &out).unwrap();
        assert!(staging.put("../dehors.html", b"x").is_err());
        assert!(!dir.path().join("dehors.html").exists());
    }

    #[test]
    fn a_second_build_replaces_the_first_and_leaves_no_temporary_folder() {
        let dir = tempfile::tempdir().unwrap();
        let site = dir.path().join("site");
        let out = dir.path().join("public");
        write_site(&site, &out, &[("a/index.html", "1"), ("old.html", "x")]).unwrap();
        write_site(&site, &out, &[("a/index.html", "2")]).unwrap();
        assert_eq!(
            std::fs::read_to_string(out.join("a/index.html")).unwrap(),
            "2"
        );
        assert!(!out.join("old.html").exists());
        let mut names: Vec<String> = std::fs::read_dir(dir.path())
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        names.sort();
        assert_eq!(
            names,
            vec![crate::cache::DIR.to_string(), "public".to_string()]
        );
    }

    fn read(path: &Path) -> String {
        std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
    }

    /// A build begun on `out` that reuses `reused` from the live output and writes `files`.
    fn staged(
        site: &Path,
        out: &Path,
        reused: &[&str],
        files: &[(&str, &str)],
    ) -> Result<Staging, Vec<Diagnostic>> {
        let staging = begin(site, out)?;
        let reused = (reused.iter())
            .filter_map(|p| Some(((*p).to_string(), Stamp::of(&out.join(p))?)))
            .collect();
        staging.reuse(reused)?;
        let files = files.iter().map(|(p, c)| file(p, c)).collect();
        staging.write(files, Vec::new())?;
        Ok(staging)
    }

    /// [`staged`], committed.
    fn build_reusing(site: &Path, out: &Path, reused: &[&str], files: &[(&str, &str)]) {
        staged(site, out, reused, files).unwrap().commit().unwrap();
    }

    #[cfg(unix)]
    #[test]
    fn a_third_build_writes_over_the_folders_of_the_first_instead_of_creating_them_again() {
        let dir = tempfile::tempdir().unwrap();
        let (site, out) = (dir.path().join("site"), dir.path().join("public"));
        use std::os::unix::fs::PermissionsExt;
        write_site(
            &site,
            &out,
            &[("a/index.html", "1"), ("gone/index.html", "x")],
        )
        .unwrap();
        // A mark on the first build's folder (inode numbers are reused).
        let mark = std::fs::Permissions::from_mode(0o750);
        std::fs::set_permissions(out.join("a"), mark).unwrap();
        write_site(&site, &out, &[("a/index.html", "2"), ("b.html", "b")]).unwrap();
        write_site(&site, &out, &[("a/index.html", "3")]).unwrap();
        let mode = std::fs::metadata(out.join("a"))
            .unwrap()
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o750, "the folder of the first build");
        assert_eq!(read(&out.join("a/index.html")), "3");
        // What the first or second build wrote and this one does not is gone.
        assert!(!out.join("gone").exists());
        assert!(!out.join("b.html").exists());
    }

    #[cfg(unix)]
    #[test]
    fn a_file_written_again_with_the_bytes_it_had_keeps_a_file_of_an_earlier_output() {
        use std::os::unix::fs::MetadataExt;
        let dir = tempfile::tempdir().unwrap();
        let (site, out) = (dir.path().join("site"), dir.path().join("public"));
        let inode = |path: &Path| std::fs::metadata(path).unwrap().ino();
        let first = [("f/same.pf", "A"), ("f/live.pf", "X"), ("f/new.pf", "N")];
        write_site(&site, &out, &first).unwrap();
        let second = [("f/same.pf", "A"), ("f/live.pf", "L"), ("f/new.pf", "N")];
        write_site(&site, &out, &second).unwrap();
        let previous = previous::folder_for(&out);
        let (same_before, live_before) = (
            inode(&previous.join("f/same.pf")),
            inode(&out.join("f/live.pf")),
        );
        let staging = begin(&site, &out).unwrap();
        let batch = vec![
            file("f/same.pf", "A"),
            file("f/live.pf", "L"),
            file("f/new.pf", "M"),
        ];
        assert_eq!(staging.write_changed(batch).unwrap(), 2);
        staging.commit().unwrap();
        // Kept where the staging folder had it, linked where the live output had it.
        assert_eq!(inode(&out.join("f/same.pf")), same_before);
        assert_eq!(inode(&out.join("f/live.pf")), live_before);
        assert_eq!(read(&out.join("f/new.pf")), "M");
        let marker = std::fs::read_to_string(out.join(ownership::MARKER)).unwrap();
        for path in ["f/same.pf", "f/live.pf", "f/new.pf"] {
            assert_eq!(marker.matches(path).count(), 1, "{marker}");
        }
        // The output before stays as it was.
        assert_eq!(read(&previous.join("f/new.pf")), "N");
    }

    #[test]
    fn a_staging_folder_given_back_is_kept_for_the_next_build() {
        let dir = tempfile::tempdir().unwrap();
        let (site, out) = (dir.path().join("site"), dir.path().join("public"));
        write_site(&site, &out, &[("a/index.html", "1")]).unwrap();
        write_site(&site, &out, &[("a/index.html", "2")]).unwrap();
        let previous = previous::folder_for(&out);
        // A build whose content has errors takes the folder, then gives it back.
        begin(&site, &out).unwrap().give_back();
        assert_eq!(read(&previous.join("a/index.html")), "1");
        assert_eq!(read(&out.join("a/index.html")), "2");
        // One that wrote into it cannot: the folder is removed, as after any failure.
        let staging = staged(&site, &out, &[], &[("b.html", "b")]).unwrap();
        staging.give_back();
        assert!(!previous.exists());
        assert_eq!(read(&out.join("a/index.html")), "2");
    }

    #[test]
    fn a_failed_build_never_writes_through_a_file_it_shares_with_the_live_output() {
        let dir = tempfile::tempdir().unwrap();
        let (site, out) = (dir.path().join("site"), dir.path().join("public"));
        write_site(&site, &out, &[("a/index.html", "1"), ("b.html", "b1")]).unwrap();
        // The second build takes `a` from the first as it is (a hard link).
        build_reusing(&site, &out, &["a/index.html"], &[("b.html", "b2")]);
        // The third one starts from the first's folder, rewrites both, then fails.
        let third = staged(&site, &out, &[], &[("a/index.html", "3"), ("b.html", "b3")]).unwrap();
        drop(third);
        assert_eq!(read(&out.join("a/index.html")), "1");
        assert_eq!(read(&out.join("b.html")), "b2");
        // And the next build, from what the failed one left, is right.
        build_reusing(&site, &out, &["a/index.html"], &[("b.html", "b4")]);
        assert_eq!(read(&out.join("a/index.html")), "1");
        assert_eq!(read(&out.join("b.html")), "b4");
    }

    #[test]
    fn a_file_reused_build_after_build_stays_in_the_output() {
        let dir = tempfile::tempdir().unwrap();
        let (site, out) = (dir.path().join("site"), dir.path().join("public"));
        write_site(&site, &out, &[("a/index.html", "1"), ("b.html", "b")]).unwrap();
        for build in 2..5 {
            let b = format!("b{build}");
            build_reusing(&site, &out, &["a/index.html"], &[("b.html", b.as_str())]);
            assert_eq!(read(&out.join("a/index.html")), "1", "build {build}");
            assert_eq!(read(&out.join("b.html")), b);
        }
    }

    #[cfg(unix)]
    #[test]
    fn a_symbolic_link_in_the_kept_output_is_removed_not_followed() {
        let dir = tempfile::tempdir().unwrap();
        let (site, out) = (dir.path().join("site"), dir.path().join("public"));
        let outside = dir.path().join("dehors");
        std::fs::create_dir_all(&outside).unwrap();
        write_site(&site, &out, &[("a/index.html", "1")]).unwrap();
        write_site(&site, &out, &[("a/index.html", "2")]).unwrap();
        let kept = previous::folder_for(&out);
        assert!(kept.join("a").is_dir(), "the first output is kept");
        std::fs::remove_dir_all(kept.join("a")).unwrap();
        std::os::unix::fs::symlink(&outside, kept.join("a")).unwrap();
        write_site(&site, &out, &[("a/index.html", "3")]).unwrap();
        assert_eq!(read(&out.join("a/index.html")), "3");
        assert!(!outside.join("index.html").exists());
        assert!(!std::fs::symlink_metadata(out.join("a"))
            .unwrap()
            .is_symlink());
    }

    #[test]
    fn a_file_may_become_a_folder_and_a_folder_a_file_from_build_to_build() {
        let dir = tempfile::tempdir().unwrap();
        let (site, out) = (dir.path().join("site"), dir.path().join("public"));
        write_site(&site, &out, &[("x", "file"), ("y/index.html", "dir")]).unwrap();
        write_site(&site, &out, &[("z.html", "z")]).unwrap();
        write_site(&site, &out, &[("x/index.html", "dir"), ("y", "file")]).unwrap();
        assert_eq!(read(&out.join("x/index.html")), "dir");
        assert_eq!(read(&out.join("y")), "file");
        assert!(!out.join("z.html").exists());
        // The same through links of the live output's files.
        build_reusing(&site, &out, &["y"], &[("x", "file again")]);
        assert_eq!(read(&out.join("x")), "file again");
        assert_eq!(read(&out.join("y")), "file");
    }

    #[test]
    fn a_kept_path_the_site_also_writes_is_an_error_and_nothing_moves() {
        let dir = tempfile::tempdir().unwrap();
        let site = dir.path().join("site");
        let out = dir.path().join("public");
        write_site(&site, &out, &[("index.html", "1")]).unwrap();
        std::fs::create_dir_all(out.join(".git")).unwrap();
        std::fs::write(out.join(".git/HEAD"), "x").unwrap();
        let errors = write_site(&site, &out, &[(".git/HEAD", "mine")]).unwrap_err();
        assert!(errors[0].message.contains(".git"), "{errors:?}");
        assert_eq!(std::fs::read_to_string(out.join(".git/HEAD")).unwrap(), "x");
        assert_eq!(
            std::fs::read_to_string(out.join("index.html")).unwrap(),
            "1"
        );
    }
}
