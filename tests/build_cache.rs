//! `guide build` with its cache writes what a cold build writes: after each of a random
//! sequence of edits of the fixture site (`tests/edits`: body, title, date, weight, terms,
//! aliases, slug, new, deleted and renamed pages, a template, `guide.yaml`, a static file), a
//! build into the same output folder, with the cache of the previous one, must write exactly
//! the files of a cold build (`--no-cache`, into a new folder), byte for byte, search index
//! included; and the same without the search index (`--no-search`), where a page edit shows
//! a few pages only. A cache that cannot be trusted (cut short, from another format or other settings)
//! is ignored with a note, and a file edited by hand in the output is written again.
//!
//! `GUIDE_CACHE_SEED=0x1234` and `GUIDE_CACHE_STEPS=40` replay or lengthen the sequence.

mod common;
mod edits;

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;
use std::process::Command;

use common::TestSite;
use edits::*;

const DEFAULT_SEED: u64 = 0x6361_6368_6500_0001;
/// The front matter of a case study of the `basic` fixture, without its closing line.
const CASE_STUDY: &str = "---\ntitle: Fiche essai\nthemes: [qvct]\nmaturite: emergence\nentreprise: { nom: Entreprise E, effectif: 8 }\nillustratif: true\n";
const DEFAULT_STEPS: usize = 18;

/// Builds `site` into `out` (search index included); returns what it printed. Panics when
/// the build fails.
fn build(site: &TestSite, out: &Path, extra: &[&str]) -> String {
    let output = Command::new(env!("CARGO_BIN_EXE_guide"))
        .arg("build")
        .args(extra)
        .arg("--root")
        .arg(site.root())
        .arg("--output")
        .arg(out)
        .env("NO_COLOR", "1")
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr).into_owned();
    assert!(output.status.success(), "the build failed:\n{stderr}");
    stderr
}

/// Every file of an output folder but the marker (which lists them).
fn tree(out: &Path) -> BTreeMap<String, Vec<u8>> {
    let mut files = BTreeMap::new();
    read_tree(out, out, &mut files);
    files.remove(".guide-sortie");
    files
}

/// The paths where two trees differ.
fn differences(
    warm: &BTreeMap<String, Vec<u8>>,
    cold: &BTreeMap<String, Vec<u8>>,
) -> BTreeSet<String> {
    warm.keys()
        .chain(cold.keys())
        .filter(|path| warm.get(*path) != cold.get(*path))
        .cloned()
        .collect()
}

fn env_number(name: &str, default: u64) -> u64 {
    std::env::var(name).map_or(default, |v| {
        let v = v.trim();
        match v.strip_prefix("0x") {
            Some(hex) => u64::from_str_radix(hex, 16),
            None => v.parse(),
        }
        .unwrap_or_else(|e| panic!("{name}={v}: {e}"))
    })
}

