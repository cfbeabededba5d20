//! Decap CMS's configuration, generated from `guide.yaml`.
//!
//! Steps:
//! 1. the backend: the team's Git host from `cms.backend` (with the editorial workflow), and,
//!    when `guide serve` serves the form, `local_backend` pointing at its own address, which
//!    Decap prefers when the form is opened on `localhost` or `127.0.0.1`;
//! 2. one folder collection per section with a schema: `content/<section>/<slug>.md`, YAML front
//!    matter, slugs without accents or punctuation as `guide new` makes them;
//! 3. its fields: `title`, `summary`, each taxonomy as a list of choices (terms' titles shown,
//!    slugs saved), each schema field with its widget, `draft`, and the body, whose default
//!    holds the section's fixed headings.
//!
//! The result is JSON, which is also YAML: Decap reads it as `config.yml`.

use serde_json::{json, Map, Value};

use crate::config::{FieldConfig, FieldType, SiteConfig, TaxonomyConfig};

/// Where the form runs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CmsMode {
    /// Served by `guide serve`: Decap talks to its local backend at this absolute URL.
    Local {
        /// The URL of the local backend, token included.
        backend_url: String,
    },
    /// Published by `guide build`: Decap talks to the team's Git host only.
    Published,
}

/// Decap's configuration for `config`.
pub fn config(config: &SiteConfig, mode: &CmsMode) -> Value {
    let cms = &config.cms;
    let public_folder = crate::config::public_folder(&cms.media_folder).unwrap_or_default();
    let mut out = Map::new();
    out.insert("locale".into(), json!(config.language));
    let local_url = match mode {
        CmsMode::Local { backend_url } => Some(backend_url.as_str()),
        CmsMode::Published => None,
    };
    let backend = match (&cms.backend, local_url) {
        (Some(backend), _) => Value::Object(backend.clone()),
        (None, Some(url)) => json!({ "name": "proxy", "proxy_url": url, "branch": "main" }),
        (None, None) => json!({ "name": "git-gateway" }),
    };
    out.insert("backend".into(), backend);
    if let Some(url) = local_url {
        out.insert("local_backend".into(), json!({ "url": url }));
    }
    if cms.backend.is_some() && cms.editorial_workflow {
        out.insert("publish_mode".into(), json!("editorial_workflow"));
    }
    out.insert("site_url".into(), json!(config.base_url));
    out.insert("display_url".into(), json!(config.base_url));
    out.insert("media_folder".into(), json!(cms.media_folder));
    out.insert("public_folder".into(), json!(public_folder));
    // The contract's slugs: accents and punctuation dropped (`Qualité de vie` → `qualite-de-vie`).
    out.insert(
        "slug".into(),
        json!({ "encoding": "ascii", "clean_accents": true, "sanitize_replacement": "-" }),
    );
    let collections: Vec<Value> = config
        .sections
        .iter()
        .filter(|(_, section)| !section.schema.is_empty())
        .map(|(name, _)| collection(config, name))
        .collect();
    out.insert("collections".into(), Value::Array(collections));
    Value::Object(out)
}

/// The folder collection of section `name`.
fn collection(config: &SiteConfig, name: &str) -> Value {
    let section = config.section(name).cloned().unwrap_or_default();
    let names = config.cms.sections.get(name).cloned().unwrap_or_default();
    let label = names.label.unwrap_or_else(|| capitalised(name));
    let singular = names.label_singular.unwrap_or_else(|| label.clone());
    let mut fields = vec![
        json!({ "label": "Titre", "name": "title", "widget": "string", "required": true,
                "hint": "Le titre de la page ; l'adresse de la page en est tirée, sans accents ni ponctuation." }),
        json!({ "label": "Résumé", "name": "summary", "widget": "text", "required": false,
                "hint": "Une ou deux phrases, montrées dans les listes et les résultats de recherche." }),
    ];
    for taxonomy in &config.taxonomies {
        fields.push(taxonomy_field(taxonomy, name));
    }
    for (key, field) in &section.schema {
        fields.push(field_widget(key, field, false));
    }
    fields.push(json!({
        "label": "Brouillon", "name": "draft", "widget": "boolean", "required": false, "default": true,
        "hint": "Un brouillon se voit dans l'aperçu mais n'est pas publié. Décochez quand la page est relue et validée."
    }));
    let body: String = section
        .headings
        .iter()
        .map(|heading| format!("## {heading}\n\n"))
        .collect();
    fields.push(json!({
        "label": "Texte", "name": "body", "widget": "markdown", "required": false,
        "default": body.trim_end(),
        "hint": "Gardez les intertitres, dans cet ordre ; écrivez sous chacun."
    }));
    json!({
        "name": name,
        "label": label,
        "label_singular": singular,
        "folder": format!("{}/{name}", crate::content::CONTENT_DIR),
        "create": true,
        "extension": "md",
        "format": "yaml-frontmatter",
        "slug": "{{slug}}",
        "summary": "{{title}}",
        "sortable_fields": ["title"],
        // The form's « Voir » link: the page in the preview (or on the published site).
        "preview_path": format!("{name}/{{{{slug}}}}/"),
        "fields": fields,
    })
}

