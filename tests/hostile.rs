//! Hostile input: odd but legitimate files are built; malformed, dangerous or unreadable ones
//! are refused with exit status 1, a French diagnostic naming the file, no panic, and the last
//! good `public/` untouched; symbolic links in `content/` are never followed.
//!
//! Hostile files are generated at test time in a temporary copy of the `basic` fixture. Every
//! run of the binary has a time limit (a hang is a failure, not a stuck test run), and every
//! successful build is checked to have written only inside its output folder.

mod common;

use std::collections::BTreeMap;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use common::TestSite;

/// The time limit of one run of the binary on a small hostile site: generous, a guard against
/// hangs only.
const QUICK: Duration = Duration::from_secs(30);

/// One run of the binary, with a time limit.
struct Outcome {
    /// The exit code; `None` when the process was killed by a signal (stack overflow, abort)
    /// or by the time limit.
    status: Option<i32>,
    stderr: String,
    timed_out: bool,
    elapsed: Duration,
    /// The peak resident memory seen in `/proc/<pid>/status` (VmHWM), in kB, when readable.
    peak_kb: Option<u64>,
}

impl Outcome {
    /// Asserts what every run must satisfy: it ended by itself, did not panic and was not
    /// killed by a signal.
    fn assert_sane(&self) {
        assert!(
            !self.timed_out,
            "the run was killed after {:?} (hang or unbounded work)\n{}",
            self.elapsed, self.stderr
        );
        assert_ne!(
            self.status,
            Some(101),
            "the binary panicked:\n{}",
            self.stderr
        );
        assert!(
            self.status.is_some(),
            "the binary was killed by a signal (stack overflow? abort?):\n{}",
            self.stderr
        );
        assert!(
            !self.stderr.contains("panicked"),
            "a panic message was printed:\n{}",
            self.stderr
        );
    }
}

fn peak_memory_kb(pid: u32) -> Option<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
}

/// Runs `guide ARGS --root <site>`, killing it after `limit`.
fn guide(site: &TestSite, args: &[&str], limit: Duration) -> Outcome {
    let start = Instant::now();
    let mut child = Command::new(env!("CARGO_BIN_EXE_guide"))
        .args(args)
        .arg("--root")
        .arg(site.root())
        .env("NO_COLOR", "1")
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut pipe = child.stderr.take().unwrap();
    let reader = std::thread::spawn(move || {
        let mut bytes = Vec::new();
        let _ = pipe.read_to_end(&mut bytes);
        bytes
    });
    let mut peak_kb = None;
    let mut timed_out = false;
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        if let Some(kb) = peak_memory_kb(child.id()) {
            peak_kb = Some(kb.max(peak_kb.unwrap_or(0)));
        }
        if start.elapsed() > limit {
            timed_out = true;
            let _ = child.kill();
            break child.wait().unwrap();
        }
        std::thread::sleep(Duration::from_millis(10));
    };
    let stderr = String::from_utf8_lossy(&reader.join().unwrap()).into_owned();
    Outcome {
        status: status.code(),
        stderr,
        timed_out,
        elapsed: start.elapsed(),
        peak_kb,
    }
}

/// Every file under `dir` (relative path, `/` separators) with its bytes; symbolic links are
/// listed with the bytes `"-> target"` and not followed.
fn snapshot(dir: &Path) -> BTreeMap<String, Vec<u8>> {
    fn walk(
        base: &Path,
        dir: &Path,
        skip: &dyn Fn(&Path) -> bool,
        out: &mut BTreeMap<String, Vec<u8>>,
    ) {
        let Ok(entries) = std::fs::read_dir(dir) else {
            return;
        };
        for entry in entries {
            let path = entry.unwrap().path();
            if skip(&path) {
                continue;
            }
            let relative = path
                .strip_prefix(base)
                .unwrap()
                .to_string_lossy()
                .replace('\\', "/");
            let meta = std::fs::symlink_metadata(&path).unwrap();
            if meta.file_type().is_symlink() {
                let target = std::fs::read_link(&path).unwrap();
                out.insert(relative, format!("-> {}", target.display()).into_bytes());
            } else if meta.is_dir() {
                walk(base, &path, skip, out);
            } else {
                // An unreadable file (chmod 000 when not root) is listed without contents.
                out.insert(relative, std::fs::read(&path).unwrap_or_default());
            }
        }
    }
    let mut out = BTreeMap::new();
    walk(dir, dir, &|_| false, &mut out);
    out
}

