//! Diagnostics: what is wrong with the user's input, where, and how to fix it.
//!
//! Every stage returns its diagnostics instead of stopping at the first problem; the command
//! layer sorts them (by file, then line) and prints them in one place. Messages and hints are in
//! French because editors read them.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

/// How serious a diagnostic is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    /// The build cannot succeed.
    Error,
    /// The build succeeds, but something should be fixed.
    Warning,
}

/// One problem found in the site's files.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Diagnostic {
    /// Error or warning.
    pub severity: Severity,
    /// The file, relative to the site root when possible.
    pub path: Option<PathBuf>,
    /// 1-based line in the file.
    pub line: Option<usize>,
    /// 1-based column (in characters) in the line.
    pub column: Option<usize>,
    /// Length of the span to underline, in characters.
    #[serde(skip)]
    pub span: usize,
    /// What is wrong, in French.
    pub message: String,
    /// How to fix it, in French.
    pub hint: Option<String>,
    /// The offending line of the file, when known.
    #[serde(skip)]
    pub source_line: Option<String>,
}

/// A diagnostic as the build cache keeps it: every field (its JSON form leaves out the span
/// and the source line).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Kept {
    severity: Severity,
    path: Option<PathBuf>,
    line: Option<usize>,
    column: Option<usize>,
    span: usize,
    message: String,
    hint: Option<String>,
    source_line: Option<String>,
}

impl From<Diagnostic> for Kept {
    fn from(d: Diagnostic) -> Self {
        Self {
            severity: d.severity,
            path: d.path,
            line: d.line,
            column: d.column,
            span: d.span,
            message: d.message,
            hint: d.hint,
            source_line: d.source_line,
        }
    }
}

impl From<Kept> for Diagnostic {
    fn from(k: Kept) -> Self {
        Self {
            severity: k.severity,
            path: k.path,
            line: k.line,
            column: k.column,
            span: k.span,
            message: k.message,
            hint: k.hint,
            source_line: k.source_line,
        }
    }
}

impl Diagnostic {
    /// A new error with no location.
    pub fn error(message: impl Into<String>) -> Self {
        Self {
            severity: Severity::Error,
            path: None,
            line: None,
            column: None,
            span: 1,
            message: message.into(),
            hint: None,
            source_line: None,
        }
    }

    /// A new warning with no location.
    pub fn warning(message: impl Into<String>) -> Self {
        Self {
            severity: Severity::Warning,
            ..Self::error(message)
        }
    }

    /// Sets the file.
    pub fn in_file(mut self, path: impl Into<PathBuf>) -> Self {
        self.path = Some(path.into());
        self
    }

    /// Sets the line and column (1-based) and the span length.
    pub fn at(mut self, line: usize, column: usize, span: usize) -> Self {
        self.line = Some(line);
        self.column = Some(column.max(1));
        self.span = span.max(1);
        self
    }

    /// Sets the line only.
    pub fn at_line(mut self, line: usize) -> Self {
        self.line = Some(line);
        self
    }

    /// Sets the hint.
    pub fn with_hint(mut self, hint: impl Into<String>) -> Self {
        self.hint = Some(hint.into());
        self
    }

    /// Fills `source_line` from the file's text when a line is known.
    pub fn with_source(mut self, text: &str) -> Self {
        if let Some(line) = self.line {
            self.source_line = text
                .lines()
                .nth(line.saturating_sub(1))
                .map(|l| l.trim_end_matches('\r').to_string());
        }
        self
    }

    /// Whether this diagnostic fails the build.
    pub fn is_error(&self) -> bool {
        self.severity == Severity::Error
    }

