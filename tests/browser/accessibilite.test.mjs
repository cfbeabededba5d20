// axe-core (WCAG 2.1 A and AA rules) on the main kinds of page, as rendered by Chromium.

import { after, before, test } from "node:test";
import assert from "node:assert/strict";

import { axeScript, demarrer, rechercher } from "./support.mjs";

const TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"];

let site;
before(async () => {
  site = await demarrer();
});
after(async () => {
  await site?.fin();
});

/** Runs axe-core on the page as it is and returns its violations. */
async function axe(page) {
  await page.addScriptTag({ path: axeScript() });
  return page.evaluate(async (values) => {
    const r = await window.axe.run(document, { runOnly: { type: "tag", values } });
    return r.violations.map((v) => ({
      id: v.id,
      impact: v.impact,
      help: v.help,
      aide: v.helpUrl,
      cibles: v.nodes.map((n) => ({ cible: n.target.join(" "), resume: n.failureSummary })),
    }));
  }, TAGS);
}

function rapport(chemin, violations) {
  return (
    `${violations.length} axe-core violation(s) on ${chemin}:\n` +
    violations
      .map(
        (v) =>
          `- ${v.id} (${v.impact}): ${v.help} <${v.aide}>\n` +
          v.cibles.map((c) => `    ${c.cible}\n      ${(c.resume || "").replace(/\n/g, "\n      ")}`).join("\n"),
      )
      .join("\n")
  );
}

/** Opens `chemin`, failing clearly on a missing page, and optionally prepares it. */
async function ouvrir(chemin, preparer, indice) {
  const page = await site.page();
  if (preparer) {
    await preparer(page);
  } else {
    const reponse = await page.goto(`${site.origin}${chemin}`);
    if (reponse.status() !== 200) await page.context().close();
    assert.equal(
      reponse.status(),
      200,
      `${chemin} answered ${reponse.status()}: the page is missing from the built site${indice ? ` (${indice})` : ""}`,
    );
  }
  return page;
}

const PAGES = [
  ["the home page", "/"],
  ["a case study", "/projets/entreprise-a-accord-temps-de-travail/"],
  ["a term page", "/themes/qvct/"],
  ["the maturity scale and its self-assessment", "/maturite/"],
  ["the apply page with the contact block", "/candidater/"],
  [
    "the search page with results",
    "/recherche/?q=négociation",
    async (page) => {
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
];

test("axe-core finds no WCAG 2.1 A or AA violation on the home page, a case study, a term page, the maturity scale, the apply page, the search page and the printed edition", async (t) => {
  for (const [nom, chemin, preparer, indice] of PAGES) {
    await t.test(`${nom} (${chemin})`, async () => {
      const page = await ouvrir(chemin, preparer, indice);
      try {
        const violations = await axe(page);
        assert.equal(violations.length, 0, rapport(chemin, violations));
      } finally {
        await page.context().close();
      }
    });
  }
});