/// The site's own files: everything under its root but the output folder.
fn sources(site: &TestSite) -> BTreeMap<String, Vec<u8>> {
    let public = site.path("public");
    // The build cache is written beside the output, and only there (docs/configuration.md):
    // the cache and the bodies' file.
    let cache = [".guide-cache/public.bin", ".guide-cache/public.bodies"].map(|p| site.path(p));
    let mut out = snapshot(site.root());
    out.retain(|k, _| {
        let path = site.root().join(k);
        !path.starts_with(&public) && !cache.contains(&path)
    });
    out
}

/// Names of `.public.*` folders (temporary or old outputs) beside `public/`.
fn leftovers(site: &TestSite) -> Vec<String> {
    std::fs::read_dir(site.root())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.starts_with(".public"))
        .collect()
}

/// Asserts that every path of `public/` is a plain file or folder inside it: no symbolic link,
/// nothing whose real path leaves the folder.
fn assert_outputs_inside(site: &TestSite) {
    let public = site.path("public").canonicalize().unwrap();
    fn walk(public: &Path, dir: &Path, count: &mut usize) {
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            let meta = std::fs::symlink_metadata(&path).unwrap();
            assert!(
                !meta.file_type().is_symlink(),
                "symbolic link in the output: {}",
                path.display()
            );
            let real = path.canonicalize().unwrap();
            assert!(
                real.starts_with(public),
                "output path outside the output folder: {}",
                real.display()
            );
            if meta.is_dir() {
                walk(public, &path, count);
            } else {
                *count += 1;
            }
        }
    }
    let mut count = 0;
    walk(&public, &public, &mut count);
    assert!(count > 0, "empty output folder");
}

/// Builds `site`, asserts success, that it wrote only inside `public/` (and its cache,
/// `.guide-cache/public.bin` and `public.bodies`) and left its sources and the folder beside it clean; returns
/// the run.
fn build_ok(site: &TestSite, limit: Duration) -> Outcome {
    let before = sources(site);
    let run = guide(site, &["build"], limit);
    run.assert_sane();
    assert_eq!(run.status, Some(0), "build failed:\n{}", run.stderr);
    assert_outputs_inside(site);
    assert_eq!(
        sources(site),
        before,
        "the build changed files outside public/"
    );
    assert_eq!(leftovers(site), Vec::<String>::new());
    run
}

/// A copy of `basic` already built once: its `public/` is the last good output.
fn built_basic() -> TestSite {
    let site = TestSite::new("basic");
    build_ok(&site, QUICK);
    site
}

/// Runs a build of `site` (built once before, then made hostile) and asserts it is refused:
/// exit status 1, every file of `files` named in the diagnostics with its `needle`, no panic,
/// `public/` and the site's own files untouched. Returns the diagnostics.
fn assert_rejected(site: &TestSite, files: &[(&str, &str)], limit: Duration) -> String {
    let public_before = snapshot(&site.path("public"));
    assert!(
        !public_before.is_empty(),
        "the site must have been built first"
    );
    let sources_before = sources(site);
    let run = guide(site, &["build"], limit);
    run.assert_sane();
    assert_eq!(
        run.status,
        Some(1),
        "expected a refusal (exit 1):\n{}",
        run.stderr
    );
    for (file, needle) in files {
        let located = run
            .stderr
            .lines()
            .any(|l| l.starts_with("erreur") && l.contains(file));
        assert!(located, "no error names {file}:\n{}", run.stderr);
        assert!(
            run.stderr.contains(needle),
            "the diagnostic of {file} does not say « {needle} »:\n{}",
            run.stderr
        );
    }
    assert!(
        run.stderr.contains("n'a pas été modifié"),
        "no summary saying public/ was left alone:\n{}",
        run.stderr
    );
    assert!(
        snapshot(&site.path("public")) == public_before,
        "public/ changed after a refused build"
    );
    assert!(
        sources(site) == sources_before,
        "the build changed the site's files"
    );
    assert_eq!(leftovers(site), Vec::<String>::new());
    run.stderr
}

