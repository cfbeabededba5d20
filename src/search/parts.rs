//! The search index in parts: a big site's index is split into parts of about
//! `output.search_part_size` pages, each built by Pagefind on its own, so that a build after
//! an edit builds again only the parts whose pages changed. The search page merges the parts
//! (Pagefind's `mergeIndex`: results sorted by score, filter counts added up).
//!
//! A page's part comes from a hash of its source path, so that it stays in its part whatever
//! happens to the other pages; the number of parts is a power of two, which changes only when
//! the number of pages doubles or halves. The main part (the first that has pages) is written
//! in the index's folder with Pagefind's scripts; each other part in `part-N/` beside them,
//! with its index only. [`PARTS_FILE`] lists the other parts for the search page.

use std::path::PathBuf;

use sha2::{Digest, Sha256};

use super::{SearchRecord, BUNDLE_DIR};
use crate::files::OutputFile;

/// About how many pages a part holds when `guide.yaml` does not say.
pub const PART_SIZE: usize = 1000;

/// The file, in the index's folder, that lists the folders of the parts to merge into the
/// main one (relative to the index's folder): ours, not Pagefind's.
pub const PARTS_FILE: &str = "guide-parties.json";

/// Which part each page of a site goes to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Layout {
    /// How many parts (a power of two).
    pub count: usize,
    /// The part of each page, by page index.
    pub of_page: Vec<u32>,
    /// The main part: the first with pages (`None` without pages).
    pub main: Option<u32>,
}

impl Layout {
    /// Parts of about `size` pages for pages whose source paths are `paths`, in page order.
    pub fn new<'a>(paths: impl ExactSizeIterator<Item = &'a [u8]>, size: usize) -> Self {
        let count = paths.len().div_ceil(size.max(1)).max(1).next_power_of_two();
        let of_page: Vec<u32> = paths.map(|path| part_of(path, count)).collect();
        let main = of_page.iter().copied().min();
        Self {
            count,
            of_page,
            main,
        }
    }

    /// The folder of part `part`, relative to the output root, with a closing slash.
    pub fn folder(&self, part: u32) -> String {
        if self.main == Some(part) {
            format!("{BUNDLE_DIR}/")
        } else {
            format!("{BUNDLE_DIR}/part-{part}/")
        }
    }

    /// The parts that have pages, in order.
    pub fn parts(&self) -> Vec<u32> {
        let mut parts: Vec<u32> = self.of_page.clone();
        parts.sort_unstable();
        parts.dedup();
        parts
    }

    /// [`PARTS_FILE`]: the folders of the parts other than the main one, relative to the
    /// index's folder.
    pub fn parts_file(&self) -> OutputFile {
        let others: Vec<String> = (self.parts().into_iter())
            .filter(|&part| Some(part) != self.main)
            .map(|part| format!("part-{part}/"))
            .collect();
        OutputFile {
            path: format!("{BUNDLE_DIR}/{PARTS_FILE}"),
            contents: serde_json::json!(others).to_string().into_bytes(),
            origin: PathBuf::from(BUNDLE_DIR),
        }
    }
}

/// The part of a page whose source path is `path`, among `count`: a hash that does not
/// depend on the compiler nor on the machine.
fn part_of(path: &[u8], count: usize) -> u32 {
    let digest = Sha256::digest(path);
    let mut first = [0; 8];
    first.copy_from_slice(&digest[..8]);
    (u64::from_le_bytes(first) % count as u64) as u32
}

/// Whether a file of a part other than the main one is kept: the part's own index (its entry,
/// metadata, words, pages and filters), not Pagefind's scripts, which the main part has.
fn kept_in_other_part(relative: &str) -> bool {
    relative == "pagefind-entry.json"
        || relative.ends_with(".pf_meta")
        || ["fragment/", "index/", "filter/"]
            .iter()
            .any(|folder| relative.starts_with(folder))
}

/// Builds the index of one part (`records`) into `folder` ([`Layout::folder`]); `main` says
/// whether it is the main part, which keeps Pagefind's scripts. Returns its files, relative to
/// the output root.
pub fn build_part(
    records: Vec<SearchRecord>,
    language: &str,
    folder: &str,
    main: bool,
) -> Result<Vec<OutputFile>, String> {
    let files = super::pagefind_files(records, language)?;
    Ok(files
        .into_iter()
        .filter(|(relative, _)| main || kept_in_other_part(relative))
        .map(|(relative, contents)| OutputFile {
            path: format!("{folder}{relative}"),
            contents,
            origin: PathBuf::from(BUNDLE_DIR),
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parts_are_powers_of_two_of_about_the_size_asked() {
        let paths: Vec<String> = (0..1000).map(|i| format!("projets/fiche-{i}.md")).collect();
        let layout = |n: usize, size| Layout::new(paths[..n].iter().map(|p| p.as_bytes()), size);
        assert_eq!(layout(0, 500).count, 1);
        assert_eq!(layout(0, 500).main, None);
        assert_eq!(layout(500, 500).count, 1);
        assert_eq!(layout(501, 500).count, 2);
        assert_eq!(layout(1000, 300).count, 4);
        assert_eq!(layout(10, 0).count, 16);
        // Every part of 1 000 pages in 4 parts has pages, about a quarter.
        let four = layout(1000, 300);
        for part in 0..4 {
            let n = four.of_page.iter().filter(|&&p| p == part).count();
            assert!((150..350).contains(&n), "part {part}: {n} pages");
        }
    }

    #[test]
    fn a_page_stays_in_its_part_when_other_pages_come_and_go() {
        let paths: Vec<String> = (0..40).map(|i| format!("projets/fiche-{i}.md")).collect();
        let all = Layout::new(paths.iter().map(|p| p.as_bytes()), 8);
        let fewer = Layout::new(paths[1..].iter().map(|p| p.as_bytes()), 8);
        assert_eq!(all.count, fewer.count);
        assert_eq!(all.of_page[1..], fewer.of_page[..]);
    }

    #[test]
    fn the_main_part_is_in_the_index_folder_and_the_others_are_listed() {
        let paths = ["a.md", "b.md", "c.md", "d.md", "e.md", "f.md"];
        let layout = Layout::new(paths.iter().map(|p| p.as_bytes()), 1);
        let main = layout.main.unwrap();
        assert_eq!(layout.folder(main), "pagefind/");
        let others: Vec<u32> = layout.parts().into_iter().filter(|&p| p != main).collect();
        assert!(!others.is_empty());
        let listed: Vec<String> = serde_json::from_slice(&layout.parts_file().contents).unwrap();
        assert_eq!(
            listed,
            others
                .iter()
                .map(|p| format!("part-{p}/"))
                .collect::<Vec<_>>()
        );
        assert_eq!(
            layout.folder(others[0]),
            format!("pagefind/part-{}/", others[0])
        );
    }
}
