// Sharing: every page carries Open Graph and Twitter card tags (title, description, canonical
// address, the theme's default image as PNG, og:locale fr_FR), and the site has /favicon.ico and an
// apple-touch icon that are real images.

import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { readdirSync, readFileSync, statSync } from "node:fs";
import path from "node:path";

import { demarrer } from "./support.mjs";

let site;
before(async () => {
  site = await demarrer();
});
after(async () => {
  await site?.fin();
});

/** Every HTML file of the built site but the redirect pages of aliases, relative to its root. */
function pagesHtml(racine, dossier = racine, liste = []) {
  for (const nom of readdirSync(dossier)) {
    const chemin = path.join(dossier, nom);
    if (statSync(chemin).isDirectory()) pagesHtml(racine, chemin, liste);
    else if (nom.endsWith(".html")) {
      const html = readFileSync(chemin, "utf8");
      if (!/<meta http-equiv="refresh"/i.test(html)) liste.push(path.relative(racine, chemin));
    }
  }
  return liste;
}

/** The Open Graph and Twitter meta tags of a page, as the browser reads them. */
function metas(page) {
  return page.evaluate(() => {
    const m = {};
    for (const e of document.querySelectorAll("meta[property], meta[name]")) {
      m[e.getAttribute("property") || e.getAttribute("name")] = e.getAttribute("content");
    }
    m.canonical = document.querySelector('link[rel="canonical"]')?.href ?? null;
    m.titre = document.title;
    return m;
  });
}

const PNG = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

test("every page has Open Graph and Twitter card tags: title, description, canonical address, a PNG image, fr_FR", async () => {
  const fichiers = pagesHtml(site.root);
  assert.ok(fichiers.length > 20, `the site has its pages (${fichiers.length})`);
  const page = await site.page({ javaScriptEnabled: false });
  const images = new Set();
  for (const fichier of fichiers) {
    const chemin = "/" + fichier.replace(/index\.html$/, "");
    await page.goto(`${site.origin}${chemin}`);
    const m = await metas(page);
    const ou = `${chemin} (${fichier})`;
    for (const cle of ["og:title", "og:description", "og:image", "og:image:alt", "og:type", "og:site_name", "twitter:card", "twitter:title", "twitter:description", "twitter:image"]) {
      assert.ok(m[cle] && m[cle].trim().length > 0, `${ou} has a non-empty ${cle}`);
    }
    assert.equal(m["og:locale"], "fr_FR", `${ou}: og:locale`);
    assert.equal(m["twitter:card"], "summary_large_image", `${ou}: twitter:card`);
    assert.equal(m["og:description"], m.description, `${ou}: og:description is the page's description`);
    // The <title> is typeset (curly apostrophes, no-break spaces), attributes are not.
    const simple = (t) => t.replace(/[’']/g, "'").replace(/[\s\u00a0\u202f]+/g, " ");
    assert.ok(
      simple(m.titre).startsWith(simple(m["og:title"])),
      `${ou}: og:title « ${m["og:title"]} » is the start of the title « ${m.titre} »`,
    );
    if (fichier !== "404.html") {
      assert.ok(m.canonical, `${ou} has a canonical address`);
      assert.equal(m["og:url"], m.canonical, `${ou}: og:url is the canonical address`);
    }
    assert.match(m["og:image"], /^https?:\/\/.+\.png$/, `${ou}: og:image is an absolute PNG address`);
    assert.equal(m["twitter:image"], m["og:image"], `${ou}: twitter:image is og:image`);
    images.add(m["og:image"]);
  }
  await page.context().close();

  // The image is in the built site, as a PNG of the size sharing services expect.
  for (const image of images) {
    const fichier = path.join(site.root, new URL(image).pathname);
    const octets = readFileSync(fichier);
    assert.deepEqual(octets.subarray(0, 8), PNG, `${image} is a PNG`);
    assert.equal(octets.readUInt32BE(16), 1200, `${image} is 1200 px wide`);
    assert.equal(octets.readUInt32BE(20), 630, `${image} is 630 px high`);
  }
});

test("the site serves /favicon.ico and an apple-touch icon that are real images, linked from every page", async () => {
  const ico = readFileSync(path.join(site.root, "favicon.ico"));
  assert.deepEqual([...ico.subarray(0, 4)], [0, 0, 1, 0], "favicon.ico is an ICO file");
  assert.ok(ico.readUInt16LE(4) >= 2, "favicon.ico holds at least two sizes (16 and 32 px)");

  const page = await site.page();
  await page.goto(`${site.origin}/`);
  const liens = await page.evaluate(() => ({
    touch: document.querySelector('link[rel="apple-touch-icon"]')?.href,
    ico: document.querySelector('link[rel="icon"][sizes="32x32"], link[rel="icon"][href$=".ico"]')?.href,
  }));
  assert.ok(liens.touch, "the page links its apple-touch icon");
  assert.ok(liens.ico, "the page links favicon.ico");
  const touch = readFileSync(path.join(site.root, new URL(liens.touch).pathname));
  assert.deepEqual(touch.subarray(0, 8), PNG, "the apple-touch icon is a PNG");
  assert.equal(touch.readUInt32BE(16), 180, "the apple-touch icon is 180 px wide");
  for (const url of [liens.touch, liens.ico]) {
    const reponse = await page.request.get(url);
    assert.equal(reponse.status(), 200, `${url} is served`);
  }
  await page.context().close();
});
