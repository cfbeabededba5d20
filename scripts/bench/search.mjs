#!/usr/bin/env node
// What a reader downloads and waits for when searching a built guide, and the size of its index.
//
// Usage: node scripts/bench/search.mjs PUBLIC_DIR [--runs N] [--json FILE] [--query Q]...
//
// PUBLIC_DIR is the output of `guide build` (with its Pagefind index in PUBLIC_DIR/pagefind/).
// The script serves it on 127.0.0.1 (a free port, plain HTTP/1.1, no compression: Pagefind's index
// files and its wasm are already gzip-compressed by Pagefind, so what is counted under /pagefind/
// is what a reader downloads) and drives Debian's Chromium (/usr/bin/chromium, or GUIDE_CHROMIUM)
// headless through playwright-core from tests/tools/node_modules (`npm ci --prefix tests/tools`).
//
// For each query of QUERIES (or of the --query options, two at least), N times (--runs, default 3):
// - cold: a fresh browser context (empty cache) opens /recherche/?q=QUERY; the time is from the
//   navigation start (performance.timeOrigin) to the moment recherche.js has shown the results: the
//   aria-live status #recherche-statut is filled and #recherche-resultats is no longer aria-busy
//   (recorded in the page by a MutationObserver, so polling from Node adds nothing). The bytes are
//   the response bodies of every request of the page (Playwright's request.sizes()), in all and
//   under /pagefind/ only, counted once the network is idle;
// - warm: in that same page, the next query of the list is typed into the search field and Enter
//   pressed; the time is from the Enter keydown to its results being shown, the bytes are those of
//   the requests it made. So each query has one cold and one warm measure per run (the warm one
//   follows the cold load of the query before it in the list).
// Prints a table per query (median over the runs), the median and maximum over the queries, the
// first results of each query (to check them by eye) and the index size on disk by kind of file.
// With --json FILE, also writes every sample.

import { createRequire } from "node:module";
import { existsSync, readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { gzipSync } from "node:zlib";

// The browser tests' static server and Chromium launch, shared.
import { CHROMIUM, REPO, launch, serve } from "../../tests/browser/support.mjs";

const outils = createRequire(path.join(REPO, "tests", "tools", "package.json"));

// French queries: accented and not, one and several words, frequent, rare and absent words. On the
// generated benchmark corpus (scripts/bench/gen_corpus.py) the vocabulary is about 45 words:
// « qualité », « tutorat », « coopération », « partage », « valeur », « travail » are on nearly every
// page, « 421 » only in the title of « Fiche 421 » and in the links to it, « négociation », « temps »
// and « photovoltaïque » on none.
const QUERIES = [
  "qualité",
  "qualite",
  "négociation",
  "temps de travail",
  "tutorat",
  "coopérative",
  "partage de la valeur",
  "421",
  "photovoltaïque",
];

function usage(message) {
  if (message) console.error(`search.mjs: ${message}`);
  console.error("usage: node scripts/bench/search.mjs PUBLIC_DIR [--runs N] [--json FILE] [--query Q]...");
  process.exit(2);
}

function parseArgs(argv) {
  const options = { runs: 3, json: null, dir: null, queries: [] };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === "--runs") {
      options.runs = Number.parseInt(argv[++i], 10);
      if (!(options.runs >= 1)) usage("--runs needs a positive integer");
    } else if (a === "--json") {
      options.json = argv[++i];
      if (!options.json) usage("--json needs a file name");
    } else if (a === "--query") {
      const q = argv[++i];
      if (!q || !q.trim()) usage("--query needs a query");
      options.queries.push(q.trim());
    } else if (a === "-h" || a === "--help") {
      usage();
    } else if (a.startsWith("-")) {
      usage(`unknown option ${a}`);
    } else if (options.dir === null) {
      options.dir = path.resolve(a);
    } else {
      usage(`unexpected argument ${a}`);
    }
  }
  if (!options.dir) usage();
  if (options.queries.length === 1) usage("give two --query at least (each is typed warm after the one before it)");
  if (new Set(options.queries).size !== options.queries.length) usage("the same --query twice");
  if (options.queries.length === 0) options.queries = QUERIES;
  if (!existsSync(path.join(options.dir, "recherche", "index.html"))) usage(`no recherche/index.html in ${options.dir}`);
  if (!existsSync(path.join(options.dir, "pagefind"))) usage(`no pagefind/ in ${options.dir} (built with --no-search?)`);
  return options;
}

