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
//! in every page's footer, cards (`card.html`) in listings and as related pages, neighbours.
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

use std::collections::{BTreeMap, BTreeSet};
use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::mpsc::{Receiver, RecvTimeoutError};
use std::time::{Duration, Instant};

use assert_cmd::cargo::CommandCargoExt;
use common::TestSite;

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
// The random generator.

/// xorshift64*: small, deterministic, good enough to draw edits.
struct Rng(u64);

impl Rng {
    fn new(seed: u64) -> Self {
        Self(seed.max(1))
    }

    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    /// A number in `0..n` (`n` > 0).
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }

    /// True `percent` times out of a hundred.
    fn chance(&mut self, percent: usize) -> bool {
        self.below(100) < percent
    }

    fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len())]
    }
}

// ---------------------------------------------------------------------------------------------
// The site's content, as a model the edits change and write out.

/// The declared terms of `themes` (slug, title): either may be written.
const THEMES: [(&str, &str); 3] = [
    ("qvct", "Qualité de vie et des conditions de travail"),
    ("dialogue-social", "Dialogue social"),
    ("partage-valeur", "Partage de la valeur"),
];
const MATURITES: [&str; 3] = ["emergence", "premiers-outils", "nouvelles-pratiques"];
/// Terms of `mots-cles`, which declares none: a term no page uses any more has no page.
const MOTS_CLES: [&str; 4] = [
    "Temps partiel",
    "Accords",
    "Télétravail",
    "Formation continue",
];
const WORDS: [&str; 24] = [
    "travail",
    "qualité",
    "équipe",
    "dialogue",
    "coopérative",
    "salariés",
    "atelier",
    "entretien",
    "santé",
    "organisation",
    "autonomie",
    "confiance",
    "réunion",
    "projet",
    "partage",
    "valeur",
    "formation",
    "écoute",
    "horaires",
    "direction",
    "«\u{a0}terrain\u{a0}»",
    "CSE",
    "20 %",
    "l'usine",
];
/// Templates of the fixture's theme, each holding a `<!-- NAME rev N -->` comment.
const TEMPLATES: [&str; 8] = [
    "base",
    "card",
    "projet",
    "section",
    "index",
    "taxonomy_term",
    "taxonomy_list",
    "page",
];

/// One case study, `content/projets/<stem>.md`.
#[derive(Debug, Clone)]
struct Fiche {
    stem: String,
    title: String,
    summary: Option<String>,
    date: (u16, u8, u8),
    weight: Option<i32>,
    /// Indexes into `THEMES`, 1 to 3 of them (`max_terms: 3`, required).
    themes: Vec<usize>,
    /// Whether the themes are written by title rather than by slug.
    themes_by_title: bool,
    maturite: usize,
    mots_cles: Vec<usize>,
    aliases: Vec<String>,
    slug: Option<String>,
    /// The `entreprise.nom` field.
    company: String,
    effectif: u32,
    heading: Option<String>,
    paragraphs: Vec<String>,
    /// A `<!-- more -->` marker after the first paragraph.
    more: bool,
    /// The stem of a case study the body links to with `@/`.
    link: Option<String>,
}

fn sentence(rng: &mut Rng) -> String {
    let count = 6 + rng.below(12);
    let words: Vec<&str> = (0..count).map(|_| *rng.pick(&WORDS)).collect();
    let mut text = words.join(" ");
    if let Some(first) = text.get(..1) {
        text = first.to_uppercase() + &text[1..];
    }
    text + if rng.chance(20) { " ?" } else { "." }
}

fn random_date(rng: &mut Rng) -> (u16, u8, u8) {
    (
        2020 + rng.below(6) as u16,
        1 + rng.below(12) as u8,
        1 + rng.below(28) as u8,
    )
}

fn random_weight(rng: &mut Rng) -> Option<i32> {
    rng.chance(50).then(|| rng.below(7) as i32 - 2)
}

fn random_themes(rng: &mut Rng) -> Vec<usize> {
    let mut themes: Vec<usize> = (0..THEMES.len()).filter(|_| rng.chance(45)).collect();
    if themes.is_empty() {
        themes.push(rng.below(THEMES.len()));
    }
    themes
}

