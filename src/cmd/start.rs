//! `guide` with no command, as a double-click starts it: the preview of the site the program
//! sits in (or is started in), opened in the browser; elsewhere, what to do, in French.

use std::io::IsTerminal;
use std::net::{IpAddr, Ipv4Addr};
use std::path::{Path, PathBuf};

use crate::serve::{self, ServeOptions};

/// Exit status when there is no site to open: a usage error, as clap gives.
const NO_SITE: i32 = 2;

/// Runs the preview of the site found from `root` or beside the executable, and opens it in
/// the browser; explains what to do when there is none.
pub fn run(root: &Path) -> i32 {
    let executable = std::env::current_exe().ok();
    match find_site(root, executable.as_deref()) {
        Some(site) => serve::run(&ServeOptions {
            root: site,
            bind: IpAddr::V4(Ipv4Addr::LOCALHOST),
            port: serve::DEFAULT_PORT,
            hosts: Vec::new(),
            open_browser: true,
        }),
        None => {
            eprintln!("{}", explanation(root, executable.as_deref()));
            wait_for_enter();
            NO_SITE
        }
    }
}

/// The site folder: `root` (the folder the program runs in, unless `--root` says otherwise),
/// else the executable's folder, the first that holds a `guide.yaml`.
fn find_site(root: &Path, executable: Option<&Path>) -> Option<PathBuf> {
    let beside = executable.and_then(Path::parent);
    [Some(root), beside]
        .into_iter()
        .flatten()
        .find(|folder| folder.join("guide.yaml").is_file())
        .map(|folder| std::path::absolute(folder).unwrap_or_else(|_| folder.to_path_buf()))
}

/// What to do when no site was found, in French.
fn explanation(root: &Path, executable: Option<&Path>) -> String {
    let here = std::path::absolute(root).unwrap_or_else(|_| root.to_path_buf());
    let mut text = format!(
        "Aucun guide ici : le fichier guide.yaml est introuvable dans {}",
        here.display()
    );
    if let Some(folder) = executable.and_then(Path::parent) {
        text.push_str(&format!(" ni à côté du programme ({})", folder.display()));
    }
    text.push_str(
        ".\n\nPour ouvrir l'aperçu du guide :\n\
         - placez le programme guide dans le dossier du site (celui qui contient guide.yaml) \
         et double-cliquez dessus ;\n\
         - ou, dans un terminal ouvert dans ce dossier, tapez « guide serve ».\n\n\
         « guide --help » liste toutes les commandes ; le manuel de l'éditeur est \
         docs/guide-editeur.md.",
    );
    text
}

/// Keeps a window opened by a double-click on screen until the reader has read it.
fn wait_for_enter() {
    if std::io::stdin().is_terminal() {
        eprintln!("\nAppuyez sur Entrée pour fermer cette fenêtre.");
        let mut line = String::new();
        let _ = std::io::stdin().read_line(&mut line);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_site_is_the_folder_or_the_programs_folder() {
        let site = tempfile::tempdir().unwrap();
        std::fs::write(site.path().join("guide.yaml"), "title: x\n").unwrap();
        let elsewhere = tempfile::tempdir().unwrap();
        let program = site.path().join("guide");
        assert_eq!(find_site(site.path(), None).as_deref(), Some(site.path()));
        assert_eq!(
            find_site(elsewhere.path(), Some(&program)).as_deref(),
            Some(site.path())
        );
        assert_eq!(find_site(elsewhere.path(), None), None);
    }
}