fn write_bytes(site: &TestSite, relative: &str, bytes: &[u8]) {
    let path = site.path(relative);
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(path, bytes).unwrap();
}

/// Writes `content/<name>.md` as a page of the root section with `body` after the title.
fn page(site: &TestSite, name: &str, front: &str, body: &str) -> String {
    let relative = format!("content/{name}.md");
    site.write(&relative, &format!("---\n{front}\n---\n{body}"));
    relative
}

/// Turns off the search index in the site's configuration.
fn without_search(site: &TestSite) {
    let config = std::fs::read_to_string(site.path("guide.yaml")).unwrap();
    assert!(config.contains("  search: recherche\n"));
    site.write("guide.yaml", &config.replace("  search: recherche\n", ""));
}

// A. Accepted.

#[test]
fn a_byte_order_mark_before_the_front_matter_is_accepted() {
    let site = TestSite::new("basic");
    write_bytes(
        &site,
        "content/avec-bom.md",
        "\u{feff}---\ntitle: Page avec BOM\n---\nCorps marqué BOM-7319.\n".as_bytes(),
    );
    build_ok(&site, QUICK);
    let html = site.output("avec-bom/index.html");
    assert!(html.contains("<title>Page avec BOM</title>"), "{html}");
    assert!(html.contains("BOM-7319"), "{html}");
    assert!(!html.contains('\u{feff}'), "the BOM reached the page");
}

#[test]
fn crlf_line_endings_in_every_file_give_the_same_pages_as_lf() {
    let lf = TestSite::new("basic");
    build_ok(&lf, QUICK);
    let crlf = TestSite::new("basic");
    let mut converted = 0;
    for (relative, bytes) in snapshot(crlf.root()) {
        let Ok(text) = String::from_utf8(bytes) else {
            continue;
        };
        write_bytes(&crlf, &relative, text.replace('\n', "\r\n").as_bytes());
        converted += 1;
    }
    assert!(converted >= 15, "only {converted} files converted");
    let run = build_ok(&crlf, QUICK);
    assert!(
        !run.stderr.lines().any(|l| l.starts_with("erreur")),
        "{}",
        run.stderr
    );
    assert_eq!(crlf.output_files(), lf.output_files());
    for page in [
        "index.html",
        "a-propos/index.html",
        "projets/fiche-a/index.html",
        "projets/fiche-b/index.html",
        "projets/fiche-bundle/index.html",
    ] {
        let a = lf.output(page);
        let b = crlf.output(page).replace('\r', "");
        assert_eq!(
            common::main_of(&b),
            common::main_of(&a),
            "{page} differs once CR removed"
        );
        let title = |h: &str| {
            h.split("<title>")
                .nth(1)
                .unwrap()
                .split("</title>")
                .next()
                .unwrap()
                .to_string()
        };
        assert_eq!(title(&crlf.output(page)), title(&a), "{page}: title");
    }
}

/// Generates a Markdown body of at least `bytes` bytes of paragraphs, ending with a marker.
fn big_body(bytes: usize) -> String {
    let mut body = String::with_capacity(bytes + 200);
    let mut i = 0;
    while body.len() < bytes {
        body.push_str(&format!(
            "Paragraphe {i} : le travail « compte » et l'innovation sociale avance, pas à pas, avec les salariés et la direction ; voir la suite.\n\n"
        ));
        i += 1;
    }
    body.push_str("FIN-DU-GROS-FICHIER\n");
    body
}

