//! Many terms stay linear: the work of a build, counted as heap allocations (a proxy for the
//! values built, cloned and serialised), grows in proportion to the number of terms and pages,
//! not with its square. Not timed: the counts do not depend on the machine's speed or load.
//!
//! This test binary has its own counting allocator, so it holds this one test only (tests of
//! one binary run in parallel threads and would add to the count).

mod common;

use std::alloc::{GlobalAlloc, Layout, System};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

use guide::pipeline::{BuildOptions, OutputMode, SearchMode};

struct Counting;

static ALLOCATIONS: AtomicU64 = AtomicU64::new(0);

// SAFETY: forwards every call to the system allocator unchanged; only counts.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        ALLOCATIONS.fetch_add(1, Ordering::Relaxed);
        System.alloc(layout)
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        System.dealloc(ptr, layout)
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        ALLOCATIONS.fetch_add(1, Ordering::Relaxed);
        System.realloc(ptr, layout, new_size)
    }
}

#[global_allocator]
static GLOBAL: Counting = Counting;

/// A site with this repository's theme and one taxonomy `mots-cles`: `declared` terms declared
/// in guide.yaml, and `pages` pages naming `per_page` terms each (declared ones when any are
/// declared, otherwise terms of their own that no other page names).
fn site(dir: &Path, declared: usize, pages: usize, per_page: usize) -> PathBuf {
    let root = dir.join(format!("site-{declared}-{pages}"));
    let repo = Path::new(env!("CARGO_MANIFEST_DIR"));
    common::copy_dir(&repo.join("themes"), &root.join("themes"));
    let mut config = String::from(
        "title: Site\nbase_url: https://example.org/\ntheme: innovation-sociale\ntaxonomies:\n  - name: mots-cles\n    title: Mots-clés\n",
    );
    if declared > 0 {
        config.push_str("    terms:\n");
        for i in 0..declared {
            config.push_str(&format!(
                "      - slug: terme-{i}\n        title: Terme {i}\n"
            ));
        }
    }
    std::fs::write(root.join("guide.yaml"), config).unwrap();
    let notes = root.join("content/notes");
    std::fs::create_dir_all(&notes).unwrap();
    std::fs::write(root.join("content/_index.md"), "---\ntitle: Accueil\n---\n").unwrap();
    std::fs::write(notes.join("_index.md"), "---\ntitle: Notes\n---\n").unwrap();
    for p in 0..pages {
        let terms: Vec<String> = (0..per_page)
            .map(|k| {
                if declared > 0 {
                    format!("terme-{}", (p * per_page + k) % declared)
                } else {
                    format!("mot-{p}-{k}")
                }
            })
            .collect();
        std::fs::write(
            notes.join(format!("n{p}.md")),
            format!(
                "---\ntitle: Note {p}\nsummary: Une note.\nmots-cles: [{}]\n---\nUn paragraphe.\n",
                terms.join(", ")
            ),
        )
        .unwrap();
    }
    root
}

/// The allocations of one `check` (every stage, every template rendered, nothing written).
fn allocations_of_check(root: &Path) -> u64 {
    let options = BuildOptions {
        root: root.to_path_buf(),
        output: None,
        base_url: None,
        drafts: guide::content::DraftMode::Exclude,
        mode: OutputMode::CheckOnly,
        force: false,
        search: SearchMode::Skip,
        cache: guide::pipeline::CacheMode::Ignore,
    };
    let before = ALLOCATIONS.load(Ordering::Relaxed);
    let report = guide::pipeline::run(&options);
    let after = ALLOCATIONS.load(Ordering::Relaxed);
    let errors: Vec<String> = report
        .diagnostics
        .iter()
        .filter(|d| d.is_error())
        .map(|d| d.render())
        .collect();
    assert!(errors.is_empty(), "{}", errors.join("\n"));
    after - before
}

/// The ratio of the work on a site twice as large to the work on the site itself: about 2
/// when the work is linear, about 4 when it is quadratic.
fn growth(dir: &Path, small: (usize, usize, usize), large: (usize, usize, usize)) -> f64 {
    let small_root = site(dir, small.0, small.1, small.2);
    let large_root = site(dir, large.0, large.1, large.2);
    // A first run loads what is loaded once per process (syntaxes, caches).
    allocations_of_check(&small_root);
    let small = allocations_of_check(&small_root);
    let large = allocations_of_check(&large_root);
    large as f64 / small as f64
}

#[test]
fn the_work_of_a_build_grows_linearly_with_the_number_of_terms() {
    let dir = tempfile::tempdir().unwrap();
    // Declared terms, most of them without pages: 400 then 800 term pages.
    let declared = growth(dir.path(), (400, 40, 1), (800, 80, 1));
    // Pages with 5 terms no other page names: 400 then 800 terms.
    let unique = growth(dir.path(), (0, 80, 5), (0, 160, 5));
    eprintln!("growth of the work: {declared:.2} (declared terms), {unique:.2} (unique terms)");
    assert!(
        declared < 2.6 && unique < 2.6,
        "doubling the terms multiplied the work by {declared:.2} (declared terms) and by \
         {unique:.2} (unique terms); linear work gives about 2"
    );
}
