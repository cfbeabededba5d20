//! Open data: the case studies as `/<name>.json` and as two CSV files, with a Table Schema, a
//! Data Package descriptor and a licence, for partners to reuse.
//!
//! 1. [`columns`] makes the table's columns from the config: the page's own fields, one
//!    column per taxonomy (term titles joined with ` ; `), then the schema's fields, maps
//!    flattened into `parent.child`, a list of maps into one column per value of each item
//!    (`indicateurs.1.avant`, as many items as the longest list), other lists joined with ` ; `;
//!    each column with its Table Schema type and the description `guide.yaml` gives it;
//! 2. [`to_csv`] writes the rows in a [`Dialect`]: the standard one (UTF-8 without byte order
//!    mark, comma, RFC 4180 quoting, CRLF) that the schema describes, or the one a French Excel
//!    opens by double-click (byte order mark, `;`, decimal comma, `="07"` for a code whose
//!    leading zero Excel would drop);
//! 3. [`table_schema`] and [`data_package`] describe them; [`to_json`] keeps the front matter's
//!    structure and states the licence.

use indexmap::IndexMap;
use rayon::prelude::*;
use serde::Serialize;
use serde_json::{json, Map, Value};

use crate::config::{FieldConfig, FieldType, LicenceConfig, TaxonomyConfig};

/// What the export needs of one page.
#[derive(Debug, Clone)]
pub struct DataPage {
    /// Absolute URL.
    pub url: String,
    /// Title.
    pub title: String,
    /// Summary, plain text.
    pub summary: String,
    /// `YYYY-MM-DD`, only when known.
    pub date: Option<String>,
    /// `YYYY-MM-DD`.
    pub updated: Option<String>,
    /// The edition it was published in.
    pub edition: Option<String>,
    /// Taxonomy name → (slug, title) of its terms, in config order.
    pub taxonomies: Vec<(String, Vec<(String, String)>)>,
    /// The schema's fields as written.
    pub fields: Map<String, Value>,
}

/// The JSON document, with the licence of the data: what `serde_json::to_string_pretty`
/// writes for `{"licence": …, "projets": […], "nombre": n}`, each page's object written on its
/// own core (an export of 10 000 pages is 24 MB).
pub fn to_json(pages: &[DataPage], licence: &LicenceConfig) -> String {
    let items: Vec<String> = pages
        .par_iter()
        .map(|page| pretty_at(&JsonPage(page), "    "))
        .collect();
    let licence = json!({ "nom": licence.name, "url": licence.url, "id": licence.id });
    let projects = if items.is_empty() {
        "[]".to_string()
    } else {
        format!("[\n    {}\n  ]", items.join(",\n    "))
    };
    format!(
        "{{\n  \"licence\": {},\n  \"projets\": {projects},\n  \"nombre\": {}\n}}\n",
        pretty_at(&licence, "  "),
        pages.len()
    )
}

/// Pretty JSON of `value` nested at the depth whose lines start with `indent`: every literal
/// line break of pretty JSON is indentation (a string escapes its own), so the lines after
/// the first go deeper.
fn pretty_at(value: &impl Serialize, indent: &str) -> String {
    (serde_json::to_string_pretty(value).unwrap_or_default()).replace('\n', &format!("\n{indent}"))
}

/// A page as [`to_json`] writes it.
struct JsonPage<'a>(&'a DataPage);

impl Serialize for JsonPage<'_> {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeMap;
        let page = self.0;
        let taxonomies = Taxonomies(&page.taxonomies);
        let mut map = serializer.serialize_map(Some(8))?;
        map.serialize_entry("url", &page.url)?;
        map.serialize_entry("titre", &page.title)?;
        map.serialize_entry("resume", &page.summary)?;
        map.serialize_entry("date", &page.date)?;
        map.serialize_entry("mise_a_jour", &page.updated)?;
        map.serialize_entry("edition", &page.edition)?;
        map.serialize_entry("taxonomies", &taxonomies)?;
        map.serialize_entry("champs", &page.fields)?;
        map.end()
    }
}