#[test]
fn a_50_mb_body_is_built_whole_with_bounded_memory() {
    // The search index is off here: Pagefind in the unoptimised test binary needs ~100 s for
    // a 50 MB page (see the next test, which keeps it on for a smaller page).
    let site = TestSite::new("basic");
    without_search(&site);
    page(&site, "gros", "title: Très gros", &big_body(50 << 20));
    // A guard against hangs, not a speed check: ~30 s on a quiet machine, ~100 s on a loaded one.
    let run = build_ok(&site, Duration::from_secs(300));
    eprintln!(
        "50 MB body (no search): {:?}, peak memory {:?} kB",
        run.elapsed, run.peak_kb
    );
    let html = std::fs::read(site.path("public/gros/index.html")).unwrap();
    assert!(html.len() > 50 << 20, "page of only {} bytes", html.len());
    assert!(
        html.windows(19).any(|w| w == b"FIN-DU-GROS-FICHIER"),
        "the end of the body is missing"
    );
    if let Some(kb) = run.peak_kb {
        // A guard, not a benchmark: 20 times the input.
        assert!(kb < 1024 * 1024, "peak memory {kb} kB for a 50 MB page");
    }
}

#[test]
fn a_2_mb_body_is_built_with_its_search_index() {
    let site = TestSite::new("basic");
    page(&site, "gros", "title: Gros et cherché", &big_body(2 << 20));
    let run = build_ok(&site, Duration::from_secs(60));
    eprintln!(
        "2 MB body (with search): {:?}, peak memory {:?} kB",
        run.elapsed, run.peak_kb
    );
    assert!(site
        .output("gros/index.html")
        .contains("FIN-DU-GROS-FICHIER"));
    assert!(site.path("public/pagefind").is_dir());
}

#[test]
fn a_table_of_10_000_rows_is_rendered_whole() {
    let site = TestSite::new("basic");
    let mut body = String::from("| Numéro | Valeur |\n|---|---|\n");
    for i in 0..10_000 {
        body.push_str(&format!("| {i} | cellule-{i} |\n"));
    }
    page(&site, "tableau", "title: Grand tableau", &body);
    build_ok(&site, Duration::from_secs(60));
    let html = site.output("tableau/index.html");
    assert_eq!(
        html.matches("<tr>").count(),
        10_001,
        "rows (header included)"
    );
    assert!(html.contains("cellule-0<") && html.contains("cellule-9999<"));
}

#[test]
fn a_title_of_10_000_characters_builds_with_a_warning() {
    let site = TestSite::new("basic");
    let title = "Éléphant ".repeat(1_111) + "F";
    assert_eq!(title.chars().count(), 10_000);
    page(&site, "long", &format!("title: {title}"), "Corps.\n");
    let run = build_ok(&site, QUICK);
    assert!(
        run.stderr.contains("avertissement : content/long.md")
            && run.stderr.contains("titre très long (10000 caractères)"),
        "{}",
        run.stderr
    );
    assert!(site.output("long/index.html").contains(&title));
}

#[test]
fn an_empty_body_gives_a_page_with_its_title() {
    let site = TestSite::new("basic");
    site.write("content/vide.md", "---\ntitle: Page vide\n---\n");
    site.write("content/vide-sans-fin.md", "---\ntitle: Vide sans fin\n---");
    build_ok(&site, QUICK);
    assert!(site
        .output("vide/index.html")
        .contains("<h1>Page vide</h1>"));
    assert!(site
        .output("vide-sans-fin/index.html")
        .contains("<h1>Vide sans fin</h1>"));
}

// B. Refused.

#[test]
fn invalid_utf8_is_refused_naming_the_file() {
    let site = built_basic();
    write_bytes(
        &site,
        "content/latin1.md",
        b"---\ntitle: Ann\xe9e\n---\nCorps \xff\xfe.\n",
    );
    assert_rejected(&site, &[("content/latin1.md", "UTF-8")], QUICK);
}

