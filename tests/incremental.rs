//! Incremental equals full: `guide serve` keeps a site up to date save after save; after each
//! of a random sequence of edits, every file a cold `guide build` of the same content writes
//! must be served byte for byte (the reload script aside), and every file an earlier cold
//! build wrote but this one does not (a deleted page, an old alias, a term no page uses any
//! more) must answer 404.
//!
//! The edits keep the site valid: a body's text or structure (a link, the `<!-- more -->`
//! marker, a heading), a title or summary, a date, a weight, the terms, the aliases, the
//! slug of a case study, a new, a deleted or a renamed case study, a template, `guide.yaml`, a
//! static file. They come from a small xorshift generator: a seed replays a sequence exactly.
//! The fixture `tests/fixtures/incremental` holds no case study (its `a-propos.md` links to
//! `fiche-1.md`): the test writes them. Its theme shows what a change reaches far: term counts
//! in the footer of every page but a case study (`projet.html` replaces the footer's block with
//! the terms without their counts, so that its pages do not depend on counts), cards
//! (`card.html`) in listings and as related pages, neighbours.
//!
//! - `GUIDE_INCREMENTAL_SEED=0x1234` runs that seed only (decimal or `0x` hexadecimal);
//! - `GUIDE_INCREMENTAL_CASES=5` runs five sequences (seeds following the first one);
//! - `GUIDE_INCREMENTAL_STEPS=40` makes each sequence forty edits long (each sequence starts
//!   with every kind of edit once, in a random order, then draws kinds at random);
//! - `GUIDE_INCREMENTAL_KINDS=text,title` draws only these kinds of edits (names as printed:
//!   text, body, title, date, weight, terms, aliases, slug, new, delete, rename, template,
//!   config, static).
//!
//! `cargo test --test incremental -- --nocapture` prints each sequence as it runs.

mod common;
mod edits;

use std::collections::{BTreeMap, BTreeSet};
use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::mpsc::{Receiver, RecvTimeoutError};
use std::time::{Duration, Instant};

use assert_cmd::cargo::CommandCargoExt;
use common::TestSite;
use edits::*;

/// Seeds of the sequences run by default: fixed, so that a failure is the same on every run.
const DEFAULT_SEED: u64 = 0x6775_6964_6500_0001;
const DEFAULT_CASES: u64 = 2;
const DEFAULT_STEPS: usize = 20;
/// How long a save may take to reach the open pages on a busy machine.
const EVENT_DEADLINE: Duration = Duration::from_secs(20);
/// After a difference, how long to wait for a further rebuild before reporting it (an editor's
/// save may reach the server as two batches).
const SETTLE_DEADLINE: Duration = Duration::from_secs(2);

// ---------------------------------------------------------------------------------------------
// The server, its event stream, and plain HTTP.

