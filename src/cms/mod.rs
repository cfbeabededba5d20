//! The web form: a Decap CMS configuration generated from `guide.yaml`, the CMS's files
//! embedded in the binary, and the local backend `guide serve` answers.
//!
//! Editors write case studies in a form rather than in YAML. The form is Decap CMS (vendored
//! from its npm package in `vendor/decap-cms/`, see `docs/cms.md` for the choice); nothing of it
//! is written by hand:
//! 1. [`decap::config`] turns the site's config into Decap's: one collection per section with a
//!    schema, one widget per field (taxonomies and enums as lists of choices), required fields,
//!    descriptions as hints, the section's headings in a new page's body;
//! 2. [`assets`] holds the CMS's JavaScript (`include_bytes!`), so `guide` alone serves it;
//! 3. [`backend`] answers Decap's local-backend protocol (the JSON actions `decap-server`
//!    answers on `POST /api/v1`) over the site's files: reads anywhere in `content/` and the
//!    media folder, atomic writes there only, a write refused when the file changed on disk
//!    since the form read it;
//! 4. [`fields`] maps a diagnostic's line in a saved page to the form's field, so that the
//!    form shows `guide check`'s messages next to the field.
//!
//! The HTTP side (Host, Origin, token) is `serve::cms`.

pub mod assets;
pub mod backend;
pub mod decap;
pub mod fields;

/// Where the form is served, and written by `guide build` when a Git host is configured.
pub const ADMIN_DIR: &str = "admin";

/// The form for the team, written by `guide build` into the output's `admin/` when
/// `guide.yaml` names a Git host (`cms.backend`): the page, its configuration (the Git host
/// only, with the editorial workflow) and Decap's files. Nothing without a Git host.
pub fn published_files(config: &crate::config::SiteConfig) -> Vec<crate::files::OutputFile> {
    if config.cms.backend.is_none() {
        return Vec::new();
    }
    let origin = std::path::PathBuf::from(crate::config::CONFIG_FILE);
    let file = |path: String, contents: Vec<u8>| crate::files::OutputFile {
        path,
        contents,
        origin: origin.clone(),
    };
    let settings = decap::config(config, &decap::CmsMode::Published);
    let mut out = vec![
        file(
            format!("{ADMIN_DIR}/index.html"),
            decap::admin_page(&config.title, None).into_bytes(),
        ),
        file(
            format!("{ADMIN_DIR}/config.yml"),
            serde_json::to_string_pretty(&settings)
                .unwrap_or_default()
                .into_bytes(),
        ),
    ];
    out.extend(assets::files().map(|(name, bytes)| {
        file(
            format!("{ADMIN_DIR}/{}/{name}", assets::folder()),
            bytes.to_vec(),
        )
    }));
    out
}
