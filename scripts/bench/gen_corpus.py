#!/usr/bin/env python3
"""Deterministic benchmark corpus: N case studies in the guide's format.

Usage: gen_corpus.py N OUT_DIR [--hugo]

Writes OUT_DIR/guide.yaml and OUT_DIR/themes (copied from this repository), OUT_DIR/content
with a home, a `projets` section and N case studies whose front matter follows the `projets`
schema (2-3 themes, one maturity level, the facets, every required field) and whose bodies have
700-900 words with the seven headings, a list, a table, a fenced code block and links to other
case studies. The same N always gives the same files.

With --hugo, writes the same case studies as a Hugo site instead (for run.py): hugo.toml with
the six taxonomies, the templates of scripts/bench/hugo/layouts/, a content page per taxonomy and
per term (titles and descriptions from guide.yaml), and links `@/projets/x.md` turned into
`/projets/x/`.
"""
import random
import re
import shutil
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]

THEMES = ["qvct", "organisation-travail", "dialogue-social", "participation", "competences-parcours",
          "integration-tutorat", "sante-prevention", "partage-valeur", "achats-responsables", "fonction-rh-dirigeant"]
MATURITE = ["emergence", "premiers-outils", "nouvelles-pratiques", "innovation-approfondie"]
FORME = ["entreprise-classique", "scop", "scic", "association"]
TAILLE = ["0-9", "10-49", "50-249"]
SECTEUR = ["industrie", "btp", "services-entreprises", "services-personnes", "commerce", "artisanat"]
TERRITOIRE = ["auvergne-rhone-alpes", "grand-est"]
ACTEURS = ["direction", "salariés", "CSE", "encadrement", "consultant", "Aract"]
HEADINGS = ["L'entreprise", "Le contexte", "L'innovation", "Les acteurs", "Les résultats",
            "Ce que l'on retient", "L'accompagnement"]
WORDS = ("entreprise salariés travail organisation dialogue qualité projet équipe atelier horaires "
         "accord management participation compétences tutorat prévention santé valeur partage "
         "fournisseurs sous-traitants territoire réunion démarche expérimentation confiance "
         "responsabilité formation accueil échange pratique outil indicateur résultat direction "
         "représentants charge rythme polyvalence autonomie reconnaissance coopération").split()


HUGO_LINK = re.compile(r"\(@/projets/([^)]+)\.md\)")


def sentence(rng, n):
    words = [rng.choice(WORDS) for _ in range(n)]
    words[0] = words[0].capitalize()
    return " ".join(words) + rng.choice([".", ".", ".", " ?", " !"])


def paragraph(rng, sentences):
    return " ".join(sentence(rng, rng.randint(9, 16)) for _ in range(sentences))


def body(rng, i, n):
    others = [j for j in (rng.randrange(n) for _ in range(3)) if j != i]
    parts = []
    for k, heading in enumerate(HEADINGS):
        parts.append(f"## {heading}\n")
        parts.append(paragraph(rng, 6) + "\n")
        if k == 1:
            parts.append("\n".join(f"- {sentence(rng, 7)}" for _ in range(4)) + "\n")
        if k == 2:
            parts.append("### Les étapes\n")
            parts.append(paragraph(rng, 3) + "\n")
            parts.append("```text\nplanning = semaine 1 : diagnostic ; semaine 2 : ateliers\n```\n")
        if k == 4:
            parts.append("| Indicateur | Avant | Après |\n|---|---|---|\n"
                         + "\n".join(f"| {rng.choice(WORDS)} | {rng.randint(1, 40)} | {rng.randint(1, 40)} |" for _ in range(4)) + "\n")
        if k == 5 and others:
            links = ", ".join(f"[la fiche {j}](@/projets/fiche-{j:05d}.md)" for j in others)
            parts.append(f"À rapprocher de {links}.\n")
    return "\n".join(parts)


