//! The one door to YAML: parsing `guide.yaml` and front matter.
//!
//! serde_yaml is archived upstream; keeping every use of it in this module means a swap to a
//! maintained fork (`yaml_serde`) is a change to this file or to Cargo.toml only. Values come
//! out as `serde_json::Value`, the type the rest of the generator (and Tera) works with.
//!
//! serde_yaml's errors carry a line and column for syntax, type and unknown-field errors; a
//! missing field comes at 1:1. [`locate`] finds keys by scanning the text, so that checks made
//! after parsing can still point at a line.

use serde::de::DeserializeOwned;
use serde_json::Value;

/// A YAML error, with its position in the parsed text (1-based) and a French message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct YamlError {
    /// 1-based line in the parsed text, when known.
    pub line: Option<usize>,
    /// 1-based column, when known.
    pub column: Option<usize>,
    /// The message, in French.
    pub message: String,
}

fn convert_error(error: serde_yaml::Error) -> YamlError {
    let location = error.location();
    let raw = error.to_string();
    // serde_yaml appends " at line L column C"; the position is reported separately.
    let raw = match raw.find(" at line ") {
        Some(i) => raw[..i].to_string(),
        None => raw,
    };
    YamlError {
        line: location.as_ref().map(|l| l.line()),
        column: location.as_ref().map(|l| l.column()),
        message: translate(&raw),
    }
}

/// Turns serde_yaml's English messages into French ones for the common cases.
fn translate(raw: &str) -> String {
    // serde_yaml may put the path of the value first: "a.b.c: unknown field …".
    const PHRASES: [&str; 5] = [
        "unknown field `",
        "missing field `",
        "invalid type: ",
        "unknown variant `",
        "invalid value: ",
    ];
    if let Some((at, _)) = PHRASES
        .iter()
        .filter_map(|p| raw.find(p).map(|i| (i, p)))
        .min_by_key(|(i, _)| *i)
    {
        if at > 2 && raw[..at].ends_with(": ") {
            let path = &raw[..at - 2];
            return format!("{} (dans « {path} »)", translate(&raw[at..]));
        }
    }
    let raw = raw.trim_start_matches("invalid value: ");
    if let Some(rest) = raw.strip_prefix("unknown field `") {
        let name = rest.split('`').next().unwrap_or_default();
        return format!("clé inconnue « {name} »");
    }
    if let Some(rest) = raw.strip_prefix("missing field `") {
        let name = rest.split('`').next().unwrap_or_default();
        return format!("clé obligatoire manquante : « {name} »");
    }
    if let Some(rest) = raw.strip_prefix("invalid type: ") {
        return format!("type invalide ({rest})");
    }
    if let Some(rest) = raw.strip_prefix("unknown variant `") {
        let name = rest.split('`').next().unwrap_or_default();
        return format!("valeur inconnue « {name} »");
    }
    const LIBYAML: [(&str, &str); 9] = [
        ("did not find expected ',' or ']'", "une liste entre crochets n'est pas fermée : « ] » manque"),
        ("did not find expected ',' or '}'", "un ensemble entre accolades n'est pas fermé : « } » manque"),
        ("mapping values are not allowed in this context", "deux-points inattendus : mettez la valeur entre guillemets si elle contient « : »"),
        ("found character that cannot start any token", "caractère inattendu (une tabulation, ou une valeur qui commence par « @ » ou « ` » sans guillemets ?)"),
        ("could not find expected ':'", "« : » manque après une clé"),
        ("did not find expected key", "indentation incohérente : une clé est attendue ici"),
        ("found undefined alias", "référence « * » à un alias qui n'existe pas"),
        ("duplicate entry with key", "clé en double"),
        ("found unexpected end of stream", "fin inattendue : un guillemet ou un crochet n'est pas fermé"),
    ];
    for (english, french) in LIBYAML {
        if raw.contains(english) {
            return french.to_string();
        }
    }
    if raw.contains("recursion limit exceeded") {
        return "YAML trop profondément imbriqué".into();
    }
    if raw.contains("repetition limit exceeded") {
        return "YAML refusé : trop d'alias (références `*`) développés".into();
    }
    format!("YAML invalide : {raw}")
}

