//! Where a build may write, decided before anything is rendered.
//!
//! Steps:
//! 1. resolve the requested folder: absolute, symlinks followed (a symlinked `public/` is
//!    written on its target's side, so the link stays a link to the same folder);
//! 2. refuse, even with `--force`, a folder that is or holds the site (`guide.yaml`'s folder,
//!    `content/`, `static/`, `themes/`), a folder inside `content/`, `static/` or `themes/`, the
//!    root of a disk and the home folder (or a folder that holds it);
//! 3. lock the folder's parent, so that a second build on the same output waits;
//! 4. look at what the folder holds ([`super::ownership`]): files `guide` did not write stop the
//!    build unless `--force` is given;
//! 5. a folder that is a mount point (a container volume) cannot be renamed: it is built into
//!    in place ([`SwapMode::InPlace`]).

use std::fs::File;
use std::path::{Component, Path, PathBuf};

use super::ownership::{self, Inspection};
use crate::diagnostic::Diagnostic;

/// What the output stage needs from the site and the command line.
#[derive(Debug, Clone, Copy)]
pub struct OutputOptions<'a> {
    /// The site folder (the one holding `guide.yaml`).
    pub site_root: &'a Path,
    /// Paths of the output kept from build to build (`output.keep` of `guide.yaml`).
    pub keep: &'a [String],
    /// `--force`: replace an output that holds files `guide` did not write.
    pub force: bool,
}

/// How the new output replaces the old one.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SwapMode {
    /// Written beside, then swapped in by a rename: the old site or the new one, never a mix.
    Rename,
    /// Written inside the folder, then moved into place entry by entry: for a mount point,
    /// which cannot be renamed.
    InPlace,
}

/// An output folder that a build may replace, locked for this build.
#[derive(Debug)]
pub struct Target {
    /// The folder, symlinks resolved.
    pub path: PathBuf,
    /// How it is replaced.
    pub mode: SwapMode,
    /// The paths kept from the old output: `.git` and `output.keep`, without trailing `/`.
    pub keep: Vec<String>,
    /// Held while the build runs: released when the target is dropped.
    _lock: Option<File>,
}

/// The depth after which a chain of symlinks is taken for a loop.
const MAX_LINKS: usize = 40;

/// Makes `path` absolute and follows its symlinks, also when its last parts do not exist yet
/// (or it is a symlink to a folder that does not exist yet), as `realpath -m` does.
pub fn resolve(path: &Path) -> std::io::Result<PathBuf> {
    let mut links_left = MAX_LINKS;
    resolve_within(&std::path::absolute(path)?, &mut links_left)
}

fn resolve_within(path: &Path, links_left: &mut usize) -> std::io::Result<PathBuf> {
    let mut resolved = PathBuf::new();
    for component in path.components() {
        match component {
            Component::Prefix(_) | Component::RootDir => resolved.push(component),
            Component::CurDir => {}
            Component::ParentDir => {
                resolved.pop();
            }
            Component::Normal(name) => {
                let candidate = resolved.join(name);
                match std::fs::read_link(&candidate) {
                    Ok(link) => {
                        if *links_left == 0 {
                            return Err(std::io::Error::other(
                                "trop de liens symboliques (une boucle ?)",
                            ));
                        }
                        *links_left -= 1;
                        resolved = resolve_within(&resolved.join(link), links_left)?;
                    }
                    Err(_) => resolved = candidate,
                }
            }
        }
    }
    Ok(resolved)
}

/// The site's own folders, resolved, with how a message names them.
fn site_folders(site_root: &Path) -> Vec<(PathBuf, &'static str)> {
    let folder = |name: &str| resolve(&site_root.join(name)).unwrap_or(site_root.join(name));
    vec![
        (
            resolve(site_root).unwrap_or(site_root.to_path_buf()),
            "le dossier du site (celui de guide.yaml)",
        ),
        (folder("content"), "le dossier content/"),
        (folder("static"), "le dossier static/"),
        (folder("themes"), "le dossier themes/"),
    ]
}

/// Why `output` (resolved) can never be an output folder, if it cannot.
fn forbidden(output: &Path, site_root: &Path, home: Option<&Path>) -> Option<String> {
    if output.parent().is_none() {
        return Some("c'est la racine du disque".into());
    }
    if let Some(home) = home.filter(|home| home.starts_with(output)) {
        return Some(if home == output {
            "c'est votre dossier personnel".into()
        } else {
            format!("il contient votre dossier personnel « {} »", home.display())
        });
    }
    let folders = site_folders(site_root);
    for (folder, name) in &folders {
        if folder == output {
            return Some(format!("c'est {name}"));
        }
        if folder.starts_with(output) {
            return Some(format!("il contient {name}"));
        }
    }
    folders
        .iter()
        .skip(1)
        .find(|(folder, _)| output.starts_with(folder))
        .map(|(_, name)| {
            format!("il est dans {name} : le site s'y recopierait à chaque construction")
        })
}

