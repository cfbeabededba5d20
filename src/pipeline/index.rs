//! The search index of a build ([`crate::search`]), in parts: which parts the last output
//! gives as they are, the records of the others (made by the render), and Pagefind building
//! those parts beside the render.

use std::collections::BTreeMap;
use std::hash::{Hash, Hasher};

use rayon::prelude::*;

use crate::cache::Stamp;
use crate::content::Site;
use crate::files::OutputFile;
use crate::ids::PageId;
use crate::search::{Layout, Lexicon};
use crate::warm::{PartFiles, Warm, WrittenPart};

/// What a build does with each part of the search index.
pub(super) struct SearchPlan {
    layout: Layout,
    /// What each part's records are made from, by part (without a cache: `None`).
    keys: Vec<Option<u64>>,
    /// Each part's files and words from the last output, when they can be taken as they are.
    reused: Vec<Option<crate::cache::ReusablePart>>,
    /// The pages whose records the render makes: those of the other parts, by page index.
    pub(super) wanted: Vec<bool>,
    /// Each page's source path (for the lexicon: [`Lexicon::of`]).
    paths: Vec<String>,
}

impl SearchPlan {
    /// The parts of `site`'s index; with a cache (`warm`, and the `fingerprints` of this
    /// build's state), those the last output in `output` gives as they are.
    pub(super) fn new(
        site: &Site,
        config: &crate::config::SiteConfig,
        cached: Option<(&Warm, &mut crate::deps::Fingerprints<'_>)>,
        output: &std::path::Path,
    ) -> Self {
        let size = config
            .output
            .search_part_size
            .unwrap_or(crate::search::PART_SIZE);
        let paths: Vec<String> = (site.pages.iter())
            .map(|page| page.display_path.to_string_lossy().into_owned())
            .collect();
        let layout = Layout::new(paths.iter().map(|path| path.as_bytes()), size);
        let (keys, reused) = match cached {
            Some((warm, fingerprints)) => {
                let keys: Vec<Option<u64>> = (part_keys(site, &layout, fingerprints).into_iter())
                    .map(Some)
                    .collect();
                let reused = warm.reusable_parts(&keys, output);
                (keys, reused)
            }
            None => (vec![None; layout.count], vec![None; layout.count]),
        };
        let wanted = (layout.of_page.iter())
            .map(|&part| reused[part as usize].is_none())
            .collect();
        Self {
            layout,
            keys,
            reused,
            wanted,
            paths,
        }
    }
}

/// The key of each part: a hash of what the records of its pages are made from
/// ([`crate::render::search_record_inputs`]), with the number of parts and the part's folder.
fn part_keys(
    site: &Site,
    layout: &Layout,
    fingerprints: &mut crate::deps::Fingerprints<'_>,
) -> Vec<u64> {
    let mut hashers: Vec<crate::fingerprint::Fingerprinter> = (0..layout.count)
        .map(|part| {
            let mut hasher = crate::fingerprint::Fingerprinter::new();
            (layout.count, layout.folder(part as u32)).hash(&mut hasher);
            hasher
        })
        .collect();
    for p in site.page_ids() {
        let hasher = &mut hashers[layout.of_page[p.index()] as usize];
        site.page(p).display_path.hash(hasher);
        for input in crate::render::search_record_inputs(site, p) {
            fingerprints.of(&input).hash(hasher);
        }
    }
    hashers.into_iter().map(|hasher| hasher.finish()).collect()
}

/// The search index of a build: the files built (with the lexicon and the list of parts),
/// the files taken from the last output, and each part for the next build.
pub(super) struct Index {
    pub(super) built: Result<Vec<OutputFile>, String>,
    /// With their stamps in the last output.
    pub(super) reused: Vec<(String, Stamp)>,
    pub(super) parts: Vec<(u32, WrittenPart)>,
}

/// A part of the index built: its files and words.
type BuiltPart = Result<(Vec<OutputFile>, Lexicon), String>;

/// The index of `plan`: the parts the last output cannot give built from `records` (those of
/// [`SearchPlan::wanted`]), the others reused, the lexicon of all and the list of parts;
/// `None` without pages.
pub(super) fn index_records(
    plan: SearchPlan,
    records: crate::render::Records,
    language: &str,
) -> Option<Index> {
    plan.layout.main?;
    // Each part's files (relative to the output) and words, in the order of the parts.
    let mut parts: BTreeMap<u32, (PartFiles, Lexicon)> = BTreeMap::new();
    let mut built = Vec::new();
    let mut failed = None;
    for (part, result) in build_parts(&plan, records, language) {
        match result {
            Ok((files, lexicon)) => {
                parts.insert(
                    part,
                    (
                        files.iter().map(|f| (f.path.clone(), None)).collect(),
                        lexicon,
                    ),
                );
                built.extend(files);
            }
            Err(message) => failed = Some(message),
        }
    }
    let mut reused = Vec::new();
    for (part, kept) in (0..).zip(plan.reused) {
        if let Some((files, lexicon)) = kept {
            parts.insert(
                part,
                (
                    files.iter().map(|(p, s)| (p.clone(), Some(*s))).collect(),
                    lexicon,
                ),
            );
            reused.extend(files);
        }
    }
    built.push(crate::search::lexicon_file(parts.values().map(|(_, l)| l)));
    built.push(plan.layout.parts_file());
    let parts = (parts.into_iter())
        .filter_map(|(part, (files, lexicon))| {
            let key = plan.keys[part as usize]?;
            let written = WrittenPart {
                key,
                files,
                lexicon,
            };
            Some((part, written))
        })
        .collect();
    Some(Index {
        built: failed.map_or(Ok(built), Err),
        reused,
        parts,
    })
}

/// Builds the parts of `plan` that the last output cannot give, each on a core of its own.
fn build_parts(
    plan: &SearchPlan,
    records: crate::render::Records,
    language: &str,
) -> Vec<(u32, BuiltPart)> {
    let layout = &plan.layout;
    let mut by_part: Vec<Vec<(PageId, crate::search::SearchRecord)>> =
        (0..layout.count).map(|_| Vec::new()).collect();
    for (p, record) in records {
        by_part[layout.of_page[p.index()] as usize].push((p, record));
    }
    let jobs: Vec<(u32, Vec<_>)> = (layout.parts().into_iter())
        .filter(|&part| plan.reused[part as usize].is_none())
        .map(|part| (part, std::mem::take(&mut by_part[part as usize])))
        .collect();
    let build = || {
        (jobs.into_par_iter())
            .map(|(part, records)| (part, build_part(plan, part, records, language)))
            .collect()
    };
    match index_pool() {
        Some(pool) => pool.install(build),
        None => build(),
    }
}

/// The threads the parts are built on, apart from the render's: Pagefind blocks the thread
/// that builds a part while its own thread reads the records, and on rayon's global pool that
/// thread is one the render needs (a build after an edit rendered its pages only once the part
/// was built). `None` if the threads cannot be started: the global pool then builds them.
fn index_pool() -> Option<rayon::ThreadPool> {
    rayon::ThreadPoolBuilder::new()
        .thread_name(|i| format!("guide-index-{i}"))
        .build()
        .ok()
}

/// One part of the index: its files and words, the words counted while Pagefind works.
fn build_part(
    plan: &SearchPlan,
    part: u32,
    records: Vec<(PageId, crate::search::SearchRecord)>,
    language: &str,
) -> BuiltPart {
    let layout = &plan.layout;
    let main = layout.main == Some(part);
    let (lexicon, files) = rayon::join(
        || {
            Lexicon::of(
                (records.iter()).map(|(p, record)| (plan.paths[p.index()].as_str(), record)),
            )
        },
        || {
            let records = records.iter().map(|(_, record)| record.clone()).collect();
            crate::search::build_part(records, language, &layout.folder(part), main)
        },
    );
    Ok((files?, lexicon))
}

/// Notes in the cache the parts a build writes (built or reused).
pub(super) fn note_index(warm: Option<&mut Warm>, index: &mut Index) {
    let parts = std::mem::take(&mut index.parts);
    if let (Some(warm), Ok(_)) = (warm, &index.built) {
        for (part, written) in parts {
            warm.set_index_part(part, written);
        }
    }
}

/// The search index of a build, built beside the render: the render sends the records as
/// soon as it makes them (before the pages), and Pagefind indexes them while the pages render
/// and are written.
pub(super) type Indexer<'scope> = std::thread::ScopedJoinHandle<'scope, Option<Index>>;

/// Starts the [`Indexer`] on `scope`: it waits for the records on the channel (none when the
/// sender is dropped unused, e.g. after an error).
pub(super) fn start_indexer<'scope>(
    scope: &'scope std::thread::Scope<'scope, '_>,
    records: std::sync::mpsc::Receiver<crate::render::Records>,
    plan: SearchPlan,
    language: String,
) -> Indexer<'scope> {
    scope.spawn(move || {
        let records = records.recv().ok()?;
        let index = index_records(plan, records, &language);
        crate::timings::mark("search index built (beside the render)");
        index
    })
}
