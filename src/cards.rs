//! A page's card, as listings show it: rendered once per page by the theme's `card.html`
//! ([`crate::render`]), kept by the build cache ([`crate::cache`]). A module of its own, so
//! that the cache does not depend on the render.

use serde::Serialize;

use crate::markdown::Html;

/// A page's card HTML, for a listing whose card titles are `h2` or `h3`.
#[derive(Debug, Clone, Serialize)]
pub struct Cards {
    /// With an `h2` title.
    pub h2: Html,
    /// With an `h3` title.
    pub h3: Html,
}
