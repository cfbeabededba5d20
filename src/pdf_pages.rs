//! Reads, from a PDF, on which page each named destination lands: what `guide pdf` needs to
//! write page numbers in the printed table of contents, since Chromium does not support CSS
//! `target-counter()`.
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

/// The page (from 1) of each named destination of a PDF, by name. A PDF without named
/// destinations gives an empty map; a file that cannot be read as a PDF gives a French
/// message.
pub fn destination_pages(pdf: &[u8]) -> Result<HashMap<String, u32>, String> {
    let document =
        Document::load_mem(pdf).map_err(|e| format!("le PDF produit est illisible ({e})"))?;
    let pages: HashMap<ObjectId, u32> = document
        .get_pages()
        .into_iter()
        .map(|(number, id)| (id, number))
        .collect();
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
    let document =
        Document::load_mem(pdf).map_err(|e| format!("le PDF produit est illisible ({e})"))?;
    u32::try_from(document.get_pages().len())
        .map_err(|_| "le PDF produit a trop de pages".to_string())
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