/// The names listed by an "unknown field" error (`expected one of …`), for hints.
pub fn expected_names(message_source: &str) -> Vec<String> {
    message_source
        .split('`')
        .skip(3)
        .step_by(2)
        .map(str::to_string)
        .collect()
}

/// Parses `text` into a typed value (used for `guide.yaml`).
pub fn from_str<T: DeserializeOwned>(text: &str) -> Result<T, YamlError> {
    serde_yaml::from_str(text).map_err(convert_error)
}

/// Parses `text` into a typed value; on error, also returns the raw English message, from
/// which callers can draw the list of expected names.
pub fn from_str_raw<T: DeserializeOwned>(text: &str) -> Result<T, (YamlError, String)> {
    serde_yaml::from_str(text).map_err(|e| {
        let raw = e.to_string();
        (convert_error(e), raw)
    })
}

/// Parses `text` into a dynamic value. Tags are refused; keys that are not strings are
/// written as strings; an empty text is `null`.
pub fn parse_value(text: &str) -> Result<Value, YamlError> {
    let value: serde_yaml::Value = serde_yaml::from_str(text).map_err(convert_error)?;
    to_json(value)
}

fn to_json(value: serde_yaml::Value) -> Result<Value, YamlError> {
    use serde_yaml::Value as Y;
    Ok(match value {
        Y::Null => Value::Null,
        Y::Bool(b) => Value::Bool(b),
        Y::Number(n) => {
            if let Some(i) = n.as_i64() {
                Value::from(i)
            } else if let Some(u) = n.as_u64() {
                Value::from(u)
            } else {
                n.as_f64()
                    .and_then(serde_json::Number::from_f64)
                    .map_or(Value::Null, Value::Number)
            }
        }
        Y::String(s) => Value::String(s),
        Y::Sequence(items) => {
            Value::Array(items.into_iter().map(to_json).collect::<Result<_, _>>()?)
        }
        Y::Mapping(map) => {
            let mut out = serde_json::Map::new();
            for (k, v) in map {
                let key = match k {
                    Y::String(s) => s,
                    Y::Number(n) => n.to_string(),
                    Y::Bool(b) => b.to_string(),
                    _ => {
                        return Err(YamlError {
                            line: None,
                            column: None,
                            message: "une clé doit être un simple mot".into(),
                        })
                    }
                };
                out.insert(key, to_json(v)?);
            }
            Value::Object(out)
        }
        Y::Tagged(tagged) => {
            return Err(YamlError {
                line: None,
                column: None,
                message: format!(
                    "les étiquettes YAML (« {} ») ne sont pas acceptées",
                    tagged.tag
                ),
            })
        }
    })
}

/// One step of a path to a value: a map key or a list index.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PathStep {
    /// A key in a map.
    Key(String),
    /// A 0-based index in a list.
    Index(usize),
}

/// Where a key (or list item) stands in the YAML text.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Location {
    /// 1-based line.
    pub line: usize,
    /// 1-based column of the key (or of the `-` of a list item).
    pub column: usize,
    /// Length of the key, to underline it.
    pub len: usize,
    /// 1-based column where the value starts on that line (or the key's column when the value
    /// is on the following lines).
    pub value_column: usize,
    /// Length of the value written on that line (at least 1).
    pub value_len: usize,
}

fn indent_of(line: &str) -> usize {
    line.len() - line.trim_start_matches(' ').len()
}

fn is_blank(line: &str) -> bool {
    let t = line.trim();
    t.is_empty() || t.starts_with('#')
}

fn char_col(line: &str, byte: usize) -> usize {
    line[..byte].chars().count() + 1
}

