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
use std::borrow::Cow;

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
    const LIBYAML: [(&str, &str); 8] = [
        ("did not find expected ',' or ']'", "une liste entre crochets n'est pas fermée : « ] » manque"),
        ("did not find expected ',' or '}'", "un ensemble entre accolades n'est pas fermé : « } » manque"),
        ("mapping values are not allowed in this context", "deux-points inattendus : mettez la valeur entre guillemets si elle contient « : »"),
        ("found character that cannot start any token", "caractère inattendu (une tabulation, ou une valeur qui commence par « @ » ou « ` » sans guillemets ?)"),
        ("could not find expected ':'", "« : » manque après une clé"),
        ("did not find expected key", "indentation incohérente : une clé est attendue ici"),
        ("found undefined alias", "référence « * » à un alias qui n'existe pas"),
        ("found unexpected end of stream", "fin inattendue : un guillemet ou un crochet n'est pas fermé"),
    ];
    if let Some(rest) = raw.split("duplicate entry with key ").nth(1) {
        let key = rest.trim_matches(|c: char| c == '"' || c.is_whitespace());
        return format!("clé « {key} » en double");
    }
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

/// A problem of a front matter, found in its text line by line or by the parser.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    /// 1-based line in the parsed text.
    pub line: usize,
    /// 1-based column (in characters).
    pub column: usize,
    /// Length of the span to underline, in characters.
    pub len: usize,
    /// What is wrong, in French.
    pub message: String,
    /// How to fix it, in French.
    pub hint: Option<String>,
    /// An error (the file cannot be read as written) rather than a warning.
    pub error: bool,
}

/// What reading a front matter gave: its value (read without the lines in error, when a
/// syntax error could be set aside), every problem found, and the keys of the lines set
/// aside (so that "missing key" errors about them are not reported).
#[derive(Debug, Clone, Default)]
pub struct FrontMatter {
    /// The value, if the text (or what is left of it) could be read.
    pub value: Option<Value>,
    /// Problems, in the order of their lines.
    pub problems: Vec<Problem>,
    /// Keys written on the lines set aside, and the keys holding them.
    pub skipped_keys: Vec<String>,
}

/// Characters that look like spaces but are not spaces to YAML, with their French names.
const INVISIBLE: [(char, &str); 7] = [
    ('\u{a0}', "espace insécable (U+00A0)"),
    ('\u{202f}', "espace fine insécable (U+202F)"),
    ('\u{2007}', "espace insécable (U+2007)"),
    ('\u{2009}', "espace fine (U+2009)"),
    ('\u{200b}', "espace invisible (U+200B)"),
    ('\u{2060}', "espace invisible (U+2060)"),
    ('\u{feff}', "espace invisible (U+FEFF)"),
];

fn invisible_name(c: char) -> Option<&'static str> {
    INVISIBLE.iter().find(|(i, _)| *i == c).map(|(_, n)| *n)
}

fn is_indent_char(c: char) -> bool {
    c == ' ' || c == '\t' || invisible_name(c).is_some()
}

fn visual_indent(line: &str) -> usize {
    line.chars().take_while(|c| is_indent_char(*c)).count()
}

/// The key of `key: value` (or `- key: value`), when the line starts with one.
fn simple_key(line: &str) -> Option<&str> {
    let t = line.trim_start_matches(is_indent_char);
    let t = t.strip_prefix("- ").unwrap_or(t).trim_start();
    let colon = t.find(':')?;
    let key = &t[..colon];
    (!key.is_empty()
        && key.chars().next().is_some_and(char::is_alphabetic)
        && key
            .chars()
            .all(|c| c.is_alphanumeric() || c == '_' || c == '-'))
    .then_some(key)
}

/// A quoted value followed by more text on its line (`title: "Titre" (suite)`).
struct TextAfterQuote<'a> {
    key: &'a str,
    quote: char,
    quoted: &'a str,
    trailing: &'a str,
}

fn text_after_quote(line: &str) -> Option<TextAfterQuote<'_>> {
    let key = simple_key(line)?;
    let value = line[line.find(':')? + 1..].trim_start();
    let quote = value.chars().next().filter(|c| matches!(c, '"' | '\''))?;
    let inside = &value[1..];
    let mut escaped = false;
    let close = inside.char_indices().find_map(|(i, c)| {
        let closes = c == quote && !escaped;
        escaped = quote == '"' && c == '\\' && !escaped;
        closes.then_some(i)
    })?;
    let trailing = inside[close + 1..].trim();
    (!trailing.is_empty() && !trailing.starts_with('#')).then_some(TextAfterQuote {
        key,
        quote,
        quoted: &inside[..close],
        trailing,
    })
}

