//! `guide build` never deletes what it did not write: an output folder is replaced only when it
//! is empty, absent, or a previous output of `guide` (its `.guide-sortie` marker); the site's
//! own folders, the root of the disk and the home folder are refused even with `--force`; `.git/`
//! and the `output.keep` paths survive every build; a symlinked output stays a symlink; a mount
//! point is built into in place; two builds on one output never clash.

mod common;

use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use common::{Run, TestSite};

fn build_into(site: &TestSite, output: &Path, extra: &[&str]) -> Run {
    let out = output.to_string_lossy().into_owned();
    let mut args = vec!["build", "--output", out.as_str()];
    args.extend_from_slice(extra);
    site.run(&args)
}

fn user_folder(dir: &Path) {
    std::fs::create_dir_all(dir.join("photos")).unwrap();
    std::fs::write(dir.join("rapport.docx"), "mon rapport").unwrap();
    std::fs::write(dir.join("photos/ete.jpg"), "une photo").unwrap();
}

fn assert_user_folder_intact(dir: &Path) {
    assert_eq!(
        std::fs::read_to_string(dir.join("rapport.docx")).unwrap(),
        "mon rapport"
    );
    assert_eq!(
        std::fs::read_to_string(dir.join("photos/ete.jpg")).unwrap(),
        "une photo"
    );
    assert!(!dir.join("index.html").exists(), "the site was written in");
}

#[test]
fn build_refuses_a_folder_of_the_users_own_files() {
    let site = TestSite::new("basic");
    let mine = site.path("mes-documents");
    user_folder(&mine);
    let run = build_into(&site, &mine, &[]);
    assert_eq!(run.status, 1, "{}", run.stderr);
    assert!(
        run.stderr.contains("mes-documents") && run.stderr.contains("--force"),
        "{}",
        run.stderr
    );
    assert!(
        run.stderr.contains("n'a pas été écrit par guide"),
        "{}",
        run.stderr
    );
    assert_user_folder_intact(&mine);
    // With --force the folder is replaced, and the message said what would go.
    let run = build_into(&site, &mine, &["--force"]);
    assert_eq!(run.status, 0, "{}", run.stderr);
    assert!(run.stderr.contains("rapport.docx"), "{}", run.stderr);
    assert!(mine.join("index.html").exists());
    assert!(!mine.join("rapport.docx").exists());
}

#[test]
fn build_refuses_the_sites_own_folders_even_with_force() {
    let site = TestSite::new("basic");
    let cases = [
        site.root().to_path_buf(),
        site.path("content"),
        site.path("static"),
        site.path("themes"),
        site.path("static/publie"),
        site.path("content/projets/sortie"),
        site.path("content/../content"),
    ];
    let before = common_listing(site.root());
    for output in cases {
        for extra in [&[][..], &["--force"][..]] {
            let run = build_into(&site, &output, extra);
            assert_eq!(
                run.status,
                1,
                "{} {extra:?}: {}",
                output.display(),
                run.stderr
            );
            assert!(
                run.stderr
                    .contains("ne peut pas servir de dossier de sortie"),
                "{}: {}",
                output.display(),
                run.stderr
            );
        }
    }
    assert_eq!(common_listing(site.root()), before, "the site changed");
}

/// Not run on the code before the fix: there it deleted the folder above the site (`/tmp`).
#[test]
fn build_refuses_the_folder_above_the_site_and_the_root_of_the_disk() {
    let fixture = TestSite::new("basic");
    let outer = tempfile::tempdir().unwrap();
    let root = outer.path().join("site");
    common::copy_dir(fixture.root(), &root);
    for output in [outer.path(), Path::new("/")] {
        for force in [false, true] {
            let mut command = Command::new(env!("CARGO_BIN_EXE_guide"));
            command
                .args(["build", "--root"])
                .arg(&root)
                .arg("--output")
                .arg(output);
            if force {
                command.arg("--force");
            }
            let run = command.output().unwrap();
            let stderr = String::from_utf8_lossy(&run.stderr);
            assert_eq!(run.status.code(), Some(1), "{}: {stderr}", output.display());
            assert!(
                stderr.contains("ne peut pas servir de dossier de sortie"),
                "{stderr}"
            );
        }
    }
    assert!(root.join("guide.yaml").exists());
}

