//! The fixture-site harness: copy a fixture to a temporary folder, change files, run the
//! binary, and check what it wrote and said.

#![allow(dead_code, unreachable_pub)]

use std::path::{Path, PathBuf};
use std::process::Output;

use assert_cmd::Command;

/// A fixture site copied into a temporary folder.
pub struct TestSite {
    dir: tempfile::TempDir,
}

/// Copies a folder and everything in it.
pub fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            copy_dir(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), target).unwrap();
        }
    }
}

/// The result of one run of the binary.
pub struct Run {
    pub status: i32,
    pub stdout: String,
    pub stderr: String,
}

impl Run {
    fn from(output: Output, root: &Path) -> Self {
        let clean = |bytes: &[u8]| {
            String::from_utf8_lossy(bytes).replace(&root.display().to_string(), "[SITE]")
        };
        Self {
            status: output.status.code().unwrap_or(-1),
            stdout: clean(&output.stdout),
            stderr: clean(&output.stderr),
        }
    }
}

impl TestSite {
    /// Copies `tests/fixtures/<name>`.
    pub fn new(name: &str) -> Self {
        let dir = tempfile::tempdir().unwrap();
        copy_dir(
            &Path::new(env!("CARGO_MANIFEST_DIR"))
                .join("tests/fixtures")
                .join(name),
            dir.path(),
        );
        Self { dir }
    }

    pub fn root(&self) -> &Path {
        self.dir.path()
    }

    pub fn path(&self, relative: &str) -> PathBuf {
        self.dir.path().join(relative)
    }

    /// Writes (or overwrites) a file of the site, atomically as most editors save (a hidden
    /// temporary file renamed over the target), so a watcher never sees it half written.
    pub fn write(&self, relative: &str, contents: &str) -> &Self {
        let path = self.path(relative);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        let temporary = path.with_file_name(format!(".{name}.enregistrement"));
        std::fs::write(&temporary, contents).unwrap();
        std::fs::rename(&temporary, &path).unwrap();
        self
    }

    pub fn remove(&self, relative: &str) -> &Self {
        std::fs::remove_file(self.path(relative)).unwrap();
        self
    }

    /// Runs `guide ARGS --root <site>`.
    pub fn run(&self, args: &[&str]) -> Run {
        let output = Command::cargo_bin("guide")
            .unwrap()
            .args(args)
            .arg("--root")
            .arg(self.root())
            .env("NO_COLOR", "1")
            .output()
            .unwrap();
        Run::from(output, self.root())
    }

    /// Runs `guide build` and asserts success.
    pub fn build(&self) -> Run {
        let run = self.run(&["build"]);
        assert_eq!(run.status, 0, "build failed:\n{}", run.stderr);
        run
    }

    /// Reads a file of the output.
    pub fn output(&self, relative: &str) -> String {
        let path = self.path("public").join(relative);
        std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
    }

    /// Every file of the output, relative, sorted.
    pub fn output_files(&self) -> Vec<String> {
        let public = self.path("public");
        let mut files: Vec<String> = walk(&public)
            .into_iter()
            .map(|p| {
                p.strip_prefix(&public)
                    .unwrap()
                    .to_string_lossy()
                    .replace('\\', "/")
            })
            .collect();
        files.sort();
        files
    }
}

fn walk(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            out.extend(walk(&path));
        } else {
            out.push(path);
        }
    }
    out
}

/// The inside of `<main>…</main>`.
pub fn main_of(html: &str) -> &str {
    let start = html.find("<main>").map_or(0, |i| i + 6);
    let end = html.find("</main>").unwrap_or(html.len());
    &html[start..end]
}

/// A Pagefind fragment (a page of the search index: gzip, then Pagefind's signature, then
/// JSON) as the JSON value it holds.
pub fn pagefind_fragment(bytes: &[u8]) -> serde_json::Value {
    use std::io::Read;
    let mut text = String::new();
    flate2::read::GzDecoder::new(bytes)
        .read_to_string(&mut text)
        .expect("a Pagefind fragment is gzip");
    let json = text
        .strip_prefix("pagefind_dcd")
        .expect("Pagefind signature");
    serde_json::from_str(json).unwrap()
}

/// A tool a test needs is missing: in CI (`GUIDE_REQUIRE_TOOLS` set by `.ci/run`) the test
/// fails; elsewhere it says why it is skipped. Call it, then return.
pub fn missing_tool(message: &str) {
    assert!(
        std::env::var_os("GUIDE_REQUIRE_TOOLS").is_none(),
        "{message}"
    );
    eprintln!("skipped: {message}");
}

/// Builds this repository's guide into a temporary folder: (folder, output, stderr).
pub fn build_repo_guide() -> (tempfile::TempDir, PathBuf, String) {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("public");
    let stderr = build_repo_guide_into(&out);
    (dir, out, stderr)
}

/// Builds this repository's guide into `out` (replaced if it exists); its stderr.
pub fn build_repo_guide_into(out: &Path) -> String {
    let _ = std::fs::remove_dir_all(out);
    let output = Command::cargo_bin("guide")
        .unwrap()
        .args(["build", "--root", env!("CARGO_MANIFEST_DIR"), "--output"])
        .arg(out)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr).into_owned();
    assert!(
        output.status.success(),
        "the guide does not build:\n{stderr}"
    );
    stderr
}

/// What is missing to run the browser tests with `packages` of `tests/tools`, if anything:
/// Node 20 or later, the npm packages, Chromium (`GUIDE_CHROMIUM`, default /usr/bin/chromium).
pub fn missing_browser_tools(packages: &[&str]) -> Vec<String> {
    let mut missing = Vec::new();
    match std::process::Command::new("node").arg("--version").output() {
        Ok(o) if o.status.success() => {
            let version = String::from_utf8_lossy(&o.stdout).trim().to_owned();
            let major: u32 = version
                .trim_start_matches('v')
                .split('.')
                .next()
                .and_then(|m| m.parse().ok())
                .unwrap_or(0);
            if major < 20 {
                missing.push(format!("Node 20 or later (found {version})"));
            }
        }
        _ => missing.push("node (Node 20 or later)".to_owned()),
    }
    let modules = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/tools/node_modules");
    for package in packages {
        if !modules.join(package).join("package.json").is_file() {
            missing.push(format!(
                "the npm package {package} (run `npm ci --prefix tests/tools`)"
            ));
        }
    }
    let chromium = std::env::var_os("GUIDE_CHROMIUM")
        .map_or_else(|| PathBuf::from("/usr/bin/chromium"), PathBuf::from);
    if !chromium.is_file() {
        missing.push(format!(
            "Chromium at {} (run `apt-get install chromium`)",
            chromium.display()
        ));
    }
    missing
}