#[test]
fn a_warm_build_after_random_edits_writes_what_a_cold_build_writes() {
    let seed = env_number("GUIDE_CACHE_SEED", DEFAULT_SEED);
    let steps = env_number("GUIDE_CACHE_STEPS", DEFAULT_STEPS as u64) as usize;
    let site = TestSite::new("incremental");
    // The search index in parts of two pages: an edit builds again some parts only.
    let config = std::fs::read_to_string(site.path("guide.yaml")).unwrap();
    site.write(
        "guide.yaml",
        &format!("{config}output:\n  search_part_size: 2\n"),
    );
    let outside = tempfile::tempdir().unwrap();
    // With the search index (every page shows in the search page, so every card is kept) and
    // without (a page edit shows a few pages only).
    let variants: [(&str, &[&str]); 2] = [("public", &[]), ("sans-recherche", &["--no-search"])];
    let mut rng = Rng::new(seed);
    let mut model = Model::new(&mut rng, &site);
    for (name, extra) in variants {
        build(&site, &outside.path().join(name), extra);
    }
    let mut history = Vec::new();
    let mut reusing_steps = 0;
    for (step, kind) in schedule(&mut rng, &KINDS, steps).into_iter().enumerate() {
        let what = apply(kind, &mut model, &mut rng, &site);
        history.push(format!("{}. [{}] {what}", step + 1, kind.name()));
        for (name, extra) in variants {
            let warm_out = outside.path().join(name);
            let said = build(&site, &warm_out, extra);
            reusing_steps += usize::from(said.contains("repris tels quels"));
            let cold_out = outside.path().join(format!("cold-{step}"));
            build(&site, &cold_out, &[extra, &["--no-cache"]].concat());
            let (warm, cold) = (tree(&warm_out), tree(&cold_out));
            let differ = differences(&warm, &cold);
            assert!(
                differ.is_empty(),
                "seed {seed:#x}, step {}, {extra:?}: the warm build differs from a cold build in {differ:?}\n\
                 replay: GUIDE_CACHE_SEED={seed:#x} GUIDE_CACHE_STEPS={steps} cargo test --test build_cache\n\
                 edits:\n  {}\nthe warm build said:\n{said}",
                step + 1,
                history.join("\n  ")
            );
            std::fs::remove_dir_all(&cold_out).unwrap();
        }
    }
    // Most edits leave most files as they were: the cache must have been used.
    assert!(
        reusing_steps > steps,
        "only {reusing_steps} of {} warm builds reused files:\n  {}",
        2 * steps,
        history.join("\n  ")
    );
}

/// The index's folder, each file with its inode (a file taken from the last output is a link
/// to it: same inode).
fn index_inodes(out: &Path) -> BTreeMap<String, u64> {
    use std::os::unix::fs::MetadataExt;
    let mut files = BTreeMap::new();
    read_tree(out, &out.join("pagefind"), &mut files);
    (files.into_keys())
        .map(|path| {
            let inode = std::fs::metadata(out.join(&path)).unwrap().ino();
            (path, inode)
        })
        .collect()
}

/// The part of the search index a file of it belongs to: `part-N`, or the main one.
fn index_part(path: &str) -> &str {
    let rest = path.strip_prefix("pagefind/").unwrap_or(path);
    match rest.split_once('/') {
        Some((folder, _)) if folder.starts_with("part-") => folder,
        _ => "main",
    }
}

/// A site whose search index is in parts (`output.search_part_size`): a body edit builds
/// again the part of the edited page only, the others are the last output's files, and the
/// whole is a cold build's.
#[test]
fn a_body_edit_builds_again_the_search_part_of_its_page_only() {
    let site = TestSite::new("incremental");
    let config = std::fs::read_to_string(site.path("guide.yaml")).unwrap();
    site.write(
        "guide.yaml",
        &format!("{config}output:\n  search_part_size: 1\n"),
    );
    let mut rng = Rng::new(DEFAULT_SEED);
    let mut model = Model::new(&mut rng, &site);
    let outside = tempfile::tempdir().unwrap();
    let out = outside.path().join("public");
    build(&site, &out, &[]);
    let before = index_inodes(&out);
    let parts: BTreeSet<&str> = before.keys().map(|path| index_part(path)).collect();
    assert!(parts.len() >= 3, "the index is not in parts: {parts:?}");
    let what = edit_fiche(Kind::Text, &mut model, 0, &mut rng);
    site.write(&model.fiches[0].path(), &model.fiches[0].text());
    build(&site, &out, &[]);
    let after = index_inodes(&out);
    // The lexicon and the list of parts are written by every build.
    let built: BTreeSet<&str> = (after.iter())
        .filter(|(path, inode)| before.get(*path) != Some(inode))
        .filter(|(path, _)| {
            !path.ends_with("guide-lexique.json") && !path.ends_with("guide-parties.json")
        })
        .map(|(path, _)| index_part(path))
        .collect();
    assert_eq!(
        built.len(),
        1,
        "{what}: parts built again: {built:?} of {parts:?}"
    );
    let cold = outside.path().join("cold");
    build(&site, &cold, &["--no-cache"]);
    let differ = differences(&tree(&out), &tree(&cold));
    assert!(differ.is_empty(), "{what}: {differ:?}");
}

