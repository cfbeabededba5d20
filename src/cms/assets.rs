//! Decap CMS's files, embedded: `vendor/decap-cms/` (written by `scripts/vendor/decap-cms.sh`
//! from the pinned npm package), served at `/admin/decap-<version>/` ([`folder`]).

/// The version of Decap CMS embedded.
pub const DECAP_VERSION: &str = "3.16.3";

/// The embedded files: the bundle `decap-cms.js`, the chunks it loads on demand, its
/// WebAssembly and its third-party notices.
static FILES: &[(&str, &[u8])] = include!("../../vendor/decap-cms/files.rs");

/// The bytes of the embedded file `name` (a file name, no folder).
pub fn file(name: &str) -> Option<&'static [u8]> {
    FILES
        .iter()
        .find(|(file, _)| *file == name)
        .map(|(_, bytes)| *bytes)
}

/// The folder of the files under `/admin/`, named by the version: browsers may keep them for
/// good, and a new version of `guide` with another Decap is another address.
pub fn folder() -> String {
    format!("decap-{DECAP_VERSION}")
}

/// Every embedded file, by name.
pub fn files() -> impl Iterator<Item = (&'static str, &'static [u8])> {
    FILES.iter().copied()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_bundle_and_its_licence_are_embedded() {
        let bundle = file("decap-cms.js").expect("decap-cms.js");
        assert!(bundle.len() > 1_000_000);
        assert!(file("decap-cms.js.LICENSE.txt").is_some());
        assert!(file("../LICENSE").is_none());
        let version = include_str!("../../vendor/decap-cms/VERSION");
        assert!(version.starts_with(&format!("decap-cms {DECAP_VERSION} ")));
    }
}