#[test]
fn build_refuses_the_home_folder_and_a_symlink_to_the_site() {
    let site = TestSite::new("basic");
    let home = tempfile::tempdir().unwrap();
    std::fs::write(home.path().join(".bashrc"), "# mine").unwrap();
    let run = Command::new(env!("CARGO_BIN_EXE_guide"))
        .args(["build", "--force", "--root"])
        .arg(site.root())
        .arg("--output")
        .arg(home.path())
        .env("HOME", home.path())
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&run.stderr);
    assert_eq!(run.status.code(), Some(1), "{stderr}");
    assert!(stderr.contains("dossier personnel"), "{stderr}");
    assert!(home.path().join(".bashrc").exists());

    let link = site.path("lien-vers-contenu");
    std::os::unix::fs::symlink(site.path("content"), &link).unwrap();
    let run = build_into(&site, &link, &["--force"]);
    assert_eq!(run.status, 1, "{}", run.stderr);
    assert!(site.path("content/_index.md").exists());
}

#[test]
fn a_github_pages_output_keeps_git_and_the_kept_files() {
    let site = TestSite::new("basic");
    let config = std::fs::read_to_string(site.path("guide.yaml")).unwrap();
    site.write(
        "guide.yaml",
        &format!("{config}\noutput:\n  keep: [CNAME, .well-known/]\n"),
    );
    let public = site.path("public");
    // A Git work tree and a CNAME, as a deployment repository holds: nothing else to lose.
    std::fs::create_dir_all(public.join(".git/objects")).unwrap();
    std::fs::write(public.join(".git/HEAD"), "ref: refs/heads/gh-pages\n").unwrap();
    std::fs::write(public.join("CNAME"), "guide.example.org\n").unwrap();
    std::fs::create_dir_all(public.join(".well-known")).unwrap();
    std::fs::write(public.join(".well-known/security.txt"), "Contact: x").unwrap();
    site.build();
    site.build();
    assert_eq!(
        std::fs::read_to_string(public.join(".git/HEAD")).unwrap(),
        "ref: refs/heads/gh-pages\n"
    );
    assert_eq!(
        std::fs::read_to_string(public.join("CNAME")).unwrap(),
        "guide.example.org\n"
    );
    assert!(public.join(".well-known/security.txt").exists());
    assert!(public.join("index.html").exists());
}

#[test]
fn an_unexpected_file_in_a_previous_output_stops_the_build_until_kept_or_forced() {
    let site = TestSite::new("basic");
    site.write(
        "content/temporaire.md",
        "---\ntitle: Page temporaire\n---\nTexte.\n",
    );
    site.build();
    let public = site.path("public");
    std::fs::write(public.join("notes.txt"), "à garder").unwrap();
    std::fs::write(public.join(".DS_Store"), "junk").unwrap();
    let before = std::fs::read_to_string(public.join("index.html")).unwrap();
    site.write(
        "content/a-propos.md",
        "---\ntitle: Autre titre\n---\nTexte.\n",
    );
    let run = site.run(&["build"]);
    assert_eq!(run.status, 1, "{}", run.stderr);
    assert!(run.stderr.contains("notes.txt"), "{}", run.stderr);
    assert!(run.stderr.contains("output.keep"), "{}", run.stderr);
    assert!(public.join("notes.txt").exists());
    assert_eq!(
        std::fs::read_to_string(public.join("index.html")).unwrap(),
        before
    );
    // A file the site no longer produces is not unexpected: it was written by guide.
    site.remove("content/temporaire.md");
    let run = site.run(&["build", "--force"]);
    assert_eq!(run.status, 0, "{}", run.stderr);
    assert!(run.stderr.contains("notes.txt"), "{}", run.stderr);
    assert!(!public.join("notes.txt").exists());
    assert!(!public.join("temporaire/index.html").exists());
    let run = site.run(&["build"]);
    assert_eq!(run.status, 0, "{}", run.stderr);
}

#[test]
fn a_symlinked_output_stays_a_symlink_to_the_same_folder() {
    let site = TestSite::new("basic");
    let elsewhere = tempfile::tempdir().unwrap();
    let target = elsewhere.path().join("www");
    std::os::unix::fs::symlink(&target, site.path("public")).unwrap();
    site.build();
    site.write(
        "content/a-propos.md",
        "---\ntitle: Nouveau titre\n---\nTexte.\n",
    );
    site.build();
    let link = std::fs::symlink_metadata(site.path("public")).unwrap();
    assert!(link.file_type().is_symlink());
    assert_eq!(std::fs::read_link(site.path("public")).unwrap(), target);
    let about = std::fs::read_to_string(target.join("a-propos/index.html")).unwrap();
    assert!(about.contains("Nouveau titre"));
}