    /// Renders the diagnostic for a terminal, without colours.
    pub fn render(&self) -> String {
        let mut out = String::new();
        let label = match self.severity {
            Severity::Error => "erreur",
            Severity::Warning => "avertissement",
        };
        let _ = write!(out, "{label}");
        if let Some(path) = &self.path {
            let _ = write!(out, " : {}", path.display());
            if let Some(line) = self.line {
                let _ = write!(out, ":{line}");
                if let Some(column) = self.column {
                    let _ = write!(out, ":{column}");
                }
            }
        }
        let _ = writeln!(out, "\n  {}", self.message);
        if let (Some(line), Some(source)) = (self.line, &self.source_line) {
            let number = line.to_string();
            let gutter = " ".repeat(number.len());
            let _ = writeln!(out, "  {gutter} |");
            let _ = writeln!(out, "  {number} | {source}");
            if let Some(column) = self.column {
                let pad: String = source
                    .chars()
                    .take(column - 1)
                    .map(|c| if c == '\t' { '\t' } else { ' ' })
                    .collect();
                let _ = writeln!(out, "  {gutter} | {pad}{}", "^".repeat(self.span));
            }
        }
        if let Some(hint) = &self.hint {
            let _ = writeln!(out, "  aide : {hint}");
        }
        out
    }

    /// The stable code of this kind of diagnostic (`lien-page-inexistante`,
    /// `yaml-syntaxe`…), for editors' tools: drawn from the message's fixed words, so a
    /// diagnostic read back from the build cache keeps its code.
    pub fn code(&self) -> &'static str {
        let message = self.message.as_str();
        RULE_CODES
            .iter()
            .find(|(pattern, _)| message.starts_with(pattern) || message.contains(pattern))
            .map_or(
                match self.severity {
                    Severity::Error => "erreur",
                    Severity::Warning => "avertissement",
                },
                |(_, code)| code,
            )
    }

    /// The 1-based column just after the underlined span, when a column is known.
    pub fn end_column(&self) -> Option<usize> {
        self.column.map(|column| column + self.span)
    }

    /// Renders the diagnostic as one line of JSON: severity, code, path, line, column,
    /// end_column, message, hint, source_line.
    pub fn to_json(&self) -> String {
        let value = serde_json::json!({
            "severity": self.severity,
            "code": self.code(),
            "path": self.path,
            "line": self.line,
            "column": self.column,
            "end_column": self.end_column(),
            "message": self.message,
            "hint": self.hint,
            "source_line": self.source_line,
        });
        value.to_string()
    }
}

