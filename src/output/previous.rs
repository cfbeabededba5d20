//! The output before the current one, kept in `.guide-cache/<name>.prev` to be the next
//! build's staging folder: a build then writes over the folders and files of two builds ago
//! instead of creating ten thousand page folders and removing as many (on ext4, creating a
//! folder beside thousands of others costs far more than a file).
//!
//! The rules that keep the live output safe: the files of that folder may be hard links to the
//! live output's, so a file is never written into but removed and created again; what the
//! folder holds is listed once, when it is taken ([`Inherited::take`]), and anything but files
//! and folders (a symbolic link) is removed then, so that nothing written later follows it;
//! what the new output does not write is removed before the swap ([`Inherited::prune`]).

use std::collections::HashSet;
use std::path::{Path, PathBuf};

use rayon::prelude::*;

/// Where the output before `output` (the resolved folder) is kept between builds.
pub(super) fn folder_for(output: &Path) -> PathBuf {
    crate::cache::beside(output, "prev")
}

/// What the staging folder held when it was taken from an earlier output: relative paths with
/// `/` separators.
#[derive(Debug, Default)]
pub(super) struct Inherited {
    files: HashSet<String>,
    dirs: HashSet<String>,
}

impl Inherited {
    /// Moves the kept output `previous` to `staging` and lists it; `None` when there is none
    /// (or it cannot be moved), and then `staging` does not exist.
    pub(super) fn take(previous: &Path, staging: &Path) -> Option<Self> {
        let meta = std::fs::symlink_metadata(previous).ok()?;
        if !meta.is_dir() {
            let _ = std::fs::remove_file(previous);
            return None;
        }
        std::fs::rename(previous, staging).ok()?;
        let mut inherited = Self::default();
        for (path, kind) in list(staging, "") {
            match kind {
                Kind::File => inherited.files.insert(path),
                Kind::Dir => inherited.dirs.insert(path),
            };
        }
        Some(inherited)
    }

    /// Whether the file `path` was there.
    pub(super) fn has_file(&self, path: &str) -> bool {
        self.files.contains(path)
    }

    /// Clears the way for a new file at `path` in `root`: removes what was there and any file
    /// in the place of one of its folders. Returns whether every folder of `path` was already
    /// there.
    pub(super) fn make_room(&self, root: &Path, path: &str) -> bool {
        if self.files.contains(path) {
            let _ = std::fs::remove_file(root.join(path));
        } else if self.dirs.contains(path) {
            let _ = crate::fs::remove_dir_all(&root.join(path));
        }
        let mut folders_there = true;
        for folder in ancestors(path) {
            if self.files.contains(folder) {
                let _ = std::fs::remove_file(root.join(folder));
                folders_there = false;
            } else if !self.dirs.contains(folder) {
                folders_there = false;
            }
        }
        folders_there
    }

    /// Removes from `root` what was inherited and is not in `kept` (the new output's files).
    pub(super) fn prune(&self, root: &Path, kept: &HashSet<&str>) {
        self.files
            .par_iter()
            .filter(|path| !kept.contains(path.as_str()))
            .for_each(|path| {
                let _ = std::fs::remove_file(root.join(path));
            });
        let needed: HashSet<&str> = kept.iter().flat_map(|path| ancestors(path)).collect();
        let mut unneeded: Vec<&String> = self
            .dirs
            .iter()
            .filter(|dir| !needed.contains(dir.as_str()) && !kept.contains(dir.as_str()))
            .collect();
        // The outermost first: the folders inside them go with them.
        unneeded.sort_by_key(|dir| dir.len());
        let mut removed: HashSet<&str> = HashSet::new();
        for dir in unneeded {
            if !ancestors(dir).any(|a| removed.contains(a)) {
                let _ = crate::fs::remove_dir_all(&root.join(dir));
                removed.insert(dir);
            }
        }
    }
}

/// The folders of a relative path, innermost first (`a/b/c` → `a/b`, `a`).
fn ancestors(path: &str) -> impl Iterator<Item = &str> {
    let mut rest = path;
    std::iter::from_fn(move || {
        let cut = rest.rfind('/')?;
        rest = &rest[..cut];
        Some(rest)
    })
}

#[derive(Debug, Clone, Copy)]
enum Kind {
    File,
    Dir,
}

/// The files and folders under `root/prefix`, its folders read in parallel (an output has a
/// folder per page); anything else (a symbolic link, a socket, a name that is not UTF-8) is
/// removed, never followed.
fn list(root: &Path, prefix: &str) -> Vec<(String, Kind)> {
    let Ok(entries) = std::fs::read_dir(root.join(prefix)) else {
        return Vec::new();
    };
    let mut found = Vec::new();
    for entry in entries.flatten() {
        let Ok(name) = entry.file_name().into_string() else {
            // Not a name `guide` writes.
            if entry.file_type().is_ok_and(|kind| kind.is_dir()) {
                let _ = crate::fs::remove_dir_all(&entry.path());
            } else {
                let _ = std::fs::remove_file(entry.path());
            }
            continue;
        };
        let path = if prefix.is_empty() {
            name
        } else {
            format!("{prefix}/{name}")
        };
        match entry.file_type() {
            Ok(kind) if kind.is_dir() => found.push((path, Kind::Dir)),
            Ok(kind) if kind.is_file() => found.push((path, Kind::File)),
            _ => {
                let _ = std::fs::remove_file(entry.path());
            }
        }
    }
    let inside: Vec<(String, Kind)> = found
        .par_iter()
        .filter(|(_, kind)| matches!(kind, Kind::Dir))
        .flat_map_iter(|(dir, _)| list(root, dir))
        .collect();
    found.extend(inside);
    found
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_folders_of_a_path_are_its_prefixes_up_to_each_slash() {
        assert_eq!(
            ancestors("a/b/c.html").collect::<Vec<_>>(),
            vec!["a/b", "a"]
        );
        assert_eq!(ancestors("index.html").count(), 0);
    }
}