fn random_title(rng: &mut Rng, number: u32) -> String {
    let word = rng.pick(&WORDS);
    let extra = *rng.pick(&["", " & co", " : l'essai", " « pilote »"]);
    format!("Fiche {word} {number}{extra}")
}

impl Fiche {
    fn random(rng: &mut Rng, stem: String, number: u32) -> Self {
        Self {
            stem,
            title: random_title(rng, number),
            summary: rng.chance(80).then(|| sentence(rng)),
            date: random_date(rng),
            weight: random_weight(rng),
            themes: random_themes(rng),
            themes_by_title: rng.chance(30),
            maturite: rng.below(MATURITES.len()),
            mots_cles: (0..MOTS_CLES.len()).filter(|_| rng.chance(30)).collect(),
            aliases: Vec::new(),
            slug: None,
            company: format!("Entreprise {number}"),
            effectif: 1 + rng.below(299) as u32,
            heading: rng.chance(60).then(|| "Le contexte".to_string()),
            paragraphs: (0..1 + rng.below(3)).map(|_| sentence(rng)).collect(),
            more: false,
            link: None,
        }
    }

    fn path(&self) -> String {
        format!("content/projets/{}.md", self.stem)
    }

    fn front_matter(&self) -> String {
        let (y, m, d) = self.date;
        let mut text = format!(
            "---\ntitle: \"{}\"\ndate: {y:04}-{m:02}-{d:02}\n",
            self.title
        );
        if let Some(summary) = &self.summary {
            text += &format!("summary: \"{summary}\"\n");
        }
        if let Some(weight) = self.weight {
            text += &format!("weight: {weight}\n");
        }
        if let Some(slug) = &self.slug {
            text += &format!("slug: {slug}\n");
        }
        if !self.aliases.is_empty() {
            text += &format!("aliases: [{}]\n", self.aliases.join(", "));
        }
        let themes: Vec<&str> = self
            .themes
            .iter()
            .map(|&t| {
                if self.themes_by_title {
                    THEMES[t].1
                } else {
                    THEMES[t].0
                }
            })
            .collect();
        text += &format!("themes: [{}]\n", themes.join(", "));
        text += &format!("maturite: {}\n", MATURITES[self.maturite]);
        if !self.mots_cles.is_empty() {
            let terms: Vec<&str> = self.mots_cles.iter().map(|&t| MOTS_CLES[t]).collect();
            text += &format!("mots-cles: [{}]\n", terms.join(", "));
        }
        text += &format!(
            "entreprise: {{ nom: {}, effectif: {} }}\nillustratif: {}\n---\n",
            self.company,
            self.effectif,
            self.effectif % 2 == 0
        );
        text
    }

    fn text(&self) -> String {
        let mut text = self.front_matter();
        if let Some(heading) = &self.heading {
            text += &format!("## {heading}\n\n");
        }
        for (i, paragraph) in self.paragraphs.iter().enumerate() {
            text += &format!("{paragraph}\n\n");
            if i == 0 && self.more {
                text += "<!-- more -->\n\n";
            }
        }
        if let Some(link) = &self.link {
            text += &format!("Voir aussi [la fiche liée](@/projets/{link}.md).\n");
        }
        text
    }
}

/// What the test knows of the site it edits.
struct Model {
    fiches: Vec<Fiche>,
    /// Makes every new name unique (stems, slugs, aliases, files).
    counter: u32,
    /// The revision of each template's comment.
    template_revs: BTreeMap<&'static str, u32>,
}

/// The page `content/a-propos.md` of the fixture links to this case study.
const LINKED_BY_FIXTURE: &str = "fiche-1";

impl Model {
    /// Four case studies, written into the site.
    fn new(rng: &mut Rng, site: &TestSite) -> Self {
        let mut model = Self {
            fiches: Vec::new(),
            counter: 100,
            template_revs: TEMPLATES.iter().map(|&t| (t, 0)).collect(),
        };
        for n in 1..=4 {
            let fiche = Fiche::random(rng, format!("fiche-{n}"), n);
            model.fiches.push(fiche);
        }
        model.fiches[1].link = Some("fiche-3".to_string());
        for fiche in &model.fiches {
            std::fs::write(site.path(&fiche.path()), fiche.text()).unwrap();
        }
        model
    }

