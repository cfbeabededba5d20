// The facet filters of /projets/ (facettes.js): « or » within a taxonomy, « and » across
// taxonomies, state kept in the address.

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

// A theme and a maturity level that, together, keep some case studies but not all.
const THEME = "qvct";
const MATURITE = "emergence";

/** The paths of the case-study cards the reader can see, and the checked facet boxes. */
async function etat(page) {
  const cartes = page.locator(".liste-facettee .cartes > li");
  const visibles = [];
  for (const li of await cartes.all()) {
    if (await li.isVisible()) {
      const href = await li.locator(".carte__titre a").getAttribute("href");
      visibles.push(new URL(href, page.url()).pathname);
    }
  }
  const coches = await page
    .locator('#facettes-formulaire input[type="checkbox"]:checked')
    .evaluateAll((cases) => cases.map((c) => `${c.name}=${c.value}`));
  return { visibles: visibles.sort(), coches: coches.sort(), total: await cartes.count() };
}

test("checking a theme and a maturity level keeps only the matching cards, and the address restores that choice", async () => {
  const projets = caseStudies(site.root);
  const attendus = projets
    .filter((p) => p.taxonomies.themes?.includes(THEME) && p.taxonomies.maturite?.includes(MATURITE))
    .map((p) => p.path)
    .sort();
  assert.ok(
    attendus.length > 0 && attendus.length < projets.length,
    `the test needs ${THEME} + ${MATURITE} to keep some but not all case studies (keeps ${attendus.length} of ${projets.length})`,
  );

  const page = await site.page();
  await page.goto(`${site.origin}/projets/`);
  await page.locator("#facettes").waitFor({ state: "visible", timeout: 10_000 });
  const avant = await etat(page);
  assert.equal(avant.visibles.length, projets.length, "before filtering, every card is visible");
  assert.deepEqual(avant.coches, [], "no box is checked at first");

  // Through the labels, as a reader would.
  await page.getByRole("checkbox", { name: /Qualité de vie et des conditions de travail/ }).check();
  await page.getByRole("checkbox", { name: /Émergence/ }).check();

  const apres = await etat(page);
  assert.deepEqual(apres.visibles, attendus, `with ${THEME} and ${MATURITE} checked, only the matching cards stay visible`);
  assert.deepEqual(apres.coches, [`maturite=${MATURITE}`, `themes=${THEME}`]);
  await assert.doesNotReject(
    page.locator("#facettes-statut").filter({ hasText: `${attendus.length} projet` }).waitFor({ timeout: 2_000 }),
    "the aria-live status announces the number of cards shown",
  );

  const adresse = new URL(page.url());
  assert.equal(adresse.pathname, "/projets/");
  assert.equal(adresse.searchParams.get("themes"), THEME, `the address keeps the theme: ${adresse}`);
  assert.equal(adresse.searchParams.get("maturite"), MATURITE, `the address keeps the maturity level: ${adresse}`);

  // The same address, opened afresh, shows the same cards with the same boxes checked.
  const autre = await site.page();
  await autre.goto(adresse.href);
  await autre.locator("#facettes").waitFor({ state: "visible", timeout: 10_000 });
  const rouverte = await etat(autre);
  assert.deepEqual(rouverte.visibles, attendus, `${adresse.search} opened in a new page shows the same cards`);
  assert.deepEqual(rouverte.coches, apres.coches, `${adresse.search} opened in a new page checks the same boxes`);

  assert.deepEqual([...page.erreurs, ...autre.erreurs], [], "no JavaScript error on /projets/");
  await page.context().close();
  await autre.context().close();
});
