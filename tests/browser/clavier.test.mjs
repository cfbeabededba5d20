// Keyboard only: skip link, then the search field of the header, then the search page.

import { after, before, test } from "node:test";
import assert from "node:assert/strict";

import { attendre, demarrer } from "./support.mjs";

let site;
before(async () => {
  site = await demarrer();
});
after(async () => {
  await site?.fin();
});

/** What has the focus: tag, id, class, text, and whether it is drawn inside the viewport. */
function focus(page) {
  return page.evaluate(() => {
    const e = document.activeElement;
    if (!e || e === document.body) return { tag: "body" };
    const r = e.getBoundingClientRect();
    return {
      tag: e.tagName.toLowerCase(),
      id: e.id,
      classe: e.className,
      texte: (e.textContent || "").trim(),
      dansLaFenetre: r.width > 0 && r.height > 0 && r.bottom > 0 && r.right > 0 && r.top < innerHeight && r.left < innerWidth,
    };
  });
}

test("with the keyboard alone, the skip link leads to the content and the header's search field leads to the search page", async () => {
  const page = await site.page();
  await page.goto(`${site.origin}/`);

  // First Tab: the skip link, visible once focused.
  await page.keyboard.press("Tab");
  const lien = await focus(page);
  assert.equal(lien.tag, "a", `the first Tab should reach the skip link, reached ${JSON.stringify(lien)}`);
  assert.equal(lien.texte, "Aller au contenu");
  assert.ok(lien.dansLaFenetre, "the focused skip link is shown on screen");

  // Enter: the focus moves to <main id="contenu">.
  await page.keyboard.press("Enter");
  await attendre(async () => (await focus(page)).id === "contenu", { ms: 2_000, message: "the focus on #contenu" });
  const principal = await focus(page);
  assert.equal(principal.tag, "main", "the skip link moves the focus to the main content");
  assert.equal(new URL(page.url()).hash, "#contenu");

  // From the top of the page again, Tab reaches the search field of the header.
  await page.goto(`${site.origin}/`);
  const parcours = [];
  let champ = null;
  for (let i = 0; i < 10; i++) {
    await page.keyboard.press("Tab");
    const f = await focus(page);
    parcours.push(f.id || f.texte || f.tag);
    if (f.tag === "input" && f.id === "recherche-entete") {
      champ = f;
      break;
    }
  }
  assert.ok(champ, `Tab should reach the search field (#recherche-entete) within 10 presses; went through ${JSON.stringify(parcours)}`);
  assert.ok(champ.dansLaFenetre, "the focused search field is on screen");

  // Typing a query and Enter: the search page, with the query in its address and its field.
  await page.keyboard.type("négociation");
  await Promise.all([page.waitForURL(/\/recherche\/\?/, { timeout: 10_000 }), page.keyboard.press("Enter")]);
  const adresse = new URL(page.url());
  assert.equal(adresse.pathname, "/recherche/");
  assert.equal(adresse.searchParams.get("q"), "négociation", `the query is in the address: ${adresse}`);
  await attendre(async () => (await page.inputValue("#recherche-mots")) === "négociation", {
    ms: 5_000,
    message: "the search page's field to hold the query",
  });
  await page.locator("#recherche-resultats .resultat").first().waitFor({ timeout: 10_000 });
  assert.deepEqual(page.erreurs, [], "no JavaScript error");
  await page.context().close();
});
