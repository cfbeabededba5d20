//! Splitting a content file into its YAML front matter and its Markdown body.
//!
//! A file starts with a line `---`, then YAML, then a closing line `---`. A UTF-8 byte-order
//! mark and CRLF line endings are accepted, since editors' tools write them. Line numbers are
//! kept so that errors in the YAML or the body point at the file's own lines.

/// A content file cut in two.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Split<'a> {
    /// The YAML between the two `---` lines.
    pub yaml: &'a str,
    /// 1-based line of the file where `yaml` starts.
    pub yaml_line: usize,
    /// The Markdown after the closing `---`.
    pub body: &'a str,
    /// 1-based line of the file where `body` starts.
    pub body_line: usize,
}

/// Why a file could not be split.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SplitError {
    /// 1-based line of the problem.
    pub line: usize,
    /// What is wrong, in French.
    pub message: String,
    /// How to fix it, in French.
    pub hint: String,
}

fn is_fence(line: &str) -> bool {
    line.trim_end_matches(['\n', '\r', ' ', '\t']) == "---"
}

/// Splits `text` (with or without a byte-order mark) into front matter and body.
pub fn split(text: &str) -> Result<Split<'_>, SplitError> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let first_end = text.find('\n').map_or(text.len(), |i| i + 1);
    if !is_fence(&text[..first_end]) {
        return Err(SplitError {
            line: 1,
            message: "le fichier ne commence pas par un en-tête (front matter)".into(),
            hint: "la première ligne doit être exactement « --- », suivie des champs (title: …) et d'une ligne « --- »".into(),
        });
    }
    let mut offset = first_end;
    let mut line = 2;
    while offset < text.len() {
        let end = text[offset..]
            .find('\n')
            .map_or(text.len(), |i| offset + i + 1);
        if is_fence(&text[offset..end]) {
            return Ok(Split {
                yaml: &text[first_end..offset],
                yaml_line: 2,
                body: &text[end..],
                body_line: line + 1,
            });
        }
        offset = end;
        line += 1;
    }
    Err(SplitError {
        line: 1,
        message: "l'en-tête (front matter) ouvert ici n'est jamais fermé".into(),
        hint: "ajoutez une ligne « --- » après le dernier champ de l'en-tête".into(),
    })
}

impl Split<'_> {
    /// A hash of the front matter and of where the body starts: equal hashes mean only the
    /// body of the file changed (`serve` relies on it).
    pub fn front_matter_hash(&self) -> u64 {
        use std::hash::Hash;
        crate::fingerprint::hash_with(|hasher| (self.yaml, self.body_line).hash(hasher))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn split_keeps_line_numbers() {
        let s = split("---\ntitle: A\n---\nCorps\n").unwrap();
        assert_eq!(s.yaml, "title: A\n");
        assert_eq!(s.yaml_line, 2);
        assert_eq!(s.body, "Corps\n");
        assert_eq!(s.body_line, 4);
    }

    #[test]
    fn split_accepts_bom_and_crlf() {
        let s = split("\u{feff}---\r\ntitle: A\r\n---\r\nCorps\r\n").unwrap();
        assert_eq!(s.yaml, "title: A\r\n");
        assert_eq!(s.body, "Corps\r\n");
    }

    #[test]
    fn split_accepts_an_empty_body_without_final_newline() {
        let s = split("---\ntitle: A\n---").unwrap();
        assert_eq!(s.body, "");
    }

    #[test]
    fn split_rejects_a_missing_or_unclosed_front_matter() {
        assert_eq!(split("title: A\n").unwrap_err().line, 1);
        let e = split("---\ntitle: A\n").unwrap_err();
        assert!(e.message.contains("jamais fermé"));
        assert!(split("").is_err());
    }

    #[test]
    fn a_fence_must_be_three_dashes_alone() {
        assert!(split("---\ntitle: A\n----\n").is_err());
        assert!(split("--- \ntitle: A\n---\t\n").is_ok());
    }
}