/// A page's terms by taxonomy: `{"themes": [{"slug": …, "titre": …}…]…}`.
struct Taxonomies<'a>(&'a [(String, Vec<(String, String)>)]);

impl Serialize for Taxonomies<'_> {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let term = |(slug, title): &(String, String)| json!({"slug": slug, "titre": title});
        serializer.collect_map(
            (self.0.iter()).map(|(name, terms)| (name, terms.iter().map(term).collect::<Vec<_>>())),
        )
    }
}

/// The Table Schema type of a column.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum ColumnType {
    /// Text (also lists joined with ` ; `, enums, URLs).
    String,
    /// Whole number.
    Integer,
    /// Number, decimal point in the standard CSV.
    Number,
    /// `true` or `false`.
    Boolean,
    /// `YYYY-MM-DD`.
    Date,
}

/// One step into a page's fields.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Step {
    /// A key of a map.
    Key(String),
    /// An item of a list, from 0.
    Index(usize),
}

/// Where a column's cells come from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Source {
    /// The page's absolute URL.
    Url,
    /// Its title.
    Title,
    /// Its summary.
    Summary,
    /// Its day of publication.
    Date,
    /// Its day of update.
    Updated,
    /// Its edition.
    Edition,
    /// The titles of its terms of a taxonomy.
    Taxonomy(String),
    /// A field of its front matter.
    Field(Vec<Step>),
}

/// One column of the table.
#[derive(Debug, Clone, Serialize)]
pub struct Column {
    /// Its name, the CSV's header (`entreprise.departement`).
    pub name: String,
    /// Its Table Schema type.
    #[serde(rename = "type")]
    pub kind: ColumnType,
    /// What it holds, in French (from `guide.yaml` for the taxonomies and fields).
    pub description: String,
    /// Table Schema constraints (`minimum`, `maximum`, `enum`, `required`); may be empty.
    pub constraints: Map<String, Value>,
    /// Where its cells come from.
    #[serde(skip)]
    pub source: Source,
}

impl Column {
    fn new(name: &str, kind: ColumnType, description: &str, source: Source) -> Self {
        Self {
            name: name.to_string(),
            kind,
            description: description.to_string(),
            constraints: Map::new(),
            source,
        }
    }
}

/// The columns of the table: the page's own, one per taxonomy, then the schema's fields
/// (see the module's doc); `pages` give the length of the longest list of maps.
pub fn columns(
    taxonomies: &[TaxonomyConfig],
    schema: &IndexMap<String, FieldConfig>,
    pages: &[DataPage],
) -> Vec<Column> {
    use ColumnType::{Date, String as Text};
    let mut out = vec![
        Column::new("url", Text, "Adresse de la fiche sur le site.", Source::Url),
        Column::new("titre", Text, "Titre de la fiche.", Source::Title),
        Column::new(
            "resume",
            Text,
            "Résumé de la fiche, en texte brut.",
            Source::Summary,
        ),
        Column::new(
            "date",
            Date,
            "Jour de publication (AAAA-MM-JJ), seulement s'il est connu.",
            Source::Date,
        ),
        Column::new(
            "mise_a_jour",
            Date,
            "Jour d'une mise à jour après la publication (AAAA-MM-JJ).",
            Source::Updated,
        ),
        Column::new(
            "edition",
            Text,
            "Édition du guide dans laquelle la fiche a été publiée.",
            Source::Edition,
        ),
    ];
    out[0].constraints.insert("required".into(), json!(true));
    out[0].constraints.insert("unique".into(), json!(true));
    out[1].constraints.insert("required".into(), json!(true));
    for taxonomy in taxonomies {
        let mut description = format!("{} : titres des termes", taxonomy.title);
        if !taxonomy.single {
            description.push_str(", séparés par « ; »");
        }
        description.push('.');
        if !taxonomy.description.is_empty() {
            description = format!("{description} {}", taxonomy.description);
        }
        out.push(Column::new(
            &taxonomy.name,
            Text,
            &description,
            Source::Taxonomy(taxonomy.name.clone()),
        ));
    }
    field_columns(&mut out, "", &[], schema, pages);
    out
}

