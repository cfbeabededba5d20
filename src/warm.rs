//! `guide build` with its cache ([`crate::cache`]): which files of the last output are still
//! what this build would write, and what to keep for the next build.
//!
//! A file is reused when the cache's outputs key ([`crate::cache::outputs_key`]) is unchanged,
//! every input it read has the fingerprint it had then ([`crate::deps::Fingerprints`]), and the
//! file is still in the output as written. Everything else in the plan is rendered; a part of
//! the search index is reused when what its records are made from is the same.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use crate::cache::{Stamp, Stored, StoredOutput, StoredOutputs, StoredPart};
use crate::cards::Cards;
use crate::content::{LoadMemo, Site};
use crate::deps::{Fingerprints, Input};
use crate::ids::PageId;
use crate::markdown::Rendered;
use crate::plan::{OutputId, Plan};

/// The cache of one output folder, during a build.
#[derive(Debug)]
pub struct Warm {
    path: PathBuf,
    settings: u64,
    stored: Stored,
    /// The new outputs key, once known.
    outputs_key: u64,
    /// What the new output's files read, as indices in `inputs` (stamps come once they are
    /// written).
    outputs: HashMap<String, Vec<u32>>,
    /// The inputs the new output's files read, each once.
    inputs: InputTable,
    /// The files taken from the last output, with the stamps checked before they were taken
    /// (the new output has them as they were).
    reused: HashMap<String, Stamp>,
    /// The parts of the search index written (built or reused), by number.
    index: HashMap<u32, WrittenPart>,
    /// What loading each Markdown file found, for the next build.
    loads: LoadMemo,
    /// Each page's card with the key it was rendered under, for the next build.
    cards: HashMap<PathBuf, (u64, Cards)>,
}

impl Warm {
    /// Reads the cache of `output`, made under `settings` ([`crate::cache::settings_key`]);
    /// with the note to show when a cache exists but cannot be used.
    pub fn load(output: &Path, settings: u64) -> (Self, Option<String>) {
        let mut warm = Self::empty(output, settings);
        let note = match crate::cache::load(&warm.path, settings) {
            Ok(stored) => {
                warm.stored = stored.unwrap_or_default();
                None
            }
            Err(note) => Some(note),
        };
        (warm, note)
    }

    /// No cache (`--no-cache`): everything is rendered, and the cache written afresh.
    pub fn empty(output: &Path, settings: u64) -> Self {
        Self {
            path: crate::cache::path_for(output),
            settings,
            stored: Stored::default(),
            outputs_key: 0,
            outputs: HashMap::new(),
            inputs: InputTable::default(),
            reused: HashMap::new(),
            index: HashMap::new(),
            loads: LoadMemo::default(),
            cards: HashMap::new(),
        }
    }

    /// The stored bodies, by source path, with the key each was rendered under.
    pub fn take_bodies(&mut self) -> HashMap<PathBuf, (u64, Rendered)> {
        self.stored.take_bodies()
    }

    /// What the last build found loading each Markdown file.
    pub fn take_loads(&mut self) -> LoadMemo {
        std::mem::take(&mut self.stored.loads)
    }

    /// Keeps what this build found loading each Markdown file.
    pub fn set_loads(&mut self, loads: LoadMemo) {
        self.loads = loads;
    }

    /// The cards the last build rendered that are still right, by page: those whose key is
    /// the one `keys` gives the page now ([`card_key`]). Without keys, none: the cards of the
    /// last build are kept as they are for the next one.
    pub fn known_cards(&mut self, site: &Site, keys: &[u64]) -> Vec<Option<Cards>> {
        let mut stored = self.stored.take_cards();
        if keys.is_empty() {
            self.cards = stored;
            return Vec::new();
        }
        (site.pages.iter().zip(keys))
            .map(|(page, &key)| {
                (stored.remove(&page.display_path))
                    .filter(|(stored_key, _)| *stored_key == key)
                    .map(|(_, card)| card)
            })
            .collect()
    }