/// The code of each kind of diagnostic, by the fixed words of its message (the first match
/// wins). Codes are part of `check --format json`: never change one, add new ones.
pub const RULE_CODES: &[(&str, &str)] = &[
    ("« À compléter » n'a pas été remplacé", "a-completer"),
    ("intertitre manquant", "intertitre-manquant"),
    ("hors de son ordre", "intertitre-ordre"),
    ("intertitre « ", "intertitre-renomme"),
    ("deux pages portent le même titre", "titre-en-double"),
    ("ligne qui commence par « ", "collage-liste"),
    ("ligne séparée par des tabulations", "collage-tableau"),
    ("chemin avec des espaces", "chemin-espaces"),
    ("lien vers un brouillon", "lien-brouillon"),
    ("son nom finit par « .md.", "extension-cachee"),
    ("espace insécable", "yaml-espace-insecable"),
    ("espace invisible", "yaml-espace-insecable"),
    ("tabulation au début", "yaml-tabulation"),
    ("guillemets courbes", "yaml-guillemets-courbes"),
    ("il manque une espace après", "yaml-espace-manquante"),
    ("en double", "yaml-cle-en-double"),
    ("adresse web sans « https:// »", "lien-sans-https"),
    ("image sans texte alternatif", "image-sans-alternative"),
    ("image introuvable", "image-introuvable"),
    ("image lourde", "image-lourde"),
    ("fichier introuvable", "fichier-introuvable"),
    ("lien vers une page inexistante", "lien-page-inexistante"),
    (
        "lien vers une adresse inexistante",
        "lien-adresse-inexistante",
    ),
    ("sort du dossier content/", "lien-hors-contenu"),
    (
        "lien dont le texte est une adresse brute",
        "lien-adresse-brute",
    ),
    ("lien dont le texte ne dit pas", "lien-texte-vague"),
    ("lien externe non chiffré", "lien-http"),
    ("titre de niveau 1", "titre-niveau-1"),
    ("niveau de titre sauté", "titre-niveau-saute"),
    ("tableau sans ligne d'en-tête", "tableau-sans-en-tete"),
    ("attribut lang invalide", "langue-invalide"),
    ("fiche sans résumé", "fiche-sans-resume"),
    ("titre très long", "titre-long"),
    ("n'a aucune page", "terme-sans-page"),
    ("clé obligatoire manquante", "cle-manquante"),
    ("champ obligatoire manquant", "champ-manquant"),
    ("clé inconnue", "cle-inconnue"),
    ("champ inconnu", "champ-inconnu"),
    ("type invalide", "type-invalide"),
    ("valeur non permise", "valeur-non-permise"),
    ("valeur inconnue", "valeur-inconnue"),
    ("le maximum est", "valeur-trop-grande"),
    ("le minimum est", "valeur-trop-petite"),
    ("n'est pas une date valide", "date-invalide"),
    ("est obligatoire dans la section", "taxonomie-manquante"),
    ("terme", "terme"),
    ("alias", "alias"),
    ("slug invalide", "slug-invalide"),
    ("n'est pas encodé en UTF-8", "encodage"),
    ("en-tête", "en-tete"),
    ("lien symbolique ignoré", "lien-symbolique"),
    ("YAML", "yaml-syntaxe"),
    ("n'est pas fermé", "yaml-syntaxe"),
    ("deux-points inattendus", "yaml-syntaxe"),
    ("caractère inattendu", "yaml-syntaxe"),
    ("« : » manque", "yaml-syntaxe"),
    ("indentation incohérente", "yaml-syntaxe"),
    ("fin inattendue", "yaml-syntaxe"),
    ("guillemet fermant", "yaml-syntaxe"),
    ("gabarit", "gabarit"),
];

/// Where the stages of a run report their problems: one per run, passed to each stage, read
/// once at the end ([`Diagnostics::into_sorted`]). A stage never stops at the first problem;
/// the run asks [`Diagnostics::has_errors`] before a step that needs a valid site.
#[derive(Debug, Default)]
pub struct Diagnostics(Vec<Diagnostic>);

impl Diagnostics {
    /// An empty sink.
    pub fn new() -> Self {
        Self::default()
    }

    /// Reports one problem.
    pub fn push(&mut self, diagnostic: Diagnostic) {
        self.0.push(diagnostic);
    }

    /// Whether an error (not a warning) was reported.
    pub fn has_errors(&self) -> bool {
        self.0.iter().any(Diagnostic::is_error)
    }

    /// What was reported, to complete (source lines).
    pub fn as_mut_slice(&mut self) -> &mut [Diagnostic] {
        &mut self.0
    }

    /// What was reported, in the order it was.
    pub fn into_vec(self) -> Vec<Diagnostic> {
        self.0
    }

    /// Sorts what was reported by place and drops duplicates ([`sort`]).
    pub fn sort(&mut self) {
        sort(&mut self.0);
    }

    /// What was reported, sorted by place, duplicates dropped ([`sort`]).
    pub fn into_sorted(self) -> Vec<Diagnostic> {
        let mut diagnostics = self.0;
        sort(&mut diagnostics);
        diagnostics
    }
}

impl std::ops::Deref for Diagnostics {
    type Target = [Diagnostic];

    fn deref(&self) -> &[Diagnostic] {
        &self.0
    }
}

impl Extend<Diagnostic> for Diagnostics {
    fn extend<I: IntoIterator<Item = Diagnostic>>(&mut self, iter: I) {
        self.0.extend(iter);
    }
}