/// `guide serve` on a free port, killed when dropped.
struct Server {
    child: Child,
    address: String,
    log: std::path::PathBuf,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Server {
    /// Starts the server and reads its address from its first line (as `tests/serve.rs`).
    fn start(site: &TestSite, log_dir: &Path) -> Self {
        let log = log_dir.join("serve.log");
        let mut child = Command::cargo_bin("guide")
            .unwrap()
            .args(["serve", "--port", "0", "--root"])
            .arg(site.root())
            .env("NO_COLOR", "1")
            .stdout(Stdio::piped())
            .stderr(Stdio::from(std::fs::File::create(&log).unwrap()))
            .spawn()
            .unwrap();
        let mut line = String::new();
        BufReader::new(child.stdout.take().unwrap())
            .read_line(&mut line)
            .unwrap();
        let address = line
            .trim()
            .strip_prefix("Serveur : http://")
            .unwrap_or_else(|| panic!("unexpected first line: {line}"))
            .trim_end_matches('/')
            .to_string();
        Self {
            child,
            address,
            log,
        }
    }

    /// The URL the server built the site for.
    fn base_url(&self) -> String {
        format!("http://{}/", self.address)
    }

    /// The last lines of the server's terminal.
    fn log_tail(&self) -> String {
        let log = std::fs::read_to_string(&self.log).unwrap_or_default();
        let lines: Vec<&str> = log.lines().collect();
        lines[lines.len().saturating_sub(12)..].join("\n")
    }

    /// A GET: (status, body).
    fn get(&self, path: &str) -> (u16, Vec<u8>) {
        let mut stream = TcpStream::connect(&self.address).unwrap();
        stream
            .set_read_timeout(Some(Duration::from_secs(20)))
            .unwrap();
        write!(
            stream,
            "GET {path} HTTP/1.1\r\nHost: {}\r\nConnection: close\r\n\r\n",
            self.address
        )
        .unwrap();
        let mut response = Vec::new();
        stream.read_to_end(&mut response).unwrap();
        let end = find(&response, b"\r\n\r\n").unwrap_or_else(|| panic!("{path}: no header end"));
        let head = String::from_utf8_lossy(&response[..end]).to_lowercase();
        let status = head.split_whitespace().nth(1).unwrap().parse().unwrap();
        let body = response[end + 4..].to_vec();
        if head.contains("transfer-encoding: chunked") {
            (status, dechunk(&body))
        } else {
            (status, body)
        }
    }
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

fn rfind(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).rposition(|w| w == needle)
}

/// The body of a chunked answer.
fn dechunk(mut body: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    while let Some(line_end) = find(body, b"\r\n") {
        let size = std::str::from_utf8(&body[..line_end]).unwrap_or("0");
        let size = usize::from_str_radix(size.split(';').next().unwrap().trim(), 16).unwrap_or(0);
        if size == 0 {
            break;
        }
        let start = line_end + 2;
        out.extend_from_slice(&body[start..start + size]);
        body = &body[start + size + 2..];
    }
    out
}

/// The server's event stream, read by a thread of its own: the names of the events, in order.
struct Events {
    names: Receiver<String>,
}

impl Events {
    fn open(server: &Server) -> Self {
        let mut stream = TcpStream::connect(&server.address).unwrap();
        write!(
            stream,
            "GET /__guide/events HTTP/1.1\r\nHost: {}\r\n\r\n",
            server.address
        )
        .unwrap();
        // The server subscribes the stream before it answers: once the head is read, no event
        // can be missed.
        stream
            .set_read_timeout(Some(Duration::from_secs(20)))
            .unwrap();
        let mut reader = BufReader::new(stream);
        let mut line = String::new();
        reader.read_line(&mut line).unwrap();
        assert!(line.starts_with("HTTP/1.1 200"), "event stream: {line}");
        while line.trim() != "" {
            line.clear();
            reader.read_line(&mut line).unwrap();
        }
        reader.get_ref().set_read_timeout(None).unwrap();
        let (sender, names) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            for line in reader.lines() {
                let Ok(line) = line else { return };
                if let Some(name) = line.trim().strip_prefix("event: ") {
                    if sender.send(name.to_string()).is_err() {
                        return;
                    }
                }
            }
        });
        Self { names }
    }

    /// The next event within `limit`, or `None`.
    fn next(&self, limit: Duration) -> Option<String> {
        match self.names.recv_timeout(limit) {
            Ok(name) => Some(name),
            Err(RecvTimeoutError::Timeout) => None,
            Err(RecvTimeoutError::Disconnected) => panic!("the event stream ended"),
        }
    }

    /// Forgets the events already received.
    fn drain(&self) {
        while self.names.try_recv().is_ok() {}
    }
}

// ---------------------------------------------------------------------------------------------
// The cold build and the comparison.

/// Builds the site cold into `out` (outside the site) for `base_url`, as the server does (drafts
/// included, no search index); returns every file written, by output path.
fn cold_build(
    site: &TestSite,
    base_url: &str,
    out: &Path,
) -> Result<BTreeMap<String, Vec<u8>>, String> {
    let output = Command::new(env!("CARGO_BIN_EXE_guide"))
        .args([
            "build",
            "--no-search",
            "--drafts",
            "--base-url",
            base_url,
            "--root",
        ])
        .arg(site.root())
        .arg("--output")
        .arg(out)
        .env("NO_COLOR", "1")
        .output()
        .unwrap();
    if !output.status.success() {
        return Err(String::from_utf8_lossy(&output.stderr).into_owned());
    }
    let mut files = BTreeMap::new();
    read_tree(out, out, &mut files);
    // The marker listing what the build wrote belongs to `guide build`'s output folder only.
    files.remove(".guide-sortie");
    Ok(files)
}

