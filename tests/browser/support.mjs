// Shared helpers of the browser tests: the built site, a tiny static server, headless Chromium.
//
// The site is the folder named by GUIDE_PUBLIC (tests/browser.rs builds the guide into a temporary
// folder and sets it), or else the repository's public/ (what `cargo run --release -- build`
// writes). Playwright (playwright-core, no browser download) and axe-core come from
// tests/tools/node_modules (`npm ci --prefix tests/tools`); the browser is Debian's Chromium.

import { createServer } from "node:http";
import { createRequire } from "node:module";
import { existsSync, readFileSync, statSync } from "node:fs";
import { readFile } from "node:fs/promises";
import path from "node:path";
import { fileURLToPath } from "node:url";

const ici = path.dirname(fileURLToPath(import.meta.url));
export const REPO = path.resolve(ici, "..", "..");
const outils = createRequire(path.join(REPO, "tests", "tools", "package.json"));

export const CHROMIUM = process.env.GUIDE_CHROMIUM || "/usr/bin/chromium";
const ARGS = [
  "--no-sandbox",
  "--disable-gpu",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
  "--no-first-run",
];

/** The folder of the built site; throws a clear error when it has not been built. */
export function publicDir() {
  const dir = path.resolve(process.env.GUIDE_PUBLIC || path.join(REPO, "public"));
  if (!existsSync(path.join(dir, "index.html"))) {
    throw new Error(
      `no built site in ${dir}: run \`./target/release/guide build --output DIR\` and set GUIDE_PUBLIC=DIR ` +
        "(or `cargo run --release -- build` to fill public/)",
    );
  }
  return dir;
}

const TYPES = {
  ".html": "text/html; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".mjs": "text/javascript; charset=utf-8",
  ".json": "application/json; charset=utf-8",
  ".xml": "application/xml; charset=utf-8",
  ".txt": "text/plain; charset=utf-8",
  ".csv": "text/csv; charset=utf-8",
  ".svg": "image/svg+xml",
  ".png": "image/png",
  ".jpg": "image/jpeg",
  ".jpeg": "image/jpeg",
  ".webp": "image/webp",
  ".avif": "image/avif",
  ".gif": "image/gif",
  ".ico": "image/x-icon",
  ".woff2": "font/woff2",
  ".woff": "font/woff",
  ".pdf": "application/pdf",
  ".wasm": "application/octet-stream",
  ".pagefind": "application/octet-stream",
};

function contentType(file) {
  const ext = path.extname(file).toLowerCase();
  // Pagefind's index files: .pf_meta, .pf_index, .pf_fragment, .pf_filter.
  if (ext.startsWith(".pf_")) return "application/octet-stream";
  return TYPES[ext] || "application/octet-stream";
}

function isFile(p) {
  try {
    return statSync(p).isFile();
  } catch {
    return false;
  }
}

function isDir(p) {
  try {
    return statSync(p).isDirectory();
  } catch {
    return false;
  }
}

/**
 * Serves `root` on 127.0.0.1 (a free port): `/dir/` → `dir/index.html`, `/dir` → redirect to
 * `/dir/`, a missing file → 404.html with status 404. Returns { origin, close }.
 */
export async function serve(root) {
  const server = createServer(async (req, res) => {
    try {
      const url = new URL(req.url, "http://localhost");
      let rel;
      try {
        rel = decodeURIComponent(url.pathname);
      } catch {
        res.writeHead(400).end();
        return;
      }
      let file = path.join(root, rel);
      if (file !== root && !file.startsWith(root + path.sep)) {
        res.writeHead(403).end();
        return;
      }
      if (isDir(file)) {
        if (!rel.endsWith("/")) {
          res.writeHead(301, { Location: `${url.pathname}/${url.search}` }).end();
          return;
        }
        file = path.join(file, "index.html");
      }
      let status = 200;
      if (!isFile(file)) {
        status = 404;
        file = path.join(root, "404.html");
        if (!isFile(file)) {
          res.writeHead(404, { "Content-Type": "text/plain; charset=utf-8" }).end("404");
          return;
        }
      }
      const body = await readFile(file);
      res.writeHead(status, {
        "Content-Type": contentType(file),
        "Content-Length": body.length,
        "Cache-Control": "no-store",
      });
      res.end(req.method === "HEAD" ? undefined : body);
    } catch (erreur) {
      res.writeHead(500).end(String(erreur));
    }
  });
  await new Promise((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address();
  return {
    origin: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections?.();
        server.close(() => resolve());
      }),
  };
}