    /// Keeps each page's card for the next build, with its key: the one the render showed, or
    /// else the one known. Without keys, the cards of the last build stay as they are.
    pub fn keep_cards(
        &mut self,
        site: &Site,
        keys: &[u64],
        mut known: Vec<Option<Cards>>,
        shown: Vec<(PageId, Cards)>,
    ) {
        if keys.is_empty() {
            return;
        }
        for (p, card) in shown {
            known[p.index()] = Some(card);
        }
        self.cards = (site.pages.iter().zip(keys).zip(known))
            .filter_map(|((page, &key), card)| Some((page.display_path.clone(), (key, card?))))
            .collect();
    }

    /// The outputs of `plan` to render: those the last output cannot give as they are. The
    /// others are reused ([`Warm::reused`]).
    pub fn to_render(
        &mut self,
        outputs_key: u64,
        plan: &Plan,
        fingerprints: &mut Fingerprints<'_>,
        output: &Path,
    ) -> Vec<OutputId> {
        use rayon::prelude::*;
        self.outputs_key = outputs_key;
        let stored = std::mem::take(&mut self.stored.outputs);
        let same_outputs = self.stored.outputs_key == outputs_key;
        // The files' stamps first, on every core: one `statx` per file of the output.
        let written: Vec<bool> = (plan.items.par_iter())
            .map(|item| {
                same_outputs
                    && (stored.files.get(&item.path))
                        .is_some_and(|file| still_written(output, &item.path, file))
            })
            .collect();
        // Each input once, however many files read it.
        let kept: Vec<bool> = (stored.inputs.iter())
            .map(|(input, value)| fingerprints.of(input) == *value)
            .collect();
        let mut ids: Vec<Option<u32>> = vec![None; stored.inputs.len()];
        let mut render = Vec::new();
        for (item, written) in plan.items.iter().zip(written) {
            let file = stored.files.get(&item.path).filter(|file| {
                written && (file.inputs.iter()).all(|&i| kept.get(i as usize) == Some(&true))
            });
            let Some(file) = file else {
                render.push(item.id);
                continue;
            };
            let inputs = (file.inputs.iter())
                .map(|&i| {
                    *ids[i as usize].get_or_insert_with(|| {
                        let (input, value) = &stored.inputs[i as usize];
                        self.inputs.id(input, || *value)
                    })
                })
                .collect();
            self.reused.insert(item.path.clone(), file.stamp);
            self.outputs.insert(item.path.clone(), inputs);
        }
        render
    }

    /// The files taken from the last output, with their stamps there.
    pub fn reused(&self) -> Vec<(String, Stamp)> {
        (self.reused.iter())
            .map(|(path, stamp)| (path.clone(), *stamp))
            .collect()
    }

    /// How many files are taken from the last output.
    pub fn reused_count(&self) -> usize {
        self.reused.len()
    }

    /// Keeps what each rendered file read, fingerprinted in the current state.
    pub fn record(&mut self, fingerprints: &mut Fingerprints<'_>, reads: &[(String, Vec<Input>)]) {
        for (path, inputs) in reads {
            let inputs = (inputs.iter())
                .map(|input| self.inputs.id(input, || fingerprints.of(input)))
                .collect();
            self.outputs.insert(path.clone(), inputs);
        }
    }

    /// For each part of the search index (`keys`: what each part's records are made from, by
    /// part number), the files and words of the last output's part when they can be reused
    /// ([`StoredPart::reusable`]).
    pub fn reusable_parts(
        &self,
        keys: &[Option<u64>],
        output: &Path,
    ) -> Vec<Option<crate::cache::ReusablePart>> {
        use rayon::prelude::*;
        (keys.par_iter().enumerate())
            .map(|(part, key)| {
                let stored = self.stored.index.get(&u32::try_from(part).ok()?)?;
                stored.reusable((*key)?, output)
            })
            .collect()
    }

    /// Notes a part of the search index written (built or reused).
    pub fn set_index_part(&mut self, part: u32, written: WrittenPart) {
        self.index.insert(part, written);
    }