/// The script the server adds before the last `</body>` of every HTML page, learnt from the
/// home page of the first build: what the served page has more than the cold one, there.
fn reload_script(server: &Server, cold: &BTreeMap<String, Vec<u8>>) -> Vec<u8> {
    let (status, served) = server.get("/index.html");
    let served = without_warnings(served);
    assert_eq!(status, 200, "the home page is served");
    let cold = &cold["index.html"];
    let at = rfind(cold, b"</body>").expect("the home page has a </body>");
    assert!(
        served.len() > cold.len(),
        "the server adds the reload script"
    );
    let script = served[at..at + served.len() - cold.len()].to_vec();
    let rebuilt = [&cold[..at], &script[..], &cold[at..]].concat();
    assert!(
        rebuilt == served,
        "before any edit, the served home page is the cold one plus a script:\n{}",
        excerpt(&served, cold)
    );
    let text = String::from_utf8_lossy(&script);
    assert!(
        text.starts_with("<script data-guide-apercu>")
            && text.trim_end().ends_with("</script>")
            && text.contains("new EventSource(\"/__guide/events\")"),
        "unexpected injection: {text}"
    );
    script
}

/// The served bytes without the reload script (removed once, where the server puts it).
/// The served bytes without the box of warnings the server shows in a corner (it changes
/// with the site's warnings, not with the page).
fn without_warnings(served: Vec<u8>) -> Vec<u8> {
    let start = rfind(&served, b"<details id=\"guide-avertissements\"");
    let end = rfind(&served, b"</details>\n");
    match (start, end) {
        (Some(start), Some(end)) if end > start => {
            [&served[..start], &served[end + b"</details>\n".len()..]].concat()
        }
        _ => served,
    }
}

fn without_script(path: &str, served: Vec<u8>, script: &[u8]) -> Vec<u8> {
    if !path.ends_with(".html") {
        return served;
    }
    let served = without_warnings(served);
    match rfind(&served, script) {
        Some(at) => [&served[..at], &served[at + script.len()..]].concat(),
        None => served,
    }
}

/// Where two byte strings first differ, with some text around it from each.
fn excerpt(served: &[u8], cold: &[u8]) -> String {
    let at = served
        .iter()
        .zip(cold)
        .position(|(a, b)| a != b)
        .unwrap_or(served.len().min(cold.len()));
    let around = |bytes: &[u8]| {
        let start = at.saturating_sub(80);
        let end = (at + 160).min(bytes.len());
        String::from_utf8_lossy(&bytes[start.min(end)..end]).into_owned()
    };
    format!(
        "    first difference at byte {at} (served {} bytes, cold {} bytes)\n    served: …{}…\n    cold:   …{}…",
        served.len(),
        cold.len(),
        around(served),
        around(cold)
    )
}

/// One file where the server and the cold build disagree.
struct Difference {
    path: String,
    detail: String,
}

/// Compares what the server serves with the cold build: every file of `cold`, and 404 for every
/// path of `gone` (files of earlier cold builds that this one does not have).
fn compare(
    server: &Server,
    cold: &BTreeMap<String, Vec<u8>>,
    gone: &BTreeSet<String>,
    script: &[u8],
) -> Vec<Difference> {
    let mut differences = Vec::new();
    for (path, expected) in cold {
        let (status, served) = server.get(&format!("/{path}"));
        let served = without_script(path, served, script);
        if status != 200 {
            differences.push(Difference {
                path: path.clone(),
                detail: format!("    served with status {status}, the cold build has it"),
            });
        } else if &served != expected {
            differences.push(Difference {
                path: path.clone(),
                detail: excerpt(&served, expected),
            });
        }
    }
    for path in gone {
        let (status, _) = server.get(&format!("/{path}"));
        if status != 404 {
            differences.push(Difference {
                path: path.clone(),
                detail: format!(
                    "    status {status}: the cold build no longer has it, 404 expected"
                ),
            });
        }
    }
    differences
}

// ---------------------------------------------------------------------------------------------
// The sequences.

/// How the test runs, from the environment.
struct Plan {
    seeds: Vec<u64>,
    steps: usize,
    kinds: Vec<Kind>,
}

