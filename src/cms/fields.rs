//! Which field of the form a line of a saved page belongs to, so that the form shows a
//! diagnostic next to its field.
//!
//! Steps: find the front matter (`---` … `---`), follow the keys by their indentation down to
//! the diagnostic's line, then name each key with its label in the form's configuration
//! ([`crate::cms::decap::config`]). A line of the body belongs to the body.

use serde_json::Value;

/// The keys leading to line `line` (1-based) of `text`: `["entreprise", "effectif"]`;
/// `["body"]` below the front matter; empty on the opening line or without front matter.
pub fn keys_at(text: &str, line: usize) -> Vec<String> {
    let lines: Vec<&str> = text.lines().collect();
    if lines
        .first()
        .map(|l| l.trim_start_matches('\u{feff}').trim_end())
        != Some("---")
    {
        return Vec::new();
    }
    let Some(end) = lines.iter().skip(1).position(|l| l.trim_end() == "---") else {
        return Vec::new();
    };
    let end = end + 2; // 1-based line of the closing `---`
    if line > end {
        return vec!["body".into()];
    }
    // (indentation, key) of the keys above the line, innermost last.
    let mut stack: Vec<(usize, String)> = Vec::new();
    for text in lines.iter().take(line.min(end - 1)).skip(1) {
        let indent = text.len() - text.trim_start().len();
        let trimmed = text.trim_start();
        if trimmed.is_empty() || trimmed.starts_with('#') {
            continue;
        }
        // `- key: value` opens a map inside a list item, one level deeper than the dash.
        let (indent, rest) = match trimmed.strip_prefix("- ") {
            Some(rest) => (indent + 2, rest.trim_start()),
            None => (indent, trimmed),
        };
        let key = rest.split_once(':').and_then(|(key, _)| {
            let key = key.trim().trim_matches(['"', '\'']);
            (!key.is_empty() && !key.contains([' ', '[', '{', ','])).then(|| key.to_string())
        });
        // A line without a key (a list item, a continued text) stays in the key above it.
        if let Some(key) = key {
            while stack.last().is_some_and(|(i, _)| *i >= indent) {
                stack.pop();
            }
            stack.push((indent, key));
        }
    }
    stack.into_iter().map(|(_, key)| key).collect()
}

/// The labels of `keys` in a collection of the form's configuration: `["Entreprise",
/// "Effectif"]`; stops at the first key the form does not have.
pub fn labels(collection: &Value, keys: &[String]) -> Vec<String> {
    let mut out = Vec::new();
    let mut fields = collection.get("fields");
    for key in keys {
        let Some(field) = fields.and_then(Value::as_array).and_then(|all| {
            all.iter()
                .find(|f| f.get("name").and_then(Value::as_str) == Some(key))
        }) else {
            break;
        };
        out.push(
            field
                .get("label")
                .and_then(Value::as_str)
                .unwrap_or(key)
                .to_string(),
        );
        fields = field.get("fields");
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    const PAGE: &str = "---\ntitle: Fiche\nentreprise:\n  nom: A\n  effectif: 400\nacteurs:\n  - direction\n  - CSE\nindicateurs:\n  - libelle: x\n    avant: 1\n---\n## L'entreprise\n";

    #[test]
    fn a_line_names_its_keys() {
        assert_eq!(keys_at(PAGE, 2), ["title"]);
        assert_eq!(keys_at(PAGE, 5), ["entreprise", "effectif"]);
        assert_eq!(keys_at(PAGE, 8), ["acteurs"]);
        assert_eq!(keys_at(PAGE, 11), ["indicateurs", "avant"]);
        assert_eq!(keys_at(PAGE, 13), ["body"]);
        assert!(keys_at(PAGE, 1).is_empty());
        assert!(keys_at("pas de front matter", 1).is_empty());
    }

    #[test]
    fn keys_are_named_by_their_labels() {
        let collection = serde_json::json!({ "fields": [
            { "name": "entreprise", "label": "Entreprise", "fields": [
                { "name": "effectif", "label": "Effectif" } ] } ] });
        let keys = ["entreprise".to_string(), "effectif".to_string()];
        assert_eq!(labels(&collection, &keys), ["Entreprise", "Effectif"]);
        assert_eq!(
            labels(&collection, &["autre".to_string()]),
            Vec::<String>::new()
        );
    }
}
