// axe-core (WCAG 2.1 A and AA rules, and its best practices) and HTML_CodeSniffer (pa11y's WCAG2AA
// runner) on every kind of page, as rendered by Chromium at 375 px (a phone) and 1280 px.

import { after, before, test } from "node:test";
import assert from "node:assert/strict";

import { axeScript, demarrer, htmlcsScript, rechercher } from "./support.mjs";

const TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "best-practice"];
const LARGEURS = [
  { width: 375, height: 812 },
  { width: 1280, height: 900 },
];

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
async function ouvrir(chemin, preparer, indice, viewport) {
  const page = await site.page({ viewport });
  if (preparer) {
    await preparer(page);
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

const PAGES = [
  ["the home page", "/"],
  ["a case study", "/projets/entreprise-a-accord-temps-de-travail/"],
  ["a case study with an indicators table", "/projets/collectif-e-gpec-territoriale/"],
  [
    "the list of case studies with its facets",
    "/projets/",
    async (page) => {
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
  ["the page not found", "/page-qui-n-existe-pas/"],
];

test("axe-core finds no WCAG 2.1 A or AA violation nor best-practice fault on any kind of page, at 375 and 1280 px", async (t) => {
  for (const viewport of LARGEURS) {
    for (const [nom, chemin, preparer, indice] of PAGES) {
      await t.test(`${nom} (${chemin}) at ${viewport.width} px`, async () => {
        const page = await ouvrir(chemin, preparer, indice, viewport);
        try {
          const violations = await axe(page);
          assert.equal(violations.length, 0, `at ${viewport.width} px: ` + rapport(chemin, violations));
        } finally {
          await page.context().close();
        }
      });
    }
  }
});

/** Runs HTML_CodeSniffer's WCAG2AA standard, as pa11y does, and returns its errors. */
async function htmlcs(page) {
  await page.addScriptTag({ path: htmlcsScript() });
  return page.evaluate(
    () =>
      new Promise((resolve, reject) => {
        window.HTMLCS.process("WCAG2AA", window.document, (erreur) => {
          if (erreur) return reject(new Error(String(erreur)));
          const messages = window.HTMLCS.getMessages().filter((m) => m.type === window.HTMLCS.ERROR);
          resolve(
            messages.map((m) => ({
              code: m.code,
              message: m.msg,
              element: m.element.outerHTML.slice(0, 160),
            })),
          );
        });
      }),
  );
}

test("HTML_CodeSniffer (pa11y's WCAG2AA runner) finds no error on any kind of page", async (t) => {
  for (const [nom, chemin, preparer, indice] of PAGES) {
    await t.test(`${nom} (${chemin})`, async () => {
      const page = await ouvrir(chemin, preparer, indice, LARGEURS[1]);
      try {
        const erreurs = await htmlcs(page);
        assert.deepEqual(erreurs, [], `${erreurs.length} HTML_CodeSniffer error(s) on ${chemin}`);
      } finally {
        await page.context().close();
      }
    });
  }
});