fn parse_seed(text: &str) -> u64 {
    let text = text.trim();
    let parsed = match text.strip_prefix("0x") {
        Some(hex) => u64::from_str_radix(&hex.replace('_', ""), 16),
        None => text.replace('_', "").parse(),
    };
    parsed.unwrap_or_else(|e| panic!("GUIDE_INCREMENTAL_SEED={text}: {e}"))
}

fn env_number(name: &str, default: u64) -> u64 {
    std::env::var(name).map_or(default, |v| {
        v.trim()
            .parse()
            .unwrap_or_else(|e| panic!("{name}={v}: {e}"))
    })
}

impl Plan {
    fn from_env() -> Self {
        let seed = std::env::var("GUIDE_INCREMENTAL_SEED").ok();
        let cases = env_number(
            "GUIDE_INCREMENTAL_CASES",
            if seed.is_some() { 1 } else { DEFAULT_CASES },
        );
        let first = seed.as_deref().map_or(DEFAULT_SEED, parse_seed);
        let steps = env_number("GUIDE_INCREMENTAL_STEPS", DEFAULT_STEPS as u64) as usize;
        let kinds = match std::env::var("GUIDE_INCREMENTAL_KINDS") {
            Ok(names) => names
                .split(',')
                .map(|name| {
                    *KINDS
                        .iter()
                        .find(|k| k.name() == name.trim())
                        .unwrap_or_else(|| panic!("GUIDE_INCREMENTAL_KINDS: unknown kind {name}"))
                })
                .collect(),
            Err(_) => KINDS.to_vec(),
        };
        Self {
            seeds: (0..cases).map(|i| first.wrapping_add(i)).collect(),
            steps,
            kinds,
        }
    }
}

/// One sequence of edits under way: the site, its server, and what was done so far.
struct Sequence<'a> {
    seed: u64,
    plan: &'a Plan,
    site: TestSite,
    /// Holds the cold builds and the server's log, outside the site.
    outside: tempfile::TempDir,
    server: Server,
    events: Events,
    /// What the server adds to every HTML page.
    script: Vec<u8>,
    history: Vec<String>,
    /// Every output path of the cold builds so far.
    seen: BTreeSet<String>,
}

impl<'a> Sequence<'a> {
    /// Writes the case studies of `rng`'s first draws, starts the server and checks its first
    /// build against a cold one.
    fn start(seed: u64, plan: &'a Plan, rng: &mut Rng) -> (Self, Model) {
        let site = TestSite::new("incremental");
        if seed % 2 == 0 {
            declare_mots_cles(&site);
        }
        let model = Model::new(rng, &site);
        let outside = tempfile::tempdir().unwrap();
        let server = Server::start(&site, outside.path());
        let events = Events::open(&server);
        let mut sequence = Self {
            seed,
            plan,
            site,
            outside,
            server,
            events,
            script: Vec::new(),
            history: vec![format!("0. start: {} case studies", model.fiches.len())],
            seen: BTreeSet::new(),
        };
        let cold = sequence.cold(0);
        sequence.script = reload_script(&sequence.server, &cold);
        sequence.check(0, &cold, "");
        (sequence, model)
    }

    /// The cold build of the site as it is now.
    fn cold(&self, step: usize) -> BTreeMap<String, Vec<u8>> {
        let out = self.outside.path().join(format!("step-{step}"));
        let files = cold_build(&self.site, &self.server.base_url(), &out).unwrap_or_else(|e| {
            panic!(
                "seed {:#x}, step {step}: the site does not build (a bug of this test):\n  {}\n{e}",
                self.seed,
                self.history.join("\n  ")
            )
        });
        let _ = std::fs::remove_dir_all(&out);
        files
    }

    /// Applies one edit, waits for the server's rebuild and compares.
    fn step(&mut self, step: usize, kind: Kind, model: &mut Model, rng: &mut Rng) {
        self.events.drain();
        let what = apply(kind, model, rng, &self.site);
        self.history
            .push(format!("{step}. [{}] {what}", kind.name()));
        let event = self.events.next(EVENT_DEADLINE);
        let cold = self.cold(step);
        let note = match event.as_deref() {
            Some("reload") => String::new(),
            Some(other) => format!("the server answered the save with the event « {other} »\n"),
            None => format!("no event within {EVENT_DEADLINE:?} of the save\n"),
        };
        self.check(step, &cold, &note);
        assert!(
            note.is_empty(),
            "seed {:#x}, step {step}: {note}edits:\n  {}",
            self.seed,
            self.history.join("\n  ")
        );
    }

