//! Slugs for URLs and heading ids: ASCII, lower case, words joined by `-`.
//!
//! "Qualité de vie au travail" → `qualite-de-vie-au-travail`, "l'entreprise" → `l-entreprise`,
//! "œuvre" → `oeuvre`. The `slug` crate does the transliteration.

/// The slug of a text; empty when the text has no letter or digit.
pub fn slugify(text: &str) -> String {
    slug::slugify(text)
}

/// Whether `text` is already a slug (what `slugify` would return for it).
pub fn is_slug(text: &str) -> bool {
    !text.is_empty() && slugify(text) == text
}

/// Hands out ids unique within one page: `id`, `id-1`, `id-2`…
#[derive(Debug, Default)]
pub struct UniqueIds {
    seen: std::collections::HashSet<String>,
}

impl UniqueIds {
    /// Returns `base` or the first free `base-N`, and remembers it.
    pub fn make_unique(&mut self, base: &str) -> String {
        let base = if base.is_empty() { "section" } else { base };
        let mut candidate = base.to_string();
        let mut n = 1;
        while self.seen.contains(&candidate) {
            candidate = format!("{base}-{n}");
            n += 1;
        }
        self.seen.insert(candidate.clone());
        candidate
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slugs_drop_accents_and_punctuation() {
        assert_eq!(
            slugify("Qualité de vie au travail"),
            "qualite-de-vie-au-travail"
        );
        assert_eq!(slugify("l'entreprise"), "l-entreprise");
        assert_eq!(slugify("œuvre"), "oeuvre");
        assert_eq!(slugify("Émergence !"), "emergence");
        assert_eq!(slugify("../../x"), "x");
    }

    #[test]
    fn unique_ids_are_numbered_from_one() {
        let mut ids = UniqueIds::default();
        assert_eq!(ids.make_unique("contexte"), "contexte");
        assert_eq!(ids.make_unique("contexte"), "contexte-1");
        assert_eq!(ids.make_unique("contexte"), "contexte-2");
        assert_eq!(ids.make_unique(""), "section");
    }
}
