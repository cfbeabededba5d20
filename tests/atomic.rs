//! The output is never half-written: a build killed at any moment leaves `public/` exactly as
//! the old complete site or the new complete site, and the next build cleans up after it. An
//! output folder that cannot be created is refused in French, without a panic.

mod common;

use std::collections::hash_map::DefaultHasher;
use std::collections::BTreeMap;
use std::hash::{Hash, Hasher};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use common::TestSite;

/// What `public/` holds: each file (relative path) with a hash of its bytes.
type Manifest = BTreeMap<String, u64>;

fn manifest(public: &Path) -> Option<Manifest> {
    fn walk(base: &Path, dir: &Path, out: &mut Manifest) {
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                walk(base, &path, out);
            } else {
                let mut hasher = DefaultHasher::new();
                std::fs::read(&path).unwrap().hash(&mut hasher);
                let relative = path
                    .strip_prefix(base)
                    .unwrap()
                    .to_string_lossy()
                    .into_owned();
                out.insert(relative, hasher.finish());
            }
        }
    }
    if !public.is_dir() {
        return None;
    }
    let mut out = Manifest::new();
    walk(public, public, &mut out);
    Some(out)
}

/// Names of the folders beside `public/` left by builds (`.public.tmp-*`, `.public.old-*`).
fn leftovers(site: &TestSite) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(site.root())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.starts_with(".public."))
        .collect();
    names.sort();
    names
}

fn spawn_build(site: &TestSite) -> Child {
    Command::new(env!("CARGO_BIN_EXE_guide"))
        .args(["build", "--root"])
        .arg(site.root())
        .env("NO_COLOR", "1")
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap()
}

/// SIGKILL, then reap.
fn kill(mut child: Child) {
    let _ = child.kill();
    let _ = child.wait();
}

/// Polls the folder beside `public/` until `found` holds for its entries or the build ends;
/// returns whether it held (the build is still running then).
fn wait_for(site: &TestSite, child: &mut Child, found: impl Fn(&[String]) -> bool) -> bool {
    let limit = Instant::now() + Duration::from_secs(60);
    while Instant::now() < limit {
        if found(&leftovers(site)) {
            return true;
        }
        if child.try_wait().unwrap().is_some() {
            return false;
        }
        std::thread::sleep(Duration::from_millis(2));
    }
    panic!("the build did not end within 60 s");
}

const MARKER_PAGE: &str = "a-propos/index.html";
const NEW_MARKER: &str = "MARQUEUR-NOUVEAU-SITE";

/// What `public/` held right after one kill.
struct AfterKill {
    when: String,
    manifest: Option<Manifest>,
    marker: Option<String>,
    leftovers: Vec<String>,
}

fn observe(site: &TestSite, when: String) -> AfterKill {
    AfterKill {
        manifest: manifest(&site.path("public")),
        marker: std::fs::read_to_string(site.path("public").join(MARKER_PAGE)).ok(),
        leftovers: leftovers(site),
        when,
    }
}

