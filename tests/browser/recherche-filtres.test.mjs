// The search page's filter counts, quick changes of filters, and what a cold search downloads
// (issue 15, part 1).

import { after, before, test } from "node:test";
import assert from "node:assert/strict";

import { attendre, demarrer, rechercher } from "./support.mjs";

let site;
before(async () => {
  site = await demarrer();
});
after(async () => {
  await site?.fin();
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