// ---------------------------------------------------------------------------------------------
// The size of each file served once gzip-compressed (the same size for files Pagefind already
// compressed), to tell what the HTML, CSS and JS of the page would weigh from a server that
// compresses.

let siteRoot = "";
const gzipped = new Map(); // url path → size once gzip-compressed

function gzippedSize(urlPath, size) {
  if (!gzipped.has(urlPath)) {
    let file = path.join(siteRoot, decodeURIComponent(urlPath));
    if (existsSync(file) && statSync(file).isDirectory()) file = path.join(file, "index.html");
    let compressed = size;
    if (existsSync(file) && statSync(file).isFile()) {
      const body = readFileSync(file);
      const dejaGzip = body.length > 2 && body[0] === 0x1f && body[1] === 0x8b;
      compressed = dejaGzip ? body.length : gzipSync(body).length;
    }
    gzipped.set(urlPath, compressed);
  }
  return gzipped.get(urlPath);
}

// ---------------------------------------------------------------------------------------------
// In the page, before its scripts: records when the results are shown (status filled, results not
// busy) and when Enter is pressed, in performance.now() time (milliseconds since navigation start).

function watcher() {
  window.__shown = null;
  window.__enterAt = null;
  document.addEventListener(
    "keydown",
    (e) => {
      if (e.key === "Enter") window.__enterAt = performance.now();
    },
    true,
  );
  const check = () => {
    const statut = document.getElementById("recherche-statut");
    const zone = document.getElementById("recherche-resultats");
    if (!statut || !zone) return;
    const text = statut.textContent.trim();
    if (text === "" || zone.hasAttribute("aria-busy")) return;
    if (window.__shown && window.__shown.text === text) return;
    window.__shown = { t: performance.now(), text, shown: zone.querySelectorAll(".resultat").length };
  };
  new MutationObserver(check).observe(document, {
    subtree: true,
    childList: true,
    characterData: true,
    attributes: true,
    attributeFilter: ["aria-busy"],
  });
}

const NBSP = "\u00a0";
const quoted = (q) => `«${NBSP}${q}${NBSP}»`;

/** The number of results announced by the status line ("Aucun résultat…" → 0). */
function countOf(statut) {
  const m = /^([\d\s\u00a0\u202f]+)\s*résultats?/.exec(statut);
  if (m) return Number.parseInt(m[1].replace(/[\s\u00a0\u202f]/g, ""), 10);
  if (/^Aucun résultat/.test(statut)) return 0;
  return null;
}

