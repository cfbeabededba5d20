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

/// The JSON Schema of one field; `may_be_empty` for an optional field of a map.
fn field_schema(field: &FieldConfig, may_be_empty: bool) -> Value {
    let mut schema = serde_json::Map::new();
    let kind = match field.kind {
        FieldType::String | FieldType::Date | FieldType::Url => Some("string"),
        FieldType::Integer => Some("integer"),
        FieldType::Float => Some("number"),
        FieldType::Boolean => Some("boolean"),
        FieldType::List => Some("array"),
        FieldType::Map => Some("object"),
        FieldType::Enum => None,
    };
    if let Some(kind) = kind {
        schema.insert("type".into(), kind.into());
    }
    if !field.description.is_empty() {
        schema.insert("description".into(), field.description.clone().into());
    }
    if let Some(allowed) = &field.allowed {
        schema.insert("enum".into(), Value::Array(allowed.clone()));
    }
    match field.kind {
        FieldType::Date => {
            schema.insert("format".into(), "date".into());
            schema.insert("pattern".into(), "^[0-9]{4}-[0-9]{2}-[0-9]{2}$".into());
        }
        FieldType::Url => {
            schema.insert("format".into(), "uri".into());
        }
        _ => {}
    }
    let (low, high) = match field.kind {
        FieldType::String | FieldType::Url => ("minLength", "maxLength"),
        FieldType::List => ("minItems", "maxItems"),
        _ => ("minimum", "maximum"),
    };
    let number = |n: f64| {
        if n.fract() == 0.0 && n.abs() < 9e15 {
            Value::from(n as i64)
        } else {
            serde_json::Number::from_f64(n).map_or(Value::Null, Value::Number)
        }
    };
    if let Some(min) = field.min {
        schema.insert(low.into(), number(min));
    }
    if let Some(max) = field.max {
        schema.insert(high.into(), number(max));
    }
    if let Some(items) = &field.items {
        schema.insert("items".into(), field_schema(items, false));
    }
    if let Some(fields) = &field.fields {
        let (properties, required) = properties_of(fields);
        schema.insert("properties".into(), properties);
        schema.insert("required".into(), required);
        schema.insert("additionalProperties".into(), false.into());
    }
    let mut schema = Value::Object(schema);
    if may_be_empty && !field.required {
        nullable(&mut schema);
    }
    schema
}

/// An optional field may be written empty (`departement:`), as `guide new` does.
fn nullable(schema: &mut Value) {
    if let Some(kind) = schema
        .get("type")
        .and_then(Value::as_str)
        .map(str::to_string)
    {
        schema["type"] = serde_json::json!([kind, "null"]);
    }
    if let Some(Value::Array(values)) = schema.get_mut("enum") {
        values.push(Value::Null);
    }
}

fn properties_of(fields: &IndexMap<String, FieldConfig>) -> (Value, Value) {
    let properties: serde_json::Map<String, Value> = fields
        .iter()
        .map(|(name, field)| (name.clone(), field_schema(field, true)))
        .collect();
    let required: Vec<Value> = fields
        .iter()
        .filter(|(_, f)| f.required)
        .map(|(name, _)| Value::from(name.as_str()))
        .collect();
    (Value::Object(properties), Value::Array(required))
}

/// A JSON Schema (draft 2020-12) of the front matter of each section declared in
/// `guide.yaml`, by section name: the common keys, the taxonomies (terms by slug or title)
/// and the section's fields, unknown keys refused, as `guide check` does. For editors' YAML
/// tools (e.g. yaml-language-server's `# yaml-language-server: $schema=…`).
pub fn json_schemas(config: &SiteConfig) -> IndexMap<String, Value> {
    let mut out = IndexMap::new();
    for (name, section) in &config.sections {
        let (properties, required) = properties_of(&section.schema);
        let mut properties = match properties {
            Value::Object(map) => map,
            _ => serde_json::Map::new(),
        };
        let mut required = match required {
            Value::Array(list) => list,
            _ => Vec::new(),
        };
        let text =
            |description: &str| serde_json::json!({"type": "string", "description": description});
        let common = [
            (
                "title",
                text("Titre de la page, affiché en haut et dans les listes."),
            ),
            (
                "date",
                serde_json::json!({"type": ["string", "null"], "format": "date", "pattern": "^[0-9]{4}-[0-9]{2}-[0-9]{2}$", "description": "Date de publication, AAAA-MM-JJ."}),
            ),
            (
                "updated",
                serde_json::json!({"type": ["string", "null"], "format": "date", "pattern": "^[0-9]{4}-[0-9]{2}-[0-9]{2}$", "description": "Date de mise à jour, AAAA-MM-JJ."}),
            ),
            (
                "edition",
                serde_json::json!({"type": ["string", "null"], "description": "Édition du guide."}),
            ),
            (
                "summary",
                serde_json::json!({"type": ["string", "null"], "description": "Une ou deux phrases qui résument la page."}),
            ),
            (
                "draft",
                serde_json::json!({"type": "boolean", "description": "Brouillon : la page n'est pas publiée tant que draft vaut true."}),
            ),
            (
                "weight",
                serde_json::json!({"type": "integer", "description": "Ordre dans la section."}),
            ),
            (
                "slug",
                serde_json::json!({"type": "string", "pattern": "^[a-z0-9]+(-[a-z0-9]+)*$", "description": "Adresse de la page."}),
            ),
            (
                "aliases",
                serde_json::json!({"type": "array", "items": {"type": "string"}, "description": "Anciennes adresses qui mènent à la page."}),
            ),
            ("template", text("Gabarit de la page.")),
            (
                "extra",
                serde_json::json!({"type": "object", "description": "Champs libres pour les gabarits."}),
            ),
        ];
        for (key, schema) in common {
            properties.insert(key.into(), schema);
        }
        required.insert(0, "title".into());
        for taxonomy in &config.taxonomies {
            let term = match &taxonomy.terms {
                Some(terms) => {
                    let values: Vec<Value> = terms
                        .iter()
                        .map(|t| Value::from(t.slug.as_str()))
                        .chain(terms.iter().map(|t| Value::from(t.title.as_str())))
                        .collect();
                    serde_json::json!({ "enum": values })
                }
                None => serde_json::json!({ "type": "string" }),
            };
            let is_required = taxonomy.required_in.iter().any(|s| s == name);
            let mut schema = if taxonomy.single {
                term
            } else {
                let mut list = serde_json::json!({ "type": "array", "items": term });
                if let Some(max) = taxonomy.max_terms {
                    list["maxItems"] = max.into();
                }
                if is_required {
                    list["minItems"] = 1.into();
                }
                list
            };
            schema["description"] = taxonomy.title.clone().into();
            if is_required {
                required.push(taxonomy.name.clone().into());
            } else {
                nullable(&mut schema);
            }
            properties.insert(taxonomy.name.clone(), schema);
        }
        out.insert(
            name.clone(),
            serde_json::json!({
                "$schema": "https://json-schema.org/draft/2020-12/schema",
                "title": format!("En-tête d'une page de la section « {name} »"),
                "type": "object",
                "properties": properties,
                "required": required,
                "additionalProperties": false,
            }),
        );
    }
    out
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
