//! What `guide new` writes and what `guide champs` prints, both drawn from `guide.yaml`.
//!
//! - [`new_page`]: the text of a new page of a section: every field of the section's schema,
//!   required ones marked, allowed values and descriptions in YAML comments, today's date and
//!   `draft: true`, then the section's headings. The file passes `guide check` as it stands.
//! - [`field_reference`]: the Markdown reference of every section's fields and every taxonomy,
//!   pasted into the editor's handbook between two markers, so that it cannot drift.

use std::fmt::Write as _;

use indexmap::IndexMap;
use serde_json::Value;

use crate::config::{FieldConfig, FieldType, SiteConfig};

/// The marker lines of the generated part of the handbook.
pub const REFERENCE_START: &str = "<!-- champs:debut -->";
/// See [`REFERENCE_START`].
pub const REFERENCE_END: &str = "<!-- champs:fin -->";

/// Quotes a text for YAML (double quotes, escaped).
pub fn quote(text: &str) -> String {
    let mut out = String::from("\"");
    for c in text.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            c if c.is_control() => {}
            other => out.push(other),
        }
    }
    out.push('"');
    out
}

fn value_text(value: &Value) -> String {
    match value {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

fn allowed_text(field: &FieldConfig) -> Option<String> {
    field
        .allowed
        .as_ref()
        .map(|a| a.iter().map(value_text).collect::<Vec<_>>().join(", "))
}

fn bounds_text(field: &FieldConfig) -> Option<String> {
    let unit = match field.kind {
        FieldType::String => " caractères",
        FieldType::List => " éléments",
        _ => "",
    };
    let unit_for = |n: f64| {
        if n <= 1.0 {
            unit.trim_end_matches('s').to_string()
        } else {
            unit.to_string()
        }
    };
    match (field.min, field.max) {
        (Some(min), Some(max)) => Some(format!("de {min} à {max}{unit}")),
        (Some(min), None) => Some(format!("au moins {min}{}", unit_for(min))),
        (None, Some(max)) => Some(format!("au plus {max}{unit}")),
        (None, None) => None,
    }
}

fn comment(field: &FieldConfig) -> String {
    let mut parts = vec![if field.required {
        "obligatoire".to_string()
    } else {
        "facultatif".to_string()
    }];
    parts.push(field.kind.french().to_string());
    if !field.description.is_empty() {
        parts.push(field.description.clone());
    }
    if let Some(allowed) = allowed_text(field) {
        parts.push(format!("valeurs permises : {allowed}"));
    }
    if let Some(items) = &field.items {
        if let Some(allowed) = allowed_text(items) {
            parts.push(format!("valeurs permises : {allowed}"));
        }
    }
    if let Some(bounds) = bounds_text(field) {
        parts.push(bounds);
    }
    format!("# {}", parts.join(" — "))
}

/// A placeholder value that passes the field's checks.
fn placeholder(field: &FieldConfig, today: &str) -> String {
    if let Some(first) = field.allowed.as_ref().and_then(|a| a.first()) {
        return match first {
            Value::String(s) => quote(s),
            other => other.to_string(),
        };
    }
    match field.kind {
        FieldType::String => {
            let min = field.min.unwrap_or(0.0) as usize;
            let text = "À compléter";
            if text.chars().count() >= min {
                quote(text)
            } else {
                quote(&format!("{text}{}", ".".repeat(min - text.chars().count())))
            }
        }
        FieldType::Integer => format!(
            "{}",
            field
                .min
                .map_or(0, |m| m.ceil() as i64)
                .max(field.max.map_or(i64::MIN, |m| m.floor() as i64).min(0))
        ),
        FieldType::Float => format!("{}", field.min.unwrap_or(0.0)),
        FieldType::Boolean => "false".into(),
        FieldType::Date => today.into(),
        FieldType::Url => quote("https://"),
        FieldType::Enum => "\"\"".into(),
        FieldType::List | FieldType::Map => String::new(),
    }
}

fn write_fields(
    out: &mut String,
    fields: &IndexMap<String, FieldConfig>,
    indent: usize,
    today: &str,
) {
    let pad = " ".repeat(indent);
    for (name, field) in fields {
        let _ = writeln!(out, "{pad}{}", comment(field));
        match field.kind {
            FieldType::Map => {
                let nested = field.fields.clone().unwrap_or_default();
                if field.required {
                    let _ = writeln!(out, "{pad}{name}:");
                    write_fields(out, &nested, indent + 2, today);
                } else {
                    // Optional: left empty, its fields shown in comments to copy.
                    let _ = writeln!(out, "{pad}{name}:");
                    let mut sample = String::new();
                    write_fields(&mut sample, &nested, 0, today);
                    for line in sample.lines().filter(|l| !l.starts_with('#')) {
                        let _ = writeln!(out, "{pad}#   {line}");
                    }
                }
            }
            FieldType::List => {
                let items = field.items.as_deref();
                let min = field.min.unwrap_or(0.0) as usize;
                let wanted = if field.required { min.max(1) } else { min };
                match items {
                    Some(item)
                        if wanted > 0
                            && item.kind != FieldType::Map
                            && item.kind != FieldType::List =>
                    {
                        let _ = writeln!(out, "{pad}{name}:");
                        for _ in 0..wanted {
                            let _ = writeln!(out, "{pad}  - {}", placeholder(item, today));
                        }
                    }
                    Some(item) if wanted > 0 && item.kind == FieldType::Map => {
                        let _ = writeln!(out, "{pad}{name}:");
                        for _ in 0..wanted {
                            let mut sample = String::new();
                            write_fields(
                                &mut sample,
                                item.fields.as_ref().unwrap_or(&IndexMap::new()),
                                0,
                                today,
                            );
                            let mut first = true;
                            for line in sample.lines().filter(|l| !l.starts_with('#')) {
                                let prefix = if first { "- " } else { "  " };
                                first = false;
                                let _ = writeln!(out, "{pad}  {prefix}{line}");
                            }
                        }
                    }
                    _ => {
                        let _ = writeln!(out, "{pad}{name}: []");
                    }
                }
            }
            _ if !field.required => {
                let _ = writeln!(out, "{pad}{name}:");
            }
            _ => {
                let _ = writeln!(out, "{pad}{name}: {}", placeholder(field, today));
            }
        }
    }
}

/// The text of a new page titled `title` in `section`.
pub fn new_page(config: &SiteConfig, section: &str, title: &str, today: &str) -> String {
    let mut out = String::from("---\n");
    let _ = writeln!(
        out,
        "# Titre de la page, affiché en haut et dans les listes."
    );
    let _ = writeln!(out, "title: {}", quote(title));
    match &config.edition {
        // With editions, a page is dated by its edition; a day is written only when known.
        Some(edition) => {
            let _ = writeln!(
                out,
                "# Sans « date: », la page est de l'édition en cours ({}). Le jour de publication,",
                edition.name
            );
            let _ = writeln!(out, "# AAAA-MM-JJ, ne s'écrit que s'il est connu :");
            let _ = writeln!(out, "# date: {today}");
        }
        None => {
            let _ = writeln!(out, "# Date de publication, AAAA-MM-JJ.");
            let _ = writeln!(out, "date: {today}");
        }
    }
    let _ = writeln!(
        out,
        "# Une ou deux phrases qui résument la page (listes, recherche, flux)."
    );
    let _ = writeln!(out, "summary: {}", quote("À compléter"));
    let _ = writeln!(
        out,
        "# Brouillon : la page n'est pas publiée tant que cette ligne vaut true."
    );
    let _ = writeln!(out, "draft: true");
    for taxonomy in &config.taxonomies {
        let required = taxonomy.required_in.iter().any(|s| s == section);
        let mut note = vec![
            if required {
                "obligatoire".to_string()
            } else {
                "facultatif".to_string()
            },
            taxonomy.title.clone(),
        ];
        if taxonomy.single {
            note.push("un seul terme".into());
        } else if let Some(max) = taxonomy.max_terms {
            note.push(format!("de 1 à {max} termes"));
        }
        if let Some(terms) = &taxonomy.terms {
            note.push(format!(
                "termes : {}",
                terms
                    .iter()
                    .map(|t| t.slug.as_str())
                    .collect::<Vec<_>>()
                    .join(", ")
            ));
        }
        let _ = writeln!(out, "# {}", note.join(" — "));
        let first = taxonomy
            .terms
            .as_ref()
            .and_then(|t| t.first())
            .map(|t| t.slug.clone());
        match (required, first) {
            (true, Some(first)) if taxonomy.single => {
                let _ = writeln!(out, "{}: {first}", taxonomy.name);
            }
            (true, Some(first)) => {
                let _ = writeln!(out, "{}: [{first}]", taxonomy.name);
            }
            (true, None) => {
                let _ = writeln!(out, "{}: [{}]", taxonomy.name, quote("À compléter"));
            }
            (false, _) if taxonomy.single => {
                let _ = writeln!(out, "{}:", taxonomy.name);
            }
            (false, _) => {
                let _ = writeln!(out, "{}: []", taxonomy.name);
            }
        }
    }
    if let Some(section_config) = config.section(section) {
        write_fields(&mut out, &section_config.schema, 0, today);
    }
    out.push_str("---\n");
    let headings = config
        .section(section)
        .map(|s| s.headings.clone())
        .unwrap_or_default();
    if headings.is_empty() {
        out.push_str("\nÉcrivez ici le texte de la page, en Markdown.\n");
    }
    for heading in headings {
        let _ = write!(out, "\n## {heading}\n\nÀ compléter.\n");
    }
    out
}

fn describe_field(name: &str, field: &FieldConfig, out: &mut String) {
    let mut details = vec![field.kind.french().to_string()];
    if let Some(allowed) = allowed_text(field) {
        details.push(format!("valeurs : {allowed}"));
    }
    if let Some(items) = &field.items {
        details.push(format!("chaque élément : {}", items.kind.french()));
        if let Some(allowed) = allowed_text(items) {
            details.push(format!("valeurs : {allowed}"));
        }
    }
    if let Some(bounds) = bounds_text(field) {
        details.push(bounds);
    }
    let required = if field.required { "oui" } else { "non" };
    let description = field.description.replace('|', "\\|");
    let _ = writeln!(
        out,
        "| `{name}` | {required} | {} | {description} |",
        details.join(" ; ").replace('|', "\\|")
    );
    if let Some(fields) = &field.fields {
        for (child, child_field) in fields {
            describe_field(&format!("{name}.{child}"), child_field, out);
        }
    }
    if let Some(fields) = field.items.as_ref().and_then(|i| i.fields.as_ref()) {
        for (child, child_field) in fields {
            describe_field(&format!("{name}[].{child}"), child_field, out);
        }
    }
}

/// The Markdown reference of fields and taxonomies.
pub fn field_reference(config: &SiteConfig) -> String {
    let mut out = String::new();
    out.push_str("### Champs communs à toutes les pages\n\n");
    out.push_str("| champ | obligatoire | forme | rôle |\n|---|---|---|---|\n");
    for (name, required, form, role) in [
        ("title", "oui", "un texte", "titre de la page"),
        (
            "date",
            "non",
            "une date AAAA-MM-JJ",
            "jour de publication, seulement s'il est connu",
        ),
        (
            "updated",
            "non",
            "une date AAAA-MM-JJ",
            "date de mise à jour après la publication (« Mis à jour le… »)",
        ),
        (
            "edition",
            "non",
            "un texte",
            "édition où la page a été publiée (par défaut : l'édition en cours)",
        ),
        (
            "summary",
            "non",
            "un texte",
            "résumé montré dans les listes",
        ),
        ("draft", "non", "true ou false", "brouillon non publié"),
        (
            "weight",
            "non",
            "un nombre entier",
            "ordre dans les listes (petit d'abord)",
        ),
        ("slug", "non", "un texte", "fin de l'adresse de la page"),
        (
            "aliases",
            "non",
            "une liste",
            "anciennes adresses redirigées ici",
        ),
    ] {
        let _ = writeln!(out, "| `{name}` | {required} | {form} | {role} |");
    }
    for (section, section_config) in &config.sections {
        if section_config.schema.is_empty() {
            continue;
        }
        let _ = write!(out, "\n### Champs des pages de « {section} »\n\n");
        out.push_str("| champ | obligatoire | forme | rôle |\n|---|---|---|---|\n");
        for (name, field) in &section_config.schema {
            describe_field(name, field, &mut out);
        }
    }
    out.push_str("\n### Classements (taxonomies)\n");
    for taxonomy in &config.taxonomies {
        let mut notes = Vec::new();
        if taxonomy.single {
            notes.push("un seul terme par page".to_string());
        }
        if let Some(max) = taxonomy.max_terms {
            notes.push(format!("au plus {max} termes"));
        }
        if !taxonomy.required_in.is_empty() {
            notes.push(format!(
                "obligatoire dans : {}",
                taxonomy.required_in.join(", ")
            ));
        }
        let _ = write!(out, "\n**`{}`** — {}", taxonomy.name, taxonomy.title);
        if !notes.is_empty() {
            let _ = write!(out, " ({})", notes.join(" ; "));
        }
        out.push('\n');
        if let Some(terms) = &taxonomy.terms {
            out.push('\n');
            for term in terms {
                let _ = writeln!(out, "- `{}` : {}", term.slug, term.title);
            }
        }
    }
    out
}

/// Replaces the part of `document` between the markers with `reference`.
pub fn splice_reference(document: &str, reference: &str) -> Option<String> {
    let start = document.find(REFERENCE_START)? + REFERENCE_START.len();
    let end = document[start..].find(REFERENCE_END)? + start;
    Some(format!(
        "{}\n{}{}",
        &document[..start],
        reference,
        &document[end..]
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quoting_escapes_quotes_and_backslashes() {
        assert_eq!(
            quote("Le « projet » \"A\" \\"),
            "\"Le « projet » \\\"A\\\" \\\\\""
        );
    }

    #[test]
    fn the_reference_is_spliced_between_the_markers() {
        let doc = format!("avant\n{REFERENCE_START}\nvieux\n{REFERENCE_END}\naprès\n");
        let new = splice_reference(&doc, "neuf\n").unwrap();
        assert_eq!(
            new,
            format!("avant\n{REFERENCE_START}\nneuf\n{REFERENCE_END}\naprès\n")
        );
        assert!(splice_reference("sans marqueurs", "x").is_none());
    }
}
