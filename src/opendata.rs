//! Open data: the case studies as `/<name>.json` and `/<name>.csv`, for partners to reuse.
//!
//! JSON keeps the front matter's structure; CSV has one row per case study, UTF-8, RFC 4180
//! quoting (comma separator, CRLF line ends, fields with a comma, quote or line break quoted),
//! nested fields flattened into `parent.child` columns and lists joined with ` ; `.

use serde_json::{json, Map, Value};

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

/// The JSON document.
pub fn to_json(pages: &[DataPage]) -> String {
    let items: Vec<Value> = pages
        .iter()
        .map(|p| {
            let taxonomies: Map<String, Value> = p
                .taxonomies
                .iter()
                .map(|(name, terms)| {
                    (
                        name.clone(),
                        Value::Array(
                            terms
                                .iter()
                                .map(|(slug, title)| json!({"slug": slug, "titre": title}))
                                .collect(),
                        ),
                    )
                })
                .collect();
            json!({
                "url": p.url,
                "titre": p.title,
                "resume": p.summary,
                "date": p.date,
                "mise_a_jour": p.updated,
                "edition": p.edition,
                "taxonomies": taxonomies,
                "champs": p.fields,
            })
        })
        .collect();
    serde_json::to_string_pretty(&json!({ "projets": items, "nombre": pages.len() }))
        .unwrap_or_default()
        + "\n"
}

fn flatten(prefix: &str, value: &Value, out: &mut Vec<(String, String)>) {
    match value {
        Value::Object(map) => {
            for (key, child) in map {
                flatten(&format!("{prefix}.{key}"), child, out);
            }
        }
        other => out.push((prefix.to_string(), cell(other))),
    }
}

fn cell(value: &Value) -> String {
    match value {
        Value::Null => String::new(),
        Value::String(s) => s.clone(),
        Value::Array(items) => items.iter().map(cell).collect::<Vec<_>>().join(" ; "),
        Value::Object(map) => map
            .iter()
            .map(|(k, v)| format!("{k} : {}", cell(v)))
            .collect::<Vec<_>>()
            .join(", "),
        other => other.to_string(),
    }
}

/// Quotes a CSV field per RFC 4180 when needed.
pub fn quote(field: &str) -> String {
    if field.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", field.replace('"', "\"\""))
    } else {
        field.to_string()
    }
}

/// The CSV document; `columns` lists the field columns in order (from the schema).
pub fn to_csv(pages: &[DataPage], taxonomy_names: &[String], columns: &[String]) -> String {
    let mut header: Vec<String> = ["url", "titre", "resume", "date", "mise_a_jour", "edition"]
        .iter()
        .map(|s| s.to_string())
        .collect();
    header.extend(taxonomy_names.iter().cloned());
    header.extend(columns.iter().cloned());
    let mut out = header
        .iter()
        .map(|h| quote(h))
        .collect::<Vec<_>>()
        .join(",")
        + "\r\n";
    for page in pages {
        let mut flat = Vec::new();
        for (key, value) in &page.fields {
            flatten(key, value, &mut flat);
        }
        let mut row = vec![
            page.url.clone(),
            page.title.clone(),
            page.summary.clone(),
            page.date.clone().unwrap_or_default(),
            page.updated.clone().unwrap_or_default(),
            page.edition.clone().unwrap_or_default(),
        ];
        for name in taxonomy_names {
            let terms = page
                .taxonomies
                .iter()
                .find(|(n, _)| n == name)
                .map(|(_, t)| {
                    t.iter()
                        .map(|(_, title)| title.clone())
                        .collect::<Vec<_>>()
                        .join(" ; ")
                });
            row.push(terms.unwrap_or_default());
        }
        for column in columns {
            row.push(
                flat.iter()
                    .find(|(k, _)| k == column)
                    .map(|(_, v)| v.clone())
                    .unwrap_or_default(),
            );
        }
        out.push_str(&row.iter().map(|f| quote(f)).collect::<Vec<_>>().join(","));
        out.push_str("\r\n");
    }
    out
}

/// The CSV columns of a schema: leaves of maps as `parent.child`, in declaration order.
pub fn columns(schema: &indexmap::IndexMap<String, crate::config::FieldConfig>) -> Vec<String> {
    fn walk(
        prefix: &str,
        fields: &indexmap::IndexMap<String, crate::config::FieldConfig>,
        out: &mut Vec<String>,
    ) {
        for (name, field) in fields {
            let key = if prefix.is_empty() {
                name.clone()
            } else {
                format!("{prefix}.{name}")
            };
            match (&field.kind, &field.fields) {
                (crate::config::FieldType::Map, Some(children)) => walk(&key, children, out),
                _ => out.push(key),
            }
        }
    }
    let mut out = Vec::new();
    walk("", schema, &mut out);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csv_fields_are_quoted_per_rfc_4180() {
        assert_eq!(quote("simple"), "simple");
        assert_eq!(quote("a, b"), "\"a, b\"");
        assert_eq!(
            quote("dit « oui » \"vraiment\""),
            "\"dit « oui » \"\"vraiment\"\"\""
        );
        assert_eq!(quote("deux\nlignes"), "\"deux\nlignes\"");
    }

    #[test]
    fn csv_flattens_maps_and_joins_lists() {
        let fields: Map<String, Value> = serde_json::from_str(r#"{"entreprise": {"nom": "A, SARL", "effectif": 12}, "acteurs": ["direction", "CSE"]}"#).unwrap();
        let page = DataPage {
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
        };
        let csv = to_csv(
            &[page],
            &["themes".into()],
            &[
                "entreprise.nom".into(),
                "entreprise.effectif".into(),
                "acteurs".into(),
            ],
        );
        let lines: Vec<&str> = csv.split("\r\n").collect();
        assert_eq!(
            lines[0],
            "url,titre,resume,date,mise_a_jour,edition,themes,entreprise.nom,entreprise.effectif,acteurs"
        );
        assert_eq!(lines[1], "https://x.org/projets/a/,A,Résumé,2024-01-02,,Automne 2017,QVCT ; Participation,\"A, SARL\",12,direction ; CSE");
    }
}