/// A taxonomy as a list of its terms (titles shown, slugs saved), or as free text when it
/// declares no terms.
fn taxonomy_field(taxonomy: &TaxonomyConfig, section: &str) -> Value {
    let required = taxonomy.required_in.iter().any(|s| s == section);
    let mut field = Map::new();
    field.insert("label".into(), json!(taxonomy.title));
    field.insert("name".into(), json!(taxonomy.name));
    field.insert("required".into(), json!(required));
    if !taxonomy.description.is_empty() {
        field.insert("hint".into(), json!(taxonomy.description));
    }
    match &taxonomy.terms {
        Some(terms) => {
            field.insert("widget".into(), json!("select"));
            let options: Vec<Value> = terms
                .iter()
                .map(|term| json!({ "label": term.title, "value": term.slug }))
                .collect();
            field.insert("options".into(), Value::Array(options));
            if !taxonomy.single {
                field.insert("multiple".into(), json!(true));
                if required {
                    field.insert("min".into(), json!(1));
                }
                if let Some(max) = taxonomy.max_terms {
                    field.insert("max".into(), json!(max));
                }
            }
        }
        None if taxonomy.single => {
            field.insert("widget".into(), json!("string"));
        }
        None => {
            field.insert("widget".into(), json!("list"));
        }
    }
    Value::Object(field)
}

/// The widget of a schema field. `in_optional`: the field belongs to an optional map, which
/// Decap cannot leave empty when it has required fields: they are optional in the form, and
/// `guide check` (whose messages the form shows) asks for them once the map is filled in.
fn field_widget(key: &str, field: &FieldConfig, in_optional: bool) -> Value {
    let mut out = Map::new();
    out.insert(
        "label".into(),
        json!(field.label.clone().unwrap_or_else(|| capitalised(key))),
    );
    out.insert("name".into(), json!(key));
    out.insert("required".into(), json!(field.required && !in_optional));
    let mut hint = field.description.clone();
    if field.required && in_optional {
        hint = format!("{hint} (obligatoire si cette partie est remplie)")
            .trim()
            .to_string();
    }
    if !hint.is_empty() {
        out.insert("hint".into(), json!(hint));
    }
    for (name, value) in widget(field) {
        out.insert(name, value);
    }
    Value::Object(out)
}

