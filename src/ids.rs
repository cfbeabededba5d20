//! The ids of a site's pages, sections, taxonomies and terms: indices into the loaded site's
//! lists, typed so that one is never taken for another. This module depends on nothing, so
//! that every stage (the loader included) can use them.

/// A page of `Site::pages`, by index.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize,
)]
pub struct PageId(pub u32);

/// A section of `Site::sections`, by index (0 is the home).
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize,
)]
pub struct SectionId(pub u32);

/// A taxonomy of `guide.yaml`, by index.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize,
)]
pub struct TaxonomyId(pub u32);

/// A term of a taxonomy, by index in the taxonomy's terms.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct TermId {
    /// Its taxonomy.
    pub taxonomy: TaxonomyId,
    /// Its index in the taxonomy's terms.
    pub index: u32,
}

macro_rules! index_conversions {
    ($($id:ident),*) => {$(
        impl $id {
            /// The index in its list.
            pub fn index(self) -> usize {
                self.0 as usize
            }
        }
        impl From<usize> for $id {
            fn from(index: usize) -> Self {
                Self(u32::try_from(index).expect("fewer than 2^32 items"))
            }
        }
    )*};
}
index_conversions!(PageId, SectionId, TaxonomyId);

impl SectionId {
    /// The home: the section of `content/_index.md`.
    pub const HOME: Self = Self(0);
}

impl TermId {
    /// The term `index` of taxonomy `taxonomy`.
    pub fn new(taxonomy: usize, index: usize) -> Self {
        Self {
            taxonomy: TaxonomyId::from(taxonomy),
            index: u32::try_from(index).expect("fewer than 2^32 terms"),
        }
    }
}