#[test]
fn a_front_matter_never_closed_is_refused() {
    let site = built_basic();
    site.write(
        "content/ouvert.md",
        "---\ntitle: Ouvert\nsummary: x\nCorps sans fin.\n",
    );
    assert_rejected(&site, &[("content/ouvert.md:1", "jamais fermé")], QUICK);
}

#[test]
fn a_front_matter_that_is_a_list_or_a_scalar_is_refused() {
    let site = built_basic();
    site.write("content/liste.md", "---\n- a\n- b\n---\nCorps.\n");
    site.write("content/scalaire.md", "---\njuste du texte\n---\nCorps.\n");
    assert_rejected(
        &site,
        &[
            ("content/liste.md:2", "clé: valeur"),
            ("content/scalaire.md:2", "clé: valeur"),
        ],
        QUICK,
    );
}

#[test]
fn a_yaml_alias_bomb_is_refused_quickly() {
    let site = built_basic();
    // "Billion laughs": 9^9 strings once expanded.
    let mut yaml = String::from("title: Bombe\na: &a [\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\"]\n");
    let names = ["a", "b", "c", "d", "e", "f", "g", "h", "i"];
    for pair in names.windows(2) {
        let refs = vec![format!("*{}", pair[0]); 9].join(",");
        yaml.push_str(&format!("{}: &{} [{refs}]\n", pair[1], pair[1]));
    }
    site.write("content/bombe.md", &format!("---\n{yaml}---\nCorps.\n"));
    assert_rejected(
        &site,
        &[("content/bombe.md", "alias")],
        Duration::from_secs(20),
    );
}

#[test]
fn yaml_nested_10_000_deep_is_refused_without_overflowing_the_stack() {
    let site = built_basic();
    let flow = "[".repeat(10_000) + &"]".repeat(10_000);
    site.write(
        "content/crochets.md",
        &format!("---\ntitle: Profond\nextra: {flow}\n---\n"),
    );
    let maps = "{a: ".repeat(10_000) + "x" + &"}".repeat(10_000);
    site.write(
        "content/cles.md",
        &format!("---\ntitle: Profond\nextra: {maps}\n---\n"),
    );
    assert_rejected(
        &site,
        &[
            ("content/crochets.md", "trop profondément imbriqué"),
            ("content/cles.md", "trop profondément imbriqué"),
        ],
        Duration::from_secs(20),
    );
}

#[test]
fn markdown_nested_10_000_deep_neither_crashes_nor_hangs() {
    let site = TestSite::new("basic");
    page(
        &site,
        "citations",
        "title: Citations",
        &(">".repeat(10_000) + " fond\n"),
    );
    page(
        &site,
        "crochets",
        "title: Crochets",
        &("[".repeat(10_000) + "x" + &"]".repeat(10_000) + "\n"),
    );
    page(
        &site,
        "liens",
        "title: Liens",
        &("[a".repeat(5_000) + &"](u)".repeat(5_000) + "\n"),
    );
    page(
        &site,
        "emphase",
        "title: Emphase",
        &("*_".repeat(5_000) + "x" + &"_*".repeat(5_000) + "\n"),
    );
    page(
        &site,
        "listes",
        "title: Listes",
        &("- ".repeat(10_000) + "niveau\n"),
    );
    build_ok(&site, Duration::from_secs(60));
    for name in ["citations", "crochets", "liens", "emphase", "listes"] {
        assert!(
            site.path(&format!("public/{name}/index.html")).is_file(),
            "{name}"
        );
    }
}

/// Whether a build created `path` (which did not exist before).
fn assert_not_created(path: &Path, existed: bool) {
    assert!(
        existed || !path.exists(),
        "the build wrote outside the site: {}",
        path.display()
    );
}

#[test]
fn a_slug_climbing_out_of_the_site_is_refused() {
    let site = built_basic();
    let target: PathBuf = site.root().parent().unwrap().join("x");
    let existed = target.exists();
    page(
        &site,
        "evasion",
        "title: Évasion\nslug: ../../x",
        "Corps.\n",
    );
    page(
        &site,
        "evasion2",
        "title: Évasion\nslug: ../public2",
        "Corps.\n",
    );
    assert_rejected(
        &site,
        &[
            ("content/evasion.md:3", "slug invalide"),
            ("content/evasion2.md:3", "slug invalide"),
        ],
        QUICK,
    );
    assert_not_created(&target, existed);
    assert!(!site.path("public2").exists());
}

