//! Checking a page's fields against its section's schema from `guide.yaml`.
//!
//! Every problem becomes a diagnostic at the field's line: a missing required field, a wrong
//! type, a value outside the allowed ones or the bounds, an unknown key (with the closest
//! declared name). Checking goes on after a problem, so an editor sees them all at once.

use indexmap::IndexMap;
use serde_json::Value;

use crate::config::{FieldConfig, FieldType};
use crate::diagnostic::closest;
use crate::yaml::PathStep;

/// Where diagnostics about a value are placed: implemented by the front-matter reader, which
/// knows the file and its lines.
pub trait Reporter {
    /// An error about the key at `path` (e.g. unknown, or missing: then the parent's line).
    fn at_key(&mut self, path: &[PathStep], message: String, hint: Option<String>);
    /// An error about the value at `path`.
    fn at_value(&mut self, path: &[PathStep], message: String, hint: Option<String>);
}

/// Checks the map `fields` against `schema`; `path` is where the map stands.
pub fn check_map(
    fields: &serde_json::Map<String, Value>,
    schema: &IndexMap<String, FieldConfig>,
    path: &mut Vec<PathStep>,
    ignore: &dyn Fn(&str) -> bool,
    reporter: &mut dyn Reporter,
) {
    for (name, value) in fields {
        if ignore(name) {
            continue;
        }
        path.push(PathStep::Key(name.clone()));
        match schema.get(name) {
            Some(field) => check_value(value, field, path, reporter),
            None => {
                let hint = closest(name, schema.keys().map(String::as_str))
                    .map(|best| format!("vouliez-vous dire « {best} » ?"))
                    .or_else(|| Some(format!("champs possibles : {}", names(schema))));
                reporter.at_key(path, format!("champ inconnu « {name} »"), hint);
            }
        }
        path.pop();
    }
    for (name, field) in schema {
        if field.required && fields.get(name).is_none_or(Value::is_null) {
            let mut hint = format!("ajoutez « {name}: » ({})", field.kind.french());
            if !field.description.is_empty() {
                hint.push_str(&format!(" — {}", field.description));
            }
            reporter.at_key(
                path,
                format!("champ obligatoire manquant : « {name} »"),
                Some(hint),
            );
        }
    }
}

fn names(schema: &IndexMap<String, FieldConfig>) -> String {
    schema
        .keys()
        .map(String::as_str)
        .collect::<Vec<_>>()
        .join(", ")
}

fn describe(value: &Value) -> String {
    match value {
        Value::Null => "vide".into(),
        Value::Bool(b) => b.to_string(),
        Value::Number(n) => n.to_string(),
        Value::String(s) => format!("« {s} »"),
        Value::Array(_) => "une liste".into(),
        Value::Object(_) => "un ensemble de champs".into(),
    }
}

fn allowed_list(allowed: &[Value]) -> String {
    allowed
        .iter()
        .map(|v| match v {
            Value::String(s) => s.clone(),
            other => other.to_string(),
        })
        .collect::<Vec<_>>()
        .join(", ")
}

/// Checks one value against its field's declaration.
pub fn check_value(
    value: &Value,
    field: &FieldConfig,
    path: &mut Vec<PathStep>,
    reporter: &mut dyn Reporter,
) {
    let name = path
        .iter()
        .rev()
        .find_map(|s| match s {
            PathStep::Key(k) => Some(k.clone()),
            PathStep::Index(_) => None,
        })
        .unwrap_or_default();
    let wrong_type = |reporter: &mut dyn Reporter, path: &[PathStep]| {
        reporter.at_value(
            path,
            format!(
                "« {name} » doit être {}, pas {}",
                field.kind.french(),
                describe(value)
            ),
            Some(type_hint(field)),
        );
    };
    if value.is_null() {
        if field.required {
            reporter.at_value(path, format!("« {name} » est vide"), Some(type_hint(field)));
        }
        return;
    }
    match field.kind {
        FieldType::String | FieldType::Enum => {
            let Some(text) = value.as_str() else {
                if field.kind == FieldType::Enum
                    && field.allowed.as_ref().is_some_and(|a| a.contains(value))
                {
                    return;
                }
                return wrong_type(reporter, path);
            };
            check_length(text.chars().count(), field, &name, path, reporter);
        }
        FieldType::Integer => {
            if !value.is_i64() && !value.is_u64() {
                return wrong_type(reporter, path);
            }
            check_bounds(
                value.as_f64().unwrap_or_default(),
                field,
                &name,
                path,
                reporter,
            );
        }
        FieldType::Float => {
            let Some(number) = value.as_f64() else {
                return wrong_type(reporter, path);
            };
            check_bounds(number, field, &name, path, reporter);
        }
        FieldType::Boolean => {
            if !value.is_boolean() {
                return wrong_type(reporter, path);
            }
        }
        FieldType::Date => {
            if !value.as_str().is_some_and(crate::config::is_date) {
                return wrong_type(reporter, path);
            }
        }
        FieldType::Url => {
            let ok = value.as_str().is_some_and(|s| {
                (s.starts_with("https://") || s.starts_with("http://") || s.starts_with('/'))
                    && !s.contains(char::is_whitespace)
            });
            if !ok {
                return wrong_type(reporter, path);
            }
        }
        FieldType::List => {
            let Some(items) = value.as_array() else {
                return wrong_type(reporter, path);
            };
            check_length(items.len(), field, &name, path, reporter);
            if let Some(item_field) = &field.items {
                for (i, item) in items.iter().enumerate() {
                    path.push(PathStep::Index(i));
                    check_value(item, item_field, path, reporter);
                    path.pop();
                }
            }
        }
        FieldType::Map => {
            let Some(map) = value.as_object() else {
                return wrong_type(reporter, path);
            };
            if let Some(fields) = &field.fields {
                check_map(map, fields, path, &|_| false, reporter);
            }
            return;
        }
    }
    if let Some(allowed) = &field.allowed {
        if !allowed.contains(value) {
            let shown = match value {
                Value::String(s) => s.clone(),
                other => other.to_string(),
            };
            let hint = closest(&shown, allowed.iter().filter_map(Value::as_str))
                .map(|best| {
                    format!(
                        "vouliez-vous dire « {best} » ? Valeurs permises : {}",
                        allowed_list(allowed)
                    )
                })
                .unwrap_or_else(|| format!("valeurs permises : {}", allowed_list(allowed)));
            reporter.at_value(
                path,
                format!("valeur non permise pour « {name} » : {}", describe(value)),
                Some(hint),
            );
        }
    }
}

