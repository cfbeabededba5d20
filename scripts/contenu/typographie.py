#!/usr/bin/env python3
"""Met la typographie française dans les textes que `guide` ne retouche pas.

`guide` pose lui-même les espaces insécables avant « ; : ! ? % » et les apostrophes courbes
dans le texte Markdown et les titres. Ce script complète, dans les fichiers sources :
- les champs d'en-tête des fiches montrés tels quels par le thème (résultats, enseignements,
  témoignage, activité…) et les textes de `extra` dans guide.yaml : apostrophes courbes (’),
  espace fine insécable avant « ; ! ? » et insécable avant « : » ;
- partout (en-têtes et texte) : espace fine insécable dans les grands nombres (« 1 000 ») et
  espace insécable entre un nombre et son unité (« 5 jours », « 3 000 € », « 35 heures »).

Il est idempotent : le relancer ne change rien. Usage : python3 scripts/contenu/typographie.py
"""

import pathlib
import re

RACINE = pathlib.Path(__file__).resolve().parents[2]
NNBSP = "\u202f"
NBSP = "\u00a0"
UNITES = r"(?:jours?|heures?|mois|ans|semaines?|min|€|salariés?|personnes|entreprises|apprentis|fiches|projets)"


def nombres(texte):
    # Grands nombres : « 1 000 », « 12 000 » (pas les années ni les codes).
    texte = re.sub(r"(?<![\d.,])(\d{1,3}) (\d{3})(?!\d)", lambda m: m.group(1) + NNBSP + m.group(2), texte)
    # Nombre et unité.
    texte = re.sub(r"(\d) (" + UNITES + r")(?![\w-])", lambda m: m.group(1) + NBSP + m.group(2), texte)
    return texte


def ponctuation(valeur):
    valeur = re.sub(r"(?<=\w)'(?=\w)", "\u2019", valeur)
    valeur = re.sub(r" ([;!?])", NNBSP + r"\1", valeur)
    valeur = re.sub(r" :(?=\s|$)", NBSP + ":", valeur)
    valeur = re.sub(r"« ", "«" + NNBSP, valeur)
    valeur = re.sub(r" »", NNBSP + "»", valeur)
    return valeur


def ligne_yaml(ligne):
    """Corrige la valeur d'une ligne YAML (après « clé: » ou « - »), pas sa clé ni un commentaire."""
    if ligne.lstrip().startswith("#"):
        return ligne
    m = re.match(r"^(\s*(?:- )?(?:[\w.]+: )?)(.*)$", ligne)
    debut, valeur = m.group(1), m.group(2)
    if valeur.startswith(("{", "[")):
        # Liste ou table en ligne : corriger les textes sans toucher à la syntaxe.
        return debut + nombres(re.sub(r"(?<=\w)'(?=\w)", "\u2019", valeur))
    return debut + nombres(ponctuation(valeur))


def fiche(chemin):
    texte = chemin.read_text(encoding="utf-8")
    if not texte.startswith("---\n"):
        return texte
    fin = texte.index("\n---\n", 4)
    entete, corps = texte[4:fin], texte[fin + 5 :]
    lignes = []
    for ligne in entete.split("\n"):
        cle = ligne.split(":", 1)[0].strip()
        if cle in ("title", "summary"):
            lignes.append(nombres(ligne))  # guide s'occupe déjà de la ponctuation
        elif cle in ("date", "updated", "slug", "template", "weight", "draft"):
            lignes.append(ligne)  # pas du texte
        else:
            lignes.append(ligne_yaml(ligne))
    return "---\n" + "\n".join(lignes) + "\n---\n" + nombres(corps)


def config(chemin):
    texte = chemin.read_text(encoding="utf-8")
    debut = texte.find("\nextra:\n")
    if debut < 0:
        return texte
    tete, extra = texte[: debut + 8], texte[debut + 8 :]
    return tete + "\n".join(ligne_yaml(l) for l in extra.split("\n"))


def main():
    changes = 0
    for chemin in sorted(RACINE.glob("content/**/*.md")):
        nouveau = fiche(chemin)
        if nouveau != chemin.read_text(encoding="utf-8"):
            chemin.write_text(nouveau, encoding="utf-8")
            changes += 1
            print(f"corrigé : {chemin.relative_to(RACINE)}")
    chemin = RACINE / "guide.yaml"
    nouveau = config(chemin)
    if nouveau != chemin.read_text(encoding="utf-8"):
        chemin.write_text(nouveau, encoding="utf-8")
        changes += 1
        print("corrigé : guide.yaml")
    print(f"{changes} fichier(s) modifié(s)")


if __name__ == "__main__":
    main()
