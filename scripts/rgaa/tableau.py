#!/usr/bin/env python3
"""Writes the RGAA 4.1 audit summary of docs/rgaa/grille.csv into content/accessibilite.md.

The table (per theme: conformes, non conformes, non applicables, non testés) and the list of
non-conform criteria go between the markers <!-- rgaa:debut --> and <!-- rgaa:fin -->.
tests/contenu.rs checks that the page and the grid agree. Usage: python3 scripts/rgaa/tableau.py
"""
import csv
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
GRILLE = REPO / "docs" / "rgaa" / "grille.csv"
PAGE = REPO / "content" / "accessibilite.md"
DEBUT, FIN = "<!-- rgaa:debut -->", "<!-- rgaa:fin -->"
STATUTS = ("C", "NC", "NA", "NT")


def lire():
    with GRILLE.open(encoding="utf-8", newline="") as f:
        lignes = list(csv.DictReader(f, delimiter=";"))
    assert len(lignes) == 106, f"{len(lignes)} critères au lieu de 106"
    for l in lignes:
        assert l["statut"] in STATUTS, l
    return lignes


def taux(c, nc):
    return round(100 * c / (c + nc), 1) if c + nc else None


def rendre(lignes):
    themes = {}
    for l in lignes:
        themes.setdefault(l["theme"], {s: 0 for s in STATUTS})[l["statut"]] += 1
    total = {s: sum(t[s] for t in themes.values()) for s in STATUTS}
    out = [
        "Nombre de critères par thématique : C, conformes ; NC, non conformes ; "
        "NA, non applicables ; NT, non testés.",
        "",
        "| Thématique | C | NC | NA | NT |",
        "|---|---|---|---|---|",
    ]
    for nom, t in themes.items():
        out.append(f"| {nom} | {t['C']} | {t['NC']} | {t['NA']} | {t['NT']} |")
    out.append(f"| **Total** | **{total['C']}** | **{total['NC']}** | **{total['NA']}** | **{total['NT']}** |")
    out.append("")
    nc = [l for l in lignes if l["statut"] == "NC"]
    if nc:
        out.append("Critères non conformes :")
        out.append("")
        for l in nc:
            out.append(f"- **{l['critere']} {l['titre']}** ({l['pages']}) : {l['justification']}.")
    else:
        out.append("Aucun des critères testés n’est non conforme.")
    return "\n".join(out), total


def main():
    lignes = lire()
    bloc, total = rendre(lignes)
    texte = PAGE.read_text(encoding="utf-8")
    avant, reste = texte.split(DEBUT, 1)
    _, apres = reste.split(FIN, 1)
    PAGE.write_text(f"{avant}{DEBUT}\n\n{bloc}\n\n{FIN}{apres}", encoding="utf-8")
    t = taux(total["C"], total["NC"])
    print(f"C {total['C']}, NC {total['NC']}, NA {total['NA']}, NT {total['NT']}, taux C/(C+NC) : {t} %")


if __name__ == "__main__":
    main()