fn field_columns(
    out: &mut Vec<Column>,
    prefix: &str,
    path: &[Step],
    fields: &IndexMap<String, FieldConfig>,
    pages: &[DataPage],
) {
    for (key, field) in fields {
        let name = format!("{prefix}{key}");
        let mut steps = path.to_vec();
        steps.push(Step::Key(key.clone()));
        match (&field.kind, &field.fields, &field.items) {
            (FieldType::Map, Some(children), _) => {
                field_columns(out, &format!("{name}."), &steps, children, pages);
            }
            (FieldType::List, _, Some(items)) if items.fields.is_some() => {
                let children = items.fields.as_ref().expect("checked above");
                let longest = pages
                    .iter()
                    .filter_map(|p| match lookup(&p.fields, &steps) {
                        Some(Value::Array(list)) => Some(list.len()),
                        _ => None,
                    })
                    .max()
                    .unwrap_or(0);
                for i in 0..longest {
                    let mut item = steps.clone();
                    item.push(Step::Index(i));
                    let before = out.len();
                    field_columns(out, &format!("{name}.{}.", i + 1), &item, children, pages);
                    let what = if field.description.is_empty() {
                        String::new()
                    } else {
                        format!(" — {}", field.description)
                    };
                    for column in &mut out[before..] {
                        column.description = format!(
                            "{} (élément {} de « {key} »{what})",
                            column.description,
                            i + 1
                        );
                        column.constraints.remove("required");
                    }
                }
            }
            _ => {
                let kind = match field.kind {
                    FieldType::Integer => ColumnType::Integer,
                    FieldType::Float => ColumnType::Number,
                    FieldType::Boolean => ColumnType::Boolean,
                    FieldType::Date => ColumnType::Date,
                    _ => ColumnType::String,
                };
                let mut description = field.description.clone();
                if field.kind == FieldType::List {
                    description = format!("{description} Valeurs séparées par « ; ».")
                        .trim_start()
                        .to_string();
                }
                if description.is_empty() {
                    description = format!("Champ « {name} » de la fiche.");
                }
                let mut column = Column::new(&name, kind, &description, Source::Field(steps));
                if matches!(kind, ColumnType::Integer | ColumnType::Number) {
                    for (bound, value) in [("minimum", field.min), ("maximum", field.max)] {
                        if let Some(value) = value {
                            let value = if kind == ColumnType::Integer {
                                json!(value as i64)
                            } else {
                                json!(value)
                            };
                            column.constraints.insert(bound.into(), value);
                        }
                    }
                }
                if let (FieldType::Enum | FieldType::Integer, Some(allowed)) =
                    (&field.kind, &field.allowed)
                {
                    column
                        .constraints
                        .insert("enum".into(), Value::Array(allowed.clone()));
                }
                out.push(column);
            }
        }
    }
}

fn lookup<'a>(fields: &'a Map<String, Value>, steps: &[Step]) -> Option<&'a Value> {
    let (first, rest) = steps.split_first()?;
    let Step::Key(key) = first else {
        return None;
    };
    let mut value = fields.get(key)?;
    for step in rest {
        value = match (step, value) {
            (Step::Key(key), Value::Object(map)) => map.get(key)?,
            (Step::Index(i), Value::Array(list)) => list.get(*i)?,
            _ => return None,
        };
    }
    Some(value)
}

/// How a CSV file is written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Dialect {
    /// UTF-8 without byte order mark, comma, decimal point: what the Table Schema describes.
    Standard,
    /// What a French Excel opens by double-click: byte order mark, `;`, decimal comma, and a
    /// code with a leading zero written `="07"` so that it stays text.
    Excel,
}

impl Dialect {
    fn separator(self) -> char {
        match self {
            Self::Standard => ',',
            Self::Excel => ';',
        }
    }
}