#[test]
fn an_absolute_slug_is_refused() {
    let site = built_basic();
    page(&site, "absolu", "title: Absolu\nslug: /absolu", "Corps.\n");
    assert_rejected(&site, &[("content/absolu.md:3", "slug invalide")], QUICK);
    assert!(!Path::new("/absolu").exists());
}

#[test]
fn an_alias_climbing_out_of_the_site_is_refused() {
    let site = built_basic();
    page(
        &site,
        "alias",
        "title: Alias\naliases: [\"/../etc\"]",
        "Corps.\n",
    );
    page(
        &site,
        "alias2",
        "title: Alias\naliases: [\"/a/../../../../tmp/guide-alias\"]",
        "Corps.\n",
    );
    assert_rejected(
        &site,
        &[
            ("content/alias.md:3", "alias invalide"),
            ("content/alias2.md:3", "alias invalide"),
        ],
        QUICK,
    );
    assert!(!site
        .root()
        .parent()
        .unwrap()
        .join("etc")
        .join("index.html")
        .exists());
}

#[test]
fn windows_reserved_names_and_forbidden_characters_in_slugs_are_refused() {
    let site = built_basic();
    let slugs = [
        "con", "\"aux\"", "nul", "com1", "lpt9", "\"a:b\"", "\"a*b\"", "\"a?b\"", "\"a|b\"",
    ];
    let files: Vec<String> = slugs
        .iter()
        .enumerate()
        .map(|(i, slug)| {
            page(
                &site,
                &format!("slug-{i}"),
                &format!("title: Slug {i}\nslug: {slug}"),
                "",
            )
        })
        .collect();
    let expected: Vec<(String, &str)> = files
        .iter()
        .map(|f| (format!("{f}:3"), "slug invalide"))
        .collect();
    let expected: Vec<(&str, &str)> = expected.iter().map(|(f, n)| (f.as_str(), *n)).collect();
    assert_rejected(&site, &expected, QUICK);
}

fn is_windows_reserved(segment: &str) -> bool {
    let stem = segment.split('.').next().unwrap_or("").to_ascii_lowercase();
    matches!(stem.as_str(), "con" | "prn" | "aux" | "nul")
        || ((stem.starts_with("com") || stem.starts_with("lpt"))
            && stem.len() == 4
            && stem.as_bytes()[3].is_ascii_digit())
}

#[test]
fn file_folder_and_term_names_never_become_windows_reserved_output_names() {
    // `slug: con` is refused; a file content/con.md, a folder content/nul/ or a free term
    // "Aux" would give the same URL without any slug written. Either the build refuses
    // them naming the file, or it writes no path segment that Windows cannot create.
    let site = built_basic();
    site.write("content/con.md", "---\ntitle: Con\n---\nCorps.\n");
    site.write("content/nul/page.md", "---\ntitle: Page\n---\nCorps.\n");
    site.write(
        "content/projets/fiche-b.md",
        &std::fs::read_to_string(site.path("content/projets/fiche-b.md"))
            .unwrap()
            .replace("themes: [qvct]", "themes: [qvct]\nmots-cles: [Aux]"),
    );
    let public_before = snapshot(&site.path("public"));
    let run = guide(&site, &["build"], QUICK);
    run.assert_sane();
    match run.status {
        Some(1) => {
            assert!(
                snapshot(&site.path("public")) == public_before,
                "public/ changed after a refused build"
            );
            for file in [
                "content/con.md",
                "content/nul",
                "content/projets/fiche-b.md",
            ] {
                assert!(
                    run.stderr.contains(file),
                    "{file} not named:\n{}",
                    run.stderr
                );
            }
        }
        Some(0) => {
            assert_outputs_inside(&site);
            let reserved: Vec<String> = snapshot(&site.path("public"))
                .into_keys()
                .filter(|p| p.split('/').any(is_windows_reserved))
                .collect();
            assert!(
                reserved.is_empty(),
                "Windows-reserved output paths: {reserved:?}"
            );
        }
        other => panic!("unexpected status {other:?}:\n{}", run.stderr),
    }
}

