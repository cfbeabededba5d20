//! Fingerprints: 64-bit hashes of what a build reads (the files' texts, the rendered bodies,
//! the front matter, what each output read), which the build cache keeps and compares.
//!
//! XXH3 (`xxhash-rust`) rather than the standard library's hasher: SipHash is made to resist
//! collisions an attacker chooses, which a site's own files are not, and it hashed the
//! 80 MB of text of a 10 000-page site several times slower. Fingerprints are compared only
//! with fingerprints made by the same executable (the cache's header holds it).

use std::hash::Hasher;

/// The hasher of every fingerprint.
pub type Fingerprinter = xxhash_rust::xxh3::Xxh3Default;

/// The fingerprint of everything `parts` feeds the hasher.
pub fn hash_with(parts: impl FnOnce(&mut Fingerprinter)) -> u64 {
    let mut hasher = Fingerprinter::new();
    parts(&mut hasher);
    hasher.finish()
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::hash::Hash;

    #[test]
    fn equal_inputs_have_equal_fingerprints_and_a_change_changes_it() {
        let of = |text: &str, line: usize| hash_with(|h| (text, line).hash(h));
        assert_eq!(of("fiche", 3), of("fiche", 3));
        assert_ne!(of("fiche", 3), of("fiche", 4));
        assert_ne!(of("fiche", 3), of("fichE", 3));
        // The parts are delimited: moving a byte from one to the next changes it.
        assert_ne!(
            hash_with(|h| ("ab", "c").hash(h)),
            hash_with(|h| ("a", "bc").hash(h))
        );
    }
}