impl From<Vec<Diagnostic>> for Diagnostics {
    fn from(diagnostics: Vec<Diagnostic>) -> Self {
        Self(diagnostics)
    }
}

/// Sorts diagnostics by file, then line, then column, and drops exact duplicates.
pub fn sort(diagnostics: &mut Vec<Diagnostic>) {
    diagnostics.sort_by(|a, b| {
        (a.path.as_deref(), a.line, a.column, &a.message).cmp(&(
            b.path.as_deref(),
            b.line,
            b.column,
            &b.message,
        ))
    });
    diagnostics.dedup();
}

/// The closing line: "2 erreurs, 1 avertissement dans 2 fichiers".
pub fn summary(diagnostics: &[Diagnostic]) -> String {
    let errors = diagnostics.iter().filter(|d| d.is_error()).count();
    let warnings = diagnostics.len() - errors;
    let mut files: Vec<&Path> = diagnostics
        .iter()
        .filter_map(|d| d.path.as_deref())
        .collect();
    files.sort();
    files.dedup();
    let plural = |n: usize, one: &str, many: &str| {
        if n > 1 {
            format!("{n} {many}")
        } else {
            format!("{n} {one}")
        }
    };
    format!(
        "{}, {} dans {}",
        plural(errors, "erreur", "erreurs"),
        plural(warnings, "avertissement", "avertissements"),
        plural(files.len().max(1), "fichier", "fichiers")
    )
}

/// Prints diagnostics for a person on standard error, then the total (nothing when there are
/// none).
pub fn print_human(diagnostics: &[Diagnostic]) {
    for d in diagnostics {
        eprintln!("{}", d.render());
    }
    if !diagnostics.is_empty() {
        eprintln!("{}", summary(diagnostics));
    }
}

/// Prints one error and gives the exit status of a failed command (1).
pub fn fail(d: Diagnostic) -> i32 {
    print_human(&[d]);
    1
}

/// The closest candidate to `wanted`, if one is close enough to be a likely typo.
pub fn closest<'a>(wanted: &str, candidates: impl IntoIterator<Item = &'a str>) -> Option<&'a str> {
    let wanted_folded = crate::slug::slugify(wanted);
    candidates
        .into_iter()
        .map(|c| {
            let score = strsim::jaro_winkler(&wanted_folded, &crate::slug::slugify(c))
                .max(strsim::jaro_winkler(wanted, c));
            (score, c)
        })
        .filter(|(score, _)| *score >= 0.7)
        .max_by(|a, b| a.0.total_cmp(&b.0).then_with(|| b.1.cmp(a.1)))
        .map(|(_, c)| c)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn render_underlines_the_span_and_shows_the_hint() {
        let text = "---\nthemes: [qvt]\n---\n";
        let d = Diagnostic::error("terme inconnu")
            .in_file("content/a.md")
            .at(2, 10, 3)
            .with_hint("vouliez-vous dire « qvct » ?")
            .with_source(text);
        let out = d.render();
        assert!(out.starts_with("erreur : content/a.md:2:10\n"), "{out}");
        assert!(out.contains("2 | themes: [qvt]\n"), "{out}");
        assert!(out.contains("  |          ^^^\n"), "{out}");
        assert!(out.contains("aide : vouliez-vous dire « qvct » ?"), "{out}");
    }

    #[test]
    fn summary_counts_errors_warnings_and_files() {
        let ds = vec![
            Diagnostic::error("a").in_file("x.md"),
            Diagnostic::error("b").in_file("y.md"),
            Diagnostic::warning("c").in_file("x.md"),
        ];
        assert_eq!(summary(&ds), "2 erreurs, 1 avertissement dans 2 fichiers");
    }

    #[test]
    fn closest_finds_a_typo_but_not_a_stranger() {
        let terms = ["qvct", "dialogue-social", "partage-valeur"];
        assert_eq!(closest("dialogue-socal", terms), Some("dialogue-social"));
        assert_eq!(closest("zzzzzz", terms), None);
    }
}
