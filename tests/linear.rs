//! Inputs that must stay linear: the bytes the Markdown stage allocates for one body grow in
//! proportion to its size, whatever the number of text events the parser splits it into.
//!
//! A counting allocator (per thread, so that tests running beside each other do not add up)
//! measures the bytes requested while one body is rendered. No time is measured.

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;
use std::collections::{HashMap, HashSet};
use std::path::Path;

struct Counting;

thread_local! {
    static ALLOCATED: Cell<usize> = const { Cell::new(0) };
}

fn count(bytes: usize) {
    // `try_with`: the thread's counter may already be gone while the thread exits.
    let _ = ALLOCATED.try_with(|c| c.set(c.get().saturating_add(bytes)));
}

// SAFETY: every call is forwarded to the system allocator unchanged; counting has no effect
// on the memory handed out.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        count(layout.size());
        // SAFETY: same contract as the caller's.
        unsafe { System.alloc(layout) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: same contract as the caller's.
        unsafe { System.dealloc(ptr, layout) }
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        count(new_size);
        // SAFETY: same contract as the caller's.
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}

#[global_allocator]
static GLOBAL: Counting = Counting;

/// Bytes allocated on this thread while `f` runs, and its result.
fn allocated_by<T>(f: impl FnOnce() -> T) -> (usize, T) {
    let before = ALLOCATED.with(Cell::get);
    let value = f();
    (ALLOCATED.with(Cell::get) - before, value)
}

fn render(body: &str) -> guide::markdown::Rendered {
    let (pages, assets, site_paths) = (HashMap::new(), HashMap::new(), HashSet::new());
    let ctx = guide::markdown::LinkContext {
        pages: &pages,
        assets: &assets,
        site_paths: &site_paths,
        root: "/",
        raw_html: guide::config::RawHtmlMode::Allow,
        drafts: None,
    };
    guide::markdown::render(
        &guide::markdown::MarkdownSource {
            body,
            body_line: 1,
            source: Path::new("projets/long.md"),
            display_path: Path::new("content/projets/long.md"),
            draft: false,
        },
        &ctx,
    )
}

/// A sentence that smart punctuation splits into several text events (quotes, apostrophes).
const SENTENCE: &str = "L'équipe d'accueil « coopère » : c'est \"mieux\" ? Oui ! ";

#[test]
fn one_long_paragraph_allocates_in_proportion_to_its_size() {
    let body = SENTENCE.repeat(4_000);
    // The Markdown stage, then the typesetting every page gets.
    let (bytes, html) = allocated_by(|| guide::typography::typeset_html(&render(&body).html));
    // Every sentence survives, in order, as one paragraph.
    assert_eq!(html.matches("<p>").count(), 1);
    assert_eq!(html.matches("coopère").count(), 4_000);
    assert!(
        html.ends_with("Oui\u{202F}!</p>\n"),
        "{}",
        &html[html.len() - 80..]
    );
    // Linear: a bounded number of copies of the body, not one per text event (there are
    // about 40 000 of them here).
    let per_byte = bytes / body.len();
    assert!(
        per_byte < 100,
        "{bytes} bytes allocated for a body of {} bytes ({per_byte} per byte)",
        body.len()
    );
}
