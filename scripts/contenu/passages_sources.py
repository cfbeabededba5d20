#!/usr/bin/env python3
"""Passages du guide qui reprennent mot pour mot les sources.

Le guide s'appuie sur des articles (../shared/sources/ à côté du dépôt) : les faits passent,
les phrases non. Ce script cherche toute suite d'au moins N mots (8 par défaut) commune à un
texte du guide (content/, guide.yaml, gabarits du thème) et à une source. Les noms
d'organismes (« Aract Auvergne-Rhône-Alpes », « Région Auvergne-Rhône-Alpes »…) comptent pour
un seul mot : les citer n'est pas recopier.

Usage : python3 scripts/contenu/passages_sources.py [--sources DOSSIER] [--n 8]
Sortie : une ligne par passage commun (fichier, ligne, passage) ; code 1 s'il y en a, 0 sinon.
"""

import argparse
import pathlib
import re
import sys
import unicodedata

RACINE = pathlib.Path(__file__).resolve().parents[2]
# Passages cités à dessein (le titre d'un article source, entre guillemets), un par ligne,
# sous la forme normalisée qu'affiche ce script ; « # » commence un commentaire.
AUTORISES = pathlib.Path(__file__).resolve().parent / "passages-autorises.txt"

# Noms d'organismes réduits à un seul mot avant la comparaison (minuscules, sans accents).
ORGANISMES = [
    "association regionale pour l amelioration des conditions de travail",
    "agence nationale pour l amelioration des conditions de travail",
    "chambre regionale de l economie sociale et solidaire",
    "conseil superieur de l economie sociale et solidaire",
    "aract auvergne rhone alpes",
    "aract de la region auvergne rhone alpes",
    "region auvergne rhone alpes",
    "cress auvergne rhone alpes",
    "universite grenoble alpes",
    "universite de grenoble",
    "conseil regional de lorraine",
    "club des dirigeants et artisans de lorraine",
    "convergence rh",
]


def mots(texte):
    """Les mots d'un texte, en minuscules et sans accents, avec leur ligne d'origine."""
    sortie = []
    for numero, ligne in enumerate(texte.splitlines(), start=1):
        ligne = unicodedata.normalize("NFKD", ligne.lower())
        ligne = "".join(c for c in ligne if not unicodedata.combining(c))
        for m in re.findall(r"[a-z0-9]+", ligne):
            sortie.append((m, numero))
    # Les noms d'organismes deviennent un seul mot.
    noms = [n.split() for n in ORGANISMES]
    noms.sort(key=len, reverse=True)
    reduit = []
    i = 0
    while i < len(sortie):
        for nom in noms:
            if [w for w, _ in sortie[i : i + len(nom)]] == nom:
                reduit.append(("<" + "_".join(nom) + ">", sortie[i][1]))
                i += len(nom)
                break
        else:
            reduit.append(sortie[i])
            i += 1
    return reduit


def textes_du_guide():
    fichiers = sorted(RACINE.glob("content/**/*.md"))
    fichiers += [RACINE / "guide.yaml"]
    fichiers += sorted(RACINE.glob("themes/*/templates/*.html"))
    return fichiers


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--sources", default=str(RACINE.parent / "shared" / "sources"))
    p.add_argument("--n", type=int, default=8)
    args = p.parse_args()
    n = args.n

    sources = [f for f in sorted(pathlib.Path(args.sources).glob("*.txt"))]
    if not sources:
        print(f"aucune source dans {args.sources}", file=sys.stderr)
        return 2
    suites = {}
    for s in sources:
        m = [w for w, _ in mots(s.read_text(encoding="utf-8"))]
        for i in range(len(m) - n + 1):
            suites.setdefault(tuple(m[i : i + n]), s.name)

    autorises = []
    if AUTORISES.is_file():
        for ligne in AUTORISES.read_text(encoding="utf-8").splitlines():
            ligne = ligne.split("#", 1)[0].strip()
            if ligne:
                autorises.append(ligne)

    trouves = 0
    for f in textes_du_guide():
        m = mots(f.read_text(encoding="utf-8"))
        i = 0
        while i <= len(m) - n:
            cle = tuple(w for w, _ in m[i : i + n])
            if cle in suites:
                # Étendre le passage tant qu'il reste commun.
                j = i + n
                while j < len(m) and tuple(w for w, _ in m[j - n + 1 : j + 1]) in suites:
                    j += 1
                passage = " ".join(w for w, _ in m[i:j])
                if any(passage in a for a in autorises):
                    i = j
                    continue
                print(f"{f.relative_to(RACINE)}:{m[i][1]}: {j - i} mots communs avec {suites[cle]} : {passage}")
                trouves += 1
                i = j
            else:
                i += 1
    print(f"{trouves} passage(s) d'au moins {n} mots communs avec les sources", file=sys.stderr)
    return 1 if trouves else 0


if __name__ == "__main__":
    sys.exit(main())