/// The widget's name and options for a field's type.
fn widget(field: &FieldConfig) -> Map<String, Value> {
    let mut out = Map::new();
    let mut set = |name: &str, value: Value| {
        out.insert(name.to_string(), value);
    };
    let choices = |allowed: &[Value]| -> Value {
        Value::Array(
            allowed
                .iter()
                .map(|value| {
                    let text = value
                        .as_str()
                        .map_or_else(|| value.to_string(), str::to_string);
                    json!({ "label": text, "value": text })
                })
                .collect(),
        )
    };
    match field.kind {
        FieldType::String | FieldType::Enum if field.allowed.is_some() => {
            set("widget", json!("select"));
            set("options", choices(field.allowed.as_deref().unwrap_or(&[])));
        }
        FieldType::String | FieldType::Enum => set("widget", json!("string")),
        FieldType::Integer | FieldType::Float => {
            set("widget", json!("number"));
            let integer = field.kind == FieldType::Integer;
            set("value_type", json!(if integer { "int" } else { "float" }));
            let (min, max, step) = match field.allowed.as_deref().and_then(progression) {
                // Allowed values evenly spaced (0, 5, 10, 15): the number's bounds and step.
                Some(bounds) => bounds,
                None => (field.min, field.max, None),
            };
            if let Some(min) = min {
                set("min", number(min));
            }
            if let Some(max) = max {
                set("max", number(max));
            }
            if let Some(step) = step {
                set("step", number(step));
            }
        }
        FieldType::Boolean => {
            set("widget", json!("boolean"));
            set("default", json!(false));
        }
        FieldType::Date => {
            set("widget", json!("datetime"));
            set("format", json!("YYYY-MM-DD"));
            set("date_format", json!("DD/MM/YYYY"));
            set("time_format", json!(false));
            set("picker_utc", json!(true));
        }
        FieldType::Url => {
            set("widget", json!("string"));
            set(
                "pattern",
                json!([
                    "^(https?://|/)",
                    "une adresse commençant par https:// ou par /"
                ]),
            );
        }
        FieldType::List => match field.items.as_deref() {
            Some(items)
                if matches!(items.kind, FieldType::Enum | FieldType::String)
                    && items.allowed.is_some() =>
            {
                set("widget", json!("select"));
                set("multiple", json!(true));
                set("options", choices(items.allowed.as_deref().unwrap_or(&[])));
                bounds(field, &mut set);
            }
            Some(items) if items.kind == FieldType::Map => {
                set("widget", json!("list"));
                set("fields", json!(map_fields(items, false)));
                bounds(field, &mut set);
            }
            Some(items) => {
                set("widget", json!("list"));
                let mut item = Map::new();
                item.insert("label".into(), json!("Élément"));
                item.insert("name".into(), json!("element"));
                item.insert("required".into(), json!(true));
                item.extend(widget(items));
                set("field", Value::Object(item));
                bounds(field, &mut set);
            }
            None => set("widget", json!("list")),
        },
        FieldType::Map => {
            set("widget", json!("object"));
            set("fields", json!(map_fields(field, !field.required)));
            if !field.required {
                set("collapsed", json!(true));
            }
        }
    }
    out
}

/// The widgets of a map's fields (`optional`: the map may be left out).
fn map_fields(field: &FieldConfig, optional: bool) -> Vec<Value> {
    field
        .fields
        .iter()
        .flatten()
        .map(|(key, field)| field_widget(key, field, optional))
        .collect()
}

/// A list's length bounds (`min`/`max`).
fn bounds(field: &FieldConfig, set: &mut impl FnMut(&str, Value)) {
    if let Some(min) = field.min {
        set("min", number(min));
    }
    if let Some(max) = field.max {
        set("max", number(max));
    }
}

/// Allowed numbers evenly spaced, as (min, max, step): `[0, 5, 10, 15]` → (0, 15, 5).
fn progression(allowed: &[Value]) -> Option<(Option<f64>, Option<f64>, Option<f64>)> {
    let mut values: Vec<f64> = allowed.iter().map(Value::as_f64).collect::<Option<_>>()?;
    values.sort_by(f64::total_cmp);
    let step = values.get(1)? - values.first()?;
    let even = step > 0.0 && values.windows(2).all(|w| (w[1] - w[0] - step).abs() < 1e-9);
    even.then(|| (values.first().copied(), values.last().copied(), Some(step)))
}

/// A number as JSON: an integer when it is whole.
fn number(value: f64) -> Value {
    if value.fract() == 0.0 && value.abs() < 1e15 {
        json!(value as i64)
    } else {
        json!(value)
    }
}

/// `activite` → `Activite`: the key as a label when the schema gives none.
fn capitalised(key: &str) -> String {
    let text = key.replace(['_', '-'], " ");
    let mut chars = text.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => text,
    }
}

/// The form's page: Decap's bundle, the config, and the script that shows `guide check`'s
/// messages on the saved entry ([`crate::cms::fields`]). `token` is the local backend's token
/// (`None` for the published form).
pub fn admin_page(title: &str, token: Option<&str>) -> String {
    let escape = crate::feeds::escape;
    let token_meta = token
        .map(|t| format!("<meta name=\"guide-jeton\" content=\"{}\">\n", escape(t)))
        .unwrap_or_default();
    let script = if token.is_some() {
        DIAGNOSTICS_SCRIPT
    } else {
        ""
    };
    format!(
        "<!doctype html>\n<html lang=\"fr\">\n<head>\n<meta charset=\"utf-8\">\n\
<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
<meta name=\"robots\" content=\"noindex\">\n{token_meta}\
<title>Rédaction — {}</title>\n\
<link href=\"config.yml\" type=\"text/yaml\" rel=\"cms-config-url\">\n{NARROW_STYLE}</head>\n<body>\n\
<script src=\"{}/decap-cms.js\"></script>\n{script}</body>\n</html>\n",
        escape(title),
        crate::cms::assets::folder()
    )
}

