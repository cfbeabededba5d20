//! Reads, from a PDF, on which page each named destination lands: what `guide pdf` needs to
//! write page numbers in the printed table of contents, since Chromium does not support CSS
//! `target-counter()`. Also reads its links and outline (for the tests), and writes the
//! outline `guide pdf` makes from the table of contents ([`with_outline`]).
//!
//! Chromium (Skia) writes one named destination per link target of the document (`#id` →
//! destination `id`) in the catalog's `/Dests` dictionary; other producers use the
//! `/Names` → `/Dests` name tree of PDF 1.2. Both are read:
//!
//! 1. load the document with lopdf and number its pages from 1, in page-tree order;
//! 2. read every destination of `/Dests` and of the `/Names` → `/Dests` tree;
//! 3. keep those whose page is a page of the document (a destination is an array whose first
//!    item is the page, or a dictionary whose `/D` is such an array).

use std::collections::{HashMap, HashSet};

use lopdf::{Dictionary, Document, Object, ObjectId};

/// How deep a name tree may go: a real one has two or three levels; this stops a cycle.
const MAX_TREE_DEPTH: usize = 32;

/// The PDF, or a French message when it cannot be read.
fn load(pdf: &[u8]) -> Result<Document, String> {
    Document::load_mem(pdf).map_err(|e| format!("le PDF produit est illisible ({e})"))
}

/// The number (from 1) of each page object.
fn page_numbers(document: &Document) -> HashMap<ObjectId, u32> {
    document
        .get_pages()
        .into_iter()
        .map(|(number, id)| (id, number))
        .collect()
}

/// The page (from 1) of each named destination of a PDF, by name. A PDF without named
/// destinations gives an empty map; a file that cannot be read as a PDF gives a French
/// message.
pub fn destination_pages(pdf: &[u8]) -> Result<HashMap<String, u32>, String> {
    let document = load(pdf)?;
    let pages = page_numbers(&document);
    if pages.is_empty() {
        return Err("le PDF produit n'a aucune page".to_string());
    }
    let catalog = document
        .catalog()
        .map_err(|e| format!("le PDF produit n'a pas de catalogue ({e})"))?;
    let reader = Reader {
        document: &document,
        pages: &pages,
    };
    let mut found = HashMap::new();
    // PDF 1.1: a dictionary from names to destinations.
    if let Some(dests) = catalog
        .get(b"Dests")
        .ok()
        .and_then(|d| reader.dictionary(d))
    {
        for (name, value) in dests.iter() {
            if let Some(page) = reader.page_of(value) {
                found.insert(String::from_utf8_lossy(name).into_owned(), page);
            }
        }
    }
    // PDF 1.2 and later: a name tree under /Names /Dests, whose keys are strings.
    if let Some(tree) = catalog
        .get(b"Names")
        .ok()
        .and_then(|n| reader.dictionary(n))
        .and_then(|names| names.get(b"Dests").ok())
        .and_then(|d| reader.dictionary(d))
    {
        reader.walk_tree(tree, 0, &mut HashSet::new(), &mut found);
    }
    Ok(found)
}

/// The number of pages of a PDF, or a French message when it cannot be read.
pub fn page_count(pdf: &[u8]) -> Result<u32, String> {
    let document = load(pdf)?;
    u32::try_from(document.get_pages().len())
        .map_err(|_| "le PDF produit a trop de pages".to_string())
}

/// Where a link of a PDF goes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LinkTarget {
    /// An address outside the document (`/URI`).
    Uri(String),
    /// A named destination of the document (`/GoTo` with a name).
    Named(String),
    /// A page of the document (`/GoTo` with an explicit destination), from 1.
    Page(u32),
    /// Anything else (another action, a destination that names no page).
    Other,
}

/// One link annotation of a PDF.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PdfLink {
    /// The page it is on, from 1.
    pub page: u32,
    /// Where it goes.
    pub target: LinkTarget,
}

