// The search page reads French (issue 15, part 1): elision, hyphenated words, synonyms of
// guide.yaml, stop words, misspellings and single letters.

import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";

import { attendre, caseStudies, demarrer, rechercher, REPO } from "./support.mjs";

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


/**
 * The indexed pages (not section indexes) whose title or body contains `motif`, from the
 * sources under content/: [url path].
 */
function pagesContenant(motif) {
  const racine = path.join(REPO, "content");
  const chemins = [];
  const parcourir = (dossier) => {
    for (const entree of readdirSync(dossier, { withFileTypes: true })) {
      const complet = path.join(dossier, entree.name);
      if (entree.isDirectory()) parcourir(complet);
      else if (entree.name.endsWith(".md") && entree.name !== "_index.md") chemins.push(complet);
    }
  };
  parcourir(racine);
  const trouves = [];
  for (const fichier of chemins) {
    const texte = readFileSync(fichier, "utf8");
    const fin = texte.indexOf("\n---", 4);
    const entete = texte.slice(0, fin);
    const corps = texte.slice(fin + 4);
    const titre = (entete.match(/^title:\s*(.*)$/m) || [])[1] || "";
    if (motif.test(titre) || motif.test(corps)) {
      const relatif = path.relative(racine, fichier).replace(/\.md$/, "").split(path.sep).join("/");
      trouves.push(`/${relatif}/`);
    }
  }
  return trouves.sort();
}

function manquants(attendus, r) {
  return attendus.filter((c) => !r.chemins.includes(c));
}