fn cell(value: &Value, dialect: Dialect) -> String {
    match value {
        Value::Null => String::new(),
        Value::String(s) if dialect == Dialect::Excel && keeps_leading_zero(s) => {
            format!("=\"{s}\"")
        }
        Value::String(s) => s.clone(),
        Value::Number(n) if dialect == Dialect::Excel && n.is_f64() => {
            n.to_string().replace('.', ",")
        }
        Value::Array(items) => items
            .iter()
            .map(|v| cell(v, Dialect::Standard))
            .collect::<Vec<_>>()
            .join(" ; "),
        Value::Object(map) => map
            .iter()
            .map(|(k, v)| format!("{k} : {}", cell(v, Dialect::Standard)))
            .collect::<Vec<_>>()
            .join(", "),
        other => other.to_string(),
    }
}

/// A code made of digits that starts with 0 (`07`, `01500`): a spreadsheet reads it as a
/// number and drops the zero.
fn keeps_leading_zero(text: &str) -> bool {
    text.len() > 1 && text.starts_with('0') && text.bytes().all(|b| b.is_ascii_digit())
}

/// Quotes a CSV field per RFC 4180 when needed (the separator, a quote or a line break).
pub fn quote(field: &str, separator: char) -> String {
    if field.contains([separator, '"', '\n', '\r']) {
        format!("\"{}\"", field.replace('"', "\"\""))
    } else {
        field.to_string()
    }
}

/// The CSV document of `columns` in `dialect`, each page's row made on its own core.
pub fn to_csv(pages: &[DataPage], columns: &[Column], dialect: Dialect) -> String {
    let separator = dialect.separator();
    let join = |cells: Vec<String>| {
        cells
            .iter()
            .map(|c| quote(c, separator))
            .collect::<Vec<_>>()
            .join(&separator.to_string())
            + "\r\n"
    };
    let mut out = String::new();
    if dialect == Dialect::Excel {
        out.push('\u{FEFF}');
    }
    out.push_str(&join(columns.iter().map(|c| c.name.clone()).collect()));
    let rows: Vec<String> = pages
        .par_iter()
        .map(|page| join(row(page, columns, dialect)))
        .collect();
    out.extend(rows);
    out
}

/// The cells of `page` under `columns`.
fn row(page: &DataPage, columns: &[Column], dialect: Dialect) -> Vec<String> {
    let text = |s: &Option<String>| s.clone().unwrap_or_default();
    columns
        .iter()
        .map(|column| match &column.source {
            Source::Url => page.url.clone(),
            Source::Title => page.title.clone(),
            Source::Summary => page.summary.clone(),
            Source::Date => text(&page.date),
            Source::Updated => text(&page.updated),
            Source::Edition => text(&page.edition),
            Source::Taxonomy(name) => page
                .taxonomies
                .iter()
                .find(|(n, _)| n == name)
                .map(|(_, terms)| {
                    terms
                        .iter()
                        .map(|(_, title)| title.as_str())
                        .collect::<Vec<_>>()
                        .join(" ; ")
                })
                .unwrap_or_default(),
            Source::Field(steps) => lookup(&page.fields, steps)
                .map(|v| cell(v, dialect))
                .unwrap_or_default(),
        })
        .collect()
}

/// The Table Schema (frictionless) of the standard CSV.
pub fn table_schema(columns: &[Column], licence: &LicenceConfig) -> String {
    let fields: Vec<Value> = columns
        .iter()
        .map(|c| {
            let mut field = serde_json::to_value(c).unwrap_or_default();
            if let Some(map) = field.as_object_mut() {
                if c.constraints.is_empty() {
                    map.remove("constraints");
                }
                if c.source == Source::Url {
                    map.insert("format".into(), json!("uri"));
                }
            }
            field
        })
        .collect();
    serde_json::to_string_pretty(&json!({
        "description": format!("Une ligne par fiche projet. Données sous {} ({}).", licence.name, licence.url),
        "fields": fields,
        "missingValues": [""],
        "primaryKey": "url",
    }))
    .unwrap_or_default()
        + "\n"
}

