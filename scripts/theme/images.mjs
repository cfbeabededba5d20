// Makes the theme's raster images from its SVG logo with headless Chromium (playwright-core from
// tests/tools, Debian's /usr/bin/chromium), so that they can be made again when the logo changes:
//
//   themes/innovation-sociale/static/apple-touch-icon.png   180 × 180, for phones' home screens
//   themes/innovation-sociale/static/images/partage.png    1200 × 630, the default image of shared links
//   themes/innovation-sociale/static/favicon.ico           16, 32 and 48 px PNGs in one ICO file
//
// Run from the repository's root: `node scripts/theme/images.mjs` (after `npm ci --prefix tests/tools`).
// The results are committed: a build does not need Chromium.

import { createRequire } from "node:module";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";

const outils = createRequire(path.resolve("tests/tools/package.json"));
const { chromium } = outils("playwright-core");
const theme = path.resolve("themes/innovation-sociale/static");
const logo = readFileSync(path.join(theme, "favicon.svg"), "utf8");

const navigateur = await chromium.launch({
  executablePath: process.env.GUIDE_CHROMIUM || "/usr/bin/chromium",
  args: ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run"],
});

/** A PNG of `html` drawn at width × height CSS pixels (device scale 1). */
async function png(html, width, height, transparent = false) {
  const page = await navigateur.newPage({ viewport: { width, height }, deviceScaleFactor: 1 });
  await page.setContent(`<!DOCTYPE html><html lang="fr"><head><meta charset="utf-8"><style>html,body{margin:0;width:${width}px;height:${height}px;overflow:hidden}${transparent ? "html,body{background:transparent}" : ""}</style></head><body>${html}</body></html>`);
  const octets = await page.screenshot({ type: "png", omitBackground: transparent });
  await page.close();
  return octets;
}

const logoPlein = (taille) => logo.replace("<svg ", `<svg width="${taille}" height="${taille}" style="display:block" `);

// Apple's icon: opaque, square corners (iOS rounds them itself), the logo's own background.
const touche = await png(`<div style="width:180px;height:180px;background:#9a3b17">${logoPlein(180).replace('rx="7"', 'rx="0"')}</div>`, 180, 180);
writeFileSync(path.join(theme, "apple-touch-icon.png"), touche);

// favicon.ico: PNG images inside an ICO directory (supported by every current browser).
const tailles = [16, 32, 48];
const images = [];
for (const t of tailles) images.push(await png(logoPlein(t), t, t, true));
const entete = Buffer.alloc(6 + 16 * images.length);
entete.writeUInt16LE(0, 0);
entete.writeUInt16LE(1, 2);
entete.writeUInt16LE(images.length, 4);
let decalage = entete.length;
images.forEach((image, i) => {
  const e = 6 + 16 * i;
  entete.writeUInt8(tailles[i] % 256, e);
  entete.writeUInt8(tailles[i] % 256, e + 1);
  entete.writeUInt8(0, e + 2);
  entete.writeUInt8(0, e + 3);
  entete.writeUInt16LE(1, e + 4);
  entete.writeUInt16LE(32, e + 6);
  entete.writeUInt32LE(image.length, e + 8);
  entete.writeUInt32LE(decalage, e + 12);
  decalage += image.length;
});
writeFileSync(path.join(theme, "favicon.ico"), Buffer.concat([entete, ...images]));

// The default image of shared links: the logo, the guide's name and what it offers.
const partage = await png(
  `<div style="box-sizing:border-box;width:1200px;height:630px;padding:90px 96px;background:#fbf8f3;border-top:24px solid #9a3b17;font-family:'DejaVu Serif',Georgia,serif;color:#1f1a16;display:flex;flex-direction:column;justify-content:space-between">
     <div style="display:flex;align-items:center;gap:40px">${logoPlein(150)}
       <div style="font-size:72px;font-weight:700;line-height:1.1">Guide de l’innovation sociale</div></div>
     <div style="font-family:'DejaVu Sans',Arial,sans-serif;font-size:38px;line-height:1.35;color:#5c534b">Des projets de PME, TPE, SCOP et SCIC qui renouvellent le travail, le management et le dialogue social</div>
   </div>`,
  1200,
  630,
);
mkdirSync(path.join(theme, "images"), { recursive: true });
writeFileSync(path.join(theme, "images", "partage.png"), partage);

await navigateur.close();
console.log("apple-touch-icon.png, favicon.ico, images/partage.png written in", theme);
