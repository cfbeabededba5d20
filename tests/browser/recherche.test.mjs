// The search page (/recherche/): Pagefind's French index, read by recherche.js.

import { after, before, test } from "node:test";
import assert from "node:assert/strict";

import { demarrer, rechercher } from "./support.mjs";

const ACCORD = "/projets/entreprise-a-accord-temps-de-travail/";

let site;
before(async () => {
  site = await demarrer();
});
after(async () => {
  await site?.fin();
});

function resume(r) {
  return `status « ${r.statut} », results:\n  ${r.chemins.join("\n  ") || "(none)"}`;
}

test("a search for an accented word and for its unaccented form both find the working-time case study", async () => {
  const page = await site.page();
  for (const q of ["négociation", "negociation"]) {
    const r = await rechercher(page, site.origin, q);
    assert.ok(r.chemins.includes(ACCORD), `?q=${q} should list ${ACCORD}; ${resume(r)}`);
    assert.match(r.statut, /résultats? trouvés? pour/, `?q=${q}: the aria-live status should count the results`);
    assert.equal(await page.inputValue("#recherche-mots"), q, `?q=${q} should fill the search field`);
  }
  assert.deepEqual(page.erreurs, [], "no JavaScript error on the search page");
  await page.context().close();
});

test("a search without accents finds the pages that use the accented word", async () => {
  const page = await site.page();
  const r = await rechercher(page, site.origin, "qualite");
  assert.ok(r.chemins.length > 0, `?q=qualite should find pages containing « qualité »; ${resume(r)}`);
  const accentues = r.marques.filter((m) => /qualité/i.test(m));
  assert.ok(
    accentues.length > 0,
    `the excerpts of ?q=qualite should highlight « qualité »; highlighted: ${JSON.stringify(r.marques)}`,
  );
  await page.context().close();
});

test("French stemming: searching for « négocier » finds the case study about negotiation", async () => {
  const page = await site.page();
  const r = await rechercher(page, site.origin, "négocier");
  assert.ok(r.chemins.includes(ACCORD), `?q=négocier should list ${ACCORD} (négociation, négocié); ${resume(r)}`);
  await page.context().close();
});