/// The key a line belongs to: its own, or that of the first line above it with less indent.
fn key_of_line(lines: &[&str], index: usize) -> Option<String> {
    if let Some(key) = simple_key(lines[index]) {
        return Some(key.to_string());
    }
    let indent = visual_indent(lines[index]);
    (0..index)
        .rev()
        .filter(|&j| !is_blank(lines[j]) && visual_indent(lines[j]) < indent)
        .find_map(|j| simple_key(lines[j]))
        .map(str::to_string)
}

/// The keys holding line `index` (its own key, then its parents' up to the top level).
fn keys_around(lines: &[&str], index: usize) -> Vec<String> {
    let mut keys: Vec<String> = simple_key(lines[index])
        .map(str::to_string)
        .into_iter()
        .collect();
    let mut indent = visual_indent(lines[index]);
    for j in (0..index).rev() {
        if indent == 0 {
            break;
        }
        if !is_blank(lines[j]) && visual_indent(lines[j]) < indent {
            indent = visual_indent(lines[j]);
            keys.extend(simple_key(lines[j]).map(str::to_string));
        }
    }
    keys
}

const INVISIBLE_HINT: &str = "remplacez-la par une espace ordinaire : copiée depuis Word ou un courriel, elle ne se voit pas, mais YAML ne la lit pas comme une espace";

/// Problems seen in the text itself: tabs and invisible spaces in the indentation or after a
/// key, Word's curly quotes around a value.
fn scan_lines(lines: &[&str]) -> Vec<Problem> {
    let mut out = Vec::new();
    for (i, line) in lines.iter().enumerate() {
        let trimmed = line.trim_start_matches(is_indent_char);
        if trimmed.is_empty() || trimmed.starts_with('#') {
            continue;
        }
        let of_key = key_of_line(lines, i)
            .map(|k| format!(" de « {k} »"))
            .unwrap_or_default();
        let lead: Vec<char> = line.chars().take_while(|c| is_indent_char(*c)).collect();
        if let Some(at) = lead.iter().position(|c| *c == '\t') {
            out.push(Problem {
                line: i + 1,
                column: at + 1,
                len: 1,
                message: format!("tabulation au début de la ligne{of_key}"),
                hint: Some("YAML ne décale les lignes qu'avec des espaces : remplacez la tabulation par deux espaces".into()),
                error: true,
            });
            continue;
        }
        if let Some((at, name)) = lead
            .iter()
            .enumerate()
            .find_map(|(at, c)| invisible_name(*c).map(|n| (at, n)))
        {
            out.push(Problem {
                line: i + 1,
                column: at + 1,
                len: 1,
                message: format!("{name} au début de la ligne{of_key}"),
                hint: Some(INVISIBLE_HINT.into()),
                error: true,
            });
            continue;
        }
        let Some(key) = simple_key(line) else {
            continue;
        };
        let key_byte = line.find(key).unwrap_or(0);
        let after = &line[key_byte + key.len() + 1..];
        let key_column = char_col(line, key_byte);
        if let Some(name) = after.chars().next().and_then(invisible_name) {
            out.push(Problem {
                line: i + 1,
                column: key_column + key.chars().count() + 1,
                len: 1,
                message: format!("{name} après « {key}: »"),
                hint: Some(INVISIBLE_HINT.into()),
                error: true,
            });
            continue;
        }
        let value = after.trim();
        let mut chars = value.chars();
        if let (Some(first @ ('“' | '”' | '„' | '‘' | '’')), Some('”' | '“' | '’' | '‘')) =
            (chars.next(), chars.next_back())
        {
            let inner: String = value
                .chars()
                .skip(1)
                .take(value.chars().count() - 2)
                .collect();
            out.push(Problem {
                line: i + 1,
                column: char_col(line, line.len() - after.trim_start().len()),
                len: value.chars().count(),
                message: format!("guillemets courbes « {first} » autour de la valeur de « {key} »"),
                hint: Some(format!(
                    "YAML ne les lit pas comme des guillemets (ils viennent de Word) : écrivez {key}: \"{}\" avec des guillemets droits",
                    inner.replace('"', "\\\"")
                )),
                error: false,
            });
        }
    }
    out
}

/// `effectif:42`: a key glued to its value, which YAML reads as a text.
fn missing_spaces(lines: &[&str]) -> Vec<Problem> {
    let mut out = Vec::new();
    for (i, line) in lines.iter().enumerate() {
        let Some(key) = simple_key(line) else {
            continue;
        };
        let key_byte = line.find(key).unwrap_or(0);
        let after = &line[key_byte + key.len() + 1..];
        let Some(next) = after.chars().next() else {
            continue;
        };
        if next.is_whitespace() || next == '/' || next == ':' || invisible_name(next).is_some() {
            continue;
        }
        let value = after.trim_end();
        out.push(Problem {
            line: i + 1,
            column: char_col(line, key_byte),
            len: key.chars().count() + 1 + value.chars().count(),
            message: format!("il manque une espace après « {key}: »"),
            hint: Some(format!(
                "écrivez « {key}: {value} » : YAML ne lit une clé que si une espace suit les deux-points"
            )),
            error: true,
        });
    }
    out
}