/** Headless Debian Chromium driven by playwright-core. */
export async function launch() {
  const { chromium } = outils("playwright-core");
  if (!existsSync(CHROMIUM)) throw new Error(`Chromium is missing: ${CHROMIUM} (apt-get install chromium)`);
  return chromium.launch({ executablePath: CHROMIUM, headless: true, args: ARGS });
}

/** The site served and a browser, for one test file; `fin()` closes both. */
export async function demarrer() {
  const root = publicDir();
  const serveur = await serve(root);
  const browser = await launch();
  return {
    root,
    origin: serveur.origin,
    browser,
    /** A new page (own context) with French locale and a desktop viewport. */
    async page(options = {}) {
      const context = await browser.newContext({
        locale: "fr-FR",
        viewport: { width: 1280, height: 900 },
        ...options,
      });
      const page = await context.newPage();
      const erreurs = [];
      page.on("pageerror", (e) => erreurs.push(String(e)));
      page.on("console", (m) => {
        if (m.type() === "error") erreurs.push(m.text());
      });
      page.erreurs = erreurs;
      return page;
    },
    async fin() {
      await browser.close().catch(() => {});
      await serveur.close();
    },
  };
}

/** The path of axe-core's browser script. */
export function axeScript() {
  return outils.resolve("axe-core");
}

/**
 * The path of HTML_CodeSniffer's browser build: the WCAG2AA runner of pa11y, used without pa11y
 * (which would download its own browser through puppeteer).
 */
export function htmlcsScript() {
  return path.join(path.dirname(outils.resolve("html_codesniffer/package.json")), "build", "HTMLCS.js");
}

/** The case studies of the site, from its projets.json: [{ path, titre, taxonomies }]. */
export function caseStudies(root) {
  const donnees = JSON.parse(readFileSync(path.join(root, "projets.json"), "utf8"));
  return donnees.projets.map((p) => ({
    path: new URL(p.url).pathname,
    titre: p.titre,
    taxonomies: Object.fromEntries(
      Object.entries(p.taxonomies || {}).map(([nom, termes]) => [nom, termes.map((t) => t.slug)]),
    ),
  }));
}

/** Polls `fn` until it returns a truthy value, at most `ms` milliseconds. */
export async function attendre(fn, { ms = 10_000, pas = 100, message = "condition" } = {}) {
  const limite = Date.now() + ms;
  let derniere;
  for (;;) {
    try {
      const v = await fn();
      if (v) return v;
    } catch (e) {
      derniere = e;
    }
    if (Date.now() > limite) {
      throw new Error(`timed out after ${ms} ms waiting for ${message}${derniere ? `: ${derniere}` : ""}`);
    }
    await new Promise((r) => setTimeout(r, pas));
  }
}

/**
 * Opens the search page for `q` and waits (10 s at most) for Pagefind's answer: the aria-live
 * status is filled and the results are no longer busy. Shows every page of results ("Afficher
 * plus"), then returns { statut, chemins (result paths, in order), titres, marques (<mark>ed words) }.
 */
export async function rechercher(page, origin, q) {
  await page.goto(`${origin}/recherche/?q=${encodeURIComponent(q)}`);
  await attendre(
    () =>
      page.evaluate(() => {
        const statut = document.getElementById("recherche-statut");
        const zone = document.getElementById("recherche-resultats");
        return statut && statut.textContent.trim() !== "" && !zone.hasAttribute("aria-busy");
      }),
    { message: `the results of the search for « ${q} » (page errors: ${page.erreurs?.join(" | ") || "none"})` },
  );
  for (let i = 0; i < 20; i++) {
    const plus = page.locator("#recherche-resultats .resultats__plus");
    if ((await plus.count()) === 0) break;
    const avant = await page.locator("#recherche-resultats .resultat").count();
    await plus.click();
    await attendre(async () => (await page.locator("#recherche-resultats .resultat").count()) > avant, {
      message: "more results after « Afficher plus »",
    });
  }
  return page.evaluate(() => {
    const liens = Array.from(document.querySelectorAll("#recherche-resultats .resultat__titre a"));
    return {
      statut: document.getElementById("recherche-statut").textContent.trim(),
      chemins: liens.map((a) => new URL(a.href).pathname),
      titres: liens.map((a) => a.textContent.trim()),
      marques: Array.from(document.querySelectorAll("#recherche-resultats mark")).map((m) => m.textContent.trim()),
    };
  });
}