/// One item of a PDF's outline (bookmarks), in reading order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OutlineEntry {
    /// 0 for a top-level item, 1 for its children…
    pub depth: usize,
    /// Its title.
    pub title: String,
    /// The page it opens, from 1, when it names one.
    pub page: Option<u32>,
}

/// Every link annotation of a PDF, page by page.
pub fn links(pdf: &[u8]) -> Result<Vec<PdfLink>, String> {
    let document = load(pdf)?;
    let pages = page_numbers(&document);
    let reader = Reader {
        document: &document,
        pages: &pages,
    };
    let mut found = Vec::new();
    for (number, id) in document.get_pages() {
        let Ok(page) = document.get_dictionary(id) else {
            continue;
        };
        let Some(annots) = page
            .get(b"Annots")
            .ok()
            .and_then(|a| reader.resolve(a))
            .and_then(|a| a.as_array().ok())
        else {
            continue;
        };
        for annot in annots {
            let Some(annot) = reader.dictionary(annot) else {
                continue;
            };
            if annot.get(b"Subtype").and_then(Object::as_name).ok() != Some(b"Link") {
                continue;
            }
            found.push(PdfLink {
                page: number,
                target: reader.link_target(annot),
            });
        }
    }
    Ok(found)
}

/// The outline (bookmarks) of a PDF, depth first; empty when it has none.
pub fn outline(pdf: &[u8]) -> Result<Vec<OutlineEntry>, String> {
    let document = load(pdf)?;
    let pages = page_numbers(&document);
    let reader = Reader {
        document: &document,
        pages: &pages,
    };
    let catalog = document
        .catalog()
        .map_err(|e| format!("le PDF produit n'a pas de catalogue ({e})"))?;
    let named = destination_pages(pdf)?;
    let mut found = Vec::new();
    let mut seen = HashSet::new();
    if let Some(root) = catalog
        .get(b"Outlines")
        .ok()
        .and_then(|o| reader.dictionary(o))
    {
        reader.walk_outline(root, 0, &named, &mut seen, &mut found);
    }
    Ok(found)
}

/// One bookmark to write: its depth (0 at the top), title and named destination.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Bookmark {
    /// 0 for a top-level item, 1 for an item under the previous one of depth 0…
    pub depth: usize,
    /// What the reader sees.
    pub title: String,
    /// The named destination it opens (an id of the printed page).
    pub destination: String,
}