/// A theme whose cards show term counts: a page that shows cards (a case study, its related
/// pages) then depends on the counts through them, although its own template shows none.
#[test]
fn a_term_edit_reaches_the_pages_whose_cards_show_counts() {
    let site = TestSite::new("incremental");
    let card = "themes/plain/templates/card.html";
    let text = std::fs::read_to_string(site.path(card)).unwrap();
    let counts = "<p class=\"comptes\">{% for tax in taxonomies %}{% for term in tax.terms %}{{ term.slug }} {{ term.count }} {% endfor %}{% endfor %}</p>";
    site.write(card, &format!("{text}{counts}\n"));
    let mut rng = Rng::new(DEFAULT_SEED);
    let mut model = Model::new(&mut rng, &site);
    let outside = tempfile::tempdir().unwrap();
    let out = outside.path().join("public");
    build(&site, &out, &["--no-search"]);
    for step in 0..4 {
        let what = apply(Kind::Terms, &mut model, &mut rng, &site);
        build(&site, &out, &["--no-search"]);
        let cold = outside.path().join(format!("cold-{step}"));
        build(&site, &cold, &["--no-search", "--no-cache"]);
        let differ = differences(&tree(&out), &tree(&cold));
        assert!(differ.is_empty(), "step {step} ({what}): {differ:?}");
    }
}

/// The incremental fixture with the pages of the model's first state.
fn modelled_site() -> TestSite {
    let site = TestSite::new("incremental");
    let mut rng = Rng::new(DEFAULT_SEED);
    Model::new(&mut rng, &site);
    site
}

#[test]
fn a_cache_that_cannot_be_trusted_is_ignored_and_a_file_edited_in_the_output_is_rewritten() {
    let site = modelled_site();
    let outside = tempfile::tempdir().unwrap();
    let out = outside.path().join("public");
    let cache = outside.path().join(".guide-cache/public.bin");
    build(&site, &out, &[]);
    let cold = tree(&out);
    assert!(cache.is_file(), "no cache beside the output");

    // Reused as it is: every file, and nothing is said.
    let said = build(&site, &out, &[]);
    assert!(said.contains("repris tels quels"), "{said}");
    assert!(!said.contains("info :"), "{said}");

    // A file edited by hand in the output is rendered again.
    std::fs::write(out.join("index.html"), "modifié à la main").unwrap();
    build(&site, &out, &[]);
    assert_eq!(tree(&out), cold, "the edited file was kept");

    // Cut short: ignored with a note, and the build is right.
    let bytes = std::fs::read(&cache).unwrap();
    std::fs::write(&cache, &bytes[..bytes.len() / 2]).unwrap();
    let said = build(&site, &out, &[]);
    assert!(said.contains("info : cache abîmé"), "{said}");
    assert!(!said.contains("repris tels quels"), "{said}");
    assert_eq!(tree(&out), cold);

    // The bodies' file cut short: ignored with a note, and the build is right.
    build(&site, &out, &[]);
    let bodies = outside.path().join(".guide-cache/public.bodies");
    let bytes = std::fs::read(&bodies).unwrap();
    std::fs::write(&bodies, &bytes[..bytes.len() - 1]).unwrap();
    let said = build(&site, &out, &[]);
    assert!(said.contains("info : cache abîmé"), "{said}");
    assert_eq!(tree(&out), cold);

    // From an older format of the cache (postcard: the magic string, the format, the settings).
    let mut older = vec![11];
    older.extend(b"guide-cache");
    older.extend([0, 2]);
    std::fs::write(&cache, &older).unwrap();
    let said = build(&site, &out, &[]);
    assert!(said.contains("info : cache d'un autre format"), "{said}");
    assert_eq!(tree(&out), cold);

    // Other settings: the cache is not used, and the output is the cold one's.
    let said = build(&site, &out, &["--base-url", "https://example.net/autre/"]);
    assert!(said.contains("info : cache d'une autre version de guide ou d'autres réglages"));
    let other = outside.path().join("other");
    build(
        &site,
        &other,
        &["--no-cache", "--base-url", "https://example.net/autre/"],
    );
    assert_eq!(tree(&out), tree(&other));

    // A failed build leaves the output and the cache as they were.
    let before = (tree(&out), std::fs::read(&cache).unwrap());
    site.write("content/projets/casse.md", "---\ntitle: [\n---\n");
    let failed = Command::new(env!("CARGO_BIN_EXE_guide"))
        .args([
            "build",
            "--base-url",
            "https://example.net/autre/",
            "--root",
        ])
        .arg(site.root())
        .arg("--output")
        .arg(&out)
        .output()
        .unwrap();
    assert_eq!(failed.status.code(), Some(1));
    assert_eq!((tree(&out), std::fs::read(&cache).unwrap()), before);
}