/// The files of the open data, for the Data Package descriptor and the page.
#[derive(Debug, Clone, Serialize)]
pub struct DataFile {
    /// Its path from the output's root (`projets.csv`).
    pub path: String,
    /// What it is, for readers.
    pub title: String,
    /// Its format (`csv`, `json`).
    pub format: String,
    /// Its size in bytes.
    pub bytes: usize,
}

/// The Data Package descriptor (`datapackage.json`): the files, their schema and dialect,
/// and the licence.
pub fn data_package(
    name: &str,
    title: &str,
    licence: &LicenceConfig,
    files: &[DataFile],
) -> String {
    let resources: Vec<Value> = files
        .iter()
        .map(|file| {
            let stem = file.path.rsplit_once('.').map_or(file.path.as_str(), |(s, _)| s);
            let mut resource = json!({
                "name": if file.format == "json" { format!("{stem}-json") } else { stem.to_string() },
                "path": file.path,
                "title": file.title,
                "format": file.format,
                "mediatype": if file.format == "json" { "application/json" } else { "text/csv" },
                "bytes": file.bytes,
            });
            if file.path == format!("{name}.csv") {
                resource["encoding"] = json!("utf-8");
                resource["schema"] = json!(format!("{name}.schema.json"));
            } else if file.format == "csv" {
                resource["encoding"] = json!("utf-8-sig");
                resource["dialect"] = json!({ "delimiter": ";" });
            }
            resource
        })
        .collect();
    serde_json::to_string_pretty(&json!({
        "name": crate::slug::slugify(name),
        "title": title,
        "licenses": [{ "name": licence.id, "path": licence.url, "title": licence.name }],
        "resources": resources,
    }))
    .unwrap_or_default()
        + "\n"
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csv_fields_are_quoted_per_rfc_4180() {
        assert_eq!(quote("simple", ','), "simple");
        assert_eq!(quote("a, b", ','), "\"a, b\"");
        assert_eq!(quote("a; b", ','), "a; b");
        assert_eq!(quote("a; b", ';'), "\"a; b\"");
        assert_eq!(
            quote("dit « oui » \"vraiment\"", ','),
            "\"dit « oui » \"\"vraiment\"\"\""
        );
        assert_eq!(quote("deux\nlignes", ','), "\"deux\nlignes\"");
    }

    fn schema() -> IndexMap<String, FieldConfig> {
        serde_yaml::from_str(
            r#"
entreprise:
  type: map
  fields:
    nom: { type: string, description: Nom. }
    effectif: { type: integer, min: 1, max: 299 }
    departement: { type: string }
acteurs:
  type: list
  items: { type: enum, allowed: [direction, CSE] }
indicateurs:
  type: list
  items:
    type: map
    fields:
      libelle: { type: string }
      avant: { type: float }
"#,
        )
        .unwrap()
    }

    fn page() -> DataPage {
        let fields: Map<String, Value> = serde_json::from_str(r#"{"entreprise": {"nom": "A, SARL", "effectif": 12, "departement": "07"}, "acteurs": ["direction", "CSE"], "indicateurs": [{"libelle": "Absences", "avant": 4.5}, {"libelle": "Départs", "avant": 3}]}"#).unwrap();
        DataPage {
            url: "https://x.org/projets/a/".into(),
            title: "A".into(),
            summary: "Résumé".into(),
            date: Some("2024-01-02".into()),
            updated: None,
            edition: Some("Automne 2017".into()),
            taxonomies: vec![(
                "themes".into(),
                vec![
                    ("qvct".into(), "QVCT".into()),
                    ("participation".into(), "Participation".into()),
                ],
            )],
            fields,
        }
    }

    fn taxonomies() -> Vec<TaxonomyConfig> {
        serde_yaml::from_str("- { name: themes, title: Thèmes }").unwrap()
    }

    #[test]
    fn csv_flattens_maps_joins_lists_and_gives_each_indicator_its_columns() {
        let pages = [page()];
        let columns = columns(&taxonomies(), &schema(), &pages);
        let csv = to_csv(&pages, &columns, Dialect::Standard);
        let lines: Vec<&str> = csv.split("\r\n").collect();
        assert_eq!(
            lines[0],
            "url,titre,resume,date,mise_a_jour,edition,themes,entreprise.nom,entreprise.effectif,entreprise.departement,acteurs,indicateurs.1.libelle,indicateurs.1.avant,indicateurs.2.libelle,indicateurs.2.avant"
        );
        assert_eq!(lines[1], "https://x.org/projets/a/,A,Résumé,2024-01-02,,Automne 2017,QVCT ; Participation,\"A, SARL\",12,07,direction ; CSE,Absences,4.5,Départs,3");
    }

    #[test]
    fn the_excel_csv_has_a_bom_semicolons_decimal_commas_and_keeps_leading_zeros() {
        let pages = [page()];
        let columns = columns(&taxonomies(), &schema(), &pages);
        let csv = to_csv(&pages, &columns, Dialect::Excel);
        assert!(csv.starts_with("\u{FEFF}url;titre;"));
        let row = csv.split("\r\n").nth(1).unwrap();
        assert_eq!(row, "https://x.org/projets/a/;A;Résumé;2024-01-02;;Automne 2017;\"QVCT ; Participation\";A, SARL;12;\"=\"\"07\"\"\";\"direction ; CSE\";Absences;4,5;Départs;3");
    }

    /// The export as `serde_json` writes it in one piece: what [`to_json`] must equal.
    fn json_in_one_piece(pages: &[DataPage], licence: &LicenceConfig) -> String {
        let items: Vec<Value> = (pages.iter())
            .map(|p| {
                let taxonomies: Map<String, Value> = (p.taxonomies.iter())
                    .map(|(name, terms)| {
                        let terms = terms
                            .iter()
                            .map(|(slug, title)| json!({"slug": slug, "titre": title}));
                        (name.clone(), Value::Array(terms.collect()))
                    })
                    .collect();
                json!({
                    "url": p.url, "titre": p.title, "resume": p.summary, "date": p.date,
                    "mise_a_jour": p.updated, "edition": p.edition, "taxonomies": taxonomies,
                    "champs": p.fields,
                })
            })
            .collect();
        let licence = json!({ "nom": licence.name, "url": licence.url, "id": licence.id });
        let whole = json!({ "licence": licence, "projets": items, "nombre": pages.len() });
        serde_json::to_string_pretty(&whole).unwrap() + "\n"
    }

    #[test]
    fn the_json_export_is_what_serde_json_writes_in_one_piece() {
        let licence = LicenceConfig::default();
        let mut other = page();
        other.title = "B \"deux\"\nlignes".into();
        other.taxonomies.clear();
        other.fields = Map::new();
        for pages in [vec![], vec![page()], vec![page(), other]] {
            assert_eq!(
                to_json(&pages, &licence),
                json_in_one_piece(&pages, &licence)
            );
        }
    }

    #[test]
    fn the_schema_types_and_describes_every_column() {
        let pages = [page()];
        let columns = columns(&taxonomies(), &schema(), &pages);
        let schema: Value =
            serde_json::from_str(&table_schema(&columns, &LicenceConfig::default())).unwrap();
        let field = |name: &str| {
            schema["fields"]
                .as_array()
                .unwrap()
                .iter()
                .find(|f| f["name"] == name)
                .unwrap()
                .clone()
        };
        assert_eq!(field("entreprise.departement")["type"], "string");
        assert_eq!(field("entreprise.effectif")["type"], "integer");
        assert_eq!(field("entreprise.effectif")["constraints"]["maximum"], 299);
        assert_eq!(field("indicateurs.2.avant")["type"], "number");
        assert_eq!(field("entreprise.nom")["description"], "Nom.");
        assert_eq!(field("url")["format"], "uri");
        assert_eq!(field("date")["type"], "date");
        assert!(schema["description"]
            .as_str()
            .unwrap()
            .contains("Licence Ouverte"));
    }
}