/** The kind of a response, for the breakdown of the cold bytes. */
function partOf(urlPath) {
  const i = urlPath.indexOf("/pagefind/");
  if (i < 0) return "site";
  // The parts of a large site's index (part-N/, see guide-parties.json) hold the same kinds.
  const rel = urlPath.slice(i + "/pagefind/".length).replace(/^part-\d+\//, "");
  if (rel.startsWith("index/")) return "index";
  if (rel.startsWith("fragment/")) return "fragment";
  if (rel.startsWith("filter/")) return "filter";
  if (rel.endsWith(".pf_meta")) return "meta";
  if (rel.startsWith("wasm.")) return "wasm";
  return "js";
}
const PARTS = ["site", "js", "wasm", "meta", "filter", "index", "fragment"];

function tally(records, from = 0) {
  let total = 0;
  let pagefind = 0;
  let totalGz = 0;
  let requests = 0;
  let pagefindRequests = 0;
  const parts = Object.fromEntries(PARTS.map((k) => [k, 0]));
  for (const r of records.slice(from)) {
    requests++;
    parts[partOf(r.path)] += r.body;
    total += r.body;
    totalGz += gzippedSize(r.path, r.body);
    if (r.path.includes("/pagefind/")) {
      pagefind += r.body;
      pagefindRequests++;
    }
  }
  return { total, pagefind, totalGz, requests, pagefindRequests, parts };
}

async function idle(page) {
  await page.waitForLoadState("networkidle", { timeout: 30_000 }).catch(() => {});
}

async function waitShown(page, q, timeout = 120_000) {
  await page.waitForFunction((attendu) => window.__shown && window.__shown.text.includes(attendu), quoted(q), {
    timeout,
    polling: 20,
  });
  return page.evaluate(() => window.__shown);
}

/** One cold search of `q` in a fresh context, then the warm search of `next` in the same page. */
async function measure(browser, origin, q, next) {
  const context = await browser.newContext({ locale: "fr-FR", viewport: { width: 1280, height: 900 } });
  await context.addInitScript(watcher);
  const page = await context.newPage();
  const erreurs = [];
  page.on("pageerror", (e) => erreurs.push(String(e)));
  page.on("console", (m) => {
    if (m.type() === "error") erreurs.push(m.text());
  });
  const pending = [];
  const failed = [];
  page.on("requestfinished", (request) => {
    pending.push(
      request.sizes().then((s) => ({ path: new URL(request.url()).pathname, body: s.responseBodySize, url: request.url() })),
    );
  });
  page.on("requestfailed", (request) => failed.push(`${request.url()} ${request.failure()?.errorText}`));
  const records = async () => Promise.all(pending);

  try {
    await page.goto(`${origin}/recherche/?q=${encodeURIComponent(q)}`, { waitUntil: "commit" });
    const cold = await waitShown(page, q);
    await idle(page);
    const coldRecords = await records();
    const coldBytes = tally(coldRecords);
    const premiers = await page.evaluate(() =>
      Array.from(document.querySelectorAll("#recherche-resultats .resultat")).slice(0, 3).map((li) => ({
        titre: li.querySelector(".resultat__titre a")?.textContent.trim(),
        chemin: new URL(li.querySelector(".resultat__titre a")?.href || location.href).pathname,
        marques: Array.from(li.querySelectorAll("mark")).map((m) => m.textContent.trim()),
      })),
    );

    await page.fill("#recherche-mots", next);
    await page.press("#recherche-mots", "Enter");
    const warm = await waitShown(page, next);
    const enterAt = await page.evaluate(() => window.__enterAt);
    await idle(page);
    const warmBytes = tally(await records(), coldRecords.length);

    return {
      q,
      statut: cold.text,
      count: countOf(cold.text),
      shown: cold.shown,
      coldMs: cold.t,
      coldBytes,
      premiers,
      next,
      nextStatut: warm.text,
      nextCount: countOf(warm.text),
      warmMs: warm.t - enterAt,
      warmBytes,
      files: coldRecords.map((r) => [r.path, r.body]),
      erreurs,
      failed,
    };
  } finally {
    await context.close().catch(() => {});
  }
}

// ---------------------------------------------------------------------------------------------
// The index on disk.

function walk(dir, base = dir, out = []) {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, entry.name);
    if (entry.isDirectory()) walk(p, base, out);
    else if (entry.isFile()) out.push({ rel: path.relative(base, p), size: statSync(p).size });
  }
  return out;
}

function kindOf(rel) {
  const parts = rel.split(path.sep);
  // A part of the index (part-N/) counts with the main part's files of the same kind.
  if (/^part-\d+$/.test(parts[0]) && parts.length > 1) return kindOf(parts.slice(1).join(path.sep));
  if (parts.length > 1) return `${parts[0]}/ (*${path.extname(rel)})`;
  const name = parts[0];
  if (name.startsWith("wasm.")) return "wasm.*.pagefind";
  if (name.endsWith(".pf_meta")) return "*.pf_meta (metadata)";
  if (name === "pagefind-entry.json") return "pagefind-entry.json";
  if (name === "pagefind.js") return "pagefind.js";
  // Pagefind's ready-made UIs, highlighter and worker: written by every build, unused by recherche.js.
  if (name.startsWith("pagefind-")) {
    const ext = path.extname(name);
    return `pagefind-*${ext} (ready-made UI${ext === ".js" ? ", highlight, worker" : ""}: unused)`;
  }
  return `other (*${path.extname(name)})`;
}

