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

test("without JavaScript, filters in the address are not silently ignored: the page says filtering needs JavaScript and links each term page", async () => {
  const page = await site.page({ javaScriptEnabled: false });
  await page.goto(`${site.origin}/projets/?themes=qvct&maturite=emergence`);
  const note = page.locator(".facettes-sans-js");
  assert.equal(await note.isVisible(), true, "a note about filtering is shown on /projets/ without JavaScript");
  assert.match(await note.innerText(), /JavaScript/, "the note says that filtering needs JavaScript");
  // Each term that has case studies is one link away, for each taxonomy of the facets.
  for (const [chemin, nom] of [
    ["/themes/qvct/", /Qualité de vie et des conditions de travail/],
    ["/maturite/emergence/", /Émergence/],
  ]) {
    const lien = note.locator(`a[href="${chemin}"]`);
    assert.equal(await lien.count(), 1, `the note links ${chemin}`);
    assert.match(await lien.textContent(), nom, `the link to ${chemin} is named after its term`);
  }
  await page.context().close();

  // With JavaScript the facets replace the note.
  const avecJs = await site.page();
  await avecJs.goto(`${site.origin}/projets/?themes=qvct`);
  await avecJs.locator("#facettes").waitFor({ state: "visible", timeout: 10_000 });
  assert.equal(await avecJs.locator(".facettes-sans-js").isVisible(), false, "with JavaScript the note gives way to the facets");
  await avecJs.context().close();
});
