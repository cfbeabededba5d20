// HTML_CodeSniffer's WCAG2AA standard, the runner pa11y uses by default, on every kind of page:
// injected with playwright-core (pa11y itself would download a browser through puppeteer).

import { after, before, test } from "node:test";
import assert from "node:assert/strict";

import { demarrer, htmlcsScript } from "./support.mjs";
import { LARGEURS, PAGES, ouvrir } from "./pages.mjs";

let site;
before(async () => {
  site = await demarrer();
});
after(async () => {
  await site?.fin();
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
  for (const type of PAGES) {
    const [nom, chemin] = type;
    await t.test(`${nom} (${chemin})`, async () => {
      const page = await ouvrir(site, type, LARGEURS[1]);
      try {
        const erreurs = await htmlcs(page);
        assert.deepEqual(erreurs, [], `${erreurs.length} HTML_CodeSniffer error(s) on ${chemin}`);
      } finally {
        await page.context().close();
      }
    });
  }
});
