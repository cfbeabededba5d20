#!/usr/bin/env python3
"""Relecture du français du guide par Grammalecte (paquet Debian `grammalecte-cli`).

Le texte relu est celui que voit le lecteur : les pages HTML produites par `guide build`
(en-tête, navigation, contenu, pied de page, version imprimable), sans le code ni les scripts.
Chaque bloc de texte distinct n'est relu qu'une fois, même s'il
figure sur plusieurs pages (une carte de projet, le pied de page).

Usage :
    ./target/release/guide build --output /tmp/public
    python3 scripts/contenu/grammalecte.py /tmp/public [--tout]

Les fautes signalées qui n'en sont pas (noms propres, sigles, termes de métier…) sont listées
dans scripts/contenu/grammalecte-faux-positifs.tsv, avec la raison : elles sont comptées à part.
--tout affiche aussi ces faux positifs. Code de sortie : 1 s'il reste une faute, 0 sinon.
"""

import argparse
import html.parser
import json
import pathlib
import re
import subprocess
import sys
import tempfile

ICI = pathlib.Path(__file__).resolve().parent
FAUX_POSITIFS = ICI / "grammalecte-faux-positifs.tsv"

BLOCS = {
    "p", "li", "h1", "h2", "h3", "h4", "h5", "h6", "dt", "dd", "td", "th", "caption",
    "figcaption", "blockquote", "div", "section", "article", "header", "footer", "nav",
    "main", "ul", "ol", "dl", "table", "tr", "form", "label", "button", "title", "option",
    "summary", "details", "fieldset", "legend", "aside", "figure", "br",
}
IGNORES = {"script", "style", "code", "pre", "svg", "noscript", "template"}


class Texte(html.parser.HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.blocs = []
        self.courant = []
        self.ignore = 0
        self.cache = []  # éléments aria-hidden="true" ouverts : [nom, profondeur]

    def coupe(self):
        # Seules les espaces ordinaires sont fusionnées : les espaces insécables (U+00A0,
        # U+202F) de la typographie française doivent rester pour être vérifiées.
        t = re.sub(r"[ \t\n\r\f\v]+", " ", "".join(self.courant)).strip(" ")
        if t:
            self.blocs.append(t)
        self.courant = []

    def handle_starttag(self, tag, attrs):
        if self.cache and tag == self.cache[-1][0]:
            self.cache[-1][1] += 1
        elif ("aria-hidden", "true") in attrs:
            # Masqué aux technologies d'assistance (une pastille décorative) : non relu.
            self.cache.append([tag, 1])
        if tag in IGNORES:
            self.ignore += 1
        elif tag in BLOCS:
            self.coupe()

    def handle_endtag(self, tag):
        if self.cache and tag == self.cache[-1][0]:
            self.cache[-1][1] -= 1
            if self.cache[-1][1] == 0:
                self.cache.pop()
        if tag in IGNORES:
            self.ignore = max(0, self.ignore - 1)
        elif tag in BLOCS:
            self.coupe()

    def handle_data(self, data):
        if not self.ignore and not self.cache:
            self.courant.append(data)


def blocs_du_site(public):
    vus = {}
    for f in sorted(public.rglob("*.html")):
        rel = f.relative_to(public).as_posix()
        if rel.startswith("pagefind/"):
            continue
        texte = f.read_text(encoding="utf-8")
        if 'http-equiv="refresh"' in texte:
            continue  # page de redirection d'un alias
        p = Texte()
        p.feed(texte)
        p.coupe()
        for b in p.blocs:
            vus.setdefault(b, rel)
    return vus


def faux_positifs():
    regles = []
    if FAUX_POSITIFS.is_file():
        for ligne in FAUX_POSITIFS.read_text(encoding="utf-8").splitlines():
            if not ligne.strip() or ligne.startswith("#"):
                continue
            champs = ligne.split("\t")
            regles.append((champs[0], champs[1], champs[2]))
    return regles


def est_faux_positif(regles, genre, regle, mot):
    for g, r, m in regles:
        if g == genre and r in ("*", regle) and m == mot:
            return True
    return False


def main():
    a = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    a.add_argument("public", help="dossier produit par guide build")
    a.add_argument("--tout", action="store_true", help="afficher aussi les faux positifs")
    args = a.parse_args()

    blocs = blocs_du_site(pathlib.Path(args.public))
    textes = list(blocs)
    with tempfile.NamedTemporaryFile("w", suffix=".txt", encoding="utf-8", delete=False) as t:
        # Un bloc par paragraphe : une ligne vide entre deux blocs.
        t.write("\n\n".join(textes) + "\n")
        chemin = t.name
    sortie = subprocess.run(
        ["grammalecte-cli", "-f", chemin, "-j", "-ctx", "-owe"],
        capture_output=True, text=True, check=True,
    ).stdout
    pathlib.Path(chemin).unlink()
    donnees = json.loads(sortie)

    # Les numéros de paragraphe de Grammalecte comptent les lignes vides : retrouver les blocs.
    par_ligne = {}
    numero = 1
    for b in textes:
        par_ligne[numero] = b
        numero += 2

    regles = faux_positifs()
    fautes = {"grammaire": 0, "orthographe": 0}
    ecartees = {"grammaire": 0, "orthographe": 0}
    for para in donnees.get("data", []):
        bloc = par_ligne.get(para["iParagraph"], "?")
        page = blocs.get(bloc, "?")
        for genre, cle in (("grammaire", "lGrammarErrors"), ("orthographe", "lSpellingErrors")):
            for e in para.get(cle, []):
                mot = bloc[e["nStart"]:e["nEnd"]]
                regle = e.get("sRuleId", "-") if genre == "grammaire" else "-"
                faux = est_faux_positif(regles, genre, regle, mot)
                if faux:
                    ecartees[genre] += 1
                else:
                    fautes[genre] += 1
                if not faux or args.tout:
                    message = e.get("sMessage", "mot inconnu du dictionnaire")
                    marque = " [faux positif]" if faux else ""
                    print(f"{page}: {genre} {regle} « {mot} » : {message}{marque}")
                    print(f"    … {bloc[max(0, e['nStart'] - 60):e['nEnd'] + 60]} …")
    total = fautes["grammaire"] + fautes["orthographe"]
    print(
        f"\n{len(textes)} blocs de texte relus ; "
        f"{fautes['grammaire']} faute(s) de grammaire ou de typographie, "
        f"{fautes['orthographe']} d'orthographe ; "
        f"faux positifs écartés : {ecartees['grammaire']} + {ecartees['orthographe']}",
        file=sys.stderr,
    )
    return 1 if total else 0


if __name__ == "__main__":
    sys.exit(main())
