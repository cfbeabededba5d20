// Without JavaScript the lists stay whole: every case study on /projets/, every page of a term
// on its term page (the facets are progressive enhancement).

import { after, before, test } from "node:test";
import assert from "node:assert/strict";

import { caseStudies, demarrer } from "./support.mjs";

let site;
before(async () => {
  site = await demarrer();
});
after(async () => {
  await site?.fin();
});

/** The paths of the visible links of `selecteur`, sorted. */
async function liensVisibles(page, selecteur) {
  const chemins = [];
  for (const a of await page.locator(selecteur).all()) {
    if (await a.isVisible()) chemins.push(new URL(await a.getAttribute("href"), page.url()).pathname);
  }
  return chemins.sort();
}

test("without JavaScript, the list of case studies shows every card and a term page lists all its pages", async () => {
  const projets = caseStudies(site.root);
  assert.ok(projets.length >= 8, `projets.json lists the case studies (found ${projets.length})`);
  const page = await site.page({ javaScriptEnabled: false });

  await page.goto(`${site.origin}/projets/`);
  const cartes = await liensVisibles(page, ".cartes > li .carte__titre a");
  assert.deepEqual(cartes, projets.map((p) => p.path).sort(), "/projets/ shows one card per case study");
  assert.equal(await page.locator("#facettes").isVisible(), false, "the facet form stays hidden without JavaScript");

  const qvct = projets.filter((p) => p.taxonomies.themes?.includes("qvct")).map((p) => p.path).sort();
  assert.ok(qvct.length > 0, "some case studies have the theme qvct");
  await page.goto(`${site.origin}/themes/qvct/`);
  const termes = await liensVisibles(page, "main .carte__titre a");
  assert.deepEqual(termes, qvct, "/themes/qvct/ lists every case study of the theme");

  await page.context().close();
});