    fn next_number(&mut self) -> u32 {
        self.counter += 1;
        self.counter
    }

    /// Whether a link with `@/` points to this case study.
    fn is_linked(&self, stem: &str) -> bool {
        stem == LINKED_BY_FIXTURE || self.fiches.iter().any(|f| f.link.as_deref() == Some(stem))
    }

    /// Indexes of the case studies no link points to.
    fn unlinked(&self) -> Vec<usize> {
        (0..self.fiches.len())
            .filter(|&i| !self.is_linked(&self.fiches[i].stem))
            .collect()
    }
}

// ---------------------------------------------------------------------------------------------
// The edits.

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    /// A paragraph rewritten: the body's text only.
    Text,
    /// The body's structure: a link to another case study, the `<!-- more -->` marker, a
    /// heading.
    Body,
    Title,
    Date,
    Weight,
    Terms,
    Aliases,
    Slug,
    NewPage,
    DeletePage,
    RenamePage,
    Template,
    Config,
    Static,
}

const KINDS: [Kind; 14] = [
    Kind::Text,
    Kind::Body,
    Kind::Title,
    Kind::Date,
    Kind::Weight,
    Kind::Terms,
    Kind::Aliases,
    Kind::Slug,
    Kind::NewPage,
    Kind::DeletePage,
    Kind::RenamePage,
    Kind::Template,
    Kind::Config,
    Kind::Static,
];

impl Kind {
    fn name(self) -> &'static str {
        match self {
            Kind::Text => "text",
            Kind::Body => "body",
            Kind::Title => "title",
            Kind::Date => "date",
            Kind::Weight => "weight",
            Kind::Terms => "terms",
            Kind::Aliases => "aliases",
            Kind::Slug => "slug",
            Kind::NewPage => "new",
            Kind::DeletePage => "delete",
            Kind::RenamePage => "rename",
            Kind::Template => "template",
            Kind::Config => "config",
            Kind::Static => "static",
        }
    }
}

/// Every kind once in a random order, then kinds drawn at random, `steps` in all.
fn schedule(rng: &mut Rng, kinds: &[Kind], steps: usize) -> Vec<Kind> {
    let mut order = kinds.to_vec();
    for i in (1..order.len()).rev() {
        order.swap(i, rng.below(i + 1));
    }
    while order.len() < steps {
        order.push(*rng.pick(kinds));
    }
    order.truncate(steps);
    order
}

/// Applies one edit of `kind` to the site and the model; returns what it did.
fn apply(kind: Kind, model: &mut Model, rng: &mut Rng, site: &TestSite) -> String {
    match kind {
        Kind::NewPage => new_page(model, rng, site),
        Kind::DeletePage => delete_page(model, rng, site),
        Kind::RenamePage => rename_page(model, rng, site),
        Kind::Template => edit_template(model, rng, site),
        Kind::Config => edit_config(model, site),
        Kind::Static => edit_static(model, rng, site),
        _ => {
            let index = rng.below(model.fiches.len());
            let what = edit_fiche(kind, model, index, rng);
            let fiche = &model.fiches[index];
            site.write(&fiche.path(), &fiche.text());
            format!("{}: {what}", fiche.path())
        }
    }
}