/// Decap's editor is at least 800 px wide: on a phone, the form alone takes the width (the
/// preview pane is hidden; the page's own preview is a tab away) and the toolbar wraps.
/// Decap's classes carry its components' names (`css-…-EditorContainer`).
const NARROW_STYLE: &str = r#"<style>
@media (max-width: 799px) {
  [class*="-EditorContainer"], [class*="-ToolbarContainer"] { min-width: 0 !important; }
  [class*="-ToolbarContainer"] { flex-wrap: wrap; height: auto !important; }
  .SplitPane .Pane2, .SplitPane .Resizer { display: none !important; }
  .SplitPane .Pane1 { width: 100% !important; }
}
</style>
"#;

/// Asks `guide serve` for the diagnostics of each saved entry and shows them: a list at the
/// top of the editor, and each message under its field's label.
const DIAGNOSTICS_SCRIPT: &str = include_str!("diagnostics.js");

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn evenly_spaced_values_give_a_step() {
        let allowed = [json!(0), json!(5), json!(10), json!(15)];
        assert_eq!(
            progression(&allowed),
            Some((Some(0.0), Some(15.0), Some(5.0)))
        );
        assert_eq!(progression(&[json!(1), json!(2), json!(4)]), None);
        assert_eq!(progression(&[json!("a")]), None);
    }

    const SITE: &str = r#"
title: Essai
base_url: https://exemple.org/
taxonomies:
  - name: mots
    title: Mots-clés
  - name: niveau
    title: Niveau
    single: true
    required_in: [fiches]
    terms:
      - { slug: un, title: Premier niveau }
sections:
  fiches:
    headings: [Avant, Après]
    schema:
      lien: { type: url, description: Une adresse. }
      jour: { type: date, required: true }
      note: { type: float, min: 0, max: 20 }
      couleur: { type: string, allowed: [rouge, vert] }
      ok: { type: boolean }
      liste: { type: list, items: { type: integer, min: 1 } }
  pages: {}
"#;

    fn fields() -> Vec<Value> {
        let (site, diagnostics) = crate::config::parse(SITE);
        assert!(diagnostics.is_empty(), "{diagnostics:?}");
        let out = config(&site.unwrap(), &CmsMode::Published);
        let collections = out["collections"].as_array().unwrap();
        assert_eq!(collections.len(), 1, "only sections with a schema");
        assert_eq!(out["backend"]["name"], "git-gateway");
        assert!(
            out.get("publish_mode").is_none(),
            "no workflow without a Git host"
        );
        collections[0]["fields"].as_array().unwrap().clone()
    }

    fn named<'a>(fields: &'a [Value], name: &str) -> &'a Value {
        fields.iter().find(|f| f["name"] == name).unwrap()
    }

    #[test]
    fn each_type_gets_its_widget() {
        let fields = fields();
        let widget = |name: &str| named(&fields, name)["widget"].clone();
        assert_eq!(
            widget("mots"),
            "list",
            "a taxonomy without terms: free terms"
        );
        assert_eq!(widget("niveau"), "select");
        assert_eq!(named(&fields, "niveau")["required"], true);
        assert_eq!(named(&fields, "mots")["required"], false);
        assert_eq!(widget("lien"), "string");
        assert_eq!(named(&fields, "lien")["pattern"][0], "^(https?://|/)");
        assert_eq!(named(&fields, "lien")["hint"], "Une adresse.");
        assert_eq!(widget("jour"), "datetime");
        assert_eq!(named(&fields, "jour")["format"], "YYYY-MM-DD");
        assert_eq!(named(&fields, "jour")["time_format"], false);
        assert_eq!(widget("note"), "number");
        assert_eq!(named(&fields, "note")["value_type"], "float");
        assert!(named(&fields, "note").get("step").is_none());
        assert_eq!(widget("couleur"), "select");
        assert_eq!(named(&fields, "couleur")["options"][1]["value"], "vert");
        assert_eq!(widget("ok"), "boolean");
        assert_eq!(named(&fields, "liste")["field"]["value_type"], "int");
        assert_eq!(named(&fields, "body")["default"], "## Avant\n\n## Après");
    }

    #[test]
    fn keys_become_labels() {
        assert_eq!(capitalised("activite"), "Activite");
        assert_eq!(capitalised("date_fin"), "Date fin");
    }
}