/// Where a parser error really is: a duplicated key at its second occurrence, an unclosed
/// bracket at the line that opens it.
fn relocate(raw: &str, line: usize, lines: &[&str]) -> usize {
    if let Some(rest) = raw.split("duplicate entry with key ").nth(1) {
        let key = rest
            .split_whitespace()
            .next()
            .unwrap_or("")
            .trim_matches('"');
        let first = lines.iter().position(|l| simple_key(l) == Some(key));
        if let Some(first) = first {
            let indent = visual_indent(lines[first]);
            if let Some(second) = (first + 1..lines.len())
                .find(|&j| simple_key(lines[j]) == Some(key) && visual_indent(lines[j]) == indent)
            {
                return second + 1;
            }
        }
    }
    let pairs = [
        ("did not find expected ',' or ']'", '[', ']'),
        ("did not find expected ',' or '}'", '{', '}'),
    ];
    for (english, open, close) in pairs {
        if raw.contains(english) {
            let last = line.min(lines.len());
            if let Some(j) = (0..last)
                .rev()
                .find(|&j| lines[j].matches(open).count() > lines[j].matches(close).count())
            {
                return j + 1;
            }
        }
    }
    line
}

/// Sets aside line `index` and, when it opens a block (`key:` alone), the deeper lines below.
fn set_aside(lines: &[&str], index: usize, skipped: &mut std::collections::BTreeSet<usize>) {
    skipped.insert(index);
    let opens_block = simple_key(lines[index]).is_some_and(|key| {
        let line = lines[index];
        let at = line.find(key).unwrap_or(0) + key.len() + 1;
        line.get(at..).is_some_and(|rest| rest.trim().is_empty())
    });
    if opens_block {
        let indent = visual_indent(lines[index]);
        for (j, line) in lines.iter().enumerate().skip(index + 1) {
            if !is_blank(line) && visual_indent(line) <= indent {
                break;
            }
            skipped.insert(j);
        }
    }
}

