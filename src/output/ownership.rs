//! What `guide` wrote in an output folder, and what it did not.
//!
//! Every output holds a marker, [`MARKER`]: a text file listing the files the build wrote. The
//! next build reads it to tell its own files (replaced freely, also when the site no longer
//! produces them) from the user's (which stop the build, unless `--force`). Kept paths (`.git`,
//! `output.keep`), the marker itself, the build's own hidden folders and the files an operating
//! system drops in any folder it shows (`.DS_Store`, `Thumbs.db`, `desktop.ini`) are neither.

use std::collections::HashSet;
use std::io::Write;
use std::path::Path;

use rayon::prelude::*;

/// The marker file at the root of every output.
pub const MARKER: &str = ".guide-sortie";

/// The marker's first line, which proves the folder is an output of `guide`.
const HEADER: &str = "# guide : dossier écrit par « guide build ».";

const EXPLANATION: &str = "# Les fichiers listés ci-dessous ont été écrits par guide, qui les remplace à chaque construction.\n# Pour garder ici des fichiers à vous, listez-les dans output.keep (guide.yaml). Ne modifiez pas ce fichier.\n";

/// The hidden folder an in-place build writes the new output into, inside the output.
pub const TMP_PREFIX: &str = ".guide-tmp-";

/// The hidden folder an in-place build moves the old output into, inside the output.
pub const OLD_PREFIX: &str = ".guide-old-";

/// Whether a name is one of an in-place build's hidden folders.
pub fn is_hidden_folder(name: &str) -> bool {
    name.starts_with(TMP_PREFIX) || name.starts_with(OLD_PREFIX)
}

/// Files an operating system writes in any folder it shows: never the user's work.
const SYSTEM_FILES: [&str; 3] = [".DS_Store", "Thumbs.db", "desktop.ini"];

/// What an output folder holds, seen before a build replaces it.
#[derive(Debug, Default)]
pub struct Inspection {
    /// It holds a marker: it is a previous output of `guide`.
    pub owned: bool,
    /// Files neither written by `guide` nor kept, relative, sorted.
    pub strangers: Vec<String>,
}

/// Looks at `output` (which may not exist): its marker and the files it does not list.
pub fn inspect(output: &Path, keep: &[String]) -> std::io::Result<Inspection> {
    if !output.exists() {
        return Ok(Inspection::default());
    }
    let written = read_marker(output);
    let mut strangers: Vec<String> = files_under(output, "", keep)?
        .into_iter()
        .filter(|relative| !written.as_ref().is_some_and(|w| w.contains(relative)))
        .collect();
    strangers.sort_unstable();
    Ok(Inspection {
        owned: written.is_some(),
        strangers,
    })
}

/// Everything but folders under `output/prefix` (symbolic links are not followed), relative
/// to `output` with `/` separators, except what is set aside; folders are read in parallel (an
/// output has a folder per page).
fn files_under(output: &Path, prefix: &str, keep: &[String]) -> std::io::Result<Vec<String>> {
    let mut files = Vec::new();
    let mut folders = Vec::new();
    for entry in std::fs::read_dir(output.join(prefix))? {
        let entry = entry?;
        let name = entry.file_name().to_string_lossy().into_owned();
        let relative = if prefix.is_empty() {
            name
        } else {
            format!("{prefix}/{name}")
        };
        if is_set_aside(&relative, keep) {
            continue;
        }
        if entry.file_type()?.is_dir() {
            folders.push(relative);
        } else {
            files.push(relative);
        }
    }
    let inside = folders
        .par_iter()
        .map(|folder| files_under(output, folder, keep))
        .collect::<std::io::Result<Vec<_>>>()?;
    files.extend(inside.into_iter().flatten());
    Ok(files)
}

/// Whether a path of the output (relative, with `/` separators) is out of the ownership
/// question: kept, the marker, a hidden folder of the build, a system file.
fn is_set_aside(relative: &str, keep: &[String]) -> bool {
    let name = relative.rsplit('/').next().unwrap_or(relative);
    relative == MARKER
        || (is_hidden_folder(name) && !relative.contains('/'))
        || SYSTEM_FILES.contains(&name)
        || keep.iter().any(|kept| kept == relative)
}

/// The files listed in the marker of `output`, or `None` when it has no valid marker.
fn read_marker(output: &Path) -> Option<HashSet<String>> {
    let text = std::fs::read_to_string(output.join(MARKER)).ok()?;
    if !text.starts_with(HEADER) {
        return None;
    }
    Some(
        text.lines()
            .filter(|line| !line.starts_with('#') && !line.is_empty())
            .map(str::to_string)
            .collect(),
    )
}

/// The marker's text for these written files.
pub fn marker_text(mut written: Vec<String>) -> String {
    written.sort_unstable();
    written.dedup();
    let mut text = format!("{HEADER}\n{EXPLANATION}");
    for path in written {
        text.push_str(&path);
        text.push('\n');
    }
    text
}

/// Adds `paths` to the marker of an existing output, before they are written there (`guide
/// pdf` writes its PDF and temporary pages into the output after the build).
pub fn claim(output: &Path, paths: &[&str]) -> Result<(), crate::fs::FsError> {
    let marker = output.join(MARKER);
    let append = || -> std::io::Result<()> {
        let mut file = std::fs::OpenOptions::new().append(true).open(&marker)?;
        for path in paths {
            writeln!(file, "{path}")?;
        }
        Ok(())
    };
    append().map_err(|source| crate::fs::FsError {
        action: "écrire",
        path: marker.clone(),
        source,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn files_listed_in_the_marker_are_ours_and_the_others_are_strangers() {
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path();
        std::fs::create_dir_all(out.join("a")).unwrap();
        std::fs::create_dir_all(out.join(".git/objects")).unwrap();
        for file in [
            "a/index.html",
            "notes.txt",
            ".git/HEAD",
            "CNAME",
            ".DS_Store",
        ] {
            std::fs::write(out.join(file), "x").unwrap();
        }
        let keep = vec![".git".to_string(), "CNAME".to_string()];
        let before = inspect(out, &keep).unwrap();
        assert!(!before.owned);
        assert_eq!(before.strangers, ["a/index.html", "notes.txt"]);
        std::fs::write(out.join(MARKER), marker_text(vec!["a/index.html".into()])).unwrap();
        let after = inspect(out, &keep).unwrap();
        assert!(after.owned);
        assert_eq!(after.strangers, ["notes.txt"]);
        claim(out, &["notes.txt"]).unwrap();
        assert!(inspect(out, &keep).unwrap().strangers.is_empty());
    }

    #[test]
    fn a_marker_without_its_header_proves_nothing() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join(MARKER), "index.html\n").unwrap();
        std::fs::write(dir.path().join("index.html"), "x").unwrap();
        let seen = inspect(dir.path(), &[]).unwrap();
        assert!(!seen.owned);
        assert_eq!(seen.strangers, ["index.html"]);
    }
}