/// Changes the front matter or the body of case study `index` in the model.
fn edit_fiche(kind: Kind, model: &mut Model, index: usize, rng: &mut Rng) -> String {
    let number = model.next_number();
    let others: Vec<String> = model
        .fiches
        .iter()
        .filter(|f| f.stem != model.fiches[index].stem)
        .map(|f| f.stem.clone())
        .collect();
    let fiche = &mut model.fiches[index];
    match kind {
        Kind::Text => {
            let at = rng.below(fiche.paragraphs.len());
            fiche.paragraphs[at] = sentence(rng);
            format!("paragraph {at} rewritten")
        }
        Kind::Body => edit_body(fiche, &others, rng),
        Kind::Title if rng.chance(30) => {
            fiche.summary = rng.chance(80).then(|| sentence(rng));
            format!("summary {:?}", fiche.summary)
        }
        Kind::Title => {
            fiche.title = random_title(rng, number);
            format!("title {:?}", fiche.title)
        }
        Kind::Date => {
            fiche.date = random_date(rng);
            format!("date {:?}", fiche.date)
        }
        Kind::Weight => {
            fiche.weight = random_weight(rng);
            format!("weight {:?}", fiche.weight)
        }
        Kind::Terms => edit_terms(fiche, rng),
        Kind::Aliases => {
            if !fiche.aliases.is_empty() && rng.chance(40) {
                let gone = fiche.aliases.remove(rng.below(fiche.aliases.len()));
                format!("alias {gone} removed")
            } else {
                let alias = format!("/ancien/{}-{number}/", fiche.stem);
                fiche.aliases.push(alias.clone());
                format!("alias {alias} added")
            }
        }
        Kind::Slug => {
            if fiche.slug.is_some() && rng.chance(40) {
                fiche.slug = None;
                "slug removed".to_string()
            } else {
                let slug = format!("adresse-{number}");
                fiche.slug = Some(slug.clone());
                format!("slug {slug}")
            }
        }
        _ => unreachable!("not an edit of one case study: {kind:?}"),
    }
}

fn edit_body(fiche: &mut Fiche, others: &[String], rng: &mut Rng) -> String {
    match rng.below(3) {
        0 if !others.is_empty() => {
            fiche.link = if fiche.link.is_some() {
                None
            } else {
                Some(rng.pick(others).clone())
            };
            format!("body link {:?}", fiche.link)
        }
        1 => {
            fiche.more = !fiche.more;
            format!("body more marker {}", fiche.more)
        }
        _ => {
            fiche.heading = match fiche.heading {
                Some(_) => None,
                None => Some("Ce qui a changé".to_string()),
            };
            format!("body heading {:?}", fiche.heading)
        }
    }
}

fn edit_terms(fiche: &mut Fiche, rng: &mut Rng) -> String {
    match rng.below(5) {
        0 if fiche.themes.len() < THEMES.len() => {
            let missing: Vec<usize> = (0..THEMES.len())
                .filter(|t| !fiche.themes.contains(t))
                .collect();
            fiche.themes.push(*rng.pick(&missing));
        }
        1 if fiche.themes.len() > 1 => {
            fiche.themes.remove(rng.below(fiche.themes.len()));
        }
        2 => {
            let at = rng.below(fiche.themes.len());
            let missing: Vec<usize> = (0..THEMES.len())
                .filter(|t| !fiche.themes.contains(t))
                .collect();
            if missing.is_empty() {
                fiche.themes.swap(0, at);
            } else {
                fiche.themes[at] = *rng.pick(&missing);
            }
        }
        3 => {
            let term = rng.below(MOTS_CLES.len());
            match fiche.mots_cles.iter().position(|&t| t == term) {
                Some(at) => {
                    fiche.mots_cles.remove(at);
                }
                None => fiche.mots_cles.push(term),
            }
        }
        _ => fiche.maturite = (fiche.maturite + 1 + rng.below(2)) % MATURITES.len(),
    }
    let themes: Vec<&str> = fiche.themes.iter().map(|&t| THEMES[t].0).collect();
    let mots: Vec<&str> = fiche.mots_cles.iter().map(|&t| MOTS_CLES[t]).collect();
    format!(
        "terms themes {themes:?} maturite {} mots-cles {mots:?}",
        MATURITES[fiche.maturite]
    )
}

fn new_page(model: &mut Model, rng: &mut Rng, site: &TestSite) -> String {
    let number = model.next_number();
    let mut fiche = Fiche::random(rng, format!("nouvelle-{number}"), number);
    if rng.chance(40) {
        fiche.link = Some(rng.pick(&model.fiches).stem.clone());
    }
    site.write(&fiche.path(), &fiche.text());
    let what = format!("{} created", fiche.path());
    model.fiches.push(fiche);
    what
}