/// The PDF with its outline replaced by `bookmarks`, opened beside the pages
/// (`/PageMode /UseOutlines`). A bookmark whose destination the PDF does not have is left out,
/// with its children; returns the PDF and how many bookmarks were written.
pub fn with_outline(pdf: &[u8], bookmarks: &[Bookmark]) -> Result<(Vec<u8>, usize), String> {
    let mut document = load(pdf)?;
    let destinations = explicit_destinations(&document)?;
    // Keep the bookmarks that have a destination, and whose parent was kept.
    let mut kept: Vec<(usize, &Bookmark, Object)> = Vec::new();
    let mut skipping_below: Option<usize> = None;
    for bookmark in bookmarks {
        if let Some(depth) = skipping_below {
            if bookmark.depth > depth {
                continue;
            }
            skipping_below = None;
        }
        let parent_ok = bookmark.depth == 0
            || kept
                .last()
                .is_some_and(|(depth, _, _)| *depth + 1 >= bookmark.depth);
        match destinations.get(&bookmark.destination) {
            Some(dest) if parent_ok => {
                let depth = kept.last().map_or(0, |(d, _, _)| bookmark.depth.min(d + 1));
                kept.push((depth, bookmark, dest.clone()));
            }
            _ => skipping_below = Some(bookmark.depth),
        }
    }
    let root_id = document.new_object_id();
    let ids: Vec<ObjectId> = kept.iter().map(|_| document.new_object_id()).collect();
    let mut items: Vec<Dictionary> = kept
        .iter()
        .map(|(_, bookmark, dest)| {
            let mut item = Dictionary::new();
            item.set("Title", pdf_text(&bookmark.title));
            item.set("Dest", dest.clone());
            item
        })
        .collect();
    // Parent, siblings and children from the depths.
    let mut top: Vec<usize> = Vec::new();
    let mut children: Vec<Vec<usize>> = vec![Vec::new(); kept.len()];
    let mut stack: Vec<usize> = Vec::new();
    for (i, (depth, _, _)) in kept.iter().enumerate() {
        stack.truncate(*depth);
        match stack.last() {
            Some(&parent) => {
                children[parent].push(i);
                items[i].set("Parent", ids[parent]);
            }
            None => {
                top.push(i);
                items[i].set("Parent", root_id);
            }
        }
        stack.push(i);
    }
    let link = |items: &mut Vec<Dictionary>, siblings: &[usize]| {
        for pair in siblings.windows(2) {
            items[pair[0]].set("Next", ids[pair[1]]);
            items[pair[1]].set("Prev", ids[pair[0]]);
        }
    };
    link(&mut items, &top);
    for (parent, kids) in children.iter().enumerate() {
        link(&mut items, kids);
        if let (Some(&first), Some(&last)) = (kids.first(), kids.last()) {
            items[parent].set("First", ids[first]);
            items[parent].set("Last", ids[last]);
            // Open: its children are shown.
            items[parent].set("Count", i64::try_from(kids.len()).unwrap_or(0));
        }
    }
    let mut root = Dictionary::new();
    root.set("Type", "Outlines");
    if let (Some(&first), Some(&last)) = (top.first(), top.last()) {
        root.set("First", ids[first]);
        root.set("Last", ids[last]);
    }
    root.set("Count", i64::try_from(kept.len()).unwrap_or(0));
    for (id, item) in ids.iter().zip(items) {
        document.objects.insert(*id, Object::Dictionary(item));
    }
    document.objects.insert(root_id, Object::Dictionary(root));
    let catalog = document
        .catalog_mut()
        .map_err(|e| format!("le PDF produit n'a pas de catalogue ({e})"))?;
    catalog.set("Outlines", root_id);
    catalog.set("PageMode", "UseOutlines");
    let mut bytes = Vec::with_capacity(pdf.len() + 64 * kept.len());
    document
        .save_to(&mut bytes)
        .map_err(|e| format!("impossible d'écrire le PDF ({e})"))?;
    Ok((bytes, kept.len()))
}

/// The explicit destination (`[page /XYZ …]`) of each named destination of `/Dests`.
fn explicit_destinations(document: &Document) -> Result<HashMap<String, Object>, String> {
    let catalog = document
        .catalog()
        .map_err(|e| format!("le PDF produit n'a pas de catalogue ({e})"))?;
    let resolve =
        |o: &Object| -> Option<Object> { document.dereference(o).ok().map(|(_, o)| o.clone()) };
    let mut found = HashMap::new();
    if let Some(Object::Dictionary(dests)) = catalog.get(b"Dests").ok().and_then(resolve) {
        for (name, value) in dests.iter() {
            let array = match resolve(value) {
                Some(Object::Dictionary(d)) => d.get(b"D").ok().and_then(resolve),
                other => other,
            };
            if let Some(Object::Array(array)) = array {
                if array.first().is_some_and(|p| p.as_reference().is_ok()) {
                    found.insert(
                        String::from_utf8_lossy(name).into_owned(),
                        Object::Array(array),
                    );
                }
            }
        }
    }
    Ok(found)
}

/// A PDF text string: UTF-16BE with its byte order mark, which every reader shows.
fn pdf_text(text: &str) -> Object {
    let mut bytes = vec![0xFE, 0xFF];
    for unit in text.encode_utf16() {
        bytes.extend_from_slice(&unit.to_be_bytes());
    }
    Object::String(bytes, lopdf::StringFormat::Hexadecimal)
}

struct Reader<'a> {
    document: &'a Document,
    pages: &'a HashMap<ObjectId, u32>,
}