/// The warnings and errors a build printed, without its closing lines.
fn problems(said: &str) -> Vec<&str> {
    said.lines()
        .filter(|line| !line.starts_with("Site construit") && !line.starts_with("info :"))
        .collect()
}

#[test]
fn a_warm_build_repeats_the_warnings_of_unchanged_pages_and_checks_their_images_again() {
    let site = TestSite::new("basic");
    let config = std::fs::read_to_string(site.path("guide.yaml")).unwrap();
    let image = "    schema:\n      image:\n        type: map\n        fields:\n          src: { type: string, required: true }\n          alt: { type: string, required: true }\n";
    site.write("guide.yaml", &config.replacen("    schema:\n", image, 1));
    site.write(
        "content/projets/essai.md",
        &format!("{CASE_STUDY}date: 2024-05-02\nupdated: 2024-01-01\nimage:\n  src: atelier.jpg\n  alt: L’atelier\n---\nTexte.\n"),
    );
    site.write("content/projets/atelier.jpg", "une photo");
    let outside = tempfile::tempdir().unwrap();
    let out = outside.path().join("public");
    let cold = build(&site, &out, &["--no-search"]);
    assert!(cold.contains("« updated » (2024-01-01) précède"), "{cold}");
    // A warning about the page's own text, kept with what loading it found.
    assert!(cold.contains("fiche sans résumé"), "{cold}");

    // Nothing changed: every page is taken from the cache, and says what it said.
    let warm = build(&site, &out, &["--no-search"]);
    assert!(warm.contains("repris tels quels"), "{warm}");
    assert_eq!(problems(&warm), problems(&cold));

    // The page has not changed, but the image it names is gone.
    site.remove("content/projets/atelier.jpg");
    let failed = Command::new(env!("CARGO_BIN_EXE_guide"))
        .args(["build", "--no-search", "--root"])
        .arg(site.root())
        .arg("--output")
        .arg(&out)
        .env("NO_COLOR", "1")
        .output()
        .unwrap();
    let said = String::from_utf8_lossy(&failed.stderr);
    assert_eq!(failed.status.code(), Some(1), "{said}");
    assert!(
        said.contains("content/projets/essai.md:10:8\n  image introuvable : « atelier.jpg »"),
        "{said}"
    );
}

#[test]
fn the_site_folder_named_another_way_reuses_what_an_unchanged_build_reuses() {
    let site = modelled_site();
    let outside = tempfile::tempdir().unwrap();
    let out = outside.path().join("public");
    build(&site, &out, &[]);
    // What a build with nothing changed reuses (static files are copied again).
    let expected = reuse_counts(&build(&site, &out, &[]));
    // The same site, from inside its folder (`--root .`, the README's way).
    let output = Command::new(env!("CARGO_BIN_EXE_guide"))
        .args(["build", "--root", ".", "--output"])
        .arg(&out)
        .current_dir(site.root())
        .env("NO_COLOR", "1")
        .output()
        .unwrap();
    let said = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "{said}");
    assert_eq!(reuse_counts(&said), expected, "{said}");
}

/// The « N fichiers sur M repris tels quels » of a build's last line.
fn reuse_counts(said: &str) -> (usize, usize) {
    let numbers: Vec<usize> = (said.rsplit_once('(').map_or("", |(_, rest)| rest))
        .split_whitespace()
        .filter_map(|word| word.parse().ok())
        .collect();
    match numbers[..] {
        [reused, files, ..] => (reused, files),
        _ => panic!("no reuse count in: {said}"),
    }
}