    /// Writes the cache for the output just committed; `bodies` are the site's bodies by
    /// source path with their keys. Returns the note to show if it could not be written.
    pub fn save(self, output: &Path, bodies: HashMap<PathBuf, (u64, Rendered)>) -> Option<String> {
        let stamp = |path: &String| Stamp::of(&output.join(path));
        let reused = self.reused;
        let files = self
            .outputs
            .into_iter()
            .filter_map(|(path, inputs)| {
                // A file taken as it was is a link to the one stamped (or a copy, whose new
                // stamp differs: the next build renders it again).
                let stamp = reused.get(&path).copied().or_else(|| stamp(&path))?;
                Some((path, StoredOutput { inputs, stamp }))
            })
            .collect();
        let outputs = StoredOutputs {
            inputs: self.inputs.into_inputs(),
            files,
        };
        let index = (self.index.into_iter())
            .map(|(part, written)| {
                // A reused part's files keep the stamps checked before they were taken (a
                // copy's new stamp differs: the next build builds the part again).
                let files = (written.files.into_iter())
                    .filter_map(|(path, kept)| {
                        let stamp = kept.or_else(|| stamp(&path))?;
                        Some((path, stamp))
                    })
                    .collect();
                let stored = StoredPart {
                    key: written.key,
                    files,
                    lexicon: written.lexicon,
                };
                (part, stored)
            })
            .collect();
        let read = self.stored.bodies_read();
        let saved = crate::cache::store_bodies(&self.path, read.as_ref(), bodies, self.cards);
        let saved = saved.and_then(|bodies| {
            let stored = Stored::new(bodies, self.outputs_key, outputs, index, self.loads);
            crate::cache::save(&self.path, self.settings, &stored)
        });
        saved.err().map(|e| {
            format!(
                "le cache n'a pas pu être écrit ({e}) : la prochaine construction sera complète"
            )
        })
    }
}

/// What a page's card depends on: its facets (`meta`, the fingerprint of its
/// [`Input::Meta`]), the variables every template has (`common`, of [`Input::Common`]), the
/// terms' counts when the card's template may show them (`counts`, of [`Input::Counts`]) and
/// the theme (`outputs_key`, [`crate::cache::outputs_key`]).
pub fn card_key(meta: u64, common: u64, counts: Option<u64>, outputs_key: u64) -> u64 {
    crate::fingerprint::hash_with(|h| {
        use std::hash::Hash;
        (meta, common, counts, outputs_key).hash(h);
    })
}

/// The files of a part of the search index, relative to the output, each with its stamp in
/// the last output when the part is reused from it.
pub type PartFiles = Vec<(String, Option<Stamp>)>;

/// A part of the search index as this build writes it, for the next build.
#[derive(Debug)]
pub struct WrittenPart {
    /// What its records are made from.
    pub key: u64,
    /// Its files, relative to the output, with their stamps in the last output when the part
    /// is reused from it.
    pub files: PartFiles,
    /// The words of its records.
    pub lexicon: crate::search::Lexicon,
}

/// The inputs the files of an output read, each once, with its fingerprint.
#[derive(Debug, Default)]
struct InputTable {
    ids: HashMap<Input, (u32, u64)>,
}

impl InputTable {
    /// The index of `input`, added with the fingerprint `value` gives when it is new.
    fn id(&mut self, input: &Input, value: impl FnOnce() -> u64) -> u32 {
        if let Some(&(id, _)) = self.ids.get(input) {
            return id;
        }
        let id = u32::try_from(self.ids.len()).expect("fewer than 2³² inputs");
        self.ids.insert(input.clone(), (id, value()));
        id
    }

    /// The inputs in the order of their indices.
    fn into_inputs(self) -> Vec<(Input, u64)> {
        let mut inputs: Vec<(u32, Input, u64)> = (self.ids.into_iter())
            .map(|(input, (id, value))| (id, input, value))
            .collect();
        inputs.sort_unstable_by_key(|(id, _, _)| *id);
        inputs
            .into_iter()
            .map(|(_, input, value)| (input, value))
            .collect()
    }
}

/// Whether the file at `path` of `output` is still the one the last build wrote.
fn still_written(output: &Path, path: &str, stored: &StoredOutput) -> bool {
    Stamp::of(&output.join(path)) == Some(stored.stamp)
}