impl<'a> Reader<'a> {
    fn resolve(&self, object: &'a Object) -> Option<&'a Object> {
        self.document.dereference(object).ok().map(|(_, o)| o)
    }

    fn dictionary(&self, object: &'a Object) -> Option<&'a Dictionary> {
        self.resolve(object)?.as_dict().ok()
    }

    /// The page of a destination: `[page /XYZ …]`, or `<< /D [page …] >>`, or a reference to
    /// either.
    fn page_of(&self, destination: &'a Object) -> Option<u32> {
        let array = match self.resolve(destination)? {
            Object::Array(array) => array,
            Object::Dictionary(dict) => self.resolve(dict.get(b"D").ok()?)?.as_array().ok()?,
            _ => return None,
        };
        let page = array.first()?.as_reference().ok()?;
        self.pages.get(&page).copied()
    }

    /// Where a link annotation goes: its `/A` action or its `/Dest`.
    fn link_target(&self, annot: &'a Dictionary) -> LinkTarget {
        if let Some(action) = annot.get(b"A").ok().and_then(|a| self.dictionary(a)) {
            match action.get(b"S").and_then(Object::as_name) {
                Ok(b"URI") => {
                    return match action.get(b"URI").ok().and_then(|u| self.resolve(u)) {
                        Some(Object::String(bytes, _)) => LinkTarget::Uri(text_string(bytes)),
                        _ => LinkTarget::Other,
                    }
                }
                Ok(b"GoTo") => {
                    return action
                        .get(b"D")
                        .map_or(LinkTarget::Other, |d| self.destination(d))
                }
                _ => return LinkTarget::Other,
            }
        }
        annot
            .get(b"Dest")
            .map_or(LinkTarget::Other, |d| self.destination(d))
    }

    /// A destination: a name, a string (named destinations) or an explicit one.
    fn destination(&self, destination: &'a Object) -> LinkTarget {
        match self.resolve(destination) {
            Some(Object::Name(name)) => LinkTarget::Named(String::from_utf8_lossy(name).into()),
            Some(Object::String(bytes, _)) => LinkTarget::Named(text_string(bytes)),
            Some(_) => self
                .page_of(destination)
                .map_or(LinkTarget::Other, LinkTarget::Page),
            None => LinkTarget::Other,
        }
    }

    /// Adds the items under an outline node, depth first.
    fn walk_outline(
        &self,
        node: &'a Dictionary,
        depth: usize,
        named: &HashMap<String, u32>,
        seen: &mut HashSet<ObjectId>,
        found: &mut Vec<OutlineEntry>,
    ) {
        if depth > MAX_TREE_DEPTH {
            return;
        }
        let mut next = node.get(b"First").ok();
        while let Some(reference) = next {
            let Ok(id) = reference.as_reference() else {
                return;
            };
            if !seen.insert(id) {
                return;
            }
            let Some(item) = self.dictionary(reference) else {
                return;
            };
            let title = match item.get(b"Title").ok().and_then(|t| self.resolve(t)) {
                Some(Object::String(bytes, _)) => text_string(bytes),
                _ => String::new(),
            };
            let target = item
                .get(b"Dest")
                .ok()
                .or_else(|| {
                    item.get(b"A")
                        .ok()
                        .and_then(|a| self.dictionary(a))
                        .and_then(|a| a.get(b"D").ok())
                })
                .map(|d| self.destination(d));
            let page = match target {
                Some(LinkTarget::Page(page)) => Some(page),
                Some(LinkTarget::Named(name)) => named.get(&name).copied(),
                _ => None,
            };
            found.push(OutlineEntry { depth, title, page });
            self.walk_outline(item, depth + 1, named, seen, found);
            next = item.get(b"Next").ok();
        }
    }

    /// Adds the destinations of a name tree node and of its kids.
    fn walk_tree(
        &self,
        node: &'a Dictionary,
        depth: usize,
        seen: &mut HashSet<ObjectId>,
        found: &mut HashMap<String, u32>,
    ) {
        if depth > MAX_TREE_DEPTH {
            return;
        }
        if let Some(names) = node
            .get(b"Names")
            .ok()
            .and_then(|n| self.resolve(n))
            .and_then(|n| n.as_array().ok())
        {
            for pair in names.chunks_exact(2) {
                let Some(key) = self.resolve(&pair[0]).and_then(|k| k.as_str().ok()) else {
                    continue;
                };
                if let Some(page) = self.page_of(&pair[1]) {
                    found.insert(text_string(key), page);
                }
            }
        }
        if let Some(kids) = node
            .get(b"Kids")
            .ok()
            .and_then(|k| self.resolve(k))
            .and_then(|k| k.as_array().ok())
        {
            for kid in kids {
                if let Ok(id) = kid.as_reference() {
                    if !seen.insert(id) {
                        continue;
                    }
                }
                if let Some(kid) = self.dictionary(kid) {
                    self.walk_tree(kid, depth + 1, seen, found);
                }
            }
        }
    }
}

/// A PDF text string: UTF-16BE after a byte order mark, else taken as UTF-8 (which covers the
/// ASCII of HTML ids).
fn text_string(bytes: &[u8]) -> String {
    match bytes.strip_prefix(&[0xFE, 0xFF]) {
        Some(utf16) => {
            let units: Vec<u16> = utf16
                .chunks_exact(2)
                .map(|pair| u16::from_be_bytes([pair[0], pair[1]]))
                .collect();
            String::from_utf16_lossy(&units)
        }
        None => String::from_utf8_lossy(bytes).into_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use lopdf::{dictionary, Stream};

    /// A PDF of `count` empty pages; `dests` and `names` go into the catalog.
    fn pdf_with(count: u32, dests: impl Fn(&[ObjectId]) -> Dictionary) -> Vec<u8> {
        let mut doc = Document::with_version("1.7");
        let pages_id = doc.new_object_id();
        let page_ids: Vec<ObjectId> = (0..count)
            .map(|_| {
                let content = doc.add_object(Stream::new(dictionary! {}, Vec::new()));
                doc.add_object(dictionary! {
                    "Type" => "Page",
                    "Parent" => pages_id,
                    "MediaBox" => vec![0.into(), 0.into(), 595.into(), 842.into()],
                    "Contents" => content,
                })
            })
            .collect();
        doc.objects.insert(
            pages_id,
            Object::Dictionary(dictionary! {
                "Type" => "Pages",
                "Kids" => page_ids.iter().map(|&id| Object::Reference(id)).collect::<Vec<_>>(),
                "Count" => count,
            }),
        );
        let mut catalog = dests(&page_ids);
        catalog.set("Type", "Catalog");
        catalog.set("Pages", pages_id);
        let catalog_id = doc.add_object(catalog);
        doc.trailer.set("Root", catalog_id);
        let mut bytes = Vec::new();
        doc.save_to(&mut bytes).unwrap();
        bytes
    }

    fn xyz(page: ObjectId) -> Object {
        Object::Array(vec![
            page.into(),
            "XYZ".into(),
            0.into(),
            842.into(),
            0.into(),
        ])
    }

    #[test]
    fn a_named_destination_gives_the_number_of_its_page() {
        let pdf = pdf_with(3, |pages| {
            dictionary! {
                "Dests" => dictionary! {
                    "projets-fiche-a" => xyz(pages[1]),
                    "chapitre-qvct" => dictionary! { "D" => xyz(pages[2]) },
                },
            }
        });
        assert_eq!(page_count(&pdf), Ok(3));
        let found = destination_pages(&pdf).unwrap();
        assert_eq!(found.get("projets-fiche-a"), Some(&2));
        assert_eq!(found.get("chapitre-qvct"), Some(&3));
        assert_eq!(found.len(), 2);
    }

    #[test]
    fn the_names_tree_is_read_through_its_kids() {
        let pdf = pdf_with(2, |pages| {
            let leaf = dictionary! {
                "Limits" => vec![Object::string_literal("a"), Object::string_literal("b")],
                "Names" => vec![
                    Object::string_literal("a"), xyz(pages[0]),
                    Object::string_literal("b"), xyz(pages[1]),
                ],
            };
            let utf16: Vec<u8> = [0xFE, 0xFF, 0x00, 0x63, 0x00, 0xE9].to_vec();
            dictionary! {
                "Names" => dictionary! {
                    "Dests" => dictionary! {
                        "Kids" => vec![
                            Object::Dictionary(leaf),
                            Object::Dictionary(dictionary! {
                                "Names" => vec![
                                    Object::String(utf16, lopdf::StringFormat::Hexadecimal),
                                    xyz(pages[1]),
                                ],
                            }),
                        ],
                    },
                },
            }
        });
        let found = destination_pages(&pdf).unwrap();
        assert_eq!(found.get("a"), Some(&1));
        assert_eq!(found.get("b"), Some(&2));
        assert_eq!(found.get("cé"), Some(&2), "UTF-16 keys: {found:?}");
    }

    #[test]
    fn the_outline_nests_bookmarks_by_depth_and_leaves_out_those_without_destination() {
        let pdf = pdf_with(3, |pages| {
            dictionary! {
                "Dests" => dictionary! {
                    "intro" => xyz(pages[0]),
                    "chapitre-a" => xyz(pages[1]),
                    "fiche-a" => xyz(pages[2]),
                },
            }
        });
        let mark = |depth, title: &str, destination: &str| Bookmark {
            depth,
            title: title.into(),
            destination: destination.into(),
        };
        let (bytes, count) = with_outline(
            &pdf,
            &[
                mark(0, "Introduction", "intro"),
                mark(0, "Chapitre 1\u{a0}: Qualité", "chapitre-a"),
                mark(1, "Fiche A", "fiche-a"),
                mark(0, "Absent", "absent"),
                mark(1, "Sous l'absent", "fiche-a"),
            ],
        )
        .unwrap();
        assert_eq!(count, 3);
        let got: Vec<(usize, String, Option<u32>)> = outline(&bytes)
            .unwrap()
            .into_iter()
            .map(|o| (o.depth, o.title, o.page))
            .collect();
        assert_eq!(
            got,
            [
                (0, "Introduction".to_string(), Some(1)),
                (0, "Chapitre 1\u{a0}: Qualité".to_string(), Some(2)),
                (1, "Fiche A".to_string(), Some(3)),
            ]
        );
        assert_eq!(destination_pages(&bytes).unwrap().len(), 3);
    }

    #[test]
    fn a_pdf_without_destinations_gives_an_empty_map() {
        let pdf = pdf_with(1, |_| Dictionary::new());
        assert_eq!(destination_pages(&pdf), Ok(HashMap::new()));
    }

    #[test]
    fn a_destination_to_something_else_than_a_page_is_left_out() {
        let pdf = pdf_with(1, |pages| {
            dictionary! {
                "Dests" => dictionary! {
                    "ailleurs" => Object::Array(vec![7.into(), "Fit".into()]),
                    "vide" => Object::Array(Vec::new()),
                    "ici" => xyz(pages[0]),
                },
            }
        });
        let found = destination_pages(&pdf).unwrap();
        assert_eq!(found.len(), 1, "{found:?}");
        assert_eq!(found.get("ici"), Some(&1));
    }

    #[test]
    fn garbage_gives_a_french_error_not_a_panic() {
        for bytes in [
            &b""[..],
            b"pas un PDF",
            b"%PDF-1.7\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF",
            &[0xFF; 300],
        ] {
            let error = destination_pages(bytes).unwrap_err();
            assert!(error.starts_with("le PDF produit"), "{error}");
            assert_eq!(page_count(bytes).unwrap_or(0), 0);
        }
    }

    #[test]
    fn a_truncated_pdf_does_not_panic() {
        let pdf = pdf_with(3, |pages| {
            dictionary! { "Dests" => dictionary! { "x" => xyz(pages[1]) } }
        });
        for end in (0..pdf.len()).step_by(7) {
            let _ = destination_pages(&pdf[..end]);
        }
    }
}
