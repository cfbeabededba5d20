// axe-core (WCAG 2.1 A and AA rules, and its best practices) on every kind of page, as rendered by
// Chromium at 375 px (a phone) and 1280 px.

import { after, before, test } from "node:test";
import assert from "node:assert/strict";

import { axeScript, demarrer } from "./support.mjs";
import { LARGEURS, PAGES, ouvrir } from "./pages.mjs";

const TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "best-practice"];

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

test("axe-core finds no WCAG 2.1 A or AA violation nor best-practice fault on any kind of page, at 375 and 1280 px", async (t) => {
  for (const viewport of LARGEURS) {
    for (const type of PAGES) {
      const [nom, chemin] = type;
      await t.test(`${nom} (${chemin}) at ${viewport.width} px`, async () => {
        const page = await ouvrir(site, type, viewport);
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