#[test]
fn two_pages_at_one_url_are_refused_naming_both_files() {
    let site = built_basic();
    page(
        &site,
        "premiere",
        "title: Première\nslug: meme-adresse",
        "A.\n",
    );
    page(
        &site,
        "seconde",
        "title: Seconde\nslug: meme-adresse",
        "B.\n",
    );
    let stderr = assert_rejected(&site, &[("content/", "/meme-adresse/")], QUICK);
    let line = stderr
        .lines()
        .find(|l| l.contains("/meme-adresse/"))
        .unwrap();
    assert!(
        line.contains("content/premiere.md") && line.contains("content/seconde.md"),
        "both files are not named in one message:\n{stderr}"
    );
}

#[test]
fn an_image_path_escaping_the_site_is_refused() {
    let site = built_basic();
    page(
        &site,
        "image",
        "title: Image",
        "![x](../../../etc/passwd.png)\n",
    );
    assert_rejected(
        &site,
        &[("content/image.md:4", "sort du dossier content/")],
        QUICK,
    );
}

#[test]
fn an_unreadable_file_is_refused_naming_it() {
    use std::os::unix::fs::PermissionsExt;
    let site = built_basic();
    page(&site, "secret", "title: Secret", "Corps.\n");
    let path = site.path("content/secret.md");
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o000)).unwrap();
    if std::fs::read(&path).is_ok() {
        eprintln!(
            "skipped: chmod 000 does not prevent reading here (running as root?), so an unreadable file cannot be made"
        );
        return;
    }
    let stderr = assert_rejected(&site, &[("content/secret.md", "impossible de lire")], QUICK);
    assert!(stderr.contains("permission refusée"), "{stderr}");
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o644)).unwrap();
}

// C. Symbolic links are never followed.

#[test]
fn a_symlink_loop_in_content_is_skipped_with_a_warning() {
    let site = TestSite::new("basic");
    std::os::unix::fs::symlink(".", site.path("content/boucle")).unwrap();
    std::os::unix::fs::symlink("boucle2", site.path("content/projets/boucle1")).unwrap();
    std::os::unix::fs::symlink("boucle1", site.path("content/projets/boucle2")).unwrap();
    let run = build_ok(&site, QUICK);
    for link in [
        "content/boucle",
        "content/projets/boucle1",
        "content/projets/boucle2",
    ] {
        assert!(
            run.stderr
                .lines()
                .any(|l| l.starts_with("avertissement") && l.contains(link)),
            "no warning for {link}:\n{}",
            run.stderr
        );
    }
    assert!(run.stderr.contains("lien symbolique"), "{}", run.stderr);
    assert!(!site.path("public/boucle").exists());
}