    /// Compares the server with `cold`, waiting for a rebuild still coming; fails on a
    /// difference.
    fn check(&mut self, step: usize, cold: &BTreeMap<String, Vec<u8>>, note: &str) {
        let gone: BTreeSet<String> = self
            .seen
            .iter()
            .filter(|path| !cold.contains_key(*path))
            .cloned()
            .collect();
        let mut differences = compare(&self.server, cold, &gone, &self.script);
        // A save may reach the server in two batches: a second rebuild may still be coming.
        while !differences.is_empty() && self.events.next(SETTLE_DEADLINE).is_some() {
            differences = compare(&self.server, cold, &gone, &self.script);
        }
        if !differences.is_empty() {
            self.fail(step, &differences, note);
        }
        self.seen.extend(cold.keys().cloned());
    }

    /// The command that runs this sequence again.
    fn replay(&self) -> String {
        let kinds = if self.plan.kinds.len() == KINDS.len() {
            String::new()
        } else {
            let names: Vec<&str> = self.plan.kinds.iter().map(|k| k.name()).collect();
            format!(" GUIDE_INCREMENTAL_KINDS={}", names.join(","))
        };
        format!(
            "GUIDE_INCREMENTAL_SEED={:#x} GUIDE_INCREMENTAL_STEPS={}{kinds} cargo test --test incremental",
            self.seed, self.plan.steps
        )
    }

    fn fail(&self, step: usize, differences: &[Difference], note: &str) -> ! {
        let paths: Vec<&str> = differences.iter().map(|d| d.path.as_str()).collect();
        let details: Vec<String> = differences
            .iter()
            .take(3)
            .map(|d| format!("{}:\n{}", d.path, d.detail))
            .collect();
        panic!(
            "incremental differs from a cold build: seed {:#x}, step {step} of {}\n\
             replay: {}\n\
             edits so far:\n  {}\n{note}\
             {} file(s) differ: {}\n\
             {}\n\
             server log (end):\n{}",
            self.seed,
            self.plan.steps,
            self.replay(),
            self.history.join("\n  "),
            differences.len(),
            paths.join(", "),
            details.join("\n"),
            self.server.log_tail()
        )
    }
}

/// Declares the vocabulary of `mots-cles`, which the fixture leaves open, for the sequences of
/// even seeds: when every vocabulary is declared, a save that changes a page's terms moves that
/// page alone in the term lists (`taxonomy::reclassify`) instead of classifying the whole site
/// again, and only the terms it leaves or joins are candidates.
fn declare_mots_cles(site: &TestSite) {
    const SLUGS: [&str; 4] = [
        "temps-partiel",
        "accords",
        "teletravail",
        "formation-continue",
    ];
    let terms: String = SLUGS
        .iter()
        .zip(edits::MOTS_CLES)
        .map(|(slug, title)| format!("      - slug: {slug}\n        title: {title}\n"))
        .collect();
    let open = "  - name: mots-cles\n    title: Mots-clés\n";
    let config = std::fs::read_to_string(site.path("guide.yaml")).unwrap();
    assert!(config.contains(open), "the fixture's mots-cles changed");
    site.write(
        "guide.yaml",
        &config.replace(open, &format!("{open}    terms:\n{terms}")),
    );
}

/// Runs one sequence of edits from `seed`; panics at the first step where the server and a
/// cold build disagree.
fn run_sequence(seed: u64, plan: &Plan) {
    let started = Instant::now();
    let mut rng = Rng::new(seed);
    let (mut sequence, mut model) = Sequence::start(seed, plan, &mut rng);
    let kinds = schedule(&mut rng, &plan.kinds, plan.steps);
    for (index, kind) in kinds.iter().enumerate() {
        sequence.step(index + 1, *kind, &mut model, &mut rng);
    }
    eprintln!(
        "seed {seed:#x}: {} edits, every file equal to a cold build, in {:.1} s\n  {}",
        kinds.len(),
        started.elapsed().as_secs_f64(),
        sequence.history.join("\n  ")
    );
}

#[test]
fn serving_after_random_edits_equals_a_cold_build_byte_for_byte() {
    let plan = Plan::from_env();
    for &seed in &plan.seeds {
        run_sequence(seed, &plan);
    }
}