/// Runs `script` in a private mount namespace (`unshare -m`), where it may bind-mount folders
/// without touching the machine's mounts. `None` when `unshare` cannot run here.
fn in_mount_namespace(script: &str) -> Option<std::process::Output> {
    let probe = Command::new("unshare")
        .args(["-m", "true"])
        .stderr(Stdio::null())
        .status();
    if !matches!(probe, Ok(s) if s.success()) {
        return None;
    }
    Some(
        Command::new("unshare")
            .args(["-m", "sh", "-c", script])
            .env("NO_COLOR", "1")
            .output()
            .unwrap(),
    )
}

#[test]
fn a_mount_point_output_is_built_into_in_place() {
    let site = TestSite::new("basic");
    let volume = tempfile::tempdir().unwrap();
    let public = site.path("public");
    std::fs::create_dir_all(&public).unwrap();
    let bin = env!("CARGO_BIN_EXE_guide");
    let root = site.root().display();
    site.write(
        "content/temporaire.md",
        "---\ntitle: Page temporaire\n---\nTexte.\n",
    );
    let script = format!(
        "set -e; mount --bind '{}' '{}'; '{bin}' build --root '{root}'; \
         rm '{root}/content/temporaire.md'; '{bin}' build --root '{root}'",
        volume.path().display(),
        public.display()
    );
    let Some(output) = in_mount_namespace(&script) else {
        common::missing_tool("unshare -m (mount namespaces, as root) is needed");
        return;
    };
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "{stderr}");
    // What was written through the mount point is in the volume.
    assert!(volume.path().join("index.html").exists(), "{stderr}");
    assert!(volume.path().join(".guide-sortie").exists());
    assert!(
        !volume.path().join("temporaire").exists(),
        "stale page kept"
    );
    let hidden: Vec<String> = std::fs::read_dir(volume.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.starts_with(".guide-") && n != ".guide-sortie")
        .collect();
    assert!(hidden.is_empty(), "leftovers: {hidden:?}");
}

#[test]
fn a_second_build_waits_for_the_first_and_leaves_its_staging_alone() {
    let site = TestSite::new("basic");
    site.build();
    // Another build holds the lock and is writing its staging folder.
    let other_staging = site.path(".public.tmp-4000000");
    std::fs::create_dir_all(&other_staging).unwrap();
    let lock = std::fs::File::open(site.root()).unwrap();
    use std::os::fd::AsRawFd;
    // SAFETY: a valid open descriptor, for the duration of the call.
    assert_eq!(unsafe { libc::flock(lock.as_raw_fd(), libc::LOCK_EX) }, 0);
    let mut child = Command::new(env!("CARGO_BIN_EXE_guide"))
        .args(["build", "--root"])
        .arg(site.root())
        .env("NO_COLOR", "1")
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let stderr = child.stderr.take().unwrap();
    let (sender, said) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        use std::io::BufRead;
        for line in std::io::BufReader::new(stderr).lines() {
            let _ = sender.send(line.unwrap_or_default());
        }
    });
    let deadline = Instant::now() + Duration::from_secs(60);
    let mut waiting = false;
    while Instant::now() < deadline {
        match said.recv_timeout(Duration::from_millis(100)) {
            Ok(line) if line.contains("Une autre construction") => {
                waiting = true;
                break;
            }
            Ok(_) => {}
            Err(std::sync::mpsc::RecvTimeoutError::Timeout) => {}
            Err(_) => break,
        }
    }
    assert!(waiting, "the second build did not say it waits");
    assert!(child.try_wait().unwrap().is_none(), "it did not wait");
    assert!(
        other_staging.exists(),
        "the first build's staging was deleted"
    );
    drop(lock);
    let status = child.wait().unwrap();
    assert!(status.success());
    assert!(site.path("public/index.html").exists());
}

fn common_listing(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = walkdir::WalkDir::new(dir)
        .into_iter()
        .map(|e| {
            e.unwrap()
                .path()
                .strip_prefix(dir)
                .unwrap()
                .to_string_lossy()
                .into_owned()
        })
        .collect();
    names.sort();
    names
}
