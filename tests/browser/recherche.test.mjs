// The search page (/recherche/): Pagefind's French index, read by recherche.js.

import { after, before, test } from "node:test";
import assert from "node:assert/strict";

import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";

import { attendre, caseStudies, demarrer, rechercher, REPO } from "./support.mjs";

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

// --- French search (issue 15, part 1) ------------------------------------------------------

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

/** The count shown beside every box of the search page's facets: { "themes=qvct": n }. */
async function comptes(page) {
  return page.evaluate(() => {
    const sortie = {};
    for (const c of document.querySelectorAll('#recherche-filtres input[type="checkbox"]')) {
      const texte = c.parentElement.querySelector(".facette__compte").textContent;
      sortie[`${c.name}=${c.value}`] = Number((texte.match(/\d+/) || ["NaN"])[0]);
    }
    return sortie;
  });
}

test("filter counts are those of each choice given the other filters, also once a theme without result is ticked", async () => {
  const page = await site.page();
  const q = "tutorat";
  await rechercher(page, site.origin, q);
  const avant = await comptes(page);
  const vide = Object.keys(avant).find((k) => k.startsWith("themes=") && avant[k] === 0);
  assert.ok(vide, `the test needs a theme without result for ?q=${q}: ${JSON.stringify(avant)}`);
  const pleins = Object.keys(avant).filter((k) => k.startsWith("themes=") && avant[k] > 0);
  assert.ok(pleins.length > 0, JSON.stringify(avant));

  const [nom, valeur] = vide.split("=");
  await page.goto(`${site.origin}/recherche/?q=${q}&${nom}=${valeur}`);
  await attendre(
    () => page.evaluate(() => document.getElementById("recherche-statut").textContent.startsWith("Aucun résultat")),
    { message: "the no-result status with a theme without result" },
  );
  await attendre(async () => {
    const apres = await comptes(page);
    // Within the themes, each count is that of ticking it too (any of): unchanged.
    return pleins.every((k) => apres[k] === avant[k]) && apres[vide] === 0;
  }, { message: `theme counts unchanged after ticking ${vide}: before ${JSON.stringify(avant)}, after ${JSON.stringify(await comptes(page))}` });
  await page.context().close();
});

test("a cold search downloads less than 300 KB", async () => {
  const page = await site.page();
  let octets = 0;
  const fichiers = [];
  page.on("response", async (reponse) => {
    try {
      const corps = await reponse.body();
      octets += corps.length;
      fichiers.push(`${new URL(reponse.url()).pathname} ${corps.length}`);
    } catch {
      // redirects have no body
    }
  });
  // The first page of results, as a reader who searches and reads sees it (no « Afficher plus »).
  await page.goto(`${site.origin}/recherche/?q=innovation`);
  await attendre(
    () => page.evaluate(() => /résultats? trouvés?/.test(document.getElementById("recherche-statut").textContent)),
    { message: "the results of ?q=innovation" },
  );
  await page.waitForLoadState("networkidle");
  const ko = octets / 1024;
  console.log(`cold search for « innovation »: ${ko.toFixed(1)} KB in ${fichiers.length} files`);
  assert.ok(ko < 300, `a cold search downloads ${ko.toFixed(1)} KB:\n  ${fichiers.join("\n  ")}`);
  await page.context().close();
});

test("ticking filters in quick succession ends with the results and counts of the last choice", async () => {
  const page = await site.page();
  await rechercher(page, site.origin, "travail");
  await page.locator("#recherche-filtres > summary").click();
  const cases = page.locator('#recherche-filtres input[name="themes"]');
  // No wait between the clicks: the second search starts before the first one ends.
  await cases.nth(0).check();
  await cases.nth(1).check();
  await attendre(
    () =>
      page.evaluate(
        () =>
          /avec 2 filtres/.test(document.getElementById("recherche-statut").textContent) &&
          !document.getElementById("recherche-resultats").hasAttribute("aria-busy"),
      ),
    { message: "the status of the search with two filters" },
  );
  const apres = { chemins: await page.locator("#recherche-resultats .resultat__titre a").evaluateAll((l) => l.map((a) => new URL(a.href).pathname)), comptes: await comptes(page) };

  const attendue = await site.page();
  await rechercher(attendue, site.origin, "travail");
  await attendue.goto(page.url());
  await attendre(
    () => attendue.evaluate(() => /avec 2 filtres/.test(document.getElementById("recherche-statut").textContent) && !document.getElementById("recherche-resultats").hasAttribute("aria-busy")),
    { message: "the same search loaded from its address" },
  );
  const frais = { chemins: await attendue.locator("#recherche-resultats .resultat__titre a").evaluateAll((l) => l.map((a) => new URL(a.href).pathname)), comptes: await comptes(attendue) };
  assert.deepEqual(apres, frais, "quick clicks end as the same search loaded afresh");
  assert.deepEqual(page.erreurs, [], "no JavaScript error");
  await page.context().close();
  await attendue.context().close();
});