def front_matter(rng, i):
    themes = rng.sample(THEMES, rng.randint(2, 3))
    day = 1 + i % 28
    month = 1 + (i // 28) % 12
    return f"""---
title: "Fiche {i} : {sentence(rng, 5).rstrip(' .?!')}"
date: {2015 + i % 10}-{month:02d}-{day:02d}
summary: "{sentence(rng, 18)}"
themes: [{", ".join(themes)}]
maturite: {rng.choice(MATURITE)}
forme: {rng.choice(FORME)}
taille: {rng.choice(TAILLE)}
secteur: {rng.choice(SECTEUR)}
territoire: {rng.choice(TERRITOIRE)}
entreprise:
  nom: "Entreprise {i}"
  effectif: {rng.randint(3, 249)}
  activite: "{sentence(rng, 5)}"
illustratif: true
accompagnement:
  jours: {rng.choice([0, 5, 10, 15])}
  annee: {2015 + i % 10}
  financeurs: ["Région Auvergne-Rhône-Alpes"]
acteurs: [{", ".join(rng.sample(ACTEURS, 3))}]
resultats: ["{sentence(rng, 8)}", "{sentence(rng, 8)}"]
enseignements: ["{sentence(rng, 10)}"]
---
"""


def taxonomies_of(config):
    """[(name, title, description, [(slug, title, description)])] of guide.yaml's taxonomies.

    A small line parser of that one block, so that the script needs no YAML library."""
    block = config.split("\ntaxonomies:\n", 1)[1].split("\nsections:", 1)[0]
    taxonomies, field = [], re.compile(r"^( *)(?:- )?(name|slug|title|description): (.*)$")
    for line in block.splitlines():
        m = field.match(line)
        if not m:
            continue
        indent, key, value = len(m.group(1)), m.group(2), m.group(3).strip()
        if key == "name":
            taxonomies.append([value, value, "", []])
        elif key == "slug":
            taxonomies[-1][3].append([value, value, ""])
        elif indent == 4 and key in ("title", "description"):
            taxonomies[-1][1 if key == "title" else 2] = value
        elif indent == 8 and key in ("title", "description"):
            taxonomies[-1][3][-1][1 if key == "title" else 2] = value
    return taxonomies


def yaml_string(value):
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


def write_hugo(n, out):
    """The same corpus as a Hugo site."""
    config = (REPO / "guide.yaml").read_text(encoding="utf-8")
    taxonomies = taxonomies_of(config)
    title = re.search(r"^title: (.*)$", config, re.M).group(1)
    toml = f"""baseURL = "https://guide-innovation-sociale.example.org/"
title = "{title}"
locale = "fr"
defaultContentLanguage = "fr"
enableRobotsTXT = true
disableKinds = []
timeZone = "UTC"

[params]
organisme = "Aract Auvergne-Rhône-Alpes"
financeur = "Région Auvergne-Rhône-Alpes"

[taxonomies]
""" + "".join(f'{name} = "{name}"\n' for name, *_ in taxonomies) + """
[pagination]
pagerSize = 1000000

[services.rss]
limit = 20

[mediaTypes."text/csv"]
suffixes = ["csv"]

[outputFormats.csv]
mediaType = "text/csv"
baseName = "index"
isPlainText = true

[outputs]
home = ["html", "rss"]
section = ["html", "json", "csv"]
taxonomy = ["html"]
term = ["html"]

[markup.tableOfContents]
startLevel = 2
endLevel = 3
ordered = true

[markup.highlight]
noClasses = false
"""
    (out / "hugo.toml").write_text(toml, encoding="utf-8")
    shutil.copytree(Path(__file__).resolve().parent / "hugo" / "layouts", out / "layouts")
    shutil.copytree(REPO / "themes" / "innovation-sociale" / "static", out / "static")
    for name, tax_title, description, terms in taxonomies:
        folder = out / "content" / name
        folder.mkdir(parents=True)
        (folder / "_index.md").write_text(
            f"---\ntitle: {yaml_string(tax_title)}\ndescription: {yaml_string(description)}\n---\n", encoding="utf-8")
        for slug, term_title, term_description in terms:
            (folder / slug).mkdir()
            (folder / slug / "_index.md").write_text(
                f"---\ntitle: {yaml_string(term_title)}\ndescription: {yaml_string(term_description)}\n---\n",
                encoding="utf-8")


def main():
    hugo = "--hugo" in sys.argv[1:]
    args = [a for a in sys.argv[1:] if a != "--hugo"]
    n, out = int(args[0]), Path(args[1])
    if out.exists():
        shutil.rmtree(out)
    (out / "content" / "projets").mkdir(parents=True)
    # The guide's config, without the printed edition (it names pages of the real guide, and
    # Hugo's side has no equivalent).
    if hugo:
        write_hugo(n, out)
    else:
        config = (REPO / "guide.yaml").read_text(encoding="utf-8")
        config = re.sub(r"\n  print:\n(    .*\n)+", "\n", config)
        (out / "guide.yaml").write_text(config, encoding="utf-8")
        shutil.copytree(REPO / "themes", out / "themes")
    (out / "content" / "_index.md").write_text("---\ntitle: Accueil\n---\nCorpus de mesure.\n", encoding="utf-8")
    (out / "content" / "projets" / "_index.md").write_text("---\ntitle: Les projets\n---\nToutes les fiches.\n", encoding="utf-8")
    for i in range(n):
        rng = random.Random(i)
        text = front_matter(rng, i) + body(rng, i, n)
        if hugo:
            text = HUGO_LINK.sub(r"(/projets/\1/)", text)
        (out / "content" / "projets" / f"fiche-{i:05d}.md").write_text(text, encoding="utf-8")


if __name__ == "__main__":
    main()