#[test]
fn a_build_killed_at_any_moment_leaves_the_old_or_the_new_site_never_a_mix() {
    let site = TestSite::new("basic");
    site.build();
    let old = manifest(&site.path("public")).unwrap();
    assert!(!site.output(MARKER_PAGE).contains(NEW_MARKER));

    // The new site: a changed marker page and 3000 more pages, so the build takes a while.
    let about = std::fs::read_to_string(site.path("content/a-propos.md")).unwrap();
    site.write("content/a-propos.md", &format!("{about}\n{NEW_MARKER}\n"));
    site.write(
        "content/notes/_index.md",
        "---\ntitle: Notes\n---\nLes notes.\n",
    );
    for i in 0..3000 {
        site.write(
            &format!("content/notes/note-{i}.md"),
            &format!("---\ntitle: Note {i}\n---\n## Partie\n\nLe texte de la note {i}, avec des mots à chercher.\n"),
        );
    }

    let mut seen = Vec::new();
    // Kills at fixed delays: mostly while loading and rendering.
    for ms in [5, 20, 50, 100, 200, 400] {
        let child = spawn_build(&site);
        std::thread::sleep(Duration::from_millis(ms));
        kill(child);
        seen.push(observe(&site, format!("killed after {ms} ms")));
    }
    // A kill while the new site is being written beside the old one.
    let mut child = spawn_build(&site);
    let tmp = format!(".public.tmp-{}", child.id());
    let writing = wait_for(&site, &mut child, |names| names.contains(&tmp));
    assert!(
        writing,
        "the build ended before its temporary folder was seen"
    );
    std::thread::sleep(Duration::from_millis(20));
    kill(child);
    let during_write = observe(&site, "killed while writing .public.tmp-*".into());
    assert!(
        during_write.leftovers.contains(&tmp),
        "the kill did not land while writing: {:?}",
        during_write.leftovers
    );
    seen.push(during_write);
    // A kill during the swap: as soon as the old output is set aside, or else as soon as the
    // temporary folder is gone (renamed to public/).
    let mut child = spawn_build(&site);
    let (tmp, aside) = (
        format!(".public.tmp-{}", child.id()),
        format!(".public.old-{}", child.id()),
    );
    let started = wait_for(&site, &mut child, |names| names.contains(&tmp));
    let swapping = started
        && wait_for(&site, &mut child, |names| {
            names.contains(&aside) || !names.contains(&tmp)
        });
    kill(child);
    seen.push(observe(
        &site,
        format!("killed at the swap (caught: {swapping})"),
    ));

    // A normal build recovers and leaves nothing beside public/.
    let run = site.run(&["build"]);
    assert_eq!(
        run.status, 0,
        "the build after the kills failed:\n{}",
        run.stderr
    );
    assert_eq!(
        leftovers(&site),
        Vec::<String>::new(),
        "folders left beside public/"
    );
    let new = manifest(&site.path("public")).unwrap();
    assert!(new.len() > old.len() + 3000);
    assert!(site.output(MARKER_PAGE).contains(NEW_MARKER));

    for after in &seen {
        let what = &after.when;
        let Some(manifest) = &after.manifest else {
            panic!(
                "{what}: public/ is missing (left beside it: {:?})",
                after.leftovers
            );
        };
        let is_old = *manifest == old;
        let is_new = *manifest == new;
        assert!(
            is_old || is_new,
            "{what}: public/ is neither the old site ({} files) nor the new one ({} files): {} files",
            old.len(),
            new.len(),
            manifest.len()
        );
        let marker_is_new = after.marker.as_deref().unwrap().contains(NEW_MARKER);
        assert_eq!(
            marker_is_new, is_new,
            "{what}: marker page and files disagree"
        );
        eprintln!(
            "{what}: {} site, beside it {:?}",
            if is_new { "new" } else { "old" },
            after.leftovers
        );
    }
}

#[test]
fn an_output_under_a_file_is_refused_in_french_without_panic() {
    let site = TestSite::new("basic");
    site.write("fichier", "pas un dossier\n");
    let output = site.path("fichier/public");
    let run = site.run(&["build", "--output", output.to_str().unwrap()]);
    assert_eq!(run.status, 1, "{}", run.stderr);
    assert!(!run.stderr.contains("panicked"), "{}", run.stderr);
    assert!(
        run.stderr
            .lines()
            .any(|l| l.contains("impossible de") && l.contains("[SITE]/fichier")),
        "{}",
        run.stderr
    );
    assert!(run.stderr.contains("n'a pas été modifié"), "{}", run.stderr);
    assert_eq!(
        std::fs::read_to_string(site.path("fichier")).unwrap(),
        "pas un dossier\n"
    );
}

#[test]
fn an_output_under_a_file_is_explained_as_not_a_folder() {
    // « impossible de créer le dossier « …/fichier » : existe déjà » does not tell the editor
    // that a file stands where a folder is needed.
    let site = TestSite::new("basic");
    site.write("fichier", "pas un dossier\n");
    let output = site.path("fichier/public");
    let run = site.run(&["build", "--output", output.to_str().unwrap()]);
    assert_eq!(run.status, 1, "{}", run.stderr);
    assert!(
        run.stderr.contains("n'est pas un dossier"),
        "the message does not say that « fichier » is a file, not a folder:\n{}",
        run.stderr
    );
}

