//! `guide pdf`: builds the site, then prints the printed edition to PDF with headless Chromium.

use std::path::{Path, PathBuf};
use std::process::Command;

use crate::diagnostic::Diagnostic;
use crate::pipeline::BuildOptions;

/// Finds a Chromium or Chrome executable: `GUIDE_CHROMIUM`, then the usual names on `PATH`.
pub fn find_chromium() -> Option<PathBuf> {
    if let Some(path) = std::env::var_os("GUIDE_CHROMIUM") {
        return Some(PathBuf::from(path)).filter(|p| p.is_file());
    }
    let path = std::env::var_os("PATH")?;
    [
        "chromium",
        "chromium-browser",
        "google-chrome",
        "google-chrome-stable",
    ]
    .iter()
    .flat_map(|name| std::env::split_paths(&path).map(move |dir| dir.join(name)))
    .find(|candidate| candidate.is_file())
}

fn fail(d: Diagnostic) -> i32 {
    super::print_diagnostics(&[d], super::Format::Human);
    1
}

/// Runs the command; returns the exit status.
pub fn run(options: &BuildOptions) -> i32 {
    let (config, diagnostics) = crate::config::load(&options.root);
    let Some(config) = config else {
        super::print_diagnostics(&diagnostics, super::Format::Human);
        return 1;
    };
    let Some(print) = config.reader.print.clone() else {
        return fail(
            Diagnostic::error("ce site n'a pas d'édition imprimable")
                .in_file(crate::config::CONFIG_FILE)
                .with_hint("ajoutez reader.print dans guide.yaml (voir docs/templates.md)"),
        );
    };
    let Some(chromium) = find_chromium() else {
        return fail(Diagnostic::error("Chromium (ou Chrome) est introuvable : il sert à imprimer le guide en PDF").with_hint(
            "installez-le (Debian, Ubuntu : sudo apt-get install chromium ; macOS, Windows : installez Google Chrome), ou indiquez son chemin dans la variable GUIDE_CHROMIUM",
        ));
    };
    let status = super::build::run(options, super::Format::Human);
    if status != 0 {
        return status;
    }
    let output = options
        .output
        .clone()
        .unwrap_or_else(|| options.root.join("public"));
    let url = match crate::serve::serve_folder(output.clone()) {
        Ok(base) => format!("{base}{}/", print.page.trim_matches('/')),
        Err(e) => {
            return fail(Diagnostic::error(format!(
                "impossible de servir le site pour l'imprimer : {e}"
            )))
        }
    };
    let profile = match tempfile_dir() {
        Ok(dir) => dir,
        Err(e) => {
            return fail(Diagnostic::error(format!(
                "impossible de créer un dossier temporaire : {e}"
            )))
        }
    };
    let target = output.join(&print.pdf);
    let partial = output.join(format!(".{}.partiel", print.pdf));
    let result = Command::new(&chromium)
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--no-first-run",
            "--no-pdf-header-footer",
            "--virtual-time-budget=5000",
        ])
        .arg(format!("--user-data-dir={}", profile.display()))
        .arg(format!("--print-to-pdf={}", partial.display()))
        .arg(&url)
        .output();
    let _ = std::fs::remove_dir_all(&profile);
    match result {
        Ok(out) if out.status.success() && is_pdf(&partial) => {
            match std::fs::rename(&partial, &target) {
                Ok(()) => {
                    eprintln!("PDF écrit : {}", target.display());
                    0
                }
                Err(e) => fail(Diagnostic::error(format!(
                    "impossible d'écrire {} : {e}",
                    target.display()
                ))),
            }
        }
        Ok(out) => {
            let _ = std::fs::remove_file(&partial);
            fail(Diagnostic::error(format!(
                "Chromium n'a pas produit de PDF : {}",
                String::from_utf8_lossy(&out.stderr)
                    .lines()
                    .last()
                    .unwrap_or("raison inconnue")
            )))
        }
        Err(e) => fail(Diagnostic::error(format!(
            "impossible de lancer {} : {e}",
            chromium.display()
        ))),
    }
}

fn is_pdf(path: &Path) -> bool {
    std::fs::read(path).is_ok_and(|bytes| bytes.starts_with(b"%PDF"))
}

fn tempfile_dir() -> std::io::Result<PathBuf> {
    let dir = std::env::temp_dir().join(format!("guide-pdf-{}", std::process::id()));
    std::fs::create_dir_all(&dir)?;
    Ok(dir)
}
