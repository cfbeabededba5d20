// The kinds of page the accessibility checks visit (axe-core in accessibilite.test.mjs,
// HTML_CodeSniffer in pa11y.test.mjs), and how to open each one.

import assert from "node:assert/strict";

import { rechercher } from "./support.mjs";

export const LARGEURS = [
  { width: 375, height: 812 },
  { width: 1280, height: 900 },
];

/** [name, path, prepare(page, site)?, hint?] of every kind of page. */
export const PAGES = [
  ["the home page", "/"],
  ["a case study", "/projets/entreprise-a-accord-temps-de-travail/"],
  ["a case study with an indicators table", "/projets/collectif-e-gpec-territoriale/"],
  [
    "the list of case studies with its facets",
    "/projets/",
    async (page, site) => {
      await page.goto(`${site.origin}/projets/`);
      await page.locator("#facettes").waitFor({ state: "visible", timeout: 10_000 });
      // The panel, open on a desktop, is opened on a phone, so that axe sees the checkboxes.
      const volet = page.locator("#facettes-volet");
      if (!(await volet.evaluate((d) => d.open))) await volet.locator("summary").click();
    },
  ],
  ["a taxonomy's list of terms", "/themes/"],
  ["a term page", "/themes/qvct/"],
  ["a maturity level", "/maturite/nouvelles-pratiques/"],
  ["the maturity scale and its self-assessment", "/maturite/"],
  ["the apply page with the contact block", "/candidater/"],
  ["a page with tables in its text", "/dispositif/"],
  [
    "the search page with results",
    "/recherche/?q=négociation",
    async (page, site) => {
      const r = await rechercher(page, site.origin, "négociation");
      assert.ok(r.chemins.length > 0, `the search page shows results before axe runs (${r.statut})`);
    },
  ],
  [
    "the printed edition",
    "/guide-complet/",
    null,
    "it comes from the template themes/innovation-sociale/templates/guide_complet.html",
  ],
  ["the open data page", "/donnees-ouvertes/"],
  ["the page not found", "/page-qui-n-existe-pas/"],
];


/** Opens `chemin` in `site` at `viewport`, failing clearly on a missing page, and prepares it. */
export async function ouvrir(site, [, chemin, preparer, indice], viewport) {
  const page = await site.page({ viewport });
  if (preparer) {
    await preparer(page, site);
  } else {
    const reponse = await page.goto(`${site.origin}${chemin}`);
    const attendu = chemin === "/page-qui-n-existe-pas/" ? 404 : 200;
    if (reponse.status() !== attendu) await page.context().close();
    assert.equal(
      reponse.status(),
      attendu,
      `${chemin} answered ${reponse.status()}: the page is missing from the built site${indice ? ` (${indice})` : ""}`,
    );
  }
  return page;
}