function indexSize(dir) {
  const files = walk(path.join(dir, "pagefind"));
  const kinds = new Map();
  for (const f of files) {
    const k = kindOf(f.rel);
    const e = kinds.get(k) || { files: 0, bytes: 0, max: 0, names: [] };
    e.files++;
    e.bytes += f.size;
    e.max = Math.max(e.max, f.size);
    if (e.names.length < 3) e.names.push(f.rel);
    kinds.set(k, e);
  }
  return {
    files: files.length,
    bytes: files.reduce((s, f) => s + f.size, 0),
    kinds: [...kinds.entries()].sort((a, b) => b[1].bytes - a[1].bytes),
  };
}

// ---------------------------------------------------------------------------------------------

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};
const kb = (n) => `${(n / 1024).toFixed(1)} KiB`;
const ms = (n) => `${Math.round(n)}`;
const fmtInt = (n) => String(n).replace(/\B(?=(\d{3})+(?!\d))/g, " ");

async function main() {
  const options = parseArgs(process.argv.slice(2));
  siteRoot = options.dir;
  const pages = walk(options.dir).filter((f) => f.rel.endsWith("index.html")).length;

  const started = new Date();
  const loadStart = os.loadavg();
  const serveur = await serve(options.dir);
  const browser = await launch();
  const version = browser.version();
  const samples = [];
  try {
    // One untimed search first, so that the files of the site are in the page cache of the OS.
    await measure(browser, serveur.origin, options.queries[0], options.queries[1]);
    for (let run = 0; run < options.runs; run++) {
      for (let i = 0; i < options.queries.length; i++) {
        const s = await measure(browser, serveur.origin, options.queries[i], options.queries[(i + 1) % options.queries.length]);
        s.run = run;
        samples.push(s);
        process.stderr.write(
          `run ${run + 1}/${options.runs} « ${s.q} »: ${s.count} results, cold ${ms(s.coldMs)} ms ${kb(s.coldBytes.total)}` +
            ` (pagefind ${kb(s.coldBytes.pagefind)}), warm « ${s.next} » ${ms(s.warmMs)} ms ${kb(s.warmBytes.total)}\n`,
        );
      }
    }
  } finally {
    await browser.close().catch(() => {});
    await serveur.close();
  }
  const loadEnd = os.loadavg();

  // Per query: cold measures of that query; warm measures where it was the typed (next) query.
  const rows = options.queries.map((q) => {
    const cold = samples.filter((s) => s.q === q);
    const warm = samples.filter((s) => s.next === q);
    return {
      q,
      count: cold[0].count,
      counts: [...new Set(cold.map((s) => s.count).concat(warm.map((s) => s.nextCount)))],
      total: median(cold.map((s) => s.coldBytes.total)),
      totalGz: median(cold.map((s) => s.coldBytes.totalGz)),
      pagefind: median(cold.map((s) => s.coldBytes.pagefind)),
      requests: median(cold.map((s) => s.coldBytes.requests)),
      pagefindRequests: median(cold.map((s) => s.coldBytes.pagefindRequests)),
      coldMs: median(cold.map((s) => s.coldMs)),
      coldRange: [Math.min(...cold.map((s) => s.coldMs)), Math.max(...cold.map((s) => s.coldMs))],
      warmMs: median(warm.map((s) => s.warmMs)),
      warmRange: [Math.min(...warm.map((s) => s.warmMs)), Math.max(...warm.map((s) => s.warmMs))],
      warmPagefind: median(warm.map((s) => s.warmBytes.pagefind)),
      parts: Object.fromEntries(PARTS.map((k) => [k, median(cold.map((s) => s.coldBytes.parts[k]))])),
      premiers: cold[0].premiers,
      statut: cold[0].statut,
      erreurs: [...new Set(cold.concat(warm).flatMap((s) => s.erreurs.concat(s.failed)))],
    };
  });

  const out = [];
  const p = (line = "") => out.push(line);
  p(`Search on ${options.dir} (${fmtInt(pages)} HTML pages), ${options.runs} run(s) per query, ${started.toISOString()}`);
  p(`Machine: ${os.cpus().length} CPUs, load average (1, 5, 15 min) at start ${loadStart.map((x) => x.toFixed(2)).join(" ")}, at end ${loadEnd.map((x) => x.toFixed(2)).join(" ")}`);
  p(`Browser: ${CHROMIUM} ${version}, playwright-core ${outils("playwright-core/package.json").version}`);
  p();
  p("| Query | Results | Cold bytes, total | Cold bytes, /pagefind/ | Cold requests (pagefind) | Cold time (ms) | Warm time (ms) | Warm bytes, /pagefind/ |");
  p("|---|---:|---:|---:|---:|---:|---:|---:|");
  for (const r of rows) {
    const counts = r.counts.length > 1 ? ` (varies: ${r.counts.join(", ")})` : "";
    p(
      `| ${r.q} | ${fmtInt(r.count)}${counts} | ${kb(r.total)} | ${kb(r.pagefind)} | ${r.requests} (${r.pagefindRequests}) | ` +
        `${ms(r.coldMs)} (${ms(r.coldRange[0])}–${ms(r.coldRange[1])}) | ${ms(r.warmMs)} (${ms(r.warmRange[0])}–${ms(r.warmRange[1])}) | ${kb(r.warmPagefind)} |`,
    );
  }
  const col = (k) => rows.map((r) => r[k]);
  p(
    `| **median** |  | ${kb(median(col("total")))} | ${kb(median(col("pagefind")))} |  | ${ms(median(col("coldMs")))} | ${ms(median(col("warmMs")))} | ${kb(median(col("warmPagefind")))} |`,
  );
  p(
    `| **max** |  | ${kb(Math.max(...col("total")))} | ${kb(Math.max(...col("pagefind")))} |  | ${ms(Math.max(...col("coldMs")))} | ${ms(Math.max(...col("warmMs")))} | ${kb(Math.max(...col("warmPagefind")))} |`,
  );
  p();
  p(
    `Cold bytes are response bodies as served, uncompressed except Pagefind's own gzip files; with gzip on the HTML, CSS and JS ` +
      `the cold total would be median ${kb(median(col("totalGz")))}, max ${kb(Math.max(...col("totalGz")))}. ` +
      `Times: median over the runs (min–max). Warm: typed into the field of a page that has already searched the query before it in the list.`,
  );
  p();
  p("Cold bytes by kind of file (median over the runs): site = the page's HTML, CSS, JS and images; js = pagefind.js and");
  p("pagefind-entry.json; wasm = wasm.fr.pagefind; meta = pagefind.*.pf_meta; filter, index, fragment = the chunks of those folders.");
  p();
  p(`| Query | ${PARTS.join(" | ")} |`);
  p(`|---|${PARTS.map(() => "---:").join("|")}|`);
  for (const r of rows) p(`| ${r.q} | ${PARTS.map((k) => kb(r.parts[k])).join(" | ")} |`);
  p();
  p("First results (cold, first run):");
  for (const r of rows) {
    p(`- « ${r.q} »: ${r.statut}`);
    for (const x of r.premiers) p(`    ${x.chemin} — ${x.titre} — marked: ${JSON.stringify([...new Set(x.marques)])}`);
    if (r.erreurs.length > 0) p(`    ERRORS: ${r.erreurs.join(" | ")}`);
  }
  const largest = samples[0]
    ? [...samples.reduce((m, s) => (s.coldBytes.total > m.coldBytes.total ? s : m)).files].sort((a, b) => b[1] - a[1]).slice(0, 8)
    : [];
  if (largest.length > 0) {
    p();
    p(`Largest responses of the heaviest cold search: ${largest.map(([f, b]) => `${f} ${kb(b)}`).join(", ")}`);
  }

  const index = indexSize(options.dir);
  p();
  p(`Index on disk: ${options.dir}/pagefind/, ${fmtInt(index.files)} files, ${kb(index.bytes)} (${(index.bytes / 1048576).toFixed(1)} MiB)`);
  p();
  p("| Files | Count | Total | Largest |");
  p("|---|---:|---:|---:|");
  for (const [k, e] of index.kinds) p(`| ${k} | ${fmtInt(e.files)} | ${kb(e.bytes)} | ${kb(e.max)} |`);
  console.log(out.join("\n"));

  if (options.json) {
    writeFileSync(options.json, JSON.stringify({ dir: options.dir, started, loadStart, loadEnd, rows, index, samples }, null, 2));
  }
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
