//! Random edits of the fixture site `tests/fixtures/incremental`, shared by the tests that
//! compare an incremental path with a cold build (`tests/incremental.rs` for `guide serve`,
//! `tests/build_cache.rs` for `guide build` with its cache). The edits keep the site valid;
//! they come from a small xorshift generator: a seed replays a sequence exactly.

#![allow(dead_code, unreachable_pub)]

use std::collections::BTreeMap;
use std::path::Path;

use crate::common::TestSite;

// ---------------------------------------------------------------------------------------------
// The random generator.

/// xorshift64*: small, deterministic, good enough to draw edits.
pub struct Rng(pub u64);

impl Rng {
    pub fn new(seed: u64) -> Self {
        Self(seed.max(1))
    }

    pub fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    /// A number in `0..n` (`n` > 0).
    pub fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }

    /// True `percent` times out of a hundred.
    pub fn chance(&mut self, percent: usize) -> bool {
        self.below(100) < percent
    }

    pub fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len())]
    }
}

// ---------------------------------------------------------------------------------------------
// The site's content, as a model the edits change and write out.

/// The declared terms of `themes` (slug, title): either may be written.
pub const THEMES: [(&str, &str); 3] = [
    ("qvct", "Qualité de vie et des conditions de travail"),
    ("dialogue-social", "Dialogue social"),
    ("partage-valeur", "Partage de la valeur"),
];
pub const MATURITES: [&str; 3] = ["emergence", "premiers-outils", "nouvelles-pratiques"];
/// Terms of `mots-cles`, which declares none: a term no page uses any more has no page.
pub const MOTS_CLES: [&str; 4] = [
    "Temps partiel",
    "Accords",
    "Télétravail",
    "Formation continue",
];
pub const WORDS: [&str; 24] = [
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
pub const TEMPLATES: [&str; 8] = [
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
pub struct Fiche {
    pub stem: String,
    pub title: String,
    pub summary: Option<String>,
    pub date: (u16, u8, u8),
    pub weight: Option<i32>,
    /// Indexes into `THEMES`, 1 to 3 of them (`max_terms: 3`, required).
    pub themes: Vec<usize>,
    /// Whether the themes are written by title rather than by slug.
    pub themes_by_title: bool,
    pub maturite: usize,
    pub mots_cles: Vec<usize>,
    pub aliases: Vec<String>,
    pub slug: Option<String>,
    /// The `entreprise.nom` field.
    pub company: String,
    pub effectif: u32,
    pub heading: Option<String>,
    pub paragraphs: Vec<String>,
    /// A `<!-- more -->` marker after the first paragraph.
    pub more: bool,
    /// The stem of a case study the body links to with `@/`.
    pub link: Option<String>,
}

pub fn sentence(rng: &mut Rng) -> String {
    let count = 6 + rng.below(12);
    let words: Vec<&str> = (0..count).map(|_| *rng.pick(&WORDS)).collect();
    let mut text = words.join(" ");
    if let Some(first) = text.get(..1) {
        text = first.to_uppercase() + &text[1..];
    }
    text + if rng.chance(20) { " ?" } else { "." }
}

pub fn random_date(rng: &mut Rng) -> (u16, u8, u8) {
    (
        2020 + rng.below(6) as u16,
        1 + rng.below(12) as u8,
        1 + rng.below(28) as u8,
    )
}

pub fn random_weight(rng: &mut Rng) -> Option<i32> {
    rng.chance(50).then(|| rng.below(7) as i32 - 2)
}

pub fn random_themes(rng: &mut Rng) -> Vec<usize> {
    let mut themes: Vec<usize> = (0..THEMES.len()).filter(|_| rng.chance(45)).collect();
    if themes.is_empty() {
        themes.push(rng.below(THEMES.len()));
    }
    themes
}

pub fn random_title(rng: &mut Rng, number: u32) -> String {
    let word = rng.pick(&WORDS);
    let extra = *rng.pick(&["", " & co", " : l'essai", " « pilote »"]);
    format!("Fiche {word} {number}{extra}")
}

impl Fiche {
    pub fn random(rng: &mut Rng, stem: String, number: u32) -> Self {
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

    pub fn path(&self) -> String {
        format!("content/projets/{}.md", self.stem)
    }

    pub fn front_matter(&self) -> String {
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

    pub fn text(&self) -> String {
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
pub struct Model {
    pub fiches: Vec<Fiche>,
    /// Makes every new name unique (stems, slugs, aliases, files).
    pub counter: u32,
    /// The revision of each template's comment.
    pub template_revs: BTreeMap<&'static str, u32>,
}

/// The page `content/a-propos.md` of the fixture links to this case study.
pub const LINKED_BY_FIXTURE: &str = "fiche-1";

impl Model {
    /// Four case studies, written into the site.
    pub fn new(rng: &mut Rng, site: &TestSite) -> Self {
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

    pub fn next_number(&mut self) -> u32 {
        self.counter += 1;
        self.counter
    }

    /// Whether a link with `@/` points to this case study.
    pub fn is_linked(&self, stem: &str) -> bool {
        stem == LINKED_BY_FIXTURE || self.fiches.iter().any(|f| f.link.as_deref() == Some(stem))
    }

    /// Indexes of the case studies no link points to.
    pub fn unlinked(&self) -> Vec<usize> {
        (0..self.fiches.len())
            .filter(|&i| !self.is_linked(&self.fiches[i].stem))
            .collect()
    }
}

// ---------------------------------------------------------------------------------------------
// The edits.

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
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

pub const KINDS: [Kind; 14] = [
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
    pub fn name(self) -> &'static str {
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
pub fn schedule(rng: &mut Rng, kinds: &[Kind], steps: usize) -> Vec<Kind> {
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
pub fn apply(kind: Kind, model: &mut Model, rng: &mut Rng, site: &TestSite) -> String {
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
pub fn edit_fiche(kind: Kind, model: &mut Model, index: usize, rng: &mut Rng) -> String {
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

pub fn edit_body(fiche: &mut Fiche, others: &[String], rng: &mut Rng) -> String {
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

pub fn edit_terms(fiche: &mut Fiche, rng: &mut Rng) -> String {
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

pub fn new_page(model: &mut Model, rng: &mut Rng, site: &TestSite) -> String {
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

pub fn delete_page(model: &mut Model, rng: &mut Rng, site: &TestSite) -> String {
    let candidates = model.unlinked();
    if model.fiches.len() <= 2 || candidates.is_empty() {
        return format!("none deletable: {}", new_page(model, rng, site));
    }
    let fiche = model.fiches.remove(*rng.pick(&candidates));
    site.remove(&fiche.path());
    format!("{} deleted", fiche.path())
}

pub fn rename_page(model: &mut Model, rng: &mut Rng, site: &TestSite) -> String {
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

pub fn edit_template(model: &mut Model, rng: &mut Rng, site: &TestSite) -> String {
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

pub fn edit_config(model: &mut Model, site: &TestSite) -> String {
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

pub fn edit_static(model: &mut Model, rng: &mut Rng, site: &TestSite) -> String {
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

/// Every file under `dir`, by path relative to `root` with `/` separators.
pub fn read_tree(root: &Path, dir: &Path, files: &mut BTreeMap<String, Vec<u8>>) {
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