#[test]
fn a_read_only_output_parent_is_refused_in_french_without_panic() {
    use std::os::unix::fs::PermissionsExt;
    let site = TestSite::new("basic");
    let parent = site.path("lecture-seule");
    std::fs::create_dir(&parent).unwrap();
    std::fs::set_permissions(&parent, std::fs::Permissions::from_mode(0o555)).unwrap();
    if std::fs::write(parent.join("essai"), "").is_ok() {
        eprintln!(
            "skipped: chmod 555 does not prevent writing here (running as root?); \
             the output-under-a-file tests cover the refusal"
        );
        return;
    }
    let output = parent.join("public");
    let run = site.run(&["build", "--output", output.to_str().unwrap()]);
    std::fs::set_permissions(&parent, std::fs::Permissions::from_mode(0o755)).unwrap();
    assert_eq!(run.status, 1, "{}", run.stderr);
    assert!(!run.stderr.contains("panicked"), "{}", run.stderr);
    assert!(run.stderr.contains("permission refusée"), "{}", run.stderr);
    assert!(
        run.stderr.contains("accessible en écriture"),
        "{}",
        run.stderr
    );
    assert_eq!(std::fs::read_dir(&parent).unwrap().count(), 0);
}

#[test]
fn a_full_disk_gives_a_clear_error_and_leaves_nothing_behind() {
    // A 300 KiB tmpfs: the site (with its search index) does not fit. Mounting needs root,
    // which CI has.
    let site = TestSite::new("basic");
    let disk = site.path("disque");
    std::fs::create_dir_all(&disk).unwrap();
    let mounted = std::process::Command::new("mount")
        .args(["-t", "tmpfs", "-o", "size=300k", "tmpfs"])
        .arg(&disk)
        .status()
        .is_ok_and(|s| s.success());
    if !mounted {
        let message = "cannot mount a small tmpfs (needs root)";
        common::missing_tool(message);
        return;
    }
    let output = disk.join("public");
    let run = site.run(&["build", "--output", output.to_str().unwrap()]);
    let leftovers: Vec<_> = std::fs::read_dir(&disk)
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    let _ = std::process::Command::new("umount").arg(&disk).status();
    assert_eq!(run.status, 1, "{}", run.stderr);
    assert!(!run.stderr.contains("panicked"), "{}", run.stderr);
    assert!(run.stderr.contains("disque plein"), "{}", run.stderr);
    assert!(run.stderr.contains("libérez de la place"), "{}", run.stderr);
    assert!(
        run.stderr.matches("disque plein").count() <= 3,
        "a few errors, then a count: {}",
        run.stderr
    );
    assert!(
        leftovers.is_empty(),
        "the temporary folder is removed: {leftovers:?}"
    );
}

#[test]
fn a_build_failing_after_its_pages_were_written_leaves_the_old_site_and_nothing_aside() {
    // The pages are written aside while the search index is built; a static file where the
    // index goes is only found then, and the folder aside must go.
    let site = TestSite::new("basic");
    site.build();
    let before = manifest(&site.path("public")).unwrap();
    site.write("static/pagefind/pagefind.js", "// un fichier à moi\n");
    let run = site.run(&["build"]);
    assert_eq!(run.status, 1, "{}", run.stderr);
    assert!(
        run.stderr
            .contains("static/pagefind/pagefind.js\n  ce fichier produit l'adresse /pagefind/pagefind.js, que l'index de recherche utilise"),
        "{}",
        run.stderr
    );
    assert!(run.stderr.contains("renommez le vôtre"), "{}", run.stderr);
    assert_eq!(manifest(&site.path("public")).unwrap(), before);
    assert_eq!(leftovers(&site), Vec::<String>::new());
}