test("elision: « innovation » finds every page that writes « l’innovation » or « d’innovation »", async () => {
  const attendus = pagesContenant(/\b(?:l|d|qu)[’']innovation/i);
  assert.ok(attendus.length >= 5, `the guide should have pages with « l’innovation »: ${attendus}`);
  const page = await site.page();
  const r = await rechercher(page, site.origin, "innovation");
  assert.deepEqual(manquants(attendus, r), [], `?q=innovation misses pages; ${resume(r)}`);
  // The reader sees the apostrophe as written, and the word itself highlighted.
  const extraits = await page.locator("#recherche-resultats .resultat__extrait").allInnerTexts();
  assert.ok(extraits.some((e) => /[ld]’innovation/i.test(e)), `an excerpt should read « l’innovation »: ${extraits.slice(0, 3)}`);
  assert.ok(!extraits.some((e) => /[’'] innovation|\u2060/i.test(e)), `no split or marker shows in excerpts: ${extraits.slice(0, 3)}`);
  assert.ok(r.marques.some((m) => /innovation/i.test(m)), `« innovation » is highlighted: ${r.marques.slice(0, 5)}`);
  // The elided form typed by the reader finds them as well.
  const r2 = await rechercher(page, site.origin, "l’innovation");
  assert.deepEqual(manquants(attendus, r2), [], `?q=l’innovation misses pages; ${resume(r2)}`);
  await page.context().close();
});

test("elision: « Aract » finds every page that names l’Aract or d’Aract", async () => {
  const attendus = pagesContenant(/\baract\b/i);
  const page = await site.page();
  const r = await rechercher(page, site.origin, "Aract");
  assert.ok(attendus.length > 2, `the guide names the Aract on several pages: ${attendus}`);
  assert.deepEqual(manquants(attendus, r), [], `?q=Aract misses pages; ${resume(r)}`);
  await page.context().close();
});

test("a hyphenated word is found whole and by its parts: « appui-conseil » and « conseil »", async () => {
  const attendus = pagesContenant(/appui-conseil/i);
  assert.ok(attendus.length > 2, `the guide names the appui-conseil on several pages: ${attendus}`);
  const page = await site.page();
  for (const q of ["appui-conseil", "conseil"]) {
    const r = await rechercher(page, site.origin, q);
    assert.deepEqual(manquants(attendus, r), [], `?q=${q} misses pages; ${resume(r)}`);
  }
  await page.context().close();
});

test("synonyms and acronyms of guide.yaml: « QVT » and « QVCT » find the case studies of the quality-of-working-life theme", async () => {
  const attendus = caseStudies(site.root)
    .filter((p) => p.taxonomies.themes?.includes("qvct"))
    .map((p) => p.path)
    .sort();
  assert.ok(attendus.length > 0, "some case studies have the theme qvct");
  const page = await site.page();
  for (const q of ["QVT", "QVCT", "GPEC"]) {
    const r = await rechercher(page, site.origin, q);
    assert.ok(r.chemins.length > 0, `?q=${q} should find something; ${resume(r)}`);
    if (q !== "GPEC") assert.deepEqual(manquants(attendus, r), [], `?q=${q} misses qvct case studies; ${resume(r)}`);
  }
  // A case study found by its theme's synonym, not its text, says why.
  await rechercher(page, site.origin, "QVT");
  const sansLeMot = page.locator(".resultat", { has: page.locator(".resultat__raison") });
  assert.ok((await sansLeMot.count()) > 0, "results found by a synonym only say why");
  assert.equal(await sansLeMot.locator("mark").count(), 0, "and they highlight nothing");
  await page.context().close();
});

test("French stop words are neither highlighted nor searched: « partage de la valeur »", async () => {
  const page = await site.page();
  const r = await rechercher(page, site.origin, "partage de la valeur");
  assert.ok(r.chemins.length > 0, `?q=partage de la valeur should find pages; ${resume(r)}`);
  const vides = r.marques.filter((m) => /^(de|la|des|le|les|du)$/i.test(m));
  assert.deepEqual(vides, [], `stop words are highlighted: ${JSON.stringify(r.marques.slice(0, 20))}`);
  assert.ok(r.marques.some((m) => /valeur/i.test(m)), `« valeur » is highlighted: ${JSON.stringify(r.marques.slice(0, 10))}`);

  // Several words, each checked against the index in turn (a regression: checked at once,
  // Pagefind answered only the last one and the others were taken for misspellings).
  const plusieurs = await rechercher(page, site.origin, "qualite de vie au travail");
  assert.ok(plusieurs.chemins.length > 0, `?q=qualite de vie au travail should find pages; ${resume(plusieurs)}`);
  const faute = await rechercher(page, site.origin, "partage valuer");
  assert.deepEqual(faute.chemins, [], resume(faute));
  assert.ok(
    await page.locator("#recherche-suggestions a", { hasText: /^partage valeur$/ }).count(),
    `?q=partage valuer suggests « partage valeur »: ${await page.locator("#recherche-suggestions").textContent()}`,
  );

  const seul = await rechercher(page, site.origin, "de");
  assert.deepEqual(seul.marques, [], `?q=de highlights nothing; ${resume(seul)}`);
  assert.deepEqual(seul.chemins, [], `?q=de lists no page; ${resume(seul)}`);
  assert.match(seul.statut, /trop courant/, `?q=de says why nothing is searched; ${resume(seul)}`);
  await page.context().close();
});

test("a misspelling says so plainly and suggests the closest indexed word: « innvation » → « innovation »", async () => {
  const page = await site.page();
  const r = await rechercher(page, site.origin, "innvation");
  assert.deepEqual(r.chemins, [], `?q=innvation lists nothing; ${resume(r)}`);
  assert.match(r.statut, /^Aucun résultat pour «\s*innvation\s*»/, resume(r));
  const suggestion = page.locator("#recherche-suggestions a", { hasText: /^innovation$/ });
  await suggestion.first().waitFor({ timeout: 10_000 });
  await suggestion.first().click();
  await page.waitForURL(/q=innovation/);
  const apres = await rechercher(page, site.origin, "innovation");
  assert.ok(apres.chemins.length > 5, resume(apres));
  await page.context().close();
});

test("a single letter never lists junk", async () => {
  const page = await site.page();
  for (const q of ["a", "l", "x"]) {
    const r = await rechercher(page, site.origin, q);
    assert.deepEqual(r.chemins, [], `?q=${q} lists no page; ${resume(r)}`);
  }
  await page.context().close();
});