fn home_folder() -> Option<PathBuf> {
    let home = std::env::var_os("HOME").or_else(|| std::env::var_os("USERPROFILE"))?;
    resolve(Path::new(&home)).ok()
}

impl Target {
    /// Checks, locks and inspects the output folder `requested`; returns the target and the
    /// warnings to show (what `--force` deletes), or the errors that stop the build.
    pub fn prepare(
        requested: &Path,
        options: OutputOptions<'_>,
    ) -> Result<(Self, Vec<Diagnostic>), Vec<Diagnostic>> {
        let path = resolve(requested).map_err(|e| {
            vec![Diagnostic::error(format!(
                "impossible de trouver le dossier de sortie « {} » : {}",
                requested.display(),
                crate::fs::describe_io_error(&e)
            ))]
        })?;
        if let Some(reason) = forbidden(&path, options.site_root, home_folder().as_deref()) {
            return Err(vec![Diagnostic::error(format!(
                "« {} » ne peut pas servir de dossier de sortie : {reason}",
                requested.display()
            ))
            .with_hint(
                "guide remplace tout le contenu du dossier de sortie : choisissez un dossier à part avec --output, par exemple « public » dans le dossier du site (le choix par défaut)",
            )]);
        }
        let keep = kept_paths(options.keep);
        let lock = lock_parent(&path);
        let inspection = ownership::inspect(&path, &keep).map_err(|e| {
            vec![Diagnostic::error(format!(
                "impossible de lire le dossier de sortie « {} » : {}",
                path.display(),
                crate::fs::describe_io_error(&e)
            ))]
        })?;
        let warnings = judge(requested, &inspection, options.force)?;
        let mode = if is_mount_point(&path) {
            SwapMode::InPlace
        } else {
            SwapMode::Rename
        };
        Ok((
            Self {
                path,
                mode,
                keep,
                _lock: lock,
            },
            warnings,
        ))
    }
}

/// `.git` and the `output.keep` paths, as plain relative paths.
fn kept_paths(keep: &[String]) -> Vec<String> {
    let mut kept = vec![".git".to_string()];
    kept.extend(
        keep.iter()
            .map(|k| k.trim_matches('/').to_string())
            .filter(|k| !k.is_empty() && super::is_safe_relative(k)),
    );
    kept.dedup();
    kept
}

/// Files `guide` did not write stop the build, unless `--force` was given: then they are
/// listed in a warning.
fn judge(
    requested: &Path,
    inspection: &Inspection,
    force: bool,
) -> Result<Vec<Diagnostic>, Vec<Diagnostic>> {
    let strangers = &inspection.strangers;
    if strangers.is_empty() {
        return Ok(Vec::new());
    }
    let listed = list_some(strangers);
    let folder = requested.display();
    if force {
        return Ok(vec![Diagnostic::warning(format!(
            "--force : {} que guide n'a pas écrit{} supprimé{} de « {folder} » : {listed}",
            files_fr(strangers.len()),
            plural(strangers.len()),
            plural(strangers.len()),
        ))]);
    }
    let error = if inspection.owned {
        Diagnostic::error(format!(
            "« {folder} » contient {} que guide n'a pas écrit{} : {listed}",
            files_fr(strangers.len()),
            plural(strangers.len()),
        ))
        .with_hint(
            "pour les garder d'une construction à l'autre, ajoutez leurs chemins à output.keep dans guide.yaml ; pour les publier, placez-les dans static/ ; --force les supprime",
        )
    } else {
        Diagnostic::error(format!(
            "« {folder} » n'a pas été écrit par guide : y construire le site supprimerait {} ({listed})",
            files_fr(strangers.len()),
        ))
        .with_hint(
            "choisissez un autre dossier avec --output, ou videz celui-ci ; --force le remplace (tout ce qu'il contient est supprimé, sauf .git/ et les chemins de output.keep)",
        )
    };
    Err(vec![error])
}

fn files_fr(count: usize) -> String {
    if count == 1 {
        "1 fichier".into()
    } else {
        format!("{count} fichiers")
    }
}

fn plural(count: usize) -> &'static str {
    if count == 1 {
        ""
    } else {
        "s"
    }
}

