//! `guide new <section> "<Titre>"`: a new page that passes `guide check` as it stands.

use std::path::Path;

use crate::diagnostic::{closest, Diagnostic};

/// Writes `content/<section>/<slug>.md`; returns the exit status.
pub fn run(root: &Path, section: &str, title: &str) -> i32 {
    let mut diagnostics = crate::diagnostic::Diagnostics::new();
    let Some(config) = crate::config::load(root, &mut diagnostics) else {
        super::print_diagnostics(&diagnostics, super::Format::Human);
        return 1;
    };
    let section = section.trim_matches('/');
    let content = root.join(crate::content::CONTENT_DIR);
    let mut sections: Vec<String> = config.sections.keys().cloned().collect();
    if let Ok(entries) = std::fs::read_dir(&content) {
        for entry in entries.flatten() {
            if entry.path().join("_index.md").is_file() {
                let name = entry.file_name().to_string_lossy().into_owned();
                if !sections.contains(&name) {
                    sections.push(name);
                }
            }
        }
    }
    sections.sort();
    if !sections.iter().any(|s| s == section) {
        let mut d = Diagnostic::error(format!("section inconnue : « {section} »"));
        d = match closest(section, sections.iter().map(String::as_str)) {
            Some(best) => d.with_hint(format!(
                "vouliez-vous dire « {best} » ? Sections : {}",
                sections.join(", ")
            )),
            None => d.with_hint(format!("sections existantes : {}", sections.join(", "))),
        };
        super::print_diagnostics(&[d], super::Format::Human);
        return 1;
    }
    let slug = crate::slug::slugify(title);
    if slug.is_empty() {
        let d = Diagnostic::error("le titre ne contient ni lettre ni chiffre").with_hint(
            "donnez un titre, par exemple guide new projets \"Accord sur le temps de travail\"",
        );
        super::print_diagnostics(&[d], super::Format::Human);
        return 1;
    }
    let relative = Path::new(crate::content::CONTENT_DIR)
        .join(section)
        .join(format!("{slug}.md"));
    let path = root.join(&relative);
    if path.exists() {
        let d = Diagnostic::error(format!(
            "le fichier {} existe déjà : il n'a pas été modifié",
            relative.display()
        ))
        .with_hint("choisissez un autre titre, ou ouvrez le fichier existant");
        super::print_diagnostics(&[d], super::Format::Human);
        return 1;
    }
    let text = crate::scaffold::new_page(&config, section, title, &crate::pipeline::today());
    let written = path
        .parent()
        .map_or(Ok(()), crate::fs::create_dir_all)
        .and_then(|()| {
            // `create_new` so that a file appearing meanwhile is never overwritten.
            std::fs::OpenOptions::new()
                .write(true)
                .create_new(true)
                .open(&path)
                .and_then(|mut f| std::io::Write::write_all(&mut f, text.as_bytes()))
                .map_err(|source| crate::fs::FsError {
                    action: "écrire",
                    path: path.clone(),
                    source,
                })
        });
    match written {
        Ok(()) => {
            eprintln!("Page créée : {}", relative.display());
            eprintln!("Complétez les champs « À compléter », puis retirez « draft: true » pour la publier.");
            0
        }
        Err(e) => {
            super::print_diagnostics(&[Diagnostic::error(e.to_string())], super::Format::Human);
            1
        }
    }
}