fn type_hint(field: &FieldConfig) -> String {
    match (field.kind, &field.allowed) {
        (_, Some(allowed)) => format!("valeurs permises : {}", allowed_list(allowed)),
        (FieldType::Date, _) => {
            "écrivez la date sous la forme AAAA-MM-JJ, par exemple 2024-03-01".into()
        }
        (FieldType::Boolean, _) => "écrivez true (oui) ou false (non)".into(),
        (FieldType::List, _) => {
            "écrivez une liste : [a, b] ou une ligne « - élément » par élément".into()
        }
        (FieldType::Map, None) => {
            let names = field.fields.as_ref().map(names).unwrap_or_default();
            format!("écrivez les champs en dessous, en retrait : {names}")
        }
        (kind, _) => format!("attendu : {}", kind.french()),
    }
}

fn check_bounds(
    number: f64,
    field: &FieldConfig,
    name: &str,
    path: &[PathStep],
    reporter: &mut dyn Reporter,
) {
    if let Some(min) = field.min {
        if number < min {
            reporter.at_value(
                path,
                format!("« {name} » vaut {number}, le minimum est {min}"),
                None,
            );
        }
    }
    if let Some(max) = field.max {
        if number > max {
            reporter.at_value(
                path,
                format!("« {name} » vaut {number}, le maximum est {max}"),
                None,
            );
        }
    }
}

fn check_length(
    length: usize,
    field: &FieldConfig,
    name: &str,
    path: &[PathStep],
    reporter: &mut dyn Reporter,
) {
    let unit = if field.kind == FieldType::List {
        "éléments"
    } else {
        "caractères"
    };
    if let Some(min) = field.min {
        if (length as f64) < min {
            reporter.at_value(
                path,
                format!("« {name} » a {length} {unit}, il en faut au moins {min}"),
                None,
            );
        }
    }
    if let Some(max) = field.max {
        if (length as f64) > max {
            reporter.at_value(
                path,
                format!("« {name} » a {length} {unit}, au plus {max} sont permis"),
                None,
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Default)]
    struct Collect(Vec<(String, String)>);

    impl Reporter for Collect {
        fn at_key(&mut self, path: &[PathStep], message: String, _hint: Option<String>) {
            self.0.push((format!("{path:?}"), message));
        }
        fn at_value(&mut self, path: &[PathStep], message: String, hint: Option<String>) {
            self.0.push((
                format!("{path:?}"),
                format!("{message} / {}", hint.unwrap_or_default()),
            ));
        }
    }

    fn schema() -> IndexMap<String, FieldConfig> {
        crate::yaml::from_str(
            "effectif: { type: integer, required: true, min: 1, max: 299 }\njours: { type: integer, allowed: [0, 5, 10, 15] }\nacteurs: { type: list, items: { type: enum, allowed: [direction, CSE] } }\n",
        )
        .unwrap()
    }

    #[test]
    fn every_problem_is_reported() {
        let fields: serde_json::Map<String, Value> = serde_json::from_str(
            r#"{"effectif": 400, "jours": 7, "acteurs": ["direction", "CSF"], "effectf": 1}"#,
        )
        .unwrap();
        let mut out = Collect::default();
        check_map(&fields, &schema(), &mut vec![], &|_| false, &mut out);
        let messages: Vec<&str> = out.0.iter().map(|(_, m)| m.as_str()).collect();
        assert_eq!(messages.len(), 4, "{messages:?}");
        assert!(messages[0].contains("le maximum est 299"));
        assert!(messages[1].contains("valeurs permises : 0, 5, 10, 15"));
        assert!(messages[2].contains("vouliez-vous dire « CSE »"));
        assert_eq!(messages[3], "champ inconnu « effectf »");
    }

    #[test]
    fn a_missing_required_field_is_reported() {
        let mut out = Collect::default();
        check_map(
            &serde_json::Map::new(),
            &schema(),
            &mut vec![],
            &|_| false,
            &mut out,
        );
        assert_eq!(out.0.len(), 1);
        assert!(out.0[0]
            .1
            .contains("champ obligatoire manquant : « effectif »"));
    }
}