fn value_span(line: &str, start_byte: usize) -> (usize, usize) {
    let rest = &line[start_byte..];
    let trimmed = rest.trim_start();
    let start = start_byte + (rest.len() - trimmed.len());
    let value = trimmed.split(" #").next().unwrap_or("").trim_end();
    (char_col(line, start), value.chars().count().max(1))
}

/// Finds the line of `path` in block-style YAML `text`, the way editors write front matter.
/// Flow collections (`[a, b]`, `{ k: v }`) are searched within their line. Returns the deepest
/// step that could be found, so an error always gets the nearest line.
pub fn locate(text: &str, path: &[PathStep]) -> Option<Location> {
    // A working copy: the dash of a list item we enter is blanked, so that the item's first
    // key lines up with the keys below it.
    let mut lines: Vec<String> = text
        .lines()
        .map(|l| l.trim_end_matches('\r').to_string())
        .collect();
    let (mut start, mut end) = (0usize, lines.len());
    let mut found: Option<Location> = None;
    let mut inline: Option<(usize, usize)> = None; // (line index, byte offset) inside a flow value
    for step in path {
        if let Some((index, offset)) = inline {
            let line = lines[index].as_str();
            let (byte, len, value_start) = match step {
                PathStep::Key(key) => {
                    let at = offset + line[offset..].find(&format!("{key}:"))?;
                    (at, key.chars().count(), at + key.len() + 1)
                }
                PathStep::Index(n) => {
                    let open = offset + line[offset..].find('[')?;
                    let at = if *n == 0 {
                        open + 1
                    } else {
                        let (comma, _) = line[open..]
                            .char_indices()
                            .filter(|(_, c)| *c == ',')
                            .nth(n - 1)?;
                        open + comma + 1
                    };
                    (at, 1, at)
                }
            };
            let rest = &line[value_start..];
            let item = rest
                .trim_start()
                .split([',', ']', '}'])
                .next()
                .unwrap_or("")
                .trim_end();
            let value_byte = value_start + (rest.len() - rest.trim_start().len());
            found = Some(Location {
                line: index + 1,
                column: char_col(line, byte),
                len,
                value_column: char_col(line, value_byte),
                value_len: item.chars().count().max(1),
            });
            inline = Some((index, byte + 1));
            continue;
        }
        let entry_indent = (start..end)
            .filter(|&i| !is_blank(&lines[i]))
            .map(|i| indent_of(&lines[i]))
            .min()?;
        let entries =
            (start..end).filter(|&i| !is_blank(&lines[i]) && indent_of(&lines[i]) == entry_indent);
        let hit = match step {
            PathStep::Key(key) => entries
                .map(|i| {
                    let rest = &lines[i][entry_indent..];
                    let bare = rest.starts_with(&format!("{key}:"));
                    let quoted = rest.starts_with(&format!("\"{key}\":"))
                        || rest.starts_with(&format!("'{key}':"));
                    (i, bare, quoted)
                })
                .find(|(_, bare, quoted)| *bare || *quoted)
                .map(|(i, _, quoted)| {
                    let len = key.chars().count() + if quoted { 2 } else { 0 };
                    (i, len, entry_indent + len + 1)
                }),
            PathStep::Index(n) => entries
                .filter(|&i| lines[i][entry_indent..].starts_with('-'))
                .nth(*n)
                .map(|i| (i, 1, entry_indent + 1)),
        };
        let Some((index, len, value_start)) = hit else {
            return found;
        };
        let line = lines[index].clone();
        let (value_column, value_len) = value_span(&line, value_start.min(line.len()));
        found = Some(Location {
            line: index + 1,
            column: entry_indent + 1,
            len,
            value_column,
            value_len,
        });
        let value_text = line[value_start.min(line.len())..].trim();
        if value_text.starts_with('[') || value_text.starts_with('{') {
            inline = Some((index, value_start.min(line.len())));
            continue;
        }
        // The lines that belong to this entry: deeper ones, and for a key, list items at the
        // key's own indentation ("acteurs:\n- direction").
        let mut j = index + 1;
        while j < end {
            let l = &lines[j];
            if !is_blank(l) {
                let ind = indent_of(l);
                let same_level_list = matches!(step, PathStep::Key(_))
                    && ind == entry_indent
                    && l[ind..].starts_with('-');
                if ind <= entry_indent && !same_level_list {
                    break;
                }
            }
            j += 1;
        }
        match step {
            PathStep::Key(_) => start = index + 1,
            PathStep::Index(_) => {
                lines[index].replace_range(entry_indent..entry_indent + 1, " ");
                start = index;
            }
        }
        end = j;
    }
    found
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(k: &str) -> PathStep {
        PathStep::Key(k.into())
    }

    const FM: &str = "title: Fiche\nthemes: [qvct, dialogue]\nentreprise:\n  nom: A\n  effectif: trois\nindicateurs:\n  - libelle: Turnover\n    avant: 12\n  - libelle: Absences\n    avant: x\nacteurs:\n- direction\n- CSE\ninline: { a: 1, b: 2 }\n";

    #[test]
    fn locate_finds_top_level_and_nested_keys() {
        let l = locate(FM, &[key("title")]).unwrap();
        assert_eq!((l.line, l.column, l.len, l.value_column), (1, 1, 5, 8));
        let l = locate(FM, &[key("entreprise"), key("effectif")]).unwrap();
        assert_eq!(
            (l.line, l.column, l.value_column, l.value_len),
            (5, 3, 13, 5)
        );
    }

    #[test]
    fn locate_finds_list_items_and_keys_inside_them() {
        let l = locate(FM, &[key("indicateurs"), PathStep::Index(1), key("avant")]).unwrap();
        assert_eq!((l.line, l.column), (10, 5));
        let l = locate(
            FM,
            &[key("indicateurs"), PathStep::Index(1), key("libelle")],
        )
        .unwrap();
        assert_eq!((l.line, l.column), (9, 5));
        let l = locate(FM, &[key("acteurs"), PathStep::Index(1)]).unwrap();
        assert_eq!((l.line, l.value_column), (13, 3));
    }

    #[test]
    fn locate_searches_flow_collections_on_their_line() {
        let l = locate(FM, &[key("themes"), PathStep::Index(1)]).unwrap();
        assert_eq!(l.line, 2);
        assert_eq!(l.value_column, 16);
        let l = locate(FM, &[key("inline"), key("b")]).unwrap();
        assert_eq!((l.line, l.column), (14, 17));
    }

    #[test]
    fn locate_falls_back_to_the_nearest_known_step() {
        let l = locate(FM, &[key("entreprise"), key("absent")]).unwrap();
        assert_eq!(l.line, 3);
        assert!(locate(FM, &[key("absent")]).is_none());
    }

    #[test]
    fn parse_value_reports_the_line_of_a_syntax_error() {
        let err = parse_value("title: a\nthemes: [qvct\n").unwrap_err();
        assert!(err.line.is_some());
        assert_eq!(
            err.message,
            "une liste entre crochets n'est pas fermée : « ] » manque"
        );
    }

    #[test]
    fn an_alias_bomb_is_refused() {
        let mut text = String::from("a: &a [x, x, x, x, x, x, x, x, x, x]\n");
        for i in 0..9 {
            let prev = if i == 0 {
                "a".to_string()
            } else {
                format!("a{}", i - 1)
            };
            text.push_str(&format!(
                "a{i}: &a{i} [*{prev}, *{prev}, *{prev}, *{prev}, *{prev}, *{prev}, *{prev}, *{prev}, *{prev}, *{prev}]\n"
            ));
        }
        assert!(parse_value(&text).is_err());
    }
}
