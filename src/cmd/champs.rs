//! `guide champs`: the reference of fields and taxonomies, from `guide.yaml`.

use std::path::Path;

use crate::diagnostic::Diagnostic;
use crate::scaffold::{field_reference, splice_reference, REFERENCE_END, REFERENCE_START};

/// What `guide champs` writes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, clap::ValueEnum)]
pub enum ChampsFormat {
    /// La référence des champs, en Markdown.
    #[default]
    Markdown,
    /// Un schéma JSON de l'en-tête de chaque section.
    JsonSchema,
}

/// Prints the JSON Schema of each section's front matter (an object by section name), or
/// writes `<section>.schema.json` files into `folder`.
pub fn run_json_schema(root: &Path, folder: Option<&Path>) -> i32 {
    let mut diagnostics = crate::diagnostic::Diagnostics::new();
    let Some(config) = crate::config::load(root, &mut diagnostics) else {
        super::print_diagnostics(&diagnostics, super::Format::Human);
        return 1;
    };
    let schemas = crate::scaffold::json_schemas(&config);
    let pretty =
        |value: &serde_json::Value| serde_json::to_string_pretty(value).unwrap_or_default() + "\n";
    let Some(folder) = folder else {
        let all: serde_json::Map<String, serde_json::Value> = schemas.into_iter().collect();
        print!("{}", pretty(&serde_json::Value::Object(all)));
        return 0;
    };
    if let Err(e) = crate::fs::create_dir_all(folder) {
        return super::fail(Diagnostic::error(e.to_string()));
    }
    for (section, schema) in &schemas {
        let path = folder.join(format!("{section}.schema.json"));
        if let Err(e) = crate::fs::write(&path, pretty(schema).as_bytes()) {
            return super::fail(Diagnostic::error(e.to_string()));
        }
        eprintln!("Schéma écrit : {}", path.display());
    }
    0
}

/// Prints the reference, or writes it into `document` between the markers.
pub fn run(root: &Path, document: Option<&Path>) -> i32 {
    let mut diagnostics = crate::diagnostic::Diagnostics::new();
    let Some(config) = crate::config::load(root, &mut diagnostics) else {
        super::print_diagnostics(&diagnostics, super::Format::Human);
        return 1;
    };
    let reference = field_reference(&config);
    let Some(document) = document else {
        print!("{reference}");
        return 0;
    };
    let fail = |d: Diagnostic| {
        super::print_diagnostics(&[d], super::Format::Human);
        1
    };
    let text = match crate::fs::read_to_string(document) {
        Ok(text) => text,
        Err(e) => return fail(Diagnostic::error(e.to_string())),
    };
    let Some(updated) = splice_reference(&text, &reference) else {
        return fail(
            Diagnostic::error(format!(
                "les repères {REFERENCE_START} et {REFERENCE_END} manquent dans {}",
                document.display()
            ))
            .with_hint("ajoutez ces deux lignes là où la référence doit figurer"),
        );
    };
    if let Err(e) = crate::fs::write(document, updated.as_bytes()) {
        return fail(Diagnostic::error(e.to_string()));
    }
    eprintln!(
        "Référence des champs mise à jour dans {}.",
        document.display()
    );
    0
}