#[test]
fn a_symlink_to_a_secret_outside_content_is_not_followed() {
    const SECRET: &str = "SECRET-ab71-ne-pas-publier";
    let site = TestSite::new("basic");
    let outside = tempfile::tempdir().unwrap();
    let secret_md = outside.path().join("secret.md");
    std::fs::write(&secret_md, format!("---\ntitle: {SECRET}\n---\n{SECRET}\n")).unwrap();
    std::fs::write(outside.path().join("secret.png"), SECRET).unwrap();
    std::fs::create_dir(outside.path().join("dossier")).unwrap();
    std::fs::write(
        outside.path().join("dossier/page.md"),
        format!("---\ntitle: Dossier\n---\n{SECRET}\n"),
    )
    .unwrap();
    let link = |target: &Path, at: &str| std::os::unix::fs::symlink(target, site.path(at)).unwrap();
    link(&secret_md, "content/lien.md");
    link(
        &outside.path().join("secret.png"),
        "content/projets/fiche-bundle/photo.png",
    );
    link(&outside.path().join("dossier"), "content/dossier");
    link(&outside.path().join("secret.png"), "static/fuite.txt");
    let run = build_ok(&site, QUICK);
    assert!(run.stderr.contains("lien symbolique"), "{}", run.stderr);
    for at in [
        "content/lien.md",
        "content/dossier",
        "content/projets/fiche-bundle/photo.png",
    ] {
        assert!(
            run.stderr
                .lines()
                .any(|l| l.starts_with("avertissement") && l.contains(at)),
            "no warning for {at}:\n{}",
            run.stderr
        );
    }
    let leaks: Vec<String> = snapshot(&site.path("public"))
        .into_iter()
        .filter(|(_, bytes)| bytes.windows(SECRET.len()).any(|w| w == SECRET.as_bytes()))
        .map(|(path, _)| path)
        .collect();
    assert!(leaks.is_empty(), "the secret reached {leaks:?}");
}

// Files that are not regular files, and operating-system errors.

fn make_fifo(path: &Path) {
    let c_path = std::ffi::CString::new(path.as_os_str().as_encoded_bytes()).unwrap();
    // SAFETY: a valid NUL-terminated path; mkfifo only creates a file.
    let result = unsafe { libc::mkfifo(c_path.as_ptr(), 0o644) };
    assert_eq!(result, 0, "mkfifo {}", path.display());
}

#[test]
fn a_guide_yaml_that_is_a_fifo_is_refused_without_hanging() {
    let site = built_basic();
    let public_before = snapshot(&site.path("public"));
    std::fs::remove_file(site.path("guide.yaml")).unwrap();
    make_fifo(&site.path("guide.yaml"));
    for command in ["build", "check"] {
        let run = guide(&site, &[command], QUICK);
        run.assert_sane();
        assert_eq!(run.status, Some(1), "{command}: {}", run.stderr);
        assert!(
            run.stderr
                .lines()
                .any(|l| l.starts_with("erreur : guide.yaml")),
            "{command}: {}",
            run.stderr
        );
        assert!(
            run.stderr.contains("n'est pas un fichier ordinaire"),
            "{command}: {}",
            run.stderr
        );
    }
    assert!(snapshot(&site.path("public")) == public_before);
}

#[test]
fn a_content_file_that_is_a_fifo_is_skipped_with_a_warning() {
    let site = TestSite::new("basic");
    make_fifo(&site.path("content/tube.md"));
    make_fifo(&site.path("content/projets/fiche-bundle/tube.png"));
    let run = guide(&site, &["build"], QUICK);
    run.assert_sane();
    assert_eq!(run.status, Some(0), "{}", run.stderr);
    for at in ["content/tube.md", "content/projets/fiche-bundle/tube.png"] {
        assert!(
            run.stderr
                .lines()
                .any(|l| l.starts_with("avertissement") && l.contains(at)),
            "no warning for {at}:\n{}",
            run.stderr
        );
    }
    assert!(
        run.stderr.contains("n'est pas un fichier ordinaire"),
        "{}",
        run.stderr
    );
    assert!(!site.path("public/tube").exists());
}

#[test]
fn operating_system_errors_reach_the_user_in_french_naming_the_file() {
    let site = built_basic();
    // guide.yaml is a folder: reading it fails with EISDIR.
    std::fs::rename(site.path("guide.yaml"), site.path("guide.yaml.bak")).unwrap();
    std::fs::create_dir(site.path("guide.yaml")).unwrap();
    let run = guide(&site, &["build"], QUICK);
    run.assert_sane();
    assert_eq!(run.status, Some(1), "{}", run.stderr);
    assert!(run.stderr.contains("guide.yaml"), "{}", run.stderr);
    assert!(!run.stderr.contains("os error"), "{}", run.stderr);
    assert!(!run.stderr.contains("Is a directory"), "{}", run.stderr);
    assert!(run.stderr.contains("est un dossier"), "{}", run.stderr);
}