fn delete_page(model: &mut Model, rng: &mut Rng, site: &TestSite) -> String {
    let candidates = model.unlinked();
    if model.fiches.len() <= 2 || candidates.is_empty() {
        return format!("none deletable: {}", new_page(model, rng, site));
    }
    let fiche = model.fiches.remove(*rng.pick(&candidates));
    site.remove(&fiche.path());
    format!("{} deleted", fiche.path())
}

fn rename_page(model: &mut Model, rng: &mut Rng, site: &TestSite) -> String {
    let candidates = model.unlinked();
    if candidates.is_empty() {
        return format!("none renamable: {}", new_page(model, rng, site));
    }
    let number = model.next_number();
    let fiche = &mut model.fiches[*rng.pick(&candidates)];
    let old = fiche.path();
    fiche.stem = format!("renommee-{number}");
    std::fs::rename(site.path(&old), site.path(&fiche.path())).unwrap();
    format!("{old} renamed {}", fiche.path())
}

fn edit_template(model: &mut Model, rng: &mut Rng, site: &TestSite) -> String {
    let name = *rng.pick(&TEMPLATES);
    let rev = model.template_revs.get_mut(name).unwrap();
    let path = format!("themes/plain/templates/{name}.html");
    let text = std::fs::read_to_string(site.path(&path)).unwrap();
    let old = format!("<!-- {name} rev {rev} -->");
    assert!(text.contains(&old), "{path} lost its comment {old}");
    *rev += 1;
    site.write(
        &path,
        &text.replace(&old, &format!("<!-- {name} rev {rev} -->")),
    );
    format!("{path}: rev {rev}")
}

fn edit_config(model: &mut Model, site: &TestSite) -> String {
    let number = model.next_number();
    let text = std::fs::read_to_string(site.path("guide.yaml")).unwrap();
    let description = format!("description: Un petit site pour les tests, révision {number}.");
    let edited: Vec<String> = text
        .lines()
        .map(|line| {
            if line.starts_with("description:") {
                description.clone()
            } else {
                line.to_string()
            }
        })
        .collect();
    site.write("guide.yaml", &(edited.join("\n") + "\n"));
    format!("guide.yaml: {description}")
}

fn edit_static(model: &mut Model, rng: &mut Rng, site: &TestSite) -> String {
    let number = model.next_number();
    let (path, text) = match rng.below(3) {
        0 => (
            "static/lisez-moi.txt".to_string(),
            format!("Fichier statique, révision {number}\n"),
        ),
        1 => (
            format!("static/ajout-{number}.txt"),
            format!("Ajouté à l'étape {number}\n"),
        ),
        _ => {
            let path = "themes/plain/static/style.css".to_string();
            let css = std::fs::read_to_string(site.path(&path)).unwrap();
            let text = format!("{css}.r{number} {{ color: #333; }}\n");
            (path, text)
        }
    };
    site.write(&path, &text);
    format!("{path} written")
}

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

fn read_tree(root: &Path, dir: &Path, files: &mut BTreeMap<String, Vec<u8>>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            read_tree(root, &path, files);
        } else {
            let relative = path.strip_prefix(root).unwrap().to_string_lossy();
            files.insert(relative.replace('\\', "/"), std::fs::read(&path).unwrap());
        }
    }
}

/// The script the server adds before the last `</body>` of every HTML page, learnt from the
/// home page of the first build: what the served page has more than the cold one, there.
fn reload_script(server: &Server, cold: &BTreeMap<String, Vec<u8>>) -> Vec<u8> {
    let (status, served) = server.get("/index.html");
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
        text.starts_with("<script>")
            && text.trim_end().ends_with("</script>")
            && text.contains("new EventSource(\"/__guide/events\")"),
        "unexpected injection: {text}"
    );
    script
}

/// The served bytes without the reload script (removed once, where the server puts it).
fn without_script(path: &str, served: Vec<u8>, script: &[u8]) -> Vec<u8> {
    if !path.ends_with(".html") {
        return served;
    }
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