/// The first few paths, then how many more.
fn list_some(paths: &[String]) -> String {
    const SHOWN: usize = 5;
    let mut text = paths
        .iter()
        .take(SHOWN)
        .map(|p| format!("« {p} »"))
        .collect::<Vec<_>>()
        .join(", ");
    if paths.len() > SHOWN {
        text.push_str(&format!(" et {} autres", paths.len() - SHOWN));
    }
    text
}

/// Locks the output's parent folder for this build (`flock`, released when the process ends,
/// even killed); says so when another build holds it, and waits.
#[cfg(unix)]
fn lock_parent(output: &Path) -> Option<File> {
    use std::os::fd::AsRawFd;
    let parent = output.parent()?;
    let folder = File::open(parent).ok()?;
    let fd = folder.as_raw_fd();
    // SAFETY: `fd` is an open descriptor owned by `folder`, alive across both calls.
    if unsafe { libc::flock(fd, libc::LOCK_EX | libc::LOCK_NB) } != 0 {
        eprintln!(
            "Une autre construction écrit déjà dans « {} » : attente de sa fin…",
            output.display()
        );
        // SAFETY: as above.
        if unsafe { libc::flock(fd, libc::LOCK_EX) } != 0 {
            return None;
        }
    }
    Some(folder)
}

#[cfg(not(unix))]
fn lock_parent(_: &Path) -> Option<File> {
    None
}

/// Whether `path` is a mount point: on another device than its parent, or listed as a mount
/// in `/proc/self/mountinfo` (a bind mount of the same device).
fn is_mount_point(path: &Path) -> bool {
    on_another_device(path) || listed_as_mount(path)
}

#[cfg(unix)]
fn on_another_device(path: &Path) -> bool {
    use std::os::unix::fs::MetadataExt;
    let device = |p: &Path| std::fs::metadata(p).map(|m| m.dev()).ok();
    match (device(path), path.parent().and_then(device)) {
        (Some(own), Some(parent)) => own != parent,
        _ => false,
    }
}

#[cfg(not(unix))]
fn on_another_device(_: &Path) -> bool {
    false
}

fn listed_as_mount(path: &Path) -> bool {
    let Ok(table) = std::fs::read_to_string("/proc/self/mountinfo") else {
        return false;
    };
    table
        .lines()
        .filter_map(|line| line.split(' ').nth(4))
        .any(|point| Path::new(&unescape_mount(point)) == path)
}

/// `/proc/self/mountinfo` writes space, tab, newline and backslash as octal escapes.
fn unescape_mount(point: &str) -> String {
    point
        .replace("\\040", " ")
        .replace("\\011", "\t")
        .replace("\\012", "\n")
        .replace("\\134", "\\")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_sites_folders_the_disk_and_home_are_forbidden() {
        let root = Path::new("/srv/site");
        let home = Some(Path::new("/home/ed"));
        for (output, expected) in [
            ("/", "racine du disque"),
            ("/home", "dossier personnel"),
            ("/home/ed", "dossier personnel"),
            ("/srv/site", "dossier du site"),
            ("/srv", "dossier du site"),
            ("/srv/site/content", "content/"),
            ("/srv/site/static/sortie", "static/"),
            ("/srv/site/themes/x/public", "themes/"),
        ] {
            let reason = forbidden(Path::new(output), root, home)
                .unwrap_or_else(|| panic!("{output} allowed"));
            assert!(reason.contains(expected), "{output}: {reason}");
        }
        for output in ["/srv/site/public", "/srv/www", "/home/ed/site-public"] {
            assert_eq!(forbidden(Path::new(output), root, home), None, "{output}");
        }
    }

    #[test]
    fn missing_parts_are_resolved_lexically_and_symlinks_followed() {
        let dir = tempfile::tempdir().unwrap();
        let base = std::fs::canonicalize(dir.path()).unwrap();
        assert_eq!(resolve(&base.join("a/../b/c")).unwrap(), base.join("b/c"));
        #[cfg(unix)]
        {
            std::os::unix::fs::symlink(base.join("www"), base.join("public")).unwrap();
            assert_eq!(resolve(&base.join("public")).unwrap(), base.join("www"));
            std::os::unix::fs::symlink("boucle", base.join("boucle")).unwrap();
            assert!(resolve(&base.join("boucle")).is_err());
        }
    }

    #[test]
    fn mount_points_are_read_with_their_escapes() {
        assert_eq!(unescape_mount("/mnt/mon\\040volume"), "/mnt/mon volume");
    }
}