/// Reads a front matter and reports as much of it as can be checked: problems of its text
/// first (named invisible characters, curly quotes), then, after a syntax error, the rest of
/// the file read without the lines in error (up to 20 of them).
pub fn parse_front_matter(text: &str) -> FrontMatter {
    let lines: Vec<&str> = text.lines().map(|l| l.trim_end_matches('\r')).collect();
    let mut problems = scan_lines(&lines);
    if let Ok(value) = parse_value(text) {
        problems.retain(|p| !p.error);
        return FrontMatter {
            value: Some(value),
            problems,
            skipped_keys: Vec::new(),
        };
    }
    for p in &mut problems {
        p.error = true;
    }
    for p in missing_spaces(&lines) {
        if !problems.iter().any(|q| q.line == p.line) {
            problems.push(p);
        }
    }
    let mut skipped = std::collections::BTreeSet::new();
    for p in &problems {
        set_aside(&lines, p.line - 1, &mut skipped);
    }
    let mut value = None;
    for _ in 0..20 {
        let working: String = lines
            .iter()
            .enumerate()
            .map(|(i, l)| if skipped.contains(&i) { "" } else { *l })
            .collect::<Vec<_>>()
            .join("\n");
        let raw_error = match serde_yaml::from_str::<serde_yaml::Value>(&working) {
            Ok(parsed) => match to_json(parsed) {
                Ok(v) => {
                    value = Some(v);
                    break;
                }
                Err(e) => {
                    problems.push(Problem {
                        line: 1,
                        column: 1,
                        len: 1,
                        message: e.message,
                        hint: None,
                        error: true,
                    });
                    break;
                }
            },
            Err(e) => e,
        };
        let raw = raw_error.to_string();
        let error = convert_error(raw_error);
        let line = error.line.unwrap_or(1).clamp(1, lines.len().max(1));
        let line = relocate(&raw, line, &lines);
        let column = if line == error.line.unwrap_or(0) {
            error.column.unwrap_or(1)
        } else {
            visual_indent(lines.get(line - 1).unwrap_or(&"")) + 1
        };
        if !problems.iter().any(|p| p.line == line) {
            let text = lines.get(line - 1).unwrap_or(&"");
            let hint = simple_key(text)
                .filter(|_| raw.contains("duplicate entry with key"))
                .map(|key| {
                    format!("une clé ne s'écrit qu'une fois : gardez une seule ligne « {key}: … » et supprimez l'autre")
                });
            let (message, hint) = match text_after_quote(text) {
                Some(after) => (
                    format!("du texte suit le guillemet fermant de « {} »", after.key),
                    Some(format!(
                        "mettez toute la valeur entre les guillemets : {}: {q}{} {}{q}",
                        after.key,
                        after.quoted,
                        after.trailing,
                        q = after.quote
                    )),
                ),
                None => (error.message, hint),
            };
            problems.push(Problem {
                line,
                column,
                len: 1,
                message,
                hint,
                error: true,
            });
        }
        if line > lines.len() || skipped.contains(&(line - 1)) {
            break;
        }
        set_aside(&lines, line - 1, &mut skipped);
    }
    problems.sort_by_key(|p| (p.line, p.column));
    let mut skipped_keys: Vec<String> = skipped
        .iter()
        .filter(|&&i| i < lines.len())
        .flat_map(|&i| keys_around(&lines, i))
        .collect();
    skipped_keys.sort();
    skipped_keys.dedup();
    FrontMatter {
        value,
        problems,
        skipped_keys,
    }
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
    let mut lines: Vec<Cow<'_, str>> = text
        .lines()
        .map(|l| Cow::Borrowed(l.trim_end_matches('\r')))
        .collect();
    let (mut start, mut end) = (0usize, lines.len());
    let mut found: Option<Location> = None;
    let mut inline: Option<(usize, usize)> = None; // (line index, byte offset) inside a flow value
    for step in path {
        if let Some((index, offset)) = inline {
            let line = lines[index].as_ref();
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
                    let quoted_key = |quote: char| {
                        rest.strip_prefix(quote)
                            .and_then(|r| r.strip_prefix(key.as_str()))
                            .and_then(|r| r.strip_prefix(quote))
                            .is_some_and(|r| r.starts_with(':'))
                    };
                    let bare = rest
                        .strip_prefix(key.as_str())
                        .is_some_and(|r| r.starts_with(':'));
                    (i, bare, quoted_key('"') || quoted_key('\''))
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
        let line = line.as_ref();
        let (value_column, value_len) = value_span(line, value_start.min(line.len()));
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
                lines[index]
                    .to_mut()
                    .replace_range(entry_indent..entry_indent + 1, " ");
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
    fn parse_front_matter_names_invisible_characters_and_keeps_reading() {
        let fm =
            parse_front_matter("title: A\nentreprise:\n\u{a0} nom: E\nthemes: [qvct\nweight: 3\n");
        let messages: Vec<(usize, &str)> = fm
            .problems
            .iter()
            .map(|p| (p.line, p.message.as_str()))
            .collect();
        assert_eq!(
            messages,
            vec![
                (
                    3,
                    "espace insécable (U+00A0) au début de la ligne de « nom »"
                ),
                (
                    4,
                    "une liste entre crochets n'est pas fermée : « ] » manque"
                ),
            ]
        );
        let value = fm.value.unwrap();
        assert_eq!(value["title"], "A");
        assert_eq!(value["weight"], 3);
        assert!(fm.skipped_keys.contains(&"themes".to_string()));
    }

    #[test]
    fn text_after_a_closing_quote_is_named_with_the_line_to_write() {
        let fm = parse_front_matter("title: \"Un titre\" (modifié)\nweight: 3\n");
        assert_eq!(fm.problems.len(), 1, "{:?}", fm.problems);
        let problem = &fm.problems[0];
        assert_eq!((problem.line, problem.column), (1, 19));
        assert_eq!(
            problem.message,
            "du texte suit le guillemet fermant de « title »"
        );
        let hint = problem.hint.as_deref().unwrap_or_default();
        assert!(hint.contains("title: \"Un titre (modifié)\""), "{hint}");
        assert_eq!(fm.value.unwrap()["weight"], 3);
        // A comment after the quote is fine.
        assert!(parse_front_matter("title: \"Un titre\" # note\n")
            .problems
            .is_empty());
    }

    #[test]
    fn curly_quotes_are_a_warning_when_the_yaml_still_reads() {
        let fm = parse_front_matter("title: “Accord”\n");
        assert_eq!(fm.problems.len(), 1);
        assert!(!fm.problems[0].error);
        assert_eq!(fm.problems[0].column, 8);
    }

    #[test]
    fn a_duplicated_key_is_named_at_its_second_line() {
        let fm = parse_front_matter("title: A\nweight: 1\ntitle: B\n");
        assert_eq!(fm.problems[0].line, 3);
        assert_eq!(fm.problems[0].message, "clé « title » en double");
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
