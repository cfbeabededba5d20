//! The watcher of the site's files. A watch follows a folder, not a name: when `content/`
//! (or `themes/`, `static/`) is deleted and created again, or moved away and back, as sync
//! tools do, its watch is gone. The site root is watched too (not recursively), so such a
//! folder's comings and goings are seen; [`Watcher::follow_folders`] then watches it again
//! and says so in the terminal.

use std::path::{Path, PathBuf};
use std::sync::mpsc::Sender;
use std::time::Duration;

use notify_debouncer_full::notify::{RecommendedWatcher, RecursiveMode};
use notify_debouncer_full::{DebounceEventResult, Debouncer, RecommendedCache};

/// The folders of the site that are watched with everything under them.
const FOLDERS: [&str; 3] = ["content", "themes", "static"];

/// The watcher, and which of [`FOLDERS`] were there at the last look.
pub(super) struct Watcher {
    debouncer: Debouncer<RecommendedWatcher, RecommendedCache>,
    root: PathBuf,
    present: [bool; FOLDERS.len()],
}

impl Watcher {
    /// Watches the site at `root`; debounced batches of events go to `events`.
    pub(super) fn start(
        root: &Path,
        debounce: Duration,
        events: Sender<DebounceEventResult>,
    ) -> notify_debouncer_full::notify::Result<Self> {
        let mut debouncer =
            notify_debouncer_full::new_debouncer(debounce, Some(debounce / 4), events)?;
        debouncer.watch(root, RecursiveMode::NonRecursive)?;
        let mut watcher = Self {
            debouncer,
            root: root.to_path_buf(),
            present: [false; FOLDERS.len()],
        };
        for (i, folder) in FOLDERS.iter().enumerate() {
            let path = root.join(folder);
            watcher.present[i] = path.is_dir() && watcher.watch(folder, &path);
        }
        Ok(watcher)
    }

    fn watch(&mut self, folder: &str, path: &Path) -> bool {
        match self.debouncer.watch(path, RecursiveMode::Recursive) {
            Ok(()) => true,
            Err(e) => {
                eprintln!("Attention : impossible de surveiller le dossier {folder}/ : {e}");
                false
            }
        }
    }

    /// Watches again each folder that `changed` names itself (deleted, created, moved) or
    /// that came or went since the last look; tells the terminal.
    pub(super) fn follow_folders(&mut self, changed: &[PathBuf]) {
        for (i, folder) in FOLDERS.iter().enumerate() {
            let path = self.root.join(folder);
            let touched = changed.contains(&path);
            let now = path.is_dir();
            let before = self.present[i];
            if !touched && now == before {
                continue;
            }
            // The old watch may follow the folder where it went: drop it.
            let _ = self.debouncer.unwatch(&path);
            let watched = now && self.watch(folder, &path);
            self.present[i] = watched;
            match (before, now) {
                (true, false) => eprintln!("Le dossier {folder}/ a disparu (supprimé ou déplacé) : l'aperçu le surveillera de nouveau dès qu'il reviendra."),
                (_, true) if watched => eprintln!("Le dossier {folder}/ est revenu : l'aperçu le surveille de nouveau."),
                _ => {}
            }
        }
    }
}
